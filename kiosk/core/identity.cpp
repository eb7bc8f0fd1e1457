#include "kiosk/core/identity.hpp"

#include <fmt/format.h>

#include "kiosk/core/mask.hpp"

namespace kiosk {

std::string_view identitySourceName(IdentitySource source) {
    switch (source) {
        case IdentitySource::social_security_card: return "social_security_card";
        case IdentitySource::id_card: return "id_card";
        case IdentitySource::health_card_qr: return "health_card_qr";
        case IdentitySource::insurance_qr: return "insurance_qr";
        case IdentitySource::hospital_card: return "hospital_card";
        case IdentitySource::hk_macao_taiwan_residence_permit: return "hk_macao_taiwan_residence_permit";
        case IdentitySource::foreigner_permanent_residence_card: return "foreigner_permanent_residence_card";
    }
    return "unknown";
}

std::string PatientIdentity::masked() const {
    return fmt::format("{} name={} id={} card={}", identitySourceName(source),
                       maskPersonalData(name, PersonalField::name),
                       maskPersonalData(idNumber, PersonalField::id_number),
                       maskPersonalData(cardNumber, PersonalField::card_number));
}

namespace {
void scrub(std::string& value) {
    // Overwrite before clearing so the old bytes do not linger in the buffer.
    std::fill(value.begin(), value.end(), '\0');
    value.clear();
    value.shrink_to_fit();
}
}  // namespace

void PatientIdentity::wipe() {
    scrub(name);
    scrub(idNumber);
    scrub(cardNumber);
    scrub(sex);
    scrub(birthDate);
    scrub(phone);
    scrub(region);
}

}  // namespace kiosk
