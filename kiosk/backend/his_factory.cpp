#include "kiosk/backend/his_factory.hpp"

#include <fmt/format.h>

#include "kiosk/backend/fhir_his_driver.hpp"
#include "kiosk/core/log.hpp"

namespace kiosk::backend {

Result<std::unique_ptr<HisDriver>> makeHisDriver(ConfigSection section, const std::string& kioskId) {
    if (!section.present()) {
        return fail(Errc::invalid_config, "the config has no [backend] section (e.g. driver = \"fhir\", base_url = …)", "error.config");
    }
    const size_t problemsBefore = section.problems()->messages.size();
    const std::string driver = section.choice("driver", "fhir", {"fhir"});
    FhirSettings settings;
    settings.http.kioskId = kioskId;
    const auto baseUrl = section.requiredString("base_url");
    if (baseUrl) {
        if (baseUrl->rfind("http://", 0) != 0 && baseUrl->rfind("https://", 0) != 0) {
            section.problem("base_url", "expected an http:// or https:// URL");
        }
        settings.http.baseUrl = *baseUrl;
    }
    settings.http.connectTimeout = std::chrono::milliseconds(section.integer("connect_timeout_ms", 2000, 50, 60000));
    settings.http.callTimeout = std::chrono::milliseconds(section.integer("call_timeout_ms", 8000, 100, 120000));
    settings.retries = static_cast<int>(section.integer("retries", 2, 0, 5));
    settings.retryBackoff = std::chrono::milliseconds(section.integer("retry_backoff_ms", 150, 0, 10000));
    settings.http.maxBodyBytes = static_cast<size_t>(section.integer("max_body_mb", 16, 1, 256)) * 1024U * 1024U;
    // A report PDF is a few hundred kilobytes; one the size of a film archive is a HIS fault, refused
    // before it is downloaded. It cannot be above the cap on every answer.
    const int64_t reportPdfMb = section.integer("max_report_pdf_mb", 10, 1, 256);
    if (static_cast<size_t>(reportPdfMb) * 1024U * 1024U > settings.http.maxBodyBytes) {
        section.problem("max_report_pdf_mb", fmt::format("{} is above max_body_mb ({}): no answer that large is read", reportPdfMb,
                                                         settings.http.maxBodyBytes / (1024U * 1024U)));
    }
    settings.maxReportPdfBytes = static_cast<size_t>(reportPdfMb) * 1024U * 1024U;
    settings.http.caBundle = section.path("ca_bundle", {});
    settings.http.clientCert = section.path("client_cert", {});
    settings.http.clientKey = section.path("client_key", {});
    if (settings.http.clientCert.empty() != settings.http.clientKey.empty()) {
        section.problem("client_cert", "client_cert and client_key go together");
    }
    for (const auto* file : {&settings.http.caBundle, &settings.http.clientCert, &settings.http.clientKey}) {
        if (!file->empty() && !std::filesystem::exists(*file)) section.problem("ca_bundle", "file not found: " + file->string());
    }
    settings.breaker.failureThreshold = static_cast<int>(section.integer("breaker_failures", 5, 1, 100));
    settings.breaker.openFor = std::chrono::seconds(section.integer("breaker_open_s", 15, 1, 3600));
    settings.systemSocialSecurity = section.string("system_social_security", settings.systemSocialSecurity);
    settings.systemIdNumber = section.string("system_id_number", settings.systemIdNumber);
    settings.systemHospitalCard = section.string("system_hospital_card", settings.systemHospitalCard);
    settings.systemHealthCard = section.string("system_health_card", settings.systemHealthCard);
    settings.systemTrade = section.string("system_trade", settings.systemTrade);
    section.rejectUnknownKeys();
    const auto& problems = section.problems()->messages;
    if (problems.size() > problemsBefore) {
        std::string joined;
        for (size_t i = problemsBefore; i < problems.size(); ++i) joined += (joined.empty() ? "" : "\n") + problems[i];
        return fail(Errc::invalid_config, joined, "error.config");
    }
    log::module("backend")->info("backend driver {} at {}", driver, settings.http.baseUrl);
    return std::make_unique<FhirHisDriver>(std::move(settings));
}

}  // namespace kiosk::backend
