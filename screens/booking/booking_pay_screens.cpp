#include "screens/booking/booking_pay_screens.hpp"
#include "screens/service_screen_kit.hpp"

#include "kiosk/core/log.hpp"
#include "printing/templates.hpp"
#include "screens/booking/booking_flow.hpp"

namespace kiosk::screens {

namespace {

auto logger() { return log::module("bookscreen"); }

const ButtonPressed* pressedButton(const UiEvent& event) { return std::get_if<ButtonPressed>(&event); }


/// Buttons across the bottom, left to right (the primary one last, on the right).
void bottomButtons(const ScreenContext& context, Ui& ui, const std::vector<std::pair<std::string, std::string>>& buttons) {
    const Layout& l = ui.layout;
    const float gap = ui.theme.gap;
    const auto count = static_cast<float>(buttons.size());
    const float width = (l.contentWidth() - gap * (count - 1)) / count;
    for (size_t i = 0; i < buttons.size(); ++i) {
        ImGui::SetCursorScreenPos(ImVec2(l.contentMin.x + static_cast<float>(i) * (width + gap), l.contentMax.y - ui.theme.buttonHeight));
        ui.button(buttons[i].first, context.text.tr(buttons[i].second), ImVec2(width, ui.theme.buttonHeight),
                  i + 1 == buttons.size() ? ButtonKind::primary : ButtonKind::secondary, ui.fonts.body());
    }
}

float messageRoom(const Ui& ui) {
    return ui.layout.contentMax.y - ui.theme.buttonHeight - ui.theme.gap - ImGui::GetCursorScreenPos().y;
}

/// A refund whose slot was taken after the hold expired, told apart from a refusal by the HIS
/// (RegistrationSaga's reason texts).
bool slotGone(const payments::PaymentOrder& order) { return order.reason.starts_with("slot gone"); }

}  // namespace

// ---------------------------------------------------------------- book.pay

bool BookPayScreen::holdsSession(const ScreenContext& context) const {
    const BookStage stage = context.services.booking().view().stage;
    return stage == BookStage::presettling || stage == BookStage::ordering || stage == BookStage::qr || stage == BookStage::booking;
}

Transition BookPayScreen::onEvent(ScreenContext& context, const UiEvent& event) {
    BookingFlow& flow = context.services.booking();
    const BookingView view = flow.view();
    if (std::holds_alternative<BookingProgress>(event)) {
        if (view.stage == BookStage::booked) return Transition::to("book.slip");
        if (view.stage == BookStage::feeOutcome) return Transition::to("book.fee");
        return Transition::none();
    }
    const auto* pressed = pressedButton(event);
    if (!pressed) return Transition::none();
    if (view.stage == BookStage::held) {
        if (pressed->id == "book.pay.back") return Transition::to("book.confirm");
        if (pressed->id == "book.pay." + std::string(kInsuranceChoice) && view.insuranceOffered) flow.payByInsurance();
        for (const std::string_view channel : kPaymentChannels) {
            if (pressed->id == "book.pay." + std::string(channel)) flow.payBy(std::string(channel), context.clock.now());
        }
    }
    if (view.stage == BookStage::insuranceSplit) {
        // Choosing the cash part's channel (or "settle" with nothing to pay) confirms the split.
        if (pressed->id == "book.pay.back") flow.declineInsurance();
        if (pressed->id == "book.pay.settle" && view.order.cashFen == 0) flow.payBy("", context.clock.now());
        for (const std::string_view channel : kPaymentChannels) {
            if (pressed->id == "book.pay." + std::string(channel) && view.order.cashFen > 0) flow.payBy(std::string(channel), context.clock.now());
        }
    }
    if (pressed->id == "book.pay.cancel" && view.stage == BookStage::qr) flow.cancelPayment();
    if (pressed->id == "book.pay.menu" && view.stage == BookStage::stopped) {
        flow.reset();
        return Transition::to("menu");
    }
    return Transition::none();
}

void BookPayScreen::draw(const ScreenContext& context, Ui& ui) const {
    const BookingFlow& flow = context.services.booking();
    const BookingView view = flow.view();
    switch (view.stage) {
        case BookStage::held: {
            const PatientMessage note = view.noticeKey.empty() ? PatientMessage{} : PatientMessage{view.noticeKey, true};
            drawChannelChoice(context, ui, view.appointment.feeFen, "book.pay.back", "book.pay.", false, note, view.insuranceOffered);
            return;
        }
        case BookStage::presettling:
            serviceTitle(context, ui, "booking.insurance.presettling_title");
            drawPatientMessage(context, ui, PatientMessage{"booking.insurance.presettling", false});
            return;
        case BookStage::insuranceSplit: {
            const payments::PaymentOrder& o = view.order;
            const PatientMessage split{o.cashFen > 0 ? "booking.insurance.split" : "booking.insurance.split_covered", false, {},
                                       {{"total", formatYuan(o.totalFen)},
                                        {"fund", formatYuan(o.fundFen)},
                                        {"account", formatYuan(o.accountFen)},
                                        {"cash", formatYuan(o.cashFen)}}};
            if (o.cashFen > 0) {
                drawChannelChoice(context, ui, o.cashFen, "book.pay.back", "book.pay.", false, split);
                return;
            }
            serviceTitle(context, ui, "pay.split.title");
            drawPatientMessage(context, ui, split, 0, messageRoom(ui));
            bottomButtons(context, ui, {{"book.pay.back", "common.back"}, {"book.pay.settle", "pay.split.confirm_covered"}});
            return;
        }
        case BookStage::qr:
            if (!view.cancelledByPatient) {
                // Landscape: the title heads the words' column beside the code (as on pay.qr).
                const bool titleBeside = !ui.layout.portrait;
                if (titleBeside) {
                    ui.space(12);
                } else {
                    serviceTitle(context, ui, "pay.qr.title");
                }
                QrPanel panel;
                panel.codeUrl = view.order.codeUrl;
                panel.channel = view.channel;
                panel.orderId = view.order.orderId;
                panel.amountFen = view.order.amountFen;
                panel.shownAt = view.qrShownAt;
                panel.timeout = flow.qrTimeout();
                panel.titleBeside = titleBeside;
                panel.cancelId = "book.pay.cancel";
                drawQrPanel(context, ui, panel, qrCache_);
                return;
            }
            serviceTitle(context, ui, "pay.qr.title");
            drawPatientMessage(context, ui, PatientMessage{"pay.qr.cancelling", false});
            return;
        case BookStage::booking:
            serviceTitle(context, ui, "booking.pay.booking");
            return;
        case BookStage::stopped:
            serviceTitle(context, ui, "booking.stopped_title");
            drawPatientMessage(context, ui, PatientMessage{"booking.error.generic", true}, 0, messageRoom(ui));
            bottomButtons(context, ui, {{"book.pay.menu", "booking.to_menu"}});
            return;
        default:
            serviceTitle(context, ui, "pay.qr.title");
            drawPatientMessage(context, ui, PatientMessage{"pay.qr.preparing", false});
            return;
    }
}

// ---------------------------------------------------------------- book.fee

void BookFeeScreen::onEnter(ScreenContext& context) {
    const BookingView view = context.services.booking().view();
    if (view.stage != BookStage::feeOutcome || view.order.orderId == printedFor_) return;
    print_ = PrintState::none;
    printedFor_ = view.order.orderId;
    const payments::PaymentOrder& order = view.order;
    if (order.state == payments::SagaState::closed) return;  // nothing moved, nothing to keep
    const printing::SlipHeader header = printing::slipHeader(context.config, context.text.language(), context.clock.wallNow(), order.orderId);
    const std::string patient = context.session.identity().name;
    printing::Document document;
    if (order.state == payments::SagaState::refunded) {
        printing::RefundNoticeData data;
        data.header = header;
        data.patientName = patient;
        data.tradeNo = order.orderId;
        if (order.amountFen > 0) {  // cash went through the gateway and came back
            data.refundNo = order.outRefundNo();
            data.amount = formatYuan(order.amountFen);
            data.channel = context.text.tr("pay.channel." + order.channel);
        }
        data.insuranceCancelled = order.usesInsurance();  // the settlement was cancelled (2208) too
        document = printing::refundNotice(context.text, data);
        printDocument_ = "refund:" + order.orderId;
    } else {
        printing::UnresolvedPaymentVoucherData data;
        data.header = header;
        data.patientName = patient;
        data.tradeNo = order.orderId;
        data.amount = formatYuan(order.amountFen);
        document = printing::unresolvedPaymentVoucher(context.text, data);
        printDocument_ = "voucher:" + order.orderId;
    }
    print_ = PrintState::printing;
    printOnReceiptPrinter(context, printDocument_, std::move(document));
}

Transition BookFeeScreen::onEvent(ScreenContext& context, const UiEvent& event) {
    if (const auto* printed = std::get_if<PrintFinished>(&event); printed && printed->document == printDocument_) {
        print_ = printed->outcome ? PrintState::printed : PrintState::failed;
        if (!printed->outcome) logger()->warn("{} not printed: {}", printDocument_, printed->outcome.error().describe());
        return Transition::none();
    }
    const auto* pressed = pressedButton(event);
    if (!pressed) return Transition::none();
    BookingFlow& flow = context.services.booking();
    if (pressed->id == "book.fee.again") {
        // The time was released or is gone: the department's times are read again.
        const BookingView view = flow.view();
        flow.chooseDepartment(view.departmentId);
        return Transition::to("book.doctors");
    }
    if (pressed->id == "book.fee.menu") {
        flow.reset();
        return Transition::to("menu");
    }
    return Transition::none();
}

void BookFeeScreen::draw(const ScreenContext& context, Ui& ui) const {
    const BookingView view = context.services.booking().view();
    const payments::PaymentOrder& order = view.order;
    const std::vector<std::pair<std::string, std::string>> values{{"amount", formatYuan(order.amountFen)}, {"order", order.orderId}};
    const bool refunded = order.state == payments::SagaState::refunded;
    const bool closed = order.state == payments::SagaState::closed;
    if (refunded) {
        serviceTitle(context, ui, "booking.fee.refunded_title");
        // Paid by insurance: the whole fee came back, part to the insurance, part by the channel.
        const bool insured = order.usesInsurance();
        const std::string key = std::string(slotGone(order) ? "booking.fee.refunded_slot_gone" : "booking.fee.refunded_refused") +
                                (insured ? "_insured" : "");
        const std::vector<std::pair<std::string, std::string>> refundValues{
            {"amount", formatYuan(insured ? order.totalFen : order.amountFen)}, {"order", order.orderId}};
        drawPatientMessage(context, ui, PatientMessage{key, true, {}, refundValues}, 0, messageRoom(ui) - ui.fonts.bodySize() * 3);
    } else if (closed) {
        serviceTitle(context, ui, "pay.result.not_charged");
        drawPatientMessage(context, ui, PatientMessage{"booking.fee.not_charged", false}, 0, messageRoom(ui));
    } else {
        // Unknown, with the help desk, or a step still open: never "failed".
        serviceTitle(context, ui, "pay.result.confirming");
        drawPatientMessage(context, ui, PatientMessage{"booking.fee.confirming", true, {}, values}, 0, messageRoom(ui) - ui.fonts.bodySize() * 3);
    }
    if (!closed && print_ != PrintState::none) {
        const char* key = print_ == PrintState::failed ? (refunded ? "booking.fee.refund_print_failed" : "pay.print.failed_voucher")
                          : print_ == PrintState::printed ? (refunded ? "booking.fee.take_refund" : "pay.print.take_voucher")
                                                          : "booking.fee.printing";
        ui.space(ui.theme.gap / 2);
        ui.centered(context.text.tr(key, {{"order", order.orderId}}), ui.fonts.body(), print_ == PrintState::failed ? ui.theme.colors.alert : ui.theme.colors.mutedText,
                    ui.layout.contentMin.x, ui.layout.contentMax.x);
    }
    if (closed || refunded) {  // the time is free again (or gone): another one can be chosen
        bottomButtons(context, ui, {{"book.fee.menu", "pay.result.menu"}, {"book.fee.again", "booking.fee.again"}});
    } else {
        bottomButtons(context, ui, {{"book.fee.menu", "pay.result.menu"}});
    }
}

}  // namespace kiosk::screens
