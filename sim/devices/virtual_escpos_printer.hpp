#pragma once
// The virtual ESC/POS printer (DESIGN §2 sim/, harness.md §4): interprets the bytes a receipt
// printer would get, renders each job (up to a cut, or to the end of the connection) to a PNG,
// and answers DLE EOT real-time status from a named scenario. It serves TCP 9100-style
// connections (VirtualPrinterServer) and, in-process, the umockdev USB tests (receive()).
// The demo shows what was printed from its PNGs.
//
// [X] ESC @, FS & / FS . (GB18030 text), ESC a, ESC E, GS !, ESC d, LF
// [X] GS ( k QR (fn 67 module size, 80 store, 81 print), GS k m=73 CODE128 (+ HRI), GS h, GS w
// [X] GS v 0 raster, GS V cut (a dashed cut mark in the PNG; the job ends there)
// [X] DLE EOT 1–4 answered at once from the scenario: normal, paper_near_end, paper_out,
//     cover_open, offline, cutter_error, silent (never answers), garbage_status (answers bytes that
//     are not status bytes), paper_out_mid_job / cover_open_mid_job (after `paperRunsOutAfterBytes`
//     bytes the paper runs out / the cover opens; the rest of the job is dropped, as a printer does)
// [X] text rendered with pango + Noto Sans CJK SC at 24 dots per line height, scaled by GS !
// [X] a ROM font (GBK by default): 4-byte GB18030 sequences and codes without a cell print '?'
// [ ] ESC ! print modes, ESC - underline, ESC * bit images, ESC t code pages, page mode

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "drivers/printer/escpos/escpos_charset.hpp"
#include "kiosk/core/error.hpp"
#include "printing/bitmap.hpp"
#include "printing/document.hpp"

namespace kiosk::sim {

enum class PrinterScenario {
    normal,
    paper_near_end,
    paper_out,
    cover_open,
    offline,
    cutter_error,
    silent,
    paper_out_mid_job,
    cover_open_mid_job,
    garbage_status,
};
std::optional<PrinterScenario> parsePrinterScenario(std::string_view name);
std::string_view printerScenarioName(PrinterScenario scenario);
std::vector<std::string> printerScenarioNames();

/// One printed job as the virtual printer saw it.
struct RenderedJob {
    int index = 0;
    std::filesystem::path png;
    int width = 0;
    int height = 0;
    std::vector<std::string> textLines;  ///< UTF-8, one per printed line
    std::vector<std::string> qrCodes;    ///< data of each native QR printed
    std::vector<std::string> barcodes;   ///< data of each CODE128 printed
    int rasterImages = 0;
    size_t bytes = 0;  ///< bytes of this job (status queries excluded)
    bool cut = false;  ///< ended by GS V (false: connection closed first)
    bool paperRanOut = false;
    std::chrono::steady_clock::time_point lastByteAt;
};

/// One item of a page being printed (internal to the renderer, public for tests of the renderer).
struct PageItem {
    enum class Kind { text, bitmap, feed, cut } kind = Kind::text;
    std::string text;  ///< UTF-8 (text) or HRI text under a barcode
    printing::Align align = printing::Align::left;
    int widthScale = 1;
    int heightScale = 1;
    bool bold = false;
    printing::Bitmap bitmap;
    int feedDots = 0;
};

/// Renders a single line of text exactly as the virtual printer does (tests compare with it).
printing::Bitmap renderTextLine(const std::string& utf8, int widthScale, int heightScale, bool bold);
/// Loads a PNG as a 1-byte-per-pixel luminance image (0 black … 255 white).
Result<std::vector<uint8_t>> loadPngLuminance(const std::filesystem::path& png, int& width, int& height);

class VirtualEscposPrinter {
public:
    struct Options {
        int dotsPerLine = 576;
        std::filesystem::path outputDir;  ///< job-NNN.png files go here
        PrinterScenario scenario = PrinterScenario::normal;
        size_t paperRunsOutAfterBytes = 400;  ///< for paper_out_mid_job / cover_open_mid_job
        /// The Chinese font in its ROM: codes outside it print '?' (escpos_charset.hpp).
        drivers::escpos::FontCharset font = drivers::escpos::FontCharset::gbk;
    };
    explicit VirtualEscposPrinter(Options options);
    ~VirtualEscposPrinter();
    VirtualEscposPrinter(const VirtualEscposPrinter&) = delete;
    VirtualEscposPrinter& operator=(const VirtualEscposPrinter&) = delete;

    /// Feeds bytes from the host; returns the bytes the printer answers (DLE EOT replies).
    std::vector<uint8_t> receive(std::span<const uint8_t> bytes);
    /// The host went away (TCP close, USB unplug): an unfinished job is rendered as it is.
    void endOfStream();

    void setScenario(PrinterScenario scenario);
    PrinterScenario scenario() const;
    std::vector<RenderedJob> jobs() const;
    /// Waits until at least `count` jobs were rendered.
    bool waitForJobs(size_t count, std::chrono::milliseconds timeout) const;
    size_t bytesReceived() const;
    /// Jobs that reached the end of the paper path (rendered or still being rendered).
    size_t queuedJobs() const;
    /// The four DLE EOT answers of a scenario (n = 1…4), documented in escpos_protocol.hpp.
    static std::optional<uint8_t> statusAnswer(PrinterScenario scenario, int n);

private:
    size_t parseOne(std::span<const uint8_t> data);  // 0 = incomplete
    void flushLine(bool forceBlank);
    void renderJob(bool cut);  // queues the page for the render thread
    void renderLoop();
    PrinterScenario effectiveScenario() const;

    Options options_;
    mutable std::mutex mutex_;
    mutable std::condition_variable jobsChanged_;
    std::vector<uint8_t> pending_;
    std::vector<uint8_t> answers_;
    // print state
    printing::Align align_ = printing::Align::left;
    bool bold_ = false;
    int widthScale_ = 1;
    int heightScale_ = 1;
    bool chineseMode_ = false;
    int qrModule_ = 3;
    std::string qrData_;
    int barcodeHeight_ = 162;
    int barcodeModule_ = 3;
    std::string line_;  // raw GB18030 bytes of the current line
    std::vector<PageItem> page_;
    RenderedJob current_;
    size_t jobBytes_ = 0;
    size_t totalBytes_ = 0;
    size_t printDataBytes_ = 0;
    bool paperOut_ = false;
    std::chrono::steady_clock::time_point receivedAt_;  // arrival of the bytes being parsed
    std::vector<RenderedJob> jobs_;
    // Rendering (pango + PNG) runs on its own thread so DLE EOT answers never wait for it, as
    // on a real printer whose status is answered in real time.
    struct PendingPage {
        std::vector<PageItem> items;
        RenderedJob job;
    };
    std::vector<PendingPage> renderQueue_;
    std::condition_variable renderWake_;
    bool stopping_ = false;
    int queuedJobs_ = 0;
    std::thread renderThread_;
};

/// A TCP listener (loopback) in front of a VirtualEscposPrinter: one connection at a time, like a
/// real 9100 port; status answers go back on the same connection.
class VirtualPrinterServer {
public:
    /// Port 0 picks a free port (see port()).
    static Result<std::unique_ptr<VirtualPrinterServer>> start(VirtualEscposPrinter& printer, int port,
                                                               const std::string& address = "127.0.0.1");
    ~VirtualPrinterServer();
    VirtualPrinterServer(const VirtualPrinterServer&) = delete;
    VirtualPrinterServer& operator=(const VirtualPrinterServer&) = delete;
    int port() const { return port_; }
    void stop();

private:
    VirtualPrinterServer(VirtualEscposPrinter& printer, int fd, int port) : printer_(printer), listenFd_(fd), port_(port) {}
    void run();

    VirtualEscposPrinter& printer_;
    int listenFd_;
    int port_;
    int wakeFd_[2] = {-1, -1};
    std::thread thread_;
};

}  // namespace kiosk::sim
