#pragma once
// Errors are values at module boundaries (DESIGN §3): every layer returns
// std::expected<T, kiosk::Error>. An Error carries
//  - a code the screens turn into a patient message,
//  - a log message for technicians (never personal data in clear),
//  - the i18n key of the message the patient sees (in both languages).
// Exceptions do not cross a module boundary.

#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace kiosk {

enum class Errc {
    // generic
    invalid_argument,
    invalid_config,
    io_error,
    not_found,
    unsupported,
    cancelled,
    timeout,
    internal,
    // devices (XFS4IoT-style completion codes, DESIGN §4)
    device_not_ready,
    hardware_error,
    invalid_data,
    user_error,
    // storage
    journal_unavailable,
    journal_corrupt,
    // backend (hospital, insurance, payment)
    blocked,
    slot_taken,
    backend_unavailable,
    unknown_outcome,
    invalid_answer,
    rejected,
};

/// Stable lower-case name of an error code, for logs and JSON output.
std::string_view errcName(Errc code) noexcept;

struct Error {
    Errc code = Errc::internal;
    /// For the log: precise, technical, masked.
    std::string detail;
    /// i18n key of the patient message, e.g. "error.device_not_ready".
    std::string messageKey;

    Error() = default;
    Error(Errc errorCode, std::string logDetail, std::string patientMessageKey = {})
        : code(errorCode), detail(std::move(logDetail)), messageKey(std::move(patientMessageKey)) {
        if (messageKey.empty()) messageKey = std::string("error.") + std::string(errcName(code));
    }

    /// "code: detail", for the log and for one-line CLI errors.
    std::string describe() const;
};

template <class T>
using Result = std::expected<T, Error>;

/// Shorthand to return an error: `return kiosk::fail(Errc::timeout, "…");`
inline std::unexpected<Error> fail(Errc code, std::string detail, std::string messageKey = {}) {
    return std::unexpected<Error>(Error(code, std::move(detail), std::move(messageKey)));
}

}  // namespace kiosk
