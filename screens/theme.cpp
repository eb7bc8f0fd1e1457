#include "screens/theme.hpp"

namespace kiosk::screens {

Theme Theme::forPrintSize(bool largePrint) {
    Theme theme;
    if (largePrint) {
        theme.buttonHeight = 160.0F;
        theme.smallButtonHeight = 124.0F;
        theme.topBarHeight = 156.0F;
        theme.bottomBarHeight = 180.0F;
        theme.gap = 32.0F;
    }
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
    style.TouchExtraPadding = ImVec2(4, 4);
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
