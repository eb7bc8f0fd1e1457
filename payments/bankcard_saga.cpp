#include "payments/bankcard_saga.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <random>

#include "kiosk/core/log.hpp"
#include "payments/failpoint.hpp"

namespace kiosk::payments {

namespace pos = drivers::pos;

namespace {

auto logger() { return log::module("payments"); }

/// An order whose terminal transaction is in flight: its outcome is known only to the terminal.
bool cardInFlight(const PaymentOrder& order) {
    if (!order.bankCard()) return false;
    const SagaState state = order.state == SagaState::unknown ? order.resumeState : order.state;
    return (state == SagaState::ordering && !order.card.tag.empty()) || (state == SagaState::refunding && !order.card.reversalTag.empty());
}

/// The errors after which nothing can have been charged (pos_terminal.hpp's table).
bool notCharged(Errc code) {
    return code == Errc::rejected || code == Errc::device_not_ready || code == Errc::hardware_error || code == Errc::cancelled ||
           code == Errc::invalid_argument || code == Errc::user_error;
}

}  // namespace

std::string BankCardSaga::chinaMonthDay() const {
    return fmt::format("{:%m%d}", std::chrono::floor<std::chrono::seconds>(now_()) + std::chrono::hours(8));
}

Result<bool> BankCardSaga::waitedLongEnough(const PaymentOrder& order, SagaState sentIn) const {
    if (queryWait_.count() <= 0) return true;
    auto events = journal_.events(order.orderId);
    if (!events) return std::unexpected(events.error());
    std::string sentAt;
    for (const auto& event : *events) {
        if (event.state == stateName(sentIn)) sentAt = event.at;  // the last one: the request in flight
    }
    if (sentAt.size() != 14) return true;  // no record of the send: nothing to wait for
    // yyyyMMddHHmmss, China time (UTC+8, no daylight saving).
    const auto number = [&](size_t at, size_t n) { return std::stoi(sentAt.substr(at, n)); };
    const std::chrono::year_month_day day{std::chrono::year(number(0, 4)), std::chrono::month(static_cast<unsigned>(number(4, 2))),
                                          std::chrono::day(static_cast<unsigned>(number(6, 2)))};
    const auto sent = std::chrono::sys_days(day) + std::chrono::hours(number(8, 2)) + std::chrono::minutes(number(10, 2)) +
                      std::chrono::seconds(number(12, 2)) - std::chrono::hours(8);
    return now_() - sent >= queryWait_;
}

Result<PaymentOrder> BankCardSaga::toManual(const PaymentOrder& order, const std::string& reason) {
    logger()->error("card order {} → MANUAL: {}", order.orderId, reason);
    return journal_.transition(order, SagaState::manual, reason);
}

Result<PaymentOrder> BankCardSaga::toUnknown(const PaymentOrder& order, const Error& error) {
    logger()->warn("card order {} in {}: outcome unknown ({}); stays pending until the terminal is asked", order.orderId,
                   stateName(order.state), error.describe());
    return journal_.transition(order, SagaState::unknown, error.describe());
}

Result<std::string> BankCardSaga::freshTag() {
    auto recent = journal_.recentCardTags();
    if (!recent) return std::unexpected(recent.error());
    // Random, so that two kiosks' journals (or a journal restored from a backup) do not walk the
    // same sequence; never one of the recent tags, so the terminal's "last transaction" is ours
    // only when it carries this tag.
    // Exactly as wide as the terminal's layout has it (the answer echoes it padded to that
    // width); a layout without a tag still gets one in the journal, for the row's checks.
    const size_t width = terminal_.tagWidth() == 0 ? 3 : terminal_.tagWidth();
    const int digits = static_cast<int>(std::min<size_t>(width, 9));
    int64_t modulus = 1;
    for (int i = 0; i < digits; ++i) modulus *= 10;
    std::random_device entropy;
    std::uniform_int_distribution<int64_t> pick(0, modulus - 1);
    for (;;) {
        std::string tag = fmt::format("{:0{}}", pick(entropy), width);
        if (std::find(recent->begin(), recent->end(), tag) == recent->end()) return tag;
    }
}

Result<void> BankCardSaga::refuseWhileUnknown(const std::string& exceptOrderId) {
    auto open = journal_.nonTerminal();
    if (!open) return std::unexpected(open.error());
    for (const auto& order : *open) {
        if (order.orderId != exceptOrderId && cardInFlight(order)) {
            return fail(Errc::rejected,
                        fmt::format("card order {} ({}) is still unresolved on the terminal: no new card transaction until a "
                                    "query settles it",
                                    order.orderId, stateName(order.state)),
                        "pos.pending");
        }
    }
    return {};
}

Result<void> BankCardSaga::signInIfDue(const drivers::CancelToken& cancel) {
    const auto last = terminal_.lastSignIn();
    const auto chinaDay = [](std::chrono::system_clock::time_point at) {
        return std::chrono::floor<std::chrono::days>(at + std::chrono::hours(8));
    };
    if (last && chinaDay(*last) == chinaDay(now_())) return {};
    auto signedIn = terminal_.signIn(cancel);
    if (!signedIn) {
        logger()->warn("card terminal sign-in failed: {}", signedIn.error().describe());
        Error error = signedIn.error();
        if (error.messageKey.empty() || error.messageKey == "pos.bad_answer") error.messageKey = "pos.unavailable";
        return std::unexpected(error);
    }
    logger()->info("card terminal signed in: merchant {} terminal {} batch {}", signedIn->merchantId, signedIn->terminalId, signedIn->batch);
    return {};
}

pos::PosRequest BankCardSaga::consumeRequest(const PaymentOrder& order) const {
    pos::PosRequest request;
    request.operation = pos::PosOperation::consume;
    request.amountFen = order.amountFen;
    request.tag = order.card.tag;
    return request;
}

pos::PosRequest BankCardSaga::reversalRequest(const PaymentOrder& order) const {
    pos::PosRequest request;
    request.amountFen = order.amountFen;
    request.tag = order.card.reversalTag;
    if (order.card.reversal == "void_sale") {
        request.operation = pos::PosOperation::void_sale;
        request.originalVoucher = order.card.voucher;
    } else {
        request.operation = pos::PosOperation::refund;
        request.originalDate = order.card.date;
        request.originalReference = order.card.reference;
    }
    return request;
}

Result<PaymentOrder> BankCardSaga::charge(const PaymentOrder& current, const drivers::CancelToken& cancel) {
    if (!current.bankCard()) return fail(Errc::invalid_argument, fmt::format("order {} is not a bank-card order", current.orderId));
    if (current.state != SagaState::created && current.state != SagaState::ins_presettled) {
        return fail(Errc::invalid_argument, fmt::format("order {} is {}: not ready for the card terminal", current.orderId, stateName(current.state)));
    }
    if (current.amountFen <= 0) return fail(Errc::invalid_argument, fmt::format("order {} has no cash part to charge", current.orderId), "pos.bad_amount");
    if (auto clear = refuseWhileUnknown(current.orderId); !clear) return std::unexpected(clear.error());
    // Signed in first: a sign-in after the consume's row would leave that row ORDERING while the
    // terminal's last transaction is not it.
    if (auto signedIn = signInIfDue(cancel); !signedIn) return std::unexpected(signedIn.error());
    PaymentOrder order = current;
    for (int attempt = 0;; ++attempt) {
        auto tag = freshTag();
        if (!tag) return std::unexpected(tag.error());
        order.card = {};
        order.card.tag = *tag;
        auto ordering = journal_.transition(order, SagaState::ordering);
        if (!ordering) return ordering;
        order = *ordering;
        failpoint("card_before_consume");
        logger()->info("card order {}: consume {} fen, tag {}", order.orderId, order.amountFen, order.card.tag);
        auto answer = terminal_.transact(consumeRequest(order), cancel);
        failpoint("card_after_consume");
        if (answer) return onApproved(order, *answer);
        const Error& error = answer.error();
        if (error.code == Errc::user_error && attempt == 0) {
            // "Sign in again" (77): nothing was charged. Sign in, then a new consume with a new tag.
            logger()->warn("card order {}: terminal not signed in; signing in and asking again", order.orderId);
            if (auto signedIn = terminal_.signIn(cancel); signedIn) continue;
        }
        if (notCharged(error.code)) {
            order.card.resultKey = error.messageKey.empty() ? "pos.unavailable" : error.messageKey;
            logger()->info("card order {}: not charged ({})", order.orderId, error.describe());
            return journal_.transition(order, SagaState::closed, "card not charged: " + error.describe());
        }
        // Money may have moved: journal that, then ask the terminal at once (a lost answer is
        // usually found by the query, and the patient is told "received" rather than "confirming").
        order.card.resultKey = "pos.outcome_unknown";
        auto unknown = toUnknown(order, error);
        if (!unknown) return unknown;
        return resolve(*unknown);
    }
}

Result<PaymentOrder> BankCardSaga::onApproved(const PaymentOrder& current, const pos::PosAnswer& answer) {
    if (answer.amountFen != current.amountFen) {
        return toManual(current, fmt::format("terminal approved {} fen for a {} fen order (voucher {}, reference {})", answer.amountFen,
                                             current.amountFen, answer.voucher, answer.reference));
    }
    PaymentOrder order = current;
    order.card.voucher = answer.voucher;
    order.card.batch = answer.batch;
    order.card.reference = answer.reference;
    order.card.date = answer.date.empty() ? chinaMonthDay() : answer.date;
    order.card.time = answer.time;
    order.card.maskedPan = answer.maskedPan;
    order.card.terminalId = answer.terminalId;
    order.card.resultKey = "pos.approved";
    auto paid = journal_.setPaid(order, answer.reference);
    if (!paid) return paid;
    logger()->info("card order {} paid: {} fen, card {}, voucher {}, batch {}, reference {}", order.orderId, order.amountFen,
                   answer.maskedPan, answer.voucher, answer.batch, answer.reference);
    failpoint("paid");
    return paid;
}

Result<PaymentOrder> BankCardSaga::reverse(const PaymentOrder& order) {
    if (!order.bankCard() || order.state != SagaState::refunding) {
        return fail(Errc::invalid_argument, fmt::format("order {} is {}: nothing to reverse on the card", order.orderId, stateName(order.state)));
    }
    // A reversal already journalled may have been made: only a query tells.
    if (!order.card.reversalTag.empty()) return resolve(order);
    return sendReversal(order);
}

Result<PaymentOrder> BankCardSaga::sendReversal(const PaymentOrder& current) {
    if (current.card.voucher.empty() || current.card.reference.empty()) {
        return toManual(current, "card refund: the consume's voucher and reference are not in the journal");
    }
    if (auto clear = refuseWhileUnknown(current.orderId); !clear) return toUnknown(current, clear.error());
    if (auto signedIn = signInIfDue(); !signedIn) return toUnknown(current, signedIn.error());
    auto settled = journal_.cardSettlements();
    if (!settled) return std::unexpected(settled.error());
    const bool batchSettled = std::any_of(settled->begin(), settled->end(), [&](const auto& s) { return s.batch == current.card.batch; });
    auto tag = freshTag();
    if (!tag) return std::unexpected(tag.error());
    PaymentOrder order = current;
    // A void undoes the sale in the open batch the same day (the card is never debited); after
    // the day or the batch has ended only a refund can give the money back.
    order.card.reversal = (order.card.date == chinaMonthDay() && !batchSettled) ? "void_sale" : "refund";
    order.card.reversalTag = *tag;
    auto journalled = journal_.transition(order, SagaState::refunding, order.reason);
    if (!journalled) return journalled;
    order = *journalled;
    failpoint("card_before_reversal");
    logger()->info("card order {}: {} of {} fen (voucher {}, reference {}), tag {}", order.orderId, order.card.reversal, order.amountFen,
                   order.card.voucher, order.card.reference, order.card.reversalTag);
    auto answer = terminal_.transact(reversalRequest(order));
    failpoint("card_after_reversal");
    if (answer) return onReversed(order, *answer);
    const Error& error = answer.error();
    if (error.code == Errc::rejected || error.code == Errc::invalid_argument) {
        // The terminal refused to give the money back: a person does it (voucher, reference).
        return toManual(order, fmt::format("card {} refused: {}; the patient was charged {} fen (voucher {}, reference {})",
                                           order.card.reversal, error.describe(), order.amountFen, order.card.voucher, order.card.reference));
    }
    if (notCharged(error.code)) {
        // Not sent (terminal away, not signed in): the reversal is tried again by the next query.
        PaymentOrder retry = order;
        retry.card.reversalTag.clear();
        retry.card.reversal.clear();
        return toUnknown(retry, error);
    }
    auto unknown = toUnknown(order, error);
    if (!unknown) return unknown;
    return resolve(*unknown);
}

Result<PaymentOrder> BankCardSaga::onReversed(const PaymentOrder& current, const pos::PosAnswer& answer) {
    PaymentOrder order = current;
    order.card.reversalBatch = answer.batch.empty() ? order.card.batch : answer.batch;
    order.card.reversalReference = answer.reference;
    logger()->info("card order {}: {} approved, {} fen back to card {} (reference {})", order.orderId, order.card.reversal,
                   order.amountFen, order.card.maskedPan, answer.reference);
    return journal_.transition(order, SagaState::refunded, order.reason);
}

Result<PaymentOrder> BankCardSaga::resolve(const PaymentOrder& stored) {
    PaymentOrder order = stored;
    if (order.state == SagaState::unknown) order.state = order.resumeState;  // in memory only; each step journals
    const bool consume = order.state == SagaState::ordering;
    if (!consume && order.state != SagaState::refunding) return stored;
    if (consume && order.card.tag.empty()) {
        // ORDERING journalled by an older program without a tag cannot happen; never guess.
        return toManual(order, "card order in ORDERING without the consume's tag");
    }
    if (!consume && order.card.reversalTag.empty()) return sendReversal(order);
    auto found = terminal_.resolve(consume ? consumeRequest(order) : reversalRequest(order));
    if (!found) {
        if (found.error().code == Errc::unknown_outcome) {
            // The terminal answered, but what it holds contradicts this request (same tag, another
            // amount; or a layout without tags): asking again will not change it. A person
            // compares the terminal's slip with the journal.
            return toManual(order, "card query: " + found.error().describe());
        }
        logger()->warn("card order {}: the terminal could not tell ({}); stays unknown", order.orderId, found.error().describe());
        return stored.state == SagaState::unknown ? Result<PaymentOrder>(stored) : toUnknown(order, found.error());
    }
    const auto& [resolution, answer] = *found;
    if (resolution == pos::Resolution::charged && answer) return consume ? onApproved(order, *answer) : onReversed(order, *answer);
    // Not made. With our own declined / cancelled record that is final; when the terminal's last
    // transaction is another one, ours may still be in progress on the terminal: believed only
    // once queryWait has passed since it was sent.
    const bool ownRecord = answer.has_value();
    if (!ownRecord) {
        auto waited = waitedLongEnough(order, consume ? SagaState::ordering : SagaState::refunding);
        if (!waited) return std::unexpected(waited.error());
        if (!*waited) {
            Error early(Errc::unknown_outcome, fmt::format("the terminal's last transaction is another one, but the {} (tag {}) was sent "
                                                           "less than {} s ago and may still be in progress: asking again later",
                                                           consume ? "consume" : order.card.reversal,
                                                           consume ? order.card.tag : order.card.reversalTag, queryWait_.count()));
            logger()->info("card order {}: {}", order.orderId, early.detail);
            return stored.state == SagaState::unknown ? Result<PaymentOrder>(stored) : toUnknown(order, early);
        }
    }
    if (consume) {
        order.card.resultKey = ownRecord && !answer->messageKey.empty() ? answer->messageKey : "pos.not_charged";
        return journal_.transition(order, SagaState::closed, "the terminal's last transaction is not this consume: not charged");
    }
    logger()->info("card order {}: the {} (tag {}) was not made; sending it again", order.orderId, order.card.reversal, order.card.reversalTag);
    return sendReversal(order);
}

Result<CardSettlementReport> BankCardSaga::settle() {
    if (auto clear = refuseWhileUnknown({}); !clear) return std::unexpected(clear.error());
    auto settled = terminal_.settle();
    if (!settled) return std::unexpected(settled.error());
    auto recorded = journal_.recordCardSettlement(settled->batch, settled->amountFen);
    if (!recorded) return std::unexpected(recorded.error());
    CardSettlementReport report{recorded->batch, recorded->terminalFen, recorded->journalFen};
    if (report.matches()) {
        logger()->info("card batch {} settled: {} fen, as in the journal", report.batch, report.terminalFen);
    } else {
        logger()->error("card batch {} settled {} fen but the journal holds {} fen: reconcile by hand", report.batch, report.terminalFen,
                        report.journalFen);
    }
    return report;
}

}  // namespace kiosk::payments
