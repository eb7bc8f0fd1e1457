#include "kiosk/speech/espeak_speech.hpp"

#include <SDL.h>
#include <espeak-ng/speak_lib.h>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <vector>

#include "kiosk/core/log.hpp"

namespace kiosk::speech {

namespace {

std::shared_ptr<spdlog::logger> logger() { return log::module("voice"); }

/// Length of espeak's callback chunks (ms): short, so the first sound comes early.
constexpr int kChunkMs = 60;

/// espeak-ng holds one voice and one callback per process; this flag mirrors that library
/// state so a second engine is refused instead of silently sharing it.
std::atomic<bool>& engineOpen() {
    static std::atomic<bool> open{false};
    return open;
}

/// espeak-ng's sample rate, initialising the library on first use (0: it did not start).
/// Once per process and never terminated: espeak_Terminate() of 1.51 (Debian 12) waits forever
/// for its own fifo thread (seen here: espeak_ng_Terminate blocked in pthread_cond_wait), so
/// the library's state lives until the process exits, as espeak's own state always does.
int espeakRate() {
    static const int rate = [] {
        // Synchronous mode: espeak hands us the samples (no audio of its own); kChunkMs per callback.
        return espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, kChunkMs, nullptr, espeakINITIALIZE_DONT_EXIT);
    }();
    return rate;
}

/// What espeak's callback hands the chunks to (passed as espeak_Synth's user_data).
struct SynthTarget {
    const std::function<bool(const int16_t*, size_t)>* chunk;
};

int onSynth(short* wav, int count, espeak_EVENT* events) {
    // events is a list ended by espeakEVENT_LIST_TERMINATED; each carries the user_data given
    // to espeak_Synth (speak_lib.h).
    if (!events || !events->user_data) return 0;
    auto* target = static_cast<SynthTarget*>(events->user_data);
    if (wav == nullptr || count <= 0) return 0;  // end of synthesis, or an event-only call
    return (*target->chunk)(reinterpret_cast<const int16_t*>(wav), static_cast<size_t>(count)) ? 0 : 1;  // 1 aborts
}

class SdlPcmOutput final : public PcmOutput {
public:
    static Result<std::unique_ptr<SdlPcmOutput>> open(int rate, const std::string& driver) {
        if (!driver.empty()) SDL_SetHint(SDL_HINT_AUDIODRIVER, driver.c_str());
        if (SDL_InitSubSystem(SDL_INIT_AUDIO) != 0) {
            return fail(Errc::device_not_ready, fmt::format("cannot start SDL audio: {}", SDL_GetError()));
        }
        SDL_AudioSpec wanted{};
        wanted.freq = rate;
        wanted.format = AUDIO_S16SYS;
        wanted.channels = 1;
        wanted.samples = 1024;
        SDL_AudioSpec got{};
        // No allowed changes: SDL converts espeak's mono 16-bit to whatever the device wants.
        const SDL_AudioDeviceID device = SDL_OpenAudioDevice(nullptr, 0, &wanted, &got, 0);
        if (device == 0) {
            const std::string reason = SDL_GetError();
            SDL_QuitSubSystem(SDL_INIT_AUDIO);
            return fail(Errc::device_not_ready,
                        fmt::format("cannot open an audio output ({}): {}",
                                    SDL_GetCurrentAudioDriver() ? SDL_GetCurrentAudioDriver() : "no driver", reason));
        }
        SDL_PauseAudioDevice(device, 0);
        return std::unique_ptr<SdlPcmOutput>(new SdlPcmOutput(device, rate));
    }
    ~SdlPcmOutput() override {
        SDL_CloseAudioDevice(device_);
        SDL_QuitSubSystem(SDL_INIT_AUDIO);
    }
    void play(const int16_t* samples, size_t count) override {
        if (SDL_QueueAudio(device_, samples, static_cast<Uint32>(count * sizeof(int16_t))) != 0) {
            logger()->warn("queuing speech audio failed: {}", SDL_GetError());
        }
    }
    void clear() override { SDL_ClearQueuedAudio(device_); }
    int rate() const override { return rate_; }
    std::string describe() const override {
        const char* driver = SDL_GetCurrentAudioDriver();
        return fmt::format("SDL audio driver {}", driver ? driver : "none");
    }

private:
    SdlPcmOutput(SDL_AudioDeviceID device, int rate) : device_(device), rate_(rate) {}
    SDL_AudioDeviceID device_;
    int rate_;
};

}  // namespace

Result<std::unique_ptr<EspeakSpeech>> EspeakSpeech::create(EspeakOptions options) { return create(std::move(options), nullptr); }

Result<std::unique_ptr<EspeakSpeech>> EspeakSpeech::create(EspeakOptions options, std::unique_ptr<PcmOutput> output) {
    bool expected = false;
    if (!engineOpen().compare_exchange_strong(expected, true)) {
        return fail(Errc::invalid_argument, "an espeak-ng engine is already open in this process (espeak keeps one per process)");
    }
    struct Release {
        bool keep = false;
        ~Release() {
            if (!keep) engineOpen() = false;
        }
    } release;
    const int rate = espeakRate();
    if (rate <= 0) {
        return fail(Errc::unsupported, "espeak-ng did not start (no voice data? install espeak-ng-data)");
    }
    for (const std::string& voice : {options.mandarinVoice, options.englishVoice}) {
        if (espeak_SetVoiceByName(voice.c_str()) != EE_OK) {
            return fail(Errc::unsupported, fmt::format("espeak-ng has no voice '{}' (espeak-ng --voices lists them)", voice));
        }
    }
    espeak_SetSynthCallback(onSynth);
    std::unique_ptr<EspeakSpeech> engine(new EspeakSpeech(options, rate));
    if (output) {
        if (output->rate() != rate) {
            return fail(Errc::invalid_argument, fmt::format("the audio output takes {} Hz, espeak-ng gives {} Hz", output->rate(), rate));
        }
        engine->output_ = std::move(output);
    } else if (options.audio) {
        auto opened = SdlPcmOutput::open(rate, options.audioDriver);
        if (!opened) return std::unexpected(opened.error());
        engine->output_ = std::move(*opened);
    }
    const char* path = nullptr;
    const char* version = espeak_Info(&path);
    engine->status_.available = true;
    engine->status_.engine = fmt::format("espeak-ng {} ({}, {})", version ? version : "?", options.mandarinVoice, options.englishVoice);
    engine->status_.detail = engine->output_ ? engine->output_->describe() : "no audio output (synthesis only)";
    engine->worker_ = std::thread([raw = engine.get()] { raw->work(); });
    release.keep = true;
    return engine;
}

EspeakSpeech::EspeakSpeech(EspeakOptions options, int rate) : options_(std::move(options)), rate_(rate) {}

EspeakSpeech::~EspeakSpeech() {
    {
        std::lock_guard lock(mutex_);
        quit_ = true;
        ++generation_;
    }
    wake_.notify_all();
    if (worker_.joinable()) worker_.join();
    output_.reset();
    engineOpen() = false;  // espeak itself stays initialised (see espeakRate)
}

void EspeakSpeech::say(Utterance utterance) {
    {
        std::lock_guard lock(mutex_);
        pending_ = std::move(utterance);
        ++generation_;
        firstSound_.reset();
    }
    wake_.notify_all();
}

void EspeakSpeech::stop() {
    {
        std::lock_guard lock(mutex_);
        pending_.reset();
        ++generation_;
    }
    if (output_) output_->clear();
}

void EspeakSpeech::setVolume(int percent) {
    std::lock_guard lock(mutex_);
    volume_ = std::clamp(percent, 0, 100);
}

SpeechStatus EspeakSpeech::status() const {
    std::lock_guard lock(mutex_);
    return status_;
}

std::optional<std::chrono::steady_clock::time_point> EspeakSpeech::firstSoundOfLatest() const {
    std::lock_guard lock(mutex_);
    return firstSound_;
}

Result<void> EspeakSpeech::run(const Utterance& utterance, const std::function<bool(const int16_t*, size_t)>& chunk) {
    std::lock_guard engine(engineMutex_);
    const bool mandarin = utterance.language.starts_with("zh");
    const std::string& voice = mandarin ? options_.mandarinVoice : options_.englishVoice;
    // The pinyin voice reads Latin letters as pinyin: Mandarin goes in as numbered pinyin.
    const std::string& text = mandarin ? utterance.pinyin : utterance.text;
    if (text.empty()) return {};
    if (espeak_SetVoiceByName(voice.c_str()) != EE_OK) {
        return fail(Errc::unsupported, fmt::format("espeak-ng voice '{}' is gone", voice));
    }
    espeak_SetParameter(espeakRATE, options_.wordsPerMinute, 0);
    SynthTarget target{&chunk};
    const espeak_ERROR result = espeak_Synth(text.c_str(), text.size() + 1, 0, POS_CHARACTER, 0, espeakCHARS_UTF8, nullptr, &target);
    if (result != EE_OK) return fail(Errc::internal, fmt::format("espeak_Synth failed ({})", static_cast<int>(result)));
    return {};
}

Result<Pcm> EspeakSpeech::synthesize(const Utterance& utterance) {
    Pcm pcm;
    pcm.rate = rate_;
    const std::function<bool(const int16_t*, size_t)> collect = [&pcm](const int16_t* samples, size_t count) {
        pcm.samples.insert(pcm.samples.end(), samples, samples + count);
        return true;
    };
    if (auto ran = run(utterance, collect); !ran) return std::unexpected(ran.error());
    return pcm;
}

void EspeakSpeech::work() {
    std::vector<int16_t> scaled;
    while (true) {
        Utterance utterance;
        uint64_t generation = 0;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return quit_ || pending_.has_value(); });
            if (quit_) return;
            utterance = std::move(*pending_);
            pending_.reset();
            generation = generation_;
        }
        // What an older utterance left queued is dropped: the patient hears the newest only.
        if (output_) output_->clear();
        bool first = true;
        const std::function<bool(const int16_t*, size_t)> play = [&](const int16_t* samples, size_t count) {
            int volume = 0;
            {
                std::lock_guard lock(mutex_);
                if (generation != generation_) return false;  // a newer say() or stop(): abort
                volume = volume_;
                if (first) firstSound_ = std::chrono::steady_clock::now();
            }
            first = false;
            if (!output_) return true;
            scaled.assign(samples, samples + count);
            for (int16_t& s : scaled) s = static_cast<int16_t>(s * volume / 100);
            output_->play(scaled.data(), scaled.size());
            return true;
        };
        if (auto ran = run(utterance, play); !ran) {
            logger()->warn("speech failed: {}", ran.error().describe());
            continue;
        }
        std::lock_guard lock(mutex_);
        if (generation == generation_) {
            ++status_.spoken;
        } else {
            ++status_.cancelled;
        }
    }
}

}  // namespace kiosk::speech
