#pragma once
// ESC/POS for 58 mm and 80 mm receipt printers (notes/protocols.md §7): pure functions that
// encode a printing::Document into printer bytes and parse the real-time status answers.
// No I/O here: the driver (escpos_driver.cpp) moves the bytes over USB, serial, TCP or a file.
//
// [X] model table: paper width, dots per line, code page, cutter, native QR, max speed, USB ids
// [X] ESC @ init, FS & Chinese mode, GB18030 text via iconv restricted to the printer's font
//     (escpos_charset.hpp: GBK by default, GB2312 or GBK + Extension A per model or config);
//     characters the font lacks print as a look-alike it holds (µ → μ, ¥ → ￥), and a line that
//     still holds one is drawn (pango, printing/text_raster.hpp) and sent as a GS v 0 image:
//     no '?' stands on paper where the HIS sent a character
// [X] ESC a align, ESC E bold, GS ! size 1…8, ESC d feed, word-less wrapping of over-long lines
// [X] tables (column weights, CJK = 2 columns), rules
// [X] GS ( k native QR (model 2, level M) with a GS v 0 raster fallback for models without it
// [X] GS k CODE128 (code set B) with HRI text below
// [X] GS v 0 raster images in bands of at most 256 rows; too-wide images scaled to the paper
// [X] GS V partial cut (feed only on models without a cutter)
// [X] DLE EOT 1…4 real-time status parsing → DeviceState
// [ ] code pages other than GB18030 (Big5 models, ESC t tables); ESC * bit images; NV logos

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "drivers/common/device.hpp"
#include "drivers/printer/escpos/escpos_charset.hpp"
#include "kiosk/core/error.hpp"
#include "printing/bitmap.hpp"
#include "printing/document.hpp"

namespace kiosk::drivers::escpos {

/// One printer model: a row of kEscposModels. Models differing only in settings are rows.
struct EscposModel {
    std::string_view name;
    int paperWidthMm;
    int dotsPerLine;           ///< printable dots (8 dots/mm at 203 dpi)
    std::string_view codePage; ///< "gb18030" (Chinese mode via FS &)
    FontCharset font;          ///< what the printer's Chinese font holds (config: font_charset)
    bool cutter;
    bool nativeQr;             ///< understands GS ( k; otherwise the QR is sent as a raster image
    int maxSpeedMmPerSecond;
    uint16_t usbVendor;        ///< 0 = not a USB model
    uint16_t usbProduct;
    uint8_t usbInterfaceClass; ///< 7 = USB printer class, 0xFF = vendor-specific bulk interface
    std::string_view summary;
};

const std::vector<EscposModel>& escposModels();
const EscposModel* findEscposModel(std::string_view name);

// Font A cell: ASCII is 12x24 dots, a Chinese character 24x24 dots. Lines are counted in
// 12-dot "columns" (48 on 80 mm, 32 on 58 mm).
inline constexpr int kColumnDots = 12;
inline constexpr int kLineDots = 24;

struct EncodeOptions {
    bool forceRaster = false;  ///< QR as raster even where native QR works (benchmarks, tests)
};

struct EncodedJob {
    std::vector<uint8_t> bytes;
    int replacedCharacters = 0;  ///< printed as '?': always 0 since lines are drawn instead (kept for callers)
    int lookAlikes = 0;          ///< characters printed as a look-alike the font holds (µ → μ)
    int rasterLines = 0;         ///< lines drawn as images because the font lacks a character
    int droppedCharacters = 0;   ///< control / invisible format characters not sent
    int missingGlyphs = 0;       ///< drawn characters no installed font has (a code box on paper)
    int wrappedLines = 0;        ///< text lines longer than the paper, wrapped
    int scaledImages = 0;        ///< images wider than the paper, scaled down
    std::vector<std::string> warnings;
};

/// Encodes the whole document for `model`. Fails only on a document that cannot be printed at
/// all (empty QR data, a QR too long for any symbol): the caller then prints nothing.
Result<EncodedJob> encodeDocument(const printing::Document& document, const EscposModel& model,
                                  const EncodeOptions& options = {});

/// A whole job as one raster image (what an "all-graphics" driver sends): init, bands, cut.
std::vector<uint8_t> encodeRasterJob(const printing::Bitmap& page, const EscposModel& model);
/// GS v 0 bands for one bitmap (appended to `out`); the bitmap must fit the paper.
void appendRaster(std::vector<uint8_t>& out, const printing::Bitmap& bitmap);

/// UTF-8 → GB18030 bytes the printer's font holds, look-alikes folded in (escpos_charset.hpp):
/// "µ" → A6 CC, "¥" → A3 A4. A character with no look-alike becomes '?' and is counted in
/// `replaced`: this byte-only view cannot draw; encodeDocument draws such lines instead.
struct Gb18030Text {
    std::string bytes;
    int replaced = 0;
    int lookAlikes = 0;
};
Gb18030Text toPrinterText(std::string_view utf8, FontCharset font = FontCharset::gbk);
/// Width on paper in 12-dot columns: ASCII 1, a 2-byte code 2 (Chinese mode prints every 2-byte
/// code 24 dots wide, μ and × included), a drawn character by its East Asian Width.
int displayColumns(std::string_view utf8, FontCharset font = FontCharset::gbk);

// ---- real-time status: DLE EOT n (10 04 n), one answer byte each ----
std::vector<uint8_t> statusRequest(int n);

/// The four status bytes decoded (Epson ESC/POS reference, "DLE EOT"):
///   every answer: bit0 = 0, bit1 = 1, bit4 = 1, bit7 = 0 (mask 0x93 == 0x12) — anything else is
///   not a status byte (garbage, echo of our own data) and is rejected.
///   n=1 printer:  bit3 offline, bit5 waiting for online recovery, bit6 paper feed button pressed
///   n=2 offline:  bit2 cover open, bit3 feed button, bit5 printing stopped by paper end,
///                 bit6 error occurred
///   n=3 error:    bit3 auto-cutter error, bit5 unrecoverable error, bit6 auto-recoverable error
///   n=4 paper:    bits2+3 roll near end, bits5+6 roll end (either bit of a pair counts)
struct EscposStatus {
    bool offline = false;
    bool coverOpen = false;
    bool paperEndStop = false;
    bool errorOccurred = false;
    bool cutterError = false;
    bool unrecoverableError = false;
    bool autoRecoverableError = false;
    bool paperNearEnd = false;
    bool paperOut = false;
};
Result<EscposStatus> parseStatus(uint8_t printer, uint8_t offlineCause, uint8_t errorCause, uint8_t paperSensor);
/// True when the byte has the fixed bits of a DLE EOT answer.
inline bool isStatusByte(uint8_t value) { return (value & 0x93) == 0x12; }

/// What the kiosk shows: status, paper, cover and a technician detail.
DeviceState toDeviceState(const EscposStatus& status);
/// The i18n key a patient sees for a printer in this state ("" when it can print).
std::string patientMessageKey(const DeviceState& state);
/// Whether a job may be sent to a printer in this state (paper near end still prints).
bool canPrint(const DeviceState& state);

}  // namespace kiosk::drivers::escpos
