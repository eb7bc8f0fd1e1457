#include "kiosk/core/pinyin.hpp"

#include <unicode/translit.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/unistr.h>

#include <cctype>
#include <mutex>

namespace kiosk {

struct PinyinConverter::Engine {
    // ICU documents Transliterator::transliterate() as not safe to call on one object from two
    // threads at once (it may keep state between calls), so calls are serialised.
    std::unique_ptr<icu::Transliterator> toNumbered;
    mutable std::mutex mutex;

    std::string reading(UChar32 character) const {
        icu::UnicodeString text(character);
        {
            std::lock_guard lock(mutex);
            toNumbered->transliterate(text);
        }
        std::string out;
        text.toUTF8String(out);
        // A character the Unihan data has no reading for comes back unchanged.
        if (text.length() > 0 && u_hasBinaryProperty(text.char32At(0), UCHAR_IDEOGRAPHIC)) return {};
        return out;
    }
};

Result<PinyinConverter> PinyinConverter::create() {
    UErrorCode status = U_ZERO_ERROR;
    // Latin-NumericPinyin turns the tone marks into tone numbers: xīn → xin1.
    std::unique_ptr<icu::Transliterator> transform(
        icu::Transliterator::createInstance("Han-Latin; Latin-NumericPinyin", UTRANS_FORWARD, status));
    if (U_FAILURE(status) || !transform) {
        return fail(Errc::unsupported, std::string("ICU has no Han-Latin transform: ") + u_errorName(status));
    }
    auto engine = std::make_shared<Engine>();
    engine->toNumbered = std::move(transform);
    return PinyinConverter(std::move(engine));
}

namespace {
bool isHan(UChar32 character) {
    UErrorCode status = U_ZERO_ERROR;
    return uscript_getScript(character, &status) == USCRIPT_HAN && U_SUCCESS(status) &&
           u_hasBinaryProperty(character, UCHAR_IDEOGRAPHIC);
}
}  // namespace

std::vector<PinyinSyllable> PinyinConverter::syllables(std::string_view utf8) const {
    const icu::UnicodeString text = icu::UnicodeString::fromUTF8(icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size())));
    std::vector<PinyinSyllable> out;
    for (int32_t i = 0; i < text.length(); i = text.moveIndex32(i, 1)) {
        const UChar32 character = text.char32At(i);
        std::string piece;
        icu::UnicodeString(character).toUTF8String(piece);
        if (isHan(character)) {
            out.push_back({piece, engine_->reading(character), true});
        } else if (!out.empty() && !out.back().han) {
            out.back().text += piece;
        } else {
            out.push_back({piece, {}, false});
        }
    }
    return out;
}

std::string PinyinConverter::numbered(std::string_view utf8) const {
    std::string out;
    for (const PinyinSyllable& syllable : syllables(utf8)) {
        const std::string& piece = syllable.han ? syllable.pinyin : syllable.text;
        if (piece.empty()) continue;
        if (!out.empty() && out.back() != ' ' && piece.front() != ' ') out += ' ';
        out += piece;
    }
    return out;
}

std::string PinyinConverter::initials(std::string_view utf8) const {
    std::string out;
    for (const PinyinSyllable& syllable : syllables(utf8)) {
        if (syllable.han) {
            if (!syllable.pinyin.empty()) out += static_cast<char>(std::toupper(static_cast<unsigned char>(syllable.pinyin.front())));
            continue;
        }
        for (const char c : syllable.text) {
            const auto byte = static_cast<unsigned char>(c);
            if (byte < 0x80 && std::isalnum(byte)) out += static_cast<char>(std::toupper(byte));
        }
    }
    return out;
}

}  // namespace kiosk
