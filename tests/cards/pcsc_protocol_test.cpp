// Pure tests of the social-security card encoding/parsing (drivers/card_reader/pcsc/pcsc_protocol).
#include <gtest/gtest.h>

#include "drivers/card_reader/pcsc/pcsc_protocol.hpp"

namespace kiosk::drivers::pcsc {
namespace {

std::vector<uint8_t> hex(std::string_view text) { return fromHex(text).value(); }

TEST(PcscProtocol, CommandsMatchTheBytesOfProtocolsMd) {
    EXPECT_EQ(toHex(selectSsseCommand()), "00A404000F7378312E73682EC9E7BBE1B1A3D5CF");
    EXPECT_EQ(toHex(readRecordCommand(0x07, kSfiEf05, 0x0B)), "00B2072C0B");
    EXPECT_EQ(toHex(readRecordCommand(0x08, kSfiEf06, 0x14)), "00B208341" "4");
    EXPECT_EQ(toHex(readRecordCommand(0x09, kSfiEf06, 0x20)), "00B2093420");
}

TEST(PcscProtocol, ApduResponseNeedsAStatusWord) {
    auto empty = transport::parseApduResponse({});
    ASSERT_FALSE(empty.has_value());
    EXPECT_EQ(empty.error().messageKey, "card.unreadable");
    const auto oneByte = hex("90");
    EXPECT_FALSE(transport::parseApduResponse(oneByte).has_value());
    const auto ok = hex("01029000");
    auto parsed = transport::parseApduResponse(ok);
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(parsed->data, hex("0102"));
    EXPECT_EQ(parsed->swText(), "9000");
    EXPECT_TRUE(parsed->ok());
}

TEST(PcscProtocol, StatusWordsAreClassified) {
    EXPECT_EQ(classifyStatusWord(0x9000), SwKind::ok);
    EXPECT_EQ(classifyStatusWord(0x6114), SwKind::more_data);
    EXPECT_EQ(classifyStatusWord(0x6C0B), SwKind::wrong_length);
    EXPECT_EQ(classifyStatusWord(0x6A82), SwKind::not_found);
    EXPECT_EQ(classifyStatusWord(0x6A83), SwKind::not_found);
    EXPECT_EQ(classifyStatusWord(0x6982), SwKind::needs_pin);
    EXPECT_EQ(classifyStatusWord(0x63C2), SwKind::needs_pin);
    EXPECT_EQ(classifyStatusWord(0x6D00), SwKind::not_supported);
    EXPECT_EQ(classifyStatusWord(0x6E00), SwKind::not_supported);
    EXPECT_EQ(classifyStatusWord(0x6F00), SwKind::other);
    EXPECT_EQ(statusWordMeaning(0x63C2), "PIN verification failed, 2 tries left");
    EXPECT_EQ(statusWordMeaning(0x6100), "256 more bytes waiting");
}

TEST(PcscProtocol, RecordTlvIsCheckedForTagLengthAndTruncation) {
    const auto good = hex("07095353313233343536379000");
    auto tlv = parseRecordTlv(std::span(good).first(good.size() - 2), 0x07);
    ASSERT_TRUE(tlv.has_value()) << tlv.error().detail;
    EXPECT_EQ(std::string(tlv->value.begin(), tlv->value.end()), "SS1234567");
    const auto wrongTag = hex("0809535331");
    EXPECT_NE(parseRecordTlv(wrongTag, 0x07).error().detail.find("tag 08"), std::string::npos);
    const auto truncated = hex("070953533132");
    auto truncatedResult = parseRecordTlv(truncated, 0x07);
    ASSERT_FALSE(truncatedResult.has_value());
    const Error error = truncatedResult.error();
    EXPECT_EQ(error.messageKey, "card.unreadable");
    EXPECT_NE(error.detail.find("length 9 but only 4"), std::string::npos) << error.detail;
    const auto longForm = hex("0781095353");
    EXPECT_FALSE(parseRecordTlv(longForm, 0x07).has_value());
    const auto trailing = hex("070153AA");
    EXPECT_FALSE(parseRecordTlv(trailing, 0x07).has_value());
    const auto padded = hex("07015300FF");
    EXPECT_TRUE(parseRecordTlv(padded, 0x07).has_value());
    EXPECT_FALSE(parseRecordTlv(hex("07"), 0x07).has_value());
}

TEST(PcscProtocol, GbkNamesBecomeUtf8AndInvalidGbkIsRefused) {
    const auto name = hex("CDF5F6CE88D20000000000000000000000000000000000000000000000000000");  // 王鑫堃 + padding
    auto utf8 = gbkToUtf8(name);
    ASSERT_TRUE(utf8.has_value()) << utf8.error().detail;
    EXPECT_EQ(*utf8, "王鑫堃");
    auto spacePadded = gbkToUtf8(hex("D5D49FF6E6BA202020"));
    ASSERT_TRUE(spacePadded.has_value());
    EXPECT_EQ(*spacePadded, "赵燊婧");
    auto invalid = gbkToUtf8(hex("CDF58041"));  // 80 is no GBK lead byte
    ASSERT_FALSE(invalid.has_value());
    EXPECT_EQ(invalid.error().messageKey, "card.unreadable");
    EXPECT_FALSE(gbkToUtf8(hex("CD")).has_value());  // a lead byte cut off
    auto roundTrip = utf8ToGbk("欧阳娜娜");
    ASSERT_TRUE(roundTrip.has_value());
    EXPECT_EQ(gbkToUtf8(*roundTrip).value(), "欧阳娜娜");
}

TEST(PcscProtocol, BcdDatesAreChecked) {
    EXPECT_EQ(bcdDate(hex("19900307")).value(), "19900307");
    EXPECT_FALSE(bcdDate(hex("199A0307")).has_value());
    EXPECT_FALSE(bcdDate(hex("199003")).has_value());
}

SocialSecurityCardData validCard() {
    SocialSecurityCardData card;
    card.cardIdentificationCode = "110101D156000005";
    card.regionCode = "110101";
    card.specVersion = "3.00";
    card.cardNumber = "SS1234567";
    card.idNumber = "110101199003070134";
    card.name = "张三";
    card.sex = "1";
    card.ethnicity = "01";
    card.birthDate = "19900307";
    return card;
}

TEST(PcscProtocol, CardDataIsValidatedWithoutEchoingIt) {
    EXPECT_TRUE(validateCardData(validCard(), true).has_value());
    auto badDigit = validCard();
    badDigit.idNumber = "110101199003070135";
    auto badDigitResult = validateCardData(badDigit, true);
    ASSERT_FALSE(badDigitResult.has_value());
    const Error error = badDigitResult.error();
    EXPECT_EQ(error.messageKey, "card.unreadable");
    EXPECT_NE(error.detail.find("check character"), std::string::npos) << error.detail;
    EXPECT_EQ(error.detail.find("110101199003070135"), std::string::npos);
    auto otherBirth = validCard();
    otherBirth.birthDate = "19900308";
    EXPECT_FALSE(validateCardData(otherBirth, true).has_value());
    auto shortCode = validCard();
    shortCode.cardIdentificationCode = "110101";
    EXPECT_FALSE(validateCardData(shortCode, false).has_value());
    auto noName = validCard();
    noName.name.clear();
    EXPECT_FALSE(validateCardData(noName, true).has_value());
    // Without EF06 only EF05 is checked.
    auto partial = validCard();
    partial.idNumber.clear();
    EXPECT_TRUE(validateCardData(partial, false).has_value());
}

TEST(PcscProtocol, RecordsDecodeIntoTheirFields) {
    SocialSecurityCardData card;
    ASSERT_TRUE(decodeRecord(kSfiEf06, 0x0A, hex("31"), card).has_value());
    EXPECT_EQ(card.sex, "1");
    ASSERT_TRUE(decodeRecord(kSfiEf06, 0x0A, hex("02"), card).has_value());  // binary code
    EXPECT_EQ(card.sex, "2");
    EXPECT_FALSE(decodeRecord(kSfiEf06, 0x0A, hex("37"), card).has_value());
    ASSERT_TRUE(decodeRecord(kSfiEf06, 0x0B, hex("01"), card).has_value());
    EXPECT_EQ(card.ethnicity, "01");
    ASSERT_TRUE(decodeRecord(kSfiEf05, 0x01, hex("3433303130344431353630303030303035"), card).has_value());
    EXPECT_EQ(card.regionCode, "430104");
    EXPECT_FALSE(decodeRecord(kSfiEf05, 0x07, hex("53530A31"), card).has_value());  // control byte
    EXPECT_FALSE(decodeRecord(kSfiEf05, 0x02, hex("00"), card).has_value());        // not a record we read
}

}  // namespace
}  // namespace kiosk::drivers::pcsc
