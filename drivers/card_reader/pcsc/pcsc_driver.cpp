#include "drivers/card_reader/pcsc/pcsc_driver.hpp"

#include <fmt/format.h>

#include "kiosk/core/log.hpp"

namespace kiosk::drivers::pcsc {

namespace {

using namespace std::chrono_literals;
using transport::PcscEvent;

std::shared_ptr<spdlog::logger> logger() { return log::module("card"); }

DeviceState makeState(DeviceStatus status, MediaState media, std::string detail = {}) {
    return DeviceState{.status = status, .media = media, .paper = PaperState::unknown, .coverOpen = false,
                       .detail = std::move(detail)};
}

// How long one monitor wait lasts before the thread looks at its stop token again (stop() also
// interrupts the wait at once; this is only the fallback).
constexpr auto kMonitorWait = 1000ms;
// How long to wait for pcscd at start and after it went away, per attempt.
constexpr auto kServiceWait = 2000ms;

}  // namespace

PcscCardReader::PcscCardReader(std::string name, PcscReaderSettings settings)
    : name_(std::move(name)), settings_(std::move(settings)) {
    state_ = makeState(DeviceStatus::starting, MediaState::unknown);
}

PcscCardReader::~PcscCardReader() { stop(); }

DeviceState PcscCardReader::state() const {
    std::lock_guard lock(mutex_);
    return state_;
}

void PcscCardReader::setState(DeviceState state) {
    DeviceEventSink sink;
    {
        std::lock_guard lock(mutex_);
        if (state_ == state) return;
        state_ = state;
        sink = sink_;
    }
    if (sink) sink(StatusChanged{name_, std::move(state)});
}

void PcscCardReader::post(DeviceEvent event) {
    DeviceEventSink sink;
    {
        std::lock_guard lock(mutex_);
        sink = sink_;
    }
    if (sink) sink(std::move(event));
}

bool PcscCardReader::ours(const std::string& reader) const {
    return settings_.reader.empty() || reader.find(settings_.reader) != std::string::npos;
}

Result<void> PcscCardReader::start(DeviceEventSink sink) {
    std::lock_guard lock(mutex_);
    sink_ = std::move(sink);
    if (monitor_.joinable()) return {};
    cancel_ = CancelToken{};
    monitor_ = std::jthread([this](std::stop_token stop) { run(stop); });
    return {};
}

void PcscCardReader::stop() {
    std::jthread monitor;
    {
        std::lock_guard lock(mutex_);
        if (!monitor_.joinable()) {
            sink_ = nullptr;
            return;
        }
        monitor_.request_stop();
        cancel_.cancel();
        if (context_) context_->interrupt();
        monitor = std::move(monitor_);
    }
    monitor.join();
    std::lock_guard lock(mutex_);
    sink_ = nullptr;
}

CardReadOutcome PcscCardReader::readCardIn(transport::PcscContext& context, const std::string& reader,
                                           const CancelToken& cancel) {
    const auto deadline = std::chrono::steady_clock::now() + settings_.readTimeout;
    // PRESENT was seen before we get here (harness.md §1: connecting earlier fails with
    // SCARD_E_NO_SMARTCARD). A card still settling may refuse once more: retry briefly.
    Result<std::unique_ptr<transport::PcscCard>> card = fail(Errc::internal, "not connected");
    for (int attempt = 0; attempt < 5; ++attempt) {
        card = transport::PcscCard::connect(context, reader);
        if (card || card.error().messageKey != "card.pulled" || cancel.cancelled()) break;
        if (!context.cardPresent(reader)) break;
        std::this_thread::sleep_for(50ms);
    }
    if (!card) {
        CardReadOutcome outcome;
        outcome.problem = card.error();
        return outcome;
    }
    const std::vector<uint8_t> atr = (*card)->atr();
    FunctionChannel channel([&](std::span<const uint8_t> command) { return (*card)->transmit(command, deadline, cancel); });
    CardReadOutcome outcome = readCard(channel, atr, settings_.profile);
    // An exchange that failed while the card is still there (not pulled, not cancelled): the
    // connection went stale — a card swapped faster than the reader reported it, or a reader
    // that lost the card's state. Reset the card and read once more.
    if (!outcome.ok() && outcome.transportFailed && outcome.problem->messageKey != "card.pulled" &&
        outcome.problem->code != Errc::cancelled && outcome.problem->code != Errc::timeout) {
        logger()->warn("device {}: {}; resetting the card and reading again", name_, outcome.problem->detail);
        if (auto reset = (*card)->reset(); reset) {
            outcome = readCard(channel, (*card)->atr(), settings_.profile);
        } else {
            logger()->warn("device {}: {}", name_, reset.error().detail);
        }
    }
    return outcome;
}

void PcscCardReader::run(std::stop_token stop) {
    CancelToken cancel;
    {
        std::lock_guard lock(mutex_);
        cancel = cancel_;
    }
    std::unique_ptr<transport::PcscContext> context;
    std::string cardReader;  // the reader whose card we reported
    while (!stop.stop_requested()) {
        if (!context) {
            auto established = transport::PcscContext::establish(kServiceWait, cancel);
            if (!established) {
                if (established.error().code == Errc::cancelled) break;
                setState(makeState(DeviceStatus::offline, MediaState::unknown, "pcscd not answering"));
                logger()->warn("device {}: {}", name_, established.error().detail);
                continue;
            }
            context = std::move(*established);
            {
                std::lock_guard lock(mutex_);
                context_ = context.get();
            }
            if (stop.stop_requested()) break;
            // Say at once whether our reader is there (the first wait may last a while).
            auto readers = context->listReaders();
            const bool found = readers && std::any_of(readers->begin(), readers->end(), [&](const auto& r) { return ours(r); });
            setState(found ? makeState(DeviceStatus::online, MediaState::absent)
                           : makeState(DeviceStatus::no_device, MediaState::unknown, "no matching PC/SC reader"));
        }
        auto events = context->waitForEvents(kMonitorWait, cancel);
        if (!events) {
            if (events.error().code == Errc::cancelled) break;
            setState(makeState(DeviceStatus::offline, MediaState::unknown, "pcscd not answering"));
            logger()->warn("device {}: {}", name_, events.error().detail);
            // Keep the context object; its next wait retries establishing the service.
            continue;
        }
        if (events->empty()) {
            auto readers = context->listReaders();
            const bool found = readers && std::any_of(readers->begin(), readers->end(), [&](const auto& r) { return ours(r); });
            if (!found) {
                setState(makeState(DeviceStatus::no_device, MediaState::unknown, "no matching PC/SC reader"));
            } else if (state().status != DeviceStatus::online) {
                setState(makeState(DeviceStatus::online, cardReader.empty() ? MediaState::absent : MediaState::present));
            }
            continue;
        }
        for (const PcscEvent& event : *events) {
            logger()->debug("device {}: {} {}", name_, transport::pcscEventName(event.kind), event.reader);
            switch (event.kind) {
                case PcscEvent::Kind::service_restarted:
                    logger()->info("device {}: pcscd came back", name_);
                    break;
                case PcscEvent::Kind::reader_added:
                case PcscEvent::Kind::reader_removed:
                    break;
                case PcscEvent::Kind::card_removed:
                    if (event.reader == cardReader) {
                        cardReader.clear();
                        setState(makeState(DeviceStatus::online, MediaState::absent));
                        post(CardRemoved{name_});
                    }
                    break;
                case PcscEvent::Kind::card_inserted: {
                    if (!ours(event.reader) || !cardReader.empty()) break;
                    cardReader = event.reader;
                    setState(makeState(DeviceStatus::busy, MediaState::present, "reading card"));
                    const auto started = std::chrono::steady_clock::now();
                    CardReadOutcome outcome = readCardIn(*context, event.reader, cancel);
                    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started);
                    setState(makeState(DeviceStatus::online, MediaState::present));
                    if (outcome.ok()) {
                        logger()->info("device {}: card read in {} ms ({})", name_, took.count(), outcome.identity.masked());
                        post(CardInserted{name_, std::move(outcome.identity), std::move(outcome.statusWords)});
                    } else {
                        logger()->warn("device {}: card read failed after {} ms: {} [{}]", name_, took.count(),
                                       outcome.problem->detail, outcome.problem->messageKey);
                        post(CardReadFailed{name_, std::move(*outcome.problem), std::move(outcome.identity),
                                            std::move(outcome.statusWords)});
                    }
                    break;
                }
            }
        }
        if (cardReader.empty() || context->cardPresent(cardReader)) {
            setState(makeState(DeviceStatus::online, cardReader.empty() ? MediaState::absent : MediaState::present));
        }
    }
    std::lock_guard lock(mutex_);
    context_ = nullptr;
}

Result<std::string> PcscCardReader::selfTest(std::chrono::milliseconds timeout, const CancelToken& cancel) {
    auto context = transport::PcscContext::establish(timeout, cancel);
    if (!context) return std::unexpected(context.error());
    auto readers = (*context)->listReaders();
    if (!readers) return std::unexpected(readers.error());
    std::string matching;
    for (const auto& reader : *readers) {
        if (ours(reader)) matching += (matching.empty() ? "" : ", ") + reader;
    }
    if (matching.empty()) {
        return fail(Errc::device_not_ready, fmt::format("pcscd answers but no reader matches \"{}\" ({} readers)",
                                                        settings_.reader, readers->size()));
    }
    return "pcscd answers; readers: " + matching;
}

Result<std::unique_ptr<Device>> createPcscCardReader(const DeviceConfig& config, ConfigSection& settings,
                                                     const DriverContext&) {
    PcscReaderSettings readerSettings;
    readerSettings.reader = settings.string("reader", "");
    readerSettings.profile = settings.string("profile", "");
    if (!readerSettings.profile.empty() && !findCardProfile(readerSettings.profile)) {
        std::string known;
        for (const auto& profile : cardProfiles()) known += (known.empty() ? "" : ", ") + std::string(profile.name);
        settings.problem("profile", fmt::format("unknown card profile \"{}\" (known: {})", readerSettings.profile, known));
    }
    readerSettings.readTimeout = std::chrono::milliseconds(settings.integer("read_timeout_ms", 5000, 100, 60000));
    return std::make_unique<PcscCardReader>(config.name, std::move(readerSettings));
}

}  // namespace kiosk::drivers::pcsc
