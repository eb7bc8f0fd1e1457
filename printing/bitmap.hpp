#pragma once
// 1-bit bitmaps shared by the ESC/POS encoder (raster QR fallback, GS v 0), the PDF renderer and
// the virtual printer, and the QR / CODE128 symbol generators behind them (ZXing-cpp's writer).

#include <cstdint>
#include <string_view>
#include <vector>

#include "kiosk/core/error.hpp"
#include "printing/document.hpp"

namespace kiosk::printing {

/// One byte per pixel, 0 = white, non-zero = black (the same layout as printing::Image).
struct Bitmap {
    int width = 0;
    int height = 0;
    std::vector<uint8_t> pixels;
    bool black(int x, int y) const { return pixels[static_cast<size_t>(y) * width + x] != 0; }
    Image toImage() const { return Image{width, height, pixels}; }
};

/// The QR symbol for UTF-8 `data`, one pixel per module, no quiet zone. Error level M (ESC/POS
/// `GS ( k` fn 69 n = 49 uses the same, so native and raster symbols are identical).
Result<Bitmap> qrModules(std::string_view data);
/// The CODE128 symbol, one pixel per narrow module, `height` pixels tall.
Result<Bitmap> code128Modules(std::string_view data, int height);
/// Nearest-neighbour enlargement by an integer factor.
Bitmap scaleUp(const Bitmap& source, int factor);
/// Nearest-neighbour reduction to at most `maxWidth` pixels wide (keeps the aspect ratio).
Bitmap fitWidth(const Bitmap& source, int maxWidth);

}  // namespace kiosk::printing
