#pragma once
// A Speech that records what it is asked to say. Why a fake: the policy tests (names only through
// headphones, nothing with the voice off, the countdown spoken) check WHAT reaches the engine and
// with which flags; a real engine behind SDL's dummy driver plays into nothing and cannot tell
// us. The real engine (espeak-ng + SDL audio) is tested on its own in EspeakEngine.* and by the
// voice benchmark.
#include <mutex>
#include <string>
#include <vector>

#include "kiosk/speech/speech.hpp"

namespace kiosk::test {

class RecordingSpeech final : public speech::Speech {
public:
    void say(speech::Utterance utterance) override {
        std::lock_guard lock(mutex_);
        said_.push_back(std::move(utterance));
    }
    void stop() override {
        std::lock_guard lock(mutex_);
        ++stops_;
    }
    void setVolume(int percent) override {
        std::lock_guard lock(mutex_);
        volume_ = percent;
    }
    speech::SpeechStatus status() const override {
        speech::SpeechStatus s;
        s.available = true;
        s.engine = "recorder";
        s.detail = "memory";
        std::lock_guard lock(mutex_);
        s.spoken = said_.size();
        return s;
    }

    std::vector<speech::Utterance> said() const {
        std::lock_guard lock(mutex_);
        return said_;
    }
    /// Everything said, texts joined by " | ".
    std::string transcript() const {
        std::lock_guard lock(mutex_);
        std::string out;
        for (const auto& u : said_) out += (out.empty() ? "" : " | ") + u.text;
        return out;
    }
    void clear() {
        std::lock_guard lock(mutex_);
        said_.clear();
    }
    int stops() const {
        std::lock_guard lock(mutex_);
        return stops_;
    }
    int volume() const {
        std::lock_guard lock(mutex_);
        return volume_;
    }

private:
    mutable std::mutex mutex_;
    std::vector<speech::Utterance> said_;
    int stops_ = 0;
    int volume_ = -1;
};

}  // namespace kiosk::test
