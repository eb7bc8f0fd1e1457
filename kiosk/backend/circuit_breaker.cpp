#include "kiosk/backend/circuit_breaker.hpp"

namespace kiosk::backend {

bool CircuitBreaker::allow() {
    std::lock_guard lock(mutex_);
    switch (state_) {
        case State::closed:
            return true;
        case State::open:
            if (clock_.now() - openedAt_ < settings_.openFor) return false;
            state_ = State::half_open;
            probeInFlight_ = true;
            return true;
        case State::half_open:
            if (probeInFlight_) return false;
            probeInFlight_ = true;
            return true;
    }
    return false;
}

void CircuitBreaker::recordSuccess() {
    std::lock_guard lock(mutex_);
    state_ = State::closed;
    consecutiveFailures_ = 0;
    probeInFlight_ = false;
}

void CircuitBreaker::recordFailure() {
    std::lock_guard lock(mutex_);
    probeInFlight_ = false;
    ++consecutiveFailures_;
    if (state_ == State::half_open || consecutiveFailures_ >= settings_.failureThreshold) {
        state_ = State::open;
        openedAt_ = clock_.now();
    }
}

CircuitBreaker::State CircuitBreaker::state() const {
    std::lock_guard lock(mutex_);
    return state_;
}

std::string_view circuitStateName(CircuitBreaker::State state) {
    switch (state) {
        case CircuitBreaker::State::closed: return "closed";
        case CircuitBreaker::State::open: return "open";
        case CircuitBreaker::State::half_open: return "half_open";
    }
    return "unknown";
}

}  // namespace kiosk::backend
