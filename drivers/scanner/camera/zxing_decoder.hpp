#pragma once
// Decoding luminance images with ZXing-cpp 1.4, restricted to the symbologies the site enables
// (harness.md §7: restricting the formats is the big lever — an empty 640x480 frame costs ~23 ms
// with all formats and ~4 ms with QR only). ZXing's headers stay in the .cpp: ZXing/Error.h
// defines macros that break other libraries' headers (zbar's C++ header among them).
//
// [X] formats from config by ZXing's names ("QRCode", "Code128", "DataMatrix", …)
// [X] several codes in one frame (each reported once)
// [X] tryHarder / tryRotate / tryDownscale switchable (benchmarks tune them)

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
    bool tryHarder = true;
    bool tryRotate = true;     ///< 1D codes turned 90°; QR finds any rotation by itself
    bool tryDownscale = true;  ///< helps with big, blurred codes on 1280x720
    int maxSymbols = 4;
};

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
