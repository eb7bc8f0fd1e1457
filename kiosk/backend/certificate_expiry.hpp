#pragma once
// When a PEM certificate stops being valid (its notAfter), read with OpenSSL: the kiosk's TLS
// client certificate is what the hospital's gateway lets it in with, and a lapsed one takes the
// whole kiosk off the HIS. The technician's backend screen warns 30 days ahead; Prometheus gets
// the time as yizhan_tls_certificate_expiry_timestamp_seconds (deploy/prometheus alerts at 14).

#include <chrono>
#include <filesystem>

#include "kiosk/core/error.hpp"

namespace kiosk::backend {

/// The first certificate of a PEM file. Errors: not_found (no file), invalid_config (no
/// certificate in it, or an expiry OpenSSL cannot read).
Result<std::chrono::system_clock::time_point> certificateExpiry(const std::filesystem::path& pemFile);

}  // namespace kiosk::backend
