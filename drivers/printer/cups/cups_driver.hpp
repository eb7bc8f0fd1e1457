#pragma once
// A4 report printer over CUPS (`driver = "cups"`, class report_printer): a PDF — from the
// backend as is, or rendered by printing/pdf_report — goes to a CUPS queue with libcups and the
// job is followed until CUPS says completed, aborted or cancelled.
//
// Config keys: queue = "Reports" (required); server = "" (default: libcups' own choice — a
// domain socket path like "/run/cups/cups.sock" or "host:port" for a private cupsd in tests);
// poll_ms = 200; stall_ms = 10000 (a printer reporting offline-report / *-error while our job
// waits that long → job cancelled, outcome device_not_ready with the printer's reasons).
//
// [X] queue state before the job: missing queue → no_device ("print.error.queue_missing");
//     stopped / not accepting → offline with printer-state-reasons ("print.error.queue_stopped")
// [X] corrupt PDF (no %PDF- header or no %%EOF trailer) → invalid_data, nothing submitted
// [X] job followed to completion; aborted / cancelled / printer stopped mid-job → outcome with
//     the job's and the printer's state reasons (media-empty, offline…); the job is cancelled so
//     it cannot come out later unnoticed
// [X] timeout and CancelToken → job cancelled, outcome timeout / cancelled
// [ ] authentication (kiosk queues are local and open); IPP Everywhere discovery

#include <memory>
#include <mutex>

#include "drivers/common/registry.hpp"

namespace kiosk::drivers::cups {

struct CupsSettings {
    std::string queue;
    std::string server;  ///< empty: libcups default
    std::chrono::milliseconds poll{200};
    /// How long the printer may report an offline / error reason while our job waits before the
    /// job is cancelled and reported as not printed.
    std::chrono::milliseconds stall{10000};
};

class CupsReportPrinter final : public ReportPrinter {
public:
    CupsReportPrinter(std::string name, CupsSettings settings);

    const std::string& name() const override { return name_; }
    std::string driverName() const override { return "cups"; }
    Capabilities capabilities() const override { return Capabilities{{"pdf", "a4", "job_tracking"}}; }
    DeviceState state() const override;
    Result<void> start(DeviceEventSink sink) override;
    void stop() override;
    Result<std::string> selfTest(std::chrono::milliseconds timeout, const CancelToken& cancel) override;

    /// Device problems are a PrintOutcome (code, messageKey, states); only an unreadable file
    /// path is an Error.
    Result<PrintOutcome> printPdf(const std::filesystem::path& pdf, int copies, std::chrono::milliseconds timeout,
                                  const CancelToken& cancel) override;
    /// Asks CUPS for the queue's state now.
    DeviceState queryQueue();
    /// printer-state-message of the last query (CUPS' own words, for the technician log).
    std::string lastMessage() const;

private:
    void setState(DeviceState state);

    std::string name_;
    CupsSettings settings_;
    mutable std::mutex mutex_;
    DeviceState state_;
    std::string message_;
    DeviceEventSink sink_;
};

/// Checks that a file looks like a complete PDF (header and trailer).
Result<void> checkPdfFile(const std::filesystem::path& pdf);

Result<std::unique_ptr<Device>> createCupsReportPrinter(const DeviceConfig& device, ConfigSection& settings,
                                                        const DriverContext& context);

}  // namespace kiosk::drivers::cups
