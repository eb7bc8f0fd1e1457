#pragma once
// Serial scanner (driver "serial", class scanner) over drivers/transport/serial.hpp.
//
// Config keys: port = "/dev/ttyACM0"  baud = 9600  parity = "N"  data_bits = 8  stop_bits = 1
//   terminator = "cr"|"lf"|"crlf"|"tab"|"none"  prefix = ""  suffix = ""  quiet_ms = 300
//   reopen_ms = 1000  payloads = [{kind=…, pattern=…}]  max_payload_length = 512
//
// [X] framing (serial_protocol.hpp): terminator, prefix/suffix, quiet time, over-long lines
// [X] payload classification and guards before CodeScanned is posted
// [X] scanner unplugged (POLLHUP / open fails) → status no_device; reopened every reopen_ms
// [ ] commands to the scanner (beep, trigger, configure by serial): the scanner runs in its own
//     continuous/presentation mode

#include <thread>

#include "drivers/common/registry.hpp"
#include "drivers/scanner/payload/scan_reporter.hpp"
#include "drivers/scanner/serial/serial_protocol.hpp"
#include "drivers/transport/serial.hpp"

namespace kiosk::drivers::scanner {

struct SerialScannerSettings {
    transport::SerialSettings port;
    SerialFraming framing;
    std::chrono::milliseconds quietTime{300};
    std::chrono::milliseconds reopenInterval{1000};
};

class SerialScanner final : public Device {
public:
    SerialScanner(std::string name, SerialScannerSettings settings, PayloadClassifier classifier);
    ~SerialScanner() override;

    const std::string& name() const override { return reporter_.device(); }
    DeviceClass deviceClass() const override { return DeviceClass::scanner; }
    std::string driverName() const override { return "serial"; }
    Capabilities capabilities() const override { return {{"serial", "qr", "code128"}}; }
    DeviceState state() const override { return reporter_.state(); }
    Result<void> start(DeviceEventSink sink) override;
    void stop() override;
    Result<std::string> selfTest(std::chrono::milliseconds timeout, const CancelToken& cancel) override;

private:
    void readLoop(std::stop_token stop, const CancelToken& cancel);

    SerialScannerSettings settings_;
    ScanReporter reporter_;
    ScannerReadLoop loop_{reporter_};
};

Result<std::unique_ptr<Device>> createSerialScanner(const DeviceConfig& device, ConfigSection& settings,
                                                    const DriverContext& context);

}  // namespace kiosk::drivers::scanner
