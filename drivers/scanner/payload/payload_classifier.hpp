#pragma once
// What a scanned code is: an ordered table (regular expression → kind), first match wins, read from
// a scanner's `payloads` config with the defaults below. Every scanner driver (camera, serial, HID)
// runs its text through one classifier before it posts CodeScanned, so the identification and
// pickup flows get a typed scan or a patient message, never raw bytes.
//
// [X] defaults for the seven kinds a hospital kiosk meets (see kDefaultPayloadRules)
// [X] site table from config: payloads = [{kind = "...", pattern = "..."}, …] replaces the defaults
// [X] guards before any regex runs: empty, longer than max_payload_length (a 3,000-char QR),
//     invalid UTF-8, control characters (C0, DEL, C1) inside the text
// [X] trims what scanners add around a code: surrounding spaces, CR/LF, a UTF-8 BOM
// [ ] no offline validation of tokens (e-health card and e-voucher tokens are opaque: protocols.md §3–§4)

#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "kiosk/core/config_reader.hpp"
#include "kiosk/core/error.hpp"

namespace kiosk::drivers::scanner {

enum class PayloadKind {
    health_card,        ///< resident e-health-card QR token: 64 hex + ":1" (protocols.md §3)
    insurance_voucher,  ///< national medical-insurance e-voucher QR (protocols.md §4)
    appointment,        ///< appointment / booking code from the hospital's app or SMS
    prescription,       ///< prescription / pharmacy pickup code
    receipt,            ///< receipt (invoice) number, usually Code128 on a printed slip
    hospital_card,      ///< in-hospital patient card number (H + 8 digits in the sample data)
    report_code,        ///< lab slip (取报告凭条) barcode: the LIS specimen / report number
};

std::string_view payloadKindName(PayloadKind kind);
std::optional<PayloadKind> parsePayloadKind(std::string_view text);
/// i18n key of the kind's patient-facing name ("scan.kind.health_card").
std::string payloadKindMessageKey(PayloadKind kind);

struct PayloadRuleText {
    PayloadKind kind;
    std::string_view pattern;  ///< ECMAScript regex, matched against the whole trimmed text
};

/// The defaults, in match order. Only the e-health-card token has a documented shape
/// (protocols.md §3); the others are the shapes the project's simulator and sample slips use, and a
/// site replaces them with its own (its HIS decides what appointment and receipt numbers look like).
inline constexpr PayloadRuleText kDefaultPayloadRules[] = {
    {PayloadKind::health_card, "^[0-9A-Fa-f]{64}:1$"},
    // E-voucher: no public NHSA spec (protocols.md §4); an opaque token of ≥ 28 upper-case letters
    // and digits, starting with two digits (the issuing area), is what the insurance test apps show.
    {PayloadKind::insurance_voucher, "^[0-9]{2}[0-9A-Z]{26,254}$"},
    {PayloadKind::appointment, "^YY[0-9]{10,16}$"},
    {PayloadKind::prescription, "^(CF|QY)[0-9]{10,16}$"},
    {PayloadKind::receipt, "^SJ[0-9]{10,20}$"},
    {PayloadKind::hospital_card, "^H[0-9]{8}$"},
    // Lab slip: the specimen barcode (标本条码) the LIS prints on the tube label and again on the
    // patient's report-collection slip, read as Code 128. No national standard fixes its shape
    // (WS/T 348 and the LIS vendors leave it to the site); the LIS systems seen in Chinese hospitals
    // print 10–12 digits, usually the collection date (YYMMDD) and a serial, and the slip's report
    // number is that same number. Assumption: exactly 12 digits (date + 6-digit serial); a site
    // whose LIS prints another shape replaces the rule. Shorter runs of plain digits are left
    // alone on purpose: an 11-digit phone number or any 10-digit code is not a lab slip (the
    // field case qr-mirrored-codes keeps `1234567890` unrecognised). Nothing above takes plain
    // digits (the e-voucher needs 28 or more), so no other kind is shadowed.
    {PayloadKind::report_code, "^[0-9]{12}$"},
};

/// The longest text a scanner may hand on. QR version 40 holds ~2,900 bytes; nothing a kiosk
/// accepts is longer than a few hundred, and a regex over kilobytes of hostile text is a hazard.
inline constexpr size_t kDefaultMaxPayloadLength = 512;

/// A scan the flows can use.
struct ClassifiedScan {
    PayloadKind kind;
    std::string text;       ///< trimmed, valid UTF-8, no control characters
    std::string symbology;  ///< "QRCode", "Code128", "keyboard", "serial"…
};

class PayloadClassifier {
public:
    /// The default table.
    PayloadClassifier();
    /// Reads `payloads` (array of {kind, pattern}) and `max_payload_length` from a scanner's
    /// config section. Problems (unknown kind, bad regex) are recorded in the section.
    static PayloadClassifier fromConfig(ConfigSection& section);

    /// Trims and checks `raw`, then classifies it. Errors carry the patient message key:
    /// scan.empty, scan.too_long, scan.invalid_text, scan.unrecognised_accepting ({kinds}).
    Result<ClassifiedScan> classify(std::string_view raw, std::string_view symbology) const;

    /// The kinds this kiosk accepts, in table order, without repeats (for "Accepted: …").
    std::vector<PayloadKind> acceptedKinds() const;
    /// "health_card, hospital_card" — for logs and the {kinds} placeholder's fallback.
    std::string acceptedKindsText() const;
    size_t maxLength() const { return maxLength_; }

private:
    struct Rule {
        PayloadKind kind;
        std::string pattern;
        std::regex regex;
    };
    std::vector<Rule> rules_;
    size_t maxLength_ = kDefaultMaxPayloadLength;
};

/// Checks that `text` is well-formed UTF-8 (no overlongs, no surrogates, ≤ U+10FFFF); returns the
/// byte offset of the first bad sequence, or nullopt.
std::optional<size_t> findInvalidUtf8(std::string_view text);
/// The byte offset of the first control character (U+0000–001F, U+007F, U+0080–009F), or nullopt.
/// Call only on valid UTF-8.
std::optional<size_t> findControlCharacter(std::string_view text);

}  // namespace kiosk::drivers::scanner
