#pragma once
// How the kiosk's calls to one remote service went: the durations of the last 100 calls (their
// p50 / p99 for the technician's backend screen), whether the last one was answered, and a hook
// that passes every call on (the Prometheus latency histogram). One recorder per HttpClient, fed
// by HttpClient::perform, so every HIS, insurance-centre and payment-gateway call is timed in one
// place and no adapter times its own calls.
//
// Thread-safe: calls are made on workers, the screen and the metrics scrape read from others.

#include <array>
#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <vector>

namespace kiosk::backend {

class CallRecorder {
public:
    static constexpr size_t kWindow = 100;  ///< issue 14: p50 / p99 "of the last 100 calls"

    /// `answered`: the server gave an HTTP answer below 500 (a 404 or 409 is the server up and
    /// saying no; a 5xx, a refused connection or a timeout is the service down).
    using Observer = std::function<void(double seconds, bool answered)>;

    struct Summary {
        size_t calls = 0;       ///< in the window (≤ kWindow)
        size_t failed = 0;      ///< of those, not answered
        std::chrono::milliseconds p50{0};
        std::chrono::milliseconds p99{0};
        std::optional<bool> lastAnswered;  ///< none: no call yet
        std::chrono::system_clock::time_point lastAt{};
    };

    void record(std::chrono::steady_clock::duration took, bool answered);
    Summary summary() const;
    /// Replaces the observer (null: none). Called outside the lock's hold of a call in flight;
    /// an observer must not call back into this recorder.
    void setObserver(Observer observer);

    /// The nearest-rank percentile (`percent` in 1..100) of `sorted` ascending values, 0 if empty:
    /// for 100 values the p99 is the 99th, for 10 values it is the 10th (the slowest).
    static std::chrono::milliseconds percentile(const std::vector<std::chrono::milliseconds>& sorted, int percent);

private:
    mutable std::mutex mutex_;
    struct Call {
        std::chrono::milliseconds took{0};
        bool answered = false;
    };
    std::array<Call, kWindow> ring_{};
    size_t next_ = 0;   ///< where the next call goes
    size_t count_ = 0;  ///< calls in the ring (≤ kWindow)
    std::optional<bool> lastAnswered_;
    std::chrono::system_clock::time_point lastAt_{};
    Observer observer_;
};

}  // namespace kiosk::backend
