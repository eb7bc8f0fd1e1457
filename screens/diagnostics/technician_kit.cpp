#include "screens/diagnostics/technician_kit.hpp"

#include <algorithm>

#include "kiosk/core/technician_access.hpp"

namespace kiosk::screens {

const std::vector<std::pair<std::string, std::string>>& technicianTabs() {
    static const std::vector<std::pair<std::string, std::string>> tabs{{"diagnostics", "tech.tab.devices"},
                                                                       {"technician.backend", "tech.tab.backend"},
                                                                       {"technician.payments", "tech.tab.payments"},
                                                                       {"technician.logs", "tech.tab.logs"}};
    return tabs;
}

namespace {

/// The tabs' labels and the widths they need; `rows`: 1 when all fit on one row, else 2 (two
/// tabs a row: large print on a portrait panel).
struct TabLayout {
    std::vector<std::string> labels;
    std::vector<float> widths;
    int rows = 1;
};

// Beyond the button's own label padding, each side.
constexpr float kTabPadding = 32;

TabLayout tabLayout(const ScreenContext& context, Ui& ui) {
    TabLayout layout;
    const auto& tabs = technicianTabs();
    float needed = ui.theme.gap * static_cast<float>(tabs.size() - 1);
    for (const auto& tab : tabs) {
        layout.labels.push_back(context.text.tr(tab.second));
        layout.widths.push_back(ui.measure(layout.labels.back(), ui.fonts.body()).x + 2 * kTabPadding);
        needed += layout.widths.back();
    }
    layout.rows = needed <= ui.layout.contentMax.x - ui.layout.contentMin.x ? 1 : 2;
    return layout;
}

}  // namespace

float technicianTabsHeight(const ScreenContext& context, Ui& ui) {
    return static_cast<float>(tabLayout(context, ui).rows) * (ui.theme.smallButtonHeight + ui.theme.gap);
}

void drawTechnicianTabs(const ScreenContext& context, Ui& ui, std::string_view current) {
    const Layout& layout = ui.layout;
    const float x0 = layout.contentMin.x;
    const float width = layout.contentMax.x - x0;
    const auto& tabs = technicianTabs();
    const float gap = ui.theme.gap;
    // Each tab as wide as its label needs, the rest of its row shared out evenly (four equal
    // tabs are too narrow for "Payments" in large print); two rows of two where one row is not
    // enough.
    const TabLayout tabsLayout = tabLayout(context, ui);
    const size_t perRow = tabsLayout.rows == 1 ? tabs.size() : (tabs.size() + 1) / 2;
    const float top = ImGui::GetCursorScreenPos().y;
    for (size_t first = 0; first < tabs.size(); first += perRow) {
        const size_t last = std::min(tabs.size(), first + perRow);
        float needed = gap * static_cast<float>(last - first - 1);
        for (size_t i = first; i < last; ++i) needed += tabsLayout.widths[i];
        const float spare = std::max(0.0F, (width - needed) / static_cast<float>(last - first));
        const float y = top + static_cast<float>(first / perRow) * (ui.theme.smallButtonHeight + gap);
        float x = x0;
        for (size_t i = first; i < last; ++i) {
            const float tabWidth = std::min(width, tabsLayout.widths[i] + spare);
            ImGui::SetCursorScreenPos(ImVec2(x, y));
            ui.button("tech.tab." + tabs[i].first, tabsLayout.labels[i], ImVec2(tabWidth, ui.theme.smallButtonHeight),
                      tabs[i].first == current ? ButtonKind::primary : ButtonKind::secondary);
            x += tabWidth + gap;
        }
    }
    ImGui::SetCursorScreenPos(ImVec2(x0, top + static_cast<float>(tabsLayout.rows) * (ui.theme.smallButtonHeight + gap)));
}

float drawTechnicianFooter(const ScreenContext& context, Ui& ui, std::string_view backId,
                           const std::vector<std::pair<std::string, std::string>>& actions) {
    const Layout& layout = ui.layout;
    const float x0 = layout.contentMin.x;
    const float x1 = layout.contentMax.x;
    const float gap = ui.theme.gap;
    const float height = ui.theme.buttonHeight;
    const float bottom = layout.contentMax.y - height;
    // Widths the action labels need; with the back button on one row when they fit, else the
    // actions get a row of their own above it (large print, portrait).
    std::vector<float> needed;
    float total = 0;
    for (const auto& action : actions) {
        needed.push_back(ui.measure(action.second, ui.fonts.body()).x + 2 * kTabPadding);
        total += needed.back();
    }
    const float backWidth = actions.empty() ? (x1 - x0) * 0.4F : (x1 - x0) * 0.3F;
    const float sharedLeft = x0 + backWidth + gap;
    const bool oneRow = actions.empty() || total + gap * static_cast<float>(actions.size() - 1) <= x1 - sharedLeft;
    const float actionsLeft = oneRow ? sharedLeft : x0;
    const float actionsTop = oneRow ? bottom : bottom - gap - height;
    ImGui::SetCursorScreenPos(ImVec2(x0, bottom));
    ui.button(backId, context.text.tr("common.back"), ImVec2(backWidth, height), ButtonKind::secondary);
    if (!actions.empty()) {
        const float room = x1 - actionsLeft - gap * static_cast<float>(actions.size() - 1);
        const float spare = std::max(0.0F, (room - total) / static_cast<float>(actions.size()));
        float x = actionsLeft;
        for (size_t i = 0; i < actions.size(); ++i) {
            const float each = total <= room ? needed[i] + spare : room / static_cast<float>(actions.size());
            ImGui::SetCursorScreenPos(ImVec2(x, actionsTop));
            ui.button(actions[i].first, actions[i].second, ImVec2(each, height), ButtonKind::secondary);
            x += each + gap;
        }
    }
    return actionsTop;
}

std::optional<Transition> technicianNavigation(const ButtonPressed& pressed, std::string_view backId, std::string& leaveReason) {
    if (pressed.id == backId) {
        leaveReason = "left";
        return Transition::to("attract");
    }
    constexpr std::string_view kTab = "tech.tab.";
    if (pressed.id.starts_with(kTab)) {
        leaveReason.clear();  // another tab of the same visit
        return Transition::to(pressed.id.substr(kTab.size()));
    }
    return std::nullopt;
}

void endTechnicianVisitUnlessTab(ScreenContext& context, const std::string& leaveReason) {
    if (context.technician && !leaveReason.empty()) context.technician->endVisit(leaveReason);
}

float technicianLineHeight(Ui& ui) { return std::max(ui.fonts.bodySize() * 1.3F, ui.measure("Ag中", ui.fonts.body()).y + 6); }

std::string oneLine(Ui& ui, const std::string& value, float width, ImFont* font) {
    if (ui.measure(value, font).x <= width) return value;
    const std::string ellipsis = "…";
    // The longest prefix of whole UTF-8 characters that fits with the ellipsis, by bisection (a
    // log line is long; the screen must draw within one frame).
    std::vector<size_t> ends;
    for (size_t i = 1; i <= value.size(); ++i) {
        if (i == value.size() || (static_cast<unsigned char>(value[i]) & 0xC0) != 0x80) ends.push_back(i);
    }
    size_t low = 0;
    size_t high = ends.size();  // ends[low - 1] fits (low 0: nothing), ends[high - 1] does not
    while (low < high) {
        const size_t mid = (low + high + 1) / 2;
        if (ui.measure(value.substr(0, ends[mid - 1]) + ellipsis, font).x <= width) {
            low = mid;
        } else {
            high = mid - 1;
        }
    }
    return (low == 0 ? std::string() : value.substr(0, ends[low - 1])) + ellipsis;
}

}  // namespace kiosk::screens
