// The bank-card channel of the payment desk (issue 16, label bankcard) through REAL parts: the
// PaymentDesk over loopback HTTP against hospital-sim (HIS, insurance centre), the mispos driver
// on a real pty with the virtual MIS-POS terminal answering on the master side, and the
// simulated acquirer's own ledger (its state file) as the judge of what was charged.
// Every scenario the issue names at the desk: approved, declined (wrong PIN, insufficient funds,
// card expired), the patient walking away, the answer lost after the charge, not signed in, a
// HIS refusal (void the same day, refund on a later day), an unknown outcome blocking the next
// card until a query settles it, bad answers, and the end-of-day settlement against the journal.
#include <gtest/gtest.h>

#include <fmt/chrono.h>

#include <iostream>
#include <stdexcept>

#include "drivers/pos/mispos/mispos_driver.hpp"
#include "payments/reconciliation.hpp"
#include "sim/devices/virtual_mispos.hpp"
#include "tests/payments/desk_fixture.hpp"

namespace kiosk::payments::test {
namespace {

using namespace std::chrono_literals;
using S = SagaState;
using sim::VirtualAcquirer;
using sim::VirtualMisPos;
using sim::VposFault;
using sim::VposScenario;

const std::filesystem::path kLayoutFile = std::filesystem::path(KIOSK_TEST_ASSETS_DIR) / "pos" / "ums_bankall.toml";

drivers::pos::MisPosLayout layout() {
    auto loaded = drivers::pos::MisPosLayout::loadFile(kLayoutFile);
    if (!loaded) throw std::runtime_error(loaded.error().detail);  // gtest reports it; never use a broken layout
    return *loaded;
}

class BankCardDeskTest : public DeskFixture {
protected:
    void SetUp() override {
        DeskFixture::SetUp();
        if (HasFatalFailure()) return;
        acquirer_ = std::make_shared<VirtualAcquirer>(sim_.dir().path() / "vpos.state", layout());
        startTerminal();
        drivers::pos::MisPosSettings settings;
        settings.transport = drivers::pos::PosTransport::serial;
        settings.serial.path = (sim_.dir().path() / "ttyPos").string();
        settings.answerTimeout = 1500ms;  // the patient at the terminal; short for the lost-answer cases
        settings.serviceTimeout = 1500ms;
        settings.ackTimeout = 150ms;
        driver_ = std::make_unique<drivers::pos::MisPosDriver>("pos", settings, layout());
        desk_->attachCardTerminal(*driver_);
    }
    void startTerminal() {
        auto created = VirtualMisPos::create(acquirer_, sim_.dir().path() / "ttyPos");
        ASSERT_TRUE(created) << created.error().detail;
        terminal_ = std::move(*created);
    }

    /// A self-pay quote of li-jun's first charge.
    PaymentQuote selfPayQuote(size_t index = 0) {
        auto charges = chargesOf("pat-li-jun");
        EXPECT_GT(charges.size(), index);
        if (charges.size() <= index) return {};
        auto quote = desk_->quote("pat-li-jun", {charges[index]}, std::nullopt);
        EXPECT_TRUE(quote) << quote.error().describe();
        return quote.value_or(PaymentQuote{});
    }
    /// A self-pay quote of the first charge that is neither paid nor held by an open order, from
    /// a few seeded patients (a test that pays many times runs out of one patient's charges).
    PaymentQuote anyOpenChargeQuote() {
        for (const char* patient : {"pat-li-jun", "pat-zhang-san", "pat-wang-xinkun", "pat-ouyang-nana"}) {
            auto charges = his_->charges(patient);
            if (!charges) continue;
            for (const auto& c : *charges) {
                auto quote = desk_->quote(patient, {{c.id, c.code, c.description, c.insuranceClass, c.amountFen}}, std::nullopt);
                if (quote) return *quote;
            }
        }
        ADD_FAILURE() << "no open charge left among the seeded patients";
        return {};
    }
    /// The acquirer's transactions of one type.
    std::vector<sim::VposTransaction> transactionsOf(const std::string& type) {
        std::vector<sim::VposTransaction> out;
        for (const auto& t : acquirer_->transactions()) {
            if (t.type == type) out.push_back(t);
        }
        return out;
    }

    std::shared_ptr<VirtualAcquirer> acquirer_;
    std::unique_ptr<VirtualMisPos> terminal_;
    std::unique_ptr<drivers::pos::MisPosDriver> driver_;
};

TEST_F(BankCardDeskTest, ApprovedCardIsCommittedWithOnlyTheMaskedCardNumberKept) {
    EXPECT_TRUE(desk_->bankCardEnabled());
    EXPECT_FALSE(acquirer_->signedIn());
    const PaymentQuote quote = selfPayQuote();
    auto paid = desk_->chargeCard(quote.orderId);
    ASSERT_TRUE(paid) << paid.error().describe();
    ASSERT_EQ(paid->state, S::paid) << paid->reason;
    EXPECT_TRUE(acquirer_->signedIn()) << "the first card payment of the day signs the terminal in";
    EXPECT_EQ(paid->channel, "bankcard");
    EXPECT_EQ(paid->card.maskedPan, "622848*********0018");
    EXPECT_EQ(paid->card.voucher.size(), 6U);
    EXPECT_EQ(paid->card.reference.size(), 12U);
    EXPECT_EQ(paid->transactionId, paid->card.reference);
    EXPECT_EQ(paid->card.resultKey, "pos.approved");
    auto done = desk_->finish(quote.orderId);
    ASSERT_TRUE(done) << done.error().describe();
    EXPECT_EQ(done->state, S::done) << done->reason;
    EXPECT_EQ(sim_.commits(done->hisTradeNo()), 1);
    EXPECT_EQ(acquirer_->charges(), 1);
    const auto consumes = transactionsOf("consume");
    ASSERT_EQ(consumes.size(), 1U);
    EXPECT_EQ(consumes[0].amountFen, quote.cashFen);
    EXPECT_EQ(consumes[0].tag, done->card.tag) << "the journalled tag is the one the terminal recorded";
    // The journal keeps the record as stored, read back from disk.
    auto stored = desk_->order(quote.orderId);
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->card.voucher, consumes[0].voucher);
    EXPECT_EQ(stored->card.reference, consumes[0].reference);
    EXPECT_EQ(stored->card.batch, consumes[0].batch);
    EXPECT_EQ(stored->card.maskedPan.find(std::string(VirtualAcquirer::kCard).substr(6, 9)), std::string::npos);
    // A QR channel cannot take over an order paid by card.
    EXPECT_EQ(desk_->showQr(quote.orderId, "wechat")->state, S::done);
}

TEST_F(BankCardDeskTest, DeclinesCloseWithTheBanksReasonAndChargeNothing) {
    const std::pair<VposScenario, const char*> declines[] = {{VposScenario::wrong_pin, "pos.declined.wrong_pin"},
                                                             {VposScenario::insufficient_funds, "pos.declined.insufficient_funds"},
                                                             {VposScenario::card_expired, "pos.declined.card_expired"}};
    for (const auto& [scenario, key] : declines) {
        acquirer_->setScenario(scenario);
        const PaymentQuote quote = selfPayQuote();
        auto closed = desk_->chargeCard(quote.orderId);
        ASSERT_TRUE(closed) << closed.error().describe();
        EXPECT_EQ(closed->state, S::closed) << key;
        EXPECT_EQ(closed->card.resultKey, key);
        EXPECT_EQ(sim_.commits(closed->hisTradeNo()), 0);
    }
    EXPECT_EQ(acquirer_->charges(), 0);
    // The same charge again with a good card: paid once.
    const PaymentQuote quote = selfPayQuote();
    auto paid = desk_->chargeCard(quote.orderId);
    ASSERT_TRUE(paid && paid->state == S::paid);
    EXPECT_EQ(desk_->finish(quote.orderId)->state, S::done);
    EXPECT_EQ(acquirer_->charges(), 1);
}

TEST_F(BankCardDeskTest, APatientWhoWalksAwayIsNotCharged) {
    acquirer_->setWalkAwayDelay(200ms);
    acquirer_->setScenario(VposScenario::walk_away);
    const PaymentQuote quote = selfPayQuote();
    auto closed = desk_->chargeCard(quote.orderId);
    ASSERT_TRUE(closed) << closed.error().describe();
    EXPECT_EQ(closed->state, S::closed);
    EXPECT_EQ(closed->card.resultKey, "pos.cancelled.timeout");
    EXPECT_EQ(acquirer_->charges(), 0);
}

TEST_F(BankCardDeskTest, ALostAnswerIsFoundByTheQueryNeverChargedTwice) {
    const PaymentQuote quote = selfPayQuote();
    ASSERT_TRUE(driver_->signIn());
    acquirer_->setScenario(VposScenario::answer_lost);
    auto paid = desk_->chargeCard(quote.orderId);
    ASSERT_TRUE(paid) << paid.error().describe();
    EXPECT_EQ(paid->state, S::paid) << paid->reason;
    auto done = desk_->finish(quote.orderId);
    ASSERT_TRUE(done);
    EXPECT_EQ(done->state, S::done);
    EXPECT_EQ(acquirer_->charges(), 1);
    auto events = desk_->journal().events(quote.orderId);
    ASSERT_TRUE(events);
    EXPECT_TRUE(std::any_of(events->begin(), events->end(), [](const auto& e) { return e.state == "UNKNOWN"; }))
        << "the lost answer was journalled as unknown before the query";
}

TEST_F(BankCardDeskTest, ASignedOutTerminalIsSignedInAndTheCardChargedOnce) {
    ASSERT_TRUE(driver_->signIn());
    acquirer_->setScenario(VposScenario::not_signed_in);  // signs the terminal out at once
    const PaymentQuote quote = selfPayQuote();
    auto paid = desk_->chargeCard(quote.orderId);
    ASSERT_TRUE(paid) << paid.error().describe();
    EXPECT_EQ(paid->state, S::paid) << paid->reason;
    EXPECT_TRUE(acquirer_->signedIn());
    EXPECT_EQ(acquirer_->charges(), 1);
}

TEST_F(BankCardDeskTest, AHisRefusalTheSameDayVoidsTheSale) {
    auto charges = chargesOf("pat-li-jun");
    charges.resize(1);
    cashierPays("pat-li-jun", charges);  // the cashier took it first: the HIS refuses the kiosk's commit
    auto quote = desk_->quote("pat-li-jun", charges, std::nullopt);
    ASSERT_TRUE(quote) << quote.error().describe();
    auto paid = desk_->chargeCard(quote->orderId);
    ASSERT_TRUE(paid && paid->state == S::paid);
    auto refunded = desk_->finish(quote->orderId);
    ASSERT_TRUE(refunded) << refunded.error().describe();
    EXPECT_EQ(refunded->state, S::refunded) << refunded->reason;
    EXPECT_EQ(refunded->card.reversal, "void_sale");
    EXPECT_FALSE(refunded->card.reversalReference.empty());
    const auto voids = transactionsOf("void_sale");
    ASSERT_EQ(voids.size(), 1U);
    EXPECT_EQ(voids[0].original, paid->card.voucher);
    EXPECT_EQ(voids[0].tag, refunded->card.reversalTag);
    ASSERT_EQ(transactionsOf("consume").size(), 1U);
    EXPECT_TRUE(transactionsOf("consume")[0].voided);
    EXPECT_EQ(sim_.commits(refunded->hisTradeNo()), 0);
}

TEST_F(BankCardDeskTest, AHisRefusalAfterTheBatchWasSettledRefundsInstead) {
    auto charges = chargesOf("pat-li-jun");
    charges.resize(1);
    auto quote = desk_->quote("pat-li-jun", charges, std::nullopt);
    ASSERT_TRUE(quote);
    auto paid = desk_->chargeCard(quote->orderId);
    ASSERT_TRUE(paid && paid->state == S::paid);
    // The end of the day comes before the HIS answers (the HIS was down): the batch is settled,
    // and a void is no longer possible.
    auto settled = desk_->settleCards();
    ASSERT_TRUE(settled) << settled.error().describe();
    EXPECT_TRUE(settled->matches()) << settled->terminalFen << " vs " << settled->journalFen;
    cashierPays("pat-li-jun", charges);
    auto refunded = desk_->finish(quote->orderId);
    ASSERT_TRUE(refunded) << refunded.error().describe();
    EXPECT_EQ(refunded->state, S::refunded) << refunded->reason;
    EXPECT_EQ(refunded->card.reversal, "refund");
    const auto refunds = transactionsOf("refund");
    ASSERT_EQ(refunds.size(), 1U);
    EXPECT_EQ(refunds[0].original, paid->card.reference);
    EXPECT_EQ(refunds[0].amountFen, quote->cashFen);
}

TEST_F(BankCardDeskTest, ARefundOnALaterDayUsesTheStoredReferenceAndDate) {
    // The saga's clock moved to tomorrow (the kiosk was off overnight): a refund, not a void.
    auto charges = chargesOf("pat-li-jun");
    charges.resize(1);
    auto quote = desk_->quote("pat-li-jun", charges, std::nullopt);
    ASSERT_TRUE(quote);
    auto paid = desk_->chargeCard(quote->orderId);
    ASSERT_TRUE(paid && paid->state == S::paid);
    BankCardSaga tomorrow(desk_->journal(), *driver_, std::chrono::seconds(120), [] { return std::chrono::system_clock::now() + std::chrono::hours(24); });
    auto refunding = desk_->journal().transition(*paid, S::refunding, "HIS rejected the payment (test)");
    ASSERT_TRUE(refunding);
    auto refunded = tomorrow.reverse(*refunding);
    ASSERT_TRUE(refunded) << refunded.error().describe();
    EXPECT_EQ(refunded->state, S::refunded) << refunded->reason;
    EXPECT_EQ(refunded->card.reversal, "refund");
    const auto refunds = transactionsOf("refund");
    ASSERT_EQ(refunds.size(), 1U);
    EXPECT_EQ(refunds[0].original, paid->card.reference);
}

TEST_F(BankCardDeskTest, AnUnknownOutcomeBlocksTheNextCardUntilAQuerySettlesIt) {
    ASSERT_TRUE(driver_->signIn());
    const PaymentQuote first = selfPayQuote(0);
    acquirer_->setScenario(VposScenario::answer_lost);
    // The terminal charges, then its line goes dead before the answer and the query.
    std::thread unplug([&] {
        for (int i = 0; i < 200 && acquirer_->charges() == 0; ++i) std::this_thread::sleep_for(10ms);
        terminal_.reset();
    });
    auto unknown = desk_->chargeCard(first.orderId);
    unplug.join();
    ASSERT_TRUE(unknown) << unknown.error().describe();
    ASSERT_EQ(unknown->state, S::unknown) << stateName(unknown->state) << " " << unknown->reason;
    EXPECT_EQ(unknown->resumeState, S::ordering);
    EXPECT_EQ(acquirer_->charges(), 1);

    // The next patient cannot use the card while the first one's outcome is open: a new consume
    // would become the terminal's "last transaction" and the first could never be found.
    auto charges = chargesOf("pat-zhang-san");
    charges.resize(1);
    auto second = desk_->quote("pat-zhang-san", charges, std::nullopt);
    ASSERT_TRUE(second);
    auto refused = desk_->chargeCard(second->orderId);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().messageKey, "pos.pending");
    EXPECT_EQ(desk_->order(second->orderId)->state, S::created) << "nothing journalled: the patient may pay by QR";

    // The terminal is back: the query finds the charge, and the order is committed.
    startTerminal();
    auto resolved = desk_->resolve(first.orderId);
    ASSERT_TRUE(resolved) << resolved.error().describe();
    EXPECT_EQ(resolved->state, S::done) << resolved->reason;
    EXPECT_EQ(sim_.commits(resolved->hisTradeNo()), 1);
    auto paid = desk_->chargeCard(second->orderId);
    ASSERT_TRUE(paid && paid->state == S::paid);
    EXPECT_EQ(acquirer_->charges(), 2);
}

TEST_F(BankCardDeskTest, RecoveryAfterALostAnswerFindsANotMadeConsumeNotCharged) {
    ASSERT_TRUE(driver_->signIn());
    const PaymentQuote quote = selfPayQuote();
    // The terminal takes nothing (it hangs without acting) and stops answering; the query later
    // shows another transaction as the last one: this consume was never made.
    acquirer_->setScenario(VposScenario::hang);
    std::thread unplug([&] {
        std::this_thread::sleep_for(300ms);
        terminal_.reset();
    });
    auto unknown = desk_->chargeCard(quote.orderId);
    unplug.join();
    ASSERT_TRUE(unknown);
    ASSERT_EQ(unknown->state, S::unknown) << unknown->reason;
    startTerminal();
    // Right after, the terminal's last transaction being another one proves nothing yet: a real
    // terminal may still be reading the card or waiting for the bank ([payments]
    // card_query_wait_s, 120 s by default).
    auto report = desk_->recover();
    ASSERT_TRUE(report) << report.error().describe();
    ASSERT_EQ(report->pending.size(), 1U);
    EXPECT_EQ(report->pending[0].state, S::unknown) << report->pending[0].reason;
    // Once the wait has passed, it does.
    BankCardSaga later(desk_->journal(), *driver_, std::chrono::seconds(120),
                       [] { return std::chrono::system_clock::now() + std::chrono::minutes(3); });
    auto stored = desk_->order(quote.orderId);
    ASSERT_TRUE(stored);
    auto closed = later.resolve(*stored);
    ASSERT_TRUE(closed) << closed.error().describe();
    EXPECT_EQ(closed->state, S::closed) << closed->reason;
    EXPECT_EQ(closed->card.resultKey, "pos.not_charged");
    EXPECT_EQ(acquirer_->charges(), 0);
}

TEST_F(BankCardDeskTest, AnAnswerForAnotherAmountGoesToAPersonNeverGuessed) {
    ASSERT_TRUE(driver_->signIn());
    const PaymentQuote quote = selfPayQuote();
    acquirer_->setFault(VposFault::other_amount);  // the terminal charges 1 yuan more than asked
    auto order = desk_->chargeCard(quote.orderId);
    ASSERT_TRUE(order) << order.error().describe();
    EXPECT_EQ(order->state, S::manual) << stateName(order->state) << " " << order->reason;
    EXPECT_NE(order->reason.find("fen"), std::string::npos) << order->reason;
    EXPECT_EQ(sim_.commits(order->hisTradeNo()), 0) << "never committed on a doubtful charge";
    EXPECT_EQ(acquirer_->charges(), 1) << "and never charged again";
}

TEST_F(BankCardDeskTest, TheDaysSettlementMatchesTheJournalAndAStrangerSaleShows) {
    const PaymentQuote first = selfPayQuote(0);
    ASSERT_EQ(desk_->chargeCard(first.orderId)->state, S::paid);
    ASSERT_EQ(desk_->finish(first.orderId)->state, S::done);
    auto charges = chargesOf("pat-zhang-san");
    charges.resize(1);
    cashierPays("pat-zhang-san", charges);
    auto voided = desk_->quote("pat-zhang-san", charges, std::nullopt);
    ASSERT_TRUE(voided);
    ASSERT_EQ(desk_->chargeCard(voided->orderId)->state, S::paid);
    ASSERT_EQ(desk_->finish(voided->orderId)->state, S::refunded);
    auto settled = desk_->settleCards();
    ASSERT_TRUE(settled) << settled.error().describe();
    EXPECT_TRUE(settled->matches());
    EXPECT_EQ(settled->terminalFen, first.cashFen) << "the voided sale is out of the batch";
    // Someone uses the terminal outside the kiosk: the next settlement does not match.
    ASSERT_TRUE(driver_->consume(100));
    auto second = desk_->settleCards();
    ASSERT_TRUE(second);
    EXPECT_FALSE(second->matches());
    EXPECT_EQ(second->terminalFen - second->journalFen, 100);
    auto recorded = desk_->journal().cardSettlements();
    ASSERT_TRUE(recorded);
    ASSERT_EQ(recorded->size(), 2U);
    EXPECT_TRUE((*recorded)[0].matches());
    EXPECT_FALSE((*recorded)[1].matches());
    // The day's reconciliation lists the batch the journal cannot explain, and only that one.
    const auto chinaNow = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()) + std::chrono::hours(8);
    auto day = reconcileDay(*desk_, fmt::format("{:%Y-%m-%d}", chinaNow));
    ASSERT_TRUE(day) << day.error().describe();
    EXPECT_EQ(day->cardSettlements, 2);
    EXPECT_EQ(day->cardMatched, 1);
    const auto terminal = std::count_if(day->oneSided.begin(), day->oneSided.end(), [](const OneSidedRecord& r) { return r.source == "terminal"; });
    EXPECT_EQ(terminal, 1);
    for (const auto& r : day->oneSided) {
        if (r.source == "terminal") {
            EXPECT_EQ(r.reference, "batch " + second->batch);
            EXPECT_EQ(r.amountFen, 100);
        } else {
            ADD_FAILURE() << "unexpected one-sided record: " << r.source << " " << r.orderId << " " << r.action;
        }
    }
}

TEST_F(BankCardDeskTest, TheBatchIsSettledOnceADayAfterTheHourOrAtOnceWhenADayWasMissed) {
    const PaymentQuote quote = selfPayQuote();
    ASSERT_EQ(desk_->chargeCard(quote.orderId)->state, S::paid);
    ASSERT_EQ(desk_->finish(quote.orderId)->state, S::done);
    // [payments] card_settle_at defaults to 22:30 China time (14:30 UTC).
    const auto chinaMidnight = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now() + std::chrono::hours(8)) -
                               std::chrono::hours(8);
    auto early = desk_->settleCardsIfDue(chinaMidnight + std::chrono::hours(10));
    ASSERT_TRUE(early) << early.error().describe();
    EXPECT_FALSE(*early) << "not due before the hour";
    auto late = desk_->settleCardsIfDue(chinaMidnight + std::chrono::hours(23));
    ASSERT_TRUE(late) << late.error().describe();
    ASSERT_TRUE(*late) << "due after the hour";
    EXPECT_TRUE((*late)->matches());
    EXPECT_EQ((*late)->terminalFen, quote.cashFen);
    auto again = desk_->settleCardsIfDue(chinaMidnight + std::chrono::hours(23) + std::chrono::minutes(5));
    ASSERT_TRUE(again);
    EXPECT_FALSE(*again) << "once a day";

    // A payment made on a day whose hour the kiosk missed (it was off): settled at the first chance.
    const PaymentQuote next = selfPayQuote(1);
    ASSERT_EQ(desk_->chargeCard(next.orderId)->state, S::paid);
    ASSERT_EQ(desk_->finish(next.orderId)->state, S::done);
    auto tomorrowMorning = desk_->settleCardsIfDue(chinaMidnight + std::chrono::hours(24 + 9));
    ASSERT_TRUE(tomorrowMorning) << tomorrowMorning.error().describe();
    ASSERT_TRUE(*tomorrowMorning) << "yesterday's open batch is settled the next morning";
    EXPECT_EQ((*tomorrowMorning)->terminalFen, next.cashFen);
    EXPECT_TRUE((*tomorrowMorning)->matches());
}

TEST_F(BankCardDeskTest, AVendorLibraryCrashMidConsumeIsResolvedByAQueryThroughTheRestartedHelper) {
    // The same acquirer through the vendor library in the real kiosk-pos-helper process: the
    // library charges, then abort()s before answering (a real crash of the helper).
    drivers::pos::MisPosSettings settings;
    settings.transport = drivers::pos::PosTransport::library;
    settings.helper.helper = KIOSK_POS_HELPER_EXE;
    settings.helper.library = KIOSK_VPOS_LIBRARY;
    settings.helper.environment = {"KIOSK_VPOS_STATE=" + acquirer_->stateFile().string(), "KIOSK_VPOS_LAYOUT=" + kLayoutFile.string()};
    settings.answerTimeout = 3000ms;
    settings.serviceTimeout = 3000ms;
    auto library = std::make_unique<drivers::pos::MisPosDriver>("pos-lib", settings, layout());
    terminal_.reset();  // one terminal: the library's
    desk_->attachCardTerminal(*library);
    const PaymentQuote quote = selfPayQuote();
    ASSERT_TRUE(library->signIn());
    acquirer_->setScenario(VposScenario::crash);
    auto paid = desk_->chargeCard(quote.orderId);
    ASSERT_TRUE(paid) << paid.error().describe();
    EXPECT_EQ(paid->state, S::paid) << stateName(paid->state) << " " << paid->reason;
    EXPECT_EQ(acquirer_->charges(), 1);
    auto done = desk_->finish(quote.orderId);
    ASSERT_TRUE(done);
    EXPECT_EQ(done->state, S::done);
    auto events = desk_->journal().events(quote.orderId);
    ASSERT_TRUE(events);
    EXPECT_TRUE(std::any_of(events->begin(), events->end(), [](const auto& e) { return e.state == "UNKNOWN"; }))
        << "the crash was journalled as an unknown outcome before the query";
    ASSERT_NE(library->helper(), nullptr);
}

TEST_F(BankCardDeskTest, EveryBadAnswerEndsInAStateTheAcquirersLedgerBearsOut) {
    // The bad input at the terminal: an answer one byte short, a non-numeric amount,
    // another amount, another transaction's tag, the full card number, a bad LRC, NAK three
    // times. Whatever the saga concludes must agree with what the acquirer did: CLOSED only when
    // nothing was charged, PAID only with the charge, never a second charge; a doubt stays
    // UNKNOWN or goes to a person (MANUAL).
    ASSERT_TRUE(driver_->signIn());
    const VposFault faults[] = {VposFault::wrong_length, VposFault::non_numeric_amount, VposFault::other_amount, VposFault::other_tag,
                                VposFault::unmasked_pan, VposFault::bad_lrc,           VposFault::nak};
    int charged = 0;
    for (const VposFault fault : faults) {
        const std::string name(sim::vposFaultName(fault));
        const int before = acquirer_->charges();
        acquirer_->setFault(fault);
        const PaymentQuote quote = anyOpenChargeQuote();
        ASSERT_FALSE(quote.orderId.empty()) << name;
        auto order = desk_->chargeCard(quote.orderId);
        ASSERT_TRUE(order) << name << ": " << order.error().describe();
        const int made = acquirer_->charges() - before;
        EXPECT_LE(made, 1) << name << ": charged twice";
        charged += made;
        switch (order->state) {
            case S::closed: EXPECT_EQ(made, 0) << name << ": closed although charged"; break;
            case S::paid: EXPECT_EQ(made, 1) << name << ": paid without a charge"; break;
            case S::unknown:
            case S::manual: break;  // a doubt: a query or a person settles it
            default: ADD_FAILURE() << name << ": unexpected state " << stateName(order->state);
        }
        EXPECT_EQ(order->card.maskedPan.find(std::string(VirtualAcquirer::kCard).substr(6, 9)), std::string::npos)
            << name << ": the full card number was kept";
        if (order->state == S::paid) {
            EXPECT_EQ(desk_->finish(quote.orderId)->state, S::done) << name;
        } else if (order->state == S::unknown) {
            // Settle the doubt before the next card (the desk refuses a new one meanwhile).
            auto resolved = desk_->resolve(quote.orderId);
            ASSERT_TRUE(resolved) << name;
            EXPECT_NE(resolved->state, S::unknown) << name << ": the terminal answers again, the query must settle it";
            if (resolved->state == S::closed) EXPECT_EQ(made, 0) << name;
            if (resolved->state == S::done) EXPECT_EQ(made, 1) << name;
        }
        std::cout << name << " → " << stateName(order->state) << " (" << made << " charge)\n";
    }
    EXPECT_EQ(acquirer_->charges(), charged);
}

TEST_F(BankCardDeskTest, WithoutATerminalTheCardIsRefusedAndTheOrderStaysOpenForAQr) {
    PaymentConfig config = config_;
    auto bare = PaymentDesk::create(config, "K01", *journal_, *his_);
    ASSERT_TRUE(bare);
    EXPECT_FALSE((*bare)->bankCardEnabled());
    const PaymentQuote quote = selfPayQuote();
    auto refused = (*bare)->chargeCard(quote.orderId);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().messageKey, "pos.unavailable");
    auto shown = (*bare)->showQr(quote.orderId, "wechat");
    ASSERT_TRUE(shown);
    EXPECT_EQ(shown->state, S::qr_shown);
}

TEST_F(BankCardDeskTest, AnUnreachableTerminalRefusesBeforeAnythingIsJournalled) {
    terminal_.reset();
    const PaymentQuote quote = selfPayQuote();
    auto refused = desk_->chargeCard(quote.orderId);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().messageKey, "pos.unavailable");
    EXPECT_EQ(desk_->order(quote.orderId)->state, S::created);
}

TEST_F(BankCardDeskTest, AnInsuredPatientPaysTheCashPartByCard) {
    const auto charges = chargesOf("pat-zhang-san");
    auto quote = desk_->quote("pat-zhang-san", charges, InsuranceCredential{"02", kZhangSanId});
    ASSERT_TRUE(quote) << quote.error().describe();
    ASSERT_GT(quote->cashFen, 0);
    auto paid = desk_->chargeCard(quote->orderId);
    ASSERT_TRUE(paid) << paid.error().describe();
    ASSERT_EQ(paid->state, S::paid);
    auto done = desk_->finish(quote->orderId);
    ASSERT_TRUE(done) << done.error().describe();
    EXPECT_EQ(done->state, S::done) << done->reason;
    ASSERT_EQ(transactionsOf("consume").size(), 1U);
    EXPECT_EQ(transactionsOf("consume")[0].amountFen, quote->cashFen) << "only the cash part goes to the card";
    EXPECT_EQ(settlementsOf(done->mdtrtId).size(), 1U);
}

}  // namespace
}  // namespace kiosk::payments::test
