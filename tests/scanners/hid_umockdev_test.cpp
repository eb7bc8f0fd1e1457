// The keyboard-wedge scanner through real libevdev against a umockdev testbed: the test's handler
// plays the kernel's evdev driver for /dev/input/event7 (EVIOCGBIT/GNAME/GID/… for libevdev,
// EVIOCGRAB, and read() of struct input_event), feeding a typed code. Runs under umockdev-wrapper.
#include <gtest/gtest.h>
#include <linux/input.h>

#include <deque>
#include <mutex>

#include "drivers/scanner/hid/hid_driver.hpp"
#include "tests/scanners/event_recorder.hpp"
#include "tests/scanners/umockdev_support.hpp"

namespace kiosk::drivers::scanner {
namespace {

using namespace std::chrono_literals;

struct FakeKeyboard {
    std::mutex mutex;
    std::deque<input_event> pending;
    bool unplugged = false;
    bool grabBusy = false;  ///< another program holds the device
    int grabs = 0;
    int ungrabs = 0;

    void type(std::string_view text) {
        // US layout: digits and upper-case letters (with shift), Enter at the end.
        std::lock_guard lock(mutex);
        const auto key = [&](uint16_t code, int32_t value) {
            pending.push_back(input_event{{0, 0}, EV_KEY, code, value});
            pending.push_back(input_event{{0, 0}, EV_SYN, SYN_REPORT, 0});
        };
        static constexpr std::string_view rowQ = "QWERTYUIOP", rowA = "ASDFGHJKL", rowZ = "ZXCVBNM";
        for (char c : text) {
            uint16_t code = KEY_SPACE;
            bool shift = false;
            if (c == '0')
                code = KEY_0;
            else if (c >= '1' && c <= '9')
                code = static_cast<uint16_t>(KEY_1 + (c - '1'));
            else if (c == ':')
                code = KEY_SEMICOLON, shift = true;
            else if (auto q = rowQ.find(c); q != std::string_view::npos)
                code = static_cast<uint16_t>(KEY_Q + q), shift = true;
            else if (auto a = rowA.find(c); a != std::string_view::npos)
                code = static_cast<uint16_t>(KEY_A + a), shift = true;
            else if (auto z = rowZ.find(c); z != std::string_view::npos)
                code = static_cast<uint16_t>(KEY_Z + z), shift = true;
            if (shift) key(KEY_LEFTSHIFT, 1);
            key(code, 1);
            key(code, 0);
            if (shift) key(KEY_LEFTSHIFT, 0);
        }
        key(KEY_ENTER, 1);
        key(KEY_ENTER, 0);
    }
};

gboolean handleIoctl(UMockdevIoctlBase*, UMockdevIoctlClient* client, gpointer user) {
    auto* keyboard = static_cast<FakeKeyboard*>(user);
    std::lock_guard lock(keyboard->mutex);
    const unsigned long request = umockdev_ioctl_client_get_request(client);
    const auto complete = [&](long result, int error) {
        umockdev_ioctl_client_complete(client, result, error);
        return TRUE;
    };
    if (keyboard->unplugged) return complete(-1, ENODEV);
    if (_IOC_TYPE(request) != 'E') return complete(-1, ENOTTY);
    const unsigned nr = _IOC_NR(request);
    const size_t size = _IOC_SIZE(request);
    if (request == EVIOCGRAB) {
        // The argument is the value itself (1 grab, 0 release), not a pointer.
        const auto* argument = umockdev_ioctl_client_get_arg(client);
        const unsigned long value = *reinterpret_cast<const unsigned long*>(argument->data);
        if (value && keyboard->grabBusy) return complete(-1, EBUSY);
        (value ? keyboard->grabs : keyboard->ungrabs)++;
        return complete(0, 0);
    }
    if (request == EVIOCGVERSION) {
        *static_cast<int*>(test::resolveIoctlArgument(client, sizeof(int))) = EV_VERSION;
        return complete(0, 0);
    }
    if (request == EVIOCGID) {
        auto* id = static_cast<input_id*>(test::resolveIoctlArgument(client, sizeof(input_id)));
        *id = input_id{BUS_USB, 0x1209, 0x5C4E, 0x0100};
        return complete(0, 0);
    }
    if (_IOC_DIR(request) != _IOC_READ || size == 0) return complete(-1, EINVAL);
    auto* buffer = static_cast<uint8_t*>(test::resolveIoctlArgument(client, size));
    if (!buffer) return complete(-1, EFAULT);
    std::memset(buffer, 0, size);
    const auto setBit = [&](unsigned bit) {
        if (bit / 8 < size) buffer[bit / 8] |= static_cast<uint8_t>(1U << (bit % 8));
    };
    switch (nr) {
        case 0x06: {  // EVIOCGNAME(len)
            const std::string_view name = "Yizhan Wedge Scanner";
            const size_t length = std::min(size - 1, name.size());
            std::memcpy(buffer, name.data(), length);
            return complete(static_cast<long>(length + 1), 0);
        }
        case 0x07:  // EVIOCGPHYS
        case 0x08:  // EVIOCGUNIQ
            return complete(-1, ENOENT);
        case 0x09:  // EVIOCGPROP: none
        case 0x18:  // EVIOCGKEY: no key held
        case 0x19:  // EVIOCGLED
        case 0x1a:  // EVIOCGSND
        case 0x1b:  // EVIOCGSW
            return complete(static_cast<long>(size), 0);
        default:
            break;
    }
    if (nr == 0x20 + 0) {  // EVIOCGBIT(0): event types
        setBit(EV_SYN);
        setBit(EV_KEY);
        return complete(static_cast<long>(size), 0);
    }
    if (nr == 0x20 + EV_KEY) {  // a keyboard: every key up to KEY_MICMUTE
        for (unsigned key = KEY_ESC; key <= KEY_MICMUTE; ++key) setBit(key);
        return complete(static_cast<long>(size), 0);
    }
    if (nr > 0x20 && nr < 0x20 + EV_CNT) return complete(static_cast<long>(size), 0);  // other types: none
    return complete(-1, EINVAL);
}

gboolean handleRead(UMockdevIoctlBase*, UMockdevIoctlClient* client, gpointer user) {
    auto* keyboard = static_cast<FakeKeyboard*>(user);
    std::lock_guard lock(keyboard->mutex);
    if (keyboard->unplugged) {
        umockdev_ioctl_client_complete(client, -1, ENODEV);
        return TRUE;
    }
    UMockdevIoctlData* buffer = umockdev_ioctl_client_get_arg(client);
    const size_t room = static_cast<size_t>(buffer->data_len) / sizeof(input_event);
    std::vector<input_event> events;
    while (!keyboard->pending.empty() && events.size() < room) {
        events.push_back(keyboard->pending.front());
        keyboard->pending.pop_front();
    }
    if (events.empty()) {
        umockdev_ioctl_client_complete(client, -1, EAGAIN);
        return TRUE;
    }
    const size_t bytes = events.size() * sizeof(input_event);
    umockdev_ioctl_data_update(buffer, 0, reinterpret_cast<uint8_t*>(events.data()), static_cast<int>(bytes));
    umockdev_ioctl_client_complete(client, static_cast<long>(bytes), 0);
    return TRUE;
}

class HidUmockdev : public ::testing::Test {
protected:
    void SetUp() override {
        if (!test::underUmockdev())
            FAIL() << "run under umockdev-wrapper (ctest does: it is this test's CROSSCOMPILING_EMULATOR)";
        testbed_ = umockdev_testbed_new();
        handler_ = umockdev_ioctl_base_new();
        g_signal_connect(handler_, "handle-ioctl", G_CALLBACK(handleIoctl), &keyboard_);
        g_signal_connect(handler_, "handle-read", G_CALLBACK(handleRead), &keyboard_);
        GError* error = nullptr;
        ASSERT_TRUE(umockdev_testbed_attach_ioctl(testbed_, "/dev/input/event7", handler_, &error))
            << (error ? error->message : "");
        ASSERT_TRUE(umockdev_testbed_add_from_string(testbed_,
                                                     "P: /devices/virtual/input/input7/event7\n"
                                                     "N: input/event7\n"
                                                     "E: DEVNAME=/dev/input/event7\n"
                                                     "E: SUBSYSTEM=input\n"
                                                     "E: ID_INPUT=1\n"
                                                     "E: ID_INPUT_KEYBOARD=1\n",
                                                     &error))
            << (error ? error->message : "");
    }
    void TearDown() override {
        if (scanner_) scanner_->stop();
        if (handler_) g_object_unref(handler_);
        if (testbed_) g_object_unref(testbed_);
    }
    void startScanner() {
        HidScannerSettings settings;
        settings.device = "/dev/input/event7";
        settings.grab = true;
        settings.framing.interKeyTimeoutUs = 200'000;
        settings.reopenInterval = 50ms;
        scanner_ = std::make_unique<HidScanner>("wedge", settings, PayloadClassifier{});
        ASSERT_TRUE(scanner_->start(events_.sink()).has_value());
    }

    FakeKeyboard keyboard_;
    UMockdevTestbed* testbed_ = nullptr;
    UMockdevIoctlBase* handler_ = nullptr;
    std::unique_ptr<HidScanner> scanner_;
    test::EventRecorder events_;
};

TEST_F(HidUmockdev, GrabsTheDeviceAndTurnsTypedKeysIntoATypedScan) {
    startScanner();
    ASSERT_TRUE(events_.waitForStatus(DeviceStatus::online));
    EXPECT_NE(scanner_->state().detail.find("Yizhan Wedge Scanner"), std::string::npos) << scanner_->state().detail;
    const std::string token = "0272E5F1A9B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D5E6F708192A3B4C5D:1";
    keyboard_.type(token);
    keyboard_.type("H20240007");
    ASSERT_TRUE(events_.waitForScans(2));
    const auto scans = events_.scans();
    EXPECT_EQ(scans[0].kind, "health_card");
    EXPECT_EQ(scans[0].text, token);
    EXPECT_EQ(scans[0].symbology, "keyboard");
    EXPECT_EQ(scans[1].kind, "hospital_card");
    std::lock_guard lock(keyboard_.mutex);
    EXPECT_EQ(keyboard_.grabs, 1);
}

TEST_F(HidUmockdev, ADeviceThatVanishesIsReportedAndReGrabbedWhenItReturns) {
    startScanner();
    ASSERT_TRUE(events_.waitForStatus(DeviceStatus::online));
    size_t mark = events_.size();
    {
        std::lock_guard lock(keyboard_.mutex);
        keyboard_.unplugged = true;
    }
    ASSERT_TRUE(events_.waitForStatus(DeviceStatus::no_device, mark));
    mark = events_.size();
    {
        std::lock_guard lock(keyboard_.mutex);
        keyboard_.unplugged = false;
    }
    ASSERT_TRUE(events_.waitForStatus(DeviceStatus::online, mark));
    keyboard_.type("YY202611230815");
    ASSERT_TRUE(events_.waitForScans(1));
    EXPECT_EQ(events_.scans().front().kind, "appointment");
    std::lock_guard lock(keyboard_.mutex);
    EXPECT_EQ(keyboard_.grabs, 2);
}

TEST_F(HidUmockdev, ADeviceAnotherProgramHoldsIsAHardwareErrorNotASilentLeak) {
    {
        std::lock_guard lock(keyboard_.mutex);
        keyboard_.grabBusy = true;
    }
    startScanner();
    ASSERT_TRUE(events_.waitForStatus(DeviceStatus::hardware_error));
    EXPECT_NE(scanner_->state().detail.find("cannot grab"), std::string::npos) << scanner_->state().detail;
    keyboard_.type("H20240007");
    // Not grabbed → not read: the codes must not be taken from a device shared with the UI.
    EXPECT_FALSE(events_.waitForScans(1, 300ms));
}

}  // namespace
}  // namespace kiosk::drivers::scanner
