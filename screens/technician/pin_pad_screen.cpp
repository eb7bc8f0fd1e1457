#include "screens/technician/pin_pad_screen.hpp"

#include <fmt/format.h>

#include "kiosk/core/log.hpp"
#include "kiosk/core/technician_access.hpp"
#include "screens/technician/technician_entry.hpp"

namespace kiosk::screens {

namespace {

std::shared_ptr<spdlog::logger> logger() { return log::module("technician"); }

/// Overwrites the entered digits before they are released (the PIN should not linger in memory).
void wipe(std::string& digits) {
    std::fill(digits.begin(), digits.end(), '\0');
    digits.clear();
}

}  // namespace

std::string_view PinPadScreen::id() const { return kPinPadScreen; }

void PinPadScreen::onEnter(ScreenContext& context) {
    wipe(digits_);
    checking_ = false;
    accepted_ = false;
    leaveReason_ = "timed_out";
    message_ = PatientMessage{};
    if (context.technician) {
        if (auto until = context.technician->lockedUntil()) {
            showLocked(context, PinResult{PinOutcome::locked, 0, until});
            context.technician->audit("pin_pad_opened_while_locked");
        }
    }
}

void PinPadScreen::onExit(ScreenContext& context) {
    wipe(digits_);
    if (context.technician && !accepted_) context.technician->endVisit(leaveReason_);
}

void PinPadScreen::showLocked(const ScreenContext& context, const PinResult& result) {
    std::string time = "--:--";
    if (result.lockedUntil) {
        const WallTime wall = context.timeZone.at(*result.lockedUntil);
        time = fmt::format("{:02}:{:02}", wall.hour, wall.minute);
    }
    message_ = PatientMessage{"tech.pin.locked", true, {}, {{"time", time}}};
}

Transition PinPadScreen::onEvent(ScreenContext& context, const UiEvent& event) {
    if (const auto* checked = std::get_if<PinChecked>(&event)) {
        if (!checking_ || !context.technician) return Transition::none();
        checking_ = false;
        const PinResult result = context.technician->record(checked->matched);
        switch (result.outcome) {
            case PinOutcome::accepted:
                accepted_ = true;
                return Transition::to("diagnostics");
            case PinOutcome::refused:
                message_ = PatientMessage{"tech.pin.refused", true, {}, {{"left", std::to_string(result.attemptsLeft)}}};
                return Transition::none();
            case PinOutcome::locked_out:
            case PinOutcome::locked:
                showLocked(context, result);
                return Transition::none();
        }
        return Transition::none();
    }
    const auto* pressed = std::get_if<ButtonPressed>(&event);
    if (!pressed) return Transition::none();
    if (checking_) return Transition::none();  // the answer comes in a moment; nothing else meanwhile
    constexpr std::string_view kKey = "tech.pin.key.";
    if (pressed->id.starts_with(kKey)) {
        if (digits_.size() < TechnicianAccess::kMaxPinDigits) digits_ += pressed->id.substr(kKey.size(), 1);
        if (message_.key == "tech.pin.refused") message_ = PatientMessage{};
        return Transition::none();
    }
    if (pressed->id == "tech.pin.delete") {
        if (!digits_.empty()) digits_.pop_back();
        return Transition::none();
    }
    if (pressed->id == "tech.pin.clear") {
        wipe(digits_);
        return Transition::none();
    }
    if (pressed->id == "tech.pin.back") {
        leaveReason_ = "left";
        return Transition::to("attract");
    }
    if (pressed->id == "tech.pin.ok" && !digits_.empty() && context.technician) {
        if (auto refused = context.technician->refuseIfLocked()) {
            wipe(digits_);
            showLocked(context, *refused);
            return Transition::none();
        }
        checking_ = true;
        message_ = PatientMessage{"tech.pin.checking", false};
        logger()->info("checking a technician PIN");
        context.tasks.post([hash = context.config.diagnostics.pinHash, pin = digits_, post = context.post]() mutable {
            const bool matched = TechnicianAccess::pinMatches(hash, pin);
            std::fill(pin.begin(), pin.end(), '\0');
            post(PinChecked{matched});
        });
        wipe(digits_);
    }
    return Transition::none();
}

void PinPadScreen::draw(const ScreenContext& context, Ui& ui) const {
    const Layout& layout = ui.layout;
    const Palette& c = ui.theme.colors;
    const float x0 = layout.contentMin.x;
    const float x1 = layout.contentMax.x;
    const float gap = ui.theme.gap;
    const bool portrait = layout.portrait;
    // Portrait: title, entry and messages above the pad, back and OK across the bottom.
    // Landscape: title, entry, messages, back and OK on the left; the pad on the right, full height.
    const float padWidth = portrait ? std::min(x1 - x0, 780.0F) : std::min((x1 - x0) * 0.45F, 780.0F);
    const float padX0 = portrait ? x0 + ((x1 - x0) - padWidth) / 2 : x1 - padWidth;
    const float infoX0 = x0;
    const float infoX1 = portrait ? x1 : padX0 - gap * 2;
    const float bottomY = layout.contentMax.y - ui.theme.buttonHeight;

    // The info column, measured first so that it steps down where it is short (landscape large
    // print): the spacing shrinks, then the prompt goes while a message needs its place, then the
    // title takes the body face, then the prompt goes in any case. The message (the technician's language where both do not fit)
    // always stays: it says why the PIN was refused or when the lock ends.
    const float keysTopPortrait = bottomY - gap - 4 * 150.0F - 3 * gap;
    ui.space(portrait ? 40 : 16);
    const float infoTop = ImGui::GetCursorScreenPos().y;
    const float infoBottom = (portrait ? keysTopPortrait : bottomY) - gap;
    const float infoWidth = infoX1 - infoX0;
    const std::string title = context.text.tr("tech.pin.title");
    const std::string prompt = context.text.tr("tech.pin.prompt");
    const float boxHeight = ui.fonts.bodySize() * 2.4F;
    const float messageHeight = message_.key.empty() ? 0.0F : patientMessageHeight(context, ui, message_, infoWidth, false);
    ImFont* titleFace = ui.fonts.title();
    bool showPrompt = true;
    float spacing = portrait ? 24.0F : 16.0F;
    // What the cursor moves: Ui::centered sets lines 1.25 apart, and every item adds the item spacing.
    const float itemSpacing = ImGui::GetStyle().ItemSpacing.y;
    auto centeredHeight = [&](const std::string& text, ImFont* face) {
        return ui.measure(text, face, infoWidth).y * 1.25F + itemSpacing;
    };
    auto columnHeight = [&] {
        return centeredHeight(title, titleFace) + (showPrompt ? 12 + itemSpacing + centeredHeight(prompt, ui.fonts.body()) : 0.0F) +
               spacing + itemSpacing + boxHeight + (messageHeight > 0 ? spacing + messageHeight : 0.0F);
    };
    if (columnHeight() > infoBottom - infoTop) spacing = 8;
    if (columnHeight() > infoBottom - infoTop && messageHeight > 0) showPrompt = false;
    if (columnHeight() > infoBottom - infoTop) titleFace = ui.fonts.body();
    if (columnHeight() > infoBottom - infoTop) showPrompt = false;

    ImGui::SetCursorScreenPos(ImVec2(infoX0, infoTop));
    ui.centered(title, titleFace, c.text, infoX0, infoX1);
    if (showPrompt) {
        ui.space(12);
        ui.centered(prompt, ui.fonts.body(), c.mutedText, infoX0, infoX1);
    }
    ui.space(spacing);
    // The entry: one dot a digit in a box, never the digits.
    const float boxWidth = std::min(infoWidth, 640.0F);
    const float boxX = infoX0 + (infoWidth - boxWidth) / 2;
    const float boxY = ImGui::GetCursorScreenPos().y;
    ImDrawList* draw = ImGui::GetWindowDrawList();
    draw->AddRectFilled(ImVec2(boxX, boxY), ImVec2(boxX + boxWidth, boxY + boxHeight), c.panel, ui.theme.rounding);
    draw->AddRect(ImVec2(boxX, boxY), ImVec2(boxX + boxWidth, boxY + boxHeight), c.primary, ui.theme.rounding, 0, 3.0F);
    const float dot = boxHeight * 0.14F;
    const float step = dot * 3.2F;
    const auto count = static_cast<float>(digits_.size());
    float dotX = boxX + boxWidth / 2 - (count - 1) * step / 2;
    for (size_t i = 0; i < digits_.size(); ++i, dotX += step) draw->AddCircleFilled(ImVec2(dotX, boxY + boxHeight / 2), dot, c.text);
    ui.recordGraphic(ImVec2(boxX, boxY), ImVec2(boxX + boxWidth, boxY + boxHeight), "pin entry");

    // Below the entry, down to the first button under it: the message, then the note for a
    // patient who came here by mistake, left out where it does not fit.
    float y = boxY + boxHeight + spacing;
    ImGui::SetCursorScreenPos(ImVec2(infoX0, y));
    if (!message_.key.empty()) {
        drawPatientMessage(context, ui, message_, infoWidth, infoBottom - y);
        y = ImGui::GetCursorScreenPos().y;
    }
    const std::string note = context.text.tr("tech.pin.patients");
    const float noteHeight = ui.measure(note, ui.fonts.body(), infoWidth).y;
    if (y + 12 + noteHeight <= infoBottom) {
        ImGui::SetCursorScreenPos(ImVec2(infoX0, y + 12));
        ui.centered(note, ui.fonts.body(), c.mutedText, infoX0, infoX1);
        y = ImGui::GetCursorScreenPos().y;
    }

    // The pad: 1–9, then clear / 0 / delete.
    const float keyWidth = (padWidth - 2 * gap) / 3;
    const float keysBottom = portrait ? bottomY - gap : layout.contentMax.y;
    const float keysTop = portrait ? std::max(y + gap, keysTopPortrait) : infoTop;
    const float keyHeight = std::min(portrait ? 150.0F : 200.0F, (keysBottom - keysTop - 3 * gap) / 4);
    const float padY0 = keysBottom - 4 * keyHeight - 3 * gap;
    // The clock's face where a digit fits the key (normal print), else the title's (large print
    // makes the clock's face taller than a key): one face for every digit.
    ImFont* digitFace = ui.labelFits("8", ImVec2(keyWidth, keyHeight), ui.fonts.clock()) ? ui.fonts.clock() : ui.fonts.title();
    const char* labels[12] = {"1", "2", "3", "4", "5", "6", "7", "8", "9", nullptr, "0", nullptr};
    for (int i = 0; i < 12; ++i) {
        const float x = padX0 + static_cast<float>(i % 3) * (keyWidth + gap);
        const float keyY = padY0 + static_cast<float>(i / 3) * (keyHeight + gap);
        ImGui::SetCursorScreenPos(ImVec2(x, keyY));
        if (labels[i]) {
            ui.button(fmt::format("tech.pin.key.{}", labels[i]), labels[i], ImVec2(keyWidth, keyHeight), ButtonKind::secondary,
                      digitFace);
        } else if (i == 9) {
            ui.button("tech.pin.clear", context.text.tr("tech.pin.clear"), ImVec2(keyWidth, keyHeight), ButtonKind::secondary);
        } else {
            ui.button("tech.pin.delete", context.text.tr("tech.pin.delete"), ImVec2(keyWidth, keyHeight), ButtonKind::secondary);
        }
    }
    const float rowX1 = portrait ? x1 : infoX1;
    const float halfWidth = (rowX1 - x0 - gap) / 2;
    ImGui::SetCursorScreenPos(ImVec2(x0, bottomY));
    ui.button("tech.pin.back", context.text.tr("common.back"), ImVec2(halfWidth, ui.theme.buttonHeight), ButtonKind::secondary);
    ImGui::SetCursorScreenPos(ImVec2(x0 + halfWidth + gap, bottomY));
    ui.button("tech.pin.ok", context.text.tr(checking_ ? "tech.pin.checking" : "tech.pin.ok"),
              ImVec2(halfWidth, ui.theme.buttonHeight), ButtonKind::primary);
}

}  // namespace kiosk::screens
