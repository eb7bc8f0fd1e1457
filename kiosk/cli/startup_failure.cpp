#include "kiosk/cli/startup_failure.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>
#include <toml++/toml.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "kiosk/core/config_reader.hpp"
#include "kiosk/core/log.hpp"
#include "kiosk/ops/metrics_server.hpp"
#include "screens/out_of_service.hpp"

namespace kiosk::cli {

namespace {

std::shared_ptr<spdlog::logger> logger() {
    return log::module("startup");
}

bool mentions(const std::string& text, std::string_view what) {
    return text.find(what) != std::string::npos;
}

std::string hostName() {
    std::array<char, 256> name{};
    if (gethostname(name.data(), name.size() - 1) != 0) return "unknown";
    return name.data();
}

/// The config file as TOML only: nothing validated, so a file with a bad value still gives its
/// kiosk id, phone and orientation. Null when it is not even TOML.
std::shared_ptr<toml::table> readLeniently(const std::filesystem::path& file) {
    try {
        return std::make_shared<toml::table>(toml::parse_file(file.string()));
    } catch (const toml::parse_error&) {
        return nullptr;
    }
}

}  // namespace

std::string startupFailureReason(const Error& error) {
    const std::string& detail = error.detail;
    if (error.code == Errc::journal_unavailable || error.code == Errc::journal_corrupt) {
        if (mentions(detail, "newer than this program")) return "journal_newer";
        if (mentions(detail, "read-only")) return "state_read_only";
        if (mentions(detail, "disk is full") || mentions(detail, "No space left")) return "disk_full";
        return "journal";
    }
    if (error.code == Errc::invalid_config) return mentions(detail, "metrics.listen") ? "metrics_listen" : "config";
    if (error.code == Errc::device_not_ready || error.code == Errc::hardware_error) {
        // The window and the renderer fail with device_not_ready too: they are not a device of
        // the site's (and on them no screen can be shown either).
        return mentions(detail, "SDL") || mentions(detail, "window") || mentions(detail, "renderer") ? "start_failed"
                                                                                                     : "device";
    }
    return "start_failed";
}

std::optional<StartupFailure> probeStateFolder(const std::filesystem::path& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    auto failure = [&dir](int error, std::string_view step) -> StartupFailure {
        if (error == EROFS) {
            return {"state_read_only", fmt::format("state folder {}: the disk is mounted read-only ({}: {})",
                                                   dir.string(), step, std::strerror(error))};
        }
        if (error == ENOSPC || error == EDQUOT) {
            return {"disk_full", fmt::format("state folder {}: the disk is full ({}: {})", dir.string(), step,
                                             std::strerror(error))};
        }
        return {"state_read_only",
                fmt::format("state folder {}: cannot write ({}: {})", dir.string(), step, std::strerror(error))};
    };
    if (ec) return failure(ec.value(), "create the folder");
    const std::filesystem::path probe = dir / ".kiosk-write-probe";
    const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return failure(errno, "create a file");
    // 64 KiB: a journal transaction's worth; a disk with less free is as good as full.
    const std::array<char, 4096> block{};
    int error = 0;
    for (int i = 0; i < 16 && error == 0; ++i) {
        if (::write(fd, block.data(), block.size()) != static_cast<ssize_t>(block.size()))
            error = errno == 0 ? ENOSPC : errno;
    }
    if (error == 0 && ::fsync(fd) != 0) error = errno;
    ::close(fd);
    ::unlink(probe.c_str());
    if (error != 0) return failure(error, "write 64 KiB");
    return std::nullopt;
}

std::optional<StartupFailure> checkRequiredDevices(const KioskConfig& config, const drivers::DeviceRegistry& devices) {
    for (const DeviceConfig& device : config.devices) {
        ConfigSection settings = device.settings;  // a copy: reading marks keys
        if (!settings.boolean("required", false)) continue;
        drivers::Device* found = devices.find(device.name);
        if (!found) return StartupFailure{"device", fmt::format("required device {} is not configured", device.name)};
        auto tested = found->selfTest(std::chrono::seconds(10), drivers::CancelToken{});
        if (!tested) {
            return StartupFailure{"device",
                                  fmt::format("required device {} ({} {}) failed its self-test: {}", device.name,
                                              device.deviceClass, device.driver, tested.error().describe())};
        }
        logger()->info("required device {}: {}", device.name, *tested);
    }
    return std::nullopt;
}

int runOutOfService(const StartupFailure& failure, const OutOfServiceRun& run) {
    // One line a technician greps for; the detail's further lines (every config problem) follow.
    const auto newline = failure.detail.find('\n');
    logger()->critical("out of service (fault code {}): {}", failure.reason, failure.detail.substr(0, newline));
    if (newline != std::string::npos) logger()->critical("{}", failure.detail.substr(newline + 1));

    screens::OutOfServiceInfo info;
    info.kioskId = hostName();
    info.reason = failure.reason;
    info.assetsDir = defaultAssetsDir();
    std::string orientation = run.orientation;
    std::string mode = "lobby";
    std::unique_ptr<ops::MetricsServer> metricsServer;
    std::unique_ptr<ops::MetricsRegistry> metrics;
    if (auto document = readLeniently(run.configFile)) {
        const toml::table& root = *document;
        info.kioskId = root["kiosk"]["id"].value_or(info.kioskId);
        info.serviceDeskPhone = root["kiosk"]["service_desk_phone"].value_or(std::string());
        mode = root["kiosk"]["mode"].value_or(mode);
        if (auto assets = root["kiosk"]["assets_dir"].value<std::string>()) {
            info.assetsDir = run.configFile.parent_path() / *assets;  // absolute stays absolute
        }
        if (orientation.empty()) orientation = root["ui"]["orientation"].value_or(std::string("portrait"));
        info.fontFile = root["ui"]["font_file"].value_or(info.fontFile.string());
        info.fontIndex = static_cast<int>(root["ui"]["font_index"].value_or(int64_t{info.fontIndex}));
        if (const toml::table* section = root["metrics"].as_table()) {
            // The fleet sees the kiosk down for a reason, not just down: the metric is served on
            // the configured address as long as that much of the file reads.
            const ops::MetricsSettings settings = ops::readMetricsSettings(
                ConfigSection(section, "metrics", std::make_shared<ConfigProblems>(), run.configFile.parent_path()));
            ops::MetricLabels labels{{"kiosk_id", info.kioskId}, {"mode", mode}};
            if (!settings.site.empty()) labels["site"] = settings.site;
            metrics = std::make_unique<ops::MetricsRegistry>(labels);
            metrics->declare("yizhan_startup_failure", ops::MetricType::gauge,
                             "1 while the kiosk shows its out-of-service screen, by fault code");
            metrics->set("yizhan_startup_failure", {{"reason", failure.reason}}, 1);
            if (failure.reason != "metrics_listen") {
                if (auto started = ops::MetricsServer::start(settings, *metrics); started) {
                    metricsServer = std::move(*started);
                } else {
                    logger()->error("metrics not served: {}", started.error().detail);
                }
            }
        }
    }
    const bool portrait = orientation != "landscape";
    info.width = portrait ? 1080 : 1920;
    info.height = portrait ? 1920 : 1080;

    auto screen = screens::OutOfServiceScreen::open(info, run.headless, run.fullscreen);
    if (!screen) {
        // Nothing can be shown (no display): say so, and stay down rather than loop.
        logger()->critical("the out-of-service screen cannot be shown either: {}", screen.error().describe());
        return kOutOfServiceExitCode;
    }
    const bool stopped = (*screen)->run(run.maxFrames);
    if (!run.screenshotFile.empty()) {
        if (auto written = (*screen)->screenshot(run.screenshotFile); !written) {
            logger()->error("screenshot {}: {}", run.screenshotFile.string(), written.error().describe());
        }
    }
    metricsServer.reset();
    logger()->info("out-of-service screen closed ({})", stopped ? "stopped" : "frame limit");
    return stopped ? 0 : kOutOfServiceExitCode;
}

}  // namespace kiosk::cli
