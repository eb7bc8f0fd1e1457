#include "drivers/id_reader/ga450/ga450_protocol.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "kiosk/core/id_number.hpp"
#include "kiosk/core/mask.hpp"

namespace kiosk::drivers::ga450 {

namespace {

Error invalid(std::string detail) { return Error(Errc::invalid_data, std::move(detail), "card.unreadable"); }

// One field of a text block: its size in bytes (UCS-2LE, 2 bytes per character), where it
// goes (nullptr = reserved or the type flag) and, for the second part of Y's English name,
// whether it continues the previous field's member.
struct FieldSpec {
    size_t bytes;
    std::string IdCardText::*field;
    const char* what;
    bool continues = false;
};

// The tables of ga450_protocol.hpp (Johann356/readinfo, PCSCGetData.h). Each sums to 256 bytes
// with the type flag at byte 248.
constexpr std::array<FieldSpec, 14> kResidentFields = {{
    {30, &IdCardText::name, "name"},
    {2, &IdCardText::sex, "sex"},
    {4, &IdCardText::ethnicity, "ethnicity"},
    {16, &IdCardText::birthDate, "birth date"},
    {70, &IdCardText::address, "address"},
    {36, &IdCardText::idNumber, "ID number"},
    {30, &IdCardText::authority, "issuing authority"},
    {16, &IdCardText::validFrom, "valid from"},
    {16, &IdCardText::validTo, "valid to"},
    {18, &IdCardText::passNumber, "pass number"},
    {4, &IdCardText::issueCount, "issue count"},
    {6, nullptr, "reserved"},
    {2, nullptr, "type flag"},
    {6, nullptr, "reserved"},
}};
constexpr std::array<FieldSpec, 12> kForeigner2017Fields = {{
    {120, &IdCardText::englishName, "English name"},
    {2, &IdCardText::sex, "sex"},
    {30, &IdCardText::idNumber, "permanent residence number"},
    {6, &IdCardText::nationality, "nationality"},
    {30, &IdCardText::name, "Chinese name"},
    {16, &IdCardText::validFrom, "valid from"},
    {16, &IdCardText::validTo, "valid to"},
    {16, &IdCardText::birthDate, "birth date"},
    {4, &IdCardText::cardVersion, "card version"},
    {8, &IdCardText::authority, "authority code"},
    {2, nullptr, "type flag"},
    {6, nullptr, "reserved"},
}};
constexpr std::array<FieldSpec, 13> kForeigner2023Fields = {{
    {30, &IdCardText::name, "Chinese name"},
    {2, &IdCardText::sex, "sex"},
    {4, &IdCardText::renewalCount, "renewal count"},
    {16, &IdCardText::birthDate, "birth date"},
    {70, &IdCardText::englishName, "English name"},
    {36, &IdCardText::idNumber, "permanent residence number"},
    {30, nullptr, "reserved"},
    {16, &IdCardText::validFrom, "valid from"},
    {16, &IdCardText::validTo, "valid to"},
    {22, &IdCardText::englishName, "English name (continued)", true},
    {6, &IdCardText::nationality, "nationality"},
    {2, nullptr, "type flag"},
    {6, &IdCardText::previousNumberLink, "link to the previous number"},
}};

std::span<const FieldSpec> fieldsOf(IdCardType type) {
    switch (type) {
        case IdCardType::resident:
        case IdCardType::hk_macao_taiwan_permit: return kResidentFields;
        case IdCardType::foreigner_permanent_2017: return kForeigner2017Fields;
        case IdCardType::foreigner_permanent_2023: return kForeigner2023Fields;
    }
    return kResidentFields;
}

/// The flag character each type carries at byte 248.
char16_t typeFlagOf(IdCardType type) {
    switch (type) {
        case IdCardType::resident: return u' ';
        case IdCardType::hk_macao_taiwan_permit: return u'J';
        case IdCardType::foreigner_permanent_2017: return u'I';
        case IdCardType::foreigner_permanent_2023: return u'Y';
    }
    return u' ';
}

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

std::string_view idCardTypeName(IdCardType type) {
    switch (type) {
        case IdCardType::resident: return "resident ID card";
        case IdCardType::hk_macao_taiwan_permit: return "residence permit for Hong Kong, Macao and Taiwan residents";
        case IdCardType::foreigner_permanent_2017: return "foreigner's permanent residence ID card (2017)";
        case IdCardType::foreigner_permanent_2023: return "foreigner's permanent residence ID card (2023)";
    }
    return "?";
}

IdentitySource identitySourceOf(IdCardType type) {
    switch (type) {
        case IdCardType::resident: return IdentitySource::id_card;
        case IdCardType::hk_macao_taiwan_permit: return IdentitySource::hk_macao_taiwan_residence_permit;
        case IdCardType::foreigner_permanent_2017:
        case IdCardType::foreigner_permanent_2023: return IdentitySource::foreigner_permanent_residence_card;
    }
    return IdentitySource::id_card;
}

Result<IdCardText> parseIdCardText(std::span<const uint8_t> text) {
    if (text.size() != kTextSize) return std::unexpected(invalid(fmt::format("ID text has {} bytes, expected 256", text.size())));
    // Bytes 248-249: the card type flag, one UCS-2LE character.
    const char16_t flag = static_cast<char16_t>(text[kTypeFlagOffset] | text[kTypeFlagOffset + 1] << 8);
    IdCardText parsed;
    switch (flag) {
        case u' ':
        case u'\0': parsed.type = IdCardType::resident; break;  // older readers: reserved bytes, U+0000
        case u'J': parsed.type = IdCardType::hk_macao_taiwan_permit; break;
        case u'I': parsed.type = IdCardType::foreigner_permanent_2017; break;
        case u'Y': parsed.type = IdCardType::foreigner_permanent_2023; break;
        default: {
            const bool printable = flag > 0x20 && flag < 0x7F;
            return fail(Errc::unsupported,
                        fmt::format("ID text: card type flag {}U+{:04X} has no layout here", printable
                                        ? fmt::format("'{}' ", static_cast<char>(flag)) : std::string(),
                                    static_cast<unsigned>(flag)),
                        "card.type_unsupported");
        }
    }
    size_t offset = 0;
    for (const FieldSpec& spec : fieldsOf(parsed.type)) {
        if (!spec.field) {
            offset += spec.bytes;
            continue;
        }
        std::u32string characters;
        for (size_t i = 0; i < spec.bytes; i += 2) {
            const char32_t unit = static_cast<char32_t>(text[offset + i] | text[offset + i + 1] << 8);
            if (unit >= 0xD800 && unit <= 0xDFFF) {
                return std::unexpected(invalid(fmt::format("ID text field {}: UTF-16 surrogate, not UCS-2", spec.what)));
            }
            if (unit == 0) break;  // NUL ends a field on readers that pad with U+0000
            characters.push_back(unit);
        }
        // Fields are padded with spaces (U+0020); some readers pad with U+0000. The first part of
        // a name continued in a second field keeps its spaces: one may separate two words.
        if (!(spec.field == &IdCardText::englishName && parsed.type == IdCardType::foreigner_permanent_2023 &&
              !spec.continues)) {
            while (!characters.empty() && characters.back() == U' ') characters.pop_back();
        }
        if (std::any_of(characters.begin(), characters.end(), [](char32_t c) { return c < 0x20; })) {
            return std::unexpected(invalid(fmt::format("ID text field {}: control character", spec.what)));
        }
        if (spec.continues) {
            parsed.*spec.field += encodeUtf8(characters);
            // The first part kept its trailing spaces; a name that ended there loses them now.
            std::string& joined = parsed.*spec.field;
            joined.erase(joined.find_last_not_of(' ') + 1);
        } else {
            parsed.*spec.field = encodeUtf8(characters);
        }
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
    auto put = [&](char32_t c) {
        block.push_back(static_cast<uint8_t>(c & 0xFF));
        block.push_back(static_cast<uint8_t>(c >> 8));
    };
    // Y's English name is cut in two fields: characters 1-35, then 36-46.
    std::u32string englishRest;
    for (const FieldSpec& spec : fieldsOf(text.type)) {
        if (!spec.field) {
            const char32_t fill = std::string_view(spec.what) == "type flag" ? typeFlagOf(text.type) : U' ';
            put(fill);
            for (size_t i = 1; i < spec.bytes / 2; ++i) put(U' ');
            continue;
        }
        std::u32string characters = spec.continues ? englishRest : decodeUtf8(text.*spec.field);
        if (spec.field == &IdCardText::englishName && !spec.continues && text.type == IdCardType::foreigner_permanent_2023 &&
            characters.size() * 2 > spec.bytes) {
            englishRest = characters.substr(spec.bytes / 2);
            characters.resize(spec.bytes / 2);
        }
        if (characters.size() * 2 > spec.bytes) {
            return fail(Errc::invalid_argument, fmt::format("ID text field {} too long", spec.what));
        }
        for (size_t i = 0; i < spec.bytes / 2; ++i) {
            const char32_t c = i < characters.size() ? characters[i] : U' ';
            if (c > 0xFFFF) return fail(Errc::invalid_argument, fmt::format("ID text field {}: outside UCS-2", spec.what));
            put(c);
        }
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

namespace {

Result<PatientIdentity> residentIdentity(const IdCardText& text, std::string_view card) {
    if (auto valid = validateIdNumber(text.idNumber); !valid) {
        return std::unexpected(Error(Errc::invalid_data, fmt::format("{}: {}", card, valid.error().detail), "card.unreadable"));
    }
    if (text.name.empty()) return std::unexpected(invalid(fmt::format("{}: name is empty", card)));
    if (!calendarDate(text.birthDate)) return std::unexpected(invalid(fmt::format("{}: birth date is not a calendar date", card)));
    if (text.birthDate != text.idNumber.substr(6, 8)) {
        return std::unexpected(invalid(fmt::format("{}: birth date differs from the one in the ID number", card)));
    }
    // GB 11643: the 17th digit (sequence code) is odd for men, even for women.
    const bool male = (text.idNumber[16] - '0') % 2 == 1;
    if (text.sex != (male ? "1" : "2")) return std::unexpected(invalid(fmt::format("{}: sex code differs from the ID number's", card)));
    if (!calendarDate(text.validFrom)) return std::unexpected(invalid(fmt::format("{}: validity start is not a date", card)));
    PatientIdentity identity;
    identity.source = identitySourceOf(text.type);
    identity.name = text.name;
    identity.idNumber = text.idNumber;
    identity.sex = text.sex;
    identity.birthDate = text.birthDate;
    return identity;
}

Result<PatientIdentity> foreignerIdentity(const IdCardText& text) {
    constexpr std::string_view card = "permanent residence card";
    const std::string& number = text.idNumber;
    if (text.type == IdCardType::foreigner_permanent_2017) {
        // 3 letters (nationality, ISO 3166-1 alpha-3) + 12 digits (CredentialKit's pattern).
        const bool shaped = number.size() == 15 &&
                            std::all_of(number.begin(), number.begin() + 3, [](char c) { return c >= 'A' && c <= 'Z'; }) &&
                            allDigits(std::string_view(number).substr(3));
        if (!shaped) {
            return std::unexpected(invalid(fmt::format("{} (2017): number is not 3 letters and 12 digits ({} characters)",
                                                       card, number.size())));
        }
    } else {
        // '9' + 16 digits + the GB 11643 check character; digits 7-14 are the birth date.
        if (auto valid = validateIdNumber(number); !valid || number[0] != '9') {
            return std::unexpected(invalid(fmt::format("{} (2023): number is not '9' + a GB 11643-checked number", card)));
        }
        if (text.birthDate != number.substr(6, 8)) {
            return std::unexpected(invalid(fmt::format("{} (2023): birth date differs from the one in the number", card)));
        }
    }
    if (!calendarDate(text.birthDate)) return std::unexpected(invalid(fmt::format("{}: birth date is not a calendar date", card)));
    if (text.sex != "1" && text.sex != "2") return std::unexpected(invalid(fmt::format("{}: sex code is not 1 or 2", card)));
    PatientIdentity identity;
    identity.source = IdentitySource::foreigner_permanent_residence_card;
    // The Chinese name when the card holds one (the name the hospital knows), else the English.
    identity.name = !text.name.empty() ? text.name : text.englishName;
    if (identity.name.empty()) return std::unexpected(invalid(fmt::format("{}: no name", card)));
    identity.idNumber = number;
    identity.sex = text.sex;
    identity.birthDate = text.birthDate;
    return identity;
}

}  // namespace

Result<PatientIdentity> toIdentity(const IdCardText& text) {
    switch (text.type) {
        case IdCardType::resident: return residentIdentity(text, "ID card");
        case IdCardType::hk_macao_taiwan_permit: return residentIdentity(text, "residence permit (J)");
        case IdCardType::foreigner_permanent_2017:
        case IdCardType::foreigner_permanent_2023: return foreignerIdentity(text);
    }
    return fail(Errc::internal, "unknown ID card type");
}

}  // namespace kiosk::drivers::ga450
