#pragma once
// What every scanner driver shares: the device's state, the event sink, and turning a read text
// into a CodeScanned event through the payload classifier (accepted → kind + text; refused →
// `rejected` with the patient message key). Thread-safe: drivers call it from their threads.

#include <mutex>
#include <string>

#include "drivers/common/device.hpp"
#include "drivers/scanner/payload/payload_classifier.hpp"

namespace kiosk::drivers::scanner {

class ScanReporter {
public:
    ScanReporter(std::string device, PayloadClassifier classifier);

    const std::string& device() const { return device_; }
    const PayloadClassifier& classifier() const { return classifier_; }
    void attach(DeviceEventSink sink);
    void detach();

    DeviceState state() const;
    /// Posts StatusChanged when the state differs from the last one; logs the change.
    void setState(DeviceStatus status, std::string detail);

    /// Classifies `raw` and posts the CodeScanned event (also returned, for self-tests and the CLI).
    CodeScanned report(std::string_view raw, std::string_view symbology);
    /// Posts a refusal that did not come from classification (garbage on a serial line…).
    CodeScanned reportRejected(Error error, std::string_view symbology);
    /// What a line- or key-assembling scanner read: a text to classify, or its refusal.
    CodeScanned reportRead(Result<std::string> scan, std::string_view symbology) {
        return scan ? report(*scan, symbology) : reportRejected(std::move(scan.error()), symbology);
    }

private:
    void post(DeviceEvent event) const;

    std::string device_;
    PayloadClassifier classifier_;
    mutable std::mutex mutex_;
    DeviceEventSink sink_;
    DeviceState state_;
};

}  // namespace kiosk::drivers::scanner
