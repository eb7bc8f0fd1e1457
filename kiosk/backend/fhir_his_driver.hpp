#pragma once
// The standard HisDriver: FHIR R4 (hl7.org/fhir/R4) over HTTP(S) with libcurl.
//
// Feature checklist:
//  [X] search with Bundle searchset paging: follows `next` links to the configured server only,
//      its origin compared normalised (case, default port; curl_url), relative links resolved
//      against the service base; only search parameters R4 defines for the type are sent, other
//      filters (ChargeItem status) are applied here
//  [X] read, conditional create (If-None-Exist: identifier=<trade system>|<trade_no>), update
//      with If-Match (ETag) — the standard parts work against any conformant R4 server
//  [X] an Appointment made from a Slot carries the slot's start/end (R4 invariant app-3), also when
//      one held without them is booked or checked in
//  [X] every answer R4 allows to a conditional create (http.html#ccreate): 200/201 with the
//      resource, with an empty body or an OperationOutcome (the resource is then read from
//      Location or found by its identifier), 412 "several matches" (invalid_answer with
//      "backend.duplicate_records": a person's case, never a refusal)
//  [X] OperationOutcome errors mapped to kiosk::Error codes (details code "blacklisted",
//      "slot-taken", "wrong-state", "token-used" where the server gives them)
//  [X] retries only for calls safe to repeat: reads, conditional creates, If-Match updates
//      (re-read first); never for the one-use e-health-card resolution
//  [X] per-call timeout, connection reuse, body size cap, no redirects
//  [X] circuit breaker (backend down → backend_unavailable at once)
//  [X] HTTPS with a CA bundle and a client certificate per kiosk (mutual TLS); X-Kiosk-Id header
//  [X] named operations of hospital-sim: ChargeItem/$pre-settle, Appointment/{id}/$queue,
//      Patient/$resolve-health-card (a site server must provide equivalents). A server without
//      them (501, 405, or 400/404 for an operation its CapabilityStatement does not declare) gives
//      Errc::unsupported with "backend.not_offered.<operation>", never a patient-data error
//  [X] booking, cancelling, check-in and the queue (issue 11), mapped to R4 as follows:
//      hold          POST Appointment (status proposed, slot, patient) + If-None-Exist trade key
//      book          PUT Appointment status proposed → booked, If-Match; the payment in the
//                    extension urn:yizhan:ext:payment (trade-no, channel, channel-trade-no,
//                    amount-fen) so that a cancellation can give it back for the refund
//      cancel        PUT status → cancelled, If-Match; refused after the cut-off: 409
//                    OperationOutcome details "cancel-cutoff" (issue extension cancel-until)
//      upcoming      GET Appointment?patient=…&date=ge<today>&status=booked, minus those begun
//      by code       GET Appointment?identifier=urn:yizhan:appointment-code|<code>
//      check in      PUT status booked → arrived, If-Match; a refusal is 409 with details
//                    "check-in-too-early" (issue extension check-in-opens-at), "check-in-too-late"
//                    (check-in-closed-at, late-policy), "check-in-another-day" (appointment-date);
//                    the appointment's date is checked here first (no call for another day)
//      rules         a booked Appointment carries check-in-opens / check-in-closes / cancel-until
//                    (valueDateTime) when the server computes them; a late arrival under the
//                    queue-end policy carries late-arrival (valueBoolean)
//      queue         GET Appointment/{id}/$queue → Parameters(appointment, queue_number,
//                    waiting_ahead, estimated_wait_minutes, called, room, doctor); an answer
//                    naming another appointment is refused (invalid_answer)
//      SMS reminder  POST CommunicationRequest (status active, subject Patient, about Appointment,
//                    medium v3-ParticipationMode SMSWRIT, extension when-ahead) + If-None-Exist;
//                    a server without it (404/405/501 on the type) gives "backend.not_offered.sms"
//      blacklist     Patient extensions booking-blocked-until (valueDate), -reason (valueString),
//                    -missed and -window-days (valueInteger)
//  [X] checks on what the hospital sends for booking (bad input): a slot of another department,
//      begun, without a UTC offset or overlapping another of the same doctor, a negative or
//      missing fee, a doctor without a name are left out with a log line naming the resource;
//      a hold that never answers ends after the per-call timeout as unknown_outcome
//  [ ] Patient/$match, IHE ITI $hold/$book, Claim-based insurance (not needed by hospital-sim)
//  [ ] SMART/OAuth tokens (sites use mutual TLS)

#include <nlohmann/json.hpp>

#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "kiosk/backend/circuit_breaker.hpp"
#include "kiosk/backend/his_driver.hpp"
#include "kiosk/backend/http_client.hpp"
#include "kiosk/core/clock.hpp"

namespace kiosk::backend {

struct FhirSettings {
    HttpSettings http;
    int retries = 2;                                  ///< extra attempts for safe calls
    std::chrono::milliseconds retryBackoff{150};      ///< grows linearly per attempt
    CircuitBreaker::Settings breaker;
    int maxPages = 20;                                ///< paging limit of one search
    int pageSize = 100;                               ///< _count of searches
    /// [backend] max_report_pdf_mb: the largest report PDF the kiosk downloads. A report's PDF is
    /// a few hundred kilobytes (a 40-row panel with a logo: ~60 KB; a CT report with key images:
    /// 1–3 MB); one far larger is a HIS fault and would sit in memory and the CUPS spool whole.
    size_t maxReportPdfBytes = 10U * 1024U * 1024U;
    std::string systemSocialSecurity;
    std::string systemIdNumber;
    std::string systemHospitalCard;
    std::string systemHealthCard;
    std::string systemTrade;
    FhirSettings();
};

class FhirHisDriver final : public HisDriver {
public:
    FhirHisDriver(FhirSettings settings, std::shared_ptr<const Clock> clock = nullptr);
    ~FhirHisDriver() override;

    std::string describe() const override;
    Result<BackendInfo> ping() override;
    Result<Patient> findPatient(PatientKey key, const std::string& value) override;
    Result<Patient> resolveHealthCard(const std::string& token) override;
    Result<std::vector<Department>> departments() override;
    Result<std::vector<Doctor>> doctors(const std::string& departmentId) override;
    Result<std::vector<Slot>> slots(const SlotQuery& query) override;
    Result<Appointment> holdSlot(const std::string& slotId, const std::string& patientId, const std::string& tradeNo) override;
    using HisDriver::book;
    using HisDriver::checkIn;
    Result<Appointment> book(const std::string& appointmentId, const AppointmentPayment& payment) override;
    Result<Appointment> cancelAppointment(const std::string& appointmentId) override;
    Result<std::vector<Appointment>> appointments(const std::string& patientId) override;
    Result<std::vector<Appointment>> upcomingAppointments(const std::string& patientId) override;
    Result<Appointment> findAppointmentByCode(const std::string& code) override;
    Result<CheckInResult> attemptCheckIn(const std::string& appointmentId) override;
    Result<QueueStatus> queueStatus(const std::string& appointmentId) override;
    Result<TransactionRecord> requestQueueReminder(const QueueReminderRequest& request) override;
    Result<std::vector<Charge>> charges(const std::string& patientId) override;
    Result<PreSettlement> preSettle(const std::string& patientId, const std::vector<std::string>& chargeIds) override;
    Result<PaymentRecord> commitPayment(const PaymentCommit& commit) override;
    Result<TransactionRecord> lookupTransaction(const std::string& tradeNo) override;
    Result<std::vector<Report>> reports(const std::string& patientId) override;
    Result<std::string> reportPdf(const Report& report) override;
    Result<Report> reportByCode(const std::string& code) override;
    Result<std::vector<Prescription>> prescriptions(const std::string& patientId) override;
    Result<Prescription> confirmPickup(const std::string& dispenseId, const std::string& tradeNo) override;
    Result<PharmacyTicket> queueForPickup(const PharmacyQueueRequest& request) override;
    Result<Prescription> dispenseByPickupCode(const std::string& code) override;
    Result<std::vector<PharmacyCall>> pharmacyCalls() override;
    Result<TcmPrices> tcmPrices() override;
    Result<TcmOrder> orderTcmService(const TcmOrderRequest& request) override;
    Result<std::vector<TcmOrder>> tcmOrders(const std::string& patientId) override;
    Result<TransactionRecord> postHelpRequest(const HelpRequest& request) override;
    Result<std::vector<Visit>> visits(const std::string& patientId) override;
    Result<std::vector<PastPayment>> pastPayments(const std::string& patientId) override;

    CircuitBreaker::State circuitState() const { return breaker_.state(); }
    /// The HTTP settings in use (base URL, client certificate, the call recorder).
    const HttpSettings& httpSettings() const { return http_.settings(); }

private:
    /// How a call may be repeated: reads; writes made idempotent by a business key or If-Match;
    /// calls that must go out at most once.
    enum class Safety { read, repeatable_write, once };

    /// One call with retries, the circuit breaker and status mapping (non-2xx → Error). Answers
    /// whose status is in `passThrough` are returned as they are, for the caller to read.
    Result<HttpResponse> exchange(HttpRequest request, Safety safety, std::initializer_list<long> passThrough = {});
    /// exchange() + JSON parse + resourceType check.
    Result<nlohmann::json> fetch(HttpRequest request, Safety safety, std::string_view expectedType);
    /// A search, following `next` links; returns the matched resources of `type`.
    Result<std::vector<nlohmann::json>> search(const std::string& target, std::string_view type);
    /// Read → If-Match update of `status` to `target` (re-reading after a conflict or a lost
    /// answer). `amend(updated)`, when given, completes the resource before it is sent; its error
    /// ends the change.
    /// When `refusal` is given, the body of a 409 answer (the OperationOutcome of a business
    /// refusal) is copied there for the caller to read its facts.
    Result<nlohmann::json> changeStatus(const std::string& type, const std::string& id, const std::string& target,
                                        const std::function<Result<void>(nlohmann::json&)>& amend = {},
                                        std::string* refusal = nullptr);
    /// changeStatus of an Appointment that first gives it its slot's times when it lacks them
    /// (R4 invariant app-3: only proposed or cancelled appointments may lack start/end); `extra`
    /// completes it further (the payment of a booking).
    Result<nlohmann::json> changeAppointmentStatus(const std::string& appointmentId, const std::string& target,
                                                   const std::function<void(nlohmann::json&)>& extra = {},
                                                   std::string* refusal = nullptr);
    /// Copies Slot/{slotId}'s start, end, serviceType and doctor (PractitionerRole) into an
    /// Appointment (R4: an appointment made from a slot takes its times). Errors: slot_taken when
    /// the slot is gone, invalid_answer when it has no times, transport errors as fetch.
    Result<void> fillFromSlot(nlohmann::json& appointment, const std::string& slotId);
    Result<nlohmann::json> conditionalCreate(const std::string& type, const std::string& tradeNo, const nlohmann::json& body);
    /// The resource a conditional create answered 200/201 for without carrying it: read from the
    /// Location header, else searched by the trade identifier. Errors: invalid_answer with
    /// "backend.duplicate_records" (several carry the key), or unknown_outcome (the server said it
    /// holds it, but it cannot be read now).
    Result<nlohmann::json> createdResource(const std::string& type, const std::string& tradeNo, const std::string& location);
    /// A named (non-standard) operation; see the checklist for how "not offered" is told apart.
    struct NamedOperation {
        const char* name;        ///< as in CapabilityStatement.rest[.resource].operation.name, without '$'
        const char* messageKey;  ///< "backend.not_offered.<…>"
    };
    Result<nlohmann::json> operation(const HttpRequest& request, Safety safety, std::string_view expectedType, const NamedOperation& op);
    /// Whether the server's CapabilityStatement declares the operation; nullopt when it cannot be
    /// read. Read once per driver.
    std::optional<bool> declaresOperation(const std::string& name);

    FhirSettings settings_;
    std::shared_ptr<const Clock> clock_;
    HttpClient http_;
    CircuitBreaker breaker_;
    std::mutex capabilityMutex_;
    std::optional<std::set<std::string>> declaredOperations_;  // guarded by capabilityMutex_
};

/// Percent-encodes a query parameter value (RFC 3986 unreserved characters kept).
std::string urlEncode(std::string_view value);

}  // namespace kiosk::backend
