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
// [X] commands: find card 20 01, select card 20 02, read text+photo 30 01, SAM status 11 FF,
//     reset SAM 10 FF
// [X] checksum and length verified both ways; preamble hunted after line noise
// [X] the 256-byte text: name, sex, ethnicity, birth date, address, ID number, authority, validity
// [ ] the photo (WLT) is not decoded: that needs the vendor's library
// [ ] foreigner's permanent residence card layout (different text fields)

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

/// The fixed text fields (UTF-8, padding removed).
struct IdCardText {
    std::string name;
    std::string sex;        ///< "1" male, "2" female
    std::string ethnicity;  ///< "01"…"56"
    std::string birthDate;  ///< YYYYMMDD
    std::string address;
    std::string idNumber;
    std::string authority;
    std::string validFrom;  ///< YYYYMMDD
    std::string validTo;    ///< YYYYMMDD or "长期"
};
constexpr size_t kTextSize = 256;
constexpr size_t kPhotoSize = 1024;

/// Splits a read answer's data (text length, photo length, text, photo) and decodes the text.
Result<IdCardText> parseReadAnswer(std::span<const uint8_t> data);
/// Decodes the 256-byte UCS-2LE text block.
Result<IdCardText> parseIdCardText(std::span<const uint8_t> text);
/// Encodes the text block (virtual reader, tests); fields too long are an error.
Result<std::vector<uint8_t>> encodeIdCardText(const IdCardText& text);
/// Builds the read answer's data: lengths, text, a zero photo.
Result<std::vector<uint8_t>> encodeReadAnswerData(const IdCardText& text);

/// Validates (check digit, birth date = the ID number's, sex = the ID number's parity, dates)
/// and converts. Errors never echo the values.
Result<PatientIdentity> toIdentity(const IdCardText& text);

}  // namespace kiosk::drivers::ga450
