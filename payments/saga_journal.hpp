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
// Insurance orders (kind "insurance", payments/insurance_saga.hpp) add, in order:
//   CREATED → INS_PRESETTLING → INS_PRESETTLED → [cash part > 0: ORDERING → QR_SHOWN → PAID]
//           → INS_SETTLING → INS_SETTLED → HIS_COMMITTING → DONE
//   INS_PRESETTLING  journalled before 1101/2201/2204/2206 (none of them moves money)
//   INS_PRESETTLED   the split (total = fund + account + cash) is stored; the patient decides
//   INS_SETTLING     journalled before 2207 (settle); its msgid is fixed, so a repeat is safe
//   INS_SETTLED      setl_id stored; the HIS commit follows
//   INS_CANCELLING   journalled before 2208 (cancel the settlement) when the HIS refused the
//                    payment; then the cash part is refunded (REFUNDING → REFUNDED)
// Before INS_SETTLING nothing has been settled: recovery closes such an order (CLOSED), after
// querying the gateway for a cash part that may have been paid.
//
// Registration orders (kind "registration", payments/registration_saga.hpp) pay a booking's
// registration fee by QR; their HIS step books the held appointment instead of committing charges:
//   CREATED (hold key journalled) → [hold; appointment id journalled] → ORDERING → QR_SHOWN → PAID
//           → HIS_COMMITTING (book, same hold key) → DONE
//   HIS_COMMITTING also covers the re-hold of an expired hold: the second hold key is journalled
//   (still HIS_COMMITTING) before the second hold is sent. A booking the HIS refuses, or a slot
//   gone when the hold expired, goes REFUNDING → REFUNDED (the hold is then released).
//   CLOSED before payment releases the hold (the HIS would also expire it after its lifetime).
//   Paid by insurance (the patient chose it on the confirmation), the fee takes the insurance
//   order's steps between the hold and the booking (cert_type journalled with INS_PRESETTLING):
//   CREATED → INS_PRESETTLING → INS_PRESETTLED → [cash part > 0: ORDERING → QR_SHOWN → PAID]
//           → INS_SETTLING → INS_SETTLED → HIS_COMMITTING (book) → DONE
//   A pre-settlement the centre refuses or cannot answer, or a split the patient declines, puts
//   the order back to CREATED as self-pay (the same hold; nothing was settled). A booking refused
//   after the settlement, and a cancellation (退号), go INS_CANCELLING (2208) → REFUNDING → REFUNDED.
//   Cancelling (退号) a booking this kiosk sold: DONE → HIS_CANCELLING (journalled before the
//   HIS is asked to cancel the appointment) → REFUNDING → REFUNDED, the fee going back by the
//   channel it came by (out_refund_no <order id>R, or the card's void / refund). The HIS
//   refusing (cut-off passed, checked in meanwhile) puts the order back to DONE.
//
// Bank-card orders (channel "bankcard", payments/bankcard_saga.hpp) pay the cash part (of any
// kind of order) on the kiosk's MIS-POS terminal instead of a QR; the states are the QR's:
//   ORDERING      journalled with the consume's request tag (card_tag) before the terminal is asked
//   PAID          the terminal's approved answer stored: voucher, batch, reference, date, masked PAN
//   REFUNDING     the HIS refused the payment: the reversal (void the same day and batch, else
//                 refund) is journalled with its own tag before it is sent
//   CLOSED        declined / cancelled on the terminal / nobody came (card_result: the reason key)
//   UNKNOWN       the terminal may have acted (time-out, lost answer, helper crash): resolved only
//                 by a query of the terminal's last transaction (same tag), never by charging again
// QR_SHOWN is never used by a bank-card order.
//
// Keys are derived from the order id and never stored-then-changed:
//   order id       <kiosk(≤8 alnum)>-<yyyyMMdd>-<HHmmss><4-digit sequence>   e.g. K01-20261123-0915000007
//                  (no digit run of 12 or more: the log redactor would mask it as a card number)
//   out_trade_no   <order id>P      gateway order
//   his trade_no   <order id>H      HIS PaymentReconciliation business key
//   out_refund_no  <order id>R      gateway refund (honoured once)
//   hold key       <order id>A      registration: the Appointment's business key (identifier) of
//                                   the hold, and the trade_no of the payment the booking carries
//                  <order id>B      the re-hold after the first hold expired while paying
//   insurance msgid <12-char fixmedins code><yyyyMMddHHmmss of the order><seq%1000><step digit>
//                  steps: 0 1101, 1 2201, 2 2204, 3 2206, 4 2207, 5 2208, 6 2601 (reversal of 4);
//                  queries (5203, 3201) change nothing and take the time of the query instead
//                  (PaymentOrder::queryMsgid)
// The credential number and the name are never stored: only the credential type and the
// insurance person number (psn_no), which the centre issues and recovery needs.
// All money is integer fen.

#include <cstdint>
#include <optional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "kiosk/core/error.hpp"
#include "kiosk/core/journal.hpp"

namespace kiosk::payments {

// New states are appended: the numbering is only in memory, the journal stores the names.
enum class SagaState {
    created, ordering, qr_shown, paid, his_committing, done, closed, refunding, refunded, manual, unknown,
    ins_presettling, ins_presettled, ins_settling, ins_settled, ins_cancelling, his_cancelling
};

enum class OrderKind { self_pay, insurance, registration };

/// Insurance envelope step digits of PaymentOrder::insuranceMsgid (see the key table above).
namespace msg_step {
inline constexpr int person = 0, registerVisit = 1, uploadFees = 2, preSettle = 3, settle = 4, cancel = 5, reversal = 6;
}

std::string_view stateName(SagaState state);
std::optional<SagaState> parseState(std::string_view name);
bool isTerminal(SagaState state);

std::string_view kindName(OrderKind kind);

/// A bank-card order's records from the MIS-POS terminal (drivers/pos/pos_terminal.hpp). The tags
/// are written before their request is sent, the rest from the terminal's validated answers.
struct CardRecord {
    std::string tag;           ///< the consume's request tag
    std::string voucher;       ///< 凭证号 of the consume, 6 digits
    std::string batch;         ///< 批次号 of the consume
    std::string reference;     ///< 参考号 of the consume (also the order's transactionId)
    std::string date;          ///< MMDD of the consume, as the terminal gives it
    std::string time;          ///< HHMMSS
    std::string maskedPan;     ///< first 6 / last 4 only ("622848******0018")
    std::string terminalId;    ///< 终端号
    std::string resultKey;     ///< the last answer's patient message key ("pos.declined.wrong_pin"), for the result screen
    std::string reversal;      ///< "void_sale" or "refund" once a reversal was journalled
    std::string reversalTag;   ///< the reversal's request tag
    std::string reversalBatch;      ///< the batch the reversal fell in, once approved
    std::string reversalReference;  ///< its reference, once approved
};

/// wechat, alipay, unionpay (QR) or bankcard (the MIS-POS terminal).
bool isPaymentChannel(std::string_view channel);

struct PaymentOrder {
    std::string orderId;
    SagaState state = SagaState::created;
    SagaState resumeState = SagaState::created;  ///< for UNKNOWN: the in-flight state to resolve
    OrderKind kind = OrderKind::self_pay;
    std::string patientId;
    std::vector<std::string> chargeIds;
    /// What goes through the gateway (the cash part); always equal to cashFen. For an insurance
    /// order it is 0 until the pre-settlement gives the split.
    int64_t amountFen = 0;
    int64_t totalFen = 0;         ///< the charges; self-pay: == amountFen
    int64_t fundFen = 0;          ///< insurance fund (统筹) part
    int64_t accountFen = 0;       ///< personal account (个人账户) part
    int64_t cashFen = 0;          ///< the patient's cash part, by QR
    std::string channel;          ///< wechat, alipay, unionpay, bankcard; empty until the patient chooses
    std::string certType;         ///< insurance credential type 01/02/03 (never the number)
    std::string psnNo;            ///< insurance person number (from 1101)
    std::string mdtrtId;          ///< insurance visit id (from 2201)
    std::string setlId;           ///< insurance settlement id (from 2207)
    std::string codeUrl;          ///< stored once; re-shown, never re-ordered
    std::string transactionId;    ///< the gateway's payment reference, once paid
    std::string reason;           ///< why MANUAL / UNKNOWN / REFUNDING, for the help desk
    std::string slotId;           ///< registration: the Slot held (the order's one "charge")
    std::string holdKey;          ///< registration: the current hold's key (holdKeyOf(0) or (1))
    std::string appointmentId;    ///< registration: the held (then booked) Appointment; empty before the hold answered
    CardRecord card;              ///< bank-card orders only
    std::string created;          ///< yyyyMMddHHmmss (China time)
    std::string updated;

    std::string outTradeNo() const { return orderId + "P"; }
    std::string hisTradeNo() const { return orderId + "H"; }
    std::string outRefundNo() const { return orderId + "R"; }
    /// The insurance envelope msgid of this order's `step` (0–9) message.
    std::string insuranceMsgid(std::string_view fixmedinsCode, int step) const;
    /// A msgid for a query (5203) of this order: the query's own time, so that every query is a
    /// new message (a repeated msgid would get the first answer back).
    std::string queryMsgid(std::string_view fixmedinsCode) const;
    /// Registration hold keys: attempt 0 is the first hold, 1 the re-hold after it expired.
    std::string holdKeyOf(int attempt) const { return orderId + (attempt == 0 ? "A" : "B"); }
    bool insured() const { return kind == OrderKind::insurance; }
    bool registration() const { return kind == OrderKind::registration; }
    /// A registration whose fee goes through the insurance (the patient chose it: the credential
    /// type is journalled before 1101 is sent).
    bool insuredRegistration() const { return kind == OrderKind::registration && !certType.empty(); }
    /// The order is (being) settled by the insurance centre: an insurance order or an insured registration.
    bool usesInsurance() const { return insured() || insuredRegistration(); }
    /// The cash part is (to be) paid on the bank-card terminal.
    bool bankCard() const { return channel == "bankcard"; }
    int64_t insuranceFen() const { return fundFen + accountFen; }
};

/// What SagaJournal::createOrder writes.
struct NewOrder {
    OrderKind kind = OrderKind::self_pay;
    std::string patientId;
    std::vector<std::string> chargeIds;
    int64_t totalFen = 0;
    std::string channel;   ///< may be empty: chosen at showQr
    std::string certType;  ///< insurance only
    std::string slotId;    ///< registration only: the slot whose fee this is (also its one charge id)
};

/// An insurance msgid stamped now (China time) rather than with an order's time: 12-char
/// institution code + yyyyMMddHHmmss + 3-character `sequence` + `kindDigit`. Queries use it (digit
/// 9, PaymentOrder::queryMsgid), and so does identifying a patient by e-voucher (digit 7).
std::string freshInsuranceMsgid(std::string_view fixmedinsCode, std::string_view sequence, char kindDigit);

class SagaJournal {
public:
    /// Applies the "payments" migrations to `journal` (which outlives this object).
    static Result<SagaJournal> attach(Journal& journal, std::string kioskId);

    /// Writes the CREATED row. Refuses (invalid_argument) a non-positive amount, no charges, an
    /// unknown channel, an empty patient.
    Result<PaymentOrder> create(const std::string& patientId, const std::vector<std::string>& chargeIds,
                                int64_t amountFen, const std::string& channel);
    /// The general form: a self-pay or insurance order, the channel possibly not chosen yet.
    Result<PaymentOrder> createOrder(const NewOrder& order);
    /// Moves an order to `next`, committed (fsync) before it returns, with every field of `order`
    /// that may change (channel, amounts, code_url, transaction id, insurance ids, reason).
    /// `resume` is kept for UNKNOWN.
    Result<PaymentOrder> transition(const PaymentOrder& order, SagaState next, std::string_view reason = {});
    Result<PaymentOrder> setCodeUrl(const PaymentOrder& order, const std::string& codeUrl);
    Result<PaymentOrder> setPaid(const PaymentOrder& order, const std::string& transactionId);

    /// A row that cannot be read back (unknown state, bad amount, missing keys) comes back as a
    /// MANUAL order with the reason; the caller moves it to MANUAL in the journal.
    Result<PaymentOrder> load(const std::string& orderId);
    Result<std::vector<PaymentOrder>> nonTerminal();
    /// Orders whose money may still be in question: non-terminal ones and MANUAL ones. Their
    /// charges must not be offered for payment again until a person or a query settles them.
    Result<std::vector<PaymentOrder>> unsettled();
    Result<std::vector<PaymentOrder>> all();
    /// The registration order of this journal that booked `appointmentId` (the newest one when a
    /// slot was held twice); not_found when this kiosk did not sell it. invalid_argument for an
    /// id with other characters than [A-Za-z0-9_-].
    Result<PaymentOrder> registrationOf(const std::string& appointmentId);
    /// The first approved bank-card payment created before `day` (yyyyMMdd, China time) whose
    /// batch has no settlement row: the terminal's batch of an earlier day was never settled.
    Result<std::optional<PaymentOrder>> unsettledCardPaymentBefore(const std::string& day);

    /// How many orders are in each state (state names as stateName()), and when the last order
    /// reached done (Unix seconds; 0 when none has): for the fleet's metrics, one small query.
    struct StateCounts {
        std::map<std::string, int64_t> byState;
        int64_t lastDoneUnixSeconds = 0;
    };
    Result<StateCounts> stateCounts();

    struct Event {
        std::string state;
        std::string reason;
        std::string at;  ///< yyyyMMddHHmmss (China time)
    };
    /// Every transition of an order, oldest first (for `kiosk journal show`).
    Result<std::vector<Event>> events(const std::string& orderId);

    /// The request tags of the most recent bank-card transactions (consumes and reversals of the
    /// last `orders` bank-card orders): a new request takes a tag none of them has, so that the
    /// terminal's "last transaction" can never be mistaken for it.
    Result<std::vector<std::string>> recentCardTags(int orders = 8);

    /// One end-of-day settlement of the card terminal, as journalled by recordCardSettlement.
    struct CardSettlement {
        std::string batch;
        int64_t terminalFen = 0;  ///< the net the terminal reported for the batch
        int64_t journalFen = 0;   ///< consumes minus voids and refunds this journal holds in it
        std::string at;           ///< yyyyMMddHHmmss (China time)
        bool matches() const { return terminalFen == journalFen; }
    };
    /// The net of one terminal batch as this journal sees it: approved consumes in the batch
    /// minus approved voids and refunds that fell in it (fen).
    Result<int64_t> cardBatchNet(const std::string& batch);
    Result<CardSettlement> recordCardSettlement(const std::string& batch, int64_t terminalFen);
    Result<std::vector<CardSettlement>> cardSettlements();

    Journal& journal() { return *journal_; }
    /// The kiosk id as it prefixes this kiosk's order ids.
    const std::string& kioskId() const { return kioskId_; }

private:
    SagaJournal(Journal& journal, std::string kioskId) : journal_(&journal), kioskId_(std::move(kioskId)) {}
    Result<std::vector<PaymentOrder>> select(std::string_view where);

    Journal* journal_;
    std::string kioskId_;
};

}  // namespace kiosk::payments
