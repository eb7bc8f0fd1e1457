#pragma once
// Diagnostics mode for technicians: every device with its driver, status and media state, and a
// self-test per device run on a worker thread.

#include <map>

#include "screens/screen.hpp"

namespace kiosk::screens {

class DiagnosticsScreen final : public Screen {
public:
    std::string_view id() const override { return "diagnostics"; }
    void onEnter(ScreenContext& context) override;
    void draw(const ScreenContext& context, Ui& ui) const override;
    Transition onEvent(ScreenContext& context, const UiEvent& event) override;
    std::optional<std::chrono::seconds> idleTimeout() const override { return std::chrono::seconds(300); }

private:
    std::map<std::string, std::string> results_;  ///< device → last self-test text
};

}  // namespace kiosk::screens
