// Fonts that never show '?': every UI string of every language is in the atlas from the start,
// and a name with rare characters extends the atlas before it is shown.
#include "tests/ui/app_fixture.hpp"

#include <imgui.h>

#include "kiosk/core/mask.hpp"

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
    ASSERT_TRUE(app->screenshot(outputDir().string() + "-rare-name.png").has_value());
    EXPECT_EQ(app->glyphsMissingInLastFrame(), 0U);
    // The masked name on screen keeps the first and last characters: 赵*婧.
    EXPECT_TRUE(app->fonts().missingGlyphs("赵燊婧").empty());
}

}  // namespace
}  // namespace kiosk::test
