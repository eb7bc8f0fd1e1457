#include "screens/diagnostics_screen.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "kiosk/core/log.hpp"
#include "kiosk/core/device_counters.hpp"
#include "kiosk/core/technician_access.hpp"
#include "screens/diagnostics/technician_kit.hpp"

namespace kiosk::screens {

namespace {
/// The first line of `value` wrapped to `width`, with "…" when there is more: a status detail or
/// a self-test result can be long (a device path, an error chain); the log has it in full.
std::string firstLine(Ui& ui, const std::string& value, float width) {
    const auto lines = wrapLines(ui.fonts.body(), value, width);
    if (lines.size() <= 1) return value;
    const std::string ellipsis = "…";
    std::string line(lines.front());
    while (!line.empty() && ui.measure(line + ellipsis, ui.fonts.body()).x > width) {
        line.pop_back();
        while (!line.empty() && (static_cast<unsigned char>(line.back()) & 0xC0) == 0x80) line.pop_back();  // whole UTF-8 characters
    }
    return line + ellipsis;
}
/// "Cards read 3 (1) · Card read failures 1 (0)": each counter since install, since reset in
/// brackets, in a fixed order; "none yet" for a device that never counted.
std::string countersLine(const ScreenContext& context, std::string_view device) {
    std::string line = context.text.tr("diag.counters");
    if (!context.counters) return line + context.text.tr("diag.counters.none");
    const auto counts = context.counters->of(device);
    std::string parts;
    for (const std::string_view name : {kCounterCardsRead, kCounterCardsFailed, kCounterScans, kCounterScansRefused,
                                        kCounterSlipsPrinted, kCounterCuts, kCounterPrintsFailed}) {
        auto it = counts.find(std::string(name));
        if (it == counts.end()) continue;
        parts += (parts.empty() ? "" : " · ") + context.text.tr("counter." + std::string(name)) + " " +
                 std::to_string(it->second.sinceInstall) + " (" + std::to_string(it->second.sinceReset) + ")";
    }
    return line + (parts.empty() ? context.text.tr("diag.counters.none") : parts);
}
}  // namespace

void DiagnosticsScreen::onEnter(ScreenContext& context) {
    results_.clear();
    page_ = 0;
    leaveReason_ = "timed_out";
    if (context.technician) context.technician->audit("diagnostics_opened");
}

void DiagnosticsScreen::onExit(ScreenContext& context) { endTechnicianVisitUnlessTab(context, leaveReason_); }

Transition DiagnosticsScreen::onEvent(ScreenContext& context, const UiEvent& event) {
    if (const auto* finished = std::get_if<SelfTestFinished>(&event)) {
        results_[finished->device] =
            finished->result ? "OK: " + *finished->result : "FAIL: " + finished->result.error().describe();
        if (context.technician) {
            context.technician->audit(fmt::format("self_test {} {}", finished->device, finished->result ? "ok" : "failed"));
        }
        return Transition::none();
    }
    const auto* pressed = std::get_if<ButtonPressed>(&event);
    if (!pressed) return Transition::none();
    if (auto moved = technicianNavigation(*pressed, "diag.back", leaveReason_)) return *moved;
    if (pressed->id == "diag.page.next") page_ = std::min(page_ + 1, pages_ - 1);
    if (pressed->id == "diag.page.previous") page_ = std::max(page_ - 1, 0);
    constexpr std::string_view kPrefix = "diag.test.";
    if (pressed->id.starts_with(kPrefix)) {
        const std::string name = pressed->id.substr(kPrefix.size());
        drivers::Device* device = context.devices.find(name);
        if (!device) return Transition::none();
        results_[name] = context.text.tr("diag.running");
        log::module("diagnostics")->info("self-test of {} requested", name);
        if (context.technician) context.technician->audit(fmt::format("self_test {} started", name));
        auto post = context.post;
        context.tasks.post([device, post, name] {
            post(SelfTestFinished{name, device->selfTest(std::chrono::seconds(10), drivers::CancelToken{})});
        });
    }
    return Transition::none();
}

void DiagnosticsScreen::draw(const ScreenContext& context, Ui& ui) const {
    const Layout& layout = ui.layout;
    const Palette& c = ui.theme.colors;
    const float x0 = layout.contentMin.x;
    const float x1 = layout.contentMax.x;
    const float rowHeight = ui.theme.smallButtonHeight + 24;
    // Three lines of text (name, status, self-test result) with their margins: in elder mode the
    // body face outgrows 1.6 rows of the small button, and the result must stay in its block.
    const float textBlock = 16 + ui.fonts.bodySize() * (2.6F + 1.25F) + 16;
    const float threeLineBlock = std::max(rowHeight * 1.6F, textBlock);
    // Where one block would not fit below the heading with its spaces (elder mode, landscape),
    // the spaces shrink, then the kiosk id and the voice line share one line: a page holds at
    // least one device whole. The heading is measured as drawn (Ui::centered adds ImGui's item
    // spacing under each line).
    const float itemSpacing = ImGui::GetStyle().ItemSpacing.y;
    // The tabs of the technician screens are the heading (this one is "devices").
    const float titleAdvance = technicianTabsHeight(context, ui);
    const float infoAdvance = ui.measure("A", ui.fonts.body()).y + itemSpacing;
    const float roomBelowHeading = layout.contentMax.y - ui.theme.buttonHeight - ui.theme.gap - ImGui::GetCursorScreenPos().y - titleAdvance;
    auto listRoomWith = [&](float infoLines, float space) { return roomBelowHeading - infoLines * infoAdvance - 2 * space; };
    const float spacing = listRoomWith(2, 24) >= threeLineBlock ? 24 : 4;
    const bool infoOnOneLine = listRoomWith(2, spacing) < threeLineBlock;
    ui.space(spacing);
    drawTechnicianTabs(context, ui, id());
    const std::string kioskLine = context.text.tr("diag.kiosk_id") + ": " + context.config.kioskId;
    if (infoOnOneLine) {
        ui.centered(firstLine(ui, kioskLine + "  ·  " + context.voiceStatus, x1 - x0), ui.fonts.body(), c.mutedText, x0, x1);
    } else {
        ui.centered(kioskLine, ui.fonts.body(), c.mutedText, x0, x1);
        // Voice guidance: the engine and its output, or why the kiosk is silent (issue 15).
        ui.centered(firstLine(ui, context.voiceStatus, x1 - x0), ui.fonts.body(), c.mutedText, x0, x1);
    }
    ui.space(spacing);
    const float listTop = ImGui::GetCursorScreenPos().y;
    const float listBottom = layout.contentMax.y - ui.theme.buttonHeight - ui.theme.gap;
    // Name, status, self-test result and counters: four lines of body text with their spacing;
    // where not even one such block fits (landscape, large print) the counters line gives way.
    const float fullBlock = std::max(rowHeight * 1.6F, 32 + ui.fonts.bodySize() * 5.0F);
    const bool showCounters = fullBlock <= listBottom - listTop;
    const float blockHeight = showCounters ? fullBlock : threeLineBlock;
    const auto& devices = context.devices.all();
    const int perPage = std::max(1, static_cast<int>((listBottom - listTop + 16) / (blockHeight + 16)));
    pages_ = std::max(1, (static_cast<int>(devices.size()) + perPage - 1) / perPage);
    const int page = std::clamp(page_, 0, pages_ - 1);
    const float buttonWidth = layout.portrait ? 236.0F : 300.0F;
    float y = listTop;
    for (size_t i = static_cast<size_t>(page * perPage); i < devices.size() && i < static_cast<size_t>((page + 1) * perPage); ++i) {
        const auto& device = devices[i];
        const drivers::DeviceState state = device->state();
        const ImVec2 row(x0, y);
        ImGui::GetWindowDrawList()->AddRectFilled(row, ImVec2(x1, row.y + blockHeight), c.panel, ui.theme.rounding);
        const bool healthy = state.status == drivers::DeviceStatus::online;
        const float textWidth = x1 - row.x - buttonWidth - 72;  // left of the self-test button
        // One line, cut with "…": wrapped, it ran into the status line below (large print, portrait).
        ui.textAt(ImVec2(row.x + 24, row.y + 16),
                  firstLine(ui,
                            device->name() + " · " + std::string(drivers::deviceClassName(device->deviceClass())) + " · " +
                                device->driverName(),
                            textWidth),
                  ui.fonts.body(), c.text);
        const std::string status = context.text.tr("status." + std::string(drivers::deviceStatusName(state.status))) +
                                   (state.detail.empty() ? "" : " (" + state.detail + ")");
        ui.textAt(ImVec2(row.x + 24, row.y + 16 + ui.fonts.bodySize() * 1.3F), firstLine(ui, status, textWidth), ui.fonts.body(),
                  healthy ? c.success : c.alert);
        if (auto it = results_.find(device->name()); it != results_.end()) {
            // Below the self-test button the result may use the whole row.
            const float resultY = row.y + 16 + ui.fonts.bodySize() * 2.6F;
            const float resultWidth = resultY >= row.y + 16 + ui.theme.smallButtonHeight ? x1 - row.x - 48 : textWidth;
            ui.textAt(ImVec2(row.x + 24, resultY), firstLine(ui, it->second, resultWidth), ui.fonts.body(), c.mutedText);
        }
        if (showCounters) {
            ui.textAt(ImVec2(row.x + 24, row.y + 16 + ui.fonts.bodySize() * 3.9F),
                      firstLine(ui, countersLine(context, device->name()), x1 - row.x - 48), ui.fonts.body(), c.mutedText);
        }
        ImGui::SetCursorScreenPos(ImVec2(x1 - buttonWidth - 24, row.y + 16));
        ui.button("diag.test." + device->name(), context.text.tr("diag.self_test"),
                  ImVec2(buttonWidth, ui.theme.smallButtonHeight), ButtonKind::secondary);
        y += blockHeight + 16;
    }
    const float bottomY = layout.contentMax.y - ui.theme.buttonHeight;
    // Paged: a narrower back button leaves the arrows room for their labels in large print.
    const float backWidth = (x1 - x0) * (pages_ > 1 ? 0.25F : 0.4F);
    ImGui::SetCursorScreenPos(ImVec2(x0, bottomY));
    ui.button("diag.back", context.text.tr("common.back"), ImVec2(backWidth, ui.theme.buttonHeight), ButtonKind::secondary);
    if (pages_ > 1) {
        // Previous / page n of m / next, right of the back button.
        const float pagerX0 = x0 + backWidth + ui.theme.gap;
        const float arrowLabels = std::max(ui.measure(context.text.tr("diag.page.previous"), ui.fonts.body()).x,
                                           ui.measure(context.text.tr("diag.page.next"), ui.fonts.body()).x);
        const float arrowWidth = std::max((x1 - pagerX0) * 0.3F, arrowLabels + 2 * 32);
        if (page > 0) {
            ImGui::SetCursorScreenPos(ImVec2(pagerX0, bottomY));
            ui.button("diag.page.previous", context.text.tr("diag.page.previous"), ImVec2(arrowWidth, ui.theme.buttonHeight),
                      ButtonKind::secondary);
        }
        ImGui::SetCursorScreenPos(ImVec2(pagerX0 + arrowWidth, bottomY + (ui.theme.buttonHeight - ui.fonts.bodySize() * 1.25F) / 2));
        // "第 1/2 页", or just "1/2" where the arrows leave less room (large print, portrait).
        std::string pageLabel = context.text.tr("diag.page", {{"page", std::to_string(page + 1)}, {"pages", std::to_string(pages_)}});
        if (ui.measure(pageLabel, ui.fonts.body()).x > x1 - pagerX0 - 2 * arrowWidth) {
            pageLabel = std::to_string(page + 1) + "/" + std::to_string(pages_);
        }
        ui.centered(pageLabel, ui.fonts.body(), c.mutedText, pagerX0 + arrowWidth, x1 - arrowWidth);
        if (page + 1 < pages_) {
            ImGui::SetCursorScreenPos(ImVec2(x1 - arrowWidth, bottomY));
            ui.button("diag.page.next", context.text.tr("diag.page.next"), ImVec2(arrowWidth, ui.theme.buttonHeight),
                      ButtonKind::secondary);
        }
    }
}

}  // namespace kiosk::screens
