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
