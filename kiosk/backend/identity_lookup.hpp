#pragma once
// Identification at the kiosk → the hospital's patient record, through the HisDriver.
// The lobby's identification screen calls identifyPatient() with what a card reader, the ID-card
// reader or the scanner produced; classifyCredential() turns typed or scanned text into such an
// identity first.

#include <optional>
#include <string_view>

#include "kiosk/backend/his_driver.hpp"
#include "kiosk/core/identity.hpp"

namespace kiosk::backend {

/// Resolves an identity to the patient record:
///  - health_card_qr:        cardNumber is the scanned token → resolveHealthCard (one call, never
///                           repeated: dynamic tokens are one-use)
///  - id_card:               idNumber → findPatient(id_number)
///  - social_security_card:  cardNumber → findPatient(social_security_card); when the card is not
///                           registered and the card gave an ID number, by ID number
///  - hospital_card:         cardNumber → findPatient(hospital_card)
///  - insurance_qr:          unsupported here: the insurance centre resolves an e-voucher (1101),
///                           see kiosk/cli/wiring.cpp
/// Errors: not_found ("backend.patient_not_found" / "backend.token_unknown"), invalid_argument,
/// and the transport codes of HisDriver.
Result<Patient> identifyPatient(HisDriver& his, const PatientIdentity& identity);

/// The record of a patient already identified in this session (every service's worker looks
/// them up again): by ID number first where the identity has one, because a one-use
/// e-health-card token must not be resolved a second time; else as identifyPatient().
Result<Patient> findSessionPatient(HisDriver& his, const PatientIdentity& identity);

/// Recognises typed or scanned text: an e-health-card token (64 hex + ":1"), an 18-character
/// citizen ID number with a valid check character, a hospital card ("H" + digits), otherwise a
/// social-security card number. Empty or oversize text gives nullopt.
std::optional<PatientIdentity> classifyCredential(std::string_view text);

}  // namespace kiosk::backend
