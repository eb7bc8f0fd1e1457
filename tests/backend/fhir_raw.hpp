#pragma once
// Plain FHIR calls to a running hospital-sim (no adapter in between), for tests that must send
// exactly what a given client sends, or read exactly what the simulator serves.

#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

#include "kiosk/backend/http_client.hpp"
#include "tests/backend/sim_process.hpp"

namespace kiosk::test {

struct FhirAnswer {
    long status = 0;              ///< HTTP status, 0 on a transport failure
    std::string body;             ///< as received
    nlohmann::json json;          ///< parsed body (discarded when not JSON)
    std::string etag;
    std::string contentType;
};

/// `method` `path` under the simulator's /fhir (e.g. "Slot?status=free"), with a JSON body and
/// extra headers; Accept is application/fhir+json.
inline FhirAnswer fhirCall(const SimProcess& sim, const std::string& method, const std::string& path,
                           const nlohmann::json& body = nullptr,
                           std::vector<std::pair<std::string, std::string>> headers = {}) {
    backend::HttpSettings settings;
    settings.baseUrl = sim.fhirUrl();
    settings.kioskId = "TEST";
    backend::HttpClient client(settings);
    backend::HttpRequest request;
    request.method = method;
    request.target = path;
    request.headers = std::move(headers);
    if (!body.is_null()) request.body = body.dump();
    FhirAnswer out;
    auto answer = client.perform(request);
    if (!answer) return out;
    out.status = answer->status;
    out.body = answer->body;
    out.json = nlohmann::json::parse(answer->body, nullptr, false);
    out.etag = answer->header("etag");
    out.contentType = answer->header("content-type");
    return out;
}

}  // namespace kiosk::test
