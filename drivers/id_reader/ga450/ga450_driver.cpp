#include "drivers/id_reader/ga450/ga450_driver.hpp"

#include <fmt/format.h>

#include "kiosk/core/log.hpp"

namespace kiosk::drivers::ga450 {

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::shared_ptr<spdlog::logger> logger() { return log::module("idcard"); }

DeviceState makeState(DeviceStatus status, MediaState media, std::string detail = {}) {
    return DeviceState{.status = status, .media = media, .paper = PaperState::unknown, .coverOpen = false,
                       .detail = std::move(detail)};
}

/// Sleeps up to `duration`, returning early (false) when cancelled.
bool pause(std::chrono::milliseconds duration, const CancelToken& cancel) {
    const auto until = Clock::now() + duration;
    while (Clock::now() < until) {
        if (cancel.cancelled()) return false;
        std::this_thread::sleep_for(std::min<Clock::duration>(20ms, until - Clock::now()));
    }
    return !cancel.cancelled();
}

std::chrono::milliseconds left(Clock::time_point deadline) {
    return std::max(0ms, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
}

// Line noise before a preamble that we skip before giving up on an answer.
constexpr size_t kMaxNoiseBytes = 64;

}  // namespace

const std::vector<IdReaderModel>& idReaderModels() {
    static const std::vector<IdReaderModel> models = {
        {"usb_serial_115200", 115200, 'N', 8, 1, "desktop readers with a USB-serial bridge (most current models)"},
        {"rs232_9600", 9600, 'N', 8, 1, "older readers on a DB9 RS-232 port"},
        {"rs232_57600", 57600, 'N', 8, 1, "kiosk-module readers wired to an internal COM port"},
    };
    return models;
}

Result<ReaderFrame> exchange(transport::SerialPort& port, Command command, std::chrono::milliseconds timeout,
                             const CancelToken& cancel) {
    const auto deadline = Clock::now() + timeout;
    port.flushInput();
    const auto frame = encodeCommand(command);
    if (auto written = port.write(frame, timeout, cancel); !written) return std::unexpected(written.error());
    // Hunt the preamble byte by byte: a reader may emit noise after power-up or a previous error.
    std::vector<uint8_t> header;
    size_t skipped = 0;
    while (header.size() < kPreamble.size()) {
        auto byte = port.readExactly(1, left(deadline), cancel);
        if (!byte) {
            Error error = byte.error();
            if (error.code == Errc::timeout) {
                error.detail = fmt::format("reader did not answer {:02X} {:02X} within {} ms", command.cmd, command.para,
                                           timeout.count());
                error.messageKey = "card.reader_silent";
            }
            return std::unexpected(error);
        }
        header.push_back((*byte)[0]);
        if (!std::equal(header.begin(), header.end(), kPreamble.begin())) {
            header.erase(header.begin());
            while (!header.empty() && !std::equal(header.begin(), header.end(), kPreamble.begin())) header.erase(header.begin());
            if (++skipped > kMaxNoiseBytes) {
                return fail(Errc::invalid_data, fmt::format("no frame preamble in {} bytes from the reader", skipped),
                            "card.unreadable");
            }
        }
    }
    auto length = port.readExactly(2, left(deadline), cancel);
    if (!length) return std::unexpected(length.error());
    header.insert(header.end(), length->begin(), length->end());
    auto bodyLength = frameBodyLength(header);
    if (!bodyLength) return std::unexpected(bodyLength.error());
    auto body = port.readExactly(*bodyLength, left(deadline), cancel);
    if (!body) return std::unexpected(body.error());
    header.insert(header.end(), body->begin(), body->end());
    return parseReaderFrame(header);
}

Ga450IdReader::Ga450IdReader(std::string name, Ga450Settings settings)
    : name_(std::move(name)), settings_(std::move(settings)) {
    state_ = makeState(DeviceStatus::starting, MediaState::unknown);
}

Ga450IdReader::~Ga450IdReader() { stop(); }

DeviceState Ga450IdReader::state() const {
    std::lock_guard lock(mutex_);
    return state_;
}

void Ga450IdReader::setState(DeviceState state) {
    DeviceEventSink sink;
    {
        std::lock_guard lock(mutex_);
        if (state_ == state) return;
        state_ = state;
        sink = sink_;
    }
    logger()->info("device {}: {} {}", name_, deviceStatusName(state.status), state.detail);
    if (sink) sink(StatusChanged{name_, std::move(state)});
}

void Ga450IdReader::post(DeviceEvent event) {
    DeviceEventSink sink;
    {
        std::lock_guard lock(mutex_);
        sink = sink_;
    }
    if (sink) sink(std::move(event));
}

Result<void> Ga450IdReader::start(DeviceEventSink sink) {
    std::lock_guard lock(mutex_);
    sink_ = std::move(sink);
    if (poller_.joinable()) return {};
    cancel_ = CancelToken{};
    poller_ = std::jthread([this, cancel = cancel_](std::stop_token stop) { run(stop, cancel); });
    return {};
}

void Ga450IdReader::stop() {
    std::jthread poller;
    {
        std::lock_guard lock(mutex_);
        cancel_.cancel();
        poller = std::move(poller_);
    }
    if (poller.joinable()) poller.join();
    std::lock_guard lock(mutex_);
    sink_ = nullptr;
}

void Ga450IdReader::run(std::stop_token stop, CancelToken cancel) {
    std::unique_ptr<transport::SerialPort> port;
    bool cardPresent = false;
    const auto timeout = settings_.answerTimeout;
    while (!stop.stop_requested() && !cancel.cancelled()) {
        if (!port) {
            auto opened = transport::SerialPort::open(settings_.serial);
            if (!opened) {
                setState(makeState(DeviceStatus::no_device, MediaState::unknown, "serial port not available"));
                logger()->warn("device {}: {}", name_, opened.error().detail);
                if (!pause(std::max(settings_.pollInterval, 1000ms), cancel)) break;
                continue;
            }
            port = std::move(*opened);
        }
        auto found = exchange(*port, kFindCard, timeout, cancel);
        if (!found) {
            const Error& error = found.error();
            if (error.code == Errc::cancelled) break;
            if (error.code == Errc::timeout) {
                setState(makeState(DeviceStatus::offline, MediaState::unknown, "reader not answering"));
            } else if (error.code == Errc::device_not_ready) {
                setState(makeState(DeviceStatus::no_device, MediaState::unknown, "reader unplugged"));
                port.reset();
            } else {
                logger()->warn("device {}: find card: {}", name_, error.detail);
            }
            if (!pause(settings_.pollInterval, cancel)) break;
            continue;
        }
        if (found->sw3 == kStatusNoCard) {
            if (cardPresent) {
                cardPresent = false;
                if (settings_.removalEvents) post(CardRemoved{name_});
            }
            setState(makeState(DeviceStatus::online, MediaState::absent));
        } else if (found->sw3 == kStatusCardFound && !cardPresent) {
            cardPresent = true;  // one read per placement, success or not
            setState(makeState(DeviceStatus::busy, MediaState::present, "reading card"));
            std::vector<std::string> statusWords = {found->swText()};
            const auto started = Clock::now();
            // A failed read names its source: the ID-card reader's card (the type, once the text
            // told it), never the default of an empty identity.
            PatientIdentity partial;
            partial.source = IdentitySource::id_card;
            auto fault = [&](Error error) {
                logger()->warn("device {}: ID card read failed: {} [{}]", name_, error.detail, error.messageKey);
                post(CardReadFailed{name_, std::move(error), partial, statusWords});
            };
            auto selected = exchange(*port, kSelectCard, timeout, cancel);
            if (selected) statusWords.push_back(selected->swText());
            if (!selected) {
                if (selected.error().code == Errc::cancelled) break;
                fault(selected.error());
            } else if (selected->sw3 != kStatusOk) {
                fault(Error(Errc::invalid_data, "select card answered " + statusMeaning(selected->sw3), "card.unreadable"));
            } else {
                auto read = exchange(*port, kReadText, timeout, cancel);
                if (!read && read.error().code == Errc::invalid_data) {
                    // One retry: a corrupt frame on a long answer is usually line noise.
                    logger()->warn("device {}: read text: {}; retrying once", name_, read.error().detail);
                    read = exchange(*port, kReadText, timeout, cancel);
                }
                if (read) statusWords.push_back(read->swText());
                if (!read) {
                    if (read.error().code == Errc::cancelled) break;
                    fault(read.error());
                } else if (read->sw3 != kStatusOk) {
                    fault(Error(Errc::invalid_data, "read text answered " + statusMeaning(read->sw3), "card.unreadable"));
                } else if (auto text = parseReadAnswer(read->data); !text) {
                    fault(text.error());
                } else {
                    partial.source = identitySourceOf(text->type);
                    if (auto identity = toIdentity(*text); !identity) {
                        fault(identity.error());
                    } else {
                        const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
                        logger()->info("device {}: {} read in {} ms ({})", name_, idCardTypeName(text->type), took.count(),
                                       identity->masked());
                        post(CardInserted{name_, std::move(*identity), statusWords});
                    }
                }
            }
            setState(makeState(DeviceStatus::online, MediaState::present));
        } else if (found->sw3 != kStatusCardFound) {
            logger()->warn("device {}: find card answered {}", name_, statusMeaning(found->sw3));
            setState(makeState(DeviceStatus::online, cardPresent ? MediaState::present : MediaState::absent));
        }
        if (!pause(settings_.pollInterval, cancel)) break;
    }
}

Result<std::string> Ga450IdReader::selfTest(std::chrono::milliseconds timeout, const CancelToken& cancel) {
    auto port = transport::SerialPort::open(settings_.serial);
    if (!port) return std::unexpected(port.error());
    auto status = exchange(**port, kSamStatus, timeout, cancel);
    if (!status) return std::unexpected(status.error());
    if (status->sw3 != kStatusOk) {
        // A SAM that reports trouble is reset once (10 FF) and asked again.
        auto reset = exchange(**port, kResetSam, timeout, cancel);
        if (!reset) return std::unexpected(reset.error());
        status = exchange(**port, kSamStatus, timeout, cancel);
        if (!status) return std::unexpected(status.error());
        if (status->sw3 != kStatusOk) {
            return fail(Errc::hardware_error, "SAM status after reset: " + statusMeaning(status->sw3));
        }
    }
    return fmt::format("SAM answers {} on {} ({})", status->swText(), settings_.serial.path, settings_.model);
}

Result<std::unique_ptr<Device>> createGa450IdReader(const DeviceConfig& config, ConfigSection& settings,
                                                    const DriverContext&) {
    Ga450Settings readerSettings;
    // Relative paths are resolved against the config file's folder (tests link a pty there).
    const std::filesystem::path portPath = settings.path("port", "");
    const std::optional<std::string> port =
        portPath.empty() ? std::nullopt : std::optional<std::string>(portPath.string());
    if (!port) settings.problem("port", "required: the serial device of the reader (/dev/ttyUSB0, /dev/serial/by-id/…)");
    std::vector<std::string_view> names;
    for (const auto& model : idReaderModels()) names.push_back(model.name);
    readerSettings.model = settings.string("model", idReaderModels().front().name);
    const IdReaderModel* model = nullptr;
    for (const auto& candidate : idReaderModels()) {
        if (candidate.name == readerSettings.model) model = &candidate;
    }
    if (!model) {
        std::string known;
        for (auto name : names) known += (known.empty() ? "" : ", ") + std::string(name);
        settings.problem("model", fmt::format("unknown ID reader model \"{}\" (known: {})", readerSettings.model, known));
        model = &idReaderModels().front();
    }
    readerSettings.serial = transport::SerialSettings{.path = port.value_or(""), .baud = model->baud,
                                                      .dataBits = model->dataBits, .parity = model->parity,
                                                      .stopBits = model->stopBits, .hardwareFlowControl = false};
    readerSettings.pollInterval = std::chrono::milliseconds(settings.integer("poll_interval_ms", 300, 20, 10000));
    readerSettings.answerTimeout = std::chrono::milliseconds(settings.integer("answer_timeout_ms", 1000, 50, 10000));
    readerSettings.removalEvents = settings.boolean("removal_events", true);
    if (!port) return fail(Errc::invalid_config, "ga450: the key 'port' is required");
    return std::make_unique<Ga450IdReader>(config.name, std::move(readerSettings));
}

}  // namespace kiosk::drivers::ga450
