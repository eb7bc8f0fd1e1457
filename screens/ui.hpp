#pragma once
// Drawing helpers shared by the screens. A Ui is made for one frame: buttons are named (the id is
// how journeys and tests tap them), their rectangles are recorded, and a press becomes a
// ButtonPressed event handled after the frame — draw() itself never changes state.
// Every text drawn is checked against the font atlas; missing glyphs are collected so the app
// extends the atlas and redraws before the frame is shown.

#include <imgui.h>

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
    ImVec2 center() const { return ImVec2((min.x + max.x) / 2, (min.y + max.y) / 2); }
};

/// Where each named button was drawn in the last frame.
using ButtonMap = std::map<std::string, ButtonRect, std::less<>>;

/// Where a text (not a button label) was drawn in the last frame: layout tests check that no
/// text runs under a button or off the screen.
struct TextRect {
    ImVec2 min;
    ImVec2 max;
    std::string text;
};
using TextRects = std::vector<TextRect>;

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

/// Splits text into lines no wider than `width`: at spaces where there are any, else between
/// characters (Chinese).
std::vector<std::string_view> wrapLines(ImFont* font, std::string_view value, float width);

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
    /// One line centred horizontally in [x0, x1] at the cursor's y.
    void centered(std::string_view value, ImFont* font, ImU32 color, float x0, float x1);
    /// Draws text at a position with the draw list (no layout).
    void textAt(ImVec2 pos, std::string_view value, ImFont* font, ImU32 color, float wrapWidth = 0);
    ImVec2 measure(std::string_view value, ImFont* font, float wrapWidth = 0);
    /// A picture of an accepted card or code, drawn with shapes.
    void cardPicture(CardPicture kind, ImVec2 topLeft, ImVec2 size);
    /// Vertical space.
    void space(float pixels);

private:
    void check(std::string_view value);
    void recordText(ImVec2 min, ImVec2 max, std::string_view value);

    ButtonMap& buttons_;
    TextRects& texts_;
    std::vector<UiEvent>& events_;
    std::set<ImWchar>& missingGlyphs_;
};

}  // namespace kiosk::screens
