#pragma once
// A circuit breaker: after `failureThreshold` consecutive transport failures (refused
// connection, timeout, 5xx, lost answer) the backend is considered down for `openFor`; calls fail
// at once with backend_unavailable ("service temporarily unavailable") instead of making the
// patient wait for another timeout. After `openFor` one probe call is let through (half-open):
// success closes the circuit, failure opens it again. Business answers (404, 409, 422) are
// successes for the breaker: the backend is up.

#include <chrono>
#include <mutex>
#include <string_view>

#include "kiosk/core/clock.hpp"

namespace kiosk::backend {

class CircuitBreaker {
public:
    enum class State { closed, open, half_open };
    struct Settings {
        int failureThreshold = 5;
        std::chrono::milliseconds openFor{15000};
    };

    CircuitBreaker(Settings settings, const Clock& clock) : settings_(settings), clock_(clock) {}

    /// True when a call may go out now (closed, or the single half-open probe).
    bool allow();
    void recordSuccess();
    void recordFailure();
    State state() const;

private:
    Settings settings_;
    const Clock& clock_;
    mutable std::mutex mutex_;
    State state_ = State::closed;
    int consecutiveFailures_ = 0;
    bool probeInFlight_ = false;
    SteadyTime openedAt_{};
};

std::string_view circuitStateName(CircuitBreaker::State state);

}  // namespace kiosk::backend
