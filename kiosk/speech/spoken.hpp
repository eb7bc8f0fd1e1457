#pragma once
// Numbers as a person says them, for the voice (issue 15 item 4): queue and window numbers,
// amounts, dates and times, in Mandarin and English. Pure functions; no engine involved.
//
// Mandarin results carry pinned readings in the prompt syntax of readings.hpp ("五角[jiao3]",
// "四号[hao4]"), so the polyphones they produce (号 角 分 中) are read right by any engine that
// takes pinyin; PinnedText::plain() gives the characters alone.
//
// Rules (Mandarin, as taught in 《现代汉语》 and said at hospital windows):
//  - 零 once for any run of zero digits inside a number: 105 一百零五, 1005 一千零五, 10050 一万零五十;
//    none at the end: 1200 一千二百.
//  - 十 alone at the start: 12 十二 (not 一十二), but 112 一百一十二.
//  - 两 before a measure word when the number is 2 (两点, 两元, 两角) and as the leading digit
//    before 百/千/万/亿 (两百, 两千, 两万); 二 elsewhere (十二, 二十二, 第二).
//  - times on a 12-hour clock with the part of the day: 凌晨 0–5, 上午 6–11, 中午 12, 下午 13–18,
//    晚上 19–23; :30 is 半, :00 is 点 alone, :01–:09 是 零X分.
// English (US usage): "one hundred twenty-three", "twelve yuan fifty", "November twenty-ninth",
// "three thirty in the afternoon".

#include <cstdint>
#include <string>
#include <string_view>

namespace kiosk::speech {

enum class Tongue { mandarin, english };

/// "zh_CN" → mandarin; anything else → english (the kiosk's two languages).
Tongue tongueOf(std::string_view language);

/// A whole number (0 ≤ n < 10^12). Mandarin uses 二 throughout ("二百"); see measureNumber.
std::string spokenInteger(Tongue tongue, int64_t n);
/// A number before a measure word (两 where a person says it): 2 → 两, 200 → 两百, 22 → 二十二.
/// English: as spokenInteger.
std::string measureNumber(Tongue tongue, int64_t n);
/// A queue ticket: 123 → "一百二十三号", "number one hundred twenty-three".
std::string spokenQueueNumber(Tongue tongue, int64_t n);
/// A window or room counter: 3 → "三号窗口", "window three".
std::string spokenWindow(Tongue tongue, int64_t n);
/// An amount in fen (1/100 yuan, ≥ 0): 1250 → "十二元五角", 1205 → "十二元零五分",
/// 1200 → "十二元", 50 → "五角"; "twelve yuan fifty", "twelve yuan oh five", "fifty fen".
std::string spokenAmount(Tongue tongue, int64_t fen);
/// A calendar date (month 1–12, day 1–31; year 0 = leave it out): "十一月二十九日",
/// "二零二六年十一月二十九日"; "November twenty-ninth, twenty twenty-six".
std::string spokenDate(Tongue tongue, int year, int month, int day);
/// A wall time (hour 0–23, minute 0–59): "下午三点半", "上午九点零五分", "下午两点";
/// "three thirty in the afternoon", "nine oh five in the morning", "two o'clock in the afternoon".
std::string spokenTime(Tongue tongue, int hour, int minute);
/// Every run of ASCII digits in a Mandarin text as a spoken integer (a decimal "12.5" as 十二点五),
/// so that no raw digit reaches a pinyin engine; English text is returned as it is (the English
/// voice reads digits itself).
std::string spellDigits(Tongue tongue, std::string_view text);
/// A reference read out to staff one character at a time, as a person reads a code: letters as
/// letters, every digit on its own (a leading zero too), other characters (the dash) left out:
/// "K-0421" → "K零四二一" (no ASCII digit left for spellDigits to turn into 四百二十一),
/// "K, zero four two one".
std::string spokenCode(Tongue tongue, std::string_view code);

}  // namespace kiosk::speech
