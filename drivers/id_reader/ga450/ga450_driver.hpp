#pragma once
// The GA 450 ID-card reader driver (`driver = "ga450"`, class id_reader): polls the reader's
// SAM over a serial port (drivers/transport/serial.hpp) with find card → select → read text,
// and posts CardInserted (identity from the text block) / CardReadFailed / CardRemoved /
// StatusChanged. Frames are in ga450_protocol.hpp.
//
// Config keys ([[devices]] table):
//   port              (required)   /dev/ttyUSB0, /dev/serial/by-id/…
//   model             = "usb_serial_115200"   a row of idReaderModels(): port settings
//   poll_interval_ms  = 300        time between two "find card" commands
//   answer_timeout_ms = 1000       the longest the reader may take to answer one command
//   removal_events    = true       report CardRemoved when "find card" says no card again
//                                  (readers that halt a card after reading say it at once:
//                                  set false for those)
//
// [X] find / select / read text, checksum verified both ways, one retry on a corrupt frame
// [X] silent reader → offline status; it is polled again and comes back online by itself
// [X] SAM status (11 FF) as the self-test; SAM reset (10 FF) after repeated SAM errors
// [X] models that differ only in port settings are rows of idReaderModels()
// [ ] photo (WLT) not decoded; fingerprint data (30 10) not requested

#include <memory>
#include <mutex>
#include <thread>

#include "drivers/common/registry.hpp"
#include "drivers/id_reader/ga450/ga450_protocol.hpp"
#include "drivers/transport/serial.hpp"

namespace kiosk::drivers::ga450 {

/// A reader model: what differs between them is port settings only.
struct IdReaderModel {
    std::string_view name;
    int baud;
    char parity;
    int dataBits;
    int stopBits;
    std::string_view summary;
};
const std::vector<IdReaderModel>& idReaderModels();

struct Ga450Settings {
    transport::SerialSettings serial;
    std::string model;
    std::chrono::milliseconds pollInterval{300};
    std::chrono::milliseconds answerTimeout{1000};
    bool removalEvents = true;
};

/// One command/answer exchange on an open port (used by the driver, the CLI and the benchmark).
/// Hunts the preamble after line noise, verifies length and checksum.
Result<ReaderFrame> exchange(transport::SerialPort& port, Command command, std::chrono::milliseconds timeout,
                             const CancelToken& cancel);

class Ga450IdReader final : public Device {
public:
    Ga450IdReader(std::string name, Ga450Settings settings);
    ~Ga450IdReader() override;

    const std::string& name() const override { return name_; }
    DeviceClass deviceClass() const override { return DeviceClass::id_reader; }
    std::string driverName() const override { return "ga450"; }
    Capabilities capabilities() const override { return {{"id_card_text", "sam_status"}}; }
    DeviceState state() const override;
    Result<void> start(DeviceEventSink sink) override;
    void stop() override;
    Result<std::string> selfTest(std::chrono::milliseconds timeout, const CancelToken& cancel) override;

private:
    void run(std::stop_token stop, CancelToken cancel);
    void setState(DeviceState state);
    void post(DeviceEvent event);

    std::string name_;
    Ga450Settings settings_;
    mutable std::mutex mutex_;
    DeviceState state_;
    DeviceEventSink sink_;
    CancelToken cancel_;
    std::jthread poller_;
};

Result<std::unique_ptr<Device>> createGa450IdReader(const DeviceConfig& config, ConfigSection& settings,
                                                    const DriverContext& context);

}  // namespace kiosk::drivers::ga450
