#pragma once
// Decoding luminance images with ZXing-cpp 1.4, restricted to the symbologies the site enables
// (harness.md §7: restricting the formats is the big lever — an empty 640x480 frame costs ~23 ms
// with all formats and ~4 ms with QR only). ZXing's headers stay in the .cpp: ZXing/Error.h
// defines macros that break other libraries' headers (zbar's C++ header among them).
//
// [X] formats from config by ZXing's names ("QRCode", "Code128", "DataMatrix", …)
// [X] several codes in one frame (each reported once)
// [X] tryHarder / tryRotate / tryDownscale switchable (benchmarks tune them)
// [X] contrast stretch of flat frames before decoding (low-contrast phone screens)
// [X] inverted codes (ZXing 1.4 has no search for them): a second pass on the inverted image

#include <memory>
#include <string>
#include <vector>

#include "drivers/scanner/camera/camera_protocol.hpp"
#include "kiosk/core/error.hpp"

namespace kiosk::drivers::scanner {

struct DecodedCode {
    std::string text;       ///< UTF-8 (ZX_USE_UTF8)
    std::string symbology;  ///< ZXing's name: "QRCode", "Code128", …
};

struct DecoderSettings {
    std::vector<std::string> formats = {"QRCode", "Code128"};
    /// ZXing's exhaustive search. Off by default: on the corpus it found nothing more and cost
    /// 2–3× the time (tests/bench/scanners_bench.cpp).
    bool tryHarder = false;
    bool tryRotate = true;     ///< 1D codes turned 90°; QR finds any rotation by itself
    bool tryDownscale = true;  ///< helps with big, blurred codes on 1280x720
    int maxSymbols = 4;
    /// Stretch the grey levels of a flat image (1st–99th percentile closer than 100 levels) to the
    /// full range before decoding: ZXing 1.4's binarizer treats blocks with less than 24 levels of
    /// contrast as uniform, which loses dim phone screens and washed-out frames.
    bool stretchContrast = true;
    /// When nothing was found, decode the inverted image too: light modules on a dark screen
    /// (phones in dark mode). Costs a second pass on frames with no code (~2× on empty frames).
    bool tryInverted = true;
};

/// The contrast stretch above, in place; returns whether the image was changed.
bool stretchContrast(LumaImage& image);

class CodeDecoder {
public:
    /// Fails (Errc::invalid_config) on an unknown format name or an empty list.
    static Result<CodeDecoder> create(const DecoderSettings& settings);
    CodeDecoder(CodeDecoder&&) noexcept;
    CodeDecoder& operator=(CodeDecoder&&) noexcept;
    ~CodeDecoder();

    /// Every valid code in the image, each text once, in ZXing's order.
    std::vector<DecodedCode> decode(const LumaImage& image) const;
    /// The formats as ZXing names them ("QRCode|Code128").
    std::string formatsText() const;

private:
    struct Impl;
    explicit CodeDecoder(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace kiosk::drivers::scanner
