#include <gtest/gtest.h>

#include "kiosk/core/id_number.hpp"
#include "kiosk/core/mask.hpp"

namespace kiosk {
namespace {

TEST(Mask, ChineseNamesKeepFamilyNameAndLastCharacter) {
    EXPECT_EQ(maskPersonalData("张三", PersonalField::name), "张*");
    EXPECT_EQ(maskPersonalData("王鑫堃", PersonalField::name), "王*堃");
    EXPECT_EQ(maskPersonalData("欧阳娜娜", PersonalField::name), "欧**娜");
    EXPECT_EQ(maskPersonalData("喆", PersonalField::name), "*");
}

TEST(Mask, LatinNamesKeepInitials) { EXPECT_EQ(maskPersonalData("John Smith", PersonalField::name), "J*** S****"); }

TEST(Mask, IdNumberPhoneAndCard) {
    EXPECT_EQ(maskPersonalData("110101199003071234", PersonalField::id_number), "110***********1234");
    EXPECT_EQ(maskPersonalData("13812345678", PersonalField::phone), "138****5678");
    EXPECT_EQ(maskPersonalData("6222021234567890123", PersonalField::card_number), "6222***********0123");
    EXPECT_EQ(maskPersonalData("SS1234567", PersonalField::card_number), "SS*****67");
}

// Delivery addresses (issue 13 item 4): the region only, nothing of the street or door, and the
// same stars whatever the length.
TEST(Mask, AddressesKeepOnlyTheRegion) {
    EXPECT_EQ(maskPersonalData("北京市海淀区中关村南大街5号院3号楼2单元501", PersonalField::address), "北京市海淀区****");
    EXPECT_EQ(maskPersonalData("广东省深圳市南山区科技园科苑路15号", PersonalField::address), "广东省深圳市南山区****");
    EXPECT_EQ(maskPersonalData("上海市浦东新区张江路88弄", PersonalField::address), "上海市浦东新区****");
    EXPECT_EQ(maskPersonalData("江苏省昆山市玉山镇人民路1号", PersonalField::address), "江苏省昆山市****");
    EXPECT_EQ(maskPersonalData("湖南省长沙县星沙街道开元路2号", PersonalField::address), "湖南省长沙县****");
    // 小区 is an estate, not a district: the region before it stays, the estate is hidden.
    EXPECT_EQ(maskPersonalData("长沙市阳光小区3栋", PersonalField::address), "长沙市****");
    EXPECT_EQ(maskPersonalData("12 High Street, Flat 5, Leeds", PersonalField::address), "****, Leeds");
    EXPECT_EQ(maskPersonalData("幸福路8号", PersonalField::address), "****");
    // A 市 or 区 after the street is part of a building's name: nothing of it is kept.
    EXPECT_EQ(maskPersonalData("人民路88号市场大厦", PersonalField::address), "****");
    EXPECT_EQ(maskPersonalData("解放路1号区政府宿舍", PersonalField::address), "****");
    EXPECT_EQ(maskPersonalData("Flat 5, 12 High St", PersonalField::address), "****") << "a last part with a number is not a town";
    EXPECT_EQ(maskPersonalData("", PersonalField::address), "");
}

TEST(Mask, ShortValuesNeverShowMoreThanOneCharacter) {
    EXPECT_EQ(maskPersonalData("123", PersonalField::id_number), "**3");
    EXPECT_EQ(maskPersonalData("", PersonalField::phone), "");
}

TEST(Mask, InvalidUtf8InANameDoesNotCrash) {
    const std::string broken = std::string("\xE5\xBC") + "A\xFF";
    const std::string masked = maskPersonalData(broken, PersonalField::name);
    EXPECT_FALSE(masked.empty());
}

TEST(Mask, RedactsIdAndCardNumbersInFreeText) {
    EXPECT_EQ(redactDigitsInText("read id 11010119900307123X ok"), "read id 110***********123X ok");
    EXPECT_EQ(redactDigitsInText("card 6222021234567890 seen"), "card 6222********7890 seen");
    EXPECT_EQ(redactDigitsInText("took 1234 ms, sw 9000"), "took 1234 ms, sw 9000");
}

TEST(IdNumber, CheckDigitPerGb11643) {
    EXPECT_EQ(idNumberCheckCharacter("11010519491231002"), 'X');  // the standard's example
    EXPECT_TRUE(validateIdNumber("11010519491231002X").has_value());
    EXPECT_TRUE(validateIdNumber("11010519491231002x").has_value());
    auto wrong = validateIdNumber("110105194912310021");
    ASSERT_FALSE(wrong.has_value());
    EXPECT_EQ(wrong.error().messageKey, "error.id_number_invalid");
    EXPECT_EQ(wrong.error().detail.find("110105"), std::string::npos) << "must not echo the number";
    EXPECT_FALSE(validateIdNumber("1101051949123100").has_value());
    EXPECT_FALSE(validateIdNumber("11010519491331002X").has_value());  // month 13
    EXPECT_FALSE(validateIdNumber("1101051949123A002X").has_value());
}

}  // namespace
}  // namespace kiosk
