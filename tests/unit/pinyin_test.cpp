// Pinyin through ICU's Han-Latin transform (the real libicu72 data, no table of our own).
#include "kiosk/core/pinyin.hpp"

#include <gtest/gtest.h>

namespace kiosk {
namespace {

PinyinConverter converter() {
    auto created = PinyinConverter::create();
    EXPECT_TRUE(created.has_value()) << (created ? "" : created.error().describe());
    return *created;
}

TEST(Pinyin, InitialsOfDepartmentNames) {
    const PinyinConverter pinyin = converter();
    EXPECT_EQ(pinyin.initials("心内科"), "XNK");
    EXPECT_EQ(pinyin.initials("消化内科"), "XHNK");
    EXPECT_EQ(pinyin.initials("耳鼻咽喉科"), "EBYHK");
    EXPECT_EQ(pinyin.initials("口腔科（2）"), "KQK2");
    EXPECT_EQ(pinyin.initials("B超室"), "BCS");
    EXPECT_EQ(pinyin.initials("张 伟"), "ZW");
    EXPECT_EQ(pinyin.initials(""), "");
}

TEST(Pinyin, NumberedReadingsKeepOtherText) {
    const PinyinConverter pinyin = converter();
    EXPECT_EQ(pinyin.numbered("心内科"), "xin1 nei4 ke1");
    EXPECT_EQ(pinyin.numbered("请插入社保卡"), "qing3 cha1 ru4 she4 bao3 ka3");
    EXPECT_EQ(pinyin.numbered("A超室"), "A chao1 shi4");
    EXPECT_EQ(pinyin.numbered("女"), "nü3");
    EXPECT_EQ(pinyin.numbered("3号窗口"), "3 hao4 chuang1 kou3");
}

TEST(Pinyin, SyllablesPairEachHanCharacterWithItsReading) {
    const PinyinConverter pinyin = converter();
    const auto pieces = pinyin.syllables("挂号No.12");
    ASSERT_EQ(pieces.size(), 3U);
    EXPECT_TRUE(pieces[0].han);
    EXPECT_EQ(pieces[0].text, "挂");
    EXPECT_EQ(pieces[0].pinyin, "gua4");
    EXPECT_EQ(pieces[1].pinyin, "hao4");
    EXPECT_FALSE(pieces[2].han);
    EXPECT_EQ(pieces[2].text, "No.12");
}

TEST(Pinyin, OneReadingPerCharacterWithoutContext) {
    // The documented limit: 银行 reads háng in context; Unihan's first reading is xíng. Speech pins
    // polyphones itself; this test keeps that limit visible.
    const PinyinConverter pinyin = converter();
    EXPECT_EQ(pinyin.numbered("行"), "xing2");
}

TEST(Pinyin, BadInputNeverThrows) {
    const PinyinConverter pinyin = converter();
    const std::string invalid = "\xff\xfe心\xc3";
    EXPECT_EQ(pinyin.initials(invalid), "X");
    // Extension B (rare name characters) has readings: 𠀀 hē.
    EXPECT_EQ(pinyin.numbered("\xF0\xA0\x80\x80"), "he1");
    // Extension G (U+30000) has none in ICU 72's data: the character is skipped, never guessed.
    const auto pieces = pinyin.syllables("\xF0\xB0\x80\x80科");
    ASSERT_EQ(pieces.size(), 2U);
    EXPECT_TRUE(pieces[0].han);
    EXPECT_EQ(pieces[0].pinyin, "");
    EXPECT_EQ(pinyin.initials("\xF0\xB0\x80\x80科"), "K");
}

}  // namespace
}  // namespace kiosk
