// The insurance envelope client against hospital-sim's insurance centre: the settlement chain,
// the split adding up, msgid de-duplication after a lost answer, reversal and cancellation, and
// refusal of answers that name another msgid or carry sub-fen amounts.
#include "payments/insurance_client.hpp"
#include "tests/payments/payment_fixture.hpp"

namespace kiosk::payments::test {
namespace {

class InsuranceClientTest : public PaymentFixture {
protected:
    void SetUp() override {
        PaymentFixture::SetUp();
        backend::HttpSettings settings;
        settings.baseUrl = sim_.rootUrl() + "/insurance";
        settings.kioskId = "K01";
        settings.callTimeout = std::chrono::milliseconds(1000);
        client_ = std::make_unique<InsuranceClient>(settings, InsuranceSite{});
        auto order = sagaJournal_->create("pat-zhang-san", {"chg-zhang-san-1"}, 100, "wechat");
        ASSERT_TRUE(order);
        order_ = *order;
    }
    std::string msgid(int step) const { return order_.insuranceMsgid(InsuranceSite{}.fixmedinsCode, step); }

    /// 1101 → 2201 → 2204 with two lines (class A 100.00 yuan, self-pay 20.00 yuan).
    std::string registeredVisitWithFees() {
        auto psn = client_->personNumber(msgid(0), "02", "110101199003070134");
        EXPECT_TRUE(psn) << psn.error().describe();
        auto visit = client_->registerVisit(msgid(1), psn.value_or(""));
        EXPECT_TRUE(visit) << visit.error().describe();
        auto uploaded = client_->uploadFees(msgid(2), visit.value_or(""), {{"1", "A0001", 10000}, {"2", "C0002", 2000}});
        EXPECT_TRUE(uploaded) << uploaded.error().describe();
        return visit.value_or("");
    }

    std::unique_ptr<InsuranceClient> client_;
    PaymentOrder order_;
};

TEST_F(InsuranceClientTest, PreSettleSettleQueryAndCancel) {
    const std::string visit = registeredVisitWithFees();
    auto split = client_->preSettle(msgid(3), visit, 12000);
    ASSERT_TRUE(split) << split.error().describe();
    EXPECT_EQ(split->totalFen, 12000);
    EXPECT_EQ(split->fundFen, 9000);   // class A 90 %, self-pay 0 %
    EXPECT_EQ(split->cashFen, 3000);
    EXPECT_TRUE(split->setlId.empty());
    auto mismatch = client_->preSettle(msgid(4), visit, 12001);
    ASSERT_FALSE(mismatch);
    EXPECT_EQ(mismatch.error().code, Errc::rejected);  // amounts that do not add up: refused
    auto settled = client_->settle(msgid(5), visit, 12000);
    ASSERT_TRUE(settled) << settled.error().describe();
    EXPECT_FALSE(settled->setlId.empty());
    std::string status;
    auto queried = client_->querySettlement(msgid(6), settled->setlId, &status);
    ASSERT_TRUE(queried);
    EXPECT_EQ(status, "settled");
    EXPECT_EQ(queried->cashFen, 3000);
    ASSERT_TRUE(client_->cancelSettlement(msgid(7), settled->setlId));
    queried = client_->querySettlement(msgid(8), settled->setlId, &status);
    ASSERT_TRUE(queried);
    EXPECT_EQ(status, "cancelled");
}

TEST_F(InsuranceClientTest, LostSettleAnswerIsRepeatedWithTheSameMsgidAndReversedBy2601) {
    const std::string visit = registeredVisitWithFees();
    sim_.armFault("drop_after_commit", "POST", "/insurance/api", 1);
    auto lost = client_->settle(msgid(5), visit, 12000);
    ASSERT_FALSE(lost);
    EXPECT_EQ(lost.error().code, Errc::unknown_outcome);
    auto again = client_->settle(msgid(5), visit, 12000);  // same msgid: the first answer, not a second settlement
    ASSERT_TRUE(again) << again.error().describe();
    EXPECT_EQ(sim_.commits(msgid(5)), 1);
    ASSERT_TRUE(client_->reverse(msgid(9), msgid(5), "2207"));
    std::string status;
    auto queried = client_->querySettlement(msgid(8), again->setlId, &status);
    ASSERT_TRUE(queried);
    EXPECT_EQ(status, "cancelled");
}

TEST_F(InsuranceClientTest, RefusesAnswersForAnotherMsgidSubFenAmountsAndSplitsThatDoNotAddUp) {
    const std::string visit = registeredVisitWithFees();
    const nlohmann::json setl = {{"mdtrt_id", visit}, {"medfee_sumamt", 120.00}, {"fund_pay_sumamt", 90.00}, {"acct_pay", 0.0}, {"psn_cash_pay", 30.00}};
    sim_.armAnswer("POST", "/insurance/api", {{"infcode", 0}, {"inf_refmsgid", "SOMEONEELSE"}, {"output", {{"setlinfo", setl}}}}, 200, "application/json");
    auto other = client_->preSettle(msgid(3), visit, 12000);
    ASSERT_FALSE(other);
    EXPECT_EQ(other.error().code, Errc::invalid_answer);
    nlohmann::json subFen = setl;
    subFen["psn_cash_pay"] = 30.005;
    sim_.armAnswer("POST", "/insurance/api", {{"infcode", 0}, {"inf_refmsgid", msgid(3)}, {"output", {{"setlinfo", subFen}}}}, 200, "application/json");
    auto precision = client_->preSettle(msgid(3), visit, 12000);
    ASSERT_FALSE(precision);
    EXPECT_NE(precision.error().detail.find("not whole fen"), std::string::npos) << precision.error().detail;
    nlohmann::json wrongSum = setl;
    wrongSum["psn_cash_pay"] = 40.00;
    sim_.armAnswer("POST", "/insurance/api", {{"infcode", 0}, {"inf_refmsgid", msgid(3)}, {"output", {{"setlinfo", wrongSum}}}}, 200, "application/json");
    auto sum = client_->preSettle(msgid(3), visit, 12000);
    ASSERT_FALSE(sum);
    EXPECT_NE(sum.error().detail.find("does not add up"), std::string::npos) << sum.error().detail;
    EXPECT_FALSE(client_->uploadFees(msgid(2), visit, {{"3", "B1", -5}}));
}

}  // namespace
}  // namespace kiosk::payments::test
