#pragma once
// The ESC/POS receipt printer driver (`driver = "escpos"`, class receipt_printer): a model from
// the table in escpos_protocol.hpp and a transport.
//
// Config keys ([[devices]] table):
//   model = "generic-80"        row of escposModels() (generic-80, generic-58, generic-80-vendor-usb, test-80, test-58)
//   transport = "usb"           usb | tcp | serial | file
//   usb_vendor, usb_product     override the model's USB ids (integers, e.g. 0x0416 written 1046)
//   font_charset = "gbk"        what the printer's Chinese font holds: gb2312 | gbk | gbk+ext-a
//                               (default: the model's row; see escpos_charset.hpp)
//   host = "192.168.1.50", port = 9100          (tcp)
//   path = "/dev/ttyUSB0", baud = 115200          (serial; path is the output file for file)
//   status_timeout_ms = 800     how long one DLE EOT answer is waited for
//
// [X] DLE EOT 1–4 before and after every job; a printer that does not answer → outcome timeout,
//     status offline "no status answer", never "printed"
// [X] paper out / cover open / cutter error / offline before the job → nothing sent
// [X] paper out / cover open during the job → seen after it, outcome user_error
// [X] StatusChanged events on every change; USB hot-plug leave/arrive → no_device / re-query
// [X] unplug mid-job (USB) / peer close (TCP) / hang-up (serial) → device_not_ready, no_device
// [X] file sink: bytes written, status "unknown" (outcome success with detail "no status")
// [ ] waiting for the paper to actually leave the printer (ESC/POS has no job-end report
//     besides GS ( H, which few kiosk printers implement)

#include <memory>
#include <mutex>

#include "drivers/common/registry.hpp"
#include "drivers/printer/escpos/escpos_protocol.hpp"
#include "drivers/transport/byte_stream.hpp"
#include "drivers/transport/serial.hpp"
#include "drivers/transport/usb.hpp"

namespace kiosk::drivers::escpos {

struct EscposSettings {
    EscposModel model;
    std::string transport = "usb";  ///< usb | tcp | serial | file
    transport::UsbSelector usb;
    std::string host = "127.0.0.1";
    int port = 9100;
    transport::SerialSettings serial;
    std::filesystem::path file;
    std::chrono::milliseconds statusTimeout{800};
};

class EscposPrinter final : public ReceiptPrinter {
public:
    EscposPrinter(std::string name, EscposSettings settings);
    ~EscposPrinter() override;

    const std::string& name() const override { return name_; }
    std::string driverName() const override { return "escpos"; }
    Capabilities capabilities() const override;
    DeviceState state() const override;
    Result<void> start(DeviceEventSink sink) override;
    void stop() override;
    Result<std::string> selfTest(std::chrono::milliseconds timeout, const CancelToken& cancel) override;

    /// Bad documents (empty QR…) are an Error; every device problem is a PrintOutcome whose code
    /// and messageKey say why, with the status before and after.
    Result<PrintOutcome> print(const printing::Document& document, std::chrono::milliseconds timeout,
                               const CancelToken& cancel) override;
    /// Waits for a running job to finish first (one exchange on the link at a time).
    Result<DeviceState> queryStatus(std::chrono::milliseconds timeout) override;

    const EscposSettings& settings() const { return settings_; }

private:
    Result<void> ensureOpen();
    Result<DeviceState> queryStatusLocked(std::chrono::milliseconds timeout, const CancelToken& cancel);
    void setState(DeviceState state);
    void dropLink(const Error& why);

    std::string name_;
    EscposSettings settings_;
    mutable std::mutex mutex_;   // guards state_ and sink_
    std::mutex jobMutex_;        // one job or query on the link at a time
    DeviceState state_;
    DeviceEventSink sink_;
    std::unique_ptr<transport::ByteStream> link_;
    std::unique_ptr<transport::UsbHotplugMonitor> hotplug_;
};

/// The driver-table factory.
Result<std::unique_ptr<Device>> createEscposPrinter(const DeviceConfig& device, ConfigSection& settings,
                                                    const DriverContext& context);

}  // namespace kiosk::drivers::escpos
