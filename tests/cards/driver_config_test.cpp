// The pcsc and ga450 rows of the driver table, built from config through the registry (no
// daemons needed): keys read, bad values and unknown keys rejected with the key named.
#include <gtest/gtest.h>

#include "drivers/common/registry.hpp"
#include "drivers/id_reader/ga450/ga450_driver.hpp"
#include "kiosk/core/config.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiosk::drivers {
namespace {

std::string config(const std::string& devices) {
    return R"([kiosk]
id = "TEST-CARDS"
mode = "lobby"
data_dir = "data"
assets_dir = ")" + std::string(KIOSK_TEST_ASSETS_DIR) + R"("
[journal]
audit_salt = "test-salt-0123456789abcdef"
)" + devices;
}

Result<DeviceRegistry> build(const test::TempDir& dir, const std::string& devices) {
    auto loaded = loadConfig(dir.write("kiosk.toml", config(devices)));
    if (!loaded) return std::unexpected(loaded.error());
    return DeviceRegistry::build(*loaded, DriverContext{loaded->assetsDir, loaded->dataDir});
}

TEST(CardDriverConfig, PcscAndGa450RowsBuildFromConfig) {
    test::TempDir dir;
    auto registry = build(dir, R"(
[[devices]]
name = "card"
class = "card_reader"
driver = "pcsc"
reader = "Virtual PCD"
profile = "social_security"
read_timeout_ms = 2000

[[devices]]
name = "idcard"
class = "id_reader"
driver = "ga450"
port = "/dev/ttyUSB0"
model = "rs232_9600"
poll_interval_ms = 250
answer_timeout_ms = 800
removal_events = false
)");
    ASSERT_TRUE(registry.has_value()) << registry.error().detail;
    ASSERT_NE(registry->find("card"), nullptr);
    EXPECT_EQ(registry->find("card")->driverName(), "pcsc");
    EXPECT_EQ(registry->find("idcard")->driverName(), "ga450");
    EXPECT_TRUE(registry->find("card")->capabilities().has("social_security_card"));
}

TEST(CardDriverConfig, BadValuesNameTheirKeys) {
    test::TempDir dir;
    auto registry = build(dir, R"(
[[devices]]
name = "idcard"
class = "id_reader"
driver = "ga450"
model = "vendor_x"
poll_interval_ms = 5
)");
    ASSERT_FALSE(registry.has_value());
    const std::string& detail = registry.error().detail;
    EXPECT_NE(detail.find("'devices[0].port'"), std::string::npos) << detail;
    EXPECT_NE(detail.find("unknown ID reader model \"vendor_x\""), std::string::npos) << detail;
    EXPECT_NE(detail.find("poll_interval_ms"), std::string::npos) << detail;
    auto pcsc = build(dir, R"(
[[devices]]
name = "card"
class = "card_reader"
driver = "pcsc"
profile = "bank"
read_timeout = 3
)");
    ASSERT_FALSE(pcsc.has_value());
    EXPECT_NE(pcsc.error().detail.find("unknown card profile \"bank\""), std::string::npos) << pcsc.error().detail;
    EXPECT_NE(pcsc.error().detail.find("'devices[0].read_timeout': unknown key"), std::string::npos) << pcsc.error().detail;
}

TEST(CardDriverConfig, ModelsDifferOnlyInPortSettings) {
    const auto& models = ga450::idReaderModels();
    ASSERT_GE(models.size(), 2U);
    EXPECT_EQ(models.front().name, "usb_serial_115200");
    for (const auto& model : models) {
        EXPECT_TRUE(model.parity == 'N' || model.parity == 'E' || model.parity == 'O') << model.name;
        EXPECT_GT(model.baud, 0) << model.name;
    }
}

}  // namespace
}  // namespace kiosk::drivers
