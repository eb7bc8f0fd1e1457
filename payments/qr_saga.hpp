#pragma once
// The QR payment saga (DESIGN §6, notes/protocols.md §5): one business order paid by WeChat /
// Alipay / UnionPay QR through the hospital gateway, then committed to the HIS.
//  [X] journal row committed before every remote step (saga_journal.hpp), failpoints between
//  [X] create → code_url → poll (settings.pollInterval) → on timeout query once more, close;
//      a close answering "already paid" is PAID
//  [X] the stored code_url is re-shown, never re-ordered
//  [X] HIS commit with the order's trade_no; lost answer → look the key up, retry same key
//  [X] HIS business rejection → refund with the deterministic out_refund_no → REFUNDED
//  [X] bad answers (other order, other amount, refund not possible) → MANUAL with the reason
//  [X] unreachable gateway/HIS → UNKNOWN (resume state kept), resolved only by querying
//  [X] start-up recovery of every non-terminal row (recover())
//  [X] the cash part of an insurance order (payments/insurance_saga.hpp): amountFen is the cash
//      part; a PAID insurance order is left for the settlement (2207) before the HIS commit, and
//      a HIS rejection of it goes to INS_CANCELLING (2208 first, then this refund)
// Call from a worker thread: awaitPayment() blocks up to settings.qrTimeout.

#include <chrono>
#include <functional>
#include <vector>

#include "kiosk/backend/his_driver.hpp"
#include "payments/gateway_client.hpp"
#include "payments/saga_journal.hpp"

namespace kiosk::payments {

struct QrSettings {
    std::chrono::milliseconds pollInterval{2000};
    std::chrono::milliseconds qrTimeout{120000};  ///< the patient's countdown
    int hisCommitAttempts = 3;                    ///< commit, look up, commit again with the same key
};

struct RecoveryReport {
    std::vector<PaymentOrder> resolved;  ///< now terminal (DONE, CLOSED, REFUNDED, MANUAL)
    std::vector<PaymentOrder> pending;   ///< still UNKNOWN: voucher with orderId, help desk
};

class BankCardSaga;

class QrPaymentSaga {
public:
    QrPaymentSaga(SagaJournal& journal, GatewayClient& gateway, backend::HisDriver& his, QrSettings settings = {})
        : journal_(journal), gateway_(gateway), his_(his), settings_(settings) {}

    /// Journals the CREATED order (nothing remote yet).
    Result<PaymentOrder> start(const std::string& patientId, const std::vector<std::string>& chargeIds, int64_t amountFen,
                               const std::string& channel);
    /// ORDERING → gateway create → QR_SHOWN with code_url. An order that already has a code_url
    /// gets it back without a call (re-shown, never re-ordered).
    Result<PaymentOrder> showQr(const PaymentOrder& order);
    /// Polls until paid (PAID) or the countdown ends (query once more, close: CLOSED or PAID).
    /// `cancelled` (optional) ends the wait early, as the patient pressing "cancel".
    Result<PaymentOrder> awaitPayment(const PaymentOrder& order, const std::function<bool()>& cancelled = {});
    /// PAID (self-pay) / INS_SETTLED (insurance) → HIS_COMMITTING → DONE; a business rejection →
    /// REFUNDING → REFUNDED (self-pay) or INS_CANCELLING (insurance: the settlement goes first).
    Result<PaymentOrder> commitToHis(const PaymentOrder& order);
    /// Closes the gateway order (the patient left): CLOSED, or PAID when the gateway answers that
    /// it was paid already.
    Result<PaymentOrder> closeOrder(const PaymentOrder& order);
    /// REFUNDING: refunds the cash part with out_refund_no after checking what the gateway holds.
    Result<PaymentOrder> refund(const PaymentOrder& order);
    /// Drives any order to a terminal state by querying; UNKNOWN when a remote side is still
    /// unreachable. Errors only when the journal itself fails.
    Result<PaymentOrder> resolve(const PaymentOrder& order);
    /// Resolves every non-terminal self-pay row (start-up, before a new patient is accepted).
    /// Insurance rows are reported pending untouched: PaymentDesk::recover() resolves them.
    Result<RecoveryReport> recover();
    /// Bank-card orders (channel bankcard) take their payment, refund and resolve steps from
    /// `card` (payments/bankcard_saga.hpp), which outlives this saga; without one (no terminal
    /// configured) such an order stays where it is until a terminal is configured again.
    void attachCardSaga(BankCardSaga* card) { card_ = card; }

private:
    Result<PaymentOrder> toManual(const PaymentOrder& order, const std::string& reason);
    Result<PaymentOrder> toUnknown(const PaymentOrder& order, const Error& error);
    Result<PaymentOrder> onGatewayOrder(const PaymentOrder& order, const GatewayOrder& remote);
    Result<PaymentOrder> resolveCommit(const PaymentOrder& order);
    /// A bank-card order's terminal step: `order` is `stored` with an UNKNOWN resolved to its
    /// resume state (in memory); REFUNDING reverses, anything else is resolved by a query.
    Result<PaymentOrder> resolveCard(const PaymentOrder& stored, const PaymentOrder& order);

    SagaJournal& journal_;
    GatewayClient& gateway_;
    backend::HisDriver& his_;
    QrSettings settings_;
    BankCardSaga* card_ = nullptr;
};

}  // namespace kiosk::payments
