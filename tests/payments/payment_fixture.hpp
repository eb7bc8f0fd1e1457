#pragma once
// A hospital-sim started for one test, a kiosk journal in a temp dir, and the QR saga wired to
// both over loopback HTTP (the real gateway and FHIR adapter, no mocks).
#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "kiosk/backend/fhir_his_driver.hpp"
#include "kiosk/core/journal.hpp"
#include "payments/qr_saga.hpp"
#include "tests/backend/sim_process.hpp"

namespace kiosk::payments::test {

struct ChargePick {
    std::string patientId;
    std::string chargeId;
    int64_t amountFen = 0;
};

class PaymentFixture : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(sim_.ready()) << sim_.log();
        auto journal = Journal::open(sim_.dir().path() / "kiosk-journal.db");
        ASSERT_TRUE(journal) << journal.error().describe();
        journal_ = std::move(*journal);
        auto saga = SagaJournal::attach(*journal_, "K01");
        ASSERT_TRUE(saga);
        sagaJournal_ = std::make_unique<SagaJournal>(std::move(*saga));
        backend::HttpSettings gatewaySettings;
        gatewaySettings.baseUrl = sim_.rootUrl() + "/gateway";
        gatewaySettings.kioskId = "K01";
        gatewaySettings.callTimeout = std::chrono::milliseconds(1000);
        gateway_ = std::make_unique<GatewayClient>(gatewaySettings);
        auto fhir = sim_.settings();
        fhir.http.callTimeout = std::chrono::milliseconds(1000);
        fhir.retries = 0;
        his_ = std::make_unique<backend::FhirHisDriver>(fhir);
        settings_.pollInterval = std::chrono::milliseconds(20);
        settings_.qrTimeout = std::chrono::milliseconds(300);
        settings_.hisCommitAttempts = 2;
        saga_ = std::make_unique<QrPaymentSaga>(*sagaJournal_, *gateway_, *his_, settings_);
    }

    /// The first billable charge of a seeded patient, with its amount from the HIS.
    ChargePick pickCharge(const std::string& patientId = "pat-zhang-san", size_t index = 0) {
        auto charges = his_->charges(patientId);
        EXPECT_TRUE(charges && charges->size() > index) << (charges ? "too few charges" : charges.error().describe());
        if (!charges || charges->size() <= index) return {};
        return {patientId, (*charges)[index].id, (*charges)[index].amountFen};
    }

    nlohmann::json gatewayOrder(const PaymentOrder& order) { return sim_.call("GET", "/gateway/orders/" + order.outTradeNo()); }
    void phonePays(const PaymentOrder& order) { sim_.call("POST", "/gateway/orders/" + order.outTradeNo() + "/simulate-paid"); }
    /// Arms a fault that stays until cleared (count -1).
    void armForever(const nlohmann::json& fault) {
        nlohmann::json f = fault;
        f["count"] = -1;
        sim_.call("POST", "/admin/faults", f);
    }

    kiosk::test::SimProcess sim_;
    std::unique_ptr<Journal> journal_;
    std::unique_ptr<SagaJournal> sagaJournal_;
    std::unique_ptr<GatewayClient> gateway_;
    std::unique_ptr<backend::FhirHisDriver> his_;
    QrSettings settings_;
    std::unique_ptr<QrPaymentSaga> saga_;
};

}  // namespace kiosk::payments::test
