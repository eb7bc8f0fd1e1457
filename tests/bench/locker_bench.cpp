// locker_bench: lock board open → door confirmed, on a real pty against the virtual lock board,
// for both frame families (issue 13's benchmark row "lock board open → door confirmed on the pty").
//
//   locker_bench [iterations]   (default 40)      locker_bench --smoke   (5 iterations)
//
// Printed per family: one exchange's round trip (query one lock), and open() → confirmed with
// the driver's default read-back settings (read_interval 50 ms, 2 confirming reads) against a
// door that opens the instant its lock is pulsed, so the numbers are the kiosk's own part: the
// frames, the pty and the read-back policy. A real door adds its mechanical time on top.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "drivers/locker/lockboard/lockboard_driver.hpp"
#include "kiosk/core/log.hpp"
#include "sim/devices/virtual_lock_board.hpp"

namespace {

using namespace kiosk::drivers::locker;
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

}  // namespace

int main(int argc, char** argv) {
    int iterations = 40;
    if (argc > 1 && std::strcmp(argv[1], "--smoke") == 0) {
        iterations = 5;
    } else if (argc > 1) {
        iterations = std::max(1, std::atoi(argv[1]));
    }
    kiosk::log::Settings quiet;
    quiet.level = spdlog::level::err;
    kiosk::log::configure(quiet);
    std::printf("lock board open -> door confirmed on a pty (%d iterations; door opens when pulsed)\n", iterations);
    for (FrameFamily family : {FrameFamily::eight_a, FrameFamily::modbus_rtu}) {
        auto bank = kiosk::sim::VirtualLockBoard::create(family, {{1, 24, FeedbackPolarity::closed_when_set}});
        if (!bank) {
            std::fprintf(stderr, "locker_bench: %s\n", bank.error().detail.c_str());
            return 1;
        }
        (*bank)->setOpenDelay(std::chrono::milliseconds(0));
        LockBoardSettings settings;  // the driver's defaults
        settings.serial = kiosk::drivers::transport::SerialSettings{.path = (*bank)->path().string(), .baud = 9600};
        settings.family = family;
        settings.boards = {{1, 24, FeedbackPolarity::closed_when_set}};
        LockBoardDriver driver("lockers", settings);
        std::vector<double> roundTrips;
        std::vector<double> confirms;
        for (int i = 0; i < iterations; ++i) {
            const int locker = 1 + i % 24;
            const auto started = Clock::now();
            auto door = driver.queryDoor(locker);
            roundTrips.push_back(ms(Clock::now() - started));
            if (!door) {
                std::fprintf(stderr, "locker_bench: query: %s\n", door.error().detail.c_str());
                return 1;
            }
            const auto opening = Clock::now();
            auto opened = driver.open(locker);
            confirms.push_back(ms(Clock::now() - opening));
            if (!opened) {
                std::fprintf(stderr, "locker_bench: open: %s\n", opened.error().detail.c_str());
                return 1;
            }
            (*bank)->close(locker);
        }
        const Stats trip = stats(roundTrips);
        const Stats confirm = stats(confirms);
        std::printf("  %-10s  exchange (query one)   median %.2f ms  p95 %.2f ms  max %.2f ms\n",
                    std::string(frameFamilyName(family)).c_str(), trip.median, trip.p95, trip.max);
        std::printf(
            "  %-10s  open -> confirmed      median %.2f ms  p95 %.2f ms  max %.2f ms  (read_interval %lld ms, %d "
            "reads)\n",
            std::string(frameFamilyName(family)).c_str(), confirm.median, confirm.p95, confirm.max,
            static_cast<long long>(settings.readInterval.count()), settings.confirmReads);
    }
    return 0;
}
