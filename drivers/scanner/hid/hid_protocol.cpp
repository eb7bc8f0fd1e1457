#include "drivers/scanner/hid/hid_protocol.hpp"

#include <fmt/format.h>
#include <linux/input-event-codes.h>

namespace kiosk::drivers::scanner {

std::optional<HidTerminator> parseHidTerminator(std::string_view name) {
    if (name == "enter") return HidTerminator::enter;
    if (name == "tab") return HidTerminator::tab;
    if (name == "none") return HidTerminator::none;
    return std::nullopt;
}

char keyToChar(uint16_t code, bool shifted) {
    // Letter rows of the US layout, in KEY_* order (KEY_Q = 16 … KEY_P = 25, KEY_A = 30 …, KEY_Z = 44 …).
    static constexpr std::string_view kRowQ = "qwertyuiop";
    static constexpr std::string_view kRowA = "asdfghjkl";
    static constexpr std::string_view kRowZ = "zxcvbnm";
    if (code >= KEY_Q && code <= KEY_P) {
        const char c = kRowQ[code - KEY_Q];
        return shifted ? static_cast<char>(c - 'a' + 'A') : c;
    }
    if (code >= KEY_A && code <= KEY_L) {
        const char c = kRowA[code - KEY_A];
        return shifted ? static_cast<char>(c - 'a' + 'A') : c;
    }
    if (code >= KEY_Z && code <= KEY_M) {
        const char c = kRowZ[code - KEY_Z];
        return shifted ? static_cast<char>(c - 'a' + 'A') : c;
    }
    // KEY_1 = 2 … KEY_0 = 11.
    static constexpr std::string_view kDigits = "1234567890";
    static constexpr std::string_view kShiftedDigits = "!@#$%^&*()";
    if (code >= KEY_1 && code <= KEY_0) return (shifted ? kShiftedDigits : kDigits)[code - KEY_1];
    switch (code) {
        case KEY_MINUS:
            return shifted ? '_' : '-';
        case KEY_EQUAL:
            return shifted ? '+' : '=';
        case KEY_LEFTBRACE:
            return shifted ? '{' : '[';
        case KEY_RIGHTBRACE:
            return shifted ? '}' : ']';
        case KEY_BACKSLASH:
            return shifted ? '|' : '\\';
        case KEY_SEMICOLON:
            return shifted ? ':' : ';';
        case KEY_APOSTROPHE:
            return shifted ? '"' : '\'';
        case KEY_GRAVE:
            return shifted ? '~' : '`';
        case KEY_COMMA:
            return shifted ? '<' : ',';
        case KEY_DOT:
            return shifted ? '>' : '.';
        case KEY_SLASH:
            return shifted ? '?' : '/';
        case KEY_SPACE:
            return ' ';
        // The keypad types the same with or without shift (num lock assumed on, as scanners send).
        case KEY_KP0:
            return '0';
        case KEY_KP1:
            return '1';
        case KEY_KP2:
            return '2';
        case KEY_KP3:
            return '3';
        case KEY_KP4:
            return '4';
        case KEY_KP5:
            return '5';
        case KEY_KP6:
            return '6';
        case KEY_KP7:
            return '7';
        case KEY_KP8:
            return '8';
        case KEY_KP9:
            return '9';
        case KEY_KPMINUS:
            return '-';
        case KEY_KPPLUS:
            return '+';
        case KEY_KPDOT:
            return '.';
        case KEY_KPASTERISK:
            return '*';
        case KEY_KPSLASH:
            return '/';
        default:
            return 0;
    }
}

namespace {
Result<std::string> lineTooLong(size_t limit) {
    return fail(Errc::invalid_data, fmt::format("keyboard-wedge scan longer than {} characters; dropped", limit),
                "scan.too_long");
}
}  // namespace

Result<std::string> KeystrokeAssembler::finish() {
    std::string text = std::move(text_);
    text_.clear();
    const int invalid = invalidKeys_;
    invalidKeys_ = 0;
    if (invalid > 0) {
        return fail(Errc::invalid_data,
                    fmt::format("keyboard-wedge scan had {} key(s) with no text (first KEY code {}); dropped", invalid,
                                firstInvalidKey_),
                    "scan.invalid_text");
    }
    if (text.size() > framing_.maxLength) return lineTooLong(framing_.maxLength);
    return text;
}

void KeystrokeAssembler::reset() {
    text_.clear();
    invalidKeys_ = 0;
    leftShift_ = rightShift_ = false;
}

std::optional<Result<std::string>> KeystrokeAssembler::idle(int64_t nowUs) {
    if (!pending() || nowUs - lastKeyUs_ < framing_.interKeyTimeoutUs) return std::nullopt;
    if (framing_.terminator == HidTerminator::none) return finish();
    const size_t length = text_.size();
    text_.clear();
    invalidKeys_ = 0;
    return fail(Errc::timeout,
                fmt::format("keyboard-wedge scan of {} characters ended without its terminator; dropped", length),
                "scan.incomplete");
}

std::vector<Result<std::string>> KeystrokeAssembler::feed(const KeyInput& event) {
    std::vector<Result<std::string>> out;
    if (event.type != EV_KEY) return out;
    // Modifier state follows presses and releases.
    if (event.code == KEY_LEFTSHIFT || event.code == KEY_RIGHTSHIFT) {
        (event.code == KEY_LEFTSHIFT ? leftShift_ : rightShift_) = event.value != 0;
        return out;
    }
    if (event.value != 1) return out;  // releases and auto-repeat type nothing
    if (auto ended = idle(event.timeUs)) out.push_back(std::move(*ended));
    lastKeyUs_ = event.timeUs;
    if (event.code == KEY_CAPSLOCK) {
        capsLock_ = !capsLock_;
        return out;
    }
    const bool isEnter = event.code == KEY_ENTER || event.code == KEY_KPENTER;
    if ((isEnter && framing_.terminator == HidTerminator::enter) ||
        (event.code == KEY_TAB && framing_.terminator == HidTerminator::tab)) {
        if (pending()) out.push_back(finish());
        return out;
    }
    if (text_.size() > framing_.maxLength) return out;  // already too long; finish() reports it
    const bool isLetter = (event.code >= KEY_Q && event.code <= KEY_P) ||
                          (event.code >= KEY_A && event.code <= KEY_L) || (event.code >= KEY_Z && event.code <= KEY_M);
    const bool shifted = (leftShift_ || rightShift_) != (isLetter && capsLock_);
    const char c = keyToChar(event.code, shifted);
    if (c != 0) {
        text_.push_back(c);
    } else if (event.code != KEY_LEFTCTRL && event.code != KEY_RIGHTCTRL && event.code != KEY_LEFTALT &&
               event.code != KEY_RIGHTALT && event.code != KEY_NUMLOCK) {
        if (invalidKeys_++ == 0) firstInvalidKey_ = event.code;
    }
    return out;
}

}  // namespace kiosk::drivers::scanner
