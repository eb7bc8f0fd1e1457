#pragma once
// Tells systemd how the kiosk is doing (sd_notify, the `Type=notify` protocol of
// deploy/systemd/yizhan-kiosk.service):
//   READY=1     once, after the first frame is on the screen (systemd then counts the unit started)
//   WATCHDOG=1  from the UI loop, every half of WatchdogSec: a loop that stops turning (a hung
//               frame, a deadlock) stops the pings, and systemd kills and restarts the kiosk
//   STOPPING=1  when the loop ends (a clean stop is not taken for a hang)
// Outside systemd (no NOTIFY_SOCKET: the demo, the tests) every call does nothing.
//
// The UI loop calls nextWait() once per turn, after its frame, with how long it means to sleep;
// the answer is shortened so that the loop wakes for the next ping even on an idle screen (the
// attract screen redraws once a minute).
//
// Test-only: KIOSK_FAILPOINT=ui_loop_hang (the variable of payments/failpoint.hpp) makes the turn
// after the first WATCHDOG=1 block forever, as a hung loop would; the packaging test shows the
// pings stop.
#include <chrono>

namespace kiosk::ops {

class ServiceNotifier {
public:
    /// Reads NOTIFY_SOCKET and WATCHDOG_USEC / WATCHDOG_PID from the environment systemd gave.
    ServiceNotifier();
    ~ServiceNotifier();  ///< STOPPING=1
    ServiceNotifier(const ServiceNotifier&) = delete;
    ServiceNotifier& operator=(const ServiceNotifier&) = delete;

    /// A frame was drawn: READY=1 the first time, WATCHDOG=1 when due. Returns `wanted` or less:
    /// the longest the loop may wait before its next turn.
    std::chrono::milliseconds nextWait(std::chrono::milliseconds wanted);

private:
    bool notifying_ = false;
    bool ready_ = false;
    bool hangAfterFirstPing_ = false;
    std::chrono::microseconds pingEvery_{0};  ///< 0: no watchdog
    std::chrono::steady_clock::time_point lastPing_{};
};

}  // namespace kiosk::ops
