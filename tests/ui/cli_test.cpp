// The `kiosk` program as technicians and CI call it: exit codes, one-line errors, JSON output.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/run_command.hpp"

namespace kiosk::test {
namespace {

const std::string kKiosk = KIOSK_BINARY;

size_t lineCount(const std::string& text) { return static_cast<size_t>(std::count(text.begin(), text.end(), '\n')); }

TEST(Cli, VersionAndHelp) {
    auto version = runCommand({kKiosk, "--version"});
    EXPECT_EQ(version.exitCode, 0);
    EXPECT_NE(version.out.find("kiosk 0."), std::string::npos);
    auto help = runCommand({kKiosk, "--help"});
    EXPECT_EQ(help.exitCode, 0);
    for (const char* command : {"run", "screenshot", "devices"}) EXPECT_NE(help.out.find(command), std::string::npos);
}

TEST(Cli, UnknownFlagsAndBadValuesAreOneLineAndExitTwo) {
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{kKiosk, "--bogus"}, {kKiosk, "run", "--config"},
          {kKiosk, "run", "--config", "x.toml", "--mode", "spaceship"}, {kKiosk, "frobnicate"},
          {kKiosk, "screenshot", "--config", "x.toml"}}) {
        auto result = runCommand(args);
        EXPECT_EQ(result.exitCode, 2) << args.back();
        EXPECT_EQ(lineCount(result.err), 1U) << result.err;
        EXPECT_EQ(result.err.rfind("kiosk: ", 0), 0U) << result.err;
    }
}

TEST(Cli, BadConfigNamesFileAndKeyAndExitsOne) {
    TempDir dir;
    const auto file = dir.write("kiosk.toml", demoConfigText("[session]\nidle_timeout_s = \"later\"\n"));
    auto result = runCommand({kKiosk, "devices", "--config", file.string()});
    EXPECT_EQ(result.exitCode, 1);
    EXPECT_NE(result.err.find(file.string()), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("session.idle_timeout_s"), std::string::npos) << result.err;
    EXPECT_TRUE(result.out.empty()) << "nothing starts on a bad config";
}

TEST(Cli, DevicesPrintsJsonWithSelfTests) {
    TempDir dir;
    auto result = runCommand({kKiosk, "devices", "--self-test", "--config", dir.write("k.toml", demoConfigText()).string()});
    ASSERT_EQ(result.exitCode, 0) << result.err;
    auto json = nlohmann::json::parse(result.out);
    ASSERT_EQ(json.size(), 4U);
    EXPECT_EQ(json[0]["name"], "card");
    EXPECT_EQ(json[0]["self_test"]["ok"], true);
}

TEST(Cli, ScreenshotWritesOnePngPerStepAndTheScreensVisited) {
    TempDir dir;
    const auto journey = dir.write("j.json", R"({"steps": [{"tap": "attract.start"}, {"expect_screen": "identify"}]})");
    const auto out = dir.path() / "shots";
    auto result = runCommand({kKiosk, "screenshot", "--config", dir.write("k.toml", demoConfigText()).string(),
                              "--journey", journey.string(), "--out", out.string()});
    ASSERT_EQ(result.exitCode, 0) << result.err;
    EXPECT_TRUE(std::filesystem::exists(out / "01-tap.png"));
    EXPECT_TRUE(std::filesystem::exists(out / "02-expect_screen.png"));
    auto log = nlohmann::json::parse(result.out);
    EXPECT_EQ(log["screens_visited"], nlohmann::json::array({"attract", "identify"}));
    // A failed expectation gives exit code 1.
    const auto failing = dir.write("f.json", R"({"steps": [{"expect_screen": "menu"}]})");
    auto failed = runCommand({kKiosk, "screenshot", "--config", (dir.path() / "k.toml").string(), "--journey",
                              failing.string(), "--out", out.string()});
    EXPECT_EQ(failed.exitCode, 1);
}

}  // namespace
}  // namespace kiosk::test
