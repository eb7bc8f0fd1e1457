// The saga journal on the real SQLite kiosk journal: states, keys, durability across a reopen,
// refusal of bad input and of corrupt rows.
#include <gtest/gtest.h>

#include "kiosk/backend/fhir_his_driver.hpp"
#include "kiosk/core/journal.hpp"
#include "payments/qr_saga.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiosk::payments {
namespace {

class SagaJournalTest : public ::testing::Test {
protected:
    std::filesystem::path file() const { return dir_.path() / "journal.db"; }
    test::TempDir dir_;
};

TEST_F(SagaJournalTest, KeysAreDerivedFromTheOrderAndSurviveAReopen) {
    std::string orderId;
    {
        auto journal = Journal::open(file());
        ASSERT_TRUE(journal) << journal.error().describe();
        auto saga = SagaJournal::attach(**journal, "K-01 lobby");
        ASSERT_TRUE(saga);
        auto order = saga->create("pat-1", {"chg-1", "chg-2"}, 1234, "wechat");
        ASSERT_TRUE(order) << order.error().describe();
        orderId = order->orderId;
        EXPECT_EQ(orderId.rfind("K01lobby", 0), 0U) << orderId;  // kiosk id cleaned, ≤ 8 chars
        EXPECT_EQ(order->outTradeNo(), orderId + "P");
        EXPECT_EQ(order->hisTradeNo(), orderId + "H");
        EXPECT_EQ(order->outRefundNo(), orderId + "R");
        EXPECT_LE(order->outTradeNo().size(), 32U);
        const std::string msgid = order->insuranceMsgid("H11010100001", 6);
        EXPECT_EQ(msgid.size(), 30U);  // 12 + 14 + 4
        EXPECT_EQ(msgid.substr(0, 12), "H11010100001");
        EXPECT_NE(msgid, order->insuranceMsgid("H11010100001", 7));
        auto shown = saga->setCodeUrl(*order, "weixin://wxpay/bizpayurl?pr=X");
        ASSERT_TRUE(shown);
        auto second = saga->create("pat-1", {"chg-3"}, 5, "alipay");
        ASSERT_TRUE(second);
        EXPECT_NE(second->orderId, orderId);
    }
    auto journal = Journal::open(file());
    ASSERT_TRUE(journal);
    auto saga = SagaJournal::attach(**journal, "K-01 lobby");
    ASSERT_TRUE(saga);
    auto loaded = saga->load(orderId);
    ASSERT_TRUE(loaded) << loaded.error().describe();
    EXPECT_EQ(loaded->state, SagaState::qr_shown);
    EXPECT_EQ(loaded->codeUrl, "weixin://wxpay/bizpayurl?pr=X");
    EXPECT_EQ(loaded->amountFen, 1234);
    EXPECT_EQ(loaded->chargeIds, (std::vector<std::string>{"chg-1", "chg-2"}));
    auto pending = saga->nonTerminal();
    ASSERT_TRUE(pending);
    EXPECT_EQ(pending->size(), 2U);
}

TEST_F(SagaJournalTest, RefusesBadAmountsChannelsAndOrders) {
    auto journal = Journal::open(file());
    ASSERT_TRUE(journal);
    auto saga = SagaJournal::attach(**journal, "K01");
    ASSERT_TRUE(saga);
    for (const int64_t amount : {int64_t{0}, int64_t{-100}}) {
        auto order = saga->create("pat-1", {"chg-1"}, amount, "wechat");
        ASSERT_FALSE(order);
        EXPECT_EQ(order.error().messageKey, "payments.bad_amount");
    }
    EXPECT_FALSE(saga->create("pat-1", {"chg-1"}, 100, "paypal"));
    EXPECT_FALSE(saga->create("", {"chg-1"}, 100, "wechat"));
    EXPECT_FALSE(saga->create("pat-1", {}, 100, "wechat"));
    EXPECT_FALSE(saga->create("pat-1", {"chg,1"}, 100, "wechat"));
    auto all = saga->all();
    ASSERT_TRUE(all);
    EXPECT_TRUE(all->empty());
    EXPECT_FALSE(SagaJournal::attach(**journal, "--"));
}

TEST_F(SagaJournalTest, UnknownKeepsTheInFlightStateToResolve) {
    auto journal = Journal::open(file());
    ASSERT_TRUE(journal);
    auto saga = SagaJournal::attach(**journal, "K01");
    ASSERT_TRUE(saga);
    auto order = saga->create("pat-1", {"chg-1"}, 100, "unionpay");
    ASSERT_TRUE(order);
    auto committing = saga->transition(*order, SagaState::his_committing);
    ASSERT_TRUE(committing);
    auto unknown = saga->transition(*committing, SagaState::unknown, "timeout: HIS");
    ASSERT_TRUE(unknown);
    auto loaded = saga->load(order->orderId);
    ASSERT_TRUE(loaded);
    EXPECT_EQ(loaded->state, SagaState::unknown);
    EXPECT_EQ(loaded->resumeState, SagaState::his_committing);
    EXPECT_EQ(loaded->reason, "timeout: HIS");
    EXPECT_FALSE(isTerminal(loaded->state));
}

TEST_F(SagaJournalTest, CorruptRowsBecomeManualWithTheReasonAndAreNeverActedOn) {
    auto journal = Journal::open(file());
    ASSERT_TRUE(journal);
    auto saga = SagaJournal::attach(**journal, "K01");
    ASSERT_TRUE(saga);
    auto badState = saga->create("pat-1", {"chg-1"}, 100, "wechat");
    auto badAmount = saga->create("pat-1", {"chg-2"}, 100, "wechat");
    auto badResume = saga->create("pat-1", {"chg-3"}, 100, "wechat");
    ASSERT_TRUE(badState && badAmount && badResume);
    ASSERT_TRUE((*journal)->exec("UPDATE payment_order SET state = 'PAYED' WHERE order_id = '" + badState->orderId + "'"));
    ASSERT_TRUE((*journal)->exec("UPDATE payment_order SET state = 'PAID', amount_fen = -5 WHERE order_id = '" + badAmount->orderId + "'"));
    ASSERT_TRUE((*journal)->exec("UPDATE payment_order SET state = 'UNKNOWN', resume_state = 'DONE' WHERE order_id = '" + badResume->orderId + "'"));
    auto loaded = saga->load(badState->orderId);
    ASSERT_TRUE(loaded);
    EXPECT_EQ(loaded->state, SagaState::manual);
    EXPECT_NE(loaded->reason.find("unknown state 'PAYED'"), std::string::npos) << loaded->reason;
    loaded = saga->load(badAmount->orderId);
    ASSERT_TRUE(loaded);
    EXPECT_EQ(loaded->state, SagaState::manual);
    EXPECT_NE(loaded->reason.find("-5 fen"), std::string::npos) << loaded->reason;

    // Recovery moves them to MANUAL in the journal without calling anyone: the gateway and HIS
    // here point at a closed port, and a call would leave the order UNKNOWN instead.
    backend::HttpSettings nowhere;
    nowhere.baseUrl = "http://127.0.0.1:9/gateway";
    nowhere.connectTimeout = std::chrono::milliseconds(200);
    GatewayClient gateway(nowhere);
    backend::FhirSettings fhir;
    fhir.http.baseUrl = "http://127.0.0.1:9/fhir";
    fhir.http.connectTimeout = std::chrono::milliseconds(200);
    backend::FhirHisDriver his(fhir);
    QrPaymentSaga qr(*saga, gateway, his);
    auto report = qr.recover();
    ASSERT_TRUE(report) << report.error().describe();
    EXPECT_EQ(report->resolved.size(), 3U);
    EXPECT_TRUE(report->pending.empty());
    auto rows = saga->all();
    ASSERT_TRUE(rows);
    for (const auto& row : *rows) {
        EXPECT_EQ(row.state, SagaState::manual) << row.orderId;
        EXPECT_NE(row.reason.find("corrupt journal row"), std::string::npos) << row.reason;
    }
    auto left = saga->nonTerminal();
    ASSERT_TRUE(left);
    EXPECT_TRUE(left->empty());
}

}  // namespace
}  // namespace kiosk::payments
