#include "screens/sim_panel_lockers.hpp"

#include <imgui.h>

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "drivers/locker/lockboard/lockboard_driver.hpp"
#include "kiosk/core/log.hpp"

namespace kiosk::screens {

namespace {
auto logger() { return log::module("simulator"); }
}  // namespace

std::unique_ptr<SimPanelLockers> SimPanelLockers::make(const KioskConfig& config, const drivers::DeviceRegistry& devices) {
    if (config.mode != KioskMode::pharmacy || config.simulator.lockBoardControl.empty()) return nullptr;
    for (const auto& device : devices.all()) {
        const auto* board = dynamic_cast<const drivers::locker::LockBoardDriver*>(device.get());
        if (!board || board->lockerCount() < 1) continue;
        std::unique_ptr<SimPanelLockers> panel(
            new SimPanelLockers(device->name(), board->lockerCount(), drivers::sim::LockBoardControl(config.simulator.lockBoardControl)));
        if (auto state = panel->control_.state(); state) {
            panel->jammed_ = state->jammed;
        } else {
            panel->problem_ = state.error().detail;
            logger()->warn("lock board control: {}", state.error().describe());
        }
        return panel;
    }
    logger()->warn("[simulator] lock_board_control is set but no lock board is configured: no locker controls on the panel");
    return nullptr;
}

SimPanelLockers::SimPanelLockers(std::string device, int lockerCount, drivers::sim::LockBoardControl control)
    : device_(std::move(device)), lockerCount_(lockerCount), control_(std::move(control)) {}

void SimPanelLockers::draw(const Translator& text, std::vector<UiEvent>& events) {
    // One row (the panel is already taller than a landscape screen with every device on it):
    // the heading, the locker to act on (a number box with - / +, kept within the bank), the two
    // buttons and the doors jammed now; what does not fit flows onto the next line.
    ImGui::PushID("sim-lockers");
    auto sameLineIfFits = [](float width) {
        if (ImGui::GetItemRectMax().x + ImGui::GetStyle().ItemSpacing.x + width <
            ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x) {
            ImGui::SameLine();
        }
    };
    auto buttonWidth = [](const std::string& label) {
        return ImGui::CalcTextSize(label.c_str(), nullptr, true).x + ImGui::GetStyle().FramePadding.x * 2;
    };
    ImGui::AlignTextToFramePadding();
    ImGui::TextUnformatted(text.tr("sim.lockers").c_str());
    const std::string numberLabel = text.tr("sim.locker_number");
    const float inputWidth = ImGui::CalcTextSize("0000").x + ImGui::GetFrameHeight() * 2 +
                             ImGui::GetStyle().ItemInnerSpacing.x * 2 + ImGui::GetStyle().FramePadding.x * 2;
    sameLineIfFits(inputWidth + ImGui::GetStyle().ItemInnerSpacing.x + ImGui::CalcTextSize(numberLabel.c_str()).x);
    ImGui::SetNextItemWidth(inputWidth);
    // The panel's white text needs a dark box (the patient theme's fields are light).
    ImGui::PushStyleColor(ImGuiCol_FrameBg, IM_COL32(0x40, 0x48, 0x58, 0xFF));
    ImGui::InputInt(numberLabel.c_str(), &chosen_);
    ImGui::PopStyleColor();
    chosen_ = std::clamp(chosen_, 1, lockerCount_);
    const std::string number = std::to_string(chosen_);
    const bool isJammed = std::find(jammed_.begin(), jammed_.end(), chosen_) != jammed_.end();
    const std::string jamLabel = text.tr("sim.jam_locker", {{"locker", number}});
    sameLineIfFits(buttonWidth(jamLabel));
    ImGui::BeginDisabled(isJammed);
    if (ImGui::Button(jamLabel.c_str())) events.push_back(SimulatorAction{device_, "jam", number});
    ImGui::EndDisabled();
    const std::string freeLabel = text.tr("sim.free_locker", {{"locker", number}});
    sameLineIfFits(buttonWidth(freeLabel));
    ImGui::BeginDisabled(!isJammed);
    if (ImGui::Button(freeLabel.c_str())) events.push_back(SimulatorAction{device_, "unjam", number});
    ImGui::EndDisabled();
    std::string list;
    for (int locker : jammed_) list += (list.empty() ? "" : ", ") + std::to_string(locker);
    const std::string status = jammed_.empty() ? text.tr("sim.none_jammed") : text.tr("sim.jammed_now", {{"lockers", list}});
    sameLineIfFits(ImGui::CalcTextSize(status.c_str()).x);
    ImGui::TextUnformatted(status.c_str());
    if (!problem_.empty()) {
        // For the presenter and the technician (the log's words): the board's process is gone
        // or refused the request.
        ImGui::PushStyleColor(ImGuiCol_Text, IM_COL32(0xFF, 0xA0, 0x80, 0xFF));
        ImGui::TextWrapped("%s", problem_.c_str());
        ImGui::PopStyleColor();
    }
    ImGui::PopID();
}

Result<void> SimPanelLockers::act(std::string_view action, std::string_view argument) {
    if (action != "jam" && action != "unjam") {
        return fail(Errc::unsupported, fmt::format("the locker board's panel controls are jam and unjam, not \"{}\"", action));
    }
    auto state = control_.send(action, argument);
    if (!state) {
        problem_ = state.error().detail;
        return std::unexpected(state.error());
    }
    problem_.clear();
    jammed_ = state->jammed;
    logger()->info("lock board: {} locker {}; jammed now: {}", action, argument, fmt::join(jammed_, ", "));
    return {};
}

}  // namespace kiosk::screens
