// Issue 19 item 9: an Appointment made from a Slot carries the slot's start and end, as R4's
// invariant app-3 requires of every appointment that is not proposed or cancelled
// (hl7.org/fhir/R4/appointment.html#invs). The JSON schema cannot check a FHIRPath invariant, so
// these tests do: hospital-sim refuses what a strict R4 server refuses (422 + OperationOutcome),
// and the adapter sends what such a server accepts. All over real HTTP against hospital-sim.
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "kiosk/backend/fhir_his_driver.hpp"
#include "tests/backend/fhir_raw.hpp"
#include "tests/backend/sim_process.hpp"

namespace kiosk::backend {
namespace {

using nlohmann::json;

class FhirInvariantTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(sim.ready()) << sim.log();
        driver = std::make_unique<FhirHisDriver>(sim.settings());
    }

    /// A free slot tomorrow or later (never one that begins during the test), read raw.
    json freeSlot(const std::string& department, size_t index) {
        const auto tomorrow = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now() + std::chrono::hours(8) +
                                                                    std::chrono::days(1));
        const std::string date = fmt::format("{:%Y-%m-%d}", tomorrow);
        const auto found = test::fhirCall(sim, "GET", "Slot?service-type=" + department + "&status=free&start=ge" + date + "&_count=50");
        EXPECT_EQ(found.status, 200) << found.body;
        const json entries = found.json.value("entry", json::array());
        if (entries.size() <= index) {
            ADD_FAILURE() << "no free slot in " << department;
            return json::object();
        }
        return entries[index]["resource"];
    }

    /// The Appointment the kiosk sent before this fix: a hold that names the slot but not its times.
    static json holdWithoutTimes(const json& slot, const std::string& patient, const std::string& status = "proposed") {
        return {{"resourceType", "Appointment"},
                {"status", status},
                {"slot", json::array({{{"reference", "Slot/" + slot.value("id", "")}}})},
                {"participant", json::array({{{"actor", {{"reference", "Patient/" + patient}}}, {"status", "accepted"}}})}};
    }

    static void expectInvariantRefusal(const test::FhirAnswer& answer, const std::string& invariant) {
        EXPECT_EQ(answer.status, 422) << answer.body;
        ASSERT_EQ(answer.json.value("resourceType", ""), "OperationOutcome") << answer.body;
        EXPECT_EQ(answer.json["issue"][0].value("code", ""), "invariant") << answer.body;
        EXPECT_NE(answer.json["issue"][0].value("diagnostics", "").find(invariant), std::string::npos) << answer.body;
    }

    test::SimProcess sim;
    std::unique_ptr<FhirHisDriver> driver;
};

TEST_F(FhirInvariantTest, HeldAppointmentCarriesTheSlotTimesAndIsFoundByDate) {
    const json slot = freeSlot("dept-ORTH", 0);
    auto held = driver->holdSlot(slot.value("id", ""), "pat-zhang-san", "TRADE-APP3-HOLD");
    ASSERT_TRUE(held.has_value()) << held.error().describe();
    EXPECT_EQ(held->start, slot.value("start", ""));
    EXPECT_EQ(held->end, slot.value("end", ""));
    EXPECT_FALSE(held->doctorId.empty());
    // What the server stored is what the adapter sent (hospital-sim fills in no times).
    const auto stored = test::fhirCall(sim, "GET", "Appointment/" + held->id);
    ASSERT_EQ(stored.status, 200);
    EXPECT_EQ(stored.json.value("start", ""), slot.value("start", ""));
    EXPECT_EQ(stored.json.value("end", ""), slot.value("end", ""));
    auto booked = driver->book(held->id);
    ASSERT_TRUE(booked.has_value()) << booked.error().describe();
    EXPECT_EQ(booked->status, AppointmentStatus::booked);
    // The patient's appointments are searched by date (Appointment.start): the new one is there.
    auto listed = driver->appointments("pat-zhang-san");
    ASSERT_TRUE(listed.has_value()) << listed.error().describe();
    const auto mine = std::find_if(listed->begin(), listed->end(), [&](const Appointment& a) { return a.id == held->id; });
    ASSERT_NE(mine, listed->end());
    EXPECT_EQ(mine->start, slot.value("start", ""));
}

TEST_F(FhirInvariantTest, SimRefusesAppointmentsWithoutTimesUnlessProposedOrCancelled) {
    const json slot = freeSlot("dept-DERM", 0);
    // Create: booked without times breaks app-3; start without end breaks app-2.
    expectInvariantRefusal(test::fhirCall(sim, "POST", "Appointment", holdWithoutTimes(slot, "pat-li-jun", "booked")), "app-3");
    json halfTimed = holdWithoutTimes(slot, "pat-li-jun");
    halfTimed["start"] = slot["start"];
    expectInvariantRefusal(test::fhirCall(sim, "POST", "Appointment", halfTimed), "app-2");
    // Times that are not the slot's are refused too (an appointment made from a slot takes its times).
    json otherTimes = holdWithoutTimes(slot, "pat-li-jun");
    otherTimes["start"] = "2001-01-01T09:00:00+08:00";
    otherTimes["end"] = "2001-01-01T09:30:00+08:00";
    const auto mismatch = test::fhirCall(sim, "POST", "Appointment", otherTimes);
    EXPECT_EQ(mismatch.status, 422) << mismatch.body;
    // Proposed without times is allowed by app-3, and stored as sent: without times.
    const auto held = test::fhirCall(sim, "POST", "Appointment", holdWithoutTimes(slot, "pat-li-jun"));
    ASSERT_EQ(held.status, 201) << held.body;
    EXPECT_FALSE(held.json.contains("start"));
    // Booking it as it stands (what the kiosk did before this fix) is refused, and changes nothing.
    json asBooked = held.json;
    asBooked["status"] = "booked";
    const std::string id = held.json.value("id", "");
    expectInvariantRefusal(test::fhirCall(sim, "PUT", "Appointment/" + id, asBooked, {{"If-Match", held.etag}}), "app-3");
    const auto after = test::fhirCall(sim, "GET", "Appointment/" + id);
    EXPECT_EQ(after.json.value("status", ""), "proposed");
    EXPECT_EQ(after.etag, held.etag);
    EXPECT_EQ(test::fhirCall(sim, "GET", "Slot/" + slot.value("id", "")).json.value("status", ""), "busy-tentative");
    // Cancelling needs no times (app-3 allows cancelled).
    json asCancelled = held.json;
    asCancelled["status"] = "cancelled";
    const auto cancelled = test::fhirCall(sim, "PUT", "Appointment/" + id, asCancelled, {{"If-Match", held.etag}});
    EXPECT_EQ(cancelled.status, 200) << cancelled.body;
}

TEST_F(FhirInvariantTest, SimTakesTheSlotTimeInAnySpellingOfTheSameMoment) {
    const json slot = freeSlot("dept-ENT", 0);
    // 09:00+08:00 is 01:00Z: the same instant, so it is the slot's time.
    // Slots lie between 08:00 and 17:00 hospital time (+08:00): the same day in UTC, 8 hours earlier.
    auto utc = [](const std::string& local) {
        EXPECT_EQ(local.substr(19), "+08:00") << local;
        return local.substr(0, 11) + fmt::format("{:02}", std::stoi(local.substr(11, 2)) - 8) + local.substr(13, 6) + "Z";
    };
    json body = holdWithoutTimes(slot, "pat-chen-zhe");
    body["start"] = utc(slot.value("start", ""));
    body["end"] = utc(slot.value("end", ""));
    const auto held = test::fhirCall(sim, "POST", "Appointment", body);
    EXPECT_EQ(held.status, 201) << held.body;
}

TEST_F(FhirInvariantTest, BookingAnAppointmentHeldWithoutTimesGivesItTheSlotTimes) {
    // An appointment held without times (by a kiosk of an earlier version, during an update):
    // book() completes it from its slot instead of sending what a strict server refuses.
    const json slot = freeSlot("dept-OPHT", 1);
    const auto held = test::fhirCall(sim, "POST", "Appointment", holdWithoutTimes(slot, "pat-li-jun"));
    ASSERT_EQ(held.status, 201) << held.body;
    auto booked = driver->book(held.json.value("id", ""));
    ASSERT_TRUE(booked.has_value()) << booked.error().describe();
    EXPECT_EQ(booked->status, AppointmentStatus::booked);
    EXPECT_EQ(booked->start, slot.value("start", ""));
    EXPECT_EQ(booked->end, slot.value("end", ""));
    const auto stored = test::fhirCall(sim, "GET", "Appointment/" + booked->id);
    EXPECT_EQ(stored.json.value("start", ""), slot.value("start", ""));
    EXPECT_EQ(stored.json.value("status", ""), "booked");
}

TEST_F(FhirInvariantTest, HoldingASlotThatIsGoneSaysTheTimeIsTaken) {
    auto held = driver->holdSlot("slot-does-not-exist", "pat-zhang-san", "TRADE-APP3-GONE");
    ASSERT_FALSE(held.has_value());
    EXPECT_EQ(held.error().code, Errc::slot_taken);
    EXPECT_EQ(held.error().messageKey, "backend.slot_taken");
    EXPECT_EQ(sim.commits("TRADE-APP3-GONE"), 0);
}

}  // namespace
}  // namespace kiosk::backend
