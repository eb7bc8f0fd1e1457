// pay_probe: a small payment program for the crash matrix (tests/payments/crash_matrix_test.cpp).
// It does what the kiosk app does around a payment: recovery first (PaymentDesk::recover, QR and
// insurance orders), then one payment, with KIOSK_FAILPOINT honoured at every step boundary. It
// prints one JSON line with the result.
//
//   pay_probe --journal F --root http://127.0.0.1:PORT --mode pay|pay-insured|recover
//             [--patient P --charges a,b --amount FEN --channel wechat]          (pay: QR saga)
//             [--patient P --cert-no ID --lines id:class:code:fen,… --channel wechat]
//                                                    (pay-insured: the desk, credential type 02)
//             [--patient P --slot S --amount FEN --channel wechat]     (book-paid: registration)
//             [--cert-no ID]      book-paid: the fee by insurance (credential type 02), its cash
//                                 part by QR
//             [--phone-pays]      play the patient's phone: pay right after the QR is shown
//             [--hold-lost free|taken]  book-paid: the hold ends while the patient pays (cancelled,
//                                 as the HIS does when it expires); "taken": another patient
//                                 then holds the slot
//             [--cancel]          book-paid: then the patient cancels the booking (退号) and the
//                                 fee goes back (PaymentDesk::cancelBooking)
//             [--poll-ms 20] [--qr-timeout-ms 400]
//             [--pos-port PTY --pos-layout FILE]  the bank-card terminal (mispos over the serial
//                                 framing, e.g. kiosk-vpos); with --channel bankcard, pay and
//                                 pay-insured charge the cash part on it (PaymentDesk::chargeCard)
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "drivers/pos/mispos/mispos_driver.hpp"
#include "kiosk/backend/fhir_his_driver.hpp"
#include "kiosk/core/journal.hpp"
#include "kiosk/core/log.hpp"
#include "payments/payment_desk.hpp"
#include "payments/qr_saga.hpp"

using namespace kiosk;
using namespace kiosk::payments;

namespace {

nlohmann::json describe(const PaymentOrder& order) {
    return {{"order_id", order.orderId}, {"state", stateName(order.state)}, {"reason", order.reason},
            {"out_trade_no", order.outTradeNo()}, {"his_trade_no", order.hisTradeNo()}, {"out_refund_no", order.outRefundNo()},
            {"kind", kindName(order.kind)}, {"cash_fen", order.cashFen}, {"mdtrt_id", order.mdtrtId}, {"setl_id", order.setlId},
            {"hold_key", order.holdKey}, {"appointment_id", order.appointmentId}, {"channel", order.channel},
            {"card_tag", order.card.tag}, {"card_voucher", order.card.voucher}, {"card_reference", order.card.reference},
            {"reversal", order.card.reversal}};
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
        if (key == "--phone-pays" || key == "--cancel") {
            args[key] = "1";
        } else if (i + 1 < argc) {
            args[key] = argv[++i];
        }
    }
    log::configure(log::Settings{});  // logs to stderr; stdout carries only the JSON result
    const std::string root = args["--root"];
    auto journal = Journal::open(args["--journal"]);
    if (!journal) return failWith(journal.error());
    PaymentConfig config;
    config.gateway.baseUrl = root + "/gateway";
    config.gateway.kioskId = "K01";
    config.gateway.callTimeout = std::chrono::milliseconds(1500);
    backend::HttpSettings insuranceSettings = config.gateway;
    insuranceSettings.baseUrl = root + "/insurance";
    config.insurance = insuranceSettings;
    backend::FhirSettings fhirSettings;
    fhirSettings.http.baseUrl = root + "/fhir";
    fhirSettings.http.kioskId = "K01";
    fhirSettings.http.callTimeout = std::chrono::milliseconds(1500);
    fhirSettings.retryBackoff = std::chrono::milliseconds(20);
    backend::FhirHisDriver his(fhirSettings);
    QrSettings settings;
    settings.pollInterval = std::chrono::milliseconds(args.contains("--poll-ms") ? std::stoi(args["--poll-ms"]) : 20);
    settings.qrTimeout = std::chrono::milliseconds(args.contains("--qr-timeout-ms") ? std::stoi(args["--qr-timeout-ms"]) : 400);
    config.qr = settings;
    // The crash matrix restarts at once and its virtual terminal has finished long before: a
    // query's "another transaction is the last one" is believed without the field's wait.
    config.cardQueryWait = std::chrono::seconds(0);
    auto desk = PaymentDesk::create(config, "K01", **journal, his);
    if (!desk) return failWith(desk.error());
    // The bank-card terminal, attached before recovery (a card order left open is resolved by
    // querying it).
    std::unique_ptr<drivers::pos::MisPosDriver> terminal;
    if (args.contains("--pos-port")) {
        auto layout = drivers::pos::MisPosLayout::loadFile(args["--pos-layout"]);
        if (!layout) return failWith(layout.error());
        drivers::pos::MisPosSettings pos;
        pos.transport = drivers::pos::PosTransport::serial;
        pos.serial.path = args["--pos-port"];
        pos.answerTimeout = std::chrono::milliseconds(2000);
        pos.serviceTimeout = std::chrono::milliseconds(2000);
        pos.ackTimeout = std::chrono::milliseconds(200);
        terminal = std::make_unique<drivers::pos::MisPosDriver>("pos", pos, *layout);
        (*desk)->attachCardTerminal(*terminal);
    }
    const bool byCard = args["--channel"] == "bankcard";
    QrPaymentSaga saga((*desk)->journal(), (*desk)->gateway(), his, settings);
    auto phonePays = [&](const PaymentOrder& order) {
        backend::HttpSettings phoneSettings;
        phoneSettings.baseUrl = root;
        backend::HttpClient phone(phoneSettings);
        backend::HttpRequest paid;
        paid.method = "POST";
        paid.target = "gateway/orders/" + order.outTradeNo() + "/simulate-paid";
        paid.accept = "application/json";
        (void)phone.perform(paid);
    };

    auto report = (*desk)->recover();
    if (!report) return failWith(report.error());
    nlohmann::json out = {{"recovered", nlohmann::json::array()}, {"pending", nlohmann::json::array()}};
    for (const auto& o : report->resolved) out["recovered"].push_back(describe(o));
    for (const auto& o : report->pending) out["pending"].push_back(describe(o));
    if (args["--mode"] == "pay" && byCard) {
        // One charge, self-pay, on the card terminal: quote, charge, commit.
        ChargeLine line;
        line.id = args["--charges"];
        line.amountFen = std::stoll(args["--amount"]);
        auto quote = (*desk)->quote(args["--patient"], {line}, std::nullopt);
        if (!quote) return failWith(quote.error());
        auto order = (*desk)->chargeCard(quote->orderId);
        if (order && order->state == SagaState::paid) order = (*desk)->finish(quote->orderId);
        if (!order) return failWith(order.error());
        out["order"] = describe(*order);
    } else if (args["--mode"] == "pay") {
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
        if (args.contains("--phone-pays") && order->state == SagaState::qr_shown) phonePays(*order);
        if (order->state == SagaState::qr_shown) order = saga.awaitPayment(*order);
        if (order && order->state == SagaState::paid) order = saga.commitToHis(*order);
        if (!order) return failWith(order.error());
        out["order"] = describe(*order);
    } else if (args["--mode"] == "book-paid") {
        auto held = (*desk)->holdForRegistration(args["--patient"], args["--slot"], std::stoll(args["--amount"]));
        if (!held) return failWith(held.error());
        const std::string orderId = held->order.orderId;
        if (args.contains("--hold-lost")) {
            // The hold lifetime is minutes at hospital-sim: its end is played by cancelling the
            // hold, which leaves the appointment and the slot exactly as the expiry does.
            if (auto cancelled = his.cancelAppointment(held->appointment.id); !cancelled) return failWith(cancelled.error());
            if (args["--hold-lost"] == "taken") {
                if (auto other = his.holdSlot(args["--slot"], "pat-gen-07", "OTHER-" + orderId); !other) return failWith(other.error());
            }
        }
        if (args.contains("--cert-no")) {
            auto split = (*desk)->preSettleRegistration(orderId, InsuranceCredential{"02", args["--cert-no"]});
            if (!split) return failWith(split.error());
        }
        auto order = (*desk)->showQr(orderId, args["--channel"]);
        if (!order) return failWith(order.error());
        if (args.contains("--phone-pays") && order->state == SagaState::qr_shown) phonePays(*order);
        order = (*desk)->awaitPayment(orderId);
        const bool nothingToPay = order && order->state == SagaState::ins_presettled && order->cashFen == 0;
        if (order && (order->state == SagaState::paid || nothingToPay)) order = (*desk)->finish(orderId);
        if (!order) return failWith(order.error());
        if (args.contains("--cancel") && order->state == SagaState::done) {
            auto cancelled = (*desk)->cancelBooking(order->appointmentId);
            if (!cancelled) return failWith(cancelled.error());
            if (!*cancelled) return failWith(Error(Errc::internal, "the booking just sold here is not refundable here"));
            order = **cancelled;
        }
        out["order"] = describe(*order);
    } else if (args["--mode"] == "pay-insured") {
        std::vector<ChargeLine> lines;
        std::string list = args["--lines"];
        for (size_t start = 0; start < list.size();) {
            const size_t comma = list.find(',', start);
            const std::string item = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
            start = comma == std::string::npos ? list.size() : comma + 1;
            ChargeLine line;
            const size_t a = item.find(':'), b = item.find(':', a + 1), c = item.find(':', b + 1);
            line.id = item.substr(0, a);
            line.insuranceClass = item.substr(a + 1, b - a - 1);
            line.code = item.substr(b + 1, c - b - 1);
            line.amountFen = std::stoll(item.substr(c + 1));
            lines.push_back(line);
        }
        auto quote = (*desk)->quote(args["--patient"], lines, InsuranceCredential{"02", args["--cert-no"]});
        if (!quote) return failWith(quote.error());
        auto order = byCard ? (*desk)->chargeCard(quote->orderId) : (*desk)->showQr(quote->orderId, args["--channel"]);
        if (!order) return failWith(order.error());
        if (args.contains("--phone-pays") && order->state == SagaState::qr_shown) phonePays(*order);
        if (!byCard) order = (*desk)->awaitPayment(quote->orderId);
        if (order && (order->state == SagaState::paid || order->state == SagaState::ins_presettled)) order = (*desk)->finish(quote->orderId);
        if (!order) return failWith(order.error());
        out["order"] = describe(*order);
    }
    std::cout << out.dump() << "\n";
    return 0;
}
