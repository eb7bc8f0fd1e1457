// The ESC/POS driver end to end over real transports: TCP to the virtual printer on loopback
// (harness.md §4) with the rendered PNG checked (QR decoded with ZXing, Chinese lines found by
// comparing with a rendering of the expected text), every status scenario, and a pty (§3).
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <thread>

#include "drivers/printer/escpos/escpos_driver.hpp"
#include "kiosk/core/config.hpp"
#include "printing_support.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiosk::drivers::escpos {
namespace {

using namespace std::chrono_literals;
using sim::PrinterScenario;

/// Collects StatusChanged events (the sink is called from the printing thread).
struct EventLog {
    std::mutex mutex;
    std::vector<DeviceState> states;
    DeviceEventSink sink() {
        return [this](DeviceEvent event) {
            if (auto* changed = std::get_if<StatusChanged>(&event)) {
                std::lock_guard lock(mutex);
                states.push_back(changed->state);
            }
        };
    }
    bool saw(const std::function<bool(const DeviceState&)>& predicate) {
        std::lock_guard lock(mutex);
        return std::any_of(states.begin(), states.end(), predicate);
    }
};

class EscposOverTcp : public ::testing::Test {
protected:
    void SetUp() override {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        outputDir = test::printingOutputDir(std::string("tcp-") + info->name());
        printer = std::make_unique<sim::VirtualEscposPrinter>(sim::VirtualEscposPrinter::Options{576, outputDir, PrinterScenario::normal, 400});
        auto started = test::startVirtualPrinterServer(*printer);
        ASSERT_TRUE(started.has_value()) << started.error().detail;
        server = std::move(*started);
        EscposSettings settings;
        settings.model = *findEscposModel("test-80");
        settings.transport = "tcp";
        settings.port = server->port();
        settings.statusTimeout = 300ms;
        driver = std::make_unique<EscposPrinter>("receipt", settings);
        ASSERT_TRUE(driver->start(events.sink()).has_value());
    }
    void TearDown() override {
        driver.reset();
        server.reset();
    }
    printing::Document receipt() const {
        Translator zh(test::printingCatalog(), "zh_CN");
        return printing::paymentReceipt(zh, test::sampleReceipt());
    }

    std::filesystem::path outputDir;
    std::unique_ptr<sim::VirtualEscposPrinter> printer;
    std::unique_ptr<sim::VirtualPrinterServer> server;
    std::unique_ptr<EscposPrinter> driver;
    EventLog events;
};

TEST_F(EscposOverTcp, RegistrationSlipPrintsAndThePngHasTheQrAndTheChineseLines) {
    Translator zh(test::printingCatalog(), "zh_CN");
    const auto data = test::sampleSlip();
    auto outcome = driver->print(printing::registrationSlip(zh, data), 10s, CancelToken{});
    ASSERT_TRUE(outcome.has_value()) << outcome.error().detail;
    EXPECT_EQ(outcome->code, CompletionCode::success) << outcome->detail;
    EXPECT_EQ(outcome->before.status, DeviceStatus::online);
    EXPECT_EQ(outcome->after.status, DeviceStatus::online);
    ASSERT_TRUE(printer->waitForJobs(1, 5s));
    const auto job = printer->jobs().front();
    EXPECT_TRUE(job.cut);
    EXPECT_EQ(job.bytes, outcome->bytesSent);
    std::cout << "[ rendered ] " << job.png.string() << " (" << job.bytes << " bytes)\n";
    // The QR decodes (ZXing) to exactly what the template was given.
    auto decoded = test::decodeQr(job.png);
    ASSERT_TRUE(decoded.has_value()) << job.png;
    EXPECT_EQ(*decoded, data.qrData);
    // Chinese lines: the printer's text and the pixels of a rendering of the expected line.
    EXPECT_NE(std::find(job.textLines.begin(), job.textLines.end(), "科室：心血管内科"), job.textLines.end());
    EXPECT_NE(std::find(job.textLines.begin(), job.textLines.end(), "患者：欧**娜"), job.textLines.end());
    EXPECT_TRUE(test::pageContainsText(job.png, "科室：心血管内科"));
    EXPECT_TRUE(test::pageContainsText(job.png, "患者：欧**娜"));
    EXPECT_TRUE(test::pageContainsText(job.png, "A042", 3, true));
    EXPECT_FALSE(test::pageContainsText(job.png, "科室：呼吸内科"));  // the comparison can fail
}

TEST_F(EscposOverTcp, PaymentReceiptRendersTableAndBarcode) {
    auto outcome = driver->print(receipt(), 10s, CancelToken{});
    ASSERT_TRUE(outcome.has_value());
    EXPECT_EQ(outcome->code, CompletionCode::success) << outcome->detail;
    ASSERT_TRUE(printer->waitForJobs(1, 5s));
    const auto job = printer->jobs().front();
    std::cout << "[ rendered ] " << job.png.string() << " (" << job.bytes << " bytes)\n";
    ASSERT_EQ(job.barcodes.size(), 1U);
    EXPECT_EQ(job.barcodes[0], "KT202611230930001");
    EXPECT_TRUE(test::pageContainsText(job.png, "患者：张*丰"));
    bool tableRow = false;
    for (const auto& line : job.textLines) tableRow = tableRow || (line.starts_with("肝功能八项") && line.ends_with("86.50"));
    EXPECT_TRUE(tableRow);
}

struct ScenarioCase {
    PrinterScenario scenario;
    CompletionCode code;
    DeviceStatus status;
    PaperState paper;
    bool coverOpen;
    bool sentBytes;
    const char* messageKey;
};

TEST_F(EscposOverTcp, EveryStatusScenarioChangesStatusAndOutcome) {
    const ScenarioCase cases[] = {
        {PrinterScenario::paper_near_end, CompletionCode::success, DeviceStatus::online, PaperState::low, false, true, ""},
        {PrinterScenario::paper_out, CompletionCode::user_error, DeviceStatus::user_error, PaperState::out, false, false, "print.error.paper_out"},
        {PrinterScenario::cover_open, CompletionCode::user_error, DeviceStatus::user_error, PaperState::ok, true, false, "print.error.cover_open"},
        {PrinterScenario::offline, CompletionCode::device_not_ready, DeviceStatus::offline, PaperState::ok, false, false, "print.error.offline"},
        {PrinterScenario::cutter_error, CompletionCode::hardware_error, DeviceStatus::hardware_error, PaperState::ok, false, false, "print.error.cutter"},
        {PrinterScenario::silent, CompletionCode::timeout, DeviceStatus::offline, PaperState::unknown, false, false, "print.error.no_answer"},
        {PrinterScenario::paper_out_mid_job, CompletionCode::user_error, DeviceStatus::user_error, PaperState::out, false, true, "print.error.paper_out"},
        {PrinterScenario::cover_open_mid_job, CompletionCode::user_error, DeviceStatus::user_error, PaperState::ok, true, true, "print.error.cover_open"},
        {PrinterScenario::garbage_status, CompletionCode::timeout, DeviceStatus::offline, PaperState::unknown, false, false, "print.error.no_answer"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(std::string(sim::printerScenarioName(c.scenario)));
        printer->setScenario(PrinterScenario::normal);
        ASSERT_EQ(driver->queryStatus(1s)->status, DeviceStatus::online);
        printer->setScenario(c.scenario);
        const auto jobsBefore = printer->queuedJobs();
        auto outcome = driver->print(receipt(), 5s, CancelToken{});
        ASSERT_TRUE(outcome.has_value());
        EXPECT_EQ(outcome->code, c.code) << outcome->detail;
        EXPECT_NE(outcome->code == CompletionCode::success, c.code != CompletionCode::success);
        EXPECT_EQ(outcome->messageKey, c.messageKey);
        EXPECT_EQ(outcome->bytesSent > 0, c.sentBytes);
        const DeviceState now = driver->state();
        EXPECT_EQ(now.status, c.status) << now.detail;
        EXPECT_EQ(now.paper, c.paper);
        EXPECT_EQ(now.coverOpen, c.coverOpen);
        EXPECT_TRUE(events.saw([&](const DeviceState& s) { return s == now; })) << "no StatusChanged for " << now.detail;
        if (c.code != CompletionCode::success && !c.sentBytes) {
            // Nothing came out of the printer.
            EXPECT_EQ(printer->queuedJobs(), jobsBefore);
        }
    }
}

TEST_F(EscposOverTcp, PrinterGoneGivesAClearOutcome) {
    server.reset();  // the listener and its connection close
    auto outcome = driver->print(receipt(), 3s, CancelToken{});
    ASSERT_TRUE(outcome.has_value());
    EXPECT_NE(outcome->code, CompletionCode::success);
    EXPECT_FALSE(outcome->messageKey.empty());
    EXPECT_NE(driver->state().status, DeviceStatus::online);
}

TEST_F(EscposOverTcp, PrinterRestartBetweenJobsReconnects) {
    ASSERT_EQ(driver->print(receipt(), 5s, CancelToken{})->code, CompletionCode::success);
    const int port = server->port();
    server.reset();  // the printer restarts: our open connection is now dead
    auto restarted = sim::VirtualPrinterServer::start(*printer, port);
    ASSERT_TRUE(restarted.has_value()) << restarted.error().detail;
    server = std::move(*restarted);
    auto outcome = driver->print(receipt(), 5s, CancelToken{});
    ASSERT_TRUE(outcome.has_value());
    EXPECT_EQ(outcome->code, CompletionCode::success) << outcome->detail;
    EXPECT_TRUE(printer->waitForJobs(2, 5s));
}

TEST(EscposFileSink, WritesExactlyTheJobAndSaysThereIsNoStatus) {
    kiosk::test::TempDir dir;
    EscposSettings settings;
    settings.model = *findEscposModel("generic-80");
    settings.transport = "file";
    settings.file = dir.path() / "receipt.escpos";
    EscposPrinter driver("file-receipt", settings);
    Translator zh(test::printingCatalog(), "zh_CN");
    const auto document = printing::paymentReceipt(zh, test::sampleReceipt());
    auto outcome = driver.print(document, 5s, CancelToken{});
    ASSERT_TRUE(outcome.has_value());
    EXPECT_EQ(outcome->code, CompletionCode::success);
    EXPECT_NE(outcome->detail.find("no status"), std::string::npos) << outcome->detail;
    std::ifstream in(settings.file, std::ios::binary);
    const std::vector<uint8_t> written((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(written, encodeDocument(document, settings.model)->bytes);
}

TEST(EscposDriverConfig, RegistryBuildsTheDriverAndRejectsBadKeys) {
    kiosk::test::TempDir dir;
    const auto good = dir.write("good.toml", kiosk::test::demoConfigText(R"(
[[devices]]
name = "receipt2"
class = "receipt_printer"
driver = "escpos"
model = "generic-58"
transport = "tcp"
host = "127.0.0.1"
port = 9100
)"));
    auto config = loadConfig(good);
    ASSERT_TRUE(config.has_value()) << config.error().detail;
    auto registry = DeviceRegistry::build(*config, DriverContext{config->assetsDir, config->dataDir});
    ASSERT_TRUE(registry.has_value()) << registry.error().detail;
    auto* device = dynamic_cast<EscposPrinter*>(registry->find("receipt2"));
    ASSERT_NE(device, nullptr);
    EXPECT_EQ(device->settings().model.dotsPerLine, 384);
    EXPECT_FALSE(device->capabilities().has("qr_native"));

    const auto bad = dir.write("bad.toml", kiosk::test::demoConfigText(R"(
[[devices]]
name = "receipt2"
class = "receipt_printer"
driver = "escpos"
model = "tm-unknown"
transport = "pigeon"
colour = "red"
)"));
    auto badConfig = loadConfig(bad);
    ASSERT_TRUE(badConfig.has_value());
    auto refused = DeviceRegistry::build(*badConfig, DriverContext{badConfig->assetsDir, badConfig->dataDir});
    ASSERT_FALSE(refused.has_value());
    EXPECT_NE(refused.error().detail.find("tm-unknown"), std::string::npos) << refused.error().detail;
}

/// The virtual printer behind the master side of a pty; the driver opens the slave as a serial port.
struct PtyPrinter {
    int master = -1;
    int slave = -1;
    std::string path;
    std::atomic<bool> stop{false};
    std::thread thread;
    sim::VirtualEscposPrinter printer;
    explicit PtyPrinter(std::filesystem::path out) : printer({576, std::move(out), PrinterScenario::normal, 400}) {
        char name[256] = {};
        termios raw{};
        cfmakeraw(&raw);
        if (openpty(&master, &slave, name, &raw, nullptr) == 0) path = name;
        thread = std::thread([this] {
            std::vector<uint8_t> buffer(4096);
            while (!stop.load()) {
                pollfd pfd{master, POLLIN, 0};
                if (poll(&pfd, 1, 20) <= 0) continue;
                const ssize_t n = read(master, buffer.data(), buffer.size());
                if (n <= 0) continue;
                auto answer = printer.receive(std::span<const uint8_t>(buffer.data(), static_cast<size_t>(n)));
                if (!answer.empty()) [[maybe_unused]] auto written = write(master, answer.data(), answer.size());
            }
        });
    }
    ~PtyPrinter() {
        stop.store(true);
        thread.join();
        close(master);
        close(slave);
    }
};

TEST(EscposOverSerial, TestPageOverAPtyWithStatusBeforeAndAfter) {
    PtyPrinter pty(test::printingOutputDir("serial"));
    ASSERT_FALSE(pty.path.empty());
    EscposSettings settings;
    settings.model = *findEscposModel("test-58");
    settings.transport = "serial";
    settings.serial.path = pty.path;
    settings.statusTimeout = 300ms;
    EscposPrinter driver("serial-receipt", settings);
    Translator en(test::printingCatalog(), "en_US");
    auto outcome = driver.print(printing::testPage(en, {test::sampleHeader("TP-1"), "serial-receipt", "test-58"}), 10s, CancelToken{});
    ASSERT_TRUE(outcome.has_value());
    EXPECT_EQ(outcome->code, CompletionCode::success) << outcome->detail;
    EXPECT_EQ(outcome->before.status, DeviceStatus::online);
    // No cutter on 58 mm: the job ends when we say so.
    pty.printer.endOfStream();
    ASSERT_TRUE(pty.printer.waitForJobs(1, 5s));
    const auto job = pty.printer.jobs().front();
    EXPECT_EQ(job.rasterImages, 1);  // the QR went as a raster image (no native QR on this model)
    auto decoded = test::decodeQr(job.png);
    ASSERT_TRUE(decoded.has_value()) << job.png;
    EXPECT_EQ(*decoded, "YIZHAN-TEST TP-1");
    EXPECT_TRUE(test::pageContainsText(job.png, "Sizes 1x"));
    EXPECT_TRUE(test::pageContainsText(job.png, "Printer test pag", 2, true));  // wrapped: 16 columns at 2x on 58 mm

    pty.printer.setScenario(PrinterScenario::cover_open);
    auto refused = driver.print(printing::testPage(en, {test::sampleHeader("TP-2"), "serial-receipt", "test-58"}), 5s, CancelToken{});
    ASSERT_TRUE(refused.has_value());
    EXPECT_EQ(refused->code, CompletionCode::user_error);
    EXPECT_TRUE(driver.state().coverOpen);
}

}  // namespace
}  // namespace kiosk::drivers::escpos
