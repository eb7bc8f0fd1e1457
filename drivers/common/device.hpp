#pragma once
// The device model (DESIGN §4, after XFS4IoT and libsigrok): every device has a class,
// capabilities, a status and class-specific media state; it reports events; its commands take a
// timeout and can be cancelled, and finish with a shared completion code.
//
// Threading: drivers run their own threads and report through a DeviceEventSink (which posts to
// the UI's event queue). They never touch the UI.

#include <atomic>
#include <chrono>
#include <stop_token>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "kiosk/core/error.hpp"
#include "kiosk/core/identity.hpp"

namespace kiosk::drivers {

enum class DeviceClass { card_reader, id_reader, scanner, receipt_printer, report_printer, pos_terminal, locker };
enum class DeviceStatus { online, offline, no_device, hardware_error, user_error, busy, starting };
enum class MediaState { unknown, present, absent, jammed };
enum class PaperState { unknown, ok, low, out, jammed };
enum class CompletionCode { success, cancelled, timeout, device_not_ready, hardware_error, invalid_data, unsupported, user_error };

std::string_view deviceClassName(DeviceClass value);
std::optional<DeviceClass> parseDeviceClass(std::string_view text);
std::string_view deviceStatusName(DeviceStatus value);
std::string_view mediaStateName(MediaState value);
std::string_view paperStateName(PaperState value);
std::string_view completionCodeName(CompletionCode value);
/// The kiosk::Errc that a completion code maps to at the module boundary.
Errc toErrc(CompletionCode code);

/// What a device reports as its state; class-specific fields stay `unknown` where not relevant.
struct DeviceState {
    DeviceStatus status = DeviceStatus::starting;
    MediaState media = MediaState::unknown;  ///< card present/absent/jammed
    PaperState paper = PaperState::unknown;  ///< printers
    bool coverOpen = false;
    std::string detail;  ///< technician text ("paper out", "reader unplugged"); no personal data
    bool operator==(const DeviceState&) const = default;
};

struct Capabilities {
    std::vector<std::string> features;  ///< e.g. "gb18030", "qr_native", "cutter", "contact_card"
    bool has(std::string_view feature) const;
};

// ---- events (device threads → UI thread) ----
struct CardInserted {
    std::string device;
    PatientIdentity identity;              ///< what could be read
    std::vector<std::string> statusWords;  ///< raw SWs, for diagnostics
};
struct CardRemoved {
    std::string device;
};
struct CardReadFailed {
    std::string device;
    Error error;  ///< messageKey says what to tell the patient ("card.unsupported", "card.needs_pin")
    PatientIdentity partial{};                ///< what could be read before the failure (may be empty)
    std::vector<std::string> statusWords{};  ///< raw SWs, for diagnostics
};
struct CodeScanned {
    std::string device;
    std::string text;
    std::string symbology;  ///< "QRCode", "Code128", …
    /// Payload kind from the scanner's payload table ("health_card", "hospital_card", …; see
    /// drivers/scanner/payload/payload_classifier.hpp); empty when the device does not classify.
    std::string kind;
    /// Set when the scanner read a code but refused it (unrecognised kind, too long, invalid
    /// text): messageKey is what to tell the patient; `text` is then empty.
    std::optional<Error> rejected;
    /// With rejected->messageKey "scan.unrecognised_accepting": the kinds this scanner accepts
    /// (names as in `kind`; their patient names are the i18n keys "scan.kind.<name>"), for {kinds}.
    std::vector<std::string> acceptedKinds;
};
struct StatusChanged {
    std::string device;
    DeviceState state;
};
using DeviceEvent = std::variant<CardInserted, CardRemoved, CardReadFailed, CodeScanned, StatusChanged>;

/// Where a device posts its events; must be thread-safe (normally EventQueue::post).
using DeviceEventSink = std::function<void(DeviceEvent)>;

/// Cancels a running command from another thread.
class CancelToken {
public:
    void cancel() { cancelled_->store(true); }
    bool cancelled() const { return cancelled_->load(); }

private:
    std::shared_ptr<std::atomic<bool>> cancelled_ = std::make_shared<std::atomic<bool>>(false);
};

/// Sleeps for `duration` unless `stop` is requested first (reader threads waiting to reopen a
/// device must never delay stop()).
void sleepUnlessStopped(std::stop_token stop, std::chrono::milliseconds duration);

class Device {
public:
    virtual ~Device() = default;
    virtual const std::string& name() const = 0;
    virtual DeviceClass deviceClass() const = 0;
    virtual std::string driverName() const = 0;
    virtual Capabilities capabilities() const = 0;
    virtual DeviceState state() const = 0;
    /// Opens the device and starts reporting events to `sink` (card readers wait for a card,
    /// scanners start scanning). Idempotent. Screens call it in onEnter…
    virtual Result<void> start(DeviceEventSink sink) = 0;
    /// …and this in onExit, so a timeout always releases the reader or camera.
    virtual void stop() = 0;
    /// A technician self-test (diagnostics mode): reads status, pings, prints nothing.
    virtual Result<std::string> selfTest(std::chrono::milliseconds timeout, const CancelToken& cancel) = 0;
};

}  // namespace kiosk::drivers
