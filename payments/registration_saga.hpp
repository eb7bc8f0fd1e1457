#pragma once
// The registration saga (issue 11, DESIGN §6): a booking's registration fee, paid by QR, then the
// held appointment booked with the payment attached. Journalled in the payment_order rows (kind
// "registration"; states and keys in saga_journal.hpp, failpoints in failpoint.hpp).
//  [X] hold: the order (CREATED, hold key <order id>A) is journalled BEFORE the hold is sent; a
//      lost answer is asked again with the same key (the HIS de-duplicates on it); the
//      appointment id is journalled once the hold answered
//  [X] payment: the QR saga's steps unchanged (out_trade_no <order id>P)
//  [X] book: HIS_COMMITTING journalled, then HisDriver::book(appointment, payment) where the
//      payment's trade_no is the hold key (the appointment's own business key); repeating it is
//      safe (an appointment already booked is answered as it is)
//  [X] the hold expired while the patient paid (the HIS refuses the booking and the appointment
//      is cancelled): the second key <order id>B is journalled, the same slot held again and
//      booked; the slot gone meanwhile → refund (out_refund_no <order id>R) → REFUNDED
//  [X] the HIS refuses the booking of a live hold → refund → REFUNDED, and the hold is released
//  [X] a lost answer (book, look-up, hold) → UNKNOWN with the resume state; only a query moves it
//  [X] closed before payment (patient left, QR expired, recovery) → the hold is released
//  [X] recovery of every state (resolve())
//  [X] cancelling (退号) a booking this kiosk sold: HIS_CANCELLING journalled, the HIS cancels the
//      appointment, then the fee is refunded by its own channel (REFUNDING → REFUNDED); the HIS
//      refusing puts the order back to DONE; a lost answer → UNKNOWN, the look-up decides
//  [X] the fee by insurance: preSettle() journals the credential type (INS_PRESETTLING), then
//      the insurance saga's 1101 → 2201 (ipt_otp_no = order id) → 2204 (the fee as one line,
//      kRegistrationFeeListCode) → 2206 → INS_PRESETTLED; the cash part (if any) by QR or card;
//      then 2207 (INS_SETTLING, fixed msgid) → INS_SETTLED → book with the split attached → DONE.
//      A pre-settlement refused or unanswered, or a split the patient declines → back to CREATED
//      self-pay with the same hold (nothing was settled); an answer that cannot be trusted →
//      MANUAL and the hold released. Settled but the booking refused (or cancelled by the
//      patient) → INS_CANCELLING → 2208 → the cash part refunded → REFUNDED.
// Call from a worker thread: every step may block on the network.

#include "kiosk/backend/his_driver.hpp"
#include "payments/insurance_saga.hpp"
#include "payments/qr_saga.hpp"
#include "payments/saga_journal.hpp"

namespace kiosk::payments {

/// The registration fee's line in the 2204 fee upload: 110200001 is 普通门诊诊查费 (general
/// outpatient consultation) in the national medical-service price list (全国医疗服务价格项目规范),
/// class A (甲类) in the insurance catalogue; prefixed with its class as InsuranceSaga does for
/// the HIS's charge codes. A site whose registration fee is another item maps it here.
inline constexpr std::string_view kRegistrationFeeListCode = "A110200001";

/// What RegistrationSaga::hold() gives back: the journalled order and the held appointment.
struct RegistrationHold {
    PaymentOrder order;
    backend::Appointment appointment;
};

class RegistrationSaga {
public:
    RegistrationSaga(SagaJournal& journal, QrPaymentSaga& qr, backend::HisDriver& his, QrSettings settings = {})
        : journal_(journal), qr_(qr), his_(his), settings_(settings) {}

    /// Journals the order (CREATED with the hold key), then holds `slotId` for the patient with
    /// that key. `feeFen` is the fee the list showed (> 0). Errors: invalid_argument (before
    /// anything was journalled); the hold's own errors (slot_taken, blocked, rejected with
    /// "backend.booking_limit") after the order was CLOSED; rejected "payments.fee_changed" when
    /// the held appointment's fee differs from `feeFen` (the hold is released, the order CLOSED);
    /// unknown_outcome / backend_unavailable with the order UNKNOWN (recovery releases any hold).
    /// The error detail names the order id whenever an order was journalled.
    Result<RegistrationHold> hold(const std::string& patientId, const std::string& slotId, int64_t feeFen);
    /// PAID / HIS_COMMITTING → book → DONE; or re-hold and book; or REFUNDING → REFUNDED; or
    /// UNKNOWN (resume HIS_COMMITTING) when the HIS could not be asked.
    Result<PaymentOrder> book(const PaymentOrder& order);
    /// The appointment as the HIS holds it now (by the current hold key).
    Result<backend::Appointment> appointment(const PaymentOrder& order);
    /// Releases the hold of a CLOSED / REFUNDED order (best effort: a hold not released expires
    /// by itself after the hospital's hold lifetime). Returns the order unchanged.
    PaymentOrder releaseHold(const PaymentOrder& order);
    /// Drives any registration order to a terminal state by querying (see the class comment).
    Result<PaymentOrder> resolve(const PaymentOrder& order);
    /// The patient cancels the booking of a DONE order (退号): HIS_CANCELLING is journalled, the
    /// HIS cancels the appointment, then the fee goes back by its channel. Returns the order
    /// REFUNDED, or UNKNOWN (the cancellation's or the refund's answer was lost: recovery asks),
    /// or MANUAL (the refund was refused: a person decides). Errors: invalid_argument (not a
    /// DONE registration; nothing journalled); the HIS's refusal (rejected, messageKey
    /// "backend.cancel_cutoff" or the state's) with the order back in DONE.
    Result<PaymentOrder> cancelBooked(const PaymentOrder& order);

    /// Lets the fee be paid by insurance (the desk attaches its insurance saga when the site has
    /// an insurance centre; it outlives this object).
    void attachInsurance(InsuranceSaga* insurance) { insurance_ = insurance; }
    bool insuranceAttached() const { return insurance_ != nullptr; }
    /// The patient chose insurance for a held fee (a CREATED registration order with its hold):
    /// INS_PRESETTLING with the credential type, then 1101 → 2201 → 2204 → 2206 → INS_PRESETTLED
    /// with the split. The credential number is used and forgotten. A refusal or an unreachable
    /// centre puts the order back to CREATED self-pay (the same hold) and returns the error; an
    /// answer that cannot be trusted moves it to MANUAL, releases the hold and returns the error.
    /// Errors without a change: invalid_argument (not a held CREATED registration, no credential),
    /// invalid_config (no insurance attached).
    Result<PaymentOrder> preSettle(const PaymentOrder& order, const InsuranceCredential& credential);
    /// The patient went back from the split (INS_PRESETTLED, nothing paid or settled): the order
    /// is self-pay again, CREATED with the same hold. Returns the order unchanged in any other state.
    Result<PaymentOrder> backToSelfPay(const PaymentOrder& order, const std::string& reason);
    /// After the fee was paid (PAID; INS_PRESETTLED with no cash part; INS_SETTLING or
    /// INS_SETTLED again): the insurance settlement when insured, then the booking. The outcome
    /// as book() and InsuranceSaga::settleAtCentre() (the hold released when nothing was booked).
    Result<PaymentOrder> settleAndBook(const PaymentOrder& order);

private:
    Result<PaymentOrder> toUnknown(const PaymentOrder& order, const Error& error);
    Result<PaymentOrder> refund(const PaymentOrder& order, const std::string& reason);
    /// The first hold is gone (expired or cancelled): journal key B, hold the slot again.
    Result<PaymentOrder> rehold(const PaymentOrder& order);
    /// HIS_CANCELLING: refunds once the HIS has the appointment cancelled; back to DONE when it
    /// still has it booked (the cancellation never arrived).
    Result<PaymentOrder> resolveCancelling(const PaymentOrder& order, const PaymentOrder& stored);
    /// The appointment is cancelled at the HIS (by the patient): the fee goes back — the
    /// insurance settlement cancelled first (2208) when there was one, then the cash part.
    Result<PaymentOrder> refundCancelled(const PaymentOrder& order);
    /// INS_CANCELLING: 2208 and the cash refund; a hold still held (the booking was refused) is released.
    Result<PaymentOrder> cancelSettlement(const PaymentOrder& order);

    SagaJournal& journal_;
    QrPaymentSaga& qr_;
    backend::HisDriver& his_;
    InsuranceSaga* insurance_ = nullptr;
    QrSettings settings_;
};

}  // namespace kiosk::payments
