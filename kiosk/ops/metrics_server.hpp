#pragma once
// Serves the kiosk's metrics to Prometheus: GET /metrics on the address of `[metrics] listen`
// (loopback by default: a hospital's Prometheus reaches it through its own network policy or a
// local agent; exposing it on the ward network is the site's explicit choice).
//
// [metrics]                       the section's presence turns the endpoint on
// listen = "127.0.0.1:9464"       host:port; 9464 is the port Prometheus' registry lists for
//                                 OpenTelemetry-style exporters, outside the ephemeral range
// site = "north-campus"           the `site` label on every series (default: empty, then absent)

#include <memory>
#include <string>
#include <thread>

#include "kiosk/core/config.hpp"
#include "kiosk/core/error.hpp"
#include "kiosk/ops/metrics.hpp"

namespace httplib {
class Server;
}

namespace kiosk::ops {

struct MetricsSettings {
    bool enabled = false;
    std::string host = "127.0.0.1";
    int port = 9464;
    std::string site;
};

/// Reads [metrics]; problems (a malformed listen address, a port out of 1–65535, unknown keys)
/// are recorded in the section's problem list, naming the key, like every config owner does.
MetricsSettings readMetricsSettings(ConfigSection section);

/// The constant labels of every series: kiosk_id, mode, and site when set.
MetricLabels kioskLabels(const KioskConfig& config, const MetricsSettings& settings);

class MetricsServer {
public:
    /// Binds and starts serving on its own thread. Errors: Errc::invalid_config naming
    /// `metrics.listen` when the address cannot be bound (port taken, address not local).
    static Result<std::unique_ptr<MetricsServer>> start(const MetricsSettings& settings, MetricsRegistry& registry);
    ~MetricsServer();
    MetricsServer(const MetricsServer&) = delete;
    MetricsServer& operator=(const MetricsServer&) = delete;

    int port() const { return port_; }

private:
    MetricsServer() = default;
    std::unique_ptr<httplib::Server> server_;
    std::thread thread_;
    int port_ = 0;
};

}  // namespace kiosk::ops
