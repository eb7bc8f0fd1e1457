#pragma once
// The pure parts of the camera scanner, tested without a camera: frames and their pixel formats,
// conversion to luminance, the newest-frame slot between capture and decoding, de-bouncing and
// the preview image the identification screen shows.
//
// [X] GREY, YUYV (luma = every other byte) and MJPEG (libjpeg-turbo, grey output; webcam MJPEG
//     without Huffman tables works because libjpeg-turbo falls back to the standard tables)
// [X] frame size checked against width/height/stride before any pixel is read
// [X] newest frame only: a frame that arrives while the decoder is busy replaces the waiting one
// [X] de-bounce: the same text is posted again only after the configured quiet time
// [X] preview: mirrored (patients see themselves as in a mirror), scaled, outside of the aiming
//     box dimmed, aiming corners drawn; RGBA
// [ ] other pixel formats (NV12, RGB24): not offered by the scanner cameras we target

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "kiosk/core/error.hpp"

namespace kiosk::drivers::scanner {

enum class PixelFormat { grey, yuyv, mjpeg };
std::string_view pixelFormatName(PixelFormat format);
std::optional<PixelFormat> parsePixelFormat(std::string_view text);

/// One captured frame, as the device delivered it.
struct Frame {
    int width = 0;
    int height = 0;
    int bytesPerLine = 0;  ///< 0 = packed (width × bytes per pixel); ignored for MJPEG
    PixelFormat format = PixelFormat::grey;
    std::vector<uint8_t> bytes;
    uint64_t sequence = 0;
    std::chrono::steady_clock::time_point captured{};
};

/// 8-bit luminance, tightly packed.
struct LumaImage {
    int width = 0;
    int height = 0;
    std::vector<uint8_t> pixels;
};

/// Converts a frame to luminance. A frame whose byte count does not fit its size (a truncated
/// buffer, a camera that changed resolution) is Errc::invalid_data, never read past its end.
Result<LumaImage> toLuma(const Frame& frame);

/// Loads a PNG/JPEG/BMP file as luminance (stb_image); for recorded frames, the CLI and the tests.
Result<LumaImage> loadLumaImage(const std::filesystem::path& file);
/// Writes luminance or RGBA as PNG (channels 1 or 4).
Result<void> writePng(const std::filesystem::path& file, int width, int height, int channels,
                      const std::vector<uint8_t>& pixels);

/// Hands frames from the capture thread to the decoder thread. Holds at most one frame: put()
/// replaces a frame nobody took yet (counted as dropped), so the decoder always works on the
/// newest frame and latency never builds up.
class LatestFrameSlot {
public:
    void put(Frame frame);
    /// Waits for a frame until `timeout` or a stop request; nullopt on either.
    std::optional<Frame> take(std::chrono::milliseconds timeout, std::stop_token stop);
    uint64_t dropped() const;

private:
    mutable std::mutex mutex_;
    std::condition_variable_any ready_;
    std::optional<Frame> frame_;
    uint64_t dropped_ = 0;
};

/// Suppresses a text seen again within `window` of its last sighting (a phone held in front of
/// the camera is decoded in every frame; several codes in view alternate). A new text, or one
/// that was out of view for the window, passes. Remembers at most kMaxRemembered texts.
class Debouncer {
public:
    explicit Debouncer(std::chrono::milliseconds window) : window_(window) {}
    /// True if `text` should be posted now; remembers it.
    bool accept(const std::string& text, std::chrono::steady_clock::time_point now);

    static constexpr size_t kMaxRemembered = 32;

private:
    std::chrono::milliseconds window_;
    std::vector<std::pair<std::string, std::chrono::steady_clock::time_point>> seen_;
};

struct PreviewSettings {
    int maxWidth = 480;        ///< the preview is scaled down to at most this width
    bool mirror = true;        ///< flip left-right
    double aimFraction = 0.6;  ///< side of the aiming square, as a fraction of the shorter side
};

/// The picture the identification screen shows; RGBA, row-major, tightly packed.
struct PreviewImage {
    int width = 0;
    int height = 0;
    std::vector<uint8_t> rgba;
    uint64_t sequence = 0;  ///< the frame it was made from
};

PreviewImage makePreview(const LumaImage& luma, const PreviewSettings& settings, uint64_t sequence);

}  // namespace kiosk::drivers::scanner
