#pragma once
// Short alert sounds through SDL audio: the "take your card" reminder. One output device, opened
// once; sounds are queued (SDL_QueueAudio), so playing never blocks the UI thread.
//
// [X] a beep (a sine tone with soft edges, so it does not click)
// [X] headless: SDL's "dummy" audio driver (tests, `kiosk screenshot`: no sound card needed)
// [X] cues for a card or code read (a rising two-note chime) and for a failed read (two low
//     notes): different in pitch and in shape, so they are told apart without seeing the screen
// [X] spoken prompts: kiosk/speech (its own output device; the cues stay short and separate)
//
// A kiosk without a working audio device still runs: open() fails, the App logs it once and
// goes on silent (the message on screen is the primary signal; the sound only draws the eye).

#include <SDL.h>

#include <cstdint>
#include <memory>

#include "kiosk/core/error.hpp"

namespace kiosk::screens {

class Sound {
public:
    /// Opens the default output (or SDL's dummy driver when `headless`): 22,050 Hz, mono,
    /// signed 16-bit. Needs SDL initialised. Errors: device_not_ready with SDL's reason.
    static Result<std::unique_ptr<Sound>> open(bool headless);
    ~Sound();
    Sound(const Sound&) = delete;
    Sound& operator=(const Sound&) = delete;

    /// Queues a tone of `hz` for `ms` milliseconds (bounded to 20–2,000 Hz, 20–2,000 ms).
    Result<void> beep(int hz = 880, int ms = 180);
    /// A card or code was read: 660 Hz then 990 Hz, 120 ms each (a rising fifth).
    Result<void> success();
    /// A read failed or was refused: 330 Hz twice, 160 ms each with a 60 ms gap.
    Result<void> failure();
    /// Sounds queued since open() (tests: a beep was played).
    uint64_t played() const { return played_; }
    uint64_t successes() const { return successes_; }
    /// Queues PCM at rate() (mono, signed 16-bit): speech shares this device where the audio
    /// driver has one output only (SDL's dummy driver). Thread-safe (SDL locks the device).
    Result<void> queuePcm(const int16_t* samples, size_t count);
    /// Drops what is queued and not yet played.
    void clearQueued() { SDL_ClearQueuedAudio(device_); }
    int rate() const { return rate_; }
    uint64_t failures() const { return failures_; }

private:
    explicit Sound(SDL_AudioDeviceID device, int rate) : device_(device), rate_(rate) {}
    SDL_AudioDeviceID device_ = 0;
    int rate_ = 22050;
    uint64_t played_ = 0;
    uint64_t successes_ = 0;
    uint64_t failures_ = 0;
    /// Queues silence (a gap between the notes of a cue).
    Result<void> pause(int ms);
};

}  // namespace kiosk::screens
