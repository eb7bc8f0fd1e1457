#pragma once
// What the device counters count (issue 14 item 2): the App hands every UI event here; cards read
// and failed per reader, codes scanned and refused per scanner, slips printed, cuts and failed
// prints on the receipt printer (the first one configured: the one printOnReceiptPrinter uses).

#include "drivers/common/registry.hpp"
#include "kiosk/core/device_counters.hpp"
#include "screens/ui_event.hpp"

namespace kiosk::screens {

void countDeviceEvent(DeviceCounters& counters, const UiEvent& event, const drivers::DeviceRegistry& devices);

}  // namespace kiosk::screens
