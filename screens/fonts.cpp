#include "screens/fonts.hpp"

#include <fmt/format.h>

#include <fstream>

#include "kiosk/core/log.hpp"
#include "kiosk/core/mask.hpp"

namespace kiosk::screens {

namespace {

constexpr float kLargePrintScale = 1.4F;
constexpr float kClockScale = 2.6F;

void addUtf8(ImFontGlyphRangesBuilder& builder, std::string_view text) {
    for (char32_t cp : decodeUtf8(text)) {
        if (cp <= 0xFFFF && cp != 0xFFFD) builder.AddChar(static_cast<ImWchar>(cp));
    }
}

}  // namespace

Result<FontSet> FontSet::load(const std::filesystem::path& fontFile, int fontIndex, float basePixelSize) {
    std::ifstream in(fontFile, std::ios::binary);
    if (!in) {
        return fail(Errc::invalid_config,
                    fmt::format("font file {} cannot be read: install the Debian package fonts-noto-cjk, or set "
                                "ui.font_file to a CJK font (TTF/OTF/TTC)",
                                fontFile.string()),
                    "error.config");
    }
    FontSet fonts;
    in.seekg(0, std::ios::end);
    const auto size = static_cast<size_t>(std::max<std::streamoff>(0, in.tellg()));
    in.seekg(0);
    fonts.fontData_.resize(size);
    in.read(reinterpret_cast<char*>(fonts.fontData_.data()), static_cast<std::streamsize>(size));
    if (fonts.fontData_.size() < 1024) {
        return fail(Errc::invalid_config, fmt::format("font file {} is too small to be a font", fontFile.string()),
                    "error.config");
    }
    fonts.fontFile_ = fontFile;
    fonts.fontIndex_ = fontIndex;
    fonts.basePixelSize_ = basePixelSize;
    fonts.elderPixelSize_ = basePixelSize * kLargePrintScale;
    return fonts;
}

float FontSet::bodySize() const { return largePrint_ ? elderPixelSize_ : basePixelSize_; }

void FontSet::setSizes(float normalBodyPx, float elderBodyPx, float titleScale, float clockPx) {
    basePixelSize_ = normalBodyPx;
    clockPx_ = clockPx;
    elderPixelSize_ = elderBodyPx;
    titleScale_ = titleScale;
}

Result<void> FontSet::build(const Catalog& catalog, bool largePrint) {
    const auto started = std::chrono::steady_clock::now();
    largePrint_ = largePrint;
    ImGuiIO& io = ImGui::GetIO();
    io.Fonts->Clear();
    io.Fonts->TexDesiredWidth = 4096;

    ImFontGlyphRangesBuilder uiBuilder;
    uiBuilder.AddRanges(io.Fonts->GetGlyphRangesDefault());
    for (const auto& language : catalog.languages()) {
        for (const auto& key : catalog.keys(language)) addUtf8(uiBuilder, *catalog.find(language, key));
    }
    for (ImWchar extra : extras_) uiBuilder.AddChar(extra);
    titleRanges_.clear();
    uiBuilder.BuildRanges(&titleRanges_);
    uiBuilder.AddRanges(io.Fonts->GetGlyphRangesChineseSimplifiedCommon());
    bodyRanges_.clear();
    uiBuilder.BuildRanges(&bodyRanges_);
    // space … ":" (digits), "A"–"Z" for the call-for-staff number ("K-0421", screens/help) and the
    // pharmacy call numbers ("A023", the call display), and "¥"
    // for amounts shown large on the payment screens
    static constexpr ImWchar kClockRanges[] = {0x0020, 0x003A, 0x0041, 0x005A, 0x00A5, 0x00A5, 0};

    auto addFace = [&](float size, const ImWchar* ranges) {
        ImFontConfig config;
        config.FontDataOwnedByAtlas = false;  // fontData_ is ours and outlives the atlas
        config.FontNo = fontIndex_;
        config.OversampleH = 1;  // 1 keeps the CJK atlas at a few MB (harness.md §6)
        config.OversampleV = 1;
        config.PixelSnapH = true;
        return io.Fonts->AddFontFromMemoryTTF(fontData_.data(), static_cast<int>(fontData_.size()), size, &config,
                                              ranges);
    };
    const float size = bodySize();
    body_ = addFace(size, bodyRanges_.Data);
    title_ = addFace(size * titleScale_, titleRanges_.Data);
    clock_ = addFace(clockPx_ > 0 ? clockPx_ : size * kClockScale, kClockRanges);
    if (!body_ || !title_ || !clock_ || !io.Fonts->Build()) {
        return fail(Errc::invalid_config,
                    fmt::format("font file {} (face {}) could not be loaded as a font; set ui.font_file/ui.font_index "
                                "to a CJK font",
                                fontFile_.string(), fontIndex_),
                    "error.config");
    }
    dirty_ = false;
    stats_.buildTime = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);
    stats_.textureWidth = io.Fonts->TexWidth;
    stats_.textureHeight = io.Fonts->TexHeight;
    stats_.textureBytes = static_cast<size_t>(io.Fonts->TexWidth) * static_cast<size_t>(io.Fonts->TexHeight) * 4;
    stats_.glyphCount = static_cast<size_t>(body_->Glyphs.Size + title_->Glyphs.Size + clock_->Glyphs.Size);
    ++stats_.builds;
    log::module("fonts")->info("font atlas built: {} glyphs, {}x{} ({} KiB), {} ms{}", stats_.glyphCount,
                               stats_.textureWidth, stats_.textureHeight, stats_.textureBytes / 1024,
                               stats_.buildTime.count() / 1000, largePrint ? ", elder mode" : "");
    return {};
}

std::vector<ImWchar> FontSet::missingGlyphs(std::string_view text) const {
    std::vector<ImWchar> missing;
    if (!body_) return missing;
    for (char32_t cp : decodeUtf8(text)) {
        if (cp < 0x20 || cp > 0xFFFF || cp == 0xFFFD) continue;  // controls; outside ImWchar16
        const auto glyph = static_cast<ImWchar>(cp);
        if (!body_->FindGlyphNoFallback(glyph) || !title_->FindGlyphNoFallback(glyph)) missing.push_back(glyph);
    }
    return missing;
}

bool FontSet::require(std::string_view text) {
    bool added = false;
    for (ImWchar glyph : missingGlyphs(text)) added = extras_.insert(glyph).second || added;
    if (added) dirty_ = true;
    return added;
}

void FontSet::include(std::string_view text) {
    for (char32_t cp : decodeUtf8(text)) {
        if (cp >= 0x20 && cp <= 0xFFFF && cp != 0xFFFD) extras_.insert(static_cast<ImWchar>(cp));
    }
}

Result<void> FontSet::rebuildIfNeeded(const Catalog& catalog) {
    if (!dirty_) return {};
    log::module("fonts")->info("extending the font atlas by {} glyph(s) needed by shown text", extras_.size());
    return build(catalog, largePrint_);
}

}  // namespace kiosk::screens
