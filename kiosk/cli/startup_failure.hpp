#pragma once
// `kiosk run` that cannot start (issue 17 item 4): why, in one fault code, and what happens then
// — a precise log line, the metric yizhan_startup_failure{reason} = 1 when [metrics] can be read,
// and the out-of-service screen (screens/out_of_service.hpp) until SIGTERM, so that systemd does
// not restart the kiosk in a loop and the patient never faces a black screen.
//
// Fault codes (the screen's "fault code", the metric's `reason`):
//   config           the config file does not load (syntax, a bad value, an unknown key)
//   device           a device marked `required = true` in [[devices]] fails its start-up
//                    self-test, or a device cannot be created at all
//   state_read_only  the state folder (the journal's) is on a read-only mount
//   disk_full        the state folder's disk is full
//   journal_newer    the journal was written by a newer kiosk version (never downgraded)
//   journal          the journal cannot be opened for another reason
//   metrics_listen   [metrics] listen cannot be bound (port taken)
//   start_failed     anything else App::create refused (fonts, language files, the window)

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "drivers/common/registry.hpp"
#include "kiosk/core/config.hpp"
#include "kiosk/core/error.hpp"

namespace kiosk::cli {

struct StartupFailure {
    std::string reason;  ///< a fault code above
    std::string detail;  ///< what went wrong, naming the file, key or device
};

/// Exit code of `kiosk run --exit-after-frames` that ended on the out-of-service screen (a stop
/// by SIGTERM exits 0, like any asked-for stop).
inline constexpr int kOutOfServiceExitCode = 3;

/// The fault code of an error App::create (or what it calls) returned.
std::string startupFailureReason(const Error& error);

/// Checks that the state folder `dir` takes a write: a 64 KiB probe file is written, synced and
/// removed. A read-only mount (EROFS) or a full disk (ENOSPC) is said as such; SQLite alone
/// opens a journal on a full disk without complaint and fails at the first payment.
std::optional<StartupFailure> probeStateFolder(const std::filesystem::path& dir);

/// Each [[devices]] entry with required = true must pass its self-test (bounded).
std::optional<StartupFailure> checkRequiredDevices(const KioskConfig& config, const drivers::DeviceRegistry& devices);

struct OutOfServiceRun {
    std::filesystem::path configFile;
    std::string orientation;  ///< the --orientation override ("" = the config's, else portrait)
    bool headless = false;
    bool fullscreen = false;
    uint64_t maxFrames = 0;                ///< 0: until SIGTERM
    std::filesystem::path screenshotFile;  ///< the last frame as PNG ("" = none)
};

/// Logs the failure, sets the metric, and shows the out-of-service screen. The config file is
/// read leniently (the TOML alone, whatever its values) for the kiosk id, the service desk's
/// phone, the orientation, the font and [metrics]. Returns the exit code.
int runOutOfService(const StartupFailure& failure, const OutOfServiceRun& run);

}  // namespace kiosk::cli
