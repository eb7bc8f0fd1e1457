#include <gtest/gtest.h>

#include "drivers/common/registry.hpp"
#include "drivers/sim/sim_devices.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiosk::drivers {
namespace {

struct RegistryTest : ::testing::Test {
    test::TempDir dir;
    Result<DeviceRegistry> build(const std::string& extra = "") {
        auto config = loadConfig(dir.write("kiosk.toml", test::demoConfigText(extra)));
        if (!config) return std::unexpected(config.error());
        return DeviceRegistry::build(*config, DriverContext{KIOSK_TEST_ASSETS_DIR, dir.path() / "data"});
    }
};

TEST_F(RegistryTest, BuildsEverySimulatedDevice) {
    auto registry = build();
    ASSERT_TRUE(registry.has_value()) << registry.error().detail;
    EXPECT_EQ(registry->all().size(), 4U);
    ASSERT_NE(registry->find("card"), nullptr);
    EXPECT_EQ(registry->find("card")->deviceClass(), DeviceClass::card_reader);
    EXPECT_NE(registry->first<ReceiptPrinter>(DeviceClass::receipt_printer), nullptr);
}

TEST_F(RegistryTest, UnknownDriverNamesKeyAndKnownDrivers) {
    auto registry = build("[[devices]]\nname = \"x\"\nclass = \"scanner\"\ndriver = \"magic\"\n");
    ASSERT_FALSE(registry.has_value());
    EXPECT_NE(registry.error().detail.find("devices[4].driver"), std::string::npos) << registry.error().detail;
    EXPECT_NE(registry.error().detail.find("unknown driver \"magic\""), std::string::npos);
    EXPECT_NE(registry.error().detail.find("sim"), std::string::npos);
}

TEST_F(RegistryTest, UnknownScenarioAndUnknownKeyAreReported) {
    auto registry = build(
        "[[devices]]\nname = \"p2\"\nclass = \"receipt_printer\"\ndriver = \"sim\"\nscenario = \"on_fire\"\n"
        "colour = \"red\"\n");
    ASSERT_FALSE(registry.has_value());
    EXPECT_NE(registry.error().detail.find("unknown scenario \"on_fire\""), std::string::npos) << registry.error().detail;
    EXPECT_NE(registry.error().detail.find("devices[4].colour': unknown key"), std::string::npos);
}

TEST_F(RegistryTest, SimCardReaderReportsInsertReadFailureAndRemoval) {
    auto registry = build();
    ASSERT_TRUE(registry.has_value());
    auto* reader = registry->find("card");
    auto* sim = dynamic_cast<SimulatedDevice*>(reader);
    ASSERT_NE(sim, nullptr);
    std::vector<DeviceEvent> events;
    ASSERT_TRUE(reader->start([&](DeviceEvent event) { events.push_back(std::move(event)); }).has_value());
    ASSERT_TRUE(sim->act("insert", "wang-xinkun").has_value());
    ASSERT_TRUE(sim->act("remove", "").has_value());
    ASSERT_TRUE(sim->setScenario("needs_pin").has_value());
    ASSERT_TRUE(sim->act("insert", "li-jun").has_value());
    EXPECT_FALSE(sim->act("insert", "nobody").has_value());
    std::vector<std::string> kinds;
    for (const auto& event : events) {
        if (const auto* inserted = std::get_if<CardInserted>(&event)) {
            kinds.push_back("inserted");
            EXPECT_EQ(inserted->identity.name, "王鑫堃");
            EXPECT_EQ(inserted->identity.source, IdentitySource::social_security_card);
        } else if (std::holds_alternative<CardRemoved>(event)) {
            kinds.push_back("removed");
        } else if (const auto* failed = std::get_if<CardReadFailed>(&event)) {
            kinds.push_back("failed:" + failed->error.messageKey);
        }
    }
    EXPECT_EQ(kinds, (std::vector<std::string>{"inserted", "removed", "failed:card.needs_pin"}));
}

TEST_F(RegistryTest, SimPrinterRefusesWhenPaperIsOut) {
    auto registry = build();
    auto* printer = registry->first<ReceiptPrinter>(DeviceClass::receipt_printer);
    ASSERT_NE(printer, nullptr);
    printing::Document receipt;
    receipt.kind = "receipt";
    receipt.text("一站示范医院", printing::Align::center, 2, true).qr("R-0001").cut();
    auto printed = printer->print(receipt, std::chrono::seconds(5), CancelToken{});
    ASSERT_TRUE(printed.has_value());
    EXPECT_EQ(printed->code, CompletionCode::success);
    ASSERT_TRUE(dynamic_cast<SimulatedDevice*>(printer)->setScenario("paper_out").has_value());
    auto refused = printer->print(receipt, std::chrono::seconds(5), CancelToken{});
    ASSERT_TRUE(refused.has_value());
    EXPECT_EQ(refused->code, CompletionCode::user_error);
    EXPECT_EQ(refused->before.paper, PaperState::out);
    EXPECT_EQ(dynamic_cast<sim::SimReceiptPrinter*>(printer)->printedJobs().size(), 1U);
}

}  // namespace
}  // namespace kiosk::drivers
