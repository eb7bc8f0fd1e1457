#include "drivers/scanner/payload/payload_classifier.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "kiosk/core/mask.hpp"

namespace kiosk::drivers::scanner {

namespace {

constexpr std::string_view kKindNames[] = {"health_card", "insurance_voucher", "appointment", "prescription",
                                           "receipt",     "hospital_card",     "report_code"};

std::regex compile(const std::string& pattern) {
    // nosubs: we only ask "does it match"; optimize: the table is matched many times.
    return std::regex(pattern, std::regex::ECMAScript | std::regex::nosubs | std::regex::optimize);
}

/// Strips what scanners put around a code: a UTF-8 BOM, spaces, CR, LF, tabs.
std::string_view trimmed(std::string_view text) {
    if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
    const auto isSpace = [](char c) { return c == ' ' || c == '\r' || c == '\n' || c == '\t'; };
    while (!text.empty() && isSpace(text.front())) text.remove_prefix(1);
    while (!text.empty() && isSpace(text.back())) text.remove_suffix(1);
    return text;
}

}  // namespace

std::string_view payloadKindName(PayloadKind kind) {
    return kKindNames[static_cast<size_t>(kind)];
}

std::optional<PayloadKind> parsePayloadKind(std::string_view text) {
    for (size_t i = 0; i < std::size(kKindNames); ++i) {
        if (kKindNames[i] == text) return static_cast<PayloadKind>(i);
    }
    return std::nullopt;
}

std::string payloadKindMessageKey(PayloadKind kind) {
    return fmt::format("scan.kind.{}", payloadKindName(kind));
}

std::optional<size_t> findInvalidUtf8(std::string_view text) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
    const size_t size = text.size();
    size_t i = 0;
    while (i < size) {
        const unsigned char lead = bytes[i];
        size_t length = 0;
        uint32_t codePoint = 0;
        if (lead < 0x80) {
            ++i;
            continue;
        }
        if (lead >= 0xC2 && lead <= 0xDF) {
            length = 2;
            codePoint = lead & 0x1F;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            length = 3;
            codePoint = lead & 0x0F;
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            length = 4;
            codePoint = lead & 0x07;
        } else {
            return i;  // 0x80–0xC1 (continuation or overlong lead), 0xF5–0xFF
        }
        if (i + length > size) return i;
        for (size_t k = 1; k < length; ++k) {
            if ((bytes[i + k] & 0xC0) != 0x80) return i;
            codePoint = (codePoint << 6) | (bytes[i + k] & 0x3F);
        }
        const bool overlong = (length == 3 && codePoint < 0x800) || (length == 4 && codePoint < 0x10000);
        const bool surrogate = codePoint >= 0xD800 && codePoint <= 0xDFFF;
        if (overlong || surrogate || codePoint > 0x10FFFF) return i;
        i += length;
    }
    return std::nullopt;
}

std::optional<size_t> findControlCharacter(std::string_view text) {
    for (size_t i = 0; i < text.size(); ++i) {
        const auto byte = static_cast<unsigned char>(text[i]);
        if (byte < 0x20 || byte == 0x7F) return i;
        // C1 controls U+0080–U+009F are encoded C2 80 – C2 9F.
        if (byte == 0xC2 && i + 1 < text.size()) {
            const auto next = static_cast<unsigned char>(text[i + 1]);
            if (next >= 0x80 && next <= 0x9F) return i;
        }
    }
    return std::nullopt;
}

PayloadClassifier::PayloadClassifier() {
    for (const PayloadRuleText& rule : kDefaultPayloadRules) {
        rules_.push_back(Rule{rule.kind, std::string(rule.pattern), compile(std::string(rule.pattern))});
    }
}

PayloadClassifier PayloadClassifier::fromConfig(ConfigSection& section) {
    PayloadClassifier classifier;
    classifier.maxLength_ = static_cast<size_t>(
        section.integer("max_payload_length", static_cast<int64_t>(kDefaultMaxPayloadLength), 8, 4096));
    if (!section.has("payloads")) return classifier;
    std::vector<Rule> rules;
    for (ConfigSection& row : section.tableArray("payloads")) {
        const std::optional<std::string> kindText = row.requiredString("kind");
        const std::optional<std::string> pattern = row.requiredString("pattern");
        row.rejectUnknownKeys();
        if (!kindText || !pattern) continue;
        const std::optional<PayloadKind> kind = parsePayloadKind(*kindText);
        if (!kind) {
            std::string known;
            for (std::string_view name : kKindNames) known += (known.empty() ? "" : ", ") + std::string(name);
            row.problem("kind", fmt::format("unknown payload kind \"{}\" (known: {})", *kindText, known));
            continue;
        }
        try {
            rules.push_back(Rule{*kind, *pattern, compile(*pattern)});
        } catch (const std::regex_error& error) {
            row.problem("pattern", fmt::format("not a valid regular expression ({})", error.what()));
        }
    }
    if (rules.empty()) {
        section.problem("payloads", "the table accepts no kind of code; remove it to use the defaults");
    } else {
        classifier.rules_ = std::move(rules);
    }
    return classifier;
}

Result<ClassifiedScan> PayloadClassifier::classify(std::string_view raw, std::string_view symbology) const {
    // The length check comes first: nothing below (UTF-8 walk, regex) runs on oversized input.
    if (raw.size() > maxLength_ + 8) {
        return fail(
            Errc::invalid_data,
            fmt::format("scanned code of {} bytes is longer than max_payload_length {}", raw.size(), maxLength_),
            "scan.too_long");
    }
    const std::string_view text = trimmed(raw);
    if (text.empty()) return fail(Errc::invalid_data, "scanned code is empty", "scan.empty");
    if (text.size() > maxLength_) {
        return fail(
            Errc::invalid_data,
            fmt::format("scanned code of {} bytes is longer than max_payload_length {}", text.size(), maxLength_),
            "scan.too_long");
    }
    if (const auto bad = findInvalidUtf8(text)) {
        return fail(Errc::invalid_data,
                    fmt::format("scanned code ({} bytes) is not valid UTF-8 at byte {} (0x{:02X})", text.size(), *bad,
                                static_cast<unsigned char>(text[*bad])),
                    "scan.invalid_text");
    }
    if (const auto control = findControlCharacter(text)) {
        return fail(Errc::invalid_data,
                    fmt::format("scanned code ({} bytes) has control character 0x{:02X} at byte {}", text.size(),
                                static_cast<unsigned char>(text[*control]), *control),
                    "scan.invalid_text");
    }
    for (const Rule& rule : rules_) {
        if (std::regex_match(text.begin(), text.end(), rule.regex)) {
            return ClassifiedScan{rule.kind, std::string(text), std::string(symbology)};
        }
    }
    // The text may be personal (a card number in an unexpected shape): log its shape, masked.
    return fail(Errc::invalid_data,
                fmt::format("scanned {} code \"{}\" ({} chars) matches no payload rule; accepted: {}", symbology,
                            maskPersonalData(text, PersonalField::card_number), text.size(), acceptedKindsText()),
                "scan.unrecognised_accepting");
}

std::vector<PayloadKind> PayloadClassifier::acceptedKinds() const {
    std::vector<PayloadKind> kinds;
    for (const Rule& rule : rules_) {
        if (std::find(kinds.begin(), kinds.end(), rule.kind) == kinds.end()) kinds.push_back(rule.kind);
    }
    return kinds;
}

std::string PayloadClassifier::acceptedKindsText() const {
    std::string text;
    for (PayloadKind kind : acceptedKinds()) text += (text.empty() ? "" : ", ") + std::string(payloadKindName(kind));
    return text;
}

}  // namespace kiosk::drivers::scanner
