// Pure tests of the GA 450 ID-reader frames against the worked bytes of protocols.md §2.
#include <gtest/gtest.h>

#include "drivers/card_reader/pcsc/pcsc_protocol.hpp"
#include "drivers/id_reader/ga450/ga450_protocol.hpp"

namespace kiosk::drivers::ga450 {
namespace {

std::vector<uint8_t> hex(std::string_view text) { return pcsc::fromHex(text).value(); }

TEST(Ga450Protocol, CommandsMatchThePublicWorkedFrames) {
    EXPECT_EQ(encodeCommand(kFindCard), hex("AAAAAA9669000320 0122"));
    EXPECT_EQ(encodeCommand(kSamStatus), hex("AAAAAA96690003 11FFED"));
    EXPECT_EQ(encodeCommand(kSelectCard), hex("AAAAAA9669000320 0221"));
    EXPECT_EQ(encodeCommand(kReadText), hex("AAAAAA9669000330 0132"));
}

TEST(Ga450Protocol, PublicAnswerFramesParse) {
    auto found = parseReaderFrame(hex("AAAAAA9669000800009F0000000097"));
    ASSERT_TRUE(found.has_value()) << found.error().detail;
    EXPECT_EQ(found->sw3, kStatusCardFound);
    EXPECT_EQ(found->data.size(), 4U);
    EXPECT_EQ(found->swText(), "00009F");
    auto noCard = parseReaderFrame(hex("AAAAAA96690004000080 84"));
    ASSERT_TRUE(noCard.has_value());
    EXPECT_EQ(noCard->sw3, kStatusNoCard);
    EXPECT_EQ(encodeReaderFrame(kStatusNoCard), hex("AAAAAA9669000400008084"));
}

TEST(Ga450Protocol, BadFramesAreRefusedWithAPreciseReason) {
    auto badSum = parseReaderFrame(hex("AAAAAA9669000400008085"));
    ASSERT_FALSE(badSum.has_value());
    EXPECT_EQ(badSum.error().messageKey, "card.unreadable");
    EXPECT_NE(badSum.error().detail.find("checksum 85, computed 84"), std::string::npos) << badSum.error().detail;
    auto wrongLength = parseReaderFrame(hex("AAAAAA966900050000808400"));
    ASSERT_FALSE(wrongLength.has_value());
    auto shortFrame = parseReaderFrame(hex("AAAAAA96690004000080"));
    ASSERT_FALSE(shortFrame.has_value());
    EXPECT_NE(shortFrame.error().detail.find("LEN says 4"), std::string::npos) << shortFrame.error().detail;
    EXPECT_FALSE(parseReaderFrame(hex("AAAAAA9669000200")).has_value());           // LEN < 4
    EXPECT_FALSE(frameBodyLength(hex("AAAAAA9669FFFF")).has_value());              // LEN too big
    EXPECT_FALSE(frameBodyLength(hex("AAAA009669000400")).has_value());            // preamble
    EXPECT_FALSE(frameBodyLength(hex("AAAA")).has_value());
}

IdCardText sampleText() {
    return IdCardText{.name = "王鑫堃", .sex = "1", .ethnicity = "01", .birthDate = "19561120",
                      .address = "湖南省长沙市雨花区示范路2号", .idNumber = "430104195611200313",
                      .authority = "长沙市公安局雨花分局", .validFrom = "20150101", .validTo = "长期"};
}

TEST(Ga450Protocol, ReadAnswerRoundTripsAndLayoutIsFixed) {
    auto data = encodeReadAnswerData(sampleText());
    ASSERT_TRUE(data.has_value());
    ASSERT_EQ(data->size(), 4U + 256 + 1024);
    EXPECT_EQ(std::vector<uint8_t>(data->begin(), data->begin() + 4), hex("01000400"));
    // Name (30 bytes) starts the text: 王 = U+738B little-endian.
    EXPECT_EQ((*data)[4], 0x8B);
    EXPECT_EQ((*data)[5], 0x73);
    // ID number sits at byte 30 + 2 + 4 + 16 + 70 = 122 of the text.
    EXPECT_EQ((*data)[4 + 122], '4');
    EXPECT_EQ((*data)[4 + 123], 0);
    const auto frame = encodeReaderFrame(kStatusOk, *data);
    EXPECT_EQ(std::vector<uint8_t>(frame.begin(), frame.begin() + 10), hex("AAAAAA9669050800 0090"));
    auto parsed = parseReaderFrame(frame);
    ASSERT_TRUE(parsed.has_value());
    auto text = parseReadAnswer(parsed->data);
    ASSERT_TRUE(text.has_value()) << text.error().detail;
    EXPECT_EQ(text->name, "王鑫堃");
    EXPECT_EQ(text->address, "湖南省长沙市雨花区示范路2号");
    EXPECT_EQ(text->validTo, "长期");
    auto identity = toIdentity(*text);
    ASSERT_TRUE(identity.has_value()) << identity.error().detail;
    EXPECT_EQ(identity->idNumber, "430104195611200313");
    EXPECT_EQ(identity->source, IdentitySource::id_card);
}

TEST(Ga450Protocol, InconsistentTextIsRefused) {
    auto badDigit = sampleText();
    badDigit.idNumber = "430104195611200314";
    EXPECT_EQ(toIdentity(badDigit).error().messageKey, "card.unreadable");
    auto otherSex = sampleText();
    otherSex.sex = "2";
    EXPECT_NE(toIdentity(otherSex).error().detail.find("sex"), std::string::npos);
    auto otherBirth = sampleText();
    otherBirth.birthDate = "19561121";
    EXPECT_FALSE(toIdentity(otherBirth).has_value());
    auto noName = sampleText();
    noName.name.clear();
    EXPECT_FALSE(toIdentity(noName).has_value());
    // Lengths in the read answer that do not add up.
    auto data = encodeReadAnswerData(sampleText()).value();
    data.pop_back();
    EXPECT_FALSE(parseReadAnswer(data).has_value());
    data = encodeReadAnswerData(sampleText()).value();
    data[1] = 0x01;  // text length 0x0101
    EXPECT_FALSE(parseReadAnswer(data).has_value());
    // A UTF-16 surrogate is not UCS-2.
    auto block = encodeIdCardText(sampleText()).value();
    block[0] = 0x00;
    block[1] = 0xD8;
    EXPECT_FALSE(parseIdCardText(block).has_value());
    auto tooLong = sampleText();
    tooLong.name = "一二三四五六七八九十一二三四五六";
    EXPECT_FALSE(encodeIdCardText(tooLong).has_value());
}

}  // namespace
}  // namespace kiosk::drivers::ga450
