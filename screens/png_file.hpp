#pragma once
// Writes a frame as a PNG file (journey screenshots, `kiosk screenshot`).

#include <cstdint>
#include <filesystem>
#include <span>

#include "kiosk/core/error.hpp"

namespace kiosk::screens {

/// Writes `rgba` (width × height pixels, 4 bytes each, rows top to bottom, no padding) to `file`
/// as an 8-bit RGBA PNG through libpng, at zlib's fastest level: a journey writes one 1080×1920
/// frame per step, and stb's encoder spent ~0.5 s on each (two thirds of a layout test's time).
/// Errors: `io_error` naming the file when it cannot be opened or libpng fails; `invalid_argument`
/// when `rgba` is not width × height × 4 bytes.
Result<void> writePngFile(const std::filesystem::path& file, int width, int height, std::span<const std::uint8_t> rgba);

}  // namespace kiosk::screens
