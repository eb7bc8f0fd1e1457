#pragma once
// Screens are small classes (Flipper scenes, ImHex views): onEnter / draw / onEvent / onExit,
// listed in one table (screen_table.cpp). draw() is const and only draws (button presses become
// events); transitions are returned from onEvent(). A screen that needs a device starts it in
// onEnter() and releases it in onExit(), so a timeout always releases the reader or camera.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "drivers/common/registry.hpp"
#include "kiosk/core/clock.hpp"
#include "kiosk/core/config.hpp"
#include "kiosk/core/i18n.hpp"
#include "kiosk/core/session.hpp"
#include "kiosk/core/task_runner.hpp"
#include "kiosk/core/time_zone.hpp"
#include "screens/ui.hpp"
#include "screens/ui_event.hpp"

namespace kiosk {
class TechnicianAccess;
class DeviceCounters;
}

namespace kiosk::screens {

struct TechnicianLinks;  // screens/diagnostics/backend_links.hpp

/// Resolves a scanned payload of a classified kind ("health_card", "hospital_card",
/// "insurance_voucher"; empty when the scanner does not classify) to a patient. Runs on a worker
/// thread (it may call the backend and the insurance centre).
using ScanResolver = std::function<Result<PatientIdentity>(const std::string& payload, const std::string& kind)>;

/// What screens may use. Owned by the App; screens keep no pointers to it between calls.
class ServiceFlows;

struct ScreenContext {
    const KioskConfig& config;
    const Translator& text;
    const Session& session;
    drivers::DeviceRegistry& devices;
    drivers::DeviceEventSink deviceSink;
    const Clock& clock;
    /// The hospital's zone ([kiosk] time_zone): every wall time a patient reads is in it.
    const TimeZone& timeZone;
    TaskRunner& tasks;
    std::function<void(UiEvent)> post;  ///< thread-safe: from worker tasks back to the UI
    ScanResolver resolveScan;
    /// Every patient service's flow (screens/services.hpp): services.payment(), …
    ServiceFlows& services;
    bool acceptingPatients = true;  ///< false while start-up payment recovery runs
    std::optional<SessionEndReason> lastSessionEnd;
    SteadyTime lastSessionEndAt{};
    /// The signed-out patient's card is still in (or on) a reader: the attract screen asks them
    /// to take it until it is removed.
    bool cardLeftInReader = false;
    std::string lastSessionEndMessage;  ///< i18n key of what the attract screen says after it
    /// One line on the voice guidance (engine and output, or why the kiosk is silent).
    std::string voiceStatus;
    /// Technician access (PIN, lockout, the visit in the audit trail); null without [diagnostics].
    TechnicianAccess* technician = nullptr;
    /// Every device's counters (cards read, scans, slips…); null if the journal refused them.
    const DeviceCounters* counters = nullptr;
    /// The HIS, insurance centre and payment gateway with their call records, and the payment
    /// desk: the technician's backend and payments tabs (null in a test's bare context).
    const TechnicianLinks* technicianLinks = nullptr;
    /// Says an announcement to the room: a chime, then the voice in Chinese (the call display's
    /// calls; said whether or not a patient switched the voice guide on). `key` is an i18n key
    /// with its placeholder values; never a name (the loudspeaker is public).
    std::function<void(const std::string& key, const std::vector<std::pair<std::string, std::string>>& values)> announce;
};

class Screen {
public:
    virtual ~Screen() = default;
    virtual std::string_view id() const = 0;
    virtual void onEnter(ScreenContext&) {}
    virtual void draw(const ScreenContext& context, Ui& ui) const = 0;
    virtual Transition onEvent(ScreenContext& context, const UiEvent& event) = 0;
    virtual void onExit(ScreenContext&) {}
    /// Without a patient session, go back to the attract screen after this much inactivity.
    virtual std::optional<std::chrono::seconds> idleTimeout() const { return std::chrono::seconds(45); }
    /// Screens about a patient; when the session ends the app leaves them for attract.
    virtual bool needsSession() const { return false; }
    /// While true (money is moving), the session does not time out and a removed card ends it
    /// only after the patient has left this screen.
    virtual bool holdsSession(const ScreenContext&) const { return false; }
    /// While true, "finish" (session.finish) is passed to onEvent() as a ButtonPressed instead of
    /// ending the session: the screen asks first (a payment in progress would be cancelled).
    virtual bool asksBeforeFinish(const ScreenContext&) const { return false; }
    /// Screens that show a running countdown ask for a frame this often.
    virtual std::optional<std::chrono::milliseconds> redrawEvery() const { return std::nullopt; }
    /// The screen takes the whole window: no top bar, no help button, nothing to touch (the
    /// pharmacy call display).
    virtual bool fullScreen() const { return false; }
};

/// The one table of screens: every screen of every mode, by id.
std::vector<std::unique_ptr<Screen>> makeScreenTable();
/// The screen a kiosk of `mode` starts on: the attract screen, or the call display.
std::string_view firstScreen(KioskMode mode);

/// A message for the patient in the current language, with the other language beneath.
struct PatientMessage {
    PatientMessage() = default;
    PatientMessage(std::string messageKey, bool isAlert = true, std::vector<std::string> kindNames = {},
                   std::vector<std::pair<std::string, std::string>> placeholderValues = {})
        : key(std::move(messageKey)), alert(isAlert), kinds(std::move(kindNames)), values(std::move(placeholderValues)) {}

    std::string key;  ///< i18n key; empty = none
    bool alert = true;
    /// For messages with {kinds}: payload kind names, shown as their "scan.kind.<name>" texts.
    std::vector<std::string> kinds;
    /// Values for {placeholders} other than {kinds} (an order id, an amount), same in both languages.
    std::vector<std::pair<std::string, std::string>> values;
    /// {placeholders} filled with a text of the language files (placeholder, i18n key), each
    /// language with its own ("pay.channel.wechat": 微信支付 / WeChat Pay).
    std::vector<std::pair<std::string, std::string>> translatedValues;
};
/// At the cursor, `width` wide (0: the content width). With `maxHeight` (> 0) and no room for both
/// languages, only the current language is shown.
void drawPatientMessage(const ScreenContext& context, Ui& ui, const PatientMessage& message, float width = 0,
                        float maxHeight = 0);
/// The height (pixels) drawPatientMessage takes `width` wide, in the patient's language only or
/// in both; 0 for no message.
float patientMessageHeight(const ScreenContext& context, Ui& ui, const PatientMessage& message, float width, bool bilingual);

}  // namespace kiosk::screens
