// `kiosk journal list|show|resolve` and the [payments] config section, in-process against a
// hospital-sim started by the test.
#include <gtest/gtest.h>

#include "kiosk/cli/commands.hpp"
#include "kiosk/core/config.hpp"
#include "kiosk/core/i18n.hpp"
#include "payments/payment_config.hpp"
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

TEST(PaymentMessages, EveryMessageKeyExistsInBothLanguages) {
    auto catalog = Catalog::load(std::filesystem::path(KIOSK_TEST_ASSETS_DIR) / "lang");
    ASSERT_TRUE(catalog) << catalog.error().describe();
    for (const char* key : {"payments.bad_amount", "payments.bad_order", "payments.not_found", "payments.gateway_invalid",
                            "payments.confirming", "payments.gateway_unavailable", "payments.gateway_rejected",
                            "payments.refund_refused", "payments.insurance_invalid", "payments.insurance_unavailable",
                            "payments.insurance_rejected"}) {
        for (const char* language : {"zh_CN", "en_US"}) {
            EXPECT_TRUE(catalog->find(language, key)) << language << " lacks " << key;
        }
    }
}

}  // namespace
}  // namespace kiosk::payments
