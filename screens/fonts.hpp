#pragma once
// Fonts that never show '?'. The atlas is built from the Chinese common range (3,500 glyphs) plus
// every character of every UI string in every language; when a patient's name (or any dynamic
// text) needs a glyph the atlas lacks, the atlas is extended from the font file before that text
// is shown. The font file (Noto Sans CJK SC, ~19 MB) is read once and kept in memory so that an
// extension costs only the atlas rebuild.
//
// Three faces: body (common range + UI + extras), title (UI + extras, 1.56×), clock (digits, 2.6×).
// Elder mode (large print) rebuilds the atlas with the elder body size; the App sets both sizes
// from the theme, which derives them from the panel's millimetres (screens/theme.hpp).

#include <imgui.h>

#include <chrono>
#include <filesystem>
#include <set>
#include <string_view>
#include <vector>

#include "kiosk/core/error.hpp"
#include "kiosk/core/i18n.hpp"

namespace kiosk::screens {

struct FontStats {
    std::chrono::microseconds buildTime{0};
    int textureWidth = 0;
    int textureHeight = 0;
    size_t textureBytes = 0;  ///< RGBA32, as uploaded
    size_t glyphCount = 0;
    int builds = 0;
};

class FontSet {
public:
    /// Reads the font file; fails with a message naming the file and what to do.
    static Result<FontSet> load(const std::filesystem::path& fontFile, int fontIndex, float basePixelSize);

    /// The body face's size (px) in normal and elder mode and the heading's ratio to it, used
    /// by the next build. Without a call: the load size, ×1.4 in elder mode, headings ×1.6.
    void setSizes(float normalBodyPx, float elderBodyPx, float titleScale, float clockPx = 0);
    /// (Re)builds the atlas of the current ImGui context. `uiTexts` are all UI strings.
    Result<void> build(const Catalog& catalog, bool largePrint);
    /// Codepoints of `text` the body font lacks.
    std::vector<ImWchar> missingGlyphs(std::string_view text) const;
    /// Adds the missing glyphs of `text` to the extras; true if the atlas must be rebuilt.
    bool require(std::string_view text);
    /// Puts every character of a text known at start-up (the hospital's name from config) into
    /// the next build.
    void include(std::string_view text);
    bool needsRebuild() const { return dirty_; }
    Result<void> rebuildIfNeeded(const Catalog& catalog);

    ImFont* body() const { return body_; }
    ImFont* title() const { return title_; }
    ImFont* clock() const { return clock_; }
    bool largePrint() const { return largePrint_; }
    float bodySize() const;
    const FontStats& stats() const { return stats_; }

private:
    std::vector<unsigned char> fontData_;
    std::filesystem::path fontFile_;
    int fontIndex_ = 2;
    float basePixelSize_ = 40.0F;
    float elderPixelSize_ = 56.0F;
    float titleScale_ = 1.6F;
    float clockPx_ = 0;  ///< the clock face's size in both modes (0: 2.6 × body)
    bool largePrint_ = false;
    bool dirty_ = false;
    std::set<ImWchar> extras_;
    // Glyph ranges must outlive the atlas build (ImFontConfig keeps a pointer).
    ImVector<ImWchar> bodyRanges_;
    ImVector<ImWchar> titleRanges_;
    ImFont* body_ = nullptr;
    ImFont* title_ = nullptr;
    ImFont* clock_ = nullptr;
    FontStats stats_;
};

}  // namespace kiosk::screens
