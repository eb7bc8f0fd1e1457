#include "screens/diagnostics/logs_screen.hpp"

#include <algorithm>
#include <set>

#include "kiosk/core/technician_access.hpp"
#include "screens/diagnostics/technician_kit.hpp"

namespace kiosk::screens {

namespace {

std::string levelLabel(const ScreenContext& context, int minSeverity) {
    switch (minSeverity) {
    case 2: return context.text.tr("tech.logs.level.warning");
    case 3: return context.text.tr("tech.logs.level.error");
    default: return context.text.tr("tech.logs.level.all");
    }
}

std::string levelName(const ScreenContext& context, const std::string& level) {
    const int severity = logSeverity(level);
    if (severity >= 3) return context.text.tr("tech.logs.severity.error");
    if (severity == 2) return context.text.tr("tech.logs.severity.warning");
    if (severity == 1) return context.text.tr("tech.logs.severity.info");
    return level.empty() ? std::string() : context.text.tr("tech.logs.severity.debug");
}

}  // namespace

void LogsScreen::reload(const ScreenContext& context) {
    tail_ = readLogTail(context.config.logFile, kMaxLines);
    std::set<std::string> seen;
    for (const auto& entry : tail_.entries) {
        if (!entry.module.empty()) seen.insert(entry.module);
    }
    modules_.assign(seen.begin(), seen.end());
    if (!module_.empty() && !seen.contains(module_)) module_.clear();
    refilter();
}

void LogsScreen::refilter() {
    shown_.clear();
    for (const auto& entry : tail_.entries) {
        if (logSeverity(entry.level) < minSeverity_) continue;
        if (!module_.empty() && entry.module != module_) continue;
        shown_.push_back(&entry);
    }
}

void LogsScreen::onEnter(ScreenContext& context) {
    leaveReason_ = "timed_out";
    minSeverity_ = 0;
    module_.clear();
    if (context.technician) context.technician->audit("logs_opened");
    reload(context);
}

void LogsScreen::onExit(ScreenContext& context) { endTechnicianVisitUnlessTab(context, leaveReason_); }

Transition LogsScreen::onEvent(ScreenContext& context, const UiEvent& event) {
    const auto* pressed = std::get_if<ButtonPressed>(&event);
    if (!pressed) return Transition::none();
    if (auto moved = technicianNavigation(*pressed, "tech.logs.back", leaveReason_)) return *moved;
    if (pressed->id == "tech.logs.level") {
        minSeverity_ = minSeverity_ == 0 ? 2 : minSeverity_ == 2 ? 3 : 0;
        refilter();
    } else if (pressed->id == "tech.logs.module") {
        // The next module in turn, then every module again.
        auto it = module_.empty() ? modules_.begin() : std::upper_bound(modules_.begin(), modules_.end(), module_);
        module_ = it == modules_.end() ? std::string() : *it;
        refilter();
    } else if (pressed->id == "tech.logs.refresh") {
        reload(context);
    }
    return Transition::none();
}

void LogsScreen::draw(const ScreenContext& context, Ui& ui) const {
    const Palette& c = ui.theme.colors;
    const Layout& layout = ui.layout;
    drawTechnicianTabs(context, ui, id());
    const float top = ImGui::GetCursorScreenPos().y;
    const float footer = drawTechnicianFooter(
        context, ui, "tech.logs.back",
        {{"tech.logs.level", levelLabel(context, minSeverity_)},
         {"tech.logs.module", module_.empty() ? context.text.tr("tech.logs.module.all")
                                              : context.text.tr("tech.logs.module.one", {{"module", module_}})},
         {"tech.logs.refresh", context.text.tr("tech.logs.refresh")}});
    const float x0 = layout.contentMin.x;
    const float width = layout.contentMax.x - x0;
    if (tail_.missing || shown_.empty()) {
        ImGui::SetCursorScreenPos(ImVec2(x0, top));
        const std::string why = tail_.missing ? context.text.tr("tech.logs.missing", {{"path", context.config.logFile.string()}})
                                              : context.text.tr("tech.logs.none_match");
        ui.paragraph(why, ui.fonts.body(), c.mutedText);
        return;
    }
    const float lineHeight = technicianLineHeight(ui);
    const float pad = 8;
    ui.pagedList("tech.logs", shown_.size(), ImVec2(x0, top), ImVec2(width, footer - ui.theme.gap - top), 2 * pad + 2 * lineHeight,
                 [&](size_t index, ImVec2 at, ImVec2 size) {
                     const LogEntry& entry = *shown_[index];
                     const int severity = logSeverity(entry.level);
                     ImGui::GetWindowDrawList()->AddRectFilled(at, ImVec2(at.x + size.x, at.y + size.y),
                                                               severity >= 2 ? c.alertSoft : c.panel, ui.theme.rounding);
                     std::string head = entry.time;
                     const std::string level = levelName(context, entry.level);
                     if (!level.empty()) head += "  " + level;
                     if (!entry.module.empty()) head += "  [" + entry.module + "]";
                     ui.textAt(ImVec2(at.x + 16, at.y + pad), oneLine(ui, head, size.x - 32, ui.fonts.body()), ui.fonts.body(),
                               severity >= 2 ? c.alert : c.mutedText);
                     ui.textAt(ImVec2(at.x + 16, at.y + pad + lineHeight), oneLine(ui, entry.text, size.x - 32, ui.fonts.body()),
                               ui.fonts.body(), c.text);
                 });
}

}  // namespace kiosk::screens
