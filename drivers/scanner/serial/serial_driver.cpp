#include "drivers/scanner/serial/serial_driver.hpp"

#include <fmt/format.h>

#include <array>
#include <condition_variable>

namespace kiosk::drivers::scanner {

using namespace std::chrono_literals;

SerialScanner::SerialScanner(std::string name, SerialScannerSettings settings, PayloadClassifier classifier)
    : settings_(std::move(settings)), reporter_(std::move(name), std::move(classifier)) {
    reporter_.setState(DeviceStatus::offline, "not started");
}

SerialScanner::~SerialScanner() {
    stop();
}

Result<void> SerialScanner::start(DeviceEventSink sink) {
    loop_.start(std::move(sink), settings_.port.path,
                [this](std::stop_token stop, const CancelToken& cancel) { readLoop(stop, cancel); });
    return {};
}

void SerialScanner::stop() { loop_.stop(); }

void SerialScanner::readLoop(std::stop_token stop, const CancelToken& cancel) {
    const auto pause = [&stop](std::chrono::milliseconds duration) { sleepUnlessStopped(stop, duration); };
    while (!stop.stop_requested()) {
        auto port = transport::SerialPort::open(settings_.port);
        if (!port) {
            reporter_.setState(DeviceStatus::no_device, port.error().detail);
            pause(settings_.reopenInterval);
            continue;
        }
        reporter_.setState(DeviceStatus::online, settings_.port.path);
        LineAssembler assembler(settings_.framing);
        std::array<uint8_t, 512> buffer{};
        while (!stop.stop_requested()) {
            // Read in quiet-time slices: a slice with no byte while a code is pending ends it.
            auto got = (*port)->readSome(buffer, settings_.quietTime, cancel);
            if (got) {
                for (auto& scan : assembler.feed(std::span(buffer.data(), *got))) reporter_.reportRead(std::move(scan), "serial");
                continue;
            }
            if (got.error().code == Errc::timeout) {
                if (auto scan = assembler.quiet()) reporter_.reportRead(std::move(*scan), "serial");
                continue;
            }
            if (got.error().code == Errc::cancelled) return;
            reporter_.setState(DeviceStatus::no_device, got.error().detail);  // unplugged
            break;
        }
        port->reset();
        pause(settings_.reopenInterval);
    }
}

Result<std::string> SerialScanner::selfTest(std::chrono::milliseconds, const CancelToken&) {
    if (loop_.running()) {
        const DeviceState now = reporter_.state();
        if (now.status != DeviceStatus::online) return fail(Errc::device_not_ready, now.detail);
        return fmt::format("serial scanner on {} is online", settings_.port.path);
    }
    auto port = transport::SerialPort::open(settings_.port);
    if (!port) return std::unexpected(port.error());
    return fmt::format("serial scanner port {} opens ({} baud)", settings_.port.path, settings_.port.baud);
}

Result<std::unique_ptr<Device>> createSerialScanner(const DeviceConfig& device, ConfigSection& settings,
                                                    const DriverContext&) {
    SerialScannerSettings serial;
    const auto port = settings.requiredString("port");
    serial.port.path = port.value_or("");
    serial.port.baud = static_cast<int>(settings.integer("baud", 9600, 1200, 921600));
    serial.port.dataBits = static_cast<int>(settings.integer("data_bits", 8, 5, 8));
    serial.port.parity = settings.choice("parity", "N", {"N", "E", "O"})[0];
    serial.port.stopBits = static_cast<int>(settings.integer("stop_bits", 1, 1, 2));
    const std::string terminator = settings.choice("terminator", "cr", {"cr", "lf", "crlf", "tab", "none"});
    serial.framing.terminator = parseTerminator(terminator).value_or("\r");
    serial.framing.prefix = settings.string("prefix", "");
    serial.framing.suffix = settings.string("suffix", "");
    serial.quietTime = std::chrono::milliseconds(settings.integer("quiet_ms", 300, 20, 10000));
    serial.reopenInterval = std::chrono::milliseconds(settings.integer("reopen_ms", 1000, 50, 60000));
    PayloadClassifier classifier = PayloadClassifier::fromConfig(settings);
    serial.framing.maxLine = classifier.maxLength() + serial.framing.prefix.size() + serial.framing.suffix.size() + 64;
    if (!port) return fail(Errc::invalid_config, "serial scanner needs port");
    return std::make_unique<SerialScanner>(device.name, serial, std::move(classifier));
}

}  // namespace kiosk::drivers::scanner
