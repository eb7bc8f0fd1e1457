#include "kiosk/cli/common.hpp"

#include <iostream>

namespace kiosk::cli {

Result<KioskConfig> loadKioskConfigForCli(const std::string& file) {
    auto config = loadConfig(file);
    if (!config) {
        std::cerr << "kiosk: configuration error:\n" << config.error().detail << '\n';
        return config;
    }
    log::Settings settings;
    settings.level = spdlog::level::from_str(config->logLevel);
    log::configure(settings);
    return config;
}

}  // namespace kiosk::cli
