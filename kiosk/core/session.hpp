#pragma once
// A patient session: it begins when a patient is identified and ends on completion, card removal,
// idle timeout or cancel. Its end wipes the patient's identity and everything fetched for them.
// The last `warningBefore` seconds show a countdown; "I need more time" extends the deadline.
// Pure logic over a caller-supplied time, so it is tested without sleeping.

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <string>

#include "kiosk/core/clock.hpp"
#include "kiosk/core/config.hpp"
#include "kiosk/core/identity.hpp"

namespace kiosk {

enum class SessionEndReason { completed, card_removed, idle_timeout, cancelled, error };
std::string_view sessionEndReasonName(SessionEndReason reason);

class Session {
public:
    explicit Session(SessionConfig config) : config_(config) {}

    bool active() const { return active_; }
    void begin(PatientIdentity identity, SteadyTime now);
    /// Any touch or device event from the patient resets the idle deadline.
    void noteActivity(SteadyTime now);
    /// "I need more time": the deadline moves to now + extendBy (never shortens it).
    void extend(SteadyTime now);

    /// Seconds left before the idle timeout (0 when expired or inactive).
    std::chrono::seconds remaining(SteadyTime now) const;
    /// True in the last warningBefore seconds: the screen shows the countdown.
    bool warningVisible(SteadyTime now) const;
    /// Idle timeout reached? The caller then calls end(idle_timeout).
    bool expired(SteadyTime now) const;
    SteadyTime deadline() const { return deadline_; }
    /// Elder mode gives patients twice the time (issue 15): every timeout, the countdown and
    /// "more time" are multiplied by `factor` (1 or 2) from the next activity on; a running
    /// deadline is never shortened.
    void setTimeScale(int factor) { scale_ = std::max(1, factor); }
    std::chrono::seconds idleTimeout() const { return config_.idleTimeout * scale_; }
    std::chrono::seconds warningBefore() const { return config_.warningBefore * scale_; }

    /// Ends the session and wipes the patient context. Returns false if none was active.
    bool end(SessionEndReason reason);
    std::optional<SessionEndReason> lastEndReason() const { return lastEnd_; }

    const PatientIdentity& identity() const { return identity_; }
    /// Data fetched for this patient (e.g. "charges.count"); wiped with the session.
    std::map<std::string, std::string>& context() { return context_; }
    const std::map<std::string, std::string>& context() const { return context_; }
    /// Audit row of this session in the journal (0 when the journal was unavailable).
    int64_t auditId = 0;

private:
    SessionConfig config_;
    int scale_ = 1;
    bool active_ = false;
    SteadyTime deadline_{};
    PatientIdentity identity_;
    std::map<std::string, std::string> context_;
    std::optional<SessionEndReason> lastEnd_;
};

}  // namespace kiosk
