#include "drivers/id_reader/ga450/ga450_protocol.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "kiosk/core/id_number.hpp"
#include "kiosk/core/mask.hpp"

namespace kiosk::drivers::ga450 {

namespace {

Error invalid(std::string detail) { return Error(Errc::invalid_data, std::move(detail), "card.unreadable"); }

// Field sizes in bytes of the 256-byte text block (UCS-2LE, 2 bytes per character).
struct FieldSpec {
    size_t bytes;
    std::string IdCardText::*field;
    const char* what;
};
constexpr std::array<FieldSpec, 9> kFields = {{
    {30, &IdCardText::name, "name"},
    {2, &IdCardText::sex, "sex"},
    {4, &IdCardText::ethnicity, "ethnicity"},
    {16, &IdCardText::birthDate, "birth date"},
    {70, &IdCardText::address, "address"},
    {36, &IdCardText::idNumber, "ID number"},
    {30, &IdCardText::authority, "issuing authority"},
    {16, &IdCardText::validFrom, "valid from"},
    {16, &IdCardText::validTo, "valid to"},
}};
constexpr size_t kReservedBytes = 36;

bool allDigits(std::string_view text) {
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool calendarDate(std::string_view yyyymmdd) {
    if (yyyymmdd.size() != 8 || !allDigits(yyyymmdd)) return false;
    using namespace std::chrono;
    const year_month_day date{year(std::stoi(std::string(yyyymmdd.substr(0, 4)))),
                              month(static_cast<unsigned>(std::stoi(std::string(yyyymmdd.substr(4, 2))))),
                              day(static_cast<unsigned>(std::stoi(std::string(yyyymmdd.substr(6, 2)))))};
    return date.ok();
}

}  // namespace

std::string statusMeaning(uint8_t sw3) {
    switch (sw3) {
        case kStatusOk: return "ok";
        case kStatusCardFound: return "card found";
        case kStatusNoCard: return "no card";
        case kStatusSelectFailed: return "select failed";
        case kStatusChecksumError: return "reader got a bad checksum";
        case kStatusLengthError: return "reader got a bad length";
        case kStatusCommandError: return "command not understood";
        case kStatusReadFailed: return "read failed";
        case kStatusNoContent: return "no content";
        default: return fmt::format("status {:02X}", sw3);
    }
}

uint8_t checksum(std::span<const uint8_t> lengthAndBody) {
    uint8_t sum = 0;
    for (uint8_t byte : lengthAndBody) sum ^= byte;
    return sum;
}

std::vector<uint8_t> encodeCommand(Command command, std::span<const uint8_t> data) {
    const size_t length = 2 + data.size() + 1;  // CMD PARA DATA CHK
    std::vector<uint8_t> frame(kPreamble.begin(), kPreamble.end());
    frame.push_back(static_cast<uint8_t>(length >> 8));
    frame.push_back(static_cast<uint8_t>(length & 0xFF));
    frame.push_back(command.cmd);
    frame.push_back(command.para);
    frame.insert(frame.end(), data.begin(), data.end());
    frame.push_back(checksum(std::span(frame).subspan(kPreamble.size())));
    return frame;
}

std::vector<uint8_t> encodeReaderFrame(uint8_t sw3, std::span<const uint8_t> data) {
    const size_t length = 3 + data.size() + 1;  // SW1 SW2 SW3 DATA CHK
    std::vector<uint8_t> frame(kPreamble.begin(), kPreamble.end());
    frame.push_back(static_cast<uint8_t>(length >> 8));
    frame.push_back(static_cast<uint8_t>(length & 0xFF));
    frame.push_back(0x00);
    frame.push_back(0x00);
    frame.push_back(sw3);
    frame.insert(frame.end(), data.begin(), data.end());
    frame.push_back(checksum(std::span(frame).subspan(kPreamble.size())));
    return frame;
}

std::string ReaderFrame::swText() const { return fmt::format("{:02X}{:02X}{:02X}", sw1, sw2, sw3); }

Result<size_t> frameBodyLength(std::span<const uint8_t> header) {
    if (header.size() < kHeaderSize) {
        return std::unexpected(invalid(fmt::format("reader frame header has {} bytes, expected 7", header.size())));
    }
    if (!std::equal(kPreamble.begin(), kPreamble.end(), header.begin())) {
        return std::unexpected(invalid(fmt::format("reader frame starts {:02X} {:02X} {:02X} {:02X} {:02X}, not AA AA AA 96 69",
                                                   header[0], header[1], header[2], header[3], header[4])));
    }
    const size_t length = static_cast<size_t>(header[5]) << 8 | header[6];
    if (length < 4 || length > kMaxFrameLength) {
        return std::unexpected(invalid(fmt::format("reader frame LEN {} out of range 4…{}", length, kMaxFrameLength)));
    }
    return length;
}

Result<ReaderFrame> parseReaderFrame(std::span<const uint8_t> frame) {
    auto length = frameBodyLength(frame);
    if (!length) return std::unexpected(length.error());
    if (frame.size() != kHeaderSize + *length) {
        return std::unexpected(invalid(fmt::format("reader frame has {} bytes after its header, LEN says {}",
                                                   frame.size() - kHeaderSize, *length)));
    }
    const auto covered = frame.subspan(kPreamble.size(), frame.size() - kPreamble.size() - 1);
    const uint8_t expected = checksum(covered);
    if (expected != frame.back()) {
        return std::unexpected(invalid(fmt::format("reader frame checksum {:02X}, computed {:02X}", frame.back(), expected)));
    }
    ReaderFrame parsed;
    parsed.sw1 = frame[7];
    parsed.sw2 = frame[8];
    parsed.sw3 = frame[9];
    parsed.data.assign(frame.begin() + 10, frame.end() - 1);
    return parsed;
}

Result<IdCardText> parseIdCardText(std::span<const uint8_t> text) {
    if (text.size() != kTextSize) return std::unexpected(invalid(fmt::format("ID text has {} bytes, expected 256", text.size())));
    IdCardText parsed;
    size_t offset = 0;
    for (const FieldSpec& spec : kFields) {
        std::u32string characters;
        for (size_t i = 0; i < spec.bytes; i += 2) {
            const char32_t unit = static_cast<char32_t>(text[offset + i] | text[offset + i + 1] << 8);
            if (unit >= 0xD800 && unit <= 0xDFFF) {
                return std::unexpected(invalid(fmt::format("ID text field {}: UTF-16 surrogate, not UCS-2", spec.what)));
            }
            if (unit == 0) break;  // NUL ends a field on readers that pad with U+0000
            characters.push_back(unit);
        }
        // Fields are padded with spaces (U+0020); some readers pad with U+0000.
        while (!characters.empty() && characters.back() == U' ') characters.pop_back();
        if (std::any_of(characters.begin(), characters.end(), [](char32_t c) { return c < 0x20; })) {
            return std::unexpected(invalid(fmt::format("ID text field {}: control character", spec.what)));
        }
        parsed.*spec.field = encodeUtf8(characters);
        offset += spec.bytes;
    }
    return parsed;
}

Result<IdCardText> parseReadAnswer(std::span<const uint8_t> data) {
    // Bytes 0-1: text length (BE), 2-3: photo length (BE), then text, then photo.
    if (data.size() < 4) return std::unexpected(invalid(fmt::format("read answer has {} bytes, no lengths", data.size())));
    const size_t textLength = static_cast<size_t>(data[0]) << 8 | data[1];
    const size_t photoLength = static_cast<size_t>(data[2]) << 8 | data[3];
    if (textLength != kTextSize) return std::unexpected(invalid(fmt::format("read answer text length {}, expected 256", textLength)));
    if (data.size() != 4 + textLength + photoLength) {
        return std::unexpected(invalid(fmt::format("read answer has {} bytes, lengths say {}", data.size(),
                                                   4 + textLength + photoLength)));
    }
    return parseIdCardText(data.subspan(4, textLength));
}

Result<std::vector<uint8_t>> encodeIdCardText(const IdCardText& text) {
    std::vector<uint8_t> block;
    block.reserve(kTextSize);
    for (const FieldSpec& spec : kFields) {
        const std::u32string characters = decodeUtf8(text.*spec.field);
        if (characters.size() * 2 > spec.bytes) {
            return fail(Errc::invalid_argument, fmt::format("ID text field {} too long", spec.what));
        }
        for (size_t i = 0; i < spec.bytes / 2; ++i) {
            const char32_t c = i < characters.size() ? characters[i] : U' ';
            if (c > 0xFFFF) return fail(Errc::invalid_argument, fmt::format("ID text field {}: outside UCS-2", spec.what));
            block.push_back(static_cast<uint8_t>(c & 0xFF));
            block.push_back(static_cast<uint8_t>(c >> 8));
        }
    }
    for (size_t i = 0; i < kReservedBytes / 2; ++i) {
        block.push_back(0x20);
        block.push_back(0x00);
    }
    return block;
}

Result<std::vector<uint8_t>> encodeReadAnswerData(const IdCardText& text) {
    auto block = encodeIdCardText(text);
    if (!block) return block;
    std::vector<uint8_t> data = {0x01, 0x00, 0x04, 0x00};
    data.insert(data.end(), block->begin(), block->end());
    data.resize(data.size() + kPhotoSize, 0x00);
    return data;
}

Result<PatientIdentity> toIdentity(const IdCardText& text) {
    if (auto valid = validateIdNumber(text.idNumber); !valid) {
        return std::unexpected(Error(Errc::invalid_data, "ID card: " + valid.error().detail, "card.unreadable"));
    }
    if (text.name.empty()) return std::unexpected(invalid("ID card: name is empty"));
    if (!calendarDate(text.birthDate)) return std::unexpected(invalid("ID card: birth date is not a calendar date"));
    if (text.birthDate != text.idNumber.substr(6, 8)) {
        return std::unexpected(invalid("ID card: birth date differs from the one in the ID number"));
    }
    // GB 11643: the 17th digit (sequence code) is odd for men, even for women.
    const bool male = (text.idNumber[16] - '0') % 2 == 1;
    if (text.sex != (male ? "1" : "2")) return std::unexpected(invalid("ID card: sex code differs from the ID number's"));
    if (!calendarDate(text.validFrom)) return std::unexpected(invalid("ID card: validity start is not a date"));
    PatientIdentity identity;
    identity.source = IdentitySource::id_card;
    identity.name = text.name;
    identity.idNumber = text.idNumber;
    identity.sex = text.sex;
    identity.birthDate = text.birthDate;
    return identity;
}

}  // namespace kiosk::drivers::ga450
