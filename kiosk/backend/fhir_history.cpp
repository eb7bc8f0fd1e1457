#include "kiosk/backend/fhir_history.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include "kiosk/backend/fhir_systems.hpp"

namespace kiosk::backend::fhir_history {

using Json = nlohmann::json;

namespace {

std::string str(const Json& object, const char* key) {
    if (!object.is_object() || !object.contains(key) || !object[key].is_string()) return {};
    return object[key].get<std::string>();
}

const Json& arrayOf(const Json& object, const char* key) {
    static const Json kEmpty = Json::array();
    if (!object.is_object() || !object.contains(key) || !object[key].is_array()) return kEmpty;
    return object[key];
}

const Json* extension(const Json& resource, const char* url) {
    for (const auto& e : arrayOf(resource, "extension")) {
        if (str(e, "url") == url) return &e;
    }
    return nullptr;
}

std::optional<int64_t> extensionInteger(const Json& resource, const char* url) {
    const Json* e = extension(resource, url);
    if (!e || !e->contains("valueInteger") || !(*e)["valueInteger"].is_number_integer()) return std::nullopt;
    return (*e)["valueInteger"].get<int64_t>();
}

std::string extensionText(const Json& resource, const char* url) {
    const Json* e = extension(resource, url);
    if (!e) return {};
    for (const char* key : {"valueString", "valueCode"}) {
        if (e->contains(key) && (*e)[key].is_string()) return (*e)[key].get<std::string>();
    }
    if (e->contains("valueReference")) return str((*e)["valueReference"], "reference");
    return {};
}

/// The English translation of the primitive `element` of `owner` (R4 core extension
/// "translation" in "_<element>"), or "".
std::string englishOf(const Json& owner, const std::string& element) {
    const std::string key = "_" + element;
    if (!owner.is_object() || !owner.contains(key)) return {};
    for (const auto& e : arrayOf(owner[key], "extension")) {
        if (str(e, "url") != fhir::kExtTranslation) continue;
        std::string lang, content;
        for (const auto& part : arrayOf(e, "extension")) {
            if (str(part, "url") == "lang") lang = str(part, "valueCode");
            if (str(part, "url") == "content") content = str(part, "valueString");
        }
        if ((lang == "en" || lang.starts_with("en-")) && !content.empty()) return content;
    }
    return {};
}

/// A date or date-time as FHIR writes it ("2026-11-20", "2026-11-20T09:30:00+08:00"): at least
/// YYYY-MM-DD with digits where they belong. Anything else is no date.
bool looksLikeDate(const std::string& text) {
    if (text.size() < 10 || text[4] != '-' || text[7] != '-') return false;
    for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
        if (!std::isdigit(static_cast<unsigned char>(text[i]))) return false;
    }
    return text.size() == 10 || text[10] == 'T';
}

Error invalid(const std::string& detail) { return Error(Errc::invalid_answer, detail, "backend.invalid_answer"); }

}  // namespace

Result<std::optional<Visit>> parseEncounter(const Json& r) {
    if (str(r, "resourceType") != "Encounter") return std::unexpected(invalid("not an Encounter: '" + str(r, "resourceType") + "'"));
    Visit v;
    v.id = str(r, "id");
    if (v.id.empty()) return std::unexpected(invalid("Encounter without an id"));
    v.status = str(r, "status");
    // R4 encounter-status (valueset-encounter-status): these five are visits that happened or are
    // under way; the rest are not visits; anything else is a code R4 does not have.
    static const std::set<std::string> kVisits = {"arrived", "triaged", "in-progress", "onleave", "finished"};
    static const std::set<std::string> kNotVisits = {"planned", "cancelled", "entered-in-error", "unknown"};
    if (kNotVisits.contains(v.status)) return std::optional<Visit>{};
    if (!kVisits.contains(v.status)) return std::unexpected(invalid(fmt::format("Encounter/{}: unknown status '{}'", v.id, v.status)));
    const std::string subject = r.contains("subject") ? str(r["subject"], "reference") : "";
    v.patientId = subject.starts_with("Patient/") ? subject.substr(8) : "";
    if (r.contains("period")) {
        const std::string start = str(r["period"], "start");
        if (looksLikeDate(start)) v.start = start;
    }
    if (r.contains("serviceProvider")) {
        v.department = str(r["serviceProvider"], "display");
        v.departmentEn = englishOf(r["serviceProvider"], "display");
    }
    const Json& participants = arrayOf(r, "participant");
    if (!participants.empty() && participants[0].contains("individual")) v.doctor = str(participants[0]["individual"], "display");
    // Diagnoses: a contained Condition's code.text (R4 §2.37 contained resources), else the
    // reference's display; a reference to a Condition elsewhere gives no text here.
    std::map<std::string, const Json*> contained;
    for (const auto& c : arrayOf(r, "contained")) {
        if (str(c, "resourceType") == "Condition") contained[str(c, "id")] = &c;
    }
    for (const auto& d : arrayOf(r, "diagnosis")) {
        if (!d.contains("condition")) continue;
        const std::string ref = str(d["condition"], "reference");
        std::string text;
        if (ref.size() > 1 && ref[0] == '#') {
            if (auto found = contained.find(ref.substr(1)); found != contained.end() && found->second->contains("code")) {
                text = str((*found->second)["code"], "text");
            }
        }
        if (text.empty()) text = str(d["condition"], "display");
        if (!text.empty()) v.diagnosis += (v.diagnosis.empty() ? "" : "；") + text;
    }
    return std::optional<Visit>{std::move(v)};
}

PaidItem parseChargeItem(const Json& r) {
    PaidItem item;
    item.chargeId = str(r, "id");
    if (r.contains("code")) {
        item.description = str(r["code"], "text");
        item.descriptionEn = englishOf(r["code"], "text");
    }
    item.amountFen = extensionInteger(r, fhir::kExtFee).value_or(-1);
    if (item.amountFen < 0 && r.contains("priceOverride") && r["priceOverride"].contains("value") && r["priceOverride"]["value"].is_number()) {
        item.amountFen = std::llround(r["priceOverride"]["value"].get<double>() * 100.0);
    }
    item.amountFen = std::max<int64_t>(item.amountFen, 0);
    return item;
}

Result<std::optional<PastPayment>> parsePaymentReconciliation(const Json& r, const std::string& tradeSystem,
                                                               const std::map<std::string, PaidItem>& charges) {
    if (str(r, "resourceType") != "PaymentReconciliation") {
        return std::unexpected(invalid("not a PaymentReconciliation: '" + str(r, "resourceType") + "'"));
    }
    PastPayment p;
    p.id = str(r, "id");
    if (p.id.empty()) return std::unexpected(invalid("PaymentReconciliation without an id"));
    // R4 fm-status: only an active one is a payment that stands.
    const std::string status = str(r, "status");
    if (status == "cancelled" || status == "draft" || status == "entered-in-error") return std::optional<PastPayment>{};
    if (status != "active") return std::unexpected(invalid(fmt::format("PaymentReconciliation/{}: unknown status '{}'", p.id, status)));
    const std::string patient = extensionText(r, "urn:yizhan:ext:patient");
    p.patientId = patient.starts_with("Patient/") ? patient.substr(8) : "";
    for (const auto& id : arrayOf(r, "identifier")) {
        if (str(id, "system") == tradeSystem) p.tradeNo = str(id, "value");
    }
    for (const std::string& when : {str(r, "created"), str(r, "paymentDate")}) {
        if (looksLikeDate(when)) {
            p.created = when;
            break;
        }
    }
    if (p.created.empty()) return std::unexpected(invalid(fmt::format("PaymentReconciliation/{}: no date (created, paymentDate)", p.id)));
    std::optional<int64_t> total = extensionInteger(r, fhir::kExtFee);
    if (!total && r.contains("paymentAmount") && r["paymentAmount"].contains("value") && r["paymentAmount"]["value"].is_number()) {
        total = std::llround(r["paymentAmount"]["value"].get<double>() * 100.0);
    }
    if (!total || *total < 0) return std::unexpected(invalid(fmt::format("PaymentReconciliation/{}: no amount", p.id)));
    p.totalFen = *total;
    p.insuranceFen = std::clamp<int64_t>(extensionInteger(r, "urn:yizhan:ext:insurance-fen").value_or(0), 0, p.totalFen);
    p.cashFen = std::clamp<int64_t>(extensionInteger(r, "urn:yizhan:ext:cash-fen").value_or(p.totalFen - p.insuranceFen), 0, p.totalFen);
    p.channel = extensionText(r, "urn:yizhan:ext:channel");
    if (p.channel.empty() && r.contains("paymentIdentifier")) {
        const std::string system = str(r["paymentIdentifier"], "system");
        if (system.starts_with("urn:yizhan:channel:")) p.channel = system.substr(19);
    }
    if (p.channel.empty() && p.insuranceFen == p.totalFen && p.totalFen > 0) p.channel = "insurance";
    p.receiptNo = extensionText(r, "urn:yizhan:ext:invoice-number");
    for (const auto& detail : arrayOf(r, "detail")) {
        const std::string ref = detail.contains("request") ? str(detail["request"], "reference") : "";
        if (!ref.starts_with("ChargeItem/")) continue;
        const std::string id = ref.substr(11);
        if (auto found = charges.find(id); found != charges.end()) {
            p.items.push_back(found->second);
        } else {
            p.items.push_back(PaidItem{.chargeId = id, .description = {}, .descriptionEn = {}, .amountFen = 0});
        }
    }
    return std::optional<PastPayment>{std::move(p)};
}

}  // namespace kiosk::backend::fhir_history
