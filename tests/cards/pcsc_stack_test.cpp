// The PC/SC transport and the pcsc card-reader driver through the real stack: pcscd +
// vsmartcard-vpcd + the project's virtual social-security card (sim/devices), harness.md §1.
// pcscd is started and stopped by the fixture for every test (the tests hold the CTest
// resource lock "pcscd", so they never share or fight over it).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "drivers/card_reader/pcsc/pcsc_driver.hpp"
#include "sim/devices/virtual_ss_card.hpp"
#include "tests/cards/event_recorder.hpp"
#include "tests/cards/pcscd_fixture.hpp"

namespace kiosk::drivers::pcsc {
namespace {

using namespace std::chrono_literals;
using kiosk::sim::CardScenario;
using kiosk::sim::VirtualCardOptions;
using kiosk::sim::VirtualSocialSecurityCard;
using transport::PcscEvent;

constexpr const char* kReader = "Virtual PCD 00 00";

class PcscStack : public ::testing::Test {
protected:
    void SetUp() override {
        const std::string problem = daemon_.start();
        ASSERT_TRUE(problem.empty()) << problem;
        people_ = test::samplePeople();
        ASSERT_FALSE(people_.people.empty());
    }

    const sim::SamplePerson& person(std::string_view id) const { return *people_.find(id); }

    std::unique_ptr<VirtualSocialSecurityCard> card(std::string_view personId, CardScenario scenario, bool t0 = false) {
        return std::make_unique<VirtualSocialSecurityCard>(
            person(personId), VirtualCardOptions{.host = "127.0.0.1", .port = daemon_.vpcdPort(), .scenario = scenario, .t0 = t0,
                                                 .slowDelay = 150ms});
    }

    /// Waits until `events` has a PcscEvent of `kind` (calling waitForEvents as needed).
    static std::optional<PcscEvent> waitEvent(transport::PcscContext& context, PcscEvent::Kind kind,
                                              std::chrono::milliseconds timeout, std::vector<PcscEvent>* seen = nullptr) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            auto events = context.waitForEvents(200ms, CancelToken{});
            if (!events) continue;
            for (const auto& event : *events) {
                if (seen) seen->push_back(event);
                if (event.kind == kind && (event.reader.empty() || event.reader == kReader)) return event;
            }
        }
        return std::nullopt;
    }

    test::PcscDaemon daemon_;
    sim::SampleData people_;
};

// ---------------------------------------------------------------- transport

TEST_F(PcscStack, ContextSeesTheVirtualCardComeAndGo) {
    auto context = transport::PcscContext::establish(2s, CancelToken{});
    ASSERT_TRUE(context.has_value()) << context.error().detail;
    auto readers = (*context)->listReaders();
    ASSERT_TRUE(readers.has_value());
    EXPECT_NE(std::find(readers->begin(), readers->end(), kReader), readers->end());
    auto virtualCard = card("zhang-san", CardScenario::normal);
    ASSERT_TRUE(virtualCard->insert().has_value());
    auto inserted = waitEvent(**context, PcscEvent::Kind::card_inserted, 5s);
    ASSERT_TRUE(inserted.has_value());
    EXPECT_EQ(inserted->atr, virtualCard->atr());
    virtualCard->remove();
    EXPECT_TRUE(waitEvent(**context, PcscEvent::Kind::card_removed, 5s).has_value());
}

TEST_F(PcscStack, GetResponseChainingAndWrongLeReissueOnT0AndT1) {
    for (const bool t0 : {false, true}) {
        SCOPED_TRACE(t0 ? "T=0" : "T=1");
        auto context = transport::PcscContext::establish(2s, CancelToken{});
        ASSERT_TRUE(context.has_value());
        auto virtualCard = card("li-jun", CardScenario::chained, t0);
        ASSERT_TRUE(virtualCard->insert().has_value());
        ASSERT_TRUE(waitEvent(**context, PcscEvent::Kind::card_inserted, 5s).has_value());
        auto connected = transport::PcscCard::connect(**context, kReader);
        ASSERT_TRUE(connected.has_value()) << connected.error().detail;
        auto& pcscCard = **connected;
        EXPECT_EQ(pcscCard.protocol(), t0 ? static_cast<DWORD>(SCARD_PROTOCOL_T0) : static_cast<DWORD>(SCARD_PROTOCOL_T1));
        const auto deadline = std::chrono::steady_clock::now() + 5s;
        auto selected = pcscCard.transmit(selectSsseCommand(), deadline, CancelToken{});
        ASSERT_TRUE(selected.has_value()) << selected.error().detail;
        EXPECT_TRUE(selected->ok());
        // Le 00 is wrong for this card: it answers 6C 14, then 61 08 pieces of the 20-byte record.
        auto record = pcscCard.transmit(readRecordCommand(0x08, kSfiEf06, 0x00), deadline, CancelToken{});
        ASSERT_TRUE(record.has_value()) << record.error().detail;
        EXPECT_TRUE(record->ok()) << record->swText();
        ASSERT_EQ(record->data.size(), 20U);
        EXPECT_EQ(std::string(record->data.begin() + 2, record->data.end()), person("li-jun").idNumber);
        EXPECT_EQ(pcscCard.stats().reissues, 1U);
        EXPECT_EQ(pcscCard.stats().getResponses, 3U);  // 8 + 8 + 4 bytes
        connected->reset();
        virtualCard->remove();
        ASSERT_TRUE(waitEvent(**context, PcscEvent::Kind::card_removed, 5s).has_value());
    }
}

TEST_F(PcscStack, PullAndReinsertBetweenTwoWaitsIsReportedThroughTheEventCounter) {
    auto context = transport::PcscContext::establish(2s, CancelToken{});
    ASSERT_TRUE(context.has_value());
    auto virtualCard = card("zhang-san", CardScenario::normal);
    ASSERT_TRUE(virtualCard->insert().has_value());
    ASSERT_TRUE(waitEvent(**context, PcscEvent::Kind::card_inserted, 5s).has_value());
    // While our context does not wait, a second observer sees the card leave and come back.
    {
        auto observer = transport::PcscContext::establish(2s, CancelToken{});
        ASSERT_TRUE(observer.has_value());
        ASSERT_TRUE(waitEvent(**observer, PcscEvent::Kind::card_inserted, 5s).has_value());
        virtualCard->remove();
        ASSERT_TRUE(waitEvent(**observer, PcscEvent::Kind::card_removed, 5s).has_value());
        ASSERT_TRUE(virtualCard->insert().has_value());
        ASSERT_TRUE(waitEvent(**observer, PcscEvent::Kind::card_inserted, 5s).has_value());
    }
    // Both polls of our context see "present"; only the counter tells the card was replaced.
    std::vector<PcscEvent> seen;
    ASSERT_TRUE(waitEvent(**context, PcscEvent::Kind::card_inserted, 3s, &seen).has_value());
    ASSERT_GE(seen.size(), 2U);
    EXPECT_EQ(seen.front().kind, PcscEvent::Kind::card_removed);
}

TEST_F(PcscStack, InterruptWakesAWaitAtOnce) {
    auto context = transport::PcscContext::establish(2s, CancelToken{});
    ASSERT_TRUE(context.has_value());
    ASSERT_TRUE((*context)->waitForEvents(100ms, CancelToken{}).has_value());  // primes the reader list
    std::jthread interrupter([&] {
        std::this_thread::sleep_for(100ms);  // let the wait block first (the wait is what is tested)
        (*context)->interrupt();
    });
    const auto started = std::chrono::steady_clock::now();
    auto events = (*context)->waitForEvents(10s, CancelToken{});
    const auto took = std::chrono::steady_clock::now() - started;
    ASSERT_FALSE(events.has_value());
    EXPECT_EQ(events.error().code, Errc::cancelled);
    EXPECT_LT(took, 1s);
}

TEST_F(PcscStack, ContextIsReestablishedAfterPcscdRestartsWhileWaiting) {
    auto context = transport::PcscContext::establish(2s, CancelToken{});
    ASSERT_TRUE(context.has_value());
    auto virtualCard = card("zhang-san", CardScenario::normal);
    ASSERT_TRUE(virtualCard->insert().has_value());
    ASSERT_TRUE(waitEvent(**context, PcscEvent::Kind::card_inserted, 5s).has_value());
    std::vector<PcscEvent> seen;
    daemon_.crash();  // pcscd dies under the waiting context, leaving stale files
    virtualCard->remove();
    ASSERT_TRUE(daemon_.start().empty());
    ASSERT_TRUE(virtualCard->insert().has_value());
    ASSERT_TRUE(waitEvent(**context, PcscEvent::Kind::card_inserted, 10s, &seen).has_value());
    EXPECT_NE(std::find_if(seen.begin(), seen.end(), [](const auto& e) { return e.kind == PcscEvent::Kind::card_removed; }),
              seen.end());
    EXPECT_NE(std::find_if(seen.begin(), seen.end(),
                           [](const auto& e) { return e.kind == PcscEvent::Kind::service_restarted; }),
              seen.end());
}

// ---------------------------------------------------------------- driver

class PcscDriverTest : public PcscStack {
protected:
    std::unique_ptr<PcscCardReader> reader(std::chrono::milliseconds readTimeout = 5000ms, std::string profile = {}) {
        return std::make_unique<PcscCardReader>(
            "card", PcscReaderSettings{.reader = kReader, .profile = std::move(profile), .readTimeout = readTimeout});
    }
    test::EventRecorder recorder_;
    size_t cursor_ = 0;
};

TEST_F(PcscDriverTest, NormalCardGivesAValidatedIdentityOnT1AndT0) {
    auto device = reader();
    ASSERT_TRUE(device->start(recorder_.sink()).has_value());
    for (const bool t0 : {false, true}) {
        SCOPED_TRACE(t0 ? "T=0" : "T=1");
        auto virtualCard = card("wang-xinkun", CardScenario::normal, t0);
        ASSERT_TRUE(virtualCard->insert().has_value());
        auto inserted = recorder_.waitFor<CardInserted>(cursor_, 5s);
        ASSERT_TRUE(inserted.has_value());
        const auto& expected = person("wang-xinkun");
        EXPECT_EQ(inserted->identity.source, IdentitySource::social_security_card);
        EXPECT_EQ(inserted->identity.name, expected.name);  // GBK 王鑫堃 → UTF-8
        EXPECT_EQ(inserted->identity.idNumber, expected.idNumber);
        EXPECT_EQ(inserted->identity.cardNumber, expected.socialSecurityCardNumber);
        EXPECT_EQ(inserted->identity.sex, expected.sex);
        EXPECT_EQ(inserted->identity.birthDate, expected.birthDate);
        // SELECT, EF05 01/03/07, EF06 08/09/4E (name extension, empty here)/0A/0B/0D.
        EXPECT_EQ(inserted->statusWords, std::vector<std::string>(10, "9000"));
        EXPECT_EQ(device->state().media, MediaState::present);
        virtualCard->remove();
        ASSERT_TRUE(recorder_.waitFor<CardRemoved>(cursor_, 5s).has_value());
    }
    device->stop();
}

TEST_F(PcscDriverTest, PinProtectedEf06GivesNeedsPinWithTheCardNumberRead) {
    auto device = reader();
    ASSERT_TRUE(device->start(recorder_.sink()).has_value());
    auto virtualCard = card("li-jun", CardScenario::pin_protected);
    ASSERT_TRUE(virtualCard->insert().has_value());
    auto failed = recorder_.waitFor<CardReadFailed>(cursor_, 5s);
    ASSERT_TRUE(failed.has_value());
    EXPECT_EQ(failed->error.messageKey, "card.needs_pin");
    EXPECT_NE(failed->error.detail.find("6982"), std::string::npos) << failed->error.detail;
    EXPECT_EQ(failed->partial.cardNumber, person("li-jun").socialSecurityCardNumber);
    EXPECT_TRUE(failed->partial.idNumber.empty());
    EXPECT_EQ(failed->statusWords.back(), "6982");
    EXPECT_EQ(recorder_.count<CardInserted>(), 0U);
}

TEST_F(PcscDriverTest, ChainedAnswersAreReadThroughGetResponse) {
    auto device = reader();
    ASSERT_TRUE(device->start(recorder_.sink()).has_value());
    auto virtualCard = card("zhao-shenjing", CardScenario::chained);
    ASSERT_TRUE(virtualCard->insert().has_value());
    auto inserted = recorder_.waitFor<CardInserted>(cursor_, 5s);
    ASSERT_TRUE(inserted.has_value());
    EXPECT_EQ(inserted->identity.name, person("zhao-shenjing").name);
    EXPECT_GT(virtualCard->apdusAnswered(), 20U);  // 9 commands + their GET RESPONSE pieces
}

TEST_F(PcscDriverTest, CardPulledMidReadGivesCardPulledThenRemoved) {
    auto device = reader();
    ASSERT_TRUE(device->start(recorder_.sink()).has_value());
    auto virtualCard = card("chen-zhe", CardScenario::pulled_mid_read);
    ASSERT_TRUE(virtualCard->insert().has_value());
    auto failed = recorder_.waitFor<CardReadFailed>(cursor_, 5s);
    ASSERT_TRUE(failed.has_value());
    EXPECT_EQ(failed->error.messageKey, "card.pulled") << failed->error.detail;
    EXPECT_TRUE(recorder_.waitFor<CardRemoved>(cursor_, 5s).has_value());
    // The reader keeps working: the next card is read.
    auto next = card("zhang-san", CardScenario::normal);
    virtualCard->remove();
    ASSERT_TRUE(next->insert().has_value());
    EXPECT_TRUE(recorder_.waitFor<CardInserted>(cursor_, 5s).has_value());
}

TEST_F(PcscDriverTest, GarbageAnswersGiveUnreadable) {
    auto device = reader();
    ASSERT_TRUE(device->start(recorder_.sink()).has_value());
    auto virtualCard = card("zhang-san", CardScenario::garbage);
    ASSERT_TRUE(virtualCard->insert().has_value());
    auto failed = recorder_.waitFor<CardReadFailed>(cursor_, 5s);
    ASSERT_TRUE(failed.has_value());
    EXPECT_EQ(failed->error.messageKey, "card.unreadable");
    EXPECT_EQ(failed->error.code, Errc::invalid_data);
    EXPECT_NE(failed->error.detail.find("tag"), std::string::npos) << failed->error.detail;
}

TEST_F(PcscDriverTest, SlowCardIsReadWithinTheBudgetAndTimesOutBeyondIt) {
    {
        auto device = reader(5000ms);
        ASSERT_TRUE(device->start(recorder_.sink()).has_value());
        auto virtualCard = card("zhang-san", CardScenario::slow);
        ASSERT_TRUE(virtualCard->insert().has_value());
        EXPECT_TRUE(recorder_.waitFor<CardInserted>(cursor_, 8s).has_value());
        virtualCard->remove();
        ASSERT_TRUE(recorder_.waitFor<CardRemoved>(cursor_, 5s).has_value());
        device->stop();
    }
    auto device = reader(400ms);
    ASSERT_TRUE(device->start(recorder_.sink()).has_value());
    auto virtualCard = card("zhang-san", CardScenario::slow);
    ASSERT_TRUE(virtualCard->insert().has_value());
    auto failed = recorder_.waitFor<CardReadFailed>(cursor_, 8s);
    ASSERT_TRUE(failed.has_value());
    EXPECT_EQ(failed->error.code, Errc::timeout);
    EXPECT_EQ(failed->error.messageKey, "card.unreadable");
}

TEST_F(PcscDriverTest, AnyOtherCardIsNotSupported) {
    auto device = reader();
    ASSERT_TRUE(device->start(recorder_.sink()).has_value());
    auto virtualCard = card("zhang-san", CardScenario::not_ssc);
    ASSERT_TRUE(virtualCard->insert().has_value());
    auto failed = recorder_.waitFor<CardReadFailed>(cursor_, 5s);
    ASSERT_TRUE(failed.has_value());
    EXPECT_EQ(failed->error.messageKey, "card.unsupported");
    EXPECT_NE(failed->error.detail.find("ATR 3B80800101"), std::string::npos) << failed->error.detail;
}

TEST_F(PcscDriverTest, PinnedProfileReadsTheCard) {
    auto device = reader(5000ms, "social_security");
    ASSERT_TRUE(device->start(recorder_.sink()).has_value());
    auto virtualCard = card("ouyang-nana", CardScenario::normal);
    ASSERT_TRUE(virtualCard->insert().has_value());
    auto inserted = recorder_.waitFor<CardInserted>(cursor_, 5s);
    ASSERT_TRUE(inserted.has_value());
    EXPECT_EQ(inserted->identity.name, person("ouyang-nana").name);
}

TEST_F(PcscDriverTest, CardPresentAtStartIsRead) {
    auto virtualCard = card("zhang-san", CardScenario::normal);
    ASSERT_TRUE(virtualCard->insert().has_value());
    {
        // Wait until pcscd reports the card, so the driver starts with it already present.
        auto observer = transport::PcscContext::establish(2s, CancelToken{});
        ASSERT_TRUE(observer.has_value());
        ASSERT_TRUE(waitEvent(**observer, PcscEvent::Kind::card_inserted, 5s).has_value());
    }
    auto device = reader();
    ASSERT_TRUE(device->start(recorder_.sink()).has_value());
    EXPECT_TRUE(recorder_.waitFor<CardInserted>(cursor_, 5s).has_value());
}

TEST_F(PcscDriverTest, PcscdGoneWhileWaitingThenBackAndTheNextCardIsRead) {
    auto device = reader();
    ASSERT_TRUE(device->start(recorder_.sink()).has_value());
    auto virtualCard = card("zhang-san", CardScenario::normal);
    ASSERT_TRUE(virtualCard->insert().has_value());
    ASSERT_TRUE(recorder_.waitFor<CardInserted>(cursor_, 5s).has_value());
    // vpcd (inside pcscd) goes away with the card in it: the card is gone for the kiosk.
    daemon_.stop();
    virtualCard->remove();
    EXPECT_TRUE(recorder_.waitFor<CardRemoved>(cursor_, 5s).has_value());
    auto offline = recorder_.waitFor<StatusChanged>(cursor_, 5s, [](const StatusChanged& change) {
        return change.state.status == DeviceStatus::offline;
    });
    ASSERT_TRUE(offline.has_value());
    ASSERT_TRUE(daemon_.start().empty());
    ASSERT_TRUE(virtualCard->insert().has_value());
    auto inserted = recorder_.waitFor<CardInserted>(cursor_, 10s);
    ASSERT_TRUE(inserted.has_value());
    EXPECT_EQ(inserted->identity.idNumber, person("zhang-san").idNumber);
    EXPECT_EQ(device->state().status, DeviceStatus::online);
}

TEST_F(PcscDriverTest, StopReturnsAtOnceWhileWaiting) {
    auto device = reader();
    ASSERT_TRUE(device->start(recorder_.sink()).has_value());
    ASSERT_TRUE(recorder_.waitFor<StatusChanged>(cursor_, 5s, [](const StatusChanged& change) {
        return change.state.status == DeviceStatus::online;
    }).has_value());
    const auto started = std::chrono::steady_clock::now();
    device->stop();
    EXPECT_LT(std::chrono::steady_clock::now() - started, 500ms);
    auto selfTest = device->selfTest(2s, CancelToken{});
    ASSERT_TRUE(selfTest.has_value()) << selfTest.error().detail;
    EXPECT_NE(selfTest->find(kReader), std::string::npos);
}

}  // namespace
}  // namespace kiosk::drivers::pcsc

// ---------------------------------------------------------------- recordings

#include "tests/cards/apdu_sessions.hpp"

namespace kiosk::drivers::pcsc {
namespace {

// Records each scenario through the real stack and compares it with tests/samples/apdu/, so
// the samples the parser tests replay are what the stack really exchanges. Set
// KIOSK_UPDATE_APDU_SAMPLES=1 to rewrite them after a deliberate protocol change.
TEST_F(PcscStack, RecordedSessionsMatchTheSamples) {
    struct Case {
        const char* file;
        const char* person;
        CardScenario scenario;
        bool t0;
    };
    const Case cases[] = {
        {"ssc_normal_t1_wang_xinkun", "wang-xinkun", CardScenario::normal, false},
        {"ssc_normal_t0_zhang_san", "zhang-san", CardScenario::normal, true},
        {"ssc_chained_61xx_li_jun", "li-jun", CardScenario::chained, false},
        {"ssc_ef06_needs_pin_li_jun", "li-jun", CardScenario::pin_protected, false},
        {"ssc_garbage_tlv_zhang_san", "zhang-san", CardScenario::garbage, false},
        {"other_card_no_ssse", "zhang-san", CardScenario::not_ssc, false},
        // Issue 19: EF06 layouts and a card without the name extension.
        {"ssc_ef06_by_position_li_jun", "li-jun", CardScenario::ef06_by_position, false},
        {"ssc_ef06_by_position_no_identifier_chen_zhe", "chen-zhe", CardScenario::ef06_by_position_no_identifier, true},
        {"ssc_no_identifier_reads_zhao_shenjing", "zhao-shenjing", CardScenario::no_identifier_reads, false},
        {"ssc_no_name_extension_zhang_san", "zhang-san", CardScenario::no_name_extension, false},
    };
    const bool update = std::getenv("KIOSK_UPDATE_APDU_SAMPLES") != nullptr;
    auto context = transport::PcscContext::establish(2s, CancelToken{});
    ASSERT_TRUE(context.has_value());
    for (const Case& c : cases) {
        SCOPED_TRACE(c.file);
        auto virtualCard = card(c.person, c.scenario, c.t0);
        ASSERT_TRUE(virtualCard->insert().has_value());
        ASSERT_TRUE(waitEvent(**context, PcscEvent::Kind::card_inserted, 5s).has_value());
        auto connected = transport::PcscCard::connect(**context, kReader);
        ASSERT_TRUE(connected.has_value());
        const auto deadline = std::chrono::steady_clock::now() + 5s;
        FunctionChannel channel([&](std::span<const uint8_t> command) {
            return (*connected)->transmit(command, deadline, CancelToken{});
        });
        RecordingChannel recording(channel);
        const CardReadOutcome outcome = readCard(recording, (*connected)->atr());
        std::ostringstream text;
        text << "# recorded through pcscd + vpcd + sim/devices virtual card, scenario "
             << kiosk::sim::cardScenarioName(c.scenario) << (c.t0 ? ", T=0" : ", T=1") << "\n";
        text << "atr: " << toHex((*connected)->atr()) << "\n";
        text << "expect: " << (outcome.ok() ? "ok" : outcome.problem->messageKey) << "\n";
        if (outcome.ok()) text << "masked: " << outcome.identity.masked() << "\n";
        for (const auto& line : recording.lines()) text << line << "\n";
        const auto file = std::filesystem::path(KIOSK_APDU_SAMPLES_DIR) / (std::string(c.file) + ".apdu");
        if (update) {
            std::ofstream(file) << text.str();
        } else {
            std::ifstream in(file);
            ASSERT_TRUE(in.good()) << "missing sample " << file << " (KIOSK_UPDATE_APDU_SAMPLES=1 writes it)";
            std::stringstream stored;
            stored << in.rdbuf();
            EXPECT_EQ(stored.str(), text.str());
        }
        connected->reset();
        virtualCard->remove();
        ASSERT_TRUE(waitEvent(**context, PcscEvent::Kind::card_removed, 5s).has_value());
    }
}

}  // namespace
}  // namespace kiosk::drivers::pcsc

namespace kiosk::drivers::pcsc {
namespace {

// A patient who pulls the card and puts it straight back: the driver must end the first
// session (CardRemoved) and read the card again, however quick the swap.
TEST_F(PcscDriverTest, FastPullAndReinsertIsReadAgain) {
    auto device = reader();
    ASSERT_TRUE(device->start(recorder_.sink()).has_value());
    auto virtualCard = card("zhang-san", CardScenario::normal);
    ASSERT_TRUE(virtualCard->insert().has_value());
    ASSERT_TRUE(recorder_.waitFor<CardInserted>(cursor_, 5s).has_value());
    virtualCard->remove();
    ASSERT_TRUE(virtualCard->insert().has_value());
    EXPECT_TRUE(recorder_.waitFor<CardRemoved>(cursor_, 5s).has_value());
    auto again = recorder_.waitFor<CardInserted>(cursor_, 5s);
    ASSERT_TRUE(again.has_value()) << "card not read again; events: " << recorder_.size();
    EXPECT_EQ(again->identity.idNumber, person("zhang-san").idNumber);
}

}  // namespace
}  // namespace kiosk::drivers::pcsc

namespace kiosk::drivers::pcsc {
namespace {

// The card is swapped while nobody watches, and the driver starts before pcscd noticed (its
// state still says "present" from the old card): the driver must still end with the identity.
TEST_F(PcscDriverTest, CardSwappedBeforeTheDriverStartsIsReadInTheEnd) {
    auto virtualCard = card("zhang-san", CardScenario::normal);
    ASSERT_TRUE(virtualCard->insert().has_value());
    {
        auto observer = transport::PcscContext::establish(2s, CancelToken{});
        ASSERT_TRUE(observer.has_value());
        ASSERT_TRUE(waitEvent(**observer, PcscEvent::Kind::card_inserted, 5s).has_value());
    }
    virtualCard->remove();
    ASSERT_TRUE(virtualCard->insert().has_value());
    auto device = reader();
    ASSERT_TRUE(device->start(recorder_.sink()).has_value());
    auto inserted = recorder_.waitFor<CardInserted>(cursor_, 5s);
    ASSERT_TRUE(inserted.has_value()) << "failures: " << recorder_.count<CardReadFailed>();
    EXPECT_EQ(inserted->identity.idNumber, person("zhang-san").idNumber);
}

}  // namespace
}  // namespace kiosk::drivers::pcsc
