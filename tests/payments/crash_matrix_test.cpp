// The crash matrix: pay_probe (a real process doing a QR payment against hospital-sim) is killed
// with _exit at every failpoint (KIOSK_FAILPOINT), restarted in recovery mode, and the outcome is
// checked against the simulator's own ledger: no payment taken twice, none lost, every paid order
// committed to the HIS or refunded, and every journal row terminal.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "kiosk/core/journal.hpp"
#include "payments/failpoint.hpp"
#include "payments/saga_journal.hpp"
#include "tests/backend/sim_process.hpp"
#include "tests/support/run_command.hpp"

namespace kiosk::payments {
namespace {

enum class Scenario {
    phonePays,          ///< the patient pays as soon as the QR is shown
    paysWhileDown,      ///< the patient pays while the kiosk is dead (before it restarts)
    nobodyPays,         ///< the countdown runs out: query, close
    hisRejects,         ///< paid, but the charge was settled at the cashier: refund
};

struct CrashCase {
    std::string failpoint;
    Scenario scenario;
    SagaState expected;
};

std::string scenarioName(Scenario s) {
    switch (s) {
        case Scenario::phonePays: return "phonePays";
        case Scenario::paysWhileDown: return "paysWhileDown";
        case Scenario::nobodyPays: return "nobodyPays";
        case Scenario::hisRejects: return "hisRejects";
    }
    return "?";
}

void PrintTo(const CrashCase& c, std::ostream* os) { *os << c.failpoint << "/" << scenarioName(c.scenario); }

class CrashMatrixTest : public ::testing::TestWithParam<CrashCase> {};

TEST_P(CrashMatrixTest, RestartResolvesAgainstTheLedger) {
    const CrashCase& c = GetParam();
    test::SimProcess sim;
    ASSERT_TRUE(sim.ready()) << sim.log();
    backend::FhirSettings fhirSettings = sim.settings();
    backend::FhirHisDriver his(fhirSettings);
    auto charges = his.charges("pat-li-jun");
    ASSERT_TRUE(charges && !charges->empty());
    const auto& charge = charges->front();
    if (c.scenario == Scenario::hisRejects) {
        backend::PaymentCommit cashier{"CASHIER-1", "pat-li-jun", {charge.id}, charge.amountFen, 0, charge.amountFen, "cash", ""};
        ASSERT_TRUE(his.commitPayment(cashier));
    }
    const auto journalFile = sim.dir().path() / "kiosk-journal.db";
    std::vector<std::string> pay = {"env", "KIOSK_FAILPOINT=" + c.failpoint, PAY_PROBE_EXE, "--journal", journalFile.string(),
                                    "--root", sim.rootUrl(), "--mode", "pay", "--patient", "pat-li-jun", "--charges", charge.id,
                                    "--amount", std::to_string(charge.amountFen), "--channel", "wechat", "--poll-ms", "20",
                                    "--qr-timeout-ms", "200"};
    if (c.scenario == Scenario::phonePays || c.scenario == Scenario::hisRejects) pay.emplace_back("--phone-pays");
    const auto crashed = test::runCommand(pay);
    ASSERT_EQ(crashed.exitCode, kFailpointExitCode) << "failpoint not reached\n" << crashed.out << crashed.err;

    std::string orderId;
    {
        auto journal = Journal::open(journalFile);
        ASSERT_TRUE(journal);
        auto saga = SagaJournal::attach(**journal, "K01");
        ASSERT_TRUE(saga);
        auto rows = saga->all();
        ASSERT_TRUE(rows);
        ASSERT_EQ(rows->size(), 1U);
        orderId = rows->front().orderId;
        EXPECT_FALSE(isTerminal(rows->front().state)) << "the crash left a terminal row: " << stateName(rows->front().state);
    }
    if (c.scenario == Scenario::paysWhileDown) sim.call("POST", "/gateway/orders/" + orderId + "P/simulate-paid");

    const auto restarted = test::runCommand({PAY_PROBE_EXE, "--journal", journalFile.string(), "--root", sim.rootUrl(), "--mode", "recover"});
    ASSERT_EQ(restarted.exitCode, 0) << restarted.out << restarted.err;
    const auto report = nlohmann::json::parse(restarted.out, nullptr, false);
    ASSERT_TRUE(report.is_object()) << restarted.out;
    EXPECT_TRUE(report["pending"].empty()) << restarted.out;
    ASSERT_EQ(report["recovered"].size(), 1U) << restarted.out;
    EXPECT_EQ(report["recovered"][0]["state"], stateName(c.expected)) << restarted.out << restarted.err;

    // The simulator's own ledger.
    PaymentOrder keys;
    keys.orderId = orderId;
    long status = 0;
    const auto gateway = sim.call("GET", "/gateway/orders/" + keys.outTradeNo(), nullptr, &status);
    EXPECT_LE(sim.commits(keys.outTradeNo()), 1);
    EXPECT_LE(sim.commits(keys.outRefundNo()), 1);
    EXPECT_LE(sim.commits(keys.hisTradeNo()), 1);
    switch (c.expected) {
        case SagaState::done:
            EXPECT_EQ(gateway["status"], "SUCCESS");
            EXPECT_EQ(sim.commits(keys.hisTradeNo()), 1);
            EXPECT_EQ(sim.commits(keys.outRefundNo()), 0);
            break;
        case SagaState::refunded:
            EXPECT_EQ(gateway["status"], "REFUND");
            EXPECT_EQ(gateway["refunded_fen"], charge.amountFen);
            EXPECT_EQ(sim.commits(keys.outRefundNo()), 1);
            EXPECT_EQ(sim.commits(keys.hisTradeNo()), 0);
            break;
        case SagaState::closed:
            EXPECT_TRUE(status == 404 || gateway["status"] == "CLOSED") << gateway.dump();
            EXPECT_EQ(sim.commits(keys.hisTradeNo()), 0);
            break;
        default:
            ADD_FAILURE() << "unexpected expectation";
    }
    // A second restart finds nothing left to do.
    const auto again = test::runCommand({PAY_PROBE_EXE, "--journal", journalFile.string(), "--root", sim.rootUrl(), "--mode", "recover"});
    EXPECT_EQ(again.exitCode, 0);
    const auto second = nlohmann::json::parse(again.out, nullptr, false);
    EXPECT_TRUE(second.is_object() && second["recovered"].empty() && second["pending"].empty()) << again.out;
}

std::vector<CrashCase> crashCases() {
    using S = SagaState;
    return {
        {"order_created", Scenario::phonePays, S::closed},
        {"before_gateway_order", Scenario::phonePays, S::closed},
        {"after_gateway_order", Scenario::phonePays, S::closed},
        {"qr_shown", Scenario::phonePays, S::closed},
        {"after_paid_seen", Scenario::phonePays, S::done},
        {"paid", Scenario::phonePays, S::done},
        {"before_his_commit", Scenario::phonePays, S::done},
        {"after_his_commit", Scenario::phonePays, S::done},
        {"after_gateway_order", Scenario::paysWhileDown, S::done},
        {"qr_shown", Scenario::paysWhileDown, S::done},
        {"before_close", Scenario::nobodyPays, S::closed},
        {"after_close", Scenario::nobodyPays, S::closed},
        {"before_close", Scenario::paysWhileDown, S::done},
        {"before_his_commit", Scenario::hisRejects, S::refunded},
        {"after_his_commit", Scenario::hisRejects, S::refunded},
        {"before_refund", Scenario::hisRejects, S::refunded},
        {"after_refund", Scenario::hisRejects, S::refunded},
    };
}

INSTANTIATE_TEST_SUITE_P(EveryFailpoint, CrashMatrixTest, ::testing::ValuesIn(crashCases()),
                         [](const ::testing::TestParamInfo<CrashCase>& param) {
                             return param.param.failpoint + "_" + scenarioName(param.param.scenario);
                         });

TEST(CrashMatrixCoverage, EveryFailpointIsInTheMatrix) {
    for (const auto step : kFailpointSteps) {
        bool found = false;
        for (const auto& c : crashCases()) found = found || c.failpoint == step;
        EXPECT_TRUE(found) << step;
    }
}

}  // namespace
}  // namespace kiosk::payments
