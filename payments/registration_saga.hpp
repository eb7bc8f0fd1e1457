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
//  [ ] insurance (2201 register + settlement) for the fee: the insurance saga's steps are keyed
//      to ChargeItems and the HIS fee-list commit; not reused here yet
// Call from a worker thread: every step may block on the network.

#include "kiosk/backend/his_driver.hpp"
#include "payments/qr_saga.hpp"
#include "payments/saga_journal.hpp"

namespace kiosk::payments {

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

private:
    Result<PaymentOrder> toUnknown(const PaymentOrder& order, const Error& error);
    Result<PaymentOrder> refund(const PaymentOrder& order, const std::string& reason);
    /// The first hold is gone (expired or cancelled): journal key B, hold the slot again.
    Result<PaymentOrder> rehold(const PaymentOrder& order);
    /// HIS_CANCELLING: refunds once the HIS has the appointment cancelled; back to DONE when it
    /// still has it booked (the cancellation never arrived).
    Result<PaymentOrder> resolveCancelling(const PaymentOrder& order, const PaymentOrder& stored);

    SagaJournal& journal_;
    QrPaymentSaga& qr_;
    backend::HisDriver& his_;
    QrSettings settings_;
};

}  // namespace kiosk::payments
