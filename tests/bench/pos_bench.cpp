// pos_bench: one bank-card consume, request → validated answer, against the virtual MIS-POS
// (issue 16's benchmark row "consume round trip"): over a real pty with the serial framing
// (ACK, answer, ACK), and through the kiosk-pos-helper process hosting the vendor-style library.
// The simulated acquirer answers at once, so the numbers are the kiosk's own part: framing, the
// pty or the helper's socket, and the acquirer's state file. A real terminal adds the patient
// (card, PIN) and the acquirer's network on top. Also: a helper crash → restart → query.
//
//   pos_bench [iterations]   (default 40)      pos_bench --smoke   (5 iterations)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "drivers/pos/mispos/mispos_driver.hpp"
#include "kiosk/core/log.hpp"
#include "sim/devices/virtual_mispos.hpp"

namespace {

using namespace kiosk::drivers::pos;
using Clock = std::chrono::steady_clock;

struct Stats {
    double median = 0;
    double p95 = 0;
    double max = 0;
};

Stats stats(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    if (values.empty()) return {};
    return {values[values.size() / 2], values[std::min(values.size() - 1, values.size() * 95 / 100)], values.back()};
}

double ms(Clock::duration d) {
    return std::chrono::duration<double, std::milli>(d).count();
}

const std::filesystem::path kLayout = std::filesystem::path(KIOSK_ASSETS) / "pos" / "ums_bankall.toml";

}  // namespace

int main(int argc, char** argv) {
    int iterations = 40;
    if (argc > 1 && std::strcmp(argv[1], "--smoke") == 0) {
        iterations = 5;
    } else if (argc > 1) {
        iterations = std::max(1, std::atoi(argv[1]));
    }
    kiosk::log::Settings quiet;
    quiet.level = spdlog::level::critical;  // the crash row logs an unknown outcome on purpose
    kiosk::log::configure(quiet);
    auto layout = MisPosLayout::loadFile(kLayout);
    if (!layout) {
        std::fprintf(stderr, "pos_bench: %s\n", layout.error().detail.c_str());
        return 1;
    }
    const auto dir = std::filesystem::temp_directory_path() / ("pos_bench-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto stateFile = dir / "vpos.state";
    auto acquirer = std::make_shared<kiosk::sim::VirtualAcquirer>(stateFile, *layout);
    std::printf("bank-card consume round trip against the virtual MIS-POS (%d iterations, acquirer answers at once)\n",
                iterations);
    int failures = 0;
    for (PosTransport transport : {PosTransport::serial, PosTransport::library}) {
        std::unique_ptr<kiosk::sim::VirtualMisPos> terminal;
        MisPosSettings settings;
        settings.transport = transport;
        if (transport == PosTransport::serial) {
            auto created = kiosk::sim::VirtualMisPos::create(acquirer);
            if (!created) {
                std::fprintf(stderr, "pos_bench: %s\n", created.error().detail.c_str());
                return 1;
            }
            terminal = std::move(*created);
            settings.serial.path = terminal->path().string();
        } else {
            settings.helper.helper = KIOSK_POS_HELPER_EXE;
            settings.helper.library = KIOSK_VPOS_LIBRARY;
            settings.helper.environment = {"KIOSK_VPOS_STATE=" + stateFile.string(),
                                           "KIOSK_VPOS_LAYOUT=" + kLayout.string()};
        }
        MisPosDriver driver("pos", settings, *layout);
        const auto first = Clock::now();
        if (!driver.signIn()) ++failures;
        const double startMs = ms(Clock::now() - first);
        std::vector<double> consume;
        for (int i = 0; i < iterations; ++i) {
            const auto t0 = Clock::now();
            auto paid = driver.consume(100 + i);
            consume.push_back(ms(Clock::now() - t0));
            if (!paid) ++failures;
        }
        const Stats s = stats(consume);
        const char* name = transport == PosTransport::serial ? "pty (serial framing)" : "helper (vendor library)";
        std::printf("  %-24s sign-in (first call) %7.2f ms   consume round trip median %.2f ms  p95 %.2f  max %.2f\n",
                    name, startMs, s.median, s.p95, s.max);
        if (transport == PosTransport::library) {
            acquirer->setScenario(kiosk::sim::VposScenario::crash);
            PosRequest pending;
            pending.amountFen = 4200;
            pending.tag = "777";
            const auto t0 = Clock::now();
            auto crashed = driver.transact(pending);
            auto resolved = driver.resolve(pending);
            const double crashMs = ms(Clock::now() - t0);
            const bool ok = !crashed && crashed.error().code == kiosk::Errc::unknown_outcome && resolved &&
                            resolved->first == Resolution::charged;
            if (!ok) ++failures;
            std::printf("  helper crash mid-consume -> restart -> query resolves it: %.2f ms (%s)\n", crashMs,
                        ok ? "charged, found" : "NOT RESOLVED");
        }
    }
    std::printf("charges recorded by the acquirer: %d; failures: %d\n", acquirer->charges(), failures);
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    return failures == 0 ? 0 : 1;
}
