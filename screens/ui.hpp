#pragma once
// Drawing helpers shared by the screens. A Ui is made for one frame: buttons are named (the id is
// how journeys and tests tap them), their rectangles are recorded, and a press becomes a
// ButtonPressed event handled after the frame — draw() itself never changes state.
// Every text drawn is checked against the font atlas; missing glyphs are collected so the app
// extends the atlas and redraws before the frame is shown.

#include <imgui.h>

#include <cfloat>

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "kiosk/core/i18n.hpp"
#include "screens/fonts.hpp"
#include "screens/theme.hpp"
#include "screens/ui_event.hpp"

namespace kiosk::screens {

struct ButtonRect {
    ImVec2 min;
    ImVec2 max;
    float requestedFontSize = 0;  ///< the face the screen asked for its label (px)
    float labelFontSize = 0;      ///< the face the label was drawn in (smaller: shrunk to fit)
    std::string bar;              ///< the App's bar it is on (BarRect::name); empty: the screen's own
    ImVec2 center() const { return ImVec2((min.x + max.x) / 2, (min.y + max.y) / 2); }
};

/// Where each named button was drawn in the last frame.
using ButtonMap = std::map<std::string, ButtonRect, std::less<>>;

/// Where a text was drawn in the last frame, and the area it was laid out in: layout tests check
/// that no text runs under a button, out of its area (a label out of its button, a caption
/// wider than its column) or off the screen.
struct TextRect {
    ImVec2 min;
    ImVec2 max;
    std::string text;
    /// The area the text was given (a button's rectangle for its label; the wrap width for a
    /// wrapped text; unbounded for a text placed without one).
    ImVec2 areaMin{-FLT_MAX, -FLT_MAX};
    ImVec2 areaMax{FLT_MAX, FLT_MAX};
    std::string button;  ///< the button whose label this is; empty for other texts
    float fontSize = 0;  ///< the face it was drawn in (ImGui px); 0: a graphic, not text
    ImU32 ink = 0;       ///< its colour (the measures read the background under it)
    std::string bar;     ///< the App's bar it is on (BarRect::name); empty: the screen's own
};
using TextRects = std::vector<TextRect>;

/// A bar the App draws across the whole width around the screen's own content: the top bar, the
/// voice bar under it, the session bar at the bottom (the masked patient and "Finish"). The bars
/// are drawn over the screen (the session bar after it), so a screen's text or button reaching
/// into one is hidden or crowded: the layout check reports it.
struct BarRect {
    std::string name;  ///< as the layout check names it: "top bar", "voice bar", "session bar"
    ImVec2 min;
    ImVec2 max;
};
using BarRects = std::vector<BarRect>;

/// Forgiving touch (issue 15): a second tap on the same target within `window` is dropped
/// (tremor, impatience). Times are SDL_GetTicks() milliseconds of the releases.
struct TapGuard {
    static constexpr uint32_t kWindowMs = 500;
    std::string lastId;
    uint32_t lastTicks = 0;
    uint32_t nowTicks = 0;  ///< when the release being handled this frame happened
    uint64_t dropped = 0;   ///< taps dropped so far
    /// True when a tap on `id` now counts (and remembers it); false for a repeat.
    bool accept(std::string_view id);
};

/// The page each paged list (Ui::pagedList) shows, by list id; kept by the App for the screen
/// on show (cleared when the screen changes). The App turns "<list>.page.previous" /
/// "<list>.page.next" presses into page changes.
struct ListPage {
    int page = 0;
    int pages = 1;
};
using ListPages = std::map<std::string, ListPage, std::less<>>;

enum class ButtonKind { primary, secondary, alert };
enum class CardPicture { social_security, id_card, health_qr, insurance_qr };

struct Layout {
    float width = 1080;
    float height = 1920;
    bool portrait = true;
    ImVec2 contentMin;  ///< below the top bar
    ImVec2 contentMax;  ///< above the bottom bar (or the screen edge)
    float contentWidth() const { return contentMax.x - contentMin.x; }
};

/// What is wrong with a frame's layout on a `width` × `height` screen, one line each: a button
/// overlapping another or under `minTarget` px high (15 mm; 20 mm in elder mode), two buttons
/// closer than `minGap` px (3 mm), a text under a button that does not own it, a text
/// out of its area (a label out of its button, a caption wider than its column), a label shrunk
/// to fit beside labels of the same face that were not, anything off the screen, and a text or
/// button of the screen (not on a bar itself) that reaches into one of `bars`.
std::vector<std::string> findLayoutProblems(const ButtonMap& buttons, const TextRects& texts, float width, float height,
                                            float minTarget = 96.0F, float minGap = 0.0F, const BarRects& bars = {});

/// What a frame drew, measured for issue 15 (in millimetres on the panel): the smallest glyph
/// (uppercase letter/digit height for text with Latin letters or digits, ideograph height for
/// Chinese; ADA §707.8 measures the uppercase "I"), the smallest touch target and the closest
/// two targets, and the lowest contrast between a text's colour and the colour most of its
/// rectangle shows in the rendered frame (WCAG 2.1 ratio).
struct FrameMeasures {
    float smallestGlyphMm = 0;
    std::string smallestGlyphText;
    float smallestTargetMm = 0;
    std::string smallestTarget;
    float closestTargetsMm = 0;  ///< 0 when fewer than two targets
    std::string closestTargets;
    double lowestContrast = 0;
    std::string lowestContrastText;
    size_t texts = 0;
    size_t targets = 0;
};

/// Measures a frame from its recorded buttons and texts and its RGBA pixels (`width` × `height`,
/// row-major, as SDL_RenderReadPixels gives ABGR8888 on little-endian: bytes R, G, B, A).
/// Glyph heights come from the faces of the current ImGui font atlas (matched by size).
FrameMeasures measureFrame(const ButtonMap& buttons, const TextRects& texts, const unsigned char* rgba, int width, int height,
                           float pxPerMm);
/// The drawn height (px) of the glyphs that set a text's size: "H" where it has Latin letters or
/// digits, else "国"; 0 when no face of `fontSize` is in the atlas.
float referenceGlyphHeight(float fontSize, std::string_view text);

/// Splits text into lines no wider than `width`: at spaces where there are any, else between
/// characters (Chinese, with its line-breaking rules). A Latin word, a number or an amount is
/// never split: one wider than `width` gets a line of its own that is wider than `width`
/// (callers that must fit measure with widestWord() and choose a face or a layout).
std::vector<std::string_view> wrapLines(ImFont* font, std::string_view value, float width);
/// The width of the widest run that wrapLines never splits (a Latin word, a number).
float widestWord(ImFont* font, std::string_view value);

class Ui {
public:
    Ui(const Theme& frameTheme, const Translator& translator, FontSet& fontSet, const Layout& frameLayout,
       ButtonMap& buttons, TextRects& texts, std::vector<UiEvent>& events, std::set<ImWchar>& missingGlyphs)
        : theme(frameTheme), text(translator), fonts(fontSet), layout(frameLayout), buttons_(buttons), texts_(texts),
          events_(events), missingGlyphs_(missingGlyphs) {}

    const Theme& theme;
    const Translator& text;
    FontSet& fonts;
    const Layout& layout;

    /// A named button at the cursor; its press is recorded as ButtonPressed{id}.
    void button(std::string_view id, std::string_view label, ImVec2 size, ButtonKind kind = ButtonKind::primary,
                ImFont* font = nullptr);
    /// Text wrapped to `wrapWidth` (0: to the content width) in the body or title font.
    void paragraph(std::string_view value, ImFont* font = nullptr, ImU32 color = 0, float wrapWidth = 0);
    /// Text centred horizontally in [x0, x1] at the cursor's y, each wrapped line centred on
    /// its own; the cursor moves below it.
    void centered(std::string_view value, ImFont* font, ImU32 color, float x0, float x1);
    /// True when `label` fits a button of `size` in `font` (every line inside, no word split),
    /// so a screen can choose one face for a set of buttons.
    bool labelFits(std::string_view label, ImVec2 size, ImFont* font) const;
    /// Draws text at a position with the draw list (no layout).
    void textAt(ImVec2 pos, std::string_view value, ImFont* font, ImU32 color, float wrapWidth = 0);
    ImVec2 measure(std::string_view value, ImFont* font, float wrapWidth = 0);
    /// A picture of an accepted card or code, drawn with shapes.
    void cardPicture(CardPicture kind, ImVec2 topLeft, ImVec2 size);
    /// How many texts this frame has recorded so far (a panel drawn over the screen notes where
    /// its own begin).
    size_t textCount() const { return texts_.size(); }
    /// Vertical space.
    void space(float pixels);
    /// The forgiving-touch guard and the list pages of the App (a Ui made without them, in a
    /// test, has no double-tap guard and shows every list's first page).
    void attach(TapGuard* taps, ListPages* pages, BarRects* bars = nullptr) {
        taps_ = taps;
        pages_ = pages;
        bars_ = bars;
    }
    /// The texts and buttons drawn from here to endBar() are on the App's bar `name` covering
    /// [min, max) (recorded in the attached BarRects for the layout check), not the screen's own.
    void beginBar(std::string_view name, ImVec2 min, ImVec2 max) {
        bar_ = std::string(name);
        if (bars_) bars_->push_back(BarRect{bar_, min, max});
    }
    void endBar() { bar_.clear(); }
    /// A list of `count` choices drawn a page at a time in the area [topLeft, topLeft + size):
    /// at most theme.maxChoicesPerPage choices a page (6 in elder mode), fewer where rows of
    /// `rowHeight` do not fit. With more than one page, a row of big "previous" / "next" buttons
    /// ("<id>.page.previous", "<id>.page.next") and "page n of m" takes the area's bottom.
    /// `drawRow(index, rowTopLeft, rowSize)` draws choice `index` (a button with its own id).
    /// Returns the first and one-past-last index shown.
    std::pair<size_t, size_t> pagedList(std::string_view id, size_t count, ImVec2 topLeft, ImVec2 size, float rowHeight,
                                        const std::function<void(size_t, ImVec2, ImVec2)>& drawRow);
    /// Records a picture that must stay clear of buttons and on the screen (the payment QR) for
    /// the layout check, as "[what]".
    void recordGraphic(ImVec2 min, ImVec2 max, std::string_view what) {
        recordText(min, max, "[" + std::string(what) + "]", layout.contentMin, layout.contentMax);
    }

private:
    void check(std::string_view value);
    void recordText(ImVec2 min, ImVec2 max, std::string_view value, ImVec2 areaMin = ImVec2(-FLT_MAX, -FLT_MAX),
                    ImVec2 areaMax = ImVec2(FLT_MAX, FLT_MAX), std::string_view button = {}, float fontSize = 0, ImU32 ink = 0);

    TapGuard* taps_ = nullptr;
    ListPages* pages_ = nullptr;
    BarRects* bars_ = nullptr;
    std::string bar_;  ///< the bar being drawn (beginBar); empty: the screen's own content

    ButtonMap& buttons_;
    TextRects& texts_;
    std::vector<UiEvent>& events_;
    std::set<ImWchar>& missingGlyphs_;
};

}  // namespace kiosk::screens
