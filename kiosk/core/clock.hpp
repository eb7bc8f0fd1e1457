#pragma once
// Time as a dependency: the UI and the session read time through a Clock so that tests and
// scripted journeys ("wait 60 seconds") run on a manual clock without sleeping.

#include <chrono>

namespace kiosk {

using SteadyTime = std::chrono::steady_clock::time_point;

class Clock {
public:
    virtual ~Clock() = default;
    virtual SteadyTime now() const = 0;
    /// Wall-clock time for display (the attract screen's clock).
    virtual std::chrono::system_clock::time_point wallNow() const = 0;
};

class SystemClock final : public Clock {
public:
    SteadyTime now() const override { return std::chrono::steady_clock::now(); }
    std::chrono::system_clock::time_point wallNow() const override { return std::chrono::system_clock::now(); }
};

/// Starts at the real time and moves only when advanced.
class ManualClock final : public Clock {
public:
    ManualClock() : steady_(std::chrono::steady_clock::now()), wall_(std::chrono::system_clock::now()) {}
    SteadyTime now() const override { return steady_; }
    std::chrono::system_clock::time_point wallNow() const override { return wall_; }
    void advance(std::chrono::milliseconds by) {
        steady_ += by;
        wall_ += by;
    }

private:
    SteadyTime steady_;
    std::chrono::system_clock::time_point wall_;
};

}  // namespace kiosk
