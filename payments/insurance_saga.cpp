#include "payments/insurance_saga.hpp"

#include <fmt/format.h>

#include "kiosk/core/log.hpp"
#include "payments/failpoint.hpp"

namespace kiosk::payments {

namespace {

auto logger() { return log::module("payments"); }

bool isUnsettled(Errc code) {
    return code == Errc::unknown_outcome || code == Errc::timeout || code == Errc::backend_unavailable;
}

/// Sends a message and, when its answer was lost, sends the SAME message (same msgid) once
/// more: the centre answers a repeated msgid with its first answer, so the repeat learns what
/// the first did instead of doing it twice. `lost` tells the caller a repeat was needed.
template <typename Call>
auto sendWithRepeat(Call&& call, bool* lost = nullptr) {
    auto answer = call();
    if (!answer && isUnsettled(answer.error().code)) {
        if (lost) *lost = true;
        answer = call();
    }
    return answer;
}

/// The journal itself failed: nothing more can be journalled about the order now.
bool isJournalFailure(Errc code) { return code == Errc::journal_unavailable || code == Errc::journal_corrupt; }

std::string splitText(const InsuranceSplit& split) {
    return fmt::format("total {} = fund {} + account {} + cash {} fen", split.totalFen, split.fundFen, split.accountFen, split.cashFen);
}

}  // namespace

Result<PaymentOrder> InsuranceSaga::toManual(const PaymentOrder& order, const std::string& reason) {
    logger()->error("insurance order {} → MANUAL: {}", order.orderId, reason);
    return journal_.transition(order, SagaState::manual, reason);
}

Result<PaymentOrder> InsuranceSaga::toUnknown(const PaymentOrder& order, const Error& error) {
    logger()->warn("insurance order {} in {}: outcome unknown ({}); stays pending until a query settles it", order.orderId,
                   stateName(order.state), error.describe());
    return journal_.transition(order, SagaState::unknown, error.describe());
}

Result<PaymentOrder> InsuranceSaga::failPreSettle(const PaymentOrder& order, const Error& error) {
    // Nothing has been charged or settled yet. An answer that cannot be trusted is a person's
    // case (MANUAL); a refusal or an unreachable centre just ends this attempt (CLOSED) and the
    // patient may pay everything themselves.
    const bool untrusted = error.code == Errc::invalid_answer;
    auto moved = untrusted ? toManual(order, "pre-settlement: " + error.describe())
                           : journal_.transition(order, SagaState::closed, "pre-settlement: " + error.describe());
    if (!moved) return moved;
    Error out = error;
    out.detail = fmt::format("order {}: {}", order.orderId, error.detail);
    return std::unexpected(std::move(out));
}

Result<PaymentOrder> InsuranceSaga::preSettle(const std::string& patientId, const std::vector<ChargeLine>& charges,
                                              const InsuranceCredential& credential, std::string* orderId) {
    if (charges.empty()) return fail(Errc::invalid_argument, "no charges to pay", "payments.bad_order");
    int64_t total = 0;
    std::vector<std::string> chargeIds;
    std::vector<FeeLine> fees;
    for (const auto& charge : charges) {
        if (charge.amountFen <= 0) {
            return fail(Errc::invalid_argument, fmt::format("charge {} has a non-positive amount {} fen", charge.id, charge.amountFen), "payments.bad_amount");
        }
        total += charge.amountFen;
        chargeIds.push_back(charge.id);
        // The national list code is classified by the centre; the HIS charge code, prefixed with
        // its insurance class, stands for it here (a site maps its own codes).
        fees.push_back({charge.id, charge.insuranceClass + charge.code, charge.amountFen});
    }
    if (credential.certNo.empty()) return fail(Errc::invalid_argument, "insurance credential without a number", "payments.bad_order");
    auto created = journal_.createOrder({OrderKind::insurance, patientId, chargeIds, total, {}, credential.certType, {}});
    if (!created) return created;
    if (orderId) *orderId = created->orderId;
    logger()->info("insurance order {} created: {} fen in {} charges", created->orderId, total, charges.size());
    failpoint("ins_order_created");
    auto order = journal_.transition(*created, SagaState::ins_presettling);
    if (!order) return order;
    auto presettled = runPreSettlement(*order, fees, credential);
    if (presettled || isJournalFailure(presettled.error().code)) return presettled;
    // The journal holds the visit id once 2201 answered: the failure is journalled on that row.
    auto latest = journal_.load(order->orderId);
    return failPreSettle(latest ? *latest : *order, presettled.error());
}

Result<PaymentOrder> InsuranceSaga::runPreSettlement(PaymentOrder order, const std::vector<FeeLine>& fees, const InsuranceCredential& credential) {
    if (order.state != SagaState::ins_presettling || order.certType.empty() || credential.certNo.empty() || fees.empty()) {
        return fail(Errc::invalid_argument, fmt::format("order {} ({}) cannot be pre-settled", order.orderId, stateName(order.state)),
                    "payments.bad_order");
    }
    failpoint("ins_before_presettle");
    auto psn = sendWithRepeat([&] { return insurance_.personNumber(order.insuranceMsgid(fixmedins_, msg_step::person), credential.certType, credential.certNo); });
    if (!psn) return std::unexpected(psn.error());
    order.psnNo = *psn;
    auto visit = sendWithRepeat([&] { return insurance_.registerVisit(order.insuranceMsgid(fixmedins_, msg_step::registerVisit), *psn, order.orderId); });
    if (!visit) return std::unexpected(visit.error());
    order.mdtrtId = *visit;
    // Journalled so that the help desk sees the visit the centre opened even if this stops here.
    auto registered = journal_.transition(order, SagaState::ins_presettling, "visit registered");
    if (!registered) return registered;
    order = *registered;
    auto uploaded = sendWithRepeat([&] { return insurance_.uploadFees(order.insuranceMsgid(fixmedins_, msg_step::uploadFees), order.mdtrtId, fees); });
    if (!uploaded) return std::unexpected(uploaded.error());
    auto split = sendWithRepeat([&] { return insurance_.preSettle(order.insuranceMsgid(fixmedins_, msg_step::preSettle), order.mdtrtId, order.totalFen); });
    if (split && split->mdtrtId != order.mdtrtId) {
        split = fail(Errc::invalid_answer, fmt::format("2206 answer names visit '{}' instead of '{}'", split->mdtrtId, order.mdtrtId),
                     "payments.insurance_invalid");
    }
    if (!split) return std::unexpected(split.error());
    failpoint("ins_after_presettle");
    order.fundFen = split->fundFen;
    order.accountFen = split->accountFen;
    order.cashFen = split->cashFen;
    order.amountFen = split->cashFen;
    auto presettled = journal_.transition(order, SagaState::ins_presettled, splitText(*split));
    if (!presettled) return presettled;
    logger()->info("{} order {} pre-settled: {}", kindName(presettled->kind), presettled->orderId, splitText(*split));
    failpoint("ins_presettled");
    return presettled;
}

Result<PaymentOrder> InsuranceSaga::refundCash(const PaymentOrder& order, const std::string& reason) {
    if (order.cashFen == 0) {
        // No cash part: nothing to give back. A cancelled settlement is reported as REFUNDED
        // (the fund and the account were charged and given back); nothing settled is CLOSED.
        const bool wasSettled = !order.setlId.empty();
        return journal_.transition(order, wasSettled ? SagaState::refunded : SagaState::closed, reason);
    }
    auto refunding = journal_.transition(order, SagaState::refunding, reason);
    if (!refunding) return refunding;
    return qr_.refund(*refunding);
}

Result<PaymentOrder> InsuranceSaga::settle(const PaymentOrder& current) {
    auto settled = settleAtCentre(current);
    if (settled && settled->state == SagaState::ins_settled) return afterSettled(*settled);
    return settled;
}

Result<PaymentOrder> InsuranceSaga::settleAtCentre(const PaymentOrder& current) {
    const bool ready = current.usesInsurance() &&
                       ((current.state == SagaState::paid && current.cashFen > 0) ||
                        (current.state == SagaState::ins_presettled && current.cashFen == 0) || current.state == SagaState::ins_settling);
    if (!ready) {
        return fail(Errc::invalid_argument, fmt::format("order {} is {}: not ready to settle", current.orderId, stateName(current.state)));
    }
    auto order = current.state == SagaState::ins_settling ? Result<PaymentOrder>(current) : journal_.transition(current, SagaState::ins_settling);
    if (!order) return order;
    failpoint("ins_before_settle");
    const std::string msgid = order->insuranceMsgid(fixmedins_, msg_step::settle);
    bool lost = current.state == SagaState::ins_settling;  // a repeat after a crash or an UNKNOWN
    auto settled = sendWithRepeat([&] { return insurance_.settle(msgid, order->mdtrtId, order->totalFen); }, &lost);
    failpoint("ins_after_settle");
    if (settled && (settled->mdtrtId != order->mdtrtId || settled->fundFen != order->fundFen || settled->accountFen != order->accountFen ||
                    settled->cashFen != order->cashFen)) {
        settled = fail(Errc::invalid_answer,
                       fmt::format("2207 answered {} for visit {}, but the patient confirmed fund {} + account {} + cash {} fen for visit {}",
                                   splitText(*settled), settled->mdtrtId, order->fundFen, order->accountFen, order->cashFen, order->mdtrtId),
                       "payments.insurance_invalid");
    }
    if (!settled) {
        const Error& error = settled.error();
        if (isUnsettled(error.code)) return toUnknown(*order, error);
        if (error.code == Errc::rejected) {
            logger()->warn("insurance order {}: settlement refused ({}); refunding the cash part", order->orderId, error.describe());
            return refundCash(*order, "insurance refused the settlement: " + error.describe());
        }
        // An answer that cannot be trusted (another msgid or visit, another split, not whole
        // fen): whatever the centre did under this msgid is reversed (2601 names the original
        // message), then a person decides about the cash part.
        auto reversed = sendWithRepeat([&] { return insurance_.reverse(order->insuranceMsgid(fixmedins_, msg_step::reversal), msgid, "2207"); });
        return toManual(*order, fmt::format("2207 answer not usable ({}); {}; cash part {} fen is held by the gateway", error.describe(),
                                            reversed ? "reversed by 2601" : "2601 reversal failed: " + reversed.error().describe(), order->cashFen));
    }
    const InsuranceSplit& split = *settled;
    order->setlId = split.setlId;
    if (lost) {
        // The answer came from a repeat: confirm the settlement still stands (5203) before the
        // HIS is told; a settlement reversed meanwhile is not committed.
        std::string status;
        auto queried = insurance_.querySettlement(order->queryMsgid(fixmedins_), split.setlId, &status);
        if (queried && status == "cancelled") {
            return refundCash(*order, "settlement " + split.setlId + " was cancelled at the centre");
        }
        if (!queried) logger()->warn("order {}: 5203 after a repeated 2207 failed ({}); the 2207 answer stands", order->orderId, queried.error().describe());
    }
    auto stored = journal_.transition(*order, SagaState::ins_settled, "settlement " + split.setlId);
    if (!stored) return stored;
    logger()->info("{} order {} settled: {} ({})", kindName(stored->kind), stored->orderId, split.setlId, splitText(split));
    failpoint("ins_settled");
    return stored;
}

Result<PaymentOrder> InsuranceSaga::afterSettled(const PaymentOrder& order) {
    auto committed = qr_.commitToHis(order);
    if (committed && committed->state == SagaState::ins_cancelling) return cancel(*committed);
    return committed;
}

Result<PaymentOrder> InsuranceSaga::cancel(const PaymentOrder& order) {
    if (order.state != SagaState::ins_cancelling) {
        return fail(Errc::invalid_argument, fmt::format("order {} is {}, not INS_CANCELLING", order.orderId, stateName(order.state)));
    }
    failpoint("ins_before_cancel");
    auto cancelled = sendWithRepeat([&] { return insurance_.cancelSettlement(order.insuranceMsgid(fixmedins_, msg_step::cancel), order.setlId); });
    failpoint("ins_after_cancel");
    if (!cancelled) {
        if (isUnsettled(cancelled.error().code)) return toUnknown(order, cancelled.error());
        // Refused: perhaps cancelled already (by the help desk). Only the centre's own state
        // decides whether the cash part may go back.
        std::string status;
        auto queried = insurance_.querySettlement(order.queryMsgid(fixmedins_), order.setlId, &status);
        if (!queried) {
            if (isUnsettled(queried.error().code)) return toUnknown(order, queried.error());
            return toManual(order, "2208 refused (" + cancelled.error().describe() + ") and 5203 failed: " + queried.error().describe());
        }
        if (status != "cancelled") return toManual(order, "2208 refused: " + cancelled.error().describe() + "; settlement is " + status);
    }
    logger()->info("insurance order {}: settlement {} cancelled", order.orderId, order.setlId);
    return refundCash(order, order.reason.empty() ? "settlement cancelled" : order.reason);
}

Result<PaymentOrder> InsuranceSaga::resolve(const PaymentOrder& stored) {
    PaymentOrder order = stored;
    if (order.state == SagaState::unknown) order.state = order.resumeState;  // in memory only; each step journals
    switch (order.state) {
        case SagaState::created:
        case SagaState::ins_presettling:
        case SagaState::ins_presettled:
            // Before the patient paid anything or anything was settled: the patient has gone.
            return journal_.transition(order, SagaState::closed, "abandoned before payment; nothing settled");
        case SagaState::ordering:
        case SagaState::qr_shown: {
            auto next = qr_.resolve(stored);  // the QR saga keeps an UNKNOWN row as it is while unreachable
            if (next && next->state == SagaState::paid) return settle(*next);
            return next;
        }
        case SagaState::paid:
        case SagaState::ins_settling:
            return settle(order);
        case SagaState::ins_settled:
            return afterSettled(order);
        case SagaState::his_committing: {
            auto next = qr_.resolve(stored);
            if (next && next->state == SagaState::ins_cancelling) return cancel(*next);
            return next;
        }
        case SagaState::ins_cancelling:
            return cancel(order);
        case SagaState::refunding:
            return qr_.refund(order);
        default:
            return order;  // terminal
    }
}

}  // namespace kiosk::payments
