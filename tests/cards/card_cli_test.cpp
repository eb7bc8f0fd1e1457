// `kiosk card read` and `kiosk idcard read` in-process (runCli), through the real stacks:
// pcscd + vpcd + the virtual card, and a pty with the virtual ID reader.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <iostream>
#include <sstream>

#include "kiosk/cli/commands.hpp"
#include "sim/devices/virtual_id_reader.hpp"
#include "sim/devices/virtual_ss_card.hpp"
#include "tests/cards/cli_run.hpp"
#include "tests/cards/pcscd_fixture.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiosk::cli {
namespace {

using namespace std::chrono_literals;

std::string configText(const std::string& mode, const std::string& devices) { return test::cardCliConfigText(mode, devices); }

test::CliRun run(std::vector<std::string> args) { return test::runCliCaptured(std::move(args)); }

constexpr const char* kPcscDevice = R"(
[[devices]]
name = "card"
class = "card_reader"
driver = "pcsc"
reader = "Virtual PCD 00 00"
profile = "social_security"
read_timeout_ms = 3000
)";

TEST(CardCli, CardReadPrintsTheMaskedIdentityOfTheVirtualCard) {
    test::PcscDaemon daemon;
    ASSERT_TRUE(daemon.start().empty());
    test::TempDir dir;
    const auto config = dir.write("kiosk.toml", configText("lobby", kPcscDevice));
    const auto people = test::samplePeople();
    sim::VirtualSocialSecurityCard card(*people.find("zhang-san"), sim::VirtualCardOptions{.port = daemon.vpcdPort()});
    ASSERT_TRUE(card.insert().has_value());
    const auto result = run({"kiosk", "card", "read", "--config", config.string(), "--timeout", "10"});
    ASSERT_EQ(result.exitCode, 0) << result.out;
    const auto json = nlohmann::json::parse(result.out);
    EXPECT_EQ(json["ok"], true);
    EXPECT_EQ(json["masked"], true);
    EXPECT_EQ(json["identity"]["name"], "张*");
    EXPECT_EQ(json["identity"]["id_number"], "110***********0134");
    // SELECT, EF05 01/03/07, EF06 08/09/4E/0A/0B/0D.
    EXPECT_EQ(json["status_words"].size(), 10U);
    EXPECT_EQ(json["identity"]["region"], "110101");  // issuing region: an area, shown in clear
    EXPECT_EQ(result.out.find("110101199003070134"), std::string::npos);  // never in clear

    // --unmasked is refused outside diagnostics mode…
    EXPECT_EQ(run({"kiosk", "card", "read", "--config", config.string(), "--unmasked"}).exitCode, 2);
    // …and shows the full values in diagnostics mode.
    const auto diagnostics = dir.write("diag.toml", configText("diagnostics", kPcscDevice));
    const auto unmasked = run({"kiosk", "card", "read", "--config", diagnostics.string(), "--unmasked", "--timeout", "10"});
    ASSERT_EQ(unmasked.exitCode, 0) << unmasked.out;
    EXPECT_EQ(nlohmann::json::parse(unmasked.out)["identity"]["id_number"], "110101199003070134");
}

TEST(CardCli, CardReadReportsNeedsPinWithStatusWords) {
    test::PcscDaemon daemon;
    ASSERT_TRUE(daemon.start().empty());
    test::TempDir dir;
    const auto config = dir.write("kiosk.toml", configText("lobby", kPcscDevice));
    const auto people = test::samplePeople();
    sim::VirtualSocialSecurityCard card(*people.find("li-jun"),
                                        sim::VirtualCardOptions{.port = daemon.vpcdPort(), .scenario = sim::CardScenario::pin_protected});
    ASSERT_TRUE(card.insert().has_value());
    const auto result = run({"kiosk", "card", "read", "--config", config.string(), "--timeout", "10"});
    EXPECT_EQ(result.exitCode, 1);
    const auto json = nlohmann::json::parse(result.out);
    EXPECT_EQ(json["message_key"], "card.needs_pin");
    EXPECT_EQ(json["status_words"].back(), "6982");
}

TEST(CardCli, IdCardReadOverAPty) {
    test::TempDir dir;
    auto reader = sim::VirtualIdReader::create(sim::IdReaderScenario::valid_card, dir.path() / "ttyIdReader");
    ASSERT_TRUE(reader.has_value());
    const auto people = test::samplePeople();
    (*reader)->place(*people.find("wang-xinkun"));
    const auto config = dir.write("kiosk.toml", configText("lobby", R"(
[[devices]]
name = "idcard"
class = "id_reader"
driver = "ga450"
port = "ttyIdReader"
model = "usb_serial_115200"
poll_interval_ms = 50
)"));
    const auto result = run({"kiosk", "idcard", "read", "--config", config.string(), "--timeout", "10"});
    ASSERT_EQ(result.exitCode, 0) << result.out;
    const auto json = nlohmann::json::parse(result.out);
    EXPECT_EQ(json["identity"]["name"], "王*堃");
    EXPECT_EQ(json["identity"]["source"], "id_card");
    EXPECT_EQ(json["status_words"], nlohmann::json({"00009F", "000090", "000090"}));
}

TEST(CardCli, IdCardReadTimesOutOnASilentReader) {
    test::TempDir dir;
    auto reader = sim::VirtualIdReader::create(sim::IdReaderScenario::silent, dir.path() / "ttyIdReader");
    ASSERT_TRUE(reader.has_value());
    const auto config = dir.write("kiosk.toml", configText("lobby", R"(
[[devices]]
name = "idcard"
class = "id_reader"
driver = "ga450"
port = "ttyIdReader"
answer_timeout_ms = 100
)"));
    const auto result = run({"kiosk", "idcard", "read", "--config", config.string(), "--timeout", "1"});
    EXPECT_EQ(result.exitCode, 1);
    const auto json = nlohmann::json::parse(result.out);
    EXPECT_EQ(json["error"], "timeout");
    EXPECT_NE(json["detail"].get<std::string>().find("offline"), std::string::npos) << result.out;
}

TEST(CardCli, BadDriverConfigIsRejectedWithTheKey) {
    test::TempDir dir;
    const auto config = dir.write("kiosk.toml", configText("lobby", R"(
[[devices]]
name = "card"
class = "card_reader"
driver = "pcsc"
profile = "bank_card"
colour = "red"
)"));
    EXPECT_EQ(run({"kiosk", "card", "read", "--config", config.string(), "--timeout", "1"}).exitCode, 1);
}

}  // namespace
}  // namespace kiosk::cli
