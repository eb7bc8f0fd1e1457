// pay_probe: a small payment program for the crash matrix (tests/payments/crash_matrix_test.cpp).
// It does what the kiosk app does around a QR payment: recovery first, then one payment, with
// KIOSK_FAILPOINT honoured at every step boundary. It prints one JSON line with the result.
//
//   pay_probe --journal F --root http://127.0.0.1:PORT --mode pay|recover
//             [--patient P --charges a,b --amount FEN --channel wechat]
//             [--phone-pays]      play the patient's phone: pay right after the QR is shown
//             [--poll-ms 20] [--qr-timeout-ms 400]
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "kiosk/backend/fhir_his_driver.hpp"
#include "kiosk/core/journal.hpp"
#include "kiosk/core/log.hpp"
#include "payments/qr_saga.hpp"

using namespace kiosk;
using namespace kiosk::payments;

namespace {

nlohmann::json describe(const PaymentOrder& order) {
    return {{"order_id", order.orderId}, {"state", stateName(order.state)}, {"reason", order.reason},
            {"out_trade_no", order.outTradeNo()}, {"his_trade_no", order.hisTradeNo()}, {"out_refund_no", order.outRefundNo()}};
}

int failWith(const Error& error) {
    std::cout << nlohmann::json{{"error", error.describe()}}.dump() << "\n";
    return 1;
}

}  // namespace

int main(int argc, char** argv) {
    std::map<std::string, std::string> args;
    for (int i = 1; i < argc; ++i) {
        std::string key = argv[i];
        if (key == "--phone-pays") {
            args[key] = "1";
        } else if (i + 1 < argc) {
            args[key] = argv[++i];
        }
    }
    log::configure(log::Settings{});  // logs to stderr; stdout carries only the JSON result
    const std::string root = args["--root"];
    auto journal = Journal::open(args["--journal"]);
    if (!journal) return failWith(journal.error());
    auto sagaJournal = SagaJournal::attach(**journal, "K01");
    if (!sagaJournal) return failWith(sagaJournal.error());
    backend::HttpSettings gatewaySettings;
    gatewaySettings.baseUrl = root + "/gateway";
    gatewaySettings.kioskId = "K01";
    gatewaySettings.callTimeout = std::chrono::milliseconds(1500);
    GatewayClient gateway(gatewaySettings);
    backend::FhirSettings fhirSettings;
    fhirSettings.http.baseUrl = root + "/fhir";
    fhirSettings.http.kioskId = "K01";
    fhirSettings.http.callTimeout = std::chrono::milliseconds(1500);
    fhirSettings.retryBackoff = std::chrono::milliseconds(20);
    backend::FhirHisDriver his(fhirSettings);
    QrSettings settings;
    settings.pollInterval = std::chrono::milliseconds(args.contains("--poll-ms") ? std::stoi(args["--poll-ms"]) : 20);
    settings.qrTimeout = std::chrono::milliseconds(args.contains("--qr-timeout-ms") ? std::stoi(args["--qr-timeout-ms"]) : 400);
    QrPaymentSaga saga(*sagaJournal, gateway, his, settings);

    auto report = saga.recover();
    if (!report) return failWith(report.error());
    nlohmann::json out = {{"recovered", nlohmann::json::array()}, {"pending", nlohmann::json::array()}};
    for (const auto& o : report->resolved) out["recovered"].push_back(describe(o));
    for (const auto& o : report->pending) out["pending"].push_back(describe(o));
    if (args["--mode"] == "pay") {
        std::vector<std::string> charges;
        std::string list = args["--charges"];
        for (size_t start = 0; start < list.size();) {
            const size_t comma = list.find(',', start);
            charges.push_back(list.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
            start = comma == std::string::npos ? list.size() : comma + 1;
        }
        auto order = saga.start(args["--patient"], charges, std::stoll(args["--amount"]), args["--channel"]);
        if (!order) return failWith(order.error());
        order = saga.showQr(*order);
        if (!order) return failWith(order.error());
        if (args.contains("--phone-pays") && order->state == SagaState::qr_shown) {
            backend::HttpSettings phoneSettings;
            phoneSettings.baseUrl = root;
            backend::HttpClient phone(phoneSettings);
            backend::HttpRequest paid;
            paid.method = "POST";
            paid.target = "gateway/orders/" + order->outTradeNo() + "/simulate-paid";
            paid.accept = "application/json";
            (void)phone.perform(paid);
        }
        if (order->state == SagaState::qr_shown) order = saga.awaitPayment(*order);
        if (order && order->state == SagaState::paid) order = saga.commitToHis(*order);
        if (!order) return failWith(order.error());
        out["order"] = describe(*order);
    }
    std::cout << out.dump() << "\n";
    return 0;
}
