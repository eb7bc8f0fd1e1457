#pragma once
// The technician's PIN pad (issue 14 item 1): big digits, the entry masked (one dot a digit), in
// the kiosk's language with the other beneath for its messages. OK checks the PIN on a worker
// (Argon2id takes ~0.1 s and 64 MiB: never on the UI thread) and records the outcome in
// TechnicianAccess: accepted → the diagnostics screen; refused → the attempts left; 5 wrong →
// locked for 15 minutes (said with the time it opens again). Back, or 30 s without a touch,
// return to the patient mode's attract screen and end the technician's visit in the audit trail.
//
// Buttons: tech.pin.key.0 … tech.pin.key.9, tech.pin.delete, tech.pin.clear, tech.pin.ok,
// tech.pin.back.

#include <string>

#include "kiosk/core/technician_access.hpp"
#include "screens/screen.hpp"

namespace kiosk::screens {

class PinPadScreen final : public Screen {
public:
    std::string_view id() const override;
    void onEnter(ScreenContext& context) override;
    void draw(const ScreenContext& context, Ui& ui) const override;
    Transition onEvent(ScreenContext& context, const UiEvent& event) override;
    void onExit(ScreenContext& context) override;
    std::optional<std::chrono::seconds> idleTimeout() const override { return std::chrono::seconds(30); }

private:
    void showLocked(const ScreenContext& context, const PinResult& result);

    std::string digits_;   ///< entered so far (wiped on OK, on leaving)
    bool checking_ = false;  ///< a check runs on the worker
    bool accepted_ = false;
    std::string leaveReason_ = "timed_out";
    PatientMessage message_;
};

}  // namespace kiosk::screens
