#pragma once
// Small drawing pieces the patient-service screens share (DESIGN §3a: each service's folder has
// its own screens; what they draw alike lives here once).

#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include "printing/bitmap.hpp"
#include "screens/screen.hpp"
#include "screens/ui.hpp"

namespace kiosk::screens {

/// A button of a row at the bottom of a service screen (left to right), each with its own kind.
struct RowButton {
    std::string id;
    std::string label;
    ButtonKind kind;
};

/// The screen's title: the text of `key`, centred in the title face, with the service screens'
/// spacing above and below (less in landscape). `color` 0 is the theme's text colour. In landscape
/// a title that would take two lines is set in the body face instead: the screen is only about
/// 600 pixels high under the bars in elder mode, and a second title line would push the content
/// under the buttons.
inline void serviceTitle(const ScreenContext& context, Ui& ui, std::string_view key, ImU32 color = 0) {
    // Landscape: no extra space around the title (each ui.space() also adds the item spacing, a
    // gap): at large print the screen has about 700 pixels under the bars.
    if (ui.layout.portrait) ui.space(40);
    const std::string text = context.text.tr(key);
    ImFont* face = ui.fonts.title();
    const float width = ui.layout.contentMax.x - ui.layout.contentMin.x;
    if (!ui.layout.portrait && ui.measure(text, face, width).y > ui.measure("A", face, width).y * 1.5F) face = ui.fonts.body();
    ui.centered(text, face, color ? color : ui.theme.colors.text, ui.layout.contentMin.x, ui.layout.contentMax.x);
    if (ui.layout.portrait) ui.space(28);
}

/// The least height of a button `width` wide whose label (body face, wrapped as Ui::button wraps
/// it: 20 px padding each side, 1.2 lines) is `label`, never under one touch target.
inline float labelHeightIn(const Ui& ui, const std::string& label, float width) {
    const auto lines = static_cast<float>(wrapLines(ui.fonts.body(), label, width - 40).size());
    return std::max(ui.theme.buttonHeight, lines * ui.fonts.body()->FontSize * 1.2F + 28);
}

/// How many rows of `rowHeight` (default: one touch target) fit between the cursor and `bottom`.
inline size_t rowsThatFit(const Ui& ui, float bottom, float rowHeight = 0) {
    const float room = bottom - ImGui::GetCursorScreenPos().y + ui.theme.gap;
    const float row = std::max(rowHeight, ui.theme.buttonHeight);
    return static_cast<size_t>(std::max(1.0F, std::floor(room / (row + ui.theme.gap))));
}

/// "09:00" of an ISO 8601 date-time with offset ("2026-11-30T09:00:00+08:00"): the wall time the
/// HIS gives (hospital-sim and the FHIR adapter give hospital time); shorter input as it is.
inline std::string clockOf(const std::string& iso) { return iso.size() >= 16 ? iso.substr(11, 5) : iso; }

/// A link shown as a QR symbol on a service screen (the queue page, the delivery-address page),
/// encoded once per link, not per frame (a screen keeps one, `mutable` in its const draw()).
struct QrSymbol {
    std::string text;
    std::vector<uint8_t> modules;  ///< size × size, 1 = dark
    int size = 0;                  ///< modules per side; 0 = nothing to draw

    /// Encodes `link` when it changed; false when it cannot be encoded (too long).
    bool update(const std::string& link) {
        if (link == text) return size > 0;
        text = link;
        size = 0;
        modules.clear();
        if (link.empty()) return false;
        auto encoded = printing::qrModules(link);
        if (!encoded || encoded->width != encoded->height) return false;
        size = encoded->width;
        modules = encoded->pixels;
        return true;
    }
    /// The side in pixels of the symbol with its quiet zone at `modulePixels` per module.
    float sideAt(float modulePixels) const { return modulePixels * static_cast<float>(size + 8); }
    /// The symbol with a 4-module quiet zone on white, `side` pixels square at `topLeft`, recorded
    /// for the layout check as "[what]".
    void draw(Ui& ui, ImVec2 topLeft, float side, std::string_view what) const {
        if (size <= 0) return;
        auto* list = ImGui::GetWindowDrawList();
        const float module = side / static_cast<float>(size + 8);
        list->AddRectFilled(topLeft, ImVec2(topLeft.x + side, topLeft.y + side), IM_COL32_WHITE);
        for (int y = 0; y < size; ++y) {
            for (int x = 0; x < size; ++x) {
                if (modules[static_cast<size_t>(y * size + x)] == 0) continue;
                const ImVec2 a(topLeft.x + (static_cast<float>(x) + 4) * module, topLeft.y + (static_cast<float>(y) + 4) * module);
                list->AddRectFilled(a, ImVec2(a.x + module, a.y + module), IM_COL32_BLACK);
            }
        }
        ui.recordGraphic(topLeft, ImVec2(topLeft.x + side, topLeft.y + side), what);
    }
};

/// The buttons side by side at the bottom of [x0, x1] (primary last, on the right), or one per
/// row where a label does not fit its share. Returns the top of the row(s).
inline float bottomButtonRowTop(const Ui& ui, const std::vector<RowButton>& buttons, float x0, float x1, size_t* perRowOut = nullptr) {
    const float gap = ui.theme.gap;
    size_t perRow = buttons.size();
    for (; perRow > 1; --perRow) {
        const float width = (x1 - x0 - gap * static_cast<float>(perRow - 1)) / static_cast<float>(perRow);
        if (std::all_of(buttons.begin(), buttons.end(),
                        [&](const RowButton& b) { return ui.labelFits(b.label, ImVec2(width, ui.theme.buttonHeight), nullptr); })) {
            break;
        }
    }
    perRow = std::max<size_t>(perRow, 1);
    if (perRowOut) *perRowOut = perRow;
    const auto rows = static_cast<float>((buttons.size() + perRow - 1) / perRow);
    return ui.layout.contentMax.y - rows * ui.theme.buttonHeight - (rows - 1) * gap;
}

inline void bottomButtonRow(Ui& ui, const std::vector<RowButton>& buttons, float x0, float x1) {
    if (buttons.empty()) return;
    size_t perRow = 1;
    bottomButtonRowTop(ui, buttons, x0, x1, &perRow);
    const float gap = ui.theme.gap;
    const float width = (x1 - x0 - gap * static_cast<float>(perRow - 1)) / static_cast<float>(perRow);
    const size_t rows = (buttons.size() + perRow - 1) / perRow;
    for (size_t i = 0; i < buttons.size(); ++i) {
        const size_t row = i / perRow;
        const size_t column = i % perRow;
        const float top = ui.layout.contentMax.y - static_cast<float>(rows - row) * ui.theme.buttonHeight -
                          static_cast<float>(rows - 1 - row) * gap;
        ImGui::SetCursorScreenPos(ImVec2(x0 + static_cast<float>(column) * (width + gap), top));
        ui.button(buttons[i].id, buttons[i].label, ImVec2(width, ui.theme.buttonHeight), buttons[i].kind);
    }
}

inline void bottomButtonRow(Ui& ui, const std::vector<RowButton>& buttons) { bottomButtonRow(ui, buttons, ui.layout.contentMin.x, ui.layout.contentMax.x); }

/// Text centred in [x0, x1] at the cursor, then the cursor below it.
inline void centeredLine(Ui& ui, const std::string& value, ImFont* font, ImU32 color, float x0, float x1, float after) {
    const float width = x1 - x0;
    const ImVec2 size = ui.measure(value, font, width);
    const ImVec2 at = ImGui::GetCursorScreenPos();
    ui.textAt(ImVec2(x0 + std::max(0.0F, (width - size.x) / 2), at.y), value, font, color, width);
    ImGui::SetCursorScreenPos(ImVec2(x0, at.y + size.y + after));
}

}  // namespace kiosk::screens
