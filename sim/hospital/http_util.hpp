#pragma once
// Small helpers every simulator module uses to answer HTTP requests.

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace kiosk::sim {

using Json = nlohmann::json;

inline constexpr const char* kFhirJson = "application/fhir+json";

inline void sendJson(httplib::Response& res, int status, const Json& body, const char* type = kFhirJson) {
    res.status = status;
    res.set_content(body.dump(), type);
}

/// A FHIR OperationOutcome with one issue; `detailCode` is the machine-readable business reason.
inline Json operationOutcome(const std::string& code, const std::string& diagnostics,
                             const std::string& detailCode = {}) {
    Json issue = {{"severity", "error"}, {"code", code}, {"diagnostics", diagnostics}};
    if (!detailCode.empty()) issue["details"] = {{"coding", Json::array({{{"system", "urn:yizhan:outcome"}, {"code", detailCode}}})}};
    return {{"resourceType", "OperationOutcome"}, {"issue", Json::array({issue})}};
}

inline void sendOutcome(httplib::Response& res, int status, const std::string& code, const std::string& diagnostics,
                        const std::string& detailCode = {}) {
    sendJson(res, status, operationOutcome(code, diagnostics, detailCode));
}

/// Parses a JSON request body; answers 400 and returns nullopt when it is not JSON.
inline std::optional<Json> parseBody(const httplib::Request& req, httplib::Response& res) {
    auto body = Json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
        sendOutcome(res, 400, "invalid", "request body is not a JSON object");
        return std::nullopt;
    }
    return body;
}

/// Value of a FHIR Parameters entry (valueString/valueCode/valueReference/valueInteger…).
inline std::optional<Json> parameter(const Json& parameters, const std::string& name) {
    if (!parameters.contains("parameter")) return std::nullopt;
    for (const auto& p : parameters["parameter"]) {
        if (p.value("name", "") != name) continue;
        for (const auto& [key, value] : p.items()) {
            if (key.rfind("value", 0) == 0) return value;
        }
    }
    return std::nullopt;
}

inline std::string parameterString(const Json& parameters, const std::string& name) {
    const auto value = parameter(parameters, name);
    if (!value) return {};
    if (value->is_string()) return value->get<std::string>();
    if (value->is_object() && value->contains("reference")) return (*value)["reference"].get<std::string>();
    return value->dump();
}

}  // namespace kiosk::sim
