#include "kiosk/core/log.hpp"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <mutex>
#include <vector>

#include "kiosk/core/mask.hpp"

namespace kiosk::log {
namespace {

/// Masks ID/card-number-shaped digit runs in every message before the real sinks see it.
class RedactingSink final : public spdlog::sinks::base_sink<std::mutex> {
public:
    explicit RedactingSink(std::vector<spdlog::sink_ptr> targets) : targets_(std::move(targets)) {}

protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        const std::string redacted =
            redactDigitsInText(std::string_view(msg.payload.data(), msg.payload.size()));
        spdlog::details::log_msg copy(msg.time, msg.source, msg.logger_name, msg.level,
                                      spdlog::string_view_t(redacted.data(), redacted.size()));
        for (auto& target : targets_) {
            if (target->should_log(copy.level)) target->log(copy);
        }
    }
    void flush_() override {
        for (auto& target : targets_) target->flush();
    }
    // The real sinks format the line, so they must get the pattern too.
    void set_pattern_(const std::string& pattern) override {
        for (auto& target : targets_) target->set_pattern(pattern);
    }
    void set_formatter_(std::unique_ptr<spdlog::formatter> formatter) override {
        for (auto& target : targets_) target->set_formatter(formatter->clone());
    }

private:
    std::vector<spdlog::sink_ptr> targets_;
};

std::shared_ptr<RedactingSink> makeSink(const Settings& settings) {
    std::vector<spdlog::sink_ptr> targets;
    if (settings.toStderr) targets.push_back(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
    if (!settings.file.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(settings.file.parent_path(), ec);
        targets.push_back(std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
            settings.file.string(), settings.maxFileBytes, settings.maxFiles));
    }
    return std::make_shared<RedactingSink>(std::move(targets));
}

// The sink shared by all module loggers is kept by spdlog's default logger, so that this module
// holds no state of its own: new module loggers copy the default logger's sinks.
constexpr const char* kPattern = "%Y-%m-%d %H:%M:%S.%e %^%l%$ [%n] %v";

}  // namespace

void configure(const Settings& settings) {
    auto sink = makeSink(settings);
    sink->set_pattern(kPattern);
    auto defaultLogger = std::make_shared<spdlog::logger>("kiosk", sink);
    defaultLogger->set_pattern(kPattern);
    defaultLogger->set_level(settings.level);
    spdlog::set_default_logger(defaultLogger);
    spdlog::apply_all([&](const std::shared_ptr<spdlog::logger>& logger) {
        logger->sinks().clear();
        logger->sinks().push_back(sink);
        logger->set_pattern(kPattern);
        logger->set_level(settings.level);
    });
    spdlog::flush_on(spdlog::level::warn);
}

std::shared_ptr<spdlog::logger> module(std::string_view name) {
    const std::string key(name);
    if (auto existing = spdlog::get(key)) return existing;
    auto defaultLogger = spdlog::default_logger();
    auto logger = std::make_shared<spdlog::logger>(key, defaultLogger->sinks().begin(),
                                                   defaultLogger->sinks().end());
    logger->set_pattern(kPattern);
    logger->set_level(defaultLogger->level());
    try {
        spdlog::register_logger(logger);
    } catch (const spdlog::spdlog_ex&) {
        // Another thread registered it first.
        if (auto existing = spdlog::get(key)) return existing;
    }
    return logger;
}

void flushAll() {
    spdlog::apply_all([](const std::shared_ptr<spdlog::logger>& logger) { logger->flush(); });
}

}  // namespace kiosk::log
