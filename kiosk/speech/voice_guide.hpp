#pragma once
// Voice guidance (语音引导, issue 15 item 4): what the kiosk says, when, and through what.
//
// - Voice off → nothing is spoken (short alert sounds are not speech; they stay).
// - Voice on: each screen says what it is for and what to do (`voice.screen.<id>` in the language
//   files; a screen without that key says nothing); "repeat" says the last prompt again; volume
//   up/down in steps of 10 %; the time-out countdown is spoken; a read card is confirmed.
// - A personal detail (the patient's name, `voice.screen.<id>.personal` with {name}) is spoken
//   only while the sound goes to headphones, never through the loudspeaker.
// - Headphones plugged in turn the voice on (when `auto_on_headphones`), and pulling them out
//   turns it off again unless the patient had switched it on themselves. What counts as
//   "headphones" is decided by the App from what SDL reports (see screens/app.cpp,
//   audioDevicesChanged): an output device whose name matches `headphone_names`.
//
// Runs on the UI thread; the Speech behind it does the work elsewhere.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kiosk/core/i18n.hpp"
#include "kiosk/core/pinyin.hpp"
#include "kiosk/speech/speech.hpp"

namespace kiosk::speech {

struct VoiceSettings {
    bool enabled = false;           ///< [voice] enabled: the site's default (a patient switches it)
    bool autoOnHeadphones = true;   ///< [voice] auto_on_headphones
    int volume = 80;                ///< [voice] volume, percent
    /// [voice] headphone_names: lower-case parts of an audio output's name that mean headphones.
    std::vector<std::string> headphoneNames{"headphone", "headset", "earphone", "earbud", "耳机"};
};

class VoiceGuide {
public:
    /// `speech` may be null (no engine, no audio output): the guide then says nothing and
    /// status() tells why (`silentBecause`).
    VoiceGuide(std::shared_ptr<Speech> speech, const Translator& text, std::optional<PinyinConverter> pinyin,
               VoiceSettings settings, std::string silentBecause = {});

    bool enabled() const { return enabled_; }
    bool headphones() const { return headphones_; }
    int volume() const { return volume_; }
    /// One line for diagnostics and the log: the engine and its output, or why the kiosk is silent.
    std::string status() const;
    bool available() const { return speech_ != nullptr; }

    void setEnabled(bool on);
    void toggle() { setEnabled(!enabled_); }
    /// Headphones came or went (from the App's audio device check).
    void setHeadphones(bool present);
    /// True when an output device of this name is headphones by the settings.
    bool isHeadphoneName(std::string_view deviceName) const;

    /// A screen was shown. `name`: the signed-in patient's name ("" when none), said only
    /// through headphones.
    void screenShown(std::string_view screenId, const std::string& name = {});
    /// The "are you still there?" countdown: the question when it appears, then the seconds left
    /// (each second from 5 down; longer counts only at the start).
    void countdown(int secondsLeft, bool started);
    /// A card (`scanned` false) or a code (true) was read and the patient identified: "card
    /// read" is said first with the prompt of the screen shown next.
    void cardRead(bool scanned = false);
    /// A card or code could not be read or was refused (the screen shows why).
    void readFailed();
    /// Says `key` in `language` to the room whether or not the guide is on (the call display's
    /// calls; an engine says one utterance at a time, so one language). Not remembered for
    /// "say again". Never give it a name: it goes through the loudspeaker.
    void announce(std::string_view key, const std::vector<std::pair<std::string, std::string>>& values,
                  const std::string& language = "zh_CN");
    /// A panel opened over the screen (the staff-call panel) with `key`'s text and `values`: said
    /// like a screen's prompt, and what "say again" repeats. Nothing is said while the guide is off.
    /// Never give it a name: a panel's values go through the loudspeaker.
    void panelShown(std::string_view key, const std::vector<std::pair<std::string, std::string>>& values);
    void repeat();
    void volumeUp();
    void volumeDown();

    /// The utterance a say() would send for `key` (with placeholders), in the current language;
    /// empty text when the key is missing. Public for tests and the benchmark.
    Utterance prepare(std::string_view key, std::initializer_list<std::pair<std::string_view, std::string>> args = {},
                      bool personal = false) const;

private:
    void say(Utterance utterance, bool remember = true);
    /// `written` (placeholders filled) as said in `language`: Mandarin digits spelled out and its
    /// pinyin; `key` names it in the log.
    Utterance spoken(const std::string& language, const std::string& written, std::string_view key, bool personal) const;

    std::shared_ptr<Speech> speech_;
    const Translator* text_;
    std::optional<PinyinConverter> pinyin_;
    VoiceSettings settings_;
    std::string silentBecause_;
    bool enabled_;
    bool enabledByHeadphones_ = false;
    bool headphones_ = false;
    int volume_;
    std::optional<Utterance> last_;
    std::optional<Utterance> prefix_;  ///< said before the next screen's prompt ("card read")
};

}  // namespace kiosk::speech
