#pragma once
// Logging: one spdlog logger per module ("[card]", "[backend]", …) writing to stderr and to a
// rotating file. Every line passes a redacting sink that masks anything shaped like an ID or
// card number — a safety net: code must still log only masked values (kiosk/core/mask.hpp).
//
// The logger objects live in spdlog's own registry (library state); this module keeps none.

#include <spdlog/spdlog.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace kiosk::log {

struct Settings {
    std::filesystem::path file;          ///< empty: no file, stderr only
    size_t maxFileBytes = 5 * 1024 * 1024;
    size_t maxFiles = 5;
    spdlog::level::level_enum level = spdlog::level::info;
    bool toStderr = true;
};

/// Configures the sinks of every existing and future module logger. Safe to call again.
void configure(const Settings& settings);

/// The logger of a module; created on first use with the configured sinks.
std::shared_ptr<spdlog::logger> module(std::string_view name);

/// Flushes every logger (before exit and in tests).
void flushAll();

}  // namespace kiosk::log
