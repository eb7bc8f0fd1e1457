// `kiosk journal list|show|resolve|reconcile --config FILE`: technicians and finance staff see the
// payment saga's rows, trigger resolution of the pending ones against the gateway, the insurance
// centre and the HIS (payments/payment_desk.hpp), and reconcile a day. JSON on stdout; exit 0
// ok, 1 failure (for resolve: an order is still pending; for reconcile: the day is not clean),
// 2 usage.
//   list      [--all]        non-terminal orders (with --all: every order)
//   show      --order ID     one order with its keys and every transition
//   resolve   [--order ID]   resolve one order, or every non-terminal one (what start-up does)
//   reconcile --date D       the gateway's bill, the insurance centre's day (3201) and the card
//                            terminal's settlements of the day against the journal; one-sided
//                            records listed with what to do
// Bank-card orders left unknown are resolved by the kiosk itself (start-up recovery and its retries
// between patients): the terminal's port belongs to the running kiosk, so `resolve` here leaves
// them as they are.
#include <nlohmann/json.hpp>

#include <iostream>

#include "kiosk/backend/his_factory.hpp"
#include "kiosk/cli/commands.hpp"
#include "kiosk/cli/common.hpp"
#include "kiosk/core/journal.hpp"
#include "payments/payment_config.hpp"
#include "payments/payment_desk.hpp"
#include "payments/reconciliation.hpp"

namespace kiosk::cli {

namespace {

using nlohmann::json;
using namespace kiosk::payments;

struct JournalOptions {
    std::string config;
    std::string order;
    std::string date;
    bool all = false;
};

json toJson(const PaymentOrder& o) {
    json out = {{"order_id", o.orderId},       {"state", stateName(o.state)},      {"amount_fen", o.amountFen},
                {"channel", o.channel},        {"patient", o.patientId},           {"charges", o.chargeIds},
                {"out_trade_no", o.outTradeNo()}, {"his_trade_no", o.hisTradeNo()}, {"out_refund_no", o.outRefundNo()},
                {"reason", o.reason},          {"created", o.created},             {"updated", o.updated}};
    if (o.state == SagaState::unknown) out["resume_state"] = stateName(o.resumeState);
    out["kind"] = kindName(o.kind);
    if (o.bankCard()) {
        // The terminal's record: the masked card number only (never more of the card).
        out["card"] = {{"tag", o.card.tag},           {"masked_pan", o.card.maskedPan}, {"voucher", o.card.voucher},
                       {"batch", o.card.batch},       {"reference", o.card.reference},  {"date", o.card.date},
                       {"terminal_id", o.card.terminalId}, {"result", o.card.resultKey}};
        if (!o.card.reversal.empty()) {
            out["card"]["reversal"] = {{"type", o.card.reversal}, {"tag", o.card.reversalTag}, {"batch", o.card.reversalBatch},
                                       {"reference", o.card.reversalReference}};
        }
    }
    if (o.usesInsurance()) {
        out["total_fen"] = o.totalFen;
        out["fund_fen"] = o.fundFen;
        out["account_fen"] = o.accountFen;
        out["cash_fen"] = o.cashFen;
        out["cert_type"] = o.certType;
        out["psn_no"] = o.psnNo;
        out["mdtrt_id"] = o.mdtrtId;
        out["setl_id"] = o.setlId;
    }
    return out;
}

int printError(const Error& error) {
    std::cout << json{{"error", errcName(error.code)}, {"detail", error.detail}, {"message_key", error.messageKey}}.dump(2) << '\n';
    return 1;
}

int runReconcile(PaymentDesk& desk, const std::string& date) {
    auto day = reconcileDay(desk, date);
    if (!day) return printError(day.error());
    json out = {{"date", day->date}, {"clean", day->clean()}, {"journal_orders", day->journalOrders}};
    out["gateway"] = {{"orders", day->gatewayOrders}, {"matched", day->gatewayMatched}, {"matched_fen", day->gatewayMatchedFen}};
    if (day->insuranceChecked) {
        out["insurance"] = {{"settlements", day->insuranceSettlements}, {"matched", day->insuranceMatched},
                            {"matched_insurance_fen", day->insuranceMatchedFen},
                            {"centre", {{"settled_count", day->centre.settledCount}, {"total_fen", day->centre.totalFen},
                                        {"fund_fen", day->centre.fundFen}, {"account_fen", day->centre.accountFen},
                                        {"cash_fen", day->centre.cashFen}}}};
    } else {
        out["insurance"] = nullptr;  // not configured
    }
    out["card_terminal"] = {{"settlements", day->cardSettlements}, {"matched", day->cardMatched}, {"matched_fen", day->cardMatchedFen}};
    out["his"] = {{"checked", day->hisChecked}, {"matched", day->hisMatched}};
    out["one_sided"] = json::array();
    for (const auto& r : day->oneSided) {
        out["one_sided"].push_back({{"source", r.source}, {"order_id", r.orderId}, {"reference", r.reference},
                                    {"remote_status", r.remoteStatus}, {"journal_state", r.journalState},
                                    {"amount_fen", r.amountFen}, {"action", r.action}});
    }
    std::cout << out.dump(2) << '\n';
    return day->clean() ? 0 : 1;
}

int runJournal(const std::string& verb, const JournalOptions& options) {
    auto config = loadKioskConfigForCli(options.config);
    if (!config) return 1;
    auto journal = Journal::open(config->journalFile);
    if (!journal) return printError(journal.error());
    auto saga = SagaJournal::attach(**journal, config->kioskId);
    if (!saga) return printError(saga.error());
    if (verb == "list") {
        auto rows = options.all ? saga->all() : saga->nonTerminal();
        if (!rows) return printError(rows.error());
        json out = json::array();
        for (const auto& row : *rows) out.push_back(toJson(row));
        std::cout << out.dump(2) << '\n';
        return 0;
    }
    if (verb == "show") {
        auto order = saga->load(options.order);
        if (!order) return printError(order.error());
        auto events = saga->events(options.order);
        if (!events) return printError(events.error());
        json out = toJson(*order);
        out["events"] = json::array();
        for (const auto& e : *events) out["events"].push_back({{"state", e.state}, {"reason", e.reason}, {"at", e.at}});
        std::cout << out.dump(2) << '\n';
        return 0;
    }
    // resolve / reconcile: need the gateway, the insurance centre and the HIS.
    auto his = backend::makeHisDriver(config->backend, config->kioskId);
    if (!his) return printError(his.error());
    auto desk = PaymentDesk::create(*config, **journal, **his);
    if (!desk) return printError(desk.error());
    if (verb == "reconcile") return runReconcile(**desk, options.date);
    json out = {{"resolved", json::array()}, {"pending", json::array()}};
    if (!options.order.empty()) {
        auto resolved = (*desk)->resolve(options.order);
        if (!resolved) return printError(resolved.error());
        out[isTerminal(resolved->state) ? "resolved" : "pending"].push_back(toJson(*resolved));
    } else {
        auto report = (*desk)->recover();  // what start-up does (recoverPendingPayments)
        if (!report) return printError(report.error());
        for (const auto& o : report->resolved) out["resolved"].push_back(toJson(o));
        for (const auto& o : report->pending) out["pending"].push_back(toJson(o));
    }
    std::cout << out.dump(2) << '\n';
    return out["pending"].empty() ? 0 : 1;
}

}  // namespace

void installJournalCommand(CLI::App& root, Action& action) {
    auto* journal = root.add_subcommand("journal", "Payment journal: list, show, resolve and reconcile payment orders");
    journal->require_subcommand(1);
    auto options = std::make_shared<JournalOptions>();
    auto* list = journal->add_subcommand("list", "Pending payment orders (--all: every order)");
    list->add_flag("--all", options->all, "Every order, terminal ones included");
    auto* show = journal->add_subcommand("show", "One payment order with its keys and transitions");
    show->add_option("--order", options->order, "Order id")->required();
    auto* resolve = journal->add_subcommand("resolve", "Resolve pending orders against the gateway and the HIS");
    resolve->add_option("--order", options->order, "Only this order (default: every pending order)");
    auto* reconcile = journal->add_subcommand("reconcile", "Reconcile a day against the gateway's bill and the insurance centre");
    reconcile->add_option("--date", options->date, "The day, YYYY-MM-DD")->required();
    for (auto* sub : {list, show, resolve, reconcile}) {
        sub->add_option("--config", options->config, "Kiosk configuration file (TOML)")->required();
        const std::string verb = sub->get_name();
        sub->callback([&action, options, verb] { action = [options, verb] { return runJournal(verb, *options); }; });
    }
}

}  // namespace kiosk::cli
