#include "screens/technician/device_counting.hpp"

namespace kiosk::screens {

void countDeviceEvent(DeviceCounters& counters, const UiEvent& event, const drivers::DeviceRegistry& devices) {
    if (const auto* deviceEvent = std::get_if<drivers::DeviceEvent>(&event)) {
        if (const auto* read = std::get_if<drivers::CardInserted>(deviceEvent)) (void)counters.add(read->device, kCounterCardsRead);
        if (const auto* failed = std::get_if<drivers::CardReadFailed>(deviceEvent)) {
            (void)counters.add(failed->device, kCounterCardsFailed);
        }
        if (const auto* scanned = std::get_if<drivers::CodeScanned>(deviceEvent)) {
            (void)counters.add(scanned->device, scanned->rejected ? kCounterScansRefused : kCounterScans);
        }
        return;
    }
    if (const auto* printed = std::get_if<PrintFinished>(&event)) {
        const auto receipt = devices.ofClass(drivers::DeviceClass::receipt_printer);
        if (receipt.empty()) return;
        const std::string& name = receipt.front()->name();
        if (printed->outcome) {
            // Every slip the kiosk prints ends with a full cut (printing/templates).
            (void)counters.add(name, kCounterSlipsPrinted);
            (void)counters.add(name, kCounterCuts);
        } else {
            (void)counters.add(name, kCounterPrintsFailed);
        }
    }
}

}  // namespace kiosk::screens
