#include "sim/hospital/hospital_sim.hpp"

#include <chrono>
#include <thread>

#include "kiosk/core/log.hpp"
#include "sim/hospital/http_util.hpp"
#include "sim/hospital/seed.hpp"

namespace kiosk::sim {

void route(httplib::Server& server, SimContext& context, const std::string& method, const std::string& pattern,
           Handler handler) {
    auto wrapped = withFaults(context.faults, std::move(handler));
    if (method == "GET") server.Get(pattern, wrapped);
    else if (method == "POST") server.Post(pattern, wrapped);
    else if (method == "PUT") server.Put(pattern, wrapped);
    else if (method == "DELETE") server.Delete(pattern, wrapped);
}

Result<std::unique_ptr<HospitalSim>> HospitalSim::create(const HospitalSimOptions& options) {
    auto logger = log::module("hospital-sim");
    std::unique_ptr<HospitalSim> sim(new HospitalSim());
    sim->options_ = options;
    std::error_code ec;
    std::filesystem::create_directories(options.dataDir / "reports", ec);
    if (ec) return fail(Errc::io_error, "cannot create " + options.dataDir.string() + ": " + ec.message());
    auto store = ResourceStore::open(options.dataDir / "hospital.sqlite");
    if (!store) return std::unexpected(store.error());
    sim->store_ = std::move(*store);
    const SeedSettings seed{options.peopleFile, options.dataDir / "reports", options.policy.onlineShare, options.policy.fees};
    if (sim->store_->empty()) {
        logger->info("seeding a new hospital database in {}", options.dataDir.string());
        auto seeded = seedHospital(*sim->store_, seed);
        if (!seeded) return std::unexpected(seeded.error());
    } else {
        logger->info("using the existing hospital database in {}", options.dataDir.string());
    }
    refreshCalendar(*sim->store_, seed);
    sim->context_ = std::make_unique<SimContext>(SimContext{*sim->store_, sim->faults_, options.policy, options.dataDir / "reports", options.namedOperations, {}});
    if (!options.tlsCert.empty()) {
        auto ssl = std::make_unique<httplib::SSLServer>(options.tlsCert.c_str(), options.tlsKey.c_str(),
                                                        options.clientCa.empty() ? nullptr : options.clientCa.c_str());
        if (!ssl->is_valid()) return fail(Errc::invalid_config, "cannot load the TLS certificate/key/client CA");
        sim->server_ = std::move(ssl);
    } else {
        sim->server_ = std::make_unique<httplib::Server>();
    }
    auto& server = *sim->server_;
    const int threads = options.threads;
    server.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
    server.set_tcp_nodelay(true);  // no Nagle delay between the header and body writes
    server.set_keep_alive_max_count(100000);
    server.set_keep_alive_timeout(5);
    server.set_payload_max_length(4U * 1024U * 1024U);
    // cpp-httplib 0.11's default socket options set SO_REUSEPORT: a second hospital-sim on a busy
    // port would then bind too, and the kernel would share the connections between both (two
    // demos on one machine using one another's hospital). SO_REUSEADDR alone still allows a quick
    // restart on a port in TIME_WAIT, and binding a port that has a listener fails.
    server.set_socket_options([](socket_t sock) {
        int yes = 1;
        setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, reinterpret_cast<void*>(&yes), sizeof(yes));
    });
    installFhirService(server, *sim->context_);
    installHealthCardPlatform(server, *sim->context_);
    installInsuranceCentre(server, *sim->context_);
    installPaymentGateway(server, *sim->context_);
    sim->faults_.installAdminRoutes(server);
    server.set_exception_handler([logger](const httplib::Request& req, httplib::Response& res, std::exception_ptr error) {
        std::string what = "unknown";
        try {
            if (error) std::rethrow_exception(error);
        } catch (const std::exception& e) {
            what = e.what();
        }
        logger->error("{} {} failed: {}", req.method, req.path, what);
        sendOutcome(res, 500, "exception", "internal error");
    });
    return sim;
}

HospitalSim::~HospitalSim() { stop(); }

Result<int> HospitalSim::bind() { return bind(options_.port); }

Result<int> HospitalSim::bind(int port) {
    if (port == 0) {
        port = server_->bind_to_any_port(options_.host);
        if (port < 0) return fail(Errc::io_error, "cannot bind " + options_.host);
    } else if (!server_->bind_to_port(options_.host, port)) {
        return fail(Errc::io_error, "cannot listen on " + options_.host + ":" + std::to_string(port) +
                                        " (is another program using the port? `ss -ltnp` shows which)");
    }
    return port;
}

void HospitalSim::run() {
    runEntered_ = true;
    // Sequentially consistent: either stop() sees runEntered_ and waits for the server to run,
    // or this sees stopRequested_ and never starts serving.
    if (!stopRequested_) server_->listen_after_bind();
    runEnded_ = true;
}

void HospitalSim::stop() {
    stopRequested_ = true;
    if (!server_ || !runEntered_) return;  // run() has not begun: it will see stopRequested_
    // run() has begun: it either returns without serving or reaches the accept loop, which
    // Server::stop() can end only once is_running() is true.
    while (!server_->is_running() && !runEnded_) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    server_->stop();
}

}  // namespace kiosk::sim
