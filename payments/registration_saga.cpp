#include "payments/registration_saga.hpp"

#include <fmt/format.h>

#include "kiosk/core/log.hpp"
#include "payments/failpoint.hpp"

namespace kiosk::payments {

namespace {

auto logger() { return log::module("payments"); }

/// Outcomes that only a later query can settle (the remote side may or may not have acted).
bool isUnsettled(Errc code) {
    return code == Errc::unknown_outcome || code == Errc::timeout || code == Errc::backend_unavailable;
}

/// Holds with `key`; a lost answer is asked once more with the same key (the HIS de-duplicates
/// on it, so the second call answers with the first hold when there was one).
Result<backend::Appointment> holdWithKey(backend::HisDriver& his, const PaymentOrder& order, const std::string& key) {
    auto held = his.holdSlot(order.slotId, order.patientId, key);
    if (!held && held.error().code == Errc::unknown_outcome) held = his.holdSlot(order.slotId, order.patientId, key);
    return held;
}

Error withOrder(Error error, const std::string& orderId) {
    error.detail = "order " + orderId + ": " + error.detail;
    return error;
}

}  // namespace

Result<PaymentOrder> RegistrationSaga::toUnknown(const PaymentOrder& order, const Error& error) {
    logger()->warn("registration {} in {}: outcome unknown ({}); stays pending until a query settles it", order.orderId,
                   stateName(order.state), error.describe());
    return journal_.transition(order, SagaState::unknown, error.describe());
}

Result<RegistrationHold> RegistrationSaga::hold(const std::string& patientId, const std::string& slotId, int64_t feeFen) {
    NewOrder request;
    request.kind = OrderKind::registration;
    request.patientId = patientId;
    request.chargeIds = {slotId};
    request.totalFen = feeFen;
    request.slotId = slotId;
    auto created = journal_.createOrder(request);
    if (!created) return std::unexpected(created.error());
    logger()->info("registration {} created: slot {}, fee {} fen, hold key {}", created->orderId, slotId, feeFen, created->holdKey);
    failpoint("reg_order_created");
    auto held = holdWithKey(his_, *created, created->holdKey);
    failpoint("reg_after_hold");
    if (!held) {
        const Error error = held.error();
        if (isUnsettled(error.code)) {
            // The HIS may hold the slot under our key: recovery asks and releases it.
            if (auto unknown = toUnknown(*created, error); !unknown) return std::unexpected(unknown.error());
        } else if (auto closed = journal_.transition(*created, SagaState::closed, "hold refused: " + error.describe()); !closed) {
            return std::unexpected(closed.error());
        }
        return std::unexpected(withOrder(error, created->orderId));
    }
    PaymentOrder order = *created;
    order.appointmentId = held->id;
    auto journalled = journal_.transition(order, SagaState::created, "held as Appointment/" + held->id);
    if (!journalled) return std::unexpected(journalled.error());
    failpoint("reg_held");
    if (held->feeFen != feeFen) {
        // The fee changed between the list and the hold: the patient is never charged another
        // amount than the one shown. The hold goes back; the list is read again.
        logger()->warn("registration {}: slot {} listed at {} fen, held at {} fen; released", order.orderId, slotId, feeFen, held->feeFen);
        auto closed = journal_.transition(*journalled, SagaState::closed, fmt::format("fee changed to {} fen", held->feeFen));
        if (!closed) return std::unexpected(closed.error());
        releaseHold(*closed);
        return fail(Errc::rejected, fmt::format("order {}: slot {} fee {} fen, not the {} fen shown", order.orderId, slotId, held->feeFen, feeFen),
                    "payments.fee_changed");
    }
    return RegistrationHold{*journalled, *held};
}

PaymentOrder RegistrationSaga::releaseHold(const PaymentOrder& order) {
    if (order.appointmentId.empty() && order.holdKey.empty()) return order;
    std::string id = order.appointmentId;
    if (id.empty()) {
        auto known = his_.lookupTransaction(order.holdKey);
        if (!known || known->resourceType != "Appointment") return order;  // never held (or the HIS cannot say: it expires)
        if (known->status != "proposed") return order;
        id = known->resourceId;
    }
    if (auto cancelled = his_.cancelAppointment(id); !cancelled) {
        logger()->warn("registration {}: hold Appointment/{} not released ({}); it expires by itself", order.orderId, id,
                       cancelled.error().describe());
    } else {
        logger()->info("registration {}: hold Appointment/{} released", order.orderId, id);
    }
    return order;
}

Result<PaymentOrder> RegistrationSaga::refund(const PaymentOrder& order, const std::string& reason) {
    if (order.insuredRegistration() && !order.setlId.empty()) {
        // Settled at the centre: the settlement is cancelled (2208) before the cash part goes back.
        auto cancelling = journal_.transition(order, SagaState::ins_cancelling, reason);
        if (!cancelling) return cancelling;
        return cancelSettlement(*cancelling);
    }
    auto refunding = journal_.transition(order, SagaState::refunding, reason);
    if (!refunding) return refunding;
    auto refunded = qr_.refund(*refunding);
    if (refunded && refunded->state == SagaState::refunded) releaseHold(*refunded);
    return refunded;
}

Result<PaymentOrder> RegistrationSaga::rehold(const PaymentOrder& current) {
    PaymentOrder order = current;
    order.holdKey = order.holdKeyOf(1);
    order.appointmentId.clear();
    // The second key is journalled before the second hold is sent.
    auto journalled = journal_.transition(order, SagaState::his_committing, "hold expired while paying; holding the slot again");
    if (!journalled) return journalled;
    failpoint("reg_before_rehold");
    auto held = holdWithKey(his_, *journalled, journalled->holdKey);
    failpoint("reg_after_rehold");
    if (!held) {
        const Error error = held.error();
        if (isUnsettled(error.code)) return toUnknown(*journalled, error);
        logger()->info("registration {}: slot {} could not be held again ({}); refunding", order.orderId, order.slotId, error.describe());
        return refund(*journalled, "slot gone after the hold expired: " + error.describe());
    }
    PaymentOrder reheld = *journalled;
    reheld.appointmentId = held->id;
    logger()->info("registration {}: slot {} held again as Appointment/{}", order.orderId, order.slotId, held->id);
    return journal_.transition(reheld, SagaState::his_committing, "held again as Appointment/" + held->id);
}

Result<PaymentOrder> RegistrationSaga::book(const PaymentOrder& current) {
    const bool settled = current.insuredRegistration() ? current.state == SagaState::ins_settled : current.state == SagaState::paid;
    if (!current.registration() || (!settled && current.state != SagaState::his_committing)) {
        return fail(Errc::invalid_argument, fmt::format("order {} is {}: not ready for the booking", current.orderId, stateName(current.state)));
    }
    auto order = current.state != SagaState::his_committing ? journal_.transition(current, SagaState::his_committing)
                                                             : Result<PaymentOrder>(current);
    if (!order) return order;
    for (int round = 0; round < 2; ++round) {
        if (order->appointmentId.empty()) {
            // Crashed between the re-hold key and its answer, or the first hold's answer was never
            // journalled: the key says what the HIS holds.
            auto known = his_.lookupTransaction(order->holdKey);
            if (known && known->resourceType == "Appointment") {
                PaymentOrder found = *order;
                found.appointmentId = known->resourceId;
                order = journal_.transition(found, SagaState::his_committing, "found by hold key");
                if (!order) return order;
            } else if (known) {
                return journal_.transition(*order, SagaState::manual, "HIS knows " + order->holdKey + " as " + known->resourceType);
            } else if (known.error().code == Errc::not_found && order->holdKey == order->holdKeyOf(1)) {
                order = rehold(*order);  // the re-hold key was journalled, the hold never arrived
                if (!order || order->state != SagaState::his_committing) return order;
            } else if (known.error().code == Errc::not_found) {
                return journal_.transition(*order, SagaState::manual, "paid, but the HIS has no hold " + order->holdKey);
            } else {
                return toUnknown(*order, known.error());
            }
        }
        failpoint("before_his_commit");
        backend::AppointmentPayment payment;
        payment.tradeNo = order->holdKey;  // the appointment's own business key
        // The whole fee; with insurance, its part and settlement too (the HIS needs them to
        // refund a cancellation at the counter). Paid in full by insurance, the channel is the
        // settlement itself (as in a charge commit).
        const bool cashPaid = order->cashFen > 0;
        payment.channel = cashPaid ? order->channel : "insurance";
        payment.channelTradeNo = cashPaid ? order->outTradeNo() : order->setlId;
        payment.amountFen = order->totalFen;
        payment.insuranceFen = order->insuranceFen();
        payment.settlementId = order->setlId;
        Error last(Errc::unknown_outcome, "booking not attempted");
        for (int attempt = 0; attempt < std::max(1, settings_.hisCommitAttempts); ++attempt) {
            auto booked = his_.book(order->appointmentId, payment);
            failpoint("after_his_commit");
            if (booked && booked->status == backend::AppointmentStatus::booked) {
                logger()->info("registration {}: Appointment/{} booked ({} fen by {})", order->orderId, booked->id, order->amountFen,
                               order->channel);
                return journal_.transition(*order, SagaState::done);
            }
            if (booked) {
                last = Error(Errc::invalid_answer, fmt::format("book answered {}", appointmentStatusName(booked->status)));
                break;
            }
            last = booked.error();
            if (!isUnsettled(last.code)) break;  // a lost answer: the driver re-reads; try again with the same key
        }
        if (isUnsettled(last.code)) return toUnknown(*order, last);
        // Refused: was the hold gone (expired while the patient paid), or did the HIS refuse a live one?
        auto known = his_.lookupTransaction(order->holdKey);
        if (!known) return isUnsettled(known.error().code) ? toUnknown(*order, known.error()) : refund(*order, "HIS refused the booking: " + last.describe());
        if (known->status == "booked") return journal_.transition(*order, SagaState::done, "booked (found by hold key)");
        if (known->status == "cancelled" && order->holdKey == order->holdKeyOf(0) && round == 0) {
            order = rehold(*order);
            if (!order || order->state != SagaState::his_committing) return order;
            continue;  // book the new hold
        }
        logger()->warn("registration {}: HIS refused the booking of Appointment/{} ({}): refunding", order->orderId, order->appointmentId,
                       last.describe());
        return refund(*order, "HIS refused the booking: " + last.describe());
    }
    return refund(*order, "the second hold could not be booked either");
}

Result<backend::Appointment> RegistrationSaga::appointment(const PaymentOrder& order) {
    auto all = his_.appointments(order.patientId);
    if (!all) return std::unexpected(all.error());
    for (auto& a : *all) {
        if (a.id == order.appointmentId) return a;
    }
    return fail(Errc::not_found, "Appointment/" + order.appointmentId + " not among the patient's appointments");
}

Result<PaymentOrder> RegistrationSaga::resolve(const PaymentOrder& stored) {
    PaymentOrder order = stored;
    if (order.state == SagaState::unknown) order.state = order.resumeState;  // in memory only; each step journals
    const auto closedAndReleased = [this](Result<PaymentOrder> closed) {
        if (closed && closed->state == SagaState::closed) releaseHold(*closed);
        return closed;
    };
    switch (order.state) {
        case SagaState::created:
        case SagaState::ins_presettling:
        case SagaState::ins_presettled: {
            // Nothing paid, nothing settled (a pre-settlement moves no money). Release whatever
            // the hold key holds, then close.
            auto known = his_.lookupTransaction(order.holdKey);
            if (!known && known.error().code != Errc::not_found) {
                return stored.state == SagaState::unknown ? Result<PaymentOrder>(stored) : toUnknown(order, known.error());
            }
            if (known && known->resourceType == "Appointment") order.appointmentId = known->resourceId;
            return closedAndReleased(journal_.transition(order, SagaState::closed, "abandoned before paying; hold released"));
        }
        case SagaState::ordering:
        case SagaState::qr_shown: {
            auto next = qr_.resolve(order);
            if (next && next->state == SagaState::paid) return settleAndBook(*next);
            return closedAndReleased(std::move(next));
        }
        case SagaState::paid:
        case SagaState::ins_settling:
            return settleAndBook(order);
        case SagaState::ins_settled:
        case SagaState::his_committing:
            return book(order);
        case SagaState::ins_cancelling:
            return cancelSettlement(order);
        case SagaState::refunding: {
            auto refunded = qr_.refund(order);
            if (refunded && refunded->state == SagaState::refunded) releaseHold(*refunded);
            return refunded;
        }
        case SagaState::closed:
            return closedAndReleased(order);
        case SagaState::his_cancelling:
            return resolveCancelling(order, stored);
        default:
            return order;  // terminal
    }
}

Result<PaymentOrder> RegistrationSaga::cancelBooked(const PaymentOrder& done) {
    if (!done.registration() || done.state != SagaState::done || done.appointmentId.empty()) {
        return fail(Errc::invalid_argument,
                    fmt::format("order {} ({} {}) is not a booked registration", done.orderId, kindName(done.kind), stateName(done.state)));
    }
    auto cancelling = journal_.transition(done, SagaState::his_cancelling, "the patient cancels the booking");
    if (!cancelling) return cancelling;
    failpoint("reg_before_cancel");
    auto cancelled = his_.cancelAppointment(done.appointmentId);
    failpoint("reg_after_cancel");
    if (!cancelled) {
        const Error error = cancelled.error();
        if (error.code == Errc::rejected) {
            // The hospital's rules (cut-off passed, checked in meanwhile): nothing changed.
            logger()->info("registration {}: cancellation of Appointment/{} refused ({}); the booking stands", done.orderId,
                           done.appointmentId, error.describe());
            if (auto back = journal_.transition(*cancelling, SagaState::done, "cancellation refused: " + error.describe()); !back) {
                return back;
            }
            return std::unexpected(error);
        }
        // Lost, or an answer that cannot be read: the HIS may have cancelled it. The look-up decides.
        return toUnknown(*cancelling, error);
    }
    logger()->info("registration {}: Appointment/{} cancelled by the patient; refunding {} fen by {}", done.orderId, done.appointmentId,
                   done.totalFen, done.insuredRegistration() ? "insurance (" + done.setlId + ") and " + done.channel : done.channel);
    return refundCancelled(*cancelling);
}

Result<PaymentOrder> RegistrationSaga::refundCancelled(const PaymentOrder& order) {
    if (order.insuredRegistration() && !order.setlId.empty()) {
        if (!insurance_) {
            return journal_.transition(order, SagaState::manual,
                                       "booking cancelled, but insurance is not configured: settlement " + order.setlId + " must be cancelled by hand");
        }
        auto cancelling = journal_.transition(order, SagaState::ins_cancelling, "booking cancelled by the patient");
        if (!cancelling) return cancelling;
        return insurance_->cancel(*cancelling);  // the appointment is cancelled already: no hold to release
    }
    auto refunding = journal_.transition(order, SagaState::refunding, "booking cancelled by the patient");
    if (!refunding) return refunding;
    return qr_.refund(*refunding);
}

Result<PaymentOrder> RegistrationSaga::cancelSettlement(const PaymentOrder& order) {
    if (!insurance_) return order;  // cannot be asked without the centre: stays pending
    auto cancelled = insurance_->cancel(order);
    if (cancelled && (cancelled->state == SagaState::refunded || cancelled->state == SagaState::closed)) {
        // A refused booking leaves its hold; a cancelled one has none (releaseHold looks it up).
        PaymentOrder lookedUp = *cancelled;
        lookedUp.appointmentId.clear();
        releaseHold(lookedUp);
    }
    return cancelled;
}

Result<PaymentOrder> RegistrationSaga::settleAndBook(const PaymentOrder& order) {
    if (!order.insuredRegistration() || order.state == SagaState::ins_settled || order.state == SagaState::his_committing) return book(order);
    if (!insurance_) return order;  // cannot be settled without the centre: stays pending
    auto settled = insurance_->settleAtCentre(order);
    if (!settled || settled->state == SagaState::ins_settled) return settled ? book(*settled) : settled;
    if (settled->state == SagaState::refunded || settled->state == SagaState::closed) releaseHold(*settled);
    return settled;
}

Result<PaymentOrder> RegistrationSaga::preSettle(const PaymentOrder& order, const InsuranceCredential& credential) {
    if (!insurance_) return fail(Errc::invalid_config, "insurance is not configured ([payments] insurance_url)", "payments.insurance_unavailable");
    if (!order.registration() || order.state != SagaState::created || order.appointmentId.empty()) {
        return fail(Errc::invalid_argument, fmt::format("order {} ({} {}) is not a held registration", order.orderId, kindName(order.kind),
                                                        stateName(order.state)), "payments.bad_order");
    }
    if (credential.certNo.empty() || (credential.certType != "01" && credential.certType != "02" && credential.certType != "03")) {
        return fail(Errc::invalid_argument, "insurance credential without a known type or a number", "payments.bad_order");
    }
    PaymentOrder insured = order;
    insured.certType = credential.certType;
    // The credential type is journalled before 1101 is sent (the number never is).
    auto presettling = journal_.transition(insured, SagaState::ins_presettling, "the fee is paid by insurance");
    if (!presettling) return presettling;
    const std::vector<FeeLine> fees{{order.slotId, std::string(kRegistrationFeeListCode), order.totalFen}};
    auto presettled = insurance_->runPreSettlement(*presettling, fees, credential);
    if (presettled) return presettled;
    const Error error = presettled.error();
    if (error.code == Errc::journal_unavailable || error.code == Errc::journal_corrupt) return presettled;
    auto latest = journal_.load(order.orderId);  // with the visit id once 2201 answered
    const PaymentOrder current = latest ? *latest : *presettling;
    if (error.code == Errc::invalid_answer) {
        // Nothing was charged, but the centre's answer cannot be trusted: a person looks at the
        // visit it opened. The slot goes back.
        logger()->error("registration {} → MANUAL: pre-settlement answer not usable ({})", order.orderId, error.describe());
        auto manual = journal_.transition(current, SagaState::manual, "pre-settlement: " + error.describe());
        if (!manual) return manual;
        releaseHold(*manual);
        return std::unexpected(withOrder(error, order.orderId));
    }
    logger()->info("registration {}: insurance pre-settlement failed ({}); self-pay offered with the same hold", order.orderId,
                   error.describe());
    auto back = backToSelfPay(current, "pre-settlement: " + error.describe());
    if (!back) return back;
    return std::unexpected(withOrder(error, order.orderId));
}

Result<PaymentOrder> RegistrationSaga::backToSelfPay(const PaymentOrder& order, const std::string& reason) {
    if (!order.insuredRegistration() || (order.state != SagaState::ins_presettling && order.state != SagaState::ins_presettled)) return order;
    PaymentOrder selfPay = order;
    selfPay.certType.clear();
    selfPay.fundFen = 0;
    selfPay.accountFen = 0;
    selfPay.cashFen = order.totalFen;
    selfPay.amountFen = order.totalFen;
    selfPay.channel.clear();
    return journal_.transition(selfPay, SagaState::created, reason);
}

Result<PaymentOrder> RegistrationSaga::resolveCancelling(const PaymentOrder& order, const PaymentOrder& stored) {
    auto known = his_.lookupTransaction(order.holdKey);
    if (!known) {
        if (known.error().code == Errc::not_found) {
            return journal_.transition(order, SagaState::manual, "cancelling, but the HIS has no appointment " + order.holdKey);
        }
        return stored.state == SagaState::unknown ? Result<PaymentOrder>(stored) : toUnknown(order, known.error());
    }
    if (known->status == "cancelled") return refundCancelled(order);
    if (stored.state == SagaState::unknown && known->status == "booked") {
        // The cancellation was sent and its answer lost: it may still be on its way, so "booked"
        // proves nothing. The patient asked to cancel; asking again is safe (the same version
        // guard), and its answer decides.
        auto cancelled = his_.cancelAppointment(order.appointmentId);
        if (!cancelled) {
            if (cancelled.error().code == Errc::rejected) {
                return journal_.transition(order, SagaState::done, "cancellation refused: " + cancelled.error().describe());
            }
            return stored;  // still cannot be asked: stays UNKNOWN
        }
        return refundCancelled(order);
    }
    // Still booked after a crash before the cancellation was sent (or arrived): the booking
    // stands and nothing is refunded; the patient saw no answer.
    logger()->info("registration {}: Appointment/{} is {} after an unfinished cancellation; the booking stands", order.orderId,
                   known->resourceId, known->status);
    return journal_.transition(order, SagaState::done, "cancellation not made: the HIS has the appointment " + known->status);
}

}  // namespace kiosk::payments
