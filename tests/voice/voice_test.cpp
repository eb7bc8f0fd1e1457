// Voice guidance (issue 15 item 4), labels accessibility + voice: numbers as a person says them,
// pinned readings of every fixed prompt, every prompt synthesised by espeak-ng to a WAV in both
// languages, the guide's rules (voice off → nothing, names only through headphones, the countdown
// spoken) and the engine's threading (say() returns at once; newer cancels older).
#include <gtest/gtest.h>

#include <SDL.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "kiosk/core/i18n.hpp"
#include "kiosk/core/pinyin.hpp"
#include "kiosk/speech/espeak_speech.hpp"
#include "kiosk/speech/readings.hpp"
#include "kiosk/speech/spoken.hpp"
#include "kiosk/speech/voice_guide.hpp"
#include "kiosk/speech/wav.hpp"
#include "tests/voice/recording_speech.hpp"

namespace kiosk::speech {
namespace {

const std::filesystem::path kLangDir = std::filesystem::path(KIOSK_TEST_ASSETS_DIR) / "lang";

struct Case {
    std::string got;
    std::string want;
};

void expectAll(const std::vector<Case>& cases) {
    for (const Case& c : cases) EXPECT_EQ(plainText(c.got), c.want);
}

TEST(SpokenNumbers, MandarinAsAPersonSaysThem) {
    const Tongue zh = Tongue::mandarin;
    expectAll({
        {spokenInteger(zh, 0), "零"},          {spokenInteger(zh, 10), "十"},
        {spokenInteger(zh, 12), "十二"},        {spokenInteger(zh, 20), "二十"},
        {spokenInteger(zh, 105), "一百零五"},   {spokenInteger(zh, 110), "一百一十"},
        {spokenInteger(zh, 123), "一百二十三"}, {spokenInteger(zh, 1005), "一千零五"},
        {spokenInteger(zh, 1050), "一千零五十"}, {spokenInteger(zh, 1200), "一千二百"},
        {spokenInteger(zh, 10005), "一万零五"}, {spokenInteger(zh, 10050), "一万零五十"},
        {spokenInteger(zh, 105000), "十万五千"}, {spokenInteger(zh, 100500), "十万零五百"},
        {spokenInteger(zh, 120000), "十二万"},  {spokenInteger(zh, 100100000), "一亿零一十万"},
        // 两 before a measure word
        {measureNumber(zh, 2), "两"},           {measureNumber(zh, 200), "两百"},
        {measureNumber(zh, 2000), "两千"},      {measureNumber(zh, 20000), "两万"},
        {measureNumber(zh, 22), "二十二"},      {measureNumber(zh, 12), "十二"},
        // queue and window numbers
        {spokenQueueNumber(zh, 123), "一百二十三号"}, {spokenQueueNumber(zh, 8), "八号"},
        {spokenWindow(zh, 3), "三号窗口"},
        // amounts (fen)
        {spokenAmount(zh, 1250), "十二元五角"},  {spokenAmount(zh, 1205), "十二元零五分"},
        {spokenAmount(zh, 1200), "十二元"},      {spokenAmount(zh, 50), "五角"},
        {spokenAmount(zh, 5), "五分"},           {spokenAmount(zh, 0), "零元"},
        {spokenAmount(zh, 200), "两元"},         {spokenAmount(zh, 220), "两元两角"},
        {spokenAmount(zh, 12345), "一百二十三元四角五分"}, {spokenAmount(zh, 100005), "一千元零五分"},
        // dates
        {spokenDate(zh, 0, 11, 29), "十一月二十九日"}, {spokenDate(zh, 2026, 11, 29), "二零二六年十一月二十九日"},
        {spokenDate(zh, 0, 2, 2), "二月二日"},
        // times
        {spokenTime(zh, 15, 30), "下午三点半"},  {spokenTime(zh, 14, 0), "下午两点"},
        {spokenTime(zh, 9, 5), "上午九点零五分"}, {spokenTime(zh, 9, 15), "上午九点十五分"},
        {spokenTime(zh, 12, 0), "中午十二点"},   {spokenTime(zh, 0, 10), "凌晨零点十分"},
        {spokenTime(zh, 20, 45), "晚上八点四十五分"}, {spokenTime(zh, 2, 0), "凌晨两点"},
        // digits inside a text
        {spellDigits(zh, "请到3号窗口，第105号"), "请到三号窗口，第一百零五号"},
        {spellDigits(zh, "体温37.5度"), "体温三十七点五度"},
    });
}

TEST(SpokenNumbers, EnglishAsAPersonSaysThem) {
    const Tongue en = Tongue::english;
    expectAll({
        {spokenInteger(en, 0), "zero"},
        {spokenInteger(en, 123), "one hundred twenty-three"},
        {spokenInteger(en, 1005), "one thousand five"},
        {spokenInteger(en, 1000000), "one million"},
        {spokenQueueNumber(en, 123), "number one hundred twenty-three"},
        {spokenWindow(en, 3), "window three"},
        {spokenAmount(en, 1250), "twelve yuan fifty"},
        {spokenAmount(en, 1205), "twelve yuan oh five"},
        {spokenAmount(en, 1200), "twelve yuan"},
        {spokenAmount(en, 50), "fifty fen"},
        {spokenAmount(en, 100), "one yuan"},
        {spokenDate(en, 0, 11, 29), "November twenty-ninth"},
        {spokenDate(en, 2026, 11, 29), "November twenty-ninth, twenty twenty-six"},
        {spokenDate(en, 2005, 3, 1), "March first, two thousand five"},
        {spokenTime(en, 15, 30), "three thirty in the afternoon"},
        {spokenTime(en, 9, 5), "nine oh five in the morning"},
        {spokenTime(en, 14, 0), "two o'clock in the afternoon"},
        {spokenTime(en, 12, 0), "twelve noon"},
        {spokenTime(en, 20, 45), "eight forty-five in the evening"},
        {spellDigits(en, "window 3"), "window 3"},
    });
}

/// A call reference read out as the patient reads it to staff: letter, then every digit alone.
TEST(SpokenNumbers, ACodeIsReadOneCharacterAtATime) {
    expectAll({
        {spokenCode(Tongue::mandarin, "K-0421"), "K 零四二一"},
        {spokenCode(Tongue::mandarin, "K-1000"), "K 一零零零"},
        {spokenCode(Tongue::english, "K-0421"), "K, zero four two one"},
        {spokenCode(Tongue::english, "AB-07"), "A B, zero seven"},
        {spokenCode(Tongue::english, ""), ""},
    });
    // No ASCII digit is left for spellDigits to read as a number (四百二十一).
    EXPECT_EQ(spellDigits(Tongue::mandarin, spokenCode(Tongue::mandarin, "K-0421")), "K 零四二一");
}

PinyinConverter converter() {
    auto created = PinyinConverter::create();
    EXPECT_TRUE(created.has_value());
    return *created;
}

TEST(Readings, PinnedReadingsOverrideTheDictionary) {
    const PinyinConverter pinyin = converter();
    // The dictionary alone reads 银行 as yin2 xing2 and 重新 as zhong4 xin1: why prompts pin them.
    EXPECT_EQ(readMandarin(pinyin, "银行").pinyin, "yin2 xing2");
    EXPECT_EQ(readMandarin(pinyin, "银行[hang2]").pinyin, "yin2 hang2");
    EXPECT_EQ(readMandarin(pinyin, "重[chong2]新").pinyin, "chong2 xin1");
    EXPECT_EQ(readMandarin(pinyin, "请到3号[hao4]窗口。").pinyin, "qing3 dao4 san1 hao4 chuang1 kou3.");
    EXPECT_EQ(readMandarin(pinyin, "好的").pinyin.substr(0, 5), "hao3 ");
    EXPECT_EQ(plainText("银行[hang2]卡[ka3]"), "银行卡");
    EXPECT_EQ(unpinnedPolyphones("银行卡[ka3]重新"), (std::vector<std::string>{"行", "重"}));
    // Surnames read unlike the character's usual reading.
    EXPECT_EQ(readMandarin(pinyin, pinSurname("曾小明")).pinyin, "zeng1 xiao3 ming2");
    EXPECT_EQ(readMandarin(pinyin, pinSurname("单田芳")).pinyin, "shan4 tian2 fang1");
    EXPECT_EQ(pinSurname("张三"), "张三");
}

TEST(Readings, CharactersWithoutAReadingAreSkippedNeverACrash) {
    const PinyinConverter pinyin = converter();
    // U+30000 (CJK Extension G) has no reading in ICU 72's Unihan data.
    const MandarinReading reading = readMandarin(pinyin, "张\xF0\xB0\x80\x80三");
    EXPECT_EQ(reading.pinyin, "zhang1 san1");
    ASSERT_EQ(reading.skipped.size(), 1U);
    // Malformed pins and bytes: read as text, no crash.
    for (const char* odd : {"行[", "行[]", "行[xyz]", "[hang2]", "行[hang9]", "\xE8\xA1", "\xFF\xFE"}) {
        (void)readMandarin(pinyin, odd);
        (void)plainText(odd);
        (void)unpinnedPolyphones(odd);
    }
}

/// The keys of fixed prompts: every "voice.*" text except the button labels (drawn, not spoken).
std::vector<std::string> promptKeys(const Catalog& catalog) {
    std::vector<std::string> keys;
    for (const auto& key : catalog.keys("zh_CN")) {
        if (key.starts_with("voice.") && !key.starts_with("voice.button.")) keys.push_back(key);
    }
    return keys;
}

TEST(Readings, EveryFixedPromptPinsItsPolyphones) {
    auto catalog = Catalog::load(kLangDir);
    ASSERT_TRUE(catalog.has_value());
    const auto keys = promptKeys(*catalog);
    ASSERT_GE(keys.size(), 15U);
    for (const auto& key : keys) {
        EXPECT_EQ(unpinnedPolyphones(*catalog->find("zh_CN", key)), std::vector<std::string>{})
            << key << ": pin the reading of each polyphone, e.g. 行[hang2]";
    }
    // The number words the kiosk builds (queue numbers, amounts, dates, times) pin theirs too.
    const Tongue zh = Tongue::mandarin;
    for (int n : {0, 1, 2, 10, 12, 105, 123, 1005, 20000}) {
        EXPECT_TRUE(unpinnedPolyphones(spokenQueueNumber(zh, n)).empty()) << n;
        EXPECT_TRUE(unpinnedPolyphones(spokenWindow(zh, n)).empty()) << n;
        EXPECT_TRUE(unpinnedPolyphones(spokenAmount(zh, n * 7 + 3)).empty()) << n;
    }
    for (int hour = 0; hour < 24; ++hour) {
        for (int minute : {0, 5, 30, 45}) EXPECT_TRUE(unpinnedPolyphones(spokenTime(zh, hour, minute)).empty()) << hour;
    }
    EXPECT_TRUE(unpinnedPolyphones(spokenDate(zh, 2026, 11, 29)).empty());
}

/// Placeholder values for the prompts that have them.
Utterance prepared(const VoiceGuide& guide, const std::string& key, bool english) {
    return guide.prepare(key, {{"name", english ? "Zhang San" : "张三"},
                               {"seconds", english ? "ten" : "十"},
                               {"percent", english ? "eighty" : "八十"}});
}

TEST(EspeakEngine, EveryFixedPromptSynthesisedToAWavInBothLanguages) {
    auto catalog = Catalog::load(kLangDir);
    ASSERT_TRUE(catalog.has_value());
    EspeakOptions options;
    options.audio = false;  // synthesis only: the samples are checked here, not played
    auto engine = EspeakSpeech::create(options);
    ASSERT_TRUE(engine.has_value()) << engine.error().describe();
    const std::filesystem::path out = std::filesystem::path(KIOSK_TEST_OUTPUT_DIR) / "voice";
    for (const char* language : {"zh_CN", "en_US"}) {
        const bool english = std::string(language) == "en_US";
        std::filesystem::create_directories(out / language);
        Translator text(*catalog, language);
        VoiceGuide guide(nullptr, text, converter(), VoiceSettings{});
        for (const auto& key : promptKeys(*catalog)) {
            const Utterance utterance = prepared(guide, key, english);
            ASSERT_FALSE(utterance.text.empty()) << key;
            auto pcm = (*engine)->synthesize(utterance);
            ASSERT_TRUE(pcm.has_value()) << key << ": " << pcm.error().describe();
            ASSERT_TRUE(writeWav(out / language / (key + ".wav"), *pcm).has_value());
            EXPECT_GT(pcm->rms(), 800.0) << language << " " << key << " is (nearly) silent";
            // Duration per unit spoken: a Mandarin syllable 0.12–0.8 s, an English letter
            // 0.025–0.2 s at 150 words a minute (one word short prompts included).
            if (english) {
                size_t letters = 0;
                for (char c : utterance.text) letters += std::isalnum(static_cast<unsigned char>(c)) ? 1 : 0;
                EXPECT_GE(pcm->seconds(), 0.025 * static_cast<double>(letters)) << key;
                EXPECT_LE(pcm->seconds(), 0.2 * static_cast<double>(letters) + 0.5) << key;
            } else {
                const auto syllables = static_cast<double>(std::count_if(
                    utterance.pinyin.begin(), utterance.pinyin.end(), [](char c) { return c >= '1' && c <= '5'; }));
                ASSERT_GT(syllables, 0) << key << ": no pinyin";
                EXPECT_GE(pcm->seconds(), 0.12 * syllables) << key << " " << utterance.pinyin;
                EXPECT_LE(pcm->seconds(), 0.8 * syllables + 0.5) << key << " " << utterance.pinyin;
            }
        }
    }
}

TEST(EspeakEngine, SayReturnsAtOnceAndANewerUtteranceCancelsAnOlderOne) {
    EspeakOptions options;
    options.audioDriver = "dummy";  // real SDL audio, no sound card
    auto created = EspeakSpeech::create(options);
    ASSERT_TRUE(created.has_value()) << created.error().describe();
    EspeakSpeech& engine = **created;
    Utterance longer{"en_US", std::string(40, ' ') + "This is a long sentence that takes several seconds to say out loud, "
                                                     "with many words in it, so that a newer one comes before its end.",
                     "", false};
    const auto start = std::chrono::steady_clock::now();
    engine.say(longer);
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_LT(took, std::chrono::milliseconds(20)) << "say() must not synthesise on the caller's thread";
    // Wait for its first sound, then say something else.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!engine.firstSoundOfLatest() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    ASSERT_TRUE(engine.firstSoundOfLatest().has_value());
    engine.say(Utterance{"en_US", "Card read.", "", false});
    while ((engine.status().spoken < 1 || engine.status().cancelled < 1) && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    EXPECT_EQ(engine.status().cancelled, 1U);
    EXPECT_EQ(engine.status().spoken, 1U);
    EXPECT_NE(engine.status().detail.find("dummy"), std::string::npos) << engine.status().detail;
}

TEST(EspeakEngine, NoAudioOutputIsAnErrorNotACrash) {
    EspeakOptions options;
    options.audioDriver = "no-such-driver";
    auto created = EspeakSpeech::create(options);
    ASSERT_FALSE(created.has_value());
    EXPECT_EQ(created.error().code, Errc::device_not_ready);
    // The engine slot is free again: one without audio can open.
    options.audio = false;
    EXPECT_TRUE(EspeakSpeech::create(options).has_value());
}

TEST(EspeakEngine, AMissingVoiceIsNamed) {
    EspeakOptions options;
    options.audio = false;
    options.mandarinVoice = "no-such-voice";
    auto created = EspeakSpeech::create(options);
    ASSERT_FALSE(created.has_value());
    EXPECT_NE(created.error().detail.find("no-such-voice"), std::string::npos);
}

class GuideTest : public ::testing::Test {
protected:
    void SetUp() override {
        auto loaded = Catalog::load(kLangDir);
        ASSERT_TRUE(loaded.has_value());
        catalog = std::make_unique<Catalog>(std::move(*loaded));
        text = std::make_unique<Translator>(*catalog, "zh_CN");
    }
    VoiceGuide guide(bool enabled) {
        VoiceSettings settings;
        settings.enabled = enabled;
        return VoiceGuide(recorder, *text, converter(), settings);
    }
    std::unique_ptr<Catalog> catalog;
    std::unique_ptr<Translator> text;
    std::shared_ptr<test::RecordingSpeech> recorder = std::make_shared<test::RecordingSpeech>();
};

TEST_F(GuideTest, VoiceOffSaysNothing) {
    VoiceGuide voice = guide(false);
    voice.screenShown("attract");
    voice.screenShown("menu", "张三");
    voice.countdown(10, true);
    voice.countdown(3, false);
    voice.cardRead();
    voice.readFailed();
    voice.repeat();
    voice.volumeUp();
    EXPECT_TRUE(recorder->said().empty()) << recorder->transcript();
}

TEST_F(GuideTest, EachScreenSaysWhatItIsForAndRepeatSaysItAgain) {
    VoiceGuide voice = guide(true);
    voice.screenShown("identify");
    ASSERT_EQ(recorder->said().size(), 1U);
    EXPECT_EQ(recorder->said()[0].text, plainText(*catalog->find("zh_CN", "voice.screen.identify")));
    EXPECT_NE(recorder->said()[0].pinyin.find("gan3 ying4 qu1"), std::string::npos) << recorder->said()[0].pinyin;
    voice.repeat();
    ASSERT_EQ(recorder->said().size(), 2U);
    EXPECT_EQ(recorder->said()[1].text, recorder->said()[0].text);
    text->setLanguage("en_US");
    voice.screenShown("menu");
    EXPECT_EQ(recorder->said().back().text, "Please choose a service.");
    EXPECT_EQ(recorder->said().back().language, "en_US");
}

TEST_F(GuideTest, ANameIsSpokenOnlyThroughHeadphones) {
    VoiceGuide voice = guide(true);
    voice.screenShown("menu", "张三");
    ASSERT_EQ(recorder->said().size(), 1U);
    EXPECT_EQ(recorder->said()[0].text.find("张三"), std::string::npos) << "a name through the loudspeaker";
    EXPECT_FALSE(recorder->said()[0].personal);
    voice.setHeadphones(true);
    voice.screenShown("menu", "张三");
    ASSERT_EQ(recorder->said().size(), 2U);
    EXPECT_NE(recorder->said()[1].text.find("张三"), std::string::npos);
    EXPECT_TRUE(recorder->said()[1].personal);
    EXPECT_NE(recorder->said()[1].pinyin.find("zhang1 san1"), std::string::npos);
    // Headphones pulled out: what was said to them stops, and "repeat" does not say it aloud.
    const int stopsBefore = recorder->stops();
    voice.setHeadphones(false);
    EXPECT_GT(recorder->stops(), stopsBefore);
    voice.repeat();
    for (const auto& u : recorder->said()) {
        if (u.personal) continue;
        EXPECT_EQ(u.text.find("张三"), std::string::npos);
    }
    EXPECT_EQ(recorder->said().size(), 2U) << recorder->transcript();
}

TEST_F(GuideTest, HeadphonesTurnTheVoiceOnAndOffAgain) {
    VoiceGuide voice = guide(false);
    voice.screenShown("attract");
    EXPECT_TRUE(recorder->said().empty());
    voice.setHeadphones(true);
    EXPECT_TRUE(voice.enabled());
    ASSERT_EQ(recorder->said().size(), 1U) << "switched on, it says where the patient is";
    voice.setHeadphones(false);
    EXPECT_FALSE(voice.enabled());
    // Switched on by the patient, it stays on when headphones go.
    voice.setEnabled(true);
    voice.setHeadphones(true);
    voice.setHeadphones(false);
    EXPECT_TRUE(voice.enabled());
    EXPECT_TRUE(voice.isHeadphoneName("USB Audio Headset Analog Stereo"));
    EXPECT_TRUE(voice.isHeadphoneName("Built-in Audio Headphones"));
    EXPECT_FALSE(voice.isHeadphoneName("Built-in Audio Analog Stereo"));
}

TEST_F(GuideTest, TheCountdownIsSpoken) {
    VoiceGuide voice = guide(true);
    voice.countdown(10, true);
    ASSERT_EQ(recorder->said().size(), 1U);
    EXPECT_NE(recorder->said()[0].text.find("您还在吗"), std::string::npos);
    EXPECT_NE(recorder->said()[0].text.find("十秒"), std::string::npos) << recorder->said()[0].text;
    voice.countdown(9, false);  // only the last five seconds are counted aloud
    EXPECT_EQ(recorder->said().size(), 1U);
    voice.countdown(2, false);
    ASSERT_EQ(recorder->said().size(), 2U);
    EXPECT_EQ(recorder->said()[1].text, "两");
    EXPECT_EQ(recorder->said()[1].pinyin, "liang3");
}

TEST_F(GuideTest, VolumeStepsAndNeverMutes) {
    VoiceGuide voice = guide(true);
    EXPECT_EQ(recorder->volume(), 80);
    voice.volumeUp();
    voice.volumeUp();
    voice.volumeUp();
    EXPECT_EQ(voice.volume(), 100);
    EXPECT_EQ(recorder->volume(), 100);
    for (int i = 0; i < 20; ++i) voice.volumeDown();
    EXPECT_EQ(voice.volume(), 10);
    EXPECT_NE(recorder->said().back().text.find("音量十"), std::string::npos) << recorder->said().back().text;
}

TEST_F(GuideTest, WithoutAnEngineTheGuideIsSilentAndSaysWhy) {
    VoiceGuide voice(nullptr, *text, converter(), VoiceSettings{true}, "device_not_ready: cannot open an audio output");
    voice.screenShown("attract");
    voice.repeat();
    EXPECT_FALSE(voice.available());
    EXPECT_NE(voice.status().find("silent"), std::string::npos);
    EXPECT_NE(voice.status().find("audio output"), std::string::npos);
}

}  // namespace
}  // namespace kiosk::speech
