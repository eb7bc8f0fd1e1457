#include "drivers/common/device.hpp"

#include <condition_variable>
#include <mutex>

#include <algorithm>

namespace kiosk::drivers {

std::string_view deviceClassName(DeviceClass value) {
    switch (value) {
        case DeviceClass::card_reader: return "card_reader";
        case DeviceClass::id_reader: return "id_reader";
        case DeviceClass::scanner: return "scanner";
        case DeviceClass::receipt_printer: return "receipt_printer";
        case DeviceClass::report_printer: return "report_printer";
        case DeviceClass::pos_terminal: return "pos_terminal";
        case DeviceClass::locker: return "locker";
    }
    return "unknown";
}

std::optional<DeviceClass> parseDeviceClass(std::string_view text) {
    for (auto value : {DeviceClass::card_reader, DeviceClass::id_reader, DeviceClass::scanner,
                       DeviceClass::receipt_printer, DeviceClass::report_printer, DeviceClass::pos_terminal,
                       DeviceClass::locker}) {
        if (deviceClassName(value) == text) return value;
    }
    return std::nullopt;
}

std::string_view deviceStatusName(DeviceStatus value) {
    switch (value) {
        case DeviceStatus::online: return "online";
        case DeviceStatus::offline: return "offline";
        case DeviceStatus::no_device: return "no_device";
        case DeviceStatus::hardware_error: return "hardware_error";
        case DeviceStatus::user_error: return "user_error";
        case DeviceStatus::busy: return "busy";
        case DeviceStatus::starting: return "starting";
    }
    return "unknown";
}

std::string_view mediaStateName(MediaState value) {
    switch (value) {
        case MediaState::unknown: return "unknown";
        case MediaState::present: return "present";
        case MediaState::absent: return "absent";
        case MediaState::jammed: return "jammed";
    }
    return "unknown";
}

std::string_view paperStateName(PaperState value) {
    switch (value) {
        case PaperState::unknown: return "unknown";
        case PaperState::ok: return "ok";
        case PaperState::low: return "low";
        case PaperState::out: return "out";
        case PaperState::jammed: return "jammed";
    }
    return "unknown";
}

std::string_view completionCodeName(CompletionCode value) {
    switch (value) {
        case CompletionCode::success: return "success";
        case CompletionCode::cancelled: return "cancelled";
        case CompletionCode::timeout: return "timeout";
        case CompletionCode::device_not_ready: return "device_not_ready";
        case CompletionCode::hardware_error: return "hardware_error";
        case CompletionCode::invalid_data: return "invalid_data";
        case CompletionCode::unsupported: return "unsupported";
        case CompletionCode::user_error: return "user_error";
    }
    return "unknown";
}

Errc toErrc(CompletionCode code) {
    switch (code) {
        case CompletionCode::success: return Errc::internal;  // not an error; callers check first
        case CompletionCode::cancelled: return Errc::cancelled;
        case CompletionCode::timeout: return Errc::timeout;
        case CompletionCode::device_not_ready: return Errc::device_not_ready;
        case CompletionCode::hardware_error: return Errc::hardware_error;
        case CompletionCode::invalid_data: return Errc::invalid_data;
        case CompletionCode::unsupported: return Errc::unsupported;
        case CompletionCode::user_error: return Errc::user_error;
    }
    return Errc::internal;
}

bool Capabilities::has(std::string_view feature) const {
    return std::find(features.begin(), features.end(), feature) != features.end();
}

void sleepUnlessStopped(std::stop_token stop, std::chrono::milliseconds duration) {
    std::mutex waitMutex;
    std::condition_variable_any waiter;
    std::unique_lock lock(waitMutex);
    waiter.wait_for(lock, stop, duration, [] { return false; });
}

}  // namespace kiosk::drivers
