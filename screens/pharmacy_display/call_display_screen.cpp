#include "screens/pharmacy_display/call_display_screen.hpp"
#include "screens/service_screen_kit.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "kiosk/core/log.hpp"
#include "kiosk/core/mask.hpp"
#include "screens/pharmacy_display/call_board.hpp"
#include "screens/services.hpp"
#include "screens/theme.hpp"

namespace kiosk::screens {

namespace {

auto logger() { return log::module("call_display"); }

std::string windowOf(const backend::PharmacyCall& call) {
    return call.windowNumber > 0 ? std::to_string(call.windowNumber) : call.window;
}

/// The text of `key` in `language`, its placeholders filled (the display shows both languages at
/// once, whatever the kiosk's current one).
std::string in(const ScreenContext& context, const std::string& language, std::string_view key,
               const std::vector<std::pair<std::string, std::string>>& values = {}) {
    const std::string* found = context.text.catalog().find(language, key);
    std::string text = found ? *found : std::string(key);
    for (const auto& [name, value] : values) text = substitute(text, {{name, value}});
    return text;
}

/// Both languages on one line: the Chinese text, then the English one (a call display serves
/// everyone in the room at once; nobody can switch its language).
std::string both(const ScreenContext& context, std::string_view key, const std::vector<std::pair<std::string, std::string>>& values = {}) {
    return in(context, "zh_CN", key, values) + "  " + in(context, "en_US", key, values);
}

}  // namespace

void CallDisplayScreen::onEnter(ScreenContext& context) {
    const Theme theme = Theme::make(context.config.ui, false);
    if (theme.shortOfDistance) {
        logger()->warn("the panel ({:.0f} x {:.0f} mm) is too small to be read from {:.0f} m: text is smaller than the target",
                       context.config.ui.screenWidthMm, context.config.ui.screenHeightMm, context.config.ui.viewingDistanceM);
    }
    context.services.callBoard().start();
}

void CallDisplayScreen::onExit(ScreenContext& context) { context.services.callBoard().stop(); }

Transition CallDisplayScreen::onEvent(ScreenContext& context, const UiEvent& event) {
    if (!std::holds_alternative<CallBoardProgress>(event)) return Transition::none();
    for (const CallAnnouncement& a : context.services.callBoard().takeDue(context.clock.now())) {
        logger()->info("calling {} to window {} ({} time)", a.callNumber, a.window, a.times == 1 ? "first" : "second");
        if (context.announce) context.announce("display.announce", {{"number", a.callNumber}, {"window", a.window}});
    }
    return Transition::none();
}

void CallDisplayScreen::draw(const ScreenContext& context, Ui& ui) const {
    const Layout& l = ui.layout;
    const Palette& c = ui.theme.colors;
    const CallBoardView board = context.services.callBoard().view();
    ImFont* body = ui.fonts.body();
    ImFont* title = ui.fonts.title();
    ImFont* big = ui.fonts.clock();
    const float x0 = l.contentMin.x;
    const float x1 = l.contentMax.x;
    const float gap = ui.theme.gap;
    auto* draw = ImGui::GetWindowDrawList();

    // The band across the top: what this screen is, and the time. As tall as the heading needs
    // (two lines on a narrow portrait panel).
    const std::string heading = both(context, "display.title");
    const WallTime now = context.timeZone.at(context.clock.wallNow());
    const std::string clock = fmt::format("{:02}:{:02}", now.hour, now.minute);
    const float clockWidth = ui.measure(clock, body).x;
    const float headingHeight = ui.measure(heading, body, x1 - x0 - clockWidth - gap).y;
    const float bandHeight = std::max(body->FontSize * 1.5F, headingHeight + body->FontSize * 0.3F);
    draw->AddRectFilled(ImVec2(0, 0), ImVec2(l.width, bandHeight + l.contentMin.y), c.topBar);
    ui.textAt(ImVec2(x0, l.contentMin.y * 0.5F + bandHeight * 0.1F), heading, body, c.onPrimary, x1 - x0 - clockWidth - gap);
    ui.textAt(ImVec2(x1 - clockWidth, l.contentMin.y * 0.5F + bandHeight * 0.1F), clock, body, c.onPrimary);
    const float top = l.contentMin.y + bandHeight + gap;
    const float bottom = l.contentMax.y;

    // A paused board says so at the bottom (the numbers stay: they are still right, only late).
    float listBottom = bottom;
    if (board.error && board.loaded) {
        const std::string paused = both(context, "display.paused");
        const float h = ui.measure(paused, body, x1 - x0).y;
        ui.textAt(ImVec2(x0, bottom - h), paused, body, c.alert, x1 - x0);
        listBottom = bottom - h - gap;
    }
    if (!board.loaded) {
        ImGui::SetCursorScreenPos(ImVec2(x0, top));
        centeredLine(ui, both(context, board.error ? "display.unavailable" : "display.connecting"), title, board.error ? c.alert : c.text, x0, x1, 0);
        return;
    }

    // Left: the newest call, large. Right: each window's number, then who waits.
    const bool wide = l.width > l.height;
    const float split = wide ? x0 + (x1 - x0) * 0.52F : x1;
    ImGui::SetCursorScreenPos(ImVec2(x0, top));
    if (board.called.empty()) {
        centeredLine(ui, in(context, "zh_CN", "display.none_called"), title, c.mutedText, x0, split, gap * 0.5F);
        centeredLine(ui, in(context, "en_US", "display.none_called"), body, c.mutedText, x0, split, gap);
    } else {
        const backend::PharmacyCall& newest = board.called.front();
        const std::string window = windowOf(newest);
        centeredLine(ui, both(context, "display.now_calling"), body, c.mutedText, x0, split, 0);
        centeredLine(ui, newest.callNumber, big, c.primary, x0, split, 0);
        const std::string name = maskPersonalData(newest.patientName, PersonalField::name);
        if (!name.empty()) centeredLine(ui, name, title, c.text, x0, split, gap * 0.5F);
        centeredLine(ui, in(context, "zh_CN", "display.go_to_window", {{"window", window}}), title, c.success, x0, split, 0);
        centeredLine(ui, in(context, "en_US", "display.go_to_window", {{"window", window}}), body, c.success, x0, split, gap);
    }
    float y = wide ? top : ImGui::GetCursorScreenPos().y + gap;
    const float rx0 = wide ? split + gap * 2 : x0;
    if (wide) draw->AddLine(ImVec2(split + gap, top), ImVec2(split + gap, listBottom), c.mutedText, 2);
    // Each window's current number (the newest call per window), by window.
    std::map<int, const backend::PharmacyCall*> perWindow;
    std::vector<const backend::PharmacyCall*> unnumbered;
    for (const auto& call : board.called) {
        if (call.windowNumber > 0) perWindow.emplace(call.windowNumber, &call);  // called is newest first: keep the first
        else unnumbered.push_back(&call);
    }
    const float line = body->FontSize * 1.25F;
    ui.textAt(ImVec2(rx0, y), both(context, "display.windows"), body, c.mutedText, x1 - rx0);
    y += ui.measure(both(context, "display.windows"), body, x1 - rx0).y + gap * 0.3F;
    for (const auto& [number, call] : perWindow) {
        if (y + line > listBottom) break;
        const std::string row = fmt::format("{}  {}  {}", in(context, "zh_CN", "display.window", {{"window", std::to_string(number)}}),
                                            call->callNumber, maskPersonalData(call->patientName, PersonalField::name));
        ui.textAt(ImVec2(rx0, y), row, body, c.text, x1 - rx0);
        y += line;
    }
    // Who waits next, in order, as many as fit.
    y += gap;
    if (!board.waiting.empty() && y + 2 * line <= listBottom) {
        ui.textAt(ImVec2(rx0, y), both(context, "display.waiting"), body, c.mutedText, x1 - rx0);
        y += ui.measure(both(context, "display.waiting"), body, x1 - rx0).y + gap * 0.3F;
        for (const auto& call : board.waiting) {
            if (y + line > listBottom) break;
            const std::string row = fmt::format("{}  {}    {}", call.callNumber, maskPersonalData(call.patientName, PersonalField::name),
                                                in(context, "zh_CN", "display.window", {{"window", windowOf(call)}}));
            ui.textAt(ImVec2(rx0, y), row, body, c.text, x1 - rx0);
            y += line;
        }
    }
}

}  // namespace kiosk::screens
