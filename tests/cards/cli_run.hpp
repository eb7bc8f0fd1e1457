#pragma once
// Runs `kiosk …` in-process (runCli) with stdout captured, and writes the kiosk config the card
// CLI tests use. Shared by card_cli_test.cpp and field_cards_stack_test.cpp.
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "kiosk/cli/commands.hpp"

namespace kiosk::test {

inline std::string cardCliConfigText(const std::string& mode, const std::string& devices) {
    return R"([kiosk]
id = "TEST-CARDS"
mode = ")" + mode + R"("
data_dir = "data"
assets_dir = ")" + std::string(KIOSK_TEST_ASSETS_DIR) + R"("

[journal]
audit_salt = "test-salt-0123456789abcdef"

[log]
level = "warn"
)" + devices;
}

struct CliRun {
    int exitCode = -1;
    std::string out;
};

inline CliRun runCliCaptured(std::vector<std::string> args) {
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    std::ostringstream captured;
    auto* previous = std::cout.rdbuf(captured.rdbuf());
    const int code = cli::runCli(static_cast<int>(argv.size()), argv.data());
    std::cout.rdbuf(previous);
    return {code, captured.str()};
}

}  // namespace kiosk::test
