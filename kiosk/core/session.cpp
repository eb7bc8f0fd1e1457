#include "kiosk/core/session.hpp"

#include <algorithm>

namespace kiosk {

std::string_view sessionEndReasonName(SessionEndReason reason) {
    switch (reason) {
        case SessionEndReason::completed: return "completed";
        case SessionEndReason::card_removed: return "card_removed";
        case SessionEndReason::idle_timeout: return "idle_timeout";
        case SessionEndReason::cancelled: return "cancelled";
        case SessionEndReason::error: return "error";
    }
    return "unknown";
}

void Session::begin(PatientIdentity identity, SteadyTime now) {
    if (active_) end(SessionEndReason::cancelled);
    identity_ = std::move(identity);
    active_ = true;
    lastEnd_.reset();
    deadline_ = now + config_.idleTimeout * scale_;
}

void Session::noteActivity(SteadyTime now) {
    if (active_) deadline_ = std::max(deadline_, now + config_.idleTimeout * scale_);
}

void Session::extend(SteadyTime now) {
    if (active_) deadline_ = std::max(deadline_, now + config_.extendBy * scale_);
}

std::chrono::seconds Session::remaining(SteadyTime now) const {
    if (!active_ || now >= deadline_) return std::chrono::seconds(0);
    // Round up so the countdown shows 10 … 1, never 0 while still active.
    return std::chrono::ceil<std::chrono::seconds>(deadline_ - now);
}

bool Session::warningVisible(SteadyTime now) const {
    return active_ && now < deadline_ && deadline_ - now <= config_.warningBefore * scale_;
}

bool Session::expired(SteadyTime now) const { return active_ && now >= deadline_; }

bool Session::end(SessionEndReason reason) {
    if (!active_) return false;
    active_ = false;
    lastEnd_ = reason;
    identity_.wipe();
    for (auto& [key, value] : context_) std::fill(value.begin(), value.end(), '\0');
    context_.clear();
    auditId = 0;
    return true;
}

}  // namespace kiosk
