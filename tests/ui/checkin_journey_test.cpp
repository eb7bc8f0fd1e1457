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
    EXPECT_TRUE(contains(shown(), "when 3 are ahead"));
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
