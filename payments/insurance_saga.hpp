#pragma once
// The insurance settlement saga (DESIGN §6, notes/protocols.md §4): one business order settled
// through the national envelope, its cash part paid by QR through the gateway, then committed
// to the HIS. Journalled in the same payment_order rows as the QR saga (kind "insurance"); the
// states are documented in saga_journal.hpp, the failpoints in failpoint.hpp.
//  [X] 1101 person → 2201 register (ipt_otp_no = order id) → 2204 fee upload → 2206 pre-settle
//      → INS_PRESETTLED with the split; nothing is charged before the patient confirms it
//  [X] cash part > 0: QR through QrPaymentSaga (amount = cash part, out_trade_no = order id + P);
//      cash part 0: straight to settlement
//  [X] INS_SETTLING → 2207 with the order's fixed msgid; a lost answer is re-sent with the SAME
//      msgid (the centre answers a repeat with its first answer, so this is a query of the
//      original message, never a second settlement) and the settlement is then confirmed by
//      5203; a centre still unreachable leaves the order UNKNOWN (resume INS_SETTLING)
//  [X] 2207 answer that cannot be trusted (another msgid/visit, another split, not whole fen):
//      2601 reversal naming the original msgid, then MANUAL (a person refunds the cash part)
//  [X] 2207 refused → nothing settled → the cash part is refunded (REFUNDED; CLOSED when there
//      was no cash part)
//  [X] HIS commit (total, insurance = fund + account, cash, same trade_no as self-pay) → DONE;
//      rejected → INS_CANCELLING → 2208 → refund the cash part → REFUNDED
//  [X] bad input refused before anything is journalled: no charges, an amount ≤ 0, an unknown
//      credential type; a pre-settlement that does not add up (fund + account + cash ≠ total,
//      total ≠ the charges, not whole fen, another visit) → MANUAL
//  [X] recovery of every insurance state (resolve())
//  [ ] 2202/2205 cancellation of an abandoned registration (moves no money; not in the sim)

#include <optional>
#include <string>
#include <vector>

#include "payments/insurance_client.hpp"
#include "payments/qr_saga.hpp"
#include "payments/saga_journal.hpp"

namespace kiosk::payments {

/// One charge as the UI has it from the HIS (backend::Charge), in integer fen.
struct ChargeLine {
    std::string id;
    std::string code;
    std::string description;
    std::string insuranceClass;  ///< A (甲), B (乙), C (丙)
    int64_t amountFen = 0;
    std::string descriptionEn{}; ///< the HIS's English name; empty when it gives none (shown, never sent)
};

/// The patient's insurance credential. Used for 1101 and then forgotten: never journalled.
struct InsuranceCredential {
    std::string certType;  ///< "01" e-voucher token, "02" ID number, "03" social-security card number
    std::string certNo;
};

class InsuranceSaga {
public:
    /// The HIS commit goes through `qr` (one commit path for both kinds of order).
    InsuranceSaga(SagaJournal& journal, InsuranceClient& insurance, QrPaymentSaga& qr, std::string fixmedinsCode)
        : journal_(journal), insurance_(insurance), qr_(qr), fixmedins_(std::move(fixmedinsCode)) {}

    /// CREATED → INS_PRESETTLING → 1101/2201/2204/2206 → INS_PRESETTLED with the split. Bad input
    /// is refused before the journal (invalid_argument). A refusal or an unreachable centre
    /// closes the order (nothing was charged) and returns the error; an answer that cannot be
    /// trusted moves the order to MANUAL and returns the error. `orderId`, when given, receives
    /// the order id as soon as it is journalled (for the voucher on an error).
    Result<PaymentOrder> preSettle(const std::string& patientId, const std::vector<ChargeLine>& charges,
                                   const InsuranceCredential& credential, std::string* orderId = nullptr);
    /// The pre-settlement's remote steps for an order already journalled in INS_PRESETTLING with
    /// its credential type (an insured registration, RegistrationSaga::preSettle): 1101 → 2201 →
    /// 2204 (`fees`) → 2206, then INS_PRESETTLED with the split (total = the order's totalFen).
    /// On an error the order stays INS_PRESETTLING in the journal (with the visit id once 2201
    /// answered) and the caller decides what the failure means for its kind of order: nothing
    /// has been charged or settled. Errors: the centre's (rejected, unknown_outcome,
    /// backend_unavailable) and invalid_answer for a split that names another visit.
    Result<PaymentOrder> runPreSettlement(PaymentOrder order, const std::vector<FeeLine>& fees, const InsuranceCredential& credential);
    /// PAID (cash part > 0) or INS_PRESETTLED with no cash part, or INS_SETTLING again:
    /// 2207 → INS_SETTLED → HIS commit → DONE, or the compensation.
    Result<PaymentOrder> settle(const PaymentOrder& order);
    /// settle() without the HIS commit, for an order whose HIS step is not a charge commit (a
    /// registration books its appointment instead): INS_SETTLED, or the compensation (REFUNDED /
    /// CLOSED when the centre refused, MANUAL for an answer that cannot be trusted, UNKNOWN).
    Result<PaymentOrder> settleAtCentre(const PaymentOrder& order);
    /// INS_CANCELLING: 2208 → the cash part refunded → REFUNDED (REFUNDED also with no cash part:
    /// the fund and the account were given back). UNKNOWN / MANUAL as the centre answers.
    Result<PaymentOrder> cancel(const PaymentOrder& order);
    /// Drives an insurance order in any state to a terminal one by querying; UNKNOWN while a
    /// remote side is unreachable. Errors only when the journal itself fails.
    Result<PaymentOrder> resolve(const PaymentOrder& order);

    const std::string& fixmedinsCode() const { return fixmedins_; }

private:
    Result<PaymentOrder> toManual(const PaymentOrder& order, const std::string& reason);
    Result<PaymentOrder> toUnknown(const PaymentOrder& order, const Error& error);
    Result<PaymentOrder> afterSettled(const PaymentOrder& order);
    Result<PaymentOrder> refundCash(const PaymentOrder& order, const std::string& reason);
    Result<PaymentOrder> failPreSettle(const PaymentOrder& order, const Error& error);

    SagaJournal& journal_;
    InsuranceClient& insurance_;
    QrPaymentSaga& qr_;
    std::string fixmedins_;
};

}  // namespace kiosk::payments
