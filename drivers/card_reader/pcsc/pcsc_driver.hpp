#pragma once
// The PC/SC card reader driver (`driver = "pcsc"`, class card_reader): watches one reader (or
// any) through pcscd, reads each inserted card with the ordered card profiles
// (card_profiles.hpp) and posts CardInserted / CardReadFailed / CardRemoved / StatusChanged.
//
// Config keys ([[devices]] table):
//   reader          = ""      substring of the PC/SC reader name to use; "" = any reader
//   profile         = ""      pin one card profile ("social_security"); "" = try them in order
//   read_timeout_ms = 5000    budget for reading one card (checked between APDUs)
//
// [X] card inserted → identity, through the profiles; pull-and-reinsert between two polls
// [X] pcscd restart / reader unplug while waiting: context re-established, reader re-found
// [X] card pulled mid-read → card.pulled; garbage → card.unreadable; PIN → card.needs_pin
// [X] start()/stop() idempotent; stop() wakes the monitor thread at once (SCardCancel)
// [X] self-test: context + reader list
// [ ] several readers at once: the first matching reader with a card is used

#include <memory>
#include <mutex>
#include <thread>

#include "drivers/card_reader/pcsc/card_profiles.hpp"
#include "drivers/common/registry.hpp"
#include "drivers/transport/pcsc.hpp"

namespace kiosk::drivers::pcsc {

struct PcscReaderSettings {
    std::string reader;
    std::string profile;
    std::chrono::milliseconds readTimeout{5000};
};

class PcscCardReader final : public Device {
public:
    PcscCardReader(std::string name, PcscReaderSettings settings);
    ~PcscCardReader() override;

    const std::string& name() const override { return name_; }
    DeviceClass deviceClass() const override { return DeviceClass::card_reader; }
    std::string driverName() const override { return "pcsc"; }
    Capabilities capabilities() const override { return {{"contact_card", "social_security_card", "pcsc"}}; }
    DeviceState state() const override;
    Result<void> start(DeviceEventSink sink) override;
    void stop() override;
    Result<std::string> selfTest(std::chrono::milliseconds timeout, const CancelToken& cancel) override;

    /// Reads the card now in `reader` of `context` (used by the monitor thread and the benchmark).
    CardReadOutcome readCardIn(transport::PcscContext& context, const std::string& reader, const CancelToken& cancel);

private:
    void run(std::stop_token stop);
    void setState(DeviceState state);
    void post(DeviceEvent event);
    bool ours(const std::string& reader) const;

    std::string name_;
    PcscReaderSettings settings_;
    mutable std::mutex mutex_;
    DeviceState state_;
    DeviceEventSink sink_;
    transport::PcscContext* context_ = nullptr;  // the monitor's, for stop() to interrupt
    CancelToken cancel_;
    std::jthread monitor_;
};

Result<std::unique_ptr<Device>> createPcscCardReader(const DeviceConfig& config, ConfigSection& settings,
                                                     const DriverContext& context);

}  // namespace kiosk::drivers::pcsc
