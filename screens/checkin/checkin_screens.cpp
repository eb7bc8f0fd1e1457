#include "screens/checkin/checkin_screens.hpp"
#include "screens/service_screen_kit.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "kiosk/core/log.hpp"
#include "kiosk/core/mask.hpp"
#include "printing/bitmap.hpp"
#include "printing/templates.hpp"
#include "screens/checkin/checkin_flow.hpp"
#include "screens/payment/payment_screens.hpp"

namespace kiosk::screens {

namespace {

auto logger() { return log::module("checkin"); }

/// The patient sees at most this many choices on a page (the kiosk's rule for every list).
constexpr size_t kChoicesPerPage = 6;

const ButtonPressed* pressedButton(const UiEvent& event) { return std::get_if<ButtonPressed>(&event); }


std::string departmentOf(const ScreenContext& context, const CheckInAppointment& a) {
    if (context.text.language() != "zh_CN" && !a.departmentEn.empty()) return a.departmentEn;
    return a.department;
}

/// The message for an error that stopped the flow.
PatientMessage stoppedMessage(const Error& error) {
    switch (error.code) {
        case Errc::not_found: return {"checkin.error.not_found", true};
        case Errc::rejected: return {"checkin.error.wrong_state", true};
        default: return {"checkin.error.unavailable", true};
    }
}


/// "N ahead, about M minutes".
std::string aheadLine(const Translator& text, const backend::QueueStatus& queue) {
    return text.tr("checkin.ahead_wait", {{"count", std::to_string(queue.waitingAhead)}, {"minutes", std::to_string(queue.estimatedWaitMinutes)}});
}

}  // namespace

std::string queueUrlTemplate(const KioskConfig& config) {
    if (!config.document) return {};
    return (*config.document)["services"]["queue_url"].value_or(std::string());
}

std::string queueLink(const KioskConfig& config, const std::string& appointmentCode) {
    std::string url = queueUrlTemplate(config);
    const std::string placeholder = "{appointment_code}";
    const auto at = url.find(placeholder);
    if (url.empty() || appointmentCode.empty() || at == std::string::npos) return {};
    url.replace(at, placeholder.size(), appointmentCode);
    return url;
}

// ---------------------------------------------------------------- checkin

void CheckInScreen::onEnter(ScreenContext& context) {
    print_ = PrintState::none;
    printDocument_.clear();
    CheckInFlow& flow = context.services.checkIn();
    const CheckInView view = flow.view();
    // Back from "my queue": the same answer; from the menu: look up today's appointments.
    if (view.stage == CheckInStage::result && printedFor_ == view.generation + 1) {
        print_ = PrintState::printed;
        return;
    }
    // A scanned appointment code was checked in on the identify screen: its answer is here.
    if (view.byCode && view.codeFound && !view.working()) {
        if (view.stage == CheckInStage::result && view.result && view.result->ok()) printTicket(context);
        return;
    }
    const WallTime now = context.timeZone.at(context.clock.wallNow());
    const std::string today = fmt::format("{:04}-{:02}-{:02}", now.year, now.month, now.day);
    flow.start(context.session.identity(), today);
}

Transition CheckInScreen::onEvent(ScreenContext& context, const UiEvent& event) {
    CheckInFlow& flow = context.services.checkIn();
    if (const auto* pressed = pressedButton(event)) {
        if (pressed->id == "checkin.menu" && !flow.working()) return Transition::to("menu");
        if (pressed->id == "checkin.done" && !flow.working()) {
            // A session opened by a scanned code has nobody to offer the menu to: it ends here.
            Transition done;
            done.endSession = SessionEndReason::completed;
            return done;
        }
        if (pressed->id == "checkin.my_queue" && !flow.working()) return Transition::to("checkin.queue");
        if (pressed->id.starts_with("checkin.pick.")) {
            const size_t index = std::stoul(pressed->id.substr(13));
            const CheckInView view = flow.view();
            if (view.stage == CheckInStage::choose && index < view.today.size()) flow.checkIn(view.today[index].appointment.id);
        }
        return Transition::none();
    }
    if (std::holds_alternative<CheckInProgress>(event)) {
        const CheckInView view = flow.view();
        if (view.stage == CheckInStage::result && view.result && view.result->ok() && printedFor_ != view.generation + 1) {
            printTicket(context);
        }
        return Transition::none();
    }
    if (const auto* printed = std::get_if<PrintFinished>(&event)) {
        if (printed->document != printDocument_) return Transition::none();
        print_ = printed->outcome ? PrintState::printed : PrintState::failed;
        if (!printed->outcome) logger()->warn("{} not printed: {}", printed->document, printed->outcome.error().describe());
    }
    return Transition::none();
}

void CheckInScreen::printTicket(ScreenContext& context) {
    const CheckInView view = context.services.checkIn().view();
    printedFor_ = view.generation + 1;
    const backend::Appointment& a = view.result->appointment;
    const bool reprint = view.result->outcome == backend::CheckInOutcome::already_checked_in;
    printing::CheckInTicketData data;
    data.header = printing::slipHeader(context.config, context.text.language(), context.clock.wallNow(), a.id);
    data.patientName = context.session.identity().name;
    data.department = departmentOf(context, view.chosen);
    data.queueNumber = a.queueNumber ? std::to_string(*a.queueNumber) : (view.queue ? std::to_string(view.queue->queueNumber) : "");
    if (view.queue) {
        data.room = view.queue->room;
        data.doctor = view.queue->doctorName;
        data.ahead = view.queue->waitingAhead;
        data.waitMinutes = view.queue->estimatedWaitMinutes;
    }
    data.late = view.result->late;
    data.qrData = queueLink(context.config, a.appointmentCode);
    // A ticket printed again for a patient already checked in is a reprint (its own tag in the
    // print log), so the help desk can tell lost tickets from first check-ins.
    printDocument_ = (reprint ? "checkin-reprint:" : "checkin:") + a.id;
    logger()->info("{} ticket for Appointment/{} number {}", reprint ? "reprinting the" : "printing the", a.id, data.queueNumber);
    print_ = PrintState::printing;
    printOnReceiptPrinter(context, printDocument_, printing::checkInTicket(context.text, data));
}

void CheckInScreen::draw(const ScreenContext& context, Ui& ui) const {
    const Layout& l = ui.layout;
    const Palette& c = ui.theme.colors;
    const CheckInView view = context.services.checkIn().view();
    const float x0 = l.contentMin.x;
    const float x1 = l.contentMax.x;
    // A session opened by a scanned appointment code identified nobody: "done" instead of the menu.
    const RowButton leave = view.byCode ? RowButton{"checkin.done", context.text.tr("checkin.done"), ButtonKind::primary}
                                        : RowButton{"checkin.menu", context.text.tr("checkin.menu"), ButtonKind::primary};
    const std::vector<RowButton> menuOnly{leave};
    const float menuTop = bottomButtonRowTop(ui, menuOnly, x0, x1) - ui.theme.gap;
    auto roomAbove = [&](float top) { return top - ImGui::GetCursorScreenPos().y; };

    switch (view.stage) {
        case CheckInStage::idle:
        case CheckInStage::loading:
        case CheckInStage::checking:
            serviceTitle(context, ui, "checkin.title");
            drawPatientMessage(context, ui, PatientMessage{view.stage == CheckInStage::checking ? "checkin.checking" : "checkin.loading", false});
            return;
        case CheckInStage::stopped:
            serviceTitle(context, ui, "checkin.title");
            if (view.error) drawPatientMessage(context, ui, stoppedMessage(*view.error), 0, roomAbove(menuTop));
            bottomButtonRow(ui, menuOnly);
            return;
        case CheckInStage::none_today:
            serviceTitle(context, ui, "checkin.title");
            drawPatientMessage(context, ui, PatientMessage{"checkin.none_today", false}, 0, roomAbove(menuTop));
            bottomButtonRow(ui, menuOnly);
            return;
        case CheckInStage::choose: {
            serviceTitle(context, ui, "checkin.title");
            ui.paragraph(context.text.tr("checkin.choose"), ui.fonts.body(), c.text);
            ui.space(ui.theme.gap);
            const size_t shown = std::min(view.today.size(), kChoicesPerPage);
            // Landscape: two columns so six choices fit above the menu button.
            const size_t columns = l.portrait ? 1 : 2;
            const float width = (x1 - x0 - ui.theme.gap * static_cast<float>(columns - 1)) / static_cast<float>(columns);
            const float top = ImGui::GetCursorScreenPos().y;
            for (size_t i = 0; i < shown; ++i) {
                const auto& a = view.today[i];
                const float bx = x0 + static_cast<float>(i % columns) * (width + ui.theme.gap);
                const float by = top + static_cast<float>(i / columns) * (ui.theme.buttonHeight + ui.theme.gap);
                ImGui::SetCursorScreenPos(ImVec2(bx, by));
                ui.button("checkin.pick." + std::to_string(i),
                          context.text.tr("checkin.choice", {{"time", clockOf(a.appointment.start)}, {"department", departmentOf(context, a)}}),
                          ImVec2(width, ui.theme.buttonHeight), ButtonKind::secondary);
            }
            bottomButtonRow(ui, menuOnly);
            return;
        }
        case CheckInStage::result: break;
    }

    const backend::CheckInResult& result = *view.result;
    if (!result.ok()) {
        // Why not, in plain words: when it opens, the hospital's late policy, the day.
        std::string titleKey;
        PatientMessage message;
        switch (result.outcome) {
            case backend::CheckInOutcome::too_early:
                titleKey = "checkin.too_early_title";
                message = PatientMessage{"checkin.too_early", true, {},
                                         {{"time", clockOf(result.appointment.start.empty() ? view.chosen.appointment.start : result.appointment.start)},
                                          {"opens", clockOf(result.opensAt)}}};
                break;
            case backend::CheckInOutcome::too_late:
                titleKey = "checkin.too_late_title";
                message = PatientMessage{"checkin.too_late_rebook", true, {}, {{"closed", clockOf(result.closedAt)}}};
                break;
            default:
                titleKey = "checkin.another_day_title";
                message = PatientMessage{"checkin.another_day", true, {}, {{"date", result.date}}};
                break;
        }
        serviceTitle(context, ui, titleKey, c.alert);
        drawPatientMessage(context, ui, message, 0, roomAbove(menuTop));
        bottomButtonRow(ui, menuOnly);
        return;
    }

    // The ticket.
    const std::vector<RowButton> buttons{{leave.id, leave.label, ButtonKind::secondary},
                                         {"checkin.my_queue", context.text.tr("checkin.my_queue"), ButtonKind::primary}};
    const float buttonsTop = bottomButtonRowTop(ui, buttons, x0, x1) - ui.theme.gap;
    serviceTitle(context, ui, result.outcome == backend::CheckInOutcome::already_checked_in ? "checkin.again_title" : "checkin.done_title",
          c.success);
    const std::string link = queueLink(context.config, result.appointment.appointmentCode);
    if (link != qr_.text && !qr_.update(link) && !link.empty()) {
        logger()->error("queue link of Appointment/{}: QR could not be drawn", result.appointment.id);
    }
    // Portrait: one column. Landscape: the details left, the number and the QR right.
    const float split = l.portrait ? x1 : x0 + l.contentWidth() * 0.55F;
    const float sideX0 = l.portrait ? x0 : split + ui.theme.gap;
    const float top = ImGui::GetCursorScreenPos().y;
    ImFont* body = ui.fonts.body();
    const std::string number = result.appointment.queueNumber ? std::to_string(*result.appointment.queueNumber)
                               : view.queue                   ? std::to_string(view.queue->queueNumber)
                                                              : "-";
    // The details; landscape pairs them two to a line (large print leaves room for four lines).
    std::vector<std::string> details;
    // No name after a scanned appointment code (nobody was identified): no patient line.
    if (!context.session.identity().name.empty()) {
        details.push_back(context.text.tr("checkin.patient", {{"name", maskPersonalData(context.session.identity().name, PersonalField::name)}}));
    }
    if (!departmentOf(context, view.chosen).empty()) {
        details.push_back(context.text.tr("checkin.department", {{"department", departmentOf(context, view.chosen)}}));
    }
    if (view.queue && !view.queue->doctorName.empty()) details.push_back(context.text.tr("checkin.doctor", {{"doctor", view.queue->doctorName}}));
    if (view.queue && !view.queue->room.empty()) details.push_back(context.text.tr("checkin.room", {{"room", view.queue->room}}));
    const std::string printLine = print_ == PrintState::printing  ? context.text.tr("checkin.print.printing")
                                  : print_ == PrintState::printed ? context.text.tr("checkin.print.take")
                                  : print_ == PrintState::failed  ? context.text.tr("checkin.print.failed")
                                                                  : std::string();
    struct TicketLine {
        std::string text;
        ImFont* font;
        ImU32 color;
        bool tight;  ///< no gap after it (the "queue number" label sits on its number)
    };
    // The main column, top to bottom. Portrait puts the number and the queue line in it; landscape
    // puts them beside, on the right. The print note stays under the details in both (landscape
    // large print: the number's column is full).
    std::vector<TicketLine> column;
    if (l.portrait) {
        column.push_back({context.text.tr("checkin.number"), body, c.mutedText, true});
        column.push_back({number, ui.fonts.clock(), c.primary, false});
    }
    const size_t perLine = l.portrait ? 1 : 2;
    for (size_t i = 0; i < details.size(); i += perLine) {
        std::string joined = details[i];
        if (perLine == 2 && i + 1 < details.size()) joined += "    " + details[i + 1];
        column.push_back({joined, body, c.text, false});
    }
    const size_t aheadIndex = column.size();
    float after = l.portrait ? 14.0F : 6.0F;
    const float columnRoom = buttonsTop - top;
    // Landscape: the queue line goes beside the number, or under the details where the number's
    // column has no room for it (elder mode, English: it takes two lines there).
    // When the queue line goes left, the print note (one line) takes its place on the right.
    bool aheadBeside = false;
    bool printBeside = false;
    bool numberLabelShown = true;
    const float sideWidth = x1 - sideX0;
    // The number's column with these lines under the number fits down to the buttons' top itself
    // (it has no line under it to keep apart).
    auto fitsBeside = [&](std::initializer_list<const std::string*> texts) {
        float height = (numberLabelShown ? ui.measure(context.text.tr("checkin.number"), body, sideWidth).y : 0) +
                       ui.measure(number, ui.fonts.clock(), sideWidth).y;
        for (const std::string* text : texts) height += after + ui.measure(*text, body, sideWidth).y;
        return height <= columnRoom + ui.theme.gap;
    };
    const std::string ahead = view.queue ? aheadLine(context.text, *view.queue) : std::string();
    if (!l.portrait) {
        aheadBeside = view.queue && fitsBeside({&ahead});
        printBeside = view.queue && !aheadBeside && !printLine.empty() && fitsBeside({&printLine});
    }
    if (view.queue) {
        if (l.portrait) column.push_back({aheadLine(context.text, *view.queue), ui.fonts.title(), c.text, false});
        else if (!aheadBeside) column.push_back({aheadLine(context.text, *view.queue), body, c.text, false});
    } else {
        column.push_back({context.text.tr("checkin.queue_unknown"), body, c.alert, false});
    }
    if (result.late) column.push_back({context.text.tr("checkin.late_queue"), body, c.alert, false});
    const ImU32 printColor = print_ == PrintState::failed ? c.alert : c.mutedText;
    if (!printLine.empty() && !printBeside) column.push_back({printLine, body, printColor, false});
    // What does not fit above the buttons (large print, longer English lines) gives way in steps:
    // the queue line to the body face, then the gaps between lines; nothing is left out.
    auto columnHeight = [&] {
        float height = 0;
        for (const TicketLine& entry : column) height += ui.measure(entry.text, entry.font, split - x0).y + (entry.tight ? 0 : after);
        return height;
    };
    if (columnHeight() > columnRoom && aheadIndex < column.size() && column[aheadIndex].font == ui.fonts.title()) column[aheadIndex].font = body;
    if (columnHeight() > columnRoom) after = 4.0F;
    // Landscape, still too tall (elder mode, English: the paired details wrap): the print note
    // goes under the queue line beside the number, which gives up its "queue number" label
    // first if it must (the queue line under it says what the number is).
    if (!l.portrait && aheadBeside && !printBeside && !printLine.empty() && columnHeight() > columnRoom) {
        if (!fitsBeside({&ahead, &printLine})) numberLabelShown = false;
        if (fitsBeside({&ahead, &printLine})) {
            printBeside = true;
            column.pop_back();  // the print note was the column's last line
        } else {
            numberLabelShown = true;
        }
    }
    for (const TicketLine& entry : column) centeredLine(ui, entry.text, entry.font, entry.color, x0, split, entry.tight ? 0 : after);
    auto drawNumber = [&](float nx0, float nx1) {
        if (numberLabelShown) centeredLine(ui, context.text.tr("checkin.number"), body, c.mutedText, nx0, nx1, 0);
        centeredLine(ui, number, ui.fonts.clock(), c.primary, nx0, nx1, after);
    };
    float qrTop = ImGui::GetCursorScreenPos().y;
    if (!l.portrait) {
        ImGui::SetCursorScreenPos(ImVec2(sideX0, top));
        drawNumber(sideX0, x1);
        if (aheadBeside) centeredLine(ui, ahead, body, c.text, sideX0, x1, after);
        if (printBeside) centeredLine(ui, printLine, body, printColor, sideX0, x1, after);
        qrTop = ImGui::GetCursorScreenPos().y;
    }
    if (qr_.size > 0) {
        // As large as the room above the buttons allows, never under what a phone reads at arm's
        // length (payment_screens: minimumQrModulePixels); no room → the printed ticket has it.
        const float caption = ui.measure(context.text.tr("checkin.scan_follow"), body, x1 - sideX0).y + after;
        const float room = buttonsTop - qrTop - caption;
        const float minimum = qr_.sideAt(static_cast<float>(minimumQrModulePixels(context.config.ui.pixelPitchMm)));
        const float side = std::min({room, x1 - sideX0, 360.0F});
        if (side >= minimum) {
            qr_.draw(ui, ImVec2(sideX0 + (x1 - sideX0 - side) / 2, qrTop), side, "queue QR");
            ImGui::SetCursorScreenPos(ImVec2(sideX0, qrTop + side + after));
            centeredLine(ui, context.text.tr("checkin.scan_follow"), body, c.mutedText, sideX0, x1, after);
        }
    }
    bottomButtonRow(ui, buttons);
}

// ---------------------------------------------------------------- checkin.queue

void CheckInQueueScreen::onEnter(ScreenContext& context) { context.services.checkIn().watchQueue(); }

void CheckInQueueScreen::onExit(ScreenContext& context) { context.services.checkIn().stopWatching(); }

Transition CheckInQueueScreen::onEvent(ScreenContext& context, const UiEvent& event) {
    if (const auto* pressed = pressedButton(event)) {
        if (pressed->id == "checkin.back") return Transition::to("checkin");
        if (pressed->id == "checkin.menu") return Transition::to("menu");
        if (pressed->id == "checkin.queue.remind") context.services.checkIn().requestReminder();
    }
    return Transition::none();
}

void CheckInQueueScreen::draw(const ScreenContext& context, Ui& ui) const {
    const Layout& l = ui.layout;
    const Palette& c = ui.theme.colors;
    const float x0 = l.contentMin.x;
    const float x1 = l.contentMax.x;
    const CheckInView view = context.services.checkIn().view();
    std::vector<RowButton> buttons{{"checkin.back", context.text.tr("checkin.back"), ButtonKind::secondary},
                                   {"checkin.menu", context.text.tr("checkin.menu"), ButtonKind::secondary}};
    if (view.queue && !view.queue->called && view.reminder == ReminderState::none) {
        buttons.push_back({"checkin.queue.remind", context.text.tr("checkin.queue.remind"), ButtonKind::primary});
    }
    // Portrait: one column, the buttons across the bottom. Landscape (about 670 pixels under the
    // title in large print): the queue on the left down to the bottom, the refresh note, the
    // reminder's answer and the buttons on the right.
    const float split = l.portrait ? x1 : x0 + l.contentWidth() * 0.5F;
    const float sideX0 = l.portrait ? x0 : split + ui.theme.gap;
    const float buttonsTop = bottomButtonRowTop(ui, buttons, sideX0, x1) - ui.theme.gap;
    serviceTitle(context, ui, "checkin.queue.title");
    const float after = l.portrait ? 16.0F : 6.0F;
    ImFont* body = ui.fonts.body();
    if (!view.queue) {
        drawPatientMessage(context, ui,
                           PatientMessage{view.queueError ? stoppedMessage(*view.queueError).key : "checkin.queue.loading", view.queueError.has_value()},
                           0, buttonsTop - ImGui::GetCursorScreenPos().y);
        bottomButtonRow(ui, buttons, sideX0, x1);
        return;
    }
    const backend::QueueStatus& q = *view.queue;
    const float top = ImGui::GetCursorScreenPos().y;
    centeredLine(ui, context.text.tr("checkin.number"), body, c.mutedText, x0, split, 0);
    centeredLine(ui, std::to_string(q.queueNumber), ui.fonts.clock(), c.primary, x0, split, after);
    if (q.called) {
        centeredLine(ui, context.text.tr("checkin.queue.called"), ui.fonts.title(), c.success, x0, split, after);
    } else {
        // Landscape large print: the title face would push the doctor's line under the bottom bar.
        centeredLine(ui, aheadLine(context.text, q), l.portrait ? ui.fonts.title() : body, c.text, x0, split, after);
    }
    if (!q.room.empty()) centeredLine(ui, context.text.tr("checkin.room", {{"room", q.room}}), body, c.text, x0, split, after);
    if (!q.doctorName.empty()) centeredLine(ui, context.text.tr("checkin.doctor", {{"doctor", q.doctorName}}), body, c.text, x0, split, after);
    if (!l.portrait) ImGui::SetCursorScreenPos(ImVec2(sideX0, top));
    ImGui::SetCursorScreenPos(ImVec2(sideX0, ImGui::GetCursorScreenPos().y));
    const float messageWidth = l.portrait ? 0.0F : x1 - sideX0;
    // The reminder's answer first (the patient just asked), then the refresh note where it still
    // fits above the buttons (elder mode leaves little room beside or under the queue).
    switch (view.reminder) {
        case ReminderState::sending:
            drawPatientMessage(context, ui, PatientMessage{"checkin.queue.reminder_sending", false}, messageWidth, buttonsTop - ImGui::GetCursorScreenPos().y);
            break;
        case ReminderState::set:
            drawPatientMessage(context, ui, PatientMessage{"checkin.queue.reminder_set", false}, messageWidth, buttonsTop - ImGui::GetCursorScreenPos().y);
            break;
        case ReminderState::failed:
            drawPatientMessage(context, ui, PatientMessage{view.reminderErrorKey, true}, messageWidth, buttonsTop - ImGui::GetCursorScreenPos().y);
            break;
        case ReminderState::none: break;
    }
    const std::string refresh = context.text.tr(view.queueError ? "checkin.queue.stale" : "checkin.queue.refresh");
    // A stale queue is always said (the numbers above may be old); the refresh note only where it fits.
    if (view.queueError || ImGui::GetCursorScreenPos().y + ui.measure(refresh, body, x1 - sideX0).y <= buttonsTop) {
        centeredLine(ui, refresh, body, view.queueError ? c.alert : c.mutedText, sideX0, x1, after);
    }
    bottomButtonRow(ui, buttons, sideX0, x1);
}

}  // namespace kiosk::screens
