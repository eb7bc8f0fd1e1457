#include "sim/devices/virtual_escpos_printer.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <cairo.h>
#include <fmt/format.h>
#include <iconv.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "drivers/printer/escpos/escpos_protocol.hpp"
#include "kiosk/core/log.hpp"
#include "kiosk/core/mask.hpp"
#include "printing/text_raster.hpp"

namespace kiosk::sim {

using printing::Align;
using printing::Bitmap;

namespace {

constexpr int kFeedLineDots = 30;  // default line spacing (ESC 2): 30 dots

/// The text a printer with `font` prints for the GB18030 bytes of one line. Like a printer's ROM
/// font: a 4-byte sequence, or a 2-byte code the font has no cell for (a user-defined area, a
/// code GB18030 added after GBK), prints an unknown-character mark — drawn here as '?', which is
/// what the field case escpos-gbk-lookalikes saw on paper.
std::string printedText(const std::string& bytes, drivers::escpos::FontCharset font) {
    if (bytes.empty()) return {};
    iconv_t cd = iconv_open("UTF-8", "GB18030");
    if (cd == reinterpret_cast<iconv_t>(-1)) return bytes;
    std::string out;
    size_t i = 0;
    while (i < bytes.size()) {
        const auto lead = static_cast<uint8_t>(bytes[i]);
        size_t length = 1;
        if (lead >= 0x81 && lead <= 0xFE && i + 1 < bytes.size()) {
            const auto second = static_cast<uint8_t>(bytes[i + 1]);
            length = second >= 0x30 && second <= 0x39 ? 4 : 2;
        }
        length = std::min(length, bytes.size() - i);
        std::string in = bytes.substr(i, length);
        char buffer[16];
        char* inPtr = in.data();
        size_t inLeft = in.size();
        char* outPtr = buffer;
        size_t outLeft = sizeof(buffer);
        iconv(cd, nullptr, nullptr, nullptr, nullptr);
        const bool converted = iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft) != static_cast<size_t>(-1) && inLeft == 0;
        const std::string decoded(buffer, sizeof(buffer) - outLeft);
        const std::u32string chars = decodeUtf8(decoded);
        const bool printable = converted && chars.size() == 1 &&
                               (chars[0] < 0x80 || drivers::escpos::printerFontHas(chars[0], font));
        out += printable ? decoded : std::string("?");
        i += length;
    }
    iconv_close(cd);
    return out;
}

Bitmap scale(const Bitmap& source, int sx, int sy) {
    Bitmap out{source.width * sx, source.height * sy, {}};
    out.pixels.resize(static_cast<size_t>(out.width) * out.height);
    for (int y = 0; y < out.height; ++y)
        for (int x = 0; x < out.width; ++x) out.pixels[static_cast<size_t>(y) * out.width + x] = source.black(x / sx, y / sy) ? 1 : 0;
    return out;
}

}  // namespace

std::optional<PrinterScenario> parsePrinterScenario(std::string_view name) {
    for (int i = 0; i <= static_cast<int>(PrinterScenario::garbage_status); ++i)
        if (printerScenarioName(static_cast<PrinterScenario>(i)) == name) return static_cast<PrinterScenario>(i);
    return std::nullopt;
}

std::string_view printerScenarioName(PrinterScenario scenario) {
    switch (scenario) {
        case PrinterScenario::normal: return "normal";
        case PrinterScenario::paper_near_end: return "paper_near_end";
        case PrinterScenario::paper_out: return "paper_out";
        case PrinterScenario::cover_open: return "cover_open";
        case PrinterScenario::offline: return "offline";
        case PrinterScenario::cutter_error: return "cutter_error";
        case PrinterScenario::silent: return "silent";
        case PrinterScenario::paper_out_mid_job: return "paper_out_mid_job";
        case PrinterScenario::cover_open_mid_job: return "cover_open_mid_job";
        case PrinterScenario::garbage_status: return "garbage_status";
    }
    return "normal";
}

std::vector<std::string> printerScenarioNames() {
    std::vector<std::string> names;
    for (int i = 0; i <= static_cast<int>(PrinterScenario::garbage_status); ++i)
        names.emplace_back(printerScenarioName(static_cast<PrinterScenario>(i)));
    return names;
}

Bitmap renderTextLine(const std::string& utf8, int widthScale, int heightScale, bool bold) {
    // A receipt printer prints on a fixed grid (Font A): 12 dots per ASCII character, 24 per
    // 2-byte character, 24-dot glyphs; printing/text_raster.hpp draws it (the encoder draws the
    // lines a printer font lacks with the same code, so both look alike).
    std::vector<printing::TextCell> cells;
    for (const auto& unit : drivers::escpos::toPrintUnits(utf8.empty() ? std::string(" ") : utf8, drivers::escpos::FontCharset::gbk).units)
        cells.push_back({unit.sent, unit.columns});
    return printing::drawTextCells(cells, widthScale, heightScale, bold).bitmap;
}

Result<std::vector<uint8_t>> loadPngLuminance(const std::filesystem::path& png, int& width, int& height) {
    cairo_surface_t* surface = cairo_image_surface_create_from_png(png.c_str());
    if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(surface);
        return fail(Errc::io_error, "cannot read PNG " + png.string());
    }
    cairo_surface_flush(surface);
    width = cairo_image_surface_get_width(surface);
    height = cairo_image_surface_get_height(surface);
    const int stride = cairo_image_surface_get_stride(surface);
    const unsigned char* data = cairo_image_surface_get_data(surface);
    std::vector<uint8_t> lum(static_cast<size_t>(width) * height);
    for (int y = 0; y < height; ++y) {
        const auto* row = reinterpret_cast<const uint32_t*>(data + static_cast<size_t>(y) * stride);
        for (int x = 0; x < width; ++x) {
            const uint32_t px = row[x];
            lum[static_cast<size_t>(y) * width + x] =
                static_cast<uint8_t>((((px >> 16) & 0xFF) * 3 + ((px >> 8) & 0xFF) * 6 + (px & 0xFF)) / 10);
        }
    }
    cairo_surface_destroy(surface);
    return lum;
}

VirtualEscposPrinter::VirtualEscposPrinter(Options options) : options_(std::move(options)) {
    if (!options_.outputDir.empty()) std::filesystem::create_directories(options_.outputDir);
    renderThread_ = std::thread([this] { renderLoop(); });
}

VirtualEscposPrinter::~VirtualEscposPrinter() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    renderWake_.notify_all();
    renderThread_.join();
}

void VirtualEscposPrinter::setScenario(PrinterScenario scenario) {
    std::lock_guard lock(mutex_);
    options_.scenario = scenario;
    paperOut_ = false;
    printDataBytes_ = 0;
}

PrinterScenario VirtualEscposPrinter::scenario() const {
    std::lock_guard lock(mutex_);
    return options_.scenario;
}

PrinterScenario VirtualEscposPrinter::effectiveScenario() const {
    if (!paperOut_) return options_.scenario;
    return options_.scenario == PrinterScenario::cover_open_mid_job ? PrinterScenario::cover_open : PrinterScenario::paper_out;
}

std::optional<uint8_t> VirtualEscposPrinter::statusAnswer(PrinterScenario scenario, int n) {
    // Fixed bits 0x12 in every answer; see escpos_protocol.hpp for each bit.
    constexpr uint8_t base = 0x12;
    const bool stopped = scenario == PrinterScenario::paper_out || scenario == PrinterScenario::cover_open ||
                         scenario == PrinterScenario::offline || scenario == PrinterScenario::cutter_error;
    switch (n) {
        case 1: return static_cast<uint8_t>(base | (stopped ? 0x08 : 0));
        case 2: return static_cast<uint8_t>(base | (scenario == PrinterScenario::cover_open ? 0x04 : 0) |
                                            (scenario == PrinterScenario::paper_out ? 0x20 : 0) |
                                            (scenario == PrinterScenario::cutter_error ? 0x40 : 0));
        case 3: return static_cast<uint8_t>(base | (scenario == PrinterScenario::cutter_error ? 0x08 : 0));
        case 4: return static_cast<uint8_t>(base | (scenario == PrinterScenario::paper_near_end ? 0x0C : 0) |
                                            (scenario == PrinterScenario::paper_out ? 0x60 : 0));
        default: return std::nullopt;
    }
}

std::vector<uint8_t> VirtualEscposPrinter::receive(std::span<const uint8_t> bytes) {
    std::lock_guard lock(mutex_);
    receivedAt_ = std::chrono::steady_clock::now();
    totalBytes_ += bytes.size();
    pending_.insert(pending_.end(), bytes.begin(), bytes.end());
    size_t offset = 0;
    while (offset < pending_.size()) {
        const size_t used = parseOne(std::span<const uint8_t>(pending_.data() + offset, pending_.size() - offset));
        if (used == 0) break;
        offset += used;
    }
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<long>(offset));
    return std::exchange(answers_, {});
}

void VirtualEscposPrinter::endOfStream() {
    std::lock_guard lock(mutex_);
    pending_.clear();
    flushLine(false);
    renderJob(false);
}

size_t VirtualEscposPrinter::queuedJobs() const {
    std::lock_guard lock(mutex_);
    return static_cast<size_t>(queuedJobs_);
}

size_t VirtualEscposPrinter::bytesReceived() const {
    std::lock_guard lock(mutex_);
    return totalBytes_;
}

std::vector<RenderedJob> VirtualEscposPrinter::jobs() const {
    std::lock_guard lock(mutex_);
    return jobs_;
}

bool VirtualEscposPrinter::waitForJobs(size_t count, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    return jobsChanged_.wait_for(lock, timeout, [&] { return jobs_.size() >= count; });
}

void VirtualEscposPrinter::flushLine(bool forceBlank) {
    if (line_.empty() && !forceBlank) return;
    PageItem item;
    item.kind = PageItem::Kind::text;
    item.text = printedText(line_, options_.font);
    item.align = align_;
    item.widthScale = widthScale_;
    item.heightScale = heightScale_;
    item.bold = bold_;
    line_.clear();
    if (item.text.empty()) {
        item.kind = PageItem::Kind::feed;
        item.feedDots = kFeedLineDots;  // an empty line feeds the line spacing (ESC 2), not scaled by GS !
    } else {
        current_.textLines.push_back(item.text);
    }
    page_.push_back(std::move(item));
}

size_t VirtualEscposPrinter::parseOne(std::span<const uint8_t> d) {
    const size_t n = d.size();
    const uint8_t b = d[0];
    const bool printing = !paperOut_ && (options_.scenario == PrinterScenario::normal ||
                                         options_.scenario == PrinterScenario::paper_near_end ||
                                         options_.scenario == PrinterScenario::paper_out_mid_job ||
                                         options_.scenario == PrinterScenario::cover_open_mid_job ||
                                         options_.scenario == PrinterScenario::garbage_status ||
                                         options_.scenario == PrinterScenario::silent);
    auto countData = [&](size_t used) {
        jobBytes_ += used;
        printDataBytes_ += used;
        const bool midJob = options_.scenario == PrinterScenario::paper_out_mid_job ||
                            options_.scenario == PrinterScenario::cover_open_mid_job;
        if (midJob && printDataBytes_ >= options_.paperRunsOutAfterBytes && !paperOut_) {
            paperOut_ = true;  // "stopped mid-job": paper out or cover open, per scenario
            current_.paperRanOut = options_.scenario == PrinterScenario::paper_out_mid_job;
        }
        return used;
    };
    auto addBitmap = [&](Bitmap bitmap, Align align, std::string hri = {}) {
        if (!printing) return;
        PageItem item;
        item.kind = PageItem::Kind::bitmap;
        item.bitmap = std::move(bitmap);
        item.align = align;
        item.text = std::move(hri);
        page_.push_back(std::move(item));
    };
    // DLE EOT n: real-time status, answered even while the printer is stopped.
    if (b == 0x10) {
        if (n < 3) return 0;
        if (d[1] == 0x04) {
            if (options_.scenario == PrinterScenario::garbage_status) {
                answers_.push_back(0xFF);  // not a status byte (fixed bits wrong)
            } else if (options_.scenario != PrinterScenario::silent) {
                if (auto answer = statusAnswer(effectiveScenario(), d[2])) answers_.push_back(*answer);
            }
            return 3;
        }
        return countData(1);
    }
    if (b == 0x1B) {  // ESC
        if (n < 2) return 0;
        const uint8_t c = d[1];
        if (c == '@') {
            align_ = Align::left;
            bold_ = false;
            widthScale_ = heightScale_ = 1;
            chineseMode_ = false;
            return countData(2);
        }
        if (c == '2') return countData(2);
        if (n < 3) return 0;
        if (c == 'a') align_ = d[2] == 1 || d[2] == '1' ? Align::center : d[2] == 2 || d[2] == '2' ? Align::right : Align::left;
        else if (c == 'E') bold_ = (d[2] & 1) != 0;
        else if (c == 'd') {
            flushLine(false);
            if (printing && d[2] > 0) page_.push_back(PageItem{PageItem::Kind::feed, {}, Align::left, 1, 1, false, {}, d[2] * kFeedLineDots});
        }
        return countData(3);
    }
    if (b == 0x1C) {  // FS
        if (n < 2) return 0;
        if (d[1] == '&') chineseMode_ = true;
        else if (d[1] == '.') chineseMode_ = false;
        else if (d[1] == '!' || d[1] == 'C' || d[1] == 'W') {
            if (n < 3) return 0;
            return countData(3);
        }
        return countData(2);
    }
    if (b == 0x1D) {  // GS
        if (n < 2) return 0;
        const uint8_t c = d[1];
        if (c == '(' ) {
            if (n < 5) return 0;
            const size_t length = d[3] | (static_cast<size_t>(d[4]) << 8);
            if (n < 5 + length) return 0;
            if (d[2] == 'k' && length >= 3 && d[5] == 49) {
                const uint8_t fn = d[6];
                if (fn == 67) qrModule_ = std::clamp<int>(d[7], 1, 16);
                else if (fn == 80) qrData_.assign(reinterpret_cast<const char*>(d.data()) + 8, length - 3);
                else if (fn == 81 && !qrData_.empty()) {
                    flushLine(false);
                    if (auto modules = printing::qrModules(qrData_); modules && printing) {
                        const int quiet = 4 * qrModule_;
                        page_.push_back(PageItem{PageItem::Kind::feed, {}, Align::left, 1, 1, false, {}, quiet});
                        addBitmap(printing::scaleUp(*modules, qrModule_), align_);
                        page_.push_back(PageItem{PageItem::Kind::feed, {}, Align::left, 1, 1, false, {}, quiet});
                        current_.qrCodes.push_back(qrData_);
                    }
                }
            }
            return countData(5 + length);
        }
        if (c == 'v') {
            if (n < 8) return 0;
            const int bytesPerRow = d[4] | (d[5] << 8);
            const int rows = d[6] | (d[7] << 8);
            const size_t total = 8 + static_cast<size_t>(bytesPerRow) * rows;
            if (n < total) return 0;
            flushLine(false);
            Bitmap bitmap{bytesPerRow * 8, rows, {}};
            bitmap.pixels.resize(static_cast<size_t>(bitmap.width) * rows);
            for (int y = 0; y < rows; ++y)
                for (int x = 0; x < bitmap.width; ++x)
                    bitmap.pixels[static_cast<size_t>(y) * bitmap.width + x] =
                        (d[8 + static_cast<size_t>(y) * bytesPerRow + x / 8] & (0x80 >> (x % 8))) ? 1 : 0;
            if (printing) ++current_.rasterImages;
            addBitmap(std::move(bitmap), Align::left);
            return countData(total);
        }
        if (c == 'k') {
            if (n < 3) return 0;
            const uint8_t m = d[2];
            if (m >= 65) {
                if (n < 4) return 0;
                const size_t length = d[3];
                if (n < 4 + length) return 0;
                std::string raw(reinterpret_cast<const char*>(d.data()) + 4, length);
                if (m == 73) {
                    // Strip code-set selectors "{A" "{B" "{C"; "{{" is a literal brace.
                    std::string text;
                    for (size_t i = 0; i < raw.size(); ++i) {
                        if (raw[i] == '{' && i + 1 < raw.size()) {
                            if (raw[i + 1] == '{') text += '{';
                            ++i;
                            continue;
                        }
                        text += raw[i];
                    }
                    flushLine(false);
                    if (auto modules = printing::code128Modules(text, barcodeHeight_); modules && printing) {
                        addBitmap(scale(*modules, barcodeModule_, 1), align_);
                        PageItem hri;
                        hri.kind = PageItem::Kind::text;
                        hri.text = text;
                        hri.align = align_;
                        page_.push_back(std::move(hri));
                        current_.barcodes.push_back(text);
                    }
                }
                return countData(4 + length);
            }
            const auto end = std::find(d.begin() + 3, d.end(), 0);  // NUL-terminated legacy form
            if (end == d.end()) return 0;
            return countData(static_cast<size_t>(end - d.begin()) + 1);
        }
        if (c == 'V') {
            if (n < 3) return 0;
            const size_t used = (d[2] == 65 || d[2] == 66) ? 4 : 3;
            if (n < used) return 0;
            flushLine(false);
            if (printing) page_.push_back(PageItem{PageItem::Kind::cut, {}, Align::left, 1, 1, false, {}, 0});
            countData(used);
            renderJob(true);
            return used;
        }
        if (c == 'L' || c == 'W') {
            if (n < 4) return 0;
            return countData(4);
        }
        if (n < 3) return 0;
        if (c == '!') {
            widthScale_ = ((d[2] >> 4) & 7) + 1;
            heightScale_ = (d[2] & 7) + 1;
        } else if (c == 'h') {
            barcodeHeight_ = std::max<int>(1, d[2]);
        } else if (c == 'w') {
            barcodeModule_ = std::clamp<int>(d[2], 1, 6);
        }
        return countData(3);
    }
    if (b == 0x0A) {
        if (printing) flushLine(true);
        else line_.clear();
        return countData(1);
    }
    if (b < 0x20) return countData(1);  // CR, HT and other controls: ignored
    if (b >= 0x80 && chineseMode_) {
        if (n < 2) return 0;
        if (printing) line_.append(reinterpret_cast<const char*>(d.data()), 2);
        return countData(2);
    }
    if (printing) line_.push_back(b >= 0x80 ? '?' : static_cast<char>(b));
    return countData(1);
}

void VirtualEscposPrinter::renderJob(bool cut) {
    if (page_.empty()) {
        jobBytes_ = 0;
        current_ = RenderedJob{};
        return;
    }
    current_.index = ++queuedJobs_;
    current_.bytes = jobBytes_;
    current_.cut = cut;
    // When the job's last byte arrived (not when rendering ended): what the benchmark measures.
    current_.lastByteAt = cut ? receivedAt_ : std::chrono::steady_clock::now();
    renderQueue_.push_back({std::move(page_), std::move(current_)});
    current_ = RenderedJob{};
    page_.clear();
    jobBytes_ = 0;
    renderWake_.notify_all();
}

void VirtualEscposPrinter::renderLoop() {
    for (;;) {
        PendingPage pending;
        {
            std::unique_lock lock(mutex_);
            renderWake_.wait(lock, [&] { return stopping_ || !renderQueue_.empty(); });
            if (renderQueue_.empty()) return;  // stopping and drained
            pending = std::move(renderQueue_.front());
            renderQueue_.erase(renderQueue_.begin());
        }
        RenderedJob job = std::move(pending.job);
        const std::vector<PageItem>& items = pending.items;
        // Lay out every item as a bitmap, then stack them on a page as wide as the paper.
        struct Placed {
            Bitmap bitmap;
            Align align;
            int gapAfter;
            bool cutMark;
        };
        std::vector<Placed> placed;
        for (const PageItem& item : items) {
            switch (item.kind) {
                case PageItem::Kind::text:
                    placed.push_back({renderTextLine(item.text, item.widthScale, item.heightScale, item.bold), item.align, 4, false});
                    break;
                case PageItem::Kind::bitmap:
                    placed.push_back({item.bitmap, item.align, 2, false});
                    break;
                case PageItem::Kind::feed:
                    placed.push_back({Bitmap{1, std::max(1, item.feedDots), std::vector<uint8_t>(static_cast<size_t>(std::max(1, item.feedDots)), 0)},
                                      Align::left, 0, false});
                    break;
                case PageItem::Kind::cut:
                    placed.push_back({Bitmap{}, Align::left, 0, true});
                    break;
            }
        }
        const int width = options_.dotsPerLine;
        int height = 8;
        for (const auto& p : placed) height += p.cutMark ? 12 : p.bitmap.height + p.gapAfter;
        Bitmap page{width, height, std::vector<uint8_t>(static_cast<size_t>(width) * height, 0)};
        int y = 8;
        for (const auto& p : placed) {
            if (p.cutMark) {
                for (int x = 0; x < width; ++x)
                    if ((x / 8) % 2 == 0) page.pixels[static_cast<size_t>(y + 5) * width + x] = 1;
                y += 12;
                continue;
            }
            const int w = std::min(p.bitmap.width, width);
            const int left = p.align == Align::center ? (width - w) / 2 : p.align == Align::right ? width - w : 0;
            for (int row = 0; row < p.bitmap.height; ++row)
                for (int x = 0; x < w; ++x)
                    if (p.bitmap.black(x, row)) page.pixels[static_cast<size_t>(y + row) * width + left + x] = 1;
            y += p.bitmap.height + p.gapAfter;
        }
        job.width = width;
        job.height = height;
        if (!options_.outputDir.empty()) {
            job.png = options_.outputDir / fmt::format("job-{:03}.png", job.index);
            cairo_surface_t* surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
            cairo_surface_flush(surface);
            unsigned char* data = cairo_image_surface_get_data(surface);
            const int stride = cairo_image_surface_get_stride(surface);
            for (int py = 0; py < height; ++py) {
                auto* row = reinterpret_cast<uint32_t*>(data + static_cast<size_t>(py) * stride);
                for (int x = 0; x < width; ++x) row[x] = page.black(x, py) ? 0x000000 : 0xFFFFFF;
            }
            cairo_surface_mark_dirty(surface);
            if (cairo_surface_write_to_png(surface, job.png.c_str()) != CAIRO_STATUS_SUCCESS)
                log::module("virtual-printer")->warn("cannot write {}", job.png.string());
            cairo_surface_destroy(surface);
        }
        std::lock_guard lock(mutex_);
        jobs_.push_back(std::move(job));
        jobsChanged_.notify_all();
    }
}

// ---- TCP server ----

Result<std::unique_ptr<VirtualPrinterServer>> VirtualPrinterServer::start(VirtualEscposPrinter& printer, int port,
                                                                          const std::string& address) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return fail(Errc::io_error, std::string("virtual printer: socket: ") + std::strerror(errno));
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, address.c_str(), &addr.sin_addr);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || ::listen(fd, 4) != 0) {
        const std::string why = std::strerror(errno);
        ::close(fd);
        return fail(Errc::io_error, "virtual printer: cannot listen on " + address + ":" + std::to_string(port) + ": " + why);
    }
    socklen_t length = sizeof(addr);
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length);
    std::unique_ptr<VirtualPrinterServer> server(new VirtualPrinterServer(printer, fd, ntohs(addr.sin_port)));
    if (::pipe2(server->wakeFd_, O_CLOEXEC) != 0) return fail(Errc::io_error, "virtual printer: pipe");
    server->thread_ = std::thread([raw = server.get()] { raw->run(); });
    return server;
}

VirtualPrinterServer::~VirtualPrinterServer() {
    stop();
    ::close(listenFd_);
    if (wakeFd_[0] >= 0) ::close(wakeFd_[0]);
    if (wakeFd_[1] >= 0) ::close(wakeFd_[1]);
}

void VirtualPrinterServer::stop() {
    if (!thread_.joinable()) return;
    const char byte = 'x';
    [[maybe_unused]] auto ignored = ::write(wakeFd_[1], &byte, 1);
    thread_.join();
}

void VirtualPrinterServer::run() {
    for (;;) {
        pollfd fds[2] = {{listenFd_, POLLIN, 0}, {wakeFd_[0], POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0 && errno != EINTR) return;
        if (fds[1].revents != 0) return;
        if ((fds[0].revents & POLLIN) == 0) continue;
        int connection = ::accept4(listenFd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (connection < 0) continue;
        int one = 1;
        setsockopt(connection, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        std::vector<uint8_t> buffer(16384);
        bool stopping = false;
        for (;;) {
            pollfd cfds[2] = {{connection, POLLIN, 0}, {wakeFd_[0], POLLIN, 0}};
            if (::poll(cfds, 2, -1) < 0 && errno != EINTR) break;
            if (cfds[1].revents != 0) {
                stopping = true;
                break;
            }
            const ssize_t got = ::recv(connection, buffer.data(), buffer.size(), 0);
            if (got <= 0) break;
            auto answers = printer_.receive(std::span<const uint8_t>(buffer.data(), static_cast<size_t>(got)));
            if (!answers.empty()) ::send(connection, answers.data(), answers.size(), MSG_NOSIGNAL);
        }
        printer_.endOfStream();
        ::close(connection);
        if (stopping) return;
    }
}

}  // namespace kiosk::sim
