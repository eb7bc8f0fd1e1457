// The HIS over FHIR R4 (hl7.org/fhir/R4), as hospital-sim serves it under /fhir.
//
// Standard behaviour (what a conformant server also does):
//  - GET /fhir/metadata                      CapabilityStatement
//  - GET /fhir/{type}/{id}                   read, with ETag W/"<versionId>"
//  - GET /fhir/{type}?…                      search → Bundle searchset, paged by _count/_offset;
//                                            only R4's search parameters of the type (an unknown
//                                            one is ignored, or 400 with Prefer: handling=strict)
//  - POST /fhir/{type} + If-None-Exist       conditional create (200 + the existing resource when
//                                            the identifier is already there: the business key)
//  - PUT /fhir/{type}/{id} + If-Match        update, 412 when the version moved on
//  - errors are OperationOutcome with the HTTP status
//  - what clients create is stored as sent, less the empty values R4 JSON forbids (dropped, as
//    a lenient server does); an Appointment that breaks R4 invariant app-2 or app-3 is refused
//    with 422 (issue code "invariant"), as a strict server refuses it
//  - everything served is valid against the R4 JSON schema (tests/backend/fhir_schema_test.cpp)
// Hospital rules (in this file, as a HIS would apply them):
//  - Appointment create = hold a free slot for PolicySettings::holdMinutes (status proposed;
//    start/end, when sent, must be the slot's: 422 "slot-times" otherwise);
//    update proposed→booked (book, keeps the kiosk's payment extension; a repeat with the same
//    payment trade-no answers the booking as it is, a real HIS's business key), →cancelled (cancel,
//    until the cut-off), booked→arrived (check in inside the window, assigns the queue number;
//    late arrivals by the late policy); the no-show blacklist refuses holds with 403 details
//    "blacklisted", the per-patient limit with 409 "booking-limit" (sim/hospital/README.md).
//  - CommunicationRequest create = an SMS queue reminder opt-in, "sent" when due (/admin/sms).
//  - queues advance by PolicySettings::consultMinutes and by POST /admin/queue/call-next.
//  - PaymentReconciliation create = commit a payment: the charges become "billed".
//  - MedicationDispense update in-progress(prepared)→completed = pickup confirmed (idempotent on
//    the kiosk's trade identifier; 409 already-picked-up when completed under another key).
//  - ServiceRequest create (code urn:yizhan:tcm-service|…) = the patient's choice for a herbal
//    prescription (self-decoction, decoction, delivery, decoction-delivery); a fee (priced from
//    the ChargeItemDefinitions) is a new ChargeItem, the order a draft until it is paid; POST
//    /admin/tcm/advance moves an order on, /mobile/tcm-address/ID is the patient's phone page.
//  - Task create (code urn:yizhan:task|pharmacy-pickup) = join the pharmacy's call queue at a
//    window: a call number A001… of the day; POST /admin/pharmacy/call-next calls the next one.
//  - PaymentReconciliation also releases dispenses on hold for the charges it pays (ready).
// Named operations (documented in the README):
//  - POST /fhir/ChargeItem/$pre-settle       Parameters(patient, chargeItem*) → Parameters(total,
//                                            insurance, self_pay); changes nothing
//  - GET  /fhir/Appointment/{id}/$queue      Parameters(appointment, queue_number, waiting_ahead,
//                                            estimated_wait_minutes, called, room, doctor)
//  - POST /fhir/Patient/$resolve-health-card Parameters(token) → Patient
//  (--named-operations 404|501: absent as on a plain R4 server, and not in the CapabilityStatement)
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>
#include <map>
#include <set>

#include "kiosk/backend/fhir_systems.hpp"
#include "sim/hospital/http_util.hpp"
#include "sim/hospital/modules.hpp"
#include "sim/hospital/seed.hpp"

namespace kiosk::sim {

namespace fhir = kiosk::backend::fhir;

namespace {

const std::set<std::string> kResourceTypes = {
    "Patient",  "Organization",       "Practitioner", "PractitionerRole", "Schedule",           "Slot",
    "Appointment", "ChargeItem",      "DiagnosticReport", "Binary",        "MedicationRequest", "MedicationDispense",
    "PaymentReconciliation", "Communication", "CommunicationRequest", "Task", "ServiceRequest", "ChargeItemDefinition",
    "Encounter"};

std::string etagOf(const Json& resource) { return "W/\"" + resource["meta"].value("versionId", "1") + "\""; }

void sendResource(httplib::Response& res, int status, const Json& resource) {
    res.set_header("ETag", etagOf(resource));
    res.set_header("Location", resource.value("resourceType", "") + "/" + resource.value("id", "") + "/_history/" +
                                   resource["meta"].value("versionId", "1"));
    sendJson(res, status, resource);
}

std::string reference(const Json& value) { return value.is_object() ? value.value("reference", "") : std::string(); }

bool hasIdentifier(const Json& resource, const std::string& system, const std::string& value) {
    if (!resource.contains("identifier")) return false;
    for (const auto& id : resource["identifier"]) {
        if ((system.empty() || id.value("system", "") == system) && id.value("value", "") == value) return true;
    }
    return false;
}

std::string identifierValue(const Json& resource, const std::string& system) {
    if (!resource.contains("identifier")) return {};
    for (const auto& id : resource["identifier"]) {
        if (id.value("system", "") == system) return id.value("value", "");
    }
    return {};
}

std::string serviceTypeCode(const Json& resource) {
    if (!resource.contains("serviceType") || resource["serviceType"].empty()) return {};
    return resource["serviceType"][0]["coding"][0].value("code", "");
}

std::optional<int64_t> extensionInteger(const Json& resource, const char* url) {
    if (!resource.contains("extension")) return std::nullopt;
    for (const auto& e : resource["extension"]) {
        if (e.value("url", "") == url && e.contains("valueInteger")) return e["valueInteger"].get<int64_t>();
    }
    return std::nullopt;
}

std::string extensionText(const Json& resource, const char* url) {
    if (!resource.contains("extension")) return {};
    for (const auto& e : resource["extension"]) {
        if (e.value("url", "") == url && e.contains("valueString")) return e["valueString"].get<std::string>();
        if (e.value("url", "") == url && e.contains("valueReference")) return reference(e["valueReference"]);
    }
    return {};
}

void setExtension(Json& resource, const char* url, const Json& valueKeyAndValue) {
    if (!resource.contains("extension")) resource["extension"] = Json::array();
    auto& list = resource["extension"];
    for (auto it = list.begin(); it != list.end(); ++it) {
        if (it->value("url", "") == url) {
            list.erase(it);
            break;
        }
    }
    Json e = valueKeyAndValue;
    e["url"] = url;
    list.push_back(e);
}

std::string patientOfAppointment(const Json& appointment) {
    for (const auto& p : appointment.value("participant", Json::array())) {
        const std::string ref = reference(p.value("actor", Json::object()));
        if (ref.rfind("Patient/", 0) == 0) return ref.substr(8);
    }
    return {};
}

std::string roleOfAppointment(const Json& appointment) {
    for (const auto& p : appointment.value("participant", Json::array())) {
        const std::string ref = reference(p.value("actor", Json::object()));
        if (ref.rfind("PractitionerRole/", 0) == 0) return ref.substr(17);
    }
    return {};
}

/// Compares ISO 8601 strings of the same offset: lexical order is time order.
bool matchesDate(const std::string& value, const std::string& condition) {
    if (condition.size() < 2) return true;
    const std::string prefix = condition.substr(0, 2);
    const bool hasPrefix = prefix == "ge" || prefix == "gt" || prefix == "le" || prefix == "lt" || prefix == "eq";
    const std::string bound = hasPrefix ? condition.substr(2) : condition;
    const std::string head = value.substr(0, bound.size());
    if (!hasPrefix || prefix == "eq") return head == bound;
    if (prefix == "ge") return head >= bound;
    if (prefix == "gt") return head > bound;
    if (prefix == "le") return head <= bound;
    return head < bound;
}

/// The search parameters R4 defines for each type that the sim implements (hl7.org/fhir/R4/
/// <type>.html#search, plus `_id` on every type; `schedule.actor` is the chain Slot.schedule →
/// Schedule.actor). A parameter outside this list is one the server does not know: R4 search.html
/// ("handling"): ignored by default (lenient, HAPI's default too), refused with 400 under
/// `Prefer: handling=strict`, and left out of the self link either way so that a client can see
/// what was applied. ChargeItem has no `status` parameter in R4.
const std::map<std::string, std::set<std::string>>& searchParameters() {
    static const std::map<std::string, std::set<std::string>> kParameters = {
        {"Patient", {"identifier"}},
        {"Organization", {"identifier", "type"}},
        {"Practitioner", {"identifier"}},
        {"PractitionerRole", {"identifier", "organization"}},
        {"Schedule", {"identifier"}},
        {"Slot", {"identifier", "schedule", "service-type", "start", "status", "schedule.actor"}},
        {"Appointment", {"identifier", "patient", "actor", "date", "status", "service-type"}},
        {"ChargeItem", {"identifier", "patient", "subject"}},
        {"DiagnosticReport", {"identifier", "patient", "subject", "status"}},
        {"Binary", {}},
        {"MedicationRequest", {"identifier", "patient", "subject", "status"}},
        {"MedicationDispense", {"identifier", "patient", "subject", "status"}},
        // "patient" is the HIS's own parameter (R4 has none for PaymentReconciliation): the
        // urn:yizhan:ext:patient extension of the kiosk's commit; declared in the CapabilityStatement.
        {"PaymentReconciliation", {"identifier", "status", "patient"}},
        {"Encounter", {"identifier", "patient", "subject", "status", "date"}},
        {"Communication", {"identifier", "patient", "subject", "status"}},
        {"CommunicationRequest", {"identifier", "patient", "subject", "status"}},
        {"Task", {"identifier", "patient", "subject", "status", "code", "owner"}},
        {"ServiceRequest", {"identifier", "patient", "subject", "status", "code"}},
        {"ChargeItemDefinition", {"identifier", "status"}}};
    return kParameters;
}

bool knowsParameter(const std::string& type, const std::string& name) {
    if (name == "_id") return true;
    const auto it = searchParameters().find(type);
    return it != searchParameters().end() && it->second.contains(name);
}

/// One search parameter (one the type knows, see searchParameters()) against one resource.
bool matchesParameter(const std::string& type, const Json& r, const std::string& name, const std::string& value) {
    if (name == "_id") return r.value("id", "") == value;
    if (name == "identifier") {
        const auto bar = value.find('|');
        return bar == std::string::npos ? hasIdentifier(r, "", value) : hasIdentifier(r, value.substr(0, bar), value.substr(bar + 1));
    }
    if (name == "status") {
        const std::string status = r.value("status", "");
        size_t start = 0;
        while (start <= value.size()) {
            const size_t comma = value.find(',', start);
            if (value.substr(start, comma - start) == status) return true;
            if (comma == std::string::npos) break;
            start = comma + 1;
        }
        return false;
    }
    if (name == "subject" || name == "patient") {
        const std::string want = value.rfind("Patient/", 0) == 0 ? value : "Patient/" + value;
        if (type == "Appointment") return "Patient/" + patientOfAppointment(r) == want;
        if (type == "Task") return reference(r.value("for", Json::object())) == want;
        if (type == "PaymentReconciliation") return extensionText(r, "urn:yizhan:ext:patient") == want;
        return reference(r.value("subject", Json::object())) == want;
    }
    if (name == "code") {  // token: [system|]code against code.coding; a comma separates alternatives (R4 search.html "OR")
        size_t start = 0;
        while (start <= value.size()) {
            const size_t comma = value.find(',', start);
            const std::string one = value.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
            const auto bar = one.find('|');
            const std::string system = bar == std::string::npos ? "" : one.substr(0, bar);
            const std::string code = bar == std::string::npos ? one : one.substr(bar + 1);
            for (const auto& coding : r.value("code", Json::object()).value("coding", Json::array())) {
                if ((system.empty() || coding.value("system", "") == system) && coding.value("code", "") == code) return true;
            }
            if (comma == std::string::npos) break;
            start = comma + 1;
        }
        return false;
    }
    if (name == "owner") return r.value("owner", Json::object()).value("display", "") == value;
    if (name == "type" && type == "Organization") return r.dump().find("\"code\":\"" + value + "\"") != std::string::npos;
    if (name == "organization") return reference(r.value("organization", Json::object())) == value;
    if (name == "service-type") return serviceTypeCode(r) == value;
    if (name == "schedule") return reference(r.value("schedule", Json::object())) == value;
    if (name == "practitioner-role" || name == "actor" || name == "schedule.actor") {
        return extensionText(r, "urn:yizhan:ext:practitioner-role") == value || "PractitionerRole/" + roleOfAppointment(r) == value;
    }
    if (name == "date" && type == "Encounter") return matchesDate(r.value("period", Json::object()).value("start", ""), value);
    if (name == "start" || name == "date") return matchesDate(r.value("start", ""), value);
    return true;
}

/// A stored resource as served: the hospital's rules that depend on the policy and the time are
/// computed when served, not stored — Patient: the blacklist end date and reason; a booked
/// Appointment: its check-in window and cancel cut-off.
Json decorated(const SimContext& context, const std::string& type, Json resource);

std::string baseUrl(const httplib::Request& req) { return "http://" + req.get_header_value("Host") + "/fhir"; }

void search(SimContext& context, const std::string& type, const httplib::Request& req, httplib::Response& res) {
    std::vector<std::pair<std::string, std::string>> conditions;
    int count = 50;
    int offset = 0;
    std::vector<std::string> unknown;
    for (const auto& [name, value] : req.params) {
        if (name == "_count") count = std::clamp(std::atoi(value.c_str()), 1, 500);
        else if (name == "_offset") offset = std::max(0, std::atoi(value.c_str()));
        else if (knowsParameter(type, name)) conditions.emplace_back(name, value);
        else unknown.push_back(name);
    }
    if (!unknown.empty() && req.get_header_value("Prefer").find("handling=strict") != std::string::npos) {
        sendOutcome(res, 400, "not-supported", fmt::format("unknown search parameter '{}' for {}", unknown.front(), type));
        return;
    }
    auto matches = context.store.find(type, [&](const Json& r) {
        for (const auto& [name, value] : conditions) {
            if (!matchesParameter(type, r, name, value)) return false;
        }
        return true;
    });
    if (type == "Slot" || type == "Appointment") {
        std::sort(matches.begin(), matches.end(), [](const Json& a, const Json& b) { return a.value("start", "") < b.value("start", ""); });
    }
    for (auto& match : matches) match = decorated(context, type, std::move(match));
    Json bundle = {{"resourceType", "Bundle"}, {"type", "searchset"}, {"total", matches.size()}, {"entry", Json::array()}};
    std::string query;
    for (const auto& [name, value] : conditions) query += (query.empty() ? "" : "&") + name + "=" + httplib::detail::encode_query_param(value);
    const std::string self = baseUrl(req) + "/" + type + "?" + query;
    bundle["link"] = Json::array({{{"relation", "self"}, {"url", fmt::format("{}&_count={}&_offset={}", self, count, offset)}}});
    if (static_cast<size_t>(offset + count) < matches.size()) {
        bundle["link"].push_back({{"relation", "next"}, {"url", fmt::format("{}&_count={}&_offset={}", self, count, offset + count)}});
    }
    for (size_t i = static_cast<size_t>(offset); i < matches.size() && i < static_cast<size_t>(offset + count); ++i) {
        bundle["entry"].push_back({{"fullUrl", baseUrl(req) + "/" + type + "/" + matches[i].value("id", "")},
                                   {"resource", matches[i]},
                                   {"search", {{"mode", "match"}}}});
    }
    if (bundle["entry"].empty()) bundle.erase("entry");  // R4 JSON has no empty arrays (json.html)
    sendJson(res, 200, bundle);
}

/// `If-None-Exist: identifier=system|value` → (system, value).
std::optional<std::pair<std::string, std::string>> conditionalKey(const httplib::Request& req) {
    const std::string header = req.get_header_value("If-None-Exist");
    if (header.rfind("identifier=", 0) != 0) return std::nullopt;
    std::string value = httplib::detail::decode_url(header.substr(11), true);
    const auto bar = value.find('|');
    if (bar == std::string::npos) return std::nullopt;
    return std::make_pair(value.substr(0, bar), value.substr(bar + 1));
}

/// Frees slots whose hold expired (the patient walked away before paying). Caller holds the lock.
void releaseExpiredHoldsLocked(SimContext& context) {
    const std::string now = nowIso();
    for (auto appointment : context.store.findLocked("Appointment", [](const Json& a) { return a.value("status", "") == "proposed"; })) {
        const std::string expires = extensionText(appointment, fhir::kExtHoldExpires);
        std::string expiresAt;
        for (const auto& e : appointment.value("extension", Json::array())) {
            if (e.value("url", "") == fhir::kExtHoldExpires) expiresAt = e.value("valueDateTime", "");
        }
        if (expiresAt.empty() || expiresAt > now) continue;
        appointment["status"] = "cancelled";
        appointment["cancelationReason"] = {{"text", "hold expired"}};
        const std::string slotId = reference(appointment["slot"][0]).substr(5);
        context.store.putLocked("Appointment", appointment["id"], appointment);
        if (auto slot = context.store.getLocked("Slot", slotId)) {
            (*slot)["status"] = "free";
            context.store.putLocked("Slot", slotId, *slot);
        }
    }
}

std::string plusMinutesIso(int minutes) {
    const auto local = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()) + std::chrono::hours(8) +
                       std::chrono::minutes(minutes);
    return fmt::format("{:%Y-%m-%dT%H:%M:%S}+08:00", local);
}

/// A client's resource without the values R4 JSON forbids (json.html: no empty strings, no
/// empty arrays or objects, no nulls), recursively. The simulator stores only what it may serve;
/// it drops such values as a lenient server does instead of refusing the whole call.
Json withoutEmptyValues(const Json& value) {
    if (value.is_object()) {
        Json out = Json::object();
        for (const auto& [key, item] : value.items()) {
            Json kept = withoutEmptyValues(item);
            if (!kept.is_null()) out[key] = std::move(kept);
        }
        return out.empty() ? Json() : out;
    }
    if (value.is_array()) {
        Json out = Json::array();
        for (const auto& item : value) {
            Json kept = withoutEmptyValues(item);
            if (!kept.is_null()) out.push_back(std::move(kept));
        }
        return out.empty() ? Json() : out;
    }
    if (value.is_string() && value.get<std::string>().empty()) return Json();
    return value;
}

/// withoutEmptyValues of a request body, which stays an object ({} when nothing is left).
Json cleanBody(const Json& body) {
    Json cleaned = withoutEmptyValues(body);
    return cleaned.is_null() ? Json::object() : cleaned;
}

/// An R4 instant/dateTime with a time ("YYYY-MM-DDThh:mm:ss[.f…](Z|±hh:mm)") as UTC seconds, so
/// that two spellings of one moment compare equal; nullopt when it is not one.
std::optional<std::chrono::sys_seconds> parseInstant(const std::string& text) {
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, consumed = 0;
    if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &year, &month, &day, &hour, &minute, &second, &consumed) != 6) {
        return std::nullopt;
    }
    size_t at = static_cast<size_t>(consumed);
    if (at < text.size() && text[at] == '.') {
        ++at;
        while (at < text.size() && std::isdigit(static_cast<unsigned char>(text[at]))) ++at;
    }
    int offsetMinutes = 0;
    const std::string zone = text.substr(at);
    if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
        offsetMinutes = (std::atoi(zone.substr(1, 2).c_str()) * 60 + std::atoi(zone.substr(4, 2).c_str())) * (zone[0] == '-' ? -1 : 1);
    } else if (zone != "Z") {
        return std::nullopt;  // R4 requires a zone once a time is given
    }
    const std::chrono::year_month_day date{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                                           std::chrono::day{static_cast<unsigned>(day)}};
    if (!date.ok()) return std::nullopt;
    return std::chrono::sys_days{date} + std::chrono::hours(hour) + std::chrono::minutes(minute) + std::chrono::seconds(second) -
           std::chrono::minutes(offsetMinutes);
}

/// The R4 invariants of Appointment (hl7.org/fhir/R4/appointment.html#invs) that a strict server
/// checks on create and update and that the JSON schema cannot express; empty when it keeps them.
///  app-2: "Either start and end are specified, or neither" — start.exists() = end.exists()
///  app-3: "Only proposed or cancelled appointments can be missing start/end dates" —
///         (start.exists() and end.exists()) or (status in ('proposed' | 'cancelled' | 'waitlist'))
std::string appointmentInvariantViolation(const Json& appointment) {
    const bool hasStart = appointment.contains("start");
    const bool hasEnd = appointment.contains("end");
    if (hasStart != hasEnd) return "Appointment violates app-2: either start and end are specified, or neither";
    const std::string status = appointment.value("status", "");
    if (!(hasStart && hasEnd) && status != "proposed" && status != "cancelled" && status != "waitlist") {
        return "Appointment violates app-3: only proposed or cancelled appointments can be missing start/end dates (status " +
               status + ")";
    }
    for (const char* field : {"start", "end"}) {
        if (appointment.contains(field) && (!appointment[field].is_string() || !parseInstant(appointment[field].get<std::string>()))) {
            return std::string("Appointment.") + field + " is not an instant";
        }
    }
    return {};
}

/// An appointment made from a slot takes the slot's times: the client's start/end, when given,
/// must be the same moments as the slot's. Empty when they are (or are absent).
std::string slotTimesMismatch(const Json& appointment, const Json& slot) {
    for (const char* field : {"start", "end"}) {
        if (!appointment.contains(field)) continue;
        if (parseInstant(appointment.value(field, "")) != parseInstant(slot.value(field, ""))) {
            return fmt::format("Appointment.{} {} is not the {} of Slot/{} ({})", field, appointment.value(field, ""), field,
                               slot.value("id", ""), slot.value(field, ""));
        }
    }
    return {};
}


/// A moment as the hospital writes it (ISO 8601, +08:00).
std::string isoAt(std::chrono::sys_seconds t) { return fmt::format("{:%Y-%m-%dT%H:%M:%S}+08:00", t + std::chrono::hours(8)); }

std::chrono::sys_seconds nowSeconds() { return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()); }

struct CheckInWindow {
    std::chrono::sys_seconds opens;
    std::chrono::sys_seconds closes;
};

/// PolicySettings: check-in opens checkInOpenMinutes before the start and closes
/// checkInCloseMinutes after the end; nullopt for an appointment without times.
std::optional<CheckInWindow> checkInWindow(const PolicySettings& policy, const Json& appointment) {
    const auto start = parseInstant(appointment.value("start", ""));
    const auto end = parseInstant(appointment.value("end", ""));
    if (!start || !end) return std::nullopt;
    return CheckInWindow{*start - std::chrono::minutes(policy.checkInOpenMinutes), *end + std::chrono::minutes(policy.checkInCloseMinutes)};
}

std::optional<std::chrono::sys_seconds> cancelUntil(const PolicySettings& policy, const Json& appointment) {
    const auto start = parseInstant(appointment.value("start", ""));
    if (!start) return std::nullopt;
    return *start - std::chrono::minutes(policy.cancelCutoffMinutes);
}

/// Pharmacy call-queue entries (Task pharmacy-pickup) still waiting at `task`'s window before it.
/// `locked`: the caller holds the store's write lock.
int pharmacyAhead(const ResourceStore& store, const Json& task, bool locked) {
    const std::string window = task.value("owner", Json::object()).value("display", "");
    const std::string authored = task.value("authoredOn", "");
    const std::string id = task.value("id", "");
    const auto before = [&](const Json& t) {
        return t.value("status", "") == "requested" && t.value("owner", Json::object()).value("display", "") == window &&
               std::make_pair(t.value("authoredOn", ""), t.value("id", "")) < std::make_pair(authored, id);
    };
    return static_cast<int>((locked ? store.findLocked("Task", before) : store.find("Task", before)).size());
}

/// A Task as served while the write lock is held (create): with its waiting-ahead count.
Json taskServedLocked(const ResourceStore& store, Json task) {
    if (task.value("status", "") == "requested") setExtension(task, fhir::kExtWaitingAhead, {{"valueInteger", pharmacyAhead(store, task, true)}});
    return task;
}

Json decorated(const SimContext& context, const std::string& type, Json resource) {
    if (type == "Patient") {
        if (auto until = bookingBlockedUntil(context.store, context.policy, resource.value("id", ""), false)) {
            setExtension(resource, fhir::kExtBlockedUntil, {{"valueDate", *until}});
            setExtension(resource, fhir::kExtBlockedReason,
                         {{"valueString", fmt::format("{} missed appointments in {} days", context.policy.noShowLimit,
                                                      context.policy.noShowWindowDays)}});
            setExtension(resource, fhir::kExtBlockedMissed, {{"valueInteger", context.policy.noShowLimit}});
            setExtension(resource, fhir::kExtBlockedWindowDays, {{"valueInteger", context.policy.noShowWindowDays}});
        }
    }
    if (type == "Task" && resource.value("status", "") == "requested") {
        setExtension(resource, fhir::kExtWaitingAhead, {{"valueInteger", pharmacyAhead(context.store, resource, false)}});
    }
    if (type == "Appointment" && resource.value("status", "") == "booked") {
        if (const auto window = checkInWindow(context.policy, resource)) {
            setExtension(resource, fhir::kExtCheckInOpens, {{"valueDateTime", isoAt(window->opens)}});
            setExtension(resource, fhir::kExtCheckInCloses, {{"valueDateTime", isoAt(window->closes)}});
        }
        if (const auto until = cancelUntil(context.policy, resource)) {
            setExtension(resource, fhir::kExtCancelUntil, {{"valueDateTime", isoAt(*until)}});
        }
    }
    return resource;
}

/// A business refusal: an OperationOutcome whose issue carries the facts the kiosk explains
/// (extensions on OperationOutcome.issue, a BackboneElement, are valid R4).
void sendRefusal(httplib::Response& res, int status, const std::string& diagnostics, const std::string& detailCode,
                 const Json& issueExtensions) {
    Json outcome = operationOutcome("business-rule", diagnostics, detailCode);
    if (!issueExtensions.empty()) outcome["issue"][0]["extension"] = issueExtensions;
    sendJson(res, status, outcome);
}

const char* kExtCalled = "urn:yizhan:ext:called-at";  // Appointment: when its number was called

/// The arrived appointments of one doctor's queue on one day.
std::vector<Json> queueOfLocked(SimContext& context, const std::string& role, const std::string& date) {
    auto queue = context.store.findLocked("Appointment", [&](const Json& a) {
        return a.value("status", "") == "arrived" && roleOfAppointment(a) == role && a.value("start", "").substr(0, 10) == date;
    });
    std::sort(queue.begin(), queue.end(), [](const Json& a, const Json& b) {
        return extensionInteger(a, fhir::kExtQueueNumber).value_or(0) < extensionInteger(b, fhir::kExtQueueNumber).value_or(0);
    });
    return queue;
}

bool isCalled(const Json& appointment) {
    for (const auto& e : appointment.value("extension", Json::array())) {
        if (e.value("url", "") == kExtCalled) return true;
    }
    return false;
}

/// Patients ahead of `appointment` in its queue (arrived, not yet called, lower number).
int aheadOfLocked(SimContext& context, const Json& appointment) {
    if (isCalled(appointment)) return 0;
    const int64_t mine = extensionInteger(appointment, fhir::kExtQueueNumber).value_or(0);
    int ahead = 0;
    for (const auto& other : queueOfLocked(context, roleOfAppointment(appointment), appointment.value("start", "").substr(0, 10))) {
        if (!isCalled(other) && extensionInteger(other, fhir::kExtQueueNumber).value_or(0) < mine) ++ahead;
    }
    return ahead;
}

std::string roomOf(SimContext& context, const std::string& role) {
    auto roleResource = context.store.getLocked("PractitionerRole", role);
    if (!roleResource) return {};
    const std::string dept = reference((*roleResource)["organization"]);
    auto org = context.store.getLocked("Organization", dept.size() > 13 ? dept.substr(13) : dept);
    return org ? extensionText(*org, fhir::kExtLocation) : std::string();
}

/// Sends the SMS reminders that became due in one doctor's queue: a CommunicationRequest is
/// "sent" (recorded as an "sms.sent" record, GET /admin/sms) once its appointment has
/// `when-ahead` or fewer patients ahead, and is then completed.
void sendDueRemindersLocked(SimContext& context, const std::string& role, const std::string& date) {
    for (auto request : context.store.findLocked("CommunicationRequest", [](const Json& r) { return r.value("status", "") == "active"; })) {
        const Json about = request.value("about", Json::array());
        const std::string ref = about.empty() ? "" : reference(about[0]);
        auto appointment = context.store.getLocked("Appointment", ref.size() > 12 ? ref.substr(12) : ref);
        if (!appointment || roleOfAppointment(*appointment) != role || appointment->value("start", "").substr(0, 10) != date) continue;
        const std::string status = appointment->value("status", "");
        if (status == "fulfilled" || status == "cancelled" || status == "noshow") {
            request["status"] = "completed";
            context.store.putLocked("CommunicationRequest", request.value("id", ""), request);
            continue;
        }
        if (status != "arrived") continue;
        const int ahead = aheadOfLocked(context, *appointment);
        if (ahead > extensionInteger(request, fhir::kExtWhenAhead).value_or(3)) continue;
        std::string phone;
        if (auto patient = context.store.getLocked("Patient", patientOfAppointment(*appointment))) {
            for (const auto& t : patient->value("telecom", Json::array())) {
                if (t.value("system", "") == "phone") phone = t.value("value", "");
            }
        }
        const int64_t number = extensionInteger(*appointment, fhir::kExtQueueNumber).value_or(0);
        const std::string text = ahead == 0 ? fmt::format("【一站示范医院】请{}号到{}就诊。", number, roomOf(context, role))
                                            : fmt::format("【一站示范医院】您前面还有{}位患者，请到{}候诊（{}号）。", ahead, roomOf(context, role), number);
        context.store.putLocked("sms.sent", context.store.nextIdLocked("sms"),
                                Json{{"request", request.value("id", "")}, {"appointment", appointment->value("id", "")},
                                     {"phone", phone}, {"ahead", ahead}, {"text", text}, {"sent", nowIso()}});
        request["status"] = "completed";
        context.store.putLocked("CommunicationRequest", request.value("id", ""), request);
    }
}

/// The doctor calls the next patient: the one being seen (called) is done (fulfilled), the
/// lowest waiting number is called. Returns the called appointment's id (empty: nobody waits).
std::string callNextLocked(SimContext& context, const std::string& role, const std::string& date) {
    std::string called;
    for (auto appointment : queueOfLocked(context, role, date)) {
        if (isCalled(appointment)) {
            appointment["status"] = "fulfilled";
            context.store.putLocked("Appointment", appointment.value("id", ""), appointment);
        } else if (called.empty()) {
            setExtension(appointment, kExtCalled, {{"valueDateTime", nowIso()}});
            called = appointment.value("id", "");
            context.store.putLocked("Appointment", called, appointment);
        }
    }
    sendDueRemindersLocked(context, role, date);
    return called;
}

/// Queues advance over time: one call every policy.consultMinutes since the doctor's last call
/// (counted from the first time the queue is looked at).
void advanceQueueLocked(SimContext& context, const std::string& role, const std::string& date) {
    if (context.policy.consultMinutes <= 0) return;
    const auto now = std::chrono::system_clock::now();
    const std::string key = role + "|" + date;
    auto [it, fresh] = context.queueClock.try_emplace(key, now);
    if (fresh) return;
    const auto step = std::chrono::minutes(context.policy.consultMinutes);
    while (now - it->second >= step) {
        it->second += step;
        callNextLocked(context, role, date);
    }
}

void createAppointment(SimContext& context, const httplib::Request& req, httplib::Response& res) {
    auto parsed = parseBody(req, res);
    if (!parsed) return;
    const Json body = cleanBody(*parsed);
    if (body.value("resourceType", "") != "Appointment") {
        sendOutcome(res, 400, "invalid", "body is not an Appointment");
        return;
    }
    if (const auto violation = appointmentInvariantViolation(body); !violation.empty()) {
        sendOutcome(res, 422, "invariant", violation);
        return;
    }
    const auto key = conditionalKey(req);
    const std::string patientId = patientOfAppointment(body);
    const std::string slotRef = body.contains("slot") ? reference(body["slot"][0]) : "";
    context.store.withWriteLock([&] {
        if (key) {
            auto existing = context.store.findLocked("Appointment", [&](const Json& a) { return hasIdentifier(a, key->first, key->second); });
            if (!existing.empty()) {  // conditional create: already there, nothing written
                sendResource(res, 200, existing.front());
                return;
            }
        }
        if (!context.store.getLocked("Patient", patientId)) {
            sendOutcome(res, 422, "processing", "unknown patient", "unknown-patient");
            return;
        }
        if (auto until = bookingBlockedUntil(context.store, context.policy, patientId, true)) {
            sendOutcome(res, 403, "forbidden",
                        fmt::format("booking blocked until {}: {} missed appointments in {} days", *until,
                                    context.policy.noShowLimit, context.policy.noShowWindowDays),
                        fhir::kOutcomeBlacklisted);
            return;
        }
        releaseExpiredHoldsLocked(context);
        if (slotRef.rfind("Slot/", 0) != 0) {
            sendOutcome(res, 422, "processing", "Appointment.slot missing");
            return;
        }
        auto slot = context.store.getLocked("Slot", slotRef.substr(5));
        if (!slot) {
            sendOutcome(res, 422, "processing", "unknown slot " + slotRef, "unknown-slot");
            return;
        }
        if ((*slot)["status"] != "free") {
            sendOutcome(res, 409, "conflict", "slot is " + (*slot)["status"].get<std::string>(), fhir::kOutcomeSlotTaken);
            return;
        }
        if (const auto mismatch = slotTimesMismatch(body, *slot); !mismatch.empty()) {
            sendOutcome(res, 422, "processing", mismatch, "slot-times");
            return;
        }
        // PolicySettings::bookingsPerDepartmentPerDay: held, booked and arrived ones count.
        const std::string department = serviceTypeCode(*slot);
        const std::string day = slot->value("start", "").substr(0, 10);
        const auto sameDay = context.store.findLocked("Appointment", [&](const Json& a) {
            const std::string status = a.value("status", "");
            return patientOfAppointment(a) == patientId && serviceTypeCode(a) == department && a.value("start", "").substr(0, 10) == day &&
                   (status == "proposed" || status == "booked" || status == "arrived");
        });
        if (static_cast<int>(sameDay.size()) >= context.policy.bookingsPerDepartmentPerDay) {
            sendRefusal(res, 409,
                        fmt::format("booking limit: {} appointment(s) per department per day ({} on {})",
                                    context.policy.bookingsPerDepartmentPerDay, department, day),
                        fhir::kOutcomeBookingLimit, Json::array());
            return;
        }
        // What the client sent is what is stored, as on a generic R4 server: start/end are not
        // filled in from the slot, so a client that leaves them out is refused when it books
        // (app-3), as a strict server would. Creating is holding: the status is proposed.
        Json appointment = body;
        appointment.erase("id");
        appointment.erase("meta");
        appointment["status"] = "proposed";
        if (!appointment.contains("serviceType") && slot->contains("serviceType")) appointment["serviceType"] = (*slot)["serviceType"];
        const std::string roleRef = extensionText(*slot, "urn:yizhan:ext:practitioner-role");
        if (!roleRef.empty() && roleOfAppointment(appointment).empty()) {  // the HIS names the doctor
            appointment["participant"].push_back({{"actor", {{"reference", roleRef}}}, {"status", "accepted"}});
        }
        setExtension(appointment, fhir::kExtHoldExpires, {{"valueDateTime", plusMinutesIso(context.policy.holdMinutes)}});
        setExtension(appointment, fhir::kExtFee, {{"valueInteger", extensionInteger(*slot, fhir::kExtFee).value_or(0)}});
        const std::string id = context.store.nextIdLocked("appt");
        // The appointment code of the slip and the app (QR payload kind appointment_code): "YY" +
        // the hold's date + a 6-digit sequence (the seed uses "YY" + date + "9" + 5 digits).
        if (!appointment.contains("identifier")) appointment["identifier"] = Json::array();
        const std::string today = dateIso(0);
        appointment["identifier"].push_back({{"system", fhir::kSystemAppointmentCode},
                                             {"value", fmt::format("YY{}{}{}{:06}", today.substr(0, 4), today.substr(5, 2), today.substr(8, 2),
                                                                   std::stoll(id.substr(5)) % 900000)}});
        const Json stored = context.store.putLocked("Appointment", id, appointment);
        (*slot)["status"] = "busy-tentative";
        context.store.putLocked("Slot", (*slot)["id"], *slot);
        if (key) context.faults.recordCommit(key->second);
        sendResource(res, 201, stored);
    });
}

/// If-Match check; answers 428/412 and returns false when the update must not proceed.
bool versionMatches(const httplib::Request& req, httplib::Response& res, const Json& current) {
    const std::string ifMatch = req.get_header_value("If-Match");
    if (ifMatch.empty()) {
        sendOutcome(res, 428, "required", "If-Match is required for updates");
        return false;
    }
    if (ifMatch != etagOf(current)) {
        sendOutcome(res, 412, "conflict", "version conflict: current is " + etagOf(current));
        return false;
    }
    return true;
}

void updateAppointment(SimContext& context, const std::string& id, const httplib::Request& req, httplib::Response& res) {
    auto parsed = parseBody(req, res);
    if (!parsed) return;
    const Json body = cleanBody(*parsed);
    if (body.value("resourceType", "") != "Appointment" || body.value("id", id) != id) {
        sendOutcome(res, 400, "invalid", "body is not Appointment/" + id);
        return;
    }
    // A strict server checks the resource it is given, whatever the HIS then does with it.
    if (const auto violation = appointmentInvariantViolation(body); !violation.empty()) {
        sendOutcome(res, 422, "invariant", violation);
        return;
    }
    const std::string wanted = body.value("status", "");
    context.store.withWriteLock([&] {
        releaseExpiredHoldsLocked(context);
        auto current = context.store.getLocked("Appointment", id);
        if (!current) {
            sendOutcome(res, 404, "not-found", "Appointment/" + id + " not found");
            return;
        }
        if (!versionMatches(req, res, *current)) return;
        const std::string from = (*current)["status"];
        const std::string slotId = current->contains("slot") ? reference((*current)["slot"][0]).substr(5) : "";
        // The kiosk changes the status; the times may only be added, and only as the slot's.
        if (body.contains("start")) {
            const Json times = current->contains("start") ? *current : context.store.getLocked("Slot", slotId).value_or(body);
            if (const auto mismatch = slotTimesMismatch(body, times); !mismatch.empty()) {
                sendOutcome(res, 422, "processing", mismatch, "slot-times");
                return;
            }
            (*current)["start"] = body["start"];
            (*current)["end"] = body["end"];
        }
        auto setSlot = [&](const char* status) {
            if (auto slot = context.store.getLocked("Slot", slotId)) {
                (*slot)["status"] = status;
                context.store.putLocked("Slot", slotId, *slot);
            }
        };
        const auto now = nowSeconds();
        // The trade-no of the payment extension: a real HIS books once per business key, and
        // answers a repeat of the same booking with the booking it made.
        const auto paymentKey = [](const Json& appointment) {
            for (const auto& e : appointment.value("extension", Json::array())) {
                if (e.value("url", "") != fhir::kExtPayment) continue;
                for (const auto& part : e.value("extension", Json::array())) {
                    if (part.value("url", "") == "trade-no") return part.value("valueString", "");
                }
            }
            return std::string();
        };
        if (from == "booked" && wanted == "booked" && !paymentKey(body).empty() && paymentKey(body) == paymentKey(*current)) {
            sendResource(res, 200, decorated(context, "Appointment", *current));
            return;
        }
        if (from == "proposed" && wanted == "booked") {
            setSlot("busy");
            // How the fee was paid, as the kiosk says (kept for a refund on cancellation).
            for (const auto& e : body.value("extension", Json::array())) {
                if (e.value("url", "") == fhir::kExtPayment) setExtension(*current, fhir::kExtPayment, e);
            }
            // Counted per payment key (GET /admin/stats): a test asserts a fee booked once.
            if (const std::string key = paymentKey(*current); !key.empty()) context.faults.recordCommit("book:" + key);
        } else if ((from == "proposed" || from == "booked") && wanted == "cancelled") {
            if (from == "booked" && current->value("start", "") < nowIso()) {
                sendOutcome(res, 409, "business-rule", "appointment already started", fhir::kOutcomeWrongState);
                return;
            }
            // PolicySettings::cancelCutoffMinutes (a hold is always released).
            const auto until = cancelUntil(context.policy, *current);
            if (from == "booked" && until && now > *until) {
                sendRefusal(res, 409, fmt::format("cancellation closed at {} ({} minutes before the start)", isoAt(*until),
                                                  context.policy.cancelCutoffMinutes),
                            fhir::kOutcomeCancelCutoff, Json::array({{{"url", fhir::kExtOutcomeCancelUntil}, {"valueDateTime", isoAt(*until)}}}));
                return;
            }
            setSlot("free");
        } else if (from == "booked" && wanted == "arrived") {
            const std::string date = current->value("start", "").substr(0, 10);
            if (date != dateIso(0)) {
                sendRefusal(res, 409, "check-in is only possible on the day of the appointment (" + date + ")", fhir::kOutcomeCheckInAnotherDay,
                            Json::array({{{"url", fhir::kExtOutcomeDate}, {"valueDate", date}}}));
                return;
            }
            // PolicySettings: the check-in window and the late policy.
            bool late = false;
            if (const auto window = checkInWindow(context.policy, *current)) {
                if (now < window->opens) {
                    sendRefusal(res, 409, "check-in opens at " + isoAt(window->opens), fhir::kOutcomeCheckInTooEarly,
                                Json::array({{{"url", fhir::kExtOutcomeOpensAt}, {"valueDateTime", isoAt(window->opens)}}}));
                    return;
                }
                if (now > window->closes) {
                    const bool rebook = context.policy.lateArrival == LateArrival::rebook;
                    if (rebook) {
                        sendRefusal(res, 409, "check-in closed at " + isoAt(window->closes) + "; late policy: re-book",
                                    fhir::kOutcomeCheckInTooLate,
                                    Json::array({{{"url", fhir::kExtOutcomeClosedAt}, {"valueDateTime", isoAt(window->closes)}},
                                                 {{"url", fhir::kExtOutcomeLatePolicy}, {"valueCode", "rebook"}}}));
                        return;
                    }
                    late = true;  // queue_end: numbers only go up, so a late arrival is last
                }
            }
            const std::string role = roleOfAppointment(*current);
            int64_t highest = 0;
            for (const auto& other : context.store.findLocked("Appointment", [&](const Json& a) {
                     return roleOfAppointment(a) == role && a.value("start", "").substr(0, 10) == date;
                 })) {
                highest = std::max(highest, extensionInteger(other, fhir::kExtQueueNumber).value_or(0));
            }
            setExtension(*current, fhir::kExtQueueNumber, {{"valueInteger", highest + 1}});
            if (late) setExtension(*current, fhir::kExtLateArrival, {{"valueBoolean", true}});
        } else {
            sendOutcome(res, 409, "business-rule", "cannot change appointment from " + from + " to " + wanted,
                        fhir::kOutcomeWrongState);
            return;
        }
        (*current)["status"] = wanted;
        sendResource(res, 200, decorated(context, "Appointment", context.store.putLocked("Appointment", id, *current)));
    });
}

/// MedicationDispense update = the pickup (in-progress with whenPrepared → completed). The kiosk's
/// business key comes as an identifier (system urn:yizhan:kiosk-trade): a repeat with the key the
/// dispense was completed under answers it as it is; completed otherwise → 409 already-picked-up.
void updateDispense(SimContext& context, const std::string& id, const httplib::Request& req, httplib::Response& res) {
    auto body = parseBody(req, res);
    if (!body) return;
    context.store.withWriteLock([&] {
        auto current = context.store.getLocked("MedicationDispense", id);
        if (!current) {
            sendOutcome(res, 404, "not-found", "MedicationDispense/" + id + " not found");
            return;
        }
        if (!versionMatches(req, res, *current)) return;
        const std::string key = identifierValue(*body, fhir::kSystemKioskTrade);
        if ((*current)["status"] == "completed") {
            if (!key.empty() && identifierValue(*current, fhir::kSystemKioskTrade) == key) {
                sendResource(res, 200, *current);
                return;
            }
            sendOutcome(res, 409, "business-rule", "dispense " + id + " was already handed over", fhir::kOutcomeAlreadyPickedUp);
            return;
        }
        const bool ready = (*current)["status"] == "in-progress" && current->contains("whenPrepared");
        if (body->value("status", "") != "completed" || !ready) {
            sendOutcome(res, 409, "business-rule", "dispense is " + (*current)["status"].get<std::string>() + ", not ready for pickup",
                        fhir::kOutcomeWrongState);
            return;
        }
        (*current)["status"] = "completed";
        (*current)["whenHandedOver"] = nowIso();
        if (!key.empty()) {
            Json identifiers = current->value("identifier", Json::array());
            identifiers.push_back({{"system", fhir::kSystemKioskTrade}, {"value", key}});
            (*current)["identifier"] = identifiers;
        }
        sendResource(res, 200, context.store.putLocked("MedicationDispense", id, *current));
        if (!key.empty()) context.faults.recordCommit(key);
    });
}

/// Task create (code pharmacy-pickup) = join the pharmacy's call queue: conditional on the kiosk's
/// trade identifier; every dispense (Task.input) must be the patient's (Task.for) and ready.
/// The call number is the next of the day ("A001", "A002", …).
void createPharmacyTask(SimContext& context, const httplib::Request& req, httplib::Response& res) {
    auto parsed = parseBody(req, res);
    if (!parsed) return;
    const Json body = cleanBody(*parsed);
    const auto key = conditionalKey(req);
    if (!key || body.value("resourceType", "") != "Task") {
        sendOutcome(res, 400, "required", "a Task with If-None-Exist (the trade identifier) is required");
        return;
    }
    context.store.withWriteLock([&] {
        auto existing = context.store.findLocked("Task", [&](const Json& t) { return hasIdentifier(t, key->first, key->second); });
        if (!existing.empty()) {
            sendResource(res, 200, taskServedLocked(context.store, existing.front()));
            return;
        }
        const std::string patient = reference(body.value("for", Json::object()));
        const std::string window = body.value("owner", Json::object()).value("display", "");
        std::vector<std::string> dispenses;
        for (const auto& input : body.value("input", Json::array())) dispenses.push_back(reference(input.value("valueReference", Json::object())));
        if (patient.empty() || window.empty() || dispenses.empty()) {
            sendOutcome(res, 422, "required", "a pharmacy Task needs for, owner.display and at least one input dispense");
            return;
        }
        for (const std::string& ref : dispenses) {
            auto dispense = ref.rfind("MedicationDispense/", 0) == 0 ? context.store.getLocked("MedicationDispense", ref.substr(19)) : std::nullopt;
            const bool ready = dispense && (*dispense)["status"] == "in-progress" && dispense->contains("whenPrepared");
            if (!dispense || reference((*dispense)["subject"]) != patient || !ready) {
                sendOutcome(res, 409, "business-rule", ref + " is not a ready dispense of " + patient, fhir::kOutcomeWrongState);
                return;
            }
        }
        Json record = body;
        const int today = static_cast<int>(
            context.store.findLocked("Task", [](const Json& t) { return t.value("authoredOn", "").substr(0, 10) == dateIso(0); }).size());
        Json identifiers = record.value("identifier", Json::array());
        identifiers.push_back({{"system", fhir::kSystemPharmacyCallNumber}, {"value", fmt::format("A{:03}", today + 1)}});
        record["identifier"] = identifiers;
        record["status"] = "requested";
        record["authoredOn"] = nowIso();
        if (auto person = context.store.getLocked("Patient", patient.substr(8))) {
            const Json names = person->value("name", Json::array());
            if (!names.empty()) record["for"]["display"] = names[0].value("text", "");
        }
        const Json stored = context.store.putLocked("Task", context.store.nextIdLocked("call"), record);
        context.faults.recordCommit(key->second);
        sendResource(res, 201, taskServedLocked(context.store, stored));
    });
}

/// The pharmacist at `window` calls the next number: the one being called there is handed over
/// (its Task and dispenses completed), the oldest waiting one is called (in-progress). Returns
/// the called Task, or null when nobody waits. Caller holds the write lock.
Json callNextAtPharmacyLocked(SimContext& context, const std::string& window) {
    auto atWindow = context.store.findLocked("Task", [&](const Json& t) {
        return t.value("owner", Json::object()).value("display", "") == window;
    });
    for (auto& task : atWindow) {
        if (task.value("status", "") != "in-progress") continue;
        task["status"] = "completed";
        for (const auto& input : task.value("input", Json::array())) {
            const std::string ref = reference(input.value("valueReference", Json::object()));
            auto dispense = context.store.getLocked("MedicationDispense", ref.substr(std::min<size_t>(19, ref.size())));
            if (dispense && (*dispense)["status"] == "in-progress") {
                (*dispense)["status"] = "completed";
                (*dispense)["whenHandedOver"] = nowIso();
                context.store.putLocked("MedicationDispense", (*dispense)["id"], *dispense);
            }
        }
        context.store.putLocked("Task", task["id"], task);
    }
    std::sort(atWindow.begin(), atWindow.end(), [](const Json& a, const Json& b) {
        return std::make_pair(a.value("authoredOn", ""), a.value("id", "")) < std::make_pair(b.value("authoredOn", ""), b.value("id", ""));
    });
    for (auto& task : atWindow) {
        if (task.value("status", "") != "requested") continue;
        task["status"] = "in-progress";
        // When it was called, to the millisecond (two windows may call within one second; the
        // display shows the newest call first): R4 dateTime allows fractional seconds.
        const auto local = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now()) + std::chrono::hours(8);
        task["executionPeriod"] = {{"start", fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}+08:00", std::chrono::floor<std::chrono::seconds>(local),
                                                          local.time_since_epoch().count() % 1000)}};
        setExtension(task, fhir::kExtTimesCalled, {{"valueInteger", 1}});
        return context.store.putLocked("Task", task["id"], task);
    }
    return Json();
}

/// Dispenses on hold for payment whose every charge is now billed become ready at their window
/// (the hospital dispenses once paid). Caller holds the write lock.
void releasePaidDispensesLocked(SimContext& context) {
    auto waiting = context.store.findLocked("MedicationDispense", [](const Json& d) {
        return d.value("status", "") == "on-hold" && d.contains("statusReasonCodeableConcept");
    });
    for (auto& dispense : waiting) {
        bool paid = true;
        bool hasCharge = false;
        for (const auto& e : dispense.value("extension", Json::array())) {
            if (e.value("url", "") != fhir::kExtCharge) continue;
            hasCharge = true;
            const std::string ref = reference(e.value("valueReference", Json::object()));
            auto charge = context.store.getLocked("ChargeItem", ref.substr(std::min<size_t>(11, ref.size())));
            if (!charge || (*charge)["status"] != "billed") paid = false;
        }
        if (!hasCharge || !paid) continue;
        dispense["status"] = "in-progress";
        dispense.erase("statusReasonCodeableConcept");
        dispense["whenPrepared"] = nowIso();
        context.store.putLocked("MedicationDispense", dispense["id"], dispense);
    }
}

// --- herbal services (issue 13 item 4) -------------------------------------------------------------

/// The price (fen) of a herbal service from the stored ChargeItemDefinitions: decoction per dose
/// times the doses, delivery per order. A missing definition prices at 0.
int64_t tcmFeeLocked(const ResourceStore& store, const std::string& service, int64_t doses) {
    auto priceOf = [&](const std::string& code) -> int64_t {
        for (const auto& d : store.findLocked("ChargeItemDefinition", [](const Json& d) { return d.value("status", "") == "active"; })) {
            bool matches = false;
            for (const auto& c : d.value("code", Json::object()).value("coding", Json::array())) {
                if (c.value("system", "") == fhir::kSystemTcmService && c.value("code", "") == code) matches = true;
            }
            if (!matches) continue;
            for (const auto& g : d.value("propertyGroup", Json::array())) {
                for (const auto& pc : g.value("priceComponent", Json::array())) {
                    if (pc.value("type", "") == "base") return std::llround(pc.value("amount", Json::object()).value("value", 0.0) * 100.0);
                }
            }
        }
        return 0;
    };
    int64_t fee = 0;
    if (service == "decoction" || service == "decoction-delivery") fee += priceOf("decoction") * doses;
    if (service == "delivery" || service == "decoction-delivery") fee += priceOf("delivery");
    return fee;
}

std::string tcmCode(const Json& order) {
    for (const auto& c : order.value("code", Json::object()).value("coding", Json::array())) {
        if (c.value("system", "") == fhir::kSystemTcmService) return c.value("code", "");
    }
    return {};
}

std::string stageOf(const Json& order) {
    for (const auto& e : order.value("extension", Json::array())) {
        if (e.value("url", "") == fhir::kExtTcmStage) return e.value("valueCode", "");
    }
    return {};
}

bool delivered(const std::string& code) { return code == "delivery" || code == "decoction-delivery"; }

/// ServiceRequest create (code urn:yizhan:tcm-service|…) = the patient's choice for a herbal
/// prescription, conditional on the kiosk's trade identifier. The dispense (supportingInfo) must be
/// the patient's, herbal and not yet handed over, with no other live order; a delivery to the
/// address on file needs one (409 no-address). A service with a fee becomes a draft with its
/// ChargeItem (billable, "中药代煎费" / "中药配送费"), started when paid; self-decoction starts at
/// once. A delivery with the address by link gets the page's URL and the patient an SMS.
void createTcmOrder(SimContext& context, const httplib::Request& req, httplib::Response& res) {
    auto parsed = parseBody(req, res);
    if (!parsed) return;
    const Json body = cleanBody(*parsed);
    const auto key = conditionalKey(req);
    if (!key || body.value("resourceType", "") != "ServiceRequest") {
        sendOutcome(res, 400, "required", "a ServiceRequest with If-None-Exist (the trade identifier) is required");
        return;
    }
    context.store.withWriteLock([&] {
        auto existing = context.store.findLocked("ServiceRequest", [&](const Json& t) { return hasIdentifier(t, key->first, key->second); });
        if (!existing.empty()) {
            sendResource(res, 200, existing.front());
            return;
        }
        const std::string code = tcmCode(body);
        const std::string patient = reference(body.value("subject", Json::object()));
        std::string dispenseRef;
        for (const auto& info : body.value("supportingInfo", Json::array())) {
            if (reference(info).rfind("MedicationDispense/", 0) == 0) dispenseRef = reference(info);
        }
        if (code != "self-decoction" && code != "decoction" && code != "delivery" && code != "decoction-delivery") {
            sendOutcome(res, 422, "code-invalid", "ServiceRequest.code is not a herbal service: '" + code + "'");
            return;
        }
        if (patient.empty() || dispenseRef.empty()) {
            sendOutcome(res, 422, "required", "a herbal service order needs subject and a supportingInfo dispense");
            return;
        }
        auto dispense = context.store.getLocked("MedicationDispense", dispenseRef.substr(19));
        bool herbal = false;
        if (dispense) {
            for (const auto& c : dispense->value("category", Json::object()).value("coding", Json::array())) {
                herbal = herbal || (c.value("system", "") == fhir::kSystemPrescriptionCategory && c.value("code", "") == "tcm");
            }
        }
        const std::string dispenseStatus = dispense ? dispense->value("status", "") : "";
        if (!dispense || reference((*dispense)["subject"]) != patient || !herbal ||
            (dispenseStatus != "preparation" && dispenseStatus != "in-progress" && dispenseStatus != "on-hold")) {
            sendOutcome(res, 409, "business-rule", dispenseRef + " is not a herbal prescription of " + patient + " still to hand over",
                        fhir::kOutcomeWrongState);
            return;
        }
        auto others = context.store.findLocked("ServiceRequest", [&](const Json& o) {
            bool same = false;
            for (const auto& info : o.value("supportingInfo", Json::array())) same = same || reference(info) == dispenseRef;
            const std::string st = o.value("status", "");
            return same && st != "revoked" && st != "entered-in-error";
        });
        if (!others.empty()) {
            sendOutcome(res, 409, "business-rule", dispenseRef + " already has order ServiceRequest/" + others.front().value("id", ""),
                        fhir::kOutcomeTcmAlreadyOrdered);
            return;
        }
        auto person = context.store.getLocked("Patient", patient.substr(std::min<size_t>(8, patient.size())));
        std::string address, phone;
        if (person) {
            const Json addresses = person->value("address", Json::array());
            if (!addresses.empty()) address = addresses[0].value("text", "");
            for (const auto& t : person->value("telecom", Json::array())) {
                if (t.value("system", "") == "phone") phone = t.value("value", "");
            }
        }
        bool byLink = false;
        for (const auto& e : body.value("extension", Json::array())) {
            if (e.value("url", "") == fhir::kExtAddressByLink) byLink = e.value("valueBoolean", false);
        }
        if (delivered(code) && !byLink && address.empty()) {
            sendOutcome(res, 409, "business-rule", patient + " has no address on file", fhir::kOutcomeNoAddress);
            return;
        }
        const int64_t doses = dispense->value("quantity", Json::object()).value("value", int64_t{0});
        const int64_t fee = tcmFeeLocked(context.store, code, doses);
        const std::string id = context.store.nextIdLocked("sr");
        Json record = body;
        record["authoredOn"] = nowIso();
        Json extensions = Json::array();
        if (fee > 0) {
            const bool decocted = code == "decoction" || code == "decoction-delivery";
            const char* title = code == "decoction-delivery" ? "中药代煎及配送费" : decocted ? "中药代煎费" : "中药配送费";
            const std::string chargeId = "chg-" + id;
            context.store.putLocked("ChargeItem", chargeId,
                                    Json{{"resourceType", "ChargeItem"},
                                         {"status", "billable"},
                                         {"code", {{"coding", Json::array({{{"system", "urn:yizhan:charge-code"}, {"code", "Z-TCM-SVC"}}})}, {"text", title}}},
                                         {"subject", {{"reference", patient}}},
                                         {"performingOrganization", {{"reference", "Organization/dept-TCM"}}},
                                         {"quantity", {{"value", 1}}},
                                         {"priceOverride", {{"value", static_cast<double>(fee) / 100.0}, {"currency", "CNY"}}},
                                         {"enteredDate", nowIso()},
                                         {"extension", Json::array({{{"url", fhir::kExtInsuranceClass}, {"valueString", "C"}},
                                                                    {{"url", fhir::kExtFee}, {"valueInteger", fee}}})}});
            record["status"] = "draft";
            extensions.push_back({{"url", fhir::kExtTcmStage}, {"valueCode", "awaiting-payment"}});
            extensions.push_back({{"url", fhir::kExtCharge}, {"valueReference", {{"reference", "ChargeItem/" + chargeId}}}});
        } else {
            record["status"] = "active";
            extensions.push_back({{"url", fhir::kExtTcmStage}, {"valueCode", delivered(code) && byLink ? "awaiting-address" : "audited"}});
        }
        extensions.push_back({{"url", fhir::kExtFee}, {"valueInteger", fee}});
        if (delivered(code) && !byLink) extensions.push_back({{"url", fhir::kExtDeliveryAddress}, {"valueAddress", {{"text", address}}}});
        if (delivered(code) && byLink) {
            // The page is the patient's: a random token in the link, checked by the page.
            std::random_device random;
            const std::string token = fmt::format("{:08x}{:08x}", random(), random());
            const std::string link = "http://" + req.get_header_value("Host") + "/mobile/tcm-address/" + id + "?t=" + token;
            extensions.push_back({{"url", fhir::kExtAddressLink}, {"valueUrl", link}});
            if (!phone.empty()) {
                context.store.putLocked("sms.sent", context.store.nextIdLocked("sms"),
                                        Json{{"order", id}, {"phone", phone}, {"sent", nowIso()},
                                             {"text", "【一站示范医院】请打开链接填写中药配送地址：" + link}});
            }
        }
        record["extension"] = extensions;
        const Json stored = context.store.putLocked("ServiceRequest", id, record);
        context.faults.recordCommit(key->second);
        sendResource(res, 201, stored);
    });
}

/// Draft herbal orders whose fee is now billed start (active: audited, or awaiting-address when
/// the patient is still to fill it on the phone), with the time they are expected. Caller holds
/// the write lock.
void startPaidTcmOrdersLocked(SimContext& context) {
    for (auto order : context.store.findLocked("ServiceRequest", [](const Json& o) { return o.value("status", "") == "draft"; })) {
        std::string chargeRef;
        bool hasAddress = false;
        for (const auto& e : order.value("extension", Json::array())) {
            if (e.value("url", "") == fhir::kExtCharge) chargeRef = reference(e.value("valueReference", Json::object()));
            if (e.value("url", "") == fhir::kExtDeliveryAddress) hasAddress = true;
        }
        auto charge = context.store.getLocked("ChargeItem", chargeRef.substr(std::min<size_t>(11, chargeRef.size())));
        if (!charge || (*charge)["status"] != "billed") continue;
        const std::string code = tcmCode(order);
        order["status"] = "active";
        setExtension(order, fhir::kExtTcmStage, {{"valueCode", delivered(code) && !hasAddress ? "awaiting-address" : "audited"}});
        order["occurrenceDateTime"] = delivered(code) ? dateIso(2) + "T18:00:00+08:00" : dateIso(1) + "T10:00:00+08:00";
        context.store.putLocked("ServiceRequest", order["id"], order);
    }
}

/// The next stage of a started herbal order, as the pharmacy and the courier move it:
///   self-decoction      audited → dispensing → ready (the herbs at the order's window)
///   decoction           audited → dispensing → decocting → ready
///   delivery            audited → dispensing → shipped (tracking number) → delivered
///   decoction-delivery  audited → dispensing → decocting → shipped → delivered
/// Empty when it cannot move (unpaid, no address yet, or at its end).
std::string nextTcmStage(const std::string& code, const std::string& stage) {
    const bool decocted = code == "decoction" || code == "decoction-delivery";
    if (stage == "audited") return "dispensing";
    if (stage == "dispensing") return decocted ? "decocting" : delivered(code) ? "shipped" : "ready";
    if (stage == "decocting") return delivered(code) ? "shipped" : "ready";
    if (stage == "shipped") return "delivered";
    return {};
}

/// The request carries the token of the order's address link (…?t=TOKEN).
bool linkTokenMatches(const Json& order, const httplib::Request& req) {
    std::string link;
    for (const auto& e : order.value("extension", Json::array())) {
        if (e.value("url", "") == fhir::kExtAddressLink) link = e.value("valueUrl", "");
    }
    const auto at = link.find("?t=");
    return at != std::string::npos && req.has_param("t") && req.get_param_value("t") == link.substr(at + 3);
}

void installTcmAdmin(httplib::Server& server, SimContext& context) {
    // Every herbal order (tests, the presenter).
    server.Get("/admin/tcm", [&context](const httplib::Request&, httplib::Response& res) {
        sendJson(res, 200, {{"orders", context.store.find("ServiceRequest", nullptr)}}, "application/json");
    });
    // {"order": "sr-…"}: the pharmacy (or the courier) moves it to its next stage.
    server.Post("/admin/tcm/advance", [&context](const httplib::Request& req, httplib::Response& res) {
        const Json body = Json::parse(req.body, nullptr, false);
        const std::string id = body.is_object() ? body.value("order", "") : "";
        context.store.withWriteLock([&] {
            auto order = context.store.getLocked("ServiceRequest", id);
            if (!order) {
                sendJson(res, 404, {{"error", "no herbal order '" + id + "'"}}, "application/json");
                return;
            }
            const std::string code = tcmCode(*order);
            const std::string next = (*order)["status"] == "active" ? nextTcmStage(code, stageOf(*order)) : std::string();
            if (next.empty()) {
                sendJson(res, 409, {{"error", "order " + id + " is " + stageOf(*order) + ": it cannot move on"}}, "application/json");
                return;
            }
            setExtension(*order, fhir::kExtTcmStage, {{"valueCode", next}});
            std::string dispenseRef;
            for (const auto& info : order->value("supportingInfo", Json::array())) dispenseRef = reference(info);
            auto dispense = context.store.getLocked("MedicationDispense", dispenseRef.substr(std::min<size_t>(19, dispenseRef.size())));
            if (next == "shipped") {
                Json ids = order->value("identifier", Json::array());
                ids.push_back({{"system", fhir::kSystemDeliveryTracking},
                               {"value", fmt::format("SF14{:011}", std::hash<std::string>{}(id) % 100000000000ULL)},
                               {"assigner", {{"display", "顺丰速运"}}}});
                (*order)["identifier"] = ids;
                if (dispense) (*dispense)["status"] = "in-progress";
            }
            if (next == "ready" && dispense) {  // collected at its window like any prepared dispense
                (*dispense)["status"] = "in-progress";
                (*dispense)["whenPrepared"] = nowIso();
            }
            if (next == "delivered") {
                (*order)["status"] = "completed";
                if (dispense) {
                    (*dispense)["status"] = "completed";
                    (*dispense)["whenHandedOver"] = nowIso();
                }
            }
            if (dispense) context.store.putLocked("MedicationDispense", (*dispense)["id"], *dispense);
            context.store.putLocked("ServiceRequest", id, *order);
            sendJson(res, 200, {{"order", id}, {"stage", next}}, "application/json");
        });
    });
    // The patient's phone: the page the SMS and the kiosk's QR link to (GET: a form; POST: the
    // address, form field "address", or JSON {"address"}), only with the link's token and only
    // until the order is being dispensed. An order that waited for it starts.
    server.Get(R"(/mobile/tcm-address/([A-Za-z0-9\-]+))", [&context](const httplib::Request& req, httplib::Response& res) {
        const auto order = context.store.get("ServiceRequest", req.matches[1]);
        if (!order || !linkTokenMatches(*order, req)) {
            res.status = 404;
            res.set_content("没有这个订单 / No such order", "text/plain; charset=utf-8");
            return;
        }
        res.set_content("<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width'>"
                        "<h3>中药配送地址 Delivery address</h3><form method=post><textarea name=address rows=3 cols=30></textarea>"
                        "<p><button>提交 Submit</button></form>",
                        "text/html; charset=utf-8");
    });
    server.Post(R"(/mobile/tcm-address/([A-Za-z0-9\-]+))", [&context](const httplib::Request& req, httplib::Response& res) {
        std::string address = req.has_param("address") ? req.get_param_value("address") : std::string();
        if (address.empty()) {
            const Json body = Json::parse(req.body, nullptr, false);
            if (body.is_object()) address = body.value("address", "");
        }
        if (address.empty() || address.size() > 400) {
            sendJson(res, 400, {{"error", "give the address (1–400 bytes)"}}, "application/json");
            return;
        }
        context.store.withWriteLock([&] {
            auto order = context.store.getLocked("ServiceRequest", req.matches[1]);
            if (!order || !delivered(tcmCode(*order)) || !linkTokenMatches(*order, req)) {
                sendJson(res, 404, {{"error", "no delivery order '" + std::string(req.matches[1]) + "' with this link"}}, "application/json");
                return;
            }
            const std::string stage = stageOf(*order);
            if ((*order)["status"] != "draft" && stage != "awaiting-address" && stage != "audited") {
                sendJson(res, 409, {{"error", "order " + (*order)["id"].get<std::string>() + " is " + stage + ": the address can no longer change"}},
                         "application/json");
                return;
            }
            setExtension(*order, fhir::kExtDeliveryAddress, {{"valueAddress", {{"text", address}}}});
            if ((*order)["status"] == "active" && stageOf(*order) == "awaiting-address") setExtension(*order, fhir::kExtTcmStage, {{"valueCode", "audited"}});
            context.store.putLocked("ServiceRequest", (*order)["id"], *order);
            sendJson(res, 200, {{"order", (*order)["id"]}, {"stage", stageOf(*order)}}, "application/json");
        });
    });
}

void installPharmacyAdmin(httplib::Server& server, SimContext& context) {
    // The pharmacy's board as staff see it (tests, the presenter): every call-queue entry of today.
    server.Get("/admin/pharmacy", [&context](const httplib::Request&, httplib::Response& res) {
        auto tasks = context.store.find("Task", [](const Json& t) { return t.value("authoredOn", "").substr(0, 10) == dateIso(0); });
        std::sort(tasks.begin(), tasks.end(), [](const Json& a, const Json& b) { return a.value("authoredOn", "") < b.value("authoredOn", ""); });
        Json rows = Json::array();
        for (const Json& t : tasks) {
            rows.push_back({{"id", t.value("id", "")},
                            {"number", identifierValue(t, fhir::kSystemPharmacyCallNumber)},
                            {"window", t.value("owner", Json::object()).value("display", "")},
                            {"status", t.value("status", "")},
                            {"patient", reference(t.value("for", Json::object()))}});
        }
        sendJson(res, 200, {{"calls", rows}}, "application/json");
    });
    // {"window": "3号窗口"}: the pharmacist calls the next number there.
    server.Post("/admin/pharmacy/call-next", [&context](const httplib::Request& req, httplib::Response& res) {
        const Json body = Json::parse(req.body, nullptr, false);
        const std::string window = body.is_object() ? body.value("window", "") : "";
        if (window.empty()) {
            sendJson(res, 400, {{"error", "give the window, e.g. {\"window\": \"3号窗口\"}"}}, "application/json");
            return;
        }
        context.store.withWriteLock([&] {
            const Json called = callNextAtPharmacyLocked(context, window);
            if (called.is_null()) {
                sendJson(res, 200, {{"called", nullptr}, {"window", window}}, "application/json");
                return;
            }
            sendJson(res, 200, {{"called", identifierValue(called, fhir::kSystemPharmacyCallNumber)}, {"window", window}}, "application/json");
        });
    });
}

int64_t chargeAmountFen(const Json& charge) { return extensionInteger(charge, fhir::kExtFee).value_or(0); }

void createPayment(SimContext& context, const httplib::Request& req, httplib::Response& res) {
    auto body = parseBody(req, res);
    if (!body) return;
    *body = cleanBody(*body);
    const auto key = conditionalKey(req);
    if (!key) {
        sendOutcome(res, 400, "required", "PaymentReconciliation needs If-None-Exist with the trade identifier");
        return;
    }
    context.store.withWriteLock([&] {
        auto existing = context.store.findLocked("PaymentReconciliation", [&](const Json& p) { return hasIdentifier(p, key->first, key->second); });
        if (!existing.empty()) {
            sendResource(res, 200, existing.front());
            return;
        }
        int64_t sum = 0;
        std::vector<Json> charges;
        for (const auto& detail : body->value("detail", Json::array())) {
            const std::string ref = reference(detail.value("request", Json::object()));
            auto charge = context.store.getLocked("ChargeItem", ref.rfind("ChargeItem/", 0) == 0 ? ref.substr(11) : ref);
            if (!charge) {
                sendOutcome(res, 422, "processing", "unknown charge " + ref, "unknown-charge");
                return;
            }
            if ((*charge)["status"] != "billable") {
                sendOutcome(res, 409, "business-rule", ref + " is already " + (*charge)["status"].get<std::string>(), fhir::kOutcomeWrongState);
                return;
            }
            sum += chargeAmountFen(*charge);
            charges.push_back(*charge);
        }
        const int64_t paid = extensionInteger(*body, fhir::kExtFee).value_or(-1);
        if (charges.empty() || paid != sum) {
            sendOutcome(res, 422, "business-rule", fmt::format("amount {} does not match the charges ({})", paid, sum), "amount-mismatch");
            return;
        }
        for (auto& charge : charges) {
            charge["status"] = "billed";
            context.store.putLocked("ChargeItem", charge["id"], charge);
        }
        releasePaidDispensesLocked(context);
        startPaidTcmOrdersLocked(context);
        Json record = *body;
        record["status"] = "active";
        record["created"] = nowIso();
        record["outcome"] = "complete";
        const std::string id = context.store.nextIdLocked("pay");
        record["extension"].push_back({{"url", "urn:yizhan:ext:invoice-number"}, {"valueString", fmt::format("FP{}{}", dateIso(0).substr(0, 4), id.substr(4))}});
        const Json stored = context.store.putLocked("PaymentReconciliation", id, record);
        context.faults.recordCommit(key->second);
        sendResource(res, 201, stored);
    });
}

void createCommunication(SimContext& context, const httplib::Request& req, httplib::Response& res) {
    auto body = parseBody(req, res);
    if (!body) return;
    *body = cleanBody(*body);
    const auto key = conditionalKey(req);
    context.store.withWriteLock([&] {
        if (key) {
            auto existing = context.store.findLocked("Communication", [&](const Json& c) { return hasIdentifier(c, key->first, key->second); });
            if (!existing.empty()) {
                sendResource(res, 200, existing.front());
                return;
            }
        }
        Json record = *body;
        record["status"] = "in-progress";
        record["sent"] = nowIso();
        const Json stored = context.store.putLocked("Communication", context.store.nextIdLocked("help"), record);
        if (key) context.faults.recordCommit(key->second);
        sendResource(res, 201, stored);
    });
}

void preSettle(SimContext& context, const httplib::Request& req, httplib::Response& res) {
    auto body = parseBody(req, res);
    if (!body || body->value("resourceType", "") != "Parameters") {
        if (body) sendOutcome(res, 400, "invalid", "body is not Parameters");
        return;
    }
    const std::string patient = parameterString(*body, "patient");
    auto patientResource = context.store.get("Patient", patient.rfind("Patient/", 0) == 0 ? patient.substr(8) : patient);
    if (!patientResource) {
        sendOutcome(res, 404, "not-found", "unknown patient");
        return;
    }
    const bool insured = !identifierValue(*patientResource, fhir::kSystemSocialSecurity).empty();
    int64_t total = 0;
    int64_t fund = 0;
    for (const auto& p : body->value("parameter", Json::array())) {
        if (p.value("name", "") != "chargeItem") continue;
        const std::string ref = reference(p.value("valueReference", Json::object()));
        auto charge = context.store.get("ChargeItem", ref.rfind("ChargeItem/", 0) == 0 ? ref.substr(11) : ref);
        if (!charge || reference((*charge)["subject"]) != "Patient/" + patientResource->value("id", "")) {
            sendOutcome(res, 422, "processing", "unknown charge " + ref, "unknown-charge");
            return;
        }
        const int64_t amount = chargeAmountFen(*charge);
        total += amount;
        // Class A (甲类) items: the fund pays 90 %; class B (乙类): 70 %; class C (丙类): nothing.
        const std::string cls = extensionText(*charge, fhir::kExtInsuranceClass);
        if (insured) fund += cls == "A" ? amount * 9 / 10 : cls == "B" ? amount * 7 / 10 : 0;
    }
    sendJson(res, 200, {{"resourceType", "Parameters"},
                        {"parameter", Json::array({{{"name", "total"}, {"valueInteger", total}},
                                                   {{"name", "insurance"}, {"valueInteger", fund}},
                                                   {{"name", "self_pay"}, {"valueInteger", total - fund}}})}});
}

void queuePosition(SimContext& context, const std::string& id, httplib::Response& res) {
    context.store.withWriteLock([&] {
        auto appointment = context.store.getLocked("Appointment", id);
        if (!appointment) {
            sendOutcome(res, 404, "not-found", "Appointment/" + id + " not found");
            return;
        }
        const std::string role = roleOfAppointment(*appointment);
        const std::string date = appointment->value("start", "").substr(0, 10);
        advanceQueueLocked(context, role, date);
        appointment = context.store.getLocked("Appointment", id);
        const auto mine = extensionInteger(*appointment, fhir::kExtQueueNumber);
        if ((*appointment)["status"] != "arrived" || !mine) {
            sendOutcome(res, 409, "business-rule", "not checked in (" + appointment->value("status", "") + ")", fhir::kOutcomeWrongState);
            return;
        }
        const int ahead = aheadOfLocked(context, *appointment);
        const int perPatient = context.policy.consultMinutes > 0 ? context.policy.consultMinutes : 8;
        Json parameters = {{"resourceType", "Parameters"},
                           {"parameter", Json::array({{{"name", "appointment"}, {"valueReference", {{"reference", "Appointment/" + id}}}},
                                                      {{"name", "queue_number"}, {"valueInteger", *mine}},
                                                      {{"name", "waiting_ahead"}, {"valueInteger", ahead}},
                                                      {{"name", "estimated_wait_minutes"}, {"valueInteger", ahead * perPatient}},
                                                      {{"name", "called"}, {"valueBoolean", isCalled(*appointment)}}})}};
        const std::string room = roomOf(context, role);
        if (!room.empty()) parameters["parameter"].push_back({{"name", "room"}, {"valueString", room}});  // no empty strings in R4
        if (auto roleResource = context.store.getLocked("PractitionerRole", role)) {
            const std::string doctor = (*roleResource).value("practitioner", Json::object()).value("display", "");
            if (!doctor.empty()) parameters["parameter"].push_back({{"name", "doctor"}, {"valueString", doctor}});
        }
        sendJson(res, 200, parameters);
    });
}

/// CommunicationRequest create = an SMS queue reminder opt-in ("text me when N are ahead"):
/// conditional on the kiosk's trade identifier; about an Appointment of the subject Patient that
/// is booked or arrived; whenAhead 1–20; the patient must have a phone number on file.
void createCommunicationRequest(SimContext& context, const httplib::Request& req, httplib::Response& res) {
    auto parsed = parseBody(req, res);
    if (!parsed) return;
    const Json body = cleanBody(*parsed);
    const auto key = conditionalKey(req);
    if (!key || body.value("resourceType", "") != "CommunicationRequest") {
        sendOutcome(res, 400, "required", "a CommunicationRequest with If-None-Exist (the trade identifier) is required");
        return;
    }
    context.store.withWriteLock([&] {
        auto existing = context.store.findLocked("CommunicationRequest", [&](const Json& r) { return hasIdentifier(r, key->first, key->second); });
        if (!existing.empty()) {
            sendResource(res, 200, existing.front());
            return;
        }
        const Json about = body.value("about", Json::array());
        const std::string ref = about.empty() ? "" : reference(about[0]);
        auto appointment = ref.rfind("Appointment/", 0) == 0 ? context.store.getLocked("Appointment", ref.substr(12)) : std::nullopt;
        const std::string subject = reference(body.value("subject", Json::object()));
        if (!appointment || "Patient/" + patientOfAppointment(*appointment) != subject) {
            sendOutcome(res, 409, "business-rule", "the reminder must be about an appointment of its subject", fhir::kOutcomeWrongState);
            return;
        }
        const std::string status = appointment->value("status", "");
        if (status != "booked" && status != "arrived") {
            sendOutcome(res, 409, "business-rule", "Appointment/" + appointment->value("id", "") + " is " + status, fhir::kOutcomeWrongState);
            return;
        }
        const int64_t whenAhead = extensionInteger(body, fhir::kExtWhenAhead).value_or(-1);
        if (whenAhead < 1 || whenAhead > 20) {
            sendOutcome(res, 422, "invalid", "when-ahead must be 1–20");
            return;
        }
        bool phone = false;
        if (auto patient = context.store.getLocked("Patient", patientOfAppointment(*appointment))) {
            for (const auto& t : patient->value("telecom", Json::array())) phone = phone || t.value("system", "") == "phone";
        }
        if (!phone) {
            sendOutcome(res, 409, "business-rule", "no phone number on file for the patient", fhir::kOutcomeNoPhone);
            return;
        }
        Json record = body;
        record.erase("id");
        record.erase("meta");
        record["status"] = "active";
        record["authoredOn"] = nowIso();
        const Json stored = context.store.putLocked("CommunicationRequest", context.store.nextIdLocked("sms-req"), record);
        context.faults.recordCommit(key->second);
        sendDueRemindersLocked(context, roleOfAppointment(*appointment), appointment->value("start", "").substr(0, 10));
        sendResource(res, 201, stored);
    });
}

/// The simulator's admin calls for the booking and queue demo (not FHIR; never fault-injected):
///  POST /admin/queue/call-next {"doctor": "role-003"}  the doctor calls the next patient today →
///       {"called": "<appointment id>" or null}
///  GET  /admin/sms                                      the reminder opt-ins and the SMS "sent"
///  POST /admin/appointments {"patient", "doctor", "start_in_minutes", "minutes", "status"}
///       an appointment today relative to now (booked or arrived), as if booked on the phone
///       (tests and the demo set up a check-in case at any hour) → the Appointment
///  POST /admin/slots/take {"slot": "<id>"} or {"doctor": "role-003", "date": "YYYY-MM-DD"}
///       another patient takes that slot (or the doctor's first free one that day) at the counter:
///       it becomes busy → {"taken": "<slot id>" or null when none was free}
void installBookingAdmin(httplib::Server& server, SimContext& context) {
    server.Post("/admin/slots/take", [&context](const httplib::Request& req, httplib::Response& res) {
        const Json body = Json::parse(req.body, nullptr, false);
        if (!body.is_object()) {
            sendJson(res, 400, {{"error", "body is not a JSON object"}}, "application/json");
            return;
        }
        const std::string slotId = body.value("slot", "");
        const std::string role = body.value("doctor", "");
        const std::string date = body.value("date", dateIso(0));
        context.store.withWriteLock([&] {
            std::optional<Json> slot;
            if (!slotId.empty()) {
                slot = context.store.getLocked("Slot", slotId);
                if (slot && slot->value("status", "") != "free") slot.reset();
            } else {
                const std::string roleRef = "PractitionerRole/" + role;
                auto free = context.store.findLocked("Slot", [&](const Json& s) {
                    return s.value("status", "") == "free" && s.value("start", "").starts_with(date) && s.dump().find(roleRef + "\"") != std::string::npos;
                });
                std::sort(free.begin(), free.end(), [](const Json& a, const Json& b) { return a.value("start", "") < b.value("start", ""); });
                if (!free.empty()) slot = free.front();
            }
            if (!slot) {
                sendJson(res, 200, {{"taken", nullptr}}, "application/json");
                return;
            }
            (*slot)["status"] = "busy";
            (*slot)["comment"] = "taken at the counter (demo)";
            const std::string id = slot->value("id", "");
            context.store.putLocked("Slot", id, *slot);
            sendJson(res, 200, {{"taken", id}}, "application/json");
        });
    });
    server.Post("/admin/queue/call-next", [&context](const httplib::Request& req, httplib::Response& res) {
        const Json body = Json::parse(req.body, nullptr, false);
        const std::string role = body.is_object() ? body.value("doctor", "") : "";
        context.store.withWriteLock([&] {
            if (!context.store.getLocked("PractitionerRole", role)) {
                sendJson(res, 404, {{"error", "unknown doctor '" + role + "'"}}, "application/json");
                return;
            }
            const std::string called = callNextLocked(context, role, dateIso(0));
            sendJson(res, 200, {{"called", called.empty() ? Json() : Json(called)}}, "application/json");
        });
    });
    server.Get("/admin/sms", [&context](const httplib::Request&, httplib::Response& res) {
        sendJson(res, 200, {{"requests", context.store.find("CommunicationRequest", nullptr)}, {"sent", context.store.find("sms.sent", nullptr)}},
                 "application/json");
    });
    server.Post("/admin/appointments", [&context](const httplib::Request& req, httplib::Response& res) {
        const Json body = Json::parse(req.body, nullptr, false);
        if (!body.is_object()) {
            sendJson(res, 400, {{"error", "body is not a JSON object"}}, "application/json");
            return;
        }
        const std::string patient = body.value("patient", "");
        const std::string role = body.value("doctor", "role-003");
        const std::string status = body.value("status", "booked");
        context.store.withWriteLock([&] {
            auto roleResource = context.store.getLocked("PractitionerRole", role);
            if (!context.store.getLocked("Patient", patient) || !roleResource || (status != "booked" && status != "arrived")) {
                sendJson(res, 422, {{"error", "unknown patient or doctor, or a status other than booked/arrived"}}, "application/json");
                return;
            }
            const auto start = nowSeconds() + std::chrono::minutes(body.value("start_in_minutes", 0));
            const auto end = start + std::chrono::minutes(body.value("minutes", 30));
            const std::string dept = reference((*roleResource)["organization"]).substr(13);
            const std::string id = context.store.nextIdLocked("appt");
            const std::string today = dateIso(0);
            Json a = {{"resourceType", "Appointment"},
                      {"status", status},
                      {"identifier", Json::array({{{"system", fhir::kSystemAppointmentCode},
                                                   {"value", fmt::format("YY{}{}{}{:06}", today.substr(0, 4), today.substr(5, 2), today.substr(8, 2),
                                                                         std::stoll(id.substr(5)) % 900000)}}})},
                      {"start", isoAt(start)},
                      {"end", isoAt(end)},
                      {"serviceType", Json::array({{{"coding", Json::array({{{"system", fhir::kSystemDepartment}, {"code", dept}}})}}})},
                      {"participant", Json::array({{{"actor", {{"reference", "Patient/" + patient}}}, {"status", "accepted"}},
                                                   {{"actor", {{"reference", "PractitionerRole/" + role}}}, {"status", "accepted"}}})},
                      {"extension", Json::array({{{"url", fhir::kExtFee}, {"valueInteger", 0}}})}};
            if (status == "arrived") {
                int64_t highest = 0;
                for (const auto& other : queueOfLocked(context, role, today)) {
                    highest = std::max(highest, extensionInteger(other, fhir::kExtQueueNumber).value_or(0));
                }
                a["extension"].push_back({{"url", fhir::kExtQueueNumber}, {"valueInteger", highest + 1}});
            }
            sendJson(res, 201, decorated(context, "Appointment", context.store.putLocked("Appointment", id, a)), "application/json");
        });
    });
}

/// The service desk's view of calls for staff (issue 12 item 3; not FHIR, never fault-injected):
///  GET  /admin/help                 the open ones (status in-progress), oldest first →
///       {"open": [{"id", "reference", "kiosk", "screen", "reason", "detail", "patient", "sent"}]}
///       ("patient" is the Patient reference; the masked name is in "detail")
///  POST /admin/help/close {"id"}    staff have come: the Communication becomes completed →
///       {"closed": "<id>"} or 404
void installHelpAdmin(httplib::Server& server, SimContext& context) {
    server.Get("/admin/help", [&context](const httplib::Request&, httplib::Response& res) {
        auto open = context.store.find("Communication", [](const Json& c) { return c.value("status", "") == "in-progress"; });
        std::sort(open.begin(), open.end(), [](const Json& a, const Json& b) { return a.value("sent", "") < b.value("sent", ""); });
        Json rows = Json::array();
        for (const Json& call : open) {
            const Json payload = call.value("payload", Json::array());
            const Json category = call.value("category", Json::array());
            rows.push_back({{"id", call.value("id", "")},
                            {"reference", identifierValue(call, fhir::kSystemHelpReference)},
                            {"kiosk", call.value("sender", Json::object()).value("identifier", Json::object()).value("value", "")},
                            {"screen", call.value("topic", Json::object()).value("text", "")},
                            {"reason", category.empty() ? "" : category[0].value("text", "")},
                            {"detail", payload.empty() ? "" : payload[0].value("contentString", "")},
                            {"patient", reference(call.value("subject", Json::object()))},
                            {"sent", call.value("sent", "")}});
        }
        sendJson(res, 200, {{"open", rows}}, "application/json");
    });
    server.Post("/admin/help/close", [&context](const httplib::Request& req, httplib::Response& res) {
        const Json body = Json::parse(req.body, nullptr, false);
        const std::string id = body.is_object() ? body.value("id", "") : "";
        context.store.withWriteLock([&] {
            auto call = context.store.getLocked("Communication", id);
            if (!call) {
                sendJson(res, 404, {{"error", "no call for staff '" + id + "'"}}, "application/json");
                return;
            }
            (*call)["status"] = "completed";
            context.store.putLocked("Communication", id, *call);
            sendJson(res, 200, {{"closed", id}}, "application/json");
        });
    });
}

std::string base64(const std::string& bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                        reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
    out.resize(static_cast<size_t>(written));
    return out;
}

Json capabilityStatement(NamedOperations operations) {
    Json resources = Json::array();
    for (const auto& type : kResourceTypes) {
        Json interactions = Json::array({{{"code", "read"}}, {{"code", "search-type"}}});
        if (type == "Appointment" || type == "PaymentReconciliation" || type == "Communication" || type == "CommunicationRequest" ||
            type == "Task" || type == "ServiceRequest") {
            interactions.push_back({{"code", "create"}});
        }
        if (type == "Appointment" || type == "MedicationDispense") interactions.push_back({{"code", "update"}});
        Json resource = {{"type", type}, {"interaction", interactions}};
        if (type == "PaymentReconciliation") {
            resource["searchParam"] = Json::array({{{"name", "patient"},
                                                    {"definition", "urn:yizhan:searchparameter:paymentreconciliation-patient"},
                                                    {"type", "reference"},
                                                    {"documentation", "the patient a payment was for (extension urn:yizhan:ext:patient)"}}});
        }
        resources.push_back(resource);
    }
    Json rest = {{"mode", "server"}, {"resource", resources}};
    if (operations == NamedOperations::served) {
        rest["operation"] = Json::array({{{"name", "pre-settle"}, {"definition", "urn:yizhan:op:pre-settle"}},
                                         {{"name", "queue"}, {"definition", "urn:yizhan:op:queue"}},
                                         {{"name", "resolve-health-card"}, {"definition", "urn:yizhan:op:resolve-health-card"}}});
    }
    return {{"resourceType", "CapabilityStatement"},
            {"status", "active"},
            {"date", dateIso(0)},
            {"kind", "instance"},
            {"software", {{"name", "hospital-sim"}, {"version", "0.1.0"}}},
            {"fhirVersion", "4.0.1"},
            {"format", Json::array({"json"})},
            {"rest", Json::array({rest})}};
}

}  // namespace

std::optional<std::string> bookingBlockedUntil(const ResourceStore& store, const PolicySettings& policy,
                                               const std::string& patientId, bool locked) {
    const std::string windowStart = dateIso(-policy.noShowWindowDays);
    auto match = [&](const Json& a) {
        return a.value("status", "") == "noshow" && patientOfAppointment(a) == patientId && a.value("start", "") >= windowStart;
    };
    auto missed = locked ? store.findLocked("Appointment", match) : store.find("Appointment", match);
    if (static_cast<int>(missed.size()) < policy.noShowLimit) return std::nullopt;
    std::string last;
    for (const auto& a : missed) last = std::max(last, a.value("start", "").substr(0, 10));
    // Blocked for blockDays after the last missed appointment.
    const int daysSince = [&] {
        for (int d = 0; d <= policy.noShowWindowDays; ++d) {
            if (dateIso(-d) <= last) return d;
        }
        return policy.noShowWindowDays;
    }();
    if (daysSince >= policy.blockDays) return std::nullopt;
    return dateIso(policy.blockDays - daysSince);
}

void installFhirService(httplib::Server& server, SimContext& context) {
    route(server, context, "GET", "/fhir/metadata", [&context](const httplib::Request&, httplib::Response& res) {
        sendJson(res, 200, capabilityStatement(context.namedOperations));
    });
    if (context.namedOperations != NamedOperations::served) {
        // A plain R4 server: an unknown path (404, as for any path it has no resource for) or an
        // explicit 501 Not Implemented. Registered first, these shadow the operations below
        // (httplib takes the first route that matches).
        const bool notImplemented = context.namedOperations == NamedOperations::not_implemented_501;
        const Handler absent = [notImplemented](const httplib::Request& req, httplib::Response& res) {
            if (notImplemented) sendOutcome(res, 501, "not-supported", "operation " + req.path + " is not implemented");
            else sendOutcome(res, 404, "not-found", "no resource or operation at " + req.path);
        };
        route(server, context, "POST", R"(/fhir/ChargeItem/\$pre-settle)", absent);
        route(server, context, "POST", R"(/fhir/Patient/\$resolve-health-card)", absent);
        route(server, context, "GET", R"(/fhir/Appointment/([A-Za-z0-9\-\.]+)/\$queue)", absent);
    }
    route(server, context, "POST", R"(/fhir/ChargeItem/\$pre-settle)", [&context](const httplib::Request& req, httplib::Response& res) {
        preSettle(context, req, res);
    });
    route(server, context, "POST", R"(/fhir/Patient/\$resolve-health-card)", [&context](const httplib::Request& req, httplib::Response& res) {
        auto body = parseBody(req, res);
        if (!body) return;
        const auto resolved = resolveHealthCardToken(context, parameterString(*body, "token"));
        if (resolved.status != 200) {
            sendOutcome(res, resolved.status, resolved.status == 404 ? "not-found" : "business-rule", resolved.error,
                        resolved.status == 409 ? fhir::kOutcomeTokenUsed : "");
            return;
        }
        sendResource(res, 200, *context.store.get("Patient", resolved.patientId));
    });
    route(server, context, "GET", R"(/fhir/Appointment/([A-Za-z0-9\-\.]+)/\$queue)", [&context](const httplib::Request& req, httplib::Response& res) {
        queuePosition(context, req.matches[1], res);
    });
    route(server, context, "GET", R"(/fhir/Binary/([A-Za-z0-9\-\.]+))", [&context](const httplib::Request& req, httplib::Response& res) {
        auto binary = context.store.get("Binary", req.matches[1]);
        if (!binary) {
            sendOutcome(res, 404, "not-found", "Binary not found");
            return;
        }
        const Json spec = context.store.get(kReportRenderType, req.matches[1]).value_or(Json::object());
        auto file = context.store.withWriteLock([&] { return renderReportPdf(spec, context.reportDir); });
        if (!file) {
            sendOutcome(res, 500, "exception", file.error().detail);
            return;
        }
        std::string bytes;
        httplib::detail::read_file(file->string(), bytes);
        if (req.get_header_value("Accept").find("application/pdf") != std::string::npos) {
            res.set_content(bytes, "application/pdf");
            return;
        }
        Json out = {{"resourceType", "Binary"}, {"id", (*binary)["id"]}, {"meta", (*binary)["meta"]},
                    {"contentType", "application/pdf"}, {"data", base64(bytes)}};
        sendJson(res, 200, out);
    });
    route(server, context, "GET", R"(/fhir/([A-Za-z]+)/([A-Za-z0-9\-\.]+))", [&context](const httplib::Request& req, httplib::Response& res) {
        const std::string type = req.matches[1];
        auto resource = context.store.get(type, req.matches[2]);
        if (!kResourceTypes.contains(type) || !resource) {
            sendOutcome(res, 404, "not-found", type + "/" + std::string(req.matches[2]) + " not found");
            return;
        }
        sendResource(res, 200, decorated(context, type, *resource));
    });
    route(server, context, "GET", R"(/fhir/([A-Za-z]+))", [&context](const httplib::Request& req, httplib::Response& res) {
        const std::string type = req.matches[1];
        if (!kResourceTypes.contains(type)) {
            sendOutcome(res, 404, "not-supported", "resource type " + type + " is not supported");
            return;
        }
        search(context, type, req, res);
    });
    route(server, context, "POST", "/fhir/Appointment", [&context](const httplib::Request& req, httplib::Response& res) {
        createAppointment(context, req, res);
    });
    route(server, context, "POST", "/fhir/PaymentReconciliation", [&context](const httplib::Request& req, httplib::Response& res) {
        createPayment(context, req, res);
    });
    route(server, context, "POST", "/fhir/Communication", [&context](const httplib::Request& req, httplib::Response& res) {
        createCommunication(context, req, res);
    });
    route(server, context, "POST", "/fhir/CommunicationRequest", [&context](const httplib::Request& req, httplib::Response& res) {
        createCommunicationRequest(context, req, res);
    });
    installBookingAdmin(server, context);
    installHelpAdmin(server, context);
    installPharmacyAdmin(server, context);
    route(server, context, "POST", "/fhir/Task", [&context](const httplib::Request& req, httplib::Response& res) {
        createPharmacyTask(context, req, res);
    });
    route(server, context, "POST", "/fhir/ServiceRequest", [&context](const httplib::Request& req, httplib::Response& res) {
        createTcmOrder(context, req, res);
    });
    installTcmAdmin(server, context);
    route(server, context, "PUT", R"(/fhir/Appointment/([A-Za-z0-9\-\.]+))", [&context](const httplib::Request& req, httplib::Response& res) {
        updateAppointment(context, req.matches[1], req, res);
    });
    route(server, context, "PUT", R"(/fhir/MedicationDispense/([A-Za-z0-9\-\.]+))", [&context](const httplib::Request& req, httplib::Response& res) {
        updateDispense(context, req.matches[1], req, res);
    });
}

}  // namespace kiosk::sim
