// Technician access (issue 14 item 1): the PIN checked against an Argon2id hash, the lockout after
// 5 wrong PINs on the test's manual clock, kept across a restart in the real SQLite journal, and
// every action in the audit trail. Hashes made here use libsodium's minimum cost (the cost is in
// the string, so verification is real Argon2id, only cheaper); one test checks the kiosk's default.
#include <gtest/gtest.h>
#include <sodium.h>

#include "kiosk/core/config.hpp"
#include "kiosk/core/technician_access.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiosk {
namespace {

using test::TempDir;
using namespace std::chrono_literals;

constexpr std::string_view kPin = "246810";

std::string cheapHash(std::string_view pin) {
    auto hash = TechnicianAccess::hashPin(pin, crypto_pwhash_argon2id_OPSLIMIT_MIN, crypto_pwhash_argon2id_MEMLIMIT_MIN);
    EXPECT_TRUE(hash.has_value()) << hash.error().detail;
    return hash.value_or("");
}

class TechnicianAccessTest : public ::testing::Test {
protected:
    TempDir dir;
    ManualClock clock;
    std::string hash = cheapHash(kPin);
    std::unique_ptr<Journal> journal;

    void SetUp() override { reopenJournal(); }
    void reopenJournal() {
        journal.reset();
        auto opened = Journal::open(dir.path() / "journal.sqlite");
        ASSERT_TRUE(opened.has_value()) << opened.error().detail;
        journal = std::move(*opened);
    }
    TechnicianAccess open() {
        TechnicianAccessSettings settings;
        settings.pinHash = hash;
        settings.technicianCards = {"T0001", "88001234"};
        settings.auditSalt = "test-salt-0123456789abcdef";
        settings.kioskId = "TEST-01";
        auto access = TechnicianAccess::open(settings, *journal, clock);
        EXPECT_TRUE(access.has_value()) << access.error().detail;
        return std::move(*access);
    }
    /// The audit trail's technician events, in order.
    std::vector<std::string> auditEvents() {
        std::vector<std::string> events;
        auto stmt = journal->prepare(
            "SELECT e.event FROM audit_event e JOIN audit_session s ON s.id = e.session_id "
            "WHERE s.source LIKE 'technician_%' ORDER BY e.id");
        while (stmt && stmt->step().value_or(false)) events.push_back(stmt->text(0));
        return events;
    }
};

TEST_F(TechnicianAccessTest, RightPinIsAcceptedAndAudited) {
    TechnicianAccess access = open();
    access.beginVisit("gesture");
    const PinResult result = access.tryPin(kPin);
    EXPECT_EQ(result.outcome, PinOutcome::accepted);
    EXPECT_EQ(result.attemptsLeft, 5);
    access.audit("self_test card ok");
    access.endVisit("left");
    EXPECT_EQ(auditEvents(), (std::vector<std::string>{"technician:pin_accepted", "technician:self_test card ok"}));
    auto visit = journal->prepare("SELECT source, end_reason, identity_hash FROM audit_session");
    ASSERT_TRUE(visit && *visit->step());
    EXPECT_EQ(visit->text(0), "technician_gesture");
    EXPECT_EQ(visit->text(1), "technician_left");
    EXPECT_EQ(visit->text(2).size(), 64U) << "a salted SHA-256, never the credential";
}

TEST_F(TechnicianAccessTest, WrongPinsAreRefusedWithTheAttemptsLeft) {
    TechnicianAccess access = open();
    for (int left : {4, 3}) {
        const PinResult result = access.tryPin("135790");
        EXPECT_EQ(result.outcome, PinOutcome::refused);
        EXPECT_EQ(result.attemptsLeft, left);
    }
    // Not digits, too short: also a wrong PIN (and never a crash).
    EXPECT_EQ(access.tryPin("12").outcome, PinOutcome::refused);
    EXPECT_EQ(access.attemptsLeft(), 2);
    // A right PIN resets the count.
    EXPECT_EQ(access.tryPin(kPin).outcome, PinOutcome::accepted);
    EXPECT_EQ(access.attemptsLeft(), 5);
    const auto events = auditEvents();
    ASSERT_EQ(events.size(), 4U);
    EXPECT_EQ(events[0], "technician:pin_refused 4 left");
    EXPECT_EQ(events[3], "technician:pin_accepted");
}

TEST_F(TechnicianAccessTest, FiveWrongPinsLockForFifteenMinutesThenItOpensAgain) {
    TechnicianAccess access = open();
    for (int i = 0; i < 4; ++i) EXPECT_EQ(access.tryPin("000000").outcome, PinOutcome::refused);
    const PinResult fifth = access.tryPin("000000");
    EXPECT_EQ(fifth.outcome, PinOutcome::locked_out);
    ASSERT_TRUE(fifth.lockedUntil.has_value());
    EXPECT_EQ(*fifth.lockedUntil, std::chrono::floor<std::chrono::milliseconds>(clock.wallNow() + 15min));
    EXPECT_TRUE(access.locked());
    // Locked: even the right PIN is not checked.
    EXPECT_EQ(access.tryPin(kPin).outcome, PinOutcome::locked);
    clock.advance(14min + 59s);
    EXPECT_EQ(access.tryPin(kPin).outcome, PinOutcome::locked) << "one second before the end";
    clock.advance(1s);
    EXPECT_FALSE(access.locked());
    EXPECT_EQ(access.attemptsLeft(), 5) << "a fresh set after the lockout";
    // After a lockout the count starts again: one wrong PIN does not lock again.
    EXPECT_EQ(access.tryPin("000000").outcome, PinOutcome::refused);
    EXPECT_EQ(access.tryPin(kPin).outcome, PinOutcome::accepted);
    const auto events = auditEvents();
    EXPECT_NE(std::find(events.begin(), events.end(), "technician:pin_refused locked_out 15 min"), events.end());
    EXPECT_EQ(std::count(events.begin(), events.end(), "technician:pin_not_checked_locked"), 2);
    EXPECT_NE(std::find(events.begin(), events.end(), "technician:lockout_ended"), events.end());
}

TEST_F(TechnicianAccessTest, LockoutAndCountSurviveARestart) {
    {
        TechnicianAccess access = open();
        for (int i = 0; i < 3; ++i) (void)access.tryPin("000000");
    }
    reopenJournal();  // the kiosk restarts: a new connection to the same file
    {
        TechnicianAccess access = open();
        EXPECT_EQ(access.attemptsLeft(), 2) << "the wrong PINs before the restart still count";
        (void)access.tryPin("000000");
        EXPECT_EQ(access.tryPin("000000").outcome, PinOutcome::locked_out);
    }
    reopenJournal();
    clock.advance(10min);
    {
        TechnicianAccess access = open();
        EXPECT_TRUE(access.locked()) << "a restart does not end a lockout";
        EXPECT_EQ(access.tryPin(kPin).outcome, PinOutcome::locked);
        ASSERT_TRUE(access.lockedUntil().has_value());
        const auto left = *access.lockedUntil() - clock.wallNow();
        EXPECT_LE(left, std::chrono::system_clock::duration(5min));
        EXPECT_GT(left, std::chrono::system_clock::duration(5min - 1ms)) << "stored in whole milliseconds";
    }
    reopenJournal();
    clock.advance(5min);
    TechnicianAccess access = open();
    EXPECT_EQ(access.tryPin(kPin).outcome, PinOutcome::accepted);
}

TEST_F(TechnicianAccessTest, TechnicianCardsAreTheListedOnesOnly) {
    TechnicianAccess access = open();
    EXPECT_TRUE(access.isTechnicianCard("T0001"));
    EXPECT_TRUE(access.isTechnicianCard("88001234"));
    EXPECT_FALSE(access.isTechnicianCard("T0002"));
    EXPECT_FALSE(access.isTechnicianCard(""));
}

TEST(TechnicianPinHash, DefaultHashIsArgon2idAtTheInteractiveCostAndVerifies) {
    auto hash = TechnicianAccess::hashPin(kPin);
    ASSERT_TRUE(hash.has_value()) << hash.error().detail;
    EXPECT_TRUE(hash->starts_with("$argon2id$v=19$m=65536,t=2,p=1$")) << *hash;
    EXPECT_TRUE(TechnicianAccess::checkPinHash(*hash).has_value());
    EXPECT_TRUE(TechnicianAccess::pinMatches(*hash, kPin));
    EXPECT_FALSE(TechnicianAccess::pinMatches(*hash, "246811"));
    EXPECT_NE(*hash, TechnicianAccess::hashPin(kPin).value()) << "a fresh salt each time";
}

TEST(TechnicianPinHash, NewPinsMustBeSixToTwelveDigits) {
    for (std::string_view bad : {"12345", "1234567890123", "12345a", "", "12 3456"}) {
        EXPECT_FALSE(TechnicianAccess::hashPin(bad).has_value()) << bad;
    }
    EXPECT_TRUE(TechnicianAccess::checkPinShape("123456").has_value());
    EXPECT_TRUE(TechnicianAccess::checkPinShape("123456789012").has_value());
}

TEST(TechnicianPinHash, BadHashesInConfigStopTheStartNamingTheKey) {
    TempDir dir;
    const std::string good = cheapHash(kPin);
    struct Case {
        std::string table;
        std::string expected;
    };
    const std::vector<Case> cases = {
        {"[diagnostics]\ntechnician_cards = [\"T0001\"]\n", "diagnostics.pin_hash"},
        {"[diagnostics]\npin_hash = \"246810\"\n", "Argon2id"},
        {"[diagnostics]\npin_hash = \"5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8\"\n", "Argon2id"},
        // Cut short (the hash part lost in copying) and a mangled parameter.
        {"[diagnostics]\npin_hash = \"" + good.substr(0, good.rfind('$')) + "\"\n", "not a valid Argon2id"},
        {"[diagnostics]\npin_hash = \"" + std::string(good).replace(good.find(",t=") + 3, 1, "x") + "\"\n",
         "not a valid Argon2id"},
        {"[diagnostics]\npin_hash = \"" + good + "\"\ntechnician_cards = [\"T 1\"]\n", "diagnostics.technician_cards"},
        {"[diagnostics]\npin_hash = \"" + good + "\"\npin = \"1\"\n", "diagnostics.pin"},
    };
    for (const Case& c : cases) {
        auto config = loadConfig(dir.write("kiosk.toml", test::demoConfigText(c.table)));
        ASSERT_FALSE(config.has_value()) << c.table;
        EXPECT_NE(config.error().detail.find(c.expected), std::string::npos) << config.error().detail;
        if (c.expected.starts_with("Argon2id") || c.expected.starts_with("not a valid")) {
            EXPECT_NE(config.error().detail.find("diagnostics.pin_hash"), std::string::npos) << config.error().detail;
        }
    }
    auto config = loadConfig(dir.write("kiosk.toml", test::demoConfigText("[diagnostics]\npin_hash = \"" + good +
                                                                          "\"\ntechnician_cards = [\"T0001\"]\n")));
    ASSERT_TRUE(config.has_value()) << config.error().detail;
    EXPECT_TRUE(config->diagnostics.present);
    EXPECT_EQ(config->diagnostics.pinHash, good);
    EXPECT_EQ(config->diagnostics.technicianCards, std::vector<std::string>{"T0001"});
}

}  // namespace
}  // namespace kiosk
