#include "drivers/scanner/camera/zxing_decoder.hpp"

#define ZX_USE_UTF8 1
#include <ZXing/BarcodeFormat.h>
#include <ZXing/DecodeHints.h>
#include <ZXing/ReadBarcode.h>
#include <ZXing/Result.h>

#include <fmt/format.h>

#include <algorithm>

namespace kiosk::drivers::scanner {

struct CodeDecoder::Impl {
    ZXing::DecodeHints hints;
};

CodeDecoder::CodeDecoder(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CodeDecoder::CodeDecoder(CodeDecoder&&) noexcept = default;
CodeDecoder& CodeDecoder::operator=(CodeDecoder&&) noexcept = default;
CodeDecoder::~CodeDecoder() = default;

Result<CodeDecoder> CodeDecoder::create(const DecoderSettings& settings) {
    if (settings.formats.empty()) return fail(Errc::invalid_config, "no barcode formats enabled");
    ZXing::BarcodeFormats formats;
    for (const std::string& name : settings.formats) {
        // BarcodeFormatFromString throws nothing in 1.4; an unknown name gives None.
        const ZXing::BarcodeFormat format = ZXing::BarcodeFormatFromString(name);
        if (format == ZXing::BarcodeFormat::None) {
            return fail(Errc::invalid_config,
                        fmt::format("unknown barcode format \"{}\" (ZXing names: QRCode, MicroQRCode, DataMatrix, "
                                    "PDF417, Aztec, Code128, Code39, Code93, Codabar, EAN13, EAN8, ITF, UPCA, UPCE)",
                                    name));
        }
        formats |= format;
    }
    auto impl = std::make_unique<Impl>();
    impl->hints.setFormats(formats)
        .setTryHarder(settings.tryHarder)
        .setTryRotate(settings.tryRotate)
        .setTryDownscale(settings.tryDownscale)
        .setMaxNumberOfSymbols(static_cast<uint8_t>(std::clamp(settings.maxSymbols, 1, 255)));
    return CodeDecoder(std::move(impl));
}

std::vector<DecodedCode> CodeDecoder::decode(const LumaImage& image) const {
    std::vector<DecodedCode> codes;
    if (image.width <= 0 || image.height <= 0 ||
        image.pixels.size() < static_cast<size_t>(image.width) * static_cast<size_t>(image.height)) {
        return codes;
    }
    const ZXing::ImageView view(image.pixels.data(), image.width, image.height, ZXing::ImageFormat::Lum);
    const ZXing::Results results = impl_->hints.maxNumberOfSymbols() == 1
                                       ? ZXing::Results{ZXing::ReadBarcode(view, impl_->hints)}
                                       : ZXing::ReadBarcodes(view, impl_->hints);
    for (const ZXing::Result& result : results) {
        if (!result.isValid()) continue;
        std::string text = result.text();
        const bool seen = std::any_of(codes.begin(), codes.end(), [&](const DecodedCode& c) { return c.text == text; });
        if (!seen) codes.push_back(DecodedCode{std::move(text), ZXing::ToString(result.format())});
    }
    return codes;
}

std::string CodeDecoder::formatsText() const { return ZXing::ToString(impl_->hints.formats()); }

}  // namespace kiosk::drivers::scanner
