#pragma once
// Readings of Mandarin prompts: the characters as written, with the readings of polyphonic
// characters pinned in the language files, turned into numbered pinyin for a speech engine.
//
// Pinned-reading syntax (assets/lang/zh_CN.voice.json and the number words of spoken.hpp): a
// reading in brackets right after the character it belongs to, in numbered pinyin (tone 5 =
// neutral):  "请到收费处[chu4]缴费"  "银行[hang2]卡[ka3]"  "还[huan2]款".
// The dictionary (ICU Han-Latin over Unihan kMandarin, kiosk/core/pinyin.hpp) gives one reading
// per character without context (银行 → yin2 xing2, 重新 → zhong4 xin1): every polyphone of a
// fixed prompt is therefore pinned and the pin reviewed with the text; a test checks none is
// left unpinned (unpinnedPolyphones).

#include <string>
#include <string_view>
#include <vector>

#include "kiosk/core/pinyin.hpp"

namespace kiosk::speech {

/// The polyphonic characters whose readings the prompts must pin: characters with two or more
/// common readings where the dictionary's single reading is wrong in some word a kiosk says
/// (行 hang2/xing2, 重 chong2/zhong4, 长 chang2/zhang3, 还 huan2/hai2, 处 chu3/chu4, 号 hao4/hao2,
/// 为 wei2/wei4, 地 di4/de5, 得 de2/de5/dei3, 假 jia3/jia4, 干 gan1/gan4, 更 geng1/geng4, …). Each
/// entry is one UTF-8 character. Chosen by comparing ICU's reading with the readings in the
/// 《现代汉语词典》 for words used at hospital kiosks.
const std::vector<std::string>& checkedPolyphones();

/// The text without its pinned readings (what a caption or a Hanzi-reading engine gets).
std::string plainText(std::string_view pinned);

/// The checked polyphones of `pinned` that carry no reading, each once, in order.
std::vector<std::string> unpinnedPolyphones(std::string_view pinned);

/// `name` with the reading of its surname pinned where a surname is read differently from the
/// character's usual reading (曾 zeng1 not ceng2, 单 shan4, 解 xie4, 仇 qiu2, 朴 piao2, 区 ou1,
/// 查 zha1, 乐 yue4, 覃 qin2, 翟 zhai2, 缪 miao4, 盖 ge3, 尉 yu4, 种 chong2, 秘 bi4, 华 hua4,
/// 任 ren2, 繁 po2, 那 na1, 燕 yan1; 《中国姓氏》 readings). Other names are returned as they are.
std::string pinSurname(std::string_view name);

struct MandarinReading {
    /// Numbered pinyin, syllables separated by spaces; punctuation as ", " / ". " pauses;
    /// digits already spelled as Mandarin numbers; neutral tone as 5 ("de5").
    std::string pinyin;
    /// Han characters the dictionary lacks and nobody pinned: skipped in `pinyin` (a name with
    /// a rare character is then read without it, never a crash).
    std::vector<std::string> skipped;
};

/// Reads a pinned Mandarin text. Never fails: unknown characters are skipped and listed; a
/// malformed pin ("[" without "]", or not pinyin) is read as text and its character by the
/// dictionary.
MandarinReading readMandarin(const PinyinConverter& converter, std::string_view pinned);

}  // namespace kiosk::speech
