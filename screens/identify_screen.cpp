#include "screens/identify_screen.hpp"

#include <algorithm>
#include <vector>

namespace kiosk::screens {

namespace {

/// The physical guidance configured for the first device of a class ([[devices]] card_chip,
/// guide_arrow; issue 15 item 5). Empty fields: nothing configured.
const DeviceConfig* guidanceFor(const KioskConfig& config, drivers::DeviceClass deviceClass) {
    for (const DeviceConfig& device : config.devices) {
        if (device.deviceClass == drivers::deviceClassName(deviceClass) && (!device.cardChip.empty() || !device.guideArrow.empty())) {
            return &device;
        }
    }
    return nullptr;
}

/// A thick arrow in a `size` square at `topLeft`, pointing "down", "up", "left" or "right".
void drawArrow(ImDrawList* draw, ImVec2 topLeft, float size, std::string_view direction, ImU32 color) {
    // Drawn pointing down in a unit square, then turned into the direction's frame. "up" and
    // "right" mirror the shape, so their points are listed backwards: Dear ImGui fills
    // anti-aliased shapes only in clockwise order.
    const bool mirrored = direction == "up" || direction == "right";
    auto at = [&](float x, float y) {
        float u = x;
        float v = y;
        if (direction == "up") v = 1 - y;
        if (direction == "right") {
            u = y;
            v = x;
        }
        if (direction == "left") {
            u = 1 - y;
            v = x;
        }
        return ImVec2(topLeft.x + u * size, topLeft.y + v * size);
    };
    auto fill = [&](std::vector<ImVec2> points) {
        if (mirrored) std::reverse(points.begin(), points.end());
        draw->AddConvexPolyFilled(points.data(), static_cast<int>(points.size()), color);
    };
    fill({at(0.35F, 0.05F), at(0.65F, 0.05F), at(0.65F, 0.55F), at(0.35F, 0.55F)});  // shaft
    fill({at(0.08F, 0.5F), at(0.92F, 0.5F), at(0.5F, 0.95F)});                      // head
}

}  // namespace

void IdentifyScreen::onEnter(ScreenContext& context) {
    message_ = {};
    resolving_ = false;
    devices_.start(context);
    if (!devices_.anyStarted()) message_ = PatientMessage{"identify.no_devices", true};
}

void IdentifyScreen::onExit(ScreenContext& context) { devices_.stop(context); }

Transition IdentifyScreen::onEvent(ScreenContext& context, const UiEvent& event) {
    if (const auto* pressed = std::get_if<ButtonPressed>(&event)) {
        if (pressed->id == "identify.back") return Transition::to("attract");
        return Transition::none();
    }
    return devices_.handle(context, event, message_, resolving_);
}

void IdentifyScreen::draw(const ScreenContext& context, Ui& ui) const {
    const Layout& layout = ui.layout;
    const Palette& c = ui.theme.colors;
    const float x0 = layout.contentMin.x;
    const float x1 = layout.contentMax.x;
    ui.space(layout.portrait ? 48 : 16);
    ui.centered(context.text.tr("identify.title"), ui.fonts.title(), c.text, x0, x1);
    ui.space(layout.portrait ? 40 : 12);

    struct Hint {
        drivers::DeviceClass deviceClass;
        CardPicture picture;
        const char* key;
        const char* place;  ///< identify.guide.<place>.<arrow>
    };
    static constexpr Hint kHints[] = {
        {drivers::DeviceClass::card_reader, CardPicture::social_security, "identify.hint.card", "card"},
        {drivers::DeviceClass::id_reader, CardPicture::id_card, "identify.hint.idcard", "idcard"},
        {drivers::DeviceClass::scanner, CardPicture::health_qr, "identify.hint.qr", "qr"},
    };
    // The rows shrink to leave room for the waiting line and the back button (landscape with
    // large print has about 700 pixels for all of it).
    const float backTop = layout.contentMax.y - ui.theme.buttonHeight;
    // A message (a refused card or code) needs more than the one waiting line: the rows then
    // give it over half of the room.
    const float oneLine = ui.fonts.bodySize() * 1.25F + 16 + 3 * ui.theme.gap;
    const float statusReserve =
        message_.key.empty() ? oneLine : std::max(oneLine, (backTop - ImGui::GetCursorScreenPos().y) * 0.55F);
    int rows = 0;
    for (const Hint& hint : kHints) rows += devices_.has(hint.deviceClass) ? 1 : 0;
    const float rowPadding = layout.portrait ? 48.0F : 20.0F;
    const float preferredPicture = layout.portrait ? 260.0F : 220.0F;
    const float fittingRow = rows > 0 ? (backTop - ImGui::GetCursorScreenPos().y - statusReserve) / static_cast<float>(rows) : 0;
    const float pictureHeight = std::clamp(fittingRow - rowPadding, 60.0F, preferredPicture * 0.63F);
    const float pictureWidth = pictureHeight / 0.63F;
    // A row is never lower than its hint's text (elder mode's large face on a landscape screen).
    float textHeight = 0;
    const float textRoom = x1 - x0 - pictureWidth - 64 - 24;
    for (const Hint& hint : kHints) textHeight = std::max(textHeight, ui.measure(context.text.tr(hint.key), ui.fonts.body(), textRoom).y);
    const float rowHeight = std::max(pictureHeight + rowPadding, textHeight + 16 + 24);
    for (const Hint& hint : kHints) {
        if (!devices_.has(hint.deviceClass)) continue;
        const ImVec2 row = ImGui::GetCursorScreenPos();
        ImGui::GetWindowDrawList()->AddRectFilled(row, ImVec2(x1, row.y + rowHeight - 16), c.panel, ui.theme.rounding);
        ui.cardPicture(hint.picture, ImVec2(row.x + 24, row.y + (rowHeight - 16 - pictureHeight) / 2),
                       ImVec2(pictureWidth, pictureHeight));
        // Which way the card goes in and where the slot or window is, as the site configured it.
        const DeviceConfig* guide = guidanceFor(context.config, hint.deviceClass);
        std::string text = context.text.tr(hint.key);
        if (guide && !guide->cardChip.empty() && hint.deviceClass == drivers::DeviceClass::card_reader) {
            text = context.text.tr(std::string(hint.key) + ".chip_" + guide->cardChip);
        }
        float textRight = x1 - 24;
        if (guide && !guide->guideArrow.empty()) {
            text += "\n" + context.text.tr("identify.guide." + std::string(hint.place) + "." + guide->guideArrow);
            const float arrow = std::min(pictureHeight, rowHeight - 40);
            const ImVec2 arrowAt(x1 - 24 - arrow, row.y + (rowHeight - 16 - arrow) / 2);
            drawArrow(ImGui::GetWindowDrawList(), arrowAt, arrow, guide->guideArrow, c.primary);
            ui.recordGraphic(arrowAt, ImVec2(arrowAt.x + arrow, arrowAt.y + arrow), "arrow " + guide->guideArrow);
            textRight = arrowAt.x - 24;
        }
        const float textX = row.x + pictureWidth + 64;
        const ImVec2 size = ui.measure(text, ui.fonts.body(), textRight - textX);
        ui.textAt(ImVec2(textX, row.y + (rowHeight - 16 - size.y) / 2), text, ui.fonts.body(), c.text, textRight - textX);
        ImGui::SetCursorScreenPos(ImVec2(x0, row.y + rowHeight));
    }
    if (layout.portrait || message_.key.empty()) ui.space(16);  // landscape: the message needs every pixel
    const float backWidth = (x1 - x0) * 0.4F;
    if (message_.key.empty() && ImGui::GetCursorScreenPos().y + ui.fonts.bodySize() * 1.25F > backTop - ui.theme.gap) {
        // No room above the back button (elder mode, landscape): the waiting line goes beside it.
        ImGui::SetCursorScreenPos(ImVec2(x0, backTop + (ui.theme.buttonHeight - ui.fonts.bodySize() * 1.25F) / 2));
        ui.centered(context.text.tr(resolving_ ? "scan.resolving" : "identify.waiting"), ui.fonts.body(), c.mutedText,
                    x0 + backWidth + ui.theme.gap, x1);
    } else if (message_.key.empty()) {
        ui.centered(context.text.tr(resolving_ ? "scan.resolving" : "identify.waiting"), ui.fonts.body(), c.mutedText, x0, x1);
    } else if (const float room = backTop - ui.theme.gap - ImGui::GetCursorScreenPos().y;
               room < patientMessageHeight(context, ui, message_, x1 - x0, false)) {
        // Not even one language fits above the back button (elder mode, landscape): the message
        // goes beside it, down to the bottom.
        const float besideX = x0 + backWidth + ui.theme.gap;
        ImGui::SetCursorScreenPos(ImVec2(besideX, ImGui::GetCursorScreenPos().y));
        drawPatientMessage(context, ui, message_, x1 - besideX, layout.contentMax.y - ImGui::GetCursorScreenPos().y);
    } else {
        drawPatientMessage(context, ui, message_, 0, room);
    }
    ImGui::SetCursorScreenPos(ImVec2(x0, layout.contentMax.y - ui.theme.buttonHeight));
    ui.button("identify.back", context.text.tr("common.back"), ImVec2(backWidth, ui.theme.buttonHeight),
              ButtonKind::secondary);
}

}  // namespace kiosk::screens
