#pragma once
// The payment saga's journal (DESIGN §6): one row per business order in the kiosk journal
// (component "payments"), written and committed BEFORE every remote step, so that after a crash
// the kiosk knows exactly which remote step may have happened and asks before acting.
//
// States:
//   CREATED → ORDERING → QR_SHOWN → PAID → HIS_COMMITTING → DONE
//   exits: CLOSED (nothing was charged), REFUNDING → REFUNDED, MANUAL (refused: a person decides)
//   UNKNOWN: a remote step's outcome could not be learned (network down); `resume_state` keeps
//            the in-flight state, and only a query (resolve) moves it on, never a guess.
// Terminal: DONE, CLOSED, REFUNDED, MANUAL.
//
// Keys are derived from the order id and never stored-then-changed:
//   order id       <kiosk(≤8 alnum)><yyyyMMddHHmmss><4-digit sequence>   e.g. K01202611230915000007
//   out_trade_no   <order id>P      gateway order
//   his trade_no   <order id>H      HIS PaymentReconciliation business key
//   out_refund_no  <order id>R      gateway refund (honoured once)
//   insurance msgid <12-char fixmedins code><yyyyMMddHHmmss of the order><seq%1000><step digit>
// All money is integer fen.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kiosk/core/error.hpp"
#include "kiosk/core/journal.hpp"

namespace kiosk::payments {

enum class SagaState { created, ordering, qr_shown, paid, his_committing, done, closed, refunding, refunded, manual, unknown };

std::string_view stateName(SagaState state);
std::optional<SagaState> parseState(std::string_view name);
bool isTerminal(SagaState state);

struct PaymentOrder {
    std::string orderId;
    SagaState state = SagaState::created;
    SagaState resumeState = SagaState::created;  ///< for UNKNOWN: the in-flight state to resolve
    std::string patientId;
    std::vector<std::string> chargeIds;
    int64_t amountFen = 0;
    std::string channel;          ///< wechat, alipay, unionpay
    std::string codeUrl;          ///< stored once; re-shown, never re-ordered
    std::string transactionId;    ///< the gateway's payment reference, once paid
    std::string reason;           ///< why MANUAL / UNKNOWN / REFUNDING, for the help desk
    std::string created;          ///< yyyyMMddHHmmss (China time)
    std::string updated;

    std::string outTradeNo() const { return orderId + "P"; }
    std::string hisTradeNo() const { return orderId + "H"; }
    std::string outRefundNo() const { return orderId + "R"; }
    /// The insurance envelope msgid of this order's `step` (0–9) message.
    std::string insuranceMsgid(std::string_view fixmedinsCode, int step) const;
};

class SagaJournal {
public:
    /// Applies the "payments" migrations to `journal` (which outlives this object).
    static Result<SagaJournal> attach(Journal& journal, std::string kioskId);

    /// Writes the CREATED row. Refuses (invalid_argument) a non-positive amount, no charges, an
    /// unknown channel, an empty patient.
    Result<PaymentOrder> create(const std::string& patientId, const std::vector<std::string>& chargeIds,
                                int64_t amountFen, const std::string& channel);
    /// Moves an order to `next`, with optional code_url / transaction id / reason, committed
    /// (fsync) before it returns. `resume` is kept for UNKNOWN.
    Result<PaymentOrder> transition(const PaymentOrder& order, SagaState next, std::string_view reason = {});
    Result<PaymentOrder> setCodeUrl(const PaymentOrder& order, const std::string& codeUrl);
    Result<PaymentOrder> setPaid(const PaymentOrder& order, const std::string& transactionId);

    /// A row that cannot be read back (unknown state, bad amount, missing keys) comes back as a
    /// MANUAL order with the reason; the caller moves it to MANUAL in the journal.
    Result<PaymentOrder> load(const std::string& orderId);
    Result<std::vector<PaymentOrder>> nonTerminal();
    Result<std::vector<PaymentOrder>> all();

    struct Event {
        std::string state;
        std::string reason;
        std::string at;  ///< yyyyMMddHHmmss (China time)
    };
    /// Every transition of an order, oldest first (for `kiosk journal show`).
    Result<std::vector<Event>> events(const std::string& orderId);

    Journal& journal() { return *journal_; }

private:
    SagaJournal(Journal& journal, std::string kioskId) : journal_(&journal), kioskId_(std::move(kioskId)) {}
    Result<std::vector<PaymentOrder>> select(std::string_view where);

    Journal* journal_;
    std::string kioskId_;
};

}  // namespace kiosk::payments
