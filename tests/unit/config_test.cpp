#include <gtest/gtest.h>

#include "kiosk/core/config.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiosk {
namespace {

using test::TempDir;

TEST(Config, LoadsTheDemoConfigWithDefaults) {
    TempDir dir;
    auto config = loadConfig(dir.write("kiosk.toml", test::demoConfigText()));
    ASSERT_TRUE(config.has_value()) << config.error().detail;
    EXPECT_EQ(config->kioskId, "TEST-01");
    EXPECT_EQ(config->mode, KioskMode::lobby);
    EXPECT_EQ(config->session.idleTimeout, std::chrono::seconds(60));
    EXPECT_EQ(config->ui.width, 1080);
    EXPECT_EQ(config->ui.height, 1920);
    EXPECT_EQ(config->devices.size(), 4U);
    EXPECT_EQ(config->dataDir, dir.path() / "data");  // relative to the config file
}

TEST(Config, ShippedDemoConfigIsValid) {
    auto config = loadConfig(std::filesystem::path(KIOSK_TEST_ASSETS_DIR) / "config" / "demo.toml");
    ASSERT_TRUE(config.has_value()) << config.error().detail;
    EXPECT_FALSE(config->devices.empty());
}

TEST(Config, MissingFileNamesTheFileAndWhatToDo) {
    auto config = loadConfig("/nonexistent/kiosk.toml");
    ASSERT_FALSE(config.has_value());
    EXPECT_EQ(config.error().code, Errc::invalid_config);
    EXPECT_NE(config.error().detail.find("/nonexistent/kiosk.toml"), std::string::npos);
    EXPECT_NE(config.error().detail.find("--config"), std::string::npos);
}

TEST(Config, MalformedTomlGivesFileLineAndColumn) {
    TempDir dir;
    const auto file = dir.write("bad.toml", "[kiosk]\nid = \"unterminated\n");
    auto config = loadConfig(file);
    ASSERT_FALSE(config.has_value());
    EXPECT_NE(config.error().detail.find(file.string() + ":2:"), std::string::npos) << config.error().detail;
}

TEST(Config, WrongTypeNamesKeyAndExpectation) {
    TempDir dir;
    const auto file = dir.write("kiosk.toml", test::demoConfigText("[session]\nidle_timeout_s = \"soon\"\n"));
    auto config = loadConfig(file);
    ASSERT_FALSE(config.has_value());
    EXPECT_NE(config.error().detail.find("key 'session.idle_timeout_s'"), std::string::npos) << config.error().detail;
    EXPECT_NE(config.error().detail.find("expected an integer from 15 to 900"), std::string::npos);
    EXPECT_NE(config.error().detail.find("\"soon\""), std::string::npos);
}

TEST(Config, OutOfRangeAndBadChoiceAreBothReported) {
    TempDir dir;
    auto config = loadConfig(dir.write(
        "kiosk.toml", test::demoConfigText("[session]\nidle_timeout_s = 3\n[ui]\norientation = \"diagonal\"\n")));
    ASSERT_FALSE(config.has_value());
    EXPECT_NE(config.error().detail.find("got 3"), std::string::npos);
    EXPECT_NE(config.error().detail.find("expected one of portrait, landscape, got \"diagonal\""), std::string::npos)
        << config.error().detail;
}

TEST(Config, UnknownKeyIsReported) {
    TempDir dir;
    auto config = loadConfig(dir.write("kiosk.toml", test::demoConfigText("[session]\nidel_timeout_s = 30\n")));
    ASSERT_FALSE(config.has_value());
    EXPECT_NE(config.error().detail.find("key 'session.idel_timeout_s': unknown key"), std::string::npos)
        << config.error().detail;
}

TEST(Config, ShortAuditSaltIsRefused) {
    TempDir dir;
    std::string text = test::demoConfigText();
    text.replace(text.find("test-salt-0123456789abcdef"), 26, "short");
    auto config = loadConfig(dir.write("kiosk.toml", text));
    ASSERT_FALSE(config.has_value());
    EXPECT_NE(config.error().detail.find("journal.audit_salt"), std::string::npos);
}

TEST(Config, DuplicateDeviceNamesAreRefused) {
    TempDir dir;
    auto config = loadConfig(dir.write(
        "kiosk.toml", test::demoConfigText("[[devices]]\nname = \"card\"\nclass = \"card_reader\"\ndriver = \"sim\"\n")));
    ASSERT_FALSE(config.has_value());
    EXPECT_NE(config.error().detail.find("used twice"), std::string::npos);
}

TEST(Config, WarningMustBeShorterThanTimeout) {
    TempDir dir;
    auto config = loadConfig(
        dir.write("kiosk.toml", test::demoConfigText("[session]\nidle_timeout_s = 20\nwarning_s = 30\n")));
    ASSERT_FALSE(config.has_value());
    EXPECT_NE(config.error().detail.find("session.warning_s"), std::string::npos);
}

}  // namespace
}  // namespace kiosk
