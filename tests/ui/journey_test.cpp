// UI journeys run offscreen through the real App: real SDL window (offscreen driver), real
// ImGui frames, taps injected as pointer events at the buttons' rectangles.
#include "tests/ui/app_fixture.hpp"
#include "screens/pickup/pickup_flow.hpp"

#include <fstream>
#include <set>

namespace kiosk::test {
namespace {

using Screens = std::vector<std::string>;

int64_t countAuditSessions(Journal& journal, const std::string& reason) {
    auto row = journal.prepare("SELECT count(*) FROM audit_session WHERE end_reason = ?1");
    row->bind(1, reason);
    EXPECT_TRUE(*row->step());
    return row->integer(0);
}

TEST_F(AppTest, AttractIdentifyMenuIdleTimeoutWipesTheSession) {
    start();
    const auto report = journey(R"({"steps": [
        {"expect_screen": "attract"},
        {"tap": "attract.start"},
        {"insert_card": {"device": "card", "person": "wang-xinkun"}},
        {"expect_screen": "menu"},
        {"expect_session": true},
        {"wait": 49},
        {"wait": 2},
        {"wait": 9},
        {"expect_screen": "attract"},
        {"expect_session": false}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_EQ(report.screensVisited, (Screens{"attract", "identify", "menu", "attract"}));
    EXPECT_FALSE(app->session().active());
    EXPECT_TRUE(app->session().identity().name.empty());
    EXPECT_TRUE(app->session().identity().idNumber.empty());
    EXPECT_EQ(app->session().lastEndReason(), SessionEndReason::idle_timeout);
    EXPECT_EQ(countAuditSessions(app->journal(), "idle_timeout"), 1);
    for (const auto& step : report.steps) EXPECT_TRUE(std::filesystem::exists(outputDir() / step.png)) << step.png;
    EXPECT_TRUE(std::filesystem::exists(outputDir() / "journey.json"));
}

TEST_F(AppTest, CountdownShowsInTheLastTenSecondsAndMoreTimeExtends) {
    start();
    ASSERT_TRUE(app->simulate("card", "insert", "zhang-san").has_value());
    app->settle();
    ASSERT_EQ(app->currentScreen(), "menu");
    clock.advance(std::chrono::seconds(49));
    app->frame();
    EXPECT_FALSE(app->countdownVisible());
    clock.advance(std::chrono::seconds(2));
    app->frame();
    EXPECT_TRUE(app->countdownVisible());
    ASSERT_TRUE(app->screenshot(outputDir().string() + "-countdown.png").has_value());
    ASSERT_TRUE(app->tap("session.more_time").has_value());
    EXPECT_FALSE(app->countdownVisible());
    EXPECT_TRUE(app->session().active());
    clock.advance(std::chrono::seconds(45));
    app->frame();
    EXPECT_TRUE(app->session().active()) << "extended by 60 s";
    EXPECT_EQ(app->currentScreen(), "menu");
}

TEST_F(AppTest, CardRemovalEndsTheSessionFromAnyScreen) {
    startConnected();
    const auto report = journey(R"({"steps": [
        {"insert_card": {"device": "card", "person": "li-jun"}},
        {"expect_screen": "menu"},
        {"tap": "menu.pickup"},
        {"await_screen": {"screen": "pickup", "seconds": 10}},
        {"remove_card": "card"},
        {"expect_screen": "attract"},
        {"expect_session": false}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_EQ(app->session().lastEndReason(), SessionEndReason::card_removed);
    EXPECT_EQ(countAuditSessions(app->journal(), "card_removed"), 1);
}

TEST_F(AppTest, FinishEndsTheSessionAsCompleted) {
    start();
    ASSERT_TRUE(app->simulate("idcard", "insert", "chen-zhe").has_value());
    app->settle();
    ASSERT_EQ(app->currentScreen(), "menu");
    EXPECT_EQ(app->session().identity().source, IdentitySource::id_card);
    ASSERT_TRUE(app->tap("session.finish").has_value());
    EXPECT_EQ(app->currentScreen(), "attract");
    EXPECT_EQ(app->session().lastEndReason(), SessionEndReason::completed);
}

TEST_F(AppTest, HealthCardQrIdentifiesAndUnknownCodesAreRefused) {
    start();
    const auto report = journey(R"({"steps": [
        {"tap": "attract.start"},
        {"scan": {"device": "scanner", "payload": "https://example.invalid/x"}},
        {"expect_screen": "identify"},
        {"scan": {"device": "scanner", "payload": "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:1"}},
        {"expect_screen": "identify"},
        {"scan": {"device": "scanner", "payload": "0272E5F1A9B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D5E6F708192A3B4C5D:1"}},
        {"expect_screen": "menu"}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_EQ(app->session().identity().source, IdentitySource::health_card_qr);
    EXPECT_EQ(app->session().identity().name, "张三");
}

TEST_F(AppTest, CardReadFailuresShowAMessageAndKeepWaiting) {
    start();
    for (const char* scenario : {"unsupported_card", "needs_pin", "pulled_mid_read", "unreadable"}) {
        ASSERT_TRUE(app->simulate("card", "scenario", scenario).has_value());
        ASSERT_TRUE(app->simulate("card", "insert", "zhang-san").has_value());
        app->settle();
        EXPECT_EQ(app->currentScreen(), "attract") << scenario;
        EXPECT_FALSE(app->session().active()) << scenario;
        ASSERT_TRUE(app->screenshot(outputDir().string() + "-" + scenario + ".png").has_value());
        if (std::string(scenario) != "pulled_mid_read") {
            ASSERT_TRUE(app->simulate("card", "remove", "").has_value());
            app->settle();
        }
    }
    ASSERT_TRUE(app->simulate("card", "scenario", "normal").has_value());
    ASSERT_TRUE(app->simulate("card", "insert", "zhang-san").has_value());
    app->settle();
    EXPECT_EQ(app->currentScreen(), "menu") << "a good card still works after the bad ones";
}

TEST_F(AppTest, IdentifyScreenTimesOutBackToAttractWithoutASession) {
    start();
    ASSERT_TRUE(app->tap("attract.start").has_value());
    ASSERT_EQ(app->currentScreen(), "identify");
    clock.advance(std::chrono::seconds(46));
    app->frame();
    EXPECT_EQ(app->currentScreen(), "attract");
}

TEST_F(AppTest, BothLanguagesLargePrintAndLandscape) {
    startConnected("[ui]\norientation = \"landscape\"\n");
    const auto report = journey(R"({"language": "en_US", "large_print": true, "steps": [
        {"expect_screen": "attract"},
        {"tap": "ui.language"},
        {"tap": "ui.large_print"},
        {"tap": "ui.large_print"},
        {"tap": "attract.start"},
        {"insert_card": {"device": "card", "person": "ouyang-nana"}},
        {"tap": "menu.pickup"},
        {"await_screen": {"screen": "pickup", "seconds": 10}},
        {"set_language": "zh_CN"},
        {"tap": "pickup.menu"},
        {"expect_screen": "menu"}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_EQ(app->text().language(), "zh_CN");
    EXPECT_TRUE(app->fonts().largePrint());
}

/// The identification and menu screens with their messages (a refused card, an unknown QR, the
/// session-ended banner, a service not connected) in both orientations, both print sizes and
/// both languages: the fixture fails the test on any layout problem in any of these frames.
TEST_F(AppTest, EveryLobbyScreenAndMessageFitsInEachOrientationAndPrintSize) {
    for (const char* orientation : {"portrait", "landscape"}) {
        for (const bool largePrint : {false, true}) {
            for (const char* language : {"zh_CN", "en_US"}) {
                SCOPED_TRACE(std::string(orientation) + (largePrint ? " large " : " normal ") + language);
                startConnected(std::string("[ui]\norientation = \"") + orientation + "\"\n");
                const auto report = journey(std::string(R"({"language": ")") + language + R"(", "large_print": )" +
                                            (largePrint ? "true" : "false") + R"(, "steps": [
                    {"set_scenario": {"device": "card", "scenario": "unsupported_card"}},
                    {"insert_card": {"device": "card", "person": "zhang-san"}},
                    {"expect_screen": "attract"},
                    {"remove_card": "card"},
                    {"tap": "attract.start"},
                    {"scan": {"device": "scanner", "payload": "NOT-A-KNOWN-CODE"}},
                    {"expect_screen": "identify"},
                    {"set_scenario": {"device": "card", "scenario": "normal"}},
                    {"insert_card": {"device": "card", "person": "ouyang-nana"}},
                    {"expect_screen": "menu"},
                    {"tap": "menu.pickup"},
                    {"await_screen": {"screen": "pickup", "seconds": 10}},
                    {"tap": "pickup.menu"},
                    {"tap": "session.finish"},
                    {"expect_screen": "attract"}
                ]})");
                ASSERT_TRUE(report.ok) << describe(report);
            }
        }
    }
}

/// The technicians' screen in landscape with large print (its longest set-up): the devices that
/// do not fit go to further pages, reached with "next", and every device can still be tested.
TEST_F(AppTest, DiagnosticsScreenPagesItsDevicesInLandscapeLargePrint) {
    start("[ui]\norientation = \"landscape\"\nlarge_print = true\n", KioskMode::diagnostics);
    auto report = journey(R"({"language": "en_US", "steps": [
        {"tap": "attract.diagnostics"},
        {"expect_screen": "diagnostics"},
        {"tap": "diag.test.card"}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
    auto visible = app->visibleButtons();
    ASSERT_NE(std::find(visible.begin(), visible.end(), "diag.page.next"), visible.end()) << "the devices need a second page";
    EXPECT_EQ(std::find(visible.begin(), visible.end(), "diag.page.previous"), visible.end());
    std::set<std::string> testable;
    for (int page = 0; page < 8; ++page) {
        visible = app->visibleButtons();
        for (const auto& id : visible) {
            if (id.starts_with("diag.test.")) testable.insert(id);
        }
        if (std::find(visible.begin(), visible.end(), "diag.page.next") == visible.end()) break;
        report = journey(R"({"steps": [{"tap": "diag.page.next"}, {"set_language": "zh_CN"}, {"set_language": "en_US"}]})");
        ASSERT_TRUE(report.ok) << describe(report);
    }
    EXPECT_EQ(testable.size(), app->devices().all().size()) << "every device is on some page";
    report = journey(R"({"steps": [{"tap": "diag.test.printer"}, {"tap": "diag.page.previous"}, {"expect_screen": "diagnostics"}]})");
    ASSERT_TRUE(report.ok) << describe(report);
}

TEST_F(AppTest, PharmacyMenuOffersOnlyPickup) {
    startConnected("", KioskMode::pharmacy);
    ASSERT_TRUE(app->simulate("card", "insert", "zhang-san").has_value());
    app->settle();
    ASSERT_EQ(app->currentScreen(), "menu");
    const auto buttons = app->visibleButtons();
    EXPECT_NE(std::find(buttons.begin(), buttons.end(), "menu.pickup"), buttons.end());
    EXPECT_EQ(std::find(buttons.begin(), buttons.end(), "menu.payment"), buttons.end());
}

TEST_F(AppTest, MenuShowsOnlyEnabledServices) {
    startConnected("[services]\nbooking = false\npayment = false\n");
    ASSERT_TRUE(app->simulate("card", "insert", "zhang-san").has_value());
    app->settle();
    const auto buttons = app->visibleButtons();
    EXPECT_EQ(std::find(buttons.begin(), buttons.end(), "menu.booking"), buttons.end());
    EXPECT_EQ(std::find(buttons.begin(), buttons.end(), "menu.payment"), buttons.end());
    EXPECT_NE(std::find(buttons.begin(), buttons.end(), "menu.check_in"), buttons.end());
    EXPECT_FALSE(app->tap("menu.payment").has_value()) << "a disabled service has no button to tap";
}

/// A tile only for a service that works on this kiosk (DESIGN §3a): without a backend the
/// hospital's services are not offered at all; without [payments] paying is not; reports are
/// offered without a report printer too (they are listed and shown, and the screen says where to
/// print them: issue 12 item 1); pickup is in the lobby's menu when the site switches it on.
TEST_F(AppTest, MenuOffersOnlyServicesThatWorkOnThisKiosk) {
    auto tiles = [&] {
        std::set<std::string> menu;
        for (const auto& id : app->visibleButtons()) {
            if (id.starts_with("menu.")) menu.insert(id);
        }
        return menu;
    };
    start();
    ASSERT_TRUE(app->simulate("card", "insert", "zhang-san").has_value());
    app->settle();
    ASSERT_EQ(app->currentScreen(), "menu");
    EXPECT_EQ(tiles(), std::set<std::string>{"menu.triage"}) << "no backend: only triage guidance (offline) works here";

    startConnected();
    ASSERT_TRUE(app->simulate("card", "insert", "zhang-san").has_value());
    app->settle();
    EXPECT_EQ(tiles(), (std::set<std::string>{"menu.booking", "menu.cancel", "menu.check_in", "menu.triage", "menu.reports", "menu.records", "menu.pickup"}))
        << "no [payments]: no paying; reports without a report printer: shown, printed elsewhere";
    ASSERT_TRUE(app->tap("menu.pickup").has_value());
    ASSERT_TRUE(app->awaitScreen("pickup", std::chrono::seconds(10)).has_value());
    EXPECT_EQ(app->services().pickup().view().stage, screens::PickupStage::stopped)
        << "a hospital that does not answer: pickup says so plainly (and sends the patient to a window)";

    startConnected("[services]\npickup = false\nreports = false\nrecords = false\n");
    ASSERT_TRUE(app->simulate("card", "insert", "zhang-san").has_value());
    app->settle();
    EXPECT_EQ(tiles(), (std::set<std::string>{"menu.booking", "menu.cancel", "menu.check_in", "menu.triage"})) << "switched off";
}

TEST_F(AppTest, DiagnosticsModeRunsSelfTests) {
    start("", KioskMode::diagnostics);
    ASSERT_TRUE(app->tap("attract.diagnostics").has_value());
    ASSERT_EQ(app->currentScreen(), "diagnostics");
    ASSERT_TRUE(app->simulate("printer", "scenario", "paper_out").has_value());
    auto tapped = app->tap("diag.test.card");
    ASSERT_TRUE(tapped.has_value()) << tapped.error().detail;
    // The printer may be on the next page (each device's block has its counters line).
    if (!app->tap("diag.test.printer").has_value()) {
        ASSERT_TRUE(app->tap("diag.page.next").has_value());
        ASSERT_TRUE(app->tap("diag.test.printer").has_value());
    }
    app->settle();
    ASSERT_TRUE(app->screenshot(outputDir().string() + "-diagnostics.png").has_value());
    EXPECT_EQ(app->devices().find("printer")->state().status, drivers::DeviceStatus::user_error);
}

TEST_F(AppTest, JourneyStopsAtAFailedExpectationAndSaysWhy) {
    start();
    const auto report = journey(R"({"steps": [{"expect_screen": "menu"}, {"tap": "attract.start"}]})");
    EXPECT_FALSE(report.ok);
    ASSERT_EQ(report.steps.size(), 1U);
    EXPECT_NE(report.steps[0].error.find("expected screen menu, on attract"), std::string::npos);
    const auto missing = journey(R"({"steps": [{"tap": "no.such.button"}]})");
    EXPECT_FALSE(missing.ok);
    EXPECT_NE(missing.steps[0].error.find("visible:"), std::string::npos) << missing.steps[0].error;
}

TEST(Journey, MalformedScriptsAreRejectedWithTheStep) {
    auto parse = [](const char* text) { return screens::Journey::parse(nlohmann::json::parse(text), "j.json"); };
    EXPECT_FALSE(parse(R"({"nosteps": []})").has_value());
    auto unknown = parse(R"({"steps": [{"tap": "a"}, {"dance": 1}]})");
    ASSERT_FALSE(unknown.has_value());
    EXPECT_NE(unknown.error().detail.find("step 2"), std::string::npos);
    EXPECT_FALSE(parse(R"({"steps": [{"wait": -1}]})").has_value());
    EXPECT_FALSE(parse(R"({"steps": [{"insert_card": {"device": "card"}}]})").has_value());
    EXPECT_FALSE(parse(R"({"steps": [{"tap": "a", "wait": 1}]})").has_value());
}

TEST_F(AppTest, StartupRefusesMissingFontUnknownDriverAndBadJournal) {
    auto withFont = config("[ui]\nfont_file = \"/nonexistent/font.ttc\"\n");
    ASSERT_TRUE(withFont.has_value());
    const screens::AppOptions options = headlessOptions();
    auto noFont = screens::App::create(std::move(*withFont), options);
    ASSERT_FALSE(noFont.has_value());
    EXPECT_NE(noFont.error().detail.find("/nonexistent/font.ttc"), std::string::npos);
    EXPECT_NE(noFont.error().detail.find("fonts-noto-cjk"), std::string::npos);

    auto badDriver = config("[[devices]]\nname = \"x\"\nclass = \"card_reader\"\ndriver = \"acme9000\"\n");
    ASSERT_TRUE(badDriver.has_value());
    auto unknown = screens::App::create(std::move(*badDriver), options);
    ASSERT_FALSE(unknown.has_value());
    EXPECT_NE(unknown.error().detail.find("unknown driver \"acme9000\""), std::string::npos);

    auto good = config();
    ASSERT_TRUE(good.has_value());
    std::filesystem::create_directories(good->journalFile.parent_path());
    std::ofstream(good->journalFile) << "not a database";
    auto badJournal = screens::App::create(std::move(*good), options);
    ASSERT_FALSE(badJournal.has_value());
    EXPECT_EQ(badJournal.error().code, Errc::journal_corrupt);
}

}  // namespace
}  // namespace kiosk::test
