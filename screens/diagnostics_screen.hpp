#pragma once
// Diagnostics mode for technicians: every device with its driver, status and media state, and a
// self-test per device run on a worker thread. The devices are paged (previous / next beside the
// back button) when they do not all fit: a touch screen has no scroll bar to drag.

#include <map>

#include "screens/screen.hpp"

namespace kiosk::screens {

class DiagnosticsScreen final : public Screen {
public:
    std::string_view id() const override { return "diagnostics"; }
    void onEnter(ScreenContext& context) override;
    /// Ends the technician's visit in the audit trail ("left" by Back, else "timed_out").
    void onExit(ScreenContext& context) override;
    void draw(const ScreenContext& context, Ui& ui) const override;
    Transition onEvent(ScreenContext& context, const UiEvent& event) override;
    std::optional<std::chrono::seconds> idleTimeout() const override { return std::chrono::seconds(300); }

private:
    std::map<std::string, std::string> results_;  ///< device → last self-test text
    std::string leaveReason_ = "timed_out";
    int page_ = 0;
    /// How many pages the last frame needed (the layout decides it; the buttons read it).
    mutable int pages_ = 1;
};

}  // namespace kiosk::screens
