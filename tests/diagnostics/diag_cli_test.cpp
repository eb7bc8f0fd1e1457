// `kiosk diag` and `kiosk diag hash-pin` (issue 14 items 1 and 7), run as the real kiosk program
// (a child process: the exit code is what a monitoring system sees) on the demo config, its
// devices simulated and its hospital the real hospital-sim on 127.0.0.1 (its own process,
// tests/backend/sim_process.hpp).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>

#include "kiosk/core/config.hpp"
#include "kiosk/core/technician_access.hpp"
#include "tests/backend/sim_process.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiosk::test {
namespace {

struct ProgramRun {
    int exitCode = -1;
    std::string out;
};

/// Runs a shell command line, stdout captured (stderr to the test log).
ProgramRun shell(const std::string& command) {
    ProgramRun run;
    FILE* pipe = popen(command.c_str(), "r");
    if (!pipe) return run;
    char buffer[4096];
    size_t n = 0;
    while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) run.out.append(buffer, n);
    const int status = pclose(pipe);
    run.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return run;
}

/// The demo config (assets/config/demo.toml) pointed at `port` and a private data dir, as
/// scripts/run-demo.sh rewrites it; `edit` changes it further.
std::filesystem::path demoConfig(const TempDir& dir, int port, const std::function<void(std::string&)>& edit = {}) {
    std::ifstream in(std::string(KIOSK_TEST_ASSETS_DIR) + "/config/demo.toml");
    std::stringstream text;
    text << in.rdbuf();
    std::string config = std::regex_replace(text.str(), std::regex("127\\.0\\.0\\.1:18080"), "127.0.0.1:" + std::to_string(port));
    config = std::regex_replace(config, std::regex("data_dir = \"[^\"]*\""), "data_dir = \"" + (dir.path() / "data").string() + "\"");
    if (edit) edit(config);
    return dir.write("demo.toml", config);
}

std::string diag(const std::filesystem::path& config) {
    return std::string(KIOSK_BINARY) + " diag --json --config " + config.string();
}

TEST(DiagCli, DemoConfigOnSimulatedDevicesWithTheHospitalUpIsHealthy) {
    SimProcess sim;
    ASSERT_TRUE(sim.ready()) << sim.log();
    TempDir dir;
    const auto config = demoConfig(dir, sim.port());
    const ProgramRun run = shell(diag(config));
    ASSERT_EQ(run.exitCode, 0) << run.out;
    const nlohmann::json out = nlohmann::json::parse(run.out);
    EXPECT_TRUE((out["healthy"] == true));
    EXPECT_EQ(out["kiosk_id"], "DEMO-KIOSK-01");
    ASSERT_EQ(out["devices"].size(), 5U) << "card, idcard, scanner, receipt, reports";
    for (const auto& device : out["devices"]) {
        EXPECT_TRUE((device["healthy"] == true)) << device.dump();
        EXPECT_EQ(device["status"], "online") << device.dump();
        EXPECT_TRUE((device["self_test"]["ok"] == true)) << device.dump();
    }
    EXPECT_TRUE((out["backend"]["healthy"] == true)) << out["backend"].dump();
    EXPECT_TRUE(out["backend"]["software"].is_string() && out["backend"]["software"] != "") << out["backend"].dump();
    EXPECT_NE(out["backend"]["endpoint"].dump().find(std::to_string(sim.port())), std::string::npos);
    // The plain text form says the same with the same exit code.
    const ProgramRun text = shell(std::string(KIOSK_BINARY) + " diag --config " + config.string());
    EXPECT_EQ(text.exitCode, 0) << text.out;
    EXPECT_NE(text.out.find("\nhealthy ("), std::string::npos) << text.out;
}

TEST(DiagCli, HospitalDownIsNotHealthy) {
    TempDir dir;
    std::filesystem::path config;
    {
        SimProcess sim;
        ASSERT_TRUE(sim.ready()) << sim.log();
        config = demoConfig(dir, sim.port());
    }  // stopped: nothing listens on its port now
    const auto started = std::chrono::steady_clock::now();
    const ProgramRun run = shell(diag(config));
    const auto took = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(run.exitCode, 1) << run.out;
    const nlohmann::json out = nlohmann::json::parse(run.out);
    EXPECT_FALSE((out["healthy"] == true));
    EXPECT_FALSE((out["backend"]["healthy"] == true));
    EXPECT_TRUE(out["backend"]["error"].is_string() && out["backend"]["error"] != "") << out["backend"].dump();
    for (const auto& device : out["devices"]) EXPECT_TRUE((device["healthy"] == true)) << "the devices are fine";
    EXPECT_LT(took, std::chrono::seconds(10)) << "a refused connection is not waited on";
}

TEST(DiagCli, PrinterOutOfPaperIsNotHealthyAndNamed) {
    SimProcess sim;
    ASSERT_TRUE(sim.ready()) << sim.log();
    TempDir dir;
    const auto config = demoConfig(dir, sim.port(), [](std::string& text) {
        text = std::regex_replace(text, std::regex("name = \"receipt\"\nclass = \"receipt_printer\"\ndriver = \"sim\""),
                                  "name = \"receipt\"\nclass = \"receipt_printer\"\ndriver = \"sim\"\nscenario = \"paper_out\"");
    });
    const ProgramRun run = shell(diag(config));
    EXPECT_EQ(run.exitCode, 1) << run.out;
    const nlohmann::json out = nlohmann::json::parse(run.out);
    EXPECT_TRUE((out["backend"]["healthy"] == true));
    for (const auto& device : out["devices"]) {
        EXPECT_EQ((device["healthy"] == true), device["name"] != "receipt") << device.dump();
        if (device["name"] == "receipt") {
            EXPECT_EQ(device["paper"], "out") << device.dump();
        }
    }
}

TEST(DiagCli, BadConfigAndMissingConfigExitNonZero) {
    TempDir dir;
    const auto bad = dir.write("bad.toml", demoConfigText("[diagnostics]\npin_hash = \"246810\"\n"));
    EXPECT_EQ(shell(diag(bad) + " 2>/dev/null").exitCode, 1) << "a config with a plain PIN does not pass";
    EXPECT_EQ(shell(std::string(KIOSK_BINARY) + " diag --json 2>/dev/null").exitCode, 2) << "--config is required";
}

TEST(DiagCli, HashPinPrintsAConfigLineThatTheKioskAccepts) {
    const ProgramRun run = shell("printf '246810\\n' | " + std::string(KIOSK_BINARY) + " diag hash-pin");
    ASSERT_EQ(run.exitCode, 0) << run.out;
    std::smatch match;
    ASSERT_TRUE(std::regex_match(run.out, match, std::regex("pin_hash = \"(\\$argon2id\\$v=19\\$m=65536,t=2,p=1\\$[^\"]+)\"\n")))
        << run.out;
    EXPECT_EQ(run.out.find("246810"), std::string::npos) << "never the PIN itself";
    TempDir dir;
    auto config = loadConfig(dir.write("kiosk.toml", demoConfigText("[diagnostics]\n" + run.out)));
    ASSERT_TRUE(config.has_value()) << config.error().detail;
    EXPECT_TRUE(TechnicianAccess::pinMatches(config->diagnostics.pinHash, "246810"));
    EXPECT_FALSE(TechnicianAccess::pinMatches(config->diagnostics.pinHash, "246811"));
    // A PIN of the wrong shape prints nothing and fails.
    const ProgramRun shortPin = shell("printf '1234\\n' | " + std::string(KIOSK_BINARY) + " diag hash-pin 2>/dev/null");
    EXPECT_EQ(shortPin.exitCode, 1);
    EXPECT_EQ(shortPin.out, "");
    EXPECT_EQ(shell(std::string(KIOSK_BINARY) + " diag hash-pin < /dev/null 2>/dev/null").exitCode, 1) << "no PIN at all";
}

}  // namespace
}  // namespace kiosk::test
