// `kiosk diag [--json] --config FILE`: the kiosk's health without the UI (diag_check.hpp), for
// remote checks and monitoring: exit 0 only when every configured device and the backend are
// healthy, 1 when something is not (or the config is bad), 2 on usage errors.
// `kiosk diag hash-pin`: reads a new technician PIN on stdin (without echo on a terminal, asked
// twice) and prints the `pin_hash = "…"` line for the config's [diagnostics] section.
#include <termios.h>
#include <unistd.h>

#include <iostream>

#include "kiosk/cli/commands.hpp"
#include "kiosk/cli/common.hpp"
#include "kiosk/cli/diag_check.hpp"
#include "kiosk/core/technician_access.hpp"

namespace kiosk::cli {

namespace {

/// One line from stdin; on a terminal the prompt goes to stderr and the typing is not echoed.
std::optional<std::string> readSecretLine(const char* prompt) {
    const bool terminal = isatty(STDIN_FILENO) == 1;
    termios saved{};
    if (terminal) {
        std::cerr << prompt << std::flush;
        if (tcgetattr(STDIN_FILENO, &saved) == 0) {
            termios quiet = saved;
            quiet.c_lflag &= static_cast<tcflag_t>(~ECHO);
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
        }
    }
    std::string line;
    const bool read = static_cast<bool>(std::getline(std::cin, line));
    if (terminal) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
        std::cerr << '\n';
    }
    if (!read) return std::nullopt;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
}

int hashPin() {
    auto pin = readSecretLine("New technician PIN (6-12 digits): ");
    if (!pin) {
        std::cerr << "kiosk: no PIN on stdin\n";
        return 1;
    }
    if (auto shape = TechnicianAccess::checkPinShape(*pin); !shape) {
        std::cerr << "kiosk: " << shape.error().detail << '\n';
        return 1;
    }
    if (isatty(STDIN_FILENO) == 1) {
        auto again = readSecretLine("The same PIN again: ");
        if (!again || *again != *pin) {
            std::cerr << "kiosk: the two PINs differ; nothing printed\n";
            return 1;
        }
    }
    auto hash = TechnicianAccess::hashPin(*pin);
    std::fill(pin->begin(), pin->end(), '\0');
    if (!hash) {
        std::cerr << "kiosk: " << hash.error().detail << '\n';
        return 1;
    }
    std::cout << "pin_hash = \"" << *hash << "\"\n";
    return 0;
}

}  // namespace

void installDiagCommand(CLI::App& root, Action& action) {
    auto* command = root.add_subcommand("diag", "Check every device and the backend without the UI (exit 0 = healthy)");
    auto configFile = std::make_shared<std::string>();
    auto json = std::make_shared<bool>(false);
    auto timeoutMs = std::make_shared<int>(5000);
    command->add_option("--config", *configFile, "Kiosk configuration file (TOML)");
    command->add_flag("--json", *json, "Print the result as JSON");
    command->add_option("--timeout-ms", *timeoutMs, "Time limit of each check (default 5000)")->check(CLI::Range(100, 60000));
    command->require_subcommand(0, 1);
    auto* hash = command->add_subcommand("hash-pin", "Read a new technician PIN on stdin, print the [diagnostics] pin_hash line");
    hash->callback([&action] { action = [] { return hashPin(); }; });
    command->callback([&action, command, hash, configFile, json, timeoutMs] {
        if (hash->parsed()) return;
        if (configFile->empty()) throw CLI::RequiredError("--config");
        action = [configFile, json, timeoutMs]() -> int {
            auto loaded = loadKioskConfigForCli(*configFile);
            if (!loaded) return 1;
            const HealthReport report = checkHealth(*loaded, std::chrono::milliseconds(*timeoutMs));
            if (*json) {
                std::cout << report.toJson().dump(2) << '\n';
            } else {
                std::cout << report.toText();
            }
            return report.healthy() ? 0 : 1;
        };
        (void)command;
    });
}

}  // namespace kiosk::cli
