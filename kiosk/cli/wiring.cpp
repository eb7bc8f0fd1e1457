#include "kiosk/cli/wiring.hpp"

#include "kiosk/backend/his_factory.hpp"
#include "kiosk/backend/identity_lookup.hpp"
#include "screens/app.hpp"

namespace kiosk::cli {

Result<screens::ScanResolver> makeScanResolver(const KioskConfig& config) {
    if (!config.backend.present()) {
        return screens::sampleHealthCardResolver(config.assetsDir / "sim" / "people.json");
    }
    auto his = backend::makeHisDriver(config.backend, config.kioskId);
    if (!his) return std::unexpected(his.error());
    std::shared_ptr<backend::HisDriver> shared = std::move(*his);
    return screens::ScanResolver([shared](const std::string& payload) -> Result<PatientIdentity> {
        auto credential = backend::classifyCredential(payload);
        if (!credential) return fail(Errc::invalid_argument, "scanned text is not a credential", "scan.unrecognised");
        auto patient = backend::identifyPatient(*shared, *credential);
        if (!patient) return std::unexpected(patient.error());
        PatientIdentity identity;
        identity.source = credential->source;
        identity.name = patient->name;
        identity.idNumber = patient->idNumber;
        identity.cardNumber = !patient->healthCardId.empty() ? patient->healthCardId : credential->cardNumber;
        identity.sex = patient->sex;
        identity.birthDate = patient->birthDate;
        identity.phone = patient->phone;
        return identity;
    });
}

}  // namespace kiosk::cli
