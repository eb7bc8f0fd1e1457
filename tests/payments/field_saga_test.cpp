// Issue 19, field case fhir-conditional-create-200-empty-body, in the payment saga (labels: field,
// payments): every answer R4 allows to the HIS commit's conditional create ends the order right —
// a payment the HIS holds is DONE whatever body carried the answer, several HIS records of one
// payment are a person's case (MANUAL, the voucher), never a refund or a cancelled settlement, and
// an acknowledged commit that cannot be read yet stays UNKNOWN until recovery finds it.
// Real parts: hospital-sim (gateway, insurance centre, HIS) over loopback, its fault injection
// shaping the HIS answers.
#include "tests/payments/desk_fixture.hpp"

namespace kiosk::payments::test {
namespace {

using nlohmann::json;

const json kSeveralMatches = {{"resourceType", "OperationOutcome"},
                              {"issue", json::array({{{"severity", "error"}, {"code", "duplicate"},
                                                      {"diagnostics", "Multiple resources match this search"}}})}};

class FieldSagaTest : public DeskFixture {
protected:
    /// An order paid by QR for one charge of a patient, ready for the HIS commit.
    PaymentOrder paidOrder(const std::string& patientId = "pat-zhang-san") {
        const auto charge = pickCharge(patientId);
        auto order = saga_->start(charge.patientId, {charge.chargeId}, charge.amountFen, "wechat");
        EXPECT_TRUE(order) << order.error().describe();
        order = saga_->showQr(*order);
        EXPECT_TRUE(order && order->state == SagaState::qr_shown);
        phonePays(*order);
        order = saga_->awaitPayment(*order);
        EXPECT_TRUE(order && order->state == SagaState::paid);
        return order ? *order : PaymentOrder{};
    }
    void armCommitAnswer(int status, const json& body, const json& headers = json::object(), int count = 1) {
        sim_.call("POST", "/admin/faults", {{"kind", "answer"}, {"method", "POST"}, {"path", "/fhir/PaymentReconciliation"}, {"count", count},
                                             {"status", status}, {"body", body}, {"headers", headers}});
    }
    bool everIn(const PaymentOrder& order, SagaState state) {
        auto events = sagaJournal_->events(order.orderId);
        EXPECT_TRUE(events);
        if (!events) return true;
        return std::any_of(events->begin(), events->end(), [&](const SagaJournal::Event& e) { return e.state == stateName(state); });
    }
};

TEST_F(FieldSagaTest, TheCaseARepeatedCommitAnsweredWithABare200IsDone) {
    PaymentOrder order = paidOrder();
    // The first commit reached the HIS but its answer was lost; the HIS now answers the repeat
    // like Azure's FHIR service: 200, no body, Location naming the payment's version.
    backend::PaymentCommit first{order.hisTradeNo(), order.patientId, order.chargeIds, order.totalFen, 0, order.cashFen, order.channel,
                                 order.outTradeNo()};
    auto held = his_->commitPayment(first);
    ASSERT_TRUE(held) << held.error().describe();
    armCommitAnswer(200, "", {{"Location", sim_.fhirUrl() + "/PaymentReconciliation/" + held->id + "/_history/1"}});
    auto done = saga_->commitToHis(order);
    ASSERT_TRUE(done) << done.error().describe();
    EXPECT_EQ(done->state, SagaState::done) << done->reason;
    EXPECT_FALSE(everIn(*done, SagaState::manual));
    EXPECT_EQ(sim_.commits(order.hisTradeNo()), 1);
    EXPECT_EQ(gatewayOrder(order)["status"], "SUCCESS");
}

TEST_F(FieldSagaTest, ACommitAnsweredWithoutTheResourceIsDone) {
    for (const char* kind : {"return_minimal", "return_outcome"}) {
        SCOPED_TRACE(kind);
        PaymentOrder order = paidOrder(std::string(kind) == "return_minimal" ? "pat-zhang-san" : "pat-li-jun");
        sim_.armFault(kind, "POST", "/fhir/PaymentReconciliation", 1);
        auto done = saga_->commitToHis(order);
        ASSERT_TRUE(done) << done.error().describe();
        EXPECT_EQ(done->state, SagaState::done) << done->reason;
        EXPECT_EQ(sim_.commits(order.hisTradeNo()), 1);
    }
}

TEST_F(FieldSagaTest, SeveralHisRecordsOfThePaymentGoToManualNeverToARefund) {
    PaymentOrder order = paidOrder();
    armCommitAnswer(412, kSeveralMatches);
    auto manual = saga_->commitToHis(order);
    ASSERT_TRUE(manual) << manual.error().describe();
    EXPECT_EQ(manual->state, SagaState::manual) << manual->reason;
    EXPECT_NE(manual->reason.find("412"), std::string::npos) << manual->reason;
    EXPECT_FALSE(everIn(*manual, SagaState::refunding));
    EXPECT_EQ(gatewayOrder(order)["status"], "SUCCESS") << "the patient's money stays where the HIS booked it";
    EXPECT_EQ(sim_.commits(order.outRefundNo()), 0);
    // Recovery leaves it with the help desk.
    auto report = saga_->recover();
    ASSERT_TRUE(report) << report.error().describe();
    auto loaded = sagaJournal_->load(order.orderId);
    ASSERT_TRUE(loaded);
    EXPECT_EQ(loaded->state, SagaState::manual);
    EXPECT_EQ(sim_.commits(order.outRefundNo()), 0);
}

TEST_F(FieldSagaTest, SeveralHisRecordsOfAnInsuredPaymentKeepTheSettlement) {
    // Fully covered by the fund: the settlement is made at finish, then the HIS commit meets 412.
    const auto charges = chargesOf("pat-ouyang-nana");
    auto quote = desk_->quote("pat-ouyang-nana", charges, InsuranceCredential{"02", kOuyangNanaId});
    ASSERT_TRUE(quote) << quote.error().describe();
    ASSERT_EQ(quote->cashFen, 0);
    armCommitAnswer(412, kSeveralMatches);
    auto finished = desk_->finish(quote->orderId);
    ASSERT_TRUE(finished) << finished.error().describe();
    EXPECT_EQ(finished->state, SagaState::manual) << finished->reason;
    EXPECT_FALSE(everIn(*finished, SagaState::ins_cancelling));
    EXPECT_FALSE(everIn(*finished, SagaState::refunding));
    EXPECT_EQ(sim_.commits(msgid(quote->orderId, msg_step::cancel)), 0) << "the settlement is not cancelled";
    const auto settlements = settlementsOf(finished->mdtrtId);
    ASSERT_EQ(settlements.size(), 1U);
    EXPECT_NE(settlements[0]["status"], "cancelled");
}

TEST_F(FieldSagaTest, AnAcknowledgedCommitThatCannotBeReadStaysUnknownUntilRecoveryFindsIt) {
    PaymentOrder order = paidOrder();
    // 201 without body or Location, twice (both attempts), and nothing found by identifier: the
    // HIS acknowledged something it does not show yet.
    armCommitAnswer(201, "", json::object(), 2);
    auto unknown = saga_->commitToHis(order);
    ASSERT_TRUE(unknown) << unknown.error().describe();
    EXPECT_EQ(unknown->state, SagaState::unknown) << unknown->reason;
    EXPECT_FALSE(everIn(*unknown, SagaState::refunding));
    EXPECT_EQ(gatewayOrder(order)["status"], "SUCCESS");
    // Later the HIS answers normally: recovery commits with the same key, once.
    auto report = saga_->recover();
    ASSERT_TRUE(report) << report.error().describe();
    auto loaded = sagaJournal_->load(order.orderId);
    ASSERT_TRUE(loaded);
    EXPECT_EQ(loaded->state, SagaState::done) << loaded->reason;
    EXPECT_EQ(sim_.commits(order.hisTradeNo()), 1);
    EXPECT_EQ(sim_.commits(order.outRefundNo()), 0);
}

}  // namespace
}  // namespace kiosk::payments::test
