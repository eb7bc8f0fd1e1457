#pragma once
// The insurance credential of the way a patient identified, shared by the payment and booking
// flows (both pay by insurance with it).

#include <optional>

#include "kiosk/core/identity.hpp"
#include "payments/insurance_saga.hpp"

namespace kiosk::screens {

/// The credential the insurance centre accepts for 1101 (notes/protocols.md §4: 01 e-voucher,
/// 02 ID card, 03 social-security card), or std::nullopt: an e-health-card QR or a hospital card
/// is not an insurance credential (self-pay only). The caller wipes the number after use.
inline std::optional<payments::InsuranceCredential> insuranceCredentialOf(const PatientIdentity& identity) {
    switch (identity.source) {
        case IdentitySource::social_security_card:
            if (!identity.cardNumber.empty()) return payments::InsuranceCredential{"03", identity.cardNumber};
            break;
        case IdentitySource::id_card:
            if (!identity.idNumber.empty()) return payments::InsuranceCredential{"02", identity.idNumber};
            break;
        case IdentitySource::insurance_qr:
            if (!identity.cardNumber.empty()) return payments::InsuranceCredential{"01", identity.cardNumber};
            break;
        default: break;
    }
    return std::nullopt;
}

}  // namespace kiosk::screens
