// Bank-card payment on the lobby's payment screens (issue 16 item 4; labels bankcard, ui,
// payments): the real App (headless SDL offscreen, software renderer) with the real PaymentDesk
// against the real hospital-sim (HIS + gateway) over loopback HTTP, and the kiosk's mispos driver
// on a real pty talking to the virtual MIS-POS terminal (sim/devices/virtual_mispos.hpp) run
// in-process, whose simulated acquirer plays the scenarios. Each test checks the screen, the
// payment journal, the acquirer's own ledger and the printed slip. PNGs:
// <build>/test-output/ui/<test>/.
#include "tests/backend/sim_process.hpp"
#include "tests/ui/app_fixture.hpp"

#include <thread>

#include "drivers/sim/sim_devices.hpp"
#include "kiosk/cli/wiring.hpp"
#include "payments/saga_journal.hpp"
#include "screens/payment/payment_flow.hpp"
#include "sim/devices/virtual_mispos.hpp"

namespace kiosk::test {
namespace {

using payments::SagaState;
using sim::VposScenario;

/// The acquirer's test card, which must never reach the screen or the paper in full.
constexpr std::string_view kFullCardNumber = sim::VirtualAcquirer::kCard;

class CardJourneyTest : public AppTest {
protected:
    SimProcess hospital;
    std::shared_ptr<sim::VirtualAcquirer> acquirer;
    std::unique_ptr<sim::VirtualMisPos> terminal;

    /// The App (and a card payment its worker still waits for) goes before the terminal does.
    void TearDown() override { app.reset(); }

    /// The virtual terminal on a pty, then the App with [backend], [payments] and the terminal as
    /// its [[devices]] pos_terminal (serial transport, the answer time-out short for the tests).
    /// A test's later Apps (another layout) keep the terminal and its acquirer.
    void startWithTerminal(const std::string& ui = "") {
        ASSERT_GT(hospital.port(), 0);
        if (!terminal) {
            auto layout = drivers::pos::MisPosLayout::loadFile(std::filesystem::path(KIOSK_TEST_ASSETS_DIR) / "pos" / "ums_bankall.toml");
            ASSERT_TRUE(layout.has_value()) << layout.error().detail;
            acquirer = std::make_shared<sim::VirtualAcquirer>(dir.path() / "vpos.state", *layout);
            auto created = sim::VirtualMisPos::create(acquirer, dir.path() / "ttyPos");
            ASSERT_TRUE(created.has_value()) << created.error().detail;
            terminal = std::move(*created);
        }
        const std::string extra =
            "[backend]\ndriver = \"fhir\"\nbase_url = \"" + hospital.fhirUrl() +
            "\"\nconnect_timeout_ms = 500\ncall_timeout_ms = 3000\nretries = 0\n"
            "[payments]\ngateway_url = \"" + hospital.rootUrl() +
            "/gateway\"\nconnect_timeout_ms = 500\ncall_timeout_ms = 3000\npoll_interval_ms = 100\nqr_timeout_s = 60\n"
            "[[devices]]\nname = \"bankcard\"\nclass = \"pos_terminal\"\ndriver = \"mispos\"\ntransport = \"serial\"\n"
            "port = \"" + (dir.path() / "ttyPos").string() + "\"\nack_timeout_ms = 300\nanswer_timeout_ms = 4000\n"
            "service_timeout_ms = 3000\n" + ui;
        auto loaded = config(extra);
        ASSERT_TRUE(loaded.has_value()) << loaded.error().detail;
        auto wired = cli::withKioskServices(*loaded, headlessOptions());
        ASSERT_TRUE(wired.has_value()) << wired.error().detail;
        open(std::move(*loaded), std::move(*wired));
    }

    /// Identifies `person` and goes to the channel choice for their charges (self-pay).
    static std::string toChannel(const std::string& person) {
        return R"({"tap": "attract.start"},
            {"insert_card": {"device": "card", "person": ")" + person + R"("}},
            {"tap": "menu.payment"},
            {"await_screen": {"screen": "pay.charges", "seconds": 10}},
            {"tap": "pay.self"},
            {"await_screen": {"screen": "pay.channel", "seconds": 10}})";
    }

    screens::PaymentView view() const { return app->services().payment().view(); }

    /// Draws frames until the payment flow is at `stage` (at most `seconds`).
    bool reachStage(screens::PayStage stage, int seconds = 20) {
        for (int i = 0; i < seconds * 20; ++i) {
            app->frame();
            if (view().stage == stage) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        return false;
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

    static bool contains(const std::vector<std::string>& lines, std::string_view text) {
        return std::any_of(lines.begin(), lines.end(), [&](const std::string& line) { return line.find(text) != std::string::npos; });
    }

    bool showsText(std::string_view part) const {
        for (const auto& rect : app->textRects()) {
            if (rect.text.find(part) != std::string::npos) return true;
        }
        return false;
    }

    bool showsButton(const std::string& id) const {
        const auto buttons = app->visibleButtons();
        return std::find(buttons.begin(), buttons.end(), id) != buttons.end();
    }
};

/// (a) The card is approved: the HIS records the payment once, the screen and the receipt say
/// "bank card" with the masked number and the voucher and reference numbers.
TEST_F(CardJourneyTest, ApprovedCardIsCommittedAndTheReceiptShowsTheMaskedCard) {
    startWithTerminal();
    ASSERT_NE(app, nullptr);
    auto report = journey("{\"steps\": [" + toChannel("wang-xinkun") + "]}");
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_TRUE(showsButton("pay.channel.bankcard")) << "a terminal is configured: bank card is offered";
    // The patient at the terminal (1.5 s per answer) presses "finish" on the kiosk: the screen
    // says only the terminal's Cancel can stop it; the session and the payment go on.
    acquirer->setAnswerDelay(std::chrono::milliseconds(1500));
    ASSERT_TRUE(app->tap("pay.channel.bankcard").has_value());
    ASSERT_TRUE(reachStage(screens::PayStage::card));
    report = journey(R"({"steps": [{"tap": "session.finish"}]})");
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_EQ(app->currentScreen(), "pay.card");
    EXPECT_TRUE(app->session().active());
    EXPECT_TRUE(showsText("屏幕上无法中止")) << "finish cannot stop the terminal: the screen says so";
    EXPECT_TRUE(showsButton("pay.finish.keep"));
    report = journey(R"({"steps": [
        {"tap": "pay.finish.keep"},
        {"await_screen": {"screen": "pay.result", "seconds": 20}}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_TRUE(app->session().active());

    const auto all = orders();
    ASSERT_EQ(all.size(), 1U);
    const auto& order = all.front();
    EXPECT_EQ(order.state, SagaState::done) << order.reason;
    EXPECT_EQ(order.channel, "bankcard");
    EXPECT_EQ(order.amountFen, 41300);  // the seeded charges of wang-xinkun
    EXPECT_EQ(acquirer->charges(), 1);
    EXPECT_EQ(hospital.commits(order.hisTradeNo()), 1);
    ASSERT_FALSE(order.card.maskedPan.empty());
    EXPECT_EQ(order.card.maskedPan.substr(0, 6), "622848");
    EXPECT_EQ(order.card.maskedPan.find(kFullCardNumber), std::string::npos);

    EXPECT_TRUE(showsText("缴费成功"));
    EXPECT_TRUE(showsText(order.card.maskedPan)) << "the result names the card, masked";
    EXPECT_TRUE(showsText(order.card.voucher));
    EXPECT_TRUE(showsText(order.card.reference));
    EXPECT_FALSE(showsText(kFullCardNumber));

    const auto jobs = printed();
    ASSERT_EQ(jobs.size(), 1U);
    const auto& receipt = jobs.front();
    EXPECT_TRUE(contains(receipt, "413.00"));
    EXPECT_TRUE(contains(receipt, "银行卡"));
    EXPECT_TRUE(contains(receipt, order.card.maskedPan));
    EXPECT_TRUE(contains(receipt, order.card.voucher));
    EXPECT_TRUE(contains(receipt, order.card.reference));
    EXPECT_TRUE(contains(receipt, order.orderId));
    EXPECT_FALSE(contains(receipt, kFullCardNumber)) << "never the full card number on paper";
}

/// (b) A wrong PIN: nothing was charged and the screen says why; "try the card again" is a new
/// order for the same charges, approved this time.
TEST_F(CardJourneyTest, WrongPinChargesNothingSaysWhyAndTheCardCanBeTriedAgain) {
    startWithTerminal();
    ASSERT_NE(app, nullptr);
    acquirer->setScenario(VposScenario::wrong_pin);
    auto report = journey("{\"steps\": [" + toChannel("wang-xinkun") + R"(,
        {"tap": "pay.channel.bankcard"},
        {"await_screen": {"screen": "pay.result", "seconds": 20}}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
    auto all = orders();
    ASSERT_EQ(all.size(), 1U);
    EXPECT_EQ(all.front().state, SagaState::closed);
    EXPECT_EQ(all.front().card.resultKey, "pos.declined.wrong_pin");
    EXPECT_EQ(acquirer->charges(), 0);
    EXPECT_TRUE(showsText("未扣款"));
    EXPECT_TRUE(showsText("密码错误")) << "the reason from the terminal's answer";
    EXPECT_TRUE(showsText("The PIN was wrong"));
    EXPECT_TRUE(showsButton("pay.result.card_again"));
    EXPECT_TRUE(showsButton("pay.result.other_way"));
    EXPECT_TRUE(printed().empty()) << "nothing to keep when nothing was charged";

    report = journey(R"({"steps": [
        {"set_language": "en_US"},
        {"tap": "pay.result.card_again"},
        {"await_screen": {"screen": "pay.result", "seconds": 20}}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
    all = orders();
    ASSERT_EQ(all.size(), 2U) << "a new order for the same charges";
    const auto& closed = all.front().state == SagaState::closed ? all.front() : all.back();
    const auto& paid = all.front().state == SagaState::closed ? all.back() : all.front();
    EXPECT_EQ(closed.state, SagaState::closed);
    EXPECT_EQ(paid.state, SagaState::done) << paid.reason;
    EXPECT_EQ(paid.chargeIds, closed.chargeIds);
    EXPECT_EQ(acquirer->charges(), 1);
    EXPECT_EQ(hospital.commits(paid.hisTradeNo()), 1);
    EXPECT_TRUE(showsText("Payment received"));
    EXPECT_TRUE(showsText(paid.card.maskedPan));
    ASSERT_EQ(printed().size(), 1U);
}

/// (c) The terminal charged the card and its answer was lost: the kiosk never says "failed" and
/// never charges again; it shows what the saga knows (received once the query found the charge,
/// or "we are confirming" with a voucher).
TEST_F(CardJourneyTest, AnswerLostIsNeverFailedAndNeverChargedTwice) {
    startWithTerminal();
    ASSERT_NE(app, nullptr);
    acquirer->setScenario(VposScenario::answer_lost);
    const auto report = journey("{\"steps\": [" + toChannel("wang-xinkun") + R"(,
        {"tap": "pay.channel.bankcard"},
        {"await_screen": {"screen": "pay.result", "seconds": 40}},
        {"set_language": "en_US"}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
    const auto all = orders();
    ASSERT_EQ(all.size(), 1U);
    const auto& order = all.front();
    EXPECT_EQ(acquirer->charges(), 1) << "charged once, never again";
    EXPECT_NE(order.state, SagaState::closed) << "money moved: never 'nothing was charged'";
    const auto outcome = screens::outcomeOf(order);
    EXPECT_TRUE(outcome == screens::PayOutcome::received || outcome == screens::PayOutcome::confirming) << stateName(order.state);
    EXPECT_FALSE(showsText("Nothing was charged"));
    EXPECT_FALSE(showsText("failed"));
    EXPECT_FALSE(showsText("失败"));
    EXPECT_TRUE(showsText(outcome == screens::PayOutcome::received ? "Payment received" : "We are confirming your payment"));
    const auto jobs = printed();
    ASSERT_EQ(jobs.size(), 1U);
    EXPECT_TRUE(contains(jobs.front(), order.orderId)) << "the receipt or voucher carries the transaction key";
    for (const auto& line : jobs.front()) EXPECT_EQ(line.find("失败"), std::string::npos) << line;
}

/// The terminal is gone (unplugged) before the card payment starts: nothing is journalled or
/// charged, the channel screen says why, and the same order is paid by QR instead.
TEST_F(CardJourneyTest, UnavailableTerminalGoesBackToTheChannelsWithTheReason) {
    startWithTerminal();
    ASSERT_NE(app, nullptr);
    auto report = journey("{\"steps\": [" + toChannel("wang-xinkun") + "]}");
    ASSERT_TRUE(report.ok) << describe(report);
    terminal.reset();  // the pty closes and its link goes: the driver cannot open the port
    report = journey(R"({"steps": [
        {"tap": "pay.channel.bankcard"},
        {"await_screen": {"screen": "pay.channel", "seconds": 20}}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_TRUE(showsText("刷卡机暂时无法使用"));
    report = journey(R"({"steps": [{"set_language": "en_US"}]})");
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_TRUE(showsText("The card terminal is not available right now"));
    auto all = orders();
    ASSERT_EQ(all.size(), 1U);
    EXPECT_EQ(all.front().state, SagaState::created) << "the order waits to be paid another way";
    EXPECT_EQ(acquirer->charges(), 0);
    report = journey(R"({"steps": [
        {"tap": "pay.channel.alipay"},
        {"await_screen": {"screen": "pay.qr", "seconds": 10}},
        {"pay_on_phone": true},
        {"await_screen": {"screen": "pay.result", "seconds": 20}}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
    all = orders();
    ASSERT_EQ(all.size(), 1U) << "the same order";
    EXPECT_EQ(all.front().state, SagaState::done) << all.front().reason;
    EXPECT_EQ(all.front().channel, "alipay");
}

/// (d) Every bank-card screen (the channel choice with the card, the terminal at work, nothing
/// charged with the reason, received with the card) in both languages, portrait and landscape,
/// normal and large print: the fixture checks each frame's layout (no text under a button,
/// nothing off the screen, touch targets ≥ 96 px). One patient per layout (each pays once).
TEST_F(CardJourneyTest, EveryCardScreenInEveryLayout) {
    const std::vector<std::pair<std::string, std::string>> layouts = {
        {"", "wang-xinkun"},
        {"[ui]\nlarge_print = true\n", "zhang-san"},
        {"[ui]\norientation = \"landscape\"\nwidth = 1920\nheight = 1080\n", "li-jun"},
        {"[ui]\norientation = \"landscape\"\nwidth = 1920\nheight = 1080\nlarge_print = true\n", "chen-zhe"},
    };
    for (const auto& [ui, person] : layouts) {
        SCOPED_TRACE(ui + person);
        startWithTerminal(ui);  // the next layout on the same hospital and terminal (one App at a time)
        ASSERT_NE(app, nullptr);
        // The terminal takes a moment per request (the patient at it), so its screen is seen.
        acquirer->setAnswerDelay(std::chrono::milliseconds(2500));
        // First the terminal NAKs the sign-in three times (nothing charged): the channel screen
        // with the reason; then a declined card; then an approved one.
        acquirer->setFault(sim::VposFault::nak);
        auto report = journey("{\"steps\": [" + toChannel(person) + R"(, {"set_language": "en_US"}, {"set_language": "zh_CN"},
            {"tap": "pay.channel.bankcard"}, {"await_screen": {"screen": "pay.channel", "seconds": 20}},
            {"set_language": "en_US"}, {"set_language": "zh_CN"}]})");
        ASSERT_TRUE(report.ok) << describe(report);
        EXPECT_TRUE(view().cardError.has_value());
        acquirer->setScenario(VposScenario::insufficient_funds);
        ASSERT_TRUE(app->tap("pay.channel.bankcard").has_value());
        ASSERT_TRUE(reachStage(screens::PayStage::card));
        report = journey(R"({"steps": [{"expect_screen": "pay.card"}]})");
        ASSERT_TRUE(report.ok) << describe(report);
        EXPECT_TRUE(showsText("刷卡机"));
        for (const auto& id : app->visibleButtons()) {
            EXPECT_FALSE(id.starts_with("pay.")) << id << ": no kiosk cancel while the terminal holds the money";
        }
        report = journey(R"({"steps": [{"set_language": "en_US"}, {"set_language": "zh_CN"}]})");
        ASSERT_TRUE(report.ok) << describe(report);
        EXPECT_EQ(std::count(report.screensVisited.begin(), report.screensVisited.end(), "pay.result"), 0) << "both languages seen on pay.card";
        report = journey(R"({"steps": [{"await_screen": {"screen": "pay.result", "seconds": 20}},
            {"set_language": "en_US"}, {"set_language": "zh_CN"},
            {"tap": "pay.result.card_again"},
            {"await_screen": {"screen": "pay.result", "seconds": 20}},
            {"set_language": "en_US"}, {"set_language": "zh_CN"}]})");
        ASSERT_TRUE(report.ok) << describe(report);
        EXPECT_EQ(screens::outcomeOf(view().order), screens::PayOutcome::received);
    }
}

}  // namespace
}  // namespace kiosk::test
