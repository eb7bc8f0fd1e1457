// The crash matrix: pay_probe (a real process doing a QR or an insurance payment against
// hospital-sim) is killed with _exit at every failpoint (KIOSK_FAILPOINT), restarted in recovery
// mode, and the outcome is checked against the simulator's own ledgers: no payment taken twice,
// none lost, every paid order committed to the HIS or refunded, every insurance settlement
// either committed in the HIS or cancelled, and every journal row terminal.
// Registration orders (issue 11: hold → pay the fee → book) run the same way (pay_probe
// --mode book-paid) and are checked against the hospital's appointments: never charged without
// a booked or refunded appointment, never booked without the payment, never a slot left held.
// Bank-card orders (issue 16: the cash part on the MIS-POS terminal) run the same way with the
// virtual terminal on a real pty served by this test process (pay_probe opens the pty like a
// serial port), and are checked against the simulated acquirer's own ledger: never charged
// twice, never charged without a HIS commit or a void / refund, nothing charged for a closed one.
#include <gtest/gtest.h>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "kiosk/core/journal.hpp"
#include "payments/failpoint.hpp"
#include "payments/saga_journal.hpp"
#include "sim/devices/virtual_mispos.hpp"
#include "tests/backend/sim_process.hpp"
#include "tests/support/run_command.hpp"

namespace kiosk::payments {
namespace {

enum class Scenario {
    phonePays,          ///< the patient pays as soon as the QR is shown
    paysWhileDown,      ///< the patient pays while the kiosk is dead (before it restarts)
    nobodyPays,         ///< the countdown runs out: query, close
    hisRejects,         ///< paid, but the charge was settled at the cashier: refund
    holdLost,           ///< registration: the hold ends while the patient pays; the slot is still free
    holdTaken,          ///< registration: the hold ends and another patient holds the slot
    cancelled,          ///< registration: booked and paid, then the patient cancels it (退号)
};

enum class Payer {
    qr,          ///< self-pay by QR (pat-li-jun, one charge)
    insured,     ///< insurance with a cash part by QR (pat-zhang-san, every charge)
    fullyCovered, ///< insurance, the fund pays all (pat-ouyang-nana, every charge)
    registration,  ///< a booking's registration fee by QR (pat-li-jun, a cardiology slot tomorrow)
    insuredRegistration,  ///< the same fee by insurance (Zhang San's ID: 90 % fund), the cash part by QR
    tcmDelivery,   ///< a herbal delivery fee by QR (pat-li-jun's herbal prescription, address by phone; issue 13 item 4)
    card,          ///< self-pay on the bank-card terminal (pat-li-jun, one charge; issue 16)
    insuredCard    ///< insurance with the cash part on the bank-card terminal (pat-zhang-san)
};

struct CrashCase {
    std::string failpoint;
    Scenario scenario;
    SagaState expected;
    Payer payer = Payer::qr;
};

std::string payerName(Payer p) {
    switch (p) {
        case Payer::qr: return "";
        case Payer::insured: return "_insured";
        case Payer::fullyCovered: return "_fullyCovered";
        case Payer::registration: return "_registration";
        case Payer::insuredRegistration: return "_insuredRegistration";
        case Payer::tcmDelivery: return "_tcmDelivery";
        case Payer::card: return "_card";
        case Payer::insuredCard: return "_insuredCard";
    }
    return "?";
}

std::string scenarioName(Scenario s) {
    switch (s) {
        case Scenario::phonePays: return "phonePays";
        case Scenario::paysWhileDown: return "paysWhileDown";
        case Scenario::nobodyPays: return "nobodyPays";
        case Scenario::hisRejects: return "hisRejects";
        case Scenario::holdLost: return "holdLost";
        case Scenario::holdTaken: return "holdTaken";
        case Scenario::cancelled: return "cancelled";
    }
    return "?";
}

void PrintTo(const CrashCase& c, std::ostream* os) { *os << c.failpoint << "/" << scenarioName(c.scenario) << payerName(c.payer); }

class CrashMatrixTest : public ::testing::TestWithParam<CrashCase> {};

/// A free cardiology slot with a fee, tomorrow (hospital time): today's may all have begun.
backend::Slot feeSlotTomorrow(backend::FhirHisDriver& his) {
    const auto tomorrow = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now() + std::chrono::hours(8 + 24));
    backend::SlotQuery query;
    query.departmentId = "dept-CARD";
    query.fromDate = fmt::format("{:%Y-%m-%d}", tomorrow);
    auto slots = his.slots(query);
    EXPECT_TRUE(slots) << (slots ? "" : slots.error().describe());
    if (slots) {
        for (const auto& slot : *slots) {
            if (slot.status == "free" && slot.feeFen > 0) return slot;
        }
    }
    ADD_FAILURE() << "no free cardiology slot with a fee tomorrow";
    return {};
}

/// The registration half of the matrix: crash between hold and booking, restart, and compare
/// with the gateway and the hospital's appointments.
void registrationCase(const CrashCase& c, test::SimProcess& sim, backend::FhirHisDriver& his) {
    const backend::Slot slot = feeSlotTomorrow(his);
    ASSERT_FALSE(slot.id.empty());
    const auto journalFile = sim.dir().path() / "kiosk-journal.db";
    std::vector<std::string> pay = {"env", "KIOSK_FAILPOINT=" + c.failpoint, PAY_PROBE_EXE, "--journal", journalFile.string(),
                                    "--root", sim.rootUrl(), "--patient", "pat-li-jun", "--channel", "wechat", "--poll-ms", "20",
                                    "--qr-timeout-ms", "200", "--mode", "book-paid", "--slot", slot.id, "--amount",
                                    std::to_string(slot.feeFen)};
    if (c.scenario != Scenario::nobodyPays && c.scenario != Scenario::paysWhileDown) pay.emplace_back("--phone-pays");
    if (c.scenario == Scenario::holdLost) pay.insert(pay.end(), {"--hold-lost", "free"});
    if (c.scenario == Scenario::holdTaken) pay.insert(pay.end(), {"--hold-lost", "taken"});
    if (c.scenario == Scenario::cancelled) pay.emplace_back("--cancel");
    const bool insured = c.payer == Payer::insuredRegistration;
    if (insured) pay.insert(pay.end(), {"--cert-no", "110101199003070134"});  // Zhang San (desk_fixture.hpp)
    const auto crashed = test::runCommand(pay);
    ASSERT_EQ(crashed.exitCode, kFailpointExitCode) << "failpoint not reached\n" << crashed.out << crashed.err;
    PaymentOrder keys;
    {
        auto journal = Journal::open(journalFile);
        ASSERT_TRUE(journal);
        auto saga = SagaJournal::attach(**journal, "K01");
        ASSERT_TRUE(saga);
        auto rows = saga->all();
        ASSERT_TRUE(rows);
        ASSERT_EQ(rows->size(), 1U);
        keys = rows->front();
        EXPECT_FALSE(isTerminal(keys.state)) << "the crash left a terminal row: " << stateName(keys.state);
        EXPECT_TRUE(keys.registration());
    }
    // The centre's settlements of the order's visit (none before 2201 was journalled).
    auto settlementsOfVisit = [&] {
        std::vector<std::string> out;
        auto journal = Journal::open(journalFile);
        if (!journal) return out;
        auto saga = SagaJournal::attach(**journal, "K01");
        auto order = saga ? saga->load(keys.orderId) : Result<PaymentOrder>(std::unexpected(Error(Errc::internal, "no journal")));
        if (!order || order->mdtrtId.empty()) return out;
        const auto ledger = sim.call("GET", "/insurance/admin/ledger");
        for (const auto& s : ledger["settlements"]) {
            if (s["setlinfo"].value("mdtrt_id", "") == order->mdtrtId) out.push_back(s.value("status", ""));
        }
        return out;
    };
    if (c.scenario == Scenario::paysWhileDown) sim.call("POST", "/gateway/orders/" + keys.outTradeNo() + "/simulate-paid");

    const auto restarted = test::runCommand({PAY_PROBE_EXE, "--journal", journalFile.string(), "--root", sim.rootUrl(), "--mode", "recover"});
    ASSERT_EQ(restarted.exitCode, 0) << restarted.out << restarted.err;
    const auto report = nlohmann::json::parse(restarted.out, nullptr, false);
    ASSERT_TRUE(report.is_object()) << restarted.out;
    EXPECT_TRUE(report["pending"].empty()) << restarted.out;
    ASSERT_EQ(report["recovered"].size(), 1U) << restarted.out;
    EXPECT_EQ(report["recovered"][0]["state"], stateName(c.expected)) << restarted.out << restarted.err;

    long status = 0;
    const auto gateway = sim.call("GET", "/gateway/orders/" + keys.outTradeNo(), nullptr, &status);
    // What the hospital holds under each of the order's two hold keys.
    std::map<std::string, std::string> held;
    for (const int attempt : {0, 1}) {
        const std::string key = keys.holdKeyOf(attempt);
        EXPECT_LE(sim.commits(key), 1) << key << " held twice";
        EXPECT_LE(sim.commits("book:" + key), 1) << key << " booked twice";
        auto known = his.lookupTransaction(key);
        if (known) held[key] = known->status;
    }
    int booked = 0, live = 0;
    for (const auto& [key, state] : held) {
        booked += state == "booked" ? 1 : 0;
        live += state == "proposed" ? 1 : 0;
    }
    EXPECT_EQ(live, 0) << "a slot is still held by an order that ended";
    EXPECT_LE(sim.commits(keys.outTradeNo()), 1);
    EXPECT_LE(sim.commits(keys.outRefundNo()), 1);
    // Paid by insurance, the gateway only ever sees the cash part (10 % of a class A fee).
    const int64_t cashFen = insured ? slot.feeFen - slot.feeFen * 9 / 10 : slot.feeFen;
    const std::vector<std::string> settlements = settlementsOfVisit();
    switch (c.expected) {
        case SagaState::done:
            EXPECT_EQ(gateway["status"], "SUCCESS") << gateway.dump();
            EXPECT_EQ(gateway["amount_fen"], cashFen) << gateway.dump();
            EXPECT_EQ(booked, 1) << "paid, but no appointment booked";
            EXPECT_EQ(sim.commits(keys.outRefundNo()), 0);
            if (insured) EXPECT_EQ(settlements, std::vector<std::string>{"settled"}) << "settled exactly once";
            break;
        case SagaState::refunded:
            EXPECT_EQ(gateway["status"], "REFUND") << gateway.dump();
            EXPECT_EQ(gateway["refunded_fen"], cashFen);
            EXPECT_EQ(booked, 0) << "refunded, yet booked";
            if (insured) EXPECT_EQ(settlements, std::vector<std::string>{"cancelled"}) << "the settlement cancelled (2208)";
            break;
        case SagaState::closed:
            EXPECT_TRUE(status == 404 || gateway["status"] == "CLOSED") << gateway.dump();
            EXPECT_EQ(booked, 0) << "booked without a payment";
            EXPECT_TRUE(settlements.empty()) << "nothing settled for a fee nobody paid";
            break;
        default:
            ADD_FAILURE() << "unexpected expectation";
    }
    if (c.scenario == Scenario::cancelled) {
        // 退号: booked once, then either still booked (the cancellation never reached the HIS)
        // or cancelled and refunded once, by the order's own refund key.
        EXPECT_EQ(sim.commits("book:" + keys.holdKeyOf(0)), 1);
        if (c.expected == SagaState::refunded) {
            EXPECT_EQ(held[keys.holdKeyOf(0)], "cancelled");
            EXPECT_EQ(sim.commits(keys.outRefundNo()), 1);
        }
    }
    // The slot is free again unless it is booked (ours) or another patient holds it.
    if (booked == 0 && c.scenario != Scenario::holdTaken) {
        backend::SlotQuery query;
        query.departmentId = "dept-CARD";
        query.fromDate = slot.start.substr(0, 10);
        auto slots = his.slots(query);
        ASSERT_TRUE(slots);
        EXPECT_TRUE(std::any_of(slots->begin(), slots->end(), [&](const backend::Slot& s) { return s.id == slot.id; }))
            << "slot " << slot.id << " not free again";
    }
    const auto again = test::runCommand({PAY_PROBE_EXE, "--journal", journalFile.string(), "--root", sim.rootUrl(), "--mode", "recover"});
    EXPECT_EQ(again.exitCode, 0);
    const auto second = nlohmann::json::parse(again.out, nullptr, false);
    EXPECT_TRUE(second.is_object() && second["recovered"].empty() && second["pending"].empty()) << again.out;
}

TEST_P(CrashMatrixTest, RestartResolvesAgainstTheLedger) {
    const CrashCase& c = GetParam();
    test::SimProcess sim;
    ASSERT_TRUE(sim.ready()) << sim.log();
    backend::FhirSettings fhirSettings = sim.settings();
    backend::FhirHisDriver his(fhirSettings);
    if (c.payer == Payer::registration || c.payer == Payer::insuredRegistration) {
        registrationCase(c, sim, his);
        return;
    }
    const bool insured = c.payer == Payer::insured || c.payer == Payer::fullyCovered || c.payer == Payer::insuredCard;
    const bool card = c.payer == Payer::card || c.payer == Payer::insuredCard;
    const std::string patient = c.payer == Payer::insured || c.payer == Payer::insuredCard ? "pat-zhang-san"
                                : c.payer == Payer::fullyCovered                          ? "pat-ouyang-nana"
                                                                                          : "pat-li-jun";
    // The bank-card terminal: served here on a pty for the whole case (crash and restarts).
    std::unique_ptr<sim::VirtualMisPos> terminal;
    std::shared_ptr<sim::VirtualAcquirer> acquirer;
    const auto layoutFile = std::filesystem::path(KIOSK_TEST_ASSETS_DIR) / "pos" / "ums_bankall.toml";
    std::vector<std::string> cardArgs;
    if (card) {
        auto layout = drivers::pos::MisPosLayout::loadFile(layoutFile);
        ASSERT_TRUE(layout) << layout.error().detail;
        acquirer = std::make_shared<sim::VirtualAcquirer>(sim.dir().path() / "vpos.state", *layout);
        auto created = sim::VirtualMisPos::create(acquirer, sim.dir().path() / "ttyPos");
        ASSERT_TRUE(created) << created.error().detail;
        terminal = std::move(*created);
        cardArgs = {"--pos-port", (sim.dir().path() / "ttyPos").string(), "--pos-layout", layoutFile.string()};
    }
    // A herbal delivery: the order is placed first (its fee is a new ChargeItem), then that fee is
    // what the probe pays.
    std::string tcmOrderId;
    std::string tcmChargeId;
    if (c.payer == Payer::tcmDelivery) {
        auto order = his.orderTcmService({.tradeNo = "TC-CRASH", .patientId = patient, .dispenseId = "disp-li-jun-tcm", .requestId = {},
                                          .service = backend::TcmService::delivery, .addressByLink = true, .kioskId = "K01"});
        ASSERT_TRUE(order) << order.error().describe();
        ASSERT_TRUE(order->unpaid());
        tcmOrderId = order->orderId;
        tcmChargeId = order->chargeId;
    }
    auto charges = his.charges(patient);
    ASSERT_TRUE(charges && !charges->empty());
    if (!tcmChargeId.empty()) {
        std::erase_if(*charges, [&](const backend::Charge& charge) { return charge.id != tcmChargeId; });
        ASSERT_EQ(charges->size(), 1U) << "the delivery fee is not among the patient's charges";
    }
    if (!insured) charges->resize(1);
    std::vector<std::string> chargeIds;
    std::string lines;
    int64_t totalFen = 0;
    for (const auto& charge : *charges) {
        chargeIds.push_back(charge.id);
        totalFen += charge.amountFen;
        lines += (lines.empty() ? "" : ",") + charge.id + ":" + charge.insuranceClass + ":" + charge.code + ":" + std::to_string(charge.amountFen);
    }
    if (c.scenario == Scenario::hisRejects) {
        backend::PaymentCommit cashier{"CASHIER-1", patient, chargeIds, totalFen, 0, totalFen, "cash", ""};
        ASSERT_TRUE(his.commitPayment(cashier));
    }
    const auto journalFile = sim.dir().path() / "kiosk-journal.db";
    std::vector<std::string> pay = {"env", "KIOSK_FAILPOINT=" + c.failpoint, PAY_PROBE_EXE, "--journal", journalFile.string(),
                                    "--root", sim.rootUrl(), "--patient", patient, "--channel", card ? "bankcard" : "wechat",
                                    "--poll-ms", "20", "--qr-timeout-ms", "200"};
    pay.insert(pay.end(), cardArgs.begin(), cardArgs.end());
    if (insured) {
        const std::string certNo = c.payer == Payer::fullyCovered ? "430111194201010663" : "110101199003070134";
        for (const auto& a : {std::string("--mode"), std::string("pay-insured"), std::string("--cert-no"), certNo, std::string("--lines"), lines}) pay.push_back(a);
    } else {
        for (const auto& a : {std::string("--mode"), std::string("pay"), std::string("--charges"), chargeIds.front(), std::string("--amount"),
                              std::to_string(totalFen)}) pay.push_back(a);
    }
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

    std::vector<std::string> recover = {PAY_PROBE_EXE, "--journal", journalFile.string(), "--root", sim.rootUrl(), "--mode", "recover"};
    recover.insert(recover.end(), cardArgs.begin(), cardArgs.end());
    const auto restarted = test::runCommand(recover);
    ASSERT_EQ(restarted.exitCode, 0) << restarted.out << restarted.err;
    const auto report = nlohmann::json::parse(restarted.out, nullptr, false);
    ASSERT_TRUE(report.is_object()) << restarted.out;
    EXPECT_TRUE(report["pending"].empty()) << restarted.out;
    ASSERT_EQ(report["recovered"].size(), 1U) << restarted.out;
    EXPECT_EQ(report["recovered"][0]["state"], stateName(c.expected)) << restarted.out << restarted.err;

    // The simulator's own ledgers.
    PaymentOrder keys;
    keys.orderId = orderId;
    long status = 0;
    const auto gateway = sim.call("GET", "/gateway/orders/" + keys.outTradeNo(), nullptr, &status);
    const int64_t cashFen = report["recovered"][0]["cash_fen"].get<int64_t>();
    int settled = 0, cancelled = 0;
    const auto ledger = sim.call("GET", "/insurance/admin/ledger");  // named: the loop must not outlive it
    for (const auto& s : ledger["settlements"]) {
        if (s["setlinfo"].value("ipt_otp_no", "") != orderId) continue;
        (s["status"] == "settled" ? settled : cancelled) += 1;
    }
    EXPECT_LE(settled, 1) << "settled twice";
    EXPECT_LE(settled + cancelled, 1) << "more than one settlement for one order";
    const bool noCash = insured && cashFen == 0 && c.expected != SagaState::closed;
    if (noCash || card) {
        EXPECT_EQ(status, 404) << "a gateway order for an order without a cash part by QR";
    }
    const bool viaGateway = !noCash && !card;
    if (card) {
        // The acquirer's ledger: at most one approved consume; a refunded order's consume voided
        // or refunded in full; a closed order charged nothing.
        EXPECT_LE(acquirer->charges(), 1) << "charged twice";
        int voided = 0;
        int64_t refunded = 0, consumed = 0;
        for (const auto& t : acquirer->transactions()) {
            if (t.type == "consume") {
                consumed += t.amountFen;
                voided += t.voided ? 1 : 0;
                refunded += t.refundedFen;
            }
        }
        switch (c.expected) {
            case SagaState::done:
                EXPECT_EQ(acquirer->charges(), 1);
                EXPECT_EQ(consumed, cashFen);
                EXPECT_EQ(voided, 0);
                EXPECT_EQ(refunded, 0);
                break;
            case SagaState::refunded:
                EXPECT_EQ(acquirer->charges(), 1);
                EXPECT_TRUE(voided == 1 || refunded == consumed) << "charged and not given back";
                break;
            case SagaState::closed: EXPECT_EQ(acquirer->charges(), 0) << "charged for a closed order"; break;
            default: break;
        }
    }
    EXPECT_LE(sim.commits(keys.outTradeNo()), 1);
    EXPECT_LE(sim.commits(keys.outRefundNo()), 1);
    EXPECT_LE(sim.commits(keys.hisTradeNo()), 1);
    switch (c.expected) {
        case SagaState::done:
            if (viaGateway) {
                EXPECT_EQ(gateway["status"], "SUCCESS");
            }
            EXPECT_EQ(sim.commits(keys.hisTradeNo()), 1);
            EXPECT_EQ(sim.commits(keys.outRefundNo()), 0);
            if (insured) {
                EXPECT_EQ(settled, 1) << "committed in the HIS without a standing settlement";
            }
            break;
        case SagaState::refunded:
            if (viaGateway) {
                EXPECT_EQ(gateway["status"], "REFUND");
                EXPECT_EQ(gateway["refunded_fen"], insured ? cashFen : totalFen);
                EXPECT_EQ(sim.commits(keys.outRefundNo()), 1);
            }
            EXPECT_EQ(sim.commits(keys.hisTradeNo()), 0);
            EXPECT_EQ(settled, 0) << "a settlement stands for a refunded order";
            break;
        case SagaState::closed:
            EXPECT_TRUE(status == 404 || gateway["status"] == "CLOSED") << gateway.dump();
            EXPECT_EQ(sim.commits(keys.hisTradeNo()), 0);
            EXPECT_EQ(settled + cancelled, 0) << "a settlement for an order closed before payment";
            break;
        default:
            ADD_FAILURE() << "unexpected expectation";
    }
    // The delivery starts when, and only when, its fee is paid.
    if (!tcmOrderId.empty()) {
        auto orders = his.tcmOrders(patient);
        ASSERT_TRUE(orders) << orders.error().describe();
        const auto order = std::find_if(orders->begin(), orders->end(), [&](const backend::TcmOrder& o) { return o.orderId == tcmOrderId; });
        ASSERT_NE(order, orders->end());
        // Paid by the kiosk (done) or at the cashier before it (hisRejects, refunded by the kiosk).
        const bool paid = c.expected == SagaState::done || c.scenario == Scenario::hisRejects;
        EXPECT_EQ(order->status, paid ? "active" : "draft") << order->stage;
    }
    // A second restart finds nothing left to do.
    const auto again = test::runCommand(recover);
    EXPECT_EQ(again.exitCode, 0);
    const auto second = nlohmann::json::parse(again.out, nullptr, false);
    EXPECT_TRUE(second.is_object() && second["recovered"].empty() && second["pending"].empty()) << again.out;
    if (card) {
        EXPECT_LE(acquirer->charges(), 1) << "a restart charged again";
    }
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
        // Insurance with a cash part by QR.
        {"ins_order_created", Scenario::phonePays, S::closed, Payer::insured},
        {"ins_before_presettle", Scenario::phonePays, S::closed, Payer::insured},
        {"ins_after_presettle", Scenario::phonePays, S::closed, Payer::insured},
        {"ins_presettled", Scenario::phonePays, S::closed, Payer::insured},
        {"before_gateway_order", Scenario::phonePays, S::closed, Payer::insured},
        {"qr_shown", Scenario::phonePays, S::closed, Payer::insured},
        {"qr_shown", Scenario::paysWhileDown, S::done, Payer::insured},
        {"before_close", Scenario::paysWhileDown, S::done, Payer::insured},
        {"after_paid_seen", Scenario::phonePays, S::done, Payer::insured},
        {"paid", Scenario::phonePays, S::done, Payer::insured},
        {"ins_before_settle", Scenario::phonePays, S::done, Payer::insured},
        {"ins_after_settle", Scenario::phonePays, S::done, Payer::insured},
        {"ins_settled", Scenario::phonePays, S::done, Payer::insured},
        {"before_his_commit", Scenario::phonePays, S::done, Payer::insured},
        {"after_his_commit", Scenario::phonePays, S::done, Payer::insured},
        {"after_his_commit", Scenario::hisRejects, S::refunded, Payer::insured},
        {"ins_before_cancel", Scenario::hisRejects, S::refunded, Payer::insured},
        {"ins_after_cancel", Scenario::hisRejects, S::refunded, Payer::insured},
        {"before_refund", Scenario::hisRejects, S::refunded, Payer::insured},
        {"after_refund", Scenario::hisRejects, S::refunded, Payer::insured},
        // Insurance paying everything: no QR at all.
        {"ins_presettled", Scenario::phonePays, S::closed, Payer::fullyCovered},
        {"ins_before_settle", Scenario::phonePays, S::done, Payer::fullyCovered},
        {"ins_after_settle", Scenario::phonePays, S::done, Payer::fullyCovered},
        {"ins_settled", Scenario::phonePays, S::done, Payer::fullyCovered},
        {"after_his_commit", Scenario::phonePays, S::done, Payer::fullyCovered},
        {"ins_before_cancel", Scenario::hisRejects, S::refunded, Payer::fullyCovered},
        {"ins_after_cancel", Scenario::hisRejects, S::refunded, Payer::fullyCovered},
        // A herbal delivery fee (issue 13 item 4): the same saga on the order's ChargeItem.
        {"order_created", Scenario::phonePays, S::closed, Payer::tcmDelivery},
        {"qr_shown", Scenario::paysWhileDown, S::done, Payer::tcmDelivery},
        {"after_paid_seen", Scenario::phonePays, S::done, Payer::tcmDelivery},
        {"before_his_commit", Scenario::phonePays, S::done, Payer::tcmDelivery},
        {"after_his_commit", Scenario::phonePays, S::done, Payer::tcmDelivery},
        {"before_close", Scenario::nobodyPays, S::closed, Payer::tcmDelivery},
        {"before_refund", Scenario::hisRejects, S::refunded, Payer::tcmDelivery},
        // The cash part on the bank-card terminal (issue 16, payments/bankcard_saga.hpp).
        {"order_created", Scenario::phonePays, S::closed, Payer::card},
        {"card_before_consume", Scenario::phonePays, S::closed, Payer::card},
        {"card_after_consume", Scenario::phonePays, S::done, Payer::card},
        {"paid", Scenario::phonePays, S::done, Payer::card},
        {"before_his_commit", Scenario::phonePays, S::done, Payer::card},
        {"after_his_commit", Scenario::phonePays, S::done, Payer::card},
        {"after_his_commit", Scenario::hisRejects, S::refunded, Payer::card},
        {"card_before_reversal", Scenario::hisRejects, S::refunded, Payer::card},
        {"card_after_reversal", Scenario::hisRejects, S::refunded, Payer::card},
        {"card_after_consume", Scenario::phonePays, S::done, Payer::insuredCard},
        {"ins_before_settle", Scenario::phonePays, S::done, Payer::insuredCard},
        {"card_before_reversal", Scenario::hisRejects, S::refunded, Payer::insuredCard},
        {"card_after_reversal", Scenario::hisRejects, S::refunded, Payer::insuredCard},
        // A booking's registration fee: hold → pay → book (payments/registration_saga.hpp).
        {"reg_order_created", Scenario::phonePays, S::closed, Payer::registration},
        {"reg_after_hold", Scenario::phonePays, S::closed, Payer::registration},
        {"reg_held", Scenario::phonePays, S::closed, Payer::registration},
        {"before_gateway_order", Scenario::phonePays, S::closed, Payer::registration},
        {"qr_shown", Scenario::phonePays, S::closed, Payer::registration},
        {"qr_shown", Scenario::paysWhileDown, S::done, Payer::registration},
        {"before_close", Scenario::nobodyPays, S::closed, Payer::registration},
        {"before_close", Scenario::paysWhileDown, S::done, Payer::registration},
        {"after_paid_seen", Scenario::phonePays, S::done, Payer::registration},
        {"paid", Scenario::phonePays, S::done, Payer::registration},
        {"before_his_commit", Scenario::phonePays, S::done, Payer::registration},
        {"after_his_commit", Scenario::phonePays, S::done, Payer::registration},
        {"before_his_commit", Scenario::holdLost, S::done, Payer::registration},
        {"reg_before_rehold", Scenario::holdLost, S::done, Payer::registration},
        {"reg_after_rehold", Scenario::holdLost, S::done, Payer::registration},
        {"reg_before_rehold", Scenario::holdTaken, S::refunded, Payer::registration},
        {"reg_after_rehold", Scenario::holdTaken, S::refunded, Payer::registration},
        {"before_refund", Scenario::holdTaken, S::refunded, Payer::registration},
        {"after_refund", Scenario::holdTaken, S::refunded, Payer::registration},
        // Cancelling (退号) a booking this kiosk sold: HIS cancel, then the fee back by its channel.
        {"reg_before_cancel", Scenario::cancelled, S::done, Payer::registration},
        {"reg_after_cancel", Scenario::cancelled, S::refunded, Payer::registration},
        {"before_refund", Scenario::cancelled, S::refunded, Payer::registration},
        {"after_refund", Scenario::cancelled, S::refunded, Payer::registration},
        // The fee by insurance: hold → 1101/2201/2204/2206 → the cash part by QR → 2207 → book.
        {"ins_before_presettle", Scenario::phonePays, S::closed, Payer::insuredRegistration},
        {"ins_after_presettle", Scenario::phonePays, S::closed, Payer::insuredRegistration},
        {"ins_presettled", Scenario::phonePays, S::closed, Payer::insuredRegistration},
        {"qr_shown", Scenario::paysWhileDown, S::done, Payer::insuredRegistration},
        {"paid", Scenario::phonePays, S::done, Payer::insuredRegistration},
        {"ins_before_settle", Scenario::phonePays, S::done, Payer::insuredRegistration},
        {"ins_after_settle", Scenario::phonePays, S::done, Payer::insuredRegistration},
        {"ins_settled", Scenario::phonePays, S::done, Payer::insuredRegistration},
        {"before_his_commit", Scenario::phonePays, S::done, Payer::insuredRegistration},
        {"after_his_commit", Scenario::phonePays, S::done, Payer::insuredRegistration},
        {"reg_after_rehold", Scenario::holdTaken, S::refunded, Payer::insuredRegistration},
        {"ins_before_cancel", Scenario::holdTaken, S::refunded, Payer::insuredRegistration},
        {"reg_after_cancel", Scenario::cancelled, S::refunded, Payer::insuredRegistration},
        {"ins_before_cancel", Scenario::cancelled, S::refunded, Payer::insuredRegistration},
        {"ins_after_cancel", Scenario::cancelled, S::refunded, Payer::insuredRegistration},
        {"after_refund", Scenario::cancelled, S::refunded, Payer::insuredRegistration},
    };
}

INSTANTIATE_TEST_SUITE_P(EveryFailpoint, CrashMatrixTest, ::testing::ValuesIn(crashCases()),
                         [](const ::testing::TestParamInfo<CrashCase>& param) {
                             return param.param.failpoint + "_" + scenarioName(param.param.scenario) + payerName(param.param.payer);
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
