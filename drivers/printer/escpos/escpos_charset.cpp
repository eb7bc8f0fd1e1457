#include "drivers/printer/escpos/escpos_charset.hpp"

#include <iconv.h>
#include <unicode/brkiter.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/uspoof.h>

#include <map>
#include <memory>

#include "kiosk/core/mask.hpp"

namespace kiosk::drivers::escpos {

namespace {

struct IconvCloser {
    void operator()(void* cd) const {
        if (cd != nullptr) iconv_close(static_cast<iconv_t>(cd));
    }
};
using Iconv = std::unique_ptr<void, IconvCloser>;

Iconv openIconv(const char* to, const char* from) {
    iconv_t cd = iconv_open(to, from);
    return Iconv(cd == reinterpret_cast<iconv_t>(-1) ? nullptr : cd);
}

/// Converts all of `in` with `cd`; nullopt when any part does not convert.
std::optional<std::string> convert(void* cd, const std::string& in) {
    if (cd == nullptr) return std::nullopt;
    iconv(static_cast<iconv_t>(cd), nullptr, nullptr, nullptr, nullptr);
    std::string out(in.size() * 4 + 8, '\0');
    char* inPtr = const_cast<char*>(in.data());
    size_t inLeft = in.size();
    char* outPtr = out.data();
    size_t outLeft = out.size();
    if (iconv(static_cast<iconv_t>(cd), &inPtr, &inLeft, &outPtr, &outLeft) == static_cast<size_t>(-1) || inLeft != 0)
        return std::nullopt;
    out.resize(out.size() - outLeft);
    return out;
}

bool isPrivateUse(char32_t c) { return (c >= 0xE000 && c <= 0xF8FF) || c >= 0xF0000; }

std::u32string toU32(const icu::UnicodeString& text) {
    std::u32string out;
    for (int32_t i = 0; i < text.length(); i = text.moveIndex32(i, 1)) out.push_back(static_cast<char32_t>(text.char32At(i)));
    return out;
}

/// The printer's font as iconv converters, opened once per line.
class FontProbe {
public:
    explicit FontProbe(FontCharset font)
        : font_(font),
          toGb18030_(openIconv("GB18030", "UTF-8")),
          // The set's own table decides whether a 2-byte code is a cell of the printer's font.
          fromSet_(openIconv("UTF-8", font == FontCharset::gb2312 ? "GB2312" : "GBK")) {}

    /// GB18030 bytes of `c` when the font prints it.
    std::optional<std::string> bytesFor(char32_t c) const {
        if (c >= 0x20 && c < 0x7F) return std::string(1, static_cast<char>(c));
        if (c < 0x80 || c == 0xFFFD || isPrivateUse(c)) return std::nullopt;
        auto bytes = convert(toGb18030_.get(), encodeUtf8(std::u32string(1, c)));
        if (!bytes) return std::nullopt;
        const bool extensionA = c >= 0x3400 && c <= 0x4DBF;
        if (font_ == FontCharset::gbk_ext_a && extensionA) return bytes;  // 4 bytes, or FE5x-FE9x since GB 18030-2005
        if (bytes->size() == 2) {
            auto decoded = convert(fromSet_.get(), *bytes);
            if (!decoded) return std::nullopt;
            for (char32_t d : decodeUtf8(*decoded))
                if (isPrivateUse(d)) return std::nullopt;  // a user-defined cell: empty in printer fonts
            return bytes;
        }
        return std::nullopt;
    }
    std::optional<std::string> bytesFor(const std::u32string& text) const {
        std::string out;
        for (char32_t c : text) {
            auto bytes = bytesFor(c);
            if (!bytes) return std::nullopt;
            out += *bytes;
        }
        return out;
    }

private:
    FontCharset font_;
    Iconv toGb18030_;
    Iconv fromSet_;
};

/// Decomposition types whose NFKC result looks like the character (see the header).
bool foldsToLookAlike(UDecompositionType type) {
    switch (type) {
        case U_DT_COMPAT:
        case U_DT_NOBREAK:
        case U_DT_WIDE:
        case U_DT_NARROW:
        case U_DT_FONT:
        case U_DT_SQUARE:
        case U_DT_SMALL:
        case U_DT_INITIAL:
        case U_DT_MEDIAL:
        case U_DT_FINAL:
        case U_DT_ISOLATED:
            return true;
        default:
            return false;
    }
}

/// c → the character whose <wide> decomposition is c (¥ → ￥), from ICU's Unicode data.
const std::map<char32_t, char32_t>& fullWidthTwins() {
    static const std::map<char32_t, char32_t> twins = [] {
        std::map<char32_t, char32_t> map;
        UErrorCode status = U_ZERO_ERROR;
        const icu::Normalizer2* nfkc = icu::Normalizer2::getNFKCInstance(status);
        if (U_FAILURE(status)) return map;
        // Every <wide> character of Unicode is U+3000 or in the Halfwidth and Fullwidth Forms block.
        for (char32_t w = 0x3000; w <= 0xFFEF; w = (w == 0x3000 ? 0xFF00 : w + 1)) {
            if (u_getIntPropertyValue(static_cast<UChar32>(w), UCHAR_DECOMPOSITION_TYPE) != U_DT_WIDE) continue;
            icu::UnicodeString raw;
            if (!nfkc->getRawDecomposition(static_cast<UChar32>(w), raw)) continue;
            const std::u32string narrow = toU32(raw);
            if (narrow.size() == 1) map.emplace(narrow[0], w);
        }
        return map;
    }();
    return twins;
}

/// ICU's confusables checker (UTS #39 data in libicu), opened once and only read afterwards.
const USpoofChecker* spoofChecker() {
    static const std::unique_ptr<USpoofChecker, void (*)(USpoofChecker*)> checker = [] {
        UErrorCode status = U_ZERO_ERROR;
        USpoofChecker* opened = uspoof_open(&status);
        if (U_FAILURE(status)) opened = nullptr;
        return std::unique_ptr<USpoofChecker, void (*)(USpoofChecker*)>(opened, [](USpoofChecker* c) {
            if (c != nullptr) uspoof_close(c);
        });
    }();
    return checker.get();
}

constexpr uint32_t kPunctSymbolSpace = U_GC_P_MASK | U_GC_S_MASK | U_GC_ZS_MASK;
bool isPunctSymbolSpace(char32_t c) { return (U_GET_GC_MASK(static_cast<UChar32>(c)) & kPunctSymbolSpace) != 0; }

struct Resolved {
    std::u32string printed;
    std::string bytes;
};

/// Steps 1-3 of the header for one visible code point.
std::optional<Resolved> resolve(char32_t c, const FontProbe& probe, const icu::Normalizer2* nfkc) {
    if (auto bytes = probe.bytesFor(c)) return Resolved{std::u32string(1, c), *bytes};
    const auto type = static_cast<UDecompositionType>(u_getIntPropertyValue(static_cast<UChar32>(c), UCHAR_DECOMPOSITION_TYPE));
    if (nfkc != nullptr && foldsToLookAlike(type)) {
        UErrorCode status = U_ZERO_ERROR;
        const std::u32string folded = toU32(nfkc->normalize(icu::UnicodeString(static_cast<UChar32>(c)), status));
        if (U_SUCCESS(status) && !folded.empty())
            if (auto bytes = probe.bytesFor(folded)) return Resolved{folded, *bytes};
    }
    const auto& twins = fullWidthTwins();
    if (auto twin = twins.find(c); twin != twins.end())
        if (auto bytes = probe.bytesFor(twin->second)) return Resolved{std::u32string(1, twin->second), *bytes};
    if (isPunctSymbolSpace(c) && spoofChecker() != nullptr) {
        const std::string sent = encodeUtf8(std::u32string(1, c));
        char skeleton[64];
        UErrorCode status = U_ZERO_ERROR;
        const int32_t length = uspoof_getSkeletonUTF8(spoofChecker(), 0, sent.data(), static_cast<int32_t>(sent.size()),
                                                      skeleton, sizeof(skeleton), &status);
        if (U_SUCCESS(status) && length > 0) {
            const std::u32string prototype = decodeUtf8(std::string_view(skeleton, static_cast<size_t>(length)));
            if (prototype.size() == 1 && prototype[0] != c && isPunctSymbolSpace(prototype[0]))
                if (auto bytes = probe.bytesFor(prototype[0])) return Resolved{prototype, *bytes};
        }
    }
    return std::nullopt;
}

int drawnColumns(char32_t c) {
    const int width = u_getIntPropertyValue(static_cast<UChar32>(c), UCHAR_EAST_ASIAN_WIDTH);
    return width == U_EA_WIDE || width == U_EA_FULLWIDTH ? 2 : 1;
}

}  // namespace

std::optional<FontCharset> parseFontCharset(std::string_view name) {
    if (name == "gb2312") return FontCharset::gb2312;
    if (name == "gbk") return FontCharset::gbk;
    if (name == "gbk+ext-a") return FontCharset::gbk_ext_a;
    return std::nullopt;
}

std::string_view fontCharsetName(FontCharset font) {
    switch (font) {
        case FontCharset::gb2312: return "gb2312";
        case FontCharset::gbk: return "gbk";
        case FontCharset::gbk_ext_a: return "gbk+ext-a";
    }
    return "gbk";
}

bool printerFontHas(char32_t c, FontCharset font) { return FontProbe(font).bytesFor(c).has_value(); }

PrintUnits toPrintUnits(std::string_view utf8, FontCharset font) {
    PrintUnits result;
    if (utf8.empty()) return result;
    const FontProbe probe(font);
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(status);
    const icu::Normalizer2* nfkc = icu::Normalizer2::getNFKCInstance(status);
    const std::u32string decoded = decodeUtf8(utf8);
    icu::UnicodeString text;
    for (char32_t c : decoded) text.append(static_cast<UChar32>(c));
    // Canonical composition first (e + U+0301 → é, which GBK holds): it never changes the look.
    if (U_SUCCESS(status)) {
        icu::UnicodeString composed = nfc->normalize(text, status);
        if (U_SUCCESS(status)) text = composed;
    }
    status = U_ZERO_ERROR;
    std::unique_ptr<icu::BreakIterator> clusters(icu::BreakIterator::createCharacterInstance(icu::Locale::getRoot(), status));
    std::vector<std::pair<int32_t, int32_t>> spans;
    if (U_SUCCESS(status) && clusters) {
        clusters->setText(text);
        for (int32_t start = clusters->first(), end = clusters->next(); end != icu::BreakIterator::DONE; start = end, end = clusters->next())
            spans.emplace_back(start, end);
    } else {
        for (int32_t i = 0; i < text.length(); i = text.moveIndex32(i, 1)) spans.emplace_back(i, text.moveIndex32(i, 1));
    }
    for (const auto& [start, end] : spans) {
        const std::u32string cluster = toU32(icu::UnicodeString(text, start, end - start));
        bool allControls = true;
        bool lineSpace = false;
        std::u32string visible;
        for (char32_t c : cluster) {
            const auto type = u_charType(static_cast<UChar32>(c));
            const bool control = type == U_CONTROL_CHAR || type == U_LINE_SEPARATOR || type == U_PARAGRAPH_SEPARATOR;
            allControls = allControls && control;
            if (control && (c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' || c == 0x85 || c == 0x2028 || c == 0x2029))
                lineSpace = true;
            if (!control && !u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_DEFAULT_IGNORABLE_CODE_POINT)) visible.push_back(c);
        }
        if (allControls && lineSpace) {
            result.units.push_back({" ", " ", " ", 1, PrintUnit::How::look_alike});
            ++result.lookAlikes;
            continue;
        }
        if (visible.empty()) {
            ++result.dropped;
            continue;
        }
        PrintUnit unit;
        unit.sent = encodeUtf8(cluster);
        std::optional<Resolved> resolved;
        if (visible.size() == 1) resolved = resolve(visible[0], probe, U_SUCCESS(status) ? nfkc : nullptr);
        else if (auto bytes = probe.bytesFor(visible)) resolved = Resolved{visible, *bytes};
        if (resolved) {
            unit.printed = encodeUtf8(resolved->printed);
            unit.bytes = std::move(resolved->bytes);
            // Chinese mode: a multi-byte code prints 24 dots wide, ASCII 12.
            unit.columns = 0;
            for (char32_t c : resolved->printed) unit.columns += c < 0x80 ? 1 : 2;
            if (resolved->printed == visible) {
                unit.how = PrintUnit::How::as_sent;
                // A joiner or variation selector beside a printable character prints nothing.
                if (visible != cluster) ++result.dropped;
            } else {
                unit.how = PrintUnit::How::look_alike;
                ++result.lookAlikes;
            }
        } else {
            unit.printed = unit.sent;
            unit.columns = drawnColumns(visible[0]);
            unit.how = PrintUnit::How::drawn;
            ++result.drawn;
        }
        result.units.push_back(std::move(unit));
    }
    return result;
}

}  // namespace kiosk::drivers::escpos
