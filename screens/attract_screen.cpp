#include "screens/attract_screen.hpp"

#include <fmt/format.h>

#include <ctime>

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

void AttractScreen::draw(const ScreenContext& context, Ui& ui) const {
    const Layout& layout = ui.layout;
    const Palette& c = ui.theme.colors;
    const float x0 = layout.contentMin.x;
    const float x1 = layout.contentMax.x;
    const auto now = context.clock.wallNow();
    const bool english = context.text.language() == "en_US";

    ui.space(layout.portrait ? 40 : 8);
    ui.centered(english ? context.config.hospitalNameEn : context.config.hospitalNameZh, ui.fonts.title(), c.primary, x0, x1);
    ui.centered(formatDate(context.text, now), ui.fonts.body(), c.mutedText, x0, x1);
    ui.centered(formatTime(now), ui.fonts.clock(), c.text, x0, x1);
    ui.space(layout.portrait ? 40 : 8);

    const char* titleKey = context.config.mode == KioskMode::pharmacy      ? "attract.title.pharmacy"
                           : context.config.mode == KioskMode::diagnostics ? "attract.title.diagnostics"
                                                                           : "attract.title";
    ui.centered(context.text.tr(titleKey), ui.fonts.title(), c.text, x0, x1);
    if (context.config.mode == KioskMode::diagnostics) {
        ui.space(60);
        ImGui::SetCursorScreenPos(ImVec2(x0, ImGui::GetCursorScreenPos().y));
        ui.button("attract.diagnostics", context.text.tr("attract.diagnostics"), ImVec2(x1 - x0, ui.theme.buttonHeight));
        return;
    }
    ui.space(16);
    ui.centered(context.text.tr("attract.prompt"), ui.fonts.body(), c.mutedText, x0 + 40, x1 - 40);
    ui.space(layout.portrait ? 48 : 16);

    // The four accepted identifications, side by side.
    struct Accepted {
        CardPicture picture;
        const char* key;
    };
    static constexpr Accepted kAccepted[] = {{CardPicture::social_security, "attract.card.social_security"},
                                             {CardPicture::id_card, "attract.card.id_card"},
                                             {CardPicture::health_qr, "attract.card.health_qr"},
                                             {CardPicture::insurance_qr, "attract.card.insurance_qr"}};
    const float cellWidth = (x1 - x0) / 4.0F;
    const float pictureWidth = cellWidth * 0.82F;
    const float pictureHeight = pictureWidth * 0.63F;
    const float top = ImGui::GetCursorScreenPos().y;
    float captionBottom = top;
    for (int i = 0; i < 4; ++i) {
        const float cellX = x0 + cellWidth * static_cast<float>(i);
        ui.cardPicture(kAccepted[i].picture, ImVec2(cellX + (cellWidth - pictureWidth) / 2, top),
                       ImVec2(pictureWidth, pictureHeight));
        const std::string caption = context.text.tr(kAccepted[i].key);
        const ImVec2 size = ui.measure(caption, ui.fonts.body(), cellWidth - 8);
        ui.textAt(ImVec2(cellX + std::max(4.0F, (cellWidth - size.x) / 2), top + pictureHeight + 16), caption,
                  ui.fonts.body(), c.text, cellWidth - 8);
        captionBottom = std::max(captionBottom, top + pictureHeight + 16 + size.y);
    }
    ImGui::SetCursorScreenPos(ImVec2(x0, captionBottom + (layout.portrait ? 64 : 24)));

    const bool bannerVisible = context.lastSessionEnd &&
                               context.clock.now() - context.lastSessionEndAt < std::chrono::seconds(8);
    if (!message_.key.empty()) {
        drawPatientMessage(context, ui, message_);
    } else if (bannerVisible) {
        drawPatientMessage(context, ui,
                           PatientMessage{"session.ended." + std::string(sessionEndReasonName(*context.lastSessionEnd)),
                                          false});
    }
    if (!context.acceptingPatients) {
        // Start-up payment recovery is running: no patient until every pending payment is settled.
        drawPatientMessage(context, ui, PatientMessage{"attract.preparing", false});
        return;
    }
    ImGui::SetCursorScreenPos(ImVec2(x0, std::max(ImGui::GetCursorScreenPos().y + 16,
                                                  layout.contentMax.y - ui.theme.buttonHeight * 1.3F)));
    ui.button("attract.start", context.text.tr("attract.start"), ImVec2(x1 - x0, ui.theme.buttonHeight * 1.3F),
              ButtonKind::primary, ui.fonts.title());
}

}  // namespace kiosk::screens
