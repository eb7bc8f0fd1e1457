// Voice guidance benchmark (issue 15 measures): the time from a screen change to its prompt's
// first sound reaching the audio output (target ≤ 300 ms), and the synthesis time of every fixed
// prompt in both languages. espeak-ng (cmn-latn-pinyin / en-us) through real SDL audio; without
// SDL_AUDIODRIVER set it uses SDL's "dummy" driver (no sound card needed).
//
//   voice_bench [--smoke] [--rounds N]
#include <SDL.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "kiosk/core/i18n.hpp"
#include "kiosk/core/log.hpp"
#include "kiosk/core/pinyin.hpp"
#include "kiosk/speech/espeak_speech.hpp"
#include "kiosk/speech/voice_guide.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double percentile(std::vector<double> values, double p) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    const auto index = static_cast<size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
    return values[std::min(index, values.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
    bool smoke = false;
    int rounds = 5;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--smoke") smoke = true;
        if (arg == "--rounds" && i + 1 < argc) rounds = std::max(1, std::atoi(argv[++i]));
    }
    if (smoke) rounds = 1;
    kiosk::log::Settings quiet;
    quiet.level = spdlog::level::warn;
    kiosk::log::configure(quiet);
    if (std::getenv("SDL_AUDIODRIVER") == nullptr) setenv("SDL_AUDIODRIVER", "dummy", 0);

    auto catalog = kiosk::Catalog::load(std::string(KIOSK_ASSETS) + "/lang");
    auto pinyin = kiosk::PinyinConverter::create();
    if (!catalog || !pinyin) {
        std::fprintf(stderr, "language files or pinyin missing\n");
        return 1;
    }
    kiosk::speech::EspeakOptions options;
    auto created = kiosk::speech::EspeakSpeech::create(options);
    if (!created) {
        std::fprintf(stderr, "no engine: %s\n", created.error().describe().c_str());
        return 1;
    }
    std::shared_ptr<kiosk::speech::EspeakSpeech> engine = std::move(*created);
    std::printf("engine: %s via %s\n", engine->status().engine.c_str(), engine->status().detail.c_str());

    std::vector<std::string> screens;
    std::vector<std::string> prompts;
    for (const auto& key : catalog->keys("zh_CN")) {
        if (key.starts_with("voice.screen.") && !key.ends_with(".personal")) screens.push_back(key.substr(13));
        if (key.starts_with("voice.") && !key.starts_with("voice.button.")) prompts.push_back(key);
    }
    if (smoke) {
        screens.resize(std::min<size_t>(screens.size(), 3));
        prompts.resize(std::min<size_t>(prompts.size(), 3));
    }

    // 1. Screen change → first sound queued on the audio device.
    std::vector<double> latencies;
    for (const char* language : {"zh_CN", "en_US"}) {
        kiosk::Translator text(*catalog, language);
        kiosk::speech::VoiceSettings settings;
        settings.enabled = true;
        kiosk::speech::VoiceGuide guide(engine, text, *pinyin, settings);
        for (int round = 0; round < rounds; ++round) {
            for (const auto& screen : screens) {
                const auto start = Clock::now();
                guide.screenShown(screen);
                std::optional<Clock::time_point> first;
                while (!(first = engine->firstSoundOfLatest()) && Clock::now() - start < std::chrono::seconds(5)) {
                    std::this_thread::sleep_for(std::chrono::microseconds(200));
                }
                if (!first) {
                    std::printf("%s %s: no sound within 5 s\n", language, screen.c_str());
                    return 1;
                }
                latencies.push_back(ms(*first - start));
                engine->stop();
                std::this_thread::sleep_for(std::chrono::milliseconds(30));
            }
        }
    }
    std::printf("screen_change_to_first_sound_ms median %.1f p95 %.1f max %.1f (n=%zu, target <= 300)\n",
                percentile(latencies, 0.5), percentile(latencies, 0.95), percentile(latencies, 1.0), latencies.size());

    // 2. Synthesis time of every fixed prompt (whole utterance to memory).
    std::vector<double> synth;
    std::printf("%-8s %-36s %9s %9s %7s\n", "language", "prompt", "synth ms", "audio s", "RTF");
    for (const char* language : {"zh_CN", "en_US"}) {
        kiosk::Translator text(*catalog, language);
        kiosk::speech::VoiceGuide guide(nullptr, text, *pinyin, kiosk::speech::VoiceSettings{});
        const bool english = std::string(language) == "en_US";
        for (const auto& key : prompts) {
            const auto utterance = guide.prepare(key, {{"name", english ? "Zhang San" : "张三"},
                                                       {"seconds", english ? "ten" : "十"},
                                                       {"percent", english ? "eighty" : "八十"}});
            const auto start = Clock::now();
            auto pcm = engine->synthesize(utterance);
            const double took = ms(Clock::now() - start);
            if (!pcm) {
                std::printf("%s %s: %s\n", language, key.c_str(), pcm.error().describe().c_str());
                return 1;
            }
            synth.push_back(took);
            std::printf("%-8s %-36s %9.1f %9.2f %7.3f\n", language, key.c_str(), took, pcm->seconds(),
                        pcm->seconds() > 0 ? took / 1000.0 / pcm->seconds() : 0.0);
        }
    }
    std::printf("synthesis_ms_per_prompt median %.1f max %.1f (n=%zu)\n", percentile(synth, 0.5), percentile(synth, 1.0),
                synth.size());
    return 0;
}
