#include "kiosk/speech/readings.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <utility>

#include "kiosk/speech/spoken.hpp"

namespace kiosk::speech {

namespace {

/// Length in bytes of the UTF-8 sequence that starts with `lead` (1 for a stray byte).
size_t sequenceLength(unsigned char lead) {
    if (lead >= 0xF0) return 4;
    if (lead >= 0xE0) return 3;
    if (lead >= 0xC0) return 2;
    return 1;
}

/// A pin: lower-case ASCII letters (ü as v or ü) and one tone digit 1–5.
bool looksLikePin(std::string_view pin) {
    if (pin.size() < 2 || pin.size() > 8) return false;
    if (pin.back() < '1' || pin.back() > '5') return false;
    std::string_view letters = pin.substr(0, pin.size() - 1);
    for (size_t i = 0; i < letters.size(); ++i) {
        const char c = letters[i];
        if (c >= 'a' && c <= 'z') continue;
        if (letters.substr(i).starts_with("ü")) {
            ++i;
            continue;
        }
        return false;
    }
    return true;
}

struct Piece {
    std::string character;  ///< one code point (UTF-8)
    std::optional<std::string> pin;
};

/// The text as code points, each with the reading pinned after it (if any).
std::vector<Piece> parse(std::string_view pinned) {
    std::vector<Piece> pieces;
    size_t i = 0;
    while (i < pinned.size()) {
        if (pinned[i] == '[' && !pieces.empty()) {
            const size_t close = pinned.find(']', i);
            if (close != std::string_view::npos && looksLikePin(pinned.substr(i + 1, close - i - 1))) {
                pieces.back().pin = std::string(pinned.substr(i + 1, close - i - 1));
                i = close + 1;
                continue;
            }
        }
        const size_t length = std::min(sequenceLength(static_cast<unsigned char>(pinned[i])), pinned.size() - i);
        pieces.push_back(Piece{std::string(pinned.substr(i, length)), std::nullopt});
        i += length;
    }
    return pieces;
}

bool hasToneDigit(std::string_view syllable) {
    return !syllable.empty() && syllable.back() >= '1' && syllable.back() <= '5';
}

/// A pause an engine understands for CJK and ASCII punctuation; empty for other text.
std::string_view pauseFor(std::string_view character) {
    static constexpr std::string_view kShort[] = {"，", "、", "；", "：", ",", ";", ":"};
    static constexpr std::string_view kLong[] = {"。", "！", "？", ".", "!", "?"};
    for (auto p : kShort) {
        if (character == p) return ",";
    }
    for (auto p : kLong) {
        if (character == p) return ".";
    }
    return {};
}

}  // namespace

const std::vector<std::string>& checkedPolyphones() {
    // Immutable after first use (a function-local constant, not mutable state).
    static const std::vector<std::string> kList = [] {
        const std::string_view all =
            "行重长还处号为种藏乐调查地得着便空发好教量当差假干更数曾只都将几少卡扫称血落结给降省系划朝弹解单区和累参觉"
            "传间转冲散载舍缝看难要正供强中角分会相应打片模露剂晕吐宁率仔兴恶";
        std::vector<std::string> out;
        for (size_t i = 0; i < all.size();) {
            const size_t length = sequenceLength(static_cast<unsigned char>(all[i]));
            out.emplace_back(all.substr(i, length));
            i += length;
        }
        return out;
    }();
    return kList;
}

std::string pinSurname(std::string_view name) {
    static constexpr std::pair<std::string_view, std::string_view> kSurnames[] = {
        {"曾", "zeng1"}, {"单", "shan4"}, {"解", "xie4"}, {"仇", "qiu2"}, {"朴", "piao2"}, {"区", "ou1"},
        {"查", "zha1"},  {"乐", "yue4"},  {"覃", "qin2"}, {"翟", "zhai2"}, {"缪", "miao4"}, {"盖", "ge3"},
        {"尉", "yu4"},   {"种", "chong2"}, {"秘", "bi4"}, {"华", "hua4"},  {"任", "ren2"},  {"繁", "po2"},
        {"那", "na1"},   {"燕", "yan1"}};
    if (name.empty() || name.find('[') != std::string_view::npos) return std::string(name);
    const size_t length = std::min(sequenceLength(static_cast<unsigned char>(name[0])), name.size());
    const std::string_view first = name.substr(0, length);
    for (const auto& [surname, reading] : kSurnames) {
        if (first == surname) return std::string(first) + "[" + std::string(reading) + "]" + std::string(name.substr(length));
    }
    return std::string(name);
}

std::string plainText(std::string_view pinned) {
    std::string out;
    for (const Piece& piece : parse(pinned)) out += piece.character;
    return out;
}

std::vector<std::string> unpinnedPolyphones(std::string_view pinned) {
    const auto& polyphones = checkedPolyphones();
    std::vector<std::string> out;
    for (const Piece& piece : parse(pinned)) {
        if (piece.pin) continue;
        if (std::find(polyphones.begin(), polyphones.end(), piece.character) == polyphones.end()) continue;
        if (std::find(out.begin(), out.end(), piece.character) == out.end()) out.push_back(piece.character);
    }
    return out;
}

MandarinReading readMandarin(const PinyinConverter& converter, std::string_view pinned) {
    // Digits first (so "3号" becomes 三号[hao4]'s characters), then the pins, then the dictionary.
    const std::vector<Piece> pieces = parse(spellDigits(Tongue::mandarin, pinned));
    std::string plain;
    for (const Piece& piece : pieces) plain += piece.character;
    MandarinReading reading;
    auto append = [&reading](std::string_view word) {
        if (word.empty()) return;
        if (!reading.pinyin.empty() && reading.pinyin.back() != ' ') reading.pinyin += ' ';
        reading.pinyin += word;
    };
    size_t index = 0;  // code point index into `pieces`
    for (const PinyinSyllable& syllable : converter.syllables(plain)) {
        if (syllable.han) {
            const Piece* piece = index < pieces.size() ? &pieces[index] : nullptr;
            ++index;
            if (piece && piece->pin) {
                append(*piece->pin);
            } else if (!syllable.pinyin.empty()) {
                append(hasToneDigit(syllable.pinyin) ? syllable.pinyin : syllable.pinyin + "5");
            } else {
                reading.skipped.push_back(syllable.text);
            }
            continue;
        }
        // A run of other text: pauses for punctuation, letters and digits kept as words.
        std::string word;
        for (size_t i = 0; i < syllable.text.size();) {
            const size_t length = std::min(sequenceLength(static_cast<unsigned char>(syllable.text[i])), syllable.text.size() - i);
            const std::string_view character = std::string_view(syllable.text).substr(i, length);
            i += length;
            ++index;
            const std::string_view pause = pauseFor(character);
            const bool wordCharacter = length == 1 && std::isalnum(static_cast<unsigned char>(character[0]));
            if (wordCharacter) {
                word += static_cast<char>(std::tolower(static_cast<unsigned char>(character[0])));
                continue;
            }
            append(word);
            word.clear();
            if (!pause.empty()) {
                while (!reading.pinyin.empty() && reading.pinyin.back() == ' ') reading.pinyin.pop_back();
                if (!reading.pinyin.empty() && reading.pinyin.back() != ',' && reading.pinyin.back() != '.') {
                    reading.pinyin += pause;
                    reading.pinyin += ' ';
                }
            }
        }
        append(word);
    }
    while (!reading.pinyin.empty() && reading.pinyin.back() == ' ') reading.pinyin.pop_back();
    return reading;
}

}  // namespace kiosk::speech
