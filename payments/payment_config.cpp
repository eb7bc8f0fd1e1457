#include "payments/payment_config.hpp"

namespace kiosk::payments {

Result<PaymentConfig> readPaymentConfig(ConfigSection section, const std::string& kioskId) {
    if (!section.present()) return fail(Errc::invalid_config, "[payments] section is missing (gateway_url)", "error.config");
    PaymentConfig config;
    const auto url = section.requiredString("gateway_url");
    if (url && url->rfind("http://", 0) != 0 && url->rfind("https://", 0) != 0) section.problem("gateway_url", "must start with http:// or https://");
    config.gateway.baseUrl = url.value_or("");
    config.gateway.kioskId = kioskId;
    config.gateway.connectTimeout = std::chrono::milliseconds(section.integer("connect_timeout_ms", 2000, 100, 60000));
    config.gateway.callTimeout = std::chrono::milliseconds(section.integer("call_timeout_ms", 8000, 200, 120000));
    config.gateway.caBundle = section.path("ca_bundle", {});
    config.gateway.clientCert = section.path("client_cert", {});
    config.gateway.clientKey = section.path("client_key", {});
    if (config.gateway.clientCert.empty() != config.gateway.clientKey.empty()) {
        section.problem(config.gateway.clientCert.empty() ? "client_cert" : "client_key", "client_cert and client_key go together");
    }
    config.qr.pollInterval = std::chrono::milliseconds(section.integer("poll_interval_ms", 2000, 10, 60000));
    config.qr.qrTimeout = std::chrono::seconds(section.integer("qr_timeout_s", 120, 1, 1800));
    config.qr.hisCommitAttempts = static_cast<int>(section.integer("his_commit_attempts", 3, 1, 10));
    section.rejectUnknownKeys();
    if (!section.problems()->empty()) return fail(Errc::invalid_config, section.problems()->joined(), "error.config");
    return config;
}

Result<RecoveryReport> recoverPendingPayments(const KioskConfig& config, Journal& journal, backend::HisDriver& his) {
    auto payments = readPaymentConfig(config.payments, config.kioskId);
    if (!payments) return std::unexpected(payments.error());
    auto saga = SagaJournal::attach(journal, config.kioskId);
    if (!saga) return std::unexpected(saga.error());
    GatewayClient gateway(payments->gateway);
    QrPaymentSaga qr(*saga, gateway, his, payments->qr);
    return qr.recover();
}

}  // namespace kiosk::payments
