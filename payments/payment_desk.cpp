#include "payments/payment_desk.hpp"

#include <algorithm>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "kiosk/core/log.hpp"
#include "payments/failpoint.hpp"

namespace kiosk::payments {

namespace {

auto logger() { return log::module("payments"); }

/// The QR channels (bankcard goes through chargeCard, never a QR).
bool knownChannel(const std::string& channel) { return channel == "wechat" || channel == "alipay" || channel == "unionpay"; }

}  // namespace

Result<std::unique_ptr<PaymentDesk>> PaymentDesk::create(const KioskConfig& config, Journal& journal, backend::HisDriver& his) {
    auto payments = readPaymentConfig(config.payments, config.kioskId);
    if (!payments) return std::unexpected(payments.error());
    return create(*payments, config.kioskId, journal, his);
}

Result<std::unique_ptr<PaymentDesk>> PaymentDesk::create(const PaymentConfig& config, const std::string& kioskId, Journal& journal,
                                                         backend::HisDriver& his) {
    auto saga = SagaJournal::attach(journal, kioskId);
    if (!saga) return std::unexpected(saga.error());
    std::unique_ptr<PaymentDesk> desk(new PaymentDesk());
    desk->journal_ = std::make_unique<SagaJournal>(std::move(*saga));
    desk->his_ = &his;
    desk->gateway_ = std::make_unique<GatewayClient>(config.gateway);
    desk->settings_ = config.qr;
    desk->site_ = config.site;
    desk->cardSettleAt_ = config.cardSettleAt;
    desk->cardQueryWait_ = config.cardQueryWait;
    desk->qr_ = std::make_unique<QrPaymentSaga>(*desk->journal_, *desk->gateway_, his, config.qr);
    desk->registration_ = std::make_unique<RegistrationSaga>(*desk->journal_, *desk->qr_, his, config.qr);
    if (config.insurance) {
        desk->insuranceClient_ = std::make_unique<InsuranceClient>(*config.insurance, config.site);
        desk->insuranceSaga_ = std::make_unique<InsuranceSaga>(*desk->journal_, *desk->insuranceClient_, *desk->qr_, config.site.fixmedinsCode);
        desk->registration_->attachInsurance(desk->insuranceSaga_.get());
    }
    return desk;
}

const QrSettings& PaymentDesk::qrSettings() const { return settings_; }

Result<PaymentOrder> PaymentDesk::loadLocked(const std::string& orderId) {
    auto order = journal_->load(orderId);
    // A row that could not be trusted comes back MANUAL in memory only: make it so in the
    // journal too, before anyone acts on the order.
    if (order && order->state == SagaState::manual && order->reason.rfind("corrupt journal row", 0) == 0) {
        logger()->error("order {} → MANUAL: {}", orderId, order->reason);
        return journal_->transition(*order, SagaState::manual, order->reason);
    }
    return order;
}

Result<PaymentQuote> PaymentDesk::quote(const std::string& patientId, const std::vector<ChargeLine>& charges,
                                        const std::optional<InsuranceCredential>& credential) {
    std::lock_guard lock(mutex_);
    if (charges.empty()) return fail(Errc::invalid_argument, "no charges to pay", "payments.bad_order");
    for (const auto& charge : charges) {
        if (charge.amountFen <= 0) {
            return fail(Errc::invalid_argument, fmt::format("charge {} has a non-positive amount {} fen", charge.id, charge.amountFen), "payments.bad_amount");
        }
    }
    // A charge of an order whose outcome is still open (unknown, or with the help desk) is not
    // quoted again: the patient may already have paid it, and a second order could charge twice.
    auto open = journal_->unsettled();
    if (!open) return std::unexpected(open.error());
    for (const auto& earlier : *open) {
        for (const auto& charge : charges) {
            if (std::find(earlier.chargeIds.begin(), earlier.chargeIds.end(), charge.id) != earlier.chargeIds.end()) {
                return fail(Errc::rejected,
                            fmt::format("charge {} belongs to order {} ({}), not settled yet", charge.id, earlier.orderId,
                                        stateName(earlier.state)),
                            "payments.charge_pending");
            }
        }
    }
    if (credential) {
        if (!insuranceSaga_) return fail(Errc::invalid_config, "insurance is not configured ([payments] insurance_url)", "payments.insurance_unavailable");
        auto order = insuranceSaga_->preSettle(patientId, charges, *credential);
        if (!order) return std::unexpected(order.error());
        return PaymentQuote{order->orderId, true, order->totalFen, order->fundFen, order->accountFen, order->cashFen};
    }
    int64_t total = 0;
    std::vector<std::string> ids;
    for (const auto& charge : charges) {
        total += charge.amountFen;
        ids.push_back(charge.id);
    }
    auto order = journal_->createOrder({OrderKind::self_pay, patientId, ids, total, {}, {}, {}});
    if (!order) return std::unexpected(order.error());
    logger()->info("order {} created: {} fen, channel to be chosen", order->orderId, total);
    failpoint("order_created");
    return PaymentQuote{order->orderId, false, total, 0, 0, total};
}

Result<RegistrationHold> PaymentDesk::holdForRegistration(const std::string& patientId, const std::string& slotId, int64_t feeFen) {
    std::lock_guard lock(mutex_);
    if (feeFen <= 0) return fail(Errc::invalid_argument, fmt::format("registration fee {} fen is not positive", feeFen), "payments.bad_amount");
    // An earlier order for this slot whose outcome is open: the patient may have paid it already.
    auto open = journal_->unsettled();
    if (!open) return std::unexpected(open.error());
    for (const auto& earlier : *open) {
        if (earlier.registration() && earlier.slotId == slotId) {
            return fail(Errc::rejected, fmt::format("slot {} belongs to order {} ({}), not settled yet", slotId, earlier.orderId, stateName(earlier.state)),
                        "payments.charge_pending");
        }
    }
    return registration_->hold(patientId, slotId, feeFen);
}

Result<PaymentOrder> PaymentDesk::preSettleRegistration(const std::string& orderId, const InsuranceCredential& credential) {
    std::lock_guard lock(mutex_);
    auto order = loadLocked(orderId);
    if (!order) return order;
    return registration_->preSettle(*order, credential);
}

Result<PaymentOrder> PaymentDesk::backToSelfPay(const std::string& orderId) {
    std::lock_guard lock(mutex_);
    auto order = loadLocked(orderId);
    if (!order) return order;
    return registration_->backToSelfPay(*order, "the patient went back from the insurance split");
}

Result<backend::Appointment> PaymentDesk::registrationAppointment(const std::string& orderId) {
    std::lock_guard lock(mutex_);
    auto order = loadLocked(orderId);
    if (!order) return std::unexpected(order.error());
    if (!order->registration()) return fail(Errc::invalid_argument, "order " + orderId + " is not a registration");
    return registration_->appointment(*order);
}

namespace {

/// The sale of a booking in this journal (see PaymentDesk::refundableBooking).
Result<std::optional<PaymentOrder>> bookingSoldHere(SagaJournal& journal, const std::string& appointmentId) {
    auto order = journal.registrationOf(appointmentId);
    if (!order) {
        if (order.error().code == Errc::not_found) return std::optional<PaymentOrder>{};
        return std::unexpected(order.error());
    }
    // Paid by bank card: the void or refund needs the card at the terminal, and the cancel screens
    // have no "insert your card" step yet; the counter refunds it, as a booking paid elsewhere.
    if (order->state == SagaState::done && order->bankCard()) return std::optional<PaymentOrder>{};
    if (order->state == SagaState::done) return std::optional<PaymentOrder>{*order};
    if (order->state == SagaState::closed) return std::optional<PaymentOrder>{};  // never paid, never booked by it
    return fail(Errc::rejected,
                fmt::format("Appointment/{}: order {} is {} already", appointmentId, order->orderId,
                            stateName(order->state == SagaState::unknown ? order->resumeState : order->state)),
                "cancel.refused_settling");
}

}  // namespace

Result<std::optional<PaymentOrder>> PaymentDesk::refundableBooking(const std::string& appointmentId) {
    std::lock_guard lock(mutex_);
    return bookingSoldHere(*journal_, appointmentId);
}

Result<std::optional<PaymentOrder>> PaymentDesk::cancelBooking(const std::string& appointmentId) {
    std::lock_guard lock(mutex_);
    auto sold = bookingSoldHere(*journal_, appointmentId);
    if (!sold || !*sold) return sold;
    auto cancelled = registration_->cancelBooked(**sold);
    if (!cancelled) return std::unexpected(cancelled.error());
    return std::optional<PaymentOrder>{*cancelled};
}

Result<PaymentOrder> PaymentDesk::showQr(const std::string& orderId, const std::string& channel) {
    std::lock_guard lock(mutex_);
    if (!knownChannel(channel)) return fail(Errc::invalid_argument, "unknown payment channel " + channel, "payments.bad_order");
    auto order = loadLocked(orderId);
    if (!order) return order;
    if (isTerminal(order->state) || order->state == SagaState::unknown) return order;  // the screen maps the state
    if (order->usesInsurance() && order->cashFen == 0) return order;                        // nothing to pay by QR
    if (order->registration() && order->appointmentId.empty()) {
        return fail(Errc::invalid_argument, fmt::format("registration {} has no hold: nothing to pay for", orderId), "payments.bad_order");
    }
    if (!order->channel.empty() && order->channel != channel &&
        (order->state != SagaState::created && order->state != SagaState::ins_presettled)) {
        // The gateway order exists with its channel: re-sending the out_trade_no with another
        // channel would be a changed order (refused by the gateway, and never done here).
        return fail(Errc::invalid_argument, fmt::format("order {} is already being paid by {}", orderId, order->channel), "payments.bad_order");
    }
    if (!order->codeUrl.empty()) return order;  // re-shown, never re-ordered
    const bool before = order->state == SagaState::created || order->state == SagaState::ins_presettled;
    if (!before && order->state != SagaState::ordering) {
        return fail(Errc::invalid_argument, fmt::format("order {} is {}: no QR to show", orderId, stateName(order->state)));
    }
    if (before) order->channel = channel;
    return qr_->showQr(*order);
}

void PaymentDesk::attachCardTerminal(drivers::pos::PosTerminal& terminal) {
    std::lock_guard lock(mutex_);
    card_ = std::make_unique<BankCardSaga>(*journal_, terminal, cardQueryWait_);
    qr_->attachCardSaga(card_.get());
}

Result<PaymentOrder> PaymentDesk::chargeCard(const std::string& orderId, const drivers::CancelToken& cancel) {
    std::lock_guard lock(mutex_);
    if (!card_) return fail(Errc::device_not_ready, "no bank-card terminal is configured", "pos.unavailable");
    auto order = loadLocked(orderId);
    if (!order) return order;
    if (isTerminal(order->state) || order->state == SagaState::unknown) return order;  // the screen maps the state
    const bool before = order->state == SagaState::created || order->state == SagaState::ins_presettled;
    if (!before) {
        return fail(Errc::invalid_argument, fmt::format("order {} is {}: already being paid by {}", orderId, stateName(order->state), order->channel),
                    "payments.bad_order");
    }
    if (order->usesInsurance() && order->cashFen == 0) return order;  // nothing to pay on the card
    if (order->registration() && order->appointmentId.empty()) {
        return fail(Errc::invalid_argument, fmt::format("registration {} has no hold: nothing to pay for", orderId), "payments.bad_order");
    }
    order->channel = "bankcard";
    return card_->charge(*order, cancel);
}

Result<CardSettlementReport> PaymentDesk::settleCards() {
    std::lock_guard lock(mutex_);
    if (!card_) return fail(Errc::device_not_ready, "no bank-card terminal is configured", "pos.unavailable");
    return card_->settle();
}

Result<std::optional<CardSettlementReport>> PaymentDesk::settleCardsIfDue(std::chrono::system_clock::time_point now) {
    std::lock_guard lock(mutex_);
    if (!card_) return std::optional<CardSettlementReport>{};
    const auto china = std::chrono::floor<std::chrono::minutes>(now) + std::chrono::hours(8);
    const auto today = std::chrono::floor<std::chrono::days>(china);
    const std::string todayText = fmt::format("{:%Y%m%d}", today);
    auto settlements = journal_->cardSettlements();
    if (!settlements) return std::unexpected(settlements.error());
    const bool settledToday =
        std::any_of(settlements->begin(), settlements->end(), [&](const auto& s) { return s.at.substr(0, 8) == todayText; });
    if (settledToday) return std::optional<CardSettlementReport>{};
    bool due = china - today >= cardSettleAt_;
    if (!due) {
        // A card payment of an earlier day in a batch never settled: the kiosk missed the hour.
        auto missed = journal_->unsettledCardPaymentBefore(todayText);
        if (!missed) return std::unexpected(missed.error());
        if (*missed) {
            logger()->info("card batch {} (order {} of {}) was never settled: settling now", (*missed)->card.batch, (*missed)->orderId,
                           (*missed)->created.substr(0, 8));
            due = true;
        }
    }
    if (!due) return std::optional<CardSettlementReport>{};
    auto report = card_->settle();
    if (!report) return std::unexpected(report.error());
    return std::optional<CardSettlementReport>{*report};
}

Result<PaymentOrder> PaymentDesk::awaitPayment(const std::string& orderId, const std::function<bool()>& cancelled) {
    std::lock_guard lock(mutex_);
    auto order = loadLocked(orderId);
    if (!order) return order;
    if (order->state != SagaState::qr_shown) return order;  // paid already, nothing to pay, or terminal
    auto awaited = qr_->awaitPayment(*order, cancelled);
    // A registration closed unpaid gives its slot back at once (it would expire by itself).
    if (awaited && awaited->state == SagaState::closed && awaited->registration()) registration_->releaseHold(*awaited);
    return awaited;
}

Result<PaymentOrder> PaymentDesk::finishLocked(const PaymentOrder& order) {
    if (order.insured()) {
        if (!insuranceSaga_) return fail(Errc::invalid_config, "insurance order but insurance is not configured", "payments.insurance_unavailable");
        if (order.state == SagaState::paid || (order.state == SagaState::ins_presettled && order.cashFen == 0)) {
            return insuranceSaga_->settle(order);
        }
    } else if (order.registration()) {
        if (order.state == SagaState::paid || (order.insuredRegistration() && order.state == SagaState::ins_presettled && order.cashFen == 0)) {
            return registration_->settleAndBook(order);
        }
    } else if (order.state == SagaState::paid) {
        return qr_->commitToHis(order);
    }
    if (order.state == SagaState::created || order.state == SagaState::ins_presettled || order.state == SagaState::ordering ||
        order.state == SagaState::qr_shown || order.state == SagaState::ins_presettling) {
        return fail(Errc::invalid_argument, fmt::format("order {} is {}: not paid yet", order.orderId, stateName(order.state)));
    }
    return resolveLocked(order);  // UNKNOWN or a step in flight: only a query moves it on
}

Result<PaymentOrder> PaymentDesk::finish(const std::string& orderId) {
    std::lock_guard lock(mutex_);
    auto order = loadLocked(orderId);
    if (!order) return order;
    if (order->state == SagaState::manual || isTerminal(order->state)) return order;
    return finishLocked(*order);
}

Result<PaymentOrder> PaymentDesk::abandon(const std::string& orderId) {
    std::lock_guard lock(mutex_);
    auto order = loadLocked(orderId);
    if (!order) return order;
    switch (order->state) {
        case SagaState::created:
        case SagaState::ins_presettling:
        case SagaState::ins_presettled: {
            // Nothing charged and nothing settled: the pre-settlement moves no money.
            auto closed = journal_->transition(*order, SagaState::closed, "patient declined before paying");
            if (closed && closed->registration()) registration_->releaseHold(*closed);
            return closed;
        }
        case SagaState::ordering:
        case SagaState::qr_shown: {
            auto closed = qr_->closeOrder(*order);
            if (closed && closed->state == SagaState::paid) {
                logger()->info("order {}: the patient paid just before leaving; finishing", orderId);
                return finishLocked(*closed);
            }
            if (closed && closed->state == SagaState::closed && closed->registration()) registration_->releaseHold(*closed);
            return closed;
        }
        default:
            if (isTerminal(order->state)) return order;
            return resolveLocked(*order);  // paid or in flight: cannot be undone by leaving
    }
}

Result<PaymentOrder> PaymentDesk::resolveLocked(const PaymentOrder& order) {
    if (order.state == SagaState::manual) return journal_->transition(order, SagaState::manual, order.reason);  // a corrupt row read back
    if (order.insured()) {
        if (!insuranceSaga_) return order;  // cannot be resolved without the centre: stays pending
        return insuranceSaga_->resolve(order);
    }
    if (order.registration()) return registration_->resolve(order);
    return qr_->resolve(order);
}

Result<PaymentOrder> PaymentDesk::resolve(const std::string& orderId) {
    std::lock_guard lock(mutex_);
    auto order = loadLocked(orderId);
    if (!order) return order;
    if (isTerminal(order->state) && order->state != SagaState::manual) return order;
    auto resolved = resolveLocked(*order);
    // A step may stop on purpose in a non-terminal state (PAID after a query): resolve once more.
    if (resolved && !isTerminal(resolved->state) && resolved->state != SagaState::unknown) resolved = resolveLocked(*resolved);
    return resolved;
}

Result<RecoveryReport> PaymentDesk::recover() {
    std::lock_guard lock(mutex_);
    auto rows = journal_->nonTerminal();
    if (!rows) return std::unexpected(rows.error());
    RecoveryReport report;
    for (const auto& row : *rows) {
        auto resolved = resolveLocked(row);
        if (!resolved) return std::unexpected(resolved.error());
        if (!isTerminal(resolved->state) && resolved->state != SagaState::unknown) {
            resolved = resolveLocked(*resolved);
            if (!resolved) return std::unexpected(resolved.error());
        }
        logger()->info("recovery: {} order {} {} → {}", kindName(row.kind), row.orderId, stateName(row.state), stateName(resolved->state));
        (isTerminal(resolved->state) ? report.resolved : report.pending).push_back(*resolved);
    }
    return report;
}

Result<PaymentOrder> PaymentDesk::order(const std::string& orderId) {
    std::lock_guard lock(mutex_);
    return journal_->load(orderId);
}

Result<std::vector<PaymentOrder>> PaymentDesk::openOrders() {
    std::lock_guard lock(mutex_);
    return journal_->unsettled();
}

Result<PaymentDesk::OrderCounts> PaymentDesk::orderCounts() {
    std::lock_guard lock(mutex_);
    auto counts = journal_->stateCounts();
    if (!counts) return std::unexpected(counts.error());
    OrderCounts out;
    out.lastDoneUnixSeconds = counts->lastDoneUnixSeconds;
    for (const auto& [name, count] : counts->byState) {
        const auto state = parseState(name);
        if (!state) {
            out.manual += count;  // an unreadable row is one a person must look at (load() does the same)
        } else if (*state == SagaState::done) {
            out.done += count;
        } else if (*state == SagaState::refunded) {
            out.refunded += count;
        } else if (*state == SagaState::closed) {
            out.closed += count;
        } else if (*state == SagaState::manual) {
            out.manual += count;
        } else {
            out.pending += count;
        }
    }
    // The fleet reads `done` as a counter: an order that was done and later refunded by a
    // cancellation (DONE → HIS_CANCELLING → REFUNDED) still counts as done once, so the count
    // never goes down.
    auto left = journal_->journal().prepare(
        "SELECT COUNT(DISTINCT order_id) FROM payment_event WHERE state = 'DONE' AND order_id IN "
        "(SELECT order_id FROM payment_order WHERE state <> 'DONE')");
    if (!left) return std::unexpected(left.error());
    auto row = left->step();
    if (!row) return std::unexpected(row.error());
    if (*row) out.done += left->integer(0);
    return out;
}

}  // namespace kiosk::payments
