#pragma once
// The two decoders the scanner benchmark compares, behind a plain interface: ZXing and zbar live
// in separate translation units because ZXing/Error.h defines macros that break zbar.h.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace kiosk::bench {

class BenchDecoder {
public:
    virtual ~BenchDecoder() = default;
    virtual std::string name() const = 0;
    /// Texts of every code found in a grey image.
    virtual std::vector<std::string> decode(const uint8_t* pixels, int width, int height) = 0;
};

/// ZXing-cpp 1.4 via the camera driver's CodeDecoder (site formats QRCode + Code128, or all).
std::unique_ptr<BenchDecoder> makeZxingDecoder(bool allFormats, bool tryInverted);
/// zbar 0.23 with the same symbologies (QR + Code128) enabled.
std::unique_ptr<BenchDecoder> makeZbarDecoder();

}  // namespace kiosk::bench
