#pragma once
// The bank-card payment saga (issue 16): the cash part of an order (self-pay, insurance or a
// registration fee) paid on the kiosk's UnionPay MIS-POS terminal (drivers/pos/pos_terminal.hpp)
// instead of by QR, with the QR saga's money guarantees. States and keys: saga_journal.hpp.
//  [X] the consume's request tag is journalled (ORDERING) before the terminal is asked; the tag
//      differs from every recent bank-card transaction's, so "the terminal's last transaction"
//      can be told apart from ours
//  [X] sign-in once a (China) day before the first transaction, and again when the terminal
//      answers "not signed in" (nothing was charged: a new tag, journalled, then the consume)
//  [X] approved → PAID with voucher / batch / reference / date / masked card number; the HIS
//      commit is the QR saga's (same business key <order>H)
//  [X] declined / cancelled / walked away / terminal unavailable → CLOSED with the reason key
//  [X] unknown outcome (time-out, lost or bad answer, helper crash) → UNKNOWN; resolved only by
//      a query of the terminal's last transaction (same tag and amount), never by charging again;
//      "another transaction is the last one" is believed only once queryWait has passed since
//      the request was sent (the terminal may still be finishing it)
//  [X] the HIS refused the payment → REFUNDING: a void the same day in the same batch, else a
//      refund with the stored reference and date; the reversal's tag is journalled before it is
//      sent; its unknown outcome is resolved by a query the same way
//  [X] no new terminal transaction while an earlier one's outcome is unknown (a query could then
//      no longer find it): chargeCard refuses with "pos.pending"
//  [X] end-of-day settlement: the terminal's batch net is compared with the journal's and both
//      are journalled (card_settlement) for `kiosk journal reconcile`
// Failpoints (payments/failpoint.hpp): card_before_consume, card_after_consume, paid,
// card_before_reversal, card_after_reversal (and the QR saga's HIS commit steps).
// Every call blocks on the terminal (up to the driver's answer time-out while the patient is at
// it): call from a worker thread.

#include <chrono>
#include <functional>
#include <string>

#include "drivers/pos/pos_terminal.hpp"
#include "payments/saga_journal.hpp"

namespace kiosk::payments {

/// The result of an end-of-day settlement.
struct CardSettlementReport {
    std::string batch;
    int64_t terminalFen = 0;  ///< the net the terminal settled
    int64_t journalFen = 0;   ///< the net of the journal's bank-card orders in that batch
    bool matches() const { return terminalFen == journalFen; }
};

class BankCardSaga {
public:
    /// `terminal` is owned by the device registry and outlives the saga. `now` gives the wall
    /// clock (tests move it to another day); the China day decides sign-in and void-or-refund.
    /// `queryWait`: how long after a transaction was sent a query answering "the last
    /// transaction is another one" is believed. A real terminal may still be reading the card or
    /// waiting for the bank after our answer time-out, and finish the charge after the query;
    /// until then the order stays UNKNOWN ([payments] card_query_wait_s). A query that finds the
    /// transaction made is believed at once.
    BankCardSaga(SagaJournal& journal, drivers::pos::PosTerminal& terminal, std::chrono::seconds queryWait = std::chrono::seconds(120),
                 std::function<std::chrono::system_clock::time_point()> now = [] { return std::chrono::system_clock::now(); })
        : journal_(journal), terminal_(terminal), queryWait_(queryWait), now_(std::move(now)) {}

    /// Pays `order`'s cash part (CREATED or INS_PRESETTLED, channel bankcard) on the terminal:
    /// PAID, CLOSED (nothing charged; card.resultKey says why), UNKNOWN, or MANUAL (an answer that
    /// contradicts the request). Errors: the journal failed, the order is in another state, or an
    /// earlier card transaction is still unknown (rejected "pos.pending", nothing journalled).
    Result<PaymentOrder> charge(const PaymentOrder& order, const drivers::CancelToken& cancel = {});
    /// REFUNDING: voids (same China day, the batch not settled) or refunds the consume → REFUNDED;
    /// a refusal of the reversal → MANUAL (a person gives the money back); unknown → UNKNOWN.
    Result<PaymentOrder> reverse(const PaymentOrder& order);
    /// ORDERING (a consume in flight) or REFUNDING (a reversal in flight), possibly as the resume
    /// state of UNKNOWN: asks the terminal what its last transaction was. A consume that was made
    /// → PAID (the caller commits it), one that was not → CLOSED; a reversal that was made →
    /// REFUNDED, one that was not is sent again (a new tag). Stays UNKNOWN while the terminal
    /// cannot answer. Other states come back unchanged.
    Result<PaymentOrder> resolve(const PaymentOrder& order);
    /// Signs the terminal in when it has not signed in today (China time) through this kiosk.
    Result<void> signInIfDue(const drivers::CancelToken& cancel = {});
    /// End of day: settles the terminal's batch and compares it with the journal; both figures
    /// are journalled. Refused while a card transaction's outcome is unknown.
    Result<CardSettlementReport> settle();

    drivers::pos::PosTerminal& terminal() { return terminal_; }

private:
    Result<std::string> freshTag();
    Result<void> refuseWhileUnknown(const std::string& exceptOrderId);
    Result<PaymentOrder> toManual(const PaymentOrder& order, const std::string& reason);
    Result<PaymentOrder> toUnknown(const PaymentOrder& order, const Error& error);
    Result<PaymentOrder> onApproved(const PaymentOrder& order, const drivers::pos::PosAnswer& answer);
    Result<PaymentOrder> sendReversal(const PaymentOrder& order);
    Result<PaymentOrder> onReversed(const PaymentOrder& order, const drivers::pos::PosAnswer& answer);
    drivers::pos::PosRequest consumeRequest(const PaymentOrder& order) const;
    drivers::pos::PosRequest reversalRequest(const PaymentOrder& order) const;
    std::string chinaMonthDay() const;
    /// Whether `queryWait` has passed since the order's in-flight request (the last ORDERING or
    /// REFUNDING transition) was journalled.
    Result<bool> waitedLongEnough(const PaymentOrder& order, SagaState sentIn) const;

    SagaJournal& journal_;
    drivers::pos::PosTerminal& terminal_;
    std::chrono::seconds queryWait_;
    std::function<std::chrono::system_clock::time_point()> now_;
};

}  // namespace kiosk::payments
