#pragma once
// The payment desk (the façade the screens use) wired to a hospital-sim over loopback: gateway,
// insurance centre and HIS, all real HTTP.
#include "payments/payment_desk.hpp"
#include "tests/payments/payment_fixture.hpp"

namespace kiosk::payments::test {

/// Seeded people: their insurance credentials (type 02, ID number).
inline constexpr const char* kZhangSanId = "110101199003070134";    // class A/B/C items: a cash part
inline constexpr const char* kOuyangNanaId = "430111194201010663";  // 离休 in the sim: the fund pays all

class DeskFixture : public PaymentFixture {
protected:
    void SetUp() override {
        PaymentFixture::SetUp();
        config_.gateway.baseUrl = sim_.rootUrl() + "/gateway";
        config_.gateway.kioskId = "K01";
        config_.gateway.callTimeout = std::chrono::milliseconds(1000);
        config_.qr = settings_;
        backend::HttpSettings insurance = config_.gateway;
        insurance.baseUrl = sim_.rootUrl() + "/insurance";
        config_.insurance = insurance;
        auto desk = PaymentDesk::create(config_, "K01", *journal_, *his_);
        ASSERT_TRUE(desk) << desk.error().describe();
        desk_ = std::move(*desk);
    }

    /// Every billable charge of a patient, as the screens pass them.
    std::vector<ChargeLine> chargesOf(const std::string& patientId) {
        std::vector<ChargeLine> out;
        auto charges = his_->charges(patientId);
        EXPECT_TRUE(charges && !charges->empty()) << (charges ? "no charges" : charges.error().describe());
        if (!charges) return out;
        for (const auto& c : *charges) out.push_back({c.id, c.code, c.description, c.insuranceClass, c.amountFen});
        return out;
    }
    static int64_t sum(const std::vector<ChargeLine>& charges) {
        int64_t total = 0;
        for (const auto& c : charges) total += c.amountFen;
        return total;
    }
    std::string msgid(const std::string& orderId, int step) {
        auto order = desk_->order(orderId);
        EXPECT_TRUE(order);
        return order ? order->insuranceMsgid(InsuranceSite{}.fixmedinsCode, step) : std::string();
    }
    /// The centre's settlements of a visit, from its own ledger.
    std::vector<nlohmann::json> settlementsOf(const std::string& mdtrtId) {
        std::vector<nlohmann::json> out;
        const auto ledger = sim_.call("GET", "/insurance/admin/ledger");  // named: the loop must not outlive it
        for (const auto& s : ledger["settlements"]) {
            if (s["setlinfo"].value("mdtrt_id", "") == mdtrtId) out.push_back(s);
        }
        return out;
    }
    void armAnswerFault(const std::string& infno, const std::string& kind) {
        sim_.call("POST", "/insurance/admin/answer-faults", {{"infno", infno}, {"kind", kind}, {"count", 1}});
    }
    /// The cashier takes the payment of these charges first: the kiosk's HIS commit is then refused.
    void cashierPays(const std::string& patientId, const std::vector<ChargeLine>& charges) {
        std::vector<std::string> ids;
        for (const auto& c : charges) ids.push_back(c.id);
        backend::PaymentCommit cashier{"CASHIER-" + patientId, patientId, ids, sum(charges), 0, sum(charges), "cash", ""};
        ASSERT_TRUE(his_->commitPayment(cashier));
    }

    PaymentConfig config_;
    std::unique_ptr<PaymentDesk> desk_;
};

}  // namespace kiosk::payments::test
