#include "screens/diagnostics/backend_links.hpp"

#include <set>

#include <fmt/format.h>

#include "kiosk/backend/certificate_expiry.hpp"
#include "kiosk/backend/fhir_his_driver.hpp"
#include "kiosk/backend/http_client.hpp"

namespace kiosk::screens {

namespace {

/// Any HTTP answer below 500 from the service's root: it is there and answering (the centre and
/// the gateway have no ping of their own; a 404 for "/" still proves the link).
std::function<Result<std::string>()> httpProbe(backend::HttpSettings settings) {
    return [settings = std::move(settings)]() -> Result<std::string> {
        backend::HttpSettings quick = settings;
        quick.callTimeout = std::chrono::milliseconds(3000);
        backend::HttpClient http(quick);  // shares the recorder: the probe is a call like any other
        backend::HttpRequest request;
        request.target = "";
        request.accept = "*/*";
        const auto started = std::chrono::steady_clock::now();
        auto answer = http.perform(request);
        if (!answer) return fail(answer.error().code, answer.error().detail);
        if (answer->status >= 500) return fail(Errc::backend_unavailable, fmt::format("HTTP {}", answer->status));
        const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
        return fmt::format("HTTP {} · {} ms", answer->status, took.count());
    };
}

BackendLink linkOf(std::string id, const backend::HttpSettings& settings) {
    BackendLink link;
    link.id = std::move(id);
    link.baseUrl = settings.baseUrl;
    link.calls = settings.recorder;
    link.clientCert = settings.clientCert;
    link.probe = httpProbe(settings);
    return link;
}

}  // namespace

TechnicianLinks::~TechnicianLinks() {
    for (auto& link : backends) {
        if (link.calls) link.calls->setObserver(nullptr);
    }
}

std::unique_ptr<TechnicianLinks> makeTechnicianLinks(const std::shared_ptr<backend::HisDriver>& his,
                                                     const std::shared_ptr<payments::PaymentDesk>& desk, Journal& journal) {
    auto links = std::make_unique<TechnicianLinks>();
    links->desk = desk;
    links->journal = &journal;
    if (his) {
        BackendLink link;
        link.id = "his";
        link.baseUrl = his->describe();
        if (auto* fhir = dynamic_cast<backend::FhirHisDriver*>(his.get())) {
            link = linkOf("his", fhir->httpSettings());
            link.circuit = [fhir] { return fhir->circuitState(); };
        }
        // The HIS's own ping (its CapabilityStatement) proves more than an answer from "/".
        link.probe = [his]() -> Result<std::string> {
            auto info = his->ping();
            if (!info) return std::unexpected(info.error());
            return fmt::format("{} {} · {} ms", info->software, info->version, info->latencyMs);
        };
        links->backends.push_back(std::move(link));
    }
    if (desk) {
        if (auto* insurance = desk->insurance()) links->backends.push_back(linkOf("insurance", insurance->settings()));
        links->backends.push_back(linkOf("gateway", desk->gateway().settings()));
    }
    return links;
}

void exportBackendMetrics(ops::MetricsRegistry& registry, TechnicianLinks& links) {
    using ops::MetricType;
    registry.declare("yizhan_backend_up", MetricType::gauge,
                     "1 when the last call to the backend was answered and its circuit breaker is not open.");
    // From a LAN call (tens of ms) to the 8 s call timeout.
    registry.declare("yizhan_backend_request_duration_seconds", MetricType::histogram, "Duration of every call to a backend.",
                     {0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10});
    registry.declare("yizhan_tls_certificate_expiry_timestamp_seconds", MetricType::gauge,
                     "Unix time at which the kiosk's TLS client certificate expires.");
    for (auto& link : links.backends) {
        if (!link.calls) continue;
        link.calls->setObserver([&registry, id = link.id](double seconds, bool) {
            registry.observe("yizhan_backend_request_duration_seconds", {{"backend", id}}, seconds);
        });
    }
    registry.addCollector([&links](ops::MetricsRegistry& target) {
        target.clear("yizhan_backend_up");
        target.clear("yizhan_tls_certificate_expiry_timestamp_seconds");
        std::set<std::string> certificates;
        for (const auto& link : links.backends) {
            if (link.calls) {
                const auto summary = link.calls->summary();
                if (summary.lastAnswered) {
                    const bool open = link.circuit && link.circuit() == backend::CircuitBreaker::State::open;
                    target.set("yizhan_backend_up", {{"backend", link.id}}, *summary.lastAnswered && !open ? 1 : 0);
                }
            }
            if (!link.clientCert.empty() && certificates.insert(link.clientCert.string()).second) {
                // Read at each scrape: a renewed certificate shows without a restart.
                if (auto expiry = backend::certificateExpiry(link.clientCert)) {
                    target.set("yizhan_tls_certificate_expiry_timestamp_seconds", {{"path", link.clientCert.string()}},
                               static_cast<double>(std::chrono::duration_cast<std::chrono::seconds>(expiry->time_since_epoch()).count()));
                }
            }
        }
    });
}

}  // namespace kiosk::screens
