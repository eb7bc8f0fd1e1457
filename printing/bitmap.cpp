#include "printing/bitmap.hpp"

#include <ZXing/BitMatrix.h>
#include <ZXing/CharacterSet.h>
#include <ZXing/MultiFormatWriter.h>

#include <exception>
#include <string>

namespace kiosk::printing {

namespace {

Bitmap fromMatrix(const ZXing::BitMatrix& matrix) {
    Bitmap bitmap{matrix.width(), matrix.height(), {}};
    bitmap.pixels.resize(static_cast<size_t>(bitmap.width) * bitmap.height);
    for (int y = 0; y < bitmap.height; ++y)
        for (int x = 0; x < bitmap.width; ++x) bitmap.pixels[static_cast<size_t>(y) * bitmap.width + x] = matrix.get(x, y) ? 1 : 0;
    return bitmap;
}

}  // namespace

Result<Bitmap> qrModules(std::string_view data) {
    if (data.empty()) return fail(Errc::invalid_argument, "QR code with no data", "print.error.bad_document");
    // ZXing's writer throws on over-long input; exceptions stop here (module boundary).
    try {
        ZXing::MultiFormatWriter writer(ZXing::BarcodeFormat::QRCode);
        writer.setEncoding(ZXing::CharacterSet::UTF8).setMargin(0).setEccLevel(2);  // 0..8 scale: 2 ≈ M
        return fromMatrix(writer.encode(std::string(data), 0, 0));
    } catch (const std::exception& error) {
        return fail(Errc::invalid_data, std::string("QR encoding failed: ") + error.what(), "print.error.bad_document");
    }
}

Result<Bitmap> code128Modules(std::string_view data, int height) {
    if (data.empty()) return fail(Errc::invalid_argument, "CODE128 with no data", "print.error.bad_document");
    try {
        ZXing::MultiFormatWriter writer(ZXing::BarcodeFormat::Code128);
        writer.setMargin(0);
        ZXing::BitMatrix row = writer.encode(std::string(data), 0, 1);
        Bitmap bitmap{row.width(), height, {}};
        bitmap.pixels.resize(static_cast<size_t>(bitmap.width) * height);
        for (int y = 0; y < height; ++y)
            for (int x = 0; x < bitmap.width; ++x) bitmap.pixels[static_cast<size_t>(y) * bitmap.width + x] = row.get(x, 0) ? 1 : 0;
        return bitmap;
    } catch (const std::exception& error) {
        return fail(Errc::invalid_data, std::string("CODE128 encoding failed: ") + error.what(), "print.error.bad_document");
    }
}

Bitmap scaleUp(const Bitmap& source, int factor) {
    Bitmap out{source.width * factor, source.height * factor, {}};
    out.pixels.resize(static_cast<size_t>(out.width) * out.height);
    for (int y = 0; y < out.height; ++y)
        for (int x = 0; x < out.width; ++x)
            out.pixels[static_cast<size_t>(y) * out.width + x] = source.black(x / factor, y / factor) ? 1 : 0;
    return out;
}

Bitmap fitWidth(const Bitmap& source, int maxWidth) {
    if (source.width <= maxWidth || source.width == 0) return source;
    Bitmap out{maxWidth, std::max(1, source.height * maxWidth / source.width), {}};
    out.pixels.resize(static_cast<size_t>(out.width) * out.height);
    for (int y = 0; y < out.height; ++y)
        for (int x = 0; x < out.width; ++x)
            out.pixels[static_cast<size_t>(y) * out.width + x] =
                source.black(x * source.width / out.width, y * source.height / out.height) ? 1 : 0;
    return out;
}

}  // namespace kiosk::printing
