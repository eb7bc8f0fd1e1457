// Issue 15 (labels accessibility + ui): sizes in millimetres, contrast, elder mode, forgiving
// touch and the "are you still there?" countdown, on the real App (SDL offscreen, software
// renderer, real ImGui frames; taps injected as SDL pointer events) and the real font atlas.
#include "tests/ui/app_fixture.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <thread>

#include "screens/theme.hpp"

namespace kiosk::test {
namespace {

using screens::Theme;

constexpr const char* kFontFile = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";

struct Panel {
    const char* name;
    float diagonalInches;
};
constexpr Panel kPanels[] = {{"21.5in", 21.5F}, {"27in", 27.0F}};

/// The [ui] lines of a 16:9 panel of `inches` in an orientation (its visible size in mm).
std::string panelConfig(const Panel& panel, bool portrait) {
    const double diagonal = panel.diagonalInches * 25.4;
    const double longSide = diagonal * 16 / std::hypot(16.0, 9.0);
    const double shortSide = diagonal * 9 / std::hypot(16.0, 9.0);
    return fmt::format("[ui]\norientation = \"{}\"\nscreen_width_mm = {:.1f}\nscreen_height_mm = {:.1f}\n",
                       portrait ? "portrait" : "landscape", portrait ? shortSide : longSide, portrait ? longSide : shortSide);
}

class ThemeSizes : public AppTest {};

// Every theme (normal, elder) × both orientations × both panel sizes: the faces the atlas really
// holds and the theme's targets meet the minimums in millimetres, and every text/background
// pair of the palette meets its contrast.
TEST_F(ThemeSizes, EveryThemeOrientationAndPanelMeetsTheTargets) {
    auto catalog = Catalog::load(std::filesystem::path(KIOSK_TEST_ASSETS_DIR) / "lang");
    ASSERT_TRUE(catalog.has_value());
    ImGui::CreateContext();
    for (const Panel& panel : kPanels) {
        for (const bool portrait : {true, false}) {
            auto loaded = config(panelConfig(panel, portrait));
            ASSERT_TRUE(loaded.has_value()) << loaded.error().detail;
            for (const bool elder : {false, true}) {
                SCOPED_TRACE(fmt::format("{} {} {}", panel.name, portrait ? "portrait" : "landscape", elder ? "elder" : "normal"));
                const Theme theme = Theme::make(loaded->ui, elder);
                const Theme normal = Theme::make(loaded->ui, false);
                const Theme elderTheme = Theme::make(loaded->ui, true);
                const screens::SizeTargets targets = screens::sizeTargets(elder);
                auto fonts = screens::FontSet::load(kFontFile, 2, normal.bodyPx);
                ASSERT_TRUE(fonts.has_value());
                fonts->setSizes(normal.bodyPx, elderTheme.bodyPx, normal.titleScale);
                ASSERT_TRUE(fonts->build(*catalog, elder).has_value());
                const float mm = theme.pxPerMm;
                EXPECT_NEAR(mm, 1.0F / loaded->ui.pixelPitchMm, 1e-3);
                // Glyphs as the atlas holds them (the bitmap ImGui draws).
                const float cap = screens::referenceGlyphHeight(fonts->body()->FontSize, "H") / mm;
                const float ideograph = screens::referenceGlyphHeight(fonts->body()->FontSize, "国") / mm;
                const float titleCap = screens::referenceGlyphHeight(fonts->title()->FontSize, "H") / mm;
                EXPECT_GE(cap, targets.bodyGlyphMm) << "body capital height";
                EXPECT_GE(ideograph, targets.bodyGlyphMm) << "body ideograph height";
                EXPECT_GE(titleCap / cap, targets.headingRatio) << "heading / body";
                // Line spacing in em: a full-width ideograph advances one em.
                const float em = fonts->body()->FindGlyph(0x56FD)->AdvanceX;
                EXPECT_GE(fonts->body()->FontSize / em, targets.lineSpacing) << "line advance / em";
                EXPECT_GE(theme.minTarget / mm, targets.targetMm);
                EXPECT_GE(theme.smallButtonHeight, theme.minTarget);
                EXPECT_GE(theme.buttonHeight, theme.minTarget);
                EXPECT_GE(theme.topBarHeight - 24, theme.minTarget) << "the top bar's switches";
                EXPECT_GE(theme.gap / mm, targets.targetGapMm);
                EXPECT_GE(theme.minTargetGap / mm, targets.targetGapMm);
                EXPECT_LE(theme.maxChoicesPerPage, elder ? 6 : 8);
                EXPECT_EQ(theme.timeoutScale, elder ? 2 : 1);
                for (const auto& pair : theme.colors.textPairs()) {
                    EXPECT_GE(screens::contrastRatio(pair.ink, pair.ground), targets.contrast) << pair.name;
                }
            }
        }
    }
    ImGui::DestroyContext();
}

TEST(Contrast, WcagFormulaMatchesKnownValues) {
    // WCAG 2.1: black on white is 21:1; #767676 on white is the classic 4.54:1; same colours 1:1.
    EXPECT_NEAR(screens::contrastRatio(IM_COL32(0, 0, 0, 255), IM_COL32(255, 255, 255, 255)), 21.0, 1e-9);
    EXPECT_NEAR(screens::contrastRatio(IM_COL32(0x76, 0x76, 0x76, 255), IM_COL32(255, 255, 255, 255)), 4.54, 0.01);
    EXPECT_NEAR(screens::contrastRatio(IM_COL32(0x12, 0x34, 0x56, 255), IM_COL32(0x12, 0x34, 0x56, 255)), 1.0, 1e-9);
}

// ---- the layout check: nothing of the screen under the App's bars ----

bool hasProblem(const std::vector<std::string>& problems, const std::string& part) {
    return std::any_of(problems.begin(), problems.end(), [&](const std::string& p) { return p.find(part) != std::string::npos; });
}

TEST(LayoutCheck, AScreenTextOrButtonUnderTheSessionBarIsAProblemAndTheBarsOwnAreNot) {
    using screens::ButtonRect;
    using screens::TextRect;
    // A 1920 × 1080 frame with a 160 px session bar at the bottom and a 145 px top bar.
    const screens::BarRects bars{{"top bar", ImVec2(0, 0), ImVec2(1920, 145)}, {"session bar", ImVec2(0, 920), ImVec2(1920, 1080)}};
    screens::ButtonMap buttons;
    buttons["session.finish"] = ButtonRect{ImVec2(1580, 932), ImVec2(1880, 1068), 60, 60, "session bar"};
    buttons["ui.language"] = ButtonRect{ImVec2(1300, 12), ImVec2(1480, 133), 60, 60, "top bar"};
    screens::TextRects texts;
    // The bars' own texts: the masked patient, a label on the bar's button.
    texts.push_back(TextRect{ImVec2(40, 970), ImVec2(700, 1030), "王*堃  430***********0313", {-FLT_MAX, -FLT_MAX}, {FLT_MAX, FLT_MAX}, "", 60, 0,
                             "session bar"});
    texts.push_back(TextRect{ImVec2(1640, 970), ImVec2(1820, 1030), "Finish", ImVec2(1580, 932), ImVec2(1880, 1068), "session.finish", 60, 0,
                             "session bar"});
    // The screen's rows: "Fee" ends above the bar, "Where" runs into it.
    texts.push_back(TextRect{ImVec2(60, 800), ImVec2(300, 860), "Fee"});
    const auto clean = screens::findLayoutProblems(buttons, texts, 1920, 1080, 96, 12, bars);
    EXPECT_TRUE(clean.empty()) << ::testing::PrintToString(clean);
    texts.push_back(TextRect{ImVec2(60, 900), ImVec2(300, 960), "Where"});
    // A screen's button reaching into the top bar.
    buttons["book.confirm.back"] = ButtonRect{ImVec2(40, 120), ImVec2(400, 260), 60, 60};
    const auto problems = screens::findLayoutProblems(buttons, texts, 1920, 1080, 96, 12, bars);
    EXPECT_TRUE(hasProblem(problems, "text runs under the session bar (text y 900–960, bar y 920–1080): \"Where\""))
        << ::testing::PrintToString(problems);
    EXPECT_TRUE(hasProblem(problems, "button book.confirm.back runs under the top bar")) << ::testing::PrintToString(problems);
    EXPECT_EQ(problems.size(), 2U) << "the bars' own texts and buttons are where they belong: " << ::testing::PrintToString(problems);
    // Without the bars (a frame checked as before): nothing to see.
    EXPECT_TRUE(screens::findLayoutProblems(buttons, texts, 1920, 1080, 96, 12).empty());
}

class BarCheck : public AppTest {};

// The real App records its bars and what is drawn on them, and checks the screen against them:
// the menu of a patient in landscape large print is clean; the same frame with one of the
// screen's own texts moved down by the session bar's height is reported, naming the bar.
TEST_F(BarCheck, TheRealFrameReportsAScreenTextUnderTheSessionBar) {
    std::filesystem::create_directories(outputDir());
    start("[ui]\norientation = \"landscape\"\nelder_mode = true\n");
    app->setLanguage("en_US");
    ASSERT_TRUE(app->tap("attract.start").has_value());
    ASSERT_TRUE(app->simulate("card", "insert", "zhang-san").has_value());
    app->settle();
    ASSERT_EQ(app->currentScreen(), "menu");
    ASSERT_TRUE(app->screenshot(outputDir() / "menu-landscape-elder.png").has_value());
    const screens::BarRects& bars = app->barRects();
    const auto session = std::find_if(bars.begin(), bars.end(), [](const screens::BarRect& b) { return b.name == "session bar"; });
    ASSERT_NE(session, bars.end()) << "a patient's frame has the session bar";
    EXPECT_FLOAT_EQ(session->max.y, 1080.0F);
    EXPECT_TRUE(std::any_of(bars.begin(), bars.end(), [](const screens::BarRect& b) { return b.name == "top bar" && b.min.y == 0; }));
    EXPECT_EQ(app->buttonRects().at("session.finish").bar, "session bar");
    EXPECT_TRUE(app->layoutProblems().empty()) << ::testing::PrintToString(app->layoutProblems());
    // The lowest of the screen's own texts, moved down until it reaches into the session bar.
    screens::TextRects texts = app->textRects();
    auto lowest = texts.end();
    for (auto it = texts.begin(); it != texts.end(); ++it) {
        if (it->bar.empty() && it->button.empty() && (lowest == texts.end() || it->max.y > lowest->max.y)) lowest = it;
    }
    ASSERT_NE(lowest, texts.end()) << "the menu has a text of its own";
    const float down = session->min.y - lowest->max.y + 10;
    ASSERT_GT(down, 10.0F) << "it ends above the bar as drawn";
    lowest->min.y += down;
    lowest->max.y += down;
    const auto width = static_cast<float>(app->config().ui.width);
    const auto height = static_cast<float>(app->config().ui.height);
    const auto problems = screens::findLayoutProblems(app->buttonRects(), texts, width, height, app->theme().minTarget,
                                                      app->theme().minTargetGap, bars);
    EXPECT_TRUE(hasProblem(problems, "text runs under the session bar")) << ::testing::PrintToString(problems);
    EXPECT_TRUE(hasProblem(problems, lowest->text)) << ::testing::PrintToString(problems);
}

class ScreenSizeConfig : public AppTest {};

TEST_F(ScreenSizeConfig, DefaultsAreA21InchPanelAndBadSizesNameTheKey) {
    auto portrait = config();
    ASSERT_TRUE(portrait.has_value());
    EXPECT_NEAR(portrait->ui.screenWidthMm, 268.1, 0.2);
    EXPECT_NEAR(portrait->ui.screenHeightMm, 476.6, 0.2);
    EXPECT_NEAR(portrait->ui.pixelPitchMm, 0.2482, 0.0005);
    auto landscape = config("[ui]\norientation = \"landscape\"\n");
    ASSERT_TRUE(landscape.has_value());
    EXPECT_NEAR(landscape->ui.screenWidthMm, 476.6, 0.2);

    auto tiny = config("[ui]\nscreen_width_mm = 30\nscreen_height_mm = 476.6\n");
    ASSERT_FALSE(tiny.has_value());
    EXPECT_NE(tiny.error().detail.find("screen_width_mm"), std::string::npos) << tiny.error().detail;
    auto swapped = config("[ui]\nscreen_width_mm = 476.6\nscreen_height_mm = 268.1\n");  // portrait is 1080 wide
    ASSERT_FALSE(swapped.has_value());
    EXPECT_NE(swapped.error().detail.find("screen_height_mm"), std::string::npos) << swapped.error().detail;
    auto half = config("[ui]\nscreen_width_mm = 268.1\n");
    ASSERT_FALSE(half.has_value());
    EXPECT_NE(half.error().detail.find("screen_height_mm"), std::string::npos) << half.error().detail;

    // The deprecated pitch still works (and says what to write instead); with the new keys it is refused.
    auto pitch = config("[ui]\npixel_pitch_mm = 0.311\n");
    ASSERT_TRUE(pitch.has_value()) << pitch.error().detail;
    EXPECT_NEAR(pitch->ui.screenWidthMm, 0.311 * 1080, 0.5);
    EXPECT_NE(pitch->ui.deprecationNote.find("screen_width_mm"), std::string::npos);
    auto both = config("[ui]\npixel_pitch_mm = 0.311\nscreen_width_mm = 336.2\nscreen_height_mm = 597.7\n");
    ASSERT_FALSE(both.has_value());
    EXPECT_NE(both.error().detail.find("pixel_pitch_mm"), std::string::npos);
    auto contradiction = config("[ui]\nelder_mode = true\nlarge_print = false\n");
    ASSERT_FALSE(contradiction.has_value());
    auto elder = config("[ui]\nelder_mode = true\n");
    ASSERT_TRUE(elder.has_value());
    EXPECT_TRUE(elder->ui.largePrint);

    // An App on a bad size does not start (kiosk run reports the config error).
    EXPECT_FALSE(loadConfig(dir.write("bad.toml", demoConfigText("[ui]\nscreen_height_mm = 5000\nscreen_width_mm = 268\n")))
                     .has_value());
}

// The screens a patient meets without a backend, measured as drawn: every glyph, target and
// contrast in every mode, language, orientation and panel size.
TEST_F(ThemeSizes, EveryLobbyScreenAsDrawnMeetsTheTargets) {
    std::filesystem::create_directories(outputDir());
    for (const Panel& panel : kPanels) {
        for (const bool portrait : {true, false}) {
            start(panelConfig(panel, portrait));
            for (const bool elder : {false, true}) {
                app->setLargePrint(elder);
                const screens::SizeTargets targets = screens::sizeTargets(elder);
                for (const char* language : {"zh_CN", "en_US"}) {
                    app->setLanguage(language);
                    if (app->session().active()) {
                        ASSERT_TRUE(app->tap("session.finish").has_value());
                    }
                    app->settle();
                    auto check = [&](const char* what) {
                        SCOPED_TRACE(fmt::format("{} {} {} {} {}", panel.name, portrait ? "portrait" : "landscape",
                                                 elder ? "elder" : "normal", language, what));
                        auto m = app->measure();
                        ASSERT_TRUE(m.has_value());
                        EXPECT_GE(m->smallestGlyphMm, targets.bodyGlyphMm) << m->smallestGlyphText;
                        EXPECT_GE(m->smallestTargetMm, targets.targetMm) << m->smallestTarget;
                        if (m->targets > 1) {
                            EXPECT_GE(m->closestTargetsMm, targets.targetGapMm) << m->closestTargets;
                        }
                        EXPECT_GE(m->lowestContrast, targets.contrast) << m->lowestContrastText;
                        for (const auto& problem : app->layoutProblems()) ADD_FAILURE() << "layout: " << problem;
                        ASSERT_TRUE(app->screenshot(outputDir() / fmt::format("{}-{}-{}-{}-{}.png", what, panel.name,
                                                                             portrait ? "portrait" : "landscape",
                                                                             elder ? "elder" : "normal", language))
                                        .has_value());
                    };
                    check("attract");
                    ASSERT_TRUE(app->tap("attract.start").has_value());
                    check("identify");
                    ASSERT_TRUE(app->simulate("card", "insert", "zhang-san").has_value());
                    app->settle();
                    ASSERT_EQ(app->currentScreen(), "menu");
                    check("menu");
                    // No backend here, so the menu offers no service tiles: the service screens are
                    // measured against hospital-sim by tests/bench/accessibility_bench and checked
                    // for layout in elder mode by their own journey tests (booking, check-in, payment).
                    ASSERT_TRUE(app->simulate("card", "remove", "").has_value());
                    app->settle();
                }
            }
        }
    }
}

// ---- forgiving touch: real SDL pointer events through the App's input path ----

class ForgivingTouch : public AppTest {
protected:
    void push(Uint32 type, ImVec2 at) {
        SDL_Event event{};
        event.type = type;
        if (type == SDL_MOUSEMOTION) {
            event.motion.x = static_cast<Sint32>(at.x);
            event.motion.y = static_cast<Sint32>(at.y);
            event.motion.state = SDL_BUTTON_LMASK;
        } else {
            event.button.button = SDL_BUTTON_LEFT;
            event.button.x = static_cast<Sint32>(at.x);
            event.button.y = static_cast<Sint32>(at.y);
            event.button.state = type == SDL_MOUSEBUTTONDOWN ? SDL_PRESSED : SDL_RELEASED;
            event.button.clicks = 1;
        }
        ASSERT_EQ(SDL_PushEvent(&event), 1) << SDL_GetError();  // SDL stamps it with SDL_GetTicks()
    }
    void finger(Uint32 type, SDL_FingerID id, ImVec2 at) {
        SDL_Event event{};
        event.type = type;
        event.tfinger.touchId = 1;
        event.tfinger.fingerId = id;
        event.tfinger.x = at.x / static_cast<float>(app->config().ui.width);
        event.tfinger.y = at.y / static_cast<float>(app->config().ui.height);
        event.tfinger.pressure = 1;
        ASSERT_EQ(SDL_PushEvent(&event), 1) << SDL_GetError();
    }
    /// Hands the pushed events to the app and runs the frames they need.
    void run() {
        app->pumpSdlEvents();
        for (int i = 0; i < 12; ++i) app->frame();
    }
    ImVec2 center(const char* id) { return app->buttonRects().at(id).center(); }
};

TEST_F(ForgivingTouch, ATapCountsAfterASmallSlideThatEndsInsideTheTarget) {
    start();
    const ImVec2 origin = center("attract.start");
    const float slide = app->theme().slop;  // 5 mm
    push(SDL_MOUSEMOTION, origin);
    push(SDL_MOUSEBUTTONDOWN, origin);
    push(SDL_MOUSEMOTION, ImVec2(origin.x + slide * 0.6F, origin.y + slide * 0.6F));
    push(SDL_MOUSEMOTION, ImVec2(origin.x + slide, origin.y));
    push(SDL_MOUSEBUTTONUP, ImVec2(origin.x + slide, origin.y));
    run();
    EXPECT_EQ(app->currentScreen(), "identify");
}

TEST_F(ForgivingTouch, ASecondTapOnTheSameTargetWithin500msIsIgnored) {
    start();
    // The elder-mode switch: its right part stays under the finger in both modes (the bar and
    // the label change size when it switches).
    const screens::ButtonRect rect = app->buttonRects().at("ui.large_print");
    const ImVec2 spot(rect.max.x - 30, rect.min.y + 40);
    ASSERT_FALSE(app->fonts().largePrint());
    for (int i = 0; i < 2; ++i) {  // a trembling double tap, as fast as SDL delivers it
        push(SDL_MOUSEMOTION, spot);
        push(SDL_MOUSEBUTTONDOWN, spot);
        push(SDL_MOUSEBUTTONUP, spot);
    }
    run();
    EXPECT_TRUE(app->fonts().largePrint()) << "switched once, not switched back";
    std::this_thread::sleep_for(std::chrono::milliseconds(550));
    ASSERT_TRUE(app->buttonRects().count("ui.large_print"));
    const screens::ButtonRect elder = app->buttonRects().at("ui.large_print");
    ASSERT_TRUE(spot.x > elder.min.x && spot.x < elder.max.x && spot.y > elder.min.y && spot.y < elder.max.y);
    push(SDL_MOUSEBUTTONDOWN, spot);
    push(SDL_MOUSEBUTTONUP, spot);
    run();
    EXPECT_FALSE(app->fonts().largePrint()) << "a deliberate tap after 500 ms counts";
}

TEST_F(ForgivingTouch, APressBetweenTwoTargetsSelectsNeither) {
    start();
    const screens::ButtonRect language = app->buttonRects().at("ui.language");
    const screens::ButtonRect elder = app->buttonRects().at("ui.large_print");
    ASSERT_GE(elder.min.x - language.max.x, app->theme().minTargetGap) << "≥ 3 mm between the two switches";
    const ImVec2 between((language.max.x + elder.min.x) / 2, language.center().y);
    push(SDL_MOUSEMOTION, between);
    push(SDL_MOUSEBUTTONDOWN, between);
    push(SDL_MOUSEBUTTONUP, between);
    run();
    // A press that starts on one target and ends on the other selects neither either.
    push(SDL_MOUSEMOTION, language.center());
    push(SDL_MOUSEBUTTONDOWN, language.center());
    push(SDL_MOUSEMOTION, elder.center());
    push(SDL_MOUSEBUTTONUP, elder.center());
    run();
    EXPECT_EQ(app->text().language(), "zh_CN");
    EXPECT_FALSE(app->fonts().largePrint());
    EXPECT_EQ(app->currentScreen(), "attract");
}

TEST_F(ForgivingTouch, OneFingerTapsASecondFingerIsIgnored) {
    start();
    // A steadying hand rests on the screen; the other hand's finger taps "start".
    finger(SDL_FINGERDOWN, 7, ImVec2(40, 40));
    finger(SDL_FINGERUP, 7, ImVec2(40, 40));
    finger(SDL_FINGERDOWN, 8, center("attract.start"));
    finger(SDL_FINGERDOWN, 9, center("ui.language"));  // a second finger while the first is down
    finger(SDL_FINGERUP, 9, center("ui.language"));
    finger(SDL_FINGERUP, 8, center("attract.start"));
    run();
    EXPECT_EQ(app->currentScreen(), "identify");
    EXPECT_EQ(app->text().language(), "zh_CN") << "the second finger pressed nothing";
}

// ---- timeouts that never surprise ----

class StillThere : public ForgivingTouch {};

TEST_F(StillThere, AScreenWithoutASessionAsksBeforeGoingBackAndATapAnywhereContinues) {
    std::filesystem::create_directories(outputDir());
    start();
    std::vector<screens::Cue> cues;
    app->setCueListener([&](const screens::Cue& cue) { cues.push_back(cue); });
    ASSERT_TRUE(app->tap("attract.start").has_value());
    ASSERT_EQ(app->currentScreen(), "identify");
    clock.advance(std::chrono::seconds(34));
    app->frame();
    EXPECT_FALSE(app->countdownVisible());
    clock.advance(std::chrono::seconds(2));  // 36 s of 45: the last 10 s
    app->frame();
    ASSERT_TRUE(app->countdownVisible());
    EXPECT_EQ(app->countdownSeconds(), 9);
    ASSERT_TRUE(app->screenshot(outputDir() / "countdown-identify.png").has_value());
    // The tap lands where the back button is under the shade: it continues, it does not go back.
    const ImVec2 back = center("identify.back");
    push(SDL_MOUSEMOTION, back);
    push(SDL_MOUSEBUTTONDOWN, back);
    push(SDL_MOUSEBUTTONUP, back);
    run();
    EXPECT_FALSE(app->countdownVisible());
    EXPECT_EQ(app->currentScreen(), "identify");
    ASSERT_GE(cues.size(), 3U);
    EXPECT_EQ(cues[0].kind, screens::Cue::Kind::screen_changed);
    EXPECT_EQ(cues[0].screen, "identify");
    EXPECT_EQ(cues[1].kind, screens::Cue::Kind::countdown_started);
    EXPECT_EQ(cues[1].secondsLeft, 9);
    EXPECT_FALSE(cues[1].sessionEnds);
    EXPECT_EQ(cues.back().kind, screens::Cue::Kind::countdown_ended);
    EXPECT_TRUE(cues.back().continued);
    // Left alone, it asks again and then goes back.
    clock.advance(std::chrono::seconds(36));
    app->frame();
    EXPECT_TRUE(app->countdownVisible());
    clock.advance(std::chrono::seconds(10));
    app->frame();
    EXPECT_EQ(app->currentScreen(), "attract");
    EXPECT_FALSE(app->countdownVisible());
}

TEST_F(StillThere, ElderModeDoublesTheTimeAndATapDuringTheCountdownKeepsTheSession) {
    std::filesystem::create_directories(outputDir());
    start("[ui]\nelder_mode = true\n");
    ASSERT_TRUE(app->fonts().largePrint());
    ASSERT_TRUE(app->simulate("card", "insert", "zhang-san").has_value());
    app->settle();
    ASSERT_EQ(app->currentScreen(), "menu");
    clock.advance(std::chrono::seconds(99));  // 60 s doubled = 120 s; countdown 10 s doubled = 20 s
    app->frame();
    EXPECT_FALSE(app->countdownVisible());
    clock.advance(std::chrono::seconds(2));
    app->frame();
    ASSERT_TRUE(app->countdownVisible());
    EXPECT_EQ(app->countdownSeconds(), 19);
    ASSERT_TRUE(app->screenshot(outputDir() / "countdown-elder.png").has_value());
    const ImVec2 finish = center("session.finish");  // under the shade
    push(SDL_MOUSEMOTION, finish);
    push(SDL_MOUSEBUTTONDOWN, finish);
    push(SDL_MOUSEBUTTONUP, finish);
    run();
    EXPECT_FALSE(app->countdownVisible());
    EXPECT_EQ(app->currentScreen(), "menu") << "the tap continued; it did not press Finish under the panel";
    EXPECT_TRUE(app->session().active());
    clock.advance(std::chrono::seconds(110));
    app->frame();
    EXPECT_TRUE(app->session().active()) << "more time is doubled too (120 s)";
}

}  // namespace
}  // namespace kiosk::test
