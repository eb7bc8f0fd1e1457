#pragma once
// Identifier systems and extension URLs shared by the FHIR adapter and hospital-sim. A site whose
// FHIR server uses other systems sets them in [backend] (see his_factory.cpp); these defaults are
// what hospital-sim serves.

namespace kiosk::backend::fhir {

inline constexpr const char* kSystemSocialSecurity = "urn:yizhan:id:social-security-card";
inline constexpr const char* kSystemIdNumber = "urn:yizhan:id:resident-id";  // GB 11643 citizen ID
inline constexpr const char* kSystemHospitalCard = "urn:yizhan:id:hospital-card";
inline constexpr const char* kSystemHealthCard = "urn:yizhan:id:health-card";
/// Business keys (trade_no) of kiosk writes: Appointment, PaymentReconciliation, Communication.
inline constexpr const char* kSystemKioskTrade = "urn:yizhan:kiosk-trade";
inline constexpr const char* kSystemDepartment = "urn:yizhan:department";
/// The appointment code of a registration slip / the hospital's app (Appointment.identifier).
inline constexpr const char* kSystemAppointmentCode = "urn:yizhan:appointment-code";
/// The short reference of a call for staff that the patient reads out ("K-0421"): a second
/// Communication.identifier beside the business key.
inline constexpr const char* kSystemHelpReference = "urn:yizhan:help-reference";
/// MedicationDispense: the pickup code printed on the payment receipt (a scanned one finds it).
inline constexpr const char* kSystemPickupCode = "urn:yizhan:pickup-code";
/// The lab slip's barcode (payload kind report_code): DiagnosticReport.identifier in this system
/// carries the specimen / report number the LIS printed on the slip (a search by identifier finds it).
inline constexpr const char* kSystemReportCode = "urn:yizhan:report-code";
/// Task of the pharmacy's call queue: its code (system urn:yizhan:task), and the number the
/// window calls ("A023") as a second Task.identifier beside the business key.
inline constexpr const char* kSystemTask = "urn:yizhan:task";
inline constexpr const char* kTaskPharmacyPickup = "pharmacy-pickup";
inline constexpr const char* kSystemPharmacyCallNumber = "urn:yizhan:pharmacy-call-number";
/// MedicationDispense.statusReasonCodeableConcept of a dispense on hold for payment: code "unpaid".
inline constexpr const char* kSystemDispenseStatusReason = "urn:yizhan:dispense-status-reason";
/// Herbal prescriptions (issue 13 item 4): MedicationDispense.category code "tcm" (quantity in
/// doses: unit code "dose"); ServiceRequest.code of the patient's choice (self-decoction,
/// decoction, decoction-delivery, delivery), also ChargeItemDefinition.code of the two priced
/// services (decoction, delivery; a base priceComponent, per dose when its code is
/// urn:yizhan:price-unit|per-dose); the courier's tracking number as a ServiceRequest.identifier.
inline constexpr const char* kSystemPrescriptionCategory = "urn:yizhan:prescription-category";
inline constexpr const char* kSystemTcmService = "urn:yizhan:tcm-service";
inline constexpr const char* kSystemPriceUnit = "urn:yizhan:price-unit";
inline constexpr const char* kSystemDeliveryTracking = "urn:yizhan:delivery-tracking";
/// ServiceRequest (herbal service): where the order stands (valueCode, see TcmOrder::stage), the
/// delivery address (valueAddress: R4 Address, text), the page where the patient fills it on a
/// phone (valueUrl), and the kiosk's ask for that page (valueBoolean true).
inline constexpr const char* kExtTcmStage = "urn:yizhan:ext:tcm-stage";
inline constexpr const char* kExtDeliveryAddress = "urn:yizhan:ext:delivery-address";
inline constexpr const char* kExtAddressLink = "urn:yizhan:ext:address-link";
inline constexpr const char* kExtAddressByLink = "urn:yizhan:ext:address-by-link";

inline constexpr const char* kExtFee = "urn:yizhan:ext:fee-fen";
inline constexpr const char* kExtTitle = "urn:yizhan:ext:title";
inline constexpr const char* kExtHoldExpires = "urn:yizhan:ext:hold-expires";
inline constexpr const char* kExtQueueNumber = "urn:yizhan:ext:queue-number";
inline constexpr const char* kExtBlockedUntil = "urn:yizhan:ext:booking-blocked-until";
inline constexpr const char* kExtBlockedReason = "urn:yizhan:ext:booking-blocked-reason";
/// Patient: the blacklist reason as numbers (valueInteger): missed appointments, within days.
inline constexpr const char* kExtBlockedMissed = "urn:yizhan:ext:booking-blocked-missed";
inline constexpr const char* kExtBlockedWindowDays = "urn:yizhan:ext:booking-blocked-window-days";
/// Appointment: the hospital's rules for it (valueDateTime), served on booked appointments.
inline constexpr const char* kExtCheckInOpens = "urn:yizhan:ext:check-in-opens";
inline constexpr const char* kExtCheckInCloses = "urn:yizhan:ext:check-in-closes";
inline constexpr const char* kExtCancelUntil = "urn:yizhan:ext:cancel-until";
/// Appointment: checked in after the window under the queue_end policy (valueBoolean).
inline constexpr const char* kExtLateArrival = "urn:yizhan:ext:late-arrival";
/// Appointment: how the fee was paid — sub-extensions trade-no, channel, channel-trade-no
/// (valueString) and amount-fen (valueInteger, the whole fee); paid by insurance also
/// insurance-fen (valueInteger, fund + personal account) and settlement-id (valueString, the
/// centre's setl_id). Written by the kiosk when it books.
inline constexpr const char* kExtPayment = "urn:yizhan:ext:payment";
/// OperationOutcome.issue of a refused check-in: the moment the window opens/closed
/// (valueDateTime), the late policy (valueCode queue-end | rebook), the appointment's date (valueDate).
inline constexpr const char* kExtOutcomeOpensAt = "urn:yizhan:ext:check-in-opens-at";
inline constexpr const char* kExtOutcomeClosedAt = "urn:yizhan:ext:check-in-closed-at";
inline constexpr const char* kExtOutcomeLatePolicy = "urn:yizhan:ext:late-policy";
inline constexpr const char* kExtOutcomeDate = "urn:yizhan:ext:appointment-date";
inline constexpr const char* kExtOutcomeCancelUntil = "urn:yizhan:ext:cancel-until";
/// CommunicationRequest of an SMS queue reminder: send when this many or fewer are ahead.
inline constexpr const char* kExtWhenAhead = "urn:yizhan:ext:when-ahead";
inline constexpr const char* kExtInsuranceClass = "urn:yizhan:ext:insurance-class";
inline constexpr const char* kExtPickupWindow = "urn:yizhan:ext:pickup-window";
/// MedicationDispense: the locker it was loaded into (sub-extensions terminal: valueString, the
/// kiosk id of the locker bank; number: valueInteger 1…N).
inline constexpr const char* kExtPickupLocker = "urn:yizhan:ext:pickup-locker";
/// MedicationDispense: a ChargeItem to pay before it is dispensed (valueReference, repeated).
inline constexpr const char* kExtCharge = "urn:yizhan:ext:charge";
/// Task of the call queue: patients still ahead at its window (valueInteger, computed on read),
/// and how many times the number was called (valueInteger).
inline constexpr const char* kExtWaitingAhead = "urn:yizhan:ext:waiting-ahead";
inline constexpr const char* kExtTimesCalled = "urn:yizhan:ext:times-called";
/// DiagnosticReport: when a pending report is expected (valueDateTime), prints made elsewhere (valueInteger).
inline constexpr const char* kExtReportExpected = "urn:yizhan:ext:expected-time";
inline constexpr const char* kExtReportPrintCount = "urn:yizhan:ext:print-count";
inline constexpr const char* kExtLocation = "urn:yizhan:ext:location";
inline constexpr const char* kExtNameEn = "urn:yizhan:ext:name-en";
/// FHIR R4 core extension for a string element in another language (sub-extensions lang, content);
/// used on ChargeItem.code.text ("_text") for the item's English name.
inline constexpr const char* kExtTranslation = "http://hl7.org/fhir/StructureDefinition/translation";
inline constexpr const char* kExtKioskHeader = "X-Kiosk-Id";

/// OperationOutcome.issue.details codes the sim (and a site adapter) use for business refusals.
inline constexpr const char* kOutcomeBlacklisted = "blacklisted";
inline constexpr const char* kOutcomeSlotTaken = "slot-taken";
inline constexpr const char* kOutcomeWrongState = "wrong-state";
inline constexpr const char* kOutcomeTokenUsed = "token-used";
inline constexpr const char* kOutcomeBookingLimit = "booking-limit";
inline constexpr const char* kOutcomeCancelCutoff = "cancel-cutoff";
inline constexpr const char* kOutcomeCheckInTooEarly = "check-in-too-early";
inline constexpr const char* kOutcomeCheckInTooLate = "check-in-too-late";
inline constexpr const char* kOutcomeCheckInAnotherDay = "check-in-another-day";
inline constexpr const char* kOutcomeNoPhone = "no-phone";
inline constexpr const char* kOutcomeAlreadyPickedUp = "already-picked-up";
inline constexpr const char* kOutcomeTcmAlreadyOrdered = "tcm-already-ordered";
inline constexpr const char* kOutcomeNoAddress = "no-address";

}  // namespace kiosk::backend::fhir
