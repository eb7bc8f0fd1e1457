#include "kiosk/cli/diag_check.hpp"

#include <fmt/format.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "drivers/common/registry.hpp"
#include "kiosk/backend/his_factory.hpp"
#include "kiosk/core/log.hpp"

namespace kiosk::cli {

namespace {

/// What the checker threads fill in. Shared with them (not owned by checkHealth's frame): a check
/// that overruns the limit keeps its registry and driver alive until it returns on its own.
struct Shared {
    std::mutex mutex;
    std::condition_variable done;
    size_t pending = 0;
    std::vector<std::optional<DeviceHealth>> devices;
    std::optional<BackendHealth> backend;
    std::shared_ptr<drivers::DeviceRegistry> registry;
    std::shared_ptr<backend::HisDriver> his;
};

DeviceHealth checkDevice(drivers::Device& device, std::chrono::milliseconds limit) {
    DeviceHealth health;
    health.name = device.name();
    health.deviceClass = std::string(drivers::deviceClassName(device.deviceClass()));
    health.driver = device.driverName();
    auto result = device.selfTest(limit, drivers::CancelToken{});
    health.selfTestOk = result.has_value();
    health.selfTest = result ? *result : fmt::format("{}: {}", errcName(result.error().code), result.error().detail);
    // The status after the self-test (a self-test may be what finds a printer out of paper).
    const drivers::DeviceState state = device.state();
    health.status = std::string(drivers::deviceStatusName(state.status));
    health.media = std::string(drivers::mediaStateName(state.media));
    health.paper = std::string(drivers::paperStateName(state.paper));
    health.detail = state.detail;
    health.healthy = health.selfTestOk && state.status == drivers::DeviceStatus::online;
    return health;
}

BackendHealth checkBackend(backend::HisDriver& his) {
    BackendHealth health;
    health.configured = true;
    health.endpoint = his.describe();
    const auto started = std::chrono::steady_clock::now();
    auto info = his.ping();
    health.latencyMs =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    if (info) {
        health.healthy = true;
        health.software = info->software;
        health.version = info->version;
    } else {
        health.error = info.error().describe();
    }
    return health;
}

}  // namespace

bool HealthReport::healthy() const {
    if (!problem.empty()) return false;
    for (const DeviceHealth& device : devices) {
        if (!device.healthy) return false;
    }
    return !backend.configured || backend.healthy;
}

nlohmann::json HealthReport::toJson() const {
    nlohmann::json out = {{"kiosk_id", kioskId}, {"healthy", healthy()}, {"elapsed_ms", elapsedMs}};
    if (!problem.empty()) out["problem"] = problem;
    out["devices"] = nlohmann::json::array();
    for (const DeviceHealth& d : devices) {
        out["devices"].push_back({{"name", d.name},
                                  {"class", d.deviceClass},
                                  {"driver", d.driver},
                                  {"healthy", d.healthy},
                                  {"status", d.status},
                                  {"media", d.media},
                                  {"paper", d.paper},
                                  {"detail", d.detail},
                                  {"self_test", {{"ok", d.selfTestOk}, {"detail", d.selfTest}}}});
    }
    nlohmann::json b = {{"configured", backend.configured}};
    if (backend.configured) {
        b["healthy"] = backend.healthy;
        b["endpoint"] = backend.endpoint;
        b["latency_ms"] = backend.latencyMs;
        if (backend.healthy) {
            b["software"] = backend.software;
            b["version"] = backend.version;
        } else {
            b["error"] = backend.error;
        }
    }
    out["backend"] = b;
    return out;
}

std::string HealthReport::toText() const {
    std::string out = fmt::format("kiosk {}\n", kioskId);
    if (!problem.empty()) out += fmt::format("  cannot check: {}\n", problem);
    for (const DeviceHealth& d : devices) {
        out += fmt::format("  {:<4} {:<12} {:<16} {:<7} {:<14} {}\n", d.healthy ? "ok" : "FAIL", d.name, d.deviceClass, d.driver,
                           d.status, d.selfTest);
    }
    if (backend.configured) {
        out += backend.healthy ? fmt::format("  ok   backend      {} ({} {}, {} ms)\n", backend.endpoint, backend.software,
                                             backend.version, backend.latencyMs)
                               : fmt::format("  FAIL backend      {}: {}\n", backend.endpoint, backend.error);
    } else {
        out += "  --   backend      not configured ([backend] absent)\n";
    }
    out += fmt::format("{} ({} ms)\n", healthy() ? "healthy" : "NOT healthy", elapsedMs);
    return out;
}

HealthReport checkHealth(const KioskConfig& config, std::chrono::milliseconds limit) {
    const auto started = std::chrono::steady_clock::now();
    HealthReport report;
    report.kioskId = config.kioskId;
    auto shared = std::make_shared<Shared>();
    auto registry = drivers::DeviceRegistry::build(config, drivers::DriverContext{config.assetsDir, config.dataDir});
    if (!registry) {
        report.problem = registry.error().detail;
    } else {
        shared->registry = std::make_shared<drivers::DeviceRegistry>(std::move(*registry));
    }
    if (config.backend.present()) {
        report.backend.configured = true;
        auto his = backend::makeHisDriver(config.backend, config.kioskId);
        if (his) {
            shared->his = std::move(*his);
        } else {
            report.backend.error = his.error().describe();
        }
    }
    const size_t deviceCount = shared->registry ? shared->registry->all().size() : 0;
    shared->devices.resize(deviceCount);
    shared->pending = deviceCount + (shared->his ? 1 : 0);
    // One thread per check: a kiosk has a handful of devices, and the slowest (a printer's status
    // query, the backend's round trip) then sets the time, not their sum.
    for (size_t i = 0; i < deviceCount; ++i) {
        std::thread([shared, i, limit] {
            DeviceHealth health = checkDevice(*shared->registry->all()[i], limit);
            std::lock_guard lock(shared->mutex);
            shared->devices[i] = std::move(health);
            if (--shared->pending == 0) shared->done.notify_all();
        }).detach();
    }
    if (shared->his) {
        std::thread([shared] {
            BackendHealth health = checkBackend(*shared->his);
            std::lock_guard lock(shared->mutex);
            shared->backend = std::move(health);
            if (--shared->pending == 0) shared->done.notify_all();
        }).detach();
    }
    {
        // The limit plus a margin: drivers bound their own commands by `limit`; this catches one
        // that does not (a hung self-test is reported, not waited for).
        std::unique_lock lock(shared->mutex);
        shared->done.wait_until(lock, started + limit + std::chrono::seconds(1), [&] { return shared->pending == 0; });
        for (size_t i = 0; i < deviceCount; ++i) {
            if (shared->devices[i]) {
                report.devices.push_back(*shared->devices[i]);
                continue;
            }
            const auto& device = *shared->registry->all()[i];
            DeviceHealth hung;
            hung.name = device.name();
            hung.deviceClass = std::string(drivers::deviceClassName(device.deviceClass()));
            hung.driver = device.driverName();
            hung.status = "unknown";
            hung.selfTest = fmt::format("timeout: no answer within {} ms", limit.count());
            report.devices.push_back(hung);
        }
        if (shared->backend) {
            report.backend = *shared->backend;
        } else if (shared->his) {
            report.backend.endpoint = shared->his->describe();
            report.backend.error = fmt::format("timeout: no answer within {} ms", limit.count());
        }
    }
    report.elapsedMs =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    for (const DeviceHealth& d : report.devices) {
        log::module("diag")->info("{} {}: {} ({})", d.healthy ? "ok" : "FAIL", d.name, d.status, d.selfTest);
    }
    return report;
}

}  // namespace kiosk::cli
