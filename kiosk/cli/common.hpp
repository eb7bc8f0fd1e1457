#pragma once
// Helpers shared by the CLI subcommands.

#include <string>

#include "kiosk/core/config.hpp"
#include "kiosk/core/log.hpp"

namespace kiosk::cli {

/// Loads and validates the config; on failure prints every problem (one per line) to stderr.
/// Logging goes to stderr only, at the config's level, so stdout stays clean JSON.
Result<KioskConfig> loadKioskConfigForCli(const std::string& file);

}  // namespace kiosk::cli
