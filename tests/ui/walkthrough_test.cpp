// Issue 20 (the walk-through): lost taps, the layout check, word wrapping, the card left in the
// reader, scan messages, the hospital's clock, the presenter's panel and Esc. Each runs the real
// App headless (SDL offscreen window, software renderer, real ImGui frames) on the simulated
// devices; pointer and key input is pushed as real SDL events. PNGs:
// <build>/test-output/ui/<test>/.
#include "tests/ui/app_fixture.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <cstdlib>
#include <ctime>
#include <fstream>

#include "screens/ui.hpp"
#include "tests/support/run_command.hpp"

namespace kiosk::test {
namespace {

class WalkthroughTest : public AppTest {
protected:
    /// True when some text of the last frame contains `part`.
    bool shows(const std::string& part) const {
        for (const auto& text : app->textRects()) {
            if (text.text.find(part) != std::string::npos) return true;
        }
        return false;
    }
    std::string allTexts() const {
        std::string all;
        for (const auto& text : app->textRects()) all += "\n  " + text.text;
        return all;
    }
    std::string tr(const std::string& key) const { return app->text().tr(key); }
    void shot(const std::string& name) {
        auto done = app->screenshot(outputDir().string() + "-" + name + ".png");
        ASSERT_TRUE(done.has_value()) << done.error().describe();
    }
    static SDL_Event mouseButton(Uint32 type, ImVec2 at) {
        SDL_Event event{};
        event.type = type;
        event.button.which = 0;  // a mouse, not SDL_TOUCH_MOUSEID
        event.button.button = SDL_BUTTON_LEFT;
        event.button.state = type == SDL_MOUSEBUTTONDOWN ? SDL_PRESSED : SDL_RELEASED;
        event.button.clicks = 1;
        event.button.x = static_cast<Sint32>(at.x);
        event.button.y = static_cast<Sint32>(at.y);
        return event;
    }
    SDL_Event finger(Uint32 type, ImVec2 at) const {
        SDL_Event event{};
        event.type = type;
        event.tfinger.touchId = 1;
        event.tfinger.fingerId = 7;
        event.tfinger.x = at.x / static_cast<float>(app->config().ui.width);
        event.tfinger.y = at.y / static_cast<float>(app->config().ui.height);
        event.tfinger.pressure = 1.0F;
        return event;
    }
    static SDL_Event key(SDL_Keycode code) {
        SDL_Event event{};
        event.type = SDL_KEYDOWN;
        event.key.state = SDL_PRESSED;
        event.key.keysym.sym = code;
        event.key.keysym.scancode = SDL_GetScancodeFromKey(code);
        return event;
    }
    /// Pushes the events into SDL's own queue together (as one poll of a touch panel delivers
    /// them), lets the app take them as its loop does, and draws `frames` frames.
    void deliver(std::vector<SDL_Event> events, int frames = 6) {
        for (SDL_Event& event : events) ASSERT_EQ(SDL_PushEvent(&event), 1) << SDL_GetError();
        app->pumpSdlEvents();
        for (int i = 0; i < frames; ++i) app->frame();
        app->settle();
    }
};

// ---------------------------------------------------------------- 1. taps

TEST_F(WalkthroughTest, AClickWhosePressAndReleaseArriveTogetherIsATap) {
    start();
    const ImVec2 start = app->buttonRects().at("attract.start").center();
    deliver({mouseButton(SDL_MOUSEBUTTONDOWN, start), mouseButton(SDL_MOUSEBUTTONUP, start)});
    EXPECT_EQ(app->currentScreen(), "identify") << "press and release in one batch still tap the button";
}

TEST_F(WalkthroughTest, AShortFingerTapCountsAndTwoTapsInOneBatchBothCount) {
    start();
    const ImVec2 start = app->buttonRects().at("attract.start").center();
    deliver({finger(SDL_FINGERDOWN, start), finger(SDL_FINGERUP, start)});
    ASSERT_EQ(app->currentScreen(), "identify");
    // Back, then (the same batch) start again where the back button was not: both taps count.
    const ImVec2 back = app->buttonRects().at("identify.back").center();
    deliver({finger(SDL_FINGERDOWN, back), finger(SDL_FINGERUP, back)}, 3);
    ASSERT_EQ(app->currentScreen(), "attract");
    const ImVec2 language = app->buttonRects().at("ui.language").center();
    const std::string before(app->text().language());
    deliver({mouseButton(SDL_MOUSEBUTTONDOWN, language), mouseButton(SDL_MOUSEBUTTONUP, language),
             mouseButton(SDL_MOUSEBUTTONDOWN, start), mouseButton(SDL_MOUSEBUTTONUP, start)},
            10);
    EXPECT_NE(app->text().language(), before) << "the first tap of the batch";
    EXPECT_EQ(app->currentScreen(), "identify") << "the second tap of the batch";
}

// ---------------------------------------------------------------- 2, 3. the layout check

TEST(LayoutCheck, ALabelOutsideItsButtonAShrunkLabelAndACaptionWiderThanItsColumnAreProblems) {
    using screens::ButtonMap;
    using screens::ButtonRect;
    using screens::TextRect;
    ButtonMap buttons;
    // Three tiles asked for the 64 px title face; one was drawn at 40 px.
    buttons["menu.booking"] = ButtonRect{ImVec2(100, 300), ImVec2(500, 460), 64, 40};
    buttons["menu.check_in"] = ButtonRect{ImVec2(540, 300), ImVec2(940, 460), 64, 64};
    buttons["pay.insurance"] = ButtonRect{ImVec2(100, 600), ImVec2(500, 760), 40, 40};
    screens::TextRects texts;
    // "Use medical insurance" drawn above and below its button.
    texts.push_back(TextRect{ImVec2(120, 570), ImVec2(480, 790), "Use medical insurance", ImVec2(100, 600), ImVec2(500, 760),
                             "pay.insurance"});
    texts.push_back(TextRect{ImVec2(130, 330), ImVec2(470, 430), "Book an appointment", ImVec2(100, 300), ImVec2(500, 460),
                             "menu.booking"});
    // A caption 30 px wider than its column.
    texts.push_back(TextRect{ImVec2(10, 900), ImVec2(290, 950), "Social-security card", ImVec2(20, -FLT_MAX), ImVec2(260, FLT_MAX), ""});
    const auto problems = screens::findLayoutProblems(buttons, texts, 1080, 1920);
    auto has = [&](const std::string& part) {
        return std::any_of(problems.begin(), problems.end(), [&](const std::string& p) { return p.find(part) != std::string::npos; });
    };
    EXPECT_TRUE(has("the label of button pay.insurance spills out of it")) << ::testing::PrintToString(problems);
    EXPECT_TRUE(has("the label of button menu.booking was shrunk to fit (40 px beside 64 px on menu.check_in)"))
        << ::testing::PrintToString(problems);
    EXPECT_TRUE(has("text out of its area")) << ::testing::PrintToString(problems);
    EXPECT_FALSE(has("text runs under button menu.booking")) << "a label inside its own button is where it belongs";
    EXPECT_EQ(problems.size(), 3U) << ::testing::PrintToString(problems);
}

TEST_F(WalkthroughTest, TheRealFrameReportsLabelsThatDoNotFit) {
    // A face far too large for the landscape screen (font_px 96): labels cannot fit their buttons.
    start("[ui]\norientation = \"landscape\"\nfont_px = 96\n");
    app->setLanguage("en_US");
    app->settle();
    const auto problems = app->layoutProblems();
    shot("font96");
    // Texts run off the screen, out of their columns and under the start button.
    EXPECT_TRUE(std::any_of(problems.begin(), problems.end(),
                            [](const std::string& p) { return p.find("text out of its area") != std::string::npos; }))
        << ::testing::PrintToString(problems);
    EXPECT_TRUE(std::any_of(problems.begin(), problems.end(),
                            [](const std::string& p) { return p.find("text off the screen") != std::string::npos; }))
        << ::testing::PrintToString(problems);
}

TEST(Cli, ScreenshotExitsOneWhenAStepHasLayoutProblems) {
    TempDir dir;
    const auto journey = dir.write("j.json", R"({"language": "en_US", "steps": [{"expect_screen": "attract"}]})");
    const auto out = dir.path() / "shots";
    const auto tooLarge = dir.write("big.toml", demoConfigText("[ui]\norientation = \"landscape\"\nfont_px = 96\n"));
    auto result = runCommand({KIOSK_BINARY, "screenshot", "--config", tooLarge.string(), "--journey", journey.string(),
                              "--out", out.string()});
    EXPECT_EQ(result.exitCode, 1) << result.out << result.err;
    auto report = nlohmann::json::parse(result.out);
    EXPECT_FALSE(report["ok"].get<bool>());
    EXPECT_FALSE(report["steps"][0]["layout_problems"].empty());
    EXPECT_FALSE(report["steps"][0]["ok"].get<bool>());
    EXPECT_TRUE(std::filesystem::exists(out / "01-expect_screen.png")) << "the frame is still shot";
    const auto fine = dir.write("fine.toml", demoConfigText("[ui]\norientation = \"landscape\"\n"));
    auto good = runCommand({KIOSK_BINARY, "screenshot", "--config", fine.string(), "--journey", journey.string(), "--out",
                            out.string()});
    EXPECT_EQ(good.exitCode, 0) << good.out << good.err;
}

// ---------------------------------------------------------------- 4. words and captions

TEST_F(WalkthroughTest, AWordIsNeverBrokenInsideAndChineseStillBreaksBetweenCharacters) {
    start();
    app->setLargePrint(true);
    app->settle();
    ImFont* body = app->fonts().body();
    const float word = body->CalcTextSizeA(body->FontSize, FLT_MAX, 0, "Social-security").x;
    // Narrower than the word: the word stays whole on a line of its own.
    auto lines = screens::wrapLines(body, "Social-security card", word * 0.6F);
    ASSERT_EQ(lines.size(), 2U) << ::testing::PrintToString(std::vector<std::string>(lines.begin(), lines.end()));
    EXPECT_EQ(lines[0], "Social-security");
    EXPECT_EQ(lines[1], "card");
    EXPECT_FLOAT_EQ(screens::widestWord(body, "Social-security card"), word);
    // Chinese breaks between characters; a closing mark never starts a line; ¥ stays with its amount.
    const std::string chinese = "请插入社保卡，或出示电子健康卡，金额¥155.70";
    const float glyph = body->CalcTextSizeA(body->FontSize, FLT_MAX, 0, "请").x;
    for (float width = glyph * 3; width < glyph * 12; width += glyph * 0.5F) {
        for (std::string_view line : screens::wrapLines(body, chinese, width)) {
            EXPECT_NE(line.substr(0, 3), "，") << width;
            EXPECT_EQ(line.find("155.7"), line.find("¥") == std::string_view::npos ? std::string_view::npos : line.find("¥") + 2)
                << "¥ and its amount on one line: " << line;
        }
    }
}

TEST_F(WalkthroughTest, AttractCaptionsInEnglishLargePrintKeepWholeWordsAndFitTheirColumns) {
    for (const char* orientation : {"portrait", "landscape"}) {
        SCOPED_TRACE(orientation);
        start(std::string("[ui]\norientation = \"") + orientation + "\"\nlarge_print = true\nlanguage = \"en_US\"\n");
        shot(std::string("attract-") + orientation);
        EXPECT_TRUE(app->layoutProblems().empty()) << ::testing::PrintToString(app->layoutProblems());
        EXPECT_TRUE(shows("Social-security card")) << allTexts();
        ImFont* body = app->fonts().body();
        for (const auto& text : app->textRects()) {
            if (text.text != "Social-security card") continue;
            // The caption's column holds its longest word: no line had to break inside it.
            EXPECT_GE(text.areaMax.x - text.areaMin.x, screens::widestWord(body, text.text));
            // Centred: as much room on its left as on its right.
            EXPECT_NEAR(text.min.x - text.areaMin.x, text.areaMax.x - text.max.x, 1.5F);
        }
    }
}

// ---------------------------------------------------------------- 13. the card left in the reader

TEST_F(WalkthroughTest, SignedOutWithTheCardStillInTheReaderTheAttractScreenAsksForItWithASound) {
    start("[ui]\nlanguage = \"en_US\"\n");
    const uint64_t soundsBefore = app->soundsPlayed();
    ASSERT_TRUE(app->simulate("card", "insert", "zhang-san").has_value());
    app->settle();
    ASSERT_EQ(app->currentScreen(), "menu");
    ASSERT_TRUE(app->tap("session.finish").has_value());
    ASSERT_EQ(app->currentScreen(), "attract");
    EXPECT_EQ(app->cardLeftIn(), "card");
    EXPECT_TRUE(shows(tr("attract.take_card"))) << allTexts();
    EXPECT_GT(app->soundsPlayed(), soundsBefore) << "a sound with the message (SDL dummy audio headless)";
    shot("take-card");
    EXPECT_TRUE(app->layoutProblems().empty()) << ::testing::PrintToString(app->layoutProblems());
    // Long after the signed-out banner: still asking, and reminding.
    const uint64_t soundsAtSignOut = app->soundsPlayed();
    for (int i = 0; i < 25; ++i) {
        clock.advance(std::chrono::seconds(1));
        app->frame();
    }
    EXPECT_TRUE(shows(tr("attract.take_card"))) << allTexts();
    EXPECT_GE(app->soundsPlayed(), soundsAtSignOut + 2) << "a reminder every 10 s";
    ASSERT_TRUE(app->simulate("card", "remove", "").has_value());
    app->settle();
    EXPECT_TRUE(app->cardLeftIn().empty());
    EXPECT_FALSE(shows(tr("attract.take_card"))) << allTexts();
    shot("card-taken");
    // The next patient (or the same one again) signs in as usual.
    ASSERT_TRUE(app->simulate("card", "insert", "li-jun").has_value());
    app->settle();
    EXPECT_EQ(app->currentScreen(), "menu");
}

/// The message in the roomiest and the tightest layouts (each waits out the session: a minute of
/// frames, two in elder mode, which doubles the timeouts); every layout's message is walked by EveryLobbyScreenAndMessageFits…'s Finish step.
TEST_F(WalkthroughTest, IdleSignOutWithTheIdCardStillOnTheReaderAsksToTakeIt) {
    for (const char* orientation : {"portrait", "landscape"}) {
        for (const bool largePrint : {orientation == std::string("landscape")}) {
            for (const char* language : {orientation == std::string("landscape") ? "en_US" : "zh_CN"}) {
                SCOPED_TRACE(std::string(orientation) + (largePrint ? " large " : " normal ") + language);
                start(std::string("[ui]\norientation = \"") + orientation + "\"\n");
                const auto report = journey(std::string(R"({"language": ")") + language + R"(", "large_print": )" +
                                            (largePrint ? "true" : "false") + R"(, "steps": [
                    {"insert_card": {"device": "idcard", "person": "chen-zhe"}},
                    {"expect_screen": "menu"},
                    {"wait": )" + std::string(largePrint ? "121" : "61") + R"(},
                    {"expect_screen": "attract"},
                    {"expect_session": false},
                    {"remove_card": "idcard"},
                    {"expect_screen": "attract"}
                ]})");
                ASSERT_TRUE(report.ok) << describe(report);
                EXPECT_EQ(app->session().lastEndReason(), SessionEndReason::idle_timeout);
                EXPECT_TRUE(app->cardLeftIn().empty());
            }
        }
    }
}

// ---------------------------------------------------------------- 14. scan messages

TEST_F(WalkthroughTest, ScanMessagesListWhatThisScreenAcceptsAndSayWhatOtherCodesAreFor) {
    start("[ui]\nlanguage = \"en_US\"\n");
    ASSERT_TRUE(app->tap("attract.start").has_value());
    auto scan = [&](const std::string& payload) {
        EXPECT_TRUE(app->simulate("scanner", "scan", payload).has_value());
        app->settle();
        EXPECT_EQ(app->currentScreen(), "identify");
        EXPECT_TRUE(app->layoutProblems().empty()) << ::testing::PrintToString(app->layoutProblems());
    };
    scan("NOT-A-KNOWN-CODE");
    shot("unknown");
    const std::string accepted = "Accepted: e-health card, insurance e-voucher, hospital card number";
    EXPECT_TRUE(shows(accepted)) << allTexts();
    EXPECT_FALSE(shows("pickup code")) << "the lobby does not accept pickup codes: " << allTexts();
    EXPECT_FALSE(shows("receipt number")) << allTexts();
    scan("CF202611230001");  // a prescription (pickup) code
    shot("pickup");
    EXPECT_TRUE(shows(tr("identify.code_is_pickup"))) << allTexts();
    scan("SJ2026112300001");  // a receipt number
    shot("receipt");
    EXPECT_TRUE(shows(tr("identify.code_is_receipt"))) << allTexts();
    scan("YY202611230001");  // an appointment code
    EXPECT_TRUE(shows(tr("identify.code_is_appointment"))) << allTexts();
    // The attract screen says the same as the identify screen.
    ASSERT_TRUE(app->tap("identify.back").has_value());
    ASSERT_TRUE(app->simulate("scanner", "scan", "NOT-A-KNOWN-CODE").has_value());
    app->settle();
    EXPECT_TRUE(shows(accepted)) << allTexts();
}

TEST_F(WalkthroughTest, ThePickupCodeMessageInThePharmacySaysToSignInFirst) {
    start("[ui]\nlanguage = \"en_US\"\n", KioskMode::pharmacy);
    ASSERT_TRUE(app->simulate("scanner", "scan", "CF202611230001").has_value());
    app->settle();
    EXPECT_TRUE(shows(tr("identify.code_is_pickup_here"))) << allTexts();
}

// ---------------------------------------------------------------- 15. the hospital's clock

class HospitalClockTest : public WalkthroughTest {
protected:
    void SetUp() override {
        // The machine's zone is UTC (a typical server image); the hospital is in China.
        const char* tz = std::getenv("TZ");
        savedTz_ = tz ? std::optional<std::string>(tz) : std::nullopt;
        setenv("TZ", "UTC", 1);
        tzset();
    }
    void TearDown() override {
        app.reset();
        if (savedTz_) {
            setenv("TZ", savedTz_->c_str(), 1);
        } else {
            unsetenv("TZ");
        }
        tzset();
    }
    /// "HH:MM" at UTC + offset, computed independently of the kiosk's code.
    std::string clockAt(std::chrono::minutes offset) const {
        const auto when = std::chrono::floor<std::chrono::minutes>(clock.wallNow()) + offset;
        const auto day = std::chrono::floor<std::chrono::days>(when);
        const std::chrono::hh_mm_ss<std::chrono::minutes> time(when - day);
        return fmt::format("{:02}:{:02}", time.hours().count(), time.minutes().count());
    }
    std::optional<std::string> savedTz_;
};

TEST_F(HospitalClockTest, TheAttractClockShowsChinaTimeOnAMachineInUtc) {
    start();
    shot("china-time");
    EXPECT_TRUE(shows(clockAt(std::chrono::hours(8)))) << "expected " << clockAt(std::chrono::hours(8)) << allTexts();
    if (clockAt(std::chrono::hours(8)) != clockAt(std::chrono::hours(0))) {
        EXPECT_FALSE(shows(clockAt(std::chrono::hours(0)))) << "not the machine's UTC" << allTexts();
    }
}

TEST_F(HospitalClockTest, AnotherZoneFromConfigAndAnUnknownZoneIsRefused) {
    std::string text = demoConfigText();
    text.replace(text.find("[kiosk]\n"), 8, "[kiosk]\ntime_zone = \"Asia/Kolkata\"\n");
    auto india = loadConfig(dir.write("india.toml", text));
    ASSERT_TRUE(india.has_value()) << india.error().detail;
    open(std::move(*india), headlessOptions());
    EXPECT_TRUE(shows(clockAt(std::chrono::minutes(5 * 60 + 30)))) << allTexts();
    text = demoConfigText();
    text.replace(text.find("[kiosk]\n"), 8, "[kiosk]\ntime_zone = \"Mars/Olympus_Mons\"\n");
    auto bad = loadConfig(dir.write("bad.toml", text));
    ASSERT_FALSE(bad.has_value());
    EXPECT_NE(bad.error().detail.find("kiosk.time_zone"), std::string::npos) << bad.error().detail;
    EXPECT_NE(bad.error().detail.find("Mars/Olympus_Mons"), std::string::npos) << bad.error().detail;
}

// ---------------------------------------------------------------- 17. the presenter's panel, Esc

TEST_F(WalkthroughTest, TheSimulatorPanelFitsOnTheScreenInBothOrientations) {
    for (const char* orientation : {"portrait", "landscape"}) {
        for (const bool largePrint : {false, true}) {
            SCOPED_TRACE(std::string(orientation) + (largePrint ? " large" : " normal"));
            start(std::string("[ui]\norientation = \"") + orientation + "\"\n");
            app->setLargePrint(largePrint);
            deliver({key(SDLK_F2)}, 3);
            const auto panel = app->simulatorPanelRect();
            ASSERT_GT(panel.max.y - panel.min.y, 100.0F) << "F2 shows the panel";
            EXPECT_GE(panel.min.x, 0);
            EXPECT_GE(panel.min.y, 0);
            EXPECT_LE(panel.max.x, static_cast<float>(app->config().ui.width));
            EXPECT_LE(panel.max.y, static_cast<float>(app->config().ui.height));
            EXPECT_TRUE(app->layoutProblems().empty()) << ::testing::PrintToString(app->layoutProblems());
            shot(std::string("panel-") + orientation + (largePrint ? "-large" : ""));
        }
    }
}

TEST_F(WalkthroughTest, EscAsksWhetherToQuitTheDemo) {
    start("[ui]\nlanguage = \"en_US\"\n");
    deliver({key(SDLK_ESCAPE)}, 2);
    ASSERT_TRUE(app->quitQuestionVisible());
    EXPECT_TRUE(shows(tr("demo.quit.question"))) << allTexts();
    shot("quit-question");
    ASSERT_TRUE(app->tap("demo.quit.cancel").has_value());
    EXPECT_FALSE(app->quitQuestionVisible());
    EXPECT_EQ(app->currentScreen(), "attract");
    deliver({key(SDLK_ESCAPE)}, 2);
    ASSERT_TRUE(app->tap("demo.quit.confirm").has_value());
    // The loop ends on its own (an SDL quit event), long before the frame limit.
    const uint64_t limit = app->framesRendered() + 1000;
    EXPECT_EQ(app->run(limit), 0);
    EXPECT_LT(app->framesRendered(), limit);
}

TEST_F(WalkthroughTest, EscDoesNothingOnAKioskWithoutTheSimulatorPanel) {
    start("[ui]\nsimulator_panel = false\n");
    deliver({key(SDLK_ESCAPE)}, 2);
    EXPECT_FALSE(app->quitQuestionVisible());
}

}  // namespace
}  // namespace kiosk::test
