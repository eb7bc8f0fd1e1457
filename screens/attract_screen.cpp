#include "screens/attract_screen.hpp"

#include "kiosk/core/technician_access.hpp"
#include "screens/technician/technician_entry.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <vector>

namespace kiosk::screens {

std::string formatDate(const Translator& text, const TimeZone& zone, std::chrono::system_clock::time_point when) {
    const WallTime wall = zone.at(when);
    return text.tr("date.format", {{"year", std::to_string(wall.year)},
                                   {"day", std::to_string(wall.day)},
                                   // The month by its name in each language ("12月", "December"): an
                                   // English "1/12" is 12 January to an American, 1 December to a Briton.
                                   {"month_name", text.tr("date.month." + std::to_string(wall.month))},
                                   {"weekday", text.tr("date.weekday." + std::to_string(wall.weekday))}});
}

std::string formatTime(const TimeZone& zone, std::chrono::system_clock::time_point when) {
    const WallTime wall = zone.at(when);
    return fmt::format("{:02}:{:02}", wall.hour, wall.minute);
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
        if (pressed->id == "attract.diagnostics") {
            // With technician access configured, a diagnostics-mode kiosk asks for the PIN too.
            if (!context.technician) return Transition::to("diagnostics");
            context.technician->beginVisit("menu");
            return Transition::to(std::string(kPinPadScreen));
        }
        return Transition::none();
    }
    return devices_.handle(context, event, message_, resolving_);
}

namespace {

struct Accepted {
    CardPicture picture;
    const char* key;
};
constexpr Accepted kAccepted[] = {{CardPicture::social_security, "attract.card.social_security"},
                                  {CardPicture::id_card, "attract.card.id_card"},
                                  {CardPicture::health_qr, "attract.card.health_qr"},
                                  {CardPicture::insurance_qr, "attract.card.insurance_qr"}};
constexpr float kCaptionInset = 4.0F;
constexpr float kMinPictureHeight = 60.0F;  ///< px: a card picture smaller than this is no longer recognised

/// How the accepted cards are laid out in [x0, x1]: cards to a row, rows, and the tallest caption.
struct AcceptedGrid {
    int perRow = 4;
    int rows = 1;
    float cellWidth = 0;
    float captionHeight = 0;  ///< px, as Ui::centered lays the caption out
    float captionGap = 16;    ///< px between a picture and its caption
    float rowGap = 20;        ///< px between a caption and the next row's picture
    /// px from the top of the first picture to the bottom of the last caption, pictures `picture` high.
    float height(float picture) const {
        return static_cast<float>(rows) * (picture + captionGap + captionHeight) + static_cast<float>(rows - 1) * rowGap;
    }
};

AcceptedGrid acceptedGrid(const ScreenContext& context, Ui& ui, float x0, float x1, int perRow) {
    // Four to a row only where every caption's longest word fits its cell (English large print:
    // "Social-security" does not, and a word is never broken): else two to a row.
    auto captionsFit = [&](int count) {
        const float cell = (x1 - x0) / static_cast<float>(count) - 2 * kCaptionInset;
        return std::all_of(std::begin(kAccepted), std::end(kAccepted), [&](const Accepted& accepted) {
            return widestWord(ui.fonts.body(), context.text.tr(accepted.key)) <= cell;
        });
    };
    AcceptedGrid grid;
    grid.perRow = perRow > 2 && !captionsFit(perRow) ? 2 : perRow;
    grid.cellWidth = (x1 - x0) / static_cast<float>(grid.perRow);
    grid.rows = (4 + grid.perRow - 1) / grid.perRow;
    for (const Accepted& accepted : kAccepted) {
        const auto lines = wrapLines(ui.fonts.body(), context.text.tr(accepted.key), grid.cellWidth - 2 * kCaptionInset);
        grid.captionHeight = std::max(grid.captionHeight, static_cast<float>(lines.size()) * ui.fonts.body()->FontSize * 1.25F);
    }
    return grid;
}

/// The pictures of the four accepted identifications with their captions, `perRow` to a row,
/// in [x0, x1] from `top`, the pictures smaller where the rows would pass `bottomLimit`; returns
/// the bottom of the last caption.
float drawAccepted(const ScreenContext& context, Ui& ui, float x0, float x1, float top, float bottomLimit, int perRow) {
    AcceptedGrid grid = acceptedGrid(context, ui, x0, x1, perRow);
    if (grid.height(kMinPictureHeight) > bottomLimit - top) {
        // Two-line captions at the smallest pictures still pass the limit (elder mode, English,
        // landscape under the voice row): the gaps close before any caption would run under the
        // start button.
        grid.captionGap = 4;
        grid.rowGap = 4;
    }
    const float fittingPicture = (bottomLimit - top - grid.height(0)) / static_cast<float>(grid.rows);
    const float pictureHeight =
        std::max(kMinPictureHeight, std::min(grid.cellWidth * (grid.perRow == 4 ? 0.82F : 0.62F) * 0.63F, fittingPicture));
    const float pictureWidth = pictureHeight / 0.63F;
    float rowTop = top;
    float bottom = top;
    for (int i = 0; i < 4; ++i) {
        if (i > 0 && i % grid.perRow == 0) rowTop = bottom + grid.rowGap;
        const float cellX = x0 + grid.cellWidth * static_cast<float>(i % grid.perRow);
        ui.cardPicture(kAccepted[i].picture, ImVec2(cellX + (grid.cellWidth - pictureWidth) / 2, rowTop),
                       ImVec2(pictureWidth, pictureHeight));
        // Centred line by line, as a one-line caption is.
        ImGui::SetCursorScreenPos(ImVec2(cellX, rowTop + pictureHeight + grid.captionGap));
        ui.centered(context.text.tr(kAccepted[i].key), ui.fonts.body(), ui.theme.colors.text, cellX + kCaptionInset,
                    cellX + grid.cellWidth - kCaptionInset);
        bottom = std::max(bottom, ImGui::GetItemRectMax().y);
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
    // Portrait spacing shrinks when a bar takes height from the screen (the voice row, issue 15).
    const float air = layout.portrait && layout.contentMax.y - layout.contentMin.y < 1650 ? 0.4F : 1.0F;

    // The hospital's name in large letters in portrait; in landscape the top bar carries it.
    // Elder mode in portrait: the cards' captions take three lines, so the name stays in the top
    // bar only and the spaces shrink.
    const bool compact = layout.portrait && ui.theme.elder;
    ui.space(layout.portrait ? (compact ? 16 : 40 * air) : (ui.theme.elder ? 16 : 24));
    if (layout.portrait && !compact) {
        ui.centered(english ? context.config.hospitalNameEn : context.config.hospitalNameZh, ui.fonts.title(), c.primary, x0, x1);
    }
    ui.centered(formatDate(context.text, context.timeZone, now), ui.fonts.body(), c.mutedText, x0, x1);
    ui.centered(formatTime(context.timeZone, now), ui.fonts.clock(), c.text, x0, x1);
    ui.space(layout.portrait && !compact ? 40 * air : 16);

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
    // The prompt says what the pictures (or a message) on the right/below say again: in elder
    // mode it gives way where it does not fit its column, or to a message in portrait.
    const bool messageShown = !message_.key.empty() || context.cardLeftInReader || !context.acceptingPatients ||
                              (context.lastSessionEnd && context.clock.now() - context.lastSessionEndAt < std::chrono::seconds(8));
    const float promptBottom = ImGui::GetCursorScreenPos().y + ui.measure(context.text.tr("attract.prompt"), ui.fonts.body(), x1 - x0 - 80).y * 1.25F;
    const float startHeight = ui.theme.buttonHeight * (layout.portrait ? 1.3F : 1.1F);
    const float startTop = layout.contentMax.y - startHeight;
    // In portrait the accepted cards come below the prompt: the prompt stays only where the cards
    // with their captions (pictures at their smallest) still fit above the start button.
    const float cardsBelowPrompt =
        promptBottom + (compact ? 24 : 48) + acceptedGrid(context, ui, layout.contentMin.x, layout.contentMax.x, 4).height(kMinPictureHeight);
    const bool promptFits = layout.portrait ? (messageShown ? !ui.theme.elder : cardsBelowPrompt <= startTop - ui.theme.gap)
                                            : promptBottom <= layout.contentMax.y;
    if (promptFits) ui.centered(context.text.tr("attract.prompt"), ui.fonts.body(), c.mutedText, x0 + 40, x1 - 40);

    // The accepted cards: below in portrait, four side by side; in the right column two by two.
    // A message (a refused card, the session that just ended, getting ready) takes their place:
    // the patient has already presented something, and the message says what to do next.
    const float sideX0 = layout.portrait ? x0 : split + ui.theme.gap * 1.5F;
    const float sideX1 = layout.contentMax.x;
    const float sideTop = layout.portrait ? ImGui::GetCursorScreenPos().y + (compact ? 24 : 48 * air) : top + 24;
    const bool bannerVisible = context.lastSessionEnd &&
                               context.clock.now() - context.lastSessionEndAt < std::chrono::seconds(8);
    std::vector<PatientMessage> messages;
    if (context.cardLeftInReader) {
        // Signed out with the card still in the reader: until it is taken, this is the first
        // thing the patient must do.
        messages.push_back(PatientMessage{"attract.take_card", true});
    }
    const std::string farewell = !context.lastSessionEndMessage.empty()
                                     ? context.lastSessionEndMessage
                                     : "session.ended." + std::string(sessionEndReasonName(context.lastSessionEnd.value_or(SessionEndReason::completed)));
    // With the card left in, a "thank you, take your card" farewell would say the take-card
    // message twice; a farewell that says something else (the payment was cancelled and nothing
    // was charged) still stands below it.
    const bool farewellSaysTakeCard = farewell.starts_with("session.ended.completed");
    if (!message_.key.empty()) {
        messages.push_back(message_);
    } else if (bannerVisible && !(context.cardLeftInReader && farewellSaysTakeCard)) {
        messages.push_back(PatientMessage{farewell, false});
    }
    if (!context.acceptingPatients) messages.push_back(PatientMessage{"attract.preparing", false});
    if (messages.empty()) {
        drawAccepted(context, ui, sideX0, sideX1, sideTop, startTop - ui.theme.gap, layout.portrait ? 4 : 2);
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
