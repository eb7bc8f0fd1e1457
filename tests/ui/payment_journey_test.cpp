// The lobby's payment screens end to end: the real App (headless SDL, software renderer) with
// the real PaymentDesk over loopback HTTP against the real hospital-sim (gateway + HIS), the
// simulated receipt printer. Each test checks the outcome on screen, in the payment journal, in
// the simulator's own ledger and on the printed slip. PNGs: <build>/test-output/ui/<test>/.
#include "tests/backend/sim_process.hpp"
#include "tests/ui/app_fixture.hpp"

#include "drivers/sim/sim_devices.hpp"
#include "kiosk/cli/wiring.hpp"
#include "payments/payment_desk.hpp"
#include "payments/saga_journal.hpp"
#include "screens/payment/payment_screens.hpp"

#include <map>
#include <thread>

namespace kiosk::test {
namespace {

using payments::SagaState;

class PaymentJourneyTest : public AppTest {
protected:
    void walkEveryPaymentScreen(const std::string& ui, const std::string& firstLanguage);
    SimProcess hospital;

    std::string sections(const std::string& hisUrl, const std::string& gatewayUrl) const {
        return "[backend]\ndriver = \"fhir\"\nbase_url = \"" + hisUrl +
               "\"\nconnect_timeout_ms = 500\ncall_timeout_ms = 3000\nretries = 0\n"
               "[payments]\ngateway_url = \"" + gatewayUrl +
               "\"\nconnect_timeout_ms = 500\ncall_timeout_ms = 3000\npoll_interval_ms = 100\nqr_timeout_s = 60\n";
    }
    std::string liveSections() const { return sections(hospital.fhirUrl(), hospital.rootUrl() + "/gateway"); }
    std::string insuredSections() const {
        return liveSections() + "insurance_url = \"" + hospital.rootUrl() +
               "/insurance\"\nfixmedins_code = \"H43010100001\"\ninsurance_area = \"430100\"\n";
    }

    void startWith(const std::string& extra) {
        auto loaded = config(extra);
        ASSERT_TRUE(loaded.has_value()) << loaded.error().detail;
        auto wired = cli::withKioskServices(*loaded, headlessOptions());
        ASSERT_TRUE(wired.has_value()) << wired.error().detail;
        open(std::move(*loaded), std::move(*wired));
    }

    std::vector<payments::PaymentOrder> orders() {
        auto saga = payments::SagaJournal::attach(app->journal(), "TEST-01");
        EXPECT_TRUE(saga.has_value());
        auto all = saga->all();
        EXPECT_TRUE(all.has_value());
        return all ? *all : std::vector<payments::PaymentOrder>{};
    }

    std::vector<std::vector<std::string>> printed() {
        auto* printer = dynamic_cast<drivers::sim::SimReceiptPrinter*>(app->devices().find("printer"));
        EXPECT_NE(printer, nullptr);
        return printer ? printer->printedJobs() : std::vector<std::vector<std::string>>{};
    }

    static bool contains(const std::vector<std::string>& lines, const std::string& text) {
        for (const auto& line : lines) {
            if (line.find(text) != std::string::npos) return true;
        }
        return false;
    }

    static constexpr const char* kToQr = R"(
        {"tap": "attract.start"},
        {"insert_card": {"device": "card", "person": "wang-xinkun"}},
        {"tap": "menu.payment"},
        {"await_screen": {"screen": "pay.charges", "seconds": 10}},
        {"tap": "pay.self"},
        {"await_screen": {"screen": "pay.channel", "seconds": 10}},
        {"tap": "pay.channel.alipay"},
        {"await_screen": {"screen": "pay.qr", "seconds": 10}})";
};

TEST_F(PaymentJourneyTest, PaidOnThePhoneIsCommittedAndTheReceiptIsPrintedMasked) {
    ASSERT_GT(hospital.port(), 0);
    startWith(liveSections());
    const auto report = journey(std::string(R"({"steps": [)") + kToQr + R"(,
        {"pay_on_phone": true},
        {"await_screen": {"screen": "pay.result", "seconds": 20}},
        {"set_language": "en_US"},
        {"set_large_print": true}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);

    const auto all = orders();
    ASSERT_EQ(all.size(), 1U);
    const auto& order = all.front();
    EXPECT_EQ(order.state, SagaState::done) << order.reason;
    EXPECT_EQ(order.channel, "alipay");
    EXPECT_EQ(order.amountFen, 41300);  // the seeded charges of wang-xinkun
    // The simulator's own ledger: paid once, committed once.
    const auto remote = hospital.call("GET", "/gateway/orders/" + order.outTradeNo());
    EXPECT_EQ(remote.value("status", ""), "SUCCESS");
    EXPECT_EQ(hospital.commits(order.hisTradeNo()), 1);

    const auto jobs = printed();
    ASSERT_EQ(jobs.size(), 1U);
    EXPECT_TRUE(contains(jobs.front(), "413.00"));
    EXPECT_TRUE(contains(jobs.front(), order.orderId));
    EXPECT_FALSE(contains(jobs.front(), "王鑫堃")) << "the name is printed masked";
    EXPECT_TRUE(contains(jobs.front(), "王*"));
    EXPECT_TRUE(app->session().active());
}

TEST_F(PaymentJourneyTest, InsuranceSplitIsConfirmedThenTheCashPartIsPaidByQr) {
    ASSERT_GT(hospital.port(), 0);
    startWith(insuredSections());
    const auto report = journey(R"({"steps": [
        {"tap": "attract.start"},
        {"insert_card": {"device": "card", "person": "wang-xinkun"}},
        {"tap": "menu.payment"},
        {"await_screen": {"screen": "pay.charges", "seconds": 10}},
        {"tap": "pay.insurance"},
        {"await_screen": {"screen": "pay.split", "seconds": 10}},
        {"set_language": "en_US"},
        {"set_large_print": true},
        {"set_large_print": false},
        {"set_language": "zh_CN"},
        {"tap": "pay.split.confirm"},
        {"await_screen": {"screen": "pay.channel", "seconds": 10}},
        {"tap": "pay.channel.unionpay"},
        {"await_screen": {"screen": "pay.qr", "seconds": 10}},
        {"pay_on_phone": true},
        {"await_screen": {"screen": "pay.result", "seconds": 20}}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
    const auto all = orders();
    ASSERT_EQ(all.size(), 1U);
    const auto& order = all.front();
    EXPECT_EQ(order.state, SagaState::done) << order.reason;
    EXPECT_TRUE(order.insured());
    EXPECT_EQ(order.totalFen, 41300);
    EXPECT_GT(order.fundFen, 0);
    EXPECT_EQ(order.fundFen + order.accountFen + order.cashFen, order.totalFen);
    EXPECT_EQ(order.amountFen, order.cashFen) << "only the cash part goes through the gateway";
    const auto remote = hospital.call("GET", "/gateway/orders/" + order.outTradeNo());
    EXPECT_EQ(remote.value("amount_fen", int64_t{0}), order.cashFen);
    EXPECT_EQ(hospital.commits(order.hisTradeNo()), 1);
    const auto jobs = printed();
    ASSERT_EQ(jobs.size(), 1U);
    EXPECT_TRUE(contains(jobs.front(), screens::formatYuan(order.fundFen + order.accountFen))) << "insurance part on the receipt";
}

/// The patient shows a medical-insurance e-voucher QR: the insurance centre (1101) says whose it
/// is, the HIS finds the record, and the payment settles with the voucher as credential type 01.
TEST_F(PaymentJourneyTest, InsuranceEVoucherIdentifiesThePatientAndPaysWithInsurance) {
    ASSERT_GT(hospital.port(), 0);
    startWith(insuredSections());
    const std::string voucher = screens::simulatedInsuranceVoucher("430104195611200313");  // wang-xinkun
    const auto report = journey(R"({"steps": [
        {"tap": "attract.start"},
        {"scan": {"device": "scanner", "payload": ")" + voucher + R"("}},
        {"await_screen": {"screen": "menu", "seconds": 10}},
        {"tap": "menu.payment"},
        {"await_screen": {"screen": "pay.charges", "seconds": 10}},
        {"tap": "pay.insurance"},
        {"await_screen": {"screen": "pay.split", "seconds": 10}},
        {"tap": "pay.split.confirm"},
        {"await_screen": {"screen": "pay.channel", "seconds": 10}},
        {"tap": "pay.channel.wechat"},
        {"await_screen": {"screen": "pay.qr", "seconds": 10}},
        {"pay_on_phone": true},
        {"await_screen": {"screen": "pay.result", "seconds": 20}}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_EQ(app->session().identity().source, IdentitySource::insurance_qr);
    EXPECT_EQ(app->session().identity().name, "王鑫堃");
    const auto all = orders();
    ASSERT_EQ(all.size(), 1U);
    EXPECT_EQ(all.front().state, SagaState::done) << all.front().reason;
    EXPECT_TRUE(all.front().insured());
    EXPECT_EQ(all.front().certType, "01");
}

TEST_F(PaymentJourneyTest, EVoucherTheCentreDoesNotKnowStartsNoSession) {
    ASSERT_GT(hospital.port(), 0);
    startWith(insuredSections());
    const std::string voucher = screens::simulatedInsuranceVoucher("11010519491231002X");  // nobody in the sim
    const auto report = journey(R"({"steps": [
        {"tap": "attract.start"},
        {"scan": {"device": "scanner", "payload": ")" + voucher + R"("}},
        {"expect_screen": "identify"},
        {"expect_session": false},
        {"insert_card": {"device": "card", "person": "li-jun"}},
        {"expect_screen": "menu"}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
}

TEST_F(PaymentJourneyTest, EVoucherWithoutAnInsuranceCentreIsToldPlainly) {
    ASSERT_GT(hospital.port(), 0);
    startWith(liveSections());
    const std::string voucher = screens::simulatedInsuranceVoucher("430104195611200313");
    const auto report = journey(R"({"steps": [
        {"tap": "attract.start"},
        {"scan": {"device": "scanner", "payload": ")" + voucher + R"("}},
        {"expect_screen": "identify"},
        {"expect_session": false}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
}

TEST_F(PaymentJourneyTest, FullyCoveredPatientConfirmsAndNeverSeesAQr) {
    ASSERT_GT(hospital.port(), 0);
    startWith(insuredSections());
    const auto report = journey(R"({"steps": [
        {"tap": "attract.start"},
        {"insert_card": {"device": "card", "person": "ouyang-nana"}},
        {"tap": "menu.payment"},
        {"await_screen": {"screen": "pay.charges", "seconds": 10}},
        {"tap": "pay.insurance"},
        {"await_screen": {"screen": "pay.split", "seconds": 10}},
        {"tap": "pay.split.confirm"},
        {"await_screen": {"screen": "pay.result", "seconds": 20}}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
    const auto& visited = report.screensVisited;
    EXPECT_EQ(std::count(visited.begin(), visited.end(), "pay.qr"), 0);
    EXPECT_EQ(std::count(visited.begin(), visited.end(), "pay.channel"), 0);
    const auto all = orders();
    ASSERT_EQ(all.size(), 1U);
    EXPECT_EQ(all.front().state, SagaState::done) << all.front().reason;
    EXPECT_EQ(all.front().cashFen, 0);
}

/// The cashier took the same charges while the patient was scanning: the HIS refuses the kiosk's
/// commit, the kiosk refunds automatically and says so.
TEST_F(PaymentJourneyTest, HisRejectionAfterPaymentIsRefundedAndTheRefundNoticeShown) {
    ASSERT_GT(hospital.port(), 0);
    startWith(liveSections());
    auto report = journey(std::string(R"({"steps": [)") + kToQr + "]}");
    ASSERT_TRUE(report.ok) << describe(report);
    auto loaded = config(liveSections());
    ASSERT_TRUE(loaded.has_value());
    auto services = cli::makeKioskServices(*loaded);
    ASSERT_TRUE(services.has_value());
    auto charges = services->his->charges("pat-wang-xinkun");
    ASSERT_TRUE(charges.has_value() && !charges->empty());
    backend::PaymentCommit cashier{"CASHIER-UI-1", "pat-wang-xinkun", {}, 0, 0, 0, "cash", ""};
    for (const auto& c : *charges) {
        cashier.chargeIds.push_back(c.id);
        cashier.totalFen += c.amountFen;
    }
    cashier.cashFen = cashier.totalFen;
    ASSERT_TRUE(services->his->commitPayment(cashier).has_value());

    report = journey(R"({"steps": [
        {"pay_on_phone": true},
        {"await_screen": {"screen": "pay.result", "seconds": 20}},
        {"set_language": "en_US"}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
    const auto all = orders();
    ASSERT_EQ(all.size(), 1U);
    EXPECT_EQ(all.front().state, SagaState::refunded) << all.front().reason;
    // The patient leaves with paper proof of the refund: amount, channel, both keys, masked name.
    const auto jobs = printed();
    ASSERT_EQ(jobs.size(), 1U);
    EXPECT_TRUE(contains(jobs.front(), "退款凭证"));
    EXPECT_TRUE(contains(jobs.front(), "413.00"));
    EXPECT_TRUE(contains(jobs.front(), all.front().orderId));
    EXPECT_TRUE(contains(jobs.front(), all.front().outRefundNo()));
    EXPECT_TRUE(contains(jobs.front(), "支付宝"));
    EXPECT_FALSE(contains(jobs.front(), "王鑫堃"));
    const auto remote = hospital.call("GET", "/gateway/orders/" + all.front().outTradeNo());
    EXPECT_EQ(remote.value("refunded_fen", int64_t{0}), all.front().amountFen);
    EXPECT_EQ(hospital.commits(all.front().hisTradeNo()), 0);
    const auto buttons = app->visibleButtons();
    EXPECT_EQ(std::count(buttons.begin(), buttons.end(), "pay.result.menu"), 1);
}

/// Paid, but the HIS cannot be reached to record it: the patient is told the payment is being
/// confirmed (never "failed") and gets a voucher with the transaction key.
TEST_F(PaymentJourneyTest, UnreachableHisAfterPaymentShowsConfirmingAndPrintsAVoucher) {
    ASSERT_GT(hospital.port(), 0);
    startWith(liveSections());
    auto report = journey(std::string(R"({"steps": [)") + kToQr + "]}");
    ASSERT_TRUE(report.ok) << describe(report);
    hospital.armFault("http_503", "POST", "/fhir/PaymentReconciliation", 20);
    report = journey(R"({"steps": [
        {"pay_on_phone": true},
        {"await_screen": {"screen": "pay.result", "seconds": 30}},
        {"set_language": "en_US"}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
    const auto all = orders();
    ASSERT_EQ(all.size(), 1U);
    EXPECT_FALSE(payments::isTerminal(all.front().state)) << stateName(all.front().state);
    EXPECT_EQ(hospital.call("GET", "/gateway/orders/" + all.front().outTradeNo()).value("status", ""), "SUCCESS");
    const auto jobs = printed();
    ASSERT_EQ(jobs.size(), 1U);
    EXPECT_TRUE(contains(jobs.front(), all.front().orderId)) << "the voucher carries the transaction key";
    for (const auto& line : jobs.front()) EXPECT_EQ(line.find("失败"), std::string::npos) << line;

    // The patient tries again: the charges of the unknown order are held back, not offered.
    report = journey(R"({"steps": [
        {"tap": "pay.result.menu"},
        {"tap": "menu.payment"},
        {"await_screen": {"screen": "pay.charges", "seconds": 10}}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
    const auto buttons = app->visibleButtons();
    EXPECT_EQ(std::count(buttons.begin(), buttons.end(), "pay.self"), 0);
    EXPECT_EQ(std::count(buttons.begin(), buttons.end(), "pay.insurance"), 0);
    EXPECT_EQ(orders().size(), 1U);

    // The HIS comes back; the patient has gone. Between patients the kiosk resolves the order
    // again (every 5 minutes while one is unknown): committed once, no second voucher.
    hospital.call("DELETE", "/admin/faults");
    report = journey(R"({"steps": [
        {"tap": "session.finish"},
        {"expect_screen": "attract"},
        {"wait": 301}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
    app->settle();
    const auto after = orders();
    ASSERT_EQ(after.size(), 1U);
    EXPECT_EQ(after.front().state, SagaState::done) << after.front().reason;
    EXPECT_EQ(hospital.commits(after.front().hisTradeNo()), 1);
    EXPECT_EQ(printed().size(), 1U);
}

/// Walks an insured patient through every payment screen (menu → charges → split → channel → QR →
/// result) in the given [ui] set-up, switching language half-way, and checks each frame: no
/// button overlaps another, no text runs under a button, everything lies inside the screen, touch
/// targets stay ≥ 96 px (App::layoutProblems; the fixture checks every step as well).
void PaymentJourneyTest::walkEveryPaymentScreen(const std::string& ui, const std::string& firstLanguage) {
    ASSERT_GT(hospital.port(), 0);
    startWith(insuredSections() + "[ui]\n" + ui);
    const std::string otherLanguage = firstLanguage == "zh_CN" ? "en_US" : "zh_CN";
    const std::vector<std::pair<std::string, std::string>> steps = {
        {R"({"set_language": ")" + firstLanguage + R"("}, {"tap": "attract.start"},
            {"insert_card": {"device": "card", "person": "wang-xinkun"}})", "menu"},
        {R"({"tap": "menu.payment"}, {"await_screen": {"screen": "pay.charges", "seconds": 10}})", "pay.charges"},
        {R"({"tap": "pay.insurance"}, {"await_screen": {"screen": "pay.split", "seconds": 10}})", "pay.split"},
        {R"({"set_language": ")" + otherLanguage + R"("})", "pay.split (other language)"},
        {R"({"tap": "pay.split.confirm"}, {"await_screen": {"screen": "pay.channel", "seconds": 10}})", "pay.channel"},
        {R"({"tap": "pay.channel.alipay"}, {"await_screen": {"screen": "pay.qr", "seconds": 10}})", "pay.qr"},
        {R"({"pay_on_phone": true}, {"await_screen": {"screen": "pay.result", "seconds": 20}})", "pay.result"},
    };
    for (const auto& [json, where] : steps) {
        const auto report = journey(R"({"steps": [)" + json + "]}");
        ASSERT_TRUE(report.ok) << describe(report);
        EXPECT_FALSE(app->buttonRects().empty()) << where;
        EXPECT_FALSE(app->textRects().empty()) << where;
        for (const auto& problem : app->layoutProblems()) ADD_FAILURE() << where << ": " << problem;
    }
}

/// Landscape (1920x1080) with large print: the least height.
TEST_F(PaymentJourneyTest, LandscapeLargePrintButtonsNeverOverlap) {
    walkEveryPaymentScreen("orientation = \"landscape\"\nlarge_print = true\n", "zh_CN");
}

/// Portrait with large print, English first (the longest texts).
TEST_F(PaymentJourneyTest, PortraitLargePrintEnglishLayoutIsClean) {
    walkEveryPaymentScreen("large_print = true\n", "en_US");
}

/// Landscape with normal print, English first.
TEST_F(PaymentJourneyTest, LandscapeEnglishLayoutIsClean) {
    walkEveryPaymentScreen("orientation = \"landscape\"\n", "en_US");
}

TEST_F(PaymentJourneyTest, CancelOnTheQrClosesTheOrderAndNothingIsCharged) {
    ASSERT_GT(hospital.port(), 0);
    startWith(liveSections());
    const auto report = journey(std::string(R"({"steps": [)") + kToQr + R"(,
        {"tap": "pay.qr.cancel"},
        {"await_screen": {"screen": "pay.result", "seconds": 20}},
        {"tap": "pay.result.again"},
        {"await_screen": {"screen": "pay.charges", "seconds": 10}}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
    const auto all = orders();
    ASSERT_EQ(all.size(), 1U);
    EXPECT_EQ(all.front().state, SagaState::closed);
    EXPECT_EQ(hospital.call("GET", "/gateway/orders/" + all.front().outTradeNo()).value("status", ""), "CLOSED");
    EXPECT_EQ(hospital.commits(all.front().hisTradeNo()), 0);
    EXPECT_TRUE(printed().empty()) << "nothing to keep when nothing was charged";
}

TEST_F(PaymentJourneyTest, HospitalDownStopsBeforeAnyOrderWithABilingualMessage) {
    startWith(sections("http://127.0.0.1:9/fhir", "http://127.0.0.1:9/gateway"));
    const auto report = journey(R"({"steps": [
        {"tap": "attract.start"},
        {"insert_card": {"device": "card", "person": "wang-xinkun"}},
        {"tap": "menu.payment"},
        {"await_screen": {"screen": "pay.charges", "seconds": 10}}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_TRUE(orders().empty());
    const auto buttons = app->visibleButtons();
    EXPECT_EQ(std::count(buttons.begin(), buttons.end(), "pay.self"), 0) << "no way to pay what could not be listed";
    EXPECT_EQ(std::count(buttons.begin(), buttons.end(), "pay.back"), 1);
}

TEST_F(PaymentJourneyTest, CardPulledDuringTheQrKeepsTheSessionUntilTheOutcomeIsShown) {
    ASSERT_GT(hospital.port(), 0);
    startWith(liveSections());
    const auto report = journey(std::string(R"({"steps": [)") + kToQr + R"(,
        {"remove_card": "card"},
        {"expect_session": true},
        {"expect_screen": "pay.qr"},
        {"wait": 90},
        {"expect_session": true},
        {"pay_on_phone": true},
        {"await_screen": {"screen": "pay.result", "seconds": 20}},
        {"expect_session": true},
        {"wait": 21},
        {"expect_session": false},
        {"expect_screen": "attract"}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
    const auto all = orders();
    ASSERT_EQ(all.size(), 1U);
    EXPECT_EQ(all.front().state, SagaState::done);
}

TEST_F(PaymentJourneyTest, LeavingBetweenQuoteAndPaymentClosesTheJournalledOrder) {
    ASSERT_GT(hospital.port(), 0);
    startWith(liveSections());
    const auto report = journey(R"({"steps": [
        {"tap": "attract.start"},
        {"insert_card": {"device": "card", "person": "wang-xinkun"}},
        {"tap": "menu.payment"},
        {"await_screen": {"screen": "pay.charges", "seconds": 10}},
        {"tap": "pay.self"},
        {"await_screen": {"screen": "pay.channel", "seconds": 10}},
        {"tap": "session.finish"},
        {"expect_screen": "pay.channel"},
        {"tap": "pay.finish.confirm"},
        {"expect_screen": "attract"}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
    // The close runs on a worker of its own after the session ended.
    std::vector<payments::PaymentOrder> all;
    for (int i = 0; i < 100; ++i) {
        all = orders();
        if (all.size() == 1 && payments::isTerminal(all.front().state)) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_EQ(all.size(), 1U);
    EXPECT_EQ(all.front().state, SagaState::closed) << all.front().reason;
}

/// A payment left half-done by a crash: paid on the phone, never committed. The next start
/// commits it before the first patient is accepted.
TEST_F(PaymentJourneyTest, StartUpRecoveryCommitsAPaidOrderBeforeTheFirstPatient) {
    ASSERT_GT(hospital.port(), 0);
    std::string orderId;
    {
        auto loaded = config(liveSections());
        ASSERT_TRUE(loaded.has_value());
        auto journal = Journal::open(loaded->journalFile);
        ASSERT_TRUE(journal.has_value()) << journal.error().detail;
        auto services = cli::makeKioskServices(*loaded);
        ASSERT_TRUE(services.has_value());
        auto desk = payments::PaymentDesk::create(*loaded, **journal, *services->his);
        ASSERT_TRUE(desk.has_value()) << desk.error().detail;
        const std::vector<payments::ChargeLine> charges{{"chg-wang-xinkun-1", "", "血常规", "A", 2500}};
        auto quote = (*desk)->quote("wang-xinkun", charges, std::nullopt);
        ASSERT_TRUE(quote.has_value()) << quote.error().detail;
        auto shown = (*desk)->showQr(quote->orderId, "wechat");
        ASSERT_TRUE(shown.has_value()) << shown.error().detail;
        ASSERT_EQ(shown->state, SagaState::qr_shown);
        orderId = shown->orderId;
        hospital.call("POST", "/gateway/orders/" + shown->outTradeNo() + "/simulate-paid");
    }  // the kiosk "crashes" here: the order is QR_SHOWN in the journal, paid at the gateway
    startWith(liveSections());
    EXPECT_TRUE(app->acceptingPatients());
    const auto all = orders();
    ASSERT_EQ(all.size(), 1U);
    EXPECT_EQ(all.front().orderId, orderId);
    EXPECT_EQ(all.front().state, SagaState::done) << all.front().reason;
    EXPECT_EQ(hospital.commits(all.front().hisTradeNo()), 1);
}

/// The same crash, but the gateway cannot be reached at start-up: the outcome stays unknown, a
/// voucher with the transaction key is printed, and the kiosk still serves patients.
TEST_F(PaymentJourneyTest, UnknownOutcomeAtStartUpPrintsAVoucherNeverFailed) {
    ASSERT_GT(hospital.port(), 0);
    std::string orderId;
    {
        auto loaded = config(liveSections());
        ASSERT_TRUE(loaded.has_value());
        auto journal = Journal::open(loaded->journalFile);
        ASSERT_TRUE(journal.has_value());
        auto services = cli::makeKioskServices(*loaded);
        ASSERT_TRUE(services.has_value());
        auto desk = payments::PaymentDesk::create(*loaded, **journal, *services->his);
        ASSERT_TRUE(desk.has_value());
        const std::vector<payments::ChargeLine> charges{{"chg-wang-xinkun-1", "", "血常规", "A", 2500}};
        auto quote = (*desk)->quote("wang-xinkun", charges, std::nullopt);
        ASSERT_TRUE(quote.has_value());
        auto shown = (*desk)->showQr(quote->orderId, "wechat");
        ASSERT_TRUE(shown.has_value());
        orderId = shown->orderId;
    }
    startWith(sections(hospital.fhirUrl(), "http://127.0.0.1:9/gateway"));
    EXPECT_TRUE(app->acceptingPatients());
    const auto all = orders();
    ASSERT_EQ(all.size(), 1U);
    EXPECT_EQ(all.front().state, SagaState::unknown);
    const auto jobs = printed();
    ASSERT_EQ(jobs.size(), 1U);
    EXPECT_TRUE(contains(jobs.front(), orderId));
    for (const auto& line : jobs.front()) {
        EXPECT_EQ(line.find("失败"), std::string::npos) << line;
        EXPECT_EQ(line.find("fail"), std::string::npos) << line;
    }
    const auto report = journey(R"({"steps": [
        {"tap": "attract.start"},
        {"insert_card": {"device": "card", "person": "li-jun"}},
        {"expect_screen": "menu"}
    ]})");
    EXPECT_TRUE(report.ok) << describe(report);
}

// ---------------------------------------------------------------- issue 20: the walk-through

/// What patients met on the payment screens (issue 20, items 6–12): label `walkthrough`.
class PaymentWalkthroughTest : public PaymentJourneyTest {
protected:
    /// Whether any text drawn in the last frame contains `needle`.
    bool shows(const std::string& needle) const {
        for (const auto& text : app->textRects()) {
            if (text.text.find(needle) != std::string::npos) return true;
        }
        return false;
    }
    bool hasButton(const std::string& id) const {
        const auto buttons = app->visibleButtons();
        return std::count(buttons.begin(), buttons.end(), id) > 0;
    }
    std::string shownTexts() const {
        std::string all;
        for (const auto& text : app->textRects()) all += "[" + text.text + "] ";
        return all;
    }
    /// The same sections with a QR countdown of `seconds` (real time: the saga's own clock).
    std::string withQrTimeout(std::string sectionsText, int seconds) const {
        const std::string from = "qr_timeout_s = 60";
        sectionsText.replace(sectionsText.find(from), from.size(), "qr_timeout_s = " + std::to_string(seconds));
        return sectionsText;
    }
    /// Steps that draw the current screen in both languages and print sizes, so every changed
    /// screen leaves PNGs of each (the fixture checks every frame's layout).
    static constexpr const char* kLooks =
        R"({"set_language": "en_US"}, {"set_large_print": true}, {"set_language": "zh_CN"}, {"set_large_print": false})";
};

/// Item 6: "finish" on the QR asks first; keeping on shows the same code; confirming closes the
/// order and the attract screen says nothing was charged (and no word of receipts).
TEST_F(PaymentWalkthroughTest, FinishDuringTheQrAsksFirstThenSaysNothingWasCharged) {
    ASSERT_GT(hospital.port(), 0);
    startWith(liveSections());
    auto report = journey(std::string(R"({"steps": [)") + kToQr + R"(,
        {"tap": "session.finish"},
        {"expect_screen": "pay.qr"},
        {"expect_session": true}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_TRUE(shows("要取消本次缴费吗")) << shownTexts();
    EXPECT_TRUE(hasButton("pay.finish.keep"));
    EXPECT_FALSE(hasButton("pay.qr.cancel"));
    report = journey(std::string(R"({"steps": [)") + kLooks + R"(, {"tap": "pay.finish.keep"}, {"expect_screen": "pay.qr"}]})");
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_TRUE(hasButton("pay.qr.cancel")) << "the same code again";
    report = journey(R"({"steps": [
        {"tap": "session.finish"},
        {"tap": "pay.finish.confirm"},
        {"await_screen": {"screen": "attract", "seconds": 20}},
        {"expect_session": false}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_TRUE(shows("缴费已取消，未扣款")) << shownTexts();
    EXPECT_FALSE(shows("凭条")) << "nothing was printed: " << shownTexts();
    report = journey(R"({"steps": [{"set_language": "en_US"}]})");
    EXPECT_TRUE(shows("nothing was charged")) << shownTexts();
    EXPECT_FALSE(shows("receipt")) << shownTexts();
    const auto all = orders();
    ASSERT_EQ(all.size(), 1U);
    EXPECT_EQ(all.front().state, SagaState::closed) << all.front().reason;
    EXPECT_EQ(hospital.call("GET", "/gateway/orders/" + all.front().outTradeNo()).value("status", ""), "CLOSED");
    EXPECT_TRUE(printed().empty());
}

/// Item 6, the plain case: "finish" with a card in the reader and nothing printed mentions the
/// card, not receipts.
TEST_F(PaymentWalkthroughTest, FinishWithNothingPrintedDoesNotMentionReceipts) {
    ASSERT_GT(hospital.port(), 0);
    startWith(liveSections());
    const auto report = journey(R"({"steps": [
        {"tap": "attract.start"},
        {"insert_card": {"device": "card", "person": "wang-xinkun"}},
        {"tap": "session.finish"},
        {"expect_screen": "attract"}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_TRUE(shows("您的卡还在读卡器上")) << shownTexts();
    EXPECT_FALSE(shows("凭条")) << shownTexts();
    const auto removed = journey(R"({"steps": [{"remove_card": "card"}, {"expect_screen": "attract"}]})");
    ASSERT_TRUE(removed.ok) << describe(removed);
    EXPECT_FALSE(shows("凭条")) << "nothing was printed: " << shownTexts();
}

/// Item 7: the HIS's English names (FHIR R4 translation extension on ChargeItem.code.text) on
/// screen and on the receipt; an item without one shows its kind in English beside its name.
TEST_F(PaymentWalkthroughTest, EnglishPatientSeesEnglishChargeNamesOnScreenAndReceipt) {
    ASSERT_GT(hospital.port(), 0);
    startWith(liveSections());
    auto report = journey(R"({"steps": [
        {"set_language": "en_US"},
        {"tap": "attract.start"},
        {"insert_card": {"device": "card", "person": "wang-xinkun"}},
        {"tap": "menu.payment"},
        {"await_screen": {"screen": "pay.charges", "seconds": 10}},
        {"set_large_print": true},
        {"set_large_print": false}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_TRUE(shows("Complete blood count")) << shownTexts();
    EXPECT_TRUE(shows("Chest CT scan")) << shownTexts();
    EXPECT_TRUE(shows("中药饮片 (medicine)")) << "no English name from the HIS: its kind beside it; " << shownTexts();
    EXPECT_FALSE(shows("血常规")) << shownTexts();
    // In Chinese: the HIS's Chinese names, no kinds added.
    report = journey(R"({"steps": [{"set_language": "zh_CN"}]})");
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_TRUE(shows("血常规（五分类）")) << shownTexts();
    EXPECT_FALSE(shows("(medicine)")) << shownTexts();
    report = journey(R"({"steps": [
        {"set_language": "en_US"},
        {"tap": "pay.self"},
        {"await_screen": {"screen": "pay.channel", "seconds": 10}},
        {"tap": "pay.channel.wechat"},
        {"await_screen": {"screen": "pay.qr", "seconds": 10}},
        {"pay_on_phone": true},
        {"await_screen": {"screen": "pay.result", "seconds": 20}}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
    const auto jobs = printed();
    ASSERT_EQ(jobs.size(), 1U);
    EXPECT_TRUE(contains(jobs.front(), "Complete blood count"));
    EXPECT_TRUE(contains(jobs.front(), "Intravenous infusion"));
    EXPECT_TRUE(contains(jobs.front(), "中药饮片 (medicine)"));
}

/// Item 7, the adapter: the English name comes from the R4 translation extension over real HTTP.
TEST_F(PaymentWalkthroughTest, FhirAdapterMapsTheTranslationExtensionToTheEnglishName) {
    ASSERT_GT(hospital.port(), 0);
    auto loaded = config(liveSections());
    ASSERT_TRUE(loaded.has_value());
    auto services = cli::makeKioskServices(*loaded);
    ASSERT_TRUE(services.has_value());
    auto charges = services->his->charges("pat-wang-xinkun");
    ASSERT_TRUE(charges.has_value()) << charges.error().detail;
    std::map<std::string, std::string> english;
    for (const auto& c : *charges) english[c.description] = c.descriptionEn;
    EXPECT_EQ(english["血常规（五分类）"], "Complete blood count");
    EXPECT_EQ(english["胸部CT平扫"], "Chest CT scan");
    ASSERT_TRUE(english.count("中药饮片"));
    EXPECT_EQ(english["中药饮片"], "") << "the sim gives no English name for this one";
}

/// Item 7, the fallback: the kind of a charge from its national code.
TEST(PaymentWalkthroughCategory, ChargeKindFromTheNationalCodes) {
    using screens::chargeCategory;
    EXPECT_EQ(chargeCategory("110100001"), "registration");
    EXPECT_EQ(chargeCategory("110200001"), "treatment");
    EXPECT_EQ(chargeCategory("250101001"), "lab_test");
    EXPECT_EQ(chargeCategory("270100001"), "lab_test");
    EXPECT_EQ(chargeCategory("210300001"), "imaging");
    EXPECT_EQ(chargeCategory("220100001"), "imaging");
    EXPECT_EQ(chargeCategory("120400001"), "treatment");
    EXPECT_EQ(chargeCategory("331001001"), "treatment");
    EXPECT_EQ(chargeCategory("XC09AAR084A001010101445"), "medicine");
    EXPECT_EQ(chargeCategory("Z-TCM0012"), "medicine");
    EXPECT_EQ(chargeCategory("C0123"), "");
    EXPECT_EQ(chargeCategory("9"), "");
    EXPECT_EQ(chargeCategory(""), "");
}

/// Item 8: a code that runs out says it expired, nothing was charged, and one tap makes a new
/// order and code for the same fees and app; paying that one is received.
TEST_F(PaymentWalkthroughTest, ExpiredCodeSaysSoAndOneTapGivesANewOne) {
    ASSERT_GT(hospital.port(), 0);
    startWith(withQrTimeout(liveSections(), 8));  // room for the new code to be paid on a loaded machine
    auto report = journey(std::string(R"({"steps": [)") + kToQr + R"(,
        {"await_screen": {"screen": "pay.result", "seconds": 20}}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_TRUE(shows("支付二维码已过期")) << shownTexts();
    EXPECT_FALSE(shows("已取消")) << shownTexts();
    EXPECT_TRUE(hasButton("pay.result.new_code"));
    report = journey(std::string(R"({"steps": [)") + kLooks + R"(]})");
    ASSERT_TRUE(report.ok) << describe(report);
    auto first = orders();
    ASSERT_EQ(first.size(), 1U);
    EXPECT_EQ(first.front().state, SagaState::closed);
    report = journey(R"({"steps": [
        {"tap": "pay.result.new_code"},
        {"await_screen": {"screen": "pay.qr", "seconds": 10}},
        {"pay_on_phone": true},
        {"await_screen": {"screen": "pay.result", "seconds": 20}}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_EQ(std::count(report.screensVisited.begin(), report.screensVisited.end(), "pay.channel"), 0) << "one tap, same app";
    const auto all = orders();
    ASSERT_EQ(all.size(), 2U);
    const auto& second = all.front().orderId == first.front().orderId ? all.back() : all.front();
    EXPECT_EQ(second.state, SagaState::done) << second.reason;
    EXPECT_EQ(second.channel, "alipay");
    EXPECT_EQ(second.amountFen, 41300);
    EXPECT_EQ(hospital.call("GET", "/gateway/orders/" + first.front().outTradeNo()).value("status", ""), "CLOSED");
    EXPECT_EQ(hospital.commits(second.hisTradeNo()), 1);
}

/// Item 9: Back on the split closes the pre-settled order and lists the charges again (none held
/// back); Back on the channel returns to the same split (the order reused), and paying then works.
TEST_F(PaymentWalkthroughTest, BackFromTheSplitClosesAndFromTheChannelReusesTheOrder) {
    ASSERT_GT(hospital.port(), 0);
    startWith(insuredSections());
    auto report = journey(R"({"steps": [
        {"tap": "attract.start"},
        {"insert_card": {"device": "card", "person": "wang-xinkun"}},
        {"tap": "menu.payment"},
        {"await_screen": {"screen": "pay.charges", "seconds": 10}},
        {"tap": "pay.insurance"},
        {"await_screen": {"screen": "pay.split", "seconds": 10}},
        {"tap": "pay.split.back"},
        {"await_screen": {"screen": "pay.charges", "seconds": 10}}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_TRUE(hasButton("pay.insurance")) << "the charges are offered again, none held back";
    auto all = orders();
    ASSERT_EQ(all.size(), 1U);
    EXPECT_EQ(all.front().state, SagaState::closed) << all.front().reason;
    const std::string closedOrder = all.front().orderId;
    report = journey(R"({"steps": [
        {"tap": "pay.insurance"},
        {"await_screen": {"screen": "pay.split", "seconds": 10}},
        {"tap": "pay.split.confirm"},
        {"await_screen": {"screen": "pay.channel", "seconds": 10}},
        {"tap": "pay.channel.back"},
        {"expect_screen": "pay.split"},
        {"tap": "pay.split.confirm"},
        {"expect_screen": "pay.channel"},
        {"tap": "pay.channel.unionpay"},
        {"await_screen": {"screen": "pay.qr", "seconds": 10}},
        {"pay_on_phone": true},
        {"await_screen": {"screen": "pay.result", "seconds": 20}}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
    all = orders();
    ASSERT_EQ(all.size(), 2U) << "Back from the channel reused the pre-settled order";
    for (const auto& order : all) {
        EXPECT_EQ(order.state, order.orderId == closedOrder ? SagaState::closed : SagaState::done) << order.reason;
    }
}

/// Item 9, self-pay: Back on the channel closes the order (nothing was charged) and lists the
/// charges again, payable.
TEST_F(PaymentWalkthroughTest, BackFromTheChannelWithoutInsuranceClosesTheOrder) {
    ASSERT_GT(hospital.port(), 0);
    startWith(liveSections());
    const auto report = journey(R"({"steps": [
        {"tap": "attract.start"},
        {"insert_card": {"device": "card", "person": "wang-xinkun"}},
        {"tap": "menu.payment"},
        {"await_screen": {"screen": "pay.charges", "seconds": 10}},
        {"tap": "pay.self"},
        {"await_screen": {"screen": "pay.channel", "seconds": 10}},
        {"tap": "pay.channel.back"},
        {"await_screen": {"screen": "pay.charges", "seconds": 10}}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_TRUE(hasButton("pay.self"));
    const auto all = orders();
    ASSERT_EQ(all.size(), 1U);
    EXPECT_EQ(all.front().state, SagaState::closed) << all.front().reason;
}

/// Item 10: a patient who identified with an e-health-card QR is told how to use insurance.
TEST_F(PaymentWalkthroughTest, EHealthCardPatientIsToldHowToUseInsurance) {
    ASSERT_GT(hospital.port(), 0);
    startWith(insuredSections());
    const auto report = journey(R"({"steps": [
        {"tap": "attract.start"},
        {"scan": {"device": "scanner", "payload": "0272E5F1A9B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D5E6F708192A3B4C5D:1"}},
        {"await_screen": {"screen": "menu", "seconds": 10}},
        {"tap": "menu.payment"},
        {"await_screen": {"screen": "pay.charges", "seconds": 10}},
        {"set_language": "en_US"}, {"set_large_print": true}, {"set_language": "zh_CN"}, {"set_large_print": false}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_EQ(app->session().identity().source, IdentitySource::health_card_qr);
    EXPECT_TRUE(shows("社保卡或医保电子凭证")) << shownTexts();
    EXPECT_FALSE(hasButton("pay.insurance"));
    EXPECT_TRUE(hasButton("pay.self"));
}

/// Item 11: the words on the QR say which app, where the code is and the time left; the fully
/// covered split says nothing is paid until the patient confirms.
TEST_F(PaymentWalkthroughTest, QrAndSplitWordsSayWhatIsTrue) {
    ASSERT_GT(hospital.port(), 0);
    startWith(insuredSections() + "[ui]\norientation = \"landscape\"\n");
    auto report = journey(R"({"steps": [
        {"tap": "attract.start"},
        {"insert_card": {"device": "card", "person": "ouyang-nana"}},
        {"tap": "menu.payment"},
        {"await_screen": {"screen": "pay.charges", "seconds": 10}},
        {"tap": "pay.insurance"},
        {"await_screen": {"screen": "pay.split", "seconds": 10}}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_FALSE(shows("已全额支付")) << shownTexts();
    EXPECT_TRUE(shows("确认后才会结算")) << shownTexts();
    report = journey(R"({"steps": [{"set_language": "en_US"}]})");
    EXPECT_TRUE(shows("Nothing is settled until you confirm")) << shownTexts();
    report = journey(R"({"steps": [
        {"set_language": "zh_CN"},
        {"tap": "session.finish"}, {"tap": "pay.finish.confirm"}, {"expect_screen": "attract"},
        {"remove_card": "card"},
        {"tap": "attract.start"},
        {"insert_card": {"device": "card", "person": "wang-xinkun"}},
        {"tap": "menu.payment"},
        {"await_screen": {"screen": "pay.charges", "seconds": 10}},
        {"tap": "pay.self"},
        {"await_screen": {"screen": "pay.channel", "seconds": 10}},
        {"tap": "pay.channel.wechat"},
        {"await_screen": {"screen": "pay.qr", "seconds": 10}}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_TRUE(shows("请用微信扫描左侧二维码")) << "landscape: the code is on the left; " << shownTexts();
    EXPECT_TRUE(shows("剩余支付时间")) << shownTexts();
    report = journey(R"({"steps": [{"set_language": "en_US"}, {"set_large_print": true}]})");
    EXPECT_TRUE(shows("Use WeChat to scan the code on the left")) << shownTexts();
    EXPECT_FALSE(shows("WeChat Pay")) << shownTexts();
    EXPECT_TRUE(shows("Time left:")) << shownTexts();
}

/// Item 12: charges held back for an unknown earlier order: the notice gives their amount.
TEST_F(PaymentWalkthroughTest, HeldBackNoticeGivesTheAmount) {
    ASSERT_GT(hospital.port(), 0);
    startWith(liveSections());
    auto report = journey(std::string(R"({"steps": [)") + kToQr + "]}");
    ASSERT_TRUE(report.ok) << describe(report);
    hospital.armFault("http_503", "POST", "/fhir/PaymentReconciliation", 20);
    report = journey(R"({"steps": [
        {"pay_on_phone": true},
        {"await_screen": {"screen": "pay.result", "seconds": 30}},
        {"tap": "pay.result.menu"},
        {"tap": "menu.payment"},
        {"await_screen": {"screen": "pay.charges", "seconds": 10}},
        {"set_language": "en_US"}, {"set_large_print": true}, {"set_language": "zh_CN"}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
    const auto all = orders();
    ASSERT_EQ(all.size(), 1U);
    EXPECT_TRUE(shows("共 ¥413.00")) << shownTexts();
    EXPECT_TRUE(shows(all.front().orderId)) << shownTexts();
    hospital.call("DELETE", "/admin/faults");
}

}  // namespace
}  // namespace kiosk::test
