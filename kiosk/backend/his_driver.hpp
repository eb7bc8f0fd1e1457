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
    virtual Result<Appointment> holdSlot(const std::string& slotId, const std::string& patientId,
                                         const std::string& tradeNo) = 0;
    /// Turns a held appointment into a booked one (after payment).
    virtual Result<Appointment> book(const std::string& appointmentId) = 0;
    virtual Result<Appointment> cancelAppointment(const std::string& appointmentId) = 0;
    /// Today's appointments of a patient (booked or arrived).
    virtual Result<std::vector<Appointment>> appointments(const std::string& patientId) = 0;
    /// Check-in for today's appointment: booked → arrived; gives the queue number.
    virtual Result<Appointment> checkIn(const std::string& appointmentId) = 0;
    virtual Result<QueueStatus> queueStatus(const std::string& appointmentId) = 0;

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
    virtual Result<std::string> reportPdf(const Report& report) = 0;  ///< the PDF bytes

    // --- pharmacy ------------------------------------------------------------------------------
    virtual Result<std::vector<Prescription>> prescriptions(const std::string& patientId) = 0;
    virtual Result<Prescription> confirmPickup(const std::string& dispenseId) = 0;

    // --- help ----------------------------------------------------------------------------------
    virtual Result<TransactionRecord> postHelpRequest(const HelpRequest& request) = 0;
};

}  // namespace kiosk::backend
