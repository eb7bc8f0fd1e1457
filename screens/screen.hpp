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
#include "screens/ui.hpp"
#include "screens/ui_event.hpp"

namespace kiosk::screens {

/// Resolves a scanned payload to a patient. Runs on a worker thread (it may call the backend).
using ScanResolver = std::function<Result<PatientIdentity>(const std::string& payload)>;

/// What screens may use. Owned by the App; screens keep no pointers to it between calls.
struct ScreenContext {
    const KioskConfig& config;
    const Translator& text;
    const Session& session;
    drivers::DeviceRegistry& devices;
    drivers::DeviceEventSink deviceSink;
    const Clock& clock;
    TaskRunner& tasks;
    std::function<void(UiEvent)> post;  ///< thread-safe: from worker tasks back to the UI
    ScanResolver resolveScan;
    std::optional<SessionEndReason> lastSessionEnd;
    SteadyTime lastSessionEndAt{};
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
};

/// The one table of screens: every screen of every mode, by id.
std::vector<std::unique_ptr<Screen>> makeScreenTable();

/// A message for the patient in the current language, with the other language beneath.
struct PatientMessage {
    std::string key;  ///< i18n key; empty = none
    bool alert = true;
    /// For messages with {kinds}: payload kind names, shown as their "scan.kind.<name>" texts.
    std::vector<std::string> kinds;
};
void drawPatientMessage(const ScreenContext& context, Ui& ui, const PatientMessage& message);

}  // namespace kiosk::screens
