#pragma once
// Pure encode/parse functions of the social-security card (社会保障卡) application, per
// shared/notes/protocols.md §1. No I/O here: tests feed recorded answers straight in, and the
// fuzz target calls these functions.
//
// Card layout (application "sx1.sh.社会保障", files read by short file identifier):
//   EF05  record 01  card identification code, 16 ASCII bytes; first 6 = issuing region code
//         record 03  specification version, 4 ASCII bytes ("3.00")
//         record 07  card number, 9 ASCII bytes
//   EF06  record 08  social-security number = citizen ID number, 18 ASCII bytes
//         record 09  name, 30 bytes GBK, padded with 00 or 20
//         record 4E  name extension (姓名扩展), 20 bytes GBK padded with 00: the rest of a name
//                    longer than record 09 holds. Read as `00 B2 4E 30 16` by a public C# reader
//                    (code-search index id 10902145594); the national card-reading requirement
//                    quoted in github.com/gdgly/SI_3rdCard (SSCARDCtrl.cpp, iReadCardBas) says a
//                    reader of 2.0/3.0 cards joins it to the name. Absent on older cards (6A 83).
//         record 0A  sex, 1 byte: ASCII '1'/'2' or binary 01/02 (GB/T 2261.1)
//         record 0B  ethnicity, 1 byte binary code or 2 ASCII digits (GB 3304)
//         record 0D  birth date, 4 bytes BCD YYYYMMDD
// Every record answers as one TLV: tag, length, value. The tag is the record's *identifier*; it
// need not be its record *number*: public readers read EF06 both by number (`00 B2 08 34 14`,
// HDOS_VC6) and by identifier (`00 B2 08 30 14`, the C# reader above), and a Java reader
// (code-search index id 2235280212) reads the ID number as record number 1 and the name as 2.
// card_profiles.cpp therefore reads each record by its tag, whatever its position.
//
// [X] SELECT by AID, READ RECORD by SFI (by record number and by record identifier),
//     status-word meanings (§1 list)
// [X] TLV records: tag, length and truncation checked
// [X] GBK → UTF-8 (iconv, decoded as GB18030, GBK's superset) with invalid bytes refused
// [X] name extension 4E joined to record 09 before decoding (a split may fall inside a character)
// [X] identity validation: GB 11643 check digit, BCD birth date equal to the ID number's, sex
//     code, card number and region code shape
// [ ] birthplace (0C) is not read: nothing in the kiosk needs it

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "drivers/transport/pcsc.hpp"
#include "kiosk/core/identity.hpp"

namespace kiosk::drivers::pcsc {

using transport::ApduResponse;

// ---- commands ----

/// SELECT by DF name: 00 A4 04 00 0F "sx1.sh.社会保障" (GBK) — the SSSE application.
std::vector<uint8_t> selectSsseCommand();
/// READ RECORD record `record` of the EF with short id `sfi`: 00 B2 rr (sfi<<3 | 4) Le.
/// P2 low bits 100 = "record number in P1" (ISO/IEC 7816-4 READ RECORD).
std::vector<uint8_t> readRecordCommand(uint8_t record, uint8_t sfi, uint8_t expectedLength);
/// READ RECORD of the first record whose identifier (tag) is `tag` in the EF with short id
/// `sfi`: 00 B2 tt (sfi<<3 | 0) Le. P2 low bits 000 = "first occurrence of the record
/// identifier in P1" (ISO/IEC 7816-4), as `00 B2 08 30 14` in the C# reader quoted above.
std::vector<uint8_t> readRecordByIdCommand(uint8_t tag, uint8_t sfi, uint8_t expectedLength);

constexpr uint8_t kSfiEf05 = 0x05;
constexpr uint8_t kSfiEf06 = 0x06;

constexpr uint8_t kTagName = 0x09;
constexpr uint8_t kTagNameExtension = 0x4E;

/// One record the profile reads: where, and how long its TLV is (tag + length + value).
struct RecordSpec {
    uint8_t sfi;
    uint8_t record;  ///< the record's identifier (its TLV tag); not necessarily its number
    uint8_t le;
    const char* what;  ///< for logs: "card number", "name"…
    bool optional = false;  ///< absent on some cards (the name extension 4E)
};
/// The records read, in order. EF05 first (never PIN-protected in the field), then EF06.
std::span<const RecordSpec> socialSecurityRecords();

// ---- status words (ISO 7816-4 and protocols.md §1) ----

enum class SwKind {
    ok,               ///< 90 00
    more_data,        ///< 61 xx: handled by the transport
    wrong_length,     ///< 6C xx: handled by the transport
    not_found,        ///< 6A 82 file / 6A 83 record not found
    needs_pin,        ///< 69 82 security status not satisfied, 63 Cx PIN tries left, 69 83 blocked
    not_supported,    ///< 6D 00 instruction / 6E 00 class not supported
    other,
};
SwKind classifyStatusWord(uint16_t sw);
/// "file not found", "security status not satisfied"… for logs.
std::string statusWordMeaning(uint16_t sw);

// ---- records ----

struct Tlv {
    uint8_t tag = 0;
    std::vector<uint8_t> value;
};
/// Parses one record's TLV: tag, 1-byte length, value of that length. Bytes after the value must
/// be padding (00 or FF). Truncation, overlong or multi-byte length → invalid_data.
Result<Tlv> parseTlv(std::span<const uint8_t> record);
/// parseTlv, and the tag must be `expectedTag` (else invalid_data).
Result<Tlv> parseRecordTlv(std::span<const uint8_t> record, uint8_t expectedTag);

/// GBK (GB18030) → UTF-8; trailing 00/20 padding dropped. Invalid sequences → invalid_data.
Result<std::string> gbkToUtf8(std::span<const uint8_t> gbk);
/// UTF-8 → GBK (for the virtual card and tests).
Result<std::vector<uint8_t>> utf8ToGbk(std::string_view utf8);

/// 4 BCD bytes → "YYYYMMDD"; a nibble > 9 → invalid_data.
Result<std::string> bcdDate(std::span<const uint8_t> bcd);

/// What a social-security card holds once read.
struct SocialSecurityCardData {
    std::string cardIdentificationCode;  ///< 16 characters
    std::string regionCode;              ///< first 6 of the above
    std::string specVersion;             ///< "3.00"
    std::string cardNumber;
    std::string idNumber;
    std::string name;       ///< UTF-8: record 09 joined with the name extension 4E
    std::vector<uint8_t> nameGbk;  ///< record 09 (00/FF padding removed) + 4E, as on the card
    bool nameSplit = false;  ///< record 09 ends inside a GBK character: 4E must complete it
    std::string sex;        ///< "1" / "2"
    std::string ethnicity;  ///< two-digit GB 3304 code
    std::string birthDate;  ///< YYYYMMDD
};

/// Decodes the value of record (`sfi`, `record`) into `data`. Errors name the field, never
/// its value. Record 4E (after 09) appends its bytes to the name's and decodes the whole name
/// again; an empty (all 00/20) extension leaves the name as record 09 gave it.
Result<void> decodeRecord(uint8_t sfi, uint8_t record, std::span<const uint8_t> value, SocialSecurityCardData& data);

/// Checks the read data for consistency (check digit, birth date, sex code, lengths, a name that
/// does not end inside a character).
/// `complete` = EF06 was read; without it only EF05 fields are checked.
Result<void> validateCardData(const SocialSecurityCardData& data, bool complete);

/// The identity: name, ID number, card number, sex, birth date and `region` = the issuing region
/// code (first 6 characters of EF05 record 01).
PatientIdentity toIdentity(const SocialSecurityCardData& data);

/// Hex helpers for recorded sessions and logs ("00A40400…").
std::string toHex(std::span<const uint8_t> bytes);
std::optional<std::vector<uint8_t>> fromHex(std::string_view text);

}  // namespace kiosk::drivers::pcsc
