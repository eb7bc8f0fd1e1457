#pragma once
// Keyboard-wedge (HID) scanner (driver "hid", class scanner) through libevdev.
//
// Config keys: device = "/dev/input/by-id/usb-…-event-kbd"  grab = true
//   terminator = "enter"|"tab"|"none"  inter_key_ms = 100  reopen_ms = 1000
//   payloads = [{kind=…, pattern=…}]  max_payload_length = 512
//
// [X] EVIOCGRAB through libevdev_grab: the scanner's keystrokes never reach the UI or a console
// [X] key codes → text with shift/caps (hid_protocol.hpp), terminator or inter-key timeout
// [X] SYN_DROPPED (kernel buffer overrun): the pending scan is dropped, the device resynchronised
// [X] device vanishes (ENODEV) → status no_device; reopened (and re-grabbed) every reopen_ms
// [X] payload classification and guards before CodeScanned is posted
// [ ] finding the device by USB vendor/product: give the stable /dev/input/by-id path instead

#include <thread>

#include "drivers/common/registry.hpp"
#include "drivers/scanner/hid/hid_protocol.hpp"
#include "drivers/scanner/payload/scan_reporter.hpp"

namespace kiosk::drivers::scanner {

struct HidScannerSettings {
    std::string device;
    bool grab = true;
    HidFraming framing;
    std::chrono::milliseconds reopenInterval{1000};
};

class HidScanner final : public Device {
public:
    HidScanner(std::string name, HidScannerSettings settings, PayloadClassifier classifier);
    ~HidScanner() override;

    const std::string& name() const override { return reporter_.device(); }
    DeviceClass deviceClass() const override { return DeviceClass::scanner; }
    std::string driverName() const override { return "hid"; }
    Capabilities capabilities() const override { return {{"keyboard_wedge", "qr", "code128"}}; }
    DeviceState state() const override { return reporter_.state(); }
    Result<void> start(DeviceEventSink sink) override;
    void stop() override;
    Result<std::string> selfTest(std::chrono::milliseconds timeout, const CancelToken& cancel) override;

private:
    void readLoop(std::stop_token stop);

    HidScannerSettings settings_;
    ScanReporter reporter_;
    ScannerReadLoop loop_{reporter_};
};

Result<std::unique_ptr<Device>> createHidScanner(const DeviceConfig& device, ConfigSection& settings,
                                                 const DriverContext& context);

}  // namespace kiosk::drivers::scanner
