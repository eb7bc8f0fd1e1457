#pragma once
// Helpers shared by the printing tests: sample documents, the catalog, QR decoding of rendered
// PNGs with ZXing-cpp 1.4, and finding a rendering of an expected text line in a page.
#define ZX_USE_UTF8
#include <ZXing/DecodeHints.h>
#include <ZXing/ReadBarcode.h>
#include <ZXing/Result.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "kiosk/core/i18n.hpp"
#include "printing/templates.hpp"
#include "sim/devices/virtual_escpos_printer.hpp"
#include "tests/support/free_port.hpp"

namespace kiosk::test {

inline const Catalog& printingCatalog() {
    static const Catalog catalog = *Catalog::load(std::filesystem::path(KIOSK_TEST_ASSETS_DIR) / "lang");
    return catalog;
}

/// Where rendered receipts stay after the run (named in the closing note).
inline std::filesystem::path printingOutputDir(const std::string& name) {
    auto dir = std::filesystem::path(KIOSK_TEST_OUTPUT_DIR) / "printing" / name;
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir;
}

inline printing::SlipHeader sampleHeader(const std::string& id) {
    return {id, "一站示范医院", "KIOSK-07", "2026-11-23 09:30"};
}

inline printing::PaymentReceiptData sampleReceipt() {
    printing::PaymentReceiptData data;
    data.header = sampleHeader("RCPT-20261123-0001");
    data.patientName = "张三丰";
    data.cardNumber = "6222021234567890123";
    data.lines = {{"血常规", "25.00"}, {"肝功能八项", "86.50"}, {"门诊诊查费", "15.00"}};
    data.total = "126.50";
    data.insurancePart = "80.00";
    data.selfPart = "46.50";
    data.channel = "微信支付";
    data.tradeNo = "KT202611230930001";
    return data;
}

inline printing::RegistrationSlipData sampleSlip() {
    printing::RegistrationSlipData data;
    data.header = sampleHeader("REG-20261123-0042");
    data.patientName = "欧阳娜娜";
    data.department = "心血管内科";
    data.doctor = "李医生";
    data.slot = "2026-11-23 10:00-11:00";
    data.queueNumber = "A042";
    data.qrData = "https://his.example/queue/A042?k=7f3c";
    data.tradeNo = "KT202611230930042";
    return data;
}

/// Decodes the first QR code in a PNG (QR format only: the big lever in DecodeHints).
inline std::optional<std::string> decodeQr(const std::filesystem::path& png) {
    int width = 0;
    int height = 0;
    auto lum = sim::loadPngLuminance(png, width, height);
    if (!lum) return std::nullopt;
    ZXing::DecodeHints hints;
    hints.setFormats(ZXing::BarcodeFormat::QRCode);
    auto result = ZXing::ReadBarcode(ZXing::ImageView(lum->data(), width, height, ZXing::ImageFormat::Lum), hints);
    if (!result.isValid()) return std::nullopt;
    return result.text();
}

/// True when the rendering of `text` appears pixel for pixel somewhere in the page PNG.
inline bool pageContainsText(const std::filesystem::path& png, const std::string& text, int scale = 1, bool bold = false) {
    int width = 0;
    int height = 0;
    auto lum = sim::loadPngLuminance(png, width, height);
    if (!lum) return false;
    const printing::Bitmap glyphs = sim::renderTextLine(text, scale, scale, bold);
    if (glyphs.width > width || glyphs.height > height) return false;
    auto black = [&](int x, int y) { return (*lum)[static_cast<size_t>(y) * width + x] < 128; };
    for (int y = 0; y + glyphs.height <= height; ++y) {
        for (int x = 0; x + glyphs.width <= width; ++x) {
            bool match = true;
            for (int gy = 0; gy < glyphs.height && match; ++gy)
                for (int gx = 0; gx < glyphs.width && match; ++gx)
                    if (glyphs.black(gx, gy) != black(x + gx, y + gy)) match = false;
            if (match) return true;
        }
    }
    return false;
}

/// The virtual printer's TCP server on 127.0.0.1 at a free port below the ephemeral range
/// (tests/support/free_port.hpp; the next free port when another process takes one first).
/// Errors: io_error naming the port range when no port could be bound.
inline Result<std::unique_ptr<sim::VirtualPrinterServer>> startVirtualPrinterServer(sim::VirtualEscposPrinter& printer) {
    std::unique_ptr<sim::VirtualPrinterServer> server;
    auto port = startOnFreePort([&](int candidate) {
        auto started = sim::VirtualPrinterServer::start(printer, candidate);
        if (!started) return PortStart::port_taken;
        server = std::move(*started);
        return PortStart::listening;
    });
    if (!port) return fail(Errc::io_error, "virtual printer: " + port.error());
    return server;
}

}  // namespace kiosk::test
