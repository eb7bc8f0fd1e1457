#include "kiosk/backend/fhir_his_driver.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <regex>
#include <set>
#include <thread>

#include "kiosk/backend/fhir_history.hpp"
#include "kiosk/backend/fhir_systems.hpp"
#include "kiosk/core/log.hpp"
#include "kiosk/core/mask.hpp"

namespace kiosk::backend {

using Json = nlohmann::json;

namespace {

std::shared_ptr<spdlog::logger> logger() { return log::module("backend"); }

std::string str(const Json& object, const char* key) {
    if (!object.is_object() || !object.contains(key) || !object[key].is_string()) return {};
    return object[key].get<std::string>();
}

std::string referenceId(const Json& reference, std::string_view type) {
    const std::string ref = str(reference, "reference");
    const std::string prefix = std::string(type) + "/";
    return ref.rfind(prefix, 0) == 0 ? ref.substr(prefix.size()) : std::string();
}

std::string identifierOf(const Json& resource, const std::string& system) {
    if (!resource.contains("identifier") || !resource["identifier"].is_array()) return {};
    for (const auto& id : resource["identifier"]) {
        if (str(id, "system") == system) return str(id, "value");
    }
    return {};
}

const Json* extension(const Json& resource, const char* url) {
    if (!resource.contains("extension") || !resource["extension"].is_array()) return nullptr;
    for (const auto& e : resource["extension"]) {
        if (str(e, "url") == url) return &e;
    }
    return nullptr;
}

int64_t extensionInteger(const Json& resource, const char* url, int64_t fallback = 0) {
    const Json* e = extension(resource, url);
    return e && e->contains("valueInteger") && (*e)["valueInteger"].is_number_integer() ? (*e)["valueInteger"].get<int64_t>() : fallback;
}

bool extensionBoolean(const Json& resource, const char* url) {
    const Json* e = extension(resource, url);
    return e && e->contains("valueBoolean") && (*e)["valueBoolean"].is_boolean() && (*e)["valueBoolean"].get<bool>();
}

std::string extensionText(const Json& resource, const char* url) {
    const Json* e = extension(resource, url);
    if (!e) return {};
    for (const char* key : {"valueString", "valueDate", "valueDateTime", "valueCode"}) {
        if (e->contains(key) && (*e)[key].is_string()) return (*e)[key].get<std::string>();
    }
    return {};
}

/// The translation of the primitive string `element` of `owner` into a language whose BCP-47 tag
/// starts with `language` ("en" matches "en", "en-US", "en-GB"): FHIR R4 keeps a primitive's
/// extensions in the sibling "_<element>" (R4 §2.6.2 JSON, "primitive elements"), and the core
/// extension http://hl7.org/fhir/StructureDefinition/translation (R4, context string / code /
/// markdown) holds sub-extensions "lang" (valueCode, 1..1) and "content" (valueString or
/// valueMarkdown, 1..1). Empty when there is none.
std::string translationOf(const Json& owner, const std::string& element, std::string_view language) {
    const std::string key = "_" + element;
    if (!owner.is_object() || !owner.contains(key) || !owner[key].is_object()) return {};
    const Json& primitive = owner[key];
    if (!primitive.contains("extension") || !primitive["extension"].is_array()) return {};
    for (const auto& e : primitive["extension"]) {
        if (str(e, "url") != fhir::kExtTranslation || !e.contains("extension") || !e["extension"].is_array()) continue;
        std::string lang, content;
        for (const auto& part : e["extension"]) {
            if (str(part, "url") == "lang") lang = str(part, "valueCode");
            if (str(part, "url") == "content") content = !str(part, "valueString").empty() ? str(part, "valueString") : str(part, "valueMarkdown");
        }
        const bool matches = lang.size() >= language.size() && lang.compare(0, language.size(), language) == 0 &&
                             (lang.size() == language.size() || lang[language.size()] == '-');
        if (matches && !content.empty()) return content;
    }
    return {};
}

std::string firstText(const Json& codeableList) {
    if (!codeableList.is_array() || codeableList.empty()) return {};
    return str(codeableList[0], "text");
}

std::string serviceTypeCode(const Json& resource) {
    if (!resource.contains("serviceType") || !resource["serviceType"].is_array() || resource["serviceType"].empty()) return {};
    const Json& coding = resource["serviceType"][0].value("coding", Json::array());
    return coding.empty() ? std::string() : str(coding[0], "code");
}

/// The OperationOutcome's first issue as (code, details code, diagnostics).
struct Outcome {
    std::string code;
    std::string detailCode;
    std::string diagnostics;
};

Outcome outcomeOf(const std::string& body) {
    const Json parsed = Json::parse(body, nullptr, false);
    Outcome outcome;
    if (parsed.is_discarded() || str(parsed, "resourceType") != "OperationOutcome" || !parsed.contains("issue") ||
        !parsed["issue"].is_array() || parsed["issue"].empty()) {
        return outcome;
    }
    const Json& issue = parsed["issue"][0];
    outcome.code = str(issue, "code");
    outcome.diagnostics = str(issue, "diagnostics");
    if (issue.contains("details") && issue["details"].contains("coding") && !issue["details"]["coding"].empty()) {
        outcome.detailCode = str(issue["details"]["coding"][0], "code");
    }
    return outcome;
}

/// Maps a non-2xx answer that is not a transport problem to an Error.
Error errorOfStatus(const HttpRequest& request, const HttpResponse& response) {
    const Outcome outcome = outcomeOf(response.body);
    const std::string what = fmt::format("{} {} → HTTP {} {} {}", request.method, request.target, response.status,
                                         outcome.detailCode, outcome.diagnostics);
    switch (response.status) {
        case 404:
        case 410:
            return Error(Errc::not_found, what);
        case 403:
            if (outcome.detailCode == fhir::kOutcomeBlacklisted) return Error(Errc::blocked, what, "backend.blacklisted");
            return Error(Errc::blocked, what);
        case 409:
            if (outcome.detailCode == fhir::kOutcomeSlotTaken) return Error(Errc::slot_taken, what, "backend.slot_taken");
            if (outcome.detailCode == fhir::kOutcomeTokenUsed) return Error(Errc::rejected, what, "backend.token_used");
            if (outcome.detailCode == fhir::kOutcomeBookingLimit) return Error(Errc::rejected, what, "backend.booking_limit");
            if (outcome.detailCode == fhir::kOutcomeCancelCutoff) return Error(Errc::rejected, what, "backend.cancel_cutoff");
            if (outcome.detailCode == fhir::kOutcomeNoPhone) return Error(Errc::rejected, what, "backend.no_phone");
            if (outcome.detailCode == fhir::kOutcomeAlreadyPickedUp) return Error(Errc::rejected, what, "backend.already_picked_up");
            if (outcome.detailCode == fhir::kOutcomeTcmAlreadyOrdered) return Error(Errc::rejected, what, "backend.tcm_already_ordered");
            if (outcome.detailCode == fhir::kOutcomeNoAddress) return Error(Errc::rejected, what, "backend.no_address");
            return Error(Errc::rejected, what, "backend.wrong_state");
        default:
            return Error(Errc::rejected, what);
    }
}

Result<AppointmentStatus> parseAppointmentStatus(const std::string& text) {
    static constexpr std::pair<const char*, AppointmentStatus> kStatuses[] = {
        {"proposed", AppointmentStatus::proposed}, {"pending", AppointmentStatus::pending},
        {"booked", AppointmentStatus::booked},     {"arrived", AppointmentStatus::arrived},
        {"fulfilled", AppointmentStatus::fulfilled}, {"cancelled", AppointmentStatus::cancelled},
        {"noshow", AppointmentStatus::noshow}};
    for (const auto& [name, status] : kStatuses) {
        if (text == name) return status;
    }
    return fail(Errc::invalid_answer, "unknown Appointment.status '" + text + "'", "backend.invalid_answer");
}

Result<Appointment> toAppointment(const Json& r, const std::string& tradeSystem) {
    auto status = parseAppointmentStatus(str(r, "status"));
    if (!status) return std::unexpected(status.error());
    Appointment a;
    a.id = str(r, "id");
    a.version = r.contains("meta") ? str(r["meta"], "versionId") : "";
    a.status = *status;
    if (r.contains("slot") && r["slot"].is_array() && !r["slot"].empty()) a.slotId = referenceId(r["slot"][0], "Slot");
    for (const auto& p : r.value("participant", Json::array())) {
        const Json actor = p.value("actor", Json::object());
        if (auto id = referenceId(actor, "Patient"); !id.empty()) a.patientId = id;
        if (auto id = referenceId(actor, "PractitionerRole"); !id.empty()) a.doctorId = id;
    }
    a.departmentId = serviceTypeCode(r);
    a.start = str(r, "start");
    a.end = str(r, "end");
    a.tradeNo = identifierOf(r, tradeSystem);
    if (const auto expires = extensionText(r, fhir::kExtHoldExpires); !expires.empty()) a.holdExpires = expires;
    if (const auto queue = extensionInteger(r, fhir::kExtQueueNumber, -1); queue >= 0) a.queueNumber = static_cast<int>(queue);
    a.feeFen = extensionInteger(r, fhir::kExtFee);
    a.appointmentCode = identifierOf(r, fhir::kSystemAppointmentCode);
    if (const Json* paid = extension(r, fhir::kExtPayment)) {
        AppointmentPayment payment;
        payment.tradeNo = extensionText(*paid, "trade-no");
        payment.channel = extensionText(*paid, "channel");
        payment.channelTradeNo = extensionText(*paid, "channel-trade-no");
        payment.amountFen = extensionInteger(*paid, "amount-fen");
        payment.insuranceFen = extensionInteger(*paid, "insurance-fen");
        payment.settlementId = extensionText(*paid, "settlement-id");
        if (!payment.tradeNo.empty()) a.payment = payment;
    }
    if (auto t = extensionText(r, fhir::kExtCheckInOpens); !t.empty()) a.checkInOpens = t;
    if (auto t = extensionText(r, fhir::kExtCheckInCloses); !t.empty()) a.checkInCloses = t;
    if (auto t = extensionText(r, fhir::kExtCancelUntil); !t.empty()) a.cancelUntil = t;
    return a;
}

/// The extensions of an OperationOutcome's first issue (the facts of a business refusal).
Json issueOf(const std::string& body) {
    const Json parsed = Json::parse(body, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object()) return Json::object();
    if (!parsed.contains("issue") || !parsed["issue"].is_array() || parsed["issue"].empty() || !parsed["issue"][0].is_object()) {
        return Json::object();
    }
    return parsed["issue"][0];
}

/// An R4 dateTime with a time and a zone ("YYYY-MM-DDThh:mm:ss[.f](Z|±hh:mm)", R4 datatypes
/// "dateTime": "If hours and minutes are specified, a time zone SHALL be populated") as UTC
/// seconds; nullopt when the text is not one (no zone, a date only, garbage).
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
    const std::string zone = text.substr(at);
    int offsetMinutes = 0;
    if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':' && std::isdigit(static_cast<unsigned char>(zone[1])) &&
        std::isdigit(static_cast<unsigned char>(zone[2])) && std::isdigit(static_cast<unsigned char>(zone[4])) &&
        std::isdigit(static_cast<unsigned char>(zone[5]))) {
        offsetMinutes = (std::atoi(zone.substr(1, 2).c_str()) * 60 + std::atoi(zone.substr(4, 2).c_str())) * (zone[0] == '-' ? -1 : 1);
    } else if (zone != "Z") {
        return std::nullopt;
    }
    const std::chrono::year_month_day date{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                                           std::chrono::day{static_cast<unsigned>(day)}};
    if (!date.ok() || hour > 23 || minute > 59 || second > 60) return std::nullopt;
    return std::chrono::sys_days{date} + std::chrono::hours(hour) + std::chrono::minutes(minute) + std::chrono::seconds(second) -
           std::chrono::minutes(offsetMinutes);
}

/// The first run of ASCII digits in `text` ("3号窗口" → 3), 0 when there is none or it is absurd.
int firstNumberIn(const std::string& text) {
    const auto begin = text.find_first_of("0123456789");
    if (begin == std::string::npos) return 0;
    const auto end = text.find_first_not_of("0123456789", begin);
    const std::string digits = text.substr(begin, std::min<size_t>(end - begin, 4));
    return std::stoi(digits);
}

Result<Prescription> toPrescription(const Json& r, const std::string& tradeSystem) {
    static const std::set<std::string> kStates = {"preparation", "in-progress", "cancelled", "on-hold", "completed",
                                                  "entered-in-error", "stopped", "declined", "unknown"};
    Prescription p;
    p.dispenseId = str(r, "id");
    p.version = r.contains("meta") ? str(r["meta"], "versionId") : "";
    p.status = str(r, "status");
    if (!kStates.contains(p.status)) {
        return fail(Errc::invalid_answer, "unknown MedicationDispense.status '" + p.status + "'", "backend.invalid_answer");
    }
    p.medication = r.contains("medicationCodeableConcept") ? str(r["medicationCodeableConcept"], "text") : "";
    if (r.contains("authorizingPrescription") && !r["authorizingPrescription"].empty()) {
        p.requestId = referenceId(r["authorizingPrescription"][0], "MedicationRequest");
    }
    if (r.contains("subject")) p.patientId = referenceId(r["subject"], "Patient");
    if (r.contains("quantity")) {
        const Json& q = r["quantity"];
        p.quantity = (q.contains("value") ? q["value"].dump() : "") + " " + str(q, "unit");
    }
    p.readyForPickup = p.status == "in-progress" && r.contains("whenPrepared");
    p.window = extensionText(r, fhir::kExtPickupWindow);
    p.windowNumber = firstNumberIn(p.window);
    if (const Json* locker = extension(r, fhir::kExtPickupLocker)) {
        p.lockerTerminal = extensionText(*locker, "terminal");
        p.lockerNumber = static_cast<int>(extensionInteger(*locker, "number"));
        if (p.lockerNumber < 0 || p.lockerNumber > 9999 || p.lockerTerminal.empty()) {
            return fail(Errc::invalid_answer,
                        fmt::format("MedicationDispense/{}: pickup locker {} at terminal '{}' is not a locker", p.dispenseId, p.lockerNumber,
                                    p.lockerTerminal),
                        "backend.invalid_answer");
        }
    }
    p.expectedAt = extensionText(r, fhir::kExtReportExpected);
    p.preparedAt = str(r, "whenPrepared");
    p.handedOverAt = str(r, "whenHandedOver");
    if (r.contains("statusReasonCodeableConcept")) {
        for (const auto& coding : r["statusReasonCodeableConcept"].value("coding", Json::array())) {
            if (str(coding, "system") == fhir::kSystemDispenseStatusReason && str(coding, "code") == "unpaid") p.unpaid = true;
        }
    }
    if (r.contains("extension") && r["extension"].is_array()) {
        for (const auto& e : r["extension"]) {
            if (str(e, "url") != fhir::kExtCharge || !e.contains("valueReference")) continue;
            if (auto id = referenceId(e["valueReference"], "ChargeItem"); !id.empty()) p.chargeIds.push_back(id);
        }
    }
    p.pickupCode = identifierOf(r, fhir::kSystemPickupCode);
    p.tradeNo = identifierOf(r, tradeSystem);
    if (r.contains("category") && r["category"].is_object()) {
        for (const auto& coding : r["category"].value("coding", Json::array())) {
            if (str(coding, "system") == fhir::kSystemPrescriptionCategory && str(coding, "code") == "tcm") p.herbal = true;
        }
    }
    if (p.herbal && r.contains("quantity") && r["quantity"].is_object()) {
        const Json& q = r["quantity"];
        // R4 Quantity.value is a decimal: "7" and "7.0" are seven doses; a fraction is not a
        // dose count (0: decoction, priced per dose, is then not offered).
        if (q.contains("value") && q["value"].is_number()) {
            const double value = q["value"].get<double>();
            if (value >= 1 && value <= 999 && value == std::floor(value)) p.doses = static_cast<int>(value);
        }
    }
    return p;
}

Result<PharmacyTicket> toPharmacyTicket(const Json& r, const std::string& tradeSystem) {
    PharmacyTicket t;
    t.taskId = str(r, "id");
    t.tradeNo = identifierOf(r, tradeSystem);
    t.callNumber = identifierOf(r, fhir::kSystemPharmacyCallNumber);
    t.status = str(r, "status");
    if (r.contains("owner")) t.window = str(r["owner"], "display");
    t.windowNumber = firstNumberIn(t.window);
    t.waitingAhead = static_cast<int>(extensionInteger(r, fhir::kExtWaitingAhead));
    if (t.taskId.empty() || t.callNumber.empty() || t.callNumber.size() > 16) {
        return fail(Errc::invalid_answer, fmt::format("pharmacy Task '{}' without a usable call number '{}'", t.taskId, t.callNumber),
                    "backend.invalid_answer");
    }
    return t;
}

/// An R4 Address (or the first of an array) as one line: its text, else its parts in Chinese
/// order (state, city, district, lines).
std::string addressText(const Json& address) {
    const Json& a = address.is_array() ? (address.empty() ? Json::object() : address[0]) : address;
    if (!a.is_object()) return {};
    if (std::string text = str(a, "text"); !text.empty()) return text;
    std::string joined = str(a, "state") + str(a, "city") + str(a, "district");
    for (const auto& line : a.value("line", Json::array())) joined += line.is_string() ? line.get<std::string>() : "";
    return joined;
}

Result<Patient> toPatient(const Json& r, const FhirSettings& s) {
    Patient p;
    p.id = str(r, "id");
    if (p.id.empty()) return fail(Errc::invalid_answer, "Patient without id", "backend.invalid_answer");
    if (r.contains("name") && r["name"].is_array() && !r["name"].empty()) {
        p.name = str(r["name"][0], "text");
        if (p.name.empty()) {  // family + given, Chinese order
            p.name = str(r["name"][0], "family");
            for (const auto& given : r["name"][0].value("given", Json::array())) p.name += given.is_string() ? given.get<std::string>() : "";
        }
    }
    p.idNumber = identifierOf(r, s.systemIdNumber);
    p.socialSecurityCard = identifierOf(r, s.systemSocialSecurity);
    p.hospitalCard = identifierOf(r, s.systemHospitalCard);
    p.healthCardId = identifierOf(r, s.systemHealthCard);
    const std::string gender = str(r, "gender");
    p.sex = gender == "male" ? "1" : gender == "female" ? "2" : "9";
    p.birthDate = str(r, "birthDate");
    for (const auto& t : r.value("telecom", Json::array())) {
        if (str(t, "system") == "phone") p.phone = str(t, "value");
    }
    p.address = addressText(r.value("address", Json::array()));
    if (const auto until = extensionText(r, fhir::kExtBlockedUntil); !until.empty()) {
        p.bookingBlockedUntil = until;
        p.bookingBlockedReason = extensionText(r, fhir::kExtBlockedReason);
        p.bookingBlockedMissed = static_cast<int>(extensionInteger(r, fhir::kExtBlockedMissed));
        p.bookingBlockedWindowDays = static_cast<int>(extensionInteger(r, fhir::kExtBlockedWindowDays));
    }
    return p;
}

std::string systemOf(PatientKey key, const FhirSettings& s) {
    switch (key) {
        case PatientKey::social_security_card: return s.systemSocialSecurity;
        case PatientKey::id_number: return s.systemIdNumber;
        case PatientKey::hospital_card: return s.systemHospitalCard;
        case PatientKey::health_card_id: return s.systemHealthCard;
    }
    return {};
}

PersonalField maskFieldOf(PatientKey key) { return key == PatientKey::id_number ? PersonalField::id_number : PersonalField::card_number; }

/// The members of an array field, or none when the field is missing or not an array.
const Json& arrayOf(const Json& object, const char* key) {
    static const Json kEmpty = Json::array();
    if (!object.is_object() || !object.contains(key) || !object[key].is_array()) return kEmpty;
    return object[key];
}

/// Parses a 2xx answer as a resource of `expectedType`; keeps the ETag's version in meta.versionId.
Result<Json> parseAnswer(const std::string& target, const HttpResponse& answer, std::string_view expectedType) {
    Json parsed = Json::parse(answer.body, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object()) {
        logger()->error("{}: malformed JSON answer ({} bytes)", target, answer.body.size());
        return fail(Errc::invalid_answer, target + ": malformed JSON answer", "backend.invalid_answer");
    }
    const std::string type = str(parsed, "resourceType");
    if (type != expectedType) {
        const std::string why = type == "OperationOutcome" ? " (" + outcomeOf(answer.body).diagnostics + ")" : "";
        logger()->error("{}: expected {}, got '{}'{}", target, expectedType, type, why);
        return fail(Errc::invalid_answer, fmt::format("{}: expected {}, got '{}'{}", target, expectedType, type, why),
                    "backend.invalid_answer");
    }
    if (answer.headers.contains("etag")) {
        // Keep the version the ETag names, for If-Match (W/"3" → 3).
        const std::string etag = answer.header("etag");
        const auto open = etag.find('"');
        const auto close = etag.rfind('"');
        if (open != std::string::npos && close > open) parsed["meta"]["versionId"] = etag.substr(open + 1, close - open - 1);
    }
    return parsed;
}

std::string decodeBase64(const std::string& text) {
    std::string out(text.size() / 4 * 3 + 3, '\0');
    const int written = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                        reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
    if (written < 0) return {};
    size_t size = static_cast<size_t>(written);
    // EVP_DecodeBlock counts the padding as zero bytes.
    if (text.size() >= 1 && text[text.size() - 1] == '=') --size;
    if (text.size() >= 2 && text[text.size() - 2] == '=') --size;
    out.resize(size);
    return out;
}

/// "Today" and "now" in China Standard Time (the hospital's clock; China has one time zone).
std::string chinaNow(const char* format) {
    const auto local = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()) + std::chrono::hours(8);
    return fmt::format(fmt::runtime(format), local);
}

std::string nextDay(const std::string& date) {
    std::chrono::year_month_day ymd{std::chrono::year{std::atoi(date.substr(0, 4).c_str())},
                                    std::chrono::month{static_cast<unsigned>(std::atoi(date.substr(5, 2).c_str()))},
                                    std::chrono::day{static_cast<unsigned>(std::atoi(date.substr(8, 2).c_str()))}};
    const auto next = std::chrono::year_month_day{std::chrono::sys_days{ymd} + std::chrono::days(1)};
    return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(next.year()), static_cast<unsigned>(next.month()),
                       static_cast<unsigned>(next.day()));
}

bool isDate(const std::string& text) {
    return text.size() == 10 && text[4] == '-' && text[7] == '-' &&
           std::all_of(text.begin(), text.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '-'; });
}

bool isSafeId(const std::string& id) {
    return !id.empty() && id.size() <= 64 &&
           std::all_of(id.begin(), id.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.'; });
}

Result<void> requireId(const std::string& id, const char* what) {
    if (isSafeId(id)) return {};
    return fail(Errc::invalid_argument, fmt::format("{} '{}' is not a FHIR id", what, id.substr(0, 80)));
}

HttpRequest makeRequest(std::string method, std::string target, std::string body = {},
                        std::string accept = "application/fhir+json") {
    HttpRequest request;
    request.method = std::move(method);
    request.target = std::move(target);
    request.body = std::move(body);
    request.accept = std::move(accept);
    return request;
}

}  // namespace

std::string urlEncode(std::string_view value) {
    std::string out;
    for (const unsigned char c : value) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out += static_cast<char>(c);
        else out += fmt::format("%{:02X}", c);
    }
    return out;
}

std::string_view patientKeyName(PatientKey key) {
    switch (key) {
        case PatientKey::social_security_card: return "social_security_card";
        case PatientKey::id_number: return "id_number";
        case PatientKey::hospital_card: return "hospital_card";
        case PatientKey::health_card_id: return "health_card_id";
    }
    return "unknown";
}

std::string_view appointmentStatusName(AppointmentStatus status) {
    switch (status) {
        case AppointmentStatus::proposed: return "proposed";
        case AppointmentStatus::pending: return "pending";
        case AppointmentStatus::booked: return "booked";
        case AppointmentStatus::arrived: return "arrived";
        case AppointmentStatus::fulfilled: return "fulfilled";
        case AppointmentStatus::cancelled: return "cancelled";
        case AppointmentStatus::noshow: return "noshow";
    }
    return "unknown";
}

std::string_view latePolicyName(LatePolicy policy) {
    switch (policy) {
        case LatePolicy::unknown: return "unknown";
        case LatePolicy::queue_end: return "queue_end";
        case LatePolicy::rebook: return "rebook";
    }
    return "unknown";
}

std::string_view tcmServiceCode(TcmService service) {
    switch (service) {
        case TcmService::self_decoction: return "self-decoction";
        case TcmService::decoction: return "decoction";
        case TcmService::delivery: return "delivery";
        case TcmService::decoction_delivery: return "decoction-delivery";
    }
    return "self-decoction";
}

std::optional<TcmService> tcmServiceFromCode(std::string_view code) {
    for (auto s : {TcmService::self_decoction, TcmService::decoction, TcmService::delivery, TcmService::decoction_delivery}) {
        if (tcmServiceCode(s) == code) return s;
    }
    return std::nullopt;
}

std::string_view checkInOutcomeName(CheckInOutcome outcome) {
    switch (outcome) {
        case CheckInOutcome::checked_in: return "checked_in";
        case CheckInOutcome::already_checked_in: return "already_checked_in";
        case CheckInOutcome::too_early: return "too_early";
        case CheckInOutcome::too_late: return "too_late";
        case CheckInOutcome::another_day: return "another_day";
    }
    return "unknown";
}

FhirSettings::FhirSettings()
    : systemSocialSecurity(fhir::kSystemSocialSecurity),
      systemIdNumber(fhir::kSystemIdNumber),
      systemHospitalCard(fhir::kSystemHospitalCard),
      systemHealthCard(fhir::kSystemHealthCard),
      systemTrade(fhir::kSystemKioskTrade) {}

FhirHisDriver::FhirHisDriver(FhirSettings settings, std::shared_ptr<const Clock> clock)
    : settings_(std::move(settings)),
      clock_(clock ? std::move(clock) : std::make_shared<SystemClock>()),
      http_(settings_.http),
      breaker_(settings_.breaker, *clock_) {}

FhirHisDriver::~FhirHisDriver() = default;

std::string FhirHisDriver::describe() const { return "fhir " + http_.settings().baseUrl; }

Result<HttpResponse> FhirHisDriver::exchange(HttpRequest request, Safety safety, std::initializer_list<long> passThrough) {
    const int attempts = safety == Safety::once ? 1 : 1 + std::max(0, settings_.retries);
    for (int attempt = 1;; ++attempt) {
        if (!breaker_.allow()) {
            return fail(Errc::backend_unavailable, fmt::format("{} {}: circuit open, backend considered down", request.method, request.target),
                        "backend.unavailable");
        }
        auto answer = http_.perform(request);
        if (answer && std::find(passThrough.begin(), passThrough.end(), answer->status) != passThrough.end()) {
            breaker_.recordSuccess();  // the server answered: it is up
            return std::move(*answer);
        }
        std::optional<HttpFailure> failure;
        if (!answer) {
            failure = answer.error();
        } else if (answer->status >= 500) {
            // The server may have done the work before failing: treat like a lost answer.
            failure = HttpFailure{answer->status == 504 ? Errc::timeout : Errc::backend_unavailable, true,
                                  fmt::format("{} {} → HTTP {} {}", request.method, request.target, answer->status,
                                              outcomeOf(answer->body).diagnostics)};
        }
        if (!failure) {
            breaker_.recordSuccess();
            if (answer->status >= 300 && answer->status < 400) {
                return fail(Errc::invalid_answer,
                            fmt::format("{} {} → HTTP {} redirect to '{}' refused", request.method, request.target, answer->status,
                                        answer->header("location")),
                            "backend.invalid_answer");
            }
            if (answer->status >= 400) return std::unexpected(errorOfStatus(request, *answer));
            return std::move(*answer);
        }
        if (failure->code == Errc::invalid_answer) {  // oversize or broken body: the backend is up
            breaker_.recordSuccess();
            return fail(Errc::invalid_answer, failure->detail, failure->tooLarge ? "backend.answer_too_large" : "backend.invalid_answer");
        }
        breaker_.recordFailure();
        const bool repeatable = safety != Safety::once || !failure->maybeDelivered;
        if (repeatable && attempt < attempts) {
            logger()->warn("attempt {}/{} failed, retrying: {}", attempt, attempts, failure->detail);
            std::this_thread::sleep_for(settings_.retryBackoff * attempt);
            continue;
        }
        const bool lostWrite = safety != Safety::read && failure->maybeDelivered &&
                               (failure->code == Errc::timeout || failure->code == Errc::unknown_outcome ||
                                (answer && answer->status >= 500));
        logger()->error("{} failed after {} attempt(s): {}", request.target, attempt, failure->detail);
        if (lostWrite) return fail(Errc::unknown_outcome, failure->detail, "backend.unknown_outcome");
        if (failure->code == Errc::timeout) return fail(Errc::timeout, failure->detail, "backend.timeout");
        return fail(Errc::backend_unavailable, failure->detail, "backend.unavailable");
    }
}

Result<Json> FhirHisDriver::fetch(HttpRequest request, Safety safety, std::string_view expectedType) {
    const std::string target = request.target;
    auto answer = exchange(std::move(request), safety);
    if (!answer) return std::unexpected(answer.error());
    return parseAnswer(target, *answer, expectedType);
}

Result<std::vector<Json>> FhirHisDriver::search(const std::string& target, std::string_view type) {
    std::vector<Json> out;
    std::string next = target + (target.find('?') == std::string::npos ? "?" : "&") + "_count=" + std::to_string(settings_.pageSize);
    const std::string& base = http_.settings().baseUrl;
    auto origin = urlOrigin(base);
    if (!origin) return fail(Errc::invalid_config, "backend base URL: " + origin.error().detail);
    for (int page = 0; page < settings_.maxPages && !next.empty(); ++page) {
        auto bundle = fetch(makeRequest("GET", next), Safety::read, "Bundle");
        if (!bundle) return std::unexpected(bundle.error());
        for (const auto& entry : bundle->value("entry", Json::array())) {
            const Json resource = entry.value("resource", Json::object());
            const std::string mode = entry.contains("search") ? str(entry["search"], "mode") : "match";
            if (mode != "match") continue;  // _include and outcome entries
            if (str(resource, "resourceType") != type) {
                return fail(Errc::invalid_answer, fmt::format("{}: entry of type '{}' in a {} search", target, str(resource, "resourceType"), type),
                            "backend.invalid_answer");
            }
            out.push_back(resource);
        }
        next.clear();
        for (const auto& link : bundle->value("link", Json::array())) {
            if (str(link, "relation") != "next") continue;
            // The same server may spell its origin differently (HAPI writes "https://host:443/…"
            // behind a proxy) or send a relative link: compare origins normalised, resolve
            // relative links against the service base. Another origin is still refused (the
            // kiosk talks to its configured server only).
            auto url = resolveUrl(base, str(link, "url"));
            if (!url) return fail(Errc::invalid_answer, target + ": paging link: " + url.error().detail, "backend.invalid_answer");
            auto linkOrigin = urlOrigin(*url);
            if (!linkOrigin) return fail(Errc::invalid_answer, target + ": paging link: " + linkOrigin.error().detail, "backend.invalid_answer");
            if (*linkOrigin != *origin) {
                logger()->error("{}: paging link to {} refused (the backend is {})", target, linkOrigin->text(), origin->text());
                return fail(Errc::invalid_answer, fmt::format("paging link to another host refused: {} (backend {})", linkOrigin->text(), origin->text()),
                            "backend.invalid_answer");
            }
            next = *url;
        }
    }
    if (!next.empty()) {
        logger()->warn("{}: stopped after {} pages ({} {} resources); the rest is not shown (maxPages)", target, settings_.maxPages, out.size(), type);
    }
    return out;
}

Result<Json> FhirHisDriver::conditionalCreate(const std::string& type, const std::string& tradeNo, const Json& body) {
    // R4 http.html#ccreate: the server searches If-None-Exist; no match → it creates (201), one
    // match → it creates nothing and answers 200 "with headers and body populated as they would
    // have been if a create had actually occurred (i.e., the body is set as per the prefer
    // header…)", several matches → 412 Precondition Failed. With Prefer (http.html#ops) the body is
    // the resource (return=representation), nothing (return=minimal) or an OperationOutcome
    // (return=OperationOutcome), and a server may choose when no Prefer is sent: Azure's FHIR
    // service answers a match with a bare 200 (SanteonNL/orca#357).
    const std::string condition = "identifier=" + urlEncode(settings_.systemTrade + "|" + tradeNo);
    HttpRequest request = makeRequest("POST", type, body.dump());
    request.headers.emplace_back("If-None-Exist", condition);
    request.headers.emplace_back("Prefer", "return=representation");  // asked for, never counted on
    auto answer = exchange(std::move(request), Safety::repeatable_write, {412});
    if (!answer) return std::unexpected(answer.error());
    if (answer->status == 412) {
        // Several records already carry this key: the backend holds the business (maybe twice);
        // this is for a person to sort out, never a refusal to be undone by the kiosk. Not
        // `rejected` (a payment saga refunds a rejected commit): an answer the kiosk cannot act on,
        // told apart by its message key.
        const Outcome outcome = outcomeOf(answer->body);
        logger()->error("POST {} ({}) → HTTP 412: several {} resources match the business key {}", type, condition, type, outcome.diagnostics);
        return fail(Errc::invalid_answer,
                    fmt::format("POST {} If-None-Exist {} → HTTP 412: several {} resources carry trade_no {} {}", type, condition, type,
                                tradeNo, outcome.diagnostics),
                    "backend.duplicate_records");
    }
    const Json parsed = Json::parse(answer->body, nullptr, false);
    if (!parsed.is_discarded() && str(parsed, "resourceType") == type) return parseAnswer(type, *answer, type);
    // 200/201 without the resource: it exists (created now or matched), find it.
    const std::string carried = answer->body.empty()           ? "an empty body"
                                : parsed.is_discarded()        ? "a body that is not JSON"
                                : str(parsed, "resourceType").empty() ? "a JSON body that is no resource"
                                                               : "a " + str(parsed, "resourceType") + " body";
    logger()->info("POST {} → HTTP {} with {}: looking up the {} it holds for the business key", type, answer->status, carried, type);
    return createdResource(type, tradeNo, answer->header("location"));
}

Result<Json> FhirHisDriver::createdResource(const std::string& type, const std::string& tradeNo, const std::string& location) {
    // 1. Location: "[base]/[type]/[id]/_history/[vid]" (http.html#create), absolute or relative.
    if (!location.empty()) {
        auto url = resolveUrl(http_.settings().baseUrl, location);
        auto origin = url ? urlOrigin(*url) : Result<UrlOrigin>(std::unexpected(url.error()));
        auto base = urlOrigin(http_.settings().baseUrl);
        const std::regex shape("/" + type + "/([A-Za-z0-9\\-\\.]{1,64})(/_history/[^/?#]*)?/?([?#].*)?$");
        std::smatch match;
        if (!origin || !base || *origin != *base) {
            logger()->warn("{} Location '{}' is not a URL on the backend's server: searching by identifier instead", type, location.substr(0, 200));
        } else if (!std::regex_search(*url, match, shape)) {
            logger()->warn("{} Location '{}' names no {}/<id>: searching by identifier instead", type, location.substr(0, 200), type);
        } else {
            // The current version, not the one Location names: its status is what counts now.
            auto read = fetch(makeRequest("GET", type + "/" + match[1].str()), Safety::read, type);
            if (read && identifierOf(*read, settings_.systemTrade) == tradeNo) return read;
            logger()->warn("{} Location '{}': {}; searching by identifier instead", type, location.substr(0, 200),
                           read ? "the resource there carries another business key" : read.error().describe());
        }
    }
    // 2. A search by the identifier If-None-Exist named.
    auto found = search(type + "?identifier=" + urlEncode(settings_.systemTrade + "|" + tradeNo), type);
    if (found && found->size() == 1) return found->front();
    if (found && found->size() > 1) {
        return fail(Errc::invalid_answer, fmt::format("{} resources carrying trade_no {}: {} (after a 2xx conditional create)", type, tradeNo, found->size()),
                    "backend.duplicate_records");
    }
    // The server said it holds the resource: never report "not there" (a payment saga would
    // refund it); the outcome is unknown until a later lookup settles it.
    const std::string why = found ? "no resource carries it" : found.error().describe();
    logger()->error("{} with trade_no {} acknowledged by the server but not readable: {}", type, tradeNo, why);
    return fail(Errc::unknown_outcome, fmt::format("{} with trade_no {} acknowledged (2xx) but not readable: {}", type, tradeNo, why),
                "backend.unknown_outcome");
}

Result<Json> FhirHisDriver::operation(const HttpRequest& request, Safety safety, std::string_view expectedType, const NamedOperation& op) {
    // 404/400 may be the operation's own answer (an unknown token, an appointment not found) or a
    // server that has no such operation; 405 and 501 are always the latter (RFC 9110 §15.5.6,
    // §15.6.2). The CapabilityStatement tells which (R4 CapabilityStatement.rest.operation and
    // rest.resource.operation list the operations a server offers).
    auto answer = exchange(request, safety, {400, 404, 405, 501});
    if (!answer) return std::unexpected(answer.error());
    const long status = answer->status;
    if (status != 400 && status != 404 && status != 405 && status != 501) return parseAnswer(request.target, *answer, expectedType);
    bool offered = status != 405 && status != 501;
    if (offered) {
        const std::optional<bool> declared = declaresOperation(op.name);
        // Without a readable CapabilityStatement, the OperationOutcome's code is the only hint.
        offered = declared ? *declared : outcomeOf(answer->body).code != "not-supported";
    }
    if (offered) return std::unexpected(errorOfStatus(request, *answer));
    logger()->error("{} {} → HTTP {}: this backend does not offer ${}", request.method, request.target, status, op.name);
    return fail(Errc::unsupported,
                fmt::format("{} {} → HTTP {}: this backend does not offer the operation ${} {}", request.method, request.target, status, op.name,
                            outcomeOf(answer->body).diagnostics),
                op.messageKey);
}

std::optional<bool> FhirHisDriver::declaresOperation(const std::string& name) {
    std::lock_guard lock(capabilityMutex_);
    if (!declaredOperations_) {
        auto statement = fetch(makeRequest("GET", "metadata"), Safety::read, "CapabilityStatement");
        if (!statement) {
            logger()->warn("capability statement unreadable ({}): cannot tell whether ${} is offered", statement.error().describe(), name);
            return std::nullopt;
        }
        std::set<std::string> names;
        const auto collect = [&names](const Json& holder) {
            for (const auto& op : arrayOf(holder, "operation")) {
                std::string opName = str(op, "name");
                if (!opName.empty() && opName.front() == '$') opName.erase(0, 1);
                if (!opName.empty()) names.insert(opName);
            }
        };
        for (const auto& rest : arrayOf(*statement, "rest")) {
            collect(rest);
            for (const auto& resource : arrayOf(rest, "resource")) collect(resource);
        }
        declaredOperations_ = std::move(names);
    }
    return declaredOperations_->contains(name);
}

Result<Json> FhirHisDriver::changeStatus(const std::string& type, const std::string& id, const std::string& target,
                                         const std::function<Result<void>(Json&)>& amend, std::string* refusal) {
    if (auto valid = requireId(id, type.c_str()); !valid) return std::unexpected(valid.error());
    const int attempts = 1 + std::max(0, settings_.retries);
    Error last(Errc::internal, "no attempt made");
    for (int attempt = 1; attempt <= attempts; ++attempt) {
        auto current = fetch(makeRequest("GET", type + "/" + id), Safety::read, type);
        if (!current) return std::unexpected(current.error());
        if (str(*current, "status") == target) return current;  // done before (maybe by our lost call)
        Json updated = *current;
        updated["status"] = target;
        if (amend) {
            if (auto amended = amend(updated); !amended) return std::unexpected(amended.error());
        }
        const std::string version = str((*current)["meta"], "versionId");
        HttpRequest put = makeRequest("PUT", type + "/" + id, updated.dump());
        put.headers.emplace_back("If-Match", "W/\"" + version + "\"");
        const HttpRequest sent = put;
        auto answer = exchange(std::move(put), Safety::once, {409});
        if (answer && answer->status == 409) {
            // A business refusal: its OperationOutcome says why (kept for the caller).
            if (refusal) *refusal = answer->body;
            return std::unexpected(errorOfStatus(sent, *answer));
        }
        auto result = answer ? parseAnswer(sent.target, *answer, type) : Result<Json>(std::unexpected(answer.error()));
        if (result) return result;
        last = result.error();
        // A version conflict or a lost answer: read again and decide (never blindly repeat).
        const bool conflict = last.detail.find("HTTP 412") != std::string::npos;
        if (!conflict && last.code != Errc::unknown_outcome) return std::unexpected(last);
        logger()->warn("{}/{} → {}: {}, re-reading", type, id, target, last.detail);
    }
    return std::unexpected(last);
}

Result<BackendInfo> FhirHisDriver::ping() {
    const auto started = std::chrono::steady_clock::now();
    auto statement = fetch(makeRequest("GET", "metadata"), Safety::read, "CapabilityStatement");
    if (!statement) return std::unexpected(statement.error());
    BackendInfo info;
    info.software = statement->contains("software") ? str((*statement)["software"], "name") : "";
    info.version = statement->contains("software") ? str((*statement)["software"], "version") : "";
    info.fhirVersion = str(*statement, "fhirVersion");
    info.latencyMs = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    if (info.fhirVersion.rfind("4.0", 0) != 0) {
        return fail(Errc::invalid_answer, "server speaks FHIR " + info.fhirVersion + ", not R4 (4.0.x)", "backend.invalid_answer");
    }
    return info;
}

Result<Patient> FhirHisDriver::findPatient(PatientKey key, const std::string& value) {
    if (value.empty() || value.size() > 64) return fail(Errc::invalid_argument, "empty or oversize patient key");
    auto found = search("Patient?identifier=" + urlEncode(systemOf(key, settings_) + "|" + value), "Patient");
    if (!found) return std::unexpected(found.error());
    if (found->empty()) {
        logger()->info("no patient for {} {}", patientKeyName(key), maskPersonalData(value, maskFieldOf(key)));
        return fail(Errc::not_found, fmt::format("no patient with {} {}", patientKeyName(key), maskPersonalData(value, maskFieldOf(key))),
                    "backend.patient_not_found");
    }
    if (found->size() > 1) logger()->warn("{} patients share one {}; using the first", found->size(), patientKeyName(key));
    return toPatient(found->front(), settings_);
}

Result<Patient> FhirHisDriver::resolveHealthCard(const std::string& token) {
    const bool wellFormed = token.size() == 66 && token.substr(64) == ":1" &&
                            std::all_of(token.begin(), token.begin() + 64, [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
    if (!wellFormed) return fail(Errc::invalid_argument, "not an e-health-card token (64 hex + ':1')", "backend.token_invalid");
    const Json parameters = {{"resourceType", "Parameters"},
                             {"parameter", Json::array({{{"name", "token"}, {"valueString", token}},
                                                        {{"name", "stage"}, {"valueCode", "0101011"}},
                                                        {{"name", "channel"}, {"valueCode", "0200"}}})}};
    // Dynamic tokens are one-use: this call is never repeated automatically.
    auto patient = operation(makeRequest("POST", "Patient/$resolve-health-card", parameters.dump()), Safety::once, "Patient",
                             {"resolve-health-card", "backend.not_offered.health_card"});
    if (!patient) {
        Error error = patient.error();
        if (error.code == Errc::not_found) error.messageKey = "backend.token_unknown";
        if (error.code == Errc::unknown_outcome) error = Error(Errc::backend_unavailable, error.detail, "backend.unavailable");
        return std::unexpected(error);
    }
    return toPatient(*patient, settings_);
}

Result<std::vector<Department>> FhirHisDriver::departments() {
    auto found = search("Organization?type=dept", "Organization");
    if (!found) return std::unexpected(found.error());
    std::vector<Department> out;
    for (const auto& r : *found) {
        Department d{str(r, "id"), identifierOf(r, fhir::kSystemDepartment), str(r, "name"), extensionText(r, fhir::kExtNameEn),
                     extensionText(r, fhir::kExtLocation)};
        if (!isSafeId(d.id) || d.name.empty()) {  // cannot be chosen or shown
            logger()->warn("Organization '{}' left out of the departments: {}", d.id.substr(0, 64), d.name.empty() ? "no name" : "not a FHIR id");
            continue;
        }
        out.push_back(std::move(d));
    }
    return out;
}

Result<std::vector<Doctor>> FhirHisDriver::doctors(const std::string& departmentId) {
    if (auto valid = requireId(departmentId, "department"); !valid) return std::unexpected(valid.error());
    auto found = search("PractitionerRole?organization=" + urlEncode("Organization/" + departmentId), "PractitionerRole");
    if (!found) return std::unexpected(found.error());
    std::vector<Doctor> out;
    for (const auto& r : *found) {
        Doctor d;
        d.id = str(r, "id");
        d.practitionerId = referenceId(r.value("practitioner", Json::object()), "Practitioner");
        d.name = r.contains("practitioner") ? str(r["practitioner"], "display") : "";
        d.title = extensionText(r, fhir::kExtTitle);
        if (d.title.empty()) d.title = firstText(r.value("code", Json::array()));
        d.specialty = firstText(r.value("specialty", Json::array()));
        d.departmentId = referenceId(r.value("organization", Json::object()), "Organization");
        d.feeFen = extensionInteger(r, fhir::kExtFee, -1);
        // A role with no Practitioner is a clinic, not a person: the department's "any doctor"
        // general clinic, named by its title. A person without a name cannot be chosen.
        d.anyDoctor = !r.contains("practitioner");
        if (d.anyDoctor && d.name.empty()) d.name = d.title;
        const char* why = !isSafeId(d.id)                      ? "not a FHIR id"
                          : d.name.empty()                     ? "a doctor without a name"
                          : d.departmentId != departmentId     ? "of another department"
                          : d.feeFen < 0                       ? "no registration fee (urn:yizhan:ext:fee-fen missing or below 0)"
                                                               : nullptr;
        if (why) {
            logger()->warn("PractitionerRole/{} left out of the doctors of {}: {}", d.id.substr(0, 64), departmentId, why);
            continue;
        }
        out.push_back(std::move(d));
    }
    return out;
}

Result<std::vector<Slot>> FhirHisDriver::slots(const SlotQuery& query) {
    if (auto valid = requireId(query.departmentId, "department"); !valid) return std::unexpected(valid.error());
    const std::string today = chinaNow("{:%Y-%m-%d}");
    const std::string from = query.fromDate.empty() ? today : query.fromDate;
    if (!isDate(from) || (!query.toDate.empty() && !isDate(query.toDate))) {
        return fail(Errc::invalid_argument, "slot dates must be YYYY-MM-DD");
    }
    const std::string to = query.toDate.empty() ? nextDay(from) : query.toDate;
    std::string target = "Slot?service-type=" + urlEncode(query.departmentId) + "&start=ge" + from + "&start=lt" + to;
    if (query.freeOnly) target += "&status=free";
    if (!query.doctorId.empty()) {
        if (auto valid = requireId(query.doctorId, "doctor"); !valid) return std::unexpected(valid.error());
        target += "&schedule.actor=" + urlEncode("PractitionerRole/" + query.doctorId);
    }
    auto found = search(target, "Slot");
    if (!found) return std::unexpected(found.error());
    const auto now = std::chrono::system_clock::now();
    std::vector<Slot> out;
    // Per doctor, the [start, end) of the slots kept so far: a slot overlapping one of them is
    // a calendar error of the HIS (two patients for one time), left out.
    std::map<std::string, std::vector<std::pair<std::chrono::sys_seconds, std::chrono::sys_seconds>>> taken;
    size_t begun = 0;
    for (const auto& r : *found) {
        Slot s;
        s.id = str(r, "id");
        s.start = str(r, "start");
        s.end = str(r, "end");
        s.status = str(r, "status");
        static const std::set<std::string> kSlotStates = {"free", "busy", "busy-tentative", "busy-unavailable", "entered-in-error"};
        if (!kSlotStates.contains(s.status)) {
            return fail(Errc::invalid_answer, "unknown Slot.status '" + s.status + "'", "backend.invalid_answer");
        }
        s.departmentId = serviceTypeCode(r);
        const Json* role = extension(r, "urn:yizhan:ext:practitioner-role");
        if (role && role->contains("valueReference")) s.doctorId = referenceId((*role)["valueReference"], "PractitionerRole");
        s.feeFen = extensionInteger(r, fhir::kExtFee, -1);
        // What the HIS sent is checked before a patient can choose it (bad input, issue 11):
        // times with a zone (R4 instant: "the time SHALL specify a time zone"), not begun, of the
        // asked department, not overlapping, with a fee (0 is a free clinic; missing is unknown).
        const auto start = parseInstant(s.start);
        const auto end = parseInstant(s.end);
        std::string why;
        if (!isSafeId(s.id)) why = "not a FHIR id";
        else if (!start || !end) why = fmt::format("times without a UTC offset or not a time ('{}' – '{}')", s.start.substr(0, 40), s.end.substr(0, 40));
        else if (*end <= *start) why = fmt::format("ends ({}) before it starts ({})", s.end, s.start);
        else if (s.departmentId != query.departmentId) why = fmt::format("of department '{}', asked for '{}'", s.departmentId.substr(0, 64), query.departmentId);
        else if (s.feeFen < 0) why = "no registration fee (urn:yizhan:ext:fee-fen missing or below 0)";
        if (why.empty() && *start < now) {
            ++begun;  // normal: today's search returns the morning's slots too
            continue;
        }
        if (why.empty()) {
            auto& mine = taken[s.doctorId];
            for (const auto& [otherStart, otherEnd] : mine) {
                if (*start < otherEnd && otherStart < *end) {
                    why = fmt::format("overlaps another slot of doctor '{}' at {}", s.doctorId, s.start);
                    break;
                }
            }
            if (why.empty()) mine.emplace_back(*start, *end);
        }
        if (!why.empty()) {
            logger()->warn("Slot/{} left out of the slots of {}: {}", s.id.substr(0, 64), query.departmentId, why);
            continue;
        }
        out.push_back(std::move(s));
    }
    if (begun > 0) logger()->debug("Slot search {}: {} slots already begun left out", query.departmentId, begun);
    return out;
}

Result<Appointment> FhirHisDriver::holdSlot(const std::string& slotId, const std::string& patientId, const std::string& tradeNo) {
    if (auto valid = requireId(slotId, "slot"); !valid) return std::unexpected(valid.error());
    if (auto valid = requireId(patientId, "patient"); !valid) return std::unexpected(valid.error());
    if (tradeNo.empty() || tradeNo.size() > 64) return fail(Errc::invalid_argument, "trade_no missing or too long");
    Json body = {{"resourceType", "Appointment"},
                 {"status", "proposed"},
                 {"identifier", Json::array({{{"system", settings_.systemTrade}, {"value", tradeNo}}})},
                 {"slot", Json::array({{{"reference", "Slot/" + slotId}}})},
                 {"participant", Json::array({{{"actor", {{"reference", "Patient/" + patientId}}}, {"status", "accepted"}}})}};
    // The appointment carries the slot's times from the start (R4 app-3): a server stores what it
    // is given, so one created without them could never be booked, checked in or found by date.
    if (auto filled = fillFromSlot(body, slotId); !filled) return std::unexpected(filled.error());
    auto created = conditionalCreate("Appointment", tradeNo, body);
    if (!created) return std::unexpected(created.error());
    return toAppointment(*created, settings_.systemTrade);
}

Result<void> FhirHisDriver::fillFromSlot(Json& appointment, const std::string& slotId) {
    auto slot = fetch(makeRequest("GET", "Slot/" + slotId), Safety::read, "Slot");
    if (!slot) {
        Error error = slot.error();
        // A slot that is gone can no longer be booked: to the patient that is a taken time.
        if (error.code == Errc::not_found) error = Error(Errc::slot_taken, error.detail, "backend.slot_taken");
        return std::unexpected(error);
    }
    const std::string start = str(*slot, "start");
    const std::string end = str(*slot, "end");
    if (start.empty() || end.empty()) {  // Slot.start and Slot.end are 1..1 in R4
        return fail(Errc::invalid_answer, "Slot/" + slotId + " without start or end", "backend.invalid_answer");
    }
    appointment["start"] = start;
    appointment["end"] = end;
    if (!appointment.contains("serviceType") && slot->contains("serviceType")) appointment["serviceType"] = (*slot)["serviceType"];
    // The doctor: hospital-sim names the PractitionerRole on the slot; R4 itself names it as
    // Schedule.actor of Slot.schedule, read only when the slot does not say.
    bool haveDoctor = false;
    for (const auto& p : appointment.value("participant", Json::array())) {
        haveDoctor = haveDoctor || !referenceId(p.value("actor", Json::object()), "PractitionerRole").empty();
    }
    std::string doctor;
    if (const Json* role = extension(*slot, "urn:yizhan:ext:practitioner-role"); role && role->contains("valueReference")) {
        doctor = referenceId((*role)["valueReference"], "PractitionerRole");
    }
    const std::string scheduleId = referenceId(slot->value("schedule", Json::object()), "Schedule");
    if (!haveDoctor && doctor.empty() && isSafeId(scheduleId)) {
        auto schedule = fetch(makeRequest("GET", "Schedule/" + scheduleId), Safety::read, "Schedule");
        if (!schedule) return std::unexpected(schedule.error());
        for (const auto& actor : schedule->value("actor", Json::array())) {
            if (doctor.empty()) doctor = referenceId(actor, "PractitionerRole");
        }
    }
    if (!haveDoctor && !doctor.empty()) {
        appointment["participant"].push_back({{"actor", {{"reference", "PractitionerRole/" + doctor}}}, {"status", "accepted"}});
    }
    return {};
}

Result<Json> FhirHisDriver::changeAppointmentStatus(const std::string& appointmentId, const std::string& target,
                                                    const std::function<void(Json&)>& extra, std::string* refusal) {
    // An appointment held without times (by an earlier kiosk version, or on a server that
    // dropped them) gets its slot's times before it becomes booked or arrived (R4 app-3).
    return changeStatus("Appointment", appointmentId, target, [this, &target, &extra](Json& appointment) -> Result<void> {
        if (extra) extra(appointment);
        if (target == "cancelled" || (appointment.contains("start") && appointment.contains("end"))) return {};
        const Json slots = appointment.value("slot", Json::array());
        const std::string slotId = slots.is_array() && !slots.empty() ? referenceId(slots[0], "Slot") : std::string();
        if (!isSafeId(slotId)) {
            return fail(Errc::invalid_answer, "Appointment/" + str(appointment, "id") + " has neither times nor a slot",
                        "backend.invalid_answer");
        }
        return fillFromSlot(appointment, slotId);
    }, refusal);
}

Result<Appointment> FhirHisDriver::book(const std::string& appointmentId, const AppointmentPayment& payment) {
    // The payment goes with the booking (extension urn:yizhan:ext:payment) so that the HIS can
    // hand it back when the appointment is cancelled; R4 has no empty values, so a zero-fee
    // booking carries none.
    const auto addPayment = [&payment](Json& appointment) {
        if (payment.empty()) return;
        Json parts = Json::array({{{"url", "trade-no"}, {"valueString", payment.tradeNo}}});
        if (!payment.channel.empty()) parts.push_back({{"url", "channel"}, {"valueString", payment.channel}});
        if (!payment.channelTradeNo.empty()) parts.push_back({{"url", "channel-trade-no"}, {"valueString", payment.channelTradeNo}});
        parts.push_back({{"url", "amount-fen"}, {"valueInteger", payment.amountFen}});
        if (payment.insuranceFen > 0) parts.push_back({{"url", "insurance-fen"}, {"valueInteger", payment.insuranceFen}});
        if (!payment.settlementId.empty()) parts.push_back({{"url", "settlement-id"}, {"valueString", payment.settlementId}});
        Json& list = appointment["extension"];
        if (!list.is_array()) list = Json::array();
        for (auto it = list.begin(); it != list.end(); ++it) {
            if (str(*it, "url") == fhir::kExtPayment) {
                list.erase(it);
                break;
            }
        }
        list.push_back({{"url", fhir::kExtPayment}, {"extension", parts}});
    };
    auto changed = changeAppointmentStatus(appointmentId, "booked", addPayment);
    if (!changed) return std::unexpected(changed.error());
    return toAppointment(*changed, settings_.systemTrade);
}

Result<Appointment> FhirHisDriver::cancelAppointment(const std::string& appointmentId) {
    std::string refusal;
    auto changed = changeAppointmentStatus(appointmentId, "cancelled", {}, &refusal);
    if (!changed) {
        if (changed.error().messageKey == "backend.cancel_cutoff") {
            logger()->info("cancellation of Appointment/{} refused: the cut-off was {}", appointmentId,
                           extensionText(issueOf(refusal), fhir::kExtOutcomeCancelUntil));
        }
        return std::unexpected(changed.error());
    }
    return toAppointment(*changed, settings_.systemTrade);
}

Result<CheckInResult> FhirHisDriver::attemptCheckIn(const std::string& appointmentId) {
    if (auto valid = requireId(appointmentId, "appointment"); !valid) return std::unexpected(valid.error());
    auto current = fetch(makeRequest("GET", "Appointment/" + appointmentId), Safety::read, "Appointment");
    if (!current) return std::unexpected(current.error());
    auto before = toAppointment(*current, settings_.systemTrade);
    if (!before) return std::unexpected(before.error());
    CheckInResult result;
    result.appointment = *before;
    if (before->status == AppointmentStatus::arrived) {  // the same ticket again (a reprint)
        result.outcome = CheckInOutcome::already_checked_in;
        result.late = extensionBoolean(*current, fhir::kExtLateArrival);
        return result;
    }
    if (before->status != AppointmentStatus::booked) {
        return fail(Errc::rejected, fmt::format("Appointment/{} is {}, not booked: no check-in", appointmentId, appointmentStatusName(before->status)),
                    "backend.wrong_state");
    }
    // Another day is told from the appointment itself (hospital date, +08:00), without a call.
    const std::string today = chinaNow("{:%Y-%m-%d}");
    if (const auto start = parseInstant(before->start)) {
        const std::string date = fmt::format("{:%Y-%m-%d}", *start + std::chrono::hours(8));
        if (date != today) {
            logger()->info("check-in of Appointment/{} refused here: it is on {}, today is {}", appointmentId, date, today);
            result.outcome = CheckInOutcome::another_day;
            result.date = date;
            return result;
        }
    }
    std::string refusal;
    auto changed = changeAppointmentStatus(appointmentId, "arrived", {}, &refusal);
    if (!changed) {
        const Outcome outcome = outcomeOf(refusal);
        const Json issue = issueOf(refusal);
        if (outcome.detailCode == fhir::kOutcomeCheckInTooEarly) {
            result.outcome = CheckInOutcome::too_early;
            result.opensAt = extensionText(issue, fhir::kExtOutcomeOpensAt);
        } else if (outcome.detailCode == fhir::kOutcomeCheckInTooLate) {
            result.outcome = CheckInOutcome::too_late;
            result.closedAt = extensionText(issue, fhir::kExtOutcomeClosedAt);
            const std::string policy = extensionText(issue, fhir::kExtOutcomeLatePolicy);
            result.latePolicy = policy == "rebook" ? LatePolicy::rebook : policy == "queue-end" ? LatePolicy::queue_end : LatePolicy::unknown;
        } else if (outcome.detailCode == fhir::kOutcomeCheckInAnotherDay) {
            result.outcome = CheckInOutcome::another_day;
            result.date = extensionText(issue, fhir::kExtOutcomeDate);
        } else {
            return std::unexpected(changed.error());
        }
        logger()->info("check-in of Appointment/{} refused by the hospital: {} {}{}{}", appointmentId, checkInOutcomeName(result.outcome),
                       result.opensAt, result.closedAt, result.date);
        return result;
    }
    auto after = toAppointment(*changed, settings_.systemTrade);
    if (!after) return std::unexpected(after.error());
    if (!after->queueNumber) {
        return fail(Errc::invalid_answer, "Appointment/" + appointmentId + " arrived without a queue number", "backend.invalid_answer");
    }
    result.appointment = *after;
    result.late = extensionBoolean(*changed, fhir::kExtLateArrival);
    if (result.late) result.latePolicy = LatePolicy::queue_end;
    return result;
}

Result<std::vector<Appointment>> FhirHisDriver::appointments(const std::string& patientId) {
    if (auto valid = requireId(patientId, "patient"); !valid) return std::unexpected(valid.error());
    auto found = search("Appointment?patient=" + urlEncode("Patient/" + patientId) + "&date=ge" + chinaNow("{:%Y-%m-%d}") +
                            "&status=proposed,booked,arrived",
                        "Appointment");
    if (!found) return std::unexpected(found.error());
    std::vector<Appointment> out;
    for (const auto& r : *found) {
        auto a = toAppointment(r, settings_.systemTrade);
        if (!a) return std::unexpected(a.error());
        out.push_back(std::move(*a));
    }
    return out;
}

Result<std::vector<Appointment>> FhirHisDriver::upcomingAppointments(const std::string& patientId) {
    if (auto valid = requireId(patientId, "patient"); !valid) return std::unexpected(valid.error());
    auto found = search("Appointment?patient=" + urlEncode("Patient/" + patientId) + "&date=ge" + chinaNow("{:%Y-%m-%d}") + "&status=booked",
                        "Appointment");
    if (!found) return std::unexpected(found.error());
    const auto now = std::chrono::system_clock::now();
    std::vector<std::pair<std::chrono::sys_seconds, Appointment>> upcoming;
    for (const auto& r : *found) {
        auto a = toAppointment(r, settings_.systemTrade);
        if (!a) return std::unexpected(a.error());
        if (a->patientId != patientId || a->status != AppointmentStatus::booked) {
            logger()->warn("Appointment/{} in the search of Patient/{}: patient '{}' status {}; left out", a->id, patientId, a->patientId,
                           appointmentStatusName(a->status));
            continue;
        }
        const auto start = parseInstant(a->start);
        if (!start) {
            logger()->warn("Appointment/{}: start '{}' is not a time with a UTC offset; left out", a->id, a->start.substr(0, 40));
            continue;
        }
        if (*start < now) continue;  // begun: no longer cancellable
        upcoming.emplace_back(*start, std::move(*a));
    }
    std::stable_sort(upcoming.begin(), upcoming.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
    std::vector<Appointment> out;
    for (auto& [start, a] : upcoming) out.push_back(std::move(a));
    return out;
}

Result<Appointment> FhirHisDriver::findAppointmentByCode(const std::string& code) {
    const bool wellFormed = !code.empty() && code.size() <= 32 &&
                            std::all_of(code.begin(), code.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; });
    if (!wellFormed) {
        return fail(Errc::invalid_argument, fmt::format("appointment code '{}' is not 1–32 letters/digits", code.substr(0, 40)),
                    "backend.appointment_code_invalid");
    }
    auto found = search("Appointment?identifier=" + urlEncode(std::string(fhir::kSystemAppointmentCode) + "|" + code), "Appointment");
    if (!found) return std::unexpected(found.error());
    // A server may ignore the system part: only an appointment that carries the code counts.
    std::erase_if(*found, [&code](const Json& r) { return identifierOf(r, fhir::kSystemAppointmentCode) != code; });
    if (found->empty()) {
        logger()->info("no appointment with code {}", code);
        return fail(Errc::not_found, "no appointment with code " + code, "backend.appointment_code_unknown");
    }
    if (found->size() > 1) {
        logger()->error("{} appointments carry the code {}", found->size(), code);
        return fail(Errc::invalid_answer, fmt::format("{} appointments carry the code {}", found->size(), code), "backend.duplicate_records");
    }
    return toAppointment(found->front(), settings_.systemTrade);
}

Result<QueueStatus> FhirHisDriver::queueStatus(const std::string& appointmentId) {
    if (auto valid = requireId(appointmentId, "appointment"); !valid) return std::unexpected(valid.error());
    const std::string target = "Appointment/" + appointmentId + "/$queue";
    auto parameters = operation(makeRequest("GET", target), Safety::read, "Parameters", {"queue", "backend.not_offered.queue"});
    if (!parameters) return std::unexpected(parameters.error());
    QueueStatus q;
    bool haveNumber = false;
    std::string about;
    for (const auto& p : parameters->value("parameter", Json::array())) {
        const std::string name = str(p, "name");
        const bool integer = p.contains("valueInteger") && p["valueInteger"].is_number_integer();
        if (name == "appointment") about = referenceId(p.value("valueReference", Json::object()), "Appointment");
        if (name == "queue_number" && integer) {
            q.queueNumber = p["valueInteger"].get<int>();
            haveNumber = true;
        }
        if (name == "waiting_ahead" && integer) q.waitingAhead = p["valueInteger"].get<int>();
        if (name == "estimated_wait_minutes" && integer) q.estimatedWaitMinutes = p["valueInteger"].get<int>();
        if (name == "room") q.room = str(p, "valueString");
        if (name == "doctor") q.doctorName = str(p, "valueString");
        if (name == "called" && p.contains("valueBoolean") && p["valueBoolean"].is_boolean()) q.called = p["valueBoolean"].get<bool>();
    }
    // Never show a patient the queue of someone else (a proxy's cache, a mixed-up answer).
    if (about != appointmentId) {
        logger()->error("{}: the answer is about Appointment/'{}', not the asked one", target, about.substr(0, 64));
        return fail(Errc::invalid_answer, fmt::format("{}: answer about Appointment/'{}', asked {}", target, about.substr(0, 64), appointmentId),
                    "backend.invalid_answer");
    }
    if (!haveNumber || q.queueNumber <= 0 || q.waitingAhead < 0 || q.estimatedWaitMinutes < 0) {
        logger()->error("{}: queue_number missing or a negative count ({} / {} / {})", target, q.queueNumber, q.waitingAhead, q.estimatedWaitMinutes);
        return fail(Errc::invalid_answer, target + ": queue_number missing or a negative count", "backend.invalid_answer");
    }
    q.appointmentId = appointmentId;
    return q;
}

Result<TransactionRecord> FhirHisDriver::requestQueueReminder(const QueueReminderRequest& request) {
    if (auto valid = requireId(request.appointmentId, "appointment"); !valid) return std::unexpected(valid.error());
    if (auto valid = requireId(request.patientId, "patient"); !valid) return std::unexpected(valid.error());
    if (request.tradeNo.empty() || request.tradeNo.size() > 64) return fail(Errc::invalid_argument, "trade_no missing or too long");
    if (request.whenAhead < 1 || request.whenAhead > 20) {
        return fail(Errc::invalid_argument, fmt::format("reminder threshold {} outside 1–20", request.whenAhead));
    }
    // R4 CommunicationRequest: the hospital sends an SMS (medium SMSWRIT, v3-ParticipationMode)
    // to the patient (subject) about the appointment; the threshold is an extension.
    const Json body = {
        {"resourceType", "CommunicationRequest"},
        {"status", "active"},
        {"identifier", Json::array({{{"system", settings_.systemTrade}, {"value", request.tradeNo}}})},
        {"subject", {{"reference", "Patient/" + request.patientId}}},
        {"about", Json::array({{{"reference", "Appointment/" + request.appointmentId}}})},
        {"medium", Json::array({{{"coding", Json::array({{{"system", "http://terminology.hl7.org/CodeSystem/v3-ParticipationMode"}, {"code", "SMSWRIT"}}})}}})},
        {"payload", Json::array({{{"contentString", fmt::format("queue reminder when {} or fewer are ahead", request.whenAhead)}}})},
        {"authoredOn", chinaNow("{:%Y-%m-%dT%H:%M:%S}+08:00")},
        {"extension", Json::array({{{"url", fhir::kExtWhenAhead}, {"valueInteger", request.whenAhead}}})}};
    auto created = conditionalCreate("CommunicationRequest", request.tradeNo, body);
    if (!created) {
        Error error = created.error();
        const bool absent = error.code == Errc::not_found || error.detail.find("HTTP 405") != std::string::npos;
        if (absent) {
            logger()->error("POST CommunicationRequest: {}: this backend takes no SMS reminders", error.detail);
            error = Error(Errc::unsupported, error.detail, "backend.not_offered.sms");
        }
        return std::unexpected(error);
    }
    return TransactionRecord{request.tradeNo, "CommunicationRequest", str(*created, "id"), str(*created, "status")};
}

Result<std::vector<Charge>> FhirHisDriver::charges(const std::string& patientId) {
    if (auto valid = requireId(patientId, "patient"); !valid) return std::unexpected(valid.error());
    // R4 defines no `status` search parameter for ChargeItem (chargeitem.html#search): a server
    // ignores it (lenient) or refuses it (strict). Search by the patient, keep the outstanding
    // (billable) items here.
    auto found = search("ChargeItem?subject=" + urlEncode("Patient/" + patientId), "ChargeItem");
    if (!found) return std::unexpected(found.error());
    static const std::set<std::string> kChargeStates = {"planned", "billable", "not-billable", "aborted", "billed", "entered-in-error", "unknown"};
    for (const auto& r : *found) {
        if (!kChargeStates.contains(str(r, "status"))) {
            return fail(Errc::invalid_answer, fmt::format("ChargeItem {}: unknown status '{}'", str(r, "id"), str(r, "status")),
                        "backend.invalid_answer");
        }
    }
    std::erase_if(*found, [](const Json& r) { return str(r, "status") != "billable"; });
    std::vector<Charge> out;
    for (const auto& r : *found) {
        Charge c;
        c.id = str(r, "id");
        if (r.contains("code")) {
            c.description = str(r["code"], "text");
            c.descriptionEn = translationOf(r["code"], "text", "en");
            const Json coding = r["code"].value("coding", Json::array());
            if (!coding.empty()) c.code = str(coding[0], "code");
        }
        c.departmentId = referenceId(r.value("performingOrganization", Json::object()), "Organization");
        c.quantity = r.contains("quantity") ? r["quantity"].value("value", int64_t{1}) : 1;
        c.amountFen = extensionInteger(r, fhir::kExtFee, -1);
        if (c.amountFen < 0 && r.contains("priceOverride")) {
            c.amountFen = std::llround(r["priceOverride"].value("value", 0.0) * 100.0);
        }
        if (c.amountFen < 0) return fail(Errc::invalid_answer, "ChargeItem " + c.id + " without an amount", "backend.invalid_answer");
        c.insuranceClass = extensionText(r, fhir::kExtInsuranceClass);
        if (c.insuranceClass.empty()) c.insuranceClass = "C";
        if (c.insuranceClass != "A" && c.insuranceClass != "B" && c.insuranceClass != "C") {
            return fail(Errc::invalid_answer, "unknown insurance class '" + c.insuranceClass + "'", "backend.invalid_answer");
        }
        c.enteredDate = str(r, "enteredDate");
        out.push_back(std::move(c));
    }
    return out;
}

Result<PreSettlement> FhirHisDriver::preSettle(const std::string& patientId, const std::vector<std::string>& chargeIds) {
    if (auto valid = requireId(patientId, "patient"); !valid) return std::unexpected(valid.error());
    if (chargeIds.empty()) return fail(Errc::invalid_argument, "no charges to pre-settle");
    Json parameters = {{"resourceType", "Parameters"},
                       {"parameter", Json::array({{{"name", "patient"}, {"valueReference", {{"reference", "Patient/" + patientId}}}}})}};
    for (const auto& id : chargeIds) {
        if (auto valid = requireId(id, "charge"); !valid) return std::unexpected(valid.error());
        parameters["parameter"].push_back({{"name", "chargeItem"}, {"valueReference", {{"reference", "ChargeItem/" + id}}}});
    }
    // Pre-settlement computes and changes nothing: safe to repeat.
    auto answer = operation(makeRequest("POST", "ChargeItem/$pre-settle", parameters.dump()), Safety::read, "Parameters",
                            {"pre-settle", "backend.not_offered.pre_settle"});
    if (!answer) return std::unexpected(answer.error());
    PreSettlement out{patientId, chargeIds, -1, -1, -1};
    for (const auto& p : answer->value("parameter", Json::array())) {
        if (!p.contains("valueInteger") || !p["valueInteger"].is_number_integer()) continue;
        const int64_t value = p["valueInteger"].get<int64_t>();
        const std::string name = str(p, "name");
        if (name == "total") out.totalFen = value;
        if (name == "insurance") out.insuranceFen = value;
        if (name == "self_pay") out.selfPayFen = value;
    }
    if (out.totalFen < 0 || out.insuranceFen < 0 || out.selfPayFen < 0 || out.insuranceFen + out.selfPayFen != out.totalFen) {
        return fail(Errc::invalid_answer, "pre-settlement amounts missing or inconsistent", "backend.invalid_answer");
    }
    return out;
}

Result<PaymentRecord> FhirHisDriver::commitPayment(const PaymentCommit& commit) {
    if (auto valid = requireId(commit.patientId, "patient"); !valid) return std::unexpected(valid.error());
    if (commit.tradeNo.empty() || commit.chargeIds.empty() || commit.totalFen <= 0) {
        return fail(Errc::invalid_argument, "payment commit needs trade_no, charges and an amount");
    }
    Json body = {{"resourceType", "PaymentReconciliation"},
                 {"status", "active"},
                 {"identifier", Json::array({{{"system", settings_.systemTrade}, {"value", commit.tradeNo}}})},
                 {"created", chinaNow("{:%Y-%m-%dT%H:%M:%S}+08:00")},
                 {"paymentDate", chinaNow("{:%Y-%m-%d}")},
                 {"paymentAmount", {{"value", static_cast<double>(commit.totalFen) / 100.0}, {"currency", "CNY"}}},
                 {"detail", Json::array()},
                 {"extension", Json::array({{{"url", fhir::kExtFee}, {"valueInteger", commit.totalFen}},
                                            {{"url", "urn:yizhan:ext:insurance-fen"}, {"valueInteger", commit.insuranceFen}},
                                            {{"url", "urn:yizhan:ext:cash-fen"}, {"valueInteger", commit.cashFen}},
                                            {{"url", "urn:yizhan:ext:patient"}, {"valueReference", {{"reference", "Patient/" + commit.patientId}}}}})}};
    // R4 forbids empty strings (json.html: "empty values are not allowed"): a payment without a
    // channel reference (cash, a fully covered insurance settlement) carries no paymentIdentifier.
    // The channel as a code of its own ("my records" names it; a payment without a channel
    // reference, insurance or cash, has no paymentIdentifier to say it).
    if (!commit.channel.empty()) body["extension"].push_back({{"url", "urn:yizhan:ext:channel"}, {"valueCode", commit.channel}});
    if (!commit.channelTradeNo.empty()) {
        body["paymentIdentifier"] = {{"system", "urn:yizhan:channel:" + commit.channel}, {"value", commit.channelTradeNo}};
    }
    for (const auto& id : commit.chargeIds) {
        if (auto valid = requireId(id, "charge"); !valid) return std::unexpected(valid.error());
        body["detail"].push_back({{"type", {{"coding", Json::array({{{"system", "http://terminology.hl7.org/CodeSystem/payment-type"}, {"code", "payment"}}})}}},
                                  {"request", {{"reference", "ChargeItem/" + id}}}});
    }
    auto created = conditionalCreate("PaymentReconciliation", commit.tradeNo, body);
    if (!created) return std::unexpected(created.error());
    PaymentRecord record;
    record.id = str(*created, "id");
    record.tradeNo = identifierOf(*created, settings_.systemTrade);
    record.status = str(*created, "status");
    record.totalFen = extensionInteger(*created, fhir::kExtFee);
    record.created = str(*created, "created");
    record.invoiceNumber = extensionText(*created, "urn:yizhan:ext:invoice-number");
    if (record.tradeNo != commit.tradeNo) {
        return fail(Errc::invalid_answer, "payment answer carries another trade_no", "backend.invalid_answer");
    }
    return record;
}

Result<TransactionRecord> FhirHisDriver::lookupTransaction(const std::string& tradeNo) {
    if (tradeNo.empty() || tradeNo.size() > 64) return fail(Errc::invalid_argument, "trade_no missing or too long");
    for (const char* type :
         {"Appointment", "PaymentReconciliation", "Communication", "CommunicationRequest", "Task", "MedicationDispense", "ServiceRequest"}) {
        auto found = search(std::string(type) + "?identifier=" + urlEncode(settings_.systemTrade + "|" + tradeNo), type);
        if (!found) return std::unexpected(found.error());
        if (!found->empty()) return TransactionRecord{tradeNo, type, str(found->front(), "id"), str(found->front(), "status")};
    }
    return fail(Errc::not_found, "no write with trade_no " + tradeNo, "backend.trade_not_found");
}

namespace {

/// The structured rows of a lab DiagnosticReport: R4 DiagnosticReport.result references
/// Observations; a HIS that sends them with the report puts them in `contained` and refers to
/// them as "#id" (R4 §2.37 "contained resources"). Other references (separate Observation reads)
/// are not followed: such a report is shown by its PDF only.
std::vector<LabObservation> labObservations(const Json& report) {
    std::map<std::string, const Json*> contained;
    for (const auto& c : arrayOf(report, "contained")) {
        if (str(c, "resourceType") == "Observation") contained[str(c, "id")] = &c;
    }
    std::vector<LabObservation> rows;
    for (const auto& reference : arrayOf(report, "result")) {
        const std::string ref = str(reference, "reference");
        if (ref.size() < 2 || ref[0] != '#') continue;
        auto found = contained.find(ref.substr(1));
        if (found == contained.end()) continue;
        const Json& o = *found->second;
        LabObservation row;
        row.item = o.contains("code") ? str(o["code"], "text") : "";
        if (o.contains("valueQuantity") && o["valueQuantity"].is_object()) {
            const Json& q = o["valueQuantity"];
            // Integers as they are; decimals in their shortest form ("78", "4.71": JSON keeps no
            // trailing zeros, and "78.0" would read as a different precision).
            if (q.contains("value") && q["value"].is_number_integer()) row.value = q["value"].dump();
            else if (q.contains("value") && q["value"].is_number()) row.value = fmt::format("{}", q["value"].get<double>());
            row.unit = str(q, "unit");
            if (const std::string comparator = str(q, "comparator"); !comparator.empty()) row.value = comparator + row.value;
        } else {
            row.value = str(o, "valueString");
        }
        const Json& ranges = arrayOf(o, "referenceRange");
        if (!ranges.empty()) {
            const Json& range = ranges[0];
            auto bound = [&](const char* key) -> std::optional<double> {
                if (!range.contains(key) || !range[key].is_object()) return std::nullopt;
                const Json& v = range[key];
                if (!v.contains("value") || !v["value"].is_number()) return std::nullopt;
                return v["value"].get<double>();
            };
            row.low = bound("low");
            row.high = bound("high");
            row.rangeText = str(range, "text");
        }
        const Json& interpretations = arrayOf(o, "interpretation");
        if (!interpretations.empty() && interpretations[0].contains("coding") && interpretations[0]["coding"].is_array() &&
            !interpretations[0]["coding"].empty()) {
            row.interpretation = str(interpretations[0]["coding"][0], "code");
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

}  // namespace

namespace {

/// One DiagnosticReport as the kiosk reads it.
Report toReport(const Json& r) {
        Report report;
        report.id = str(r, "id");
        report.status = str(r, "status");
        report.title = r.contains("code") ? str(r["code"], "text") : "";
        report.issued = str(r, "issued");
        const Json categories = r.value("category", Json::array());
        if (!categories.empty() && categories[0].contains("coding") && !categories[0]["coding"].empty()) {
            report.category = str(categories[0]["coding"][0], "code");
        }
        for (const auto& form : r.value("presentedForm", Json::array())) {
            if (str(form, "contentType") != "application/pdf") continue;
            const std::string url = str(form, "url");
            report.pdfBinaryId = url.rfind("Binary/", 0) == 0 ? url.substr(7) : url;
            report.pdfSize = form.value("size", int64_t{0});
        }
        report.patientId = r.contains("subject") ? referenceId(r["subject"], "Patient") : std::string();
        report.patientName = r.contains("subject") ? str(r["subject"], "display") : std::string();
        const Json& performers = arrayOf(r, "performer");
        if (!performers.empty()) report.department = str(performers[0], "display");
        report.expected = extensionText(r, fhir::kExtReportExpected);
        report.printCount = static_cast<int>(std::clamp<int64_t>(extensionInteger(r, fhir::kExtReportPrintCount), 0, 1000));
        report.conclusion = str(r, "conclusion");
        report.results = labObservations(r);
        return report;
}

}  // namespace

Result<std::vector<Report>> FhirHisDriver::reports(const std::string& patientId) {
    if (auto valid = requireId(patientId, "patient"); !valid) return std::unexpected(valid.error());
    auto found = search("DiagnosticReport?subject=" + urlEncode("Patient/" + patientId), "DiagnosticReport");
    if (!found) return std::unexpected(found.error());
    std::vector<Report> out;
    for (const auto& r : *found) out.push_back(toReport(r));
    return out;
}

Result<Report> FhirHisDriver::reportByCode(const std::string& code) {
    // The slip's barcode: letters and digits only (the scanner's classifier checks the shape;
    // this keeps anything else out of the URL).
    const bool plain = !code.empty() && code.size() <= 32 &&
                       std::all_of(code.begin(), code.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; });
    if (!plain) {
        return fail(Errc::invalid_argument, fmt::format("report code '{}' is not 1–32 letters/digits", code.substr(0, 40)),
                    "backend.report_code_invalid");
    }
    auto found = search("DiagnosticReport?identifier=" + urlEncode(std::string(fhir::kSystemReportCode) + "|" + code), "DiagnosticReport");
    if (!found) return std::unexpected(found.error());
    // A server may ignore the system part: only a report that carries the code counts.
    std::erase_if(*found, [&code](const Json& r) { return identifierOf(r, fhir::kSystemReportCode) != code; });
    if (found->empty()) {
        logger()->info("no report with lab slip code {}", code);
        return fail(Errc::not_found, "no DiagnosticReport with report code " + code, "backend.report_code_unknown");
    }
    if (found->size() > 1) {
        logger()->error("{} reports carry the lab slip code {}", found->size(), code);
        return fail(Errc::invalid_answer, fmt::format("{} reports carry the report code {}", found->size(), code), "backend.duplicate_records");
    }
    return toReport(found->front());
}

Result<std::string> FhirHisDriver::reportPdf(const Report& report) {
    if (auto valid = requireId(report.pdfBinaryId, "report PDF"); !valid) return std::unexpected(valid.error());
    const size_t cap = settings_.maxReportPdfBytes;
    auto tooLarge = [&](const std::string& why) {
        return fail(Errc::invalid_answer,
                    fmt::format("Binary/{} of DiagnosticReport/{} refused: {}, above max_report_pdf_mb ({} bytes)", report.pdfBinaryId,
                                report.id, why, cap),
                    "backend.report_pdf_too_large");
    };
    // The size the report itself declares (presentedForm.size): refused before any download.
    if (report.pdfSize > 0 && static_cast<uint64_t>(report.pdfSize) > cap) return tooLarge(fmt::format("presentedForm.size {}", report.pdfSize));
    HttpRequest request = makeRequest("GET", "Binary/" + report.pdfBinaryId, {}, "application/pdf, application/fhir+json;q=0.5");
    // A Binary resource carries the PDF in base64 (4 bytes for 3) inside a little JSON.
    request.maxBodyBytes = cap / 3 * 4 + 64U * 1024U;
    auto answer = exchange(std::move(request), Safety::read);
    if (!answer && answer.error().messageKey == "backend.answer_too_large") return tooLarge(answer.error().detail);
    if (!answer) return std::unexpected(answer.error());
    std::string pdf;
    if (answer->header("content-type").rfind("application/pdf", 0) == 0) {
        pdf = std::move(answer->body);
    } else {
        // A server that always answers FHIR JSON: Binary.data is the base64 PDF.
        const Json binary = Json::parse(answer->body, nullptr, false);
        if (binary.is_discarded() || str(binary, "resourceType") != "Binary") {
            return fail(Errc::invalid_answer, "Binary/" + report.pdfBinaryId + ": neither a PDF nor a Binary", "backend.invalid_answer");
        }
        pdf = decodeBase64(str(binary, "data"));
    }
    if (pdf.size() > cap) return tooLarge(fmt::format("{} bytes", pdf.size()));
    if (pdf.rfind("%PDF-", 0) != 0) {
        return fail(Errc::invalid_answer, "Binary/" + report.pdfBinaryId + " is not a PDF", "backend.invalid_answer");
    }
    return pdf;
}

Result<std::vector<Prescription>> FhirHisDriver::prescriptions(const std::string& patientId) {
    if (auto valid = requireId(patientId, "patient"); !valid) return std::unexpected(valid.error());
    auto found = search("MedicationDispense?subject=" + urlEncode("Patient/" + patientId), "MedicationDispense");
    if (!found) return std::unexpected(found.error());
    std::vector<Prescription> out;
    for (const auto& r : *found) {
        auto p = toPrescription(r, settings_.systemTrade);
        if (!p) return std::unexpected(p.error());
        // A search by subject that answers another patient's dispense is not shown (never).
        if (!p->patientId.empty() && p->patientId != patientId) {
            return fail(Errc::invalid_answer, fmt::format("MedicationDispense/{} of Patient/{} in the answer for Patient/{}", p->dispenseId,
                                                          p->patientId, patientId),
                        "backend.invalid_answer");
        }
        out.push_back(std::move(*p));
    }
    return out;
}

Result<Prescription> FhirHisDriver::dispenseByPickupCode(const std::string& code) {
    // The receipt's code: letters and digits only (the scanner's classifier checks the shape; this
    // keeps anything else out of the URL).
    const bool plain = !code.empty() && code.size() <= 32 &&
                       std::all_of(code.begin(), code.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; });
    if (!plain) return fail(Errc::invalid_argument, "pickup code '" + code + "' is not letters and digits", "backend.pickup_code_invalid");
    auto found = search("MedicationDispense?identifier=" + urlEncode(std::string(fhir::kSystemPickupCode) + "|" + code), "MedicationDispense");
    if (!found) return std::unexpected(found.error());
    if (found->empty()) return fail(Errc::not_found, "no dispense with pickup code " + code, "backend.pickup_code_unknown");
    if (found->size() > 1) {
        return fail(Errc::invalid_answer, fmt::format("{} dispenses carry pickup code {}", found->size(), code), "backend.invalid_answer");
    }
    return toPrescription(found->front(), settings_.systemTrade);
}

Result<Prescription> FhirHisDriver::confirmPickup(const std::string& dispenseId, const std::string& tradeNo) {
    if (tradeNo.empty() || tradeNo.size() > 64) return fail(Errc::invalid_argument, "trade_no missing or too long");
    const std::string system = settings_.systemTrade;
    auto changed = changeStatus("MedicationDispense", dispenseId, "completed", [&](Json& dispense) -> Result<void> {
        Json identifiers = dispense.value("identifier", Json::array());
        identifiers.push_back({{"system", system}, {"value", tradeNo}});
        dispense["identifier"] = identifiers;
        return {};
    });
    if (!changed) {
        Error error = changed.error();
        if (error.messageKey == "backend.wrong_state") error.messageKey = "backend.not_ready_for_pickup";
        return std::unexpected(error);
    }
    auto picked = toPrescription(*changed, system);
    if (!picked) return picked;
    // Completed before: ours (a repeat after a lost answer) or somebody else's pickup.
    if (picked->tradeNo != tradeNo) {
        return fail(Errc::rejected,
                    fmt::format("MedicationDispense/{} was completed under '{}', not {}", dispenseId, picked->tradeNo, tradeNo),
                    "backend.already_picked_up");
    }
    return picked;
}

Result<PharmacyTicket> FhirHisDriver::queueForPickup(const PharmacyQueueRequest& request) {
    if (request.tradeNo.empty() || request.tradeNo.size() > 64) return fail(Errc::invalid_argument, "trade_no missing or too long");
    if (auto valid = requireId(request.patientId, "patient"); !valid) return std::unexpected(valid.error());
    if (request.dispenseIds.empty()) return fail(Errc::invalid_argument, "no dispense to queue for");
    Json focus = Json::array();
    for (const auto& id : request.dispenseIds) {
        if (auto valid = requireId(id, "dispense"); !valid) return std::unexpected(valid.error());
        focus.push_back({{"valueReference", {{"reference", "MedicationDispense/" + id}}}, {"type", {{"text", "dispense"}}}});
    }
    // R4 Task: the pharmacy's call queue entry. focus is 0..1, so the first dispense is the focus
    // and every dispense is also an input (Task.input, type "dispense").
    const Json body = {
        {"resourceType", "Task"},
        {"status", "requested"},
        {"intent", "order"},
        {"identifier", Json::array({{{"system", settings_.systemTrade}, {"value", request.tradeNo}}})},
        {"code", {{"coding", Json::array({{{"system", fhir::kSystemTask}, {"code", fhir::kTaskPharmacyPickup}}})}}},
        {"focus", {{"reference", "MedicationDispense/" + request.dispenseIds.front()}}},
        {"for", {{"reference", "Patient/" + request.patientId}}},
        {"owner", {{"display", request.window}}},
        {"input", focus},
        {"authoredOn", chinaNow("{:%Y-%m-%dT%H:%M:%S}+08:00")},
        {"requester", {{"display", request.kioskId}}}};
    auto created = conditionalCreate("Task", request.tradeNo, body);
    if (!created) {
        Error error = created.error();
        if (error.messageKey == "backend.wrong_state") error.messageKey = "backend.not_ready_for_pickup";
        const bool absent = error.code == Errc::not_found || error.detail.find("HTTP 405") != std::string::npos;
        if (absent) {
            logger()->error("POST Task: {}: this backend has no pharmacy call queue", error.detail);
            error = Error(Errc::unsupported, error.detail, "backend.not_offered.pharmacy_queue");
        }
        return std::unexpected(error);
    }
    return toPharmacyTicket(*created, settings_.systemTrade);
}

Result<std::vector<PharmacyCall>> FhirHisDriver::pharmacyCalls() {
    auto found = search(std::string("Task?code=") + urlEncode(std::string(fhir::kSystemTask) + "|" + fhir::kTaskPharmacyPickup) +
                            "&status=requested,in-progress&_sort=_lastUpdated",
                        "Task");
    if (!found) return std::unexpected(found.error());
    std::vector<PharmacyCall> calls;
    // Today's queue only (numbers start again at A001 each day; an entry the pharmacy never
    // closed yesterday is not called today): authoredOn on the hospital's date (UTC+8), whatever
    // zone the HIS writes it in. An entry without a readable authoredOn is shown (not hidden).
    const auto chinaDate = [](std::chrono::sys_seconds at) {
        return std::chrono::floor<std::chrono::days>(at + std::chrono::hours(8));
    };
    const auto today = chinaDate(std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
    for (const auto& r : *found) {
        if (const auto authored = parseInstant(str(r, "authoredOn")); authored && chinaDate(*authored) != today) continue;
        auto ticket = toPharmacyTicket(r, settings_.systemTrade);
        if (!ticket) return std::unexpected(ticket.error());
        PharmacyCall call;
        call.taskId = ticket->taskId;
        call.callNumber = ticket->callNumber;
        call.window = ticket->window;
        call.windowNumber = ticket->windowNumber;
        call.patientName = r.contains("for") ? str(r["for"], "display") : "";
        call.called = ticket->status == "in-progress";
        // When it was called: Task.executionPeriod.start (the HIS's), else the last update.
        call.calledAt = r.contains("executionPeriod") ? str(r["executionPeriod"], "start") : "";
        if (call.calledAt.empty() && r.contains("meta")) call.calledAt = str(r["meta"], "lastUpdated");
        call.timesCalled = static_cast<int>(extensionInteger(r, fhir::kExtTimesCalled));
        calls.push_back(std::move(call));
    }
    // Called ones first, the newest call on top (compared as instants: a HIS may mix zones);
    // then the waiting ones in the order they came. Two calls of the same instant (two windows
    // calling within a millisecond): the one later in the answer, which is sorted by
    // _lastUpdated, was updated last.
    std::vector<size_t> order(calls.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t i, size_t j) {
        const PharmacyCall& a = calls[i];
        const PharmacyCall& b = calls[j];
        if (a.called != b.called) return a.called;
        if (!a.called) return false;
        const auto at = parseInstant(a.calledAt);
        const auto bt = parseInstant(b.calledAt);
        if (at && bt && *at != *bt) return *at > *bt;
        if (a.calledAt != b.calledAt) return a.calledAt > b.calledAt;  // same second (or unreadable): the text orders the fractions
        return i > j;
    });
    std::vector<PharmacyCall> sorted;
    sorted.reserve(calls.size());
    for (size_t i : order) sorted.push_back(std::move(calls[i]));
    return sorted;
}

namespace {

/// An R4 ServiceRequest of a herbal service as a TcmOrder. A service with a fee must carry it
/// above 0 with its ChargeItem (invalid_answer "backend.invalid_fee" otherwise: never paid).
Result<TcmOrder> toTcmOrder(const Json& r, const std::string& tradeSystem) {
    TcmOrder o;
    o.orderId = str(r, "id");
    o.tradeNo = identifierOf(r, tradeSystem);
    o.status = str(r, "status");
    std::string code;
    if (r.contains("code") && r["code"].is_object()) {
        for (const auto& coding : r["code"].value("coding", Json::array())) {
            if (str(coding, "system") == fhir::kSystemTcmService) code = str(coding, "code");
        }
    }
    const auto service = tcmServiceFromCode(code);
    if (o.orderId.empty() || !service) {
        return fail(Errc::invalid_answer, fmt::format("ServiceRequest/{}: not a herbal service (code '{}')", o.orderId, code),
                    "backend.invalid_answer");
    }
    o.service = *service;
    static const std::set<std::string> kStatuses = {"draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown"};
    if (!kStatuses.contains(o.status)) {
        return fail(Errc::invalid_answer, "unknown ServiceRequest.status '" + o.status + "'", "backend.invalid_answer");
    }
    if (r.contains("subject")) o.patientId = referenceId(r["subject"], "Patient");
    for (const auto& info : arrayOf(r, "supportingInfo")) {
        if (auto id = referenceId(info, "MedicationDispense"); !id.empty()) o.dispenseId = id;
    }
    o.stage = extensionText(r, fhir::kExtTcmStage);
    o.feeFen = extensionInteger(r, fhir::kExtFee);
    if (const Json* charge = extension(r, fhir::kExtCharge); charge && charge->contains("valueReference")) {
        o.chargeId = referenceId((*charge)["valueReference"], "ChargeItem");
    }
    if (const Json* address = extension(r, fhir::kExtDeliveryAddress); address && address->contains("valueAddress")) {
        o.address = addressText((*address)["valueAddress"]);
    }
    if (const Json* link = extension(r, fhir::kExtAddressLink); link && link->contains("valueUrl") && (*link)["valueUrl"].is_string()) {
        o.addressLink = (*link)["valueUrl"].get<std::string>();
    }
    for (const auto& id : arrayOf(r, "identifier")) {
        if (str(id, "system") != fhir::kSystemDeliveryTracking) continue;
        o.trackingNumber = str(id, "value");
        if (id.contains("assigner")) o.carrier = str(id["assigner"], "display");
    }
    o.expectedAt = r.contains("occurrenceDateTime") ? str(r, "occurrenceDateTime") : "";
    o.authoredOn = str(r, "authoredOn");
    // Decoction and delivery cost money: an order still to be paid for them without a fee above
    // 0 and its ChargeItem is a HIS error the kiosk must not pay around (a "free" delivery that
    // is not). Started and finished orders are shown as they are.
    const bool needsFee = o.service != TcmService::self_decoction && o.status == "draft";
    if (needsFee && (o.feeFen <= 0 || o.chargeId.empty())) {
        return fail(Errc::invalid_answer,
                    fmt::format("ServiceRequest/{} ({}): fee {} fen, charge '{}': a paid service needs a fee above 0 and its ChargeItem",
                                o.orderId, code, o.feeFen, o.chargeId),
                    "backend.invalid_fee");
    }
    if (o.addressLink.size() > 512) return fail(Errc::invalid_answer, "ServiceRequest/" + o.orderId + ": address link too long", "backend.invalid_answer");
    return o;
}

}  // namespace

Result<TcmPrices> FhirHisDriver::tcmPrices() {
    // R4 defines no `code` search parameter for ChargeItemDefinition: every active definition is
    // read and those of the herbal services kept.
    auto found = search("ChargeItemDefinition?status=active", "ChargeItemDefinition");
    if (!found) return std::unexpected(found.error());
    TcmPrices prices;
    for (const auto& definition : *found) {
        std::string code;
        if (definition.contains("code") && definition["code"].is_object()) {
            for (const auto& coding : definition["code"].value("coding", Json::array())) {
                if (str(coding, "system") == fhir::kSystemTcmService) code = str(coding, "code");
            }
        }
        // R4 ChargeItemDefinition.propertyGroup.priceComponent: the "base" component's amount
        // (Money: value in yuan, currency CNY).
        int64_t fen = -1;
        bool perDose = false;
        for (const auto& group : arrayOf(definition, "propertyGroup")) {
            for (const auto& component : arrayOf(group, "priceComponent")) {
                if (str(component, "type") != "base" || !component.contains("amount")) continue;
                const Json& amount = component["amount"];
                if (!amount.contains("value") || !amount["value"].is_number() || str(amount, "currency") != "CNY") continue;
                fen = std::llround(amount["value"].get<double>() * 100.0);
                if (component.contains("code") && component["code"].is_object()) {
                    for (const auto& coding : component["code"].value("coding", Json::array())) {
                        if (str(coding, "system") == fhir::kSystemPriceUnit && str(coding, "code") == "per-dose") perDose = true;
                    }
                }
            }
        }
        if (code != "decoction" && code != "delivery") continue;
        if (fen <= 0 || fen > 1'000'000) {
            logger()->error("ChargeItemDefinition/{} ({}): price {} fen is not a fee: that service is not offered", str(definition, "id"), code, fen);
            continue;
        }
        if (code == "decoction") {
            if (!perDose) logger()->warn("ChargeItemDefinition/{}: decoction price is not per dose; taken as per dose", str(definition, "id"));
            prices.decoctionPerDoseFen = fen;
        } else if (code == "delivery") {
            prices.deliveryFen = fen;
        }
    }
    return prices;
}

Result<TcmOrder> FhirHisDriver::orderTcmService(const TcmOrderRequest& request) {
    if (request.tradeNo.empty() || request.tradeNo.size() > 64) return fail(Errc::invalid_argument, "trade_no missing or too long");
    if (auto valid = requireId(request.patientId, "patient"); !valid) return std::unexpected(valid.error());
    if (auto valid = requireId(request.dispenseId, "dispense"); !valid) return std::unexpected(valid.error());
    Json body = {
        {"resourceType", "ServiceRequest"},
        {"status", "active"},  // the HIS answers draft while a fee is unpaid
        {"intent", "order"},
        {"identifier", Json::array({{{"system", settings_.systemTrade}, {"value", request.tradeNo}}})},
        {"code", {{"coding", Json::array({{{"system", fhir::kSystemTcmService}, {"code", std::string(tcmServiceCode(request.service))}}})}}},
        {"subject", {{"reference", "Patient/" + request.patientId}}},
        {"supportingInfo", Json::array({{{"reference", "MedicationDispense/" + request.dispenseId}}})},
        {"authoredOn", chinaNow("{:%Y-%m-%dT%H:%M:%S}+08:00")},
        {"requester", {{"display", request.kioskId}}}};
    if (!request.requestId.empty()) body["basedOn"] = Json::array({{{"reference", "MedicationRequest/" + request.requestId}}});
    if (tcmDelivered(request.service) && request.addressByLink) {
        body["extension"] = Json::array({{{"url", fhir::kExtAddressByLink}, {"valueBoolean", true}}});
    }
    auto created = conditionalCreate("ServiceRequest", request.tradeNo, body);
    if (!created) {
        Error error = created.error();
        if (error.messageKey == "backend.wrong_state") error.messageKey = "backend.not_ready_for_pickup";
        const bool absent = error.code == Errc::not_found || error.detail.find("HTTP 405") != std::string::npos;
        if (absent) {
            logger()->error("POST ServiceRequest: {}: this backend takes no herbal service orders", error.detail);
            error = Error(Errc::unsupported, error.detail, "backend.not_offered.tcm");
        }
        return std::unexpected(error);
    }
    auto order = toTcmOrder(*created, settings_.systemTrade);
    if (!order) return order;
    // A new order for a service with a fee must carry it (a listed order that was paid may have
    // dropped its fee; a fresh one may not): a "free" delivery is a HIS error, never taken.
    if (order->service != TcmService::self_decoction && order->feeFen <= 0) {
        return fail(Errc::invalid_answer,
                    fmt::format("ServiceRequest/{} ({}) answered with fee {} fen", order->orderId, tcmServiceCode(order->service), order->feeFen),
                    "backend.invalid_fee");
    }
    if (order->tradeNo != request.tradeNo || order->dispenseId != request.dispenseId || order->service != request.service ||
        (!order->patientId.empty() && order->patientId != request.patientId)) {
        return fail(Errc::invalid_answer,
                    fmt::format("ServiceRequest/{} answers key '{}', dispense '{}', {}: not what was asked", order->orderId, order->tradeNo,
                                order->dispenseId, tcmServiceCode(order->service)),
                    "backend.invalid_answer");
    }
    return order;
}

Result<std::vector<TcmOrder>> FhirHisDriver::tcmOrders(const std::string& patientId) {
    if (auto valid = requireId(patientId, "patient"); !valid) return std::unexpected(valid.error());
    std::string codes;
    for (auto service : {TcmService::self_decoction, TcmService::decoction, TcmService::delivery, TcmService::decoction_delivery}) {
        codes += (codes.empty() ? "" : ",") + std::string(fhir::kSystemTcmService) + "|" + std::string(tcmServiceCode(service));
    }
    auto found = search("ServiceRequest?subject=" + urlEncode("Patient/" + patientId) + "&code=" + urlEncode(codes), "ServiceRequest");
    if (!found) return std::unexpected(found.error());
    std::vector<TcmOrder> orders;
    for (const auto& r : *found) {
        auto order = toTcmOrder(r, settings_.systemTrade);
        if (!order) {
            // One unreadable order does not hide the others (their stages, an unpaid fee); its
            // prescription is offered no choice (FhirHisDriver callers see it as ordered).
            logger()->error("ServiceRequest/{} of Patient/{} left out: {}", str(r, "id"), patientId, order.error().describe());
            TcmOrder unreadable;
            unreadable.orderId = str(r, "id");
            unreadable.status = "unknown";
            unreadable.stage = "unreadable";
            for (const auto& info : arrayOf(r, "supportingInfo")) {
                if (auto id = referenceId(info, "MedicationDispense"); !id.empty()) unreadable.dispenseId = id;
            }
            unreadable.authoredOn = str(r, "authoredOn");
            orders.push_back(std::move(unreadable));
            continue;
        }
        if (!order->patientId.empty() && order->patientId != patientId) {
            return fail(Errc::invalid_answer, fmt::format("ServiceRequest/{} of Patient/{} in the answer for Patient/{}", order->orderId,
                                                          order->patientId, patientId),
                        "backend.invalid_answer");
        }
        orders.push_back(std::move(*order));
    }
    std::stable_sort(orders.begin(), orders.end(), [](const TcmOrder& a, const TcmOrder& b) { return a.authoredOn > b.authoredOn; });
    return orders;
}

Result<TransactionRecord> FhirHisDriver::postHelpRequest(const HelpRequest& request) {
    if (request.tradeNo.empty()) return fail(Errc::invalid_argument, "help request without trade_no");
    Json body = {{"resourceType", "Communication"},
                 {"status", "in-progress"},
                 {"identifier", Json::array({{{"system", settings_.systemTrade}, {"value", request.tradeNo}}})},
                 {"priority", "urgent"}};
    // Empty values are left out, as R4 requires (a kiosk without an id, a request without detail).
    if (!request.reason.empty()) body["category"] = Json::array({{{"text", request.reason}}});
    if (!request.kioskId.empty()) body["sender"] = {{"identifier", {{"system", "urn:yizhan:kiosk"}, {"value", request.kioskId}}}};
    if (const std::string detail = redactDigitsInText(request.detail); !detail.empty()) {
        body["payload"] = Json::array({{{"contentString", detail}}});
    }
    // The reference the patient reads out to staff, and the screen they were on (R4
    // Communication.identifier is 0..*, Communication.topic a CodeableConcept).
    if (!request.reference.empty()) body["identifier"].push_back({{"system", fhir::kSystemHelpReference}, {"value", request.reference}});
    if (!request.screen.empty()) body["topic"] = {{"text", request.screen}};
    if (!request.patientId.empty()) body["subject"] = {{"reference", "Patient/" + request.patientId}};
    auto created = conditionalCreate("Communication", request.tradeNo, body);
    if (!created) return std::unexpected(created.error());
    return TransactionRecord{request.tradeNo, "Communication", str(*created, "id"), str(*created, "status")};
}

Result<std::vector<Visit>> FhirHisDriver::visits(const std::string& patientId) {
    if (auto valid = requireId(patientId, "patient"); !valid) return std::unexpected(valid.error());
    auto found = search("Encounter?subject=" + urlEncode("Patient/" + patientId), "Encounter");
    if (!found) return std::unexpected(found.error());
    std::vector<Visit> out;
    for (const auto& r : *found) {
        auto visit = fhir_history::parseEncounter(r);
        if (!visit) {
            // One unreadable visit does not hide the others; the log says which.
            logger()->error("Encounter left out of the records: {}", visit.error().detail);
            continue;
        }
        if (*visit) out.push_back(std::move(**visit));
    }
    return out;
}

Result<std::vector<PastPayment>> FhirHisDriver::pastPayments(const std::string& patientId) {
    if (auto valid = requireId(patientId, "patient"); !valid) return std::unexpected(valid.error());
    // R4 defines no patient search parameter for PaymentReconciliation: the HIS declares its own
    // ("patient", on the urn:yizhan:ext:patient extension the kiosk's commit writes; hospital-sim
    // README). The charges (searched by the R4 parameter) name what each payment was for.
    auto found = search("PaymentReconciliation?patient=" + urlEncode("Patient/" + patientId), "PaymentReconciliation");
    if (!found) return std::unexpected(found.error());
    std::map<std::string, PaidItem> charges;
    if (!found->empty()) {
        auto items = search("ChargeItem?subject=" + urlEncode("Patient/" + patientId), "ChargeItem");
        if (!items) return std::unexpected(items.error());
        for (const auto& r : *items) {
            PaidItem item = fhir_history::parseChargeItem(r);
            if (!item.chargeId.empty()) charges[item.chargeId] = std::move(item);
        }
    }
    std::vector<PastPayment> out;
    for (const auto& r : *found) {
        auto payment = fhir_history::parsePaymentReconciliation(r, settings_.systemTrade, charges);
        if (!payment) {
            logger()->error("PaymentReconciliation left out of the records: {}", payment.error().detail);
            continue;
        }
        if (*payment) out.push_back(std::move(**payment));
    }
    return out;
}

}  // namespace kiosk::backend
