#include "kiosk/cli/commands.hpp"

#include <fmt/format.h>

#include <iostream>

#include "kiosk/core/log.hpp"

namespace kiosk::cli {

namespace {

// The one list of subcommands, in the order `kiosk --help` shows them.
constexpr CommandInstaller kInstallers[] = {
    &installRunCommand,
    &installScreenshotCommand,
    &installDevicesCommand,
    &installDiagCommand,
    &installHisCommand,
    &installCardCommand,
    &installPrintCommand,
    &installScanCommand,
    &installJournalCommand,
    &installPickupCommand,
    &installWaitIdleCommand,
};

}  // namespace

int runCli(int argc, char** argv) {
    // Until a command configures logging from its config, log lines go to stderr (stdout is
    // reserved for the JSON that commands print).
    log::configure(log::Settings{});
    CLI::App root{"Yizhan (一站) hospital self-service kiosk", "kiosk"};
    root.set_version_flag("--version", std::string("kiosk ") + KIOSK_VERSION);
    root.require_subcommand(1);
    root.failure_message([](const CLI::App*, const CLI::Error& error) {
        return std::string("kiosk: ") + error.what() + " (see kiosk --help)\n";
    });
    Action action;
    for (CommandInstaller install : kInstallers) install(root, action);
    try {
        root.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        std::cout << root.help();
        return 0;
    } catch (const CLI::CallForAllHelp&) {
        std::cout << root.help("", CLI::AppFormatMode::All);
        return 0;
    } catch (const CLI::CallForVersion&) {
        std::cout << root.version() << '\n';
        return 0;
    } catch (const CLI::ParseError& error) {
        // One line, exit code 2, for unknown flags and bad values.
        std::cerr << "kiosk: " << error.what() << " (see kiosk --help)\n";
        return 2;
    }
    if (!action) {
        std::cerr << "kiosk: no command given (see kiosk --help)\n";
        return 2;
    }
    return action();
}

}  // namespace kiosk::cli
