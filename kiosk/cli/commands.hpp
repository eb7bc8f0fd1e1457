#pragma once
// The `kiosk` command line. Every subcommand lives in its own file and is installed from one
// list in commands.cpp (no self-registration). A subcommand's installer adds a CLI11
// subcommand and, in its callback, stores the action to run: the action's return value is the
// process exit code (0 ok, 1 failure, 2 usage).

#include <CLI/CLI.hpp>

#include <functional>

namespace kiosk::cli {

using Action = std::function<int()>;
using CommandInstaller = void (*)(CLI::App& root, Action& action);

/// Parses argv, runs the chosen subcommand, returns the exit code. Unknown flags and bad values
/// print one line to stderr and return 2.
int runCli(int argc, char** argv);

// Installers (one per file in kiosk/cli/).
void installRunCommand(CLI::App& root, Action& action);         // run_command.cpp
void installScreenshotCommand(CLI::App& root, Action& action);  // run_command.cpp
void installDevicesCommand(CLI::App& root, Action& action);     // devices_command.cpp
void installDiagCommand(CLI::App& root, Action& action);        // diag_command.cpp (diag, diag hash-pin)
void installHisCommand(CLI::App& root, Action& action);         // his_command.cpp
void installCardCommand(CLI::App& root, Action& action);         // card_command.cpp (card read, idcard read)
void installPrintCommand(CLI::App& root, Action& action);        // print_command.cpp
void installScanCommand(CLI::App& root, Action& action);         // scan_command.cpp
void installJournalCommand(CLI::App& root, Action& action);      // journal_command.cpp
void installPickupCommand(CLI::App& root, Action& action);       // pickup_command.cpp (pickup lockers, clear-locker)
void installWaitIdleCommand(CLI::App& root, Action& action);     // wait_idle_command.cpp

}  // namespace kiosk::cli
