#include "screens/menu_screen.hpp"

#include <algorithm>
#include <cmath>

#include "kiosk/core/mask.hpp"

namespace kiosk::screens {

std::vector<ServiceEntry> menuServices(const KioskConfig& config) {
    const ServicesConfig& s = config.services;
    if (config.mode == KioskMode::pharmacy) return {{"menu.pickup", s.pickup}};
    return {{"menu.booking", s.booking}, {"menu.check_in", s.checkIn}, {"menu.triage", s.triage},
            {"menu.payment", s.payment}, {"menu.reports", s.reports}};
}

Transition MenuScreen::onEvent(ScreenContext& context, const UiEvent& event) {
    const auto* pressed = std::get_if<ButtonPressed>(&event);
    if (!pressed) return Transition::none();
    for (const ServiceEntry& service : menuServices(context.config)) {
        if (!service.enabled || pressed->id != service.id) continue;
        // Services whose workflow is connected; the others say so plainly.
        if (service.id == "menu.payment") return Transition::to("pay.charges");
        return Transition::to("service_unavailable");
    }
    return Transition::none();
}

void MenuScreen::draw(const ScreenContext& context, Ui& ui) const {
    const Layout& layout = ui.layout;
    const Palette& c = ui.theme.colors;
    const float x0 = layout.contentMin.x;
    const float x1 = layout.contentMax.x;
    ui.space(layout.portrait ? 40 : 12);
    const std::string name = maskPersonalData(context.session.identity().name, PersonalField::name);
    ui.centered(context.text.tr("menu.greeting", {{"name", name}}), ui.fonts.title(), c.text, x0, x1);
    // Elder mode on a landscape screen needs the room for the tiles; the greeting and the tiles
    // say it.
    if (layout.portrait || !ui.theme.elder) ui.centered(context.text.tr("menu.title"), ui.fonts.body(), c.mutedText, x0, x1);
    ui.space(layout.portrait ? 48 : 16);

    std::vector<ServiceEntry> enabled;
    for (const ServiceEntry& service : menuServices(context.config)) {
        if (service.enabled) enabled.push_back(service);
    }
    if (enabled.empty()) {
        drawPatientMessage(context, ui, PatientMessage{"menu.none", true});
        return;
    }
    const int columns = layout.portrait ? 2 : 3;
    const float gap = ui.theme.gap;
    const float width = (x1 - x0 - gap * static_cast<float>(columns - 1)) / static_cast<float>(columns);
    const float top = ImGui::GetCursorScreenPos().y;
    // The services' tiles shrink to fit above the bottom bar (landscape with large print has
    // room for two rows of 1.6 button heights only barely), never below one touch target.
    const float rows = std::ceil(static_cast<float>(enabled.size()) / static_cast<float>(columns));
    const float fitting = (layout.contentMax.y - top - gap * (rows - 1)) / rows;
    const float tileHeight = std::max(ui.theme.buttonHeight, std::min(ui.theme.buttonHeight * (layout.portrait ? 2.0F : 1.6F), fitting));
    // One face for every tile: the title face where every label fits it, else the body face for
    // all (one label shrunk among large ones reads as less important).
    ImFont* face = ui.fonts.title();
    for (const ServiceEntry& service : enabled) {
        if (!ui.labelFits(context.text.tr(service.id), ImVec2(width, tileHeight), face)) face = ui.fonts.body();
    }
    // Elder mode's body face may still need two lines in a tile: the tiles grow to hold them.
    float height = tileHeight;
    for (const ServiceEntry& service : enabled) {
        while (!ui.labelFits(context.text.tr(service.id), ImVec2(width, height), face) && height < tileHeight * 2) height += 8;
    }
    for (size_t i = 0; i < enabled.size(); ++i) {
        const auto column = static_cast<float>(i % static_cast<size_t>(columns));
        const auto row = static_cast<float>(i / static_cast<size_t>(columns));
        ImGui::SetCursorScreenPos(ImVec2(x0 + column * (width + gap), top + row * (height + gap)));
        ui.button(enabled[i].id, context.text.tr(enabled[i].id), ImVec2(width, height), ButtonKind::primary, face);
    }
}

Transition ServiceUnavailableScreen::onEvent(ScreenContext&, const UiEvent& event) {
    const auto* pressed = std::get_if<ButtonPressed>(&event);
    if (pressed && pressed->id == "service.back") return Transition::to("menu");
    return Transition::none();
}

void ServiceUnavailableScreen::draw(const ScreenContext& context, Ui& ui) const {
    const Layout& layout = ui.layout;
    const float x0 = layout.contentMin.x;
    const float x1 = layout.contentMax.x;
    ui.space(layout.portrait ? 80 : 24);
    ui.centered(context.text.tr("service.unavailable.title"), ui.fonts.title(), ui.theme.colors.text, x0, x1);
    ui.space(32);
    // Above the back button: where both languages do not fit (elder mode, landscape), the
    // patient's own stays.
    const float backTop = layout.contentMax.y - ui.theme.buttonHeight;
    drawPatientMessage(context, ui, PatientMessage{"service.unavailable.body", false}, 0,
                       backTop - ui.theme.gap - ImGui::GetCursorScreenPos().y);
    ImGui::SetCursorScreenPos(ImVec2(x0, layout.contentMax.y - ui.theme.buttonHeight));
    ui.button("service.back", context.text.tr("common.back"), ImVec2((x1 - x0) * 0.4F, ui.theme.buttonHeight),
              ButtonKind::secondary);
}

}  // namespace kiosk::screens
