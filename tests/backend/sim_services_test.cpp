// hospital-sim's insurance centre (national envelope, msgid de-duplication) and payment gateway
// (out_trade_no / out_refund_no de-duplication), called over real HTTP.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/backend/sim_process.hpp"

namespace kiosk::backend {
namespace {

using nlohmann::json;

class SimServicesTest : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_TRUE(sim.ready()) << sim.log(); }

    /// 12-character institution code + yyyyMMddHHmmss + 4-digit sequence.
    static std::string msgid(int sequence) { return "H43010100001" + std::string("20261123093000") + fmt::format("{:04}", sequence); }

    json envelope(const std::string& infno, const std::string& id, const json& input) const {
        return sim.call("POST", "/insurance/api",
                        {{"infno", infno}, {"msgid", id}, {"mdtrtarea_admvs", "430100"}, {"insuplc_admdvs", "430100"},
                         {"opter_type", "2"}, {"fixmedins_code", "H43010100001"}, {"sign_no", "SIGN1"}, {"input", input}});
    }

    test::SimProcess sim;
};

TEST_F(SimServicesTest, InsuranceSettlementFlowWithDeduplicationAndReversal) {
    const json person = envelope("1101", msgid(1), {{"data", {{"mdtrt_cert_type", "02"}, {"mdtrt_cert_no", "110101199003070134"}}}});
    ASSERT_EQ(person.value("infcode", -9), 0) << person.dump();
    EXPECT_EQ(person["output"]["baseinfo"]["psn_name"], "张三");
    const std::string psn = person["output"]["baseinfo"]["psn_no"];
    const json visit = envelope("2201", msgid(2), {{"data", {{"psn_no", psn}, {"insutype", "310"}}}});
    const std::string mdtrt = visit["output"]["data"]["mdtrt_id"];
    const json fees = envelope("2204", msgid(3), {{"feedetail", json::array({
        {{"feedetl_sn", "1"}, {"mdtrt_id", mdtrt}, {"psn_no", psn}, {"med_list_codg", "A250101001"}, {"det_item_fee_sumamt", 25.00}},
        {{"feedetl_sn", "2"}, {"mdtrt_id", mdtrt}, {"psn_no", psn}, {"med_list_codg", "C-TCM0012"}, {"det_item_fee_sumamt", 56.00}}})}});
    ASSERT_EQ(fees.value("infcode", -9), 0) << fees.dump();
    const json pre = envelope("2206", msgid(4), {{"data", {{"psn_no", psn}, {"mdtrt_id", mdtrt}, {"medfee_sumamt", 81.00}}}});
    ASSERT_EQ(pre.value("infcode", -9), 0) << pre.dump();
    EXPECT_DOUBLE_EQ(pre["output"]["setlinfo"]["fund_pay_sumamt"].get<double>(), 22.50);
    EXPECT_DOUBLE_EQ(pre["output"]["setlinfo"]["psn_cash_pay"].get<double>(), 58.50);
    const json settle = envelope("2207", msgid(5), {{"data", {{"psn_no", psn}, {"mdtrt_id", mdtrt}, {"medfee_sumamt", 81.00}}}});
    ASSERT_EQ(settle.value("infcode", -9), 0) << settle.dump();
    const std::string setl = settle["output"]["setlinfo"]["setl_id"];
    // The same msgid again: the stored answer, not a second settlement.
    const json repeat = envelope("2207", msgid(5), {{"data", {{"psn_no", psn}, {"mdtrt_id", mdtrt}, {"medfee_sumamt", 81.00}}}});
    EXPECT_EQ(repeat, settle);
    EXPECT_EQ(sim.commits(msgid(5)), 1);
    // A new msgid for the same visit is refused: already settled.
    EXPECT_EQ(envelope("2207", msgid(6), {{"data", {{"mdtrt_id", mdtrt}}}}).value("infcode", 0), -1);
    EXPECT_EQ(envelope("5203", msgid(7), {{"data", {{"setl_id", setl}}}})["output"]["status"], "settled");
    // Reversal by the original msgid cancels the settlement.
    EXPECT_EQ(envelope("2601", msgid(8), {{"data", {{"psn_no", psn}, {"omsgid", msgid(5)}, {"oinfno", "2207"}}}}).value("infcode", -9), 0);
    EXPECT_EQ(envelope("5203", msgid(9), {{"data", {{"setl_id", setl}}}})["output"]["status"], "cancelled");
    EXPECT_EQ(envelope("2208", msgid(10), {{"data", {{"setl_id", setl}}}}).value("infcode", 0), -1) << "already cancelled";
}

TEST_F(SimServicesTest, InsuranceRefusesBadEnvelopes) {
    const json shortId = envelope("1101", "SHORT", {{"data", {{"mdtrt_cert_type", "02"}, {"mdtrt_cert_no", "110101199003070134"}}}});
    EXPECT_EQ(shortId.value("infcode", 0), -1);
    EXPECT_NE(shortId.value("err_msg", "").find("msgid"), std::string::npos);
    EXPECT_EQ(envelope("9999", msgid(20), json::object()).value("infcode", 0), -1);
    EXPECT_EQ(envelope("1101", msgid(21), {{"data", {{"mdtrt_cert_type", "02"}, {"mdtrt_cert_no", "000"}}}}).value("infcode", 0), -1);
    EXPECT_EQ(envelope("2206", msgid(22), {{"data", {{"mdtrt_id", "MDTRT-404"}}}}).value("infcode", 0), -1);
}

TEST_F(SimServicesTest, GatewayOrdersAreDeduplicatedAndRefundsHonouredOnce) {
    long status = 0;
    const json order = sim.call("POST", "/gateway/orders", {{"out_trade_no", "K01T0001"}, {"amount_fen", 5000}, {"channel", "wechat"}}, &status);
    EXPECT_EQ(status, 201);
    EXPECT_EQ(order["status"], "NOTPAY");
    const std::string codeUrl = order["code_url"];
    EXPECT_EQ(sim.call("POST", "/gateway/orders", {{"out_trade_no", "K01T0001"}, {"amount_fen", 5000}, {"channel", "wechat"}})["code_url"], codeUrl);
    const json changed = sim.call("POST", "/gateway/orders", {{"out_trade_no", "K01T0001"}, {"amount_fen", 6000}, {"channel", "wechat"}}, &status);
    EXPECT_EQ(status, 409);
    EXPECT_EQ(changed["code"], "ORDER_PARAM_MISMATCH");
    EXPECT_EQ(sim.call("GET", "/gateway/orders/K01T0001")["status"], "NOTPAY");
    EXPECT_EQ(sim.call("GET", "/gateway/orders/NOPE", nullptr, &status)["code"], "ORDER_NOT_EXIST");
    EXPECT_EQ(sim.call("POST", "/gateway/orders/K01T0001/simulate-paid")["status"], "SUCCESS");
    EXPECT_EQ(sim.call("POST", "/gateway/orders/K01T0001/close", nullptr, &status)["code"], "ORDER_PAID");
    EXPECT_EQ(status, 409);
    const json refund = sim.call("POST", "/gateway/refunds", {{"out_trade_no", "K01T0001"}, {"out_refund_no", "K01R0001"}, {"amount_fen", 3000}});
    EXPECT_EQ(refund["status"], "SUCCESS");
    EXPECT_EQ(sim.call("POST", "/gateway/refunds", {{"out_trade_no", "K01T0001"}, {"out_refund_no", "K01R0001"}, {"amount_fen", 3000}}), refund);
    EXPECT_EQ(sim.call("GET", "/gateway/orders/K01T0001")["refunded_fen"], 3000) << "refund key honoured once";
    sim.call("POST", "/gateway/refunds", {{"out_trade_no", "K01T0001"}, {"out_refund_no", "K01R0002"}, {"amount_fen", 3000}}, &status);
    EXPECT_EQ(status, 400) << "cannot refund more than was paid";
    // An unpaid order closes; a closed order cannot be paid any more.
    sim.call("POST", "/gateway/orders", {{"out_trade_no", "K01T0002"}, {"amount_fen", 100}, {"channel", "alipay"}});
    EXPECT_EQ(sim.call("POST", "/gateway/orders/K01T0002/close")["status"], "CLOSED");
    EXPECT_EQ(sim.call("POST", "/gateway/orders/K01T0002/simulate-paid", nullptr, &status)["code"], "ORDER_CLOSED");
    const json bill = sim.call("GET", "/gateway/bill");
    EXPECT_EQ(bill["orders"].size(), 2U);
    EXPECT_EQ(bill["refunds"].size(), 1U);
    sim.call("POST", "/gateway/orders", {{"out_trade_no", "K01T0003"}, {"amount_fen", -1}, {"channel", "wechat"}}, &status);
    EXPECT_EQ(status, 400);
}

TEST_F(SimServicesTest, HealthCardPlatformResolvesTokens) {
    const json resolved = sim.call("POST", "/healthcard/resolve",
                                   {{"token", "0272E5F1A9B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D5E6F708192A3B5D6E:1"}, {"channel_code", "0200"}});
    EXPECT_EQ(resolved["name"], "李珺");
    EXPECT_EQ(resolved["idNumber"], "430102198506120240");
    EXPECT_EQ(resolved["channelCode"], "0200");
    long status = 0;
    sim.call("POST", "/healthcard/resolve", {{"token", "nonsense"}}, &status);
    EXPECT_EQ(status, 400);
    sim.call("POST", "/healthcard/resolve", std::string("{not json"), &status);
    EXPECT_EQ(status, 400);
}

}  // namespace
}  // namespace kiosk::backend
