#include "drivers/sim/sample_data.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fstream>

namespace kiosk::drivers::sim {

Result<SampleData> SampleData::load(const std::filesystem::path& file) {
    std::ifstream in(file);
    if (!in) return fail(Errc::io_error, fmt::format("sample people file {} cannot be read", file.string()));
    nlohmann::json json = nlohmann::json::parse(in, nullptr, false);
    if (json.is_discarded() || !json.contains("people") || !json["people"].is_array()) {
        return fail(Errc::invalid_data, fmt::format("{}: expected a JSON object with a \"people\" array", file.string()));
    }
    SampleData data;
    for (const auto& entry : json["people"]) {
        try {
            data.people.push_back(SamplePerson{
                .id = entry.at("id").get<std::string>(),
                .name = entry.at("name").get<std::string>(),
                .idNumber = entry.at("id_number").get<std::string>(),
                .sex = entry.value("sex", ""),
                .birthDate = entry.value("birth_date", ""),
                .phone = entry.value("phone", ""),
                .socialSecurityCardNumber = entry.value("ss_card_number", ""),
                .hospitalCard = entry.value("hospital_card", ""),
                .healthCardToken = entry.value("health_card_token", ""),
            });
        } catch (const nlohmann::json::exception& error) {
            return fail(Errc::invalid_data, fmt::format("{}: person #{}: {}", file.string(), data.people.size() + 1,
                                                        error.what()));
        }
    }
    return data;
}

const SamplePerson* SampleData::find(std::string_view id) const {
    for (const auto& person : people) {
        if (person.id == id) return &person;
    }
    return nullptr;
}

PatientIdentity identityFor(const SamplePerson& person, IdentitySource source) {
    PatientIdentity identity;
    identity.source = source;
    identity.name = person.name;
    identity.idNumber = person.idNumber;
    identity.sex = person.sex;
    identity.birthDate = person.birthDate;
    identity.phone = person.phone;
    switch (source) {
        case IdentitySource::social_security_card: identity.cardNumber = person.socialSecurityCardNumber; break;
        case IdentitySource::hospital_card: identity.cardNumber = person.hospitalCard; break;
        case IdentitySource::health_card_qr: identity.cardNumber = person.healthCardToken; break;
        default: identity.cardNumber = person.idNumber; break;
    }
    return identity;
}

}  // namespace kiosk::drivers::sim
