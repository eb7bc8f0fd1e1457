#include "kiosk/backend/certificate_expiry.hpp"

#include <openssl/asn1.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <ctime>
#include <memory>

namespace kiosk::backend {

Result<std::chrono::system_clock::time_point> certificateExpiry(const std::filesystem::path& pemFile) {
    std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(pemFile.c_str(), "r"), &std::fclose);
    if (!file) return fail(Errc::not_found, "certificate " + pemFile.string() + " cannot be opened");
    std::unique_ptr<X509, void (*)(X509*)> certificate(PEM_read_X509(file.get(), nullptr, nullptr, nullptr), &X509_free);
    if (!certificate) return fail(Errc::invalid_config, "no PEM certificate in " + pemFile.string());
    std::tm notAfter{};
    if (ASN1_TIME_to_tm(X509_get0_notAfter(certificate.get()), &notAfter) != 1) {
        return fail(Errc::invalid_config, "the expiry of " + pemFile.string() + " cannot be read");
    }
    // ASN1_TIME_to_tm gives UTC; timegm reads it as UTC (mktime would apply the local zone).
    return std::chrono::system_clock::from_time_t(timegm(&notAfter));
}

}  // namespace kiosk::backend
