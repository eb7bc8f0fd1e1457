#include "payments/failpoint.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace kiosk::payments {

void failpoint(std::string_view step) {
    // Read on every call (no cached state): a test sets the variable per child process.
    const char* armed = std::getenv("KIOSK_FAILPOINT");
    if (armed == nullptr || step != armed) return;
    // A power cut: no destructors, no atexit, no stdio flush. One line on stderr for the test log.
    const char message[] = "KIOSK_FAILPOINT reached, exiting\n";
    [[maybe_unused]] const auto written = write(STDERR_FILENO, message, sizeof message - 1);
    _exit(kFailpointExitCode);
}

}  // namespace kiosk::payments
