#pragma once
// Simulated devices (libsigrok's "demo" driver): configured like real ones, driven by the
// presenter's panel and by scripted journeys through SimulatedDevice::act, with named scenarios.
//
// [X] card_reader / id_reader: insert <person id>, remove; scenarios normal, unsupported_card,
//     needs_pin, pulled_mid_read, unreadable, offline
// [X] scanner: scan <payload>; scenarios normal, offline
// [X] receipt_printer: records jobs as text files; scenarios normal, paper_near_end, paper_out,
//     cover_open, offline
// [X] report_printer: accepts PDFs (checks the %PDF header); scenarios normal, paper_out, offline
// [ ] timing: events are posted at once (journeys need determinism); real latency is the real
//     drivers' business

#include <filesystem>
#include <mutex>

#include "drivers/common/registry.hpp"
#include "drivers/sim/sample_data.hpp"

namespace kiosk::drivers::sim {

/// Name, state, scenario and event sink shared by every simulated device.
class SimCore {
public:
    SimCore(std::string name, std::vector<std::string> scenarios, std::string scenario)
        : name_(std::move(name)), scenarios_(std::move(scenarios)), scenario_(std::move(scenario)) {}

    const std::string& name() const { return name_; }
    DeviceState state() const;
    void setState(DeviceState state);  ///< posts StatusChanged when it differs
    std::string scenario() const;
    Result<void> setScenario(std::string_view name, const std::function<void(std::string_view)>& apply);
    const std::vector<std::string>& scenarios() const { return scenarios_; }
    void attach(DeviceEventSink sink);
    void detach();
    bool attached() const;
    void post(DeviceEvent event) const;

private:
    std::string name_;
    std::vector<std::string> scenarios_;
    mutable std::mutex mutex_;
    std::string scenario_;
    DeviceState state_;
    DeviceEventSink sink_;
};

class SimCardReader final : public Device, public SimulatedDevice {
public:
    SimCardReader(std::string name, DeviceClass deviceClass, SampleData people, std::string scenario);

    const std::string& name() const override { return core_.name(); }
    DeviceClass deviceClass() const override { return class_; }
    std::string driverName() const override { return "sim"; }
    Capabilities capabilities() const override;
    DeviceState state() const override { return core_.state(); }
    Result<void> start(DeviceEventSink sink) override;
    void stop() override;
    Result<std::string> selfTest(std::chrono::milliseconds timeout, const CancelToken& cancel) override;

    std::vector<std::string> scenarios() const override { return core_.scenarios(); }
    std::string scenario() const override { return core_.scenario(); }
    Result<void> setScenario(std::string_view name) override;
    Result<void> act(std::string_view action, std::string_view argument) override;
    const SampleData& people() const { return people_; }

private:
    DeviceState idleState() const;

    SimCore core_;
    DeviceClass class_;
    SampleData people_;
    bool cardPresent_ = false;
};

class SimScanner final : public Device, public SimulatedDevice {
public:
    SimScanner(std::string name, std::string scenario);

    const std::string& name() const override { return core_.name(); }
    DeviceClass deviceClass() const override { return DeviceClass::scanner; }
    std::string driverName() const override { return "sim"; }
    Capabilities capabilities() const override { return {{"qr", "code128"}}; }
    DeviceState state() const override { return core_.state(); }
    Result<void> start(DeviceEventSink sink) override;
    void stop() override;
    Result<std::string> selfTest(std::chrono::milliseconds timeout, const CancelToken& cancel) override;

    std::vector<std::string> scenarios() const override { return core_.scenarios(); }
    std::string scenario() const override { return core_.scenario(); }
    Result<void> setScenario(std::string_view name) override;
    Result<void> act(std::string_view action, std::string_view argument) override;

private:
    SimCore core_;
};

class SimReceiptPrinter final : public ReceiptPrinter, public SimulatedDevice {
public:
    SimReceiptPrinter(std::string name, std::filesystem::path outputDir, std::string scenario);

    const std::string& name() const override { return core_.name(); }
    std::string driverName() const override { return "sim"; }
    Capabilities capabilities() const override { return {{"gb18030", "qr_native", "cutter", "code128"}}; }
    DeviceState state() const override { return core_.state(); }
    Result<void> start(DeviceEventSink sink) override;
    void stop() override;
    Result<std::string> selfTest(std::chrono::milliseconds timeout, const CancelToken& cancel) override;
    Result<PrintOutcome> print(const printing::Document& document, std::chrono::milliseconds timeout,
                               const CancelToken& cancel) override;
    Result<DeviceState> queryStatus(std::chrono::milliseconds timeout) override;

    std::vector<std::string> scenarios() const override { return core_.scenarios(); }
    std::string scenario() const override { return core_.scenario(); }
    Result<void> setScenario(std::string_view name) override;
    Result<void> act(std::string_view action, std::string_view argument) override;

    /// Jobs printed so far (text form), newest last.
    std::vector<std::vector<std::string>> printedJobs() const;

private:
    SimCore core_;
    std::filesystem::path outputDir_;
    mutable std::mutex jobsMutex_;
    std::vector<std::vector<std::string>> jobs_;
};

class SimReportPrinter final : public ReportPrinter, public SimulatedDevice {
public:
    SimReportPrinter(std::string name, std::filesystem::path outputDir, std::string scenario);

    const std::string& name() const override { return core_.name(); }
    std::string driverName() const override { return "sim"; }
    Capabilities capabilities() const override { return {{"pdf", "a4", "duplex"}}; }
    DeviceState state() const override { return core_.state(); }
    Result<void> start(DeviceEventSink sink) override;
    void stop() override;
    Result<std::string> selfTest(std::chrono::milliseconds timeout, const CancelToken& cancel) override;
    Result<PrintOutcome> printPdf(const std::filesystem::path& pdf, int copies, std::chrono::milliseconds timeout,
                                  const CancelToken& cancel) override;

    std::vector<std::string> scenarios() const override { return core_.scenarios(); }
    std::string scenario() const override { return core_.scenario(); }
    Result<void> setScenario(std::string_view name) override;
    Result<void> act(std::string_view action, std::string_view argument) override;

private:
    SimCore core_;
    std::filesystem::path outputDir_;
};

/// Driver-table factories (config keys: scenario, people_file; printers: output_dir).
Result<std::unique_ptr<Device>> createSimCardReader(const DeviceConfig&, ConfigSection&, const DriverContext&);
Result<std::unique_ptr<Device>> createSimIdReader(const DeviceConfig&, ConfigSection&, const DriverContext&);
Result<std::unique_ptr<Device>> createSimScanner(const DeviceConfig&, ConfigSection&, const DriverContext&);
Result<std::unique_ptr<Device>> createSimReceiptPrinter(const DeviceConfig&, ConfigSection&, const DriverContext&);
Result<std::unique_ptr<Device>> createSimReportPrinter(const DeviceConfig&, ConfigSection&, const DriverContext&);

}  // namespace kiosk::drivers::sim
