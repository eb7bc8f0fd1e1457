// The ESC/POS driver over real libusb against a umockdev testbed, in-process (harness.md §2 and
// its appendix): a USB printer-class device 1209:0001 whose bulk OUT bytes go into the virtual
// printer and whose bulk IN answers come from it. Checks the bytes received, the status read
// back over bulk IN, a printer that never answers, unplug mid-job and hot-plug removal.
// The binary runs under umockdev-wrapper (CMake sets it as the test's emulator).
#include <gtest/gtest.h>
#include <linux/ioctl.h>
#include <linux/usbdevice_fs.h>
#include <umockdev.h>

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <mutex>

#include "drivers/printer/escpos/escpos_driver.hpp"
#include "printing_support.hpp"

namespace kiosk::drivers::escpos {
namespace {

using namespace std::chrono_literals;

constexpr const char* kDevicePath = "/dev/bus/usb/001/002";
constexpr const char* kSysfsPath = "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1";
// Device 1209:0001; configuration 1 with one interface of class 7 (printer), subclass 1,
// protocol 2 (bidirectional), bulk OUT 0x01 and bulk IN 0x82, 64-byte packets.
constexpr const char* kDeviceDescription =
    "P: /devices/pci0000:00/0000:00:14.0/usb1/1-1\n"
    "N: bus/usb/001/002\n"
    "E: SUBSYSTEM=usb\n"
    "E: DEVTYPE=usb_device\n"
    "E: DRIVER=usb\n"
    "E: BUSNUM=001\n"
    "E: DEVNUM=002\n"
    "E: DEVNAME=/dev/bus/usb/001/002\n"
    "A: busnum=1\\n\n"
    "A: devnum=2\\n\n"
    "A: speed=12\\n\n"
    "A: bConfigurationValue=1\\n\n"
    "A: idVendor=1209\\n\n"
    "A: idProduct=0001\\n\n"
    "H: descriptors=12010002000000400912010000010102030109022000010100C0320904000002070102000705010240000007058202400000\n";
// The same device with a vendor-specific interface (class 0xFF, subclass 0, protocol 0), as some
// kiosk printers expose instead of the printer class.
std::string vendorDescription() {
    std::string text = kDeviceDescription;
    const std::string printerInterface = "0904000002070102";
    text.replace(text.find(printerInterface), printerInterface.size(), "09040000" "02FF0000");
    return text;
}

/// The USB side of the virtual printer: answers usbfs ioctls like the kernel would.
struct UsbPrinterBench {
    UMockdevTestbed* testbed = nullptr;
    UMockdevIoctlBase* handler = nullptr;
    sim::VirtualEscposPrinter printer;
    std::mutex mutex;
    std::vector<uint8_t> outBytes;
    std::deque<UMockdevIoctlData*> doneOut;     // OUT URBs ready to reap
    std::deque<UMockdevIoctlData*> waitingIn;   // IN URBs waiting for printer answers
    std::deque<UMockdevIoctlData*> discarded;   // cancelled URBs to hand back with -ENOENT
    std::deque<uint8_t> answers;                // printer → host bytes not delivered yet
    size_t unplugAfterBytes = SIZE_MAX;
    bool unplugged = false;

    explicit UsbPrinterBench(std::filesystem::path out, const std::string& description = kDeviceDescription)
        : printer({576, std::move(out), sim::PrinterScenario::normal, 400}) {
        testbed = umockdev_testbed_new();
        handler = umockdev_ioctl_base_new();
        g_signal_connect(handler, "handle-ioctl", G_CALLBACK(&UsbPrinterBench::onIoctl), this);
        // The ioctl handler must be attached before the device appears (harness.md §2).
        umockdev_testbed_attach_ioctl(testbed, kDevicePath, handler, nullptr);
        umockdev_testbed_add_from_string(testbed, description.c_str(), nullptr);
    }
    ~UsbPrinterBench() {
        for (auto* list : {&doneOut, &waitingIn, &discarded})
            for (auto* urb : *list) g_object_unref(urb);
        g_clear_object(&handler);
        g_clear_object(&testbed);
    }
    void unplugNow() {
        {
            std::lock_guard lock(mutex);
            unplugged = true;
        }
        umockdev_testbed_uevent(testbed, kSysfsPath, "remove");
    }
    std::vector<uint8_t> received() {
        std::lock_guard lock(mutex);
        return outBytes;
    }

    static gboolean onIoctl(UMockdevIoctlBase*, UMockdevIoctlClient* client, gpointer self) {
        return static_cast<UsbPrinterBench*>(self)->handle(client);
    }

    gboolean handle(UMockdevIoctlClient* client) {
        std::lock_guard lock(mutex);
        const gulong request = umockdev_ioctl_client_get_request(client);
        UMockdevIoctlData* arg = umockdev_ioctl_client_get_arg(client);
        switch (request) {
            case USBDEVFS_GET_CAPABILITIES: {
                UMockdevIoctlData* caps = umockdev_ioctl_data_resolve(arg, 0, sizeof(guint32), nullptr);
                *reinterpret_cast<guint32*>(caps->data) = USBDEVFS_CAP_BULK_CONTINUATION | USBDEVFS_CAP_NO_PACKET_SIZE_LIM |
                                                          USBDEVFS_CAP_REAP_AFTER_DISCONNECT | USBDEVFS_CAP_ZERO_PACKET;
                g_object_unref(caps);
                umockdev_ioctl_client_complete(client, 0, 0);
                return TRUE;
            }
            case USBDEVFS_GETDRIVER:
                umockdev_ioctl_client_complete(client, -1, ENODATA);  // no kernel driver (usblp) bound
                return TRUE;
            case USBDEVFS_CLAIMINTERFACE:
            case USBDEVFS_RELEASEINTERFACE:
            case USBDEVFS_CLEAR_HALT:
            case USBDEVFS_RESET:
            case USBDEVFS_RESETEP:
            case USBDEVFS_SETINTERFACE:
            case USBDEVFS_DISCONNECT_CLAIM:
                umockdev_ioctl_client_complete(client, unplugged ? -1 : 0, unplugged ? ENODEV : 0);
                return TRUE;
            case USBDEVFS_SUBMITURB: {
                if (unplugged) {
                    umockdev_ioctl_client_complete(client, -1, ENODEV);
                    return TRUE;
                }
                UMockdevIoctlData* urbData = umockdev_ioctl_data_resolve(arg, 0, sizeof(usbdevfs_urb), nullptr);
                auto* urb = reinterpret_cast<usbdevfs_urb*>(urbData->data);
                if ((urb->endpoint & 0x80) == 0) {
                    UMockdevIoctlData* buffer =
                        umockdev_ioctl_data_resolve(urbData, G_STRUCT_OFFSET(usbdevfs_urb, buffer), urb->buffer_length, nullptr);
                    std::span<const uint8_t> bytes(buffer->data, static_cast<size_t>(urb->buffer_length));
                    outBytes.insert(outBytes.end(), bytes.begin(), bytes.end());
                    auto answer = printer.receive(bytes);
                    answers.insert(answers.end(), answer.begin(), answer.end());
                    g_object_unref(buffer);
                    urb->actual_length = urb->buffer_length;
                    urb->status = 0;
                    doneOut.push_back(urbData);
                    if (outBytes.size() >= unplugAfterBytes) unplugged = true;  // the next transfer fails
                } else {
                    waitingIn.push_back(urbData);
                }
                umockdev_ioctl_client_complete(client, 0, 0);
                return TRUE;
            }
            case USBDEVFS_REAPURB:
            case USBDEVFS_REAPURBNDELAY: {
                UMockdevIoctlData* ready = nullptr;
                if (!discarded.empty()) {
                    ready = discarded.front();
                    discarded.pop_front();
                    reinterpret_cast<usbdevfs_urb*>(ready->data)->status = -ENOENT;
                } else if (!doneOut.empty()) {
                    ready = doneOut.front();
                    doneOut.pop_front();
                } else if (!waitingIn.empty() && !answers.empty()) {
                    ready = waitingIn.front();
                    waitingIn.pop_front();
                    auto* urb = reinterpret_cast<usbdevfs_urb*>(ready->data);
                    const size_t n = std::min(answers.size(), static_cast<size_t>(urb->buffer_length));
                    // Same address space: the client's buffer is written directly (libusb's own umockdev test does this).
                    std::copy_n(answers.begin(), n, static_cast<uint8_t*>(urb->buffer));
                    answers.erase(answers.begin(), answers.begin() + static_cast<long>(n));
                    urb->actual_length = static_cast<int>(n);
                    urb->status = 0;
                }
                if (ready == nullptr) {
                    umockdev_ioctl_client_complete(client, -1, EAGAIN);
                    return TRUE;
                }
                UMockdevIoctlData* pointer = umockdev_ioctl_data_resolve(arg, 0, sizeof(gpointer), nullptr);
                umockdev_ioctl_data_set_ptr(pointer, 0, ready);
                g_object_unref(pointer);
                g_object_unref(ready);
                umockdev_ioctl_client_complete(client, 0, 0);
                return TRUE;
            }
            case USBDEVFS_DISCARDURB: {
                const auto address = reinterpret_cast<gulong>(*reinterpret_cast<void**>(arg->data));
                for (auto* list : {&waitingIn, &doneOut}) {
                    auto found = std::find_if(list->begin(), list->end(), [&](UMockdevIoctlData* d) { return d->client_addr == address; });
                    if (found != list->end()) {
                        discarded.push_back(*found);
                        list->erase(found);
                        umockdev_ioctl_client_complete(client, 0, 0);
                        return TRUE;
                    }
                }
                umockdev_ioctl_client_complete(client, -1, EINVAL);
                return TRUE;
            }
            default:
                return FALSE;
        }
    }
};

class EscposOverUsb : public ::testing::Test {
protected:
    void SetUp() override {
        const char* preload = std::getenv("LD_PRELOAD");
        ASSERT_TRUE(preload != nullptr && std::string(preload).find("umockdev") != std::string::npos)
            << "run this binary under umockdev-wrapper (ctest does)";
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        bench = std::make_unique<UsbPrinterBench>(test::printingOutputDir(std::string("usb-") + info->name()));
        EscposSettings settings;
        settings.model = *findEscposModel("test-80");
        settings.transport = "usb";
        settings.usb = {0x1209, 0x0001, 7};
        settings.statusTimeout = 300ms;
        driver = std::make_unique<EscposPrinter>("usb-receipt", settings);
    }
    void TearDown() override {
        driver.reset();
        bench.reset();
    }
    std::unique_ptr<UsbPrinterBench> bench;
    std::unique_ptr<EscposPrinter> driver;
};

TEST_F(EscposOverUsb, ReceiptBytesArriveAndStatusIsReadBack) {
    Translator zh(test::printingCatalog(), "zh_CN");
    const auto document = printing::paymentReceipt(zh, test::sampleReceipt());
    auto outcome = driver->print(document, 10s, CancelToken{});
    ASSERT_TRUE(outcome.has_value());
    EXPECT_EQ(outcome->code, CompletionCode::success) << outcome->detail;
    EXPECT_EQ(outcome->before.status, DeviceStatus::online);
    EXPECT_EQ(outcome->after.paper, PaperState::ok);
    // Bytes on the wire: status queries DLE EOT 1–4, the encoded job, status queries again.
    const auto expected = encodeDocument(document, *findEscposModel("test-80"));
    std::vector<uint8_t> wire;
    for (int n = 1; n <= 4; ++n) {
        auto query = statusRequest(n);
        wire.insert(wire.end(), query.begin(), query.end());
    }
    std::vector<uint8_t> withJob = wire;
    withJob.insert(withJob.end(), expected->bytes.begin(), expected->bytes.end());
    withJob.insert(withJob.end(), wire.begin(), wire.end());
    EXPECT_EQ(bench->received(), withJob);
    ASSERT_TRUE(bench->printer.waitForJobs(1, 5s));
    EXPECT_TRUE(test::pageContainsText(bench->printer.jobs().front().png, "患者：张*丰"));
    std::cout << "[ rendered ] " << bench->printer.jobs().front().png.string() << '\n';
}

TEST_F(EscposOverUsb, PaperNearEndAndPaperOutAreReadOverBulkIn) {
    bench->printer.setScenario(sim::PrinterScenario::paper_near_end);
    auto state = driver->queryStatus(1s);
    ASSERT_TRUE(state.has_value()) << state.error().detail;
    EXPECT_EQ(state->paper, PaperState::low);
    bench->printer.setScenario(sim::PrinterScenario::paper_out);
    Translator en(test::printingCatalog(), "en_US");
    auto outcome = driver->print(printing::testPage(en, {test::sampleHeader("U-1"), "usb", "test-80"}), 5s, CancelToken{});
    ASSERT_TRUE(outcome.has_value());
    EXPECT_EQ(outcome->code, CompletionCode::user_error);
    EXPECT_EQ(outcome->bytesSent, 0U);
    EXPECT_EQ(driver->state().paper, PaperState::out);
}

TEST_F(EscposOverUsb, PrinterThatNeverAnswersIsNotPrinted) {
    bench->printer.setScenario(sim::PrinterScenario::silent);
    Translator en(test::printingCatalog(), "en_US");
    const auto started = std::chrono::steady_clock::now();
    auto outcome = driver->print(printing::testPage(en, {test::sampleHeader("U-2"), "usb", "test-80"}), 5s, CancelToken{});
    ASSERT_TRUE(outcome.has_value());
    EXPECT_EQ(outcome->code, CompletionCode::timeout);
    EXPECT_EQ(outcome->messageKey, "print.error.no_answer");
    EXPECT_EQ(outcome->bytesSent, 0U);
    EXPECT_EQ(driver->state().detail, "no status answer");
    EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);  // no hang
}

TEST_F(EscposOverUsb, UnplugMidJobEndsWithNoDevice) {
    std::vector<DeviceState> seen;
    std::mutex seenMutex;
    ASSERT_TRUE(driver->start([&](DeviceEvent event) {
        if (auto* changed = std::get_if<StatusChanged>(&event)) {
            std::lock_guard lock(seenMutex);
            seen.push_back(changed->state);
        }
    }).has_value());
    // A logo-sized raster makes a job of several 4 KiB bulk transfers; the cable goes after 5000 bytes.
    printing::Document document;
    document.id = "U-3";
    document.text("拔线测试");
    document.blocks.emplace_back(printing::Image{576, 400, std::vector<uint8_t>(576 * 400, 1)});
    document.cut();
    bench->unplugAfterBytes = 5000;
    auto outcome = driver->print(document, 5s, CancelToken{});
    ASSERT_TRUE(outcome.has_value());
    EXPECT_EQ(outcome->code, CompletionCode::device_not_ready) << outcome->detail;
    EXPECT_EQ(outcome->messageKey, "print.error.unplugged");
    EXPECT_LT(outcome->bytesSent, 576U / 8 * 400);
    EXPECT_EQ(driver->state().status, DeviceStatus::no_device);
    {
        std::lock_guard lock(seenMutex);
        EXPECT_TRUE(std::any_of(seen.begin(), seen.end(), [](const DeviceState& s) { return s.status == DeviceStatus::no_device; }));
    }
    EXPECT_EQ(bench->printer.queuedJobs(), 0U);  // no cut arrived: nothing was printed completely
    driver->stop();
}

TEST_F(EscposOverUsb, VendorBulkInterfaceIsChosenByTheModelTable) {
    bench.reset();
    bench = std::make_unique<UsbPrinterBench>(test::printingOutputDir("usb-vendor"), vendorDescription());
    // A printer-class selector does not take a vendor interface…
    auto wrongClass = driver->queryStatus(1s);
    ASSERT_FALSE(wrongClass.has_value());
    EXPECT_EQ(wrongClass.error().messageKey, "print.error.unplugged");
    EXPECT_NE(wrongClass.error().detail.find("class 7"), std::string::npos) << wrongClass.error().detail;
    // …the vendor-interface model row does (usb ids overridden like a site's config would).
    EscposSettings settings;
    settings.model = *findEscposModel("generic-80-vendor-usb");
    settings.transport = "usb";
    settings.usb = {0x1209, 0x0001, settings.model.usbInterfaceClass};
    settings.statusTimeout = 300ms;
    EscposPrinter vendor("usb-vendor", settings);
    Translator en(test::printingCatalog(), "en_US");
    auto outcome = vendor.print(printing::testPage(en, {test::sampleHeader("V-1"), "usb-vendor", "generic-80-vendor-usb"}), 5s, CancelToken{});
    ASSERT_TRUE(outcome.has_value());
    EXPECT_EQ(outcome->code, CompletionCode::success) << outcome->detail;
    ASSERT_TRUE(bench->printer.waitForJobs(1, 5s));
}

TEST_F(EscposOverUsb, HotplugRemovalIsReportedWithoutAJob) {
    std::mutex seenMutex;
    std::condition_variable changed;
    std::vector<DeviceState> seen;
    ASSERT_TRUE(driver->start([&](DeviceEvent event) {
        if (auto* status = std::get_if<StatusChanged>(&event)) {
            std::lock_guard lock(seenMutex);
            seen.push_back(status->state);
            changed.notify_all();
        }
    }).has_value());
    ASSERT_EQ(driver->queryStatus(1s)->status, DeviceStatus::online);
    bench->unplugNow();
    std::unique_lock lock(seenMutex);
    EXPECT_TRUE(changed.wait_for(lock, 3s, [&] {
        return std::any_of(seen.begin(), seen.end(), [](const DeviceState& s) { return s.status == DeviceStatus::no_device; });
    })) << "no StatusChanged(no_device) after the remove uevent";
    lock.unlock();
    driver->stop();
}

}  // namespace
}  // namespace kiosk::drivers::escpos
