#pragma once
// Speech through espeak-ng (libespeak-ng1, Debian 12: 1.51) played with SDL2 audio.
//
// [X] Mandarin through the `cmn-latn-pinyin` voice fed numbered pinyin (the `cmn` voice reads
//     Hanzi with its own dictionary and gets tones and polyphones wrong; Debian's
//     espeak-ng-data 1.51 has both: `espeak-ng --voices=cmn`)
// [X] English through `en-us`
// [X] synthesis on the engine's own worker thread, streamed to the audio device chunk by chunk
//     (the first sound does not wait for the whole sentence); a newer utterance aborts the
//     synthesis of an older one and drops its queued audio
// [X] volume applied to the samples (0–100 %)
// [X] synthesis to memory for tests and benchmarks (synthesize())
// [ ] SSML, rate per language (one rate for both; set in EspeakOptions)
//
// espeak-ng keeps its state in the library (one voice, one callback per process): one engine
// per process; create() refuses a second while the first lives. The library is initialised on
// the first create() and never terminated (espeak_Terminate of 1.51 hangs; see the .cpp).

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "kiosk/core/error.hpp"
#include "kiosk/speech/speech.hpp"
#include "kiosk/speech/wav.hpp"

namespace kiosk::speech {

struct EspeakOptions {
    std::string mandarinVoice = "cmn-latn-pinyin";
    std::string englishVoice = "en-us";
    int wordsPerMinute = 150;  ///< espeak's default is 175; slower for elderly listeners
    /// Open an SDL audio output. False: synthesize() only (tests of the engine alone).
    bool audio = true;
    /// SDL audio driver to ask for ("dummy", "disk"; empty: SDL's choice / SDL_AUDIODRIVER).
    std::string audioDriver;
};

/// Where the audio of an utterance goes; the SDL output by default. Called on the engine's worker.
class PcmOutput {
public:
    virtual ~PcmOutput() = default;
    virtual void play(const int16_t* samples, size_t count) = 0;
    virtual void clear() = 0;
    virtual std::string describe() const = 0;
    /// Samples per second it takes (mono, signed 16-bit).
    virtual int rate() const = 0;
};

class EspeakSpeech final : public Speech {
public:
    /// Initialises espeak-ng (its voice data from espeak-ng-data), checks both voices and opens
    /// the audio output. Errors: unsupported (no voice data, a voice missing), device_not_ready
    /// (no audio output), invalid_argument (another engine is open in this process).
    static Result<std::unique_ptr<EspeakSpeech>> create(EspeakOptions options);
    /// The same, playing into `output` instead of opening an SDL device of its own (an audio
    /// driver with one output only: the speech shares the alert sounds' device). Errors as
    /// above, and invalid_argument when `output` takes another sample rate than espeak's.
    static Result<std::unique_ptr<EspeakSpeech>> create(EspeakOptions options, std::unique_ptr<PcmOutput> output);
    ~EspeakSpeech() override;

    void say(Utterance utterance) override;
    void stop() override;
    void setVolume(int percent) override;
    SpeechStatus status() const override;

    /// Synthesises on the calling thread (waits for the worker's current utterance to finish its
    /// chunk); the volume is not applied. For tests and benchmarks.
    Result<Pcm> synthesize(const Utterance& utterance);
    int sampleRate() const { return rate_; }
    /// When the first audio of the latest say() reached the output (steady clock); empty
    /// until then. Benchmarks: screen change → first sound.
    std::optional<std::chrono::steady_clock::time_point> firstSoundOfLatest() const;

private:
    EspeakSpeech(EspeakOptions options, int rate);
    void work();
    /// Runs espeak on `utterance`, handing each chunk to `chunk`; stops early when `generation`
    /// is no longer current (return false from the chunk handler).
    Result<void> run(const Utterance& utterance, const std::function<bool(const int16_t*, size_t)>& chunk);

    EspeakOptions options_;
    int rate_;
    std::unique_ptr<PcmOutput> output_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::optional<Utterance> pending_;
    uint64_t generation_ = 0;  ///< bumped by say()/stop(): older work stops at its next chunk
    bool quit_ = false;
    int volume_ = 80;
    SpeechStatus status_;
    std::optional<std::chrono::steady_clock::time_point> firstSound_;
    std::mutex engineMutex_;  ///< espeak itself: the worker and synthesize() take turns
    std::thread worker_;
};

}  // namespace kiosk::speech
