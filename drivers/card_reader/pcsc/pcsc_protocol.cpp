#include "drivers/card_reader/pcsc/pcsc_protocol.hpp"

#include <fmt/format.h>
#include <iconv.h>

#include <algorithm>
#include <cerrno>
#include <chrono>

#include "kiosk/core/id_number.hpp"

namespace kiosk::drivers::pcsc {

namespace {

// "sx1.sh.社会保障" in GBK: the DF name of the social-security application (SSSE).
constexpr std::array<uint8_t, 15> kSsseName = {0x73, 0x78, 0x31, 0x2E, 0x73, 0x68, 0x2E, 0xC9,
                                               0xE7, 0xBB, 0xE1, 0xB1, 0xA3, 0xD5, 0xCF};

// Le = 2 (tag + length) + the value length of protocols.md §1 (4E: 20 bytes, `00 B2 4E 30 16`).
// The name extension follows the name: it is joined to it.
constexpr std::array<RecordSpec, 9> kRecords = {{
    {kSfiEf05, 0x01, 0x12, "card identification code"},
    {kSfiEf05, 0x03, 0x06, "specification version"},
    {kSfiEf05, 0x07, 0x0B, "card number"},
    {kSfiEf06, 0x08, 0x14, "ID number"},
    {kSfiEf06, kTagName, 0x20, "name"},
    {kSfiEf06, kTagNameExtension, 0x16, "name extension", true},
    {kSfiEf06, 0x0A, 0x03, "sex"},
    {kSfiEf06, 0x0B, 0x03, "ethnicity"},
    {kSfiEf06, 0x0D, 0x06, "birth date"},
}};

Error invalid(std::string detail) { return Error(Errc::invalid_data, std::move(detail), "card.unreadable"); }

/// Strips trailing padding (00, 20, FF) from a fixed-length field.
std::span<const uint8_t> trimPadding(std::span<const uint8_t> bytes) {
    size_t end = bytes.size();
    while (end > 0 && (bytes[end - 1] == 0x00 || bytes[end - 1] == 0x20 || bytes[end - 1] == 0xFF)) --end;
    return bytes.first(end);
}

Result<std::string> printableAscii(std::span<const uint8_t> bytes, std::string_view field) {
    std::string text;
    for (uint8_t byte : trimPadding(bytes)) {
        if (byte < 0x20 || byte > 0x7E) return std::unexpected(invalid(fmt::format("{}: non-ASCII byte", field)));
        text.push_back(static_cast<char>(byte));
    }
    return text;
}

/// Strips trailing 00/FF only: a space (20) may be part of a name cut by the end of record 09.
std::span<const uint8_t> trimZeroPadding(std::span<const uint8_t> bytes) {
    size_t end = bytes.size();
    while (end > 0 && (bytes[end - 1] == 0x00 || bytes[end - 1] == 0xFF)) --end;
    return bytes.first(end);
}

/// iconv conversion; `truncatedAtEnd` (if given) tells an input that ends inside a multi-byte
/// character (EINVAL) from one holding an invalid sequence (EILSEQ).
Result<std::vector<uint8_t>> convert(const char* to, const char* from, std::span<const uint8_t> input,
                                     bool* truncatedAtEnd = nullptr) {
    iconv_t cd = iconv_open(to, from);
    if (cd == reinterpret_cast<iconv_t>(-1)) return fail(Errc::internal, fmt::format("iconv_open {}→{} failed", from, to));
    std::vector<uint8_t> output(input.size() * 4 + 4);
    auto* in = const_cast<char*>(reinterpret_cast<const char*>(input.data()));
    size_t inLeft = input.size();
    auto* out = reinterpret_cast<char*>(output.data());
    size_t outLeft = output.size();
    const size_t rv = iconv(cd, &in, &inLeft, &out, &outLeft);
    const int error = errno;
    iconv_close(cd);
    if (truncatedAtEnd) *truncatedAtEnd = rv == static_cast<size_t>(-1) && error == EINVAL;
    if (rv == static_cast<size_t>(-1)) {
        return std::unexpected(invalid(fmt::format("{}→{}: {} at byte {} of {}", from, to,
                                                   error == EILSEQ ? "invalid sequence" : "truncated sequence",
                                                   input.size() - inLeft, input.size())));
    }
    output.resize(output.size() - outLeft);
    return output;
}

}  // namespace

std::vector<uint8_t> selectSsseCommand() {
    // CLA 00, INS A4 SELECT, P1 04 by DF name, P2 00 first occurrence with FCI, Lc 0F, name.
    std::vector<uint8_t> command = {0x00, 0xA4, 0x04, 0x00, static_cast<uint8_t>(kSsseName.size())};
    command.insert(command.end(), kSsseName.begin(), kSsseName.end());
    return command;
}

std::vector<uint8_t> readRecordCommand(uint8_t record, uint8_t sfi, uint8_t expectedLength) {
    // CLA 00, INS B2 READ RECORD, P1 record number, P2 = SFI in bits 8-4, 100 in bits 3-1.
    return {0x00, 0xB2, record, static_cast<uint8_t>((sfi << 3) | 0x04), expectedLength};
}

std::vector<uint8_t> readRecordByIdCommand(uint8_t tag, uint8_t sfi, uint8_t expectedLength) {
    // CLA 00, INS B2 READ RECORD, P1 record identifier, P2 = SFI in bits 8-4, 000 in bits 3-1.
    return {0x00, 0xB2, tag, static_cast<uint8_t>(sfi << 3), expectedLength};
}

std::span<const RecordSpec> socialSecurityRecords() { return kRecords; }

SwKind classifyStatusWord(uint16_t sw) {
    const uint8_t sw1 = static_cast<uint8_t>(sw >> 8);
    if (sw == 0x9000) return SwKind::ok;
    if (sw1 == 0x61) return SwKind::more_data;
    if (sw1 == 0x6C) return SwKind::wrong_length;
    if (sw == 0x6A82 || sw == 0x6A83) return SwKind::not_found;
    if (sw == 0x6982 || sw == 0x6983 || (sw & 0xFFF0) == 0x63C0) return SwKind::needs_pin;
    if (sw == 0x6D00 || sw == 0x6E00) return SwKind::not_supported;
    return SwKind::other;
}

std::string statusWordMeaning(uint16_t sw) {
    if (sw == 0x9000) return "ok";
    if ((sw >> 8) == 0x61) return fmt::format("{} more bytes waiting", (sw & 0xFF) == 0 ? 256 : (sw & 0xFF));
    if ((sw >> 8) == 0x6C) return fmt::format("wrong Le, card wants {}", sw & 0xFF);
    if ((sw & 0xFFF0) == 0x63C0) return fmt::format("PIN verification failed, {} tries left", sw & 0x0F);
    switch (sw) {
        case 0x6A82: return "file not found";
        case 0x6A83: return "record not found";
        case 0x6982: return "security status not satisfied";
        case 0x6983: return "authentication method blocked";
        case 0x6D00: return "instruction not supported";
        case 0x6E00: return "class not supported";
        case 0x6700: return "wrong length";
        case 0x6A86: return "incorrect P1 P2";
        case 0x6F00: return "no precise diagnosis";
        default: return fmt::format("status {:04X}", sw);
    }
}

Result<Tlv> parseTlv(std::span<const uint8_t> record) {
    // Byte 0: tag (= the record identifier); byte 1: value length L (< 0x80, one byte); then L bytes.
    if (record.size() < 2) {
        return std::unexpected(invalid(fmt::format("record: {} bytes, no TLV header", record.size())));
    }
    const uint8_t tag = record[0];
    const size_t length = record[1];
    if (length >= 0x80) {
        return std::unexpected(invalid(fmt::format("record {:02X}: multi-byte length {:02X} not used by this card",
                                                   tag, record[1])));
    }
    if (record.size() < 2 + length) {
        return std::unexpected(invalid(fmt::format("record {:02X}: length {} but only {} value bytes", tag, length,
                                                   record.size() - 2)));
    }
    for (uint8_t padding : record.subspan(2 + length)) {
        if (padding != 0x00 && padding != 0xFF) {
            return std::unexpected(invalid(fmt::format("record {:02X}: {} bytes after the value", tag,
                                                       record.size() - 2 - length)));
        }
    }
    const auto value = record.subspan(2, length);
    return Tlv{tag, std::vector<uint8_t>(value.begin(), value.end())};
}

Result<Tlv> parseRecordTlv(std::span<const uint8_t> record, uint8_t expectedTag) {
    if (!record.empty() && record[0] != expectedTag) {
        return std::unexpected(invalid(fmt::format("record {:02X}: tag {:02X}", expectedTag, record[0])));
    }
    auto tlv = parseTlv(record);
    if (!tlv && record.size() < 2) {
        return std::unexpected(invalid(fmt::format("record {:02X}: {} bytes, no TLV header", expectedTag, record.size())));
    }
    return tlv;
}

Result<std::string> gbkToUtf8(std::span<const uint8_t> gbk) {
    auto converted = convert("UTF-8", "GB18030", trimPadding(gbk));
    if (!converted) return std::unexpected(converted.error());
    return std::string(converted->begin(), converted->end());
}

Result<std::vector<uint8_t>> utf8ToGbk(std::string_view utf8) {
    return convert("GBK", "UTF-8", std::span(reinterpret_cast<const uint8_t*>(utf8.data()), utf8.size()));
}

Result<std::string> bcdDate(std::span<const uint8_t> bcd) {
    if (bcd.size() != 4) return std::unexpected(invalid(fmt::format("BCD date: {} bytes, expected 4", bcd.size())));
    std::string text;
    for (uint8_t byte : bcd) {
        const int high = byte >> 4;
        const int low = byte & 0x0F;
        if (high > 9 || low > 9) return std::unexpected(invalid(fmt::format("BCD date: nibble over 9 ({:02X})", byte)));
        text.push_back(static_cast<char>('0' + high));
        text.push_back(static_cast<char>('0' + low));
    }
    return text;
}

Result<void> decodeRecord(uint8_t sfi, uint8_t record, std::span<const uint8_t> value, SocialSecurityCardData& data) {
    auto ascii = [&](std::string& target, std::string_view field) -> Result<void> {
        auto text = printableAscii(value, field);
        if (!text) return std::unexpected(text.error());
        target = std::move(*text);
        return {};
    };
    if (sfi == kSfiEf05) {
        switch (record) {
            case 0x01: {
                auto done = ascii(data.cardIdentificationCode, "card identification code");
                if (done && data.cardIdentificationCode.size() >= 6) data.regionCode = data.cardIdentificationCode.substr(0, 6);
                return done;
            }
            case 0x03: return ascii(data.specVersion, "specification version");
            case 0x07: return ascii(data.cardNumber, "card number");
            default: break;
        }
    } else if (sfi == kSfiEf06) {
        switch (record) {
            case 0x08: return ascii(data.idNumber, "ID number");
            case kTagName: {
                // Keep the bytes: the extension (4E) may continue them, even inside a character.
                const auto bytes = trimZeroPadding(value);
                data.nameGbk.assign(bytes.begin(), bytes.end());
                bool truncated = false;
                auto converted = convert("UTF-8", "GB18030", trimPadding(bytes), &truncated);
                if (!converted && truncated && bytes.size() == value.size()) {
                    // A full record ending inside a character: only 4E can complete it.
                    data.nameSplit = true;
                    converted = convert("UTF-8", "GB18030", trimPadding(bytes.first(bytes.size() - 1)));
                }
                if (!converted) return std::unexpected(invalid("name: " + converted.error().detail));
                data.name.assign(converted->begin(), converted->end());
                return {};
            }
            case kTagNameExtension: {
                const auto extension = trimPadding(value);
                if (extension.empty()) return {};  // no extension: the name is record 09's
                data.nameGbk.insert(data.nameGbk.end(), extension.begin(), extension.end());
                auto name = gbkToUtf8(data.nameGbk);
                if (!name) return std::unexpected(invalid("name with its extension (4E): " + name.error().detail));
                data.name = std::move(*name);
                data.nameSplit = false;
                return {};
            }
            case 0x0A: {
                // One byte: ASCII '1'/'2' on most cards, binary 01/02 on some.
                if (value.size() != 1) return std::unexpected(invalid(fmt::format("sex: {} bytes", value.size())));
                const uint8_t code = value[0] >= '0' ? static_cast<uint8_t>(value[0] - '0') : value[0];
                if (code != 1 && code != 2 && code != 9 && code != 0) return std::unexpected(invalid("sex: unknown code"));
                data.sex = std::string(1, static_cast<char>('0' + code));
                return {};
            }
            case 0x0B: {
                // One binary byte (01 = Han) or two ASCII digits.
                if (value.size() == 1) {
                    data.ethnicity = fmt::format("{:02d}", value[0]);
                } else if (auto text = printableAscii(value, "ethnicity"); text) {
                    data.ethnicity = *text;
                } else {
                    return std::unexpected(text.error());
                }
                return {};
            }
            case 0x0D: {
                auto date = bcdDate(value);
                if (!date) return std::unexpected(invalid("birth date: " + date.error().detail));
                data.birthDate = *date;
                return {};
            }
            default: break;
        }
    }
    return std::unexpected(invalid(fmt::format("record {:02X} of SFI {:02X} is not one this profile reads", record, sfi)));
}

Result<void> validateCardData(const SocialSecurityCardData& data, bool complete) {
    if (data.cardIdentificationCode.size() != 16) {
        return std::unexpected(invalid(fmt::format("card identification code has {} characters, expected 16",
                                                   data.cardIdentificationCode.size())));
    }
    if (!std::all_of(data.regionCode.begin(), data.regionCode.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return std::unexpected(invalid("region code is not 6 digits"));
    }
    if (data.cardNumber.empty() || data.cardNumber.size() > 20) {
        return std::unexpected(invalid(fmt::format("card number has {} characters", data.cardNumber.size())));
    }
    if (!complete) return {};
    if (auto valid = validateIdNumber(data.idNumber); !valid) {
        return std::unexpected(Error(Errc::invalid_data, "EF06 ID number: " + valid.error().detail, "card.unreadable"));
    }
    if (data.name.empty()) return std::unexpected(invalid("name is empty"));
    if (data.nameSplit) {
        return std::unexpected(invalid("name record 09 ends inside a character and no name extension (4E) completes it"));
    }
    if (data.birthDate != data.idNumber.substr(6, 8)) {
        return std::unexpected(invalid("birth date on the card differs from the one in the ID number"));
    }
    using namespace std::chrono;
    const year_month_day birth{year(std::stoi(data.birthDate.substr(0, 4))),
                               month(static_cast<unsigned>(std::stoi(data.birthDate.substr(4, 2)))),
                               day(static_cast<unsigned>(std::stoi(data.birthDate.substr(6, 2))))};
    if (!birth.ok()) return std::unexpected(invalid("birth date is not a calendar date"));
    return {};
}

PatientIdentity toIdentity(const SocialSecurityCardData& data) {
    PatientIdentity identity;
    identity.source = IdentitySource::social_security_card;
    identity.name = data.name;
    identity.idNumber = data.idNumber;
    identity.cardNumber = data.cardNumber;
    identity.sex = data.sex;
    identity.birthDate = data.birthDate;
    identity.region = data.regionCode;
    return identity;
}

std::string toHex(std::span<const uint8_t> bytes) {
    std::string text;
    text.reserve(bytes.size() * 2);
    for (uint8_t byte : bytes) text += fmt::format("{:02X}", byte);
    return text;
}

std::optional<std::vector<uint8_t>> fromHex(std::string_view text) {
    std::vector<uint8_t> bytes;
    int high = -1;
    for (char c : text) {
        if (c == ' ' || c == '\t') continue;
        int nibble = -1;
        if (c >= '0' && c <= '9') nibble = c - '0';
        else if (c >= 'a' && c <= 'f') nibble = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') nibble = c - 'A' + 10;
        else return std::nullopt;
        if (high < 0) {
            high = nibble;
        } else {
            bytes.push_back(static_cast<uint8_t>(high << 4 | nibble));
            high = -1;
        }
    }
    if (high >= 0) return std::nullopt;
    return bytes;
}

}  // namespace kiosk::drivers::pcsc
