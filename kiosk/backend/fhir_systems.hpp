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

inline constexpr const char* kExtFee = "urn:yizhan:ext:fee-fen";
inline constexpr const char* kExtTitle = "urn:yizhan:ext:title";
inline constexpr const char* kExtHoldExpires = "urn:yizhan:ext:hold-expires";
inline constexpr const char* kExtQueueNumber = "urn:yizhan:ext:queue-number";
inline constexpr const char* kExtBlockedUntil = "urn:yizhan:ext:booking-blocked-until";
inline constexpr const char* kExtBlockedReason = "urn:yizhan:ext:booking-blocked-reason";
inline constexpr const char* kExtInsuranceClass = "urn:yizhan:ext:insurance-class";
inline constexpr const char* kExtPickupWindow = "urn:yizhan:ext:pickup-window";
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

}  // namespace kiosk::backend::fhir
