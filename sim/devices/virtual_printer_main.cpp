// `virtual-printer --port 9100 --out DIR [--scenario normal|paper_out|…] [--dots 576] [--font gbk]`: runs the
// virtual ESC/POS printer on loopback until SIGINT/SIGTERM; prints each rendered job's PNG path.
#include <CLI/CLI.hpp>

#include <csignal>
#include <iostream>

#include "sim/devices/virtual_escpos_printer.hpp"

int main(int argc, char** argv) {
    CLI::App app{"Virtual ESC/POS receipt printer (renders jobs to PNG)", "virtual-printer"};
    int port = 9100;
    int dots = 576;
    std::string out = "printed";
    std::string scenario = "normal";
    std::string font = "gbk";
    app.add_option("--port", port, "TCP port on 127.0.0.1 (0 = any free port)");
    app.add_option("--out", out, "Folder for job-NNN.png");
    app.add_option("--dots", dots, "Dots per line (576 = 80 mm, 384 = 58 mm)");
    app.add_option("--scenario", scenario, "Status scenario")->check(CLI::IsMember(kiosk::sim::printerScenarioNames()));
    app.add_option("--font", font, "Chinese ROM font: gb2312, gbk or gbk+ext-a (other codes print '?')")
        ->check(CLI::IsMember(std::vector<std::string>{"gb2312", "gbk", "gbk+ext-a"}));
    CLI11_PARSE(app, argc, argv);

    kiosk::sim::VirtualEscposPrinter printer(
        {dots, out, *kiosk::sim::parsePrinterScenario(scenario), 400, *kiosk::drivers::escpos::parseFontCharset(font)});
    auto server = kiosk::sim::VirtualPrinterServer::start(printer, port);
    if (!server) {
        std::cerr << "virtual-printer: " << server.error().detail << '\n';
        return 1;
    }
    std::cout << "listening on 127.0.0.1:" << (*server)->port() << std::endl;
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    size_t shown = 0;
    for (;;) {
        timespec wait{0, 200'000'000};
        if (sigtimedwait(&signals, nullptr, &wait) > 0) break;
        auto jobs = printer.jobs();
        for (; shown < jobs.size(); ++shown) std::cout << jobs[shown].png.string() << std::endl;
    }
    (*server)->stop();
    return 0;
}
