#include "screens/attract_screen.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <vector>

namespace kiosk::screens {

namespace {
std::tm localTime(std::chrono::system_clock::time_point when) {
    const std::time_t seconds = std::chrono::system_clock::to_time_t(when);
    std::tm parts{};
    localtime_r(&seconds, &parts);
    return parts;
}
}  // namespace

std::string formatDate(const Translator& text, std::chrono::system_clock::time_point when) {
    const std::tm parts = localTime(when);
    return text.tr("date.format", {{"year", std::to_string(parts.tm_year + 1900)},
                                   {"month", std::to_string(parts.tm_mon + 1)},
                                   {"day", std::to_string(parts.tm_mday)},
                                   {"weekday", text.tr("date.weekday." + std::to_string(parts.tm_wday))}});
}

std::string formatTime(std::chrono::system_clock::time_point when) {
    const std::tm parts = localTime(when);
    return fmt::format("{:02}:{:02}", parts.tm_hour, parts.tm_min);
}

void AttractScreen::onEnter(ScreenContext& context) {
    message_ = {};
    resolving_ = false;
    if (context.config.mode != KioskMode::diagnostics) devices_.start(context);
}

void AttractScreen::onExit(ScreenContext& context) { devices_.stop(context); }

Transition AttractScreen::onEvent(ScreenContext& context, const UiEvent& event) {
    if (const auto* pressed = std::get_if<ButtonPressed>(&event)) {
        if (pressed->id == "attract.start" && context.acceptingPatients) return Transition::to("identify");
        if (pressed->id == "attract.diagnostics") return Transition::to("diagnostics");
        return Transition::none();
    }
    return devices_.handle(context, event, message_, resolving_);
}

namespace {

/// The pictures of the four accepted identifications with their captions, `perRow` to a row,
/// in [x0, x1] from `top`; returns the bottom of the last caption.
float drawAccepted(const ScreenContext& context, Ui& ui, float x0, float x1, float top, int perRow) {
    struct Accepted {
        CardPicture picture;
        const char* key;
    };
    static constexpr Accepted kAccepted[] = {{CardPicture::social_security, "attract.card.social_security"},
                                             {CardPicture::id_card, "attract.card.id_card"},
                                             {CardPicture::health_qr, "attract.card.health_qr"},
                                             {CardPicture::insurance_qr, "attract.card.insurance_qr"}};
    const float cellWidth = (x1 - x0) / static_cast<float>(perRow);
    const float pictureWidth = cellWidth * (perRow == 4 ? 0.82F : 0.62F);
    const float pictureHeight = pictureWidth * 0.63F;
    float rowTop = top;
    float bottom = top;
    for (int i = 0; i < 4; ++i) {
        if (i > 0 && i % perRow == 0) rowTop = bottom + 20;
        const float cellX = x0 + cellWidth * static_cast<float>(i % perRow);
        ui.cardPicture(kAccepted[i].picture, ImVec2(cellX + (cellWidth - pictureWidth) / 2, rowTop),
                       ImVec2(pictureWidth, pictureHeight));
        const std::string caption = context.text.tr(kAccepted[i].key);
        const ImVec2 size = ui.measure(caption, ui.fonts.body(), cellWidth - 8);
        ui.textAt(ImVec2(cellX + std::max(4.0F, (cellWidth - size.x) / 2), rowTop + pictureHeight + 16), caption,
                  ui.fonts.body(), ui.theme.colors.text, cellWidth - 8);
        bottom = std::max(bottom, rowTop + pictureHeight + 16 + size.y);
    }
    return bottom;
}

}  // namespace

void AttractScreen::draw(const ScreenContext& context, Ui& ui) const {
    const Layout& layout = ui.layout;
    const Palette& c = ui.theme.colors;
    const auto now = context.clock.wallNow();
    const bool english = context.text.language() == "en_US";
    // Portrait: everything in one column. Landscape (about 850 pixels between the bars): the
    // welcome on the left, the accepted cards and the start button on the right.
    const float split = layout.portrait ? layout.contentMax.x : layout.contentMin.x + layout.contentWidth() * 0.5F;
    const float x0 = layout.contentMin.x;
    const float x1 = split;
    const float top = ImGui::GetCursorScreenPos().y;

    // The hospital's name in large letters in portrait; in landscape the top bar carries it.
    ui.space(layout.portrait ? 40 : 24);
    if (layout.portrait) {
        ui.centered(english ? context.config.hospitalNameEn : context.config.hospitalNameZh, ui.fonts.title(), c.primary, x0, x1);
    }
    ui.centered(formatDate(context.text, now), ui.fonts.body(), c.mutedText, x0, x1);
    ui.centered(formatTime(now), ui.fonts.clock(), c.text, x0, x1);
    ui.space(layout.portrait ? 40 : 16);

    const char* titleKey = context.config.mode == KioskMode::pharmacy      ? "attract.title.pharmacy"
                           : context.config.mode == KioskMode::diagnostics ? "attract.title.diagnostics"
                                                                           : "attract.title";
    ui.centered(context.text.tr(titleKey), ui.fonts.title(), c.text, x0, x1);
    if (context.config.mode == KioskMode::diagnostics) {
        ui.space(layout.portrait ? 60 : 16);
        ImGui::SetCursorScreenPos(ImVec2(layout.contentMin.x, ImGui::GetCursorScreenPos().y));
        ui.button("attract.diagnostics", context.text.tr("attract.diagnostics"),
                  ImVec2(layout.contentWidth(), ui.theme.buttonHeight));
        return;
    }
    ui.space(16);
    ui.centered(context.text.tr("attract.prompt"), ui.fonts.body(), c.mutedText, x0 + 40, x1 - 40);

    // The accepted cards: below in portrait, four side by side; in the right column two by two.
    // A message (a refused card, the session that just ended, getting ready) takes their place:
    // the patient has already presented something, and the message says what to do next.
    const float sideX0 = layout.portrait ? x0 : split + ui.theme.gap * 1.5F;
    const float sideX1 = layout.contentMax.x;
    const float sideTop = layout.portrait ? ImGui::GetCursorScreenPos().y + 48 : top + 24;
    const float startHeight = ui.theme.buttonHeight * (layout.portrait ? 1.3F : 1.1F);
    const float startTop = layout.contentMax.y - startHeight;
    const bool bannerVisible = context.lastSessionEnd &&
                               context.clock.now() - context.lastSessionEndAt < std::chrono::seconds(8);
    std::vector<PatientMessage> messages;
    if (!message_.key.empty()) {
        messages.push_back(message_);
    } else if (bannerVisible) {
        messages.push_back(PatientMessage{!context.lastSessionEndMessage.empty()
                                              ? context.lastSessionEndMessage
                                              : "session.ended." + std::string(sessionEndReasonName(*context.lastSessionEnd)),
                                          false});
    }
    if (!context.acceptingPatients) messages.push_back(PatientMessage{"attract.preparing", false});
    if (messages.empty()) {
        drawAccepted(context, ui, sideX0, sideX1, sideTop, layout.portrait ? 4 : 2);
    } else {
        ImGui::SetCursorScreenPos(ImVec2(sideX0, sideTop));
        for (const PatientMessage& message : messages) {
            drawPatientMessage(context, ui, message, sideX1 - sideX0, startTop - ui.theme.gap - ImGui::GetCursorScreenPos().y);
        }
    }
    // Start-up payment recovery is running: no patient until every pending payment is settled.
    if (!context.acceptingPatients) return;
    ImGui::SetCursorScreenPos(ImVec2(sideX0, startTop));
    ui.button("attract.start", context.text.tr("attract.start"), ImVec2(sideX1 - sideX0, startHeight), ButtonKind::primary,
              ui.fonts.title());
}

}  // namespace kiosk::screens
