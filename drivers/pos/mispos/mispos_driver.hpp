#pragma once
// The MIS-POS terminal driver (`driver = "mispos"`, class pos_terminal): a UnionPay bank-card
// terminal reached either over its serial framing (mispos_protocol.hpp) or through the acquirer's
// vendor library hosted in a helper process (pos_helper.hpp). Both speak the fixed-width layout
// of mispos_layout.hpp, loaded from config.
//
// Config keys ([[devices]] table):
//   transport           = "serial"  or "library"
//   layout              = <assets>/pos/ums_bankall.toml   the field table (docs/pos-layout.md)
//   pos_id              = "KIOSK001"  the request's POS number (8 in the UMS layout)
//   operator            = "0001"      the request's operator
//   answer_timeout_ms   = 90000  consume / void / refund: the patient inserts the card, types the PIN
//   service_timeout_ms  = 30000  sign-in, settlement, query (online, no patient)
//   self_test           = "sign_in" or "query" (query reprints the last slip on some terminals)
//   serial:  port (required), baud = 9600, parity = "N", ack_timeout_ms = 500, max_sends = 3
//   library: library (required, the vendor .so), symbol = "bankall",
//            helper = kiosk-pos-helper next to the running program (else the build's),
//            library_env = ["NAME=value", …] extra environment for the library,
//            helper_start_timeout_ms = 5000
//
// Money rules kept here (the saga above journals before calling):
//   - one request is sent once; the serial resends of one frame carry the same tag, and a
//     terminal that ACKed never gets a second consume for the same tag from this driver
//   - once a consume / void / refund may have reached the terminal, every failure is
//     Errc::unknown_outcome ("pos.outcome_unknown"): time-out, lost or bad answer, an answer for
//     another transaction (tag), an amount other than asked, the library crashing or hanging.
//     resolve() (query / reprint last) settles it; nothing here ever charges again
//   - "not charged" only when nothing can have reached the terminal: the port or the helper could
//     not be opened, or the terminal NAKed every send; a frame written and not NAKed (even
//     without an ACK) makes a failed consume unknown
//
// [X] consume, void (same day), refund, query / reprint last, sign-in, settlement
// [X] serial framing with ACK/NAK, 3 sends, ACK and answer time-outs; BCD or binary length
// [X] vendor library in a helper process: crash → unknown + restart, hang → kill + unknown
// [X] answer validation (length, digits, amount, tag, result table, card masking)
// [X] status: online / offline, last sign-in; self-test = sign-in (or query)
// [ ] balance enquiry (no kiosk use); pre-authorisation; several terminals per kiosk

#include <mutex>

#include "drivers/common/registry.hpp"
#include "drivers/pos/mispos/mispos_layout.hpp"
#include "drivers/pos/mispos/mispos_protocol.hpp"
#include "drivers/pos/mispos/pos_helper.hpp"

namespace kiosk::drivers::pos {

enum class PosTransport { serial, library };

struct MisPosSettings {
    PosTransport transport = PosTransport::serial;
    transport::SerialSettings serial{.path = {}, .baud = 9600};
    HelperSettings helper;
    RequestContext context{.posId = "KIOSK001", .operatorId = "0001"};
    std::chrono::milliseconds ackTimeout{500};
    int maxSends = 3;
    std::chrono::milliseconds answerTimeout{90000};
    std::chrono::milliseconds serviceTimeout{30000};
    bool selfTestQuery = false;
};

/// The raw request → answer exchange of one transport (no validation). `accepted` tells whether
/// the terminal / library may have acted on the request.
class PosLink {
public:
    virtual ~PosLink() = default;
    virtual Result<std::string> exchange(std::string_view request, std::chrono::milliseconds answerTimeout,
                                         const CancelToken& cancel, bool& accepted) = 0;
    virtual std::string describe() const = 0;
};

class MisPosDriver final : public PosTerminal {
public:
    MisPosDriver(std::string name, MisPosSettings settings, MisPosLayout layout);
    ~MisPosDriver() override;

    const std::string& name() const override { return name_; }
    std::string driverName() const override { return "mispos"; }
    Capabilities capabilities() const override;
    DeviceState state() const override;
    Result<void> start(DeviceEventSink sink) override;
    void stop() override;
    /// Sign-in (or a query, config self_test): "signed in: merchant …, terminal …, batch …".
    Result<std::string> selfTest(std::chrono::milliseconds timeout, const CancelToken& cancel) override;

    Result<PosAnswer> transact(PosRequest request, const CancelToken& cancel = {}) override;
    Result<PosAnswer> queryLast(const CancelToken& cancel = {}) override;
    Result<std::pair<Resolution, std::optional<PosAnswer>>> resolve(const PosRequest& pending,
                                                                    const CancelToken& cancel = {}) override;
    std::optional<std::chrono::system_clock::time_point> lastSignIn() const override;
    size_t tagWidth() const override { return layout_.hasTag() ? layout_.tagWidth() : 0; }

    const MisPosLayout& layout() const { return layout_; }
    /// The helper process (transport library), for tests and diagnostics; nullptr otherwise.
    const HelperProcess* helper() const;

private:
    Result<PosAnswer> run(PosRequest& request, std::chrono::milliseconds timeout, const CancelToken& cancel);
    std::string nextTag();
    void setState(DeviceStatus status, std::string detail);
    std::string signInText() const;

    std::string name_;
    MisPosSettings settings_;
    MisPosLayout layout_;
    std::unique_ptr<PosLink> link_;
    std::mutex busy_;  // one transaction at a time; guards link_, lastTag_
    std::string lastTag_;
    uint64_t tagSeed_ = 0;

    mutable std::mutex mutex_;  // guards state_, sink_, lastSignIn_
    DeviceState state_;
    DeviceEventSink sink_;
    std::optional<std::chrono::system_clock::time_point> lastSignIn_;
};

/// The serial link (also used by the benchmark).
std::unique_ptr<PosLink> makeSerialLink(transport::SerialSettings serial, LinkSettings link);
/// The helper-process link; `answerWidth` tells a whole answer from a failed call.
std::unique_ptr<PosLink> makeLibraryLink(HelperSettings helper, size_t answerWidth);

Result<std::unique_ptr<Device>> createMisPosDriver(const DeviceConfig& config, ConfigSection& settings,
                                                   const DriverContext& context);

}  // namespace kiosk::drivers::pos
