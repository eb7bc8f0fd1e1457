#pragma once
// How the kiosk program connects the UI to the rest: which resolver turns a scanned code into a
// patient. With a [backend] section it is the hospital (through the HisDriver); without one, the
// simulated e-health-card platform of the sample people (the foundation's demo on devices only).

#include "kiosk/core/config.hpp"
#include "screens/screen.hpp"

namespace kiosk::cli {

Result<screens::ScanResolver> makeScanResolver(const KioskConfig& config);

}  // namespace kiosk::cli
