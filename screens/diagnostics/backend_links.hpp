#pragma once
// The remote services a kiosk calls, as the technician's backend screen and the fleet's
// Prometheus see them: the HIS, the insurance centre and the payment gateway, each with the
// recorder of its HTTP calls (kiosk/backend/call_recorder.hpp), a cheap probe, its circuit
// breaker where it has one, and its TLS client certificate where it uses one.
//
// Metrics (every series also has the kiosk's constant labels):
//   yizhan_backend_up{backend}                              gauge 1/0: the last call was answered (and the breaker is not open)
//   yizhan_backend_request_duration_seconds{backend}        histogram of every call's duration
//   yizhan_tls_certificate_expiry_timestamp_seconds{path}   gauge: the client certificate's notAfter
// backend is "his", "insurance" or "gateway". A service not called since start has no
// yizhan_backend_up series yet (nothing is known; an alert on absent() is the site's choice).

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kiosk/backend/call_recorder.hpp"
#include "kiosk/backend/circuit_breaker.hpp"
#include "kiosk/backend/his_driver.hpp"
#include "kiosk/core/journal.hpp"
#include "kiosk/ops/metrics.hpp"
#include "payments/payment_desk.hpp"

namespace kiosk::screens {

struct BackendLink {
    std::string id;       ///< "his", "insurance", "gateway": i18n "tech.backend.link.<id>", the metrics label
    std::string baseUrl;  ///< where it is called (shown to the technician)
    std::shared_ptr<backend::CallRecorder> calls;  ///< null: not an HTTP service (an in-process HIS)
    /// The breaker's state now; null: the service has none.
    std::function<backend::CircuitBreaker::State()> circuit;
    /// One cheap call that tells whether the service answers; runs on a worker.
    std::function<Result<std::string>()> probe;
    std::filesystem::path clientCert;  ///< empty: no client certificate
    bool tls() const { return baseUrl.starts_with("https://"); }
};

struct TechnicianLinks {
    TechnicianLinks() = default;
    TechnicianLinks(const TechnicianLinks&) = delete;
    TechnicianLinks& operator=(const TechnicianLinks&) = delete;
    /// Detaches the metrics observers from the recorders (the HIS may outlive the registry).
    ~TechnicianLinks();

    std::vector<BackendLink> backends;
    std::shared_ptr<payments::PaymentDesk> desk;  ///< null without [payments]
    /// The UI thread's journal connection (the payments tab reads the saga journal with it).
    Journal* journal = nullptr;
};

/// The HIS (when there is one) and, with a payment desk, its gateway and insurance centre.
std::unique_ptr<TechnicianLinks> makeTechnicianLinks(const std::shared_ptr<backend::HisDriver>& his,
                                                     const std::shared_ptr<payments::PaymentDesk>& desk, Journal& journal);

/// Declares the three families, times every call into the histogram, and sets the gauges at
/// each scrape. `registry` must outlive `links` (the App declares it first).
void exportBackendMetrics(ops::MetricsRegistry& registry, TechnicianLinks& links);

}  // namespace kiosk::screens
