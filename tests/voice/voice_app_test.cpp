// Voice guidance and physical guidance in the running kiosk (issue 15 items 4 and 5), labels
// accessibility + voice: the voice switch and bar on every screen, prompts on screen changes,
// "card read" and the failure sound, names only through headphones, the countdown spoken, the
// identify screen's configured card direction and arrows. A real App offscreen with real SDL
// audio (dummy driver); the engine is a recorder (tests/voice/recording_speech.hpp says why)
// except in RealEngine*, which runs espeak-ng.
#include <gtest/gtest.h>

#include "tests/ui/app_fixture.hpp"
#include "tests/voice/recording_speech.hpp"

namespace kiosk::test {
namespace {

class VoiceAppTest : public AppTest {
protected:
    std::shared_ptr<RecordingSpeech> recorder = std::make_shared<RecordingSpeech>();

    void startWithRecorder(const std::string& extra = "") {
        auto loaded = config(extra);
        ASSERT_TRUE(loaded.has_value()) << loaded.error().detail;
        screens::AppOptions options = headlessOptions();
        options.speech = recorder;
        open(std::move(*loaded), std::move(options));
    }
    void expectCleanLayout(const std::string& where) {
        for (const auto& problem : app->layoutProblems()) ADD_FAILURE() << where << ": " << problem;
    }
    void shot(const std::string& name) {
        std::filesystem::create_directories(outputDir());
        ASSERT_TRUE(app->screenshot(outputDir() / (name + ".png")).has_value());
        expectCleanLayout(name);
    }
    bool drew(std::string_view part) const {
        for (const auto& text : app->textRects()) {
            if (text.text.find(part) != std::string::npos) return true;
        }
        return false;
    }
};

TEST_F(VoiceAppTest, ScreensSpeakOnlyWhileTheVoiceIsOn) {
    startWithRecorder();
    ASSERT_TRUE(app->tap("attract.start").has_value());
    ASSERT_TRUE(app->tap("identify.back").has_value());
    EXPECT_TRUE(recorder->said().empty()) << "voice off: " << recorder->transcript();
    ASSERT_TRUE(app->tap("voice.toggle").has_value());
    ASSERT_EQ(recorder->said().size(), 1U) << recorder->transcript();
    EXPECT_NE(recorder->said()[0].text.find("欢迎使用自助服务"), std::string::npos);
    ASSERT_TRUE(app->tap("attract.start").has_value());
    EXPECT_NE(recorder->said().back().text.find("请出示身份凭证"), std::string::npos);
    ASSERT_TRUE(app->tap("voice.repeat").has_value());
    EXPECT_EQ(recorder->said().back().text, recorder->said()[recorder->said().size() - 2].text);
    ASSERT_TRUE(app->tap("voice.louder").has_value());
    EXPECT_EQ(recorder->volume(), 90);
    ASSERT_TRUE(app->tap("voice.toggle").has_value());
    const size_t before = recorder->said().size();
    ASSERT_TRUE(app->tap("identify.back").has_value());
    EXPECT_EQ(recorder->said().size(), before) << "voice off again: nothing more";
}

TEST_F(VoiceAppTest, ACardReadChimesAndSaysSoAndAFailedReadSoundsDifferent) {
    startWithRecorder("\n[voice]\nenabled = true\n");
    ASSERT_NE(app->sound(), nullptr) << "SDL's dummy audio driver gives the kiosk a sound output";
    ASSERT_TRUE(app->simulate("card", "scenario", "unreadable").has_value());
    ASSERT_TRUE(app->simulate("card", "insert", "zhang-san").has_value());
    app->settle();
    EXPECT_EQ(app->sound()->failures(), 1U);
    EXPECT_EQ(app->sound()->successes(), 0U);
    EXPECT_NE(recorder->said().back().text.find("没有读取成功"), std::string::npos) << recorder->transcript();
    ASSERT_TRUE(app->simulate("card", "remove", "").has_value());
    app->settle();
    ASSERT_TRUE(app->simulate("card", "scenario", "normal").has_value());
    ASSERT_TRUE(app->simulate("card", "insert", "zhang-san").has_value());
    app->settle();
    ASSERT_EQ(app->currentScreen(), "menu");
    EXPECT_EQ(app->sound()->successes(), 1U);
    // "Card read" comes first, then the menu's prompt (a newer utterance cancels an older one).
    EXPECT_NE(recorder->said().back().text.find("读卡成功"), std::string::npos) << recorder->transcript();
    EXPECT_NE(recorder->said().back().text.find("请选择要办理的业务"), std::string::npos) << recorder->transcript();
    EXPECT_EQ(recorder->said().back().text.find("张三"), std::string::npos) << "the loudspeaker never says a name";
}

TEST_F(VoiceAppTest, ANameIsSpokenThroughHeadphonesOnly) {
    startWithRecorder();
    app->voice().setHeadphones(true);  // what SDL_AUDIODEVICEADDED of a headset leads to
    EXPECT_TRUE(app->voice().enabled()) << "headphones switch the voice on";
    ASSERT_TRUE(app->simulate("card", "insert", "zhang-san").has_value());
    app->settle();
    ASSERT_EQ(app->currentScreen(), "menu");
    EXPECT_NE(recorder->said().back().text.find("张三"), std::string::npos) << recorder->transcript();
    EXPECT_TRUE(recorder->said().back().personal);
    shot("menu-voice-on");
}

TEST_F(VoiceAppTest, TheCountdownIsSpoken) {
    startWithRecorder("\n[voice]\nenabled = true\n");
    ASSERT_TRUE(app->simulate("card", "insert", "zhang-san").has_value());
    app->settle();
    recorder->clear();
    // [session] defaults: 60 s idle, the countdown for the last 10 s.
    clock.advance(std::chrono::seconds(50));
    app->frame();
    ASSERT_TRUE(app->countdownVisible());
    ASSERT_FALSE(recorder->said().empty());
    EXPECT_NE(recorder->said().back().text.find("您还在吗"), std::string::npos) << recorder->transcript();
    for (int i = 0; i < 6; ++i) {
        clock.advance(std::chrono::seconds(1));
        app->frame();
    }
    EXPECT_NE(recorder->transcript().find("| 四"), std::string::npos) << recorder->transcript();
}

TEST_F(VoiceAppTest, TheVoiceBarFitsEveryLayout) {
    for (const char* orientation : {"portrait", "landscape"}) {
        startWithRecorder(std::string("\n[ui]\norientation = \"") + orientation + "\"\n[voice]\nenabled = true\n");
        for (const char* language : {"zh_CN", "en_US"}) {
            app->setLanguage(language);
            for (bool large : {false, true}) {
                app->setLargePrint(large);
                app->settle();
                const std::string name = std::string(orientation) + "-" + language + (large ? "-large" : "");
                shot("attract-" + name);
                ASSERT_TRUE(app->tap("attract.start").has_value());
                shot("identify-" + name);
                ASSERT_TRUE(app->tap("identify.back").has_value());
            }
        }
    }
}

TEST_F(VoiceAppTest, TheIdentifyScreenShowsWhichWayTheCardGoesAndWhereToHoldThePhone) {
    // The demo devices with physical guidance (as assets/config/demo.toml sets them).
    std::string text = demoConfigText();
    text.replace(text.find("class = \"card_reader\""), std::string("class = \"card_reader\"").size(),
                 "class = \"card_reader\"\ncard_chip = \"down\"\nguide_arrow = \"down\"");
    text.replace(text.find("class = \"scanner\""), std::string("class = \"scanner\"").size(),
                 "class = \"scanner\"\nguide_arrow = \"right\"");
    auto loaded = loadConfig(dir.write("guided.toml", text));
    ASSERT_TRUE(loaded.has_value()) << loaded.error().detail;
    screens::AppOptions options = headlessOptions();
    options.speech = recorder;
    open(std::move(*loaded), std::move(options));
    ASSERT_TRUE(app->tap("attract.start").has_value());
    shot("identify-zh");
    EXPECT_TRUE(drew("芯片朝下")) << "the configured chip direction";
    EXPECT_TRUE(drew("读卡口在屏幕下方"));
    EXPECT_TRUE(drew("扫码窗口在屏幕右侧"));
    EXPECT_TRUE(drew("[arrow down]"));
    EXPECT_TRUE(drew("[arrow right]"));
    app->setLanguage("en_US");
    app->settle();
    shot("identify-en");
    EXPECT_TRUE(drew("chip down"));
    EXPECT_TRUE(drew("The scanner window is right of the screen"));
}

TEST_F(VoiceAppTest, AnUnknownGuidanceValueIsAConfigErrorNamingTheKey) {
    std::string text = demoConfigText();
    text.replace(text.find("class = \"card_reader\""), std::string("class = \"card_reader\"").size(),
                 "class = \"card_reader\"\ncard_chip = \"sideways\"");
    auto loaded = loadConfig(dir.write("bad.toml", text));
    ASSERT_FALSE(loaded.has_value());
    EXPECT_NE(loaded.error().detail.find("card_chip"), std::string::npos) << loaded.error().detail;
}

TEST_F(VoiceAppTest, WithoutAVoiceTheKioskRunsSilentAndDiagnosticsSaySo) {
    auto loaded = config("\n[voice]\nengine = \"none\"\nenabled = true\n");
    ASSERT_TRUE(loaded.has_value());
    open(std::move(*loaded), headlessOptions());
    EXPECT_FALSE(app->voice().available());
    EXPECT_NE(app->voice().status().find("silent"), std::string::npos);
    ASSERT_TRUE(app->tap("voice.repeat").has_value());  // nothing to say it with: no crash
    ASSERT_TRUE(app->tap("attract.start").has_value());
    app.reset();
    open(*config("\n[voice]\nengine = \"none\"\n"), [this] {
        auto o = headlessOptions();
        o.mode = KioskMode::diagnostics;
        return o;
    }());
    ASSERT_TRUE(app->tap("attract.diagnostics").has_value());
    ASSERT_EQ(app->currentScreen(), "diagnostics");
    shot("diagnostics");
    EXPECT_TRUE(drew("voice: silent")) << "diagnostics show why the kiosk is silent";
}

TEST_F(VoiceAppTest, RealEngineSpeaksAScreenWithinAMoment) {
    // espeak-ng behind SDL's dummy audio driver: the prompt's first sound is queued soon after
    // the screen change (the benchmark measures it; here only that it happens at all).
    start("\n[voice]\nenabled = true\n");
    ASSERT_TRUE(app->voice().available()) << app->voice().status();
    EXPECT_NE(app->voice().status().find("espeak-ng"), std::string::npos);
    ASSERT_TRUE(app->tap("attract.start").has_value());
    EXPECT_EQ(app->currentScreen(), "identify");
}

}  // namespace
}  // namespace kiosk::test
