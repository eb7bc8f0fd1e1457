#pragma once
// The technician's backend tab (issue 14 item 3): for the HIS, the insurance centre and the
// payment gateway, whether they answer now (a probe on entry and on "check again"), p50 / p99 of
// the last 100 calls, the circuit breaker's state, and the TLS client certificate's expiry
// (a warning under 30 days; "plain HTTP, no certificate" where TLS is not used).

#include <map>
#include <optional>

#include "screens/screen.hpp"

namespace kiosk::screens {

class BackendScreen final : public Screen {
public:
    std::string_view id() const override { return "technician.backend"; }
    void onEnter(ScreenContext& context) override;
    void onExit(ScreenContext& context) override;
    void draw(const ScreenContext& context, Ui& ui) const override;
    Transition onEvent(ScreenContext& context, const UiEvent& event) override;
    std::optional<std::chrono::seconds> idleTimeout() const override { return std::chrono::seconds(300); }

    static constexpr int kWarnDays = 30;  ///< issue 14: a certificate warning under 30 days

private:
    void probeAll(ScreenContext& context);
    /// link id → the probe's answer (none while it runs)
    std::map<std::string, std::optional<Result<std::string>>> probes_;
    /// client certificate path → its expiry, read on entry and "check again" (not every frame)
    std::map<std::string, Result<std::chrono::system_clock::time_point>> certificates_;
    std::string leaveReason_ = "timed_out";
};

}  // namespace kiosk::screens
