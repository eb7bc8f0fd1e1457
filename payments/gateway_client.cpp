#include "payments/gateway_client.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace kiosk::payments {

namespace {

using Json = nlohmann::json;

Result<Json> parseObject(const std::string& body) {
    Json json = Json::parse(body, nullptr, false);
    if (json.is_discarded() || !json.is_object()) return fail(Errc::invalid_answer, "gateway answer is not a JSON object", "payments.gateway_invalid");
    return json;
}

/// Reads an order answer and checks that it is OUR order with OUR amount: an answer for another
/// order or another amount is never acted on.
Result<GatewayOrder> readOrder(const Json& json, const std::string& outTradeNo, int64_t expectedAmountFen) {
    GatewayOrder order;
    order.outTradeNo = json.value("out_trade_no", "");
    order.status = json.value("status", "");
    if (!json.contains("amount_fen") || !json["amount_fen"].is_number_integer()) {
        return fail(Errc::invalid_answer, "gateway order answer without an integer amount_fen", "payments.gateway_invalid");
    }
    order.amountFen = json["amount_fen"].get<int64_t>();
    order.refundedFen = json.value("refunded_fen", int64_t{0});
    order.codeUrl = json.value("code_url", "");
    order.transactionId = json.value("transaction_id", "");
    if (order.outTradeNo != outTradeNo) {
        return fail(Errc::invalid_answer, fmt::format("gateway answered for order '{}' instead of '{}'", order.outTradeNo, outTradeNo),
                    "payments.gateway_invalid");
    }
    if (order.amountFen != expectedAmountFen) {
        return fail(Errc::invalid_answer, fmt::format("gateway amount {} fen differs from the order's {} fen", order.amountFen, expectedAmountFen),
                    "payments.gateway_invalid");
    }
    if (order.status != "NOTPAY" && order.status != "SUCCESS" && order.status != "CLOSED" && order.status != "REFUND") {
        return fail(Errc::invalid_answer, "gateway order status '" + order.status + "' is not known", "payments.gateway_invalid");
    }
    return order;
}

std::string codeOf(const std::string& body) {
    const Json json = Json::parse(body, nullptr, false);
    return json.is_object() ? json.value("code", "") : "";
}

}  // namespace

Result<std::string> GatewayClient::call(const std::string& method, const std::string& target, const std::string& body,
                                        bool isWrite, long& status) {
    backend::HttpRequest request;
    request.method = method;
    request.target = target;
    request.body = body;
    request.accept = "application/json";
    if (!body.empty()) request.headers.emplace_back("Content-Type", "application/json");
    auto answer = http_.perform(request);
    if (!answer) {
        const auto& failure = answer.error();
        if (isWrite && failure.maybeDelivered) {
            return fail(Errc::unknown_outcome, "gateway " + method + " " + target + ": " + failure.detail, "payments.confirming");
        }
        return fail(failure.code == Errc::timeout ? Errc::timeout : Errc::backend_unavailable,
                    "gateway " + method + " " + target + ": " + failure.detail, "payments.gateway_unavailable");
    }
    status = answer->status;
    if (status >= 500) {
        // A 5xx may come from a proxy after the gateway acted: for a write the outcome is unknown.
        if (isWrite) return fail(Errc::unknown_outcome, fmt::format("gateway {} {}: HTTP {}", method, target, status), "payments.confirming");
        return fail(Errc::backend_unavailable, fmt::format("gateway {} {}: HTTP {}", method, target, status), "payments.gateway_unavailable");
    }
    return std::move(answer->body);
}

Result<GatewayOrder> GatewayClient::create(const std::string& outTradeNo, int64_t amountFen, const std::string& channel,
                                           const std::string& description) {
    long status = 0;
    const Json body = {{"out_trade_no", outTradeNo}, {"amount_fen", amountFen}, {"channel", channel}, {"description", description}};
    auto answer = call("POST", "orders", body.dump(), true, status);
    if (!answer) return std::unexpected(answer.error());
    if (status == 409) return fail(Errc::rejected, "gateway refused the order: " + codeOf(*answer), "payments.gateway_rejected");
    if (status != 200 && status != 201) {
        return fail(Errc::rejected, fmt::format("gateway create answered HTTP {} {}", status, codeOf(*answer)), "payments.gateway_rejected");
    }
    auto json = parseObject(*answer);
    if (!json) return std::unexpected(json.error());
    auto order = readOrder(*json, outTradeNo, amountFen);
    if (order && order->codeUrl.empty()) return fail(Errc::invalid_answer, "gateway order without code_url", "payments.gateway_invalid");
    return order;
}

Result<GatewayOrder> GatewayClient::query(const std::string& outTradeNo, int64_t expectedAmountFen) {
    long status = 0;
    auto answer = call("GET", "orders/" + outTradeNo, {}, false, status);
    if (!answer) return std::unexpected(answer.error());
    if (status == 404 && codeOf(*answer) == "ORDER_NOT_EXIST") {
        GatewayOrder missing;
        missing.outTradeNo = outTradeNo;
        missing.status = "NOT_EXIST";
        missing.amountFen = expectedAmountFen;
        return missing;
    }
    if (status != 200) return fail(Errc::invalid_answer, fmt::format("gateway query answered HTTP {}", status), "payments.gateway_invalid");
    auto json = parseObject(*answer);
    if (!json) return std::unexpected(json.error());
    return readOrder(*json, outTradeNo, expectedAmountFen);
}

Result<GatewayOrder> GatewayClient::close(const std::string& outTradeNo, int64_t expectedAmountFen) {
    long status = 0;
    auto answer = call("POST", "orders/" + outTradeNo + "/close", "{}", true, status);
    if (!answer) return std::unexpected(answer.error());
    if (status == 409 && codeOf(*answer) == "ORDER_PAID") {
        // The patient paid just before the close: the order is PAID. Read it for the reference;
        // a read that fails or lags behind (a replica still saying NOTPAY) does not undo that.
        auto paid = query(outTradeNo, expectedAmountFen);
        if (paid && (paid->status == "SUCCESS" || paid->status == "REFUND")) return paid;
        if (!paid && paid.error().code == Errc::invalid_answer) return paid;
        GatewayOrder order;
        order.outTradeNo = outTradeNo;
        order.status = "SUCCESS";
        order.amountFen = expectedAmountFen;
        return order;
    }
    if (status == 404) {
        GatewayOrder missing;
        missing.outTradeNo = outTradeNo;
        missing.status = "NOT_EXIST";
        missing.amountFen = expectedAmountFen;
        return missing;
    }
    if (status != 200) return fail(Errc::invalid_answer, fmt::format("gateway close answered HTTP {}", status), "payments.gateway_invalid");
    auto json = parseObject(*answer);
    if (!json) return std::unexpected(json.error());
    return readOrder(*json, outTradeNo, expectedAmountFen);
}

Result<GatewayRefund> GatewayClient::refund(const std::string& outTradeNo, const std::string& outRefundNo, int64_t amountFen) {
    long status = 0;
    const Json body = {{"out_trade_no", outTradeNo}, {"out_refund_no", outRefundNo}, {"amount_fen", amountFen}};
    auto answer = call("POST", "refunds", body.dump(), true, status);
    if (!answer) return std::unexpected(answer.error());
    if (status != 200 && status != 201) {
        return fail(Errc::rejected, fmt::format("gateway refused the refund: HTTP {} {}", status, codeOf(*answer)), "payments.refund_refused");
    }
    auto json = parseObject(*answer);
    if (!json) return std::unexpected(json.error());
    GatewayRefund refund;
    refund.outRefundNo = json->value("out_refund_no", "");
    refund.outTradeNo = json->value("out_trade_no", "");
    refund.status = json->value("status", "");
    refund.amountFen = json->value("amount_fen", int64_t{-1});
    if (refund.outRefundNo != outRefundNo || json->value("out_trade_no", "") != outTradeNo) {
        return fail(Errc::invalid_answer, "gateway refund answer names another refund or order", "payments.gateway_invalid");
    }
    if (refund.amountFen != amountFen || refund.status != "SUCCESS") {
        return fail(Errc::invalid_answer, fmt::format("gateway refund answer: {} fen, status '{}'", refund.amountFen, refund.status),
                    "payments.gateway_invalid");
    }
    return refund;
}

Result<GatewayBill> GatewayClient::bill(const std::string& date) {
    long status = 0;
    auto answer = call("GET", "bill?date=" + date, {}, false, status);
    if (!answer) return std::unexpected(answer.error());
    if (status != 200) return fail(Errc::invalid_answer, fmt::format("gateway bill answered HTTP {}", status), "payments.gateway_invalid");
    auto json = parseObject(*answer);
    if (!json) return std::unexpected(json.error());
    GatewayBill bill;
    bill.date = json->value("date", "");
    if (bill.date != date) return fail(Errc::invalid_answer, "gateway bill is for " + bill.date + ", not " + date, "payments.gateway_invalid");
    if (!(*json)["orders"].is_array() || !(*json)["refunds"].is_array()) {
        return fail(Errc::invalid_answer, "gateway bill without orders and refunds", "payments.gateway_invalid");
    }
    for (const auto& row : (*json)["orders"]) {
        const std::string tradeNo = row.value("out_trade_no", "");
        const int64_t amount = row.contains("amount_fen") && row["amount_fen"].is_number_integer() ? row["amount_fen"].get<int64_t>() : -1;
        auto order = readOrder(row, tradeNo, amount);  // the row's own amount: checks type and status
        if (!order || amount <= 0) return fail(Errc::invalid_answer, "gateway bill row for '" + tradeNo + "' is not valid", "payments.gateway_invalid");
        bill.orders.push_back(*order);
    }
    for (const auto& row : (*json)["refunds"]) {
        GatewayRefund refund;
        refund.outRefundNo = row.value("out_refund_no", "");
        refund.outTradeNo = row.value("out_trade_no", "");
        refund.status = row.value("status", "");
        if (!row.contains("amount_fen") || !row["amount_fen"].is_number_integer()) {
            return fail(Errc::invalid_answer, "gateway bill refund without an integer amount_fen", "payments.gateway_invalid");
        }
        refund.amountFen = row["amount_fen"].get<int64_t>();
        bill.refunds.push_back(std::move(refund));
    }
    return bill;
}

}  // namespace kiosk::payments
