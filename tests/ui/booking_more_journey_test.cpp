// Issue 11, the parts of booking beyond the first booking screens: cancelling a booking (退号,
// item 2), and the slip's appointment code, the date strip's weekdays and the "any doctor" row
// (item 1), each end to end: the real App (headless SDL, software
// renderer) with the FHIR HisDriver over loopback HTTP against the real hospital-sim, whose seed
// gives 欧阳娜娜 a booking two days ahead (sim/hospital/README.md) and 张三 one today that has
// begun. The notice is read back from the simulated receipt printer; the hospital's own state is
// read with a second HisDriver. PNGs: <build>/test-output/ui/<test>/.
#include "tests/backend/sim_process.hpp"
#include "tests/ui/app_fixture.hpp"

#include <thread>

#include "drivers/sim/sim_devices.hpp"
#include "kiosk/backend/his_factory.hpp"
#include "screens/booking/booking_flow.hpp"
#include "screens/checkin/checkin_flow.hpp"
#include "screens/payment/payment_screens.hpp"
#include "screens/cancel/cancel_flow.hpp"
#include "screens/sim_panel_hospital.hpp"

#include <fmt/format.h>

namespace kiosk::test {
namespace {

class CancelJourneyTest : public AppTest {
protected:
    std::optional<SimProcess> hospital;

    void startWith(std::vector<std::string> simArgs = {}, const std::string& ui = "") {
        hospital.emplace(std::move(simArgs));
        ASSERT_GT(hospital->port(), 0);
        auto loaded = config("[backend]\ndriver = \"fhir\"\nbase_url = \"" + hospital->fhirUrl() +
                             "\"\nconnect_timeout_ms = 500\ncall_timeout_ms = 3000\nretries = 0\n" + (ui.empty() ? "" : "[ui]\n" + ui));
        ASSERT_TRUE(loaded.has_value()) << loaded.error().detail;
        auto his = backend::makeHisDriver(loaded->backend, loaded->kioskId);
        ASSERT_TRUE(his.has_value()) << his.error().detail;
        screens::AppOptions options = headlessOptions();
        options.his = std::move(*his);
        open(std::move(*loaded), std::move(options));
    }

    /// Until no flow's worker runs (at most 5 s), drawing the answers.
    void settleFlows() {
        app->settle();
        for (int i = 0; i < 100 && app->services().working(); ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            app->settle();
        }
        app->settle();
    }

    /// Identifies `person` by card and taps the cancel tile; the list is read when this returns.
    void toCancelList(const std::string& person, const std::string& language = "zh_CN") {
        const auto report = journey(R"({"steps": [{"set_language": ")" + language + R"("}, {"tap": "attract.start"},
            {"insert_card": {"device": "card", "person": ")" + person + R"("}},
            {"expect_screen": "menu"}, {"tap": "menu.cancel"}, {"expect_screen": "cancel"}]})");
        ASSERT_TRUE(report.ok) << describe(report);
        settleFlows();
        ASSERT_TRUE(journey(R"({"steps": [{"expect_screen": "cancel"}]})").ok);  // a PNG of the list
    }

    /// Taps (settling the flow after each) and records a frame of each screen reached.
    void tapAndSettle(const std::string& button) {
        const auto report = journey(R"({"steps": [{"tap": ")" + button + R"("}]})");
        ASSERT_TRUE(report.ok) << describe(report);
        settleFlows();
        ASSERT_TRUE(journey(R"({"steps": [{"expect_screen": "cancel"}]})").ok);  // a PNG of the answer
    }

    screens::CancelView view() { return app->services().cancel().view(); }

    std::vector<std::vector<std::string>> printed() {
        auto* printer = dynamic_cast<drivers::sim::SimReceiptPrinter*>(app->devices().find("printer"));
        EXPECT_NE(printer, nullptr);
        return printer ? printer->printedJobs() : std::vector<std::vector<std::string>>{};
    }
    static bool contains(const std::vector<std::string>& lines, const std::string& text) {
        return std::any_of(lines.begin(), lines.end(), [&](const std::string& line) { return line.find(text) != std::string::npos; });
    }
    std::vector<std::string> shown() const {
        std::vector<std::string> texts;
        for (const auto& rect : app->textRects()) texts.push_back(rect.text);
        return texts;
    }
    /// 欧阳娜娜's booked appointments as the hospital has them now.
    std::vector<backend::Appointment> upcomingOfOuyang() {
        backend::FhirHisDriver his(hospital->settings());
        auto list = his.upcomingAppointments("pat-ouyang-nana");
        EXPECT_TRUE(list.has_value()) << (list ? "" : list.error().describe());
        return list ? *list : std::vector<backend::Appointment>{};
    }
};

TEST_F(CancelJourneyTest, BeforeTheCutOffAPaidBookingIsCancelledAndTheNoticeSendsTheFeeToTheCounter) {
    startWith();
    ASSERT_EQ(upcomingOfOuyang().size(), 1U) << "the seed books 欧阳娜娜 two days ahead";
    toCancelList("ouyang-nana");
    auto v = view();
    ASSERT_EQ(v.stage, screens::CancelStage::list) << (v.error ? v.error->describe() : "");
    ASSERT_EQ(v.upcoming.size(), 1U);
    const backend::Appointment booked = v.upcoming.front().appointment;
    ASSERT_GT(booked.feeFen, 0) << "hospital-sim charges a fee by title";
    EXPECT_TRUE(contains(shown(), booked.start.substr(0, 10) + " " + booked.start.substr(11, 5)));

    tapAndSettle("cancel.pick.0");
    EXPECT_EQ(view().stage, screens::CancelStage::confirm);
    EXPECT_TRUE(contains(shown(), "收费窗口退费")) << "a fee paid elsewhere (the seed's booking) is refunded at the counter: it says so first";
    EXPECT_EQ(upcomingOfOuyang().size(), 1U) << "nothing is cancelled before the patient confirms";

    tapAndSettle("cancel.confirm");
    v = view();
    ASSERT_EQ(v.stage, screens::CancelStage::cancelled) << (v.error ? v.error->describe() : "");
    EXPECT_TRUE(upcomingOfOuyang().empty()) << "the hospital cancelled it";
    const auto jobs = printed();
    ASSERT_EQ(jobs.size(), 1U);
    const auto& notice = jobs.front();
    EXPECT_TRUE(contains(notice, "退号凭条"));
    EXPECT_TRUE(contains(notice, "欧*")) << "the name is printed masked";
    EXPECT_FALSE(contains(notice, "欧阳娜娜"));
    EXPECT_TRUE(contains(notice, booked.appointmentCode));
    EXPECT_TRUE(contains(notice, "挂号费 " + screens::formatYuan(booked.feeFen) + " 元请凭本凭条到收费窗口退还"));
    EXPECT_TRUE(contains(shown(), "挂号费" + screens::formatYuan(booked.feeFen) + "元请到收费窗口退还，请带好退号凭条。"));

    // English and large print of the same answer (PNGs).
    ASSERT_TRUE(journey(R"({"steps": [{"set_language": "en_US"}, {"set_large_print": true}]})").ok);
    EXPECT_TRUE(contains(shown(), "Your booking is cancelled"));
    // Back in: nothing left to cancel.
    ASSERT_TRUE(journey(R"({"steps": [{"tap": "cancel.menu"}, {"tap": "menu.cancel"}]})").ok);
    settleFlows();
    EXPECT_EQ(view().stage, screens::CancelStage::none);
}

TEST_F(CancelJourneyTest, AZeroFeeBookingIsCancelledWithNothingToRefund) {
    startWith({"--fee-chief", "0", "--fee-associate", "0", "--fee-attending", "0", "--fee-general", "0"});
    toCancelList("ouyang-nana", "en_US");
    ASSERT_EQ(view().stage, screens::CancelStage::list);
    ASSERT_EQ(view().upcoming.front().appointment.feeFen, 0);
    tapAndSettle("cancel.pick.0");
    tapAndSettle("cancel.confirm");
    ASSERT_EQ(view().stage, screens::CancelStage::cancelled);
    EXPECT_TRUE(contains(shown(), "There was no fee for this booking, so there is nothing to refund."));
    const auto jobs = printed();
    ASSERT_EQ(jobs.size(), 1U);
    EXPECT_TRUE(contains(jobs.front(), "Cancellation notice"));
    EXPECT_TRUE(contains(jobs.front(), "nothing to refund"));
    EXPECT_TRUE(upcomingOfOuyang().empty());
}

TEST_F(CancelJourneyTest, AfterTheCutOffThePatientIsToldTheCutOffAndNothingChanges) {
    // Bookings may be cancelled until 5 days before: 欧阳娜娜's (two days ahead) is past it.
    startWith({"--cancel-cutoff-minutes", std::to_string(5 * 24 * 60)});
    toCancelList("ouyang-nana");
    ASSERT_EQ(view().stage, screens::CancelStage::list);
    const auto booked = view().upcoming.front().appointment;
    ASSERT_TRUE(booked.cancelUntil.has_value()) << "hospital-sim gives the cut-off of every booking";
    tapAndSettle("cancel.pick.0");
    tapAndSettle("cancel.confirm");
    ASSERT_EQ(view().stage, screens::CancelStage::refused);
    EXPECT_EQ(view().refusedKey, "cancel.refused_cutoff");
    const std::string until = booked.cancelUntil->substr(0, 10) + " " + booked.cancelUntil->substr(11, 5);
    EXPECT_TRUE(contains(shown(), "退号截止时间是 " + until)) << ::testing::PrintToString(shown());
    EXPECT_TRUE(contains(shown(), "Bookings can be cancelled until " + until)) << "the other language beneath";
    EXPECT_TRUE(printed().empty());
    EXPECT_EQ(upcomingOfOuyang().size(), 1U) << "still booked";
}

TEST_F(CancelJourneyTest, AnAppointmentThatHasBegunIsNotOffered) {
    startWith();
    toCancelList("zhang-san");
    EXPECT_EQ(view().stage, screens::CancelStage::none) << "张三's appointment today has begun";
    EXPECT_TRUE(contains(shown(), "您没有可以退的预约。已经开始或已签到的预约不能在自助机上退。"));
}

TEST_F(CancelJourneyTest, HospitalDownSaysNothingWasCancelled) {
    startWith();
    toCancelList("ouyang-nana");
    tapAndSettle("cancel.pick.0");
    // The hospital answers 503 to the read before the change: nothing can have been cancelled.
    hospital->armFault("http_503", "GET", "/fhir/Appointment", 20);
    tapAndSettle("cancel.confirm");
    ASSERT_EQ(view().stage, screens::CancelStage::stopped);
    EXPECT_TRUE(contains(shown(), "暂时连不上医院系统，没有退号。请稍后再试或到人工窗口办理。")) << ::testing::PrintToString(shown());
    EXPECT_TRUE(printed().empty());
    hospital->call("DELETE", "/admin/faults");
    EXPECT_EQ(upcomingOfOuyang().size(), 1U);
}

/// A zero-fee booking through the screens: the general clinic ("any doctor") heads the doctors,
/// the strip names the weekdays, and the slip shows and QR-encodes the appointment CODE (what the
/// check-in scan reads), not the FHIR id. Then the slip's QR, scanned, checks that booking in
/// (another day: the hospital says its date).
TEST_F(CancelJourneyTest, TheSlipCarriesTheAppointmentCodeThatTheCheckInScanReads) {
    startWith({"--fee-chief", "0", "--fee-associate", "0", "--fee-attending", "0", "--fee-general", "0"});
    backend::FhirHisDriver his(hospital->settings());
    auto doctors = his.doctors("dept-CARD");
    ASSERT_TRUE(doctors.has_value());
    const auto any = std::find_if(doctors->begin(), doctors->end(), [](const backend::Doctor& d) { return d.anyDoctor; });
    ASSERT_NE(any, doctors->end()) << "hospital-sim gives every department a general clinic";
    // A free slot of the general clinic from tomorrow on, and its day on the strip.
    const auto zone = TimeZone::load("Asia/Shanghai");
    auto dateIn = [&](int days) {
        const WallTime w = zone->at(clock.wallNow() + std::chrono::hours(24 * days));
        return fmt::format("{:04}-{:02}-{:02}", w.year, w.month, w.day);
    };
    backend::Slot slot;
    int day = 0;
    for (int d = 1; d < 7 && slot.id.empty(); ++d) {
        backend::SlotQuery query{.departmentId = "dept-CARD", .doctorId = any->id, .fromDate = dateIn(d), .toDate = {}, .freeOnly = true};
        if (auto free = his.slots(query); free && !free->empty()) {
            slot = free->front();
            day = d;
        }
    }
    ASSERT_FALSE(slot.id.empty()) << "no free general-clinic slot this week";

    auto report = journey(R"({"steps": [{"tap": "attract.start"}, {"insert_card": {"device": "card", "person": "li-jun"}},
        {"expect_screen": "menu"}, {"tap": "menu.booking"}, {"await_screen": {"screen": "book.departments", "seconds": 20}},
        {"tap": "book.dept.dept-CARD"}, {"await_screen": {"screen": "book.doctors", "seconds": 20}}]})");
    ASSERT_TRUE(report.ok) << describe(report);
    const auto view = app->services().booking().view();
    ASSERT_FALSE(view.doctors.empty());
    EXPECT_TRUE(view.doctors.front().doctor.anyDoctor) << "the general clinic heads the list";
    EXPECT_TRUE(contains(shown(), "普通门诊（不指定医生）"));
    // The strip: today, then each day with its weekday (周一 … 周日).
    static const char* const kWeekdays[] = {"周日", "周一", "周二", "周三", "周四", "周五", "周六"};
    for (int d = 1; d < 7; ++d) {
        const std::string date = dateIn(d);
        const std::chrono::year_month_day ymd{std::chrono::year{std::stoi(date.substr(0, 4))},
                                              std::chrono::month{static_cast<unsigned>(std::stoi(date.substr(5, 2)))},
                                              std::chrono::day{static_cast<unsigned>(std::stoi(date.substr(8, 2)))}};
        const unsigned weekday = std::chrono::weekday{std::chrono::sys_days{ymd}}.c_encoding();
        EXPECT_TRUE(contains(shown(), std::string(kWeekdays[weekday]) + " " + date.substr(5, 5))) << date;
    }

    report = journey(R"({"steps": [{"tap": "book.day.)" + std::to_string(day) + R"("}, {"tap": "book.doctor.)" + any->id + R"("},
        {"tap": "book.slot.)" + slot.id + R"("}, {"await_screen": {"screen": "book.confirm", "seconds": 20}},
        {"tap": "book.confirm.ok"}, {"await_screen": {"screen": "book.slip", "seconds": 20}},
        {"set_language": "en_US"}]})");
    ASSERT_TRUE(report.ok) << describe(report);
    const auto booked = app->services().booking().view().appointment;
    ASSERT_FALSE(booked.appointmentCode.empty()) << "hospital-sim gives every booking a code";
    ASSERT_NE(booked.appointmentCode, booked.id);
    EXPECT_TRUE(contains(shown(), booked.appointmentCode)) << "the slip shows the code";
    settleFlows();
    const auto jobs = printed();
    ASSERT_EQ(jobs.size(), 1U);
    EXPECT_TRUE(contains(jobs.front(), "[QR " + booked.appointmentCode + "]")) << ::testing::PrintToString(jobs.front());
    EXPECT_FALSE(contains(jobs.front(), "[QR " + booked.id + "]"));

    // The slip's QR at the scanner, after the patient has gone: that booking is found (on
    // another day: the hospital says its date).
    report = journey(R"({"steps": [{"tap": "session.finish"}, {"remove_card": "card"}, {"set_language": "zh_CN"},
        {"scan": {"device": "scanner", "payload": ")" + booked.appointmentCode + R"("}},
        {"await_screen": {"screen": "checkin", "seconds": 15}}]})");
    ASSERT_TRUE(report.ok) << describe(report);
    const auto checkIn = app->services().checkIn().view();
    ASSERT_TRUE(checkIn.result.has_value());
    EXPECT_EQ(checkIn.chosen.appointment.id, booked.id);
    EXPECT_EQ(checkIn.result->outcome, backend::CheckInOutcome::another_day);
}

/// The presenter's F2 panel (issue 11 item 7): on a doctor's slots it offers "someone else takes
/// this doctor's first free slot"; hospital-sim makes it busy, and the patient's tap on it gets
/// the plain "just taken" message and a fresh list.
TEST_F(CancelJourneyTest, ThePresentersPanelTakesASlotAway) {
    startWith();
    backend::FhirHisDriver his(hospital->settings());
    const auto zone = TimeZone::load("Asia/Shanghai");
    // A cardiology doctor with free slots on a day of the strip after today (the seed varies them).
    auto doctors = his.doctors("dept-CARD");
    ASSERT_TRUE(doctors.has_value());
    backend::SlotQuery query;
    std::optional<std::vector<backend::Slot>> before;
    int day = 0;
    for (int d = 1; d < 7 && !before; ++d) {
        const WallTime w = zone->at(clock.wallNow() + std::chrono::hours(24 * d));
        for (const auto& doctor : *doctors) {
            query = backend::SlotQuery{.departmentId = "dept-CARD", .doctorId = doctor.id,
                                       .fromDate = fmt::format("{:04}-{:02}-{:02}", w.year, w.month, w.day), .toDate = {}, .freeOnly = true};
            if (auto free = his.slots(query); free && !free->empty()) {
                before = *free;
                day = d;
                break;
            }
        }
    }
    ASSERT_TRUE(before.has_value()) << "no free cardiology slot this week";
    std::sort(before->begin(), before->end(), [](const backend::Slot& a, const backend::Slot& b) { return a.start < b.start; });
    const std::string first = before->front().id;
    auto report = journey(R"({"steps": [{"tap": "attract.start"}, {"insert_card": {"device": "card", "person": "li-jun"}},
        {"tap": "menu.booking"}, {"await_screen": {"screen": "book.departments", "seconds": 20}},
        {"tap": "book.dept.dept-CARD"}, {"await_screen": {"screen": "book.doctors", "seconds": 20}},
        {"tap": "book.day.)" + std::to_string(day) + R"("}, {"tap": "book.doctor.)" + query.doctorId + R"("}, {"expect_screen": "book.slots"},
        {"simulator_panel": true}]})");
    ASSERT_TRUE(report.ok) << describe(report);
    // The panel's "hospital" row is in the step's PNG (plain ImGui, not in textRects).
    const auto actions = screens::hospitalActions(app->services());
    ASSERT_EQ(actions.size(), 1U);
    ASSERT_EQ(actions.front().path, "admin/slots/take");
    ASSERT_TRUE(app->simulate("hospital", actions.front().path, actions.front().body.dump()).has_value());
    app->settle();
    auto after = his.slots(query);
    ASSERT_TRUE(after.has_value());
    EXPECT_TRUE(std::none_of(after->begin(), after->end(), [&](const backend::Slot& s) { return s.id == first; })) << "taken: " << first;
    report = journey(R"({"steps": [{"simulator_panel": false}, {"tap": "book.slot.)" + first + R"("},
        {"await_screen": {"screen": "book.slots", "seconds": 20}}]})");
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_TRUE(contains(shown(), "刚刚被别人约走了")) << ::testing::PrintToString(shown());
}

/// The cancel screen in both languages, portrait and landscape, normal and large print: the layout
/// check runs on every frame of every journey (AppTest::journey).
class CancelLayoutTest : public CancelJourneyTest, public ::testing::WithParamInterface<std::string> {};

TEST_P(CancelLayoutTest, EveryStageIsClean) {
    startWith({"--cancel-cutoff-minutes", std::to_string(5 * 24 * 60)}, GetParam());
    for (const std::string language : {"zh_CN", "en_US"}) {
        toCancelList("ouyang-nana", language);
        tapAndSettle("cancel.pick.0");
        tapAndSettle("cancel.confirm");
        ASSERT_EQ(view().stage, screens::CancelStage::refused);
        ASSERT_TRUE(journey(R"({"steps": [{"tap": "session.finish"}, {"remove_card": "card"}]})").ok);
    }
}

std::string layoutName(const ::testing::TestParamInfo<std::string>& param) {
    static const char* const kNames[] = {"Portrait", "PortraitLarge", "Landscape", "LandscapeLarge"};
    return kNames[param.index];
}

INSTANTIATE_TEST_SUITE_P(Ui, CancelLayoutTest,
                         ::testing::Values("", "large_print = true\n", "orientation = \"landscape\"\n",
                                           "orientation = \"landscape\"\nlarge_print = true\n"),
                         layoutName);

}  // namespace
}  // namespace kiosk::test
