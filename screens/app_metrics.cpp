#include "screens/app_metrics.hpp"

#include "kiosk/core/log.hpp"

namespace kiosk::screens {

namespace {

std::string_view mediaOf(const drivers::Device& device, const drivers::DeviceState& state) {
    switch (device.deviceClass()) {
    case drivers::DeviceClass::receipt_printer:
    case drivers::DeviceClass::report_printer:
        switch (state.paper) {
        case drivers::PaperState::out: return "paper_out";
        case drivers::PaperState::low: return "paper_low";
        case drivers::PaperState::jammed: return "jammed";
        case drivers::PaperState::ok: return state.coverOpen ? "cover_open" : "paper_ok";
        case drivers::PaperState::unknown: return state.coverOpen ? "cover_open" : "unknown";
        }
        return "unknown";
    default:
        return drivers::mediaStateName(state.media);
    }
}

void collectDevices(ops::MetricsRegistry& registry, const drivers::DeviceRegistry& devices) {
    registry.clear("yizhan_device_up");
    registry.clear("yizhan_device_status");
    registry.clear("yizhan_device_media_state");
    for (const auto& device : devices.all()) {
        const drivers::DeviceState state = device->state();
        const ops::MetricLabels labels{{"device", device->name()},
                                       {"class", std::string(drivers::deviceClassName(device->deviceClass()))}};
        const bool up = state.status == drivers::DeviceStatus::online || state.status == drivers::DeviceStatus::busy;
        registry.set("yizhan_device_up", labels, up ? 1 : 0);
        ops::MetricLabels status = labels;
        status["status"] = std::string(drivers::deviceStatusName(state.status));
        registry.set("yizhan_device_status", status, 1);
        ops::MetricLabels media = labels;
        media["state"] = std::string(mediaOf(*device, state));
        registry.set("yizhan_device_media_state", media, 1);
    }
}

void collectPayments(ops::MetricsRegistry& registry, payments::PaymentDesk& desk) {
    auto counts = desk.orderCounts();
    if (!counts) {
        // A scrape never fails for this: the gauges keep their last values and the log says why.
        log::module("metrics")->warn("payment journal not readable for metrics: {}", counts.error().describe());
        return;
    }
    registry.clear("yizhan_payment_orders");
    registry.set("yizhan_payment_orders", {{"state", "pending"}}, static_cast<double>(counts->pending));
    registry.set("yizhan_payment_orders", {{"state", "manual"}}, static_cast<double>(counts->manual));
    registry.clear("yizhan_payments_total");
    registry.set("yizhan_payments_total", {{"outcome", "done"}}, static_cast<double>(counts->done));
    registry.set("yizhan_payments_total", {{"outcome", "refunded"}}, static_cast<double>(counts->refunded));
    registry.set("yizhan_payments_total", {{"outcome", "closed"}}, static_cast<double>(counts->closed));
    if (counts->lastDoneUnixSeconds > 0) {
        registry.set("yizhan_last_transaction_timestamp_seconds", {}, static_cast<double>(counts->lastDoneUnixSeconds));
    }
}

}  // namespace

AppMetrics::AppMetrics(ops::MetricsRegistry& registry, const drivers::DeviceRegistry& devices, payments::PaymentDesk* desk,
                       std::string_view version)
    : registry_(registry), devices_(devices) {
    using ops::MetricType;
    registry_.declare("yizhan_build_info", MetricType::gauge, "The kiosk's version; always 1.");
    registry_.declare("yizhan_sessions_started_total", MetricType::counter, "Patient sessions started (a patient identified).");
    registry_.declare("yizhan_sessions_ended_total", MetricType::counter, "Patient sessions ended, by reason.");
    registry_.declare("yizhan_service_sessions_started_total", MetricType::counter, "Sessions that opened a service.");
    registry_.declare("yizhan_service_sessions_completed_total", MetricType::counter,
                      "Sessions the patient finished while in a service.");
    registry_.declare("yizhan_service_sessions_abandoned_total", MetricType::counter,
                      "Sessions that timed out or lost the card while in a service, by the screen they were on.");
    registry_.declare("yizhan_card_reads_total", MetricType::counter, "Cards read, by result (ok or failed).");
    registry_.declare("yizhan_device_up", MetricType::gauge, "1 when the device is online or busy.");
    registry_.declare("yizhan_device_status", MetricType::gauge, "1 for the device's current status.");
    registry_.declare("yizhan_device_media_state", MetricType::gauge, "1 for the device's current media or paper state.");
    registry_.declare("yizhan_payment_orders", MetricType::gauge, "Open payment orders: pending (outcome unknown yet) or manual.");
    // Read from the durable journal at each scrape: it only grows, so it is a counter that also
    // survives restarts.
    registry_.declare("yizhan_payments_total", MetricType::counter, "Payment orders that reached an end, by outcome.");
    registry_.declare("yizhan_last_transaction_timestamp_seconds", MetricType::gauge,
                      "Unix time of the last payment that reached done.");
    registry_.set("yizhan_build_info", {{"version", std::string(version)}}, 1);
    registry_.addCollector([&devices](ops::MetricsRegistry& target) { collectDevices(target, devices); });
    if (desk) registry_.addCollector([desk](ops::MetricsRegistry& target) { collectPayments(target, *desk); });
}

void AppMetrics::sessionStarted() { registry_.add("yizhan_sessions_started_total"); }

void AppMetrics::serviceStarted(std::string_view service) {
    registry_.add("yizhan_service_sessions_started_total", {{"service", std::string(service)}});
}

void AppMetrics::sessionEnded(SessionEndReason reason, std::string_view service, std::string_view screen) {
    registry_.add("yizhan_sessions_ended_total", {{"reason", std::string(sessionEndReasonName(reason))}});
    if (service.empty()) return;
    if (reason == SessionEndReason::completed) {
        registry_.add("yizhan_service_sessions_completed_total", {{"service", std::string(service)}});
    } else {
        registry_.add("yizhan_service_sessions_abandoned_total", {{"service", std::string(service)}, {"screen", std::string(screen)}});
    }
}

void AppMetrics::cardRead(std::string_view device, bool ok) {
    const drivers::Device* found = devices_.find(device);
    const std::string deviceClass = found ? std::string(drivers::deviceClassName(found->deviceClass())) : "unknown";
    registry_.add("yizhan_card_reads_total", {{"device", std::string(device)}, {"class", deviceClass}, {"result", ok ? "ok" : "failed"}});
}

}  // namespace kiosk::screens
