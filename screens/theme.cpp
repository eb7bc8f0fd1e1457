#include "screens/theme.hpp"

#include <algorithm>
#include <cmath>

namespace kiosk::screens {

namespace {

double linear(double channel) {
    // sRGB → linear, WCAG 2.1 "relative luminance" definition.
    return channel <= 0.03928 ? channel / 12.92 : std::pow((channel + 0.055) / 1.055, 2.4);
}

// Design sizes in millimetres, above the minimums of sizeTargets() so that pixel rounding never
// takes a size under its target. Normal mode on a 27" panel gives today's 40 px body face.
struct DesignMm {
    float bodyGlyph, button, smallButton, margin, gap, topBar, bottomBar, rounding;
};
constexpr DesignMm kNormal{6.2F, 30.0F, 24.0F, 12.0F, 7.0F, 33.0F, 37.0F, 4.5F};
constexpr DesignMm kElder{10.3F, 34.0F, 28.0F, 10.0F, 7.0F, 36.0F, 40.0F, 5.0F};

}  // namespace

double relativeLuminance(ImU32 color) {
    const double r = linear(static_cast<double>((color >> IM_COL32_R_SHIFT) & 0xFF) / 255.0);
    const double g = linear(static_cast<double>((color >> IM_COL32_G_SHIFT) & 0xFF) / 255.0);
    const double b = linear(static_cast<double>((color >> IM_COL32_B_SHIFT) & 0xFF) / 255.0);
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

double contrastRatio(ImU32 a, ImU32 b) {
    const double la = relativeLuminance(a);
    const double lb = relativeLuminance(b);
    return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}

std::vector<Palette::Pair> Palette::textPairs() const {
    return {
        {"text on background", text, background},
        {"text on panel", text, panel},
        {"text on secondary", text, secondary},
        {"text on alertSoft", text, alertSoft},
        {"mutedText on background", mutedText, background},
        {"mutedText on panel", mutedText, panel},
        {"mutedText on secondary", mutedText, secondary},
        {"onPrimary on primary", onPrimary, primary},
        {"onPrimary on primaryActive", onPrimary, primaryActive},
        {"onPrimary on alert", onPrimary, alert},
        {"onPrimary on success", onPrimary, success},
        {"onPrimary on topBar", onPrimary, topBar},
        {"onSecondary on secondary", onSecondary, secondary},
        {"primary on panel", primary, panel},
        {"primary on background", primary, background},
        {"alert on panel", alert, panel},
        {"alert on background", alert, background},
        {"alert on alertSoft", alert, alertSoft},
        {"success on panel", success, panel},
        {"success on background", success, background},
    };
}

SizeTargets sizeTargets(bool elder) {
    if (elder) return SizeTargets{10.0F, 1.5F, 20.0F, 3.0F, 7.0, 6, 1.3F};
    return SizeTargets{6.0F, 1.5F, 15.0F, 3.0F, 4.5, 8, 1.3F};
}

Theme Theme::make(const UiConfig& ui, bool elder) {
    if (ui.viewingDistanceM > 0) return forCallDisplay(ui);
    const DesignMm& d = elder ? kElder : kNormal;
    const SizeTargets targets = sizeTargets(elder);
    Theme theme;
    theme.elder = elder;
    theme.pxPerMm = 1.0F / std::max(0.01F, ui.pixelPitchMm);
    const float derivedBody = std::ceil(theme.mm(d.bodyGlyph) / kCapHeightPerFontPx);
    if (ui.basePixelSize > 0) {
        // A site's pinned size, enlarged in elder mode as the design sizes are.
        theme.bodyPx = elder ? std::max(derivedBody, std::ceil(ui.basePixelSize * kElder.bodyGlyph / kNormal.bodyGlyph))
                             : ui.basePixelSize;
    } else {
        theme.bodyPx = derivedBody;
    }
    // A label line is 1.2 × the face plus padding: buttons grow with the face where the mm
    // design is too small for it.
    theme.buttonHeight = std::round(std::max(theme.mm(d.button), theme.bodyPx * 1.2F + 40.0F));
    theme.smallButtonHeight = std::round(std::max({theme.mm(d.smallButton), theme.mm(targets.targetMm), theme.bodyPx * 1.2F + 24.0F}));
    theme.margin = std::round(theme.mm(d.margin));
    theme.gap = std::round(std::max(theme.mm(d.gap), theme.mm(targets.targetGapMm)));
    theme.topBarHeight = std::round(std::max(theme.mm(d.topBar), theme.bodyPx * 1.2F + 44.0F));
    theme.bottomBarHeight = std::round(std::max(theme.mm(d.bottomBar), theme.buttonHeight + 24.0F));
    theme.rounding = std::round(theme.mm(d.rounding));
    theme.minTarget = std::ceil(theme.mm(targets.targetMm));
    theme.minTargetGap = std::ceil(theme.mm(targets.targetGapMm));
    theme.slop = std::round(theme.mm(5.0F));
    theme.maxChoicesPerPage = targets.maxChoicesPerPage;
    theme.timeoutScale = elder ? 2 : 1;
    return theme;
}

Theme Theme::forCallDisplay(const UiConfig& ui) {
    // Read across a waiting room: the capitals' height grows with the distance. Text at about
    // 17 arc minutes (5 mm per metre: 25 mm at 5 m), the comfortable reading size of signage
    // guidance (ISO 9241-303 asks ≥ 16' for text read at length; 20–22' preferred), and the called
    // number at about 31' (9 mm per metre: 45 mm at 5 m), so that a patient who glances up from
    // the far row reads it at once. A panel too small for these (the demo window) gets the
    // largest faces that still leave room for ten body-face heights: the log says it falls short.
    Theme theme = make(UiConfig{.width = ui.width, .height = ui.height, .pixelPitchMm = ui.pixelPitchMm}, false);
    theme.callDisplay = true;
    const float wantedBody = std::ceil(theme.mm(5.0F * ui.viewingDistanceM) / kCapHeightPerFontPx);
    const float wantedNumber = std::ceil(theme.mm(9.0F * ui.viewingDistanceM) / kCapHeightPerFontPx);
    const float roomyBody = std::floor(static_cast<float>(std::min(ui.width, ui.height)) / 10.0F);
    theme.bodyPx = std::min(wantedBody, roomyBody);
    theme.clockScale = std::min(wantedNumber, roomyBody * 2.2F) / theme.bodyPx;
    theme.titleScale = 1.3F;
    theme.margin = std::round(theme.bodyPx * 0.5F);
    theme.gap = std::round(theme.bodyPx * 0.3F);
    theme.topBarHeight = 0;
    theme.bottomBarHeight = 0;
    theme.shortOfDistance = wantedBody > theme.bodyPx;
    return theme;
}

void Theme::apply() const {
    ImGuiStyle& style = ImGui::GetStyle();
    style = ImGuiStyle();
    style.WindowPadding = ImVec2(0, 0);
    style.WindowBorderSize = 0;
    style.WindowRounding = 0;
    style.FrameRounding = rounding;
    style.FramePadding = ImVec2(24, 16);
    style.ItemSpacing = ImVec2(gap, gap);
    style.ScrollbarSize = 36;  // thumb-sized, for the rare scrolling list
    style.TouchExtraPadding = ImVec2(0, 0);  // a press between two targets selects neither (issue 15)
    auto* c = style.Colors;
    c[ImGuiCol_WindowBg] = ImGui::ColorConvertU32ToFloat4(colors.background);
    c[ImGuiCol_ChildBg] = ImGui::ColorConvertU32ToFloat4(colors.panel);
    c[ImGuiCol_PopupBg] = ImGui::ColorConvertU32ToFloat4(colors.panel);
    c[ImGuiCol_Text] = ImGui::ColorConvertU32ToFloat4(colors.text);
    c[ImGuiCol_Button] = ImGui::ColorConvertU32ToFloat4(colors.primary);
    c[ImGuiCol_ButtonHovered] = ImGui::ColorConvertU32ToFloat4(colors.primary);  // touch: no hover state
    c[ImGuiCol_ButtonActive] = ImGui::ColorConvertU32ToFloat4(colors.primaryActive);
    c[ImGuiCol_Border] = ImGui::ColorConvertU32ToFloat4(colors.primary);
    c[ImGuiCol_FrameBg] = ImGui::ColorConvertU32ToFloat4(colors.secondary);
    c[ImGuiCol_TableHeaderBg] = ImGui::ColorConvertU32ToFloat4(colors.secondary);
    c[ImGuiCol_TableRowBg] = ImGui::ColorConvertU32ToFloat4(colors.panel);
    c[ImGuiCol_TableRowBgAlt] = ImGui::ColorConvertU32ToFloat4(colors.background);
    c[ImGuiCol_ModalWindowDimBg] = ImGui::ColorConvertU32ToFloat4(colors.shade);
}

}  // namespace kiosk::screens
