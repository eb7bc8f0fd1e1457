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
//   insurance_url = "http://127.0.0.1:18080/insurance"  # the insurance centre (optional: without
//                                                    # it only self-pay is offered)
//   fixmedins_code = "H43010100001"                  # 12 characters, the hospital's insurance code
//   insurance_area = "430100"                        # 6 digits, mdtrtarea_admvs / insuplc_admdvs
//   card_settle_at = "22:30"                         # China time: the bank-card terminal's end of
//                                                    # day (settlement), when a terminal is configured
//   card_query_wait_s = 120                          # after a card transaction's outcome was lost,
//                                                    # how long before "the terminal's last
//                                                    # transaction is another one" means not charged

#include "kiosk/backend/his_driver.hpp"
#include "kiosk/backend/http_client.hpp"
#include "kiosk/core/config.hpp"
#include "kiosk/core/journal.hpp"
#include "kiosk/core/config_reader.hpp"
#include "payments/insurance_client.hpp"
#include "payments/qr_saga.hpp"

namespace kiosk::payments {

struct PaymentConfig {
    backend::HttpSettings gateway;
    QrSettings qr;
    /// Present when insurance_url is set.
    std::optional<backend::HttpSettings> insurance;
    InsuranceSite site;
    /// China time of day after which the card terminal's batch is settled (once a day).
    std::chrono::minutes cardSettleAt{22 * 60 + 30};
    /// See BankCardSaga: a query's "not made" is believed only this long after the request.
    std::chrono::seconds cardQueryWait{120};
};

/// `section` is KioskConfig::payments. Errors name every bad key.
Result<PaymentConfig> readPaymentConfig(ConfigSection section, const std::string& kioskId);

/// What the app calls at start-up, before it accepts the first patient: resolves every pending
/// payment row in `journal` (QR and insurance, through PaymentDesk::recover()) against the
/// configured gateway, insurance centre and `his`. Orders left in `pending` still have an
/// unknown outcome: alert the help desk with their order ids.
Result<RecoveryReport> recoverPendingPayments(const KioskConfig& config, Journal& journal, backend::HisDriver& his);

}  // namespace kiosk::payments
