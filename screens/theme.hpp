#pragma once
// The look of the kiosk: built for touch (targets ≥ 96 px, 120 px by default) and for strong
// contrast (text on buttons ≥ 7:1), with a large-print variant for elderly patients.

#include <imgui.h>

namespace kiosk::screens {

struct Palette {
    ImU32 background = IM_COL32(0xF3, 0xF6, 0xFA, 0xFF);
    ImU32 panel = IM_COL32(0xFF, 0xFF, 0xFF, 0xFF);
    ImU32 text = IM_COL32(0x14, 0x1B, 0x26, 0xFF);
    ImU32 mutedText = IM_COL32(0x3D, 0x4A, 0x5C, 0xFF);  // still ≥ 7:1 on white
    ImU32 primary = IM_COL32(0x0A, 0x4F, 0x9E, 0xFF);    // white on it: 8.3:1
    ImU32 primaryActive = IM_COL32(0x06, 0x38, 0x72, 0xFF);
    ImU32 onPrimary = IM_COL32(0xFF, 0xFF, 0xFF, 0xFF);
    ImU32 secondary = IM_COL32(0xE3, 0xEC, 0xF7, 0xFF);
    ImU32 onSecondary = IM_COL32(0x0A, 0x3D, 0x7A, 0xFF);
    ImU32 alert = IM_COL32(0xA1, 0x1D, 0x1D, 0xFF);      // white on it: 7.4:1
    ImU32 alertSoft = IM_COL32(0xFD, 0xEC, 0xEC, 0xFF);
    ImU32 success = IM_COL32(0x14, 0x6C, 0x2E, 0xFF);
    ImU32 topBar = IM_COL32(0x0A, 0x4F, 0x9E, 0xFF);
    ImU32 shade = IM_COL32(0x00, 0x00, 0x00, 0xA0);
};

struct Theme {
    Palette colors;
    float margin = 48.0F;
    float gap = 28.0F;
    float buttonHeight = 120.0F;  ///< ≥ 96 px touch target
    float smallButtonHeight = 100.0F;
    float rounding = 18.0F;
    float topBarHeight = 132.0F;
    float bottomBarHeight = 150.0F;

    static Theme forPrintSize(bool largePrint);
    /// Applies colours and spacing to ImGui's style.
    void apply() const;
};

}  // namespace kiosk::screens
