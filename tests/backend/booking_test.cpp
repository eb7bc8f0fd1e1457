// Issue 11, the hospital side (labels booking + backend): hospital-sim's booking, check-in and
// queue policies and demo cases, the HisDriver calls that use them through the FHIR R4 adapter,
// the bad input a hospital may send, and 20 kiosks holding one slot at once. Everything runs over
// real HTTP on 127.0.0.1: against the hospital-sim executable, or against a cpp-httplib stub for
// a server that answers what hospital-sim never would.
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "kiosk/backend/fhir_his_driver.hpp"
#include "kiosk/core/log.hpp"
#include "tests/backend/fhir_raw.hpp"
#include "tests/backend/fhir_stub.hpp"
#include "tests/backend/sim_process.hpp"

namespace kiosk::backend {
namespace {

using nlohmann::json;

/// Minutes since midnight, hospital time (China Standard Time, +08:00, no DST).
int hospitalMinuteOfDay() {
    const auto local = std::chrono::system_clock::now() + std::chrono::hours(8);
    const auto sinceMidnight = local - std::chrono::floor<std::chrono::days>(local);
    return static_cast<int>(std::chrono::duration_cast<std::chrono::minutes>(sinceMidnight).count());
}

std::string hospitalDate(int days) {
    return fmt::format("{:%Y-%m-%d}", std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now() + std::chrono::hours(8) +
                                                                            std::chrono::days(days)));
}

/// The appointment of `patient` with id prefix "appt-<date>-<person>" (the demo cases).
std::optional<Appointment> demoCase(HisDriver& driver, const std::string& person) {
    auto list = driver.appointments("pat-" + person);
    if (!list) return std::nullopt;
    for (const auto& a : *list) {
        if (a.id.find(person) != std::string::npos) return a;
    }
    return std::nullopt;
}

/// The first free slot of a department on a later day (never one that begins during a test).
Slot laterSlot(HisDriver& driver, const std::string& department, size_t index = 0, int fromDay = 1) {
    for (int day = fromDay; day < 7; ++day) {
        auto found = driver.slots(SlotQuery{department, "", hospitalDate(day), "", true});
        if (found && found->size() > index) return (*found)[index];
    }
    ADD_FAILURE() << "no free slot in " << department;
    return {};
}

/// The lines the kiosk logged while `body` ran (the backend logger writes to a file here).
template <class F>
std::string logOf(const test::TempDir& dir, F&& body) {
    const auto file = dir.path() / "kiosk.log";
    log::Settings settings;
    settings.file = file;
    settings.level = spdlog::level::debug;
    log::configure(settings);
    body();
    log::flushAll();
    log::configure(log::Settings{});
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

/// The check-in opening hospital-sim computes for a booked appointment (served as an extension).
std::string extensionOpens(const json& appointment) {
    for (const auto& e : appointment.value("extension", json::array())) {
        if (e.value("url", "") == "urn:yizhan:ext:check-in-opens") return e.value("valueDateTime", "");
    }
    return {};
}

/// Length of a slot in minutes from its "…Thh:mm…" times (same day, same offset).
int lengthMinutes(const Slot& slot) {
    const auto minutes = [](const std::string& t) { return std::stoi(t.substr(11, 2)) * 60 + std::stoi(t.substr(14, 2)); };
    return minutes(slot.end) - minutes(slot.start);
}

class BookingSimTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(sim.ready()) << sim.log();
        driver = std::make_unique<FhirHisDriver>(sim.settings());
    }
    test::SimProcess sim;
    std::unique_ptr<FhirHisDriver> driver;
};

// --- the demo cases and the check-in rules ------------------------------------------------------

TEST_F(BookingSimTest, DemoCasesCoverEveryCheckInAnswer) {
    const int minute = hospitalMinuteOfDay();
    // Inside the window: checked in with a queue number behind the four seeded waiting patients.
    auto zhangSan = demoCase(*driver, "zhang-san");
    ASSERT_TRUE(zhangSan.has_value());
    EXPECT_EQ(zhangSan->appointmentCode.rfind("YY", 0), 0U) << zhangSan->appointmentCode;
    ASSERT_TRUE(zhangSan->checkInOpens && zhangSan->checkInCloses && zhangSan->cancelUntil) << "a booked appointment carries its rules";
    auto inside = driver->attemptCheckIn(zhangSan->id);
    ASSERT_TRUE(inside.has_value()) << inside.error().describe();
    EXPECT_EQ(inside->outcome, CheckInOutcome::checked_in);
    EXPECT_EQ(inside->appointment.queueNumber, 5);
    // Checked in before (zhao-shenjing, seeded): the same ticket again.
    auto zhao = demoCase(*driver, "zhao-shenjing");
    ASSERT_TRUE(zhao.has_value());
    auto again = driver->attemptCheckIn(zhao->id);
    ASSERT_TRUE(again.has_value()) << again.error().describe();
    EXPECT_EQ(again->outcome, CheckInOutcome::already_checked_in);
    EXPECT_EQ(again->appointment.queueNumber, 3);
    auto zhaoQueue = driver->queueStatus(zhao->id);
    ASSERT_TRUE(zhaoQueue.has_value()) << zhaoQueue.error().describe();
    EXPECT_EQ(zhaoQueue->waitingAhead, 2);
    // Too early (wang-xinkun, starts in 3 hours, kept inside today: at 23:29 at the latest, so
    // check-in opens at 22:29 at the latest; from then on the case cannot exist today and the
    // check-in below succeeds, one more in the queue).
    const bool tooEarlyHolds = minute < 22 * 60 + 28;
    auto wang = demoCase(*driver, "wang-xinkun");
    ASSERT_TRUE(wang.has_value());
    auto early = driver->attemptCheckIn(wang->id);
    ASSERT_TRUE(early.has_value()) << early.error().describe();
    if (tooEarlyHolds) {
        EXPECT_EQ(early->outcome, CheckInOutcome::too_early);
        EXPECT_EQ(early->opensAt, *wang->checkInOpens) << "the refusal says when it opens";
    }
    // Late (chen-zhe, began 3 hours ago; from 03:00): the default policy queues him at the end.
    auto chen = demoCase(*driver, "chen-zhe");
    ASSERT_TRUE(chen.has_value());
    auto late = driver->attemptCheckIn(chen->id);
    ASSERT_TRUE(late.has_value()) << late.error().describe();
    if (minute >= 180) {
        EXPECT_EQ(late->outcome, CheckInOutcome::checked_in);
        EXPECT_TRUE(late->late);
        EXPECT_EQ(late->latePolicy, LatePolicy::queue_end);
        EXPECT_EQ(late->appointment.queueNumber, tooEarlyHolds ? 6 : 7) << "after zhang-san (and wang-xinkun late at night): the end of the queue";
    }
    // A future appointment to cancel (ouyang-nana, in two days).
    auto upcoming = driver->upcomingAppointments("pat-ouyang-nana");
    ASSERT_TRUE(upcoming.has_value()) << upcoming.error().describe();
    ASSERT_EQ(upcoming->size(), 1U);
    EXPECT_EQ(upcoming->front().start.substr(0, 10), hospitalDate(2));
    // The blacklist with its reason as numbers, and the fully booked doctor.
    auto blocked = driver->findPatient(PatientKey::hospital_card, "H20230001");
    ASSERT_TRUE(blocked.has_value());
    ASSERT_TRUE(blocked->bookingBlockedUntil.has_value());
    EXPECT_EQ(blocked->bookingBlockedMissed, 3);
    EXPECT_EQ(blocked->bookingBlockedWindowDays, 90);
    auto full = driver->slots(SlotQuery{"dept-CARD", "role-001", hospitalDate(0), hospitalDate(7), true});
    ASSERT_TRUE(full.has_value());
    EXPECT_TRUE(full->empty()) << "role-001 is fully booked all week";
    auto all = driver->slots(SlotQuery{"dept-CARD", "role-001", hospitalDate(1), hospitalDate(7), false});
    ASSERT_TRUE(all.has_value());
    EXPECT_FALSE(all->empty()) << "…but works";
}

TEST(BookingPolicy, TooEarlyAndTooLateFollowTheConfiguredWindowAndLatePolicy) {
    const int minute = hospitalMinuteOfDay();
    if (minute < 45 || minute > 23 * 60 + 25) GTEST_SKIP() << "the cases would cross midnight (hospital time)";
    test::SimProcess sim({"--check-in-open-minutes", "10", "--check-in-close-minutes", "0", "--late-policy", "rebook"});
    ASSERT_TRUE(sim.ready()) << sim.log();
    FhirHisDriver driver(sim.settings());
    long status = 0;
    const json early = sim.call("POST", "/admin/appointments", {{"patient", "pat-gen-10"}, {"doctor", "role-003"}, {"start_in_minutes", 30}, {"minutes", 10}}, &status);
    ASSERT_EQ(status, 201) << early.dump();
    const json late = sim.call("POST", "/admin/appointments", {{"patient", "pat-gen-11"}, {"doctor", "role-003"}, {"start_in_minutes", -40}, {"minutes", 10}}, &status);
    ASSERT_EQ(status, 201) << late.dump();
    auto tooEarly = driver.attemptCheckIn(early.value("id", ""));
    ASSERT_TRUE(tooEarly.has_value()) << tooEarly.error().describe();
    EXPECT_EQ(tooEarly->outcome, CheckInOutcome::too_early);
    EXPECT_FALSE(tooEarly->opensAt.empty());
    EXPECT_EQ(tooEarly->opensAt, extensionOpens(early));
    auto tooLate = driver.attemptCheckIn(late.value("id", ""));
    ASSERT_TRUE(tooLate.has_value()) << tooLate.error().describe();
    EXPECT_EQ(tooLate->outcome, CheckInOutcome::too_late);
    EXPECT_EQ(tooLate->latePolicy, LatePolicy::rebook);
    EXPECT_EQ(tooLate->closedAt, late.value("end", "")) << "closes at the end (0 minutes after)";
    // The plain call turns each refusal into an error with its own patient message.
    auto refused = driver.checkIn(early.value("id", ""));
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().messageKey, "backend.checkin_too_early");
    EXPECT_EQ(driver.checkIn(late.value("id", "")).error().messageKey, "backend.checkin_too_late");
}

TEST_F(BookingSimTest, AnotherDayIsToldWithItsDateAndTheSimRefusesItToo) {
    const Slot slot = laterSlot(*driver, "dept-GAST");
    auto held = driver->holdSlot(slot.id, "pat-li-jun", "TRADE-DAY-1");
    ASSERT_TRUE(held.has_value()) << held.error().describe();
    ASSERT_TRUE(driver->book(held->id).has_value());
    auto result = driver->attemptCheckIn(held->id);
    ASSERT_TRUE(result.has_value()) << result.error().describe();
    EXPECT_EQ(result->outcome, CheckInOutcome::another_day);
    EXPECT_EQ(result->date, slot.start.substr(0, 10));
    // A client that sends it anyway is refused by the hospital with the date.
    const auto current = test::fhirCall(sim, "GET", "Appointment/" + held->id);
    json arrived = current.json;
    arrived["status"] = "arrived";
    const auto refused = test::fhirCall(sim, "PUT", "Appointment/" + held->id, arrived, {{"If-Match", current.etag}});
    EXPECT_EQ(refused.status, 409);
    EXPECT_NE(refused.body.find("check-in-another-day"), std::string::npos) << refused.body;
    EXPECT_NE(refused.body.find(slot.start.substr(0, 10)), std::string::npos) << refused.body;
}

// --- booking, cancelling, codes ------------------------------------------------------------------

TEST_F(BookingSimTest, CancelHandsBackThePaymentAndTheCodeFindsTheAppointment) {
    const Slot slot = laterSlot(*driver, "dept-OPHT");
    auto held = driver->holdSlot(slot.id, "pat-chen-zhe", "TRADE-CXL-1");
    ASSERT_TRUE(held.has_value()) << held.error().describe();
    EXPECT_FALSE(held->appointmentCode.empty());
    const AppointmentPayment paid{"PAY-CXL-1", "wechat", "4200009999", slot.feeFen};
    auto booked = driver->book(held->id, paid);
    ASSERT_TRUE(booked.has_value()) << booked.error().describe();
    ASSERT_TRUE(booked->payment.has_value());
    EXPECT_EQ(booked->payment->tradeNo, "PAY-CXL-1");
    ASSERT_TRUE(booked->cancelUntil.has_value());
    // The slip's code finds it (QR payload kind appointment_code).
    auto byCode = driver->findAppointmentByCode(held->appointmentCode);
    ASSERT_TRUE(byCode.has_value()) << byCode.error().describe();
    EXPECT_EQ(byCode->id, held->id);
    auto upcoming = driver->upcomingAppointments("pat-chen-zhe");
    ASSERT_TRUE(upcoming.has_value());
    EXPECT_TRUE(std::any_of(upcoming->begin(), upcoming->end(), [&](const Appointment& a) { return a.id == held->id; }));
    auto cancelled = driver->cancelAppointment(held->id);
    ASSERT_TRUE(cancelled.has_value()) << cancelled.error().describe();
    EXPECT_EQ(cancelled->status, AppointmentStatus::cancelled);
    ASSERT_TRUE(cancelled->payment.has_value()) << "the refund needs the original payment";
    EXPECT_EQ(cancelled->payment->channel, "wechat");
    EXPECT_EQ(cancelled->payment->channelTradeNo, "4200009999");
    EXPECT_EQ(cancelled->payment->amountFen, slot.feeFen);
    EXPECT_TRUE(driver->cancelAppointment(held->id).has_value()) << "repeating it is safe";
    // Codes that are not one, or nobody's.
    EXPECT_EQ(driver->findAppointmentByCode("YY12 34").error().messageKey, "backend.appointment_code_invalid");
    EXPECT_EQ(driver->findAppointmentByCode("").error().code, Errc::invalid_argument);
    auto unknown = driver->findAppointmentByCode("YY0000000000");
    ASSERT_FALSE(unknown.has_value());
    EXPECT_EQ(unknown.error().code, Errc::not_found);
    EXPECT_EQ(unknown.error().messageKey, "backend.appointment_code_unknown");
}

TEST(BookingPolicy, CancellingAfterTheCutOffIsRefusedWithItsMessage) {
    test::SimProcess sim({"--cancel-cutoff-minutes", "10080"});  // a week: every bookable slot is past it
    ASSERT_TRUE(sim.ready()) << sim.log();
    FhirHisDriver driver(sim.settings());
    const Slot slot = laterSlot(driver, "dept-ENT");
    auto held = driver.holdSlot(slot.id, "pat-li-jun", "TRADE-CUT-1");
    ASSERT_TRUE(held.has_value()) << held.error().describe();
    ASSERT_TRUE(driver.book(held->id).has_value());
    auto refused = driver.cancelAppointment(held->id);
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().code, Errc::rejected);
    EXPECT_EQ(refused.error().messageKey, "backend.cancel_cutoff");
    // A hold (not paid) is always released.
    const Slot other = laterSlot(driver, "dept-ENT", 0, 2);
    auto hold = driver.holdSlot(other.id, "pat-li-jun", "TRADE-CUT-2");
    ASSERT_TRUE(hold.has_value()) << hold.error().describe();
    EXPECT_TRUE(driver.cancelAppointment(hold->id).has_value());
}

TEST_F(BookingSimTest, OneBookingPerDepartmentPerDay) {
    const Slot first = laterSlot(*driver, "dept-CARD", 0);
    const Slot second = laterSlot(*driver, "dept-CARD", 1);
    ASSERT_EQ(first.start.substr(0, 10), second.start.substr(0, 10));
    auto held = driver->holdSlot(first.id, "pat-zhang-san", "TRADE-LIM-1");
    ASSERT_TRUE(held.has_value()) << held.error().describe();
    auto refused = driver->holdSlot(second.id, "pat-zhang-san", "TRADE-LIM-2");
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().code, Errc::rejected);
    EXPECT_EQ(refused.error().messageKey, "backend.booking_limit");
    EXPECT_EQ(sim.commits("TRADE-LIM-2"), 0);
    EXPECT_TRUE(driver->holdSlot(laterSlot(*driver, "dept-NEUR").id, "pat-zhang-san", "TRADE-LIM-3").has_value()) << "another department";
    ASSERT_TRUE(driver->cancelAppointment(held->id).has_value());
    EXPECT_TRUE(driver->holdSlot(second.id, "pat-zhang-san", "TRADE-LIM-4").has_value()) << "a cancelled one no longer counts";
}

TEST(BookingPolicy, FeesFollowTheTitleAndSlotsTheDepartment) {
    test::SimProcess sim({"--fee-general", "0", "--fee-chief", "6000"});
    ASSERT_TRUE(sim.ready()) << sim.log();
    FhirHisDriver driver(sim.settings());
    auto doctors = driver.doctors("dept-CARD");
    ASSERT_TRUE(doctors.has_value()) << doctors.error().describe();
    std::map<std::string, int64_t> feeByTitle;
    int general = 0;
    for (const auto& d : *doctors) {
        feeByTitle[d.title] = d.feeFen;
        if (d.anyDoctor) {
            ++general;
            EXPECT_EQ(d.name, "普通门诊");
        }
    }
    EXPECT_EQ(general, 1);
    EXPECT_EQ(feeByTitle, (std::map<std::string, int64_t>{{"主任医师", 6000}, {"副主任医师", 3000}, {"主治医师", 2000}, {"普通门诊", 0}}));
    // 30-minute slots in cardiology, hour slots in neurology; the general clinic's are free (0).
    auto card = driver.slots(SlotQuery{"dept-CARD", "", hospitalDate(1), hospitalDate(7), true});
    auto neur = driver.slots(SlotQuery{"dept-NEUR", "", hospitalDate(1), hospitalDate(7), true});
    ASSERT_TRUE(card.has_value() && neur.has_value() && !card->empty() && !neur->empty());
    for (const auto& slot : *card) EXPECT_EQ(lengthMinutes(slot), 30) << slot.id;
    for (const auto& slot : *neur) EXPECT_EQ(lengthMinutes(slot), 60) << slot.id;
    EXPECT_TRUE(std::any_of(card->begin(), card->end(), [](const Slot& s) { return s.feeFen == 0; })) << "a free clinic is kept";
}

// --- the queue, the admin call and SMS reminders ------------------------------------------------

TEST_F(BookingSimTest, TheQueueMovesWhenTheDoctorCallsAndTheReminderIsSent) {
    auto zhangSan = demoCase(*driver, "zhang-san");
    ASSERT_TRUE(zhangSan.has_value());
    ASSERT_TRUE(driver->checkIn(zhangSan->id).has_value());
    auto queue = driver->queueStatus(zhangSan->id);
    ASSERT_TRUE(queue.has_value()) << queue.error().describe();
    EXPECT_EQ(queue->appointmentId, zhangSan->id);
    EXPECT_EQ(queue->waitingAhead, 4);
    EXPECT_EQ(queue->estimatedWaitMinutes, 4 * 8);
    EXPECT_FALSE(queue->room.empty());
    EXPECT_FALSE(queue->doctorName.empty());
    EXPECT_FALSE(queue->called);
    const QueueReminderRequest reminder{"TRADE-SMS-1", zhangSan->id, "pat-zhang-san", 2};
    auto opted = driver->requestQueueReminder(reminder);
    ASSERT_TRUE(opted.has_value()) << opted.error().describe();
    EXPECT_EQ(opted->resourceType, "CommunicationRequest");
    auto repeated = driver->requestQueueReminder(reminder);
    ASSERT_TRUE(repeated.has_value());
    EXPECT_EQ(repeated->resourceId, opted->resourceId);
    EXPECT_EQ(sim.commits("TRADE-SMS-1"), 1);
    json sms = sim.call("GET", "/admin/sms");
    ASSERT_EQ(sms["requests"].size(), 1U) << sms.dump();
    EXPECT_TRUE(sms.value("sent", json::array()).empty()) << "4 ahead: not yet";
    for (int call = 1; call <= 3; ++call) sim.call("POST", "/admin/queue/call-next", {{"doctor", "role-003"}});
    queue = driver->queueStatus(zhangSan->id);
    ASSERT_TRUE(queue.has_value());
    EXPECT_EQ(queue->waitingAhead, 1) << "three called (the first two seen)";
    sms = sim.call("GET", "/admin/sms");
    ASSERT_EQ(sms.value("sent", json::array()).size(), 1U) << sms.dump();
    EXPECT_EQ(sms["sent"][0].value("phone", ""), "13812345678");
    EXPECT_EQ(sms["sent"][0].value("ahead", -1), 2);
    EXPECT_NE(sms["sent"][0].value("text", "").find("前面还有2位"), std::string::npos);
    sim.call("POST", "/admin/queue/call-next", {{"doctor", "role-003"}});
    sim.call("POST", "/admin/queue/call-next", {{"doctor", "role-003"}});
    queue = driver->queueStatus(zhangSan->id);
    ASSERT_TRUE(queue.has_value());
    EXPECT_TRUE(queue->called);
    EXPECT_EQ(queue->waitingAhead, 0);
    // Thresholds outside 1–20 and an appointment that is not the patient's are refused.
    EXPECT_EQ(driver->requestQueueReminder({"TRADE-SMS-2", zhangSan->id, "pat-zhang-san", 0}).error().code, Errc::invalid_argument);
    auto notHers = driver->requestQueueReminder({"TRADE-SMS-3", zhangSan->id, "pat-li-jun", 3});
    ASSERT_FALSE(notHers.has_value());
    EXPECT_EQ(notHers.error().code, Errc::rejected);
}

// --- 20 kiosks, one slot ----------------------------------------------------------------------

TEST_F(BookingSimTest, TwentyKiosksHoldingOneSlotAtOnceGetExactlyOneBooking) {
    const Slot slot = laterSlot(*driver, "dept-PAED");
    constexpr int kKiosks = 20;
    std::vector<std::unique_ptr<FhirHisDriver>> kiosks;
    for (int k = 0; k < kKiosks; ++k) {
        auto settings = sim.settings();
        settings.http.kioskId = fmt::format("KIOSK-{:02}", k + 1);
        settings.http.callTimeout = std::chrono::milliseconds(5000);
        kiosks.push_back(std::make_unique<FhirHisDriver>(settings));
    }
    // Patients: the 19 generated ones not on the blacklist, and zhang-san.
    std::vector<std::string> patients = {"pat-zhang-san"};
    for (int i = 2; i <= 20; ++i) patients.push_back(fmt::format("pat-gen-{:02}", i));
    std::atomic<int> ready{0};
    std::atomic<bool> go{false};
    std::vector<Result<Appointment>> held(kKiosks, fail(Errc::internal, "not run"));
    std::vector<std::thread> threads;
    for (int k = 0; k < kKiosks; ++k) {
        threads.emplace_back([&, k] {
            ++ready;
            while (!go.load()) std::this_thread::yield();
            held[static_cast<size_t>(k)] = kiosks[static_cast<size_t>(k)]->holdSlot(slot.id, patients[static_cast<size_t>(k)], fmt::format("TRADE-RACE-{:02}", k));
        });
    }
    while (ready.load() < kKiosks) std::this_thread::yield();
    go = true;
    for (auto& t : threads) t.join();
    int winners = 0;
    std::string winner;
    for (int k = 0; k < kKiosks; ++k) {
        const auto& result = held[static_cast<size_t>(k)];
        if (result) {
            ++winners;
            winner = result->id;
            EXPECT_TRUE(kiosks[static_cast<size_t>(k)]->book(result->id).has_value());
        } else {
            EXPECT_EQ(result.error().code, Errc::slot_taken) << result.error().describe();
        }
    }
    EXPECT_EQ(winners, 1);
    int committed = 0;
    for (int k = 0; k < kKiosks; ++k) committed += sim.commits(fmt::format("TRADE-RACE-{:02}", k));
    EXPECT_EQ(committed, 1) << "one hold written";
    const auto onSlot = test::fhirCall(sim, "GET", "Appointment?status=proposed,booked,arrived&_count=500");
    int bookings = 0;
    for (const auto& entry : onSlot.json.value("entry", json::array())) {
        const json& a = entry["resource"];
        if (a.contains("slot") && a["slot"][0].value("reference", "") == "Slot/" + slot.id) {
            ++bookings;
            EXPECT_EQ(a.value("id", ""), winner);
            EXPECT_EQ(a.value("status", ""), "booked");
        }
    }
    EXPECT_EQ(bookings, 1);
    EXPECT_EQ(test::fhirCall(sim, "GET", "Slot/" + slot.id).json.value("status", ""), "busy");
}

// --- bad input from a hospital (stub servers on 127.0.0.1) ---------------------------------------

/// A stub FHIR server whose searches answer the given Bundle pages.
class StubHospital {
public:
    StubHospital() { stub.server().Get("/fhir/metadata", [](const httplib::Request&, httplib::Response& res) {
        res.set_content(json{{"resourceType", "CapabilityStatement"}, {"status", "active"}, {"fhirVersion", "4.0.1"}, {"kind", "instance"},
                             {"rest", json::array({{{"mode", "server"}, {"operation", json::array({{{"name", "queue"}, {"definition", "urn:yizhan:op:queue"}}})}}})}}.dump(),
                        "application/fhir+json");
    }); }
    FhirSettings settings(std::chrono::milliseconds timeout = std::chrono::milliseconds(1500)) const {
        FhirSettings s;
        s.http.baseUrl = "http://" + stub.hostPort() + "/fhir";
        s.http.callTimeout = timeout;
        s.retries = 0;
        return s;
    }
    static json bundle(const json& resources) {
        json entries = json::array();
        for (const auto& r : resources) entries.push_back({{"resource", r}, {"search", {{"mode", "match"}}}});
        return {{"resourceType", "Bundle"}, {"type", "searchset"}, {"entry", entries}};
    }
    void answer(const std::string& path, const json& body) {
        stub.server().Get(path, [body](const httplib::Request&, httplib::Response& res) { res.set_content(body.dump(), "application/fhir+json"); });
    }
    test::FhirStub stub;
};

json slotJson(const std::string& id, const std::string& dept, const std::string& start, const std::string& end, std::optional<int64_t> fee,
              const std::string& role = "role-1") {
    json slot = {{"resourceType", "Slot"}, {"id", id}, {"status", "free"}, {"start", start}, {"end", end},
                 {"serviceType", json::array({{{"coding", json::array({{{"system", "urn:yizhan:department"}, {"code", dept}}})}}})},
                 {"extension", json::array({{{"url", "urn:yizhan:ext:practitioner-role"}, {"valueReference", {{"reference", "PractitionerRole/" + role}}}}})}};
    if (fee) slot["extension"].push_back({{"url", "urn:yizhan:ext:fee-fen"}, {"valueInteger", *fee}});
    return slot;
}

TEST(BookingBadInput, SlotsTheHospitalGotWrongAreLeftOutWithALogLine) {
    StubHospital hospital;
    const std::string day = hospitalDate(1);
    const auto at = [&](const char* time) { return day + "T" + time + "+08:00"; };
    hospital.answer("/fhir/Slot", StubHospital::bundle(json::array({
                                      slotJson("good", "dept-A", at("09:00:00"), at("09:30:00"), 2000),
                                      slotJson("free-clinic", "dept-A", at("10:00:00"), at("10:30:00"), 0, "role-2"),
                                      slotJson("other-dept", "dept-B", at("11:00:00"), at("11:30:00"), 2000),
                                      slotJson("past", "dept-A", "2020-01-06T09:00:00+08:00", "2020-01-06T09:30:00+08:00", 2000),
                                      slotJson("no-offset", "dept-A", day + "T14:00:00", day + "T14:30:00", 2000),
                                      slotJson("overlap", "dept-A", at("09:15:00"), at("09:45:00"), 2000),
                                      slotJson("negative-fee", "dept-A", at("15:00:00"), at("15:30:00"), -100),
                                      slotJson("no-fee", "dept-A", at("16:00:00"), at("16:30:00"), std::nullopt),
                                      slotJson("backwards", "dept-A", at("16:30:00"), at("16:00:00"), 2000),
                                  })));
    ASSERT_TRUE(hospital.stub.start());
    test::TempDir dir;
    Result<std::vector<Slot>> slots = fail(Errc::internal, "not run");
    const std::string log = logOf(dir, [&] {
        FhirHisDriver driver(hospital.settings());
        slots = driver.slots(SlotQuery{"dept-A", "", day, "", true});
    });
    ASSERT_TRUE(slots.has_value()) << slots.error().describe();
    std::set<std::string> kept;
    for (const auto& s : *slots) kept.insert(s.id);
    EXPECT_EQ(kept, (std::set<std::string>{"good", "free-clinic"}));
    EXPECT_NE(log.find("Slot/other-dept left out of the slots of dept-A: of department 'dept-B'"), std::string::npos) << log;
    EXPECT_NE(log.find("Slot/no-offset left out of the slots of dept-A: times without a UTC offset"), std::string::npos) << log;
    EXPECT_NE(log.find("Slot/overlap left out of the slots of dept-A: overlaps another slot of doctor 'role-1'"), std::string::npos) << log;
    EXPECT_NE(log.find("Slot/negative-fee left out of the slots of dept-A: no registration fee"), std::string::npos) << log;
    EXPECT_NE(log.find("Slot/no-fee left out of the slots of dept-A: no registration fee"), std::string::npos) << log;
    EXPECT_NE(log.find("Slot/backwards left out"), std::string::npos) << log;
    EXPECT_NE(log.find("1 slots already begun left out"), std::string::npos) << log;
}

TEST(BookingBadInput, DoctorsWithoutANameAreLeftOutRareCharactersKept) {
    StubHospital hospital;
    const auto role = [](const std::string& id, const json& practitioner, const std::string& title, std::optional<int64_t> fee) {
        json r = {{"resourceType", "PractitionerRole"}, {"id", id}, {"organization", {{"reference", "Organization/dept-A"}}},
                  {"code", json::array({{{"text", title}}})}, {"extension", json::array()}};
        if (!practitioner.is_null()) r["practitioner"] = practitioner;
        if (fee) r["extension"].push_back({{"url", "urn:yizhan:ext:fee-fen"}, {"valueInteger", *fee}});
        return r;
    };
    // Names outside the BMP (CJK extension B: 𠀾, 𪚥) and rare BMP ones (䶮, 龘, 堃).
    hospital.answer("/fhir/PractitionerRole",
                    StubHospital::bundle(json::array({role("rare", {{"reference", "Practitioner/p1"}, {"display", "王𠀾𪚥"}}, "主任医师", 5000),
                                                      role("rare2", {{"reference", "Practitioner/p2"}, {"display", "龘䶮堃"}}, "主治医师", 2000),
                                                      role("nameless", {{"reference", "Practitioner/p3"}}, "主治医师", 2000),
                                                      role("clinic", nullptr, "普通门诊", 1000),
                                                      role("feeless", {{"reference", "Practitioner/p4"}, {"display", "李四"}}, "主治医师", std::nullopt)})));
    ASSERT_TRUE(hospital.stub.start());
    test::TempDir dir;
    Result<std::vector<Doctor>> doctors = fail(Errc::internal, "not run");
    const std::string log = logOf(dir, [&] { doctors = FhirHisDriver(hospital.settings()).doctors("dept-A"); });
    ASSERT_TRUE(doctors.has_value()) << doctors.error().describe();
    ASSERT_EQ(doctors->size(), 3U);
    EXPECT_EQ((*doctors)[0].name, "王𠀾𪚥");
    EXPECT_EQ((*doctors)[1].name, "龘䶮堃");
    EXPECT_TRUE((*doctors)[2].anyDoctor);
    EXPECT_EQ((*doctors)[2].name, "普通门诊");
    EXPECT_NE(log.find("PractitionerRole/nameless left out of the doctors of dept-A: a doctor without a name"), std::string::npos) << log;
    EXPECT_NE(log.find("PractitionerRole/feeless left out of the doctors of dept-A: no registration fee"), std::string::npos) << log;
}

TEST(BookingBadInput, FiveHundredDepartmentsArriveOverSeveralPages) {
    StubHospital hospital;
    hospital.stub.server().Get("/fhir/Organization", [&](const httplib::Request& req, httplib::Response& res) {
        const int offset = req.has_param("_offset") ? std::stoi(req.get_param_value("_offset")) : 0;
        json page = json::array();
        for (int i = offset; i < std::min(500, offset + 100); ++i) {
            page.push_back({{"resourceType", "Organization"}, {"id", fmt::format("dept-{:03}", i)}, {"name", fmt::format("科室{:03}", i)}});
        }
        json bundle = StubHospital::bundle(page);
        if (offset + 100 < 500) {
            bundle["link"] = json::array({{{"relation", "next"}, {"url", fmt::format("Organization?type=dept&_count=100&_offset={}", offset + 100)}}});
        }
        res.set_content(bundle.dump(), "application/fhir+json");
    });
    ASSERT_TRUE(hospital.stub.start());
    auto departments = FhirHisDriver(hospital.settings()).departments();
    ASSERT_TRUE(departments.has_value()) << departments.error().describe();
    ASSERT_EQ(departments->size(), 500U);
    EXPECT_EQ(departments->back().name, "科室499");
}

TEST(BookingBadInput, AQueueAnswerForAnotherAppointmentIsNeverShown) {
    StubHospital hospital;
    const auto queue = [](const json& parameters) { return json{{"resourceType", "Parameters"}, {"parameter", parameters}}; };
    hospital.answer(R"(/fhir/Appointment/appt-mine/\$queue)",
                    queue(json::array({{{"name", "appointment"}, {"valueReference", {{"reference", "Appointment/appt-someone-else"}}}},
                                       {{"name", "queue_number"}, {"valueInteger", 7}},
                                       {{"name", "waiting_ahead"}, {"valueInteger", 1}}})));
    hospital.answer(R"(/fhir/Appointment/appt-unsaid/\$queue)",
                    queue(json::array({{{"name", "queue_number"}, {"valueInteger", 7}}, {{"name", "waiting_ahead"}, {"valueInteger", 1}}})));
    hospital.answer(R"(/fhir/Appointment/appt-negative/\$queue)",
                    queue(json::array({{{"name", "appointment"}, {"valueReference", {{"reference", "Appointment/appt-negative"}}}},
                                       {{"name", "queue_number"}, {"valueInteger", 7}},
                                       {{"name", "waiting_ahead"}, {"valueInteger", -2}}})));
    ASSERT_TRUE(hospital.stub.start());
    test::TempDir dir;
    FhirHisDriver driver(hospital.settings());
    std::string log = logOf(dir, [&] {
        auto other = driver.queueStatus("appt-mine");
        ASSERT_FALSE(other.has_value());
        EXPECT_EQ(other.error().code, Errc::invalid_answer);
        EXPECT_EQ(driver.queueStatus("appt-unsaid").error().code, Errc::invalid_answer) << "an answer that names no appointment";
        EXPECT_EQ(driver.queueStatus("appt-negative").error().code, Errc::invalid_answer);
    });
    EXPECT_NE(log.find("Appointment/appt-mine/$queue: the answer is about Appointment/'appt-someone-else', not the asked one"), std::string::npos) << log;
}

TEST(BookingBadInput, AHoldThatNeverAnswersEndsAsUnknownOutcomeWithoutHanging) {
    StubHospital hospital;
    std::mutex mutex;
    std::condition_variable released;
    bool release = false;
    hospital.answer("/fhir/Slot/slot-1", slotJson("slot-1", "dept-A", hospitalDate(1) + "T09:00:00+08:00", hospitalDate(1) + "T09:30:00+08:00", 2000));
    hospital.stub.server().Post("/fhir/Appointment", [&](const httplib::Request&, httplib::Response& res) {
        std::unique_lock lock(mutex);
        released.wait_for(lock, std::chrono::seconds(20), [&] { return release; });  // never answers in time
        res.status = 503;
    });
    ASSERT_TRUE(hospital.stub.start());
    auto settings = hospital.settings(std::chrono::milliseconds(400));
    settings.retries = 1;
    FhirHisDriver driver(settings);
    const auto started = std::chrono::steady_clock::now();
    auto held = driver.holdSlot("slot-1", "pat-1", "TRADE-HANG-1");
    const auto took = std::chrono::steady_clock::now() - started;
    {
        std::lock_guard lock(mutex);
        release = true;
    }
    released.notify_all();
    ASSERT_FALSE(held.has_value());
    EXPECT_EQ(held.error().code, Errc::unknown_outcome) << held.error().describe();
    EXPECT_EQ(held.error().messageKey, "backend.unknown_outcome");
    EXPECT_LT(took, std::chrono::milliseconds(2500)) << "two attempts of 400 ms, never a hang";
    // The kiosk then asks what happened to its key; a server that does not answer that either
    // gives a timeout (a read), not a hang.
}

TEST(BookingBadInput, ASiteServersCheckInRefusalIsReadFromItsOutcome) {
    StubHospital hospital;
    const std::string today = hospitalDate(0);
    json appointment = {{"resourceType", "Appointment"}, {"id", "appt-1"}, {"meta", {{"versionId", "1"}}}, {"status", "booked"},
                        {"start", today + "T09:00:00+08:00"}, {"end", today + "T09:30:00+08:00"},
                        {"participant", json::array({{{"actor", {{"reference", "Patient/pat-1"}}}, {"status", "accepted"}}})}};
    hospital.answer("/fhir/Appointment/appt-1", appointment);
    hospital.stub.server().Put("/fhir/Appointment/appt-1", [](const httplib::Request&, httplib::Response& res) {
        res.status = 409;
        res.set_content(json{{"resourceType", "OperationOutcome"},
                             {"issue", json::array({{{"severity", "error"}, {"code", "business-rule"},
                                                     {"details", {{"coding", json::array({{{"system", "urn:yizhan:outcome"}, {"code", "check-in-too-late"}}})}}},
                                                     {"extension", json::array({{{"url", "urn:yizhan:ext:check-in-closed-at"}, {"valueDateTime", "2026-01-01T09:45:00+08:00"}},
                                                                                {{"url", "urn:yizhan:ext:late-policy"}, {"valueCode", "rebook"}}})}}})}}
                            .dump(),
                        "application/fhir+json");
    });
    ASSERT_TRUE(hospital.stub.start());
    auto result = FhirHisDriver(hospital.settings()).attemptCheckIn("appt-1");
    ASSERT_TRUE(result.has_value()) << result.error().describe();
    EXPECT_EQ(result->outcome, CheckInOutcome::too_late);
    EXPECT_EQ(result->closedAt, "2026-01-01T09:45:00+08:00");
    EXPECT_EQ(result->latePolicy, LatePolicy::rebook);
}

TEST(BookingBadInput, WhatTheKioskWritesForBookingHasNoEmptyValues) {
    // book() with a cash payment (no channel reference) and a reminder: R4 json.html forbids
    // empty values; the bodies a stub receives are checked.
    StubHospital hospital;
    std::mutex mutex;
    std::vector<json> bodies;
    json appointment = {{"resourceType", "Appointment"}, {"id", "appt-2"}, {"meta", {{"versionId", "1"}}}, {"status", "proposed"},
                        {"start", hospitalDate(1) + "T09:00:00+08:00"}, {"end", hospitalDate(1) + "T09:30:00+08:00"},
                        {"participant", json::array({{{"actor", {{"reference", "Patient/pat-1"}}}, {"status", "accepted"}}})}};
    hospital.answer("/fhir/Appointment/appt-2", appointment);
    const auto echo = [&](const httplib::Request& req, httplib::Response& res) {
        json body = json::parse(req.body, nullptr, false);
        {
            std::lock_guard lock(mutex);
            bodies.push_back(body);
        }
        if (!body.contains("id")) body["id"] = "cr-1";
        res.status = req.method == "POST" ? 201 : 200;
        res.set_content(body.dump(), "application/fhir+json");
    };
    hospital.stub.server().Put("/fhir/Appointment/appt-2", echo);
    hospital.stub.server().Post("/fhir/CommunicationRequest", echo);
    ASSERT_TRUE(hospital.stub.start());
    FhirHisDriver driver(hospital.settings());
    auto booked = driver.book("appt-2", AppointmentPayment{"PAY-CASH-1", "cash", "", 1000});
    ASSERT_TRUE(booked.has_value()) << booked.error().describe();
    ASSERT_TRUE(booked->payment.has_value());
    EXPECT_EQ(booked->payment->channel, "cash");
    auto reminder = driver.requestQueueReminder({"TRADE-SMS-9", "appt-2", "pat-1", 3});
    ASSERT_TRUE(reminder.has_value()) << reminder.error().describe();
    std::lock_guard lock(mutex);
    ASSERT_EQ(bodies.size(), 2U);
    std::function<void(const json&, const std::string&)> noEmpty = [&](const json& value, const std::string& path) {
        if (value.is_string()) {
            EXPECT_FALSE(value.get<std::string>().empty()) << path;
        }
        if (value.is_structured()) {
            EXPECT_FALSE(value.empty()) << path;
            for (auto it = value.begin(); it != value.end(); ++it) noEmpty(*it, path + "." + (value.is_object() ? it.key() : "[]"));
        }
    };
    for (const auto& body : bodies) noEmpty(body, body.value("resourceType", "?"));
    EXPECT_EQ(bodies[0].dump().find("channel-trade-no"), std::string::npos) << bodies[0].dump();
    EXPECT_EQ(bodies[1]["medium"][0]["coding"][0].value("code", ""), "SMSWRIT");
}

}  // namespace
}  // namespace kiosk::backend
