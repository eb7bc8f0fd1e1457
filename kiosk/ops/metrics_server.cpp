#include "kiosk/ops/metrics_server.hpp"

#include <fmt/format.h>
#include <httplib.h>

#include <charconv>

#include "kiosk/core/log.hpp"

namespace kiosk::ops {

namespace {
std::shared_ptr<spdlog::logger> logger() { return log::module("metrics"); }
}  // namespace

MetricsSettings readMetricsSettings(ConfigSection section) {
    MetricsSettings settings;
    if (!section.present()) return settings;
    settings.enabled = true;
    const std::string listen = section.string("listen", "127.0.0.1:9464");
    const auto colon = listen.rfind(':');
    int port = 0;
    const char* portBegin = listen.data() + (colon == std::string::npos ? listen.size() : colon + 1);
    const char* portEnd = listen.data() + listen.size();
    const auto parsed = std::from_chars(portBegin, portEnd, port);
    if (colon == std::string::npos || colon == 0 || parsed.ec != std::errc() || parsed.ptr != portEnd || port < 1 ||
        port > 65535) {
        section.problem("listen", fmt::format("expected host:port with a port 1-65535, got '{}'", listen));
    } else {
        settings.host = listen.substr(0, colon);
        // [::1]:9464 → ::1 (httplib takes the bare address).
        if (settings.host.size() > 2 && settings.host.front() == '[' && settings.host.back() == ']') {
            settings.host = settings.host.substr(1, settings.host.size() - 2);
        }
        settings.port = port;
    }
    settings.site = section.string("site", "");
    section.rejectUnknownKeys();
    return settings;
}

MetricLabels kioskLabels(const KioskConfig& config, const MetricsSettings& settings) {
    MetricLabels labels{{"kiosk_id", config.kioskId}, {"mode", std::string(modeName(config.mode))}};
    if (!settings.site.empty()) labels["site"] = settings.site;
    return labels;
}

Result<std::unique_ptr<MetricsServer>> MetricsServer::start(const MetricsSettings& settings, MetricsRegistry& registry) {
    std::unique_ptr<MetricsServer> server(new MetricsServer());
    server->server_ = std::make_unique<httplib::Server>();
    server->server_->Get("/metrics", [&registry](const httplib::Request&, httplib::Response& response) {
        response.set_content(registry.render(), "text/plain; version=0.0.4; charset=utf-8");
    });
    server->server_->Get("/", [](const httplib::Request&, httplib::Response& response) {
        response.set_content("Yizhan kiosk: metrics at /metrics\n", "text/plain; charset=utf-8");
    });
    // cpp-httplib 0.11's default socket options set SO_REUSEPORT, which would let a second kiosk
    // (or any program) share the port silently; SO_REUSEADDR alone still allows a quick restart.
    server->server_->set_socket_options([](socket_t sock) {
        int yes = 1;
        setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, reinterpret_cast<void*>(&yes), sizeof(yes));
    });
    if (!server->server_->bind_to_port(settings.host, settings.port)) {
        return fail(Errc::invalid_config,
                    fmt::format("metrics.listen: cannot listen on {}:{} (port taken or address not on this machine)",
                                settings.host, settings.port));
    }
    server->port_ = settings.port;
    httplib::Server* raw = server->server_.get();
    server->thread_ = std::thread([raw] { raw->listen_after_bind(); });
    logger()->info("metrics served on http://{}:{}/metrics", settings.host, settings.port);
    return server;
}

MetricsServer::~MetricsServer() {
    if (server_) server_->stop();
    if (thread_.joinable()) thread_.join();
}

}  // namespace kiosk::ops
