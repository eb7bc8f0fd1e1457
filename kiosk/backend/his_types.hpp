#pragma once
// Typed values the hospital backend returns (HisDriver, his_driver.hpp). Amounts are integers in
// fen (1/100 yuan) so that no rounding ever happens on money. Times are ISO 8601 strings with
// the hospital's offset ("2026-11-23T09:00:00+08:00"), as the backend sent them: the kiosk shows
// them, it does not compute with them.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
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
    /// The home address the hospital holds (Patient.address[0].text, or its parts joined), in
    /// clear: mask before showing (PersonalField::address). Empty when none.
    std::string address;
    /// No-show blacklist (hospital policy): set when booking is blocked, with the date it ends.
    std::optional<std::string> bookingBlockedUntil;
    std::string bookingBlockedReason;  ///< e.g. "3 missed appointments in 90 days" (the HIS's text)
    /// The reason as numbers, for a message in the patient's language: missed appointments within
    /// so many days (0 when the backend gives only the text).
    int bookingBlockedMissed = 0;
    int bookingBlockedWindowDays = 0;
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
    int64_t feeFen = 0;      ///< registration fee; 0 = a free clinic (a missing fee is refused, never 0)
    /// The department's "any doctor" general clinic (普通门诊): a PractitionerRole with no
    /// Practitioner; `name` is then the clinic's title.
    bool anyDoctor = false;
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

/// The payment that paid an appointment's registration fee, as the kiosk told the backend when it
/// booked (FHIR: the extension urn:yizhan:ext:payment on the Appointment, see fhir_his_driver.hpp).
/// A cancellation hands it back so that the payment desk refunds by the original channel.
struct AppointmentPayment {
    std::string tradeNo;         ///< the kiosk's business key of the payment (journalled)
    std::string channel;         ///< wechat, alipay, unionpay, insurance, cash
    std::string channelTradeNo;  ///< gateway order / insurance msgid; empty when the channel has none
    int64_t amountFen = 0;       ///< what was paid, in fen: the whole fee, insurance part included
    /// The part the insurance paid (fund + personal account), in fen; 0 for a self-paid fee. The
    /// rest (amountFen - insuranceFen) came by `channel` ("insurance" when nothing was left to pay).
    int64_t insuranceFen = 0;
    std::string settlementId;    ///< the insurance settlement (2207 setl_id); empty for a self-paid fee
    bool empty() const { return tradeNo.empty(); }
};

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
    /// The code printed on the registration slip and in the hospital's app (QR payload kind
    /// appointment_code, "YY" + 10–16 digits at hospital-sim); empty when the backend has none.
    std::string appointmentCode;
    std::optional<AppointmentPayment> payment;  ///< set when the backend knows how the fee was paid
    /// The hospital's rules for this appointment, when the backend tells them (hospital-sim does,
    /// on every booked appointment): check-in window and the last moment it may be cancelled.
    std::optional<std::string> checkInOpens;
    std::optional<std::string> checkInCloses;
    std::optional<std::string> cancelUntil;
};

/// What the hospital does with a patient who comes after the check-in window closed.
enum class LatePolicy {
    unknown,    ///< the backend did not say
    queue_end,  ///< checked in anyway, at the end of the doctor's queue
    rebook,     ///< refused: the patient books again (the missed appointment is not refunded here)
};
std::string_view latePolicyName(LatePolicy policy);

/// The result of a check-in: done, or why not (each refusal is a value the screens explain, not
/// an error; transport and backend errors stay kiosk::Error).
enum class CheckInOutcome {
    checked_in,          ///< booked → arrived now; appointment.queueNumber is set
    already_checked_in,  ///< it was arrived before: the same ticket again (a reprint)
    too_early,           ///< the window is not open yet: opensAt says when it opens
    too_late,            ///< the window closed and the late policy is rebook (closedAt, latePolicy)
    another_day,         ///< the appointment is on `date`, not today
};
std::string_view checkInOutcomeName(CheckInOutcome outcome);

struct CheckInResult {
    CheckInOutcome outcome = CheckInOutcome::checked_in;
    Appointment appointment;     ///< as the backend holds it after the call
    std::string opensAt;         ///< too_early: ISO 8601 with offset
    std::string closedAt;        ///< too_late: ISO 8601 with offset
    LatePolicy latePolicy = LatePolicy::unknown;
    bool late = false;           ///< checked_in after the window under the queue_end policy
    std::string date;            ///< another_day: YYYY-MM-DD
    bool ok() const { return outcome == CheckInOutcome::checked_in || outcome == CheckInOutcome::already_checked_in; }
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

/// One visit of the patient's history ("my records", FHIR R4 Encounter).
struct Visit {
    std::string id;
    std::string patientId;      ///< subject: checked by the kiosk against the patient asked for
    std::string status;         ///< arrived, triaged, in-progress, onleave, finished (R4 encounter-status)
    std::string start;          ///< period.start, ISO 8601 with offset; empty when the HIS gave none
    std::string department;     ///< serviceProvider.display (the HIS's Chinese name)
    std::string departmentEn;   ///< its English name where the HIS gives one (translation extension)
    std::string doctor;         ///< the first participant's individual.display; may be empty
    std::string diagnosis;      ///< the diagnoses' Condition code.text, joined by "；"; empty when not given
};

/// One charge a past payment paid for, as its receipt names it.
struct PaidItem {
    std::string chargeId;
    std::string description;    ///< the HIS's Chinese name
    std::string descriptionEn;  ///< empty when the HIS has none
    int64_t amountFen = 0;
};

/// A payment the patient made (FHIR R4 PaymentReconciliation, as commitPayment() writes it).
struct PastPayment {
    std::string id;
    std::string patientId;      ///< extension urn:yizhan:ext:patient: checked by the kiosk
    std::string tradeNo;        ///< the kiosk's business key (identifier)
    std::string created;        ///< ISO 8601 with offset (created, else paymentDate)
    std::string channel;        ///< wechat, alipay, unionpay, bankcard, insurance, cash; empty: unknown
    std::string receiptNo;      ///< the HIS's invoice (receipt) number; may be empty
    int64_t totalFen = 0;
    int64_t insuranceFen = 0;
    int64_t cashFen = 0;
    std::vector<PaidItem> items;  ///< in the order the payment lists them
};

/// The answer of lookupTransaction(): what the backend knows of a business key.
struct TransactionRecord {
    std::string tradeNo;
    std::string resourceType;   ///< Appointment, PaymentReconciliation, Communication, CommunicationRequest
    std::string resourceId;
    std::string status;
};

/// One row of a structured lab report (a contained Observation of the DiagnosticReport).
/// Values are kept as the HIS wrote them: "6.2", "阴性", "<0.1", "++".
struct LabObservation {
    std::string item;            ///< code.text ("白细胞 WBC")
    std::string value;           ///< valueQuantity.value as text, or valueString
    std::string unit;            ///< valueQuantity.unit
    std::optional<double> low;   ///< referenceRange[0].low.value
    std::optional<double> high;  ///< referenceRange[0].high.value
    std::string rangeText;       ///< referenceRange[0].text (non-numeric ranges: "阴性")
    /// interpretation[0].coding[0].code of HL7 v3 ObservationInterpretation: "H", "L", "N",
    /// "A" (abnormal), "HH", "LL"; empty when the HIS gives none.
    std::string interpretation;
};

struct Report {
    std::string id;
    std::string category;       ///< LAB, RAD (imaging)
    std::string title;
    /// registered / partial (pending: not yet reported), preliminary, final, amended, corrected
    std::string status;
    std::string issued;
    std::string pdfBinaryId;    ///< Binary id of the PDF (presentedForm)
    int64_t pdfSize = 0;
    std::string patientId;      ///< subject: checked by the kiosk against the patient asked for
    /// subject.display: the patient's name as the HIS gives it with the report; shown only masked
    /// (maskPersonalData), and only on a lab slip's screen, where the slip itself carries it.
    std::string patientName;
    std::string department;     ///< performer[0].display: the department that reported it
    /// For a pending report: when it is expected (extension urn:yizhan:ext:expected-time,
    /// ISO 8601 dateTime in hospital time); empty when the HIS does not say.
    std::string expected;
    /// Prints the HIS knows of (extension urn:yizhan:ext:print-count: printed at another kiosk
    /// or at the desk); the kiosk adds its own journal's.
    int printCount = 0;
    std::string conclusion;     ///< imaging: the impression, shown on screen
    std::vector<LabObservation> results;  ///< structured lab rows, in the report's order

    /// Ready to read and print (R4 DiagnosticReport.status: preliminary and later).
    bool ready() const { return status == "preliminary" || status == "final" || status == "amended" || status == "corrected"; }
};

/// Where a prescription stands for the patient at the pickup kiosk (from MedicationDispense.status,
/// whenPrepared and statusReason; see Prescription::state()).
enum class PickupState {
    ready,      ///< in-progress with whenPrepared: at its window or in its locker
    preparing,  ///< preparation, or in-progress not yet prepared (expectedAt says when)
    unpaid,     ///< on-hold for payment (statusReason urn:yizhan:dispense-status-reason|unpaid)
    picked_up,  ///< completed (whenHandedOver)
    other,      ///< on-hold for another reason, cancelled, stopped, declined, …: "ask at the window"
};

/// One dispense (FHIR R4 MedicationDispense; the MedicationRequest it fills is requestId).
struct Prescription {
    std::string dispenseId;     ///< MedicationDispense id
    std::string version;
    std::string requestId;      ///< MedicationRequest id
    std::string medication;
    std::string quantity;       ///< e.g. "2 盒"
    std::string status;         ///< preparation, in-progress, completed, on-hold, cancelled, …
    bool readyForPickup = false;  ///< in-progress with whenPrepared set
    std::string window;          ///< pharmacy window as the HIS names it, e.g. "3号窗口"
    int windowNumber = 0;        ///< its number (the first digits of `window`); 0 when it has none
    /// The locker the pharmacist loaded it into (extension urn:yizhan:ext:pickup-locker:
    /// sub-extensions terminal = the kiosk id of the locker bank, number = 1…N); 0 = a window.
    int lockerNumber = 0;
    std::string lockerTerminal;
    std::string expectedAt;      ///< preparing: when it is expected (ISO 8601 with offset); may be empty
    std::string preparedAt;      ///< whenPrepared
    std::string handedOverAt;    ///< whenHandedOver
    bool unpaid = false;         ///< on-hold until its charges are paid
    std::vector<std::string> chargeIds;  ///< ChargeItems to pay first (extension urn:yizhan:ext:charge)
    std::string pickupCode;      ///< identifier urn:yizhan:pickup-code: printed on the payment receipt
    std::string tradeNo;         ///< the kiosk business key that confirmed the pickup (completed ones)
    std::string patientId;       ///< subject
    /// A herbal (TCM, 中药饮片) prescription: MedicationDispense.category urn:yizhan:prescription-category|tcm.
    /// The patient chooses how to take it (TcmService) before it is dispensed.
    bool herbal = false;
    int doses = 0;               ///< herbal: the number of doses (付/剂), quantity.value with unit code "dose"

    PickupState state() const {
        if (status == "completed") return PickupState::picked_up;
        if (readyForPickup) return PickupState::ready;
        if (status == "preparation" || status == "in-progress") return PickupState::preparing;
        if (status == "on-hold" && unpaid) return PickupState::unpaid;
        return PickupState::other;
    }
    bool inLocker() const { return lockerNumber > 0; }
};

/// "Call me at the window": the patient joins the pharmacy's call queue for the ready dispenses
/// of one window (FHIR R4 Task, code urn:yizhan:task|pharmacy-pickup, see FhirHisDriver).
struct PharmacyQueueRequest {
    std::string tradeNo;         ///< business key (journalled before the call); idempotent on it
    std::string patientId;
    std::vector<std::string> dispenseIds;  ///< all at one window
    std::string window;          ///< as the dispenses name it
    std::string kioskId;
};

/// The hospital's answer: the number the window calls.
struct PharmacyTicket {
    std::string taskId;
    std::string tradeNo;
    std::string callNumber;      ///< e.g. "A023" (identifier urn:yizhan:pharmacy-call-number)
    std::string window;          ///< e.g. "3号窗口"
    int windowNumber = 0;
    int waitingAhead = 0;        ///< still to be called at this window before this patient
    std::string status;          ///< Task.status: requested (waiting), in-progress (called), completed
};

/// One line of the pharmacy's call board (the call display, issue 13 item 3).
struct PharmacyCall {
    std::string taskId;
    std::string callNumber;
    std::string window;
    int windowNumber = 0;
    std::string patientName;     ///< as the HIS gives it: the display masks it
    bool called = false;         ///< in-progress: being called now; false: waiting
    std::string calledAt;        ///< Task.lastModified of a called one (ISO 8601)
    int timesCalled = 0;         ///< extension urn:yizhan:ext:times-called
};

/// How a patient takes a herbal prescription (中药代煎 / 配送, issue 13 item 4): FHIR R4
/// ServiceRequest.code in system urn:yizhan:tcm-service.
enum class TcmService {
    self_decoction,      ///< "self-decoction": the herbs, brewed at home (no fee)
    decoction,           ///< "decoction": brewed by the hospital, collected at the pharmacy
    delivery,            ///< "delivery": the herbs sent home
    decoction_delivery,  ///< "decoction-delivery": brewed by the hospital and sent home
};
std::string_view tcmServiceCode(TcmService service);
std::optional<TcmService> tcmServiceFromCode(std::string_view code);
inline bool tcmDecocted(TcmService s) { return s == TcmService::decoction || s == TcmService::decoction_delivery; }
inline bool tcmDelivered(TcmService s) { return s == TcmService::delivery || s == TcmService::decoction_delivery; }

/// The hospital's prices for herbal services (FHIR R4 ChargeItemDefinition, status active, code
/// urn:yizhan:tcm-service|decoction or |delivery; the base priceComponent's amount; decoction is
/// per dose when the component's code is urn:yizhan:price-unit|per-dose). 0 = not offered.
struct TcmPrices {
    int64_t decoctionPerDoseFen = 0;
    int64_t deliveryFen = 0;
    /// The fee of `service` for a prescription of `doses` doses (what the HIS will charge).
    int64_t feeFen(TcmService service, int doses) const {
        int64_t fee = 0;
        if (tcmDecocted(service)) fee += decoctionPerDoseFen * doses;
        if (tcmDelivered(service)) fee += deliveryFen;
        return fee;
    }
    /// Offered: it needs no price, or every price it needs is above 0.
    bool offers(TcmService service) const {
        return (!tcmDecocted(service) || decoctionPerDoseFen > 0) && (!tcmDelivered(service) || deliveryFen > 0);
    }
};

/// The patient's choice for one herbal prescription (idempotent on tradeNo).
struct TcmOrderRequest {
    std::string tradeNo;          ///< business key, journalled before the call
    std::string patientId;
    std::string dispenseId;
    std::string requestId;        ///< the MedicationRequest (ServiceRequest.basedOn); may be empty
    TcmService service = TcmService::self_decoction;
    /// Delivery: the patient fills the address on a phone (the HIS texts a link, the kiosk shows
    /// it as a QR) instead of the address on file.
    bool addressByLink = false;
    std::string kioskId;
};

/// A herbal service order as the HIS holds it (FHIR R4 ServiceRequest, see FhirHisDriver).
struct TcmOrder {
    std::string orderId;          ///< ServiceRequest id
    std::string tradeNo;
    std::string dispenseId;       ///< supportingInfo MedicationDispense
    std::string patientId;
    TcmService service = TcmService::self_decoction;
    std::string status;           ///< ServiceRequest.status: draft (fee unpaid), active, completed, revoked
    /// Where it stands (extension urn:yizhan:ext:tcm-stage): awaiting-payment, awaiting-address,
    /// audited, dispensing, decocting, ready (collect at the pharmacy), shipped, delivered.
    std::string stage;
    int64_t feeFen = 0;           ///< extension urn:yizhan:ext:fee-fen; 0 = no fee
    std::string chargeId;         ///< the fee's ChargeItem (extension urn:yizhan:ext:charge)
    std::string address;          ///< delivery address in clear (mask before showing)
    std::string addressLink;      ///< the page where the patient fills the address (QR); may be empty
    std::string trackingNumber;   ///< identifier urn:yizhan:delivery-tracking (shipped ones)
    std::string carrier;          ///< its assigner's display, e.g. "顺丰速运"
    std::string expectedAt;       ///< when decoction is ready / delivery arrives (ISO 8601); may be empty
    std::string authoredOn;
    bool unpaid() const { return status == "draft" && feeFen > 0; }
};

struct QueueStatus {
    std::string appointmentId;   ///< checked: the backend's answer names this appointment
    int queueNumber = 0;
    int waitingAhead = 0;        ///< patients still to be called before this one
    int estimatedWaitMinutes = 0;
    std::string room;            ///< consulting room / area, for guidance
    std::string doctorName;      ///< empty when the backend does not say
    bool called = false;         ///< this patient's number has been called (go in now)
};

/// "Text me when N patients are ahead of me": an SMS reminder the hospital sends (FHIR: a
/// CommunicationRequest, see fhir_his_driver.hpp). The phone number is the one the hospital
/// holds for the patient: the kiosk never sends one.
struct QueueReminderRequest {
    std::string tradeNo;         ///< business key (journalled before the call)
    std::string appointmentId;
    std::string patientId;
    int whenAhead = 3;           ///< send when this many or fewer are ahead (1–20)
};

/// A call for staff (FHIR: an urgent Communication, see FhirHisDriver::postHelpRequest).
struct HelpRequest {
    std::string tradeNo;        ///< business key
    std::string kioskId;
    std::string reason;         ///< free-form category, e.g. "patient_asked", "payment_unknown"
    std::string detail;         ///< masked text for the help desk (digit runs are redacted again)
    std::string screen;         ///< the kiosk screen the patient was on ("pay.split"); may be empty
    std::string reference;      ///< the short reference the patient sees ("K-0421"); may be empty
    std::string patientId;      ///< the identified patient's HIS id; empty before identification
};

struct BackendInfo {
    std::string software;
    std::string version;
    std::string fhirVersion;
    int64_t latencyMs = 0;
};

}  // namespace kiosk::backend
