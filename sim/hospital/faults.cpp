#include "sim/hospital/faults.hpp"

#include <algorithm>
#include <chrono>
#include <string_view>
#include <thread>

#include "sim/hospital/http_util.hpp"

namespace kiosk::sim {

void FaultInjector::arm(Fault fault) {
    std::lock_guard lock(mutex_);
    faults_.push_back(std::move(fault));
}

void FaultInjector::clear() {
    std::lock_guard lock(mutex_);
    faults_.clear();
}

std::optional<Fault> FaultInjector::take(const std::string& method, const std::string& path) {
    std::lock_guard lock(mutex_);
    for (auto it = faults_.begin(); it != faults_.end(); ++it) {
        if (!it->method.empty() && it->method != method) continue;
        if (!it->path.empty() && path.rfind(it->path, 0) != 0) continue;
        Fault taken = *it;
        if (it->remaining > 0 && --it->remaining == 0) faults_.erase(it);
        return taken;
    }
    return std::nullopt;
}

void FaultInjector::recordCommit(const std::string& tradeNo) {
    std::lock_guard lock(mutex_);
    ++commits_[tradeNo];
}

int FaultInjector::commits(const std::string& tradeNo) const {
    std::lock_guard lock(mutex_);
    const auto it = commits_.find(tradeNo);
    return it == commits_.end() ? 0 : it->second;
}

std::string FaultInjector::statsJson() const {
    std::lock_guard lock(mutex_);
    Json out = {{"requests", requests_.load()}, {"commits", commits_}, {"armed_faults", faults_.size()}};
    return out.dump();
}

void FaultInjector::installAdminRoutes(httplib::Server& server) {
    server.Post("/admin/faults", [this](const httplib::Request& req, httplib::Response& res) {
        auto body = parseBody(req, res);
        if (!body) return;
        static const std::vector<std::string> kinds = {"latency", "timeout", "http_500", "http_503",
                                                       "drop_after_commit", "truncated", "malformed_json",
                                                       "wrong_type", "outcome_200", "oversize", "huge_pdf", "redirect", "answer",
                                                       "return_minimal", "return_outcome"};
        Fault fault;
        fault.kind = body->value("kind", "");
        fault.method = body->value("method", "");
        fault.path = body->value("path", "");
        fault.remaining = body->value("count", 1);
        fault.latencyMs = body->value("latency_ms", 0);
        if (std::find(kinds.begin(), kinds.end(), fault.kind) == kinds.end()) {
            sendOutcome(res, 400, "invalid", "unknown fault kind '" + fault.kind + "'");
            return;
        }
        if (fault.kind == "timeout" && fault.latencyMs == 0) fault.latencyMs = 5000;
        fault.status = body->value("status", 200);
        if (body->contains("body")) fault.body = (*body)["body"].is_string() ? (*body)["body"].get<std::string>() : (*body)["body"].dump();
        fault.contentType = body->value("content_type", kFhirJson);
        fault.sizeMb = std::clamp(body->value("size_mb", 50), 1, 1024);
        fault.chunked = body->value("chunked", false);
        if (body->contains("headers") && (*body)["headers"].is_object()) {
            for (const auto& [name, value] : (*body)["headers"].items()) {
                if (value.is_string()) fault.headers[name] = value.get<std::string>();
            }
        }
        arm(fault);
        sendJson(res, 200, {{"armed", fault.kind}}, "application/json");
    });
    server.Delete("/admin/faults", [this](const httplib::Request&, httplib::Response& res) {
        clear();
        sendJson(res, 200, {{"cleared", true}}, "application/json");
    });
    server.Get("/admin/stats", [this](const httplib::Request&, httplib::Response& res) {
        res.set_content(statsJson(), "application/json");
    });
}

namespace {

/// Answers with the first half of `body` and then fails the write: the connection is closed in
/// the middle of the answer, as when a network link drops.
void cutAnswerHalfway(httplib::Response& res) {
    auto body = std::make_shared<std::string>(std::move(res.body));
    res.body.clear();
    const std::string type = res.get_header_value("Content-Type").empty() ? kFhirJson : res.get_header_value("Content-Type");
    res.set_content_provider(body->size(), type.c_str(),
                             [body](size_t offset, size_t, httplib::DataSink& sink) {
                                 if (offset == 0) {
                                     sink.write(body->data(), body->size() / 2);
                                     return true;
                                 }
                                 return false;  // abort: httplib closes the connection
                             });
}

}  // namespace

httplib::Server::Handler withFaults(FaultInjector& faults, httplib::Server::Handler handler) {
    return [&faults, handler = std::move(handler)](const httplib::Request& req, httplib::Response& res) {
        faults.countRequest();
        const auto fault = faults.take(req.method, req.path);
        if (!fault) {
            handler(req, res);
            return;
        }
        const std::string& kind = fault->kind;
        if (kind == "latency") {
            std::this_thread::sleep_for(std::chrono::milliseconds(fault->latencyMs));
            handler(req, res);
        } else if (kind == "timeout") {
            std::this_thread::sleep_for(std::chrono::milliseconds(fault->latencyMs));
            sendOutcome(res, 504, "timeout", "injected timeout");
        } else if (kind == "http_500" || kind == "http_503") {
            sendOutcome(res, kind == "http_500" ? 500 : 503, "exception", "injected " + kind);
        } else if (kind == "drop_after_commit" || kind == "truncated") {
            handler(req, res);
            cutAnswerHalfway(res);
        } else if (kind == "malformed_json") {
            res.set_content(R"({"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": {"resourceType)",
                            kFhirJson);
        } else if (kind == "wrong_type") {
            sendJson(res, 200, {{"resourceType", "Basic"}, {"id", "x"}});
        } else if (kind == "outcome_200") {
            sendJson(res, 200, operationOutcome("processing", "injected OperationOutcome with 200"));
        } else if (kind == "oversize") {
            std::string huge = R"({"resourceType": "Bundle", "type": "searchset", "padding": ")";
            huge.append(12U * 1024U * 1024U, 'x');
            huge += "\"}";
            res.set_content(huge, kFhirJson);
        } else if (kind == "huge_pdf") {
            // A report PDF far beyond any real one, sent 64 KiB at a time: the kiosk must refuse it
            // without reading it whole (and the simulator does not hold it either).
            const size_t total = static_cast<size_t>(fault->sizeMb) * 1024U * 1024U;
            static constexpr std::string_view kHeader = "%PDF-1.4\n";
            auto padding = std::make_shared<const std::string>(64U * 1024U, ' ');
            // httplib passes the bytes already sent as `offset`, with and without a length.
            auto provide = [padding, total](size_t offset, httplib::DataSink& sink) {
                size_t n = std::min(padding->size(), total - offset);
                if (offset == 0) {
                    if (!sink.write(kHeader.data(), kHeader.size())) return false;
                    n -= kHeader.size();
                }
                return sink.write(padding->data(), n);
            };
            if (fault->chunked) {
                res.set_chunked_content_provider("application/pdf", [provide, total](size_t offset, httplib::DataSink& sink) {
                    if (offset >= total) {
                        sink.done();
                        return true;
                    }
                    return provide(offset, sink);
                });
            } else {
                res.set_content_provider(total, "application/pdf",
                                         [provide](size_t offset, size_t, httplib::DataSink& sink) { return provide(offset, sink); });
            }
        } else if (kind == "answer") {
            res.status = fault->status;
            for (const auto& [name, value] : fault->headers) res.set_header(name, value);
            if (!fault->body.empty()) res.set_content(fault->body, fault->contentType.c_str());
        } else if (kind == "return_minimal" || kind == "return_outcome") {
            handler(req, res);
            const int status = res.status;
            res.body.clear();
            res.headers.erase("Content-Type");
            if (kind == "return_outcome") {
                Json outcome = operationOutcome("informational", "injected: answered as to Prefer: return=OperationOutcome");
                outcome["issue"][0]["severity"] = "information";
                sendJson(res, status, outcome);
            }
        } else if (kind == "redirect") {
            res.status = 302;
            res.set_header("Location", "http://198.51.100.7/fhir" + req.path);
        }
    };
}

}  // namespace kiosk::sim
