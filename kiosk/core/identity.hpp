#pragma once
// The identity of a patient as read from a card, an ID card or a resolved QR token.
// It holds personal data in clear: it lives only inside a Session and is wiped with it.
// Log and display it only through masked() / maskPersonalData().

#include <string>

namespace kiosk {

enum class IdentitySource { social_security_card, id_card, health_card_qr, insurance_qr, hospital_card };

std::string_view identitySourceName(IdentitySource source);

struct PatientIdentity {
    IdentitySource source = IdentitySource::social_security_card;
    std::string name;
    std::string idNumber;     ///< citizen ID number (GB 11643), 18 characters
    std::string cardNumber;   ///< social-security card number, hospital card number or token id
    std::string sex;          ///< "1" male, "2" female (GB/T 2261.1), as read
    std::string birthDate;    ///< YYYYMMDD
    std::string phone;

    /// A one-line masked description for logs and technicians.
    std::string masked() const;
    /// Overwrites every field (wipe on session end).
    void wipe();
};

}  // namespace kiosk
