#pragma once
// Collects device events from driver threads and lets a test wait for one (never a fixed sleep).
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <vector>

#include "drivers/common/device.hpp"

namespace kiosk::test {

class EventRecorder {
public:
    drivers::DeviceEventSink sink() {
        return [this](drivers::DeviceEvent event) {
            {
                std::lock_guard lock(mutex_);
                events_.push_back(std::move(event));
            }
            changed_.notify_all();
        };
    }
    /// Waits until `predicate(events)` holds or `timeout` passes; returns whether it held.
    bool waitFor(const std::function<bool(const std::vector<drivers::DeviceEvent>&)>& predicate,
                 std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
        // Re-checked on every event and every 10 ms (predicates may also look at driver counters).
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        std::unique_lock lock(mutex_);
        while (!predicate(events_)) {
            if (std::chrono::steady_clock::now() >= deadline) return false;
            changed_.wait_for(lock, std::chrono::milliseconds(10));
        }
        return true;
    }
    std::vector<drivers::CodeScanned> scans() const {
        std::lock_guard lock(mutex_);
        std::vector<drivers::CodeScanned> out;
        for (const auto& event : events_) {
            if (const auto* scan = std::get_if<drivers::CodeScanned>(&event)) out.push_back(*scan);
        }
        return out;
    }
    size_t scanCount() const { return scans().size(); }
    bool waitForScans(size_t count, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
        return waitFor(
            [count](const auto& events) {
                size_t n = 0;
                for (const auto& event : events) n += std::holds_alternative<drivers::CodeScanned>(event);
                return n >= count;
            },
            timeout);
    }
    /// Waits for a StatusChanged to `status` after the first `skip` events.
    bool waitForStatus(drivers::DeviceStatus status, size_t skip = 0,
                       std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
        return waitFor(
            [&](const auto& events) {
                for (size_t i = skip; i < events.size(); ++i) {
                    const auto* changed = std::get_if<drivers::StatusChanged>(&events[i]);
                    if (changed && changed->state.status == status) return true;
                }
                return false;
            },
            timeout);
    }
    size_t size() const {
        std::lock_guard lock(mutex_);
        return events_.size();
    }

private:
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<drivers::DeviceEvent> events_;
};

}  // namespace kiosk::test
