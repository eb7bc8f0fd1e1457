#include "kiosk/backend/identity_lookup.hpp"

#include <algorithm>
#include <cctype>

#include "kiosk/core/id_number.hpp"

namespace kiosk::backend {

Result<Patient> findSessionPatient(HisDriver& his, const PatientIdentity& identity) {
    if (!identity.idNumber.empty()) {
        auto byId = his.findPatient(PatientKey::id_number, identity.idNumber);
        if (byId || byId.error().code != Errc::not_found) return byId;
    }
    return identifyPatient(his, identity);
}

Result<Patient> identifyPatient(HisDriver& his, const PatientIdentity& identity) {
    switch (identity.source) {
        case IdentitySource::health_card_qr:
            return his.resolveHealthCard(identity.cardNumber);
        case IdentitySource::id_card:
        // The residence permit's number is GB 11643-shaped; a foreigner's permanent residence card
        // number is the holder's identity-document number in the HIS as well (证件号码).
        case IdentitySource::hk_macao_taiwan_residence_permit:
        case IdentitySource::foreigner_permanent_residence_card:
            if (identity.idNumber.empty()) return fail(Errc::invalid_argument, "ID card without ID number");
            return his.findPatient(PatientKey::id_number, identity.idNumber);
        case IdentitySource::social_security_card: {
            if (identity.cardNumber.empty() && identity.idNumber.empty()) return fail(Errc::invalid_argument, "card without numbers");
            if (!identity.cardNumber.empty()) {
                auto byCard = his.findPatient(PatientKey::social_security_card, identity.cardNumber);
                if (byCard || byCard.error().code != Errc::not_found || identity.idNumber.empty()) return byCard;
            }
            return his.findPatient(PatientKey::id_number, identity.idNumber);
        }
        case IdentitySource::hospital_card:
            if (identity.cardNumber.empty()) return fail(Errc::invalid_argument, "hospital card without number");
            return his.findPatient(PatientKey::hospital_card, identity.cardNumber);
        case IdentitySource::insurance_qr:
            return fail(Errc::unsupported, "insurance e-voucher is resolved by the insurance centre");
    }
    return fail(Errc::invalid_argument, "unknown identity source");
}

std::optional<PatientIdentity> classifyCredential(std::string_view text) {
    std::string value(text);
    value.erase(0, value.find_first_not_of(" \t\r\n"));
    value.erase(value.find_last_not_of(" \t\r\n") + 1);
    if (value.empty() || value.size() > 128) return std::nullopt;
    PatientIdentity identity;
    const bool token = value.size() == 66 && value.substr(64) == ":1" &&
                       std::all_of(value.begin(), value.begin() + 64, [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
    if (token) {
        identity.source = IdentitySource::health_card_qr;
        identity.cardNumber = value;
    } else if (value.size() == 18 && validateIdNumber(value)) {
        identity.source = IdentitySource::id_card;
        identity.idNumber = value;
    } else if (value.size() > 1 && value[0] == 'H' &&
               std::all_of(value.begin() + 1, value.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; })) {
        identity.source = IdentitySource::hospital_card;
        identity.cardNumber = value;
    } else if (std::all_of(value.begin(), value.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; })) {
        identity.source = IdentitySource::social_security_card;
        identity.cardNumber = value;
    } else {
        return std::nullopt;
    }
    return identity;
}

}  // namespace kiosk::backend
