#pragma once
// A small FHIR server stub for one test: a cpp-httplib server on 127.0.0.1 (a free port below the
// kernel's ephemeral range, from tests/support/free_port.hpp, or one the test names) whose routes
// the test sets, run on its own thread and stopped at the end. It stands for servers that behave
// unlike hospital-sim (HAPI's paging links, Azure's bare "200 OK"), as the field cases' Python
// stubs do, but inside the test process. Each request is recorded.
#include <httplib.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/free_port.hpp"

namespace kiosk::test {

class FhirStub {
public:
    FhirStub() = default;
    ~FhirStub() { stop(); }
    FhirStub(const FhirStub&) = delete;
    FhirStub& operator=(const FhirStub&) = delete;

    httplib::Server& server() { return server_; }

    /// Binds 127.0.0.1:`port` (0: a free port of kFirstTestPort..kLastTestPort, the next one when
    /// another process takes it first) and serves on a thread; false if it cannot bind.
    bool start(int port = 0) {
        // cpp-httplib's default socket options add SO_REUSEPORT: a second stub (another test
        // process of the same user) could then bind a port this one listens on, and the kernel
        // would share the connections. SO_REUSEADDR alone (as hospital-sim does) makes a taken
        // port fail to bind, so the retry below moves on.
        server_.set_socket_options([](socket_t sock) {
            int yes = 1;
            setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, reinterpret_cast<void*>(&yes), sizeof(yes));
        });
        // Recorded before routing (the logger runs after the answer is sent: a test would race it).
        server_.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response&) {
            std::lock_guard lock(mutex_);
            std::string line = req.method + " " + req.path;
            if (!req.params.empty()) {
                line += '?';
                for (const auto& [name, value] : req.params) line += name + "=" + value + "&";
                line.pop_back();
            }
            requests_.push_back(line);
            headers_.push_back(req.headers);
            return httplib::Server::HandlerResponse::Unhandled;
        });
        if (port != 0) {
            port_ = server_.bind_to_port("127.0.0.1", port) ? port : -1;
        } else {
            auto bound = startOnFreePort([this](int candidate) {
                return server_.bind_to_port("127.0.0.1", candidate) ? PortStart::listening : PortStart::port_taken;
            });
            if (!bound) std::fprintf(stderr, "FhirStub: %s\n", bound.error().c_str());
            port_ = bound.value_or(-1);
        }
        if (port_ <= 0) return false;
        thread_ = std::thread([this] { server_.listen_after_bind(); });
        // The socket listens from bind on; wait for the accept loop so that stop() can end it.
        for (int i = 0; i < 500 && !server_.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
        return true;
    }
    void stop() {
        server_.stop();
        if (thread_.joinable()) thread_.join();
    }
    int port() const { return port_; }
    std::string hostPort() const { return "127.0.0.1:" + std::to_string(port_); }

    /// "METHOD /path?name=value&…" of every request so far (parameters in name order).
    std::vector<std::string> requests() const {
        std::lock_guard lock(mutex_);
        return requests_;
    }
    /// The headers of request `index`.
    httplib::Headers headersOf(size_t index) const {
        std::lock_guard lock(mutex_);
        return index < headers_.size() ? headers_[index] : httplib::Headers{};
    }

private:
    httplib::Server server_;
    std::thread thread_;
    int port_ = 0;
    mutable std::mutex mutex_;
    std::vector<std::string> requests_;
    std::vector<httplib::Headers> headers_;
};

}  // namespace kiosk::test
