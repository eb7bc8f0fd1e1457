#pragma once
// The [payments] section of the kiosk config. Unknown keys are rejected.
//
//   [payments]
//   gateway_url = "http://127.0.0.1:18080/gateway"   # the hospital payment gateway (required)
//   connect_timeout_ms = 2000
//   call_timeout_ms = 8000
//   poll_interval_ms = 2000                          # how often the QR order is polled
//   qr_timeout_s = 120                               # the patient's countdown
//   his_commit_attempts = 3                          # commit, look up, commit again (same key)
//   ca_bundle / client_cert / client_key = ""        # https to the gateway (mutual TLS)

#include "kiosk/backend/http_client.hpp"
#include "kiosk/core/config_reader.hpp"
#include "payments/qr_saga.hpp"

namespace kiosk::payments {

struct PaymentConfig {
    backend::HttpSettings gateway;
    QrSettings qr;
};

/// `section` is KioskConfig::payments. Errors name every bad key.
Result<PaymentConfig> readPaymentConfig(ConfigSection section, const std::string& kioskId);

}  // namespace kiosk::payments
