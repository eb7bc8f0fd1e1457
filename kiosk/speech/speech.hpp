#pragma once
// The Speech interface: what the kiosk's voice guidance (voice_guide.hpp) speaks through. The
// kiosk ships an espeak-ng implementation (espeak_speech.hpp); a site with a better engine
// implements this interface and hands it to the App (AppOptions::speech).
//
// Threading: say() and stop() are called on the UI thread and return at once; synthesis and
// playback happen elsewhere (DESIGN §3: the UI thread never waits for a device or a worker).

#include <chrono>
#include <cstdint>
#include <string>

namespace kiosk::speech {

/// One thing to say, in one language.
struct Utterance {
    std::string language;  ///< "zh_CN" or "en_US"
    /// The text as written (pinned readings removed), digits spelled out in Mandarin; an engine
    /// that reads Hanzi itself uses this.
    std::string text;
    /// Mandarin only: numbered pinyin with the pinned readings applied ("xin1 nei4 ke1"); an
    /// engine that takes pinyin (espeak-ng's cmn-latn-pinyin voice) uses this.
    std::string pinyin;
    /// Holds a personal detail (a name). The guide passes such an utterance only while the sound
    /// goes to headphones; an engine treats it like any other.
    bool personal = false;
};

struct SpeechStatus {
    bool available = false;   ///< false: the kiosk runs silent (no engine, no voice data, no audio output)
    std::string engine;       ///< "espeak-ng 1.51 (cmn-latn-pinyin, en-us)"
    std::string detail;       ///< why it is not available, or the audio driver in use
    uint64_t spoken = 0;      ///< utterances that reached the audio output
    uint64_t cancelled = 0;   ///< utterances cut short by a newer one
};

class Speech {
public:
    virtual ~Speech() = default;
    /// Starts speaking `utterance` and returns at once. A newer utterance cancels an older one
    /// that is still being synthesised or played (the patient hears the current screen only).
    virtual void say(Utterance utterance) = 0;
    /// Stops what is being said (voice switched off, session ended).
    virtual void stop() = 0;
    /// Output volume in percent (0–100).
    virtual void setVolume(int percent) = 0;
    virtual SpeechStatus status() const = 0;
};

}  // namespace kiosk::speech
