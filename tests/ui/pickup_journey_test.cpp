// Medicine pickup (issue 13 item 1) end to end: the real App in pharmacy mode (headless SDL,
// software renderer) with the FHIR HisDriver over loopback HTTP against the real hospital-sim,
// whose seed gives zhang-san a prescription in every dispense state, one ready at a window, one
// not paid (its charge is on his bill) and one in locker 3 of bank LOCKER-A; and the lockboard
// driver against the virtual lock board (sim/devices/virtual_lock_board.hpp) on a real pty.
// PNGs: <build>/test-output/ui/<test>/.
#include "tests/backend/sim_process.hpp"
#include "tests/ui/app_fixture.hpp"

#include <thread>

#include "drivers/sim/sim_devices.hpp"
#include "kiosk/cli/wiring.hpp"
#include "screens/pickup/pickup_flow.hpp"
#include "sim/devices/virtual_lock_board.hpp"

namespace kiosk::test {
namespace {

using drivers::locker::FeedbackPolarity;
using drivers::locker::FrameFamily;
using screens::PickupStage;

/// zhang-san's seeded dispenses (sim/hospital/seed.cpp): the 10th is in locker 3 of LOCKER-A, the
/// 2nd ready at window 2, the 3rd on hold for its charge (ramipril), the 1st being prepared.
constexpr const char* kLockerDispense = "disp-zhang-san-10";
constexpr const char* kWindowDispense = "disp-zhang-san-2";
constexpr const char* kUnpaidDispense = "disp-zhang-san-3";
/// The locker bank of the seed's locker prescriptions (sim/hospital/seed.hpp kDemoLockerBank).
constexpr const char* kLockerBank = "LOCKER-A";

class PickupJourneyTest : public AppTest {
protected:
    std::optional<SimProcess> hospital;
    std::unique_ptr<sim::VirtualLockBoard> bank;
    int banksMade_ = 0;

    /// The pharmacy kiosk: [backend] (and [payments] when asked) on the hospital, the lock board
    /// on its pty, the locker bank id the seed uses.
    /// Each call starts a freshly seeded hospital and a new board (a test may start several kiosks).
    void startPharmacy(bool withPayments = false, const std::string& ui = "") {
        app.reset();
        bank.reset();
        // A new kiosk: its journal too (a locker opened by the last kiosk is not opened twice).
        std::filesystem::remove_all(dir.path() / "data");
        hospital.emplace();
        ASSERT_GT(hospital->port(), 0) << hospital->error();
        const auto link = dir.path() / ("ttyLockers" + std::to_string(++banksMade_));
        auto created = sim::VirtualLockBoard::create(FrameFamily::eight_a, {{1, 12, FeedbackPolarity::closed_when_set}}, link);
        ASSERT_TRUE(created) << created.error().detail;
        bank = std::move(*created);
        std::string extra = "[[devices]]\nname = \"lockers\"\nclass = \"locker\"\ndriver = \"lockboard\"\nport = \"" +
                            link.string() +
                            "\"\nmodel = \"8a_9600\"\nconfirm_timeout_ms = 500\n[[devices.boards]]\naddress = 1\nlocks = 12\n"
                            "[backend]\ndriver = \"fhir\"\nbase_url = \"" + hospital->fhirUrl() +
                            "\"\nconnect_timeout_ms = 500\ncall_timeout_ms = 3000\nretries = 0\n"
                            "[pharmacy]\nlocker_bank_id = \"" + std::string(kLockerBank) + "\"\nfallback_window = 4\n";
        if (withPayments) {
            extra += "[payments]\ngateway_url = \"" + hospital->rootUrl() +
                     "/gateway\"\nconnect_timeout_ms = 500\ncall_timeout_ms = 3000\npoll_interval_ms = 100\nqr_timeout_s = 60\n";
        }
        extra += ui;
        auto loaded = config(extra);
        ASSERT_TRUE(loaded.has_value()) << loaded.error().detail;
        screens::AppOptions options = headlessOptions();
        options.mode = KioskMode::pharmacy;
        auto wired = cli::withKioskServices(*loaded, std::move(options));
        ASSERT_TRUE(wired.has_value()) << wired.error().detail;
        open(std::move(*loaded), std::move(*wired));
    }

    /// Until no flow's worker runs (at most `seconds`), drawing the answers.
    void settleFlows(int seconds = 30) {
        app->settle();
        for (int i = 0; i < seconds * 20 && app->services().working(); ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            app->settle();
        }
        app->settle();
    }

    screens::PickupView view() const { return app->services().pickup().view(); }

    /// Identifies `person` (zhang-san unless said) by card and opens the pickup list.
    screens::JourneyReport openList(const std::string& language = "zh_CN", bool largePrint = false, const std::string& person = "zhang-san") {
        auto report = journey(std::string(R"({"language": ")") + language + R"(", "large_print": )" + (largePrint ? "true" : "false") +
                              R"(, "steps": [{"tap": "attract.start"},
            {"insert_card": {"device": "card", "person": ")" + person + R"("}},
            {"expect_screen": "menu"},
            {"tap": "menu.pickup"},
            {"await_screen": {"screen": "pickup", "seconds": 15}}]})");
        settleFlows();
        return report;
    }

    /// `steps` (may be none), then the screen as it is once every flow has answered, through the
    /// layout check (a journey step that stays on it).
    screens::JourneyReport look(const std::string& steps = "") {
        if (!steps.empty()) {
            auto report = journey(R"({"steps": [)" + steps + "]}");
            if (!report.ok) return report;
        }
        settleFlows();
        return journey(R"({"steps": [{"expect_session": true}]})");
    }

    nlohmann::json dispense(const std::string& id) { return hospital->call("GET", "/fhir/MedicationDispense/" + id); }

    static std::string tradeOf(const nlohmann::json& resource) {
        for (const auto& id : resource.value("identifier", nlohmann::json::array())) {
            if (id.value("system", "") == "urn:yizhan:kiosk-trade") return id.value("value", "");
        }
        return {};
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

    /// Whether `part` is on a page of the pickup list: the page shown, then each next one.
    bool onSomePage(const std::string& part) {
        for (int page = 0; page < 5; ++page) {
            if (showsText(part)) return true;
            if (!look(R"({"tap": "pickup.list.page.next"})").ok) return false;  // no next page
        }
        return false;
    }

    bool showsText(const std::string& part) const {
        for (const auto& rect : app->textRects()) {
            if (rect.text.find(part) != std::string::npos) return true;
        }
        return false;
    }
};

/// The list sorts what the patient has: ready here first, then the window, unpaid, being
/// prepared (with its time), picked up; cancelled and other states are left out.
TEST_F(PickupJourneyTest, ListShowsEveryStateThePatientCanActOn) {
    startPharmacy();
    auto report = openList();
    ASSERT_TRUE(report.ok) << describe(report);
    const auto v = view();
    ASSERT_EQ(v.stage, PickupStage::list);
    ASSERT_GE(v.items.size(), 5U);
    EXPECT_EQ(v.items.front().dispenseId, kLockerDispense) << "the locker of this bank comes first";
    std::vector<backend::PickupState> states;
    for (const auto& p : v.items) states.push_back(p.state());
    EXPECT_TRUE(std::is_sorted(states.begin(), states.end(), [](auto a, auto b) {
        auto order = [](backend::PickupState s) {
            switch (s) {
                case backend::PickupState::ready: return 0;
                case backend::PickupState::unpaid: return 1;
                case backend::PickupState::preparing: return 2;
                case backend::PickupState::picked_up: return 3;
                default: return 4;
            }
        };
        return order(a) < order(b);
    }));
    for (const auto& p : v.items) EXPECT_NE(p.state(), backend::PickupState::other) << p.dispenseId << " " << p.status;
    EXPECT_TRUE(showsText("打开 3 号取药柜"));
    EXPECT_TRUE(showsText("预计 17:30 备好"));
    EXPECT_TRUE(showsText("请到 2 号窗口取药"));
    // The same list in English and in large print passes the layout check.
    ASSERT_TRUE(look(R"({"set_language": "en_US"})").ok);
    EXPECT_TRUE(showsText("Open locker 3"));
    ASSERT_TRUE(look(R"({"set_large_print": true})").ok);
}

/// Two taps from the menu: the locker opens (one pulse, the door confirmed on the pty), the HIS
/// has the pickup under the kiosk's key exactly once, the slip names the locker.
TEST_F(PickupJourneyTest, LockerOpensAndThePickupIsConfirmedOnce) {
    startPharmacy();
    ASSERT_TRUE(openList().ok);
    auto report = journey(std::string(R"({"steps": [{"tap": "pickup.locker.)") + kLockerDispense + R"("},
        {"await_screen": {"screen": "pickup.locker", "seconds": 5}}]})");
    ASSERT_TRUE(report.ok) << describe(report);
    settleFlows();
    const auto v = view();
    ASSERT_EQ(v.stage, PickupStage::locker_opened) << (v.lockerResult.error ? v.lockerResult.error->describe() : "");
    EXPECT_TRUE(v.lockerResult.confirmed);
    EXPECT_EQ(v.lockerResult.attempts, 1);
    EXPECT_TRUE(bank->isOpen(3));
    EXPECT_EQ(bank->openCommands(3), 1) << "exactly one pulse";
    for (int other = 1; other <= 12; ++other) {
        if (other != 3) {
            EXPECT_EQ(bank->openCommands(other), 0) << "locker " << other;
        }
    }
    const auto remote = dispense(kLockerDispense);
    EXPECT_EQ(remote.value("status", ""), "completed");
    EXPECT_EQ(tradeOf(remote).rfind("PU-TEST-01-", 0), 0U) << remote.dump();
    EXPECT_EQ(hospital->commits(tradeOf(remote)), 1);
    ASSERT_TRUE(look().ok);  // the print status settles on the same screen
    const auto jobs = printed();
    ASSERT_EQ(jobs.size(), 1U);
    EXPECT_TRUE(contains(jobs.front(), "3 号取药柜"));
    EXPECT_FALSE(contains(jobs.front(), "张三")) << "the name is printed masked";
    ASSERT_TRUE(look(R"({"set_language": "en_US"}, {"set_large_print": true})").ok);
    EXPECT_TRUE(showsText("The locker is open"));
    // Back on the list the locker's prescription reads as collected; no button opens it again.
    ASSERT_TRUE(look(R"({"tap": "pickup.back"}, {"await_screen": {"screen": "pickup", "seconds": 10}})").ok);
    settleFlows();
    EXPECT_TRUE(view().readyHere().empty());
}

/// A jammed door: one retry, then "go to window N" (the window the prescription names; the
/// configured fallback_window only when it names none), nothing confirmed, the locker out of
/// service, and no third pulse on a second try.
TEST_F(PickupJourneyTest, JammedLockerRetriesOnceThenSendsThePatientToAWindow) {
    startPharmacy();
    bank->jam(3);
    ASSERT_TRUE(openList().ok);
    auto report = journey(std::string(R"({"steps": [{"tap": "pickup.locker.)") + kLockerDispense + R"("},
        {"await_screen": {"screen": "pickup.locker", "seconds": 5}}]})");
    ASSERT_TRUE(report.ok) << describe(report);
    settleFlows();
    const auto v = view();
    ASSERT_EQ(v.stage, PickupStage::locker_failed);
    EXPECT_EQ(v.lockerResult.attempts, 2);
    EXPECT_EQ(bank->openCommands(3), 2) << "the first attempt and one retry";
    EXPECT_EQ(dispense(kLockerDispense).value("status", ""), "in-progress") << "nothing confirmed as picked up";
    const auto faults = app->services().pickup().faultyLockers();
    ASSERT_EQ(faults.size(), 1U);
    EXPECT_EQ(faults.front().locker, 3);
    EXPECT_EQ(v.fallbackWindow, v.locker.windowNumber) << "the prescription's own window";
    EXPECT_GT(v.fallbackWindow, 0);
    EXPECT_TRUE(showsText(std::to_string(v.fallbackWindow) + " 号窗口"));
    ASSERT_TRUE(look(R"({"set_language": "en_US"})").ok);
    EXPECT_TRUE(showsText("did not open"));
    const auto jobs = printed();
    ASSERT_EQ(jobs.size(), 1U);
    EXPECT_TRUE(contains(jobs.front(), "did not open") || contains(jobs.front(), "未能打开")) << "the slip says why";
    // The next patient of that locker (here: the same one again) is not given a third pulse.
    ASSERT_TRUE(look(R"({"tap": "pickup.back"}, {"await_screen": {"screen": "pickup", "seconds": 10}})").ok);
    settleFlows();
    ASSERT_FALSE(view().readyHere().empty());
    ASSERT_TRUE(look(std::string(R"({"tap": "pickup.locker.)") + kLockerDispense + R"("}, {"await_screen": {"screen": "pickup.locker", "seconds": 5}})").ok);
    settleFlows();
    EXPECT_EQ(view().stage, PickupStage::locker_failed);
    EXPECT_TRUE(view().lockerResult.lockerOutOfService);
    EXPECT_EQ(bank->openCommands(3), 2);
}

/// Two taps from the menu: a number at the window (A001…), printed, on the pharmacy's queue; the
/// window calls it (hospital-sim's admin) and the board says so.
TEST_F(PickupJourneyTest, WindowPickupGivesANumberThePharmacyCalls) {
    startPharmacy();
    ASSERT_TRUE(openList().ok);
    auto report = journey(R"({"steps": [{"tap": "pickup.window"}, {"await_screen": {"screen": "pickup.ticket", "seconds": 10}}]})");
    ASSERT_TRUE(report.ok) << describe(report);
    settleFlows();
    const auto v = view();
    ASSERT_EQ(v.tickets.size(), 1U);
    const auto& ticket = v.tickets.front().ticket;
    EXPECT_EQ(ticket.callNumber, "A001");
    EXPECT_EQ(ticket.windowNumber, 2);
    EXPECT_EQ(v.tickets.front().items.front().dispenseId, kWindowDispense);
    ASSERT_TRUE(look().ok);
    EXPECT_TRUE(showsText("A001"));
    const auto jobs = printed();
    ASSERT_EQ(jobs.size(), 1U);
    EXPECT_TRUE(contains(jobs.front(), "A001"));
    EXPECT_TRUE(contains(jobs.front(), "请到 2 号窗口取药"));
    ASSERT_TRUE(look(R"({"set_language": "en_US"}, {"set_large_print": true})").ok);
    // The pharmacy's board: waiting, then called.
    auto board = hospital->call("GET", "/admin/pharmacy")["calls"];
    ASSERT_EQ(board.size(), 1U);
    EXPECT_EQ(board[0].value("status", ""), "requested");
    EXPECT_EQ(hospital->call("POST", "/admin/pharmacy/call-next", {{"window", "2号窗口"}}).value("called", ""), "A001");
    auto his = backend::makeHisDriver(app->config().backend, "TEST-01");
    ASSERT_TRUE(his.has_value());
    auto calls = (*his)->pharmacyCalls();
    ASSERT_TRUE(calls.has_value()) << calls.error().describe();
    ASSERT_EQ(calls->size(), 1U);
    EXPECT_TRUE(calls->front().called);
    EXPECT_EQ(calls->front().callNumber, "A001");
    EXPECT_EQ(calls->front().windowNumber, 2);
}

/// Pay first, then pick up: the unpaid prescription leads into the payment screens and back;
/// the hospital releases it once its charge is paid, and it is ready at its window.
TEST_F(PickupJourneyTest, UnpaidPrescriptionIsPaidThenReadyAtTheWindow) {
    startPharmacy(/*withPayments=*/true);
    ASSERT_TRUE(openList().ok);
    auto report = journey(R"({"steps": [
        {"tap": "pickup.pay"},
        {"await_screen": {"screen": "pay.charges", "seconds": 10}},
        {"tap": "pay.self"},
        {"await_screen": {"screen": "pay.channel", "seconds": 10}},
        {"tap": "pay.channel.alipay"},
        {"await_screen": {"screen": "pay.qr", "seconds": 10}},
        {"pay_on_phone": true},
        {"await_screen": {"screen": "pay.result", "seconds": 20}},
        {"tap": "pay.result.return"},
        {"await_screen": {"screen": "pickup.ticket", "seconds": 15}}]})");
    ASSERT_TRUE(report.ok) << describe(report);
    settleFlows();
    // Five taps from the list's tile: pay first, self-pay, the app, [the phone pays], "get your
    // number" — which read the list again (the paid one is ready now) and took the number.
    int taps = 0;
    for (const auto& step : report.steps) taps += step.step.starts_with("tap") ? 1 : 0;
    EXPECT_EQ(taps, 4) << "after the tile: pay first, self-pay, the app, get your number";
    const auto v = view();
    ASSERT_EQ(v.stage, PickupStage::ticket);
    EXPECT_FALSE(std::any_of(v.items.begin(), v.items.end(), [](const auto& p) { return p.state() == backend::PickupState::unpaid; }));
    bool ramipril = false;
    for (const auto& t : view().tickets) {
        for (const auto& p : t.items) ramipril = ramipril || p.dispenseId == kUnpaidDispense;
    }
    EXPECT_TRUE(ramipril) << "the paid prescription is on a window's number";
    // The payment receipt carries the paid prescription's pickup code (issue 13 item 5).
    bool receiptHasCode = false;
    for (const auto& job : printed()) receiptHasCode = receiptHasCode || (contains(job, "取药码：QY1000000103") && contains(job, "缴费"));
    EXPECT_TRUE(receiptHasCode) << "no receipt with the ramipril's pickup code";
}

/// zhang-san's herbal prescriptions (sim/hospital/seed.cpp): one waiting for his choice (7 doses),
/// one sent home three days ago (顺丰速运 SF1402335677881).
constexpr const char* kHerbalDispense = "disp-zhang-san-tcm";

/// TCM decoction and delivery (issue 13 item 4): choose "brewed and sent home" for the address on
/// file (shown masked), pay its fee through the payment screens (the real saga against the
/// simulated gateway), back on the list the order is under way; the earlier order shows its
/// courier and tracking number.
TEST_F(PickupJourneyTest, HerbalDecoctionAndDeliveryIsChosenPaidAndUnderWay) {
    startPharmacy(/*withPayments=*/true);
    ASSERT_TRUE(openList().ok);
    const auto listed = view();
    ASSERT_TRUE(listed.tcmOffered);
    const backend::TcmOrder* earlier = listed.orderFor("disp-zhang-san-tcm-old");
    ASSERT_NE(earlier, nullptr);
    EXPECT_EQ(earlier->trackingNumber, "SF1402335677881");
    EXPECT_EQ(earlier->address, "北京市海淀区****") << "the address reaches the screens masked";
    EXPECT_TRUE(onSomePage("中药：请选择煎药方式"));
    EXPECT_TRUE(onSomePage("已发货：顺丰速运，运单号 SF1402335677881")) << "the earlier order with its courier";
    auto report = journey(std::string(R"({"steps": [{"tap": "pickup.tcm.)") + kHerbalDispense + R"("},
        {"await_screen": {"screen": "pickup.tcm", "seconds": 10}}]})");
    ASSERT_TRUE(report.ok) << describe(report);
    ASSERT_TRUE(look().ok);
    ASSERT_EQ(view().stage, PickupStage::tcm_choose);
    EXPECT_TRUE(showsText("共 7 剂"));
    EXPECT_TRUE(showsText("代煎后快递到家（¥36.00）")) << "7 doses × ¥3.00 + ¥15.00 delivery";
    EXPECT_TRUE(showsText("自己煎药（免费）"));
    ASSERT_TRUE(look(R"({"tap": "pickup.tcm.option.decoction-delivery"})").ok);
    ASSERT_EQ(view().stage, PickupStage::tcm_address);
    EXPECT_TRUE(showsText("北京市海淀区****"));
    EXPECT_FALSE(showsText("中关村")) << "never the street on screen";
    ASSERT_TRUE(look(R"({"tap": "pickup.tcm.address.on_file"})").ok);
    auto v = view();
    ASSERT_EQ(v.stage, PickupStage::tcm_ordered) << (v.error ? v.error->describe() : "");
    EXPECT_EQ(v.tcmOrder.feeFen, 3600);
    EXPECT_TRUE(v.tcmOrder.unpaid());
    EXPECT_TRUE(showsText("收货地址：北京市海淀区****"));
    const auto orders = hospital->call("GET", "/admin/tcm")["orders"];
    std::string orderId;
    for (const auto& order : orders) {
        if (order.dump().find(kHerbalDispense + std::string("\"")) != std::string::npos) orderId = order.value("id", "");
    }
    ASSERT_FALSE(orderId.empty()) << orders.dump();
    EXPECT_EQ(tradeOf(hospital->call("GET", "/fhir/ServiceRequest/" + orderId)).rfind("TC-TEST-01-", 0), 0U);
    ASSERT_TRUE(look(R"({"set_language": "en_US"})").ok);
    EXPECT_TRUE(showsText("Fee: ¥36.00."));
    EXPECT_TRUE(showsText("Pay now"));
    report = journey(R"({"steps": [
        {"tap": "pickup.tcm.pay"},
        {"await_screen": {"screen": "pay.charges", "seconds": 10}},
        {"tap": "pay.self"},
        {"await_screen": {"screen": "pay.channel", "seconds": 10}},
        {"tap": "pay.channel.wechat"},
        {"await_screen": {"screen": "pay.qr", "seconds": 10}},
        {"pay_on_phone": true},
        {"await_screen": {"screen": "pay.result", "seconds": 20}},
        {"tap": "pay.result.return"},
        {"await_screen": {"screen": "pickup", "seconds": 15}}]})");
    ASSERT_TRUE(report.ok) << describe(report);
    settleFlows();
    const auto paid = hospital->call("GET", "/fhir/ServiceRequest/" + orderId);
    EXPECT_EQ(paid.value("status", ""), "active") << paid.dump();
    v = view();
    const backend::TcmOrder* started = v.orderFor(kHerbalDispense);
    ASSERT_NE(started, nullptr);
    EXPECT_FALSE(started->unpaid());
    EXPECT_TRUE(onSomePage("Brewed and sent home: the pharmacy is preparing it"));
    // The same prescription offers no second choice.
    for (const auto& p : v.items) EXPECT_FALSE(p.dispenseId == kHerbalDispense && v.needsTcmChoice(p));
}

/// No address on file (li-jun): the delivery address is entered on the patient's phone — the
/// kiosk shows the HIS's link as a QR and the SMS went to her (masked) number.
TEST_F(PickupJourneyTest, HerbalDeliveryWithoutAnAddressShowsThePhoneLink) {
    startPharmacy(/*withPayments=*/true);
    ASSERT_TRUE(openList("en_US", false, "li-jun").ok);
    ASSERT_TRUE(look(R"({"tap": "pickup.tcm.disp-li-jun-tcm"}, {"await_screen": {"screen": "pickup.tcm", "seconds": 10}})").ok);
    ASSERT_TRUE(look(R"({"tap": "pickup.tcm.option.delivery"})").ok);
    ASSERT_EQ(view().stage, PickupStage::tcm_address);
    EXPECT_TRUE(showsText("does not have your address"));
    // Back goes to the choice, not the list.
    ASSERT_TRUE(look(R"({"tap": "pickup.tcm.back"})").ok);
    EXPECT_EQ(view().stage, PickupStage::tcm_choose);
    ASSERT_TRUE(look(R"({"tap": "pickup.tcm.option.delivery"}, {"tap": "pickup.tcm.address.phone"})").ok);
    const auto v = view();
    ASSERT_EQ(v.stage, PickupStage::tcm_ordered) << (v.error ? v.error->describe() : "");
    EXPECT_NE(v.tcmOrder.addressLink.find("/mobile/tcm-address/"), std::string::npos);
    EXPECT_TRUE(showsText("139****4321"));
    EXPECT_FALSE(showsText("13987654321"));
    EXPECT_TRUE(showsText("[address QR]")) << "the link is on screen as a QR";
    ASSERT_TRUE(look(R"({"set_language": "zh_CN"}, {"set_large_print": true})").ok);
    EXPECT_TRUE(showsText("[address QR]")) << "large print keeps the QR";
}

/// Every pickup screen in portrait and landscape, both languages, normal and large print.
TEST_F(PickupJourneyTest, EveryScreenInEveryLayout) {
    for (const std::string orientation : {"portrait", "landscape"}) {
        for (const bool large : {false, true}) {
            SCOPED_TRACE(orientation + (large ? " large" : ""));
            const std::string ui = orientation == "landscape" ? "[ui]\norientation = \"landscape\"\nwidth = 1920\nheight = 1080\n" : "";
            startPharmacy(false, ui);
            ASSERT_TRUE(openList("en_US", large).ok);
            ASSERT_TRUE(look(R"({"set_language": "zh_CN"})").ok);
            ASSERT_TRUE(look(std::string(R"({"tap": "pickup.locker.)") + kLockerDispense +
                             R"("}, {"await_screen": {"screen": "pickup.locker", "seconds": 5}})")
                            .ok);
            settleFlows();
            ASSERT_TRUE(look(R"({"set_language": "en_US"})").ok);
            ASSERT_TRUE(look(R"({"tap": "pickup.back"}, {"await_screen": {"screen": "pickup", "seconds": 10}})").ok);
            settleFlows();
            // The herbal steps: the choice, the address, the order with its fee, back to the list.
            ASSERT_TRUE(look(std::string(R"({"tap": "pickup.tcm.)") + kHerbalDispense +
                             R"("}, {"await_screen": {"screen": "pickup.tcm", "seconds": 10}})")
                            .ok);
            ASSERT_TRUE(look(R"({"set_language": "zh_CN"})").ok);
            ASSERT_TRUE(look(R"({"tap": "pickup.tcm.option.decoction-delivery"})").ok);
            ASSERT_TRUE(look(R"({"set_language": "en_US"})").ok);
            ASSERT_TRUE(look(R"({"tap": "pickup.tcm.address.on_file"})").ok);
            ASSERT_EQ(view().stage, PickupStage::tcm_ordered);
            EXPECT_TRUE(showsText("Delivery address: 北京市海淀区****")) << "every line of the order fits";
            ASSERT_TRUE(look(R"({"set_language": "zh_CN"})").ok);
            EXPECT_TRUE(showsText("收货地址：北京市海淀区****"));
            ASSERT_TRUE(look(R"({"tap": "pickup.tcm.back"}, {"await_screen": {"screen": "pickup", "seconds": 10}})").ok);
            ASSERT_TRUE(look(R"({"tap": "pickup.window"}, {"await_screen": {"screen": "pickup.ticket", "seconds": 10}})").ok);
            settleFlows();
            ASSERT_TRUE(look(R"({"set_language": "en_US"})").ok);
            app.reset();
            bank.reset();
        }
    }
}

}  // namespace
}  // namespace kiosk::test
