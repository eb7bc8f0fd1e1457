// Issue 19 item 12: every problem of a config file is reported in one go. Before, the core's
// problems stopped loading, and the devices' and drivers' problems ([[devices]] keys read by
// each driver, [backend], [printing], [payments]) appeared only once those were fixed — one
// section per run for a technician on site.
#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "kiosk/cli/commands.hpp"
#include "kiosk/cli/common.hpp"
#include "kiosk/core/config_problems.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiosk::cli {
namespace {

/// One file with problems at every level: top-level keys, a device entry, drivers' own keys,
/// and the sections other modules own.
std::string everyKindOfProblem() {
    return R"([kiosk]
id = "TEST-ALL"
data_dir = "data"
assets_dir = ")" + std::string(KIOSK_TEST_ASSETS_DIR) + R"("

[session]
idel_timeout_s = 30            # top level: misspelt key

[ui]
orientation = "diagonal"       # top level: not a choice

[journal]
audit_salt = "test-salt-0123456789abcdef"

[[devices]]                    # devices[0]: the device entry itself lacks its name
class = "scanner"
driver = "sim"

[[devices]]                    # devices[1]: the ga450 driver's own keys
name = "idcard"
class = "id_reader"
driver = "ga450"
model = "vendor_x"
poll_interval_ms = 5

[[devices]]                    # devices[2]: an unknown ESC/POS model, and a misspelt key after it
name = "receipt"
class = "receipt_printer"
driver = "escpos"
model = "no-such-printer"
transport = "tcp"
host = "127.0.0.1"
port = 9100
status_timeout = 800

[[devices]]                    # devices[3]: no such driver
name = "camera"
class = "scanner"
driver = "magic"

[[devices]]                    # devices[4]: a CUPS printer without its queue, a misspelt key
name = "reports"
class = "report_printer"
driver = "cups"
pol_ms = 100

[backend]
base_url = "ftp://host/fhir"
retrys = 3

[printing]
reprint_limit = 99

[payments]
gateway_url = "http://127.0.0.1:1/gateway"
fixmedins_code = "short"
)";
}

/// The key path of each problem line ("FILE: key 'devices[1].model': …").
std::multiset<std::string> keyPaths(const std::string& text) {
    std::multiset<std::string> keys;
    const std::regex key(R"(: key '([^']+)': )");
    for (std::sregex_iterator it(text.begin(), text.end(), key), end; it != end; ++it) keys.insert((*it)[1]);
    return keys;
}

const std::multiset<std::string> kExpected = {
    "session.idel_timeout_s", "ui.orientation",
    "devices[0].name",
    "devices[1].port", "devices[1].model", "devices[1].poll_interval_ms",
    "devices[2].model", "devices[2].status_timeout",
    "devices[3].driver",
    "devices[4].queue", "devices[4].pol_ms",
    "backend.base_url", "backend.retrys",
    "printing.reprint_limit",
    "payments.fixmedins_code",
};

TEST(ConfigWholeFile, EveryProblemOfEveryLevelIsListedOnceWithItsKeyPath) {
    test::TempDir dir;
    const auto file = dir.write("kiosk.toml", everyKindOfProblem());
    std::vector<std::string> problems;
    auto parsed = parseConfig(file, problems);
    ASSERT_TRUE(parsed.has_value()) << parsed.error().detail;  // only "no file" / "not TOML" stop reading
    const auto owned = checkOwnedSections(*parsed);
    problems.insert(problems.end(), owned.begin(), owned.end());
    const std::string all = joinProblems(problems);
    // Exactly these keys, each once: nothing missing, no key reported twice, and no valid key
    // (host, port after the unknown model) called unknown because a driver stopped reading.
    EXPECT_EQ(keyPaths(all), kExpected) << all;
    EXPECT_EQ(problems.size(), kExpected.size()) << all;
    for (const auto& line : problems) EXPECT_EQ(line.rfind(file.string() + ": key '", 0), 0U) << line;
}

TEST(ConfigWholeFile, TheCliPrintsThemAllInOneRun) {
    test::TempDir dir;
    const auto file = dir.write("kiosk.toml", everyKindOfProblem());
    std::vector<std::string> args = {"kiosk", "devices", "--config", file.string()};
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    ::testing::internal::CaptureStderr();
    const int code = runCli(static_cast<int>(argv.size()), argv.data());
    const std::string err = ::testing::internal::GetCapturedStderr();
    EXPECT_EQ(code, 1);
    EXPECT_NE(err.find("configuration error (15 problems)"), std::string::npos) << err;
    EXPECT_EQ(keyPaths(err), kExpected) << err;
}

TEST(ConfigWholeFile, AValidFileHasNoProblems) {
    // The check itself must not invent problems: the shipped demo config and the test config pass.
    for (const auto& file : {std::filesystem::path(KIOSK_TEST_ASSETS_DIR) / "config" / "demo.toml"}) {
        std::vector<std::string> problems;
        auto parsed = parseConfig(file, problems);
        ASSERT_TRUE(parsed.has_value()) << parsed.error().detail;
        const auto owned = checkOwnedSections(*parsed);
        problems.insert(problems.end(), owned.begin(), owned.end());
        EXPECT_TRUE(problems.empty()) << joinProblems(problems);
    }
    test::TempDir dir;
    auto loaded = loadKioskConfigForCli(dir.write("kiosk.toml", test::demoConfigText()).string());
    EXPECT_TRUE(loaded.has_value());
}

}  // namespace
}  // namespace kiosk::cli
