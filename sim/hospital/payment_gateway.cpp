// The hospital's QR payment gateway (notes/protocols.md §5), under /gateway. One shape for
// WeChat Native / Alipay precreate / UnionPay QR:
//   POST /gateway/orders                    {"out_trade_no", "amount_fen", "channel", "description"}
//                                           → {"code_url", "status"}; the same out_trade_no with
//                                           the same parameters returns the same order, with
//                                           other parameters 409 ORDER_PARAM_MISMATCH
//   GET  /gateway/orders/{out_trade_no}     → {"status": NOTPAY | SUCCESS | CLOSED | REFUND, …};
//                                           404 ORDER_NOT_EXIST
//   POST /gateway/orders/{no}/close         → CLOSED, or 409 ORDER_PAID when it was paid
//   POST /gateway/orders/{no}/simulate-paid → "the patient paid on the phone"
//   POST /gateway/refunds                   {"out_trade_no", "out_refund_no", "amount_fen"}; an
//                                           out_refund_no is honoured once (a repeat returns the
//                                           first result)
//   GET  /gateway/bill?date=YYYY-MM-DD      the day's orders and refunds, for reconciliation
#include <fmt/format.h>

#include "sim/hospital/http_util.hpp"
#include "sim/hospital/modules.hpp"

namespace kiosk::sim {

namespace {

constexpr const char* kJson = "application/json";

void gatewayError(httplib::Response& res, int status, const char* code, const std::string& message) {
    sendJson(res, status, {{"code", code}, {"message", message}}, kJson);
}

}  // namespace

void installPaymentGateway(httplib::Server& server, SimContext& context) {
    route(server, context, "POST", "/gateway/orders", [&context](const httplib::Request& req, httplib::Response& res) {
        auto body = parseBody(req, res);
        if (!body) return;
        const std::string tradeNo = body->value("out_trade_no", "");
        const int64_t amount = body->value("amount_fen", int64_t{0});
        const std::string channel = body->value("channel", "");
        if (tradeNo.empty() || tradeNo.size() > 32 || amount <= 0 || (channel != "wechat" && channel != "alipay" && channel != "unionpay")) {
            gatewayError(res, 400, "PARAM_ERROR", "out_trade_no (≤32), amount_fen > 0 and channel wechat|alipay|unionpay are required");
            return;
        }
        context.store.withWriteLock([&] {
            if (auto existing = context.store.getLocked("gw.order", tradeNo)) {
                if ((*existing)["amount_fen"] != amount || (*existing)["channel"] != channel) {
                    gatewayError(res, 409, "ORDER_PARAM_MISMATCH", "out_trade_no reused with other parameters");
                    return;
                }
                sendJson(res, 200, *existing, kJson);
                return;
            }
            Json order = {{"out_trade_no", tradeNo},   {"amount_fen", amount}, {"channel", channel},
                          {"description", body->value("description", "")}, {"status", "NOTPAY"},
                          {"code_url", fmt::format("weixin://wxpay/bizpayurl?pr=SIM{}", tradeNo)},
                          {"created", nowIso()},       {"refunded_fen", 0}};
            if (channel == "alipay") order["code_url"] = "https://qr.alipay.com/sim" + tradeNo;
            if (channel == "unionpay") order["code_url"] = "https://qr.95516.com/sim" + tradeNo;
            context.store.putLocked("gw.order", tradeNo, order);
            context.faults.recordCommit(tradeNo);
            sendJson(res, 201, order, kJson);
        });
    });
    route(server, context, "GET", R"(/gateway/orders/([A-Za-z0-9_\-]+))", [&context](const httplib::Request& req, httplib::Response& res) {
        auto order = context.store.get("gw.order", req.matches[1]);
        if (!order) {
            gatewayError(res, 404, "ORDER_NOT_EXIST", "no such order");
            return;
        }
        sendJson(res, 200, *order, kJson);
    });
    route(server, context, "POST", R"(/gateway/orders/([A-Za-z0-9_\-]+)/(close|simulate-paid))",
          [&context](const httplib::Request& req, httplib::Response& res) {
              const std::string tradeNo = req.matches[1];
              const bool close = req.matches[2] == "close";
              context.store.withWriteLock([&] {
                  auto order = context.store.getLocked("gw.order", tradeNo);
                  if (!order) {
                      gatewayError(res, 404, "ORDER_NOT_EXIST", "no such order");
                      return;
                  }
                  const std::string status = (*order)["status"];
                  if (close) {
                      if (status == "SUCCESS" || status == "REFUND") {
                          gatewayError(res, 409, "ORDER_PAID", "order was paid; refund it instead");
                          return;
                      }
                      (*order)["status"] = "CLOSED";
                  } else {
                      if (status == "CLOSED") {
                          gatewayError(res, 409, "ORDER_CLOSED", "order closed before payment");
                          return;
                      }
                      if (status == "NOTPAY") {
                          (*order)["status"] = "SUCCESS";
                          (*order)["paid_at"] = nowIso();
                          (*order)["transaction_id"] = "420000" + tradeNo;
                      }
                  }
                  context.store.putLocked("gw.order", tradeNo, *order);
                  sendJson(res, 200, *order, kJson);
              });
          });
    route(server, context, "POST", "/gateway/refunds", [&context](const httplib::Request& req, httplib::Response& res) {
        auto body = parseBody(req, res);
        if (!body) return;
        const std::string tradeNo = body->value("out_trade_no", "");
        const std::string refundNo = body->value("out_refund_no", "");
        const int64_t amount = body->value("amount_fen", int64_t{0});
        context.store.withWriteLock([&] {
            if (auto existing = context.store.getLocked("gw.refund", refundNo)) {  // honoured once
                sendJson(res, 200, *existing, kJson);
                return;
            }
            auto order = context.store.getLocked("gw.order", tradeNo);
            if (!order) {
                gatewayError(res, 404, "ORDER_NOT_EXIST", "no such order");
                return;
            }
            if ((*order)["status"] != "SUCCESS" && (*order)["status"] != "REFUND") {
                gatewayError(res, 409, "ORDER_NOT_PAID", "only a paid order can be refunded");
                return;
            }
            const int64_t refunded = (*order)["refunded_fen"];
            if (refundNo.empty() || amount <= 0 || refunded + amount > (*order)["amount_fen"].get<int64_t>()) {
                gatewayError(res, 400, "REFUND_AMOUNT_INVALID", "refund exceeds the paid amount");
                return;
            }
            (*order)["refunded_fen"] = refunded + amount;
            (*order)["status"] = "REFUND";
            context.store.putLocked("gw.order", tradeNo, *order);
            Json refund = {{"out_refund_no", refundNo}, {"out_trade_no", tradeNo}, {"amount_fen", amount},
                           {"status", "SUCCESS"}, {"created", nowIso()}};
            context.store.putLocked("gw.refund", refundNo, refund);
            context.faults.recordCommit(refundNo);
            sendJson(res, 201, refund, kJson);
        });
    });
    route(server, context, "GET", "/gateway/bill", [&context](const httplib::Request& req, httplib::Response& res) {
        const std::string date = req.has_param("date") ? req.get_param_value("date") : dateIso(0);
        auto onDate = [&](const Json& r) { return r.value("created", "").substr(0, 10) == date; };
        sendJson(res, 200, {{"date", date}, {"orders", context.store.find("gw.order", onDate)},
                            {"refunds", context.store.find("gw.refund", onDate)}}, kJson);
    });
}

}  // namespace kiosk::sim
