#pragma once
// Pinyin of Chinese text, for finding a department or doctor by initials (XNK → 心内科) and for
// feeding a Mandarin speech engine.
//
// Source of the readings: ICU's "Han-Latin" transliterator (libicu72 in Debian 12), built from the
// Unicode Unihan database's kMandarin field. It gives ONE reading per character, without looking at
// the words around it: 银行 comes out "yín xíng", 长春 "zhǎng chūn". Callers that need the reading in
// context (speech) pin the readings of polyphonic characters themselves; for initials the usual
// reading is what patients type, and a search should match either reading of a polyphone.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kiosk/core/error.hpp"

namespace kiosk {

/// One piece of the text: a Han character with its reading, or a run of other text as it was.
struct PinyinSyllable {
    std::string text;    ///< UTF-8: one Han character, or a run of non-Han text
    std::string pinyin;  ///< numbered pinyin ("xin1", "nü3", "de" for the neutral tone); empty
                         ///< for non-Han text and for a Han character the dictionary lacks
    bool han = false;
};

/// Thread-safe; cheap to copy (shares the ICU transliterators).
class PinyinConverter {
public:
    /// Errors: Errc::unsupported when the ICU data lacks the Han-Latin transform (a broken or
    /// trimmed libicu data package).
    static Result<PinyinConverter> create();

    /// The text cut into Han characters (each with its reading) and runs of other text.
    /// Invalid UTF-8 is replaced by U+FFFD (ICU's conversion), never an error.
    std::vector<PinyinSyllable> syllables(std::string_view utf8) const;
    /// Readings joined by spaces, non-Han runs kept: "A超室" → "A chao1 shi4". A character the
    /// dictionary lacks is left out.
    std::string numbered(std::string_view utf8) const;
    /// Upper-case initials: "心内科" → "XNK", "A超室" → "ACS", "口腔科(2)" → "KQK2"; Latin letters
    /// and digits count as themselves, anything else (punctuation, spaces, unknown characters) is
    /// skipped.
    std::string initials(std::string_view utf8) const;

private:
    struct Engine;
    explicit PinyinConverter(std::shared_ptr<const Engine> engine) : engine_(std::move(engine)) {}
    std::shared_ptr<const Engine> engine_;
};

}  // namespace kiosk
