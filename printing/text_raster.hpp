#pragma once
// Text drawn as a 1-bit bitmap on a thermal printer's character grid (Font A: 12 x 24 dots per
// column, a Chinese character two columns). Used where a printer's own font cannot print a line
// (the ESC/POS encoder sends such a line as a GS v 0 raster image) and by the virtual printer to
// draw the text it receives, so a drawn line and a printed line look alike.
// Glyphs: pango + fontconfig, "Noto Sans CJK SC" first (fonts-noto-cjk), fontconfig's fallback
// for the rest (fonts-symbola holds monochrome emoji and symbols; fonts-dejavu-core Latin).

#include <string>
#include <vector>

#include "printing/bitmap.hpp"

namespace kiosk::printing {

/// One cell of the grid: a grapheme cluster (UTF-8) and how many 12-dot columns it takes.
struct TextCell {
    std::string text;
    int columns = 1;
};

/// Rows of one drawn text line at scale 1 (24-dot glyphs plus the font's ascent/descent room).
inline constexpr int kTextLineRows = 32;
inline constexpr int kTextColumnDots = 12;

struct DrawnText {
    Bitmap bitmap;          ///< (sum of columns x 12 x widthScale) by (32 x heightScale) dots
    int missingGlyphs = 0;  ///< cells no installed font has a glyph for (drawn as code boxes)
};

/// Draws `cells` left to right, each centred in its cell (squeezed when the outline font is
/// wider), scaled by the ESC/POS GS ! factors, thresholded at 50 % grey: no grey on thermal paper.
DrawnText drawTextCells(const std::vector<TextCell>& cells, int widthScale, int heightScale, bool bold);

}  // namespace kiosk::printing
