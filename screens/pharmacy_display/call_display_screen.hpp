#pragma once
// The pharmacy call display (取药叫号屏, issue 13 item 3): `kiosk run --mode pharmacy_display`, a
// screen nobody touches, on a large panel above the pharmacy windows. It draws from the CallBoard
// (screens/pharmacy_display/call_board.hpp) in ScreenContext::services:
//   - the newest call, large: the number, the masked name, "please go to window 3", in Chinese
//     and English;
//   - the number now called at each window;
//   - the next numbers waiting;
//   - a new call is announced (a chime and the voice: "请 A023 号到 3 号窗口取药" — never a name
//     through the loudspeaker), and once more at the first poll CallBoard::kRepeatAfter later.
// Sizes: read from 5 m. The Theme of this mode (Theme::forCallDisplay) sizes the faces from the
// panel's pixel pitch ([ui] screen_width_mm / screen_height_mm): the number's capitals ≥ 45 mm
// high, every other line ≥ 25 mm (see theme.cpp for the reasoning).

#include "screens/screen.hpp"

namespace kiosk::screens {

class CallDisplayScreen final : public Screen {
public:
    std::string_view id() const override { return "pharmacy.display"; }
    void onEnter(ScreenContext& context) override;
    void onExit(ScreenContext& context) override;
    void draw(const ScreenContext& context, Ui& ui) const override;
    Transition onEvent(ScreenContext& context, const UiEvent& event) override;
    /// Never left for the attract screen: nobody touches it.
    std::optional<std::chrono::seconds> idleTimeout() const override { return std::nullopt; }
    /// The clock and "updated N s ago" move without events.
    std::optional<std::chrono::milliseconds> redrawEvery() const override { return std::chrono::seconds(1); }
    bool fullScreen() const override { return true; }
};

}  // namespace kiosk::screens
