#pragma once
// How a technician gets from a patient mode to the diagnostics screens (issue 14 item 1): the
// hidden gesture (a finger held on the top bar's left corner for 5 s, on the app's clock, so
// journeys hold it on their manual clock) or a listed technician card (identification.cpp),
// then the PIN pad (pin_pad_screen.hpp). The App owns one TechnicianEntry when the config has a
// [diagnostics] section and feeds it the pointer each frame; everything else lives here.

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "kiosk/core/clock.hpp"
#include "kiosk/core/config.hpp"
#include "kiosk/core/journal.hpp"
#include "kiosk/core/technician_access.hpp"
#include "screens/ui.hpp"

namespace kiosk::screens {

/// The PIN pad's screen id: where the gesture, a technician card and the diagnostics-mode
/// attract button lead.
inline constexpr std::string_view kPinPadScreen = "technician.pin";

class TechnicianEntry {
public:
    /// How long the corner must be held.
    static constexpr std::chrono::seconds kHold{5};
    /// The corner's width from the screen's left edge; its height is the top bar's. Only the
    /// hospital's name is drawn there (no button), so a hold presses nothing else.
    static constexpr float kCornerWidth = 160.0F;

    /// Null (and no error) without a [diagnostics] section: technicians cannot enter from a
    /// patient mode. Errors: the journal's (the lockout table).
    static Result<std::unique_ptr<TechnicianEntry>> open(const KioskConfig& config, Journal& journal, const Clock& clock);

    TechnicianAccess& access() { return access_; }

    /// The pointer as the frame saw it. Returns the PIN pad's id once, when a hold of the corner
    /// has lasted kHold and no patient session is active (a patient's data is never left on a
    /// technician's screen; the hold is then only logged). Lift the finger to hold again.
    std::optional<std::string> pointer(float x, float y, bool down, SteadyTime now, float topBarHeight, bool sessionActive);
    /// When a hold in progress completes (the loop wakes then without input).
    std::optional<SteadyTime> dueAt() const;
    /// The corner's rectangle (journeys and tests hold its centre).
    static ButtonRect corner(float topBarHeight);

private:
    explicit TechnicianEntry(TechnicianAccess access) : access_(std::move(access)) {}

    TechnicianAccess access_;
    std::optional<SteadyTime> heldSince_;
    bool fired_ = false;  ///< this hold already opened the pad
};

}  // namespace kiosk::screens
