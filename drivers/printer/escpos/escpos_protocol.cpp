#include "drivers/printer/escpos/escpos_protocol.hpp"

#include <iconv.h>

#include <algorithm>
#include <cerrno>
#include <memory>

#include "kiosk/core/mask.hpp"
#include "printing/text_raster.hpp"

namespace kiosk::drivers::escpos {

namespace {

using printing::Align;
using printing::Bitmap;

constexpr uint8_t ESC = 0x1B;
constexpr uint8_t GS = 0x1D;
constexpr uint8_t FS = 0x1C;
constexpr uint8_t DLE = 0x10;
constexpr uint8_t EOT = 0x04;
constexpr uint8_t LF = 0x0A;

void put(std::vector<uint8_t>& out, std::initializer_list<uint8_t> bytes) { out.insert(out.end(), bytes); }

using Units = std::vector<PrintUnit>;

const PrintUnit kSpace{" ", " ", " ", 1, PrintUnit::How::as_sent};

int columnsOf(const Units& units) {
    int columns = 0;
    for (const auto& unit : units) columns += unit.columns;
    return columns;
}

/// Splits a line into pieces of at most `capacity` columns, between grapheme clusters (no
/// hyphenation: receipts are mostly Chinese, where breaking anywhere is correct).
std::vector<Units> wrap(const Units& units, int capacity) {
    std::vector<Units> lines;
    Units current;
    int used = 0;
    for (const auto& unit : units) {
        if (used + unit.columns > capacity && !current.empty()) {
            lines.push_back(std::move(current));
            current.clear();
            used = 0;
        }
        current.push_back(unit);
        used += unit.columns;
    }
    if (!current.empty() || lines.empty()) lines.push_back(std::move(current));
    return lines;
}

Units padTo(Units units, int columns, bool right) {
    const Units padding(static_cast<size_t>(std::max(0, columns - columnsOf(units))), kSpace);
    units.insert(right ? units.begin() : units.end(), padding.begin(), padding.end());
    return units;
}

struct Encoder {
    const EscposModel& model;
    const EncodeOptions& options;
    EncodedJob job;
    int columns() const { return model.dotsPerLine / kColumnDots; }

    Units units(std::string_view utf8) {
        PrintUnits converted = toPrintUnits(utf8, model.font);
        job.lookAlikes += converted.lookAlikes;
        job.droppedCharacters += converted.dropped;
        return std::move(converted.units);
    }

    /// One physical line: text in the printer's font, or — when the font lacks one of its
    /// characters — the whole line drawn on the same grid and sent as a GS v 0 image, so the
    /// line keeps its place, alignment, size and weight and no '?' stands for a character.
    void physicalLine(const Units& line, Align lineAlign, int widthScale, int heightScale, bool lineBold) {
        const bool drawn = std::any_of(line.begin(), line.end(), [](const PrintUnit& unit) { return unit.how == PrintUnit::How::drawn; });
        if (!drawn) {
            align(lineAlign);
            bold(lineBold);
            size(widthScale, heightScale);
            for (const auto& unit : line) job.bytes.insert(job.bytes.end(), unit.bytes.begin(), unit.bytes.end());
            job.bytes.push_back(LF);
            return;
        }
        std::vector<printing::TextCell> cells;
        // Drawn, every cluster stands as the HIS sent it (¥ itself, not its look-alike ￥).
        for (const auto& unit : line) cells.push_back({unit.sent, unit.columns});
        printing::DrawnText text = printing::drawTextCells(cells, std::clamp(widthScale, 1, 8), std::clamp(heightScale, 1, 8), lineBold);
        ++job.rasterLines;
        job.missingGlyphs += text.missingGlyphs;
        Bitmap bitmap = printing::fitWidth(text.bitmap, model.dotsPerLine);
        // ESC a does not apply to GS v 0 on every model: align by whole bytes of white on the left.
        const int free = model.dotsPerLine - bitmap.width;
        const int pad = lineAlign == Align::center ? free / 2 / 8 * 8 : lineAlign == Align::right ? free / 8 * 8 : 0;
        if (pad > 0) {
            Bitmap padded{bitmap.width + pad, bitmap.height, {}};
            padded.pixels.assign(static_cast<size_t>(padded.width) * padded.height, 0);
            for (int y = 0; y < bitmap.height; ++y)
                for (int x = 0; x < bitmap.width; ++x)
                    padded.pixels[static_cast<size_t>(y) * padded.width + x + pad] = bitmap.black(x, y) ? 1 : 0;
            bitmap = std::move(padded);
        }
        align(Align::left);
        appendRaster(job.bytes, bitmap);
    }
    // The printer's current modes (ESC @ resets them to these): a command is sent only when a
    // mode changes, which keeps a text receipt small.
    Align currentAlign = Align::left;
    bool currentBold = false;
    uint8_t currentSize = 0;

    void align(Align value) {
        if (value == currentAlign) return;
        currentAlign = value;
        put(job.bytes, {ESC, 'a', static_cast<uint8_t>(value == Align::left ? 0 : value == Align::center ? 1 : 2)});
    }
    void bold(bool on) {
        if (on == currentBold) return;
        currentBold = on;
        put(job.bytes, {ESC, 'E', static_cast<uint8_t>(on ? 1 : 0)});
    }
    void size(int width, int height) {
        // GS ! n: bits 4-6 = width multiplier - 1, bits 0-2 = height multiplier - 1.
        width = std::clamp(width, 1, 8);
        height = std::clamp(height, 1, 8);
        const auto n = static_cast<uint8_t>(((width - 1) << 4) | (height - 1));
        if (n == currentSize) return;
        currentSize = n;
        put(job.bytes, {GS, '!', n});
    }

    void line(const printing::TextLine& value) {
        const int scale = std::clamp(value.widthScale, 1, 8);
        const int capacity = std::max(1, columns() / scale);
        auto pieces = wrap(units(value.text), capacity);
        if (pieces.size() > 1) {
            ++job.wrappedLines;
            job.warnings.push_back("text line wrapped to " + std::to_string(pieces.size()) + " lines");
        }
        for (const auto& piece : pieces) physicalLine(piece, value.align, value.widthScale, value.heightScale, value.bold);
    }

    void rule() {
        align(Align::left);
        size(1, 1);
        bold(false);
        job.bytes.insert(job.bytes.end(), static_cast<size_t>(columns()), '-');
        job.bytes.push_back(LF);
    }

    void table(const printing::Table& value) {
        if (value.rows.empty()) return;
        const size_t count = value.columnWeights.empty() ? value.rows.front().size() : value.columnWeights.size();
        int totalWeight = 0;
        for (size_t i = 0; i < count; ++i) totalWeight += i < value.columnWeights.size() ? std::max(1, value.columnWeights[i]) : 1;
        std::vector<int> widths;
        int usedColumns = 0;
        for (size_t i = 0; i < count; ++i) {
            const int weight = i < value.columnWeights.size() ? std::max(1, value.columnWeights[i]) : 1;
            int width = i + 1 == count ? columns() - usedColumns : columns() * weight / totalWeight;
            width = std::max(width, 2);
            widths.push_back(width);
            usedColumns += width;
        }
        align(Align::left);
        size(1, 1);
        bold(false);
        for (size_t r = 0; r < value.rows.size(); ++r) {
            const bool header = value.headerRow && r == 0;
            std::vector<std::vector<Units>> cells;
            size_t height = 1;
            for (size_t c = 0; c < count; ++c) {
                const std::string cell = c < value.rows[r].size() ? value.rows[r][c] : std::string();
                // One column of gap between cells: a cell holds width - 1 columns.
                cells.push_back(wrap(units(cell), std::max(1, widths[c] - 1)));
                height = std::max(height, cells.back().size());
            }
            for (size_t physical = 0; physical < height; ++physical) {
                Units row;
                for (size_t c = 0; c < count; ++c) {
                    Units piece = physical < cells[c].size() ? cells[c][physical] : Units{};
                    const bool last = c + 1 == count;
                    Units padded = padTo(std::move(piece), widths[c], last);
                    row.insert(row.end(), padded.begin(), padded.end());
                }
                physicalLine(row, Align::left, 1, 1, header);
            }
        }
    }

    Result<void> qr(const printing::QrCode& value) {
        const int moduleDots = std::clamp(value.moduleDots, 1, 16);
        auto modules = printing::qrModules(value.data);
        if (!modules) return std::unexpected(modules.error());
        if (model.nativeQr && !options.forceRaster) {
            align(Align::center);
            // GS ( k, cn=49 (QR). fn 65: model 2; fn 67: module size; fn 69: error level M (49);
            // fn 80: store data (pL pH count the 3 bytes cn fn m + data); fn 81: print.
            put(job.bytes, {GS, '(', 'k', 4, 0, 49, 65, 50, 0});
            put(job.bytes, {GS, '(', 'k', 3, 0, 49, 67, static_cast<uint8_t>(moduleDots)});
            put(job.bytes, {GS, '(', 'k', 3, 0, 49, 69, 49});
            const size_t length = value.data.size() + 3;
            put(job.bytes, {GS, '(', 'k', static_cast<uint8_t>(length & 0xFF), static_cast<uint8_t>(length >> 8), 49, 80, 48});
            job.bytes.insert(job.bytes.end(), value.data.begin(), value.data.end());
            put(job.bytes, {GS, '(', 'k', 3, 0, 49, 81, 48});
            job.bytes.push_back(LF);
            align(Align::left);
            return {};
        }
        // Raster fallback: the same symbol, module by module (white paper is the quiet zone).
        Bitmap symbol = printing::scaleUp(*modules, moduleDots);
        image(symbol, true);
        return {};
    }

    void barcode(const printing::Barcode128& value) {
        // GS h n height in dots; GS w n module width; GS H 2 HRI below; GS k m=73 n data,
        // where data starts with "{B" (code set B) and a literal '{' is sent as "{{".
        std::string data = "{B";
        for (char c : value.data) {
            if (c == '{') data += "{{";
            else data += c;
        }
        const int modules = 11 * (static_cast<int>(value.data.size()) + 3) + 2;
        int moduleWidth = 2;
        if (modules * moduleWidth > model.dotsPerLine) moduleWidth = 1;
        if (modules > model.dotsPerLine) job.warnings.push_back("CODE128 wider than the paper");
        align(Align::center);
        put(job.bytes, {GS, 'h', 80, GS, 'w', static_cast<uint8_t>(moduleWidth), GS, 'H', 2});
        put(job.bytes, {GS, 'k', 73, static_cast<uint8_t>(std::min<size_t>(data.size(), 255))});
        job.bytes.insert(job.bytes.end(), data.begin(), data.begin() + static_cast<long>(std::min<size_t>(data.size(), 255)));
        job.bytes.push_back(LF);
        align(Align::left);
    }

    void image(const Bitmap& source, bool center) {
        Bitmap bitmap = source;
        if (bitmap.width > model.dotsPerLine) {
            bitmap = printing::fitWidth(bitmap, model.dotsPerLine);
            ++job.scaledImages;
            job.warnings.push_back("image " + std::to_string(source.width) + " dots wide scaled to " +
                                   std::to_string(model.dotsPerLine));
        }
        if (center && bitmap.width < model.dotsPerLine) {
            // Centre by padding whole bytes on the left (ESC a does not apply to GS v 0 on every model).
            const int pad = ((model.dotsPerLine - bitmap.width) / 2) / 8 * 8;
            Bitmap padded{bitmap.width + pad, bitmap.height, {}};
            padded.pixels.assign(static_cast<size_t>(padded.width) * padded.height, 0);
            for (int y = 0; y < bitmap.height; ++y)
                for (int x = 0; x < bitmap.width; ++x)
                    padded.pixels[static_cast<size_t>(y) * padded.width + x + pad] = bitmap.black(x, y) ? 1 : 0;
            bitmap = std::move(padded);
        }
        align(Align::left);
        appendRaster(job.bytes, bitmap);
    }

    void cut() {
        put(job.bytes, {ESC, 'd', 4});  // feed the last line past the cutter
        if (model.cutter) put(job.bytes, {GS, 'V', 1});  // GS V 1: partial cut
    }
};

}  // namespace

const std::vector<EscposModel>& escposModels() {
    // USB ids: 0416:5011 is the id most Chinese 58/80 mm kiosk printer boards enumerate with (a
    // Winbond-based printer-class interface); 1209:0001 is the pid.codes test id used by the
    // umockdev tests and the virtual printer. A site whose printer shows other ids sets
    // usb_vendor / usb_product in its config.
    static const std::vector<EscposModel> models = {
        {"generic-80", 80, 576, "gb18030", FontCharset::gbk, true, true, 250, 0x0416, 0x5011, 7, "80 mm kiosk printer, cutter, native QR"},
        {"generic-58", 58, 384, "gb18030", FontCharset::gbk, false, false, 90, 0x0416, 0x5011, 7, "58 mm printer, tear bar, QR as raster"},
        {"generic-80-vendor-usb", 80, 576, "gb18030", FontCharset::gbk, true, true, 250, 0x0416, 0x5011, 0xFF,
         "80 mm printer exposing a vendor-specific bulk interface"},
        {"test-80", 80, 576, "gb18030", FontCharset::gbk, true, true, 250, 0x1209, 0x0001, 7, "virtual 80 mm printer (tests, demo)"},
        {"test-58", 58, 384, "gb18030", FontCharset::gbk, false, false, 90, 0x1209, 0x0001, 7, "virtual 58 mm printer (tests, demo)"},
    };
    return models;
}

const EscposModel* findEscposModel(std::string_view name) {
    for (const auto& model : escposModels())
        if (model.name == name) return &model;
    return nullptr;
}

Gb18030Text toPrinterText(std::string_view utf8, FontCharset font) {
    Gb18030Text result;
    PrintUnits converted = toPrintUnits(utf8, font);
    result.lookAlikes = converted.lookAlikes;
    for (const auto& unit : converted.units) {
        if (unit.how == PrintUnit::How::drawn) {
            result.bytes.push_back('?');
            ++result.replaced;
        } else {
            result.bytes += unit.bytes;
        }
    }
    return result;
}

int displayColumns(std::string_view utf8, FontCharset font) { return columnsOf(toPrintUnits(utf8, font).units); }

void appendRaster(std::vector<uint8_t>& out, const Bitmap& bitmap) {
    // GS v 0 m xL xH yL yH d1…dk: m = 0 normal density; x = bytes per row; y = rows; MSB = left.
    const int bytesPerRow = (bitmap.width + 7) / 8;
    for (int top = 0; top < bitmap.height; top += 256) {
        const int rows = std::min(256, bitmap.height - top);
        put(out, {GS, 'v', '0', 0, static_cast<uint8_t>(bytesPerRow & 0xFF), static_cast<uint8_t>(bytesPerRow >> 8),
                  static_cast<uint8_t>(rows & 0xFF), static_cast<uint8_t>(rows >> 8)});
        for (int y = top; y < top + rows; ++y) {
            for (int xb = 0; xb < bytesPerRow; ++xb) {
                uint8_t byte = 0;
                for (int bit = 0; bit < 8; ++bit) {
                    const int x = xb * 8 + bit;
                    if (x < bitmap.width && bitmap.black(x, y)) byte |= static_cast<uint8_t>(0x80 >> bit);
                }
                out.push_back(byte);
            }
        }
    }
}

Result<EncodedJob> encodeDocument(const printing::Document& document, const EscposModel& model, const EncodeOptions& options) {
    Encoder encoder{model, options, {}};
    auto& out = encoder.job.bytes;
    out.reserve(1024);
    put(out, {ESC, '@'});          // ESC @: initialise (clears sizes, alignment, bold)
    put(out, {FS, '&'});           // FS &: Chinese character mode (2-byte GB18030/GBK text)
    for (const printing::Block& block : document.blocks) {
        if (const auto* line = std::get_if<printing::TextLine>(&block)) {
            encoder.line(*line);
        } else if (std::holds_alternative<printing::Rule>(block)) {
            encoder.rule();
        } else if (const auto* table = std::get_if<printing::Table>(&block)) {
            encoder.table(*table);
        } else if (const auto* qr = std::get_if<printing::QrCode>(&block)) {
            if (auto ok = encoder.qr(*qr); !ok) return std::unexpected(ok.error());
        } else if (const auto* barcode = std::get_if<printing::Barcode128>(&block)) {
            if (barcode->data.empty()) return fail(Errc::invalid_argument, "empty CODE128", "print.error.bad_document");
            encoder.barcode(*barcode);
        } else if (const auto* image = std::get_if<printing::Image>(&block)) {
            if (image->width <= 0 || image->height <= 0 ||
                image->pixels.size() != static_cast<size_t>(image->width) * image->height)
                return fail(Errc::invalid_argument, "image with inconsistent size", "print.error.bad_document");
            encoder.image(Bitmap{image->width, image->height, image->pixels}, true);
        } else if (const auto* feed = std::get_if<printing::Feed>(&block)) {
            put(out, {ESC, 'd', static_cast<uint8_t>(std::clamp(feed->lines, 0, 255))});
        } else if (std::holds_alternative<printing::Cut>(block)) {
            encoder.cut();
        }
    }
    const std::string font(fontCharsetName(model.font));
    const EncodedJob& job = encoder.job;
    if (job.lookAlikes > 0)
        encoder.job.warnings.push_back(std::to_string(job.lookAlikes) + " characters outside the printer's font (" + font +
                                       ") printed as look-alikes it holds");
    if (job.rasterLines > 0)
        encoder.job.warnings.push_back(std::to_string(job.rasterLines) + " lines holding characters outside the printer's font (" +
                                       font + ") printed as images");
    if (job.droppedCharacters > 0)
        encoder.job.warnings.push_back(std::to_string(job.droppedCharacters) + " control or invisible characters not printed");
    if (job.missingGlyphs > 0)
        encoder.job.warnings.push_back(std::to_string(job.missingGlyphs) +
                                       " characters have no glyph in any installed font: printed as code boxes");
    return std::move(encoder.job);
}

std::vector<uint8_t> encodeRasterJob(const printing::Bitmap& page, const EscposModel& model) {
    std::vector<uint8_t> out{ESC, '@'};
    appendRaster(out, printing::fitWidth(page, model.dotsPerLine));
    put(out, {ESC, 'd', 4});
    if (model.cutter) put(out, {GS, 'V', 1});
    return out;
}

std::vector<uint8_t> statusRequest(int n) { return {DLE, EOT, static_cast<uint8_t>(n)}; }

Result<EscposStatus> parseStatus(uint8_t printer, uint8_t offlineCause, uint8_t errorCause, uint8_t paperSensor) {
    const uint8_t bytes[4] = {printer, offlineCause, errorCause, paperSensor};
    for (int i = 0; i < 4; ++i) {
        if (!isStatusByte(bytes[i]))
            return fail(Errc::invalid_data, "DLE EOT " + std::to_string(i + 1) + " answer 0x" +
                                                std::string(1, "0123456789ABCDEF"[bytes[i] >> 4]) +
                                                std::string(1, "0123456789ABCDEF"[bytes[i] & 15]) + " is not a status byte",
                        "print.error.offline");
    }
    EscposStatus status;
    status.offline = (printer & 0x08) != 0;             // n=1 bit3
    status.coverOpen = (offlineCause & 0x04) != 0;      // n=2 bit2
    status.paperEndStop = (offlineCause & 0x20) != 0;   // n=2 bit5
    status.errorOccurred = (offlineCause & 0x40) != 0;  // n=2 bit6
    status.cutterError = (errorCause & 0x08) != 0;      // n=3 bit3
    status.unrecoverableError = (errorCause & 0x20) != 0;   // n=3 bit5
    status.autoRecoverableError = (errorCause & 0x40) != 0; // n=3 bit6
    status.paperNearEnd = (paperSensor & 0x0C) != 0;    // n=4 bits 2,3
    status.paperOut = (paperSensor & 0x60) != 0 || status.paperEndStop;  // n=4 bits 5,6
    return status;
}

DeviceState toDeviceState(const EscposStatus& status) {
    DeviceState state;
    state.coverOpen = status.coverOpen;
    state.paper = status.paperOut ? PaperState::out : status.paperNearEnd ? PaperState::low : PaperState::ok;
    if (status.cutterError) {
        state.status = DeviceStatus::hardware_error;
        state.detail = "cutter error";
    } else if (status.unrecoverableError) {
        state.status = DeviceStatus::hardware_error;
        state.detail = "unrecoverable printer error";
    } else if (status.paperOut) {
        state.status = DeviceStatus::user_error;
        state.detail = "paper out";
    } else if (status.coverOpen) {
        state.status = DeviceStatus::user_error;
        state.detail = "cover open";
    } else if (status.offline || status.errorOccurred || status.autoRecoverableError) {
        state.status = DeviceStatus::offline;
        state.detail = "printer offline";
    } else {
        state.status = DeviceStatus::online;
        state.detail = status.paperNearEnd ? "paper near end" : "ready";
    }
    return state;
}

std::string patientMessageKey(const DeviceState& state) {
    if (state.status == DeviceStatus::no_device) return "print.error.unplugged";
    if (state.detail == "cutter error") return "print.error.cutter";
    if (state.paper == PaperState::out) return "print.error.paper_out";
    if (state.coverOpen) return "print.error.cover_open";
    if (state.detail == "no status answer") return "print.error.no_answer";
    if (state.status != DeviceStatus::online) return "print.error.offline";
    return "";
}

bool canPrint(const DeviceState& state) {
    return state.status == DeviceStatus::online && state.paper != PaperState::out && !state.coverOpen;
}

}  // namespace kiosk::drivers::escpos
