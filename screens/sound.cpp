#include "screens/sound.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

namespace kiosk::screens {

Result<std::unique_ptr<Sound>> Sound::open(bool headless) {
    if (headless) SDL_SetHint(SDL_HINT_AUDIODRIVER, "dummy");  // no sound card in CI or screenshots
    if (SDL_InitSubSystem(SDL_INIT_AUDIO) != 0) {
        return fail(Errc::device_not_ready, fmt::format("cannot start SDL audio: {}", SDL_GetError()));
    }
    SDL_AudioSpec wanted{};
    wanted.freq = 22050;
    wanted.format = AUDIO_S16SYS;
    wanted.channels = 1;
    wanted.samples = 1024;
    wanted.callback = nullptr;  // queued with SDL_QueueAudio
    SDL_AudioSpec got{};
    const SDL_AudioDeviceID device = SDL_OpenAudioDevice(nullptr, 0, &wanted, &got, 0);
    if (device == 0) {
        const std::string reason = SDL_GetError();
        SDL_QuitSubSystem(SDL_INIT_AUDIO);
        return fail(Errc::device_not_ready, fmt::format("cannot open an audio output ({}): {}",
                                                        SDL_GetCurrentAudioDriver() ? SDL_GetCurrentAudioDriver() : "none",
                                                        reason));
    }
    SDL_PauseAudioDevice(device, 0);
    return std::unique_ptr<Sound>(new Sound(device, got.freq));
}

Sound::~Sound() {
    if (device_ != 0) SDL_CloseAudioDevice(device_);
    SDL_QuitSubSystem(SDL_INIT_AUDIO);
}

Result<void> Sound::beep(int hz, int ms) {
    hz = std::clamp(hz, 20, 2000);
    ms = std::clamp(ms, 20, 2000);
    const int count = rate_ * ms / 1000;
    const int edge = std::min(count / 4, rate_ / 100);  // 10 ms fade in and out: no click
    std::vector<int16_t> samples(static_cast<size_t>(count));
    for (int i = 0; i < count; ++i) {
        float gain = 0.4F;
        if (i < edge) gain *= static_cast<float>(i) / static_cast<float>(edge);
        if (count - i < edge) gain *= static_cast<float>(count - i) / static_cast<float>(edge);
        const double phase = 2.0 * std::numbers::pi * hz * i / rate_;
        samples[static_cast<size_t>(i)] = static_cast<int16_t>(gain * 32767.0F * static_cast<float>(std::sin(phase)));
    }
    if (SDL_QueueAudio(device_, samples.data(), static_cast<Uint32>(samples.size() * sizeof(int16_t))) != 0) {
        return fail(Errc::io_error, fmt::format("queuing a sound failed: {}", SDL_GetError()));
    }
    ++played_;
    return {};
}

Result<void> Sound::pause(int ms) {
    std::vector<int16_t> silence(static_cast<size_t>(rate_ * std::clamp(ms, 1, 1000) / 1000), 0);
    if (SDL_QueueAudio(device_, silence.data(), static_cast<Uint32>(silence.size() * sizeof(int16_t))) != 0) {
        return fail(Errc::io_error, fmt::format("queuing a pause failed: {}", SDL_GetError()));
    }
    return {};
}

Result<void> Sound::queuePcm(const int16_t* samples, size_t count) {
    if (SDL_QueueAudio(device_, samples, static_cast<Uint32>(count * sizeof(int16_t))) != 0) {
        return fail(Errc::io_error, fmt::format("queuing speech failed: {}", SDL_GetError()));
    }
    return {};
}

Result<void> Sound::success() {
    if (auto first = beep(660, 120); !first) return first;
    if (auto second = beep(990, 120); !second) return second;
    played_ -= 1;  // one cue, two notes
    ++successes_;
    return {};
}

Result<void> Sound::failure() {
    if (auto first = beep(330, 160); !first) return first;
    if (auto gap = pause(60); !gap) return gap;
    if (auto second = beep(330, 160); !second) return second;
    played_ -= 1;
    ++failures_;
    return {};
}

}  // namespace kiosk::screens
