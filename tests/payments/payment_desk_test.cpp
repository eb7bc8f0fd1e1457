// The payment desk over real HTTP against hospital-sim: insurance settlement with a cash part by
// QR and without one, self-pay, abandoning, every compensation path and bad input. Outcomes are
// checked against the simulator's own ledgers (gateway orders, insurance settlements, HIS
// commits), not only against what the kiosk believes.
#include "tests/payments/desk_fixture.hpp"

namespace kiosk::payments::test {
namespace {

using S = SagaState;

class PaymentDeskTest : public DeskFixture {
protected:
    /// Quote + QR + the phone pays + await: an insured order in PAID.
    PaymentOrder paidInsuredOrder(const std::vector<ChargeLine>& charges, const std::string& patient = "pat-zhang-san",
                                  const char* idNumber = kZhangSanId) {
        auto quote = desk_->quote(patient, charges, InsuranceCredential{"02", idNumber});
        EXPECT_TRUE(quote) << quote.error().describe();
        if (!quote) return {};
        auto shown = desk_->showQr(quote->orderId, "wechat");
        EXPECT_TRUE(shown && shown->state == S::qr_shown) << (shown ? std::string(stateName(shown->state)) : shown.error().describe());
        if (!shown) return {};
        phonePays(*shown);
        auto paid = desk_->awaitPayment(quote->orderId);
        EXPECT_TRUE(paid && paid->state == S::paid);
        return paid.value_or(PaymentOrder{});
    }
};

TEST_F(PaymentDeskTest, InsuredPatientPaysTheCashPartByQrThenSettlesAndCommits) {
    const auto charges = chargesOf("pat-zhang-san");
    auto quote = desk_->quote("pat-zhang-san", charges, InsuranceCredential{"02", kZhangSanId});
    ASSERT_TRUE(quote) << quote.error().describe();
    EXPECT_TRUE(quote->insured);
    EXPECT_EQ(quote->totalFen, sum(charges));
    EXPECT_EQ(quote->fundFen + quote->accountFen + quote->cashFen, quote->totalFen);
    EXPECT_GT(quote->fundFen, 0);
    ASSERT_GT(quote->cashFen, 0);
    auto presettled = desk_->order(quote->orderId);
    ASSERT_TRUE(presettled);
    EXPECT_EQ(presettled->state, S::ins_presettled);
    EXPECT_FALSE(presettled->psnNo.empty());
    EXPECT_FALSE(presettled->mdtrtId.empty());

    auto shown = desk_->showQr(quote->orderId, "wechat");
    ASSERT_TRUE(shown) << shown.error().describe();
    ASSERT_EQ(shown->state, S::qr_shown);
    EXPECT_FALSE(shown->codeUrl.empty());
    EXPECT_EQ(gatewayOrder(*shown)["amount_fen"], quote->cashFen);  // only the cash part goes to the gateway
    auto again = desk_->showQr(quote->orderId, "wechat");            // re-shown, never re-ordered
    ASSERT_TRUE(again);
    EXPECT_EQ(again->codeUrl, shown->codeUrl);
    EXPECT_FALSE(desk_->showQr(quote->orderId, "alipay"));  // the gateway order has its channel
    phonePays(*shown);
    auto paid = desk_->awaitPayment(quote->orderId);
    ASSERT_TRUE(paid);
    ASSERT_EQ(paid->state, S::paid);
    auto done = desk_->finish(quote->orderId);
    ASSERT_TRUE(done) << done.error().describe();
    EXPECT_EQ(done->state, S::done) << done->reason;
    EXPECT_FALSE(done->setlId.empty());

    EXPECT_EQ(gatewayOrder(*done)["status"], "SUCCESS");
    EXPECT_EQ(sim_.commits(done->hisTradeNo()), 1);
    EXPECT_EQ(sim_.commits(done->outTradeNo()), 1);
    EXPECT_EQ(sim_.commits(msgid(done->orderId, msg_step::settle)), 1);
    const auto settlements = settlementsOf(done->mdtrtId);
    ASSERT_EQ(settlements.size(), 1U);
    EXPECT_EQ(settlements[0]["status"], "settled");
    EXPECT_EQ(settlements[0]["setlinfo"]["setl_id"], done->setlId);
    EXPECT_EQ(settlements[0]["setlinfo"]["ipt_otp_no"], done->orderId);
    // The HIS got the split: total, insurance part, cash part.
    auto record = his_->lookupTransaction(done->hisTradeNo());
    ASSERT_TRUE(record);
    EXPECT_EQ(record->status, "active");
    auto events = sagaJournal_->events(done->orderId);
    ASSERT_TRUE(events);
    std::vector<std::string> states;
    for (const auto& e : *events) {
        if (states.empty() || states.back() != e.state) states.push_back(e.state);
    }
    EXPECT_EQ(states, (std::vector<std::string>{"CREATED", "INS_PRESETTLING", "INS_PRESETTLED", "ORDERING", "QR_SHOWN", "PAID",
                                                "INS_SETTLING", "INS_SETTLED", "HIS_COMMITTING", "DONE"}));
}

TEST_F(PaymentDeskTest, TheJournalNeverHoldsTheCredentialNumber) {
    auto quote = desk_->quote("pat-zhang-san", chargesOf("pat-zhang-san"), InsuranceCredential{"02", kZhangSanId});
    ASSERT_TRUE(quote) << quote.error().describe();
    // Every text column of the order and its events.
    auto dump = journal_->prepare(
        "SELECT o.order_id, o.patient_id, o.charge_ids, o.reason, o.psn_no, o.mdtrt_id, o.setl_id, o.cert_type, o.code_url, "
        "o.channel, o.transaction_id, e.reason FROM payment_order o JOIN payment_event e ON e.order_id = o.order_id");
    ASSERT_TRUE(dump);
    int rows = 0;
    while (true) {
        auto row = dump->step();
        ASSERT_TRUE(row);
        if (!*row) break;
        ++rows;
        for (int i = 0; i < 12; ++i) EXPECT_EQ(dump->text(i).find(kZhangSanId), std::string::npos) << "column " << i;
    }
    EXPECT_GE(rows, 3);
}

TEST_F(PaymentDeskTest, FullyCoveredPatientNeedsNoQrAndSettlesAtFinish) {
    const auto charges = chargesOf("pat-ouyang-nana");
    auto quote = desk_->quote("pat-ouyang-nana", charges, InsuranceCredential{"02", kOuyangNanaId});
    ASSERT_TRUE(quote) << quote.error().describe();
    EXPECT_EQ(quote->cashFen, 0);
    EXPECT_EQ(quote->fundFen, sum(charges));
    auto shown = desk_->showQr(quote->orderId, "alipay");
    ASSERT_TRUE(shown);
    EXPECT_TRUE(shown->codeUrl.empty());
    EXPECT_EQ(shown->state, S::ins_presettled);
    auto waited = desk_->awaitPayment(quote->orderId);  // nothing to wait for
    ASSERT_TRUE(waited);
    EXPECT_EQ(waited->state, S::ins_presettled);
    auto done = desk_->finish(quote->orderId);
    ASSERT_TRUE(done) << done.error().describe();
    EXPECT_EQ(done->state, S::done) << done->reason;
    long status = 0;
    sim_.call("GET", "/gateway/orders/" + done->outTradeNo(), nullptr, &status);
    EXPECT_EQ(status, 404);  // no gateway order at all
    EXPECT_EQ(sim_.commits(done->hisTradeNo()), 1);
    ASSERT_EQ(settlementsOf(done->mdtrtId).size(), 1U);
}

// Charges of an order whose outcome is still open are refused: a second order for them could
// charge the patient twice. Once the first order is closed they can be quoted again.
TEST_F(PaymentDeskTest, ChargesOfAnOpenOrderAreNotQuotedAgain) {
    const auto charges = chargesOf("pat-li-jun");
    auto first = desk_->quote("pat-li-jun", charges, std::nullopt);
    ASSERT_TRUE(first) << first.error().describe();
    auto shown = desk_->showQr(first->orderId, "wechat");
    ASSERT_TRUE(shown && shown->state == S::qr_shown);
    auto second = desk_->quote("pat-li-jun", {charges.front()}, std::nullopt);
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().code, Errc::rejected);
    EXPECT_EQ(second.error().messageKey, "payments.charge_pending");
    EXPECT_NE(second.error().detail.find(first->orderId), std::string::npos);
    auto closed = desk_->abandon(first->orderId);
    ASSERT_TRUE(closed && closed->state == S::closed);
    auto third = desk_->quote("pat-li-jun", charges, std::nullopt);
    EXPECT_TRUE(third) << third.error().describe();
}

TEST_F(PaymentDeskTest, SelfPayThroughTheDesk) {
    const auto charges = chargesOf("pat-li-jun");
    auto quote = desk_->quote("pat-li-jun", charges, std::nullopt);
    ASSERT_TRUE(quote) << quote.error().describe();
    EXPECT_FALSE(quote->insured);
    EXPECT_EQ(quote->cashFen, quote->totalFen);
    EXPECT_EQ(quote->totalFen, sum(charges));
    auto shown = desk_->showQr(quote->orderId, "unionpay");
    ASSERT_TRUE(shown && shown->state == S::qr_shown);
    phonePays(*shown);
    auto paid = desk_->awaitPayment(quote->orderId);
    ASSERT_TRUE(paid && paid->state == S::paid);
    auto done = desk_->finish(quote->orderId);
    ASSERT_TRUE(done);
    EXPECT_EQ(done->state, S::done);
    EXPECT_EQ(sim_.commits(done->hisTradeNo()), 1);
    EXPECT_EQ(gatewayOrder(*done)["amount_fen"], sum(charges));
    EXPECT_EQ(sim_.call("GET", "/insurance/admin/ledger")["visits"].size(), 0U);  // no insurance call
}

TEST_F(PaymentDeskTest, AbandonAfterPreSettleClosesWithoutChargingOrSettling) {
    auto quote = desk_->quote("pat-zhang-san", chargesOf("pat-zhang-san"), InsuranceCredential{"02", kZhangSanId});
    ASSERT_TRUE(quote);
    auto closed = desk_->abandon(quote->orderId);
    ASSERT_TRUE(closed);
    EXPECT_EQ(closed->state, S::closed);
    long status = 0;
    sim_.call("GET", "/gateway/orders/" + closed->outTradeNo(), nullptr, &status);
    EXPECT_EQ(status, 404);
    EXPECT_TRUE(settlementsOf(closed->mdtrtId).empty());
    EXPECT_EQ(sim_.commits(closed->hisTradeNo()), 0);
}

TEST_F(PaymentDeskTest, AbandonWhenThePhonePaidJustBeforeFinishesThePayment) {
    auto quote = desk_->quote("pat-zhang-san", chargesOf("pat-zhang-san"), InsuranceCredential{"02", kZhangSanId});
    ASSERT_TRUE(quote);
    auto shown = desk_->showQr(quote->orderId, "wechat");
    ASSERT_TRUE(shown && shown->state == S::qr_shown);
    phonePays(*shown);
    auto left = desk_->abandon(quote->orderId);  // the close answers "already paid"
    ASSERT_TRUE(left) << left.error().describe();
    EXPECT_EQ(left->state, S::done) << left->reason;
    EXPECT_EQ(sim_.commits(left->hisTradeNo()), 1);
}

TEST_F(PaymentDeskTest, LostSettleAnswerIsRepeatedWithTheSameMsgidAndConfirmedBy5203) {
    const PaymentOrder paid = paidInsuredOrder(chargesOf("pat-zhang-san"));
    ASSERT_EQ(paid.state, S::paid);
    sim_.armFault("drop_after_commit", "POST", "/insurance/api", 1);  // the next insurance call is 2207
    auto done = desk_->finish(paid.orderId);
    ASSERT_TRUE(done) << done.error().describe();
    EXPECT_EQ(done->state, S::done) << done->reason;
    EXPECT_EQ(sim_.commits(msgid(paid.orderId, msg_step::settle)), 1);  // settled once
    const auto settlements = settlementsOf(done->mdtrtId);
    ASSERT_EQ(settlements.size(), 1U);
    EXPECT_EQ(settlements[0]["status"], "settled");
    EXPECT_EQ(sim_.commits(done->hisTradeNo()), 1);
}

TEST_F(PaymentDeskTest, CentreDownAtSettleStaysUnknownUntilRecoveryQueriesIt) {
    const PaymentOrder paid = paidInsuredOrder(chargesOf("pat-zhang-san"));
    ASSERT_EQ(paid.state, S::paid);
    armForever({{"kind", "drop_after_commit"}, {"method", "POST"}, {"path", "/insurance/api"}});
    auto unknown = desk_->finish(paid.orderId);
    ASSERT_TRUE(unknown) << unknown.error().describe();
    EXPECT_EQ(unknown->state, S::unknown);
    EXPECT_EQ(unknown->resumeState, S::ins_settling);
    EXPECT_EQ(sim_.commits(paid.hisTradeNo()), 0);  // never told the HIS before the settlement is known
    sim_.call("DELETE", "/admin/faults");
    auto report = desk_->recover();
    ASSERT_TRUE(report);
    ASSERT_EQ(report->resolved.size(), 1U);
    EXPECT_TRUE(report->pending.empty());
    EXPECT_EQ(report->resolved[0].state, S::done) << report->resolved[0].reason;
    EXPECT_EQ(sim_.commits(msgid(paid.orderId, msg_step::settle)), 1);
    EXPECT_EQ(settlementsOf(report->resolved[0].mdtrtId).size(), 1U);
    EXPECT_EQ(sim_.commits(paid.hisTradeNo()), 1);
}

TEST_F(PaymentDeskTest, HisRejectsAfterSettlementCancelsItAndRefundsTheCash) {
    const auto charges = chargesOf("pat-zhang-san");
    const PaymentOrder paid = paidInsuredOrder(charges);
    ASSERT_EQ(paid.state, S::paid);
    cashierPays("pat-zhang-san", charges);
    auto refunded = desk_->finish(paid.orderId);
    ASSERT_TRUE(refunded) << refunded.error().describe();
    EXPECT_EQ(refunded->state, S::refunded) << refunded->reason;
    EXPECT_NE(refunded->reason.find("HIS rejected"), std::string::npos) << refunded->reason;
    const auto gateway = gatewayOrder(paid);
    EXPECT_EQ(gateway["status"], "REFUND");
    EXPECT_EQ(gateway["refunded_fen"], paid.cashFen);
    EXPECT_EQ(sim_.commits(paid.outRefundNo()), 1);
    EXPECT_EQ(sim_.commits(msgid(paid.orderId, msg_step::cancel)), 1);
    const auto settlements = settlementsOf(refunded->mdtrtId);
    ASSERT_EQ(settlements.size(), 1U);
    EXPECT_EQ(settlements[0]["status"], "cancelled");
    EXPECT_EQ(sim_.commits(paid.hisTradeNo()), 0);
}

TEST_F(PaymentDeskTest, HisRejectsAFullyCoveredSettlementWhichIsCancelled) {
    const auto charges = chargesOf("pat-ouyang-nana");
    auto quote = desk_->quote("pat-ouyang-nana", charges, InsuranceCredential{"02", kOuyangNanaId});
    ASSERT_TRUE(quote && quote->cashFen == 0);
    cashierPays("pat-ouyang-nana", charges);
    auto refunded = desk_->finish(quote->orderId);
    ASSERT_TRUE(refunded) << refunded.error().describe();
    EXPECT_EQ(refunded->state, S::refunded) << refunded->reason;
    const auto settlements = settlementsOf(refunded->mdtrtId);
    ASSERT_EQ(settlements.size(), 1U);
    EXPECT_EQ(settlements[0]["status"], "cancelled");
}

TEST_F(PaymentDeskTest, CashPaidButSettlementRefusedRefundsTheCash) {
    const PaymentOrder paid = paidInsuredOrder(chargesOf("pat-zhang-san"));
    ASSERT_EQ(paid.state, S::paid);
    armAnswerFault("2207", "reject");
    auto refunded = desk_->finish(paid.orderId);
    ASSERT_TRUE(refunded) << refunded.error().describe();
    EXPECT_EQ(refunded->state, S::refunded) << refunded->reason;
    EXPECT_NE(refunded->reason.find("refused the settlement"), std::string::npos) << refunded->reason;
    EXPECT_EQ(gatewayOrder(paid)["refunded_fen"], paid.cashFen);
    EXPECT_TRUE(settlementsOf(paid.mdtrtId).empty());
    EXPECT_EQ(sim_.commits(paid.hisTradeNo()), 0);
}

TEST_F(PaymentDeskTest, SettlementAnswerForAnotherVisitIsReversedBy2601AndGoesManual) {
    const PaymentOrder paid = paidInsuredOrder(chargesOf("pat-zhang-san"));
    ASSERT_EQ(paid.state, S::paid);
    armAnswerFault("2207", "other_visit");
    auto manual = desk_->finish(paid.orderId);
    ASSERT_TRUE(manual) << manual.error().describe();
    EXPECT_EQ(manual->state, S::manual);
    EXPECT_NE(manual->reason.find("reversed by 2601"), std::string::npos) << manual->reason;
    EXPECT_EQ(sim_.commits(msgid(paid.orderId, msg_step::reversal)), 1);
    const auto settlements = settlementsOf(paid.mdtrtId);
    ASSERT_EQ(settlements.size(), 1U);
    EXPECT_EQ(settlements[0]["status"], "cancelled");  // whatever the message did is undone
    EXPECT_EQ(sim_.commits(paid.hisTradeNo()), 0);
}

struct BadSplit {
    const char* fault;
    const char* reasonPart;
};

class BadPreSettlement : public PaymentDeskTest, public ::testing::WithParamInterface<BadSplit> {};

TEST_P(BadPreSettlement, IsRefusedAndTheOrderGoesManual) {
    armAnswerFault("2206", GetParam().fault);
    auto quote = desk_->quote("pat-zhang-san", chargesOf("pat-zhang-san"), InsuranceCredential{"02", kZhangSanId});
    ASSERT_FALSE(quote);
    EXPECT_EQ(quote.error().code, Errc::invalid_answer);
    auto rows = sagaJournal_->all();
    ASSERT_TRUE(rows);
    ASSERT_EQ(rows->size(), 1U);
    EXPECT_EQ(rows->front().state, S::manual);
    EXPECT_NE(rows->front().reason.find(GetParam().reasonPart), std::string::npos) << rows->front().reason;
    EXPECT_NE(quote.error().detail.find(rows->front().orderId), std::string::npos);  // for the voucher
}

INSTANTIATE_TEST_SUITE_P(Faults, BadPreSettlement,
                         ::testing::Values(BadSplit{"split_off", "does not add up"}, BadSplit{"sub_fen", "not whole fen"},
                                           BadSplit{"other_visit", "names visit"}),
                         [](const ::testing::TestParamInfo<BadSplit>& param) { return std::string(param.param.fault); });

TEST_F(PaymentDeskTest, BadChargesAreRefusedBeforeAnythingIsJournalled) {
    auto charges = chargesOf("pat-zhang-san");
    charges[0].amountFen = 0;
    auto zero = desk_->quote("pat-zhang-san", charges, InsuranceCredential{"02", kZhangSanId});
    ASSERT_FALSE(zero);
    EXPECT_EQ(zero.error().code, Errc::invalid_argument);
    charges[0].amountFen = -100;
    EXPECT_FALSE(desk_->quote("pat-zhang-san", charges, std::nullopt));
    EXPECT_FALSE(desk_->quote("pat-zhang-san", {}, std::nullopt));
    EXPECT_FALSE(desk_->quote("pat-zhang-san", chargesOf("pat-zhang-san"), InsuranceCredential{"09", kZhangSanId}));
    auto rows = sagaJournal_->all();
    ASSERT_TRUE(rows);
    EXPECT_TRUE(rows->empty());
    auto unknownPerson = desk_->quote("pat-zhang-san", chargesOf("pat-zhang-san"), InsuranceCredential{"02", "110101190001010000"});
    ASSERT_FALSE(unknownPerson);
    EXPECT_EQ(unknownPerson.error().code, Errc::rejected);
    rows = sagaJournal_->all();
    ASSERT_TRUE(rows && rows->size() == 1U);
    EXPECT_EQ(rows->front().state, S::closed);  // refused by the centre: nothing charged
}

TEST_F(PaymentDeskTest, CorruptSplitInTheJournalGoesManualInsteadOfBeingPaid) {
    auto quote = desk_->quote("pat-zhang-san", chargesOf("pat-zhang-san"), InsuranceCredential{"02", kZhangSanId});
    ASSERT_TRUE(quote);
    ASSERT_TRUE(journal_->exec("UPDATE payment_order SET fund_fen = fund_fen + 1 WHERE order_id = '" + quote->orderId + "'"));
    auto shown = desk_->showQr(quote->orderId, "wechat");
    ASSERT_TRUE(shown);
    EXPECT_EQ(shown->state, S::manual);
    EXPECT_NE(shown->reason.find("corrupt journal row"), std::string::npos) << shown->reason;
    long status = 0;
    sim_.call("GET", "/gateway/orders/" + shown->outTradeNo(), nullptr, &status);
    EXPECT_EQ(status, 404);  // nothing was ordered
    auto report = desk_->recover();
    ASSERT_TRUE(report);
    EXPECT_TRUE(report->resolved.empty() && report->pending.empty());  // MANUAL is terminal: journalled
}

TEST_F(PaymentDeskTest, RecoveryFinishesAnInsuredOrderPaidWhileTheKioskWasDown) {
    auto quote = desk_->quote("pat-zhang-san", chargesOf("pat-zhang-san"), InsuranceCredential{"02", kZhangSanId});
    ASSERT_TRUE(quote);
    auto shown = desk_->showQr(quote->orderId, "alipay");
    ASSERT_TRUE(shown && shown->state == S::qr_shown);
    phonePays(*shown);  // … and the kiosk restarts before it saw the payment
    auto report = desk_->recover();
    ASSERT_TRUE(report);
    ASSERT_EQ(report->resolved.size(), 1U);
    EXPECT_EQ(report->resolved[0].state, S::done) << report->resolved[0].reason;
    EXPECT_EQ(settlementsOf(report->resolved[0].mdtrtId).size(), 1U);
    EXPECT_EQ(sim_.commits(shown->hisTradeNo()), 1);
}

}  // namespace
}  // namespace kiosk::payments::test
