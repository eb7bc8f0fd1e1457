// A booking's registration fee through the payment desk (issue 11, labels booking + payments):
// hold → pay by QR → book, over real HTTP against hospital-sim (its gateway and FHIR server) and
// the real saga journal. The patient's phone is the gateway's simulate-paid call.
#include "tests/payments/registration_fixture.hpp"

namespace kiosk::payments::test {
namespace {

class RegistrationDeskTest : public RegistrationFixture {};

TEST_F(RegistrationDeskTest, PaidFeeBooksTheHeldAppointmentWithTheHoldKey) {
    const backend::Slot slot = feeSlot();
    ASSERT_FALSE(slot.id.empty());
    RegistrationHold hold;
    const PaymentOrder paid = holdAndPay(slot, &hold);
    ASSERT_EQ(paid.state, SagaState::paid);
    // The hold was made with the key derived from the order id, journalled before it.
    EXPECT_EQ(hold.order.holdKey, hold.order.orderId + "A");
    EXPECT_EQ(hold.appointment.tradeNo, hold.order.holdKey);
    EXPECT_EQ(statusOf(hold.order.holdKey), "proposed");
    auto done = desk_->finish(paid.orderId);
    ASSERT_TRUE(done) << done.error().describe();
    EXPECT_EQ(done->state, SagaState::done) << done->reason;
    EXPECT_EQ(statusOf(hold.order.holdKey), "booked");
    EXPECT_EQ(sim_.commits("book:" + hold.order.holdKey), 1);
    EXPECT_EQ(gatewayOrder(*done)["status"], "SUCCESS");
    // The booking carries the payment, so that a cancellation can refund it by its channel.
    auto booked = desk_->registrationAppointment(paid.orderId);
    ASSERT_TRUE(booked) << booked.error().describe();
    ASSERT_TRUE(booked->payment.has_value());
    EXPECT_EQ(booked->payment->tradeNo, hold.order.holdKey);
    EXPECT_EQ(booked->payment->channel, "wechat");
    EXPECT_EQ(booked->payment->channelTradeNo, done->outTradeNo());
    EXPECT_EQ(booked->payment->amountFen, slot.feeFen);
    // Booking again with the same key (a retry after a lost answer) books nothing new.
    backend::AppointmentPayment again{hold.order.holdKey, "wechat", done->outTradeNo(), slot.feeFen};
    auto repeat = his_->book(hold.appointment.id, again);
    ASSERT_TRUE(repeat) << repeat.error().describe();
    EXPECT_EQ(repeat->status, backend::AppointmentStatus::booked);
    EXPECT_EQ(sim_.commits("book:" + hold.order.holdKey), 1);
}

TEST_F(RegistrationDeskTest, HisRefusingTheBookingAfterPaymentRefundsAndReleasesTheHold) {
    const backend::Slot slot = feeSlot();
    ASSERT_FALSE(slot.id.empty());
    RegistrationHold hold;
    const PaymentOrder paid = holdAndPay(slot, &hold);
    ASSERT_EQ(paid.state, SagaState::paid);
    // The HIS refuses this one booking on business grounds (409 with a wrong-state outcome).
    refuseNext("PUT", "/fhir/Appointment/" + hold.appointment.id, "registration closed for this doctor");
    auto finished = desk_->finish(paid.orderId);
    ASSERT_TRUE(finished) << finished.error().describe();
    EXPECT_EQ(finished->state, SagaState::refunded) << finished->reason;
    EXPECT_NE(finished->reason.find("refused the booking"), std::string::npos) << finished->reason;
    const auto gateway = gatewayOrder(*finished);
    EXPECT_EQ(gateway["status"], "REFUND");
    EXPECT_EQ(gateway["refunded_fen"], slot.feeFen);
    EXPECT_EQ(sim_.commits(finished->outRefundNo()), 1);
    EXPECT_EQ(statusOf(hold.order.holdKey), "cancelled") << "the hold is released, not left to expire";
    EXPECT_TRUE(slotFree(slot));
    EXPECT_EQ(sim_.commits("book:" + hold.order.holdKey), 0);
}

TEST_F(RegistrationDeskTest, HoldExpiredWhilePayingIsHeldAgainAndBooked) {
    const backend::Slot slot = feeSlot();
    ASSERT_FALSE(slot.id.empty());
    RegistrationHold hold;
    const PaymentOrder paid = holdAndPay(slot, &hold);
    ASSERT_EQ(paid.state, SagaState::paid);
    // The hold's end, as the HIS makes it when its lifetime passes (status cancelled, slot free).
    ASSERT_TRUE(his_->cancelAppointment(hold.appointment.id));
    auto finished = desk_->finish(paid.orderId);
    ASSERT_TRUE(finished) << finished.error().describe();
    EXPECT_EQ(finished->state, SagaState::done) << finished->reason;
    EXPECT_EQ(finished->holdKey, paid.orderId + "B") << "the re-hold has its own deterministic key";
    EXPECT_EQ(statusOf(paid.orderId + "B"), "booked");
    EXPECT_EQ(statusOf(paid.orderId + "A"), "cancelled");
    EXPECT_EQ(gatewayOrder(*finished)["status"], "SUCCESS");
    auto booked = desk_->registrationAppointment(paid.orderId);
    ASSERT_TRUE(booked) << booked.error().describe();
    EXPECT_EQ(booked->slotId, slot.id) << "the same slot";
}

TEST_F(RegistrationDeskTest, HoldExpiredAndSlotTakenIsRefunded) {
    const backend::Slot slot = feeSlot();
    ASSERT_FALSE(slot.id.empty());
    RegistrationHold hold;
    const PaymentOrder paid = holdAndPay(slot, &hold);
    ASSERT_EQ(paid.state, SagaState::paid);
    ASSERT_TRUE(his_->cancelAppointment(hold.appointment.id));
    ASSERT_TRUE(his_->holdSlot(slot.id, "pat-gen-07", "OTHER-KIOSK-1"));  // someone else was quicker
    auto finished = desk_->finish(paid.orderId);
    ASSERT_TRUE(finished) << finished.error().describe();
    EXPECT_EQ(finished->state, SagaState::refunded) << finished->reason;
    EXPECT_EQ(gatewayOrder(*finished)["refunded_fen"], slot.feeFen);
    EXPECT_EQ(statusOf(paid.orderId + "A"), "cancelled");
    EXPECT_NE(statusOf(paid.orderId + "B"), "booked");
}

TEST_F(RegistrationDeskTest, BookingAnswerLostIsNeverFailedAndRecoveryBooksOnce) {
    const backend::Slot slot = feeSlot();
    ASSERT_FALSE(slot.id.empty());
    RegistrationHold hold;
    const PaymentOrder paid = holdAndPay(slot, &hold);
    ASSERT_EQ(paid.state, SagaState::paid);
    // The HIS is unreachable for the booking and the look-ups after it.
    armForever({{"kind", "http_503"}, {"path", "/fhir/"}});
    auto finished = desk_->finish(paid.orderId);
    ASSERT_TRUE(finished) << finished.error().describe();
    EXPECT_EQ(finished->state, SagaState::unknown) << "an outcome the kiosk could not learn is never failed";
    EXPECT_EQ(finished->resumeState, SagaState::his_committing);
    sim_.call("DELETE", "/admin/faults");
    auto recovered = desk_->recover();
    ASSERT_TRUE(recovered) << recovered.error().describe();
    ASSERT_EQ(recovered->resolved.size(), 1U);
    EXPECT_EQ(recovered->resolved.front().state, SagaState::done);
    EXPECT_EQ(statusOf(hold.order.holdKey), "booked");
    EXPECT_EQ(sim_.commits("book:" + hold.order.holdKey), 1);
}

TEST_F(RegistrationDeskTest, CancellingABookingSoldHereRefundsItByItsChannelOnce) {
    const backend::Slot slot = feeSlot();
    ASSERT_FALSE(slot.id.empty());
    const PaymentOrder done = bookHere(slot);
    ASSERT_EQ(done.state, SagaState::done) << done.reason;
    auto refundable = desk_->refundableBooking(done.appointmentId);
    ASSERT_TRUE(refundable && *refundable) << "a booking sold here is refunded here";
    EXPECT_EQ((*refundable)->orderId, done.orderId);
    auto notOurs = desk_->refundableBooking("appt-sold-elsewhere");
    ASSERT_TRUE(notOurs);
    EXPECT_FALSE(*notOurs) << "a booking this kiosk did not sell goes to the counter";

    auto cancelled = desk_->cancelBooking(done.appointmentId);
    ASSERT_TRUE(cancelled && *cancelled) << (cancelled ? "" : cancelled.error().describe());
    EXPECT_EQ((*cancelled)->state, SagaState::refunded) << (*cancelled)->reason;
    EXPECT_EQ(statusOf(done.holdKey), "cancelled");
    EXPECT_TRUE(slotFree(slot)) << "the time goes back to other patients";
    const auto gateway = gatewayOrder(**cancelled);
    EXPECT_EQ(gateway["status"], "REFUND");
    EXPECT_EQ(gateway["refunded_fen"], slot.feeFen);
    EXPECT_EQ(sim_.commits(done.outRefundNo()), 1);
    // Asking again (a double tap, another screen) finds nothing left to refund.
    auto again = desk_->cancelBooking(done.appointmentId);
    ASSERT_FALSE(again) << "refunded already: never a second refund, never 'go to the counter'";
    EXPECT_EQ(again.error().messageKey, "cancel.refused_settling");
    EXPECT_EQ(sim_.commits(done.outRefundNo()), 1);
}

TEST_F(RegistrationDeskTest, ACancellationTheHisRefusesLeavesTheBookingAndTheMoneyAsTheyWere) {
    const backend::Slot slot = feeSlot();
    ASSERT_FALSE(slot.id.empty());
    const PaymentOrder done = bookHere(slot);
    ASSERT_EQ(done.state, SagaState::done) << done.reason;
    // The hospital refuses this cancellation on business grounds (409, as for a passed cut-off).
    refuseNext("PUT", "/fhir/Appointment/" + done.appointmentId, "too late to cancel");
    auto refused = desk_->cancelBooking(done.appointmentId);
    ASSERT_FALSE(refused) << "a refusal is the patient's message, not an order state";
    EXPECT_EQ(refused.error().code, Errc::rejected) << refused.error().describe();
    auto order = desk_->order(done.orderId);
    ASSERT_TRUE(order);
    EXPECT_EQ(order->state, SagaState::done) << order->reason;
    EXPECT_EQ(statusOf(done.holdKey), "booked");
    EXPECT_EQ(gatewayOrder(*order)["status"], "SUCCESS");
    EXPECT_EQ(sim_.commits(done.outRefundNo()), 0);
}

TEST_F(RegistrationDeskTest, ACancellationWhoseAnswerIsLostIsSettledByTheLookUpNeverByAGuess) {
    const backend::Slot slot = feeSlot();
    ASSERT_FALSE(slot.id.empty());
    const PaymentOrder done = bookHere(slot);
    ASSERT_EQ(done.state, SagaState::done) << done.reason;
    // The HIS cannot be reached: the cancellation never arrives.
    armForever({{"kind", "http_503"}, {"path", "/fhir/"}});
    auto lost = desk_->cancelBooking(done.appointmentId);
    ASSERT_TRUE(lost && *lost) << (lost ? "" : lost.error().describe());
    EXPECT_EQ((*lost)->state, SagaState::unknown) << "never 'failed', never refunded on a guess";
    EXPECT_EQ((*lost)->resumeState, SagaState::his_cancelling);
    EXPECT_EQ(sim_.commits(done.outRefundNo()), 0);
    sim_.call("DELETE", "/admin/faults");
    // The look-up finds it still booked; the lost request might yet arrive, so "booked" proves
    // nothing: the patient's cancellation is asked again and its answer decides.
    auto recovered = desk_->recover();
    ASSERT_TRUE(recovered) << recovered.error().describe();
    ASSERT_EQ(recovered->resolved.size(), 1U);
    EXPECT_EQ(recovered->resolved.front().state, SagaState::refunded) << recovered->resolved.front().reason;
    EXPECT_EQ(statusOf(done.holdKey), "cancelled");
    EXPECT_EQ(sim_.commits(done.outRefundNo()), 1);
}

TEST_F(RegistrationDeskTest, ACancellationMadeWhoseAnswerIsCutOffIsFoundAndRefundedOnce) {
    const backend::Slot slot = feeSlot();
    ASSERT_FALSE(slot.id.empty());
    const PaymentOrder done = bookHere(slot);
    ASSERT_EQ(done.state, SagaState::done) << done.reason;
    // The cancellation is made but its answer is cut off: the look-up finds it cancelled and the
    // fee goes back once.
    sim_.call("POST", "/admin/faults",
              {{"kind", "drop_after_commit"}, {"method", "PUT"}, {"path", "/fhir/Appointment/" + done.appointmentId}, {"count", 1}});
    auto cut = desk_->cancelBooking(done.appointmentId);
    ASSERT_TRUE(cut && *cut) << (cut ? "" : cut.error().describe());
    PaymentOrder settled = **cut;
    if (settled.state == SagaState::unknown) {
        auto resolved = desk_->resolve(settled.orderId);
        ASSERT_TRUE(resolved) << resolved.error().describe();
        settled = *resolved;
    }
    EXPECT_EQ(settled.state, SagaState::refunded) << settled.reason;
    EXPECT_EQ(statusOf(done.holdKey), "cancelled");
    EXPECT_EQ(sim_.commits(done.outRefundNo()), 1);
}

TEST_F(RegistrationDeskTest, LeavingBeforePayingClosesAndReleasesTheSlot) {
    const backend::Slot slot = feeSlot();
    ASSERT_FALSE(slot.id.empty());
    auto held = desk_->holdForRegistration("pat-li-jun", slot.id, slot.feeFen);
    ASSERT_TRUE(held) << held.error().describe();
    EXPECT_FALSE(slotFree(slot));
    // The same slot cannot be ordered twice while the first order is open.
    auto twice = desk_->holdForRegistration("pat-li-jun", slot.id, slot.feeFen);
    ASSERT_FALSE(twice);
    EXPECT_EQ(twice.error().messageKey, "payments.charge_pending");
    auto shown = desk_->showQr(held->order.orderId, "alipay");
    ASSERT_TRUE(shown);
    auto left = desk_->abandon(held->order.orderId);
    ASSERT_TRUE(left) << left.error().describe();
    EXPECT_EQ(left->state, SagaState::closed);
    EXPECT_EQ(statusOf(held->order.holdKey), "cancelled");
    EXPECT_TRUE(slotFree(slot));
}

TEST_F(RegistrationDeskTest, AFeeOfZeroOrLessAndATakenSlotAreRefusedWithNothingCharged) {
    const backend::Slot slot = feeSlot();
    ASSERT_FALSE(slot.id.empty());
    auto zero = desk_->holdForRegistration("pat-li-jun", slot.id, 0);
    ASSERT_FALSE(zero);
    EXPECT_EQ(zero.error().messageKey, "payments.bad_amount");
    ASSERT_TRUE(his_->holdSlot(slot.id, "pat-gen-07", "OTHER-KIOSK-2"));
    auto taken = desk_->holdForRegistration("pat-li-jun", slot.id, slot.feeFen);
    ASSERT_FALSE(taken);
    EXPECT_EQ(taken.error().code, Errc::slot_taken);
    auto all = sagaJournal_->all();
    ASSERT_TRUE(all);
    ASSERT_EQ(all->size(), 1U) << "the refused fee was never journalled; the taken slot's order is";
    EXPECT_EQ(all->front().state, SagaState::closed);
}

}  // namespace
}  // namespace kiosk::payments::test
