// Check-in and "my queue" end to end (issue 11 items 3 and 5): the real App (headless SDL,
// software renderer) with the FHIR HisDriver over loopback HTTP against the real hospital-sim,
// whose seed people cover every answer (sim/hospital/README.md): 张三 inside the window, 王鑫堃
// too early, 陈喆 late, 赵燊婧 already checked in. The ticket is read back from the simulated
// receipt printer. PNGs: <build>/test-output/ui/<test>/.
#include "tests/backend/sim_process.hpp"
#include "tests/ui/app_fixture.hpp"

#include "drivers/sim/sim_devices.hpp"
#include "kiosk/backend/his_factory.hpp"
#include "screens/checkin/checkin_flow.hpp"
#include "screens/checkin/checkin_screens.hpp"
#include "screens/sim_panel_hospital.hpp"

#include <thread>

namespace kiosk::test {
namespace {

using backend::CheckInOutcome;

constexpr const char* kQueueUrl = "https://yizhan.example/q/{appointment_code}";

class CheckInJourneyTest : public AppTest {
protected:
    std::optional<SimProcess> hospital;

    void startWith(std::vector<std::string> simArgs = {}, const std::string& ui = "") {
        hospital.emplace(std::move(simArgs));
        ASSERT_GT(hospital->port(), 0);
        auto loaded = config("[backend]\ndriver = \"fhir\"\nbase_url = \"" + hospital->fhirUrl() +
                             "\"\nconnect_timeout_ms = 500\ncall_timeout_ms = 3000\nretries = 0\n"
                             "[services]\nqueue_url = \"" + kQueueUrl + "\"\n" + (ui.empty() ? "" : "[ui]\n" + ui));
        ASSERT_TRUE(loaded.has_value()) << loaded.error().detail;
        auto his = backend::makeHisDriver(loaded->backend, loaded->kioskId);
        ASSERT_TRUE(his.has_value()) << his.error().detail;
        screens::AppOptions options = headlessOptions();
        options.his = std::move(*his);
        open(std::move(*loaded), std::move(options));
    }

    /// Identifies `person` by card, then taps the check-in tile: the taps from the menu are counted.
    screens::JourneyReport checkInAs(const std::string& person, const std::string& language = "zh_CN") {
        return journey(R"({"steps": [{"set_language": ")" + language + R"("}, {"tap": "attract.start"},
            {"insert_card": {"device": "card", "person": ")" + person + R"("}},
            {"expect_screen": "menu"},
            {"tap": "menu.check_in"},
            {"await_screen": {"screen": "checkin", "seconds": 15}}]})");
    }

    /// Taps after the menu was reached, up to the end of the journey.
    static int tapsFromMenu(const screens::JourneyReport& report) {
        int taps = 0;
        bool fromMenu = false;
        for (const auto& step : report.steps) {
            if (fromMenu && step.step.starts_with("tap ")) ++taps;
            if (step.screen == "menu") fromMenu = true;
        }
        return taps;
    }

    screens::CheckInView view() { return app->services().checkIn().view(); }

    /// The appointment code (slip / app QR) of the seed person's first booked or arrived
    /// appointment, read from hospital-sim over FHIR like the kiosk reads it.
    std::string appointmentCodeOf(const std::string& person) {
        backend::FhirHisDriver his(hospital->settings());
        auto list = his.appointments("pat-" + person);
        EXPECT_TRUE(list.has_value()) << (list ? "" : list.error().describe());
        if (!list) return {};
        for (const auto& a : *list) {
            if (!a.appointmentCode.empty()) return a.appointmentCode;
        }
        ADD_FAILURE() << person << " has no appointment with a code";
        return {};
    }

    /// Until no flow's worker runs (at most 5 s), drawing the answers.
    void settleFlows() {
        app->settle();
        for (int i = 0; i < 100 && app->services().working(); ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            app->settle();
        }
    }

    /// On the attract screen, the scanner reads `payload` (the simulated scanner classifies it
    /// with the site's payload table, as a real one configured so does).
    screens::JourneyReport scanCode(const std::string& payload, const std::string& awaitScreen, bool fromIdentify = true) {
        return journey(std::string(R"({"steps": [)") + (fromIdentify ? R"({"tap": "attract.start"},)" : "") +
                       R"({"scan": {"device": "scanner", "payload": ")" + payload + R"("}},
            {"await_screen": {"screen": ")" + awaitScreen + R"(", "seconds": 15}}]})");
    }

    std::vector<std::vector<std::string>> printed() {
        auto* printer = dynamic_cast<drivers::sim::SimReceiptPrinter*>(app->devices().find("printer"));
        EXPECT_NE(printer, nullptr);
        return printer ? printer->printedJobs() : std::vector<std::vector<std::string>>{};
    }

    static bool contains(const std::vector<std::string>& lines, const std::string& text) {
        return std::any_of(lines.begin(), lines.end(), [&](const std::string& line) { return line.find(text) != std::string::npos; });
    }
    /// The texts of the last frame drawn.
    std::vector<std::string> shown() const {
        std::vector<std::string> texts;
        for (const auto& rect : app->textRects()) texts.push_back(rect.text);
        return texts;
    }
};

/// Whether hospital-sim's "too early" demo case (wang-xinkun, 3 hours ahead but kept inside today,
/// check-in opening 60 minutes before) can exist now: until 22:28 hospital time (UTC+8).
int hospitalMinuteOfDay() {
    const auto local = std::chrono::system_clock::now() + std::chrono::hours(8);
    return static_cast<int>(std::chrono::duration_cast<std::chrono::minutes>(local - std::chrono::floor<std::chrono::days>(local)).count());
}
bool tooEarlyCaseExistsNow() { return hospitalMinuteOfDay() < 22 * 60 + 28; }
/// Whether the "late" demo case (chen-zhe, 3 hours ago but not before 00:00; a 30-minute
/// cardiology slot whose check-in closes 15 minutes after its end) can exist now: from 00:46.
bool lateCaseExistsNow() { return hospitalMinuteOfDay() >= 46; }

TEST_F(CheckInJourneyTest, OneTapFromTheMenuChecksInAndPrintsTheTicket) {
    startWith();
    const auto report = checkInAs("zhang-san");
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_EQ(tapsFromMenu(report), 1) << "the tile itself checks a one-appointment patient in";

    const auto v = view();
    ASSERT_EQ(v.stage, screens::CheckInStage::result);
    ASSERT_TRUE(v.result.has_value());
    EXPECT_EQ(v.result->outcome, CheckInOutcome::checked_in);
    ASSERT_TRUE(v.result->appointment.queueNumber.has_value());
    ASSERT_TRUE(v.queue.has_value());
    EXPECT_EQ(v.queue->waitingAhead, 4) << "the seed puts four generated patients before 张三";
    const std::string code = v.result->appointment.appointmentCode;
    ASSERT_FALSE(code.empty());

    const auto jobs = printed();
    ASSERT_EQ(jobs.size(), 1U);
    const auto& ticket = jobs.front();
    EXPECT_TRUE(contains(ticket, "签到凭条"));
    EXPECT_TRUE(contains(ticket, "张*")) << "the name is printed masked";
    EXPECT_FALSE(contains(ticket, "张三"));
    EXPECT_TRUE(contains(ticket, std::to_string(*v.result->appointment.queueNumber)));
    EXPECT_TRUE(contains(ticket, "前面还有 4 人，约 " + std::to_string(v.queue->estimatedWaitMinutes) + " 分钟"));
    EXPECT_TRUE(contains(ticket, "诊室：" + v.queue->room));
    EXPECT_TRUE(contains(ticket, "[QR https://yizhan.example/q/" + code + "]"));

    // The same screen in English and large print (PNGs to look at).
    const auto more = journey(R"({"steps": [{"set_language": "en_US"}, {"set_large_print": true}]})");
    ASSERT_TRUE(more.ok) << describe(more);
}

TEST_F(CheckInJourneyTest, TooEarlySaysWhenCheckInOpensAndPrintsNothing) {
    if (!tooEarlyCaseExistsNow()) GTEST_SKIP() << "22:28–24:00 hospital time: no appointment today is still before its check-in window";
    startWith();
    const auto report = checkInAs("wang-xinkun");
    ASSERT_TRUE(report.ok) << describe(report);
    const auto v = view();
    ASSERT_TRUE(v.result.has_value());
    EXPECT_EQ(v.result->outcome, CheckInOutcome::too_early);
    EXPECT_FALSE(v.result->opensAt.empty());
    EXPECT_TRUE(printed().empty());
    const std::string opens = v.result->opensAt.substr(11, 5);
    EXPECT_TRUE(contains(shown(), opens)) << "the screen says when check-in opens: " << opens;
    const auto en = journey(R"({"steps": [{"set_language": "en_US"}]})");
    ASSERT_TRUE(en.ok);
    EXPECT_TRUE(contains(shown(), "Check-in opens at " + opens));
}

TEST_F(CheckInJourneyTest, LateUnderQueueEndPolicyIsCheckedInAtTheEndOfTheQueue) {
    if (!lateCaseExistsNow()) GTEST_SKIP() << "00:00–00:46 hospital time: no appointment today has closed its check-in yet";
    startWith();
    const auto report = checkInAs("chen-zhe");
    ASSERT_TRUE(report.ok) << describe(report);
    const auto v = view();
    ASSERT_TRUE(v.result.has_value());
    EXPECT_EQ(v.result->outcome, CheckInOutcome::checked_in);
    EXPECT_TRUE(v.result->late);
    const auto jobs = printed();
    ASSERT_EQ(jobs.size(), 1U);
    EXPECT_TRUE(contains(jobs.front(), "您已超过签到时间，排在队尾"));
    EXPECT_TRUE(contains(shown(), "您已超过签到时间，已为您排在队尾。"));
}

TEST_F(CheckInJourneyTest, LateUnderRebookPolicyExplainsTheRule) {
    if (!lateCaseExistsNow()) GTEST_SKIP() << "00:00–00:46 hospital time: no appointment today has closed its check-in yet";
    startWith({"--late-policy", "rebook"});
    const auto report = checkInAs("chen-zhe", "en_US");
    ASSERT_TRUE(report.ok) << describe(report);
    const auto v = view();
    ASSERT_TRUE(v.result.has_value());
    EXPECT_EQ(v.result->outcome, CheckInOutcome::too_late);
    EXPECT_TRUE(printed().empty());
    EXPECT_TRUE(contains(shown(), "please book a new appointment"));
    EXPECT_TRUE(contains(shown(), v.result->closedAt.substr(11, 5)));
}

TEST_F(CheckInJourneyTest, AlreadyCheckedInGetsTheSameTicketAgain) {
    startWith();
    const auto report = checkInAs("zhao-shenjing");
    ASSERT_TRUE(report.ok) << describe(report);
    const auto v = view();
    ASSERT_TRUE(v.result.has_value());
    EXPECT_EQ(v.result->outcome, CheckInOutcome::already_checked_in);
    ASSERT_EQ(v.result->appointment.queueNumber, 3) << "the seed checked 赵燊婧 in with number 3";
    const auto jobs = printed();
    ASSERT_EQ(jobs.size(), 1U) << "the ticket again (a reprint)";
    EXPECT_TRUE(contains(jobs.front(), "3"));
    EXPECT_TRUE(contains(jobs.front(), "前面还有 2 人"));
    EXPECT_TRUE(contains(shown(), "您已签过到，凭条为您补打"));
}

TEST_F(CheckInJourneyTest, MyQueueFollowsTheDoctorsCallsAndSetsAnSmsReminder) {
    startWith({"--consult-minutes", "0"});  // only the admin call moves the queue
    ASSERT_TRUE(checkInAs("zhang-san").ok);
    auto report = journey(R"({"steps": [{"tap": "checkin.my_queue"}, {"await_screen": {"screen": "checkin.queue", "seconds": 10}}]})");
    ASSERT_TRUE(report.ok) << describe(report);
    ASSERT_TRUE(view().queue.has_value());
    EXPECT_EQ(view().queue->waitingAhead, 4);
    EXPECT_TRUE(contains(shown(), "前面还有 4 人"));

    // The doctor calls the next patient; back and in again asks the hospital afresh.
    const auto doctor = view().result->appointment.doctorId;
    hospital->call("POST", "/admin/queue/call-next", {{"doctor", doctor}});
    report = journey(R"({"steps": [{"tap": "checkin.back"}, {"await_screen": {"screen": "checkin", "seconds": 10}},
        {"tap": "checkin.my_queue"}, {"await_screen": {"screen": "checkin.queue", "seconds": 10}}]})");
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_EQ(view().queue->waitingAhead, 3);
    EXPECT_EQ(printed().size(), 1U) << "going back to the ticket does not print it again";

    report = journey(R"({"steps": [{"tap": "checkin.queue.remind"}, {"await_screen": {"screen": "checkin.queue", "seconds": 10}},
        {"set_language": "en_US"}]})");
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_EQ(view().reminder, screens::ReminderState::set);
    const auto sms = hospital->call("GET", "/admin/sms");
    ASSERT_EQ(sms["requests"].size(), 1U);
    EXPECT_TRUE(contains(shown(), "Text reminder set")) << "the patient is told the reminder is set, in English";
}

/// The presenter's F2 panel (issue 11 item 7): on the ticket it offers "the doctor calls the next
/// patient", which hospital-sim's admin call carries out over HTTP.
TEST_F(CheckInJourneyTest, ThePresentersPanelAdvancesTheQueue) {
    startWith({"--consult-minutes", "0"});
    ASSERT_TRUE(checkInAs("zhang-san").ok);
    // The panel (plain ImGui, not in textRects) with its "hospital" row: 01-simulator_panel.png.
    ASSERT_TRUE(journey(R"({"steps": [{"simulator_panel": true}]})").ok);
    const auto actions = screens::hospitalActions(app->services());
    ASSERT_EQ(actions.size(), 1U);
    EXPECT_EQ(actions.front().path, "admin/queue/call-next");
    ASSERT_TRUE(app->simulate("hospital", actions.front().path, actions.front().body.dump()).has_value());
    app->settle();  // the admin call runs on the task runner; settle waits for it
    const auto report = journey(R"({"steps": [{"simulator_panel": false}, {"tap": "checkin.my_queue"},
        {"await_screen": {"screen": "checkin.queue", "seconds": 10}}]})");
    ASSERT_TRUE(report.ok) << describe(report);
    ASSERT_TRUE(view().queue.has_value());
    EXPECT_EQ(view().queue->waitingAhead, 3) << "one called: four were ahead";
}

TEST_F(CheckInJourneyTest, ScanningTheAppointmentQrChecksInWithoutACard) {
    startWith();
    const std::string code = appointmentCodeOf("zhang-san");
    ASSERT_FALSE(code.empty());
    const auto report = scanCode(code, "checkin");
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_TRUE(app->session().active());
    const auto v = view();
    EXPECT_TRUE(v.byCode);
    ASSERT_TRUE(v.result.has_value());
    EXPECT_EQ(v.result->outcome, CheckInOutcome::checked_in) << "the same hospital answer as a card check-in";
    EXPECT_EQ(v.result->appointment.appointmentCode, code);
    ASSERT_TRUE(v.result->appointment.queueNumber.has_value());
    ASSERT_TRUE(v.queue.has_value());
    EXPECT_EQ(v.queue->waitingAhead, 4);
    const auto jobs = printed();
    ASSERT_EQ(jobs.size(), 1U) << "the ticket prints as after a card";
    EXPECT_TRUE(contains(jobs.front(), std::to_string(*v.result->appointment.queueNumber)));
    EXPECT_TRUE(contains(jobs.front(), "[QR https://yizhan.example/q/" + code + "]"));
    EXPECT_TRUE(contains(shown(), "前面还有 4 人"));
    EXPECT_FALSE(contains(shown(), "患者：")) << "nobody was identified: no patient line";
    EXPECT_FALSE(contains(shown(), "返回服务菜单")) << "no menu for a session without a card";

    // The same screen in English and large print (PNGs), then "done" ends the session.
    const auto done = journey(R"({"steps": [{"set_language": "en_US"}, {"set_large_print": true}, {"tap": "checkin.done"},
        {"expect_session": false}, {"expect_screen": "attract"}]})");
    ASSERT_TRUE(done.ok) << describe(done);
    // Scanned again (straight on the attract screen): the hospital says "already checked in" and
    // the ticket is printed again.
    const auto again = scanCode(code, "checkin", false);
    ASSERT_TRUE(again.ok) << describe(again);
    ASSERT_TRUE(view().result.has_value());
    EXPECT_EQ(view().result->outcome, CheckInOutcome::already_checked_in);
    EXPECT_EQ(printed().size(), 2U);
}

TEST_F(CheckInJourneyTest, ScannedCodeTooEarlyGetsTheHospitalsAnswer) {
    if (!tooEarlyCaseExistsNow()) GTEST_SKIP() << "22:28–24:00 hospital time: no appointment today is still before its check-in window";
    startWith();
    const auto report = scanCode(appointmentCodeOf("wang-xinkun"), "checkin", false);
    ASSERT_TRUE(report.ok) << describe(report);
    ASSERT_TRUE(view().result.has_value());
    EXPECT_EQ(view().result->outcome, CheckInOutcome::too_early);
    EXPECT_TRUE(printed().empty());
    EXPECT_TRUE(contains(shown(), "完成"));
}

TEST_F(CheckInJourneyTest, UnknownAppointmentCodeSaysSoInBothLanguagesWithoutASession) {
    startWith();
    // The right shape (YY + digits: the scanner classifies it as an appointment code), unknown here.
    const auto report = scanCode("YY209901019000001", "identify");
    ASSERT_TRUE(report.ok) << describe(report);
    settleFlows();
    EXPECT_EQ(app->currentScreen(), "identify");
    EXPECT_FALSE(app->session().active());
    EXPECT_TRUE(contains(shown(), "未找到该预约，请核对后重试或前往人工窗口")) << ::testing::PrintToString(shown());
    EXPECT_TRUE(contains(shown(), "We could not find this appointment. Please check it and try again, or go to a service counter."))
        << "the other language beneath";
    EXPECT_TRUE(printed().empty());
}

TEST_F(CheckInJourneyTest, QueueUrlWithoutThePlaceholderIsRefusedAtLoad) {
    auto loaded = config("[services]\nqueue_url = \"https://yizhan.example/q/\"\n");
    ASSERT_FALSE(loaded.has_value());
    EXPECT_NE(loaded.error().detail.find("queue_url"), std::string::npos) << loaded.error().detail;
    auto ftp = config("[services]\nqueue_url = \"ftp://yizhan.example/{appointment_code}\"\n");
    EXPECT_FALSE(ftp.has_value());
}

/// Every check-in screen in both languages, large print, portrait and landscape: the layout
/// check runs on every frame of every journey (AppTest::journey).
class CheckInLayoutTest : public CheckInJourneyTest, public ::testing::WithParamInterface<std::string> {};

TEST_P(CheckInLayoutTest, EveryScreenIsClean) {
    startWith({}, GetParam());
    for (const std::string language : {"zh_CN", "en_US"}) {
        ASSERT_TRUE(checkInAs("zhang-san", language).ok);
        auto report = journey(R"({"steps": [{"tap": "checkin.my_queue"}, {"await_screen": {"screen": "checkin.queue", "seconds": 10}},
            {"tap": "checkin.queue.remind"}, {"await_screen": {"screen": "checkin.queue", "seconds": 10}},
            {"tap": "checkin.back"}, {"await_screen": {"screen": "checkin", "seconds": 10}},
            {"tap": "session.finish"}, {"remove_card": "card"}]})");
        ASSERT_TRUE(report.ok) << describe(report);
        ASSERT_TRUE(checkInAs("wang-xinkun", language).ok);
        ASSERT_TRUE(journey(R"({"steps": [{"tap": "session.finish"}, {"remove_card": "card"}]})").ok);
        // A scanned appointment code: the ticket without a card (already checked in above), and
        // an unknown code's message on the identify screen.
        ASSERT_TRUE(scanCode(appointmentCodeOf("zhang-san"), "checkin").ok);
        ASSERT_TRUE(journey(R"({"steps": [{"tap": "checkin.done"}, {"expect_screen": "attract"}]})").ok);
        ASSERT_TRUE(scanCode("YY209901019000001", "identify").ok);
        settleFlows();
        ASSERT_TRUE(journey(R"({"steps": [{"set_language": ")" + language + R"("}, {"tap": "identify.back"}]})").ok);
    }
}

std::string layoutName(const ::testing::TestParamInfo<std::string>& param) {
    static const char* const kNames[] = {"PortraitLarge", "LandscapeLarge", "Landscape"};
    return kNames[param.index];
}

INSTANTIATE_TEST_SUITE_P(Ui, CheckInLayoutTest,
                         ::testing::Values("large_print = true\n", "orientation = \"landscape\"\nlarge_print = true\n",
                                           "orientation = \"landscape\"\n"),
                         layoutName);

}  // namespace
}  // namespace kiosk::test
