#pragma once
// Pure encode/parse functions of the framed serial protocol spoken by second-generation ID-card
// readers (身份证阅读器) to their SAM ("GA 450" reader requirement; shared/notes/protocols.md §2).
//
// Host → reader:  AA AA AA 96 69 | LEN_H LEN_L | CMD | PARA | DATA… | CHK
// Reader → host:  AA AA AA 96 69 | LEN_H LEN_L | SW1 SW2 SW3 | DATA… | CHK
//   LEN (big-endian) counts every byte after itself, CHK included.
//   CHK = XOR of LEN_H, LEN_L and every byte up to (not including) CHK.
//   SW1 SW2 are 00 00 on every answer seen; SW3 is the result code (kStatus… below).
// Read answer (30 01): SW 00 00 90, text length (2, BE, 0x0100), photo length (2, BE, 0x0400),
//   256 bytes of text in UCS-2 little-endian with fixed fields, 1024 bytes of WLT photo.
//
// The text block's layout depends on the card: bytes 248–249 hold a card-type flag (one UCS-2
// character) and the other 248 bytes are cut into fields by the table of that type. Source of the
// four tables: github.com/Johann356/readinfo, `PCSCGetData.h` (the version with
// `t_idforeigner2023`; structs `t_idcardinfor`, `t_idforeigner`, `t_idforeigner2023`), with
// bytes (UCS-2LE, space-padded):
//   flag ' ' resident ID card (居民身份证) and flag 'J' residence permit for Hong Kong, Macao and
//     Taiwan residents (港澳台居民居住证), `t_idcardinfor`:
//       name 30 | sex 2 | ethnicity 4 | birth date 16 | address 70 | ID number 36 |
//       issuing authority 30 | valid from 16 | valid to 16 | pass number 18 (通行证号码, J) |
//       issue count 4 (签发次数, J) | reserved 6 | flag 2 | reserved 6
//   flag 'I' foreigner's permanent residence ID card, 2017 version (外国人永久居留身份证),
//     `t_idforeigner`: English name 120 | sex 2 | residence number 30 (15 characters) |
//       nationality 6 (ISO 3166-1 alpha-3) | Chinese name 30 | valid from 16 | valid to 16 |
//       birth date 16 | card version 4 | authority code 8 | flag 2 | reserved 6
//   flag 'Y' foreigner's permanent residence ID card, 2023 version, `t_idforeigner2023`:
//       Chinese name 30 | sex 2 | renewal count 4 (换证次数) | birth date 16 |
//       English name 70 (characters 1–35) | residence number 36 (18 characters) | reserved 30 |
//       valid from 16 | valid to 16 | English name 22 (characters 36–46) | nationality 6 |
//       flag 2 | link to the 2017-style number 6
// The residence numbers' shapes: 2017 = 3 letters (nationality) + 12 digits, 2023 = '9' + 17
// characters under the GB 11643 check character — github.com/xiahaimoyu CredentialKit,
// `ForeignerPermanentResidenceIdNumberProcessor` (pattern `[A-Z]{3}\d{12}|9\d{16}[0-9X]`).
//
// [X] commands: find card 20 01, select card 20 02, read text+photo 30 01, SAM status 11 FF,
//     reset SAM 10 FF
// [X] checksum and length verified both ways; preamble hunted after line noise
// [X] the 256-byte text of each card type above, chosen by its type flag; any other flag →
//     unsupported ("card.type_unsupported"), never "unreadable"
// [ ] the photo (WLT) is not decoded: that needs the vendor's library
// [ ] the 2017 number's check character (ICAO 9303 7-3-1 in CredentialKit) is not tested: cards
//     in the field are read by a certified SAM, and a wrong guess would refuse a good card

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "kiosk/core/error.hpp"
#include "kiosk/core/identity.hpp"

namespace kiosk::drivers::ga450 {

constexpr std::array<uint8_t, 5> kPreamble = {0xAA, 0xAA, 0xAA, 0x96, 0x69};
constexpr size_t kHeaderSize = 7;          ///< preamble + LEN
constexpr size_t kMaxFrameLength = 0x1000; ///< a LEN above this is line noise (read answer: 0x0508)

struct Command {
    uint8_t cmd;
    uint8_t para;
};
constexpr Command kFindCard{0x20, 0x01};
constexpr Command kSelectCard{0x20, 0x02};
constexpr Command kReadText{0x30, 0x01};
constexpr Command kSamStatus{0x11, 0xFF};
constexpr Command kResetSam{0x10, 0xFF};

// SW3 result codes (as commonly documented for GA 450 SAMs).
constexpr uint8_t kStatusOk = 0x90;
constexpr uint8_t kStatusCardFound = 0x9F;
constexpr uint8_t kStatusNoCard = 0x80;
constexpr uint8_t kStatusSelectFailed = 0x81;
constexpr uint8_t kStatusChecksumError = 0x10;  ///< the SAM got a frame with a bad checksum
constexpr uint8_t kStatusLengthError = 0x11;
constexpr uint8_t kStatusCommandError = 0x21;
constexpr uint8_t kStatusReadFailed = 0x41;
constexpr uint8_t kStatusNoContent = 0x91;
std::string statusMeaning(uint8_t sw3);

uint8_t checksum(std::span<const uint8_t> lengthAndBody);
std::vector<uint8_t> encodeCommand(Command command, std::span<const uint8_t> data = {});

struct ReaderFrame {
    uint8_t sw1 = 0;
    uint8_t sw2 = 0;
    uint8_t sw3 = 0;
    std::vector<uint8_t> data;
    /// "000090": the form the CLI prints.
    std::string swText() const;
};

/// From a 7-byte header (preamble + LEN): how many bytes follow. Bad preamble or a LEN that
/// cannot hold SW1-SW3 + CHK (< 4) or is over kMaxFrameLength → invalid_data.
Result<size_t> frameBodyLength(std::span<const uint8_t> header);
/// Parses one complete reader frame (header + body). Checks preamble, LEN against the size,
/// and the checksum.
Result<ReaderFrame> parseReaderFrame(std::span<const uint8_t> frame);
/// Encodes a reader answer (for the virtual reader and tests).
std::vector<uint8_t> encodeReaderFrame(uint8_t sw3, std::span<const uint8_t> data = {});

/// The card types a GA 450 SAM returns, told apart by the text block's type flag (byte 248).
enum class IdCardType {
    resident,                  ///< flag ' ' (or U+0000): resident ID card (居民身份证)
    hk_macao_taiwan_permit,    ///< flag 'J': residence permit for HK/Macao/Taiwan residents
    foreigner_permanent_2017,  ///< flag 'I': foreigner's permanent residence ID card, 2017
    foreigner_permanent_2023,  ///< flag 'Y': foreigner's permanent residence ID card, 2023
};
std::string_view idCardTypeName(IdCardType type);
/// The identity source a card of this type gives.
IdentitySource identitySourceOf(IdCardType type);

/// The text fields (UTF-8, padding removed). Which are filled depends on `type` (see the tables
/// above); the others stay empty.
struct IdCardText {
    std::string name{};       ///< the Chinese name (empty on a foreigner's card without one)
    std::string sex{};        ///< "1" male, "2" female
    std::string ethnicity{};  ///< "01"…"56" (resident card only)
    std::string birthDate{};  ///< YYYYMMDD
    std::string address{};    ///< resident card and J
    std::string idNumber{};   ///< the card's number: ID number, or the permanent residence number
    std::string authority{};  ///< issuing authority (name; for I: the 4-digit authority code)
    std::string validFrom{};  ///< YYYYMMDD
    std::string validTo{};    ///< YYYYMMDD or "长期"
    IdCardType type = IdCardType::resident;
    std::string passNumber{};    ///< J: number of the holder's travel permit (通行证号码)
    std::string issueCount{};    ///< J: how many times the permit was issued (签发次数)
    std::string englishName{};   ///< I and Y (Y: both parts joined)
    std::string nationality{};   ///< I and Y: ISO 3166-1 alpha-3 code
    std::string cardVersion{};   ///< I: card version ("20")
    std::string renewalCount{};  ///< Y: 换证次数
    std::string previousNumberLink{};  ///< Y: link to the holder's 2017-style number
};
constexpr size_t kTextSize = 256;
constexpr size_t kPhotoSize = 1024;
constexpr size_t kTypeFlagOffset = 248;  ///< byte offset of the type flag in the text block

/// Splits a read answer's data (text length, photo length, text, photo) and decodes the text.
Result<IdCardText> parseReadAnswer(std::span<const uint8_t> data);
/// Decodes the 256-byte UCS-2LE text block with the table of its type flag. A flag this file
/// has no table for → Errc::unsupported, key "card.type_unsupported"; bad characters →
/// invalid_data, "card.unreadable".
Result<IdCardText> parseIdCardText(std::span<const uint8_t> text);
/// Encodes the text block of `text.type` (virtual reader, tests); fields too long are an error.
Result<std::vector<uint8_t>> encodeIdCardText(const IdCardText& text);
/// Builds the read answer's data: lengths, text, a zero photo.
Result<std::vector<uint8_t>> encodeReadAnswerData(const IdCardText& text);

/// Validates and converts. Resident card and J: GB 11643 check digit, birth date = the ID
/// number's, sex = the ID number's parity, validity start a date. I: number = 3 letters + 12
/// digits, birth date a date. Y: number '9' + GB 11643 check character, birth date = the
/// number's. The name is the Chinese name, else (a foreigner's card without one) the English
/// name. Errors (invalid_data, "card.unreadable") never echo the values.
Result<PatientIdentity> toIdentity(const IdCardText& text);

}  // namespace kiosk::drivers::ga450
