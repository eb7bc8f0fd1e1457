#pragma once
// What every scanner driver shares: the device's state, the event sink, and turning a read text
// into a CodeScanned event through the payload classifier (accepted → kind + text; refused →
// `rejected` with the patient message key). Thread-safe: drivers call it from their threads.

#include <functional>
#include <mutex>
#include <string>
#include <thread>

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

/// The lifecycle the serial and keyboard-wedge scanners share: their read loop runs on a thread
/// of its own, started once however often start() is called, and stop() joins it before the
/// sink is detached, so no event is posted after stop() returns. A loop blocked in a read is
/// woken by the stop token (for polls) and by the cancel token (for cancellable transports);
/// each start gets a fresh cancel token.
class ScannerReadLoop {
public:
    using Loop = std::function<void(std::stop_token, const CancelToken&)>;

    explicit ScannerReadLoop(ScanReporter& reporter) : reporter_(reporter) {}
    ScannerReadLoop(const ScannerReadLoop&) = delete;
    ScannerReadLoop& operator=(const ScannerReadLoop&) = delete;
    /// The owner calls stop() in its own destructor: the loop uses the owner's members.
    ~ScannerReadLoop() { stop(); }

    /// Attaches `sink` and starts `loop` (reporting `starting` with `detail`) unless it runs.
    void start(DeviceEventSink sink, std::string detail, Loop loop);
    /// Ends and joins the loop (reporting `offline`), then detaches the sink.
    void stop();
    bool running() const;

private:
    ScanReporter& reporter_;
    mutable std::mutex mutex_;
    CancelToken cancel_;
    std::jthread thread_;
};

}  // namespace kiosk::drivers::scanner
