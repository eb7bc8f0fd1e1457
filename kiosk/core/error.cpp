#include "kiosk/core/error.hpp"

namespace kiosk {

std::string_view errcName(Errc code) noexcept {
    switch (code) {
        case Errc::invalid_argument: return "invalid_argument";
        case Errc::invalid_config: return "invalid_config";
        case Errc::io_error: return "io_error";
        case Errc::not_found: return "not_found";
        case Errc::unsupported: return "unsupported";
        case Errc::cancelled: return "cancelled";
        case Errc::timeout: return "timeout";
        case Errc::internal: return "internal";
        case Errc::device_not_ready: return "device_not_ready";
        case Errc::hardware_error: return "hardware_error";
        case Errc::invalid_data: return "invalid_data";
        case Errc::user_error: return "user_error";
        case Errc::journal_unavailable: return "journal_unavailable";
        case Errc::journal_corrupt: return "journal_corrupt";
        case Errc::blocked: return "blocked";
        case Errc::slot_taken: return "slot_taken";
        case Errc::backend_unavailable: return "backend_unavailable";
        case Errc::unknown_outcome: return "unknown_outcome";
        case Errc::invalid_answer: return "invalid_answer";
        case Errc::rejected: return "rejected";
    }
    return "unknown";
}

std::string Error::describe() const {
    std::string text(errcName(code));
    if (!detail.empty()) {
        text += ": ";
        text += detail;
    }
    return text;
}

}  // namespace kiosk
