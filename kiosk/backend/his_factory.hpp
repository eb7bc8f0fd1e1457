#pragma once
// Builds the configured HisDriver from the [backend] section of the kiosk config. The factory
// reads its own keys and rejects unknown ones (a mistyped key is an error, never ignored).
//
//   [backend]
//   driver = "fhir"                              # the only driver so far
//   base_url = "http://127.0.0.1:18080/fhir"     # http:// or https://
//   connect_timeout_ms = 2000
//   call_timeout_ms = 8000                       # per call
//   retries = 2                                  # extra attempts, safe calls only
//   retry_backoff_ms = 150
//   max_body_mb = 16                             # answers above this are refused
//   max_report_pdf_mb = 10                       # report PDFs above this are refused before download (≤ max_body_mb)
//   ca_bundle = ""                               # PEM CA file for https (empty: system store)
//   client_cert = ""                             # PEM client certificate (mutual TLS)
//   client_key = ""                              # its private key
//   breaker_failures = 5                         # consecutive failures that open the circuit
//   breaker_open_s = 15                          # how long it stays open before a probe
//   system_social_security / system_id_number / system_hospital_card / system_health_card /
//   system_trade = "urn:…"                       # FHIR identifier systems of the site

#include <memory>

#include "kiosk/backend/his_driver.hpp"
#include "kiosk/core/config.hpp"

namespace kiosk::backend {

/// `section` is KioskConfig::backend. Errors name every bad key.
Result<std::unique_ptr<HisDriver>> makeHisDriver(ConfigSection section, const std::string& kioskId);

}  // namespace kiosk::backend
