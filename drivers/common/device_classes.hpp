#pragma once
// Class-specific device interfaces. Card readers, ID readers and scanners only report events
// (Device::start/stop); printers also take jobs.

#include <filesystem>

#include "drivers/common/device.hpp"
#include "printing/document.hpp"

namespace kiosk::drivers {

/// The result of a print job: never "printed" unless the printer said so.
struct PrintOutcome {
    CompletionCode code = CompletionCode::success;
    DeviceState before;
    DeviceState after;
    std::string detail;  ///< e.g. "paper out after 3 of 5 blocks"
    size_t bytesSent = 0;
    std::string messageKey;  ///< i18n key of the patient message when code != success ("print.error.paper_out")
};

class ReceiptPrinter : public Device {
public:
    DeviceClass deviceClass() const override { return DeviceClass::receipt_printer; }
    /// Reads status, sends the job, reads status again. Blocking: call from a task thread.
    virtual Result<PrintOutcome> print(const printing::Document& document, std::chrono::milliseconds timeout,
                                       const CancelToken& cancel) = 0;
    /// Real-time status now (DLE EOT on ESC/POS printers).
    virtual Result<DeviceState> queryStatus(std::chrono::milliseconds timeout) = 0;
};

class ReportPrinter : public Device {
public:
    DeviceClass deviceClass() const override { return DeviceClass::report_printer; }
    virtual Result<PrintOutcome> printPdf(const std::filesystem::path& pdf, int copies,
                                          std::chrono::milliseconds timeout, const CancelToken& cancel) = 0;
};

/// Implemented by simulated devices: the presenter's panel and scripted journeys drive them.
class SimulatedDevice {
public:
    virtual ~SimulatedDevice() = default;
    /// Named scenarios this device can play ("normal", "paper_out", "unsupported_card", …).
    virtual std::vector<std::string> scenarios() const = 0;
    virtual std::string scenario() const = 0;
    virtual Result<void> setScenario(std::string_view name) = 0;
    /// Actions: "insert" <card id>, "remove", "scan" <payload>; not every device has every one.
    virtual Result<void> act(std::string_view action, std::string_view argument) = 0;
};

}  // namespace kiosk::drivers
