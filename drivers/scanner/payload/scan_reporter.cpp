#include "drivers/scanner/payload/scan_reporter.hpp"

#include "kiosk/core/log.hpp"
#include "kiosk/core/mask.hpp"

namespace kiosk::drivers::scanner {

ScanReporter::ScanReporter(std::string device, PayloadClassifier classifier)
    : device_(std::move(device)), classifier_(std::move(classifier)) {}

void ScanReporter::attach(DeviceEventSink sink) {
    std::lock_guard lock(mutex_);
    sink_ = std::move(sink);
}

void ScanReporter::detach() {
    std::lock_guard lock(mutex_);
    sink_ = nullptr;
}

DeviceState ScanReporter::state() const {
    std::lock_guard lock(mutex_);
    return state_;
}

void ScanReporter::setState(DeviceStatus status, std::string detail) {
    DeviceState next{.status = status,
                     .media = MediaState::unknown,
                     .paper = PaperState::unknown,
                     .coverOpen = false,
                     .detail = std::move(detail)};
    {
        std::lock_guard lock(mutex_);
        if (state_ == next) return;
        state_ = next;
    }
    auto logger = log::module("scanner");
    if (status == DeviceStatus::online || status == DeviceStatus::offline || status == DeviceStatus::starting) {
        logger->info("device {}: {} ({})", device_, deviceStatusName(status), next.detail);
    } else {
        logger->warn("device {}: {} ({})", device_, deviceStatusName(status), next.detail);
    }
    post(StatusChanged{device_, next});
}

CodeScanned ScanReporter::report(std::string_view raw, std::string_view symbology) {
    auto classified = classifier_.classify(raw, symbology);
    if (!classified) return reportRejected(classified.error(), symbology);
    CodeScanned event{.device = device_,
                      .text = classified->text,
                      .symbology = std::string(symbology),
                      .kind = std::string(payloadKindName(classified->kind)),
                      .rejected = std::nullopt,
                      .acceptedKinds = {}};
    // The text can identify a person (card numbers, tokens): only its masked form is logged.
    log::module("scanner")->info("device {}: scanned {} {} ({})", device_, event.kind,
                                 maskPersonalData(event.text, PersonalField::card_number), event.symbology);
    post(event);
    return event;
}

CodeScanned ScanReporter::reportRejected(Error error, std::string_view symbology) {
    log::module("scanner")->warn("device {}: refused a scan: {}", device_, error.detail);
    std::vector<std::string> accepted;
    if (error.messageKey == "scan.unrecognised_accepting") {
        for (PayloadKind kind : classifier_.acceptedKinds()) accepted.emplace_back(payloadKindName(kind));
    }
    CodeScanned event{.device = device_,
                      .text = {},
                      .symbology = std::string(symbology),
                      .kind = {},
                      .rejected = std::move(error),
                      .acceptedKinds = std::move(accepted)};
    post(event);
    return event;
}

void ScanReporter::post(DeviceEvent event) const {
    DeviceEventSink sink;
    {
        std::lock_guard lock(mutex_);
        sink = sink_;
    }
    if (sink) sink(std::move(event));
}

void ScannerReadLoop::start(DeviceEventSink sink, std::string detail, Loop loop) {
    std::lock_guard lock(mutex_);
    reporter_.attach(std::move(sink));
    if (thread_.joinable()) return;
    cancel_ = CancelToken{};
    reporter_.setState(DeviceStatus::starting, std::move(detail));
    thread_ = std::jthread([loop = std::move(loop), cancel = cancel_](std::stop_token stop) { loop(stop, cancel); });
}

void ScannerReadLoop::stop() {
    std::lock_guard lock(mutex_);
    if (thread_.joinable()) {
        cancel_.cancel();
        thread_.request_stop();
        thread_.join();
        thread_ = {};
        reporter_.setState(DeviceStatus::offline, "stopped");
    }
    reporter_.detach();
}

bool ScannerReadLoop::running() const {
    std::lock_guard lock(mutex_);
    return thread_.joinable();
}

}  // namespace kiosk::drivers::scanner
