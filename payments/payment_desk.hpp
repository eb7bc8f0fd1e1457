#pragma once
// The payment façade the screens code against: one business order per patient visit, quoted,
// paid by QR (cash part) and/or insurance, committed to the HIS, or closed / refunded — over the
// QR saga (qr_saga.hpp) and the insurance saga (insurance_saga.hpp), journalled in one journal.
//
// A screen maps the order's state after each call:
//   DONE                          "payment received"
//   REFUNDED                      refund notice
//   CLOSED                        "nothing was charged"
//   UNKNOWN, MANUAL, anything else "we are confirming your payment" + voucher with orderId;
//                                 `reason` is for the help desk
// Errors (Result) are for calls that could not be made at all (bad input refused before anything
// was journalled, a journal failure, a call in the wrong state). A quote that fails after its
// order was journalled names the order id in the error detail.
//
// Threading: every call may block on the network; call from a worker thread. Calls are
// serialised by the desk (one patient at a time): order() waits while awaitPayment() runs.

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "kiosk/backend/his_driver.hpp"
#include "kiosk/core/config.hpp"
#include "kiosk/core/journal.hpp"
#include "payments/bankcard_saga.hpp"
#include "payments/insurance_saga.hpp"
#include "payments/payment_config.hpp"
#include "payments/qr_saga.hpp"
#include "payments/registration_saga.hpp"

namespace kiosk::payments {

struct PaymentQuote {
    std::string orderId;
    bool insured = false;
    int64_t totalFen = 0, fundFen = 0, accountFen = 0, cashFen = 0;
};

class PaymentDesk {
public:
    /// Reads [payments] (and the insurance keys you add to it) from config; errors name the key.
    static Result<std::unique_ptr<PaymentDesk>> create(const KioskConfig& config, Journal& journal, backend::HisDriver& his);
    /// The same from an already read configuration (tests, probes).
    static Result<std::unique_ptr<PaymentDesk>> create(const PaymentConfig& config, const std::string& kioskId, Journal& journal,
                                                       backend::HisDriver& his);

    /// Journals a business order for these charges. With a credential: 1101→2201→2204→2206, the quote
    /// carries the split; without: self-pay, cashFen = totalFen. Nothing is charged yet.
    Result<PaymentQuote> quote(const std::string& patientId, const std::vector<ChargeLine>& charges,
                               const std::optional<InsuranceCredential>& credential);
    /// A booking's registration fee (issue 11): journals a registration order (the hold key with
    /// it), then holds the slot with that key (payments/registration_saga.hpp). The order then
    /// goes through showQr / awaitPayment / finish (finish books the appointment) or abandon
    /// (closes and releases the hold). Refuses (rejected "payments.charge_pending") a slot whose
    /// earlier order is not settled yet. Errors as RegistrationSaga::hold().
    Result<RegistrationHold> holdForRegistration(const std::string& patientId, const std::string& slotId, int64_t feeFen);
    /// The patient pays a held registration fee (holdForRegistration's CREATED order) by
    /// insurance: 1101 → 2201 → 2204 → 2206 (RegistrationSaga::preSettle); the order comes back
    /// INS_PRESETTLED with the split (fundFen, accountFen, cashFen). Then showQr / chargeCard for
    /// a cash part, and finish() (2207, then the booking), or backToSelfPay / abandon. Errors: the
    /// centre's refusal or silence (the order is self-pay again, CREATED with the same hold: the
    /// patient may pay by QR), an answer that cannot be trusted (MANUAL, the hold released),
    /// invalid_config "payments.insurance_unavailable" (no insurance centre), invalid_argument.
    Result<PaymentOrder> preSettleRegistration(const std::string& orderId, const InsuranceCredential& credential);
    /// The patient went back from a registration's insurance split: self-pay again (CREATED, the
    /// same hold; nothing was settled). The order unchanged when it is past the split.
    Result<PaymentOrder> backToSelfPay(const std::string& orderId);
    /// The appointment of a registration order as the HIS holds it now (for the slip).
    Result<backend::Appointment> registrationAppointment(const std::string& orderId);
    /// The booked registration (DONE) of this kiosk's journal for `appointmentId`, whose fee a
    /// cancellation here sends back by its own channel; std::nullopt when this kiosk did not
    /// sell the booking (phone, counter, another kiosk: the fee is refunded where it was paid).
    /// Error rejected ("cancel.refused_settling") when this kiosk's order for it is being
    /// cancelled or refunded already (HIS_CANCELLING, REFUNDING, UNKNOWN, MANUAL, REFUNDED): a
    /// second cancellation must not send the patient to the counter for a refund the journal
    /// will make (or made).
    Result<std::optional<PaymentOrder>> refundableBooking(const std::string& appointmentId);
    /// Cancels (退号) a booking this kiosk sold, and refunds its fee by its own channel
    /// (RegistrationSaga::cancelBooked): the order REFUNDED, UNKNOWN (being confirmed) or MANUAL.
    /// std::nullopt when this kiosk did not sell it (nothing is journalled or asked: the caller
    /// cancels at the HIS itself). Errors as refundableBooking() and RegistrationSaga::cancelBooked().
    Result<std::optional<PaymentOrder>> cancelBooking(const std::string& appointmentId);
    /// Patient confirmed; `channel` is wechat|alipay|unionpay for the cash part. Creates the gateway order
    /// (or re-shows the stored code_url). For cashFen == 0 returns the order without a QR (codeUrl empty).
    Result<PaymentOrder> showQr(const std::string& orderId, const std::string& channel);
    /// Attaches the kiosk's bank-card terminal (the device registry owns it and it outlives the
    /// desk): the "bankcard" channel is offered from then on (payments/bankcard_saga.hpp).
    void attachCardTerminal(drivers::pos::PosTerminal& terminal);
    /// Whether a bank-card terminal is attached.
    bool bankCardEnabled() const { return card_ != nullptr; }
    /// Pays the order's cash part on the bank-card terminal (instead of showQr + awaitPayment):
    /// blocks while the patient inserts, swipes or taps the card and types the PIN on the
    /// terminal (up to the driver's answer_timeout_ms). Returns the order PAID (then finish() as
    /// after a QR), CLOSED (nothing charged: declined, cancelled on the terminal, nobody came, the
    /// terminal unavailable; order.card.resultKey has the pos.* message key), UNKNOWN (money may
    /// have moved: "we are confirming") or MANUAL. Errors, with nothing journalled and the order
    /// left as it was (the patient may choose another channel): no terminal ("pos.unavailable"),
    /// sign-in failed ("pos.unavailable"), an earlier card transaction still unknown
    /// ("pos.pending"), the order not payable (already paid / terminal, no cash part).
    Result<PaymentOrder> chargeCard(const std::string& orderId, const drivers::CancelToken& cancel = {});
    /// End-of-day settlement of the card terminal, compared with the journal (both journalled;
    /// `kiosk journal reconcile` reports a difference). Errors as BankCardSaga::settle().
    Result<CardSettlementReport> settleCards();
    /// The settlement when it is due: after [payments] card_settle_at (China time) when none was
    /// made today, or at once when a card payment of an earlier day is in a batch not settled yet
    /// (the kiosk was off at the hour). std::nullopt when not due or no terminal is attached.
    /// Call between patients (it blocks on the terminal for a few seconds).
    Result<std::optional<CardSettlementReport>> settleCardsIfDue(std::chrono::system_clock::time_point now);
    /// Blocks (worker thread) until paid, the countdown ends (query once more, close) or `cancelled()`.
    Result<PaymentOrder> awaitPayment(const std::string& orderId, const std::function<bool()>& cancelled = {});
    /// After PAID (or cashFen == 0): insurance 2207 when insured, then HIS commit (a
    /// registration: the booking) → DONE, or the compensation (REFUNDED / UNKNOWN / MANUAL).
    Result<PaymentOrder> finish(const std::string& orderId);
    /// The patient declined the split or left before paying: closes without charging (CLOSED;
    /// a gateway order is closed; a close that says "already paid" continues as PAID → finish).
    Result<PaymentOrder> abandon(const std::string& orderId);
    /// Every non-terminal order (QR and insurance) resolved against gateway, insurance centre and HIS.
    Result<RecoveryReport> recover();
    Result<PaymentOrder> order(const std::string& orderId);
    /// Orders whose money may still be in question (non-terminal or MANUAL): their charges are not
    /// offered or quoted again until a query or a person settles them.
    Result<std::vector<PaymentOrder>> openOrders();
    /// Orders per outcome for the fleet's metrics: pending = not yet at an end (the outcome may
    /// still be unknown), manual = waiting for a person; done / refunded / closed = ended.
    struct OrderCounts {
        int64_t pending = 0;
        int64_t manual = 0;
        int64_t done = 0;
        int64_t refunded = 0;
        int64_t closed = 0;
        int64_t lastDoneUnixSeconds = 0;  ///< 0: no order has reached done
    };
    Result<OrderCounts> orderCounts();
    const QrSettings& qrSettings() const;

    /// One order resolved by querying (what `kiosk journal resolve --order` does).
    Result<PaymentOrder> resolve(const std::string& orderId);
    /// Whether insurance is configured (insurance_url); without it quote() refuses a credential.
    bool insuranceEnabled() const { return insuranceClient_ != nullptr; }

    SagaJournal& journal() { return *journal_; }
    GatewayClient& gateway() { return *gateway_; }
    backend::HisDriver& his() { return *his_; }
    /// Null when insurance is not configured.
    InsuranceClient* insurance() { return insuranceClient_.get(); }
    const InsuranceSite& site() const { return site_; }

private:
    PaymentDesk() = default;
    Result<PaymentOrder> loadLocked(const std::string& orderId);
    Result<PaymentOrder> resolveLocked(const PaymentOrder& order);
    Result<PaymentOrder> finishLocked(const PaymentOrder& order);

    std::mutex mutex_;
    std::unique_ptr<SagaJournal> journal_;
    backend::HisDriver* his_ = nullptr;  ///< owned by the caller, outlives the desk
    std::unique_ptr<GatewayClient> gateway_;
    std::unique_ptr<InsuranceClient> insuranceClient_;
    std::unique_ptr<QrPaymentSaga> qr_;
    std::unique_ptr<InsuranceSaga> insuranceSaga_;
    std::unique_ptr<RegistrationSaga> registration_;
    std::unique_ptr<BankCardSaga> card_;
    InsuranceSite site_;
    QrSettings settings_;
    std::chrono::minutes cardSettleAt_{22 * 60 + 30};
    std::chrono::seconds cardQueryWait_{120};
};

}  // namespace kiosk::payments
