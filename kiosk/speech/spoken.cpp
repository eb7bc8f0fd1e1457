#include "kiosk/speech/spoken.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <vector>

namespace kiosk::speech {

namespace {

constexpr std::array<const char*, 10> kZhDigits = {"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"};
constexpr std::array<const char*, 20> kEnSmall = {"zero",    "one",     "two",       "three",    "four",
                                                  "five",    "six",     "seven",     "eight",    "nine",
                                                  "ten",     "eleven",  "twelve",    "thirteen", "fourteen",
                                                  "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"};
constexpr std::array<const char*, 10> kEnTens = {"",      "",      "twenty",  "thirty", "forty",
                                                 "fifty", "sixty", "seventy", "eighty", "ninety"};

/// 0 < n < 10000, in Mandarin; `leading`: the first group of the number (a leading 十 stands
/// alone, a leading 2 before 百/千 may be 两).
std::string zhGroup(int n, bool leading, bool liang) {
    static constexpr std::array<const char*, 4> kUnits = {"千", "百", "十", ""};
    const std::array<int, 4> digits = {n / 1000, n / 100 % 10, n / 10 % 10, n % 10};
    std::string out;
    bool pendingZero = false;
    bool started = false;
    for (size_t i = 0; i < 4; ++i) {
        const int d = digits[i];
        if (d == 0) {
            if (started) pendingZero = true;
            continue;
        }
        if (pendingZero) out += kZhDigits[0];
        pendingZero = false;
        const bool firstDigit = !started;
        started = true;
        if (i == 2 && d == 1 && firstDigit && leading) {
            out += "十";  // 十二, not 一十二 (only at the very start of the number)
            continue;
        }
        if (d == 2 && firstDigit && leading && liang && i < 2) {
            out += "两";  // 两千, 两百
        } else {
            out += kZhDigits[static_cast<size_t>(d)];
        }
        out += kUnits[i];
    }
    return out;
}

std::string zhInteger(int64_t n, bool liang) {
    if (n == 0) return kZhDigits[0];
    if (liang && n == 2) return "两";
    // Groups of four digits: 亿 (10^8), 万 (10^4), ones.
    static constexpr std::array<const char*, 3> kGroupNames = {"亿", "万", ""};
    const std::array<int64_t, 3> groups = {n / 100000000, n / 10000 % 10000, n % 10000};
    std::string out;
    bool started = false;
    bool zeroBefore = false;
    for (size_t i = 0; i < groups.size(); ++i) {
        const auto g = static_cast<int>(groups[i]);
        if (g == 0) {
            if (started) zeroBefore = true;
            continue;
        }
        // A group under 1000 after a higher group starts with 零 (一万零五百); so does a group
        // after an empty one (一亿零五).
        if (started && (zeroBefore || g < 1000)) out += kZhDigits[0];
        zeroBefore = false;
        // A group above 亿 can exceed 9999 only beyond 10^12, which callers never pass.
        std::string group = zhGroup(g, !started, liang);
        if (liang && !started && g == 2 && i < 2) group = "两";  // 两万, 两亿
        out += group;
        out += kGroupNames[i];
        started = true;
    }
    return out;
}

std::string enBelowThousand(int n) {
    std::string out;
    if (n >= 100) {
        out = std::string(kEnSmall[static_cast<size_t>(n / 100)]) + " hundred";
        n %= 100;
        if (n == 0) return out;
        out += " ";
    }
    if (n < 20) return out + kEnSmall[static_cast<size_t>(n)];
    out += kEnTens[static_cast<size_t>(n / 10)];
    if (n % 10 != 0) out += std::string("-") + kEnSmall[static_cast<size_t>(n % 10)];
    return out;
}

std::string enInteger(int64_t n) {
    if (n == 0) return "zero";
    static constexpr std::array<std::pair<int64_t, const char*>, 3> kScales = {
        {{1000000000, "billion"}, {1000000, "million"}, {1000, "thousand"}}};
    std::string out;
    for (const auto& [scale, name] : kScales) {
        if (n >= scale) {
            out += enBelowThousand(static_cast<int>(n / scale)) + " " + name;
            n %= scale;
            if (n != 0) out += " ";
        }
    }
    if (n != 0) out += enBelowThousand(static_cast<int>(n));
    return out;
}

std::string enOrdinal(int n) {
    // Only what dates need (1–31).
    static constexpr std::array<const char*, 20> kSmall = {
        "zeroth",    "first",      "second",     "third",      "fourth",     "fifth",     "sixth",
        "seventh",   "eighth",     "ninth",      "tenth",      "eleventh",   "twelfth",   "thirteenth",
        "fourteenth", "fifteenth", "sixteenth", "seventeenth", "eighteenth", "nineteenth"};
    if (n < 20) return kSmall[static_cast<size_t>(n)];
    if (n % 10 == 0) {
        std::string tens = kEnTens[static_cast<size_t>(n / 10)];
        return tens.substr(0, tens.size() - 1) + "ieth";  // twentieth, thirtieth
    }
    return std::string(kEnTens[static_cast<size_t>(n / 10)]) + "-" + kSmall[static_cast<size_t>(n % 10)];
}

/// Two digits as a clock or a year reads them: 5 → "oh five", 26 → "twenty-six".
std::string enPair(int n) { return n < 10 ? std::string("oh ") + kEnSmall[static_cast<size_t>(n)] : enBelowThousand(n); }

int64_t clampCount(int64_t n) { return std::clamp<int64_t>(n, 0, 999999999999); }

}  // namespace

Tongue tongueOf(std::string_view language) { return language.starts_with("zh") ? Tongue::mandarin : Tongue::english; }

std::string spokenInteger(Tongue tongue, int64_t n) {
    n = clampCount(n);
    return tongue == Tongue::mandarin ? zhInteger(n, false) : enInteger(n);
}

std::string measureNumber(Tongue tongue, int64_t n) {
    n = clampCount(n);
    return tongue == Tongue::mandarin ? zhInteger(n, true) : enInteger(n);
}

std::string spokenQueueNumber(Tongue tongue, int64_t n) {
    // 号 is hào here (号码), not háo (呼号).
    return tongue == Tongue::mandarin ? spokenInteger(tongue, n) + "号[hao4]" : "number " + spokenInteger(tongue, n);
}

std::string spokenWindow(Tongue tongue, int64_t n) {
    return tongue == Tongue::mandarin ? spokenInteger(tongue, n) + "号[hao4]窗口" : "window " + spokenInteger(tongue, n);
}

std::string spokenAmount(Tongue tongue, int64_t fen) {
    fen = clampCount(fen);
    const int64_t yuan = fen / 100;
    const int jiao = static_cast<int>(fen / 10 % 10);
    const int cents = static_cast<int>(fen % 10);
    if (tongue == Tongue::english) {
        if (yuan == 0 && fen % 100 != 0) return enInteger(fen % 100) + " fen";
        std::string out = enInteger(yuan) + " yuan";
        if (fen % 100 != 0) out += " " + enPair(static_cast<int>(fen % 100));
        return out;
    }
    // 角 is jiǎo (a tenth of a yuan), not jué; 分 is fēn (a hundredth), not fèn.
    std::string out;
    if (yuan > 0 || fen == 0) out = measureNumber(tongue, yuan) + "元";
    if (jiao > 0) out += measureNumber(tongue, jiao) + "角[jiao3]";
    if (cents > 0) {
        if (jiao == 0 && yuan > 0) out += "零";
        out += measureNumber(tongue, cents) + "分[fen1]";
    }
    return out;
}

std::string spokenDate(Tongue tongue, int year, int month, int day) {
    month = std::clamp(month, 1, 12);
    day = std::clamp(day, 1, 31);
    if (tongue == Tongue::mandarin) {
        std::string out;
        if (year > 0) {
            // Years are read digit by digit: 二零二六年.
            for (const char digit : std::to_string(year)) out += kZhDigits[static_cast<size_t>(digit - '0')];
            out += "年";
        }
        return out + spokenInteger(tongue, month) + "月" + spokenInteger(tongue, day) + "日";
    }
    static constexpr std::array<const char*, 12> kMonths = {"January", "February", "March",     "April",
                                                            "May",     "June",     "July",      "August",
                                                            "September", "October", "November", "December"};
    std::string out = std::string(kMonths[static_cast<size_t>(month - 1)]) + " " + enOrdinal(day);
    if (year > 0) {
        // 2026 → "twenty twenty-six"; 2005 → "two thousand five" (how years of the 2000s are said).
        out += ", ";
        if (year >= 2000 && year < 2010) {
            out += enInteger(year);
        } else {
            out += enBelowThousand(year / 100) + " " + (year % 100 == 0 ? std::string("hundred") : enPair(year % 100));
        }
    }
    return out;
}

std::string spokenTime(Tongue tongue, int hour, int minute) {
    hour = std::clamp(hour, 0, 23);
    minute = std::clamp(minute, 0, 59);
    const int twelve = hour % 12 == 0 ? 12 : hour % 12;
    if (tongue == Tongue::mandarin) {
        // 中 of 中午 is zhōng; 长/行 do not occur here.
        const char* part = hour < 6 ? "凌晨" : hour < 12 ? "上午" : hour == 12 ? "中[zhong1]午" : hour < 19 ? "下午" : "晚上";
        std::string out = std::string(part) + (hour == 0 ? std::string("零") : measureNumber(tongue, twelve)) + "点";
        if (minute == 30) return out + "半";
        if (minute == 0) return out;
        if (minute < 10) out += "零";
        return out + spokenInteger(tongue, minute) + "分[fen1]";
    }
    const char* part = hour < 12 ? "in the morning" : hour == 12 ? "" : hour < 18 ? "in the afternoon" : "in the evening";
    if (hour == 12 && minute == 0) return "twelve noon";
    if (hour == 0 && minute == 0) return "midnight";
    std::string out = enInteger(twelve) + (minute == 0 ? std::string(" o'clock") : " " + enPair(minute));
    if (*part != '\0') out += std::string(" ") + part;
    return out;
}

std::string spellDigits(Tongue tongue, std::string_view text) {
    if (tongue != Tongue::mandarin) return std::string(text);
    std::string out;
    size_t i = 0;
    while (i < text.size()) {
        if (text[i] == '[') {
            // A pinned reading ("号[hao4]", readings.hpp) keeps its tone digit.
            const size_t close = text.find(']', i);
            if (close != std::string_view::npos && close - i <= 9) {
                out += text.substr(i, close - i + 1);
                i = close + 1;
                continue;
            }
        }
        if (text[i] < '0' || text[i] > '9') {
            out += text[i++];
            continue;
        }
        size_t end = i;
        while (end < text.size() && text[end] >= '0' && text[end] <= '9') ++end;
        const std::string_view run = text.substr(i, end - i);
        if (run.size() > 12) {
            for (const char digit : run) out += kZhDigits[static_cast<size_t>(digit - '0')];  // a long code: digit by digit
        } else {
            out += spokenInteger(tongue, std::strtoll(std::string(run).c_str(), nullptr, 10));
        }
        i = end;
        if (i + 1 < text.size() && text[i] == '.' && text[i + 1] >= '0' && text[i + 1] <= '9') {
            out += "点";  // a decimal: digits after the point one by one (十二点五)
            ++i;
            while (i < text.size() && text[i] >= '0' && text[i] <= '9') out += kZhDigits[static_cast<size_t>(text[i++] - '0')];
        }
    }
    return out;
}

std::string spokenCode(Tongue tongue, std::string_view code) {
    static constexpr std::array<const char*, 10> kEnDigits = {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"};
    std::string out;
    for (const char c : code) {
        const bool digit = c >= '0' && c <= '9';
        const bool letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
        if (!digit && !letter) continue;  // "-" and spaces are not said
        const char upper = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        if (tongue == Tongue::mandarin) {
            // Letters as letters; digits one by one (零四二一, never 四百二十一). A letter followed
            // by a digit gets a space, so the engine reads it as a letter, not a syllable.
            if (digit) {
                out += kZhDigits[static_cast<size_t>(c - '0')];
            } else {
                out += upper;
                out += ' ';
            }
        } else {
            // "K, zero four two one": a pause after the letters, digits as words.
            const bool afterLetter = !out.empty() && out.back() >= 'A' && out.back() <= 'Z';  // digit words are lower case
            if (!out.empty()) out += digit && afterLetter ? ", " : " ";
            if (digit) out += kEnDigits[static_cast<size_t>(c - '0')];
            else out += upper;
        }
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
}

}  // namespace kiosk::speech
