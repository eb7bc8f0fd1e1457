// Serial scanners over a real pty (harness.md §3): framing, garbage, no terminator, unplug and
// replug. The scanner's port is a symlink the test re-points at a new pty to "plug it back in".
#include <gtest/gtest.h>
#include <pty.h>
#include <unistd.h>

#include "drivers/scanner/serial/serial_driver.hpp"
#include "tests/scanners/event_recorder.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiosk::drivers::scanner {
namespace {

using namespace std::chrono_literals;

std::vector<std::string> texts(const std::vector<Result<std::string>>& results) {
    std::vector<std::string> out;
    for (const auto& result : results) out.push_back(result ? *result : "!" + result.error().messageKey);
    return out;
}

std::vector<Result<std::string>> feed(LineAssembler& assembler, std::string_view bytes) {
    return assembler.feed(std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}

TEST(SerialFraming, SplitsOnTheTerminatorAcrossReads) {
    LineAssembler assembler(SerialFraming{.terminator = "\r\n", .prefix = "", .suffix = "", .maxLine = 64});
    EXPECT_TRUE(feed(assembler, "H2024").empty());
    EXPECT_TRUE(feed(assembler, "0007\r").empty());
    EXPECT_EQ(texts(feed(assembler, "\nYY202611230815\r\n\r\n")),
              (std::vector<std::string>{"H20240007", "YY202611230815"}));
    EXPECT_FALSE(assembler.pending());
}

TEST(SerialFraming, StripsPrefixAndSuffixAndToleratesTheirAbsence) {
    LineAssembler assembler(SerialFraming{.terminator = "\r", .prefix = "\x02]Q1", .suffix = "\x03", .maxLine = 64});
    EXPECT_EQ(texts(feed(assembler, "\x02]Q1H20240007\x03\rH20240014\r")),
              (std::vector<std::string>{"H20240007", "H20240014"}));
}

TEST(SerialFraming, NoTerminatorConfiguredEndsAScanOnQuietTime) {
    LineAssembler assembler(SerialFraming{.terminator = "", .prefix = "", .suffix = "", .maxLine = 64});
    EXPECT_TRUE(feed(assembler, "CF20261123004217").empty());
    auto scan = assembler.quiet();
    ASSERT_TRUE(scan.has_value());
    EXPECT_EQ(texts({*scan}), std::vector<std::string>{"CF20261123004217"});
    EXPECT_FALSE(assembler.quiet().has_value());
}

TEST(SerialFraming, MissingTerminatorDropsThePartialCodeWithAMessage) {
    LineAssembler assembler(SerialFraming{.terminator = "\r", .prefix = "", .suffix = "", .maxLine = 64});
    EXPECT_TRUE(feed(assembler, "H2024").empty());
    auto scan = assembler.quiet();
    ASSERT_TRUE(scan.has_value());
    ASSERT_FALSE(scan->has_value());
    EXPECT_EQ(scan->error().messageKey, "scan.incomplete");
    EXPECT_EQ(texts(feed(assembler, "H20240007\r")), std::vector<std::string>{"H20240007"});  // next scan is clean
}

TEST(SerialFraming, AnOverlongLineIsReportedOnceAndSkippedToItsTerminator) {
    LineAssembler assembler(SerialFraming{.terminator = "\r", .prefix = "", .suffix = "", .maxLine = 64});
    const std::string huge(3000, 'A');
    EXPECT_EQ(texts(feed(assembler, huge)), std::vector<std::string>{"!scan.too_long"});
    EXPECT_TRUE(feed(assembler, huge).empty());
    EXPECT_EQ(texts(feed(assembler, "tail\rH20240007\r")), std::vector<std::string>{"H20240007"});
}

/// A pty whose slave is reachable through a stable symlink, like /dev/serial/by-id/….
struct PluggablePty {
    std::filesystem::path link;
    int master = -1;
    int slave = -1;
    explicit PluggablePty(std::filesystem::path path) : link(std::move(path)) { plug(); }
    ~PluggablePty() { unplug(); }
    void plug() {
        char name[256] = {};
        ASSERT_EQ(openpty(&master, &slave, name, nullptr, nullptr), 0);
        std::filesystem::remove(link);
        std::filesystem::create_symlink(name, link);
    }
    void unplug() {
        std::error_code ignored;
        std::filesystem::remove(link, ignored);
        if (slave >= 0) close(slave);
        if (master >= 0) close(master);  // the driver's open slave end sees POLLHUP
        master = slave = -1;
    }
    void send(std::string_view bytes) const {
        ASSERT_EQ(write(master, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
    }
};

struct SerialScannerTest : ::testing::Test {
    test::TempDir dir;
    std::unique_ptr<PluggablePty> pty = std::make_unique<PluggablePty>(dir.path() / "ttyScanner");
    test::EventRecorder events;
    std::unique_ptr<SerialScanner> scanner;

    void startScanner(SerialFraming framing = {.terminator = "\r", .prefix = "", .suffix = "", .maxLine = 600}) {
        SerialScannerSettings settings;
        settings.port.path = pty->link.string();
        settings.port.baud = 9600;
        settings.framing = std::move(framing);
        settings.quietTime = 100ms;
        settings.reopenInterval = 50ms;
        scanner = std::make_unique<SerialScanner>("serial-scanner", settings, PayloadClassifier{});
        ASSERT_TRUE(scanner->start(events.sink()).has_value());
        ASSERT_TRUE(events.waitForStatus(DeviceStatus::online));
    }
    void TearDown() override {
        if (scanner) scanner->stop();
    }
};

TEST_F(SerialScannerTest, ACodeWithPrefixAndSuffixBecomesATypedScan) {
    startScanner({.terminator = "\r\n", .prefix = "\x02", .suffix = "\x03", .maxLine = 600});
    pty->send(
        "\x02"
        "0272E5F1A9B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D5E6F708192A3B4C5D:1\x03\r\n");
    ASSERT_TRUE(events.waitForScans(1));
    const auto scan = events.scans().front();
    EXPECT_EQ(scan.kind, "health_card");
    EXPECT_EQ(scan.symbology, "serial");
    EXPECT_EQ(scan.device, "serial-scanner");
}

TEST_F(SerialScannerTest, BinaryGarbageIsRefusedAndTheNextCodeStillReads) {
    startScanner();
    pty->send(std::string("\xFF\xFE\x00\x13\x80garbage\x01\r", 14));
    pty->send("H20240007\r");
    ASSERT_TRUE(events.waitForScans(2));
    const auto scans = events.scans();
    ASSERT_TRUE(scans[0].rejected.has_value());
    EXPECT_EQ(scans[0].rejected->messageKey, "scan.invalid_text");
    EXPECT_EQ(scans[1].kind, "hospital_card");
    EXPECT_EQ(scans[1].text, "H20240007");
}

TEST_F(SerialScannerTest, NoTerminatorGivesAnIncompleteScanMessageAfterTheQuietTime) {
    startScanner();
    pty->send("H2024000");
    ASSERT_TRUE(events.waitForScans(1));
    const auto scan = events.scans().front();
    ASSERT_TRUE(scan.rejected.has_value());
    EXPECT_EQ(scan.rejected->messageKey, "scan.incomplete");
}

TEST_F(SerialScannerTest, AThreeThousandCharacterCodeIsRefusedAsTooLong) {
    startScanner();
    pty->send(std::string(3000, '7') + "\r");
    ASSERT_TRUE(events.waitForScans(1));
    ASSERT_TRUE(events.scans().front().rejected.has_value());
    EXPECT_EQ(events.scans().front().rejected->messageKey, "scan.too_long");
}

TEST_F(SerialScannerTest, UnpluggedScannerIsReportedAndRecoversWhenPluggedBackIn) {
    startScanner();
    const size_t beforeUnplug = events.size();
    pty->unplug();
    ASSERT_TRUE(events.waitForStatus(DeviceStatus::no_device, beforeUnplug));
    const size_t beforePlug = events.size();
    pty->plug();
    ASSERT_TRUE(events.waitForStatus(DeviceStatus::online, beforePlug));
    pty->send("YY202611230815\r");
    ASSERT_TRUE(events.waitForScans(1));
    EXPECT_EQ(events.scans().front().kind, "appointment");
}

}  // namespace
}  // namespace kiosk::drivers::scanner
