// The QR payment saga over real HTTP against hospital-sim: happy path, lost answers, late
// payments, 5xx, timeouts, business rejection with refund, answers for another order.
#include "tests/payments/payment_fixture.hpp"

namespace kiosk::payments::test {
namespace {

class QrSagaTest : public PaymentFixture {};

TEST_F(QrSagaTest, HappyPathPaysOnceAndCommitsOnceAndReShowsTheStoredQr) {
    const auto charge = pickCharge();
    ASSERT_GT(charge.amountFen, 0);
    auto order = saga_->start(charge.patientId, {charge.chargeId}, charge.amountFen, "wechat");
    ASSERT_TRUE(order) << order.error().describe();
    order = saga_->showQr(*order);
    ASSERT_TRUE(order) << order.error().describe();
    ASSERT_EQ(order->state, SagaState::qr_shown);
    EXPECT_NE(order->codeUrl.find(order->outTradeNo()), std::string::npos);
    // Re-showing never re-orders: a create now would meet a 500 and leave the order UNKNOWN.
    sim_.armFault("http_500", "POST", "/gateway/orders", 1);
    auto again = saga_->showQr(*order);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->state, SagaState::qr_shown);
    EXPECT_EQ(again->codeUrl, order->codeUrl);
    sim_.call("DELETE", "/admin/faults");

    phonePays(*order);
    order = saga_->awaitPayment(*order);
    ASSERT_TRUE(order) << order.error().describe();
    ASSERT_EQ(order->state, SagaState::paid);
    order = saga_->commitToHis(*order);
    ASSERT_TRUE(order) << order.error().describe();
    EXPECT_EQ(order->state, SagaState::done) << order->reason;
    EXPECT_EQ(gatewayOrder(*order)["status"], "SUCCESS");
    EXPECT_EQ(sim_.commits(order->outTradeNo()), 1);
    EXPECT_EQ(sim_.commits(order->hisTradeNo()), 1);
    EXPECT_EQ(sim_.commits(order->outRefundNo()), 0);
    auto loaded = sagaJournal_->load(order->orderId);
    ASSERT_TRUE(loaded);
    EXPECT_EQ(loaded->state, SagaState::done);
}

TEST_F(QrSagaTest, LostAnswerAfterHisCommitIsFoundByTheBusinessKey) {
    const auto charge = pickCharge();
    auto order = saga_->start(charge.patientId, {charge.chargeId}, charge.amountFen, "alipay");
    ASSERT_TRUE(order);
    order = saga_->showQr(*order);
    ASSERT_TRUE(order && order->state == SagaState::qr_shown);
    phonePays(*order);
    order = saga_->awaitPayment(*order);
    ASSERT_TRUE(order && order->state == SagaState::paid);
    sim_.armFault("drop_after_commit", "POST", "/fhir/PaymentReconciliation", 1);
    order = saga_->commitToHis(*order);
    ASSERT_TRUE(order) << order.error().describe();
    EXPECT_EQ(order->state, SagaState::done) << order->reason;
    EXPECT_EQ(sim_.commits(order->hisTradeNo()), 1);  // committed once, never twice
}

TEST_F(QrSagaTest, PaymentRacingTheCloseIsPaidAndCommitted) {
    const auto charge = pickCharge();
    auto order = saga_->start(charge.patientId, {charge.chargeId}, charge.amountFen, "wechat");
    ASSERT_TRUE(order);
    order = saga_->showQr(*order);
    ASSERT_TRUE(order && order->state == SagaState::qr_shown);
    // The patient pays, but every query still answers NOTPAY (a lagging read): only the close
    // learns "already paid" (409 ORDER_PAID).
    phonePays(*order);
    armForever({{"kind", "answer"}, {"method", "GET"}, {"path", "/gateway/orders/" + order->outTradeNo()}, {"status", 200},
                {"body", {{"out_trade_no", order->outTradeNo()}, {"status", "NOTPAY"}, {"amount_fen", charge.amountFen}}},
                {"content_type", "application/json"}});
    order = saga_->awaitPayment(*order);
    ASSERT_TRUE(order) << order.error().describe();
    ASSERT_EQ(order->state, SagaState::paid) << order->reason;
    sim_.call("DELETE", "/admin/faults");
    order = saga_->commitToHis(*order);
    ASSERT_TRUE(order);
    EXPECT_EQ(order->state, SagaState::done);
    EXPECT_EQ(sim_.commits(order->hisTradeNo()), 1);
}

TEST_F(QrSagaTest, LatePaymentAfterCloseIsRefusedAndNothingIsCharged) {
    const auto charge = pickCharge();
    auto order = saga_->start(charge.patientId, {charge.chargeId}, charge.amountFen, "unionpay");
    ASSERT_TRUE(order);
    order = saga_->showQr(*order);
    ASSERT_TRUE(order && order->state == SagaState::qr_shown);
    order = saga_->awaitPayment(*order);  // nobody pays: countdown, query, close
    ASSERT_TRUE(order) << order.error().describe();
    EXPECT_EQ(order->state, SagaState::closed);
    long status = 0;
    sim_.call("POST", "/gateway/orders/" + order->outTradeNo() + "/simulate-paid", nullptr, &status);
    EXPECT_EQ(status, 409);  // the phone's late payment is refused by the gateway
    EXPECT_EQ(gatewayOrder(*order)["status"], "CLOSED");
    auto report = saga_->recover();
    ASSERT_TRUE(report);
    EXPECT_TRUE(report->resolved.empty());  // CLOSED is terminal: nothing to resolve
    EXPECT_EQ(sim_.commits(order->hisTradeNo()), 0);
}

TEST_F(QrSagaTest, GatewayServerErrorOnCreateIsUnknownThenResolvedByQuery) {
    const auto charge = pickCharge();
    auto order = saga_->start(charge.patientId, {charge.chargeId}, charge.amountFen, "wechat");
    ASSERT_TRUE(order);
    sim_.armFault("http_500", "POST", "/gateway/orders", 1);
    order = saga_->showQr(*order);
    ASSERT_TRUE(order);
    EXPECT_EQ(order->state, SagaState::unknown);
    EXPECT_EQ(order->resumeState, SagaState::ordering);
    auto resolved = saga_->resolve(*order);
    ASSERT_TRUE(resolved) << resolved.error().describe();
    EXPECT_EQ(resolved->state, SagaState::closed);  // the 500 came before the handler: no order exists
    EXPECT_EQ(sim_.commits(order->outTradeNo()), 0);
}

TEST_F(QrSagaTest, GatewayTimeoutOnCreateIsUnknownNeverFailedThenResolved) {
    const auto charge = pickCharge();
    auto order = saga_->start(charge.patientId, {charge.chargeId}, charge.amountFen, "alipay");
    ASSERT_TRUE(order);
    sim_.armFault("timeout", "POST", "/gateway/orders", 1, 1500);  // longer than the 1 s call timeout
    order = saga_->showQr(*order);
    ASSERT_TRUE(order);
    EXPECT_EQ(order->state, SagaState::unknown);
    EXPECT_EQ(order->resumeState, SagaState::ordering);
    EXPECT_NE(order->reason.find("unknown_outcome"), std::string::npos) << order->reason;
    auto resolved = saga_->resolve(*order);
    ASSERT_TRUE(resolved);
    EXPECT_EQ(resolved->state, SagaState::closed);
}

TEST_F(QrSagaTest, ServerErrorsWhilePollingAreRiddenOutUntilThePaymentIsSeen) {
    const auto charge = pickCharge();
    auto order = saga_->start(charge.patientId, {charge.chargeId}, charge.amountFen, "wechat");
    ASSERT_TRUE(order);
    order = saga_->showQr(*order);
    ASSERT_TRUE(order && order->state == SagaState::qr_shown);
    phonePays(*order);
    sim_.armFault("http_503", "GET", "/gateway/orders/" + order->outTradeNo(), 3);
    settings_.qrTimeout = std::chrono::milliseconds(2000);
    QrPaymentSaga patient(*sagaJournal_, *gateway_, *his_, settings_);
    order = patient.awaitPayment(*order);
    ASSERT_TRUE(order) << order.error().describe();
    EXPECT_EQ(order->state, SagaState::paid) << order->reason;
    const auto stats = sim_.call("GET", "/admin/stats");
    EXPECT_EQ(stats.value("armed_faults", -1), 0);  // all three 503s were met, and polling went on
}

TEST_F(QrSagaTest, HisServerErrorIsRetriedWithTheSameKey) {
    const auto charge = pickCharge();
    auto order = saga_->start(charge.patientId, {charge.chargeId}, charge.amountFen, "wechat");
    ASSERT_TRUE(order);
    order = saga_->showQr(*order);
    ASSERT_TRUE(order);
    phonePays(*order);
    order = saga_->awaitPayment(*order);
    ASSERT_TRUE(order && order->state == SagaState::paid);
    sim_.armFault("http_503", "POST", "/fhir/PaymentReconciliation", 1);
    order = saga_->commitToHis(*order);
    ASSERT_TRUE(order);
    EXPECT_EQ(order->state, SagaState::done) << order->reason;
    EXPECT_EQ(sim_.commits(order->hisTradeNo()), 1);
}

TEST_F(QrSagaTest, HisTimeoutLeavesThePaymentPendingNeverFailedUntilRecoveryCommitsIt) {
    const auto charge = pickCharge();
    auto order = saga_->start(charge.patientId, {charge.chargeId}, charge.amountFen, "wechat");
    ASSERT_TRUE(order);
    order = saga_->showQr(*order);
    ASSERT_TRUE(order);
    phonePays(*order);
    order = saga_->awaitPayment(*order);
    ASSERT_TRUE(order && order->state == SagaState::paid);
    sim_.armFault("timeout", "POST", "/fhir/PaymentReconciliation", 5, 1500);
    order = saga_->commitToHis(*order);
    ASSERT_TRUE(order);
    EXPECT_EQ(order->state, SagaState::unknown);
    EXPECT_EQ(order->resumeState, SagaState::his_committing);
    EXPECT_EQ(sim_.commits(order->hisTradeNo()), 0);
    sim_.call("DELETE", "/admin/faults");
    auto report = saga_->recover();  // the kiosk restarts; the HIS is back
    ASSERT_TRUE(report) << report.error().describe();
    ASSERT_EQ(report->resolved.size(), 1U);
    EXPECT_EQ(report->resolved[0].state, SagaState::done) << report->resolved[0].reason;
    EXPECT_EQ(sim_.commits(order->hisTradeNo()), 1);
}

TEST_F(QrSagaTest, GatewayUnreachableAtRecoveryStaysPendingWithItsKey) {
    const auto charge = pickCharge();
    auto order = saga_->start(charge.patientId, {charge.chargeId}, charge.amountFen, "wechat");
    ASSERT_TRUE(order);
    order = saga_->showQr(*order);
    ASSERT_TRUE(order && order->state == SagaState::qr_shown);
    armForever({{"kind", "http_503"}, {"method", "GET"}, {"path", "/gateway/orders/"}});
    auto report = saga_->recover();
    ASSERT_TRUE(report);
    ASSERT_EQ(report->pending.size(), 1U);
    EXPECT_EQ(report->pending[0].state, SagaState::unknown);
    EXPECT_EQ(report->pending[0].orderId, order->orderId);  // the voucher's transaction key
    sim_.call("DELETE", "/admin/faults");
    report = saga_->recover();
    ASSERT_TRUE(report);
    ASSERT_EQ(report->resolved.size(), 1U);
    EXPECT_EQ(report->resolved[0].state, SagaState::closed);
}

TEST_F(QrSagaTest, HisBusinessRejectionRefundsWithTheDeterministicKey) {
    const auto charge = pickCharge();
    // Someone paid this charge at the cashier meanwhile: the HIS will refuse our commit (409).
    backend::PaymentCommit cashier{"CASHIER-1", charge.patientId, {charge.chargeId}, charge.amountFen, 0, charge.amountFen, "cash", ""};
    ASSERT_TRUE(his_->commitPayment(cashier));
    auto order = saga_->start(charge.patientId, {charge.chargeId}, charge.amountFen, "wechat");
    ASSERT_TRUE(order);
    order = saga_->showQr(*order);
    ASSERT_TRUE(order);
    phonePays(*order);
    order = saga_->awaitPayment(*order);
    ASSERT_TRUE(order && order->state == SagaState::paid);
    order = saga_->commitToHis(*order);
    ASSERT_TRUE(order);
    EXPECT_EQ(order->state, SagaState::refunded) << order->reason;
    EXPECT_NE(order->reason.find("HIS rejected"), std::string::npos);
    const auto remote = gatewayOrder(*order);
    EXPECT_EQ(remote["status"], "REFUND");
    EXPECT_EQ(remote["refunded_fen"], charge.amountFen);
    EXPECT_EQ(sim_.commits(order->outRefundNo()), 1);
    EXPECT_EQ(sim_.commits(order->hisTradeNo()), 0);
}

TEST_F(QrSagaTest, AnswerForAnotherOrderOrAmountGoesToManual) {
    const auto charge = pickCharge();
    for (const auto& [field, value] : {std::pair<std::string, nlohmann::json>{"out_trade_no", "SOMEONEELSE1"},
                                       std::pair<std::string, nlohmann::json>{"amount_fen", 1}}) {
        auto order = saga_->start(charge.patientId, {charge.chargeId}, charge.amountFen, "wechat");
        ASSERT_TRUE(order);
        order = saga_->showQr(*order);
        ASSERT_TRUE(order && order->state == SagaState::qr_shown);
        nlohmann::json body = {{"out_trade_no", order->outTradeNo()}, {"status", "SUCCESS"}, {"amount_fen", charge.amountFen}};
        body[field] = value;
        sim_.armAnswer("GET", "/gateway/orders/" + order->outTradeNo(), body, 200, "application/json");
        order = saga_->awaitPayment(*order);
        ASSERT_TRUE(order);
        EXPECT_EQ(order->state, SagaState::manual) << field;
        EXPECT_NE(order->reason.find(field == "amount_fen" ? "amount" : "SOMEONEELSE1"), std::string::npos) << order->reason;
        EXPECT_EQ(sim_.commits(order->hisTradeNo()), 0);
    }
}

TEST_F(QrSagaTest, RefundNeverExceedsWhatTheGatewayHolds) {
    const auto charge = pickCharge();
    auto order = saga_->start(charge.patientId, {charge.chargeId}, charge.amountFen, "wechat");
    ASSERT_TRUE(order);
    order = saga_->showQr(*order);
    ASSERT_TRUE(order);
    phonePays(*order);
    order = saga_->awaitPayment(*order);
    ASSERT_TRUE(order && order->state == SagaState::paid);
    // Part of the payment was refunded elsewhere (a cashier's refund): a full refund would exceed it.
    sim_.call("POST", "/gateway/refunds", {{"out_trade_no", order->outTradeNo()}, {"out_refund_no", "DESK-1"}, {"amount_fen", 1}});
    auto refunding = sagaJournal_->transition(*order, SagaState::refunding, "test: HIS rejected");
    ASSERT_TRUE(refunding);
    auto resolved = saga_->resolve(*refunding);
    ASSERT_TRUE(resolved);
    EXPECT_EQ(resolved->state, SagaState::manual);
    EXPECT_NE(resolved->reason.find("cannot refund"), std::string::npos) << resolved->reason;
    EXPECT_EQ(sim_.commits(order->outRefundNo()), 0);
}

}  // namespace
}  // namespace kiosk::payments::test
