// The pickup crash matrix (issue 13): pickup_probe opens locker 3 on the virtual lock board (a real
// pty) and confirms the pickup at the real hospital-sim; it is killed with _exit at every
// failpoint between the door and the HIS (KIOSK_FAILPOINT), then restarted in recovery. Whatever
// crashed when: the pickup is confirmed exactly once when the door opened, never when it did not
// (or cannot be known), no door gets a second pulse, and the journal ends in a terminal state.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "payments/failpoint.hpp"
#include "screens/pickup/locker_pickup.hpp"
#include "screens/pickup/tcm_order.hpp"
#include "sim/devices/virtual_lock_board.hpp"
#include "tests/backend/sim_process.hpp"
#include "tests/support/run_command.hpp"

namespace kiosk::test {
namespace {

using drivers::locker::FeedbackPolarity;
using drivers::locker::FrameFamily;

constexpr const char* kDispense = "disp-zhang-san-10";  // zhang-san's, in locker 3 (sim/hospital/seed.cpp)
constexpr int kLocker = 3;
constexpr const char* kTrade = "PU-CRASH-1";

struct PickupCrashCase {
    std::string failpoint;  ///< "" = no crash
    bool doorOpens = true;  ///< false: the crash comes before any command
};

class PickupCrashTest : public ::testing::TestWithParam<PickupCrashCase> {};

nlohmann::json dispense(SimProcess& sim) { return sim.call("GET", std::string("/fhir/MedicationDispense/") + kDispense); }

std::string rowStateOf(const std::filesystem::path& journalFile, const std::string& trade) {
    auto opened = Journal::open(journalFile);
    if (!opened) return "journal: " + opened.error().describe();
    auto journal = screens::PickupJournal::open(std::move(*opened));
    if (!journal) return "journal: " + journal.error().describe();
    auto row = (*journal)->find(trade);
    if (!row || !*row) return "no row";
    return (**row).state;
}

std::string rowState(const std::filesystem::path& journalFile) { return rowStateOf(journalFile, kTrade); }

TEST_P(PickupCrashTest, RestartConfirmsAnOpenedDoorExactlyOnce) {
    const PickupCrashCase& c = GetParam();
    SimProcess sim;
    ASSERT_GT(sim.port(), 0) << sim.error();
    auto board = sim::VirtualLockBoard::create(FrameFamily::eight_a, {{1, 12, FeedbackPolarity::closed_when_set}});
    ASSERT_TRUE(board) << board.error().detail;
    const auto journalFile = sim.dir().path() / "kiosk-journal.db";
    const std::vector<std::string> base = {PICKUP_PROBE_EXE, "--journal", journalFile.string(), "--fhir", sim.fhirUrl(), "--board",
                                           (*board)->path().string()};
    std::vector<std::string> first = {"env", "KIOSK_FAILPOINT=" + c.failpoint};
    first.insert(first.end(), base.begin(), base.end());
    first.insert(first.end(), {"--dispense", kDispense, "--locker", std::to_string(kLocker), "--trade", kTrade});
    const auto crashed = runCommand(first);
    if (c.failpoint.empty()) {
        ASSERT_EQ(crashed.exitCode, 0) << crashed.out << crashed.err;
    } else {
        ASSERT_EQ(crashed.exitCode, payments::kFailpointExitCode) << "failpoint not reached\n" << crashed.out << crashed.err;
    }
    EXPECT_EQ((*board)->isOpen(kLocker), c.doorOpens);

    std::vector<std::string> again = base;
    again.emplace_back("--recover");
    for (int restart = 1; restart <= 2; ++restart) {  // a second restart changes nothing
        const auto recovered = runCommand(again);
        ASSERT_EQ(recovered.exitCode, 0) << recovered.out << recovered.err;
    }
    EXPECT_EQ((*board)->openCommands(kLocker), c.doorOpens ? 1 : 0) << "recovery never pulses a door";
    const auto remote = dispense(sim);
    if (c.doorOpens) {
        EXPECT_EQ(remote.value("status", ""), "completed") << remote.dump();
        EXPECT_EQ(sim.commits(kTrade), 1) << "confirmed exactly once";
        EXPECT_EQ(rowState(journalFile), "confirmed");
    } else {
        // Crashed before the command: the door reads closed, the kiosk cannot know whether it
        // opened and was shut: not confirmed, and staff are asked to check the locker.
        EXPECT_EQ(remote.value("status", ""), "in-progress") << remote.dump();
        EXPECT_EQ(sim.commits(kTrade), 0);
        EXPECT_EQ(rowState(journalFile), "door_unknown");
        auto opened = Journal::open(journalFile);
        ASSERT_TRUE(opened);
        auto journal = screens::PickupJournal::open(std::move(*opened));
        ASSERT_TRUE(journal);
        auto faults = (*journal)->faultyLockers();
        ASSERT_TRUE(faults);
        ASSERT_EQ(faults->size(), 1U);
        EXPECT_EQ(faults->front().locker, kLocker);
    }
}

std::vector<PickupCrashCase> cases() {
    return {{"", true},
            {"pickup_journalled", false},
            {"pickup_after_door_open", true},
            {"pickup_door_open", true},
            {"pickup_after_his_confirm", true}};
}

INSTANTIATE_TEST_SUITE_P(EveryPickupFailpoint, PickupCrashTest, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<PickupCrashCase>& param) {
                             return param.param.failpoint.empty() ? std::string("no_crash") : param.param.failpoint;
                         });

/// Bad input: a prescription naming a locker the bank does not have, or one for which the pickup
/// code's journal row exists already (a repeated key): nothing is pulsed, nothing confirmed.
TEST(LockerPickupInput, ALockerTheBankDoesNotHaveIsNeverPulsed) {
    SimProcess sim;
    ASSERT_GT(sim.port(), 0) << sim.error();
    auto board = sim::VirtualLockBoard::create(FrameFamily::eight_a, {{1, 12, FeedbackPolarity::closed_when_set}});
    ASSERT_TRUE(board) << board.error().detail;
    auto opened = Journal::open(sim.dir().path() / "kiosk-journal.db");
    ASSERT_TRUE(opened);
    auto journal = screens::PickupJournal::open(std::move(*opened));
    ASSERT_TRUE(journal);
    backend::FhirSettings settings;
    settings.http.baseUrl = sim.fhirUrl();
    settings.retries = 0;
    backend::FhirHisDriver his(settings);
    drivers::locker::LockBoardSettings boardSettings;
    boardSettings.serial = drivers::transport::SerialSettings{.path = (*board)->path().string(), .baud = 9600};
    boardSettings.boards = {{1, 12, FeedbackPolarity::closed_when_set}};
    boardSettings.confirmTimeout = std::chrono::milliseconds(400);
    drivers::locker::LockBoardDriver lockers("lockers", boardSettings);
    screens::LockerPickup pickup(his, **journal, lockers);
    backend::Prescription prescription;
    prescription.dispenseId = kDispense;
    prescription.lockerNumber = 40;
    const auto refused = pickup.pickUp(prescription, "PU-BAD-1");
    EXPECT_EQ(refused.door, screens::LockerPickupResult::Door::refused);
    ASSERT_TRUE(refused.error.has_value());
    EXPECT_EQ(refused.error->messageKey, "locker.no_such_locker");
    EXPECT_EQ((*board)->openAllCommands(), 0);
    for (int locker = 1; locker <= 12; ++locker) EXPECT_EQ((*board)->openCommands(locker), 0);
    // The same key twice: the second is refused before any command (the row exists).
    prescription.lockerNumber = kLocker;
    const auto first = pickup.pickUp(prescription, "PU-TWICE");
    ASSERT_EQ(first.door, screens::LockerPickupResult::Door::opened);
    (*board)->close(kLocker);
    const auto again = pickup.pickUp(prescription, "PU-TWICE");
    EXPECT_EQ(again.door, screens::LockerPickupResult::Door::refused);
    EXPECT_EQ((*board)->openCommands(kLocker), 1) << "no locker opened twice under one key";
    EXPECT_EQ(dispense(sim).value("status", ""), "completed");
    EXPECT_EQ(sim.commits("PU-TWICE"), 1);
    // Nor under a new key (a second tap, a list read again before the HIS confirmed).
    const auto newKey = pickup.pickUp(prescription, "PU-THIRD");
    EXPECT_EQ(newKey.door, screens::LockerPickupResult::Door::refused);
    ASSERT_TRUE(newKey.error.has_value());
    EXPECT_EQ(newKey.error->messageKey, "pickup.error.opened_before");
    EXPECT_EQ((*board)->openCommands(kLocker), 1) << "one prescription, one opening";
}

/// A board that stops answering after the pulse: the door may have opened. No second pulse, the
/// pickup is door_unknown (not "still inside"), the locker out of service, nothing confirmed.
TEST(LockerPickupInput, ASilentBoardGetsNoSecondPulseAndIsNotCalledShut) {
    SimProcess sim;
    ASSERT_GT(sim.port(), 0) << sim.error();
    auto board = sim::VirtualLockBoard::create(FrameFamily::eight_a, {{1, 12, FeedbackPolarity::closed_when_set}});
    ASSERT_TRUE(board) << board.error().detail;
    auto opened = Journal::open(sim.dir().path() / "kiosk-journal.db");
    ASSERT_TRUE(opened);
    auto journal = screens::PickupJournal::open(std::move(*opened));
    ASSERT_TRUE(journal);
    backend::FhirSettings settings;
    settings.http.baseUrl = sim.fhirUrl();
    settings.retries = 0;
    backend::FhirHisDriver his(settings);
    drivers::locker::LockBoardSettings boardSettings;
    boardSettings.serial = drivers::transport::SerialSettings{.path = (*board)->path().string(), .baud = 9600};
    boardSettings.boards = {{1, 12, FeedbackPolarity::closed_when_set}};
    boardSettings.confirmTimeout = std::chrono::milliseconds(400);
    boardSettings.answerTimeout = std::chrono::milliseconds(150);
    drivers::locker::LockBoardDriver lockers("lockers", boardSettings);
    ASSERT_TRUE((*board)->setScenario("silent").has_value());
    screens::LockerPickup pickup(his, **journal, lockers);
    backend::Prescription prescription;
    prescription.dispenseId = kDispense;
    prescription.lockerNumber = kLocker;
    const auto result = pickup.pickUp(prescription, "PU-SILENT");
    EXPECT_EQ(result.door, screens::LockerPickupResult::Door::unknown);
    EXPECT_LE((*board)->openCommands(kLocker), 1) << "no second pulse into a board that does not answer";
    EXPECT_EQ(dispense(sim).value("status", ""), "in-progress");
    auto row = (*journal)->find("PU-SILENT");
    ASSERT_TRUE(row && *row);
    EXPECT_EQ((**row).state, "door_unknown");
    auto faults = (*journal)->faultyLockers();
    ASSERT_TRUE(faults);
    ASSERT_EQ(faults->size(), 1U);
    EXPECT_EQ(faults->front().locker, kLocker);
}

/// A herbal delivery order (issue 13 item 4) killed after its key is journalled and after the HIS
/// answered: after the restart the journal row is terminal, the HIS holds at most one order (and
/// one fee) under the key, and asking again for the same prescription never makes a second fee.
class TcmOrderCrashTest : public ::testing::TestWithParam<std::string> {};

TEST_P(TcmOrderCrashTest, RestartLeavesOneOrderAndOneFee) {
    const std::string failpoint = GetParam();
    SimProcess sim;
    ASSERT_GT(sim.port(), 0) << sim.error();
    auto board = sim::VirtualLockBoard::create(FrameFamily::eight_a, {{1, 12, FeedbackPolarity::closed_when_set}});
    ASSERT_TRUE(board) << board.error().detail;
    const auto journalFile = sim.dir().path() / "kiosk-journal.db";
    const std::vector<std::string> base = {PICKUP_PROBE_EXE, "--journal", journalFile.string(), "--fhir", sim.fhirUrl(), "--board",
                                           (*board)->path().string()};
    std::vector<std::string> first = {"env", "KIOSK_FAILPOINT=" + failpoint};
    first.insert(first.end(), base.begin(), base.end());
    first.insert(first.end(), {"--tcm-dispense", "disp-li-jun-tcm", "--patient", "pat-li-jun", "--trade", "TC-CRASH-1"});
    const auto crashed = runCommand(first);
    ASSERT_EQ(crashed.exitCode, payments::kFailpointExitCode) << "failpoint not reached\n" << crashed.out << crashed.err;
    std::vector<std::string> again = base;
    again.emplace_back("--recover");
    const auto recovered = runCommand(again);
    ASSERT_EQ(recovered.exitCode, 0) << recovered.out << recovered.err;
    // The probe's result is its last line (the log may come before it on stdout).
    const std::string lastLine = recovered.out.substr(recovered.out.rfind('{') == std::string::npos ? 0 : recovered.out.rfind('{'));
    const auto report = nlohmann::json::parse(lastLine, nullptr, false);
    ASSERT_TRUE(report.is_object()) << recovered.out << recovered.err;
    const bool hisHasIt = failpoint == "tcm_order_answered";
    EXPECT_EQ(report.value("ordered", -1), hisHasIt ? 1 : 0) << recovered.out;
    EXPECT_EQ(report.value("abandoned", -1), hisHasIt ? 0 : 1) << recovered.out;
    EXPECT_EQ(rowStateOf(journalFile, "TC-CRASH-1"), hisHasIt ? "ordered" : "abandoned");
    EXPECT_EQ(sim.commits("TC-CRASH-1"), hisHasIt ? 1 : 0);
    // The patient asks again (the kiosk makes a new key): the order the HIS has is asked for
    // under its own key (the same order back, no second call under the new one); an order the
    // HIS never had is placed now. One order for the prescription, ever.
    std::vector<std::string> retry = base;
    retry.insert(retry.end(), {"--tcm-dispense", "disp-li-jun-tcm", "--patient", "pat-li-jun", "--trade", "TC-CRASH-2"});
    const auto second = runCommand(retry);
    EXPECT_EQ(second.exitCode, 0) << second.out << second.err;
    EXPECT_EQ(sim.commits("TC-CRASH-2"), hisHasIt ? 0 : 1) << second.out;
    const auto orders = sim.call("GET", "/admin/tcm");
    int forLiJun = 0;
    for (const auto& order : orders["orders"]) forLiJun += order.dump().find("disp-li-jun-tcm") != std::string::npos ? 1 : 0;
    EXPECT_EQ(forLiJun, 1) << orders.dump();
    int fees = 0;
    const auto charges = sim.call("GET", "/fhir/ChargeItem?subject=Patient/pat-li-jun");
    for (const auto& entry : charges.value("entry", nlohmann::json::array())) {
        fees += entry["resource"].dump().find("中药配送费") != std::string::npos ? 1 : 0;
    }
    EXPECT_EQ(fees, 1) << "one delivery fee, whatever crashed when";
}

INSTANTIATE_TEST_SUITE_P(EveryTcmOrderFailpoint, TcmOrderCrashTest,
                         ::testing::ValuesIn(std::vector<std::string>(screens::kTcmOrderFailpointSteps.begin(),
                                                                      screens::kTcmOrderFailpointSteps.end())),
                         [](const ::testing::TestParamInfo<std::string>& param) { return param.param; });

TEST(PickupCrashCoverage, EveryPickupFailpointIsInTheMatrix) {
    for (const auto step : screens::kPickupFailpointSteps) {
        bool found = false;
        for (const auto& c : cases()) found = found || c.failpoint == step;
        EXPECT_TRUE(found) << step;
    }
}

}  // namespace
}  // namespace kiosk::test
