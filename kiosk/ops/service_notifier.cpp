#include "kiosk/ops/service_notifier.hpp"

#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <cstdlib>
#include <string_view>
#include <thread>

#include "kiosk/core/log.hpp"

namespace kiosk::ops {

namespace {

std::shared_ptr<spdlog::logger> logger() { return log::module("systemd"); }

/// WATCHDOG_USEC, when the watchdog is meant for this process. sd_watchdog_enabled() insists on
/// WATCHDOG_PID == getpid(); a kiosk started through a wrapper that execs it as a child (the
/// cage session: cage is the unit's main process) is given the wrapper's pid, so the parent's pid
/// is accepted too — the unit then needs NotifyAccess=all, which yizhan-kiosk.service sets.
std::chrono::microseconds watchdogInterval() {
    const char* usec = std::getenv("WATCHDOG_USEC");
    if (usec == nullptr || *usec == '\0') return std::chrono::microseconds(0);
    if (const char* pid = std::getenv("WATCHDOG_PID"); pid != nullptr && *pid != '\0') {
        const long owner = std::strtol(pid, nullptr, 10);
        if (owner != getpid() && owner != getppid()) return std::chrono::microseconds(0);
    }
    const long long value = std::strtoll(usec, nullptr, 10);
    return std::chrono::microseconds(value > 0 ? value : 0);
}

}  // namespace

ServiceNotifier::ServiceNotifier() {
    const char* socket = std::getenv("NOTIFY_SOCKET");
    notifying_ = socket != nullptr && *socket != '\0';
    if (!notifying_) return;
    pingEvery_ = watchdogInterval() / 2;
    const char* failpoint = std::getenv("KIOSK_FAILPOINT");
    hangAfterFirstPing_ = failpoint != nullptr && std::string_view(failpoint) == "ui_loop_hang";
    logger()->info("systemd notification on; watchdog ping every {} ms",
                   std::chrono::duration_cast<std::chrono::milliseconds>(pingEvery_).count());
}

ServiceNotifier::~ServiceNotifier() {
    if (notifying_) sd_notify(0, "STOPPING=1");
}

std::chrono::milliseconds ServiceNotifier::nextWait(std::chrono::milliseconds wanted) {
    if (!notifying_) return wanted;
    const auto now = std::chrono::steady_clock::now();
    if (!ready_) {
        ready_ = true;
        sd_notify(0, "READY=1\nSTATUS=first frame drawn");
        if (pingEvery_.count() > 0) sd_notify(0, "WATCHDOG=1");
        lastPing_ = now;
    } else if (pingEvery_.count() > 0 && now - lastPing_ >= pingEvery_) {
        if (hangAfterFirstPing_) {
            logger()->warn("KIOSK_FAILPOINT=ui_loop_hang: the UI loop stops here (test only)");
            while (true) std::this_thread::sleep_for(std::chrono::hours(1));
        }
        sd_notify(0, "WATCHDOG=1");
        lastPing_ = now;
    }
    if (pingEvery_.count() == 0) return wanted;
    const auto untilPing = std::chrono::ceil<std::chrono::milliseconds>(lastPing_ + pingEvery_ - now);
    return std::max(std::chrono::milliseconds(1), std::min(wanted, untilPing));
}

}  // namespace kiosk::ops
