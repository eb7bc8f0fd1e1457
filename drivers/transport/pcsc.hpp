#pragma once
// PC/SC transport (pcsc-lite): the context, reader enumeration and hot-plug, card presence
// events, and APDU exchange with the ISO 7816-4 status-word follow-ups a driver should not have
// to repeat.
//
// [X] context lifecycle; re-established after pcscd restarts (SCARD_E_NO_SERVICE /
//     SCARD_E_SERVICE_STOPPED / SCARD_E_INVALID_HANDLE)
// [X] reader enumeration and hot-plug through the "\\?PnP?\Notification" pseudo reader
// [X] card inserted / removed from SCardGetStatusChange, using the event counter in the top
//     16 bits of dwEventState so a pull-and-reinsert between two polls is still reported
// [X] SCardTransmit with 61 xx (GET RESPONSE, chained) and 6C xx (re-issue with Le = xx), for
//     T=0 and T=1 alike
// [X] waits take a timeout and a CancelToken; interrupt() (SCardCancel) wakes a waiting monitor
//     from another thread at once
// [ ] a single SCardTransmit cannot be aborted: PC/SC has no per-call timeout, the IFD handler
//     bounds it. Deadlines are checked between exchanges.
// [ ] secure PIN entry (FEATURE_VERIFY_PIN_DIRECT) and PSAM external authentication

#include <PCSC/winscard.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "drivers/common/device.hpp"

namespace kiosk::drivers::transport {

/// Readable name of a PC/SC return code ("SCARD_E_NO_SERVICE"), for logs.
std::string pcscErrorName(LONG code);

/// What a reader reports between two waits.
struct PcscEvent {
    enum class Kind { card_inserted, card_removed, reader_added, reader_removed, service_restarted };
    Kind kind = Kind::card_inserted;
    std::string reader;
    std::vector<uint8_t> atr;  ///< card_inserted only
};
std::string_view pcscEventName(PcscEvent::Kind kind);

/// A card response: data, then SW1 SW2 (ISO 7816-4 §5.1.3).
struct ApduResponse {
    std::vector<uint8_t> data;
    uint8_t sw1 = 0;
    uint8_t sw2 = 0;
    uint16_t sw() const { return static_cast<uint16_t>((sw1 << 8) | sw2); }
    bool ok() const { return sw1 == 0x90 && sw2 == 0x00; }
    /// "9000", "6A82": the form the CLI prints and the journal keeps.
    std::string swText() const;
};

/// Splits a raw response into data and status word. Fewer than 2 bytes is invalid_data.
Result<ApduResponse> parseApduResponse(std::span<const uint8_t> raw);

/// A PC/SC context with the monitor state of every reader. One thread waits on it; any thread
/// may call interrupt().
class PcscContext {
public:
    /// Establishes a context; waits (in short retries) up to `timeout` for pcscd to answer.
    static Result<std::unique_ptr<PcscContext>> establish(std::chrono::milliseconds timeout, const CancelToken& cancel);
    ~PcscContext();
    PcscContext(const PcscContext&) = delete;
    PcscContext& operator=(const PcscContext&) = delete;

    /// Readers known to pcscd now (no pseudo readers). Empty when none.
    Result<std::vector<std::string>> listReaders();

    /// Waits up to `timeout` for card or reader changes and returns them (empty on timeout).
    /// The first call reports cards already present as card_inserted. If pcscd went away the
    /// context is re-established (within `timeout`) and service_restarted is reported, followed
    /// by the readers' fresh state. Errc::cancelled if `cancel` fires or interrupt() is called.
    Result<std::vector<PcscEvent>> waitForEvents(std::chrono::milliseconds timeout, const CancelToken& cancel);

    /// Wakes a thread blocked in waitForEvents (SCardCancel); thread-safe.
    void interrupt();

    /// Whether `reader` had a card at the last wait.
    bool cardPresent(const std::string& reader) const;

    SCARDCONTEXT handle() const { return context_; }
    /// Re-establishes the context (after SCARD_E_NO_SERVICE and friends).
    Result<void> reestablish(std::chrono::milliseconds timeout, const CancelToken& cancel);

private:
    explicit PcscContext(SCARDCONTEXT context) : context_(context) {}
    Result<void> refreshReaders(std::vector<PcscEvent>& events);

    struct ReaderState {
        std::string name;
        DWORD eventState = SCARD_STATE_UNAWARE;  ///< as last reported (with the counter bits)
        bool present = false;
    };
    mutable std::mutex mutex_;  // guards context_ against interrupt() during re-establishment
    SCARDCONTEXT context_ = 0;
    std::vector<ReaderState> readers_;
    DWORD pnpState_ = SCARD_STATE_UNAWARE;
    bool primed_ = false;
    bool interrupted_ = false;
};

/// Counters of one card connection (for the benchmark and diagnostics).
struct TransmitStats {
    size_t exchanges = 0;     ///< SCardTransmit calls
    size_t getResponses = 0;  ///< 61 xx follow-ups
    size_t reissues = 0;      ///< 6C xx re-issues
};

/// A connected card (SCardConnect, shared mode, T=0 or T=1).
class PcscCard {
public:
    static Result<std::unique_ptr<PcscCard>> connect(PcscContext& context, const std::string& reader);
    ~PcscCard();
    PcscCard(const PcscCard&) = delete;
    PcscCard& operator=(const PcscCard&) = delete;

    /// One command/response pair with the follow-ups: 61 xx → GET RESPONSE (00 C0 00 00 xx)
    /// repeated while the card says more data is waiting, data concatenated; 6C xx → the same
    /// command re-sent once with Le = xx. Fails with Errc::timeout after `deadline` (checked
    /// between exchanges), Errc::cancelled on `cancel`, Errc::device_not_ready with message key
    /// card.pulled when the card is gone.
    Result<ApduResponse> transmit(std::span<const uint8_t> command, std::chrono::steady_clock::time_point deadline,
                                  const CancelToken& cancel);
    /// Resets the card and re-negotiates the protocol (SCardReconnect, SCARD_RESET_CARD).
    Result<void> reset();
    /// One SCardTransmit, no follow-ups.
    Result<std::vector<uint8_t>> transmitRaw(std::span<const uint8_t> command);

    DWORD protocol() const { return protocol_; }
    const std::vector<uint8_t>& atr() const { return atr_; }
    const TransmitStats& stats() const { return stats_; }
    SCARDHANDLE handle() const { return card_; }

private:
    PcscCard(SCARDCONTEXT context, std::string reader, SCARDHANDLE card, DWORD protocol, std::vector<uint8_t> atr)
        : context_(context), reader_(std::move(reader)), card_(card), protocol_(protocol), atr_(std::move(atr)) {}
    /// One SCardTransmit into an ApduResponse (a vanished card → card.pulled).
    Result<ApduResponse> exchangeOnce(std::span<const uint8_t> command);
    /// After a failed exchange: did the card leave? Waits briefly for the reader to say so
    /// (readers and vpcd notice a removal 80–400 ms after the fact, harness.md §1).
    bool cardWentAway();
    SCARDCONTEXT context_;
    std::string reader_;
    SCARDHANDLE card_;
    DWORD protocol_;
    std::vector<uint8_t> atr_;
    TransmitStats stats_;
};

/// Maps a failed PC/SC call to a kiosk::Error (removed card → card.pulled, no service →
/// device_not_ready, …). `what` names the call for the log.
Error pcscError(LONG code, std::string_view what);

}  // namespace kiosk::drivers::transport
