#include "screens/diagnostics_screen.hpp"

#include "kiosk/core/log.hpp"

namespace kiosk::screens {

void DiagnosticsScreen::onEnter(ScreenContext&) { results_.clear(); }

Transition DiagnosticsScreen::onEvent(ScreenContext& context, const UiEvent& event) {
    if (const auto* finished = std::get_if<SelfTestFinished>(&event)) {
        results_[finished->device] =
            finished->result ? "OK: " + *finished->result : "FAIL: " + finished->result.error().describe();
        return Transition::none();
    }
    const auto* pressed = std::get_if<ButtonPressed>(&event);
    if (!pressed) return Transition::none();
    if (pressed->id == "diag.back") return Transition::to("attract");
    constexpr std::string_view kPrefix = "diag.test.";
    if (pressed->id.starts_with(kPrefix)) {
        const std::string name = pressed->id.substr(kPrefix.size());
        drivers::Device* device = context.devices.find(name);
        if (!device) return Transition::none();
        results_[name] = context.text.tr("diag.running");
        log::module("diagnostics")->info("self-test of {} requested", name);
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
    ui.space(24);
    ui.centered(context.text.tr("diag.title"), ui.fonts.title(), c.text, x0, x1);
    ui.centered(context.text.tr("diag.kiosk_id") + ": " + context.config.kioskId, ui.fonts.body(), c.mutedText, x0, x1);
    ui.space(24);
    const float rowHeight = ui.theme.smallButtonHeight + 24;
    for (const auto& device : context.devices.all()) {
        const drivers::DeviceState state = device->state();
        const ImVec2 row = ImGui::GetCursorScreenPos();
        ImGui::GetWindowDrawList()->AddRectFilled(row, ImVec2(x1, row.y + rowHeight * 1.6F), c.panel, ui.theme.rounding);
        const bool healthy = state.status == drivers::DeviceStatus::online;
        ui.textAt(ImVec2(row.x + 24, row.y + 16),
                  device->name() + " · " + std::string(drivers::deviceClassName(device->deviceClass())) + " · " +
                      device->driverName(),
                  ui.fonts.body(), c.text);
        const std::string status = context.text.tr("status." + std::string(drivers::deviceStatusName(state.status))) +
                                   (state.detail.empty() ? "" : " (" + state.detail + ")");
        ui.textAt(ImVec2(row.x + 24, row.y + 16 + ui.fonts.bodySize() * 1.3F), status, ui.fonts.body(),
                  healthy ? c.success : c.alert);
        if (auto it = results_.find(device->name()); it != results_.end()) {
            ui.textAt(ImVec2(row.x + 24, row.y + 16 + ui.fonts.bodySize() * 2.6F), it->second, ui.fonts.body(),
                      c.mutedText, x1 - row.x - 48);
        }
        ImGui::SetCursorScreenPos(ImVec2(x1 - 260, row.y + 16));
        ui.button("diag.test." + device->name(), context.text.tr("diag.self_test"), ImVec2(236, ui.theme.smallButtonHeight),
                  ButtonKind::secondary);
        ImGui::SetCursorScreenPos(ImVec2(x0, row.y + rowHeight * 1.6F + 16));
    }
    ImGui::SetCursorScreenPos(ImVec2(x0, layout.contentMax.y - ui.theme.buttonHeight));
    ui.button("diag.back", context.text.tr("common.back"), ImVec2((x1 - x0) * 0.4F, ui.theme.buttonHeight),
              ButtonKind::secondary);
}

}  // namespace kiosk::screens
