#pragma once
// HisDriver: everything the kiosk asks of the hospital (DESIGN §5), one interface for every
// backend. The standard implementation is the FHIR R4 adapter (fhir_his_driver.hpp); a site
// with a vendor web service adds its own implementation beside it and a row in the factory.
//
// Contract for every call:
//  - results are typed values; failures are kiosk::Error with one of these codes:
//      not_found           nothing matches (patient, slot, report, business key)
//      blocked             hospital policy forbids it (no-show blacklist, patient barred)
//      slot_taken          the slot was held or booked by someone else
//      rejected            the backend refused on business grounds (wrong state, amount mismatch)
//      backend_unavailable refused connection, 5xx, circuit breaker open ("service unavailable")
//      timeout             no answer in time for a call that changes nothing
//      unknown_outcome     a write whose answer was lost: ask lookupTransaction(), never repeat
//      invalid_answer      malformed JSON, wrong resource type, truncated or oversize body
//      invalid_argument    the kiosk passed something empty or malformed
//  - state-changing calls carry a business key (tradeNo) that the caller journals BEFORE the
//    call; the backend de-duplicates on it, so repeating the call with the same key is safe and
//    lookupTransaction(key) tells whether it happened.
//  - calls are thread-safe and block for at most the configured per-call timeout (times the
//    retries of calls that are safe to repeat). Call them from a worker thread, never the UI.

#include <string>
#include <vector>

#include "kiosk/backend/his_types.hpp"
#include "kiosk/core/error.hpp"

namespace kiosk::backend {

struct SlotQuery {
    std::string departmentId;
    std::string doctorId;       ///< optional: one doctor's slots
    std::string fromDate;       ///< YYYY-MM-DD, inclusive; empty = today
    std::string toDate;         ///< YYYY-MM-DD, exclusive; empty = fromDate + 1 day
    bool freeOnly = true;
};

class HisDriver {
public:
    virtual ~HisDriver() = default;

    /// Name of the implementation ("fhir") and the configured base URL (for the log).
    virtual std::string describe() const = 0;

    /// Reads the backend's capability statement; proves the link works end to end.
    virtual Result<BackendInfo> ping() = 0;

    // --- patients -----------------------------------------------------------------------------
    virtual Result<Patient> findPatient(PatientKey key, const std::string& value) = 0;
    /// Resolves an e-health-card QR token (64 hex + ":1") through the health-card platform;
    /// dynamic tokens are one-use, so this call is never repeated automatically.
    virtual Result<Patient> resolveHealthCard(const std::string& token) = 0;

    // --- booking -------------------------------------------------------------------------------
    virtual Result<std::vector<Department>> departments() = 0;
    virtual Result<std::vector<Doctor>> doctors(const std::string& departmentId) = 0;
    virtual Result<std::vector<Slot>> slots(const SlotQuery& query) = 0;
    /// Holds a free slot for a patient for a few minutes (until payment); tradeNo is the key.
    /// Errors: slot_taken ("backend.slot_taken": held or booked by someone else, or gone),
    /// blocked ("backend.blacklisted": the no-show blacklist; the Patient carries the end date and
    /// reason), rejected ("backend.booking_limit": a per-patient limit such as one booking per
    /// department per day), unknown_outcome (the answer was lost: ask lookupTransaction(tradeNo)).
    virtual Result<Appointment> holdSlot(const std::string& slotId, const std::string& patientId,
                                         const std::string& tradeNo) = 0;
    /// Turns a held appointment into a booked one (after payment), recording how the fee was paid
    /// (empty for a zero fee) so that a later cancellation can hand it back. Repeating it is safe.
    /// Errors: rejected ("backend.wrong_state": the hold expired or was cancelled), not_found.
    virtual Result<Appointment> book(const std::string& appointmentId, const AppointmentPayment& payment) = 0;
    Result<Appointment> book(const std::string& appointmentId) { return book(appointmentId, AppointmentPayment{}); }
    /// Cancels a held or booked appointment (退号). The refund is the payment desk's: the answer
    /// carries `payment` (business key, channel, amount) when the backend knows it. Repeating it is
    /// safe. Errors: rejected with "backend.cancel_cutoff" (after the hospital's cut-off;
    /// Appointment.cancelUntil said when it was), "backend.wrong_state" (arrived, fulfilled, or
    /// already begun), not_found.
    virtual Result<Appointment> cancelAppointment(const std::string& appointmentId) = 0;
    /// Today's and later appointments of a patient that are held, booked or arrived.
    virtual Result<std::vector<Appointment>> appointments(const std::string& patientId) = 0;
    /// The patient's booked appointments that have not begun (today's later ones and every later
    /// day), sorted by start: what may still be cancelled (each with cancelUntil when known).
    virtual Result<std::vector<Appointment>> upcomingAppointments(const std::string& patientId) = 0;
    /// The appointment a slip or app QR names (payload kind appointment_code). Errors:
    /// invalid_argument ("backend.appointment_code_invalid": not 1–32 letters/digits), not_found
    /// ("backend.appointment_code_unknown"), invalid_answer (several appointments carry it).
    virtual Result<Appointment> findAppointmentByCode(const std::string& code) = 0;
    /// Check-in for today's appointment: booked → arrived with a queue number, or why not
    /// (CheckInResult: too early → when it opens; late → the policy; another day → its date;
    /// already checked in → the same ticket). Errors only for what is not a hospital rule:
    /// rejected ("backend.wrong_state": cancelled, a hold never paid), not_found, transport.
    virtual Result<CheckInResult> attemptCheckIn(const std::string& appointmentId) = 0;
    /// attemptCheckIn() with every refusal as an error: rejected with "backend.checkin_too_early",
    /// "backend.checkin_too_late" or "backend.checkin_another_day" (the detail names the time or
    /// date). For callers that only need the ticket (the CLI, scripts).
    Result<Appointment> checkIn(const std::string& appointmentId) {
        auto result = attemptCheckIn(appointmentId);
        if (!result) return std::unexpected(result.error());
        if (result->ok()) return result->appointment;
        const std::string why = std::string(checkInOutcomeName(result->outcome));
        const std::string when = result->opensAt + result->closedAt + result->date;
        return fail(Errc::rejected, "check-in of Appointment/" + appointmentId + " refused: " + why + " " + when,
                    "backend.checkin_" + why);
    }
    /// Where a checked-in patient stands. The answer is checked to be about `appointmentId`
    /// (invalid_answer otherwise: a queue of another patient is never shown). Errors: rejected
    /// ("backend.wrong_state": not checked in), not_found, unsupported ("backend.not_offered.queue").
    virtual Result<QueueStatus> queueStatus(const std::string& appointmentId) = 0;
    /// Asks the hospital to text the patient when `whenAhead` or fewer are ahead (idempotent on
    /// request.tradeNo). Errors: invalid_argument (whenAhead outside 1–20), rejected
    /// ("backend.wrong_state": the appointment is not the patient's or is over; "backend.no_phone":
    /// the hospital holds no phone number), unsupported ("backend.not_offered.sms").
    virtual Result<TransactionRecord> requestQueueReminder(const QueueReminderRequest& request) = 0;

    // --- payment -------------------------------------------------------------------------------
    virtual Result<std::vector<Charge>> charges(const std::string& patientId) = 0;
    /// Computes the insurance and cash parts of a set of charges; changes nothing.
    virtual Result<PreSettlement> preSettle(const std::string& patientId,
                                            const std::vector<std::string>& chargeIds) = 0;
    /// Records a payment against the charges (idempotent on commit.tradeNo).
    virtual Result<PaymentRecord> commitPayment(const PaymentCommit& commit) = 0;
    /// What the backend knows of a business key (any state-changing call).
    virtual Result<TransactionRecord> lookupTransaction(const std::string& tradeNo) = 0;

    // --- reports -------------------------------------------------------------------------------
    virtual Result<std::vector<Report>> reports(const std::string& patientId) = 0;
    /// The report's PDF bytes. Errors: invalid_answer with "backend.report_pdf_too_large" when the
    /// HIS says (presentedForm.size, Content-Length) or sends more than the site's cap
    /// ([backend] max_report_pdf_mb), refused before it is buffered; "backend.invalid_answer" for
    /// an answer that is not a PDF.
    virtual Result<std::string> reportPdf(const Report& report) = 0;
    /// The report a lab slip's barcode names (payload kind report_code: DiagnosticReport.identifier
    /// in urn:yizhan:report-code), whoever's it is: the slip is the patient's authority to print it.
    /// Errors: invalid_argument ("backend.report_code_invalid": not 1–32 letters/digits), not_found
    /// ("backend.report_code_unknown"), invalid_answer (several reports carry it).
    virtual Result<Report> reportByCode(const std::string& code) = 0;

    // --- pharmacy ------------------------------------------------------------------------------
    /// Every dispense of the patient (all states; Prescription::state() sorts them for the screen).
    virtual Result<std::vector<Prescription>> prescriptions(const std::string& patientId) = 0;
    /// The dispense whose pickup code (printed on the payment receipt) is `code`. Errors:
    /// invalid_argument (not a code: "backend.pickup_code_invalid"), not_found
    /// ("backend.pickup_code_unknown"), invalid_answer (several dispenses carry it).
    virtual Result<Prescription> dispenseByPickupCode(const std::string& code) = 0;
    /// The patient has the medicine (the locker door opened): MedicationDispense → completed,
    /// carrying `tradeNo` (journalled before; idempotent on it: a repeat returns the same
    /// dispense). Errors: rejected "backend.not_ready_for_pickup" (not ready),
    /// "backend.already_picked_up" (completed under another key or at the window), not_found,
    /// unknown_outcome (the answer was lost: ask again with the same key).
    virtual Result<Prescription> confirmPickup(const std::string& dispenseId, const std::string& tradeNo) = 0;
    /// Joins the pharmacy's call queue for the ready dispenses of one window (idempotent on
    /// request.tradeNo: a repeat returns the same number). Errors: invalid_argument (no dispense,
    /// no key), rejected "backend.not_ready_for_pickup" (one is not ready or is another patient's),
    /// unsupported "backend.not_offered.pharmacy_queue".
    virtual Result<PharmacyTicket> queueForPickup(const PharmacyQueueRequest& request) = 0;
    /// The pharmacy's call board now: the numbers being called (newest call first) and those
    /// waiting (in order), today's only.
    virtual Result<std::vector<PharmacyCall>> pharmacyCalls() = 0;
    /// The hospital's prices for decoction and delivery of herbal prescriptions (a price the HIS
    /// does not give, or gives as 0 or below, is 0: that service is not offered; logged).
    /// Errors: transport, invalid_answer.
    virtual Result<TcmPrices> tcmPrices() = 0;
    /// Records how the patient takes a herbal prescription (idempotent on request.tradeNo: a
    /// repeat returns the same order and never a second fee). A service with a fee answers a
    /// draft order with the fee's ChargeItem, paid through the payment desk; the HIS starts it
    /// when paid. Errors: invalid_argument (no key, not a patient or dispense id), rejected
    /// "backend.tcm_already_ordered" (the prescription has another order), "backend.no_address"
    /// (delivery to the address on file, and there is none), "backend.not_ready_for_pickup" (not
    /// the patient's, not herbal, or already handed over), invalid_answer "backend.invalid_fee"
    /// (a service with a fee answered with 0 or below, or without its ChargeItem: never paid),
    /// unknown_outcome (ask again with the same key), unsupported "backend.not_offered.tcm".
    virtual Result<TcmOrder> orderTcmService(const TcmOrderRequest& request) = 0;
    /// The patient's herbal service orders (every state), the newest first.
    virtual Result<std::vector<TcmOrder>> tcmOrders(const std::string& patientId) = 0;

    // --- my records ----------------------------------------------------------------------------
    /// The patient's visits (every Encounter that happened: planned, cancelled and
    /// entered-in-error ones are left out), in the HIS's order. One the kiosk cannot read (unknown
    /// status) is left out and logged. Each names its subject: the caller checks it.
    virtual Result<std::vector<Visit>> visits(const std::string& patientId) = 0;
    /// The patient's committed payments (PaymentReconciliation, cancelled ones left out) with the
    /// charges each paid for. One the kiosk cannot read (no date, unknown status, no amount) is
    /// left out and logged. Each names its patient: the caller checks it.
    virtual Result<std::vector<PastPayment>> pastPayments(const std::string& patientId) = 0;

    // --- help ----------------------------------------------------------------------------------
    virtual Result<TransactionRecord> postHelpRequest(const HelpRequest& request) = 0;
};

}  // namespace kiosk::backend
