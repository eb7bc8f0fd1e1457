// The resident e-health-card platform (居民电子健康卡, notes/protocols.md §3), under /healthcard:
//   POST /healthcard/resolve        {"token", "stage_code", "channel_code"} → person and patient id
//                                   (getHealthCardByQRCode); static tokens are reusable, dynamic
//                                   ones one-use (409 "token used" afterwards)
//   POST /healthcard/dynamic-token  {"patient": "pat-…"} → a fresh one-use token (what the
//                                   patient's phone shows; tests and the presenter use it)
// Tokens are 64 hexadecimal characters followed by ":1"; they carry no personal data.
#include <fmt/format.h>

#include <random>

#include "kiosk/backend/fhir_systems.hpp"
#include "sim/hospital/http_util.hpp"
#include "sim/hospital/modules.hpp"

namespace kiosk::sim {

namespace {

bool wellFormedToken(const std::string& token) {
    if (token.size() != 66 || token.substr(64) != ":1") return false;
    return std::all_of(token.begin(), token.begin() + 64, [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
}

}  // namespace

HealthCardResolution resolveHealthCardToken(SimContext& context, const std::string& token) {
    if (!wellFormedToken(token)) return {400, "", "", "malformed e-health-card token"};
    return context.store.withWriteLock([&]() -> HealthCardResolution {
        auto record = context.store.getLocked("healthcard.token", token);
        if (!record) return {404, "", "", "unknown e-health-card token"};
        if ((*record)["kind"] == "dynamic" && (*record)["used"] == true) return {409, "", "", "dynamic token already used"};
        (*record)["used"] = true;
        (*record)["last_used"] = nowIso();
        context.store.putLocked("healthcard.token", token, *record);
        return {200, (*record)["patient"], (*record)["health_card_id"], ""};
    });
}

void installHealthCardPlatform(httplib::Server& server, SimContext& context) {
    route(server, context, "POST", "/healthcard/resolve", [&context](const httplib::Request& req, httplib::Response& res) {
        auto body = parseBody(req, res);
        if (!body) return;
        const auto resolved = resolveHealthCardToken(context, body->value("token", ""));
        if (resolved.status != 200) {
            sendJson(res, resolved.status, {{"code", resolved.status}, {"msg", resolved.error}}, "application/json");
            return;
        }
        const auto patient = context.store.get("Patient", resolved.patientId);
        std::string idNumber;
        for (const auto& id : (*patient)["identifier"]) {
            if (id.value("system", "") == backend::fhir::kSystemIdNumber) idNumber = id.value("value", "");
        }
        sendJson(res, 200,
                 {{"code", 0},
                  {"name", (*patient)["name"][0]["text"]},
                  {"idNumber", idNumber},
                  {"healthCardId", resolved.healthCardId},
                  {"patid", resolved.patientId},
                  {"useStage", body->value("stage_code", "0101011")},
                  {"channelCode", body->value("channel_code", "0200")}},
                 "application/json");
    });
    route(server, context, "POST", "/healthcard/dynamic-token", [&context](const httplib::Request& req, httplib::Response& res) {
        auto body = parseBody(req, res);
        if (!body) return;
        const std::string patientId = body->value("patient", "");
        auto patient = context.store.get("Patient", patientId);
        if (!patient) {
            sendJson(res, 404, {{"code", 404}, {"msg", "unknown patient"}}, "application/json");
            return;
        }
        std::string healthCardId;
        for (const auto& id : (*patient)["identifier"]) {
            if (id.value("system", "") == backend::fhir::kSystemHealthCard) healthCardId = id.value("value", "");
        }
        std::random_device random;
        std::string token;
        for (int i = 0; i < 8; ++i) token += fmt::format("{:08X}", random());
        token += ":1";
        context.store.withWriteLock([&] {
            context.store.putLocked("healthcard.token", token,
                                    {{"patient", patientId}, {"health_card_id", healthCardId}, {"kind", "dynamic"}, {"used", false}});
        });
        sendJson(res, 200, {{"code", 0}, {"token", token}}, "application/json");
    });
}

}  // namespace kiosk::sim
