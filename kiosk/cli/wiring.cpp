#include "kiosk/cli/wiring.hpp"

#include <fmt/format.h>

#include <atomic>

#include "kiosk/backend/his_factory.hpp"
#include "kiosk/backend/identity_lookup.hpp"
#include "payments/insurance_client.hpp"
#include "payments/payment_config.hpp"
#include "payments/saga_journal.hpp"

namespace kiosk::cli {

namespace {

PatientIdentity identityOf(const backend::Patient& patient, IdentitySource source, const std::string& cardNumber) {
    PatientIdentity identity;
    identity.source = source;
    identity.name = patient.name;
    identity.idNumber = patient.idNumber;
    identity.cardNumber = cardNumber;
    identity.sex = patient.sex;
    identity.birthDate = patient.birthDate;
    identity.phone = patient.phone;
    return identity;
}

/// A medical-insurance e-voucher is opaque to the kiosk (notes/protocols.md §4): the insurance
/// centre's 1101 says whose it is, the HIS finds that person's record by ID number. The token is
/// kept as the session's card number: the payment uses it as credential type 01.
class VoucherResolver {
public:
    VoucherResolver(std::shared_ptr<backend::HisDriver> his, backend::HttpSettings insurance, payments::InsuranceSite site)
        : his_(std::move(his)), client_(std::make_shared<payments::InsuranceClient>(std::move(insurance), site)),
          fixmedins_(site.fixmedinsCode) {}

    Result<PatientIdentity> operator()(const std::string& token) const {
        auto person = client_->person(nextMsgid(), "01", token);
        if (!person) {
            if (person.error().code == Errc::rejected) {
                return fail(Errc::not_found, "the insurance centre does not know this e-voucher: " + person.error().detail,
                            "identify.voucher_unknown");
            }
            return std::unexpected(person.error());
        }
        if (person->idNumber.empty()) {
            return fail(Errc::invalid_answer, "the insurance centre gave no resident ID number for this e-voucher",
                        "identify.voucher_unknown");
        }
        auto patient = his_->findPatient(backend::PatientKey::id_number, person->idNumber);
        if (!patient) return std::unexpected(patient.error());
        return identityOf(*patient, IdentitySource::insurance_qr, token);
    }

private:
    /// Identity queries end in digit 7 (payment messages use 0–6 and 9): unique per message.
    std::string nextMsgid() const {
        return payments::freshInsuranceMsgid(fixmedins_, fmt::format("{:03}", counter_->fetch_add(1) % 1000), '7');
    }

    std::shared_ptr<backend::HisDriver> his_;
    std::shared_ptr<payments::InsuranceClient> client_;
    std::string fixmedins_;
    std::shared_ptr<std::atomic<unsigned>> counter_ = std::make_shared<std::atomic<unsigned>>(0);
};

}  // namespace

Result<KioskServices> makeKioskServices(const KioskConfig& config) {
    if (!config.backend.present()) {
        return KioskServices{nullptr, screens::sampleHealthCardResolver(config.assetsDir / "sim" / "people.json")};
    }
    auto his = backend::makeHisDriver(config.backend, config.kioskId);
    if (!his) return std::unexpected(his.error());
    std::shared_ptr<backend::HisDriver> shared = std::move(*his);
    std::optional<VoucherResolver> vouchers;
    if (config.payments.present()) {
        auto payments = payments::readPaymentConfig(config.payments, config.kioskId);
        if (!payments) return std::unexpected(payments.error());
        if (payments->insurance) vouchers.emplace(shared, *payments->insurance, payments->site);
    }
    auto resolver = screens::ScanResolver([shared, vouchers](const std::string& payload, const std::string& kind) -> Result<PatientIdentity> {
        if (kind == "insurance_voucher") {
            if (!vouchers) {
                return fail(Errc::unsupported, "insurance e-voucher scanned but no insurance centre is configured",
                            "identify.voucher_unavailable");
            }
            return (*vouchers)(payload);
        }
        auto credential = backend::classifyCredential(payload);
        if (!credential) return fail(Errc::invalid_argument, "scanned text is not a credential", "scan.unrecognised");
        auto patient = backend::identifyPatient(*shared, *credential);
        if (!patient) return std::unexpected(patient.error());
        return identityOf(*patient, credential->source,
                          !patient->healthCardId.empty() ? patient->healthCardId : credential->cardNumber);
    });
    return KioskServices{shared, std::move(resolver)};
}

Result<screens::ScanResolver> makeScanResolver(const KioskConfig& config) {
    auto services = makeKioskServices(config);
    if (!services) return std::unexpected(services.error());
    return std::move(services->resolveScan);
}

Result<screens::AppOptions> withKioskServices(const KioskConfig& config, screens::AppOptions options) {
    auto services = makeKioskServices(config);
    if (!services) return std::unexpected(services.error());
    options.his = std::move(services->his);
    options.resolveScan = std::move(services->resolveScan);
    return options;
}

}  // namespace kiosk::cli
