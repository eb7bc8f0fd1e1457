#include "printing/text_raster.hpp"

#include <cairo.h>
#include <pango/pangocairo.h>

#include <algorithm>
#include <memory>

namespace kiosk::printing {

namespace {
constexpr double kFontPixels = 22.0;  // Noto Sans CJK at 22 px fills a 24-dot cell
}  // namespace

DrawnText drawTextCells(const std::vector<TextCell>& cells, int widthScale, int heightScale, bool bold) {
    widthScale = std::clamp(widthScale, 1, 8);
    heightScale = std::clamp(heightScale, 1, 8);
    int lineWidth = 0;
    for (const auto& cell : cells) lineWidth += std::max(1, cell.columns) * kTextColumnDots;
    const int baseWidth = std::max(lineWidth, kTextColumnDots);
    DrawnText drawn;
    Bitmap& out = drawn.bitmap;
    out = Bitmap{baseWidth * widthScale, kTextLineRows * heightScale, {}};
    std::unique_ptr<cairo_surface_t, void (*)(cairo_surface_t*)> surface(
        cairo_image_surface_create(CAIRO_FORMAT_RGB24, out.width, out.height), &cairo_surface_destroy);
    std::unique_ptr<cairo_t, void (*)(cairo_t*)> cr(cairo_create(surface.get()), &cairo_destroy);
    cairo_set_source_rgb(cr.get(), 1, 1, 1);
    cairo_paint(cr.get());
    cairo_scale(cr.get(), widthScale, heightScale);
    cairo_set_source_rgb(cr.get(), 0, 0, 0);
    std::unique_ptr<PangoLayout, void (*)(gpointer)> layout(pango_cairo_create_layout(cr.get()), &g_object_unref);
    std::unique_ptr<PangoFontDescription, void (*)(PangoFontDescription*)> font(
        pango_font_description_from_string("Noto Sans CJK SC"), &pango_font_description_free);
    pango_font_description_set_absolute_size(font.get(), kFontPixels * PANGO_SCALE);
    pango_font_description_set_weight(font.get(), bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    pango_layout_set_font_description(layout.get(), font.get());
    int x = 0;
    for (const auto& cell : cells) {
        const int cellDots = std::max(1, cell.columns) * kTextColumnDots;
        pango_layout_set_text(layout.get(), cell.text.c_str(), -1);
        // Spaces have no glyph to miss; anything else without one is drawn as a code box.
        if (cell.text.find_first_not_of(' ') != std::string::npos && pango_layout_get_unknown_glyphs_count(layout.get()) > 0)
            ++drawn.missingGlyphs;
        int w = 0;
        int h = 0;
        pango_layout_get_pixel_size(layout.get(), &w, &h);
        cairo_save(cr.get());
        const double squeeze = w > cellDots ? static_cast<double>(cellDots) / w : 1.0;
        cairo_translate(cr.get(), x + (cellDots - w * squeeze) / 2.0, 0);
        cairo_scale(cr.get(), squeeze, 1.0);
        cairo_move_to(cr.get(), 0, 0);
        pango_cairo_show_layout(cr.get(), layout.get());
        cairo_restore(cr.get());
        x += cellDots;
    }
    cairo_surface_flush(surface.get());
    const unsigned char* data = cairo_image_surface_get_data(surface.get());
    const int stride = cairo_image_surface_get_stride(surface.get());
    out.pixels.resize(static_cast<size_t>(out.width) * out.height);
    for (int y = 0; y < out.height; ++y) {
        const auto* row = reinterpret_cast<const uint32_t*>(data + static_cast<size_t>(y) * stride);
        for (int px = 0; px < out.width; ++px) {
            const uint32_t value = row[px];
            const int lum = (((value >> 16) & 0xFF) * 3 + ((value >> 8) & 0xFF) * 6 + (value & 0xFF)) / 10;
            out.pixels[static_cast<size_t>(y) * out.width + px] = lum < 128 ? 1 : 0;
        }
    }
    return drawn;
}

}  // namespace kiosk::printing
