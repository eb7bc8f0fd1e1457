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
    ZXing::BarcodeFormats formats;
    /// The site's matrix formats (QR, DataMatrix, …) and linear formats (Code128, EAN, …) are read
    /// by separate ZXing calls. Linear codes are read without downscaling and one per frame:
    /// Debian's ZXing 1.4 is built with assertions, and Result::operator== asserts when it compares
    /// two linear results read on several lines — which ReadBarcodes does when the same barcode is
    /// found again on a downscaled layer or by the rotated scan (a Code128 slip held close to a
    /// 1280x720 camera aborted the process). Matrix results compare by position, never assert.
    std::optional<ZXing::DecodeHints> matrix;
    std::optional<ZXing::DecodeHints> linear;
    /// Read a copy shrunk 3× when the full-size passes found nothing (DecoderSettings::tryDownscale).
    bool downscale = true;
    /// The thin-bar passes: linear formats, rows as they are (the copies change x only).
    std::optional<ZXing::DecodeHints> thinBars;
    bool stretchContrast = true;
    bool tryInverted = true;
    bool tryMirrored = true;
    bool tryLocalContrast = true;
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

/// Side of the blocks localContrast measures, and how many blocks each side of a pixel's block
/// count as its neighbourhood: 48 px holds several modules of a QR code up to ~10 px per module
/// (a phone filling a 1280x720 frame), and dark and light modules both.
constexpr int kContrastBlock = 16;
constexpr int kContrastReach = 1;
/// Below this range a neighbourhood is taken as flat: sensor noise is 2–5 levels.
constexpr int kFlatRange = 8;

/// The thin-bar passes keep every 4th row. ZXing's row reader looks at 15 rows 1/32 of the height
/// apart around the middle (plus two either side to confirm a read), so it scans the same parts of
/// the frame in a quarter of the rows; a barcode is far taller than 4 rows.
constexpr int kThinBarRowStep = 4;
/// How much wider the second thin-bar pass makes the rows.
constexpr int kWiden = 3;

/// Every kThinBarRowStep-th row, sharpened along x (p + 2·(p − mean of its left and right
/// neighbours)): blur spreads a bar of 1–2 px into its neighbours until the row's threshold misses
/// it; this restores the dip.
LumaImage sharpenedRows(const LumaImage& image) {
    LumaImage out{image.width, (image.height + kThinBarRowStep - 1) / kThinBarRowStep, {}};
    out.pixels.resize(static_cast<size_t>(out.width) * static_cast<size_t>(out.height));
    for (int y = 0; y < out.height; ++y) {
        const uint8_t* in = image.pixels.data() + static_cast<size_t>(y) * kThinBarRowStep * image.width;
        uint8_t* row = out.pixels.data() + static_cast<size_t>(y) * out.width;
        for (int x = 0; x < image.width; ++x) {
            const int left = in[std::max(x - 1, 0)];
            const int right = in[std::min(x + 1, image.width - 1)];
            row[x] = static_cast<uint8_t>(std::clamp(3 * in[x] - left - right, 0, 255));
        }
    }
    return out;
}

/// The image widened kWiden× along x by linear interpolation between pixel centres: a bar's
/// edges fall between whole pixels, and whole-pixel run lengths of 1–2 px lose the width ratios
/// ZXing 1.4's row reader needs.
LumaImage widened(const LumaImage& image) {
    LumaImage out{image.width * kWiden, image.height, {}};
    out.pixels.resize(static_cast<size_t>(out.width) * static_cast<size_t>(out.height));
    for (int y = 0; y < out.height; ++y) {
        const uint8_t* in = image.pixels.data() + static_cast<size_t>(y) * image.width;
        uint8_t* row = out.pixels.data() + static_cast<size_t>(y) * out.width;
        for (int x = 0; x < image.width; ++x) {
            const int left = in[x];
            const int right = in[std::min(x + 1, image.width - 1)];
            // Output pixel k of this input pixel sits at x + k / kWiden (centres aligned at k = 0).
            for (int k = 0; k < kWiden; ++k) {
                row[x * kWiden + k] = static_cast<uint8_t>((left * (kWiden - k) + right * k + kWiden / 2) / kWiden);
            }
        }
    }
    return out;
}

/// The shrunk pass: frames whose shorter side is at least this (ZXing's downscaleThreshold) are
/// also read at a third of their size (ZXing's downscaleFactor), where a big blurred code's
/// modules are sharp again.
constexpr int kDownscaleFrom = 500;
constexpr int kShrink = 3;

/// The image shrunk kShrink× by averaging kShrink×kShrink blocks (the right and bottom remainders
/// are dropped).
LumaImage shrunk(const LumaImage& image) {
    LumaImage out{image.width / kShrink, image.height / kShrink, {}};
    out.pixels.resize(static_cast<size_t>(out.width) * static_cast<size_t>(out.height));
    std::vector<int> sums(static_cast<size_t>(out.width));
    for (int y = 0; y < out.height; ++y) {
        std::fill(sums.begin(), sums.end(), 0);
        for (int dy = 0; dy < kShrink; ++dy) {
            const uint8_t* in = image.pixels.data() + static_cast<size_t>(y * kShrink + dy) * image.width;
            for (int x = 0; x < out.width; ++x) {
                for (int dx = 0; dx < kShrink; ++dx) sums[static_cast<size_t>(x)] += in[x * kShrink + dx];
            }
        }
        uint8_t* row = out.pixels.data() + static_cast<size_t>(y) * out.width;
        for (int x = 0; x < out.width; ++x) {
            row[x] = static_cast<uint8_t>((sums[static_cast<size_t>(x)] + kShrink * kShrink / 2) / (kShrink * kShrink));
        }
    }
    return out;
}

bool anyValid(const ZXing::Results& results) {
    return std::any_of(results.begin(), results.end(), [](const ZXing::Result& r) { return r.isValid(); });
}

}  // namespace

LumaImage mirroredImage(const LumaImage& image) {
    LumaImage out{image.width, image.height, std::vector<uint8_t>(image.pixels.size())};
    for (int y = 0; y < image.height; ++y) {
        const auto row = image.pixels.begin() + static_cast<ptrdiff_t>(y) * image.width;
        std::reverse_copy(row, row + image.width, out.pixels.begin() + static_cast<ptrdiff_t>(y) * image.width);
    }
    return out;
}

LumaImage localContrast(const LumaImage& image) {
    const int width = image.width;
    const int height = image.height;
    LumaImage out{width, height, std::vector<uint8_t>(static_cast<size_t>(width) * static_cast<size_t>(height))};
    if (width <= 0 || height <= 0) return out;
    const int blocksX = (width + kContrastBlock - 1) / kContrastBlock;
    const int blocksY = (height + kContrastBlock - 1) / kContrastBlock;
    const auto at = [blocksX](int bx, int by) { return static_cast<size_t>(by) * blocksX + bx; };
    std::vector<uint8_t> blockMin(static_cast<size_t>(blocksX) * blocksY, 255);
    std::vector<uint8_t> blockMax(blockMin.size(), 0);
    for (int y = 0; y < height; ++y) {
        const uint8_t* row = image.pixels.data() + static_cast<size_t>(y) * width;
        const int by = y / kContrastBlock;
        for (int bx = 0; bx < blocksX; ++bx) {
            uint8_t low = blockMin[at(bx, by)];
            uint8_t high = blockMax[at(bx, by)];
            for (int x = bx * kContrastBlock, end = std::min(x + kContrastBlock, width); x < end; ++x) {
                low = std::min(low, row[x]);
                high = std::max(high, row[x]);
            }
            blockMin[at(bx, by)] = low;
            blockMax[at(bx, by)] = high;
        }
    }
    // Per block: the neighbourhood's darkest level and a 16.16 fixed-point gain to 0..255
    // (0 for a flat neighbourhood, which the loop below paints white).
    std::vector<int> low(blockMin.size());
    std::vector<int> gain(blockMin.size());
    for (int by = 0; by < blocksY; ++by) {
        for (int bx = 0; bx < blocksX; ++bx) {
            int darkest = 255;
            int brightest = 0;
            for (int ny = std::max(by - kContrastReach, 0); ny <= std::min(by + kContrastReach, blocksY - 1); ++ny) {
                for (int nx = std::max(bx - kContrastReach, 0); nx <= std::min(bx + kContrastReach, blocksX - 1);
                     ++nx) {
                    darkest = std::min<int>(darkest, blockMin[at(nx, ny)]);
                    brightest = std::max<int>(brightest, blockMax[at(nx, ny)]);
                }
            }
            low[at(bx, by)] = darkest;
            gain[at(bx, by)] = brightest - darkest < kFlatRange ? 0 : (255 << 16) / (brightest - darkest);
        }
    }
    for (int y = 0; y < height; ++y) {
        const uint8_t* in = image.pixels.data() + static_cast<size_t>(y) * width;
        uint8_t* row = out.pixels.data() + static_cast<size_t>(y) * width;
        const int by = y / kContrastBlock;
        for (int bx = 0; bx < blocksX; ++bx) {
            const int darkest = low[at(bx, by)];
            const int scale = gain[at(bx, by)];
            for (int x = bx * kContrastBlock, end = std::min(x + kContrastBlock, width); x < end; ++x) {
                // The pixel lies within its neighbourhood's range, so the result is 0..255.
                row[x] = scale == 0 ? uint8_t{255} : static_cast<uint8_t>(((in[x] - darkest) * scale) >> 16);
            }
        }
    }
    return out;
}

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
    impl->formats = formats;
    impl->stretchContrast = settings.stretchContrast;
    impl->tryInverted = settings.tryInverted;
    impl->tryMirrored = settings.tryMirrored;
    impl->tryLocalContrast = settings.tryLocalContrast;
    impl->downscale = settings.tryDownscale;
    // ZXing's own tryDownscale is off: it reads the shrunk layer on every frame, which cost ~40 % of
    // an empty 1280x720 frame's first pass; decode() shrinks the frame itself, and only when the
    // full-size pass found nothing.
    ZXing::DecodeHints common;
    common.setTryHarder(settings.tryHarder).setTryRotate(false).setTryDownscale(false).setMaxNumberOfSymbols(1);
    const ZXing::BarcodeFormats matrix = formats & ZXing::BarcodeFormat::MatrixCodes;
    if (!matrix.empty()) {
        // Matrix codes are found in any rotation without tryRotate.
        impl->matrix = ZXing::DecodeHints(common).setFormats(matrix).setMaxNumberOfSymbols(
            static_cast<uint8_t>(std::clamp(settings.maxSymbols, 1, 255)));
    }
    const ZXing::BarcodeFormats linear = formats & ZXing::BarcodeFormat::LinearCodes;
    if (!linear.empty()) {
        impl->linear = ZXing::DecodeHints(common).setFormats(linear).setTryRotate(settings.tryRotate);
        if (settings.tryThinBars) impl->thinBars = ZXing::DecodeHints(common).setFormats(linear);
    }
    return CodeDecoder(std::move(impl));
}

namespace {

ZXing::Results read(const LumaImage& luma, const std::optional<ZXing::DecodeHints>& hints) {
    if (!hints) return {};
    const ZXing::ImageView view(luma.pixels.data(), luma.width, luma.height, ZXing::ImageFormat::Lum);
    // ReadBarcode, not ReadBarcodes, for one symbol: see Impl::matrix for why linear codes need it.
    if (hints->maxNumberOfSymbols() == 1) {
        ZXing::Result result = ZXing::ReadBarcode(view, *hints);
        return result.isValid() ? ZXing::Results{std::move(result)} : ZXing::Results{};
    }
    return ZXing::ReadBarcodes(view, *hints);
}

void append(ZXing::Results& to, ZXing::Results&& from) {
    for (ZXing::Result& result : from) to.push_back(std::move(result));
}

}  // namespace

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
    const auto readBoth = [this](const LumaImage& luma, const std::optional<ZXing::DecodeHints>& matrix) {
        ZXing::Results results = read(luma, matrix);
        append(results, read(luma, impl_->linear));
        return results;
    };
    // Each fallback runs only while nothing valid was found (see the header for the order).
    ZXing::Results results = readBoth(*source, impl_->matrix);
    if (!anyValid(results) && impl_->downscale && std::min(source->width, source->height) >= kDownscaleFrom) {
        results = read(shrunk(*source), impl_->matrix);
    }
    // A linear code reads either way round: only the matrix formats need the mirrored pass, which
    // makes it cheaper than the inverted one, so it comes first.
    if (!anyValid(results) && impl_->tryMirrored) results = read(mirroredImage(*source), impl_->matrix);
    if (!anyValid(results) && impl_->tryInverted) {
        LumaImage inverted{source->width, source->height, std::vector<uint8_t>(source->pixels.size())};
        std::transform(source->pixels.begin(), source->pixels.end(), inverted.pixels.begin(),
                       [](uint8_t pixel) { return static_cast<uint8_t>(255 - pixel); });
        results = readBoth(inverted, impl_->matrix);
    }
    if (!anyValid(results) && impl_->tryLocalContrast) results = readBoth(localContrast(*source), impl_->matrix);
    if (!anyValid(results) && impl_->thinBars) {
        const LumaImage sharpened = sharpenedRows(*source);
        results = read(sharpened, impl_->thinBars);
        if (!anyValid(results)) results = read(widened(sharpened), impl_->thinBars);
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
    return ZXing::ToString(impl_->formats);
}

}  // namespace kiosk::drivers::scanner
