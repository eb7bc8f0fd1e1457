#pragma once
// Collects device events from driver threads; tests wait for the one they expect (never sleep).
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <vector>

#include "drivers/common/device.hpp"

namespace kiosk::test {

class EventRecorder {
public:
    drivers::DeviceEventSink sink() {
        return [this](drivers::DeviceEvent event) {
            std::lock_guard lock(mutex_);
            events_.push_back(std::move(event));
            changed_.notify_all();
        };
    }

    /// The first event at or after position `from` of type T that `match` accepts; waits up to
    /// `timeout`. Moves `from` past it.
    template <class T>
    std::optional<T> waitFor(size_t& from, std::chrono::milliseconds timeout,
                             std::function<bool(const T&)> match = [](const T&) { return true; }) {
        std::unique_lock lock(mutex_);
        std::optional<T> found;
        changed_.wait_for(lock, timeout, [&] {
            for (size_t i = from; i < events_.size(); ++i) {
                if (const T* event = std::get_if<T>(&events_[i]); event && match(*event)) {
                    found = *event;
                    from = i + 1;
                    return true;
                }
            }
            return false;
        });
        return found;
    }

    size_t size() const {
        std::lock_guard lock(mutex_);
        return events_.size();
    }

    template <class T>
    size_t count() const {
        std::lock_guard lock(mutex_);
        size_t n = 0;
        for (const auto& event : events_) n += std::holds_alternative<T>(event) ? 1 : 0;
        return n;
    }

private:
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<drivers::DeviceEvent> events_;
};

}  // namespace kiosk::test
