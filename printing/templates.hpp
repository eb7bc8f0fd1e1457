#pragma once
// Templates: the kiosk's printed documents built as device-neutral Documents. Every word comes
// from the language files (assets/lang/<lang>.printing.json, keys "print.*"); every personal
// value (name, card / ID / phone number) is masked here with kiosk::maskPersonalData, so a
// Document never holds personal data in clear and a receipt lying in the tray shows 张*三.
//
// [X] payment receipt            [X] registration slip (queue number + QR)
// [X] check-in ticket            [X] pickup slip
// [X] unresolved-payment voucher (transaction key + help-desk text, CODE128 of the key)
// [X] technician test page (sizes, alignment, Chinese, QR, CODE128, rule, cut)

#include <chrono>
#include <string>
#include <vector>

#include "kiosk/core/config.hpp"
#include "kiosk/core/i18n.hpp"
#include "printing/document.hpp"

namespace kiosk::printing {

/// Common header data: who printed it, where, when.
struct SlipHeader {
    std::string documentId;  ///< journalled id (reprints)
    std::string hospital;
    std::string kioskId;
    std::string time;  ///< already formatted, "2026-11-23 09:30"
};

/// The header of a slip this kiosk prints now: the hospital's name in `language`, the kiosk id,
/// and the time in China time (UTC+8, as the payment journal keeps it), "2026-11-23 09:30".
SlipHeader slipHeader(const KioskConfig& config, std::string_view language, std::chrono::system_clock::time_point when,
                      std::string documentId);

struct PaymentLine {
    std::string item;
    std::string amount;  ///< "12.50"
};

struct PaymentReceiptData {
    SlipHeader header;
    std::string patientName;  ///< clear: masked by the template
    std::string cardNumber;   ///< clear: masked by the template
    std::vector<PaymentLine> lines;
    std::string total;
    std::string insurancePart;
    std::string selfPart;
    std::string channel;  ///< "微信" / "WeChat Pay" (already in the patient's language)
    std::string tradeNo;
    /// Pickup codes of the prescriptions this payment paid for (each printed with its barcode:
    /// the pharmacy's scanner, or the pickup kiosk's, finds them by it).
    std::vector<std::string> pickupCodes;
    /// Paid on the bank-card terminal: the card number as the terminal masked it (printed with
    /// no more than its first 6 and last 4 digits whatever it holds) and the terminal's voucher
    /// (凭证号), reference (参考号), batch and terminal numbers. Empty for a QR payment.
    std::string bankCard;
    std::string cardVoucher;
    std::string cardReference;
    std::string cardBatch;
    std::string cardTerminal;
    /// A copy printed later ("my records"): marked 补打 / REPRINT, with when the payment was made
    /// ("2026-11-29 09:48") and the HIS's receipt number (may be empty). The header's time is
    /// when the copy was printed.
    bool reprint = false;
    std::string paidAt;
    std::string receiptNo;
};

struct RegistrationSlipData {
    SlipHeader header;
    std::string patientName;
    std::string department;
    std::string doctor;
    std::string slot;  ///< "2026-11-23 10:00-11:00"
    std::string queueNumber;
    std::string qrData;  ///< queue-status link or token
    std::string tradeNo;
};

/// A booking cancelled at the kiosk (退号): which one, and where a paid fee goes back.
/// Where a cancelled booking's paid fee goes.
enum class CancellationRefund {
    counter,   ///< paid elsewhere: refunded at the counter on this notice
    refunded,  ///< sent back by the channel it was paid with (CancellationNoticeData::channel)
    pending,   ///< the refund is being confirmed: keep the notice
    manual,    ///< staff refund it: bring the notice to the counter
};

struct CancellationNoticeData {
    SlipHeader header;
    std::string patientName;   ///< "" when nobody was identified by name: no patient line
    std::string department;
    std::string doctor;        ///< empty: the line is left out
    std::string slot;          ///< "2026-12-02 09:00-09:30"
    std::string appointmentCode;
    bool feePaid = false;      ///< a paid fee: what `refund` says; else "no fee was charged"
    std::string fee;           ///< "12.00" (yuan)
    CancellationRefund refund = CancellationRefund::counter;
    std::string channel;       ///< refunded: the channel's name in the notice's language ("微信支付")
};

struct CheckInTicketData {
    SlipHeader header;
    std::string patientName;
    std::string department;
    std::string room;
    std::string queueNumber;
    int ahead = 0;
    std::string doctor;       ///< empty: the line is left out
    int waitMinutes = -1;     ///< estimated wait; < 0: unknown (the line says only who is ahead)
    std::string qrData;       ///< the queue link ([services] queue_url); empty: no QR
    bool late = false;        ///< checked in after the window: "at the end of the queue"
};

struct PickupItem {
    std::string drug;
    std::string quantity;
};

struct PickupSlipData {
    SlipHeader header;
    std::string patientName;
    std::string window;          ///< the window's number ("3"); empty with a locker that opened
    std::string prescriptionNo;  ///< the pickup code (a barcode the window scans); may be empty
    std::vector<PickupItem> items;
    std::string callNumber;      ///< the number the window calls ("A023"); empty: none given
    int locker = 0;              ///< the locker that opened; 0: none
    bool lockerFailed = false;   ///< the locker did not open: collect at `window` with this slip
    bool lockerUnknown = false;  ///< with lockerFailed: it may have opened (the board did not answer)
};

struct UnresolvedPaymentVoucherData {
    SlipHeader header;
    std::string patientName;
    std::string tradeNo;  ///< the transaction key the help desk looks up
    std::string amount;
};

/// Proof for a patient whose payment was refunded automatically (the HIS refused the commit, or a
/// settlement was cancelled): what went back, to which channel, and the keys a cashier needs.
struct RefundNoticeData {
    SlipHeader header;
    std::string patientName;
    std::string tradeNo;   ///< the business order id
    std::string refundNo;  ///< out_refund_no at the gateway (empty when no cash was paid)
    std::string amount;    ///< cash refunded, yuan
    std::string channel;   ///< "WeChat Pay", "支付宝"… (empty when no cash was paid)
    bool insuranceCancelled = false;  ///< the insurance settlement was reversed too
};

struct TestPageData {
    SlipHeader header;
    std::string printerName;
    std::string model;
};

Document paymentReceipt(const Translator& tr, const PaymentReceiptData& data);
Document registrationSlip(const Translator& tr, const RegistrationSlipData& data);
Document checkInTicket(const Translator& tr, const CheckInTicketData& data);
Document cancellationNotice(const Translator& tr, const CancellationNoticeData& data);
Document pickupSlip(const Translator& tr, const PickupSlipData& data);
Document unresolvedPaymentVoucher(const Translator& tr, const UnresolvedPaymentVoucherData& data);
Document refundNotice(const Translator& tr, const RefundNoticeData& data);
Document testPage(const Translator& tr, const TestPageData& data);

}  // namespace kiosk::printing
