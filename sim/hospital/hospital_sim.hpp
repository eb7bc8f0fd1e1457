#pragma once
// hospital-sim: the hospital-in-a-box (HIS over FHIR R4, e-health-card platform, insurance
// centre, payment gateway, admin) on one HTTP(S) server. The executable (main.cpp) is a shell
// around this class; tests and benchmarks may also run it in-process.
//
// Feature checklist:
//  [X] FHIR R4 read/search/conditional create/If-Match update, paging, OperationOutcome errors
//  [X] hold/book/cancel/check-in with hold expiry and queue numbers; no-show blacklist
//  [X] charges, pre-settle, payment commit; reports with PDFs; dispenses in every state
//  [X] e-health-card platform (static and one-use dynamic tokens)
//  [X] insurance centre (1101 2201 2204 2206 2207 2208 2601 5203), msgid de-duplication
//  [X] payment gateway (order, query, close, refund once, bill, "paid on the phone")
//  [X] fault injection (/admin/faults), commit statistics (/admin/stats)
//  [X] HTTPS with optional client-certificate verification (mutual TLS)
//  [X] every start tops up the calendar: slots of the next 7 days, today's demo appointments
//  [X] issue 11 rules (README.md): check-in window, late policy, one booking per department per
//      day, cancel cut-off, fee by title, 30/60-minute slots, queues that advance over time and
//      by an admin call, SMS reminder opt-ins recorded (/admin/sms), demo cases for every answer

#include <httplib.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>

#include "kiosk/core/error.hpp"
#include "sim/hospital/modules.hpp"

namespace kiosk::sim {

struct HospitalSimOptions {
    std::string host = "127.0.0.1";
    int port = 18080;                    ///< 0 = any free port
    std::filesystem::path dataDir;
    std::filesystem::path peopleFile;    ///< assets/sim/people.json
    PolicySettings policy;
    int threads = 64;                    ///< worker threads (one per kept-alive connection)
    std::filesystem::path tlsCert;       ///< set both for HTTPS
    std::filesystem::path tlsKey;
    std::filesystem::path clientCa;      ///< set to require client certificates signed by this CA
    NamedOperations namedOperations = NamedOperations::served;
};

class HospitalSim {
public:
    static Result<std::unique_ptr<HospitalSim>> create(const HospitalSimOptions& options);
    ~HospitalSim();

    /// Binds the listening socket on options.port; returns the port (useful with port 0).
    Result<int> bind();
    /// Binds the listening socket on `port` instead (0 = any free port); returns the port. Can be
    /// called again after a failure (tests try the next free port when another process took one).
    /// Errors: io_error naming HOST:PORT when the port cannot be bound.
    Result<int> bind(int port);
    /// Serves until stop(); blocks. Returns at once when stop() came first.
    void run();
    /// Ends run(), from any thread, whether run() is serving already, has not started yet, or is
    /// starting this moment. cpp-httplib 0.11's Server::stop() does nothing until listen has set
    /// is_running_ (yhirose/cpp-httplib#1371, #1645): a SIGTERM arriving right after the
    /// "listening" line was lost and the process served on forever (seen in CI as a benchmark
    /// stuck in waitpid until its 110 s timeout).
    void stop();

private:
    HospitalSim() = default;

    HospitalSimOptions options_;
    std::unique_ptr<ResourceStore> store_;
    FaultInjector faults_;
    std::unique_ptr<SimContext> context_;
    std::unique_ptr<httplib::Server> server_;
    std::atomic<bool> stopRequested_ = false;  ///< stop() was called
    std::atomic<bool> runEntered_ = false;     ///< run() has begun
    std::atomic<bool> runEnded_ = false;       ///< run() has returned (or is about to)
};

}  // namespace kiosk::sim
