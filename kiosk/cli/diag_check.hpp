#pragma once
// The kiosk's health without the UI (issue 14 item 7, `kiosk diag`): every configured device's
// status and self-test, and the hospital backend's answer to a ping — the same calls the
// diagnostics screen's self-test button (Device::selfTest) and `kiosk devices --self-test` make,
// and the HisDriver's ping (`kiosk his ping`), all run at once so the whole check takes about as
// long as its slowest part.
//
// Healthy means: every device's self-test passed and its status is online, and the backend (when
// [backend] is configured) answered. A device or backend that does not answer within the time
// limit is reported as timed out, never waited for without end.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kiosk/core/config.hpp"

namespace kiosk::cli {

struct DeviceHealth {
    std::string name;
    std::string deviceClass;
    std::string driver;
    std::string status;  ///< drivers::deviceStatusName after the self-test
    std::string media;
    std::string paper;
    std::string detail;
    bool selfTestOk = false;
    std::string selfTest;  ///< the self-test's answer, or its error ("timeout: …" when it hung)
    bool healthy = false;
};

struct BackendHealth {
    bool configured = false;
    bool healthy = false;
    std::string endpoint;  ///< HisDriver::describe()
    int64_t latencyMs = 0;
    std::string software;
    std::string version;
    std::string error;  ///< empty when healthy
};

struct HealthReport {
    std::string kioskId;
    std::vector<DeviceHealth> devices;
    BackendHealth backend;
    std::string problem;  ///< a check that could not run at all (the device registry failed)
    int64_t elapsedMs = 0;
    bool healthy() const;
    nlohmann::json toJson() const;
    /// One line per device and one for the backend, then "healthy" or what is not.
    std::string toText() const;
};

/// Runs every check of `config` at once; each is bounded by `limit` (a check still running then
/// is reported as timed out). Never fails: what cannot be checked is an unhealthy entry.
HealthReport checkHealth(const KioskConfig& config, std::chrono::milliseconds limit = std::chrono::seconds(5));

}  // namespace kiosk::cli
