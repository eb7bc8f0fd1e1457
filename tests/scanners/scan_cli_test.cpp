// `kiosk scan` run as a process (the real binary), and the language keys the scanners use.
#include <gtest/gtest.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <sys/ioctl.h>
#include <termios.h>

#include <array>
#include <cstdio>
#include <set>
#include <sstream>
#include <thread>

#include "drivers/common/registry.hpp"
#include "drivers/scanner/payload/payload_classifier.hpp"
#include "kiosk/core/i18n.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiosk::drivers::scanner {
namespace {

using namespace std::chrono_literals;

const std::filesystem::path kCorpus = KIOSK_QR_SAMPLES_DIR;

struct Run {
    int exitCode = -1;
    std::string out;
};

Run runKiosk(const std::string& arguments) {
    Run run;
    const std::string command = std::string(KIOSK_BINARY) + " " + arguments + " 2>/dev/null";
    FILE* pipe = popen(command.c_str(), "r");
    if (!pipe) return run;
    std::array<char, 4096> buffer{};
    size_t got = 0;
    while ((got = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) run.out.append(buffer.data(), got);
    const int status = pclose(pipe);
    run.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return run;
}

TEST(ScanCli, ImagesArePrintedWithTheirClassifiedPayloads) {
    const auto run = runKiosk("scan --image " + (kCorpus / "multi" / "multi_640x480_25.png").string() + " " +
                              (kCorpus / "long" / "long_1280x720_72.png").string() + " " +
                              (kCorpus / "empty" / "empty_640x480_30.png").string() + " " +
                              (kCorpus / "barcode" / "barcode_1280x720_64.png").string());
    ASSERT_EQ(run.exitCode, 0) << run.out;
    const auto json = nlohmann::json::parse(run.out);
    ASSERT_EQ(json.size(), 4U);
    ASSERT_EQ(json[0]["codes"].size(), 2U);
    std::set<std::string> kinds;
    for (const auto& code : json[0]["codes"]) kinds.insert(code["kind"].get<std::string>());
    EXPECT_EQ(kinds, (std::set<std::string>{"health_card", "insurance_voucher"}));
    ASSERT_EQ(json[1]["codes"].size(), 1U);
    EXPECT_EQ(json[1]["codes"][0]["accepted"], false);
    EXPECT_EQ(json[1]["codes"][0]["message_key"], "scan.too_long");
    EXPECT_EQ(json[1]["codes"][0]["raw_length"], 3000);
    EXPECT_TRUE(json[2]["codes"].empty());
    ASSERT_EQ(json[3]["codes"].size(), 1U);
    EXPECT_EQ(json[3]["codes"][0]["kind"], "hospital_card");
    EXPECT_EQ(json[3]["codes"][0]["symbology"], "Code128");
}

TEST(ScanCli, UnreadableImageFailsWithExitOneAndUsageErrorsWithTwo) {
    test::TempDir dir;
    const auto bogus = dir.write("not-a-png.png", "hello");
    auto run = runKiosk("scan --image " + bogus.string());
    EXPECT_EQ(run.exitCode, 1);
    const auto json = nlohmann::json::parse(run.out);
    EXPECT_NE(json[0]["error"].get<std::string>().find("cannot read image"), std::string::npos);
    EXPECT_EQ(runKiosk("scan").exitCode, 2);
    EXPECT_EQ(runKiosk("scan --image /nonexistent.png").exitCode, 2);
    EXPECT_EQ(runKiosk("scan --image " + bogus.string() + " --formats Hologram").exitCode, 2);
}

TEST(ScanCli, ConfiguredSerialScannerPrintsEachScanAsAJsonLine) {
    test::TempDir dir;
    int master = -1, slave = -1;
    char name[256] = {};
    ASSERT_EQ(openpty(&master, &slave, name, nullptr, nullptr), 0);
    // Raw from the start (we keep the slave open, so this holds until the command opens it):
    // otherwise bytes written before the scanner sets raw mode would be cooked (CR → LF, echo).
    termios raw{};
    ASSERT_EQ(tcgetattr(slave, &raw), 0);
    cfmakeraw(&raw);
    ASSERT_EQ(tcsetattr(slave, TCSANOW, &raw), 0);
    const std::string config = std::string("[kiosk]\nid = \"T\"\ndata_dir = \"data\"\nassets_dir = \"") +
                               KIOSK_TEST_ASSETS_DIR + "\"\n[journal]\naudit_salt = \"test-salt-0123456789abcdef\"\n" +
                               "[log]\nlevel = \"info\"\n[[devices]]\nname = \"desk-scanner\"\nclass = \"scanner\"\n" +
                               "driver = \"serial\"\nport = \"" + name + "\"\nterminator = \"crlf\"\n";
    const auto file = dir.write("kiosk.toml", config);
    std::jthread typist([&] {
        // The scanner "scans" once the command has opened the port: write until it is read.
        for (int i = 0; i < 100; ++i) {
            std::this_thread::sleep_for(50ms);
            int queued = 0;
            if (ioctl(master, TIOCOUTQ, &queued) == 0 && queued > 0) continue;
            const std::string line = "H20240007\r\nnot a hospital code\r\n";
            if (write(master, line.data(), line.size()) < 0) return;
        }
    });
    const auto run = runKiosk("scan --config " + file.string() + " --count 2 --timeout 20");
    close(master);
    close(slave);
    ASSERT_EQ(run.exitCode, 0) << run.out;
    std::vector<nlohmann::json> lines;
    std::istringstream in(run.out);
    for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
    ASSERT_GE(lines.size(), 2U) << run.out;
    EXPECT_EQ(lines[0]["kind"], "hospital_card");
    EXPECT_EQ(lines[0]["device"], "desk-scanner");
    EXPECT_EQ(lines[1]["accepted"], false);
    EXPECT_EQ(lines[1]["message_key"], "scan.unrecognised_accepting");
    EXPECT_EQ(lines[1]["accepted_kinds"].size(), 7U);  // the six, and report_code
}

TEST(ScanLanguage, EveryMessageKeyTheScannersUseExistsInBothLanguages) {
    auto catalog = Catalog::load(std::filesystem::path(KIOSK_TEST_ASSETS_DIR) / "lang");
    ASSERT_TRUE(catalog.has_value()) << catalog.error().detail;
    std::vector<std::string> keys = {"scan.empty",
                                     "scan.too_long",
                                     "scan.invalid_text",
                                     "scan.incomplete",
                                     "scan.unrecognised_accepting",
                                     "scan.camera_unavailable",
                                     "scan.aim_hint",
                                     "error.device_not_ready"};
    for (const auto& rule : kDefaultPayloadRules) keys.push_back(payloadKindMessageKey(rule.kind));
    for (const char* language : {"zh_CN", "en_US"}) {
        for (const auto& key : keys) EXPECT_NE(catalog->find(language, key), nullptr) << language << " " << key;
        EXPECT_NE(catalog->find(language, "scan.unrecognised_accepting")->find("{kinds}"), std::string::npos);
    }
}

}  // namespace
}  // namespace kiosk::drivers::scanner

namespace kiosk::drivers::scanner {
namespace {

TEST(ScannerConfig, TheExampleConfigBuildsAllThreeScannerDrivers) {
    auto config = loadConfig(std::filesystem::path(KIOSK_TEST_ASSETS_DIR) / "config" / "scanners.example.toml");
    ASSERT_TRUE(config.has_value()) << config.error().detail;
    auto registry = DeviceRegistry::build(*config, DriverContext{KIOSK_TEST_ASSETS_DIR, config->dataDir});
    ASSERT_TRUE(registry.has_value()) << registry.error().detail;
    std::vector<std::string> drivers;
    for (Device* device : registry->ofClass(DeviceClass::scanner)) drivers.push_back(device->driverName());
    EXPECT_EQ(drivers, (std::vector<std::string>{"camera", "serial", "hid"}));
    auto selfTest = registry->find("camera")->selfTest(std::chrono::seconds(2), CancelToken{});
    ASSERT_TRUE(selfTest.has_value()) << selfTest.error().detail;
}

}  // namespace
}  // namespace kiosk::drivers::scanner
