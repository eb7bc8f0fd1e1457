#include "kiosk/core/mask.hpp"

#include <algorithm>

#include <cctype>

namespace kiosk {

std::u32string decodeUtf8(std::string_view text) {
    std::u32string out;
    out.reserve(text.size());
    size_t i = 0;
    while (i < text.size()) {
        const auto lead = static_cast<unsigned char>(text[i]);
        int extra = 0;
        char32_t cp = 0;
        if (lead < 0x80) {
            cp = lead;
        } else if ((lead & 0xE0) == 0xC0) {
            extra = 1;
            cp = lead & 0x1F;
        } else if ((lead & 0xF0) == 0xE0) {
            extra = 2;
            cp = lead & 0x0F;
        } else if ((lead & 0xF8) == 0xF0) {
            extra = 3;
            cp = lead & 0x07;
        } else {
            out.push_back(U'\uFFFD');
            ++i;
            continue;
        }
        if (i + static_cast<size_t>(extra) >= text.size()) {  // truncated sequence at the end
            out.push_back(U'\uFFFD');
            break;
        }
        bool valid = true;
        for (int k = 1; k <= extra; ++k) {
            const auto cont = static_cast<unsigned char>(text[i + static_cast<size_t>(k)]);
            if ((cont & 0xC0) != 0x80) {
                valid = false;
                break;
            }
            cp = (cp << 6) | (cont & 0x3F);
        }
        if (!valid) {
            out.push_back(U'\uFFFD');
            ++i;
            continue;
        }
        out.push_back(cp);
        i += static_cast<size_t>(extra) + 1;
    }
    return out;
}

std::string encodeUtf8(std::u32string_view text) {
    std::string out;
    out.reserve(text.size() * 3);
    for (char32_t cp : text) {
        if (cp < 0x80) {
            out.push_back(static_cast<char>(cp));
        } else if (cp < 0x800) {
            out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else if (cp < 0x10000) {
            out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else {
            out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        }
    }
    return out;
}

namespace {

std::string keepEnds(std::string_view value, size_t head, size_t tail) {
    if (value.size() <= head + tail) {
        // Too short to keep both ends: keep only the last character.
        std::string out(value.size(), '*');
        if (!value.empty()) out.back() = value.back();
        return out;
    }
    std::string out(value.substr(0, head));
    out.append(value.size() - head - tail, '*');
    out.append(value.substr(value.size() - tail));
    return out;
}

bool isAsciiWordChar(char32_t c) { return c < 0x80 && std::isalpha(static_cast<int>(c)); }

std::string maskName(std::string_view value) {
    std::u32string cps = decodeUtf8(value);
    if (cps.empty()) return {};
    const bool latin = isAsciiWordChar(cps.front());
    if (latin) {
        // "John Smith" → "J*** S****": keep the first letter of each word.
        bool wordStart = true;
        for (char32_t& c : cps) {
            if (c == U' ' || c == U'-' || c == U'.') {
                wordStart = true;
                continue;
            }
            if (!wordStart) c = U'*';
            wordStart = false;
        }
        return encodeUtf8(cps);
    }
    // Chinese names: keep the family name; with 3+ characters keep the last one too.
    if (cps.size() == 1) return "*";
    if (cps.size() == 2) {
        cps[1] = U'*';
    } else {
        for (size_t i = 1; i + 1 < cps.size(); ++i) cps[i] = U'*';
    }
    return encodeUtf8(cps);
}

/// The region of a Chinese address (through its district 区, county 县 or county-level city 市
/// after a prefecture, or 旗) and "****"; an address in Latin letters keeps only its last
/// comma-separated part (the town). Nothing of the street, building or door is shown, and the
/// stars do not tell the length.
std::string maskAddress(std::string_view value) {
    const std::u32string cps = decodeUtf8(value);
    if (cps.empty()) return {};
    size_t keep = 0;
    // Region names come first and are short: a marker counts only within the first 14
    // characters and before anything of a street (a digit, 路 街 道 巷 弄 号 村 or 小区), so
    // "人民路88号市场大厦" keeps nothing.
    for (size_t i = 0; i < cps.size() && i < 14; ++i) {
        const char32_t c = cps[i];
        const bool street = (c >= U'0' && c <= U'9') || (c >= U'０' && c <= U'９') || c == U'路' || c == U'街' || c == U'道' ||
                            c == U'巷' || c == U'弄' || c == U'号' || c == U'村' || (c == U'区' && i >= 1 && cps[i - 1] == U'小');
        if (street) break;
        if (c == U'区' || c == U'县' || c == U'旗') {
            keep = i + 1;
            break;
        }
        if (c == U'市' || c == U'省' || c == U'州') keep = i + 1;
    }
    if (keep > 0) return encodeUtf8(cps.substr(0, keep)) + "****";
    // Latin letters: the last comma-separated part when it is a town (no digit in it).
    const auto comma = value.rfind(',');
    if (comma != std::string_view::npos) {
        std::string_view town = value.substr(comma + 1);
        while (!town.empty() && town.front() == ' ') town.remove_prefix(1);
        const bool hasDigit = std::any_of(town.begin(), town.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; });
        if (!town.empty() && town.size() <= 40 && !hasDigit) return "****, " + std::string(town);
    }
    return "****";
}

}  // namespace

std::string maskPersonalData(std::string_view value, PersonalField field) {
    switch (field) {
        case PersonalField::name: return maskName(value);
        case PersonalField::id_number: return keepEnds(value, 3, 4);
        case PersonalField::phone: return keepEnds(value, 3, 4);
        case PersonalField::card_number:
            if (value.size() >= 12) return keepEnds(value, 4, 4);
            return keepEnds(value, 2, 2);
        case PersonalField::address: return maskAddress(value);
    }
    return std::string(value.size(), '*');
}

std::string redactDigitsInText(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    size_t i = 0;
    while (i < text.size()) {
        if (!std::isdigit(static_cast<unsigned char>(text[i]))) {
            out.push_back(text[i++]);
            continue;
        }
        size_t end = i;
        while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) ++end;
        // An ID number may end in X.
        if (end - i == 17 && end < text.size() && (text[end] == 'X' || text[end] == 'x')) ++end;
        const std::string_view run = text.substr(i, end - i);
        if (run.size() == 18) {
            out += maskPersonalData(run, PersonalField::id_number);
        } else if (run.size() >= 12) {
            out += maskPersonalData(run, PersonalField::card_number);
        } else {
            out += run;
        }
        i = end;
    }
    return out;
}

}  // namespace kiosk
