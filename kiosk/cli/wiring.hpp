#pragma once
// How the kiosk program connects the UI to the rest: the hospital (HisDriver) when the config
// has a [backend] section, and the resolver that turns a scanned code into a patient — through
// the hospital, or without a backend the simulated e-health-card platform of the sample people
// (the foundation's demo on devices only).

#include <memory>

#include "kiosk/backend/his_driver.hpp"
#include "kiosk/core/config.hpp"
#include "screens/app.hpp"

namespace kiosk::cli {

struct KioskServices {
    std::shared_ptr<backend::HisDriver> his;  ///< null without [backend]
    screens::ScanResolver resolveScan;
};

Result<KioskServices> makeKioskServices(const KioskConfig& config);
Result<screens::ScanResolver> makeScanResolver(const KioskConfig& config);
/// AppOptions with the services of `config` filled in (the rest as given).
Result<screens::AppOptions> withKioskServices(const KioskConfig& config, screens::AppOptions options);

}  // namespace kiosk::cli
