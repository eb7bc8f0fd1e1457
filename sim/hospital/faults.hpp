#pragma once
// Fault injection and test statistics (the admin endpoint). Tests arm a fault with
//   POST /admin/faults {"kind": K, "method": "POST", "path": "/fhir/Appointment", "count": 1,
//                       "latency_ms": 1500}
// and clear them with DELETE /admin/faults. Kinds:
//   latency            wait latency_ms, then answer normally
//   timeout            wait latency_ms (default 5000) and answer 504 WITHOUT running the handler
//   http_500, http_503 answer that status with an OperationOutcome, handler not run
//   drop_after_commit  run the handler (the write is committed), then cut the connection halfway
//                      through the answer: the kiosk sees a lost answer
//   truncated          same cut for any call (reads included)
//   malformed_json     200 with a broken JSON body, handler not run
//   wrong_type         200 with a resource of another type (Basic)
//   outcome_200        200 whose body is an OperationOutcome
//   oversize           200 with a 12 MiB JSON body
//   huge_pdf           200 application/pdf of `size_mb` MiB (default 50): a "%PDF-1.4" header and
//                      padding, streamed (never held whole), with Content-Length, or chunked
//                      without one when `chunked` is true (handler not run)
//   redirect           302 to another host
//   answer             answer `status` (default 200) with `body` (a JSON value or a string),
//                      `content_type` and `headers` ({"Location": …}), handler not run: any
//                      malformed or unexpected answer
//   return_minimal     run the handler, then send its status and headers with an empty body: a
//                      server answering as to `Prefer: return=minimal` (R4 http.html#ops)
//   return_outcome     same, with an informational OperationOutcome as the body
//                      (`Prefer: return=OperationOutcome`)
// GET /admin/stats gives {"requests": N, "commits": {trade_no: times committed}}: a test asserts
// that a business key was committed exactly once.

#include <httplib.h>

#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace kiosk::sim {

struct Fault {
    std::string kind;
    std::string method;  ///< empty = any
    std::string path;    ///< prefix; empty = any
    int remaining = 1;   ///< -1 = until cleared
    int latencyMs = 0;
    int status = 200;           ///< kind "answer"
    std::string body;           ///< kind "answer"
    std::string contentType;    ///< kind "answer"
    std::map<std::string, std::string> headers;  ///< kind "answer"
    int sizeMb = 50;            ///< kind "huge_pdf"
    bool chunked = false;       ///< kind "huge_pdf": no Content-Length
};

class FaultInjector {
public:
    void arm(Fault fault);
    void clear();
    /// Takes the first armed fault matching the request (decrementing its count).
    std::optional<Fault> take(const std::string& method, const std::string& path);

    void countRequest() { ++requests_; }
    /// Modules call this when a write keyed by a business key is really committed.
    void recordCommit(const std::string& tradeNo);
    int commits(const std::string& tradeNo) const;
    std::string statsJson() const;

    /// Installs /admin/faults and /admin/stats.
    void installAdminRoutes(httplib::Server& server);

private:
    mutable std::mutex mutex_;
    std::vector<Fault> faults_;
    std::map<std::string, int> commits_;
    std::atomic<long> requests_{0};
};

/// Wraps a route handler with fault injection.
httplib::Server::Handler withFaults(FaultInjector& faults, httplib::Server::Handler handler);

}  // namespace kiosk::sim
