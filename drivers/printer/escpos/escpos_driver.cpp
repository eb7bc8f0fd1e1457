#include "drivers/printer/escpos/escpos_driver.hpp"

#include <fmt/format.h>

#include "drivers/transport/file_sink.hpp"
#include "drivers/transport/tcp.hpp"
#include "kiosk/core/log.hpp"

namespace kiosk::drivers::escpos {

namespace {

constexpr size_t kJobChunk = 1024;

/// The existing serial port as a ByteStream (serial.hpp stays as it is).
class SerialByteStream final : public transport::ByteStream {
public:
    explicit SerialByteStream(std::unique_ptr<transport::SerialPort> port) : port_(std::move(port)) {}
    Result<void> write(std::span<const uint8_t> bytes, std::chrono::milliseconds timeout, const CancelToken& cancel) override {
        return port_->write(bytes, timeout, cancel);
    }
    Result<size_t> readSome(std::span<uint8_t> buffer, std::chrono::milliseconds timeout, const CancelToken& cancel) override {
        return port_->readSome(buffer, timeout, cancel);
    }
    void flushInput() override { port_->flushInput(); }
    std::string describe() const override { return "serial " + port_->settings().path; }

private:
    std::unique_ptr<transport::SerialPort> port_;
};

CompletionCode codeFor(const DeviceState& state) {
    if (state.status == DeviceStatus::hardware_error) return CompletionCode::hardware_error;
    if (state.status == DeviceStatus::user_error || state.paper == PaperState::out || state.coverOpen)
        return CompletionCode::user_error;
    return CompletionCode::device_not_ready;
}

CompletionCode codeFor(const Error& error) {
    switch (error.code) {
        case Errc::timeout: return CompletionCode::timeout;
        case Errc::cancelled: return CompletionCode::cancelled;
        case Errc::hardware_error: return CompletionCode::hardware_error;
        case Errc::invalid_data: return CompletionCode::hardware_error;
        default: return CompletionCode::device_not_ready;
    }
}

}  // namespace

EscposPrinter::EscposPrinter(std::string name, EscposSettings settings)
    : name_(std::move(name)), settings_(std::move(settings)) {
    state_.status = DeviceStatus::starting;
    state_.detail = "not queried yet";
}

EscposPrinter::~EscposPrinter() { stop(); }

Capabilities EscposPrinter::capabilities() const {
    Capabilities caps;
    caps.features = {"gb18030", "code128", "raster", "status"};
    if (settings_.model.cutter) caps.features.emplace_back("cutter");
    caps.features.emplace_back(settings_.model.nativeQr ? "qr_native" : "qr_raster");
    caps.features.push_back(fmt::format("paper_{}mm", settings_.model.paperWidthMm));
    return caps;
}

DeviceState EscposPrinter::state() const {
    std::lock_guard lock(mutex_);
    return state_;
}

void EscposPrinter::setState(DeviceState state) {
    DeviceEventSink sink;
    {
        std::lock_guard lock(mutex_);
        if (state == state_) return;
        state_ = state;
        sink = sink_;
    }
    log::module("printer")->info("{}: status {} paper {}{} ({})", name_, deviceStatusName(state.status),
                                 paperStateName(state.paper), state.coverOpen ? " cover open" : "", state.detail);
    if (sink) sink(StatusChanged{name_, std::move(state)});
}

Result<void> EscposPrinter::start(DeviceEventSink sink) {
    {
        std::lock_guard lock(mutex_);
        sink_ = std::move(sink);
    }
    if (settings_.transport == "usb" && !hotplug_) {
        auto monitor = transport::UsbHotplugMonitor::start(settings_.usb, [this](bool arrived) {
            if (arrived) {
                DeviceState state = this->state();
                state.status = DeviceStatus::starting;
                state.detail = "plugged in";
                setState(state);
            } else {
                // The link is not touched from this thread: the next job finds it gone and reopens.
                DeviceState state;
                state.status = DeviceStatus::no_device;
                state.detail = "unplugged";
                setState(state);
            }
        });
        if (monitor) hotplug_ = std::move(*monitor);
        else log::module("printer")->warn("{}: no USB hot-plug: {}", name_, monitor.error().detail);
    }
    return {};
}

void EscposPrinter::stop() {
    hotplug_.reset();
    std::lock_guard job(jobMutex_);
    link_.reset();
    std::lock_guard lock(mutex_);
    sink_ = nullptr;
}

Result<void> EscposPrinter::ensureOpen() {
    if (link_) return {};
    if (settings_.transport == "tcp") {
        auto stream = transport::TcpStream::connect(settings_.host, settings_.port, std::chrono::milliseconds(2000));
        if (!stream) return std::unexpected(stream.error());
        link_ = std::move(*stream);
    } else if (settings_.transport == "serial") {
        auto port = transport::SerialPort::open(settings_.serial);
        if (!port) return std::unexpected(port.error());
        link_ = std::make_unique<SerialByteStream>(std::move(*port));
    } else if (settings_.transport == "file") {
        auto sink = transport::FileSink::open(settings_.file);
        if (!sink) return std::unexpected(sink.error());
        link_ = std::move(*sink);
    } else {
        auto stream = transport::UsbPrinterStream::open(settings_.usb);
        if (!stream) return std::unexpected(stream.error());
        link_ = std::move(*stream);
    }
    log::module("printer")->info("{}: opened {}", name_, link_->describe());
    return {};
}

void EscposPrinter::dropLink(const Error& why) {
    link_.reset();
    DeviceState state;
    const bool unplugged = why.messageKey == "print.error.unplugged";
    state.status = unplugged ? DeviceStatus::no_device : DeviceStatus::offline;
    state.detail = unplugged ? "unplugged" : why.detail;
    setState(state);
}

Result<DeviceState> EscposPrinter::queryStatus(std::chrono::milliseconds timeout) {
    std::lock_guard job(jobMutex_);
    return queryStatusLocked(timeout, CancelToken{});
}

Result<DeviceState> EscposPrinter::queryStatusLocked(std::chrono::milliseconds timeout, const CancelToken& cancel) {
    if (auto opened = ensureOpen(); !opened) {
        dropLink(opened.error());
        return std::unexpected(opened.error());
    }
    if (!link_->canRead()) {
        DeviceState state;
        state.status = DeviceStatus::online;
        state.detail = "no status (" + link_->describe() + ")";
        setState(state);
        return state;
    }
    link_->flushInput();
    uint8_t answers[4] = {};
    const auto perQuery = std::min(timeout, settings_.statusTimeout);
    for (int n = 1; n <= 4; ++n) {
        if (auto sent = link_->write(statusRequest(n), perQuery, cancel); !sent) {
            dropLink(sent.error());
            return std::unexpected(sent.error());
        }
        // Skip bytes that are not status answers (e.g. a late answer to an earlier job's data).
        const auto deadline = std::chrono::steady_clock::now() + perQuery;
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            uint8_t byte = 0;
            auto got = link_->readSome(std::span<uint8_t>(&byte, 1), std::max(left, std::chrono::milliseconds(1)), cancel);
            if (!got) {
                if (got.error().code == Errc::timeout) {
                    DeviceState state;
                    state.status = DeviceStatus::offline;
                    state.detail = "no status answer";
                    setState(state);
                    return fail(Errc::timeout, fmt::format("{}: no answer to DLE EOT {} within {} ms on {}", name_, n,
                                                           perQuery.count(), link_->describe()),
                                "print.error.no_answer");
                }
                if (got.error().code != Errc::cancelled) dropLink(got.error());
                return std::unexpected(got.error());
            }
            if (isStatusByte(byte)) {
                answers[n - 1] = byte;
                break;
            }
            log::module("printer")->warn("{}: ignored non-status byte 0x{:02x} after DLE EOT {}", name_, byte, n);
        }
    }
    auto parsed = parseStatus(answers[0], answers[1], answers[2], answers[3]);
    if (!parsed) return std::unexpected(parsed.error());
    DeviceState state = toDeviceState(*parsed);
    setState(state);
    return state;
}

Result<std::string> EscposPrinter::selfTest(std::chrono::milliseconds timeout, const CancelToken& cancel) {
    std::lock_guard job(jobMutex_);
    auto state = queryStatusLocked(timeout, cancel);
    if (!state) return std::unexpected(state.error());
    return fmt::format("{} on {}: {} ({})", settings_.model.name, link_ ? link_->describe() : "-",
                       deviceStatusName(state->status), state->detail);
}

Result<PrintOutcome> EscposPrinter::print(const printing::Document& document, std::chrono::milliseconds timeout,
                                          const CancelToken& cancel) {
    auto encoded = encodeDocument(document, settings_.model);
    if (!encoded) return std::unexpected(encoded.error());
    for (const auto& warning : encoded->warnings) log::module("printer")->warn("{}: document {}: {}", name_, document.id, warning);

    std::lock_guard job(jobMutex_);
    PrintOutcome outcome;
    const auto started = std::chrono::steady_clock::now();
    auto before = queryStatusLocked(timeout, cancel);
    if (!before && before.error().code == Errc::device_not_ready && settings_.transport != "file") {
        // A stale link (printer restarted, TCP peer closed between jobs) is dropped by the failed
        // query; one fresh attempt costs nothing because no byte of the job was sent yet.
        log::module("printer")->info("{}: reconnecting before document {}: {}", name_, document.id, before.error().detail);
        before = queryStatusLocked(timeout, cancel);
    }
    outcome.before = before ? *before : state();
    if (!before) {
        outcome.code = codeFor(before.error());
        outcome.after = state();
        outcome.detail = "not printed: " + before.error().detail;
        outcome.messageKey = before.error().messageKey;
        log::module("printer")->warn("{}: document {} {}", name_, document.id, outcome.detail);
        return outcome;
    }
    if (!canPrint(*before)) {
        outcome.code = codeFor(*before);
        outcome.after = *before;
        outcome.detail = "not printed: printer " + before->detail;
        outcome.messageKey = patientMessageKey(*before);
        log::module("printer")->warn("{}: document {} {}", name_, document.id, outcome.detail);
        return outcome;
    }
    DeviceState busy = *before;
    busy.status = DeviceStatus::busy;
    busy.detail = "printing";
    setState(busy);

    const auto& bytes = encoded->bytes;
    while (outcome.bytesSent < bytes.size()) {
        const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
        const auto left = timeout - elapsed;
        if (left <= std::chrono::milliseconds(0)) {
            outcome.code = CompletionCode::timeout;
            outcome.detail = fmt::format("timed out after {} of {} bytes", outcome.bytesSent, bytes.size());
            outcome.messageKey = "print.error.no_answer";
            break;
        }
        const size_t chunk = std::min(kJobChunk, bytes.size() - outcome.bytesSent);
        auto sent = link_->write(std::span<const uint8_t>(bytes.data() + outcome.bytesSent, chunk), left, cancel);
        if (!sent) {
            outcome.code = codeFor(sent.error());
            outcome.detail = fmt::format("stopped after {} of {} bytes: {}", outcome.bytesSent, bytes.size(), sent.error().detail);
            outcome.messageKey = sent.error().messageKey.starts_with("print.") ? sent.error().messageKey : "print.error.offline";
            if (sent.error().code != Errc::cancelled && sent.error().code != Errc::timeout) dropLink(sent.error());
            break;
        }
        outcome.bytesSent += chunk;
    }

    // Status after the job, also after a failure (the printer may say why it stopped).
    if (link_) {
        auto after = queryStatusLocked(std::chrono::milliseconds(std::max<int64_t>(settings_.statusTimeout.count(), 200)), CancelToken{});
        outcome.after = after ? *after : state();
        if (outcome.code == CompletionCode::success) {
            if (!after) {
                outcome.code = codeFor(after.error());
                outcome.detail = "sent, but the printer did not confirm: " + after.error().detail;
                outcome.messageKey = after.error().messageKey;
            } else if (!canPrint(*after) && after->status != DeviceStatus::busy) {
                outcome.code = codeFor(*after);
                outcome.detail = "printer reported " + after->detail + " during the job";
                outcome.messageKey = patientMessageKey(*after);
            } else if (!link_->canRead()) {
                outcome.detail = "written to " + link_->describe() + "; no status available";
            } else {
                outcome.detail = after->paper == PaperState::low ? "printed; paper near end" : "printed";
            }
        } else if (after && !canPrint(*after)) {
            outcome.code = codeFor(*after);
            outcome.detail += "; printer reported " + after->detail;
            outcome.messageKey = patientMessageKey(*after);
        }
    } else {
        outcome.after = state();
    }
    if (outcome.code == CompletionCode::success && !link_) outcome.code = CompletionCode::device_not_ready;
    log::module("printer")->info("{}: document {} ({}) → {} — {} bytes — {}", name_, document.id, document.kind,
                                 completionCodeName(outcome.code), outcome.bytesSent, outcome.detail);
    return outcome;
}

Result<std::unique_ptr<Device>> createEscposPrinter(const DeviceConfig& device, ConfigSection& settings, const DriverContext& context) {
    EscposSettings parsed;
    const std::string modelName = settings.string("model", "generic-80");
    const EscposModel* model = findEscposModel(modelName);
    if (model == nullptr) {
        std::string known;
        for (const auto& row : escposModels()) known += (known.empty() ? "" : ", ") + std::string(row.name);
        settings.problem("model", "unknown ESC/POS model \"" + modelName + "\"; known: " + known);
    }
    // With an unknown model the other keys are still read (against the first model's defaults),
    // so that their problems are reported in the same run.
    parsed.model = model != nullptr ? *model : escposModels().front();
    // What the printer's Chinese font holds, when a site's printer differs from its model row
    // (a GB2312-only board, or one certified to GB 18030 with Extension A): escpos_charset.hpp.
    const std::string fontName = settings.choice("font_charset", fontCharsetName(parsed.model.font), {"gb2312", "gbk", "gbk+ext-a"});
    if (auto font = parseFontCharset(fontName)) parsed.model.font = *font;
    parsed.transport = settings.choice("transport", "usb", {"usb", "tcp", "serial", "file"});
    parsed.usb.vendor = static_cast<uint16_t>(settings.integer("usb_vendor", parsed.model.usbVendor, 0, 0xFFFF));
    parsed.usb.product = static_cast<uint16_t>(settings.integer("usb_product", parsed.model.usbProduct, 0, 0xFFFF));
    parsed.usb.interfaceClass = parsed.model.usbInterfaceClass;
    parsed.host = settings.string("host", "127.0.0.1");
    parsed.port = static_cast<int>(settings.integer("port", 9100, 1, 65535));
    parsed.statusTimeout = std::chrono::milliseconds(settings.integer("status_timeout_ms", 800, 50, 10000));
    parsed.serial.baud = static_cast<int>(settings.integer("baud", 115200, 1200, 921600));
    if (parsed.transport == "serial") {
        parsed.serial.path = settings.path("path", {}).string();
        if (parsed.serial.path.empty()) settings.problem("path", "a serial printer needs path = \"/dev/tty…\"");
    } else if (parsed.transport == "file") {
        parsed.file = settings.path("path", context.dataDir / (device.name + ".escpos"));
    } else {
        settings.markUsed("path");
    }
    if (model == nullptr) return fail(Errc::invalid_config, "unknown ESC/POS model " + modelName);
    return std::make_unique<EscposPrinter>(device.name, std::move(parsed));
}

}  // namespace kiosk::drivers::escpos
