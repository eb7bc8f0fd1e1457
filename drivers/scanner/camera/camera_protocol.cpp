#include "drivers/scanner/camera/camera_protocol.hpp"

#include <fmt/format.h>
#include <jpeglib.h>
#include <stb/stb_image.h>
#include <stb/stb_image_write.h>

#include <algorithm>
#include <csetjmp>

namespace kiosk::drivers::scanner {

std::string_view pixelFormatName(PixelFormat format) {
    switch (format) {
        case PixelFormat::grey:
            return "grey";
        case PixelFormat::yuyv:
            return "yuyv";
        case PixelFormat::mjpeg:
            return "mjpeg";
    }
    return "?";
}

std::optional<PixelFormat> parsePixelFormat(std::string_view text) {
    if (text == "grey") return PixelFormat::grey;
    if (text == "yuyv") return PixelFormat::yuyv;
    if (text == "mjpeg") return PixelFormat::mjpeg;
    return std::nullopt;
}

namespace {

/// libjpeg reports errors through a callback that must not return: jump back out of the decoder.
struct JpegErrorManager {
    jpeg_error_mgr base;
    std::jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
};

void jpegErrorExit(j_common_ptr info) {
    auto* manager = reinterpret_cast<JpegErrorManager*>(info->err);
    (*info->err->format_message)(info, manager->message);
    std::longjmp(manager->jump, 1);
}

void jpegSilence(j_common_ptr, int) {}

// Decodes with no C++ objects alive between setjmp and longjmp (only PODs and the caller's buffer).
bool decodeJpegToGrey(const uint8_t* data, size_t size, int expectedWidth, int expectedHeight,
                      std::vector<uint8_t>& out, char* errorText, size_t errorSize) {
    jpeg_decompress_struct info{};
    JpegErrorManager errors{};
    info.err = jpeg_std_error(&errors.base);
    errors.base.error_exit = jpegErrorExit;
    errors.base.emit_message = jpegSilence;
    if (setjmp(errors.jump)) {
        std::snprintf(errorText, errorSize, "%s", errors.message);
        jpeg_destroy_decompress(&info);
        return false;
    }
    jpeg_create_decompress(&info);
    jpeg_mem_src(&info, data, static_cast<unsigned long>(size));
    jpeg_read_header(&info, TRUE);
    if (static_cast<int>(info.image_width) != expectedWidth || static_cast<int>(info.image_height) != expectedHeight) {
        std::snprintf(errorText, errorSize, "JPEG is %ux%u, expected %dx%d", info.image_width, info.image_height,
                      expectedWidth, expectedHeight);
        jpeg_destroy_decompress(&info);
        return false;
    }
    info.out_color_space = JCS_GRAYSCALE;  // luminance only: no colour conversion work
    info.dct_method = JDCT_IFAST;
    jpeg_start_decompress(&info);
    while (info.output_scanline < info.output_height) {
        JSAMPROW row = out.data() + static_cast<size_t>(info.output_scanline) * info.output_width;
        jpeg_read_scanlines(&info, &row, 1);
    }
    jpeg_finish_decompress(&info);
    jpeg_destroy_decompress(&info);
    return true;
}

}  // namespace

Result<LumaImage> toLuma(const Frame& frame) {
    if (frame.width <= 0 || frame.height <= 0 || frame.width > 8192 || frame.height > 8192) {
        return fail(Errc::invalid_data,
                    fmt::format("frame {}: impossible size {}x{}", frame.sequence, frame.width, frame.height));
    }
    LumaImage luma{frame.width, frame.height, {}};
    const size_t width = static_cast<size_t>(frame.width);
    const size_t height = static_cast<size_t>(frame.height);
    luma.pixels.resize(width * height);
    switch (frame.format) {
        case PixelFormat::grey:
        case PixelFormat::yuyv: {
            const size_t bytesPerPixel = frame.format == PixelFormat::grey ? 1 : 2;
            const size_t stride =
                frame.bytesPerLine > 0 ? static_cast<size_t>(frame.bytesPerLine) : width * bytesPerPixel;
            // The last row needs only its pixels, not the full stride.
            const size_t needed = stride * (height - 1) + width * bytesPerPixel;
            if (stride < width * bytesPerPixel || frame.bytes.size() < needed) {
                return fail(Errc::invalid_data,
                            fmt::format("frame {}: {} bytes do not hold a {}x{} {} image (stride {}, need {})",
                                        frame.sequence, frame.bytes.size(), frame.width, frame.height,
                                        pixelFormatName(frame.format), stride, needed));
            }
            for (size_t y = 0; y < height; ++y) {
                const uint8_t* row = frame.bytes.data() + y * stride;
                uint8_t* out = luma.pixels.data() + y * width;
                if (bytesPerPixel == 1) {
                    std::copy_n(row, width, out);
                } else {
                    // YUYV 4:2:2: bytes Y0 U Y1 V — luminance is every even byte.
                    for (size_t x = 0; x < width; ++x) out[x] = row[2 * x];
                }
            }
            return luma;
        }
        case PixelFormat::mjpeg: {
            char errorText[JMSG_LENGTH_MAX + 64] = {};
            if (frame.bytes.size() < 4 || frame.bytes[0] != 0xFF || frame.bytes[1] != 0xD8) {
                return fail(Errc::invalid_data, fmt::format("frame {}: MJPEG frame of {} bytes has no JPEG SOI marker",
                                                            frame.sequence, frame.bytes.size()));
            }
            if (!decodeJpegToGrey(frame.bytes.data(), frame.bytes.size(), frame.width, frame.height, luma.pixels,
                                  errorText, sizeof errorText)) {
                return fail(Errc::invalid_data,
                            fmt::format("frame {}: MJPEG decode failed: {}", frame.sequence, errorText));
            }
            return luma;
        }
    }
    return fail(Errc::internal, "unknown pixel format");
}

Result<LumaImage> loadLumaImage(const std::filesystem::path& file) {
    int width = 0;
    int height = 0;
    int channels = 0;
    stbi_uc* pixels = stbi_load(file.c_str(), &width, &height, &channels, 1);
    if (!pixels) {
        return fail(Errc::invalid_data, fmt::format("cannot read image {}: {}", file.string(), stbi_failure_reason()));
    }
    LumaImage image{width, height, std::vector<uint8_t>(pixels, pixels + static_cast<size_t>(width) * height)};
    stbi_image_free(pixels);
    return image;
}

Result<void> writePng(const std::filesystem::path& file, int width, int height, int channels,
                      const std::vector<uint8_t>& pixels) {
    if (pixels.size() != static_cast<size_t>(width) * height * channels) {
        return fail(Errc::invalid_argument, "writePng: pixel count does not match the size");
    }
    if (!stbi_write_png(file.c_str(), width, height, channels, pixels.data(), width * channels)) {
        return fail(Errc::io_error, fmt::format("cannot write {}", file.string()));
    }
    return {};
}

void LatestFrameSlot::put(Frame frame) {
    {
        std::lock_guard lock(mutex_);
        if (frame_) ++dropped_;
        frame_ = std::move(frame);
    }
    ready_.notify_one();
}

std::optional<Frame> LatestFrameSlot::take(std::chrono::milliseconds timeout, std::stop_token stop) {
    std::unique_lock lock(mutex_);
    if (!ready_.wait_for(lock, stop, timeout, [this] { return frame_.has_value(); })) return std::nullopt;
    std::optional<Frame> out = std::move(frame_);
    frame_.reset();
    return out;
}

uint64_t LatestFrameSlot::dropped() const {
    std::lock_guard lock(mutex_);
    return dropped_;
}

bool Debouncer::accept(const std::string& text, std::chrono::steady_clock::time_point now) {
    // Forget what has been out of view for the whole window.
    std::erase_if(seen_, [&](const auto& entry) { return now - entry.second >= window_; });
    for (auto& [seenText, lastSeen] : seen_) {
        if (seenText == text) {
            lastSeen = now;  // held in view: the quiet time moves along; posted once per presentation
            return false;
        }
    }
    if (window_.count() <= 0) return true;
    if (seen_.size() >= kMaxRemembered) seen_.erase(seen_.begin());  // oldest first
    seen_.emplace_back(text, now);
    return true;
}

PreviewImage makePreview(const LumaImage& luma, const PreviewSettings& settings, uint64_t sequence) {
    PreviewImage preview;
    preview.sequence = sequence;
    if (luma.width <= 0 || luma.height <= 0) return preview;
    const int maxWidth = std::max(16, settings.maxWidth);
    const int step = std::max(1, (luma.width + maxWidth - 1) / maxWidth);  // integer downscale keeps it cheap
    preview.width = luma.width / step;
    preview.height = luma.height / step;
    preview.rgba.resize(static_cast<size_t>(preview.width) * preview.height * 4);
    const int side =
        static_cast<int>(std::min(preview.width, preview.height) * std::clamp(settings.aimFraction, 0.1, 1.0));
    const int left = (preview.width - side) / 2;
    const int top = (preview.height - side) / 2;
    const int right = left + side - 1;
    const int bottom = top + side - 1;
    const int corner = std::max(8, side / 5);
    const int thickness = std::max(2, preview.width / 160);
    for (int y = 0; y < preview.height; ++y) {
        for (int x = 0; x < preview.width; ++x) {
            const int sourceX = settings.mirror ? (preview.width - 1 - x) * step : x * step;
            uint8_t value = luma.pixels[static_cast<size_t>(y * step) * luma.width + sourceX];
            const bool inside = x >= left && x <= right && y >= top && y <= bottom;
            if (!inside) value = static_cast<uint8_t>(value * 5 / 8);  // dim around the aiming box
            uint8_t* out = &preview.rgba[(static_cast<size_t>(y) * preview.width + x) * 4];
            out[0] = out[1] = out[2] = value;
            out[3] = 255;
            // Aiming corners: L-shaped marks at the box's four corners, drawn in green.
            const bool nearLeft = x >= left - thickness && x < left;
            const bool nearRight = x > right && x <= right + thickness;
            const bool nearTop = y >= top - thickness && y < top;
            const bool nearBottom = y > bottom && y <= bottom + thickness;
            const bool inCornerX = x < left + corner || x > right - corner;
            const bool inCornerY = y < top + corner || y > bottom - corner;
            const bool vertical =
                (nearLeft || nearRight) && inCornerY && y >= top - thickness && y <= bottom + thickness;
            const bool horizontal =
                (nearTop || nearBottom) && inCornerX && x >= left - thickness && x <= right + thickness;
            if (vertical || horizontal) {
                out[0] = 40;
                out[1] = 220;
                out[2] = 90;
            }
        }
    }
    return preview;
}

}  // namespace kiosk::drivers::scanner
