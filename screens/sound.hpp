#pragma once
// Short alert sounds through SDL audio: the "take your card" reminder. One output device, opened
// once; sounds are queued (SDL_QueueAudio), so playing never blocks the UI thread.
//
// [X] a beep (a sine tone with soft edges, so it does not click)
// [X] headless: SDL's "dummy" audio driver (tests, `kiosk screenshot`: no sound card needed)
// [ ] recorded voice prompts (a site may want spoken reminders; not yet)
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
    /// Sounds queued since open() (tests: a beep was played).
    uint64_t played() const { return played_; }

private:
    explicit Sound(SDL_AudioDeviceID device, int rate) : device_(device), rate_(rate) {}
    SDL_AudioDeviceID device_ = 0;
    int rate_ = 22050;
    uint64_t played_ = 0;
};

}  // namespace kiosk::screens
