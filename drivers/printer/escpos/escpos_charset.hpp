#pragma once
// What a Chinese ESC/POS printer's own font can print, and how text the HIS sent reaches paper
// without a '?': each grapheme cluster is sent as GB18030 bytes when the printer's font holds
// it, as a look-alike that the font holds otherwise, and when neither exists the encoder draws
// the whole line as a raster image (escpos_protocol.cpp). Pure functions; no I/O.
//
// The printer fonts (field case escpos-gbk-lookalikes; lsongdev/node-escpos#332: U+00A5 sent as
// the 4-byte GB18030 sequence 81 30 84 36 prints stray characters on a "GB18030" printer):
// kiosk printers sold as "GB18030" hold the 2-byte part only, i.e. the GBK set (GB 18030-2000's
// 2-byte area was taken over from GBK 1.0); older or cheaper boards hold GB2312 only. In Chinese
// mode (FS &) every 2-byte character prints 24 dots wide, ASCII 12 dots.
//   gb2312   2-byte GB18030 codes that are GB2312 codes (rows A1-A9, B0-F7; 7,445 characters)
//   gbk      2-byte GB18030 codes that are GBK codes, user-defined areas excluded (the default:
//            what "GB18030" printer boards really hold; the euro sign A2E3, which GB18030 added,
//            is not in it)
//   gbk+ext-a  gbk plus CJK Unified Ideographs Extension A (U+3400-U+4DBF; 4-byte codes, a few
//            2-byte FE5x-FE9x codes since GB 18030-2005, e.g. 䶮 FE9F, which GBK fonts lack): the
//            repertoire GB 18030 made mandatory, for printers certified to it
// Membership is decided by glibc's iconv tables (GB18030, GBK, GB2312), not by a hand table.
//
// Look-alikes, in this order (Unicode data through ICU, not a hand table):
//   1. Unicode compatibility equivalents (NFKC) of these decomposition types only: <compat>
//      (µ → μ, ﬁ → fi), <noBreak> (no-break spaces → space), <wide>/<narrow>, <font> (ℓ → l,
//      mathematical letters and digits), <square>, <small>, <initial>/<medial>/<final>/<isolated>.
//      Never <super>/<sub>/<fraction>/<circle>/<vertical>: 10⁹/L must not print as 109/L.
//   2. The full-width twin (the character whose <wide> decomposition is it): ¥ → ￥, ¢ → ￠,
//      £ → ￡, ¬ → ￢, ¦ → ￤.
//   3. For punctuation, symbols and spaces only: the prototype of Unicode's confusables data
//      (UTS #39 skeleton, ICU uspoof) when it is one punctuation/symbol/space character of the
//      font: • → ·, ‒ and − → -, ‚ → ,, ‹ → <. Letters and digits never take this step: a name
//      or an amount must stand as sent, so they are drawn instead.
// Invisible format characters (zero-width space, BOM, soft hyphen, joiners and variation
// selectors outside a drawn cluster) print nothing and are dropped; tab, CR, LF, VT and FF
// become a space; other control characters (ESC, GS, DLE…) are dropped so that free text never
// becomes a printer command. Both are counted.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kiosk::drivers::escpos {

enum class FontCharset { gb2312, gbk, gbk_ext_a };
std::optional<FontCharset> parseFontCharset(std::string_view name);  ///< "gb2312", "gbk", "gbk+ext-a"
std::string_view fontCharsetName(FontCharset font);

/// True when the printer's font prints `c` from its GB18030 code.
bool printerFontHas(char32_t c, FontCharset font);

/// One grapheme cluster of a text line as it reaches paper.
struct PrintUnit {
    enum class How { as_sent, look_alike, drawn };
    std::string sent;     ///< UTF-8 the HIS sent (NFC), one grapheme cluster
    std::string printed;  ///< UTF-8 that stands on paper (the look-alike; = sent when drawn)
    std::string bytes;    ///< GB18030 bytes for the printer's font; empty when drawn
    int columns = 1;      ///< 12-dot columns on paper (2-byte codes and wide characters: 2)
    How how = How::as_sent;
};

struct PrintUnits {
    std::vector<PrintUnit> units;
    int lookAlikes = 0;  ///< clusters printed as a look-alike
    int drawn = 0;       ///< clusters the font lacks (their line must be a raster image)
    int dropped = 0;     ///< control and invisible format characters removed
};

/// Splits UTF-8 (invalid sequences become U+FFFD, which is drawn) into what the printer prints.
PrintUnits toPrintUnits(std::string_view utf8, FontCharset font);

}  // namespace kiosk::drivers::escpos
