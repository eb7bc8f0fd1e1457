#include "drivers/scanner/camera/zxing_decoder.hpp"

#define ZX_USE_UTF8 1
#include <ZXing/BarcodeFormat.h>
#include <ZXing/DecodeHints.h>
#include <ZXing/ReadBarcode.h>
#include <ZXing/Result.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <optional>

namespace kiosk::drivers::scanner {

struct CodeDecoder::Impl {
    ZXing::DecodeHints hints;
    bool stretchContrast = true;
    bool tryInverted = true;
};

namespace {

/// The grey-level table that stretches a flat image to the full range, or nullopt if the image
/// has contrast enough (1st–99th percentile at least 100 levels apart).
std::optional<std::array<uint8_t, 256>> contrastTable(const LumaImage& image) {
    if (image.pixels.empty()) return std::nullopt;
    std::array<size_t, 256> histogram{};
    for (uint8_t pixel : image.pixels) ++histogram[pixel];
    const size_t tail = image.pixels.size() / 100;  // ignore the darkest and brightest 1 %
    int low = 0;
    int high = 255;
    for (size_t seen = 0; low < 255 && (seen += histogram[static_cast<size_t>(low)]) <= tail;) ++low;
    for (size_t seen = 0; high > 0 && (seen += histogram[static_cast<size_t>(high)]) <= tail;) --high;
    if (high - low >= 100 || high <= low) return std::nullopt;
    std::array<uint8_t, 256> table{};
    for (int level = 0; level < 256; ++level) {
        table[static_cast<size_t>(level)] =
            static_cast<uint8_t>(std::clamp((level - low) * 255 / (high - low), 0, 255));
    }
    return table;
}

}  // namespace

bool stretchContrast(LumaImage& image) {
    const auto table = contrastTable(image);
    if (!table) return false;
    for (uint8_t& pixel : image.pixels) pixel = (*table)[pixel];
    return true;
}

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
    impl->stretchContrast = settings.stretchContrast;
    impl->tryInverted = settings.tryInverted;
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
    // Only a flat image is copied and stretched; a normal frame is decoded in place.
    LumaImage stretched;
    const LumaImage* source = &image;
    if (impl_->stretchContrast) {
        if (const auto table = contrastTable(image)) {
            stretched.width = image.width;
            stretched.height = image.height;
            stretched.pixels.resize(image.pixels.size());
            std::transform(image.pixels.begin(), image.pixels.end(), stretched.pixels.begin(),
                           [&](uint8_t pixel) { return (*table)[pixel]; });
            source = &stretched;
        }
    }
    const auto read = [this](const LumaImage& luma) {
        const ZXing::ImageView view(luma.pixels.data(), luma.width, luma.height, ZXing::ImageFormat::Lum);
        return impl_->hints.maxNumberOfSymbols() == 1 ? ZXing::Results{ZXing::ReadBarcode(view, impl_->hints)}
                                                      : ZXing::ReadBarcodes(view, impl_->hints);
    };
    ZXing::Results results = read(*source);
    const bool found = std::any_of(results.begin(), results.end(), [](const ZXing::Result& r) { return r.isValid(); });
    if (!found && impl_->tryInverted) {
        LumaImage inverted{source->width, source->height, std::vector<uint8_t>(source->pixels.size())};
        std::transform(source->pixels.begin(), source->pixels.end(), inverted.pixels.begin(),
                       [](uint8_t pixel) { return static_cast<uint8_t>(255 - pixel); });
        results = read(inverted);
    }
    for (const ZXing::Result& result : results) {
        if (!result.isValid()) continue;
        std::string text = result.text();
        const bool seen = std::any_of(codes.begin(), codes.end(), [&](const DecodedCode& c) { return c.text == text; });
        if (!seen) codes.push_back(DecodedCode{std::move(text), ZXing::ToString(result.format())});
    }
    return codes;
}

std::string CodeDecoder::formatsText() const {
    return ZXing::ToString(impl_->hints.formats());
}

}  // namespace kiosk::drivers::scanner
