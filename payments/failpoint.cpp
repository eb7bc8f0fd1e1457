#include "payments/failpoint.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

namespace kiosk::payments {

void failpoint(std::string_view step) {
    // KIOSK_FAILPOINT_PAUSE=<step>: a pause instead of a power cut, for the stop tests (issue 17
    // item 5): the step's worker says so on stderr and sleeps KIOSK_FAILPOINT_PAUSE_MS (2000 by
    // default) at the boundary, so that a SIGTERM lands while a payment step is in flight.
    if (const char* paused = std::getenv("KIOSK_FAILPOINT_PAUSE"); paused != nullptr && step == paused) {
        const std::string message = "KIOSK_FAILPOINT_PAUSE at " + std::string(step) + "\n";
        [[maybe_unused]] const auto said = write(STDERR_FILENO, message.data(), message.size());
        const char* ms = std::getenv("KIOSK_FAILPOINT_PAUSE_MS");
        std::this_thread::sleep_for(std::chrono::milliseconds(ms != nullptr ? std::atol(ms) : 2000));
    }
    // Read on every call (no cached state): a test sets the variable per child process.
    const char* armed = std::getenv("KIOSK_FAILPOINT");
    if (armed == nullptr || step != armed) return;
    // A power cut: no destructors, no atexit, no stdio flush. One line on stderr for the test log.
    const char message[] = "KIOSK_FAILPOINT reached, exiting\n";
    [[maybe_unused]] const auto written = write(STDERR_FILENO, message, sizeof message - 1);
    _exit(kFailpointExitCode);
}

}  // namespace kiosk::payments
