// Help on every screen (issue 12 item 3) end to end: the real App (headless SDL, software
// renderer) with the FHIR HisDriver over loopback HTTP against the real hospital-sim, whose
// service desk view (GET /admin/help) lists the open calls for staff. Faults are the sim's own
// (/admin/faults): a lost answer after the commit, a slow HIS. PNGs: <build>/test-output/ui/<test>/.
#include "tests/backend/sim_process.hpp"
#include "tests/ui/app_fixture.hpp"
#include "tests/voice/recording_speech.hpp"

#include <thread>

#include "kiosk/backend/his_factory.hpp"
#include "kiosk/speech/spoken.hpp"
#include "screens/help/staff_call.hpp"

namespace kiosk::test {
namespace {

using screens::StaffCallStage;

class HelpJourneyTest : public AppTest {
protected:
    std::optional<SimProcess> hospital;
    std::string kioskId;
    /// Set before startWithHospital(): the App speaks into it (tests/voice/recording_speech.hpp).
    std::shared_ptr<RecordingSpeech> recorder;

    void startWithHospital(const std::string& extra = "", int callTimeoutMs = 5000) {
        hospital.emplace();
        ASSERT_GT(hospital->port(), 0) << hospital->error();
        auto loaded = config("[backend]\ndriver = \"fhir\"\nbase_url = \"" + hospital->fhirUrl() +
                             "\"\nconnect_timeout_ms = 500\ncall_timeout_ms = " + std::to_string(callTimeoutMs) +
                             "\nretries = 0\n"
                             // The tests move the clock past the repeat window (300 s) within a session.
                             "[session]\nidle_timeout_s = 900\n" + extra);
        ASSERT_TRUE(loaded.has_value()) << loaded.error().detail;
        kioskId = loaded->kioskId;
        auto his = backend::makeHisDriver(loaded->backend, loaded->kioskId);
        ASSERT_TRUE(his.has_value()) << his.error().detail;
        screens::AppOptions options = headlessOptions();
        options.his = std::move(*his);
        if (recorder) options.speech = recorder;
        open(std::move(*loaded), std::move(options));
    }

    /// Until no flow's worker runs (at most `seconds`), drawing the answers.
    void settleFlows(int seconds = 30) {
        app->settle();
        for (int i = 0; i < seconds * 20 && app->services().working(); ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            app->settle();
        }
        app->settle();
    }

    screens::StaffCallView view() const { return app->services().staffCall().view(); }

    /// Taps "call staff" and waits for the HIS's answer, then checks the panel's layout as it
    /// shows the answer (a journey step on the same screen).
    screens::JourneyReport callStaff() {
        auto report = journey(R"({"steps": [{"tap": "help.call"}]})");
        settleFlows();
        if (!report.ok) return report;
        return journey(R"({"steps": [{"expect_screen": ")" + std::string(app->currentScreen()) + R"("}]})");
    }

    /// The service desk's list of open calls (hospital-sim).
    nlohmann::json openCalls() const { return hospital->call("GET", "/admin/help").value("open", nlohmann::json::array()); }

    bool showsText(const std::string& part) const {
        for (const auto& rect : app->textRects()) {
            if (rect.text.find(part) != std::string::npos) return true;
        }
        return false;
    }
};

/// With voice guidance on, opening the panel speaks it: "calling", then the answer with the
/// reference read out as the patient will say it to staff (K-0421: the letter, then each digit,
/// never "four hundred twenty-one"), in the patient's language; a press within the repeat window
/// says the reference again; "say again" repeats the panel. With the voice off: nothing.
TEST_F(HelpJourneyTest, ThePanelIsSpokenWithTheReferenceReadOutCharacterByCharacter) {
    recorder = std::make_shared<RecordingSpeech>();
    startWithHospital();
    ASSERT_TRUE(journey(R"({"steps": [{"tap": "voice.toggle"}]})").ok);
    recorder->clear();
    ASSERT_TRUE(callStaff().ok);
    ASSERT_EQ(view().stage, StaffCallStage::called);
    const std::string reference = view().reference;
    auto said = recorder->said();
    // "Calling" when the press found the call on its way (the HIS answers within a millisecond or
    // two here, so it may already have when the panel opens), then the answer, once.
    ASSERT_TRUE(said.size() == 2U || said.size() == 1U) << recorder->transcript();
    if (said.size() == 2U) {
        EXPECT_EQ(said[0].text, "正在为您呼叫工作人员，请稍候。");
        EXPECT_NE(said[0].pinyin.find("zheng4 zai4 wei4 nin2"), std::string::npos) << said[0].pinyin;
    }
    const speech::Utterance answer = said.back();
    const std::string spokenZh = speech::spokenCode(speech::Tongue::mandarin, reference);  // "K 零四二一"
    EXPECT_NE(answer.text.find("已通知工作人员"), std::string::npos) << answer.text;
    EXPECT_NE(answer.text.find(spokenZh), std::string::npos) << answer.text;
    EXPECT_EQ(answer.text.find(reference.substr(2)), std::string::npos) << "no raw digits: " << answer.text;
    // The engine's pinyin: "k" and each digit's syllable, the 号 of 编号 as hao4.
    constexpr const char* kDigitPinyin[] = {"ling2", "yi1", "er4", "san1", "si4", "wu3", "liu4", "qi1", "ba1", "jiu3"};
    std::string digits = "k";
    for (const char c : reference.substr(2)) digits += std::string(" ") + kDigitPinyin[c - '0'];
    EXPECT_NE(answer.pinyin.find(digits), std::string::npos) << answer.pinyin;
    EXPECT_NE(answer.pinyin.find("bian1 hao4"), std::string::npos) << answer.pinyin;
    EXPECT_FALSE(answer.personal);

    // In English, a press within the repeat window: the same reference, letter then digits.
    ASSERT_TRUE(journey(R"({"steps": [{"tap": "help.close"}, {"set_language": "en_US"}]})").ok);
    recorder->clear();
    ASSERT_TRUE(callStaff().ok);
    said = recorder->said();
    ASSERT_EQ(said.size(), 1U) << recorder->transcript();
    EXPECT_EQ(said[0].language, "en_US");
    EXPECT_NE(said[0].text.find("already called staff"), std::string::npos) << said[0].text;
    EXPECT_NE(said[0].text.find(speech::spokenCode(speech::Tongue::english, reference)), std::string::npos) << said[0].text;
    ASSERT_TRUE(app->tap("help.close").has_value());
    ASSERT_TRUE(app->tap("voice.repeat").has_value());
    EXPECT_EQ(recorder->said().back().text, said[0].text) << "say again: the panel";

    // Voice off: a press says nothing.
    ASSERT_TRUE(app->tap("voice.toggle").has_value());
    recorder->clear();
    ASSERT_TRUE(callStaff().ok);
    EXPECT_TRUE(recorder->said().empty()) << recorder->transcript();
}

/// Before identification and after: one call reaches the desk with the kiosk, the screen and the
/// reference the patient sees; pressing again within the repeat window shows that reference again
/// and calls nobody twice; after the window a press calls again, now with the masked patient.
TEST_F(HelpJourneyTest, CallingStaffReachesTheDeskOnceWithinTheRepeatWindow) {
    startWithHospital();
    auto report = callStaff();
    ASSERT_TRUE(report.ok) << describe(report);
    ASSERT_EQ(view().stage, StaffCallStage::called);
    const std::string reference = view().reference;
    EXPECT_TRUE(reference.starts_with("K-") && reference.size() == 6) << reference;
    EXPECT_TRUE(showsText(reference));
    EXPECT_TRUE(showsText("已通知工作人员"));
    auto calls = openCalls();
    ASSERT_EQ(calls.size(), 1U) << calls.dump();
    EXPECT_EQ(calls[0].value("reference", ""), reference);
    EXPECT_EQ(calls[0].value("kiosk", ""), kioskId);
    EXPECT_EQ(calls[0].value("screen", ""), "attract");
    EXPECT_EQ(calls[0].value("patient", ""), "");

    // OK closes the panel; the patient identifies and presses again a minute later.
    report = journey(R"({"steps": [{"tap": "help.close"}, {"tap": "attract.start"},
        {"insert_card": {"device": "card", "person": "zhang-san"}}, {"expect_screen": "menu"}]})");
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_FALSE(app->services().staffCall().panelOpen());
    clock.advance(std::chrono::seconds(60));
    report = callStaff();
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_TRUE(view().repeated);
    EXPECT_EQ(view().reference, reference);
    EXPECT_TRUE(showsText("无需再次呼叫"));
    EXPECT_EQ(openCalls().size(), 1U);

    // Past the repeat window (300 s by default) a press is a new call, about the patient.
    report = journey(R"({"steps": [{"tap": "help.close"}]})");
    clock.advance(std::chrono::seconds(301));
    report = callStaff();
    ASSERT_TRUE(report.ok) << describe(report);
    ASSERT_EQ(view().stage, StaffCallStage::called);
    EXPECT_FALSE(view().repeated);
    calls = openCalls();
    ASSERT_EQ(calls.size(), 2U) << calls.dump();
    const auto& second = calls[1];
    EXPECT_EQ(second.value("reference", ""), view().reference);
    EXPECT_EQ(second.value("screen", ""), "menu");
    EXPECT_TRUE(second.value("patient", "").starts_with("Patient/")) << second.dump();
    // The desk reads a masked name and number: never the name or the ID number in full.
    const std::string detail = second.value("detail", "");
    EXPECT_NE(detail.find('*'), std::string::npos) << detail;
    EXPECT_EQ(detail.find("张三"), std::string::npos) << detail;

    // Staff came: the desk closes it and it leaves the open list.
    long status = 0;
    hospital->call("POST", "/admin/help/close", {{"id", calls[0].value("id", "")}}, &status);
    EXPECT_EQ(status, 200);
    EXPECT_EQ(openCalls().size(), 1U);
}

/// The HIS took the call but the answer was lost: the kiosk asks once more with the same business
/// key, the HIS keeps one call, and the patient reads "staff are on their way".
TEST_F(HelpJourneyTest, ALostAnswerIsAskedAgainWithTheSameKeyAndCountedOnce) {
    startWithHospital();
    hospital->armFault("drop_after_commit", "POST", "/fhir/Communication");
    auto report = callStaff();
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_EQ(view().stage, StaffCallStage::called);
    EXPECT_EQ(openCalls().size(), 1U);
    const auto stats = hospital->call("GET", "/admin/stats");
    size_t helpKeys = 0;
    const nlohmann::json commits = stats.value("commits", nlohmann::json::object());
    for (const auto& [key, times] : commits.items()) {
        if (!key.starts_with("HELP-")) continue;
        ++helpKeys;
        EXPECT_EQ(times.get<int>(), 1) << key;
    }
    EXPECT_EQ(helpKeys, 1U) << stats.dump();
}

/// A HIS too slow to answer twice: the outcome is unknown, so the panel never says the call
/// failed; it says it may not have got through and where the service desk is. The call the HIS
/// did take is there once.
TEST_F(HelpJourneyTest, AnUnansweredCallSaysItMayNotHaveGotThroughNeverFailed) {
    startWithHospital("", 800);
    hospital->armFault("latency", "POST", "/fhir/Communication", 2, 2000);
    auto report = callStaff();
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_EQ(view().stage, StaffCallStage::unknown);
    EXPECT_TRUE(showsText("呼叫可能没有送达"));
    EXPECT_TRUE(showsText("门诊楼一层人工服务台"));
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // the slow handlers finish
    EXPECT_EQ(openCalls().size(), 1U);
}

/// No hospital answers: the patient is sent to the service desk named in [help]; a second press
/// tries again (nothing was called), in English too.
TEST_F(HelpJourneyTest, WithTheHospitalDownThePatientIsSentToTheConfiguredServiceDesk) {
    startConnected("[help]\nservice_desk_zh = \"二号楼一层咨询台\"\nservice_desk_en = \"the information desk, building 2\"\n");
    auto report = callStaff();
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_EQ(view().stage, StaffCallStage::unreachable);
    EXPECT_TRUE(showsText("暂时无法呼叫工作人员"));
    EXPECT_TRUE(showsText("二号楼一层咨询台"));
    report = journey(R"({"steps": [{"tap": "help.close"}, {"set_language": "en_US"}]})");
    ASSERT_TRUE(report.ok) << describe(report);
    report = callStaff();
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_FALSE(view().repeated);
    EXPECT_EQ(view().stage, StaffCallStage::unreachable);
    EXPECT_TRUE(showsText("the information desk, building 2"));
}

/// The button is on the patient's screens of the lobby and the pharmacy, not on the technician's.
TEST_F(HelpJourneyTest, TheButtonIsOnPatientScreensOnly) {
    start();
    EXPECT_TRUE(app->buttonRects().contains("help.call"));
    start("", KioskMode::pharmacy);
    EXPECT_TRUE(app->buttonRects().contains("help.call"));
    start("", KioskMode::diagnostics);
    EXPECT_FALSE(app->buttonRects().contains("help.call"));
}

/// The top bar with the button and every state of the panel, in both languages, portrait and
/// landscape, normal and large print (the fixture checks each frame's layout; PNGs per journey).
TEST_F(HelpJourneyTest, ThePanelFitsInEachOrientationPrintSizeAndLanguage) {
    for (const char* orientation : {"portrait", "landscape"}) {
        for (const bool largePrint : {false, true}) {
            for (const char* language : {"zh_CN", "en_US"}) {
                SCOPED_TRACE(std::string(orientation) + (largePrint ? " large " : " normal ") + language);
                startWithHospital(std::string("[ui]\norientation = \"") + orientation + "\"\n");
                auto report = journey(std::string(R"({"language": ")") + language + R"(", "large_print": )" +
                                      (largePrint ? "true" : "false") + R"(, "steps": [{"tap": "attract.start"},
                    {"insert_card": {"device": "card", "person": "zhang-san"}}, {"expect_screen": "menu"}]})");
                ASSERT_TRUE(report.ok) << describe(report);
                report = callStaff();
                ASSERT_TRUE(report.ok) << describe(report);
                ASSERT_EQ(view().stage, StaffCallStage::called);
                // The answer drawn, then the repeated press, then the HIS down.
                report = journey(R"({"steps": [{"tap": "help.close"}, {"tap": "help.call"}, {"tap": "help.close"}]})");
                ASSERT_TRUE(report.ok) << describe(report);
                // The HIS refuses the call outright (a definite answer: nothing to ask again).
                hospital->armAnswer("POST", "/fhir/Communication",
                                    {{"resourceType", "OperationOutcome"},
                                     {"issue", nlohmann::json::array({{{"severity", "error"}, {"code", "invalid"}, {"diagnostics", "refused"}}})}},
                                    422);
                clock.advance(std::chrono::seconds(301));
                report = callStaff();
                ASSERT_TRUE(report.ok) << describe(report);
                EXPECT_EQ(view().stage, StaffCallStage::unreachable);
                report = journey(R"({"steps": [{"tap": "help.close"}]})");
                ASSERT_TRUE(report.ok) << describe(report);
            }
        }
    }
}

}  // namespace
}  // namespace kiosk::test
