#pragma once
// Sample people for the simulated devices (assets/sim/people.json). Fictional people with valid
// ID check digits and names with rare characters (鑫 珺 堃 喆 燊 婧).

#include <filesystem>
#include <string>
#include <vector>

#include "kiosk/core/error.hpp"
#include "kiosk/core/identity.hpp"

namespace kiosk::drivers::sim {

struct SamplePerson {
    std::string id;  ///< "zhang-san": how journeys and the panel name a card
    std::string name;
    std::string idNumber;
    std::string sex;
    std::string birthDate;
    std::string phone;
    std::string socialSecurityCardNumber;
    std::string hospitalCard;
    std::string healthCardToken;
};

struct SampleData {
    std::vector<SamplePerson> people;
    static Result<SampleData> load(const std::filesystem::path& file);
    const SamplePerson* find(std::string_view id) const;
};

/// The identity a card of `source` for this person carries.
PatientIdentity identityFor(const SamplePerson& person, IdentitySource source);

}  // namespace kiosk::drivers::sim
