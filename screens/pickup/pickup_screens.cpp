#include "screens/pickup/pickup_screens.hpp"
#include "screens/service_screen_kit.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "drivers/locker/lockboard/lockboard_driver.hpp"
#include "kiosk/core/log.hpp"
#include "kiosk/core/mask.hpp"
#include "printing/templates.hpp"
#include "screens/payment/payment_screens.hpp"
#include "screens/pickup/pickup_flow.hpp"

namespace kiosk::screens {

namespace {

auto logger() { return log::module("pickup"); }

using backend::PickupState;
using backend::Prescription;

const ButtonPressed* pressedButton(const UiEvent& event) { return std::get_if<ButtonPressed>(&event); }

/// The message for an error that stopped the flow.
PatientMessage stoppedMessage(const Error& error) {
    if (error.code == Errc::not_found) return {"pickup.error.not_found", true};
    if (!error.messageKey.empty() && (error.messageKey.starts_with("backend.") || error.messageKey.starts_with("pickup."))) return {error.messageKey, true};
    return {"pickup.error.unavailable", true};
}

/// "3" of a prescription's window, or the window as the HIS names it when it has no number.
std::string windowOf(const Prescription& p) { return p.windowNumber > 0 ? std::to_string(p.windowNumber) : p.window; }

/// "12月1日 10:00" / "Dec 1 10:00" of an ISO 8601 date-time (the month named, as every date a
/// patient reads); "" when there is none.
std::string dayAndClock(const Translator& text, const std::string& iso) {
    if (iso.size() < 16) return {};
    const int month = std::atoi(iso.substr(5, 2).c_str());
    const int day = std::atoi(iso.substr(8, 2).c_str());
    if (month < 1 || month > 12 || day < 1) return {};
    return text.tr("pickup.date", {{"month", text.tr(fmt::format("date.month.{}", month))}, {"day", std::to_string(day)}}) + " " +
           clockOf(iso);
}

std::string serviceName(const Translator& text, backend::TcmService service) {
    return text.tr("pickup.tcm.service." + std::string(backend::tcmServiceCode(service)));
}

/// Where a herbal order stands, for its prescription's card.
std::pair<std::string, ImU32> tcmStatusLine(const ScreenContext& context, const Ui& ui, const backend::TcmOrder& order, const Prescription& p) {
    const Palette& c = ui.theme.colors;
    const Translator& text = context.text;
    const std::string service = serviceName(text, order.service);
    if (order.unpaid()) return {text.tr("pickup.tcm.status.unpaid", {{"service", service}, {"amount", formatYuan(order.feeFen)}}), c.alert};
    if (order.stage == "unreadable") return {text.tr("pickup.tcm.status.ask"), c.alert};
    if (order.stage == "awaiting-address") return {text.tr("pickup.tcm.status.awaiting_address", {{"service", service}}), c.alert};
    if (order.stage == "decocting") {
        // The expected time is the decoction's only when it is collected here (a delivery's is
        // the day it arrives).
        const std::string when = order.service == backend::TcmService::decoction ? dayAndClock(text, order.expectedAt) : std::string();
        return {when.empty() ? text.tr("pickup.tcm.status.decocting") : text.tr("pickup.tcm.status.decocting_until", {{"time", when}}), c.mutedText};
    }
    if (order.stage == "ready" || p.state() == PickupState::ready) return {text.tr("pickup.status.window", {{"window", windowOf(p)}}), c.success};
    if (order.stage == "shipped") {
        return {text.tr("pickup.tcm.status.shipped", {{"carrier", order.carrier}, {"tracking", order.trackingNumber}}), c.success};
    }
    if (order.stage == "delivered" || order.status == "completed") return {text.tr("pickup.tcm.status.delivered"), c.mutedText};
    return {text.tr("pickup.tcm.status.received", {{"service", service}}), c.mutedText};
}

/// What the list says of one prescription, and in which colour.
std::pair<std::string, ImU32> statusLine(const ScreenContext& context, const Ui& ui, const PickupView& view, const Prescription& p) {
    const Palette& c = ui.theme.colors;
    if (p.herbal) {
        // A delivered order reads "delivered", not "collected" (the courier handed it over).
        const backend::TcmOrder* order = view.orderFor(p.dispenseId);
        if (order && (p.state() != PickupState::picked_up || order->stage == "delivered")) return tcmStatusLine(context, ui, *order, p);
        if (view.needsTcmChoice(p)) return {context.text.tr("pickup.tcm.status.choose"), c.alert};
    }
    switch (p.state()) {
        case PickupState::ready:
            if (p.inLocker() && view.hasLockerBoard && p.lockerTerminal == view.lockerBank) {
                return {context.text.tr("pickup.status.locker_here", {{"locker", std::to_string(p.lockerNumber)}}), c.success};
            }
            if (p.inLocker()) {
                return {context.text.tr("pickup.status.locker_elsewhere", {{"locker", std::to_string(p.lockerNumber)}, {"bank", p.lockerTerminal}}),
                        c.success};
            }
            return {context.text.tr("pickup.status.window", {{"window", windowOf(p)}}), c.success};
        case PickupState::unpaid: return {context.text.tr("pickup.status.unpaid"), c.alert};
        case PickupState::preparing:
            if (!p.expectedAt.empty()) return {context.text.tr("pickup.status.preparing_until", {{"time", clockOf(p.expectedAt)}}), c.mutedText};
            return {context.text.tr("pickup.status.preparing"), c.mutedText};
        case PickupState::picked_up: {
            // "11月30日" / "Nov 30": the month named, as every date a patient reads.
            std::string date;
            if (p.handedOverAt.size() >= 10) {
                const int month = std::atoi(p.handedOverAt.substr(5, 2).c_str());
                const int day = std::atoi(p.handedOverAt.substr(8, 2).c_str());
                date = context.text.tr("pickup.date", {{"month", context.text.tr(fmt::format("date.month.{}", month))},
                                                       {"day", std::to_string(day)}});
            }
            return {context.text.tr("pickup.status.picked_up", {{"date", date}}), c.mutedText};
        }
        case PickupState::other: break;
    }
    return {p.status, c.mutedText};
}

/// The way out of a pickup screen: back to the menu in the lobby. A pharmacy kiosk's patient (and
/// one who came with a pickup code) is done after the pickup: the bottom bar's "finish" is the
/// way out there, and a second "finish" on the screen would only be a second name for it.
std::vector<RowButton> leaveButtons(const ScreenContext& context, ButtonKind kind) {
    if (context.config.mode == KioskMode::pharmacy || context.services.pickup().view().byCode) return {};
    return {{"pickup.menu", context.text.tr("pickup.menu"), kind}};
}

std::optional<Transition> leave(const ButtonPressed& pressed) {
    if (pressed.id == "pickup.menu") return Transition::to("menu");
    return std::nullopt;
}

/// A picture of the locker bank, `count` doors in rows, `highlight` filled; the door's number on
/// each. Drawn in [topLeft, topLeft + size); returns the height used.
float drawLockerBank(Ui& ui, int count, int highlight, bool failed, ImVec2 topLeft, ImVec2 size) {
    if (count <= 0 || size.x < 40 || size.y < 40) return 0;
    const int columns = std::clamp(count <= 12 ? 4 : 6, 1, count);
    const int rows = (count + columns - 1) / columns;
    const float gap = 6;
    const float doorWidth = (size.x - gap * static_cast<float>(columns - 1)) / static_cast<float>(columns);
    const float doorHeight = std::min(doorWidth * 0.75F, (size.y - gap * static_cast<float>(rows - 1)) / static_cast<float>(rows));
    if (doorHeight < 18) return 0;
    const Palette& c = ui.theme.colors;
    auto* draw = ImGui::GetWindowDrawList();
    ImFont* font = ui.fonts.body();
    const float used = static_cast<float>(rows) * doorHeight + static_cast<float>(rows - 1) * gap;
    for (int i = 0; i < count; ++i) {
        const ImVec2 a(topLeft.x + static_cast<float>(i % columns) * (doorWidth + gap), topLeft.y + static_cast<float>(i / columns) * (doorHeight + gap));
        const ImVec2 b(a.x + doorWidth, a.y + doorHeight);
        const bool target = i + 1 == highlight;
        const ImU32 fill = target ? (failed ? c.alert : c.success) : c.secondary;
        draw->AddRectFilled(a, b, fill, 6);
        draw->AddRect(a, b, c.mutedText, 6, 0, 2);
        const std::string number = std::to_string(i + 1);
        const float fontSize = std::min(font->FontSize, doorHeight * 0.6F);
        const ImVec2 textSize = font->CalcTextSizeA(fontSize, FLT_MAX, 0, number.c_str());
        draw->AddText(font, fontSize, ImVec2(a.x + (doorWidth - textSize.x) / 2, a.y + (doorHeight - textSize.y) / 2),
                      target ? c.onPrimary : c.onSecondary, number.c_str());
    }
    ui.recordGraphic(topLeft, ImVec2(topLeft.x + size.x, topLeft.y + used), "locker bank");
    return used;
}

/// Lines of text in [x0, x1] from the cursor down, each wrapped line centred on its own, drawn
/// and measured with one line height (what is checked against `bottom` is what is drawn); stops
/// before a line that would pass `bottom`. The cursor ends under the last line drawn.
void centredLines(Ui& ui, const std::vector<std::pair<std::string, ImU32>>& lines, ImFont* font, float x0, float x1, float bottom, float after) {
    const float lineHeight = font->FontSize * 1.25F;
    for (const auto& [text, color] : lines) {
        const auto wrapped = wrapLines(font, text, x1 - x0);
        const float y = ImGui::GetCursorScreenPos().y;
        if (y + lineHeight * static_cast<float>(wrapped.size()) > bottom) break;
        for (size_t i = 0; i < wrapped.size(); ++i) {
            const float width = ui.measure(wrapped[i], font).x;
            ui.textAt(ImVec2(x0 + std::max(0.0F, (x1 - x0 - width) / 2), y + lineHeight * static_cast<float>(i)), wrapped[i], font, color);
        }
        ImGui::SetCursorScreenPos(ImVec2(x0, y + lineHeight * static_cast<float>(wrapped.size()) + after));
    }
}

/// Which pickup a locker slip is for: the prescription and how it ended.
std::string slipKey(const PickupView& view) {
    return view.locker.dispenseId + "/" + std::to_string(static_cast<int>(view.lockerResult.door)) + "/" +
           view.lockerResult.error.value_or(Error()).detail;
}

printing::PickupSlipData slipData(const ScreenContext& context, const std::string& documentId, const std::vector<Prescription>& items) {
    printing::PickupSlipData data;
    data.header = printing::slipHeader(context.config, context.text.language(), context.clock.wallNow(), documentId);
    data.patientName = context.session.identity().name;
    for (const auto& p : items) {
        data.items.push_back({p.medication, p.quantity});
        if (data.prescriptionNo.empty()) data.prescriptionNo = p.pickupCode;
    }
    return data;
}

}  // namespace

void PickupSlipPrint::finished(const PrintFinished& printed) {
    if (printed.document != document) return;
    state = printed.outcome ? State::printed : State::failed;
    if (!printed.outcome) logger()->warn("{} not printed: {}", printed.document, printed.outcome.error().describe());
}

std::string PickupSlipPrint::line(const Translator& text) const {
    switch (state) {
        case State::printing: return text.tr("pickup.print.printing");
        case State::printed: return text.tr("pickup.print.take");
        case State::failed: return text.tr("pickup.print.failed");
        case State::none: break;
    }
    return {};
}

// ---------------------------------------------------------------- pickup

void PickupScreen::onEnter(ScreenContext& context) {
    PickupFlow& flow = context.services.pickup();
    const PickupView view = flow.view();
    // Back from paying (or from a ticket): read again, the paid one is ready now.
    // Back from paying: read again (the paid prescription is ready now) and, when the patient
    // paid, go straight on to the window's number — the button they pressed said so.
    if (context.services.paymentReturn() && context.services.paymentReturn()->screen == "pickup") {
        // Only a button that promised the number takes it (a herbal fee's "continue" does not).
        const auto& back = *context.services.paymentReturn();
        const bool getNumber = back.paid && back.paidLabelKey == "pickup.get_number_after_payment";
        context.services.clearPaymentReturn();
        flow.reload(getNumber);
        return;
    }
    // Opened by a scanned pickup code: its list is there already (there is no card to look up).
    // Back from a step that reads the list again (a herbal choice): that read is under way.
    if (view.byCode || view.working() || (view.stage == PickupStage::list && !view.items.empty())) return;
    flow.start(context.session.identity());
}

Transition PickupScreen::onEvent(ScreenContext& context, const UiEvent& event) {
    PickupFlow& flow = context.services.pickup();
    const PickupView view = flow.view();
    if (const auto* pressed = pressedButton(event)) {
        if (flow.working()) return Transition::none();
        if (auto left = leave(*pressed)) return *left;
        if (view.stage != PickupStage::list) return Transition::none();
        if (pressed->id == "pickup.window") {
            flow.pickUpAtWindows();
            return Transition::none();
        }
        if (pressed->id.starts_with("pickup.locker.")) {
            const std::string dispenseId = pressed->id.substr(14);
            flow.pickUpFromLocker(dispenseId);
            return Transition::to("pickup.locker");
        }
        if (pressed->id.starts_with("pickup.tcm.")) {
            flow.chooseTcm(pressed->id.substr(11));
            return Transition::to("pickup.tcm");
        }
        if (pressed->id == "pickup.pay") {
            context.services.returnAfterPayment({"pickup", "pickup.get_number_after_payment", "pickup.back_to_pickup", false});
            return Transition::to("pay.charges");
        }
        return Transition::none();
    }
    if (std::holds_alternative<PickupProgress>(event) && view.stage == PickupStage::ticket) return Transition::to("pickup.ticket");
    return Transition::none();
}

void PickupScreen::draw(const ScreenContext& context, Ui& ui) const {
    const Layout& l = ui.layout;
    const Palette& c = ui.theme.colors;
    const PickupView view = context.services.pickup().view();
    const float x0 = l.contentMin.x;
    const float x1 = l.contentMax.x;
    serviceTitle(context, ui, "pickup.title");
    if (view.stage == PickupStage::idle || view.working()) {
        drawPatientMessage(context, ui, PatientMessage{view.stage == PickupStage::queueing ? "pickup.queueing" : "pickup.loading", false});
        return;
    }
    const std::vector<RowButton> leaveOnly = leaveButtons(context, ButtonKind::primary);
    const float leaveTop = bottomButtonRowTop(ui, leaveOnly, x0, x1) - ui.theme.gap;
    if (view.stage == PickupStage::stopped || view.stage != PickupStage::list) {
        if (view.error) drawPatientMessage(context, ui, stoppedMessage(*view.error), 0, leaveTop - ImGui::GetCursorScreenPos().y);
        bottomButtonRow(ui, leaveOnly);
        return;
    }
    if (view.items.empty()) {
        drawPatientMessage(context, ui, PatientMessage{"pickup.none", false}, 0, leaveTop - ImGui::GetCursorScreenPos().y);
        bottomButtonRow(ui, leaveOnly);
        return;
    }
    // The actions, left to right: leave, pay, the window, each locker of this bank (primary last).
    std::vector<RowButton> buttons = leaveButtons(context, ButtonKind::secondary);
    const bool unpaid = view.tcmFeeUnpaid() ||
                        std::any_of(view.items.begin(), view.items.end(), [](const Prescription& p) { return p.state() == PickupState::unpaid; });
    const bool canPay = context.services.paymentsConnected() && !view.byCode;  // by code: no patient to bill here
    if (unpaid && canPay) buttons.push_back({"pickup.pay", context.text.tr("pickup.pay"), ButtonKind::primary});
    bool herbalChoice = false;
    const auto choices = std::count_if(view.items.begin(), view.items.end(), [&](const Prescription& p) { return view.needsTcmChoice(p); });
    for (const auto& p : view.items) {
        if (!view.needsTcmChoice(p)) continue;
        herbalChoice = true;
        // Two herbal prescriptions at once: each button names its own.
        const std::string label = choices > 1 ? context.text.tr("pickup.tcm.choose_for", {{"medication", p.medication}}) : context.text.tr("pickup.tcm.choose");
        buttons.push_back({"pickup.tcm." + p.dispenseId, label, ButtonKind::primary});
    }
    if (!view.readyAtWindows().empty()) buttons.push_back({"pickup.window", context.text.tr("pickup.get_number"), ButtonKind::primary});
    for (const auto& p : view.readyHere()) {
        buttons.push_back({"pickup.locker." + p.dispenseId, context.text.tr("pickup.open_locker", {{"locker", std::to_string(p.lockerNumber)}}),
                           ButtonKind::primary});
    }
    // Portrait: the buttons in a row (or rows) at the bottom. Landscape: in a column on the right,
    // stacked from the bottom, so the list keeps the whole height (large print leaves about 600
    // pixels under the title: a row of buttons there would leave no room for a card).
    const bool side = !l.portrait;
    // The column is as narrow as lets its buttons fit under the title: wider columns wrap the
    // labels less (four buttons in English large print need half the width).
    float sideX0 = x0 + (x1 - x0) * 0.64F;
    std::vector<float> heights;
    float total = 0;
    const auto measureColumn = [&](float columnX0) {
        heights.clear();
        total = 0;
        for (const auto& b : buttons) {
            heights.push_back(labelHeightIn(ui, b.label, x1 - columnX0));
            total += heights.back() + ui.theme.gap;
        }
    };
    if (side) {
        const float room = l.contentMax.y - ImGui::GetCursorScreenPos().y + ui.theme.gap;
        for (const float share : {0.64F, 0.55F, 0.5F}) {
            sideX0 = x0 + (x1 - x0) * share;
            measureColumn(sideX0);
            if (total <= room) break;
        }
    }
    const float listX1 = side ? sideX0 - ui.theme.gap : x1;
    float buttonsTop = 0;       // where the list must end
    float sideColumnTop = 0;    // landscape: the first button's top (the hint must end above it)
    if (side) {
        const ImVec2 afterTitle = ImGui::GetCursorScreenPos();
        float y = l.contentMax.y - total + ui.theme.gap;
        sideColumnTop = l.contentMax.y - total;
        buttonsTop = l.contentMax.y;
        for (size_t i = 0; i < buttons.size(); ++i) {
            ImGui::SetCursorScreenPos(ImVec2(sideX0, y));
            ui.button(buttons[i].id, buttons[i].label, ImVec2(x1 - sideX0, heights[i]), buttons[i].kind);
            y += heights[i] + ui.theme.gap;
        }
        ImGui::SetCursorScreenPos(afterTitle);
    } else {
        buttonsTop = bottomButtonRowTop(ui, buttons, x0, x1) - ui.theme.gap;
    }
    // What to do, in one sentence, above the list.
    std::string hint = context.text.tr("pickup.hint.nothing_ready");
    if (!view.readyHere().empty()) hint = context.text.tr("pickup.hint.locker");
    else if (herbalChoice) hint = context.text.tr("pickup.hint.tcm");
    else if (!view.readyAtWindows().empty()) hint = context.text.tr("pickup.hint.window");
    else if (unpaid) hint = context.text.tr(canPay ? "pickup.hint.pay" : "pickup.hint.pay_elsewhere");
    ImFont* body = ui.fonts.body();
    float top = ImGui::GetCursorScreenPos().y;
    const float width = listX1 - x0;
    // Beside the buttons in landscape the hint heads the button column instead (the list needs
    // the height); in portrait it heads the list.
    if (side) {
        const float hintTop = ImGui::GetCursorScreenPos().y;
        if (hintTop + ui.measure(hint, body, x1 - sideX0).y <= sideColumnTop) ui.textAt(ImVec2(sideX0, hintTop), hint, body, c.text, x1 - sideX0);
    } else {
        ui.paragraph(hint, body, c.text);
        ui.space(ui.theme.gap * 0.5F);
        top = ImGui::GetCursorScreenPos().y;
    }
    // The list: a card per prescription (name and quantity, then where it stands).
    float rowHeight = 0;
    for (const auto& p : view.items) {
        const float nameHeight = ui.measure(p.medication + "  " + p.quantity, body, width - 32).y;
        const float statusHeight = ui.measure(statusLine(context, ui, view, p).first, body, width - 32).y;
        rowHeight = std::max(rowHeight, nameHeight + statusHeight + 28);
    }
    ui.pagedList("pickup.list", view.items.size(), ImVec2(x0, top), ImVec2(width, buttonsTop - top), rowHeight,
                 [&](size_t index, ImVec2 at, ImVec2 size) {
                     const Prescription& p = view.items[index];
                     auto* draw = ImGui::GetWindowDrawList();
                     draw->AddRectFilled(at, ImVec2(at.x + size.x, at.y + size.y), c.panel, 8);
                     const auto [status, color] = statusLine(context, ui, view, p);
                     const std::string name = p.medication + "  " + p.quantity;
                     ui.textAt(ImVec2(at.x + 16, at.y + 10), name, body, c.text, size.x - 32);
                     const float nameHeight = ui.measure(name, body, size.x - 32).y;
                     ui.textAt(ImVec2(at.x + 16, at.y + 14 + nameHeight), status, body, color, size.x - 32);
                 });
    if (!side) bottomButtonRow(ui, buttons);
}

// ---------------------------------------------------------------- pickup.ticket

void PickupTicketScreen::onEnter(ScreenContext& context) {
    const PickupView view = context.services.pickup().view();
    print_ = {};
    if (view.stage != PickupStage::ticket) return;
    // One slip per window's number (nearly always one window); the screen follows the last.
    for (const PickupTicket& t : view.tickets) {
        const std::string id = t.ticket.callNumber.empty() ? "pickup-window-" + t.items.front().dispenseId : "pickup-" + t.ticket.callNumber;
        printing::PickupSlipData data = slipData(context, id, t.items);
        data.callNumber = t.ticket.callNumber;
        data.window = t.ticket.windowNumber > 0 ? std::to_string(t.ticket.windowNumber) : t.ticket.window;
        print_.sent(id);
        logger()->info("printing the pickup slip {} (window {})", id, data.window);
        printOnReceiptPrinter(context, id, printing::pickupSlip(context.text, data));
    }
}

Transition PickupTicketScreen::onEvent(ScreenContext& context, const UiEvent& event) {
    if (const auto* pressed = pressedButton(event)) {
        if (auto left = leave(*pressed)) return *left;
        if (pressed->id == "pickup.back") {
            context.services.pickup().reload();
            return Transition::to("pickup");
        }
        return Transition::none();
    }
    if (const auto* printed = std::get_if<PrintFinished>(&event)) print_.finished(*printed);
    return Transition::none();
}

void PickupTicketScreen::draw(const ScreenContext& context, Ui& ui) const {
    const Layout& l = ui.layout;
    const Palette& c = ui.theme.colors;
    const PickupView view = context.services.pickup().view();
    const float x0 = l.contentMin.x;
    const float x1 = l.contentMax.x;
    const std::vector<RowButton> buttons = leaveButtons(context, ButtonKind::primary);
    const float buttonsTop = bottomButtonRowTop(ui, buttons, x0, x1) - ui.theme.gap;
    if (view.tickets.empty()) {
        serviceTitle(context, ui, "pickup.title");
        drawPatientMessage(context, ui, PatientMessage{"pickup.error.unavailable", true});
        bottomButtonRow(ui, buttons);
        return;
    }
    serviceTitle(context, ui, view.ticketUncertain ? "pickup.ticket.go_title" : "pickup.ticket.title", view.ticketUncertain ? c.text : c.success);
    ImFont* body = ui.fonts.body();
    const float after = l.portrait ? 14.0F : 6.0F;
    for (const PickupTicket& t : view.tickets) {
        const std::string window = t.ticket.windowNumber > 0 ? std::to_string(t.ticket.windowNumber) : t.ticket.window;
        if (!t.ticket.callNumber.empty()) {
            centeredLine(ui, context.text.tr("pickup.ticket.number"), body, c.mutedText, x0, x1, 0);
            centeredLine(ui, t.ticket.callNumber, ui.fonts.clock(), c.primary, x0, x1, after);
        }
        centeredLine(ui, context.text.tr("pickup.ticket.window", {{"window", window}}), ui.fonts.title(), c.text, x0, x1, after);
        if (!t.ticket.callNumber.empty() && t.ticket.waitingAhead > 0) {
            centeredLine(ui, context.text.tr("pickup.ticket.ahead", {{"count", std::to_string(t.ticket.waitingAhead)}}), body, c.text, x0, x1, after);
        }
    }
    const std::string how = context.text.tr(view.ticketUncertain ? "pickup.ticket.no_number" : "pickup.ticket.watch");
    centeredLine(ui, how, body, c.text, x0, x1, after);
    const std::string printLine = print_.line(context.text);
    const ImU32 printColor = print_.state == PickupSlipPrint::State::failed ? c.alert : c.mutedText;
    if (!printLine.empty() && ImGui::GetCursorScreenPos().y + ui.measure(printLine, body, x1 - x0).y <= buttonsTop) {
        centeredLine(ui, printLine, body, printColor, x0, x1, after);
    }
    bottomButtonRow(ui, buttons);
}

// ---------------------------------------------------------------- pickup.locker

void PickupLockerScreen::onEnter(ScreenContext& context) {
    print_ = {};
    const PickupView view = context.services.pickup().view();
    if ((view.stage == PickupStage::locker_opened || view.stage == PickupStage::locker_failed) && printedFor_ != slipKey(view)) {
        printSlip(context);
    }
}

void PickupLockerScreen::printSlip(ScreenContext& context) {
    const PickupView view = context.services.pickup().view();
    printedFor_ = slipKey(view);
    const bool failed = view.stage == PickupStage::locker_failed;
    const std::string document = fmt::format("pickup-locker-{}-{}", view.locker.lockerNumber, view.locker.dispenseId);
    printing::PickupSlipData data = slipData(context, document, {view.locker});
    data.locker = view.locker.lockerNumber;
    data.lockerFailed = failed;
    data.lockerUnknown = failed && view.lockerResult.door != LockerPickupResult::Door::not_opened;
    if (failed) data.window = std::to_string(view.fallbackWindow);
    print_.sent(document);
    printOnReceiptPrinter(context, document, printing::pickupSlip(context.text, data));
}

Transition PickupLockerScreen::onEvent(ScreenContext& context, const UiEvent& event) {
    PickupFlow& flow = context.services.pickup();
    if (const auto* pressed = pressedButton(event)) {
        if (flow.working()) return Transition::none();
        if (auto left = leave(*pressed)) return *left;
        if (pressed->id == "pickup.back") {
            flow.reload();
            return Transition::to("pickup");
        }
        return Transition::none();
    }
    if (std::holds_alternative<PickupProgress>(event)) {
        const PickupView view = flow.view();
        if ((view.stage == PickupStage::locker_opened || view.stage == PickupStage::locker_failed) && printedFor_ != slipKey(view)) {
            printSlip(context);
        }
        return Transition::none();
    }
    if (const auto* printed = std::get_if<PrintFinished>(&event)) print_.finished(*printed);
    return Transition::none();
}

void PickupLockerScreen::draw(const ScreenContext& context, Ui& ui) const {
    const Layout& l = ui.layout;
    const Palette& c = ui.theme.colors;
    const PickupView view = context.services.pickup().view();
    const float x0 = l.contentMin.x;
    const float x1 = l.contentMax.x;
    const int locker = view.locker.lockerNumber;
    const std::string number = std::to_string(locker);
    ImFont* body = ui.fonts.body();
    const float after = l.portrait ? 14.0F : 6.0F;
    if (view.stage == PickupStage::opening || view.stage == PickupStage::idle) {
        serviceTitle(context, ui, "pickup.locker.opening_title");
        drawPatientMessage(context, ui, PatientMessage{"pickup.locker.opening", false, {}, {{"locker", number}}});
        return;
    }
    std::vector<RowButton> buttons{{"pickup.back", context.text.tr("pickup.back"), ButtonKind::secondary}};
    for (auto& b : leaveButtons(context, ButtonKind::primary)) buttons.push_back(std::move(b));
    const float buttonsTop = bottomButtonRowTop(ui, buttons, x0, x1) - ui.theme.gap;
    const bool failed = view.stage != PickupStage::locker_opened;
    const bool unknown = view.lockerResult.door == LockerPickupResult::Door::unknown;
    const bool openedBefore = view.lockerResult.error && view.lockerResult.error->messageKey == "pickup.error.opened_before";
    serviceTitle(context, ui,
                 !failed ? "pickup.locker.open_title" : (unknown || openedBefore) ? "pickup.locker.unknown_title" : "pickup.locker.failed_title",
                 failed ? c.alert : c.success);
    // The words, then the bank with the door marked (portrait); landscape: the words left, the
    // bank right.
    const float split = l.portrait ? x1 : x0 + l.contentWidth() * 0.5F;
    const float top = ImGui::GetCursorScreenPos().y;
    std::vector<std::pair<std::string, ImU32>> lines;
    if (!failed) {
        lines.emplace_back(context.text.tr("pickup.locker.open_which", {{"locker", number}}), c.text);
        lines.emplace_back(context.text.tr("pickup.locker.close_door"), c.text);
        if (!view.lockerResult.confirmed) lines.emplace_back(context.text.tr("pickup.locker.confirming"), c.mutedText);
    } else {
        const std::string window = std::to_string(view.fallbackWindow);
        if (openedBefore) {
            lines.emplace_back(context.text.tr("pickup.locker.opened_before", {{"window", window}}), c.alert);
        } else if (unknown) {
            lines.emplace_back(context.text.tr("pickup.locker.unknown", {{"locker", number}, {"window", window}}), c.alert);
        } else {
            // Only when the door read closed after each attempt: then the medicine is still inside.
            lines.emplace_back(context.text.tr("pickup.locker.failed", {{"locker", number}, {"window", window}}), c.alert);
            lines.emplace_back(context.text.tr("pickup.locker.not_taken"), c.text);
        }
    }
    const std::string printLine = print_.line(context.text);
    if (!printLine.empty()) lines.emplace_back(printLine, print_.state == PickupSlipPrint::State::failed ? c.alert : c.mutedText);
    centredLines(ui, lines, body, x0, split, buttonsTop, after);
    const drivers::locker::LockBoardDriver* bank = context.devices.first<drivers::locker::LockBoardDriver>(drivers::DeviceClass::locker);
    if (bank && locker > 0) {
        const float bankX0 = l.portrait ? x0 + l.contentWidth() * 0.1F : split + ui.theme.gap;
        const float bankX1 = l.portrait ? x1 - l.contentWidth() * 0.1F : x1;
        const float bankTop = (l.portrait ? ImGui::GetCursorScreenPos().y : top) + ui.theme.gap;
        drawLockerBank(ui, bank->lockerCount(), locker, failed, ImVec2(bankX0, bankTop), ImVec2(bankX1 - bankX0, buttonsTop - bankTop));
    }
    bottomButtonRow(ui, buttons);
}

// ---------------------------------------------------------------- pickup.tcm

namespace {

/// The options in the order offered: the free one first, then by what the hospital does more.
constexpr backend::TcmService kTcmOptions[] = {backend::TcmService::self_decoction, backend::TcmService::decoction,
                                               backend::TcmService::delivery, backend::TcmService::decoction_delivery};

/// The window number a herbal prescription is collected at: its own, else [pharmacy]
/// fallback_window (never "中药房 号窗口" or an empty number).
std::string tcmWindow(const ScreenContext& context, const Prescription& p) {
    return std::to_string(p.windowNumber > 0 ? p.windowNumber : context.config.pharmacy.fallbackWindow);
}

/// Offered for this prescription: the HIS prices it, and decoction (priced per dose) only with a
/// dose count.
bool offeredFor(const PickupView& view, backend::TcmService service) {
    return view.tcmPrices.offers(service) && (!backend::tcmDecocted(service) || view.tcmItem.doses > 0);
}

/// One option's button label: what it is, its fee, and what the patient does.
std::string optionLabel(const Translator& text, backend::TcmService service, int64_t feeFen, const std::string& window) {
    const std::string fee = feeFen > 0 ? text.tr("pickup.tcm.fee", {{"amount", formatYuan(feeFen)}}) : text.tr("pickup.tcm.free");
    return text.tr("pickup.tcm.option", {{"service", serviceName(text, service)}, {"fee", fee}}) + "\n" +
           text.tr("pickup.tcm.explain." + std::string(backend::tcmServiceCode(service)), {{"window", window}});
}

/// A grid of buttons in [x0, x1] from `top`, `columns` a row, each row as tall as its tallest
/// label; returns the height used (the same measure whether drawn or not).
float buttonGrid(Ui& ui, const std::vector<RowButton>& cells, int columns, float x0, float x1, float top, bool draw) {
    const float gap = ui.theme.gap;
    const float width = (x1 - x0 - gap * static_cast<float>(columns - 1)) / static_cast<float>(columns);
    float y = top;
    for (size_t i = 0; i < cells.size(); i += static_cast<size_t>(columns)) {
        const size_t end = std::min(cells.size(), i + static_cast<size_t>(columns));
        float row = 0;
        for (size_t j = i; j < end; ++j) row = std::max(row, labelHeightIn(ui, cells[j].label, width));
        for (size_t j = i; j < end && draw; ++j) {
            ImGui::SetCursorScreenPos(ImVec2(x0 + static_cast<float>(j - i) * (width + gap), y));
            ui.button(cells[j].id, cells[j].label, ImVec2(width, row), cells[j].kind);
        }
        y += row + gap;
    }
    return y - top - (cells.empty() ? 0 : gap);
}

/// pickup.tcm's choice: one big button per option the hospital offers, with its fee. Portrait
/// (and wherever it fits): the prescription, then the options in one column with what the patient
/// does (or two columns on one line each) above the back button. Otherwise (landscape large
/// print: about 530 pixels under the title): the prescription and the back button in a left
/// column, the options two by two on the right. Never an option left out.
void drawTcmChoice(const ScreenContext& context, Ui& ui, const PickupView& view, const std::vector<RowButton>& buttons) {
    const Layout& l = ui.layout;
    const Palette& c = ui.theme.colors;
    const float x0 = l.contentMin.x;
    const float x1 = l.contentMax.x;
    const float gap = ui.theme.gap;
    ImFont* body = ui.fonts.body();
    const Prescription& item = view.tcmItem;
    serviceTitle(context, ui, "pickup.tcm.title");
    const float titleBottom = ImGui::GetCursorScreenPos().y;
    const std::string which = context.text.tr(item.doses == 1 ? "pickup.tcm.which_one" : "pickup.tcm.which",
                                              {{"medication", item.medication}, {"doses", std::to_string(item.doses)}});
    enum class Label { full, one_line };
    const auto cellsWith = [&](Label form) {
        std::vector<RowButton> cells;
        for (const auto service : kTcmOptions) {
            if (!offeredFor(view, service)) continue;
            const int64_t fee = view.tcmPrices.feeFen(service, item.doses);
            // The fee after two spaces, not in brackets: "药材快递到家（" never ends a wrapped line.
            const std::string feeText = fee > 0 ? context.text.tr("pickup.tcm.fee", {{"amount", formatYuan(fee)}}) : context.text.tr("pickup.tcm.free");
            const std::string name = serviceName(context.text, service);
            const std::string label = form == Label::full ? optionLabel(context.text, service, fee, tcmWindow(context, item)) : name + "  " + feeText;
            cells.push_back({"pickup.tcm.option." + std::string(backend::tcmServiceCode(service)), label,
                             service == backend::TcmService::self_decoction ? ButtonKind::secondary : ButtonKind::primary});
        }
        return cells;
    };
    const float buttonsTop = bottomButtonRowTop(ui, buttons, x0, x1) - gap;
    const float whichHeight = ui.measure(which, body, x1 - x0).y + (l.portrait ? 14.0F : 6.0F);
    struct Arrangement {
        int columns;
        Label label;
    };
    for (const Arrangement a : {Arrangement{1, Label::full}, Arrangement{2, Label::full}, Arrangement{2, Label::one_line}}) {
        const auto cells = cellsWith(a.label);
        if (titleBottom + whichHeight + buttonGrid(ui, cells, a.columns, x0, x1, 0, false) > buttonsTop) continue;
        ui.centered(which, body, c.text, x0, x1);
        ui.space(l.portrait ? 14.0F : 6.0F);
        buttonGrid(ui, cells, a.columns, x0, x1, ImGui::GetCursorScreenPos().y, true);
        bottomButtonRow(ui, buttons);
        return;
    }
    const float leftX1 = x0 + (x1 - x0) * 0.3F;
    ImGui::SetCursorScreenPos(ImVec2(x0, titleBottom));
    ui.centered(which, body, c.text, x0, leftX1);
    // The back button at the bottom of the left column, as tall as its label needs there.
    float bottom = l.contentMax.y;
    for (auto it = buttons.rbegin(); it != buttons.rend(); ++it) {
        const float height = labelHeightIn(ui, it->label, leftX1 - x0);
        ImGui::SetCursorScreenPos(ImVec2(x0, bottom - height));
        ui.button(it->id, it->label, ImVec2(leftX1 - x0, height), it->kind);
        bottom -= height + gap;
    }
    buttonGrid(ui, cellsWith(Label::one_line), 2, leftX1 + gap, x1, titleBottom, true);  // wraps at its spaces
}

}  // namespace

Transition PickupTcmScreen::onEvent(ScreenContext& context, const UiEvent& event) {
    PickupFlow& flow = context.services.pickup();
    const auto* pressed = pressedButton(event);
    if (!pressed || flow.working()) return Transition::none();
    const PickupView view = flow.view();
    if (pressed->id == "pickup.tcm.back") {
        // From the address: back to the choice; otherwise back to the list (read again).
        const bool toChoice = view.stage == PickupStage::tcm_address;
        flow.backFromTcm();
        return toChoice ? Transition::none() : Transition::to("pickup");
    }
    for (const auto service : kTcmOptions) {
        if (pressed->id == "pickup.tcm.option." + std::string(backend::tcmServiceCode(service))) {
            flow.selectTcmService(service);
            return Transition::none();
        }
    }
    if (pressed->id == "pickup.tcm.address.on_file") flow.orderTcm(false);
    if (pressed->id == "pickup.tcm.address.phone") flow.orderTcm(true);
    if (pressed->id == "pickup.tcm.pay") {
        context.services.returnAfterPayment({"pickup", "pickup.back_to_pickup", "pickup.back_to_pickup", false});
        return Transition::to("pay.charges");
    }
    return Transition::none();
}

void PickupTcmScreen::draw(const ScreenContext& context, Ui& ui) const {
    const Layout& l = ui.layout;
    const Palette& c = ui.theme.colors;
    const PickupView view = context.services.pickup().view();
    const float x0 = l.contentMin.x;
    const float x1 = l.contentMax.x;
    ImFont* body = ui.fonts.body();
    const float after = l.portrait ? 14.0F : 6.0F;
    const Prescription& item = view.tcmItem;
    const std::string window = tcmWindow(context, item);
    if (view.working() || view.stage == PickupStage::idle) {
        serviceTitle(context, ui, "pickup.tcm.title");
        drawPatientMessage(context, ui, PatientMessage{view.stage == PickupStage::tcm_ordering ? "pickup.tcm.ordering" : "pickup.loading", false});
        return;
    }
    std::vector<RowButton> buttons{{"pickup.tcm.back", context.text.tr(view.stage == PickupStage::tcm_address ? "pickup.tcm.back_to_choice"
                                                                                                                : "pickup.back"),
                                    ButtonKind::secondary}};
    if (view.stage == PickupStage::stopped || view.stage == PickupStage::list) {
        serviceTitle(context, ui, "pickup.tcm.title");
        const float top = bottomButtonRowTop(ui, buttons, x0, x1) - ui.theme.gap;
        if (view.error) drawPatientMessage(context, ui, stoppedMessage(*view.error), 0, top - ImGui::GetCursorScreenPos().y);
        bottomButtonRow(ui, buttons);
        return;
    }
    if (view.stage == PickupStage::tcm_choose) {
        drawTcmChoice(context, ui, view, buttons);
        return;
    }
    if (view.stage == PickupStage::tcm_address) {
        serviceTitle(context, ui, "pickup.tcm.address_title");
        const float buttonsTop = bottomButtonRowTop(ui, buttons, x0, x1) - ui.theme.gap;
        std::vector<RowButton> choices;
        if (!view.addressOnFile.empty()) {
            ui.paragraph(context.text.tr("pickup.tcm.address_on_file", {{"address", view.addressOnFile}}), body, c.text);
            ui.space(after);
            choices.push_back({"pickup.tcm.address.on_file", context.text.tr("pickup.tcm.address.send_here"), ButtonKind::primary});
            choices.push_back({"pickup.tcm.address.phone", context.text.tr("pickup.tcm.address.other"), ButtonKind::secondary});
        } else {
            // By pickup code nobody was looked up: the kiosk does not know whether there is one.
            ui.paragraph(context.text.tr(view.byCode ? "pickup.tcm.address_by_phone" : "pickup.tcm.address_none"), body, c.text);
            ui.space(after);
            choices.push_back({"pickup.tcm.address.phone", context.text.tr("pickup.tcm.address.phone"), ButtonKind::primary});
        }
        float y = ImGui::GetCursorScreenPos().y;
        for (const auto& choice : choices) {
            const float height = labelHeightIn(ui, choice.label, x1 - x0);
            if (y + height > buttonsTop) break;
            ImGui::SetCursorScreenPos(ImVec2(x0, y));
            ui.button(choice.id, choice.label, ImVec2(x1 - x0, height), choice.kind);
            y += height + ui.theme.gap;
        }
        bottomButtonRow(ui, buttons);
        return;
    }
    // tcm_ordered: what was chosen, the fee, where it goes.
    const backend::TcmOrder& order = view.tcmOrder;
    const bool payHere = order.unpaid() && context.services.paymentsConnected() && !view.byCode;
    // "Pay now", not the amount: the payment screens list every charge the patient owes.
    if (payHere) buttons.push_back({"pickup.tcm.pay", context.text.tr("pickup.tcm.pay_now"), ButtonKind::primary});
    const float buttonsTop = bottomButtonRowTop(ui, buttons, x0, x1) - ui.theme.gap;
    serviceTitle(context, ui, "pickup.tcm.ordered_title", c.success);
    std::vector<std::pair<std::string, ImU32>> lines;
    lines.emplace_back(context.text.tr("pickup.tcm.chosen", {{"service", serviceName(context.text, order.service)}}), c.text);
    if (order.unpaid()) {
        lines.emplace_back(context.text.tr(payHere ? "pickup.tcm.fee_due" : "pickup.tcm.fee_due_elsewhere", {{"amount", formatYuan(order.feeFen)}}),
                           c.alert);
    }
    if (order.service == backend::TcmService::self_decoction) lines.emplace_back(context.text.tr("pickup.tcm.collect_herbs", {{"window", window}}), c.text);
    if (order.service == backend::TcmService::decoction) lines.emplace_back(context.text.tr("pickup.tcm.collect_brewed", {{"window", window}}), c.text);
    if (!order.address.empty()) lines.emplace_back(context.text.tr("pickup.tcm.send_to", {{"address", order.address}}), c.text);
    const bool byPhone = backend::tcmDelivered(order.service) && !order.addressLink.empty() && order.address.empty();
    if (byPhone) {
        lines.emplace_back(view.phoneOnFile.empty() ? context.text.tr("pickup.tcm.scan_address")
                                                    : context.text.tr("pickup.tcm.scan_address_sms", {{"phone", view.phoneOnFile}}),
                           c.text);
    }
    // Portrait: the lines, the QR under them. Landscape: the lines left, the QR right (the
    // height under the title is too little for both in one column in large print).
    const bool qrBeside = byPhone && !l.portrait;
    const float textX1 = qrBeside ? x0 + (x1 - x0) * 0.58F : x1;
    const float top = ImGui::GetCursorScreenPos().y;
    centredLines(ui, lines, body, x0, textX1, buttonsTop, after);  // the journeys check every line shows
    if (byPhone) {
        const bool changed = order.addressLink != addressQr_.text;
        if (!addressQr_.update(order.addressLink) && changed) {
            logger()->error("ServiceRequest/{}: the address link could not be drawn as a QR", order.orderId);
        }
        const float qrX0 = qrBeside ? textX1 + ui.theme.gap : x0;
        const float qrTop = qrBeside ? top : ImGui::GetCursorScreenPos().y;
        const float minimum = addressQr_.sideAt(static_cast<float>(minimumQrModulePixels(context.config.ui.pixelPitchMm)));
        const float side = std::min({buttonsTop - qrTop, x1 - qrX0, 420.0F});
        if (addressQr_.size > 0 && side >= minimum) {
            addressQr_.draw(ui, ImVec2(qrX0 + (x1 - qrX0 - side) / 2, qrTop), side, "address QR");
        } else if (addressQr_.size > 0 && changed) {
            logger()->warn("ServiceRequest/{}: no room for the address QR ({} px, needs {}): the SMS carries the link", order.orderId, side,
                           minimum);
        }
    }
    bottomButtonRow(ui, buttons);
}

}  // namespace kiosk::screens
