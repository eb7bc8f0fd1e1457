#pragma once
// Keyboard-wedge scanners: the scanner is a USB keyboard that "types" each code. This part turns
// evdev key events (linux/input-event-codes.h) into text, independent of the device:
//
// [X] US layout (what wedge scanners default to): letters, digits, punctuation, keypad, space
// [X] shift (left/right) and caps lock; key releases and auto-repeat ignored
// [X] a scan ends at the terminator key (Enter / keypad Enter, or Tab) or, with terminator "none",
//     when no key comes for the inter-key timeout; with a terminator, a code cut off by the timeout
//     is dropped (scan.incomplete)
// [X] keys with no text (F1, arrows, Ctrl…) make the scan invalid (scan.invalid_text), not silently lost
// [X] bounded: a "scan" longer than maxLength is refused (scan.too_long)
// [ ] other layouts and Alt+numpad code entry (some scanners send Chinese that way): not supported

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kiosk/core/error.hpp"

namespace kiosk::drivers::scanner {

enum class HidTerminator { enter, tab, none };
std::optional<HidTerminator> parseHidTerminator(std::string_view name);

struct HidFraming {
    HidTerminator terminator = HidTerminator::enter;
    int64_t interKeyTimeoutUs = 100'000;  ///< scanners type a key every 1–10 ms; people far slower
    size_t maxLength = 4096;
};

/// One evdev event as read from the device (struct input_event without the kernel's timeval type).
struct KeyInput {
    uint16_t type = 0;   ///< EV_KEY = 1; other types are ignored
    uint16_t code = 0;   ///< KEY_*
    int32_t value = 0;   ///< 1 press, 0 release, 2 auto-repeat
    int64_t timeUs = 0;  ///< event time in µs
};

/// The character a key gives, or 0 if it gives none.
char keyToChar(uint16_t code, bool shifted);

class KeystrokeAssembler {
public:
    explicit KeystrokeAssembler(HidFraming framing) : framing_(framing) {}

    /// Feeds one event; returns a finished scan (or its error) when this event ends one. A key
    /// arriving after the inter-key timeout first ends the pending scan (see idle()).
    std::vector<Result<std::string>> feed(const KeyInput& event);
    /// Call when no event came: ends the pending scan if `nowUs` is past the inter-key timeout.
    std::optional<Result<std::string>> idle(int64_t nowUs);
    /// Drops what is pending (the device resynchronised or vanished).
    void reset();
    bool pending() const { return !text_.empty() || invalidKeys_ > 0; }

private:
    Result<std::string> finish();

    HidFraming framing_;
    std::string text_;
    int invalidKeys_ = 0;
    uint16_t firstInvalidKey_ = 0;
    bool leftShift_ = false;
    bool rightShift_ = false;
    bool capsLock_ = false;
    int64_t lastKeyUs_ = 0;
};

}  // namespace kiosk::drivers::scanner
