#pragma once
// The look of the kiosk, sized in millimetres on the real panel (issue 15): the config gives the
// screen's visible size ([ui] screen_width_mm / screen_height_mm), the theme turns the targets
// below into pixels for that panel. Two modes: normal and elder mode (长辈模式).
//
// Targets (sources: MIIT 2021 《互联网网站适老化通用设计规范》 and 《移动互联网应用（APP）适老化通用设
// 计规范》 — large text, large targets, 4.5:1 contrast, no colour-only cues; ADA 2010 Standards §707
// (ATMs and fare machines: §707.8 characters ≥ 3/16 in = 4.8 mm high, measured on the uppercase
// "I"); WCAG 2.1 §1.4.3 / §1.4.6 for the contrast formula and the 4.5:1 / 7:1 levels):
//   body glyph height (uppercase letter / digit height; a Chinese ideograph is taller) ≥ 6 mm,
//   elder ≥ 10 mm — a kiosk is read from 50–70 cm; headings ≥ 1.5 × body;
//   touch targets ≥ 15 × 15 mm, elder ≥ 20 × 20 mm, ≥ 3 mm apart;
//   every text/background pair ≥ 4.5:1, elder ≥ 7:1 (this palette reaches 7:1 in both modes).

#include <imgui.h>

#include <string_view>
#include <vector>

#include "kiosk/core/config.hpp"

namespace kiosk::screens {

struct Palette {
    ImU32 background = IM_COL32(0xF3, 0xF6, 0xFA, 0xFF);
    ImU32 panel = IM_COL32(0xFF, 0xFF, 0xFF, 0xFF);
    ImU32 text = IM_COL32(0x14, 0x1B, 0x26, 0xFF);
    ImU32 mutedText = IM_COL32(0x3D, 0x4A, 0x5C, 0xFF);
    ImU32 primary = IM_COL32(0x0A, 0x4F, 0x9E, 0xFF);
    ImU32 primaryActive = IM_COL32(0x06, 0x38, 0x72, 0xFF);
    ImU32 onPrimary = IM_COL32(0xFF, 0xFF, 0xFF, 0xFF);
    ImU32 secondary = IM_COL32(0xE3, 0xEC, 0xF7, 0xFF);
    ImU32 onSecondary = IM_COL32(0x0A, 0x3D, 0x7A, 0xFF);
    ImU32 alert = IM_COL32(0x93, 0x18, 0x18, 0xFF);
    ImU32 alertSoft = IM_COL32(0xFD, 0xEC, 0xEC, 0xFF);
    ImU32 success = IM_COL32(0x0E, 0x5A, 0x24, 0xFF);
    ImU32 topBar = IM_COL32(0x0A, 0x4F, 0x9E, 0xFF);
    ImU32 shade = IM_COL32(0x00, 0x00, 0x00, 0xA0);

    /// A text colour drawn on a background colour somewhere in the UI.
    struct Pair {
        std::string_view name;
        ImU32 ink;
        ImU32 ground;
    };
    /// Every text/background pair the screens draw with this palette (the contrast test checks
    /// each; a screen that draws a new pair adds it here).
    std::vector<Pair> textPairs() const;
};

/// WCAG 2.1 relative luminance of an sRGB colour (alpha ignored), 0 (black) … 1 (white).
double relativeLuminance(ImU32 color);
/// WCAG 2.1 contrast ratio (L1 + 0.05) / (L2 + 0.05), 1 … 21, order-independent.
double contrastRatio(ImU32 a, ImU32 b);

/// The physical targets of one mode, in millimetres (see the header comment for the sources).
struct SizeTargets {
    float bodyGlyphMm;      ///< minimum uppercase/digit height of body text
    float headingRatio;     ///< minimum heading / body glyph height
    float targetMm;         ///< minimum touch target side
    float targetGapMm;      ///< minimum space between two targets
    double contrast;        ///< minimum contrast of any text on its background
    int maxChoicesPerPage;  ///< a list shows at most this many choices per page
    float lineSpacing;      ///< minimum line advance, in em
};
SizeTargets sizeTargets(bool elder);

/// Uppercase-letter (and digit) height of the UI font as a share of ImGui's face size. Dear
/// ImGui sizes a face by ascent − descent (stbtt_ScaleForPixelHeight); for Noto Sans CJK that is
/// 1160 + 288 = 1448 font units, and "H" is 733 units high: 733 / 1448 = 0.506. The accessibility
/// test measures the glyphs of the built atlas against the targets, so a site font with smaller
/// capitals is caught there.
inline constexpr float kCapHeightPerFontPx = 0.506F;

struct Theme {
    Palette colors;
    bool elder = false;
    float pxPerMm = 4.03F;  ///< 1 / pixel pitch
    float bodyPx = 50.0F;   ///< the body face's ImGui size (px)
    float titleScale = 1.56F;  ///< heading face / body face (≥ 1.5 after pixel rounding)
    /// The theme of a display read across a room ([ui] viewing_distance_m > 0): forCallDisplay().
    bool callDisplay = false;
    /// callDisplay: the panel is too small for the faces the distance asks for (they are smaller).
    bool shortOfDistance = false;
    float clockScale = 2.6F;
    float margin = 48.0F;
    float gap = 28.0F;
    float buttonHeight = 120.0F;
    float smallButtonHeight = 100.0F;
    float minTarget = 61.0F;     ///< px: the smallest a touch target may be (15 / 20 mm)
    float minTargetGap = 12.0F;  ///< px: 3 mm
    float slop = 20.0F;          ///< px: how far a finger may slide and still tap (5 mm)
    float rounding = 18.0F;
    float topBarHeight = 132.0F;
    float bottomBarHeight = 150.0F;
    int maxChoicesPerPage = 8;
    int timeoutScale = 1;  ///< elder mode doubles every idle timeout

    /// The theme for `ui`'s panel in normal or elder mode. `ui.basePixelSize` (font_px), when a
    /// site set it, is the normal body size; otherwise it is derived from the glyph target.
    static Theme make(const UiConfig& ui, bool elder);
    /// The call display's theme (ui.viewingDistanceM > 0): faces sized for the distance, no bars.
    static Theme forCallDisplay(const UiConfig& ui);
    float mm(float millimetres) const { return millimetres * pxPerMm; }
    /// Applies colours and spacing to ImGui's style.
    void apply() const;
};

}  // namespace kiosk::screens
