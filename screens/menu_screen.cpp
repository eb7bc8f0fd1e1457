#include "screens/menu_screen.hpp"

#include <algorithm>
#include <cmath>

#include "kiosk/core/log.hpp"
#include "kiosk/core/mask.hpp"

namespace kiosk::screens {

namespace {
auto logger() { return log::module("menu"); }
}  // namespace

std::vector<const ServiceRow*> menuServices(const ScreenContext& context) {
    return offeredServices(context.config, capabilitiesOf(context.devices, context.services.backendConnected(),
                                                          context.services.paymentsConnected()));
}

void MenuScreen::onEnter(ScreenContext& context) {
    // Why a service the site switched on has no tile (a missing backend or device) is in the log.
    const KioskCapabilities capabilities =
        capabilitiesOf(context.devices, context.services.backendConnected(), context.services.paymentsConnected());
    for (const ServiceRow& row : serviceTable()) {
        const std::string_view why = whyNotOffered(row, context.config, capabilities);
        if (!why.empty() && why != "not offered in this mode" && why != "switched off in [services]") {
            logger()->debug("service {} not offered: {}", row.id, why);
        }
    }
}

Transition MenuScreen::onEvent(ScreenContext& context, const UiEvent& event) {
    const auto* pressed = std::get_if<ButtonPressed>(&event);
    if (!pressed) return Transition::none();
    const ServiceRow* row = serviceForButton(pressed->id);
    if (!row) return Transition::none();
    const auto offered = menuServices(context);
    if (std::find(offered.begin(), offered.end(), row) == offered.end()) return Transition::none();
    return Transition::to(std::string(row->entryScreen));
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

    const std::vector<const ServiceRow*> enabled = menuServices(context);
    if (enabled.empty()) {
        drawPatientMessage(context, ui, PatientMessage{"menu.none", true});
        return;
    }
    // Landscape: two rows at most (three columns, or more where the services are more than six),
    // so that elder mode's two-line labels still fit above the bottom bar.
    const int columns = layout.portrait ? 2 : std::max(3, static_cast<int>((enabled.size() + 1) / 2));
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
    for (const ServiceRow* service : enabled) {
        if (!ui.labelFits(context.text.tr(service->labelKey), ImVec2(width, tileHeight), face)) face = ui.fonts.body();
    }
    // Elder mode's body face may still need two lines in a tile: the tiles grow to hold them.
    float height = tileHeight;
    for (const ServiceRow* service : enabled) {
        while (!ui.labelFits(context.text.tr(service->labelKey), ImVec2(width, height), face) && height < tileHeight * 2) height += 8;
    }
    for (size_t i = 0; i < enabled.size(); ++i) {
        const auto column = static_cast<float>(i % static_cast<size_t>(columns));
        const auto row = static_cast<float>(i / static_cast<size_t>(columns));
        ImGui::SetCursorScreenPos(ImVec2(x0 + column * (width + gap), top + row * (height + gap)));
        ui.button("menu." + std::string(enabled[i]->id), context.text.tr(enabled[i]->labelKey), ImVec2(width, height),
                  ButtonKind::primary, face);
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
