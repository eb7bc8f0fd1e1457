#pragma once
// The identity of a patient as read from a card, an ID card or a resolved QR token.
// It holds personal data in clear: it lives only inside a Session and is wiped with it.
// Log and display it only through masked() / maskPersonalData().

#include <string>

namespace kiosk {

/// Where an identity came from. The ID-card reader (GA 450 SAM) reads three kinds of card
/// besides the resident ID card: the residence permit for Hong Kong, Macao and Taiwan residents
/// (港澳台居民居住证, GB 11643-shaped number) and the foreigner's permanent residence ID card
/// (外国人永久居留身份证, 2017 and 2023 versions) — drivers/id_reader/ga450/ga450_protocol.hpp.
enum class IdentitySource {
    social_security_card,
    id_card,
    health_card_qr,
    insurance_qr,
    hospital_card,
    hk_macao_taiwan_residence_permit,
    foreigner_permanent_residence_card,
};

std::string_view identitySourceName(IdentitySource source);

struct PatientIdentity {
    IdentitySource source = IdentitySource::social_security_card;
    std::string name;
    std::string idNumber;     ///< citizen ID number (GB 11643), 18 characters; for a foreigner's
                              ///< permanent residence card its number (15 or 18 characters)
    std::string cardNumber;   ///< social-security card number, hospital card number or token id
    std::string sex;          ///< "1" male, "2" female (GB/T 2261.1), as read
    std::string birthDate;    ///< YYYYMMDD
    std::string phone;
    std::string region;       ///< issuing region code (6 digits, GB/T 2260) of a social-security
                              ///< card (EF05 record 01); empty for other sources

    /// A one-line masked description for logs and technicians.
    std::string masked() const;
    /// Overwrites every field (wipe on session end).
    void wipe();
};

}  // namespace kiosk
