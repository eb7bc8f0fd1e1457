#pragma once
// Typed values the hospital backend returns (HisDriver, his_driver.hpp). Amounts are integers in
// fen (1/100 yuan) so that no rounding ever happens on money. Times are ISO 8601 strings with
// the hospital's offset ("2026-11-23T09:00:00+08:00"), as the backend sent them: the kiosk shows
// them, it does not compute with them.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kiosk::backend {

/// How a patient was identified at the kiosk; each maps to a FHIR identifier system.
enum class PatientKey { social_security_card, id_number, hospital_card, health_card_id };
std::string_view patientKeyName(PatientKey key);

struct Patient {
    std::string id;               ///< backend's logical id ("Patient/<id>")
    std::string name;             ///< in clear: mask before showing/logging
    std::string idNumber;
    std::string socialSecurityCard;
    std::string hospitalCard;
    std::string healthCardId;
    std::string sex;              ///< "1" male, "2" female (GB/T 2261.1)
    std::string birthDate;        ///< YYYY-MM-DD
    std::string phone;
    /// No-show blacklist (hospital policy): set when booking is blocked, with the date it ends.
    std::optional<std::string> bookingBlockedUntil;
    std::string bookingBlockedReason;  ///< e.g. "3 missed appointments in 90 days"
};

struct Department {
    std::string id;
    std::string code;
    std::string name;    ///< Chinese name as the hospital names it
    std::string nameEn;
    std::string location;  ///< building / floor, for guidance
};

struct Doctor {
    std::string id;          ///< PractitionerRole id
    std::string practitionerId;
    std::string name;
    std::string title;       ///< 主任医师, 副主任医师, 主治医师, 住院医师
    std::string specialty;
    std::string departmentId;
    int64_t feeFen = 0;      ///< registration fee
};

struct Slot {
    std::string id;
    std::string doctorId;     ///< PractitionerRole id
    std::string departmentId;
    std::string start;
    std::string end;
    std::string status;       ///< free, busy, busy-tentative, busy-unavailable
    int64_t feeFen = 0;
};

enum class AppointmentStatus { proposed, pending, booked, arrived, fulfilled, cancelled, noshow };
std::string_view appointmentStatusName(AppointmentStatus status);

struct Appointment {
    std::string id;
    std::string version;      ///< ETag version, for If-Match
    AppointmentStatus status = AppointmentStatus::proposed;
    std::string slotId;
    std::string patientId;
    std::string doctorId;
    std::string departmentId;
    std::string start;
    std::string end;
    std::string tradeNo;      ///< the kiosk's business key this appointment was created with
    std::optional<std::string> holdExpires;
    std::optional<int> queueNumber;  ///< assigned at check-in
    int64_t feeFen = 0;
};

struct Charge {
    std::string id;
    std::string code;
    std::string description;      ///< the HIS's name of the item (Chinese)
    /// Its English name where the HIS gives one (FHIR: the R4 `translation` extension on
    /// ChargeItem.code.text with lang "en…"); empty otherwise.
    std::string descriptionEn;
    std::string departmentId;
    int64_t quantity = 1;
    int64_t amountFen = 0;        ///< total of the line
    std::string insuranceClass;   ///< "A" (甲, covered), "B" (乙, partly), "C" (丙, self-pay)
    std::string enteredDate;
};

struct PreSettlement {
    std::string patientId;
    std::vector<std::string> chargeIds;
    int64_t totalFen = 0;
    int64_t insuranceFen = 0;   ///< paid by the insurance fund (estimate at pre-settle)
    int64_t selfPayFen = 0;     ///< the patient's cash part (psn_cash_pay)
};

struct PaymentCommit {
    std::string tradeNo;        ///< business key (journalled before the call)
    std::string patientId;
    std::vector<std::string> chargeIds;
    int64_t totalFen = 0;
    int64_t insuranceFen = 0;
    int64_t cashFen = 0;
    std::string channel;        ///< wechat, alipay, unionpay, insurance, cash
    std::string channelTradeNo; ///< gateway / insurance reference
};

struct PaymentRecord {
    std::string id;
    std::string tradeNo;
    std::string status;         ///< active (committed), cancelled
    int64_t totalFen = 0;
    std::string created;
    std::string invoiceNumber;
};

/// The answer of lookupTransaction(): what the backend knows of a business key.
struct TransactionRecord {
    std::string tradeNo;
    std::string resourceType;   ///< Appointment, PaymentReconciliation, Communication
    std::string resourceId;
    std::string status;
};

struct Report {
    std::string id;
    std::string category;       ///< LAB, RAD (imaging)
    std::string title;
    std::string status;         ///< preliminary, final, amended
    std::string issued;
    std::string pdfBinaryId;    ///< Binary id of the PDF (presentedForm)
    int64_t pdfSize = 0;
};

struct Prescription {
    std::string dispenseId;     ///< MedicationDispense id
    std::string version;
    std::string requestId;      ///< MedicationRequest id
    std::string medication;
    std::string quantity;       ///< e.g. "2 盒"
    std::string status;         ///< preparation, in-progress, completed, on-hold, cancelled, …
    bool readyForPickup = false;  ///< in-progress with whenPrepared set
    std::string window;          ///< pharmacy window, e.g. "3号窗口"
};

struct QueueStatus {
    std::string appointmentId;
    int queueNumber = 0;
    int waitingAhead = 0;
    int estimatedWaitMinutes = 0;
    std::string room;
};

struct HelpRequest {
    std::string tradeNo;        ///< business key
    std::string kioskId;
    std::string reason;         ///< free-form category, e.g. "payment_unknown", "device_fault"
    std::string detail;         ///< masked text for the help desk
};

struct BackendInfo {
    std::string software;
    std::string version;
    std::string fhirVersion;
    int64_t latencyMs = 0;
};

}  // namespace kiosk::backend
