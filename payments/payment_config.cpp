#include "payments/payment_config.hpp"

#include "payments/payment_desk.hpp"

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
    if (section.has("insurance_url")) {
        const auto insuranceUrl = section.string("insurance_url", "");
        if (insuranceUrl.rfind("http://", 0) != 0 && insuranceUrl.rfind("https://", 0) != 0) {
            section.problem("insurance_url", "must start with http:// or https://");
        }
        backend::HttpSettings insurance = config.gateway;  // same timeouts and TLS material
        insurance.baseUrl = insuranceUrl;
        config.insurance = insurance;
    }
    config.site.fixmedinsCode = section.string("fixmedins_code", config.site.fixmedinsCode);
    if (config.site.fixmedinsCode.size() != 12) section.problem("fixmedins_code", "must be 12 characters");
    config.site.areaCode = section.string("insurance_area", config.site.areaCode);
    if (config.site.areaCode.size() != 6 || config.site.areaCode.find_first_not_of("0123456789") != std::string::npos) {
        section.problem("insurance_area", "must be 6 digits");
    }
    const std::string settleAt = section.string("card_settle_at", "22:30");
    const bool wellFormed = settleAt.size() == 5 && settleAt[2] == ':' && std::isdigit(static_cast<unsigned char>(settleAt[0])) &&
                            std::isdigit(static_cast<unsigned char>(settleAt[1])) && std::isdigit(static_cast<unsigned char>(settleAt[3])) &&
                            std::isdigit(static_cast<unsigned char>(settleAt[4]));
    const int hours = wellFormed ? std::stoi(settleAt.substr(0, 2)) : -1;
    const int minutes = wellFormed ? std::stoi(settleAt.substr(3, 2)) : -1;
    if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59) {
        section.problem("card_settle_at", "must be a time of day HH:MM (China time), e.g. \"22:30\"");
    } else {
        config.cardSettleAt = std::chrono::minutes(hours * 60 + minutes);
    }
    config.cardQueryWait = std::chrono::seconds(section.integer("card_query_wait_s", 120, 0, 3600));
    section.rejectUnknownKeys();
    if (!section.problems()->empty()) return fail(Errc::invalid_config, section.problems()->joined(), "error.config");
    return config;
}

Result<RecoveryReport> recoverPendingPayments(const KioskConfig& config, Journal& journal, backend::HisDriver& his) {
    auto desk = PaymentDesk::create(config, journal, his);
    if (!desk) return std::unexpected(desk.error());
    return (*desk)->recover();
}

}  // namespace kiosk::payments
