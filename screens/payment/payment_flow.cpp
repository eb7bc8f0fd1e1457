#include "screens/payment/payment_flow.hpp"
#include "screens/payment/insurance_credential.hpp"

#include <map>
#include <set>

#include "kiosk/backend/identity_lookup.hpp"
#include "kiosk/core/log.hpp"

namespace kiosk::screens {

using backend::findSessionPatient;

namespace {

auto logger() { return log::module("payflow"); }

/// The order to show once a step that may have moved money returned: the journal's own state, or,
/// when the desk could not even say (journal trouble), UNKNOWN with the reason — never "failed".
payments::PaymentOrder outcomeOrder(const Result<payments::PaymentOrder>& result, const std::string& orderId) {
    if (result) return *result;
    logger()->error("order {}: {}", orderId, result.error().describe());
    payments::PaymentOrder unknown;
    unknown.orderId = orderId;
    unknown.state = payments::SagaState::unknown;
    unknown.reason = result.error().describe();
    return unknown;
}

}  // namespace

PayOutcome outcomeOf(const payments::PaymentOrder& order) {
    using payments::SagaState;
    switch (order.state) {
        case SagaState::done: return PayOutcome::received;
        case SagaState::refunded: return PayOutcome::refunded;
        case SagaState::closed: return PayOutcome::not_charged;
        default: return PayOutcome::confirming;  // UNKNOWN, MANUAL and anything still in flight
    }
}

PaymentFlow::PaymentFlow(std::shared_ptr<backend::HisDriver> his, std::shared_ptr<payments::PaymentDesk> desk, Post post)
    : his_(std::move(his)), desk_(std::move(desk)), post_(std::move(post)) {}

PaymentFlow::~PaymentFlow() {
    if (worker_.joinable()) worker_.request_stop();
    // jthreads join here: a worker inside a payment step finishes it (bounded by the HTTP
    // timeouts), so the journal never holds a step the kiosk walked away from.
}

std::chrono::seconds PaymentFlow::qrTimeout() const {
    return desk_ ? std::chrono::duration_cast<std::chrono::seconds>(desk_->qrSettings().qrTimeout) : std::chrono::seconds(120);
}

void PaymentFlow::reset() {
    if (worker_.joinable()) {
        worker_.request_stop();  // ends a QR wait: the order is closed, or found paid and finished
        retired_.push_back(Retired{std::move(worker_), workerDone_});
    }
    std::erase_if(retired_, [](const Retired& r) { return r.done->load(); });  // finished: joins at once
    std::string quotedOrder;
    {
        std::lock_guard lock(shared_->mutex);
        if (shared_->view.stage == PayStage::quoted) quotedOrder = shared_->view.quote.orderId;
    }
    if (!quotedOrder.empty() && desk_) {
        // The patient left between the quote and paying (timeout, card pulled, finish): the order
        // is journalled but nothing was charged. Close it now rather than leave it for recovery.
        auto done = std::make_shared<std::atomic<bool>>(false);
        retired_.push_back(Retired{std::jthread([this, quotedOrder, done] {
                                       std::lock_guard desk(deskMutex_);
                                       auto closed = desk_->abandon(quotedOrder);
                                       if (!closed) logger()->warn("order {} not closed at session end: {}", quotedOrder, closed.error().describe());
                                       done->store(true);
                                   }),
                                   done});
    }
    std::lock_guard lock(shared_->mutex);
    const uint64_t next = shared_->view.generation + 1;
    shared_->view = PaymentView{};
    shared_->view.generation = next;
    shared_->identity.wipe();
    shared_->patientId.clear();
}

PaymentView PaymentFlow::view() const {
    std::lock_guard lock(shared_->mutex);
    return shared_->view;
}

void PaymentFlow::update(const std::shared_ptr<Shared>& shared, uint64_t generation,
                         const std::function<void(PaymentView&)>& change) {
    {
        std::lock_guard lock(shared->mutex);
        if (shared->view.generation != generation) return;  // the patient has gone: nothing to show
        change(shared->view);
    }
    post_(PaymentProgress{generation});
}

void PaymentFlow::start(PayStage stage, Job job) {
    uint64_t generation = 0;
    {
        std::lock_guard lock(shared_->mutex);
        shared_->view.stage = stage;
        shared_->view.error.reset();
        generation = shared_->view.generation;
    }
    if (worker_.joinable()) worker_.join();  // the previous step posted its result already
    if (!available()) {
        update(shared_, generation, [](PaymentView& v) {
            v.stage = PayStage::stopped;
            v.error = Error(Errc::unsupported, "payments are not configured on this kiosk", "pay.not_available");
        });
        return;
    }
    workerDone_ = std::make_shared<std::atomic<bool>>(false);
    worker_ = std::jthread([this, job = std::move(job), shared = shared_, generation, done = workerDone_](std::stop_token stop) {
        job(shared, generation, stop);
        done->store(true);
    });
}

void PaymentFlow::loadCharges(const PatientIdentity& identity) {
    {
        std::lock_guard lock(shared_->mutex);
        shared_->identity = identity;
        // Insurance is offered when the identification is an insurance credential and the site
        // has an insurance centre configured; otherwise the screen says which credential to use.
        const bool insuranceSite = desk_ && desk_->insuranceEnabled();
        shared_->view.insuranceOffered = insuranceCredentialOf(identity).has_value() && insuranceSite;
        shared_->view.insuranceNeedsCredential = !insuranceCredentialOf(identity).has_value() && insuranceSite;
        shared_->view.bankCardOffered = desk_ && desk_->bankCardEnabled();
    }
    start(PayStage::loading, [this](const std::shared_ptr<Shared>& shared, uint64_t generation, std::stop_token) {
        listCharges(shared, generation);
    });
}

void PaymentFlow::backToCharges() {
    std::string quotedOrder;
    {
        std::lock_guard lock(shared_->mutex);
        if (shared_->view.stage != PayStage::quoted) return;
        quotedOrder = shared_->view.quote.orderId;
        shared_->view.quote = payments::PaymentQuote{};
        shared_->view.channel.clear();
    }
    start(PayStage::loading, [this, quotedOrder](const std::shared_ptr<Shared>& shared, uint64_t generation, std::stop_token) {
        {
            std::lock_guard desk(deskMutex_);
            auto closed = desk_->abandon(quotedOrder);
            // A close the journal could not write leaves the order open: its charges are then
            // held back below (the truth), never offered twice.
            if (!closed) logger()->warn("order {} not closed on back: {}", quotedOrder, closed.error().describe());
            else logger()->info("order {}: patient went back before paying → {}", quotedOrder, payments::stateName(closed->state));
        }
        listCharges(shared, generation);
    });
}

void PaymentFlow::listCharges(const std::shared_ptr<Shared>& shared, uint64_t generation) {
    PatientIdentity copied;  // the worker's own copy, wiped once the HIS has answered
    {
        std::lock_guard lock(shared->mutex);
        copied = shared->identity;
    }
    auto patient = findSessionPatient(*his_, copied);
    copied.wipe();
    if (!patient) {
        logger()->warn("charges: patient lookup failed: {}", patient.error().describe());
        update(shared, generation, [&](PaymentView& v) {
            v.stage = PayStage::stopped;
            v.error = patient.error();
        });
        return;
    }
    auto charges = his_->charges(patient->id);
    if (!charges) {
        logger()->warn("charges of {} failed: {}", patient->id, charges.error().describe());
        update(shared, generation, [&](PaymentView& v) {
            v.stage = PayStage::stopped;
            v.error = charges.error();
        });
        return;
    }
    // Charges of an order whose outcome is still open are not offered again: the patient may
    // already have paid them.
    std::map<std::string, std::string> unsettledCharge;  // charge id → order id
    {
        std::lock_guard desk(deskMutex_);
        auto unsettled = desk_->openOrders();
        if (!unsettled) {
            logger()->error("payment journal unreadable: {}", unsettled.error().describe());
            update(shared, generation, [&](PaymentView& v) {
                v.stage = PayStage::stopped;
                v.error = unsettled.error();
            });
            return;
        }
        for (const auto& order : *unsettled) {
            for (const auto& id : order.chargeIds) unsettledCharge[id] = order.orderId;
        }
    }
    std::vector<payments::ChargeLine> lines;
    std::set<std::string> heldBackOrders;
    size_t heldBack = 0;
    int64_t heldBackFen = 0;
    int64_t total = 0;
    for (const auto& c : *charges) {
        if (auto held = unsettledCharge.find(c.id); held != unsettledCharge.end()) {
            ++heldBack;
            heldBackFen += c.amountFen;
            heldBackOrders.insert(held->second);
            continue;
        }
        lines.push_back({c.id, c.code, c.description, c.insuranceClass, c.amountFen, c.descriptionEn});
        total += c.amountFen;
    }
    if (heldBack > 0) logger()->warn("{} charge(s), {} fen, held back: earlier orders still open", heldBack, heldBackFen);
    logger()->info("patient {}: {} outstanding charges, {} fen", patient->id, lines.size(), total);
    {
        std::lock_guard lock(shared->mutex);
        if (shared->view.generation == generation) shared->patientId = patient->id;
    }
    update(shared, generation, [&](PaymentView& v) {
        v.stage = PayStage::charges;
        v.charges = std::move(lines);
        v.totalFen = total;
        v.heldBack = heldBack;
        v.heldBackFen = heldBackFen;
        v.heldBackOrders.assign(heldBackOrders.begin(), heldBackOrders.end());
    });
}

void PaymentFlow::requestQuote(bool useInsurance) {
    {
        std::lock_guard lock(shared_->mutex);
        shared_->view.quotingInsured = useInsurance;
    }
    start(PayStage::quoting, [this, useInsurance](const std::shared_ptr<Shared>& shared, uint64_t generation, std::stop_token) {
        std::string patientId;
        std::vector<payments::ChargeLine> charges;
        std::optional<payments::InsuranceCredential> credential;
        {
            std::lock_guard lock(shared->mutex);
            patientId = shared->patientId;
            charges = shared->view.charges;
            if (useInsurance) credential = insuranceCredentialOf(shared->identity);
        }
        auto quote = [&] {
            std::lock_guard desk(deskMutex_);
            return desk_->quote(patientId, charges, credential);
        }();
        if (credential) credential->certNo.assign(credential->certNo.size(), '\0');
        update(shared, generation, [&](PaymentView& v) {
            if (!quote) {
                logger()->warn("quote failed (nothing charged): {}", quote.error().describe());
                v.stage = PayStage::stopped;
                v.error = quote.error();
                return;
            }
            v.stage = PayStage::quoted;
            v.quote = *quote;
        });
    });
}

void PaymentFlow::payBy(const std::string& channel, SteadyTime now) {
    {
        std::lock_guard lock(shared_->mutex);
        shared_->view.channel = channel;
        shared_->view.cardError.reset();
    }
    start(PayStage::ordering, [this, channel, now](const std::shared_ptr<Shared>& shared, uint64_t generation, std::stop_token stop) {
        pay(shared, generation, stop, channel, now);
    });
}

void PaymentFlow::renewQr(SteadyTime now) {
    std::string channel;
    bool insured = false;
    int64_t cashBefore = 0;
    {
        std::lock_guard lock(shared_->mutex);
        const PaymentView& v = shared_->view;
        if (v.stage != PayStage::outcome || outcomeOf(v.order) != PayOutcome::not_charged || v.channel.empty()) return;
        channel = v.channel;
        insured = v.quote.insured;
        cashBefore = v.quote.cashFen;
        shared_->view.quotingInsured = insured;
        shared_->view.qrExpired = false;
        shared_->view.cancelledByPatient = false;
        shared_->view.cardError.reset();
        shared_->view.order = payments::PaymentOrder{};
    }
    start(PayStage::quoting, [this, channel, insured, cashBefore, now](const std::shared_ptr<Shared>& shared, uint64_t generation,
                                                                       std::stop_token stop) {
        std::string patientId;
        std::vector<payments::ChargeLine> charges;
        std::optional<payments::InsuranceCredential> credential;
        {
            std::lock_guard lock(shared->mutex);
            patientId = shared->patientId;
            charges = shared->view.charges;
            if (insured) credential = insuranceCredentialOf(shared->identity);
        }
        // A new order: the expired one is CLOSED at the gateway, its out_trade_no cannot be paid.
        auto quote = [&] {
            std::lock_guard desk(deskMutex_);
            return desk_->quote(patientId, charges, credential);
        }();
        if (credential) credential->certNo.assign(credential->certNo.size(), '\0');
        bool again = false;
        update(shared, generation, [&](PaymentView& v) {
            if (!quote) {
                logger()->warn("new code: quote failed (nothing charged): {}", quote.error().describe());
                v.stage = PayStage::stopped;
                v.error = quote.error();
                return;
            }
            v.quote = *quote;
            v.stage = PayStage::quoted;
            // Same amount to pay: straight to the new code. Otherwise the patient sees the new split.
            again = quote->cashFen == cashBefore && quote->cashFen > 0;
            if (again) v.stage = PayStage::ordering;
        });
        if (!again) return;
        logger()->info("order {}: new code for {} after the last one expired", quote->orderId, channel);
        pay(shared, generation, stop, channel, now);
    });
}

std::vector<std::string> PaymentFlow::pickupCodesPaid(const std::shared_ptr<Shared>& shared) {
    std::string patientId;
    std::vector<std::string> paid;
    {
        std::lock_guard lock(shared->mutex);
        patientId = shared->patientId;
        for (const auto& line : shared->view.charges) paid.push_back(line.id);
    }
    if (patientId.empty()) return {};
    // Best effort: the receipt is printed without codes when the HIS does not answer (the
    // pharmacy finds the prescriptions by the patient's card).
    auto prescriptions = his_->prescriptions(patientId);
    if (!prescriptions) {
        logger()->warn("pickup codes of Patient/{} not read: {}", patientId, prescriptions.error().describe());
        return {};
    }
    std::vector<std::string> codes;
    for (const auto& p : *prescriptions) {
        const bool paidHere = std::any_of(p.chargeIds.begin(), p.chargeIds.end(),
                                          [&](const std::string& id) { return std::find(paid.begin(), paid.end(), id) != paid.end(); });
        if (paidHere && !p.pickupCode.empty() && std::find(codes.begin(), codes.end(), p.pickupCode) == codes.end()) codes.push_back(p.pickupCode);
    }
    return codes;
}

void PaymentFlow::pay(const std::shared_ptr<Shared>& shared, uint64_t generation, const std::stop_token& stop,
                      const std::string& channel, SteadyTime now) {
    std::string orderId;
    int64_t cashFen = 0;
    {
        std::lock_guard lock(shared->mutex);
        orderId = shared->view.quote.orderId;
        cashFen = shared->view.quote.cashFen;
    }
    // From here on an order exists: every branch ends with the journal's own view of it.
    std::unique_lock desk(deskMutex_, std::defer_lock);
    auto finishWith = [&](const Result<payments::PaymentOrder>& result) {
        const payments::PaymentOrder order = outcomeOrder(result, orderId);
        // The desk is done with this order: the pickup codes are read without holding it (the
        // session-end and recovery workers wait for the desk, not for the HIS's answer).
        if (desk.owns_lock()) desk.unlock();
        const std::vector<std::string> codes = outcomeOf(order) == PayOutcome::received ? pickupCodesPaid(shared) : std::vector<std::string>{};
        update(shared, generation, [&](PaymentView& v) {
            v.stage = PayStage::outcome;
            v.order = order;
            v.pickupCodes = codes;
        });
    };
    desk.lock();
    if (cashFen == 0) {
        // The fund and the personal account cover everything: no QR, settle and commit.
        update(shared, generation, [&](PaymentView& v) { v.stage = PayStage::finishing; });
        return finishWith(desk_->finish(orderId));
    }
    if (channel == "bankcard") {
        // The desk may have been busy (a settlement, an earlier order) while the patient left:
        // the terminal is never asked to take a card from nobody. The order moved no money yet.
        bool gone = false;
        {
            std::lock_guard lock(shared->mutex);
            gone = shared->view.generation != generation;
        }
        if (gone) {
            logger()->info("order {}: the patient left before the card terminal was asked; closing it", orderId);
            (void)desk_->abandon(orderId);
            return;
        }
        // The terminal has the payment now: only the patient (Cancel on the terminal) or the
        // terminal's own time-out ends it. No cancel token, not even at session end: a consume
        // stopped by the kiosk after the terminal took it would leave its outcome unknown.
        update(shared, generation, [&](PaymentView& v) {
            v.stage = PayStage::card;
            v.cardError.reset();
        });
        auto charged = desk_->chargeCard(orderId);
        if (!charged) {
            // The desk refuses before journalling anything (no terminal, sign-in failed, an earlier
            // card payment unknown). The journal has the last word: only an order still waiting
            // to be paid goes back to the channel choice.
            auto stored = desk_->order(orderId);
            const bool untouched = stored && (stored->state == payments::SagaState::created || stored->state == payments::SagaState::ins_presettled);
            if (!untouched) return finishWith(stored ? stored : charged);
            logger()->warn("order {}: card payment not started (nothing charged): {}", orderId, charged.error().describe());
            update(shared, generation, [&](PaymentView& v) {
                v.stage = PayStage::quoted;
                v.channel.clear();
                v.cardError = charged.error();
            });
            return;
        }
        logger()->info("order {}: bank card → {}", orderId, payments::stateName(charged->state));
        if (charged->state != payments::SagaState::paid) return finishWith(charged);  // CLOSED (why: card.resultKey), UNKNOWN, MANUAL
        update(shared, generation, [&](PaymentView& v) {
            v.stage = PayStage::finishing;
            v.order = *charged;
        });
        return finishWith(desk_->finish(orderId));
    }
    auto shown = desk_->showQr(orderId, channel);
    if (!shown) return finishWith(shown);
    orderId = shown->orderId;
    if (payments::isTerminal(shown->state) || shown->state == payments::SagaState::unknown) return finishWith(shown);
    Result<payments::PaymentOrder> paid = *shown;
    if (cashFen > 0 && shown->state == payments::SagaState::qr_shown) {
        update(shared, generation, [&](PaymentView& v) {
            v.stage = PayStage::qr;
            v.order = *shown;
            v.qrShownAt = now;
        });
        paid = desk_->awaitPayment(orderId, [&stop] { return stop.stop_requested(); });
        if (!paid || paid->state != payments::SagaState::paid) {
            // Closed with nobody pressing cancel: the countdown ran out (the screen says "expired").
            const bool expired = paid && paid->state == payments::SagaState::closed && !stop.stop_requested();
            update(shared, generation, [&](PaymentView& v) {
                v.stage = PayStage::outcome;
                v.order = outcomeOrder(paid, orderId);
                v.qrExpired = expired;
            });
            return;
        }
    }
    update(shared, generation, [&](PaymentView& v) {
        v.stage = PayStage::finishing;
        v.order = *paid;
    });
    finishWith(desk_->finish(orderId));
}

void PaymentFlow::recoverPending() {
    std::erase_if(retired_, [](const Retired& r) { return r.done->load(); });
    if (!desk_) {
        post_(PaymentsRecovered{});
        return;
    }
    auto done = std::make_shared<std::atomic<bool>>(false);
    retired_.push_back(Retired{std::jthread([this, done] {
                                   PaymentsRecovered recovered;
                                   {
                                       std::lock_guard desk(deskMutex_);
                                       auto report = desk_->recover();
                                       if (!report) {
                                           recovered.error = report.error();
                                       } else {
                                           recovered.resolved = report->resolved.size();
                                           for (const auto& order : report->pending) {
                                               recovered.pendingOrders.push_back({order.orderId, order.amountFen});
                                           }
                                       }
                                   }
                                   post_(std::move(recovered));
                                   done->store(true);
                               }),
                               done});
}

void PaymentFlow::settleCardsIfDue(std::chrono::system_clock::time_point wallNow) {
    std::erase_if(retired_, [](const Retired& r) { return r.done->load(); });
    if (!desk_ || !desk_->bankCardEnabled()) return;
    auto done = std::make_shared<std::atomic<bool>>(false);
    retired_.push_back(Retired{std::jthread([this, done, wallNow] {
                                   {
                                       std::lock_guard desk(deskMutex_);
                                       auto settled = desk_->settleCardsIfDue(wallNow);
                                       if (!settled) {
                                           // Retried at the next check (an unknown card order first needs its query).
                                           logger()->warn("card terminal settlement not made: {}", settled.error().describe());
                                       }
                                   }
                                   done->store(true);
                               }),
                               done});
}

void PaymentFlow::cancelQr(bool thenSignOut) {
    {
        std::lock_guard lock(shared_->mutex);
        if (shared_->view.stage != PayStage::qr && shared_->view.stage != PayStage::ordering) return;
        shared_->view.cancelledByPatient = true;
        shared_->view.signOutAfterCancel = thenSignOut;
    }
    if (worker_.joinable()) worker_.request_stop();
}

}  // namespace kiosk::screens
