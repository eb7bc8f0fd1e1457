#include "kiosk/speech/voice_guide.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "kiosk/core/log.hpp"
#include "kiosk/speech/readings.hpp"
#include "kiosk/speech/spoken.hpp"

namespace kiosk::speech {

namespace {
std::shared_ptr<spdlog::logger> logger() { return log::module("voice"); }
constexpr int kVolumeStep = 10;
}  // namespace

VoiceGuide::VoiceGuide(std::shared_ptr<Speech> speech, const Translator& text, std::optional<PinyinConverter> pinyin,
                       VoiceSettings settings, std::string silentBecause)
    : speech_(std::move(speech)),
      text_(&text),
      pinyin_(std::move(pinyin)),
      settings_(std::move(settings)),
      silentBecause_(std::move(silentBecause)),
      enabled_(settings_.enabled),
      volume_(std::clamp(settings_.volume, 0, 100)) {
    if (speech_) speech_->setVolume(volume_);
}

std::string VoiceGuide::status() const {
    if (!speech_) return fmt::format("voice: silent ({})", silentBecause_.empty() ? "no speech engine" : silentBecause_);
    const SpeechStatus s = speech_->status();
    if (!s.available) return fmt::format("voice: silent ({})", s.detail);
    return fmt::format("voice: {} via {}; {}, volume {} %, headphones {}", s.engine, s.detail, enabled_ ? "on" : "off",
                       volume_, headphones_ ? "in" : "out");
}

void VoiceGuide::setEnabled(bool on) {
    if (on == enabled_) return;
    enabled_ = on;
    enabledByHeadphones_ = false;
    logger()->info("voice guidance {}", on ? "on" : "off");
    if (!on) {
        if (speech_) speech_->stop();
        return;
    }
    // Switched on: say where the patient is (the last screen's prompt).
    if (last_) say(*last_, false);
}

bool VoiceGuide::isHeadphoneName(std::string_view deviceName) const {
    std::string lower(deviceName);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return std::any_of(settings_.headphoneNames.begin(), settings_.headphoneNames.end(),
                       [&](const std::string& part) { return !part.empty() && lower.find(part) != std::string::npos; });
}

void VoiceGuide::setHeadphones(bool present) {
    if (present == headphones_) return;
    headphones_ = present;
    logger()->info("headphones {}", present ? "plugged in" : "unplugged");
    if (present && settings_.autoOnHeadphones && !enabled_) {
        setEnabled(true);
        enabledByHeadphones_ = true;
    } else if (!present) {
        // A personal detail may be on its way to the ear that just left: stop it now.
        if (last_ && last_->personal && speech_) speech_->stop();
        if (enabledByHeadphones_) setEnabled(false);
    }
}

Utterance VoiceGuide::prepare(std::string_view key, std::initializer_list<std::pair<std::string_view, std::string>> args,
                              bool personal) const {
    const std::string* found = text_->catalog().find(text_->language(), key);
    return spoken(text_->language(), found ? substitute(*found, args) : std::string(), key, personal);
}

void VoiceGuide::panelShown(std::string_view key, const std::vector<std::pair<std::string, std::string>>& values) {
    const std::string* found = text_->catalog().find(text_->language(), key);
    if (!found) {
        logger()->warn("panel prompt {} has no {} text in the catalogue", key, text_->language());
        return;
    }
    std::string written = *found;
    for (const auto& [name, value] : values) written = substitute(written, {{name, value}});
    Utterance utterance = spoken(text_->language(), written, key, false);
    last_ = utterance;  // "say again" repeats the panel while it is what the patient sees
    say(std::move(utterance), false);
}

void VoiceGuide::announce(std::string_view key, const std::vector<std::pair<std::string, std::string>>& values,
                          const std::string& language) {
    if (!speech_) return;
    const std::string* found = text_->catalog().find(language, key);
    if (!found) {
        logger()->warn("announcement {} has no {} text in the catalogue", key, language);
        return;
    }
    std::string written = *found;
    for (const auto& [name, value] : values) written = substitute(written, {{name, value}});
    // Not through say(): it is for the room, whether or not a patient switched the guide on,
    // and "say again" stays the patient's.
    speech_->say(spoken(language, written, key, false));
}

Utterance VoiceGuide::spoken(const std::string& language, const std::string& written, std::string_view key, bool personal) const {
    Utterance utterance;
    utterance.language = language;
    utterance.personal = personal;
    if (written.empty()) return utterance;
    if (tongueOf(utterance.language) == Tongue::mandarin) {
        utterance.text = plainText(spellDigits(Tongue::mandarin, written));
        if (pinyin_) {
            MandarinReading reading = readMandarin(*pinyin_, written);
            if (!reading.skipped.empty()) {
                logger()->warn("{}: {} character(s) without a reading skipped", key, reading.skipped.size());
            }
            utterance.pinyin = std::move(reading.pinyin);
        }
    } else {
        utterance.text = written;
    }
    return utterance;
}

void VoiceGuide::say(Utterance utterance, bool remember) {
    if (utterance.text.empty()) return;
    if (remember) last_ = utterance;
    if (!enabled_ || !speech_) return;
    if (utterance.personal && !headphones_) return;  // never a name through the loudspeaker
    speech_->say(std::move(utterance));
}

namespace {
/// `first` then `second` as one utterance (so the second does not cancel the first).
Utterance joined(Utterance first, const Utterance& second) {
    if (first.text.empty()) return second;
    if (second.text.empty()) return first;
    first.text += tongueOf(first.language) == Tongue::mandarin ? "" : " ";
    first.text += second.text;
    first.pinyin += first.pinyin.empty() || second.pinyin.empty() ? "" : " ";
    first.pinyin += second.pinyin;
    first.personal = first.personal || second.personal;
    return first;
}
}  // namespace

void VoiceGuide::screenShown(std::string_view screenId, const std::string& name) {
    const std::string key = fmt::format("voice.screen.{}", screenId);
    Utterance prompt;
    if (!name.empty() && headphones_) {
        // A name's surname may be read unlike the character's usual reading (曾 zeng1).
        const std::string spokenName = tongueOf(text_->language()) == Tongue::mandarin ? pinSurname(name) : name;
        prompt = prepare(key + ".personal", {{"name", spokenName}}, true);
    }
    if (prompt.text.empty()) prompt = prepare(key);
    // "Card read" said just before this screen came is said with its prompt, first.
    Utterance prefix = std::move(prefix_).value_or(Utterance{});
    prefix_.reset();
    if (prompt.text.empty()) {
        last_.reset();  // "repeat" must not say the previous screen's prompt here
        if (!prefix.text.empty()) {
            say(std::move(prefix), false);
        } else if (enabled_ && speech_) {
            speech_->stop();
        }
        return;
    }
    last_ = prompt;
    say(joined(std::move(prefix), prompt), false);
}

void VoiceGuide::countdown(int secondsLeft, bool started) {
    const Tongue tongue = tongueOf(text_->language());
    if (started) {
        say(prepare("voice.countdown.start", {{"seconds", measureNumber(tongue, secondsLeft)}}), false);
    } else if (secondsLeft > 0 && secondsLeft <= 5) {
        say(prepare("voice.countdown.tick", {{"seconds", measureNumber(tongue, secondsLeft)}}), false);
    }
}

void VoiceGuide::cardRead(bool scanned) {
    // Said with the next screen's prompt (screenShown), which follows at once: said alone now,
    // it would be cut off by that prompt a moment later.
    prefix_ = prepare(scanned ? "voice.code_read" : "voice.card_read");
}

void VoiceGuide::readFailed() { say(prepare("voice.read_failed"), false); }

void VoiceGuide::repeat() {
    if (last_) say(*last_, false);
}

void VoiceGuide::volumeUp() {
    volume_ = std::min(100, volume_ + kVolumeStep);
    if (speech_) speech_->setVolume(volume_);
    say(prepare("voice.volume", {{"percent", spokenInteger(tongueOf(text_->language()), volume_)}}), false);
}

void VoiceGuide::volumeDown() {
    volume_ = std::max(kVolumeStep, volume_ - kVolumeStep);  // never mute by steps: a silent kiosk seems broken
    if (speech_) speech_->setVolume(volume_);
    say(prepare("voice.volume", {{"percent", spokenInteger(tongueOf(text_->language()), volume_)}}), false);
}

}  // namespace kiosk::speech
