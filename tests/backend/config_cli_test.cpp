// The [backend] factory (config keys, unknown keys rejected) and `kiosk his` against hospital-sim.
#include <gtest/gtest.h>

#include "kiosk/backend/his_factory.hpp"
#include "kiosk/cli/commands.hpp"
#include "tests/backend/sim_process.hpp"

namespace kiosk::backend {
namespace {

Result<KioskConfig> configWith(const test::TempDir& dir, const std::string& backend) {
    return loadConfig(dir.write("kiosk.toml", test::demoConfigText(backend)));
}

TEST(BackendFactory, BuildsTheFhirDriverFromItsSection) {
    test::TempDir dir;
    auto config = configWith(dir, "\n[backend]\ndriver = \"fhir\"\nbase_url = \"http://127.0.0.1:1/fhir\"\nretries = 1\n");
    ASSERT_TRUE(config.has_value()) << config.error().describe();
    auto driver = makeHisDriver(config->backend, config->kioskId);
    ASSERT_TRUE(driver.has_value()) << driver.error().describe();
    EXPECT_EQ((*driver)->describe(), "fhir http://127.0.0.1:1/fhir");
}

TEST(BackendFactory, RejectsUnknownKeysBadValuesAndMissingSection) {
    test::TempDir dir;
    auto config = configWith(dir, "\n[backend]\nbase_url = \"ftp://host/fhir\"\nretrys = 3\ncall_timeout_ms = 5\nclient_cert = \"c.pem\"\n");
    ASSERT_TRUE(config.has_value()) << config.error().describe();
    auto driver = makeHisDriver(config->backend, config->kioskId);
    ASSERT_FALSE(driver.has_value());
    EXPECT_EQ(driver.error().code, Errc::invalid_config);
    const std::string& detail = driver.error().detail;
    EXPECT_NE(detail.find("retrys"), std::string::npos) << detail;
    EXPECT_NE(detail.find("base_url"), std::string::npos) << detail;
    EXPECT_NE(detail.find("call_timeout_ms"), std::string::npos) << detail;
    EXPECT_NE(detail.find("client_key"), std::string::npos) << detail;
    auto none = configWith(dir, "");
    ASSERT_TRUE(none.has_value());
    EXPECT_EQ(makeHisDriver(none->backend, "K").error().code, Errc::invalid_config);
}

/// Runs `kiosk …` in-process and returns (exit code, stdout).
std::pair<int, std::string> runKiosk(std::vector<std::string> args) {
    args.insert(args.begin(), "kiosk");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    ::testing::internal::CaptureStdout();
    const int code = cli::runCli(static_cast<int>(argv.size()), argv.data());
    return {code, ::testing::internal::GetCapturedStdout()};
}

TEST(HisCommand, VerbsPrintJsonAndFailWithExitCodeOne) {
    test::SimProcess sim;
    ASSERT_TRUE(sim.ready()) << sim.log();
    test::TempDir dir;
    const auto file = dir.write("kiosk.toml", test::demoConfigText("\n[backend]\nbase_url = \"" + sim.fhirUrl() + "\"\n"));
    auto [pingCode, ping] = runKiosk({"his", "ping", "--config", file.string()});
    EXPECT_EQ(pingCode, 0);
    EXPECT_EQ(nlohmann::json::parse(ping)["software"], "hospital-sim");
    auto [findCode, found] = runKiosk({"his", "find-patient", "--config", file.string(), "--id-number", "110101199003070134"});
    EXPECT_EQ(findCode, 0);
    const auto patient = nlohmann::json::parse(found);
    EXPECT_EQ(patient["id"], "pat-zhang-san");
    EXPECT_EQ(found.find("110101199003070134"), std::string::npos) << "masked by default";
    auto [slotsCode, slots] = runKiosk({"his", "slots", "--config", file.string(), "--department", "dept-ENT", "--date", "2100-01-01"});
    EXPECT_EQ(slotsCode, 0);
    EXPECT_EQ(nlohmann::json::parse(slots), nlohmann::json::array());
    auto [missingCode, missing] = runKiosk({"his", "find-patient", "--config", file.string(), "--hospital-card", "H0"});
    EXPECT_EQ(missingCode, 1);
    EXPECT_EQ(nlohmann::json::parse(missing)["error"], "not_found");
    auto [usageCode, usage] = runKiosk({"his", "hold", "--config", file.string()});
    EXPECT_EQ(usageCode, 2) << usage;
    auto [pdfCode, pdf] = runKiosk({"his", "report-pdf", "--config", file.string(), "--patient", "pat-chen-zhe", "--report",
                                    "rpt-chen-zhe-lab", "--out", (dir.path() / "r.pdf").string()});
    EXPECT_EQ(pdfCode, 0) << pdf;
    EXPECT_GT(std::filesystem::file_size(dir.path() / "r.pdf"), 1000U);
}

TEST(HisCommand, DemoConfigPointsAtTheSimulator) {
    auto config = loadConfig(std::filesystem::path(KIOSK_TEST_ASSETS_DIR) / "config" / "demo.toml");
    ASSERT_TRUE(config.has_value()) << config.error().describe();
    auto driver = makeHisDriver(config->backend, config->kioskId);
    ASSERT_TRUE(driver.has_value()) << driver.error().describe();
    EXPECT_EQ((*driver)->describe(), "fhir http://127.0.0.1:18080/fhir");
}

}  // namespace
}  // namespace kiosk::backend
