// Technician entry from patient mode (issue 14 item 1), through the real App offscreen (SDL
// offscreen driver, software renderer) on the journey's manual clock: the hidden corner hold and
// a listed technician card open the PIN pad; the PIN is checked (Argon2id on the App's worker);
// wrong PINs, the lockout and its end; the technician screens time out back to the patient mode;
// every action in the journal's audit trail. PNGs of the pad in both languages, portrait and
// landscape, normal and large print go to build/test-output/ui/<test>/.
#include <gtest/gtest.h>
#include <sodium.h>

#include "kiosk/core/technician_access.hpp"
#include "tests/ui/app_fixture.hpp"

namespace kiosk::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* kPin = "246810";
/// zhao-shenjing's social-security card number (assets/sim/people.json), listed here as a
/// technician's card: the simulated reader reads it like any card.
constexpr const char* kTechnicianCard = "SS1239011";

class TechnicianJourneyTest : public AppTest {
protected:
    static std::string diagnosticsSection() {
        // The cost is inside the string: the kiosk verifies real Argon2id, at libsodium's minimum
        // cost so the test does not spend 64 MiB and 0.1 s a PIN.
        auto hash = TechnicianAccess::hashPin(kPin, crypto_pwhash_argon2id_OPSLIMIT_MIN, crypto_pwhash_argon2id_MEMLIMIT_MIN);
        EXPECT_TRUE(hash.has_value());
        return "[diagnostics]\npin_hash = \"" + hash.value_or("") + "\"\ntechnician_cards = [\"" + kTechnicianCard + "\"]\n";
    }
    void startTechnician(const std::string& extra = "") { start(diagnosticsSection() + extra); }

    /// The technician events of the audit trail, in order.
    std::vector<std::string> auditEvents() {
        std::vector<std::string> events;
        auto stmt = app->journal().prepare(
            "SELECT e.event FROM audit_event e JOIN audit_session s ON s.id = e.session_id "
            "WHERE s.source LIKE 'technician_%' ORDER BY e.id");
        while (stmt && stmt->step().value_or(false)) events.push_back(stmt->text(0));
        return events;
    }
    /// (source, end_reason) of every technician visit, in order.
    std::vector<std::pair<std::string, std::string>> visits() {
        std::vector<std::pair<std::string, std::string>> out;
        auto stmt = app->journal().prepare(
            "SELECT source, coalesce(end_reason, '') FROM audit_session WHERE source LIKE 'technician_%' ORDER BY id");
        while (stmt && stmt->step().value_or(false)) out.emplace_back(stmt->text(0), stmt->text(1));
        return out;
    }
    bool drew(std::string_view text) const {
        for (const auto& rect : app->textRects()) {
            if (rect.text.find(text) != std::string::npos) return true;
        }
        return false;
    }
};

TEST_F(TechnicianJourneyTest, CornerHeldFiveSecondsOpensThePinPadAndTheRightPinTheDiagnostics) {
    startTechnician();
    auto report = journey(R"({"language": "zh_CN", "steps": [
        {"expect_screen": "attract"},
        {"hold": {"seconds": 4}},
        {"expect_screen": "attract"},
        {"hold": {"seconds": 5}},
        {"expect_screen": "technician.pin"},
        {"type_pin": "135790"},
        {"tap": "tech.pin.ok"},
        {"expect_screen": "technician.pin"}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_TRUE(drew("密码不正确，还可再试 4 次。")) << "the attempts left, in Chinese";
    EXPECT_TRUE(drew("Wrong PIN. Attempts left: 4.")) << "and in English beneath";
    report = journey(std::string(R"({"steps": [
        {"type_pin": ")") + kPin + R"("},
        {"tap": "tech.pin.ok"},
        {"expect_screen": "diagnostics"},
        {"tap": "diag.test.card"},
        {"tap": "diag.back"},
        {"expect_screen": "attract"}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_EQ(auditEvents(), (std::vector<std::string>{"technician:pin_refused 4 left", "technician:pin_accepted",
                                                       "technician:diagnostics_opened", "technician:self_test card started",
                                                       "technician:self_test card ok"}));
    EXPECT_EQ(visits(), (std::vector<std::pair<std::string, std::string>>{{"technician_gesture", "technician_left"}}));
}

TEST_F(TechnicianJourneyTest, EntryIsMaskedAndEditable) {
    startTechnician();
    auto report = journey(R"({"steps": [
        {"hold": {"seconds": 5}},
        {"type_pin": "2468"},
        {"tap": "tech.pin.delete"},
        {"tap": "tech.pin.clear"},
        {"type_pin": "24681"}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
    for (const auto& rect : app->textRects()) {
        EXPECT_EQ(rect.text.find("24681"), std::string::npos) << "the digits are never drawn, only dots";
    }
    // One digit short after delete/clear worked: "24681" + "0" is the PIN.
    report = journey(R"({"steps": [{"type_pin": "0"}, {"tap": "tech.pin.ok"}, {"expect_screen": "diagnostics"}]})");
    ASSERT_TRUE(report.ok) << describe(report);
}

TEST_F(TechnicianJourneyTest, FiveWrongPinsLockUntilFifteenMinutesHavePassedOnTheJourneyClock) {
    startTechnician();
    std::string steps = R"({"language": "en_US", "steps": [{"hold": {"seconds": 5}})";
    // A wrong PIN of any length counts (one digit keeps the journey short).
    for (int i = 0; i < 5; ++i) steps += R"(, {"type_pin": "0"}, {"tap": "tech.pin.ok"})";
    steps += R"(, {"type_pin": ")" + std::string(kPin) + R"("}, {"tap": "tech.pin.ok"}, {"expect_screen": "technician.pin"}]})";
    auto report = journey(steps);
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_TRUE(drew("Too many wrong PINs: technician sign-in is locked. Try again after"));
    // The pad times out to the patient mode; 15 minutes later (on the journey's clock) the right
    // PIN opens the diagnostics.
    report = journey(R"({"steps": [{"wait": 31}, {"expect_screen": "attract"}]})");
    ASSERT_TRUE(report.ok) << describe(report);
    clock.advance(14min);
    report = journey(R"({"steps": [{"hold": {"seconds": 5}}, {"expect_screen": "technician.pin"}]})");
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_TRUE(drew("Too many wrong PINs")) << "still locked after 14 min: said as soon as the pad opens";
    report = journey(R"({"steps": [{"wait": 31}, {"expect_screen": "attract"}]})");
    ASSERT_TRUE(report.ok) << describe(report);
    report = journey(std::string(R"({"steps": [{"hold": {"seconds": 5}}, {"type_pin": ")") + kPin +
                     R"("}, {"tap": "tech.pin.ok"}, {"expect_screen": "diagnostics"}]})");
    ASSERT_TRUE(report.ok) << describe(report);
    const auto events = auditEvents();
    EXPECT_NE(std::find(events.begin(), events.end(), "technician:pin_refused locked_out 15 min"), events.end());
    EXPECT_NE(std::find(events.begin(), events.end(), "technician:pin_not_checked_locked"), events.end());
    EXPECT_NE(std::find(events.begin(), events.end(), "technician:lockout_ended"), events.end());
    EXPECT_EQ(events.back(), "technician:diagnostics_opened");
    const auto all = visits();
    ASSERT_GE(all.size(), 3U);
    EXPECT_EQ(all[0].second, "technician_timed_out");
}

TEST_F(TechnicianJourneyTest, ListedTechnicianCardOpensThePadAndOtherCardsArePatients) {
    startTechnician();
    auto report = journey(R"({"steps": [
        {"insert_card": {"device": "card", "person": "zhao-shenjing"}},
        {"expect_screen": "technician.pin"},
        {"expect_session": false},
        {"remove_card": "card"},
        {"tap": "tech.pin.back"},
        {"expect_screen": "attract"},
        {"insert_card": {"device": "card", "person": "zhang-san"}},
        {"expect_screen": "menu"},
        {"expect_session": true}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_EQ(visits(), (std::vector<std::pair<std::string, std::string>>{{"technician_card", "technician_left"}}));
    // A patient's session: the corner hold does not open technician access over their data.
    report = journey(R"({"steps": [{"hold": {"seconds": 6}}, {"expect_screen": "menu"}, {"expect_session": true}]})");
    ASSERT_TRUE(report.ok) << describe(report);
}

TEST_F(TechnicianJourneyTest, TechnicianScreensTimeOutBackToThePatientMode) {
    startTechnician();
    auto report = journey(std::string(R"({"steps": [
        {"hold": {"seconds": 5}},
        {"wait": 29},
        {"expect_screen": "technician.pin"},
        {"wait": 2},
        {"expect_screen": "attract"},
        {"hold": {"seconds": 5}},
        {"type_pin": ")") + kPin + R"("},
        {"tap": "tech.pin.ok"},
        {"expect_screen": "diagnostics"}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
    // Five minutes without a touch (the diagnostics screen's own time-out).
    clock.advance(299s);
    app->frame();
    EXPECT_EQ(app->currentScreen(), "diagnostics");
    clock.advance(2s);
    app->frame();
    EXPECT_EQ(app->currentScreen(), "attract");
    EXPECT_EQ(visits(), (std::vector<std::pair<std::string, std::string>>{{"technician_gesture", "technician_timed_out"},
                                                                            {"technician_gesture", "technician_timed_out"}}));
}

TEST_F(TechnicianJourneyTest, DiagnosticsModeAsksForThePinToo) {
    start(diagnosticsSection(), KioskMode::diagnostics);
    auto report = journey(R"({"steps": [{"tap": "attract.diagnostics"}, {"expect_screen": "technician.pin"}]})");
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_EQ(visits(), (std::vector<std::pair<std::string, std::string>>{{"technician_menu", ""}}));
}

/// Device counters (issue 14 item 2): a patient's card read is counted on the reader, shown on the
/// diagnostics screen, and still there after the kiosk restarts (the same journal).
TEST_F(TechnicianJourneyTest, DeviceCountersAreShownAndSurviveARestart) {
    const std::string openDiagnostics = std::string(R"({"language": "zh_CN", "steps": [{"hold": {"seconds": 5}}, {"type_pin": ")") +
                                        kPin + R"("}, {"tap": "tech.pin.ok"}, {"expect_screen": "diagnostics"}]})";
    startTechnician();
    auto report = journey(openDiagnostics);
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_TRUE(drew("累计（清零后）：暂无")) << "nothing counted yet";
    report = journey(R"({"steps": [
        {"tap": "diag.back"},
        {"insert_card": {"device": "card", "person": "zhang-san"}},
        {"expect_screen": "menu"},
        {"tap": "session.finish"},
        {"remove_card": "card"},
        {"expect_screen": "attract"}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
    report = journey(openDiagnostics);
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_TRUE(drew("累计（清零后）：读卡 1 (1)")) << "the card read on the reader";
    startTechnician();  // a restart: a new App on the same data dir and journal
    report = journey(openDiagnostics);
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_TRUE(drew("累计（清零后）：读卡 1 (1)")) << "kept across the restart";
    report = journey(R"({"language": "en_US", "steps": [{"set_language": "en_US"}]})");
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_TRUE(drew("Total (since reset): Cards read 1 (1)"));
}

/// The pad in both languages, portrait and landscape, normal and large print: every frame free of
/// layout problems (the fixture fails on any), with a message shown; PNGs kept for a look.
TEST_F(TechnicianJourneyTest, PinPadInBothLanguagesOrientationsAndPrintSizes) {
    for (const char* orientation : {"portrait", "landscape"}) {
        for (const bool large : {false, true}) {
            SCOPED_TRACE(std::string(orientation) + (large ? " large" : ""));
            startTechnician(std::string("[ui]\norientation = \"") + orientation + "\"\nlarge_print = " + (large ? "true" : "false") + "\n");
            auto report = journey(R"({"language": "zh_CN", "steps": [
                {"hold": {"seconds": 5}},
                {"type_pin": "1"},
                {"tap": "tech.pin.ok"},
                {"type_pin": "123456"},
                {"set_language": "en_US"},
                {"tap": "tech.pin.back"}
            ]})");
            ASSERT_TRUE(report.ok) << describe(report);
        }
    }
}

}  // namespace
}  // namespace kiosk::test
