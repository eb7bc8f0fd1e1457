#include <gtest/gtest.h>

#include "kiosk/core/i18n.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiosk {
namespace {

const std::filesystem::path kLangDir = std::filesystem::path(KIOSK_TEST_ASSETS_DIR) / "lang";

TEST(I18n, EveryLanguageHasEveryKey) {
    auto catalog = Catalog::load(kLangDir);
    ASSERT_TRUE(catalog.has_value()) << catalog.error().detail;
    const auto languages = catalog->languages();
    ASSERT_EQ(languages, (std::vector<std::string>{"en_US", "zh_CN"}));
    const auto reference = catalog->keys("zh_CN");
    EXPECT_GT(reference.size(), 40U);
    for (const auto& language : languages) {
        const auto keys = catalog->keys(language);
        std::vector<std::string> missing;
        std::set_difference(reference.begin(), reference.end(), keys.begin(), keys.end(), std::back_inserter(missing));
        std::vector<std::string> extra;
        std::set_difference(keys.begin(), keys.end(), reference.begin(), reference.end(), std::back_inserter(extra));
        EXPECT_TRUE(missing.empty()) << language << " lacks " << ::testing::PrintToString(missing);
        EXPECT_TRUE(extra.empty()) << language << " has keys zh_CN lacks: " << ::testing::PrintToString(extra);
        for (const auto& key : keys) EXPECT_FALSE(catalog->find(language, key)->empty()) << language << " " << key;
    }
}

TEST(I18n, PlaceholdersMatchAcrossLanguages) {
    auto catalog = Catalog::load(kLangDir);
    ASSERT_TRUE(catalog.has_value());
    auto placeholders = [](const std::string& text) {
        std::set<std::string> names;
        for (size_t open = text.find('{'); open != std::string::npos; open = text.find('{', open + 1)) {
            names.insert(text.substr(open, text.find('}', open) - open + 1));
        }
        return names;
    };
    for (const auto& key : catalog->keys("zh_CN")) {
        const std::string* en = catalog->find("en_US", key);
        if (!en) continue;
        EXPECT_EQ(placeholders(*catalog->find("zh_CN", key)), placeholders(*en)) << key;
    }
}

TEST(I18n, MissingKeyShowsTheKeyAndSubstitutesNamedArguments) {
    test::TempDir dir;
    dir.write("lang/zh_CN.json", R"({"queue.ahead": "前面还有 {count} 人"})");
    dir.write("lang/en_US.json", R"({"queue.ahead": "{count} people ahead"})");
    auto catalog = Catalog::load(dir.path() / "lang");
    ASSERT_TRUE(catalog.has_value());
    Translator text(*catalog, "en_US");
    EXPECT_EQ(text.tr("queue.ahead", {{"count", "3"}}), "3 people ahead");
    EXPECT_EQ(text.trIn("zh_CN", "queue.ahead"), "前面还有 {count} 人");
    EXPECT_EQ(text.tr("no.such.key"), "no.such.key");
}

TEST(I18n, MalformedLanguageFileIsAnErrorNamingTheFile) {
    test::TempDir dir;
    dir.write("lang/zh_CN.json", R"({"a": "b",})");
    auto catalog = Catalog::load(dir.path() / "lang");
    ASSERT_FALSE(catalog.has_value());
    EXPECT_NE(catalog.error().detail.find("zh_CN.json"), std::string::npos);
    dir.write("lang/zh_CN.json", R"({"a": 5})");
    catalog = Catalog::load(dir.path() / "lang");
    ASSERT_FALSE(catalog.has_value());
    EXPECT_NE(catalog.error().detail.find("'a' is not a text"), std::string::npos);
}

TEST(I18n, ModuleFilesMergeAndDuplicatesAreRefused) {
    test::TempDir dir;
    dir.write("lang/zh_CN.json", R"({"a": "甲"})");
    dir.write("lang/zh_CN.payments.json", R"({"pay.title": "缴费"})");
    auto catalog = Catalog::load(dir.path() / "lang");
    ASSERT_TRUE(catalog.has_value());
    EXPECT_EQ(catalog->keys("zh_CN").size(), 2U);
    dir.write("lang/zh_CN.other.json", R"({"a": "乙"})");
    EXPECT_FALSE(Catalog::load(dir.path() / "lang").has_value());
}

}  // namespace
}  // namespace kiosk
