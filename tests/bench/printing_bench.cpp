// Printing benchmarks (a plain program, not a test): bytes per typical receipt with native
// ESC/POS commands versus the same receipt sent as one raster image, encoding time, and time
// from "print" to the last byte on the virtual printer over TCP loopback.
//   build/tests/printing/printing_bench [--runs N] [--smoke]
//   --smoke: one run (the test suite's run, so the benchmark cannot rot unseen)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <numeric>
#include <vector>

#include "drivers/printer/escpos/escpos_driver.hpp"
#include "kiosk/core/i18n.hpp"
#include "kiosk/core/log.hpp"
#include "printing/templates.hpp"
#include "sim/devices/virtual_escpos_printer.hpp"
#include "tests/support/free_port.hpp"

using namespace kiosk;
using namespace std::chrono;

namespace {

printing::PaymentReceiptData receiptData() {
    printing::PaymentReceiptData data;
    data.header = {"RCPT-BENCH-1", "一站示范医院", "KIOSK-07", "2026-11-23 09:30"};
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

printing::RegistrationSlipData slipData() {
    printing::RegistrationSlipData data;
    data.header = {"REG-BENCH-1", "一站示范医院", "KIOSK-07", "2026-11-23 09:30"};
    data.patientName = "欧阳娜娜";
    data.department = "心血管内科";
    data.doctor = "李医生";
    data.slot = "2026-11-23 10:00-11:00";
    data.queueNumber = "A042";
    data.qrData = "https://his.example/queue/A042?k=7f3c";
    data.tradeNo = "KT202611230930042";
    return data;
}

/// What an all-graphics driver would send: the page as the virtual printer rendered it, as GS v 0.
size_t rasterBytes(const printing::Document& document, const drivers::escpos::EscposModel& model, const std::filesystem::path& dir) {
    sim::VirtualEscposPrinter printer({model.dotsPerLine, dir, sim::PrinterScenario::normal, 400});
    auto native = drivers::escpos::encodeDocument(document, model);
    printer.receive(native->bytes);
    printer.endOfStream();
    if (!printer.waitForJobs(1, std::chrono::seconds(10))) return 0;
    const auto job = printer.jobs().front();
    int width = 0;
    int height = 0;
    auto lum = sim::loadPngLuminance(job.png, width, height);
    printing::Bitmap page{width, height, {}};
    for (uint8_t value : *lum) page.pixels.push_back(value < 128 ? 1 : 0);
    return drivers::escpos::encodeRasterJob(page, model).size();
}

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    int runs = 30;
    for (int i = 1; i + 1 < argc; ++i)
        if (std::strcmp(argv[i], "--runs") == 0) runs = std::max(1, std::atoi(argv[i + 1]));
    for (int i = 1; i < argc; ++i)
        if (std::strcmp(argv[i], "--smoke") == 0) runs = 1;
    kiosk::log::Settings quiet;
    quiet.level = spdlog::level::err;
    kiosk::log::configure(quiet);
    auto catalog = Catalog::load(std::filesystem::path(KIOSK_BENCH_ASSETS_DIR) / "lang");
    if (!catalog) {
        std::fprintf(stderr, "%s\n", catalog.error().detail.c_str());
        return 1;
    }
    Translator zh(*catalog, "zh_CN");
    const auto dir = std::filesystem::temp_directory_path() / "kiosk-printing-bench";
    std::filesystem::remove_all(dir);
    const auto& model80 = *drivers::escpos::findEscposModel("generic-80");
    const auto& model58 = *drivers::escpos::findEscposModel("generic-58");

    std::printf("== bytes per document (native ESC/POS vs all-raster GS v 0) ==\n");
    struct Case {
        const char* name;
        printing::Document document;
        const drivers::escpos::EscposModel* model;
    };
    const Case cases[] = {
        {"payment receipt 80mm", printing::paymentReceipt(zh, receiptData()), &model80},
        {"payment receipt 58mm", printing::paymentReceipt(zh, receiptData()), &model58},
        {"registration slip (QR) 80mm", printing::registrationSlip(zh, slipData()), &model80},
        {"registration slip (QR raster) 58mm", printing::registrationSlip(zh, slipData()), &model58},
    };
    int index = 0;
    for (const auto& c : cases) {
        const size_t native = drivers::escpos::encodeDocument(c.document, *c.model)->bytes.size();
        const size_t raster = rasterBytes(c.document, *c.model, dir / std::to_string(index++));
        std::printf("%-36s native %6zu B   raster %7zu B   ratio %.3f\n", c.name, native, raster,
                    static_cast<double>(native) / static_cast<double>(raster));
    }

    std::printf("\n== encoding time (payment receipt, 80mm, %d runs x 100) ==\n", runs);
    const auto receipt = printing::paymentReceipt(zh, receiptData());
    std::vector<double> perEncode;
    for (int r = 0; r < runs; ++r) {
        const auto start = steady_clock::now();
        size_t sink = 0;
        for (int i = 0; i < 100; ++i) sink += drivers::escpos::encodeDocument(receipt, model80)->bytes.size();
        perEncode.push_back(duration<double, std::micro>(steady_clock::now() - start).count() / 100.0);
        if (sink == 0) return 1;
    }
    std::printf("median %.1f us per receipt (min %.1f us)\n", median(perEncode), *std::min_element(perEncode.begin(), perEncode.end()));

    std::printf("\n== print -> last byte on the virtual printer (TCP loopback, status before and after), %d runs ==\n", runs);
    sim::VirtualEscposPrinter printer({576, dir / "tcp", sim::PrinterScenario::normal, 400});
    // On a free port below the ephemeral range (tests/support/free_port.hpp), the next if taken.
    std::unique_ptr<sim::VirtualPrinterServer> server;
    auto serverPort = kiosk::test::startOnFreePort([&](int candidate) {
        auto attempt = sim::VirtualPrinterServer::start(printer, candidate);
        if (!attempt) return kiosk::test::PortStart::port_taken;
        server = std::move(*attempt);
        return kiosk::test::PortStart::listening;
    });
    if (!serverPort) {
        std::fprintf(stderr, "virtual printer: %s\n", serverPort.error().c_str());
        return 1;
    }
    drivers::escpos::EscposSettings settings;
    settings.model = model80;
    settings.transport = "tcp";
    settings.port = server->port();
    drivers::escpos::EscposPrinter driver("bench", settings);
    std::vector<double> toLastByte;
    std::vector<double> wholeCall;
    for (int r = 0; r < runs; ++r) {
        const auto start = steady_clock::now();
        auto outcome = driver.print(receipt, 10s, drivers::CancelToken{});
        const auto end = steady_clock::now();
        if (!outcome || outcome->code != drivers::CompletionCode::success) return 1;
        if (!printer.waitForJobs(static_cast<size_t>(r + 1), 5s)) return 1;
        const auto job = printer.jobs().back();
        toLastByte.push_back(duration<double, std::milli>(job.lastByteAt - start).count());
        wholeCall.push_back(duration<double, std::milli>(end - start).count());
    }
    std::printf("print() -> job's last byte received: median %.2f ms\n", median(toLastByte));
    std::printf("print() call incl. status after:     median %.2f ms\n", median(wholeCall));
    std::filesystem::remove_all(dir);
    return 0;
}
