#pragma once
// Decoding luminance images with ZXing-cpp 1.4, restricted to the symbologies the site enables
// (harness.md §7: restricting the formats is the big lever — an empty 640x480 frame costs ~23 ms
// with all formats and ~4 ms with QR only). ZXing's headers stay in the .cpp: ZXing/Error.h
// defines macros that break other libraries' headers (zbar's C++ header among them).
//
// [X] formats from config by ZXing's names ("QRCode", "Code128", "DataMatrix", …)
// [X] several codes in one frame (each reported once): matrix codes up to maxSymbols, linear
//     codes one per frame (see tryDownscale for why)
// [X] tryHarder / tryRotate / tryDownscale switchable (benchmarks tune them)
// [X] contrast stretch of flat frames before decoding (low-contrast phone screens)
// [X] inverted codes (ZXing 1.4 has no search for them): a second pass on the inverted image
// [X] mirrored QR codes (ZXing 1.4 misreads mirrored symbols whose mask number is odd,
//     zxing-cpp/zxing-cpp#428, fixed after 1.4.0): a pass on the image flipped left–right
// [X] low local contrast (a dim code on a phone whose black bezel keeps the global range wide):
//     a pass on a locally stretched image
// [X] thin bars (linear codes at ~2 px per module, blurred): passes on rows sharpened along x,
//     then also widened 3×
// [X] big blurred codes: a pass on the frame shrunk 3× (ZXing's own downscaling, done by us)
// [ ] mirrored codes in dark mode (mirrored and inverted at once); thin bars turned 90°
//
// Passes, each only while nothing was found: the frame as it is → shrunk (frames of 500 px and
// more) → mirrored → inverted → local contrast → thin bars. A frame with a readable code costs one
// ZXing pass; a frame with no code costs all of them (tests/bench/scanners_bench.cpp measures both).

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
    /// When nothing was found, read matrix codes on the frame shrunk 3× (frames of 500 px and
    /// more): helps with big, blurred codes on 1280x720. Not ZXing's tryDownscale, which reads the
    /// shrunk layer on every frame (~40 % of an empty frame's time) and, with linear formats,
    /// makes Debian's ZXing 1.4 abort on an assertion when a barcode is found on both layers.
    bool tryDownscale = true;
    /// Matrix codes per frame; linear codes are read one per frame (the same assertion).
    int maxSymbols = 4;
    /// Stretch the grey levels of a flat image (1st–99th percentile closer than 100 levels) to the
    /// full range before decoding: ZXing 1.4's binarizer treats blocks with less than 24 levels of
    /// contrast as uniform, which loses dim phone screens and washed-out frames.
    bool stretchContrast = true;
    /// When nothing was found, decode the inverted image too: light modules on a dark screen
    /// (phones in dark mode). Costs a second pass on frames with no code (~2× on empty frames).
    bool tryInverted = true;
    /// When nothing was found (before the inverted pass: this one reads fewer formats), decode
    /// the image flipped left–right with the matrix formats
    /// (QR, DataMatrix, …): a phone app or a camera preview that mirrors the symbol. ZXing 1.4
    /// tries a mirrored reading itself but gets it wrong for QR masks 1, 3, 5 and 7
    /// (zxing-cpp/zxing-cpp#428); a symbol mirrored top–bottom is the same symbol turned 180°.
    bool tryMirrored = true;
    /// When still nothing was found, decode a locally stretched copy (localContrast below): codes
    /// whose modules differ by less than ZXing's 24 levels while the frame as a whole has contrast.
    bool tryLocalContrast = true;
    /// When still nothing was found, decode the linear formats on rows sharpened along x, then on
    /// those rows widened 3× (linear interpolation): blur and whole-pixel rounding lose bars of
    /// 1–2 px in ZXing 1.4's row reader. On generated Code128 at 1.8–2 px per module, slightly
    /// blurred and turned up to 6°, the decoder read 23 of 30 with these passes and 20 without
    /// (and none at 1.2–1.6 px either way); both passes together cost ~1 ms on 1280x720.
    bool tryThinBars = true;
};

/// The contrast stretch above, in place; returns whether the image was changed.
bool stretchContrast(LumaImage& image);

/// A copy with each pixel stretched between the darkest and brightest level of the 48×48 px
/// around it (3×3 blocks of 16 px): a code with 10 levels between its modules gets 255. Where that
/// neighbourhood spans fewer than 8 levels (flat paper, a blank screen, sensor noise) the pixel
/// becomes white, so noise is not raised into patterns.
LumaImage localContrast(const LumaImage& image);

/// The image flipped left–right.
LumaImage mirroredImage(const LumaImage& image);

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
