#include "screens/png_file.hpp"

#include <png.h>

#include <cstdio>
#include <memory>
#include <vector>

#include <fmt/format.h>
#include <zlib.h>

namespace kiosk::screens {

Result<void> writePngFile(const std::filesystem::path& file, int width, int height, std::span<const std::uint8_t> rgba) {
    if (width <= 0 || height <= 0 ||
        rgba.size() != static_cast<size_t>(width) * static_cast<size_t>(height) * 4) {
        return fail(Errc::invalid_argument, fmt::format("{}: {} bytes are not a {}x{} RGBA frame", file.string(),
                                                        rgba.size(), width, height));
    }
    std::unique_ptr<FILE, int (*)(FILE*)> out(std::fopen(file.c_str(), "wb"), &std::fclose);
    if (!out) return fail(Errc::io_error, fmt::format("cannot write {}", file.string()));
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
    png_infop info = png ? png_create_info_struct(png) : nullptr;
    if (!png || !info) {
        png_destroy_write_struct(&png, &info);
        return fail(Errc::io_error, fmt::format("cannot write {}: libpng could not start", file.string()));
    }
    std::vector<png_bytep> rows(static_cast<size_t>(height));
    for (int y = 0; y < height; ++y) {
        // libpng's row pointers are not const, but png_write_image only reads them.
        rows[static_cast<size_t>(y)] =
            const_cast<png_bytep>(rgba.data() + static_cast<size_t>(y) * static_cast<size_t>(width) * 4);
    }
    // libpng reports its errors by longjmp; nothing with a destructor is created below this point.
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        return fail(Errc::io_error, fmt::format("cannot write {}: libpng failed (disk full?)", file.string()));
    }
    png_init_io(png, out.get());
    // Screens are flat colours and text: the "sub" filter at zlib's fastest level is ~10x faster
    // than stb's encoder and the files stay within a few tens of KiB of it.
    png_set_compression_level(png, Z_BEST_SPEED);
    png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_SUB);
    png_set_IHDR(png, info, static_cast<png_uint_32>(width), static_cast<png_uint_32>(height), 8,
                 PNG_COLOR_TYPE_RGB_ALPHA, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    png_write_image(png, rows.data());
    png_write_end(png, nullptr);
    png_destroy_write_struct(&png, &info);
    if (std::fflush(out.get()) != 0) return fail(Errc::io_error, fmt::format("cannot write {}", file.string()));
    return {};
}

}  // namespace kiosk::screens
