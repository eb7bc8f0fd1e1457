// A booking's registration fee paid by insurance (issue 11, labels booking + payments): hold →
// 1101/2201/2204/2206 (the split) → the cash part by QR → 2207 → book with the split attached,
// and every way back: the centre refusing or silent (self-pay with the same hold), the patient
// declining the split, the HIS refusing the booking after the settlement (2208 + refund), the
// patient cancelling the booking (退号: 2208 + refund), a settlement whose answer was lost
// (recovery). Real HTTP against hospital-sim (its FHIR server, gateway and insurance centre) and
// the real saga journal; the patient's phone is the gateway's simulate-paid call.
#include "tests/payments/registration_fixture.hpp"

#include <cmath>

namespace kiosk::payments::test {
namespace {

class RegistrationInsuranceTest : public RegistrationFixture {
protected:
    /// Holds `slot` and pre-settles its fee with the ID number `idNumber` (type 02).
    PaymentOrder presettled(const backend::Slot& slot, const char* idNumber, RegistrationHold* hold = nullptr) {
        auto held = desk_->holdForRegistration("pat-li-jun", slot.id, slot.feeFen);
        EXPECT_TRUE(held) << (held ? "" : held.error().describe());
        if (!held) return {};
        if (hold) *hold = *held;
        auto split = desk_->preSettleRegistration(held->order.orderId, InsuranceCredential{"02", idNumber});
        EXPECT_TRUE(split) << (split ? "" : split.error().describe());
        return split ? *split : held->order;
    }
    /// The cash part by QR on the phone: the order PAID.
    PaymentOrder payCash(const PaymentOrder& order) {
        auto shown = desk_->showQr(order.orderId, "wechat");
        EXPECT_TRUE(shown && shown->state == SagaState::qr_shown);
        if (!shown) return order;
        phonePays(*shown);
        auto paid = desk_->awaitPayment(order.orderId);
        EXPECT_TRUE(paid) << (paid ? "" : paid.error().describe());
        return paid ? *paid : order;
    }
    /// Hold, split (Zhang San: class A, 90 % fund), cash by QR, finish: the order (DONE).
    PaymentOrder bookInsured(const backend::Slot& slot) {
        const PaymentOrder split = presettled(slot, kZhangSanId);
        EXPECT_EQ(split.state, SagaState::ins_presettled) << split.reason;
        const PaymentOrder paid = payCash(split);
        EXPECT_EQ(paid.state, SagaState::paid) << paid.reason;
        auto done = desk_->finish(paid.orderId);
        EXPECT_TRUE(done) << (done ? "" : done.error().describe());
        return done ? *done : paid;
    }
    std::string settlementStatus(const PaymentOrder& order) {
        const auto settlements = settlementsOf(order.mdtrtId);
        return settlements.size() == 1 ? settlements[0].value("status", "") : fmt::format("{} settlements", settlements.size());
    }
};

TEST_F(RegistrationInsuranceTest, TheSplitIsSettledThenTheBookingCarriesIt) {
    const backend::Slot slot = feeSlot();
    ASSERT_FALSE(slot.id.empty());
    RegistrationHold hold;
    const PaymentOrder split = presettled(slot, kZhangSanId, &hold);
    ASSERT_EQ(split.state, SagaState::ins_presettled) << split.reason;
    // The fee is one class A line (the consultation fee): the fund pays 90 %, the patient the rest.
    EXPECT_TRUE(split.insuredRegistration());
    EXPECT_EQ(split.certType, "02");
    EXPECT_EQ(split.totalFen, slot.feeFen);
    EXPECT_EQ(split.fundFen, slot.feeFen * 9 / 10);
    EXPECT_EQ(split.fundFen + split.accountFen + split.cashFen, slot.feeFen);
    EXPECT_EQ(split.amountFen, split.cashFen);
    EXPECT_FALSE(split.mdtrtId.empty());
    EXPECT_EQ(statusOf(hold.order.holdKey), "proposed") << "the same hold, nothing booked before the money";
    const PaymentOrder paid = payCash(split);
    ASSERT_EQ(paid.state, SagaState::paid);
    EXPECT_EQ(gatewayOrder(paid)["amount_fen"], split.cashFen) << "only the cash part goes through the gateway";
    EXPECT_EQ(settlementsOf(split.mdtrtId).size(), 0U) << "nothing settled before the cash part is paid";
    auto done = desk_->finish(paid.orderId);
    ASSERT_TRUE(done) << done.error().describe();
    EXPECT_EQ(done->state, SagaState::done) << done->reason;
    EXPECT_EQ(settlementStatus(*done), "settled");
    EXPECT_FALSE(done->setlId.empty());
    EXPECT_EQ(statusOf(hold.order.holdKey), "booked");
    EXPECT_EQ(sim_.commits("book:" + hold.order.holdKey), 1);
    // The HIS learns the whole fee, the insurance part and the settlement with the booking.
    auto booked = desk_->registrationAppointment(paid.orderId);
    ASSERT_TRUE(booked) << booked.error().describe();
    ASSERT_TRUE(booked->payment.has_value());
    EXPECT_EQ(booked->payment->amountFen, slot.feeFen);
    EXPECT_EQ(booked->payment->insuranceFen, split.fundFen + split.accountFen);
    EXPECT_EQ(booked->payment->settlementId, done->setlId);
    EXPECT_EQ(booked->payment->channel, "wechat");
    EXPECT_EQ(booked->payment->channelTradeNo, done->outTradeNo());
}

TEST_F(RegistrationInsuranceTest, AFeeTheInsurancePaysInFullIsSettledAndBookedWithoutACode) {
    const backend::Slot slot = feeSlot();
    ASSERT_FALSE(slot.id.empty());
    const PaymentOrder split = presettled(slot, kOuyangNanaId);  // 离休: the fund pays everything
    ASSERT_EQ(split.state, SagaState::ins_presettled) << split.reason;
    EXPECT_EQ(split.cashFen, 0);
    EXPECT_EQ(split.fundFen, slot.feeFen);
    auto noCode = desk_->showQr(split.orderId, "wechat");
    ASSERT_TRUE(noCode);
    EXPECT_TRUE(noCode->codeUrl.empty()) << "nothing to pay: no gateway order";
    auto done = desk_->finish(split.orderId);
    ASSERT_TRUE(done) << done.error().describe();
    EXPECT_EQ(done->state, SagaState::done) << done->reason;
    EXPECT_EQ(settlementStatus(*done), "settled");
    auto booked = desk_->registrationAppointment(split.orderId);
    ASSERT_TRUE(booked && booked->payment.has_value());
    EXPECT_EQ(booked->payment->channel, "insurance");
    EXPECT_EQ(booked->payment->channelTradeNo, done->setlId);
    EXPECT_EQ(booked->payment->insuranceFen, slot.feeFen);
}

TEST_F(RegistrationInsuranceTest, ACentreThatRefusesOrIsSilentLeavesTheSameHoldForSelfPay) {
    const backend::Slot slot = feeSlot();
    ASSERT_FALSE(slot.id.empty());
    auto held = desk_->holdForRegistration("pat-li-jun", slot.id, slot.feeFen);
    ASSERT_TRUE(held) << held.error().describe();
    const std::string orderId = held->order.orderId;
    armAnswerFault("2206", "reject");
    auto refused = desk_->preSettleRegistration(orderId, InsuranceCredential{"02", kZhangSanId});
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, Errc::rejected) << refused.error().describe();
    EXPECT_NE(refused.error().detail.find(orderId), std::string::npos) << "the error names the order";
    auto order = desk_->order(orderId);
    ASSERT_TRUE(order);
    EXPECT_EQ(order->state, SagaState::created) << order->reason;
    EXPECT_FALSE(order->insuredRegistration()) << "self-pay again";
    EXPECT_EQ(order->amountFen, slot.feeFen);
    EXPECT_EQ(statusOf(held->order.holdKey), "proposed") << "the patient keeps the time";
    // The centre cannot be reached at all: the same.
    armForever({{"kind", "http_503"}, {"method", "POST"}, {"path", "/insurance/api"}});
    auto silent = desk_->preSettleRegistration(orderId, InsuranceCredential{"02", kZhangSanId});
    ASSERT_FALSE(silent);
    sim_.call("DELETE", "/admin/faults");
    order = desk_->order(orderId);
    ASSERT_TRUE(order);
    EXPECT_EQ(order->state, SagaState::created) << order->reason;
    // The patient pays it themselves, on the same hold.
    const PaymentOrder paid = payCash(*order);
    ASSERT_EQ(paid.state, SagaState::paid);
    EXPECT_EQ(gatewayOrder(paid)["amount_fen"], slot.feeFen);
    auto done = desk_->finish(orderId);
    ASSERT_TRUE(done) << done.error().describe();
    EXPECT_EQ(done->state, SagaState::done) << done->reason;
    EXPECT_EQ(statusOf(held->order.holdKey), "booked");
}

TEST_F(RegistrationInsuranceTest, DecliningTheSplitIsSelfPayAndASecondSplitIsTheSameVisit) {
    const backend::Slot slot = feeSlot();
    ASSERT_FALSE(slot.id.empty());
    const PaymentOrder first = presettled(slot, kZhangSanId);
    ASSERT_EQ(first.state, SagaState::ins_presettled);
    auto back = desk_->backToSelfPay(first.orderId);
    ASSERT_TRUE(back) << back.error().describe();
    EXPECT_EQ(back->state, SagaState::created);
    EXPECT_FALSE(back->insuredRegistration());
    EXPECT_EQ(back->cashFen, slot.feeFen);
    // Insurance chosen again: the same msgids, so the centre answers with the same visit and
    // split instead of uploading the fee twice.
    auto again = desk_->preSettleRegistration(first.orderId, InsuranceCredential{"02", kZhangSanId});
    ASSERT_TRUE(again) << again.error().describe();
    EXPECT_EQ(again->mdtrtId, first.mdtrtId);
    EXPECT_EQ(again->cashFen, first.cashFen);
    const PaymentOrder paid = payCash(*again);
    ASSERT_EQ(paid.state, SagaState::paid);
    auto done = desk_->finish(paid.orderId);
    ASSERT_TRUE(done) << done.error().describe();
    EXPECT_EQ(done->state, SagaState::done) << done->reason;
    const auto settlements = settlementsOf(done->mdtrtId);
    ASSERT_EQ(settlements.size(), 1U);
    EXPECT_EQ(std::llround(settlements[0]["setlinfo"].value("medfee_sumamt", 0.0) * 100), slot.feeFen) << "the fee uploaded once";
}

TEST_F(RegistrationInsuranceTest, TheHisRefusingTheBookingAfterTheSettlementCancelsItAndRefundsTheCashPart) {
    const backend::Slot slot = feeSlot();
    ASSERT_FALSE(slot.id.empty());
    RegistrationHold hold;
    const PaymentOrder split = presettled(slot, kZhangSanId, &hold);
    const PaymentOrder paid = payCash(split);
    ASSERT_EQ(paid.state, SagaState::paid);
    refuseNext("PUT", "/fhir/Appointment/" + hold.appointment.id, "registration closed for this doctor");
    auto refunded = desk_->finish(paid.orderId);
    ASSERT_TRUE(refunded) << refunded.error().describe();
    EXPECT_EQ(refunded->state, SagaState::refunded) << refunded->reason;
    EXPECT_EQ(settlementStatus(*refunded), "cancelled") << "2208: the fund and the account are given back";
    EXPECT_EQ(sim_.commits(msgid(paid.orderId, msg_step::cancel)), 1);
    const auto gateway = gatewayOrder(paid);
    EXPECT_EQ(gateway["status"], "REFUND");
    EXPECT_EQ(gateway["refunded_fen"], split.cashFen);
    EXPECT_EQ(statusOf(hold.order.holdKey), "cancelled") << "the hold is released";
    EXPECT_EQ(sim_.commits("book:" + hold.order.holdKey), 0);
}

TEST_F(RegistrationInsuranceTest, CancellingAnInsuredBookingCancelsTheSettlementAndRefundsTheCashPart) {
    const backend::Slot slot = feeSlot();
    ASSERT_FALSE(slot.id.empty());
    const PaymentOrder done = bookInsured(slot);
    ASSERT_EQ(done.state, SagaState::done) << done.reason;
    auto cancelled = desk_->cancelBooking(done.appointmentId);
    ASSERT_TRUE(cancelled && *cancelled) << (cancelled ? "" : cancelled.error().describe());
    EXPECT_EQ((*cancelled)->state, SagaState::refunded) << (*cancelled)->reason;
    EXPECT_EQ(statusOf(done.holdKey), "cancelled");
    EXPECT_TRUE(slotFree(slot));
    EXPECT_EQ(settlementStatus(done), "cancelled");
    const auto gateway = gatewayOrder(done);
    EXPECT_EQ(gateway["status"], "REFUND");
    EXPECT_EQ(gateway["refunded_fen"], done.cashFen);
    EXPECT_EQ(sim_.commits(done.outRefundNo()), 1);
    auto again = desk_->cancelBooking(done.appointmentId);
    ASSERT_FALSE(again) << "never a second 2208 or refund";
    EXPECT_EQ(sim_.commits(msgid(done.orderId, msg_step::cancel)), 1);
}

TEST_F(RegistrationInsuranceTest, ASettlementWhoseAnswerWasLostIsSettledOnceAndBookedByRecovery) {
    const backend::Slot slot = feeSlot();
    ASSERT_FALSE(slot.id.empty());
    const PaymentOrder split = presettled(slot, kZhangSanId);
    const PaymentOrder paid = payCash(split);
    ASSERT_EQ(paid.state, SagaState::paid);
    armForever({{"kind", "drop_after_commit"}, {"method", "POST"}, {"path", "/insurance/api"}});
    auto unknown = desk_->finish(paid.orderId);
    ASSERT_TRUE(unknown) << unknown.error().describe();
    EXPECT_EQ(unknown->state, SagaState::unknown) << "never 'failed' while the centre may have settled";
    EXPECT_EQ(unknown->resumeState, SagaState::ins_settling);
    EXPECT_EQ(sim_.commits("book:" + paid.holdKey), 0) << "never booked before the settlement is known";
    sim_.call("DELETE", "/admin/faults");
    auto report = desk_->recover();
    ASSERT_TRUE(report) << report.error().describe();
    ASSERT_EQ(report->resolved.size(), 1U);
    EXPECT_EQ(report->resolved[0].state, SagaState::done) << report->resolved[0].reason;
    EXPECT_EQ(sim_.commits(msgid(paid.orderId, msg_step::settle)), 1) << "settled once";
    EXPECT_EQ(settlementStatus(report->resolved[0]), "settled");
    EXPECT_EQ(statusOf(paid.holdKey), "booked");
}

TEST_F(RegistrationInsuranceTest, AnOrderLeftAtItsSplitIsClosedAndItsHoldReleasedByRecovery) {
    const backend::Slot slot = feeSlot();
    ASSERT_FALSE(slot.id.empty());
    RegistrationHold hold;
    const PaymentOrder split = presettled(slot, kZhangSanId, &hold);
    ASSERT_EQ(split.state, SagaState::ins_presettled);
    // The kiosk restarts with the patient gone: nothing was paid or settled.
    auto report = desk_->recover();
    ASSERT_TRUE(report) << report.error().describe();
    ASSERT_EQ(report->resolved.size(), 1U);
    EXPECT_EQ(report->resolved[0].state, SagaState::closed) << report->resolved[0].reason;
    EXPECT_EQ(statusOf(hold.order.holdKey), "cancelled");
    EXPECT_TRUE(settlementsOf(split.mdtrtId).empty());
}

}  // namespace
}  // namespace kiosk::payments::test
