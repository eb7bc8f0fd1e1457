#pragma once
// Helpers shared by the CLI subcommands.

#include <string>
#include <vector>

#include "kiosk/core/config.hpp"
#include "kiosk/core/config_problems.hpp"
#include "kiosk/core/log.hpp"

namespace kiosk::cli {

/// Every problem of the config file, in one list, one line each ("FILE: key 'a.b': what was
/// expected"): the core keys first, then each [[devices]] entry's driver keys, then [backend],
/// [printing] and [payments], each checked by its owner whatever the other sections' problems.
/// Empty when the whole file is valid.
std::vector<std::string> checkOwnedSections(const KioskConfig& config);

/// Loads and validates the whole config (the core and every owner's section, checkOwnedSections)
/// and on failure prints every problem (one per line) to stderr — so a technician fixes a file in
/// one pass, not one section per run. Logging goes to stderr only, at the config's level, so
/// stdout stays clean JSON.
Result<KioskConfig> loadKioskConfigForCli(const std::string& file);

}  // namespace kiosk::cli
