// `kiosk journal list|show|resolve` and the [payments] config section, in-process against a
// hospital-sim started by the test.
#include <gtest/gtest.h>

#include "kiosk/cli/commands.hpp"
#include "kiosk/core/config.hpp"
#include "kiosk/core/i18n.hpp"
#include "payments/payment_config.hpp"
#include "payments/payment_desk.hpp"
#include "tests/backend/sim_process.hpp"

namespace kiosk::payments {
namespace {

std::pair<int, std::string> runKiosk(std::vector<std::string> args) {
    args.insert(args.begin(), "kiosk");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    ::testing::internal::CaptureStdout();
    const int code = cli::runCli(static_cast<int>(argv.size()), argv.data());
    return {code, ::testing::internal::GetCapturedStdout()};
}

TEST(PaymentConfig, ReadsItsKeysAndRejectsUnknownOnes) {
    test::TempDir dir;
    auto good = loadConfig(dir.write("a.toml", test::demoConfigText("\n[payments]\ngateway_url = \"http://127.0.0.1:1/gateway\"\npoll_interval_ms = 500\nqr_timeout_s = 90\n")));
    ASSERT_TRUE(good) << good.error().describe();
    auto config = readPaymentConfig(good->payments, good->kioskId);
    ASSERT_TRUE(config) << config.error().describe();
    EXPECT_EQ(config->gateway.baseUrl, "http://127.0.0.1:1/gateway");
    EXPECT_EQ(config->qr.pollInterval, std::chrono::milliseconds(500));
    EXPECT_EQ(config->qr.qrTimeout, std::chrono::seconds(90));
    EXPECT_EQ(config->qr.hisCommitAttempts, 3);

    auto bad = loadConfig(dir.write("b.toml", test::demoConfigText("\n[payments]\ngateway_url = \"ftp://x\"\npoll_intervall_ms = 5\nqr_timeout_s = -1\n")));
    ASSERT_TRUE(bad) << bad.error().describe();
    auto refused = readPaymentConfig(bad->payments, bad->kioskId);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, Errc::invalid_config);
    for (const char* key : {"gateway_url", "poll_intervall_ms", "qr_timeout_s"}) {
        EXPECT_NE(refused.error().detail.find(key), std::string::npos) << refused.error().detail;
    }
    auto insured = loadConfig(dir.write("d.toml", test::demoConfigText("\n[payments]\ngateway_url = \"http://127.0.0.1:1/gateway\"\n"
                                                                        "insurance_url = \"http://127.0.0.1:1/insurance\"\nfixmedins_code = \"H430101000\"\n")));
    ASSERT_TRUE(insured);
    auto shortCode = readPaymentConfig(insured->payments, insured->kioskId);
    ASSERT_FALSE(shortCode);
    EXPECT_NE(shortCode.error().detail.find("fixmedins_code"), std::string::npos) << shortCode.error().detail;
    auto none = loadConfig(dir.write("c.toml", test::demoConfigText()));
    ASSERT_TRUE(none);
    EXPECT_FALSE(readPaymentConfig(none->payments, none->kioskId));
}

TEST(JournalCommand, ListsShowsAndResolvesAPaidButUncommittedOrder) {
    test::SimProcess sim;
    ASSERT_TRUE(sim.ready()) << sim.log();
    test::TempDir dir;
    const auto file = dir.write("kiosk.toml", test::demoConfigText("\n[backend]\nbase_url = \"" + sim.fhirUrl() + "\"\n[payments]\ngateway_url = \"" +
                                                                   sim.rootUrl() + "/gateway\"\npoll_interval_ms = 20\nqr_timeout_s = 1\n"));
    auto config = loadConfig(file);
    ASSERT_TRUE(config) << config.error().describe();
    std::string orderId;
    {
        // A kiosk that died right after the payment was journalled PAID.
        std::filesystem::create_directories(config->journalFile.parent_path());
        auto journal = Journal::open(config->journalFile);
        ASSERT_TRUE(journal) << journal.error().describe();
        auto saga = SagaJournal::attach(**journal, config->kioskId);
        ASSERT_TRUE(saga);
        auto payments = readPaymentConfig(config->payments, config->kioskId);
        ASSERT_TRUE(payments);
        GatewayClient gateway(payments->gateway);
        backend::FhirHisDriver his(sim.settings());
        auto charges = his.charges("pat-zhang-san");
        ASSERT_TRUE(charges && !charges->empty());
        QrPaymentSaga qr(*saga, gateway, his, payments->qr);
        auto order = qr.start("pat-zhang-san", {charges->front().id}, charges->front().amountFen, "alipay");
        ASSERT_TRUE(order);
        order = qr.showQr(*order);
        ASSERT_TRUE(order && order->state == SagaState::qr_shown);
        sim.call("POST", "/gateway/orders/" + order->outTradeNo() + "/simulate-paid");
        order = qr.awaitPayment(*order);
        ASSERT_TRUE(order && order->state == SagaState::paid);
        orderId = order->orderId;
    }
    auto [listCode, list] = runKiosk({"journal", "list", "--config", file.string()});
    EXPECT_EQ(listCode, 0);
    auto pending = nlohmann::json::parse(list, nullptr, false);
    ASSERT_TRUE(pending.is_array()) << list;
    ASSERT_EQ(pending.size(), 1U);
    EXPECT_EQ(pending[0]["state"], "PAID");
    EXPECT_EQ(pending[0]["out_trade_no"], orderId + "P");

    auto [showCode, show] = runKiosk({"journal", "show", "--config", file.string(), "--order", orderId});
    EXPECT_EQ(showCode, 0);
    auto shown = nlohmann::json::parse(show, nullptr, false);
    ASSERT_TRUE(shown.is_object()) << show;
    std::vector<std::string> states;
    for (const auto& e : shown["events"]) states.push_back(e["state"]);
    EXPECT_EQ(states, (std::vector<std::string>{"CREATED", "ORDERING", "QR_SHOWN", "PAID"}));

    auto [resolveCode, resolve] = runKiosk({"journal", "resolve", "--config", file.string()});
    EXPECT_EQ(resolveCode, 0) << resolve;
    auto resolved = nlohmann::json::parse(resolve, nullptr, false);
    ASSERT_TRUE(resolved.is_object()) << resolve;
    ASSERT_EQ(resolved["resolved"].size(), 1U);
    EXPECT_EQ(resolved["resolved"][0]["state"], "DONE");
    EXPECT_EQ(sim.commits(orderId + "H"), 1);

    auto [afterCode, after] = runKiosk({"journal", "list", "--config", file.string()});
    EXPECT_EQ(afterCode, 0);
    EXPECT_TRUE(nlohmann::json::parse(after).empty()) << after;
    auto [missingCode, missing] = runKiosk({"journal", "show", "--config", file.string(), "--order", "NOSUCHORDER"});
    EXPECT_EQ(missingCode, 1);
    EXPECT_EQ(nlohmann::json::parse(missing)["error"], "not_found");
    auto [usageCode, usage] = runKiosk({"journal", "show", "--config", file.string()});
    EXPECT_EQ(usageCode, 2);
}

/// A kiosk config pointing at the sim's HIS, gateway and insurance centre, and a desk on it.
class ReconcileTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(sim_.ready()) << sim_.log();
        file_ = dir_.write("kiosk.toml", test::demoConfigText("\n[backend]\nbase_url = \"" + sim_.fhirUrl() + "\"\n[payments]\ngateway_url = \"" +
                                                            sim_.rootUrl() + "/gateway\"\ninsurance_url = \"" + sim_.rootUrl() +
                                                            "/insurance\"\npoll_interval_ms = 20\nqr_timeout_s = 1\n"));
        auto config = loadConfig(file_);
        ASSERT_TRUE(config) << config.error().describe();
        config_ = std::move(*config);
        std::filesystem::create_directories(config_.journalFile.parent_path());
        date_ = sim_.call("GET", "/gateway/bill")["date"].get<std::string>();  // the hospital's today
    }
    /// Runs `body` with a desk on the kiosk's journal, closed again before the CLI runs.
    template <typename F>
    void withDesk(F&& body) {
        auto journal = Journal::open(config_.journalFile);
        ASSERT_TRUE(journal) << journal.error().describe();
        backend::FhirHisDriver his(sim_.settings());
        auto desk = PaymentDesk::create(config_, **journal, his);
        ASSERT_TRUE(desk) << desk.error().describe();
        body(**desk, his);
    }
    static std::vector<ChargeLine> lines(backend::FhirHisDriver& his, const std::string& patient) {
        std::vector<ChargeLine> out;
        auto charges = his.charges(patient);
        EXPECT_TRUE(charges && !charges->empty());
        if (charges) {
            for (const auto& c : *charges) out.push_back({c.id, c.code, c.description, c.insuranceClass, c.amountFen});
        }
        return out;
    }
    std::pair<int, nlohmann::json> reconcile() {
        auto [code, text] = runKiosk({"journal", "reconcile", "--config", file_.string(), "--date", date_});
        auto json = nlohmann::json::parse(text, nullptr, false);
        EXPECT_TRUE(json.is_object()) << text;
        return {code, json};
    }

    test::SimProcess sim_;
    test::TempDir dir_;
    std::filesystem::path file_;
    KioskConfig config_;
    std::string date_;
};

TEST_F(ReconcileTest, ResolveFinishesAnInsuredOrderAndTheDayIsClean) {
    std::string insuredOrder;
    withDesk([&](PaymentDesk& desk, backend::FhirHisDriver& his) {
        // Insured, cash part by QR; the kiosk stops after the payment was seen (PAID).
        auto quote = desk.quote("pat-zhang-san", lines(his, "pat-zhang-san"), InsuranceCredential{"02", "110101199003070134"});
        ASSERT_TRUE(quote) << quote.error().describe();
        auto shown = desk.showQr(quote->orderId, "wechat");
        ASSERT_TRUE(shown && shown->state == SagaState::qr_shown);
        sim_.call("POST", "/gateway/orders/" + shown->outTradeNo() + "/simulate-paid");
        auto paid = desk.awaitPayment(quote->orderId);
        ASSERT_TRUE(paid && paid->state == SagaState::paid);
        insuredOrder = quote->orderId;
        // Self-pay, all the way.
        auto self = desk.quote("pat-li-jun", lines(his, "pat-li-jun"), std::nullopt);
        ASSERT_TRUE(self);
        auto selfShown = desk.showQr(self->orderId, "alipay");
        ASSERT_TRUE(selfShown && selfShown->state == SagaState::qr_shown);
        sim_.call("POST", "/gateway/orders/" + selfShown->outTradeNo() + "/simulate-paid");
        ASSERT_TRUE(desk.awaitPayment(self->orderId));
        auto done = desk.finish(self->orderId);
        ASSERT_TRUE(done && done->state == SagaState::done);
    });
    auto [pendingCode, pending] = reconcile();  // before resolve: the PAID order is listed
    EXPECT_EQ(pendingCode, 1);
    ASSERT_EQ(pending["one_sided"].size(), 1U) << pending.dump(2);
    EXPECT_EQ(pending["one_sided"][0]["order_id"], insuredOrder);
    EXPECT_NE(pending["one_sided"][0]["action"].get<std::string>().find("kiosk journal resolve"), std::string::npos);

    auto [resolveCode, resolveText] = runKiosk({"journal", "resolve", "--config", file_.string(), "--order", insuredOrder});
    EXPECT_EQ(resolveCode, 0) << resolveText;
    auto resolved = nlohmann::json::parse(resolveText, nullptr, false);
    ASSERT_TRUE(resolved.is_object()) << resolveText;
    ASSERT_EQ(resolved["resolved"].size(), 1U) << resolveText;
    EXPECT_EQ(resolved["resolved"][0]["state"], "DONE");
    EXPECT_EQ(resolved["resolved"][0]["kind"], "insurance");
    EXPECT_FALSE(resolved["resolved"][0]["setl_id"].get<std::string>().empty());

    auto [code, day] = reconcile();
    EXPECT_EQ(code, 0) << day.dump(2);
    EXPECT_TRUE(day["clean"].get<bool>());
    EXPECT_EQ(day["gateway"]["orders"], 2);
    EXPECT_EQ(day["gateway"]["matched"], 2);
    EXPECT_EQ(day["insurance"]["settlements"], 1);
    EXPECT_EQ(day["insurance"]["matched"], 1);
    EXPECT_EQ(day["insurance"]["centre"]["settled_count"], 1);
    EXPECT_EQ(day["his"]["checked"], 2);
    EXPECT_EQ(day["his"]["matched"], 2) << "both DONE orders are committed at the HIS";
}

/// The HIS side of the day: a DONE order whose payment the HIS does not show, and a closed order
/// for which the HIS nevertheless holds a payment under the kiosk's key.
TEST_F(ReconcileTest, HisRecordsThatDisagreeWithTheJournalAreListed) {
    std::string doneOrder;
    withDesk([&](PaymentDesk& desk, backend::FhirHisDriver& his) {
        auto self = desk.quote("pat-li-jun", lines(his, "pat-li-jun"), std::nullopt);
        ASSERT_TRUE(self);
        auto shown = desk.showQr(self->orderId, "wechat");
        ASSERT_TRUE(shown && shown->state == SagaState::qr_shown);
        sim_.call("POST", "/gateway/orders/" + shown->outTradeNo() + "/simulate-paid");
        ASSERT_TRUE(desk.awaitPayment(self->orderId));
        auto done = desk.finish(self->orderId);
        ASSERT_TRUE(done && done->state == SagaState::done);
        doneOrder = self->orderId;
    });
    // The HIS answers the search for the kiosk's payment with an empty searchset (a record lost
    // or voided at the HIS): the day is not clean, and the line says the money was taken.
    sim_.armAnswer("GET", "/fhir/PaymentReconciliation",
                   {{"resourceType", "Bundle"}, {"type", "searchset"}, {"total", 0}, {"entry", nlohmann::json::array()}});
    auto [missingCode, missing] = reconcile();
    EXPECT_EQ(missingCode, 1) << missing.dump(2);
    ASSERT_EQ(missing["one_sided"].size(), 1U) << missing.dump(2);
    EXPECT_EQ(missing["one_sided"][0]["source"], "his");
    EXPECT_EQ(missing["one_sided"][0]["order_id"], doneOrder);
    EXPECT_EQ(missing["one_sided"][0]["reference"], doneOrder + "H");
    EXPECT_NE(missing["one_sided"][0]["action"].get<std::string>().find("journal DONE but the HIS has no payment"),
              std::string::npos);
    auto [cleanCode, clean] = reconcile();  // the fault answered once: the real HIS has the payment
    EXPECT_EQ(cleanCode, 0) << clean.dump(2);

    // An order the patient walked away from (CLOSED), yet a payment stands at the HIS under its key.
    std::string closedOrder;
    withDesk([&](PaymentDesk& desk, backend::FhirHisDriver& his) {
        const auto charges = lines(his, "pat-zhang-san");
        auto quote = desk.quote("pat-zhang-san", charges, std::nullopt);
        ASSERT_TRUE(quote);
        auto closed = desk.abandon(quote->orderId);
        ASSERT_TRUE(closed && closed->state == SagaState::closed);
        closedOrder = quote->orderId;
        backend::PaymentCommit stray{closed->hisTradeNo(), "pat-zhang-san", {}, 0, 0, 0, "cash", ""};
        for (const auto& c : charges) {
            stray.chargeIds.push_back(c.id);
            stray.totalFen += c.amountFen;
        }
        stray.cashFen = stray.totalFen;
        ASSERT_TRUE(his.commitPayment(stray));
    });
    auto [code, day] = reconcile();
    EXPECT_EQ(code, 1) << day.dump(2);
    EXPECT_EQ(day["his"]["checked"], 2);
    EXPECT_EQ(day["his"]["matched"], 1);
    ASSERT_EQ(day["one_sided"].size(), 1U) << day.dump(2);
    EXPECT_EQ(day["one_sided"][0]["source"], "his");
    EXPECT_EQ(day["one_sided"][0]["order_id"], closedOrder);
    EXPECT_EQ(day["one_sided"][0]["journal_state"], "CLOSED");
    EXPECT_NE(day["one_sided"][0]["action"].get<std::string>().find("cancel it at the HIS"), std::string::npos);
}

TEST_F(ReconcileTest, OneSidedGatewayAndInsuranceRecordsAreListedWithWhatToDo) {
    withDesk([&](PaymentDesk& desk, backend::FhirHisDriver& his) {
        auto self = desk.quote("pat-li-jun", lines(his, "pat-li-jun"), std::nullopt);
        ASSERT_TRUE(self);
        auto shown = desk.showQr(self->orderId, "wechat");
        ASSERT_TRUE(shown && shown->state == SagaState::qr_shown);
        sim_.call("POST", "/gateway/orders/" + shown->outTradeNo() + "/simulate-paid");
        ASSERT_TRUE(desk.awaitPayment(self->orderId));
        ASSERT_TRUE(desk.finish(self->orderId));
    });
    // A kiosk-style order the journal never saw (e.g. a journal restored from a backup), paid.
    const std::string stray = "TEST01-" + date_.substr(0, 4) + date_.substr(5, 2) + date_.substr(8, 2) + "-0830009999";
    sim_.call("POST", "/gateway/orders", {{"out_trade_no", stray + "P"}, {"amount_fen", 1234}, {"channel", "wechat"}, {"description", "stray"}});
    sim_.call("POST", "/gateway/orders/" + stray + "P/simulate-paid");
    // A settlement at the centre for a kiosk order id the journal does not have.
    PaymentOrder ghost;
    ghost.orderId = "TEST01-" + date_.substr(0, 4) + date_.substr(5, 2) + date_.substr(8, 2) + "-0830008888";
    ghost.created = "20260101083000";
    backend::HttpSettings settings;
    settings.baseUrl = sim_.rootUrl() + "/insurance";
    InsuranceClient centre(settings, InsuranceSite{});
    const std::string code = InsuranceSite{}.fixmedinsCode;
    auto psn = centre.personNumber(ghost.insuranceMsgid(code, 0), "02", "110101199003070134");
    ASSERT_TRUE(psn);
    auto visit = centre.registerVisit(ghost.insuranceMsgid(code, 1), *psn, ghost.orderId);
    ASSERT_TRUE(visit);
    ASSERT_TRUE(centre.uploadFees(ghost.insuranceMsgid(code, 2), *visit, {{"1", "A0001", 5000}}));
    auto settled = centre.settle(ghost.insuranceMsgid(code, 4), *visit, 5000);
    ASSERT_TRUE(settled) << settled.error().describe();

    auto [exitCode, day] = reconcile();
    EXPECT_EQ(exitCode, 1) << day.dump(2);
    EXPECT_FALSE(day["clean"].get<bool>());
    EXPECT_EQ(day["gateway"]["matched"], 1);
    ASSERT_EQ(day["one_sided"].size(), 2U) << day.dump(2);
    bool sawGateway = false, sawInsurance = false;
    for (const auto& r : day["one_sided"]) {
        const std::string action = r["action"];
        if (r["source"] == "gateway") {
            sawGateway = true;
            EXPECT_EQ(r["order_id"], stray);
            EXPECT_EQ(r["amount_fen"], 1234);
            EXPECT_EQ(r["journal_state"], "");
            EXPECT_NE(action.find("paid at gateway, no journal row"), std::string::npos) << action;
            EXPECT_NE(action.find(stray + "R"), std::string::npos) << action;
        } else if (r["source"] == "insurance") {
            sawInsurance = true;
            EXPECT_EQ(r["order_id"], ghost.orderId);
            EXPECT_EQ(r["reference"], settled->setlId);
            EXPECT_NE(action.find("2208 cancel"), std::string::npos) << action;
        }
    }
    EXPECT_TRUE(sawGateway && sawInsurance) << day.dump(2);
    auto [usage, text] = runKiosk({"journal", "reconcile", "--config", file_.string(), "--date", "2026-13"});
    EXPECT_EQ(usage, 1) << text;
}

TEST(PaymentMessages, EveryMessageKeyExistsInBothLanguages) {
    auto catalog = Catalog::load(std::filesystem::path(KIOSK_TEST_ASSETS_DIR) / "lang");
    ASSERT_TRUE(catalog) << catalog.error().describe();
    for (const char* key : {"payments.bad_amount", "payments.bad_order", "payments.not_found", "payments.gateway_invalid",
                            "payments.confirming", "payments.gateway_unavailable", "payments.gateway_rejected",
                            "payments.refund_refused", "payments.insurance_invalid", "payments.insurance_unavailable",
                            "payments.insurance_rejected", "payments.charge_pending"}) {
        for (const char* language : {"zh_CN", "en_US"}) {
            EXPECT_TRUE(catalog->find(language, key)) << language << " lacks " << key;
        }
    }
}

}  // namespace
}  // namespace kiosk::payments
