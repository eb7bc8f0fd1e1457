#include "drivers/transport/pcsc.hpp"

#include <PCSC/pcsclite.h>
#include <fmt/format.h>

#include <algorithm>
#include <thread>

#include "kiosk/core/log.hpp"

namespace kiosk::drivers::transport {

namespace {

using Clock = std::chrono::steady_clock;

// pcsc-lite's name for reader hot-plug notifications: waiting on it returns when a reader comes
// or goes (its dwEventState's top 16 bits count readers).
constexpr const char* kPnpReader = "\\\\?PnP?\\Notification";
// A wait is cut into slices so a CancelToken is noticed without SCardCancel; card events still
// end a slice at once, so this costs no latency.
constexpr std::chrono::milliseconds kWaitSlice{250};
// Retry period while pcscd is not answering (restart, not yet started).
constexpr std::chrono::milliseconds kServiceRetry{50};
// A card that keeps answering 61 xx forever must not keep us here.
constexpr int kMaxGetResponses = 64;
// How long a failed exchange waits for the reader to confirm the card left (vpcd polls every
// ~400 ms).
constexpr std::chrono::milliseconds kRemovalNotice{700};

/// pcsc-lite keeps an event counter in the top 16 bits of dwEventState (incremented on each
/// insertion and removal): two polls that both see "present" but different counters mean the
/// card was pulled and put back in between.
uint16_t eventCounter(DWORD eventState) { return static_cast<uint16_t>((eventState >> 16) & 0xFFFF); }

bool serviceGone(LONG code) {
    return code == SCARD_E_NO_SERVICE || code == SCARD_E_SERVICE_STOPPED || code == SCARD_E_INVALID_HANDLE ||
           code == SCARD_F_COMM_ERROR;
}

std::shared_ptr<spdlog::logger> logger() { return log::module("pcsc"); }

}  // namespace

std::string pcscErrorName(LONG code) {
    switch (code) {
        case SCARD_S_SUCCESS: return "SCARD_S_SUCCESS";
        case SCARD_E_CANCELLED: return "SCARD_E_CANCELLED";
        case SCARD_E_INVALID_HANDLE: return "SCARD_E_INVALID_HANDLE";
        case SCARD_E_UNKNOWN_READER: return "SCARD_E_UNKNOWN_READER";
        case SCARD_E_TIMEOUT: return "SCARD_E_TIMEOUT";
        case SCARD_E_SHARING_VIOLATION: return "SCARD_E_SHARING_VIOLATION";
        case SCARD_E_NO_SMARTCARD: return "SCARD_E_NO_SMARTCARD";
        case SCARD_E_PROTO_MISMATCH: return "SCARD_E_PROTO_MISMATCH";
        case SCARD_E_NOT_READY: return "SCARD_E_NOT_READY";
        case SCARD_F_COMM_ERROR: return "SCARD_F_COMM_ERROR";
        case SCARD_E_NOT_TRANSACTED: return "SCARD_E_NOT_TRANSACTED";
        case SCARD_E_READER_UNAVAILABLE: return "SCARD_E_READER_UNAVAILABLE";
        case SCARD_E_NO_SERVICE: return "SCARD_E_NO_SERVICE";
        case SCARD_E_SERVICE_STOPPED: return "SCARD_E_SERVICE_STOPPED";
        case SCARD_E_NO_READERS_AVAILABLE: return "SCARD_E_NO_READERS_AVAILABLE";
        case SCARD_W_UNRESPONSIVE_CARD: return "SCARD_W_UNRESPONSIVE_CARD";
        case SCARD_W_UNPOWERED_CARD: return "SCARD_W_UNPOWERED_CARD";
        case SCARD_W_RESET_CARD: return "SCARD_W_RESET_CARD";
        case SCARD_W_REMOVED_CARD: return "SCARD_W_REMOVED_CARD";
        default: return fmt::format("0x{:08X}", static_cast<uint32_t>(code));
    }
}

std::string_view pcscEventName(PcscEvent::Kind kind) {
    switch (kind) {
        case PcscEvent::Kind::card_inserted: return "card_inserted";
        case PcscEvent::Kind::card_removed: return "card_removed";
        case PcscEvent::Kind::reader_added: return "reader_added";
        case PcscEvent::Kind::reader_removed: return "reader_removed";
        case PcscEvent::Kind::service_restarted: return "service_restarted";
    }
    return "unknown";
}

Error pcscError(LONG code, std::string_view what) {
    const std::string detail = fmt::format("{}: {}", what, pcscErrorName(code));
    switch (code) {
        case SCARD_W_REMOVED_CARD:
        case SCARD_E_NO_SMARTCARD:
        case SCARD_W_RESET_CARD: return Error(Errc::device_not_ready, detail, "card.pulled");
        case SCARD_W_UNRESPONSIVE_CARD:
        case SCARD_W_UNPOWERED_CARD:
        case SCARD_E_PROTO_MISMATCH:
        case SCARD_E_NOT_TRANSACTED: return Error(Errc::invalid_data, detail, "card.unreadable");
        case SCARD_E_CANCELLED: return Error(Errc::cancelled, detail);
        case SCARD_E_TIMEOUT: return Error(Errc::timeout, detail);
        default: return Error(Errc::device_not_ready, detail, "error.device_not_ready");
    }
}

std::string ApduResponse::swText() const { return fmt::format("{:02X}{:02X}", sw1, sw2); }

Result<ApduResponse> parseApduResponse(std::span<const uint8_t> raw) {
    // ISO 7816-4: response data (0…256 bytes) then the two status bytes SW1 SW2.
    if (raw.size() < 2) {
        return fail(Errc::invalid_data, fmt::format("card answer has {} bytes, no status word", raw.size()),
                    "card.unreadable");
    }
    ApduResponse response;
    response.data.assign(raw.begin(), raw.end() - 2);
    response.sw1 = raw[raw.size() - 2];
    response.sw2 = raw[raw.size() - 1];
    return response;
}

// ---------------------------------------------------------------- context

Result<std::unique_ptr<PcscContext>> PcscContext::establish(std::chrono::milliseconds timeout,
                                                            const CancelToken& cancel) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        SCARDCONTEXT context = 0;
        const LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &context);
        if (rv == SCARD_S_SUCCESS) return std::unique_ptr<PcscContext>(new PcscContext(context));
        if (cancel.cancelled()) return fail(Errc::cancelled, "SCardEstablishContext: cancelled");
        if (Clock::now() + kServiceRetry > deadline) return std::unexpected(pcscError(rv, "SCardEstablishContext"));
        std::this_thread::sleep_for(kServiceRetry);
    }
}

PcscContext::~PcscContext() {
    if (context_ != 0) SCardReleaseContext(context_);
}

Result<void> PcscContext::reestablish(std::chrono::milliseconds timeout, const CancelToken& cancel) {
    {
        std::lock_guard lock(mutex_);
        if (context_ != 0) SCardReleaseContext(context_);
        context_ = 0;
    }
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        SCARDCONTEXT context = 0;
        const LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &context);
        if (rv == SCARD_S_SUCCESS) {
            std::lock_guard lock(mutex_);
            context_ = context;
            return {};
        }
        {
            std::lock_guard lock(mutex_);
            if (interrupted_) {
                interrupted_ = false;
                return fail(Errc::cancelled, "re-establishing the PC/SC context: interrupted");
            }
        }
        if (cancel.cancelled()) return fail(Errc::cancelled, "re-establishing the PC/SC context: cancelled");
        if (Clock::now() + kServiceRetry > deadline) {
            return std::unexpected(pcscError(rv, "SCardEstablishContext (pcscd still away)"));
        }
        std::this_thread::sleep_for(kServiceRetry);
    }
}

Result<std::vector<std::string>> PcscContext::listReaders() {
    DWORD length = 0;
    LONG rv = SCardListReaders(context_, nullptr, nullptr, &length);
    if (rv == SCARD_E_NO_READERS_AVAILABLE) return std::vector<std::string>{};
    if (rv != SCARD_S_SUCCESS) return std::unexpected(pcscError(rv, "SCardListReaders"));
    std::string buffer(length, '\0');
    rv = SCardListReaders(context_, nullptr, buffer.data(), &length);
    if (rv == SCARD_E_NO_READERS_AVAILABLE) return std::vector<std::string>{};
    if (rv != SCARD_S_SUCCESS) return std::unexpected(pcscError(rv, "SCardListReaders"));
    // A multi-string: names separated by NUL, ended by an empty name.
    std::vector<std::string> readers;
    for (size_t start = 0; start < buffer.size() && buffer[start] != '\0';) {
        const size_t end = buffer.find('\0', start);
        readers.push_back(buffer.substr(start, end - start));
        start = end + 1;
    }
    return readers;
}

Result<void> PcscContext::refreshReaders(std::vector<PcscEvent>& events) {
    auto names = listReaders();
    if (!names) return std::unexpected(names.error());
    // Readers that left: a card in them is gone too.
    for (auto it = readers_.begin(); it != readers_.end();) {
        if (std::find(names->begin(), names->end(), it->name) == names->end()) {
            if (it->present) events.push_back({PcscEvent::Kind::card_removed, it->name, {}});
            events.push_back({PcscEvent::Kind::reader_removed, it->name, {}});
            logger()->info("reader removed: {}", it->name);
            it = readers_.erase(it);
        } else {
            ++it;
        }
    }
    for (const auto& name : *names) {
        const bool known = std::any_of(readers_.begin(), readers_.end(), [&](const auto& r) { return r.name == name; });
        if (known) continue;
        // UNAWARE makes the next SCardGetStatusChange report its state at once.
        readers_.push_back(ReaderState{name, SCARD_STATE_UNAWARE, false});
        if (primed_) events.push_back({PcscEvent::Kind::reader_added, name, {}});
        logger()->info("reader available: {}", name);
    }
    return {};
}

bool PcscContext::cardPresent(const std::string& reader) const {
    return std::any_of(readers_.begin(), readers_.end(), [&](const auto& r) { return r.name == reader && r.present; });
}

void PcscContext::interrupt() {
    std::lock_guard lock(mutex_);
    interrupted_ = true;
    if (context_ != 0) SCardCancel(context_);
}

Result<std::vector<PcscEvent>> PcscContext::waitForEvents(std::chrono::milliseconds timeout,
                                                         const CancelToken& cancel) {
    const auto deadline = Clock::now() + timeout;
    std::vector<PcscEvent> events;
    if (context_ == 0) {
        // pcscd was away at the last wait: try again within this wait's budget.
        if (auto again = reestablish(timeout, cancel); !again) return std::unexpected(again.error());
        events.push_back({PcscEvent::Kind::service_restarted, {}, {}});
        logger()->info("PC/SC context re-established");
    }
    if (!primed_) {
        if (auto listed = refreshReaders(events); !listed) return std::unexpected(listed.error());
        primed_ = true;
    }
    for (;;) {
        {
            std::lock_guard lock(mutex_);
            if (interrupted_) {
                interrupted_ = false;
                return fail(Errc::cancelled, "PC/SC wait interrupted");
            }
        }
        if (cancel.cancelled()) return fail(Errc::cancelled, "PC/SC wait cancelled");

        std::vector<SCARD_READERSTATE> states(readers_.size() + 1);
        for (size_t i = 0; i < readers_.size(); ++i) {
            states[i].szReader = readers_[i].name.c_str();
            states[i].dwCurrentState = readers_[i].eventState & ~static_cast<DWORD>(SCARD_STATE_CHANGED);
        }
        states.back().szReader = kPnpReader;
        states.back().dwCurrentState = pnpState_ & ~static_cast<DWORD>(SCARD_STATE_CHANGED);

        const auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        const auto slice = std::clamp(remaining, std::chrono::milliseconds(0), kWaitSlice);
        const LONG rv = SCardGetStatusChange(context_, static_cast<DWORD>(slice.count()), states.data(),
                                             static_cast<DWORD>(states.size()));
        if (rv == SCARD_E_TIMEOUT) {
            if (!events.empty() || Clock::now() >= deadline) return events;
            continue;
        }
        if (rv == SCARD_E_CANCELLED) continue;  // interrupt() or a foreign cancel: checked at the top
        if (serviceGone(rv)) {
            // pcscd stopped or restarted: every card we knew is gone; get a new context.
            logger()->warn("pcscd went away ({}); re-establishing the context", pcscErrorName(rv));
            for (const auto& reader : readers_) {
                if (reader.present) events.push_back({PcscEvent::Kind::card_removed, reader.name, {}});
            }
            readers_.clear();
            pnpState_ = SCARD_STATE_UNAWARE;
            const auto left = std::max(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()),
                                       std::chrono::milliseconds(0));
            if (auto again = reestablish(left, cancel); !again) {
                if (again.error().code == Errc::cancelled) return std::unexpected(again.error());
                // Still down: report what we know; the caller keeps waiting with a fresh call.
                primed_ = false;
                if (!events.empty()) return events;
                return std::unexpected(again.error());
            }
            events.push_back({PcscEvent::Kind::service_restarted, {}, {}});
            logger()->info("PC/SC context re-established");
            if (auto listed = refreshReaders(events); !listed) return std::unexpected(listed.error());
            continue;
        }
        if (rv != SCARD_S_SUCCESS) return std::unexpected(pcscError(rv, "SCardGetStatusChange"));

        bool readersChanged = false;
        for (size_t i = 0; i < readers_.size(); ++i) {
            const DWORD now = states[i].dwEventState;
            if (!(now & SCARD_STATE_CHANGED)) continue;
            ReaderState& reader = readers_[i];
            if (now & (SCARD_STATE_UNKNOWN | SCARD_STATE_IGNORE)) {
                readersChanged = true;  // the reader left; refreshReaders reports it
                continue;
            }
            // PRESENT: a card is in the field (MUTE: it did not answer reset; still "a card").
            const bool present = (now & SCARD_STATE_PRESENT) != 0;
            const bool counterMoved = reader.eventState != SCARD_STATE_UNAWARE &&
                                      eventCounter(now) != eventCounter(reader.eventState);
            if (reader.present && present && counterMoved) {
                // Pulled and re-inserted between two polls: report both.
                events.push_back({PcscEvent::Kind::card_removed, reader.name, {}});
            }
            if (reader.present && !present) events.push_back({PcscEvent::Kind::card_removed, reader.name, {}});
            if (present && (!reader.present || counterMoved)) {
                PcscEvent inserted{PcscEvent::Kind::card_inserted, reader.name, {}};
                inserted.atr.assign(states[i].rgbAtr, states[i].rgbAtr + std::min<DWORD>(states[i].cbAtr, MAX_ATR_SIZE));
                events.push_back(std::move(inserted));
            }
            reader.present = present;
            reader.eventState = now;
        }
        if (states.back().dwEventState & SCARD_STATE_CHANGED) {
            pnpState_ = states.back().dwEventState;
            readersChanged = true;
        }
        if (readersChanged) {
            if (auto listed = refreshReaders(events); !listed) return std::unexpected(listed.error());
        }
        if (!events.empty()) return events;
        if (Clock::now() >= deadline) return events;
    }
}

// ---------------------------------------------------------------- card

Result<std::unique_ptr<PcscCard>> PcscCard::connect(PcscContext& context, const std::string& reader) {
    SCARDHANDLE card = 0;
    DWORD protocol = 0;
    LONG rv = SCardConnect(context.handle(), reader.c_str(), SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                           &card, &protocol);
    if (rv != SCARD_S_SUCCESS) return std::unexpected(pcscError(rv, "SCardConnect"));
    std::array<uint8_t, MAX_ATR_SIZE> atr{};
    DWORD atrLength = atr.size();
    DWORD state = 0;
    DWORD readerLength = 0;
    rv = SCardStatus(card, nullptr, &readerLength, &state, &protocol, atr.data(), &atrLength);
    if (rv != SCARD_S_SUCCESS) {
        SCardDisconnect(card, SCARD_LEAVE_CARD);
        return std::unexpected(pcscError(rv, "SCardStatus"));
    }
    return std::unique_ptr<PcscCard>(
        new PcscCard(context.handle(), reader, card, protocol, std::vector<uint8_t>(atr.begin(), atr.begin() + atrLength)));
}

PcscCard::~PcscCard() { SCardDisconnect(card_, SCARD_LEAVE_CARD); }

Result<ApduResponse> PcscCard::exchangeOnce(std::span<const uint8_t> command) {
    const SCARD_IO_REQUEST* pci = protocol_ == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
    // Short APDUs only (<= 256 data bytes + SW): a receive buffer sized for extended APDUs
    // makes pcsc-lite take its slow path and more than doubles the cost of every exchange.
    std::array<uint8_t, MAX_BUFFER_SIZE> buffer;
    DWORD length = buffer.size();
    ++stats_.exchanges;
    const LONG rv = SCardTransmit(card_, pci, command.data(), static_cast<DWORD>(command.size()), nullptr, buffer.data(),
                                  &length);
    if (rv != SCARD_S_SUCCESS) {
        // A transmit that fails with a card gone reads as "pulled" to the patient, whatever code
        // the IFD handler chose (vpcd answers a vanished card with SCARD_E_NOT_TRANSACTED).
        if (cardWentAway()) {
            return std::unexpected(Error(Errc::device_not_ready,
                                         fmt::format("SCardTransmit: {} (card removed)", pcscErrorName(rv)), "card.pulled"));
        }
        return std::unexpected(pcscError(rv, "SCardTransmit"));
    }
    // vpcd (and some readers) hand back an empty answer when the card vanished mid-command.
    if (length < 2 && cardWentAway()) {
        return fail(Errc::device_not_ready, fmt::format("card answered {} bytes and left the reader", length),
                    "card.pulled");
    }
    return parseApduResponse(std::span<const uint8_t>(buffer.data(), length));
}

Result<std::vector<uint8_t>> PcscCard::transmitRaw(std::span<const uint8_t> command) {
    auto response = exchangeOnce(command);
    if (!response) return std::unexpected(response.error());
    std::vector<uint8_t> raw = std::move(response->data);
    raw.push_back(response->sw1);
    raw.push_back(response->sw2);
    return raw;
}

Result<void> PcscCard::reset() {
    DWORD protocol = 0;
    const LONG rv = SCardReconnect(card_, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, SCARD_RESET_CARD,
                                   &protocol);
    if (rv != SCARD_S_SUCCESS) return std::unexpected(pcscError(rv, "SCardReconnect"));
    protocol_ = protocol;
    return {};
}

bool PcscCard::cardWentAway() {
    DWORD state = 0;
    DWORD protocol = 0;
    DWORD readerLength = 0;
    DWORD atrLength = 0;
    const LONG status = SCardStatus(card_, nullptr, &readerLength, &state, &protocol, nullptr, &atrLength);
    if (status == SCARD_W_REMOVED_CARD || status == SCARD_E_NO_SMARTCARD) return true;
    if (status == SCARD_S_SUCCESS && (state & SCARD_ABSENT)) return true;
    // Not known yet: wait up to kRemovalNotice for the reader to report an empty slot.
    SCARD_READERSTATE reader{};
    reader.szReader = reader_.c_str();
    reader.dwCurrentState = SCARD_STATE_PRESENT;
    const auto until = Clock::now() + kRemovalNotice;
    while (Clock::now() < until) {
        const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
        const LONG rv = SCardGetStatusChange(context_, static_cast<DWORD>(std::max<int64_t>(wait.count(), 1)), &reader, 1);
        if (rv != SCARD_S_SUCCESS) return false;
        if (reader.dwEventState & SCARD_STATE_EMPTY) return true;
        reader.dwCurrentState = reader.dwEventState & ~static_cast<DWORD>(SCARD_STATE_CHANGED);
    }
    return false;
}

Result<ApduResponse> PcscCard::transmit(std::span<const uint8_t> command, Clock::time_point deadline,
                                        const CancelToken& cancel) {
    auto exchange = [&](std::span<const uint8_t> apdu) -> Result<ApduResponse> {
        if (cancel.cancelled()) return fail(Errc::cancelled, "APDU exchange cancelled");
        if (Clock::now() > deadline) return fail(Errc::timeout, "card read took longer than its deadline", "card.unreadable");
        return exchangeOnce(apdu);
    };
    auto response = exchange(command);
    if (!response) return response;
    // 6C xx: wrong Le; the card tells the right one. Re-issue once with Le = xx (a case-1/3
    // command gets Le appended, a case-2/4 command has its last byte replaced).
    if (response->sw1 == 0x6C && command.size() >= 4) {
        std::vector<uint8_t> again(command.begin(), command.end());
        if (again.size() == 4 || (again.size() > 5 && again.size() == 5u + again[4])) {
            again.push_back(response->sw2);
        } else {
            again.back() = response->sw2;
        }
        ++stats_.reissues;
        response = exchange(again);
        if (!response) return response;
    }
    // 61 xx: xx more bytes waiting (00 = 256). T=0 cards say it for every case-4 command; some
    // T=1 cards chain long records the same way. GET RESPONSE = 00 C0 00 00 xx, repeated.
    ApduResponse combined = std::move(*response);
    for (int round = 0; combined.sw1 == 0x61; ++round) {
        if (round == kMaxGetResponses) {
            return fail(Errc::invalid_data, fmt::format("card kept answering 61 xx after {} GET RESPONSE", round),
                        "card.unreadable");
        }
        const std::array<uint8_t, 5> getResponse = {static_cast<uint8_t>(command[0] & 0x03), 0xC0, 0x00, 0x00,
                                                    combined.sw2};
        ++stats_.getResponses;
        auto more = exchange(getResponse);
        if (!more) return more;
        combined.data.insert(combined.data.end(), more->data.begin(), more->data.end());
        combined.sw1 = more->sw1;
        combined.sw2 = more->sw2;
    }
    return combined;
}

}  // namespace kiosk::drivers::transport
