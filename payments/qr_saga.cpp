#include "payments/qr_saga.hpp"

#include <fmt/format.h>

#include <thread>

#include "kiosk/core/log.hpp"
#include "payments/bankcard_saga.hpp"
#include "payments/failpoint.hpp"

namespace kiosk::payments {

namespace {

auto logger() { return log::module("payments"); }

/// Outcomes that only a later query can settle (the remote side may or may not have acted).
bool isUnsettled(Errc code) {
    return code == Errc::unknown_outcome || code == Errc::timeout || code == Errc::backend_unavailable;
}

}  // namespace

Result<PaymentOrder> QrPaymentSaga::toManual(const PaymentOrder& order, const std::string& reason) {
    logger()->error("order {} → MANUAL: {}", order.orderId, reason);
    return journal_.transition(order, SagaState::manual, reason);
}

Result<PaymentOrder> QrPaymentSaga::toUnknown(const PaymentOrder& order, const Error& error) {
    logger()->warn("order {} in {}: outcome unknown ({}); stays pending until a query settles it", order.orderId,
                   stateName(order.state), error.describe());
    return journal_.transition(order, SagaState::unknown, error.describe());
}

Result<PaymentOrder> QrPaymentSaga::start(const std::string& patientId, const std::vector<std::string>& chargeIds,
                                          int64_t amountFen, const std::string& channel) {
    auto order = journal_.create(patientId, chargeIds, amountFen, channel);
    if (!order) return order;
    logger()->info("order {} created: {} fen by {}", order->orderId, amountFen, channel);
    failpoint("order_created");
    return order;
}

Result<PaymentOrder> QrPaymentSaga::showQr(const PaymentOrder& current) {
    if (!current.codeUrl.empty()) return current;  // re-shown, never re-ordered
    if (current.state != SagaState::created && current.state != SagaState::ordering && current.state != SagaState::ins_presettled) {
        return fail(Errc::invalid_argument, fmt::format("order {} is {}: no QR to show", current.orderId, stateName(current.state)));
    }
    auto order = journal_.transition(current, SagaState::ordering);
    if (!order) return order;
    failpoint("before_gateway_order");
    auto remote = gateway_.create(order->outTradeNo(), order->amountFen, order->channel, "Yizhan " + order->orderId);
    failpoint("after_gateway_order");
    if (!remote) {
        if (isUnsettled(remote.error().code)) return toUnknown(*order, remote.error());
        return toManual(*order, remote.error().describe());
    }
    if (remote->status != "NOTPAY") return onGatewayOrder(*order, *remote);  // a repeat of an order already paid/closed
    auto shown = journal_.setCodeUrl(*order, remote->codeUrl);
    if (!shown) return shown;
    failpoint("qr_shown");
    return shown;
}

Result<PaymentOrder> QrPaymentSaga::onGatewayOrder(const PaymentOrder& order, const GatewayOrder& remote) {
    if (remote.status == "SUCCESS") {
        failpoint("after_paid_seen");
        auto paid = journal_.setPaid(order, remote.transactionId);
        if (!paid) return paid;
        logger()->info("order {} paid ({} fen)", order.orderId, order.amountFen);
        failpoint("paid");
        return paid;
    }
    if (remote.status == "CLOSED" || remote.status == "NOT_EXIST") {
        return journal_.transition(order, SagaState::closed, remote.status == "NOT_EXIST" ? "never reached the gateway" : "");
    }
    if (remote.status == "REFUND") {
        return toManual(order, "gateway shows the order refunded outside this kiosk's saga");
    }
    return order;  // NOTPAY: nothing to do yet
}

Result<PaymentOrder> QrPaymentSaga::closeOrder(const PaymentOrder& order) {
    // A card consume cannot be closed from the kiosk (the patient cancels on the terminal): only
    // the terminal's record tells whether it was made.
    if (order.bankCard()) return resolveCard(order, order);
    failpoint("before_close");
    auto closed = gateway_.close(order.outTradeNo(), order.amountFen);
    failpoint("after_close");
    if (!closed) {
        if (isUnsettled(closed.error().code)) return toUnknown(order, closed.error());
        return toManual(order, closed.error().describe());
    }
    if (closed->status == "NOTPAY") return toManual(order, "gateway close left the order NOTPAY");
    return onGatewayOrder(order, *closed);  // CLOSED, or SUCCESS when it answered "already paid"
}

Result<PaymentOrder> QrPaymentSaga::awaitPayment(const PaymentOrder& order, const std::function<bool()>& cancelled) {
    if (order.state != SagaState::qr_shown) {
        return fail(Errc::invalid_argument, fmt::format("order {} is {}, not QR_SHOWN", order.orderId, stateName(order.state)));
    }
    const auto deadline = std::chrono::steady_clock::now() + settings_.qrTimeout;
    while (std::chrono::steady_clock::now() < deadline && !(cancelled && cancelled())) {
        auto remote = gateway_.query(order.outTradeNo(), order.amountFen);
        if (remote) {
            if (remote->status != "NOTPAY") return onGatewayOrder(order, *remote);
        } else if (remote.error().code == Errc::invalid_answer) {
            return toManual(order, remote.error().describe());
        }  // a failed read is repeated at the next poll
        const auto left = deadline - std::chrono::steady_clock::now();
        if (left <= std::chrono::milliseconds(0)) break;
        std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(settings_.pollInterval, left));
    }
    // Countdown over: ask once more, then close (a close that says "already paid" is PAID).
    auto last = gateway_.query(order.outTradeNo(), order.amountFen);
    if (last && last->status != "NOTPAY") return onGatewayOrder(order, *last);
    if (!last && last.error().code == Errc::invalid_answer) return toManual(order, last.error().describe());
    return closeOrder(order);
}

Result<PaymentOrder> QrPaymentSaga::commitToHis(const PaymentOrder& current) {
    // An insurance order reaches the HIS only after its settlement (INS_SETTLED): committing a
    // PAID insurance order would skip 2207.
    // A registration order's HIS step is the booking (RegistrationSaga::book), never a charge commit.
    if (current.registration()) {
        return fail(Errc::invalid_argument, fmt::format("order {} is a registration: the HIS step is the booking", current.orderId));
    }
    const bool ready = current.insured() ? current.state == SagaState::ins_settled || current.state == SagaState::his_committing
                                         : current.state == SagaState::paid || current.state == SagaState::his_committing;
    if (!ready) {
        return fail(Errc::invalid_argument, fmt::format("order {} is {}: not ready for the HIS commit", current.orderId, stateName(current.state)));
    }
    auto order = current.state != SagaState::his_committing ? journal_.transition(current, SagaState::his_committing) : Result<PaymentOrder>(current);
    if (!order) return order;
    failpoint("before_his_commit");
    backend::PaymentCommit commit;
    commit.tradeNo = order->hisTradeNo();
    commit.patientId = order->patientId;
    commit.chargeIds = order->chargeIds;
    commit.totalFen = order->totalFen;
    commit.insuranceFen = order->insuranceFen();
    commit.cashFen = order->cashFen;
    // The cash channel and its gateway order; an order the insurance paid in full names the
    // settlement instead.
    commit.channel = order->cashFen > 0 ? order->channel : "insurance";
    // A card payment is known to the acquirer by its reference number (参考号).
    commit.channelTradeNo = order->cashFen > 0 ? (order->bankCard() ? order->card.reference : order->outTradeNo()) : order->setlId;
    Error last(Errc::unknown_outcome, "HIS commit not attempted");
    for (int attempt = 0; attempt < std::max(1, settings_.hisCommitAttempts); ++attempt) {
        if (attempt > 0) {
            // The previous answer was lost: did the HIS record the key? Only then retry, same key.
            auto known = his_.lookupTransaction(commit.tradeNo);
            if (known) {
                if (known->resourceType == "PaymentReconciliation" && known->status == "active") {
                    return journal_.transition(*order, SagaState::done, "found by business key after a lost answer");
                }
                return toManual(*order, fmt::format("HIS knows {} as {} {}", commit.tradeNo, known->resourceType, known->status));
            }
            if (known.error().code != Errc::not_found) {
                last = known.error();
                continue;
            }
        }
        auto committed = his_.commitPayment(commit);
        failpoint("after_his_commit");
        if (committed) {
            logger()->info("order {} committed to the HIS ({})", order->orderId, committed->id);
            return journal_.transition(*order, SagaState::done);
        }
        last = committed.error();
        if (last.code == Errc::rejected || last.code == Errc::not_found || last.code == Errc::invalid_argument) {
            if (order->insured()) {
                // The settlement is cancelled first (2208), then the cash refunded: the
                // insurance saga continues from INS_CANCELLING.
                logger()->warn("order {}: HIS rejected the insured payment ({}); cancelling the settlement", order->orderId, last.describe());
                return journal_.transition(*order, SagaState::ins_cancelling, "HIS rejected the payment: " + last.describe());
            }
            auto refunding = journal_.transition(*order, SagaState::refunding, "HIS rejected the payment: " + last.describe());
            if (!refunding) return refunding;
            return refund(*refunding);
        }
        // An answer the kiosk cannot act on, including several HIS records of this key (a 412 to
        // the conditional create, "backend.duplicate_records"): the HIS may hold the payment, so
        // refunding or cancelling the settlement could take back money the hospital has booked.
        // A person sorts it out with the voucher.
        if (last.code == Errc::invalid_answer) return toManual(*order, "HIS commit answer: " + last.describe());
    }
    return toUnknown(*order, last);
}

Result<PaymentOrder> QrPaymentSaga::resolveCard(const PaymentOrder& stored, const PaymentOrder& order) {
    if (!card_) {
        Error missing(Errc::device_not_ready, "bank-card order but no card terminal is configured ([[devices]] class pos_terminal)");
        return stored.state == SagaState::unknown ? Result<PaymentOrder>(stored) : toUnknown(order, missing);
    }
    return order.state == SagaState::refunding ? card_->reverse(order) : card_->resolve(stored);
}

Result<PaymentOrder> QrPaymentSaga::refund(const PaymentOrder& order) {
    if (order.bankCard()) return resolveCard(order, order);  // void or refund on the terminal
    // Check what the gateway holds first: never refund more than was paid, never twice.
    auto remote = gateway_.query(order.outTradeNo(), order.amountFen);
    if (!remote) {
        if (isUnsettled(remote.error().code)) return toUnknown(order, remote.error());
        return toManual(order, "refund check: " + remote.error().describe());
    }
    if (remote->status == "REFUND" && remote->refundedFen == order.amountFen) {
        return journal_.transition(order, SagaState::refunded, order.reason);
    }
    if (remote->status != "SUCCESS" || remote->refundedFen != 0) {
        return toManual(order, fmt::format("cannot refund {} fen: gateway order is {} with {} fen refunded", order.amountFen,
                                           remote->status, remote->refundedFen));
    }
    failpoint("before_refund");
    auto refunded = gateway_.refund(order.outTradeNo(), order.outRefundNo(), order.amountFen);
    failpoint("after_refund");
    if (!refunded) {
        if (isUnsettled(refunded.error().code)) return toUnknown(order, refunded.error());
        return toManual(order, "refund: " + refunded.error().describe());
    }
    logger()->info("order {} refunded {} fen ({})", order.orderId, order.amountFen, order.outRefundNo());
    return journal_.transition(order, SagaState::refunded, order.reason);
}

Result<PaymentOrder> QrPaymentSaga::resolve(const PaymentOrder& stored) {
    PaymentOrder order = stored;
    if (order.state == SagaState::unknown) order.state = order.resumeState;  // in memory only; each step journals
    switch (order.state) {
        case SagaState::created:
            return journal_.transition(order, SagaState::closed, "abandoned before ordering");
        case SagaState::ordering:
        case SagaState::qr_shown: {
            if (order.bankCard()) {
                auto next = resolveCard(stored, order);
                if (next && next->state == SagaState::paid && !next->insured() && !next->registration()) return commitToHis(*next);
                return next;
            }
            auto remote = gateway_.query(order.outTradeNo(), order.amountFen);
            if (!remote) {
                if (remote.error().code == Errc::invalid_answer) return toManual(order, remote.error().describe());
                return stored.state == SagaState::unknown ? Result<PaymentOrder>(stored) : toUnknown(order, remote.error());
            }
            if (remote->status == "NOTPAY") return closeOrder(order);
            auto next = onGatewayOrder(order, *remote);
            // A paid insurance order settles (2207) before the HIS: the insurance saga goes on.
            // So does a paid registration: its booking is RegistrationSaga's.
            if (next && next->state == SagaState::paid && !next->insured() && !next->registration()) return commitToHis(*next);
            return next;
        }
        case SagaState::paid:
            if (order.insured() || order.registration()) return order;  // InsuranceSaga / RegistrationSaga go on
            return resolveCommit(order);
        case SagaState::his_committing:
            return resolveCommit(order);
        case SagaState::refunding:
            return refund(order);
        default:
            return order;  // terminal
    }
}

Result<PaymentOrder> QrPaymentSaga::resolveCommit(const PaymentOrder& order) {
    if (order.state == SagaState::his_committing) {
        auto known = his_.lookupTransaction(order.hisTradeNo());
        if (known && known->resourceType == "PaymentReconciliation" && known->status == "active") {
            return journal_.transition(order, SagaState::done, "found by business key at recovery");
        }
    }
    return commitToHis(order);
}

Result<RecoveryReport> QrPaymentSaga::recover() {
    auto rows = journal_.nonTerminal();
    if (!rows) return std::unexpected(rows.error());
    RecoveryReport report;
    for (const auto& row : *rows) {
        if (row.insured() || row.registration()) {
            // Insurance rows need the centre as well, registration rows the booking:
            // PaymentDesk::recover() resolves them.
            report.pending.push_back(row);
            continue;
        }
        Result<PaymentOrder> resolved = row.state == SagaState::manual ? toManual(row, row.reason) : resolve(row);
        if (!resolved) return std::unexpected(resolved.error());
        // A step may leave the order PAID/QR_SHOWN only when it stopped on purpose; resolve again.
        if (!isTerminal(resolved->state) && resolved->state != SagaState::unknown) {
            resolved = resolve(*resolved);
            if (!resolved) return std::unexpected(resolved.error());
        }
        logger()->info("recovery: order {} {} → {}", row.orderId, stateName(row.state), stateName(resolved->state));
        (isTerminal(resolved->state) ? report.resolved : report.pending).push_back(*resolved);
    }
    return report;
}

}  // namespace kiosk::payments
