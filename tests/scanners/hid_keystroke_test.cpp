// Keyboard-wedge decoding: evdev key events → text, as a scanner types them (US layout).
#include <gtest/gtest.h>
#include <linux/input-event-codes.h>

#include "drivers/scanner/hid/hid_protocol.hpp"

namespace kiosk::drivers::scanner {
namespace {

/// What a wedge scanner sends for `text`: for each character, shift down if needed, key down, key
/// up, shift up, SYN reports in between; one key every `stepUs` µs. The key table is the inverse
/// of the US layout and is written out independently of keyToChar.
std::vector<KeyInput> typeText(std::string_view text, int64_t startUs, int64_t stepUs,
                               uint16_t terminator = KEY_ENTER) {
    struct Key {
        uint16_t code;
        bool shift;
    };
    const auto keyFor = [](char c) -> Key {
        const std::string_view rowQ = "qwertyuiop", rowA = "asdfghjkl", rowZ = "zxcvbnm";
        const char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        const bool upper = std::isupper(static_cast<unsigned char>(c)) != 0;
        if (auto at = rowQ.find(lower); at != std::string_view::npos && std::isalpha(static_cast<unsigned char>(c)))
            return {static_cast<uint16_t>(KEY_Q + at), upper};
        if (auto at = rowA.find(lower); at != std::string_view::npos && std::isalpha(static_cast<unsigned char>(c)))
            return {static_cast<uint16_t>(KEY_A + at), upper};
        if (auto at = rowZ.find(lower); at != std::string_view::npos && std::isalpha(static_cast<unsigned char>(c)))
            return {static_cast<uint16_t>(KEY_Z + at), upper};
        if (c == '0') return {KEY_0, false};
        if (c >= '1' && c <= '9') return {static_cast<uint16_t>(KEY_1 + (c - '1')), false};
        switch (c) {
            case ':':
                return {KEY_SEMICOLON, true};
            case '/':
                return {KEY_SLASH, false};
            case '-':
                return {KEY_MINUS, false};
            case '_':
                return {KEY_MINUS, true};
            case '.':
                return {KEY_DOT, false};
            case '?':
                return {KEY_SLASH, true};
            case '=':
                return {KEY_EQUAL, false};
            case '&':
                return {KEY_7, true};
            default:
                return {KEY_SPACE, false};
        }
    };
    std::vector<KeyInput> events;
    int64_t time = startUs;
    const auto add = [&](uint16_t type, uint16_t code, int32_t value) { events.push_back({type, code, value, time}); };
    for (char c : text) {
        const Key key = keyFor(c);
        if (key.shift) add(EV_KEY, KEY_LEFTSHIFT, 1);
        add(EV_MSC, MSC_SCAN, 0x70004);  // scan codes come along on real keyboards; ignored
        add(EV_KEY, key.code, 1);
        add(EV_SYN, SYN_REPORT, 0);
        add(EV_KEY, key.code, 0);
        if (key.shift) add(EV_KEY, KEY_LEFTSHIFT, 0);
        add(EV_SYN, SYN_REPORT, 0);
        time += stepUs;
    }
    if (terminator != 0) {
        add(EV_KEY, terminator, 1);
        add(EV_KEY, terminator, 0);
        add(EV_SYN, SYN_REPORT, 0);
    }
    return events;
}

std::vector<std::string> run(KeystrokeAssembler& assembler, const std::vector<KeyInput>& events) {
    std::vector<std::string> out;
    for (const auto& event : events) {
        for (auto& scan : assembler.feed(event)) out.push_back(scan ? *scan : "!" + scan.error().messageKey);
    }
    return out;
}

TEST(HidKeystrokes, AHealthCardTokenTypedWithShiftIsReadBack) {
    KeystrokeAssembler assembler(HidFraming{});
    const std::string token = "0272E5F1A9B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D5E6F708192A3B4C5D:1";
    EXPECT_EQ(run(assembler, typeText(token, 1'000'000, 2'000)), std::vector<std::string>{token});
    EXPECT_EQ(run(assembler, typeText("https://example.org/a?b=c&d_e", 2'000'000, 2'000)),
              std::vector<std::string>{"https://example.org/a?b=c&d_e"});
}

TEST(HidKeystrokes, RecordedStreamFromAWedgeScanner) {
    // "H2" + Enter as a real wedge scanner sent it (evtest capture, times in µs; MSC_SCAN omitted).
    const std::vector<KeyInput> recorded = {
        {EV_KEY, KEY_LEFTSHIFT, 1, 0},  {EV_KEY, KEY_H, 1, 120},          {EV_SYN, SYN_REPORT, 0, 120},
        {EV_KEY, KEY_H, 0, 1100},       {EV_KEY, KEY_LEFTSHIFT, 0, 1100}, {EV_SYN, SYN_REPORT, 0, 1100},
        {EV_KEY, KEY_2, 1, 2050},       {EV_SYN, SYN_REPORT, 0, 2050},    {EV_KEY, KEY_2, 0, 3010},
        {EV_KEY, KEY_KPENTER, 1, 4000}, {EV_KEY, KEY_KPENTER, 0, 5000},
    };
    KeystrokeAssembler assembler(HidFraming{});
    EXPECT_EQ(run(assembler, recorded), std::vector<std::string>{"H2"});
}

TEST(HidKeystrokes, CapsLockAndRightShiftAndKeypad) {
    KeystrokeAssembler assembler(HidFraming{});
    const std::vector<KeyInput> events = {
        {EV_KEY, KEY_CAPSLOCK, 1, 0},    {EV_KEY, KEY_CAPSLOCK, 0, 10},   {EV_KEY, KEY_H, 1, 20},
        {EV_KEY, KEY_RIGHTSHIFT, 1, 30}, {EV_KEY, KEY_Y, 1, 40},  // caps + shift → lower case
        {EV_KEY, KEY_1, 1, 45},          {EV_KEY, KEY_RIGHTSHIFT, 0, 50}, {EV_KEY, KEY_KP7, 1, 60},
        {EV_KEY, KEY_ENTER, 1, 70},
    };
    EXPECT_EQ(run(assembler, events), std::vector<std::string>{"Hy!7"});
}

TEST(HidKeystrokes, TabTerminator) {
    KeystrokeAssembler assembler(
        HidFraming{.terminator = HidTerminator::tab, .interKeyTimeoutUs = 100'000, .maxLength = 64});
    EXPECT_EQ(run(assembler, typeText("H20240007", 0, 1'000, KEY_TAB)), std::vector<std::string>{"H20240007"});
}

TEST(HidKeystrokes, NoTerminatorEndsTheScanAfterTheInterKeyTimeout) {
    KeystrokeAssembler assembler(
        HidFraming{.terminator = HidTerminator::none, .interKeyTimeoutUs = 50'000, .maxLength = 64});
    EXPECT_TRUE(run(assembler, typeText("H20240007", 0, 1'000, 0)).empty());
    EXPECT_FALSE(assembler.idle(8'000 + 40'000).has_value());  // not quiet long enough yet
    auto scan = assembler.idle(8'000 + 60'000);
    ASSERT_TRUE(scan.has_value());
    ASSERT_TRUE(scan->has_value());
    EXPECT_EQ(**scan, "H20240007");
    // Two codes typed back to back with a pause between them are two scans.
    auto events = typeText("YY202611230815", 1'000'000, 1'000, 0);
    auto second = typeText("H20240014", 1'200'000, 1'000, 0);
    events.insert(events.end(), second.begin(), second.end());
    EXPECT_EQ(run(assembler, events), std::vector<std::string>{"YY202611230815"});
    EXPECT_EQ(assembler.idle(1'300'000)->value(), "H20240014");
}

TEST(HidKeystrokes, ACodeCutOffBeforeItsTerminatorIsDroppedWithAMessage) {
    KeystrokeAssembler assembler(
        HidFraming{.terminator = HidTerminator::enter, .interKeyTimeoutUs = 50'000, .maxLength = 64});
    EXPECT_TRUE(run(assembler, typeText("H2024", 0, 1'000, 0)).empty());
    auto events = typeText("H20240007", 500'000, 1'000);  // the next scan comes much later
    EXPECT_EQ(run(assembler, events), (std::vector<std::string>{"!scan.incomplete", "H20240007"}));
}

TEST(HidKeystrokes, KeysWithoutTextAndOverlongScansAreRefused) {
    KeystrokeAssembler assembler(
        HidFraming{.terminator = HidTerminator::enter, .interKeyTimeoutUs = 100'000, .maxLength = 16});
    const std::vector<KeyInput> withF5 = {{EV_KEY, KEY_H, 1, 0}, {EV_KEY, KEY_F5, 1, 10}, {EV_KEY, KEY_ENTER, 1, 20}};
    EXPECT_EQ(run(assembler, withF5), std::vector<std::string>{"!scan.invalid_text"});
    EXPECT_EQ(run(assembler, typeText(std::string(40, '7'), 1'000'000, 500)),
              std::vector<std::string>{"!scan.too_long"});
    EXPECT_EQ(run(assembler, typeText("H20240007", 2'000'000, 500)), std::vector<std::string>{"H20240007"});
}

TEST(HidKeystrokes, AutoRepeatAndReleasesTypeNothing) {
    KeystrokeAssembler assembler(HidFraming{});
    const std::vector<KeyInput> events = {{EV_KEY, KEY_A, 1, 0},
                                          {EV_KEY, KEY_A, 2, 10},
                                          {EV_KEY, KEY_A, 2, 20},
                                          {EV_KEY, KEY_A, 0, 30},
                                          {EV_KEY, KEY_ENTER, 1, 40}};
    EXPECT_EQ(run(assembler, events), std::vector<std::string>{"a"});
}

}  // namespace
}  // namespace kiosk::drivers::scanner
