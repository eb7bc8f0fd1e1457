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
#include "screens/payment_screens.hpp"

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

}  // namespace
}  // namespace kiosk::test
