// Fonts that never show '?': every UI string of every language is in the atlas from the start,
// and a name with rare characters extends the atlas before it is shown.
#include "tests/ui/app_fixture.hpp"

#include <imgui.h>

#include <filesystem>

#include "kiosk/core/mask.hpp"
#include "screens/ui.hpp"

namespace kiosk::test {
namespace {

constexpr const char* kFontFile = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";

struct FontFixture : ::testing::Test {
    ImGuiContext* context = ImGui::CreateContext();
    ~FontFixture() override { ImGui::DestroyContext(context); }
    Catalog catalog = Catalog::load(std::filesystem::path(KIOSK_TEST_ASSETS_DIR) / "lang").value();
};

TEST_F(FontFixture, EveryKeyOfEveryLanguageRendersWithoutFallback) {
    auto fonts = screens::FontSet::load(kFontFile, 2, 40);
    ASSERT_TRUE(fonts.has_value()) << fonts.error().detail;
    for (bool largePrint : {false, true}) {
        ASSERT_TRUE(fonts->build(catalog, largePrint).has_value());
        size_t checked = 0;
        for (const auto& language : catalog.languages()) {
            for (const auto& key : catalog.keys(language)) {
                const std::string& text = *catalog.find(language, key);
                const auto missing = fonts->missingGlyphs(text);
                EXPECT_TRUE(missing.empty()) << language << " " << key << ": " << missing.size() << " glyph(s) missing";
                ++checked;
            }
        }
        EXPECT_GT(checked, 200U);
    }
}

// 禁则: when a Chinese line is wrapped, closing punctuation never starts a line; the character
// before it moves down with it. Checked at every width from narrow to the full sentence.
TEST_F(FontFixture, WrappedChineseLinesNeverStartWithClosingPunctuation) {
    auto fonts = screens::FontSet::load(kFontFile, 2, 40);
    ASSERT_TRUE(fonts.has_value());
    ASSERT_TRUE(fonts->build(catalog, false).has_value());
    const std::string text = "可使用医保结算：统筹基金与个人账户先行支付，剩余部分用手机扫码支付。请勿重复支付！";
    ImFont* font = fonts->body();
    const float full = font->CalcTextSizeA(font->FontSize, FLT_MAX, 0, text.c_str()).x;
    size_t wrappedWidths = 0;
    for (float width = font->FontSize * 3; width < full; width += font->FontSize / 3) {
        const auto lines = screens::wrapLines(font, text, width);
        std::string joined;
        for (size_t i = 0; i < lines.size(); ++i) {
            joined += lines[i];
            if (i == 0) continue;
            for (const char* mark : {"。", "，", "：", "！"}) {
                EXPECT_NE(lines[i].substr(0, std::string_view(mark).size()), mark) << "width " << width << " line " << i;
            }
        }
        EXPECT_EQ(joined, text) << "no character lost at width " << width;
        if (lines.size() > 1) ++wrappedWidths;
    }
    EXPECT_GT(wrappedWidths, 20U);
}

// Amounts and Latin words are never split when Chinese text is broken between characters.
TEST_F(FontFixture, WrappedLinesKeepAmountsAndWordsWhole) {
    auto fonts = screens::FontSet::load(kFontFile, 2, 40);
    ASSERT_TRUE(fonts.has_value());
    ASSERT_TRUE(fonts->build(catalog, false).has_value());
    const std::string text = "医保结算完成：统筹基金支付 ¥257.30，您支付¥155.70。交易号 TEST01-20261123-1953270001。";
    ImFont* font = fonts->body();
    const float full = font->CalcTextSizeA(font->FontSize, FLT_MAX, 0, text.c_str()).x;
    const float longest = font->CalcTextSizeA(font->FontSize, FLT_MAX, 0, "TEST01-20261123-1953270001。").x;
    for (float width = longest + 1; width < full; width += font->FontSize / 3) {
        const auto lines = screens::wrapLines(font, text, width);
        std::string joined;
        for (const auto line : lines) joined += line;
        auto withoutSpaces = [](std::string value) {
            std::erase(value, ' ');  // a space where a line breaks is dropped
            return value;
        };
        EXPECT_EQ(withoutSpaces(joined), withoutSpaces(text));
        for (const char* whole : {"¥257.30", "¥155.70", "TEST01-20261123-1953270001"}) {
            bool found = false;
            for (const auto line : lines) found = found || line.find(whole) != std::string_view::npos;
            EXPECT_TRUE(found) << whole << " split at width " << width;
        }
    }
}

TEST_F(FontFixture, RareNameCharactersAreAddedBeforeTheyAreShown) {
    auto fonts = screens::FontSet::load(kFontFile, 2, 40);
    ASSERT_TRUE(fonts.has_value());
    ASSERT_TRUE(fonts->build(catalog, false).has_value());
    const std::string rare = "鑫珺婧堃喆燊";
    // The common range lacks some of them: otherwise this test would prove nothing.
    ASSERT_FALSE(fonts->missingGlyphs(rare).empty());
    EXPECT_TRUE(fonts->require(rare));
    ASSERT_TRUE(fonts->rebuildIfNeeded(catalog).has_value());
    EXPECT_TRUE(fonts->missingGlyphs(rare).empty());
    // Each glyph is a real glyph of the font, not the fallback.
    for (char32_t cp : decodeUtf8(rare)) {
        const ImFontGlyph* glyph = fonts->body()->FindGlyphNoFallback(static_cast<ImWchar>(cp));
        ASSERT_NE(glyph, nullptr);
        EXPECT_NE(glyph, fonts->body()->FallbackGlyph);
        EXPECT_TRUE(glyph->Visible);
    }
    // A large-print rebuild keeps the extension.
    ASSERT_TRUE(fonts->build(catalog, true).has_value());
    EXPECT_TRUE(fonts->missingGlyphs(rare).empty());
}

TEST_F(FontFixture, MissingOrBogusFontFileIsAClearError) {
    auto missing = screens::FontSet::load("/nonexistent.ttc", 2, 40);
    ASSERT_FALSE(missing.has_value());
    EXPECT_NE(missing.error().detail.find("fonts-noto-cjk"), std::string::npos);
    TempDir dir;
    auto bogus = screens::FontSet::load(dir.write("tiny.ttf", "not a font"), 0, 40);
    ASSERT_FALSE(bogus.has_value());
}

TEST_F(AppTest, RareNamesOnScreenNeverUseTheFallbackGlyph) {
    start();
    ASSERT_TRUE(app->simulate("card", "insert", "zhao-shenjing").has_value());  // 赵燊婧
    app->settle();
    ASSERT_EQ(app->currentScreen(), "menu");
    std::filesystem::create_directories(outputDir().parent_path());  // a fresh build has no test-output/ui yet
    ASSERT_TRUE(app->screenshot(outputDir().string() + "-rare-name.png").has_value());
    EXPECT_EQ(app->glyphsMissingInLastFrame(), 0U);
    // The masked name on screen keeps the first and last characters: 赵*婧.
    EXPECT_TRUE(app->fonts().missingGlyphs("赵燊婧").empty());
}

}  // namespace
}  // namespace kiosk::test
