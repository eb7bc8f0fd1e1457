#include "printing/templates.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "kiosk/core/mask.hpp"

namespace kiosk::printing {

namespace {

std::string maskedName(const std::string& name) { return maskPersonalData(name, PersonalField::name); }

/// A bank card number with no more than its first 6 and last 4 digits ("622848*********0018"):
/// what the terminal answers is masked already; a terminal that sent more is masked here too.
std::string firstSixLastFour(std::string card) {
    size_t digits = 0;
    for (const char ch : card) digits += ch >= '0' && ch <= '9' ? 1 : 0;
    size_t seen = 0;
    for (char& ch : card) {
        if (ch < '0' || ch > '9') continue;
        ++seen;
        if (seen > 6 && seen + 4 <= digits) ch = '*';
    }
    return card;
}

Document begin(const Translator& tr, const SlipHeader& header, std::string kind, std::string_view titleKey) {
    Document document;
    document.id = header.documentId;
    document.kind = std::move(kind);
    document.text(header.hospital, Align::center, 1, true);
    document.text(tr.tr(titleKey), Align::center, 2, true);
    document.rule();
    return document;
}

void finish(const Translator& tr, Document& document, const SlipHeader& header) {
    document.rule();
    document.text(tr.tr("print.common.time", {{"time", header.time}}));
    document.text(tr.tr("print.common.kiosk", {{"kiosk", header.kioskId}}));
    document.text(tr.tr("print.common.keep"), Align::center);
    document.blocks.emplace_back(Feed{2});
    document.cut();
}

}  // namespace

Document paymentReceipt(const Translator& tr, const PaymentReceiptData& data) {
    Document document = begin(tr, data.header, "payment_receipt", "print.receipt.title");
    if (data.reprint) {
        document.text(tr.tr("print.receipt.reprint"), Align::center, 1, true);
        document.text(tr.tr("print.receipt.paid_at", {{"time", data.paidAt}}));
        if (!data.receiptNo.empty()) document.text(tr.tr("print.receipt.receipt_no", {{"number", data.receiptNo}}));
    }
    document.text(tr.tr("print.common.patient", {{"name", maskedName(data.patientName)}}));
    document.text(tr.tr("print.common.card", {{"card", maskPersonalData(data.cardNumber, PersonalField::card_number)}}));
    Table table{{3, 1}, {{tr.tr("print.receipt.item"), tr.tr("print.receipt.amount")}}, true};
    for (const auto& line : data.lines) table.rows.push_back({line.item, line.amount});
    document.blocks.emplace_back(std::move(table));
    document.rule();
    document.text(tr.tr("print.receipt.total", {{"amount", data.total}}), Align::left, 1, true);
    document.text(tr.tr("print.receipt.insurance", {{"amount", data.insurancePart}}));
    document.text(tr.tr("print.receipt.self_pay", {{"amount", data.selfPart}, {"channel", data.channel}}));
    if (!data.bankCard.empty()) {
        document.text(tr.tr("print.receipt.card", {{"card", firstSixLastFour(data.bankCard)}}));
        document.text(tr.tr("print.receipt.card_numbers", {{"voucher", data.cardVoucher}, {"reference", data.cardReference}}));
        if (!data.cardBatch.empty() || !data.cardTerminal.empty()) {
            document.text(tr.tr("print.receipt.card_terminal", {{"batch", data.cardBatch}, {"terminal", data.cardTerminal}}));
        }
    }
    document.text(tr.tr("print.common.trade_no", {{"trade_no", data.tradeNo}}));
    document.blocks.emplace_back(Barcode128{data.tradeNo});
    for (const auto& code : data.pickupCodes) {
        document.rule();
        document.text(tr.tr("print.receipt.pickup_code", {{"code", code}}), Align::left, 1, true);
        document.blocks.emplace_back(Barcode128{code});
    }
    if (!data.pickupCodes.empty()) document.text(tr.tr("print.receipt.pickup_hint"));
    finish(tr, document, data.header);
    return document;
}

Document registrationSlip(const Translator& tr, const RegistrationSlipData& data) {
    Document document = begin(tr, data.header, "registration_slip", "print.slip.title");
    document.text(tr.tr("print.common.patient", {{"name", maskedName(data.patientName)}}));
    document.text(tr.tr("print.slip.department", {{"department", data.department}}));
    document.text(tr.tr("print.slip.doctor", {{"doctor", data.doctor}}));
    document.text(tr.tr("print.slip.time", {{"slot", data.slot}}));
    document.text(tr.tr("print.slip.queue"), Align::center);
    document.text(data.queueNumber, Align::center, 3, true);
    document.blocks.emplace_back(QrCode{data.qrData, 6});
    document.text(tr.tr("print.slip.scan"), Align::center);
    document.text(tr.tr("print.common.trade_no", {{"trade_no", data.tradeNo}}));
    finish(tr, document, data.header);
    return document;
}

Document cancellationNotice(const Translator& tr, const CancellationNoticeData& data) {
    Document document = begin(tr, data.header, "cancellation_notice", "print.cancel.title");
    if (!data.patientName.empty()) document.text(tr.tr("print.common.patient", {{"name", maskedName(data.patientName)}}));
    if (!data.department.empty()) document.text(tr.tr("print.slip.department", {{"department", data.department}}));
    if (!data.doctor.empty()) document.text(tr.tr("print.slip.doctor", {{"doctor", data.doctor}}));
    document.text(tr.tr("print.slip.time", {{"slot", data.slot}}));
    if (!data.appointmentCode.empty()) document.text(tr.tr("print.cancel.code", {{"code", data.appointmentCode}}));
    document.text(tr.tr("print.cancel.done"), Align::left, 1, true);
    if (!data.feePaid) {
        document.text(tr.tr("print.cancel.no_fee"));
    } else {
        const char* key = data.refund == CancellationRefund::refunded  ? "print.cancel.refunded"
                          : data.refund == CancellationRefund::pending ? "print.cancel.refund_pending"
                          : data.refund == CancellationRefund::manual  ? "print.cancel.refund_manual"
                                                                       : "print.cancel.refund_counter";
        document.text(tr.tr(key, {{"amount", data.fee}, {"channel", data.channel}}));
    }
    finish(tr, document, data.header);
    return document;
}

Document checkInTicket(const Translator& tr, const CheckInTicketData& data) {
    Document document = begin(tr, data.header, "check_in_ticket", "print.checkin.title");
    document.text(tr.tr("print.common.patient", {{"name", maskedName(data.patientName)}}));
    document.text(tr.tr("print.slip.department", {{"department", data.department}}));
    if (!data.doctor.empty()) document.text(tr.tr("print.checkin.doctor", {{"doctor", data.doctor}}));
    document.text(tr.tr("print.checkin.room", {{"room", data.room}}));
    document.text(data.queueNumber, Align::center, 3, true);
    if (data.waitMinutes >= 0) {
        document.text(tr.tr("print.checkin.ahead_wait", {{"count", std::to_string(data.ahead)}, {"minutes", std::to_string(data.waitMinutes)}}),
                      Align::center);
    } else {
        document.text(tr.tr("print.checkin.ahead", {{"count", std::to_string(data.ahead)}}), Align::center);
    }
    if (data.late) document.text(tr.tr("print.checkin.late"), Align::center);
    if (!data.qrData.empty()) {
        document.qr(data.qrData);
        document.text(tr.tr("print.checkin.follow"), Align::center);
    }
    finish(tr, document, data.header);
    return document;
}

Document pickupSlip(const Translator& tr, const PickupSlipData& data) {
    Document document = begin(tr, data.header, "pickup_slip", "print.pickup.title");
    document.text(tr.tr("print.common.patient", {{"name", maskedName(data.patientName)}}));
    if (!data.callNumber.empty()) {
        document.text(tr.tr("print.pickup.number"), Align::center);
        document.text(data.callNumber, Align::center, 3, true);
    }
    if (data.locker > 0 && !data.lockerFailed) {
        document.text(tr.tr("print.pickup.locker", {{"locker", std::to_string(data.locker)}}), Align::center, 2, true);
        document.text(tr.tr("print.pickup.locker_close"));
    } else if (!data.window.empty()) {
        document.text(tr.tr("print.pickup.window", {{"window", data.window}}), Align::center, 2, true);
        if (data.lockerFailed) {
            document.text(tr.tr(data.lockerUnknown ? "print.pickup.locker_unknown" : "print.pickup.locker_failed",
                                {{"locker", std::to_string(data.locker)}}));
        }
        else if (!data.callNumber.empty()) document.text(tr.tr("print.pickup.wait_call"));
        else document.text(tr.tr("print.pickup.no_number"));
    }
    if (!data.prescriptionNo.empty()) document.text(tr.tr("print.pickup.prescription", {{"number", data.prescriptionNo}}));
    Table table{{3, 1}, {{tr.tr("print.pickup.drug"), tr.tr("print.pickup.quantity")}}, true};
    for (const auto& item : data.items) table.rows.push_back({item.drug, item.quantity});
    document.blocks.emplace_back(std::move(table));
    if (!data.prescriptionNo.empty()) document.blocks.emplace_back(Barcode128{data.prescriptionNo});
    finish(tr, document, data.header);
    return document;
}

Document unresolvedPaymentVoucher(const Translator& tr, const UnresolvedPaymentVoucherData& data) {
    Document document = begin(tr, data.header, "unresolved_payment_voucher", "print.voucher.title");
    document.text(tr.tr("print.common.patient", {{"name", maskedName(data.patientName)}}));
    document.text(tr.tr("print.voucher.amount", {{"amount", data.amount}}), Align::left, 1, true);
    document.text(tr.tr("print.common.trade_no", {{"trade_no", data.tradeNo}}), Align::left, 1, true);
    document.blocks.emplace_back(Barcode128{data.tradeNo});
    document.text(tr.tr("print.voucher.explain"));
    document.text(tr.tr("print.voucher.help_desk"));
    finish(tr, document, data.header);
    return document;
}

Document refundNotice(const Translator& tr, const RefundNoticeData& data) {
    Document document = begin(tr, data.header, "refund_notice", "print.refund.title");
    document.text(tr.tr("print.common.patient", {{"name", maskedName(data.patientName)}}));
    if (!data.refundNo.empty()) {
        document.text(tr.tr("print.refund.amount", {{"amount", data.amount}}), Align::left, 1, true);
        document.text(tr.tr("print.refund.channel", {{"channel", data.channel}}));
    }
    if (data.insuranceCancelled) document.text(tr.tr("print.refund.insurance_cancelled"));
    document.text(tr.tr("print.common.trade_no", {{"trade_no", data.tradeNo}}), Align::left, 1, true);
    if (!data.refundNo.empty()) document.text(tr.tr("print.refund.refund_no", {{"refund_no", data.refundNo}}));
    document.blocks.emplace_back(Barcode128{data.tradeNo});
    if (!data.refundNo.empty()) document.text(tr.tr("print.refund.when"));
    document.text(tr.tr("print.refund.cashier"));
    finish(tr, document, data.header);
    return document;
}

SlipHeader slipHeader(const KioskConfig& config, std::string_view language, std::chrono::system_clock::time_point when,
                      std::string documentId) {
    const auto china = std::chrono::floor<std::chrono::seconds>(when) + std::chrono::hours(8);
    return SlipHeader{std::move(documentId), language == "en_US" ? config.hospitalNameEn : config.hospitalNameZh,
                      config.kioskId, fmt::format("{:%Y-%m-%d %H:%M}", china)};
}

Document testPage(const Translator& tr, const TestPageData& data) {
    Document document = begin(tr, data.header, "test_page", "print.test.title");
    document.text(tr.tr("print.test.printer", {{"printer", data.printerName}, {"model", data.model}}));
    document.text(tr.tr("print.test.chinese"));
    document.text(tr.tr("print.test.ascii"));
    document.text(tr.tr("print.test.sizes") + " 1x", Align::left, 1);
    document.text(tr.tr("print.test.sizes") + " 2x", Align::center, 2, true);
    document.text(tr.tr("print.test.sizes") + " 3x", Align::right, 3);
    document.text(tr.tr("print.test.qr"), Align::center);
    document.blocks.emplace_back(QrCode{"YIZHAN-TEST " + data.header.documentId, 6});
    document.text(tr.tr("print.test.barcode"), Align::center);
    document.blocks.emplace_back(Barcode128{"TEST0123456789"});
    finish(tr, document, data.header);
    return document;
}

}  // namespace kiosk::printing
