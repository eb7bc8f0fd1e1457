#pragma once
// The hospital payment gateway over HTTP (notes/protocols.md §5; hospital-sim /gateway):
//  [X] create order (out_trade_no, amount_fen, channel) → code_url; a repeat with the same
//      parameters returns the same order
//  [X] query order: NOTPAY | SUCCESS | CLOSED | REFUND; 404 ORDER_NOT_EXIST (not terminal before
//      the first create reached the gateway)
//  [X] close: CLOSED, or 409 ORDER_PAID ("already paid" = PAID)
//  [X] refund with out_refund_no (honoured once)
//  [X] every answer checked: it must name our out_trade_no and our amount, else invalid_answer
//  [X] the day's bill (orders and refunds) for reconciliation
// Transport failures: `unknown_outcome` for a write whose answer was lost (ask with query),
// `backend_unavailable` when the request certainly never arrived or the gateway said 5xx.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "kiosk/backend/http_client.hpp"
#include "kiosk/core/error.hpp"

namespace kiosk::payments {

struct GatewayOrder {
    std::string outTradeNo;
    std::string status;         ///< NOTPAY, SUCCESS, CLOSED, REFUND, or NOT_EXIST (404)
    int64_t amountFen = 0;
    int64_t refundedFen = 0;
    std::string codeUrl;
    std::string transactionId;
};

struct GatewayRefund {
    std::string outRefundNo;
    std::string outTradeNo;
    std::string status;
    int64_t amountFen = 0;
};

/// The gateway's bill of one day: every order created and every refund made that day.
struct GatewayBill {
    std::string date;  ///< YYYY-MM-DD
    std::vector<GatewayOrder> orders;
    std::vector<GatewayRefund> refunds;
};

class GatewayClient {
public:
    /// `settings.baseUrl` is the gateway root, e.g. "http://127.0.0.1:18080/gateway".
    explicit GatewayClient(backend::HttpSettings settings) : http_(std::move(settings)) {}
    const backend::HttpSettings& settings() const { return http_.settings(); }

    Result<GatewayOrder> create(const std::string& outTradeNo, int64_t amountFen, const std::string& channel,
                                const std::string& description);
    Result<GatewayOrder> query(const std::string& outTradeNo, int64_t expectedAmountFen);
    /// CLOSED order, or an order with status SUCCESS when the gateway answered ORDER_PAID.
    Result<GatewayOrder> close(const std::string& outTradeNo, int64_t expectedAmountFen);
    Result<GatewayRefund> refund(const std::string& outTradeNo, const std::string& outRefundNo, int64_t amountFen);
    /// GET bill?date=YYYY-MM-DD. Every row is checked (integer fen, known status); a bill for
    /// another date is invalid_answer.
    Result<GatewayBill> bill(const std::string& date);

private:
    Result<std::string> call(const std::string& method, const std::string& target, const std::string& body, bool isWrite,
                             long& status);

    backend::HttpClient http_;
};

}  // namespace kiosk::payments
