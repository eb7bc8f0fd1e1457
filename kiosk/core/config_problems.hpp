#pragma once
// Reading a config file without stopping at its problems, for the tools that list every problem
// of a file in one run (kiosk/cli's loadKioskConfigForCli: the core's keys, then every section
// another module owns). loadConfig() (config.hpp) is parseConfig() plus "no problems allowed".

#include <string>
#include <vector>

#include "kiosk/core/config.hpp"

namespace kiosk {

/// Reads every key the core owns and appends each problem to `problems` as one line
/// ("FILE: key 'a.b[1].c': what was expected"), without stopping; the config comes back with
/// defaults where a value was bad, so that the owners of the other sections ([[devices]] driver
/// keys, [backend], [printing], [payments]) can check theirs in the same run. Every
/// [[devices]] entry is kept, even one with problems. Fails only when there is nothing to read
/// (no file, not TOML).
Result<KioskConfig> parseConfig(const std::filesystem::path& file, std::vector<std::string>& problems);

/// Problems one per line, as the CLI prints them and as Error::detail carries them.
std::string joinProblems(const std::vector<std::string>& problems);

}  // namespace kiosk
