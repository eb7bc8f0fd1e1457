// Payments benchmark (not a CTest test): run `build/tests/payments/payments_bench [--writes N]`.
//  1. journal write latency: one saga transition = one SQLite transaction in WAL mode with
//     synchronous=FULL (an fsync per commit), p50/p99 over N writes, in the system temp dir.
//  2. a whole QR payment against an in-process hospital-sim on loopback (start → QR → the phone
//     pays → poll → PAID → HIS commit → DONE), p50/p99 over every seeded billable charge: the
//     time the kiosk adds to a payment, patient's own time excluded (the phone pays at once and
//     the first poll sees it).
//  3. a whole insurance payment through the PaymentDesk (1101 → 2201 → 2204 → 2206 → QR for the
//     cash part → the phone pays → 2207 → HIS commit → DONE), once per seeded person with all
//     their charges (so n is the number of people): the kiosk's part, the phone's call excluded.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "kiosk/backend/fhir_his_driver.hpp"
#include "kiosk/core/config.hpp"
#include "kiosk/core/journal.hpp"
#include "kiosk/core/log.hpp"
#include "payments/payment_desk.hpp"
#include "payments/qr_saga.hpp"
#include "sim/hospital/hospital_sim.hpp"
#include "tests/support/free_port.hpp"

using namespace kiosk;
using namespace kiosk::payments;
using SteadyClock = std::chrono::steady_clock;

namespace {

void print(const std::string& what, std::vector<double> ms) {
    if (ms.empty()) {
        std::cout << what << ": no samples\n";
        return;
    }
    std::sort(ms.begin(), ms.end());
    auto at = [&](double q) { return ms[std::min(ms.size() - 1, static_cast<size_t>(q * static_cast<double>(ms.size())))]; };
    std::cout << fmt::format("  {:<52} n={:<5} p50={:8.3f} ms  p99={:8.3f} ms  max={:8.3f} ms\n", what, ms.size(), at(0.5), at(0.99), ms.back());
}

double since(SteadyClock::time_point start) { return std::chrono::duration<double, std::milli>(SteadyClock::now() - start).count(); }

}  // namespace

int main(int argc, char** argv) {
    int writes = 500;
    // --smoke: 5 writes and one payment of each kind (the test suite's run, so the benchmark
    // cannot rot unseen).
    size_t maxPayments = SIZE_MAX;
    for (int i = 1; i < argc; ++i) {
        if (std::string(argv[i]) == "--smoke") {
            writes = 5;
            maxPayments = 1;
        }
    }
    for (int i = 1; i + 1 < argc; i += 2) {
        if (std::string(argv[i]) == "--writes") writes = std::atoi(argv[i + 1]);
    }
    log::Settings logSettings;
    logSettings.level = spdlog::level::err;
    log::configure(logSettings);
    const auto dir = std::filesystem::temp_directory_path() / fmt::format("payments-bench-{}", ::getpid());
    std::filesystem::create_directories(dir);

    std::cout << fmt::format("1. journal writes (WAL, synchronous=FULL) in {}\n", dir.string());
    {
        auto journal = Journal::open(dir / "journal.sqlite");
        if (!journal) return 1;
        auto saga = SagaJournal::attach(**journal, "BENCH");
        if (!saga) return 1;
        std::vector<double> creates, transitions;
        for (int i = 0; i < writes; ++i) {
            auto start = SteadyClock::now();
            auto order = saga->create("pat-bench", {"chg-1"}, 100 + i, "wechat");
            creates.push_back(since(start));
            if (!order) return 1;
            start = SteadyClock::now();
            auto moved = saga->transition(*order, SagaState::ordering);
            transitions.push_back(since(start));
            if (!moved) return 1;
        }
        print("create (CREATED row + event)", creates);
        print("transition (state update + event)", transitions);
    }

    std::cout << "2. whole QR payment against in-process hospital-sim on loopback\n";
    sim::HospitalSimOptions options;
    options.dataDir = dir / "sim";
    options.peopleFile = defaultAssetsDir() / "sim" / "people.json";
    options.threads = 8;
    auto hospital = sim::HospitalSim::create(options);
    if (!hospital) return 1;
    // A free port below the ephemeral range (tests/support/free_port.hpp), the next one if taken.
    auto port = kiosk::test::startOnFreePort(
        [&](int candidate) { return (*hospital)->bind(candidate) ? kiosk::test::PortStart::listening : kiosk::test::PortStart::port_taken; });
    if (!port) {
        std::cerr << "hospital-sim: " << port.error() << '\n';
        return 1;
    }
    std::thread server([&] { (*hospital)->run(); });
    {
        const std::string root = fmt::format("http://127.0.0.1:{}", *port);
        auto journal = Journal::open(dir / "journal2.sqlite");
        if (!journal) return 1;
        auto saga = SagaJournal::attach(**journal, "BENCH");
        if (!saga) return 1;
        backend::HttpSettings gatewaySettings;
        gatewaySettings.baseUrl = root + "/gateway";
        GatewayClient gateway(gatewaySettings);
        backend::FhirSettings fhir;
        fhir.http.baseUrl = root + "/fhir";
        backend::FhirHisDriver his(fhir);
        backend::HttpSettings phoneSettings;
        phoneSettings.baseUrl = root;
        backend::HttpClient phone(phoneSettings);
        QrSettings settings;
        settings.pollInterval = std::chrono::milliseconds(1);
        QrPaymentSaga qr(*saga, gateway, his, settings);
        std::vector<double> total, phoneCalls;
        std::ifstream peopleFile(options.peopleFile);
        const auto people = nlohmann::json::parse(peopleFile, nullptr, false);
        for (const auto& person : people.value("people", nlohmann::json::array())) {
            const std::string patient = "pat-" + person.value("id", "");
            auto charges = his.charges(patient);
            if (!charges) continue;
            for (const auto& charge : *charges) {
                if (total.size() >= maxPayments) break;
                const auto start = SteadyClock::now();
                auto order = qr.start(patient, {charge.id}, charge.amountFen, "wechat");
                if (order) order = qr.showQr(*order);
                const auto phoneStart = SteadyClock::now();
                backend::HttpRequest paid;
                paid.method = "POST";
                paid.accept = "application/json";
                paid.target = "gateway/orders/" + (order ? order->outTradeNo() : std::string("x")) + "/simulate-paid";
                (void)phone.perform(paid);
                const double phoneMs = since(phoneStart);
                if (order) order = qr.awaitPayment(*order);
                if (order && order->state == SagaState::paid) order = qr.commitToHis(*order);
                if (!order || order->state != SagaState::done) {
                    std::cerr << "payment did not complete: " << (order ? std::string(stateName(order->state)) + " " + order->reason : order.error().describe()) << '\n';
                    continue;
                }
                total.push_back(since(start) - phoneMs);
                phoneCalls.push_back(phoneMs);
            }
        }
        print("kiosk's part of a payment (journal writes + HTTP calls)", total);
        print("the phone's simulate-paid call (excluded above)", phoneCalls);
    }
    (*hospital)->stop();
    server.join();

    // Part 2 paid every seeded charge: part 3 gets a fresh simulator with its own data dir.
    std::cout << "3. whole insurance payment (desk) against a fresh in-process hospital-sim\n";
    options.dataDir = dir / "sim3";
    auto hospital3 = sim::HospitalSim::create(options);
    if (!hospital3) return 1;
    auto port3 = (*hospital3)->bind();
    if (!port3) return 1;
    std::thread server3([&] { (*hospital3)->run(); });
    {
        const std::string root = fmt::format("http://127.0.0.1:{}", *port3);
        auto journal = Journal::open(dir / "journal3.sqlite");
        if (!journal) return 1;
        PaymentConfig config;
        config.gateway.baseUrl = root + "/gateway";
        config.insurance = config.gateway;
        config.insurance->baseUrl = root + "/insurance";
        config.qr.pollInterval = std::chrono::milliseconds(1);
        backend::FhirSettings fhir;
        fhir.http.baseUrl = root + "/fhir";
        backend::FhirHisDriver his(fhir);
        auto desk = PaymentDesk::create(config, "BENCH", **journal, his);
        if (!desk) return 1;
        backend::HttpSettings phoneSettings;
        phoneSettings.baseUrl = root;
        backend::HttpClient phone(phoneSettings);
        std::vector<double> total, quotes;
        std::ifstream peopleFile(options.peopleFile);
        const auto people = nlohmann::json::parse(peopleFile, nullptr, false);
        for (const auto& person : people.value("people", nlohmann::json::array())) {
            const std::string patient = "pat-" + person.value("id", "");
            auto charges = his.charges(patient);
            if (!charges || charges->empty()) continue;
            if (total.size() >= maxPayments) break;
            std::vector<ChargeLine> lines;
            for (const auto& c : *charges) lines.push_back({c.id, c.code, c.description, c.insuranceClass, c.amountFen});
            const auto start = SteadyClock::now();
            auto quote = (*desk)->quote(patient, lines, InsuranceCredential{"02", person.value("id_number", "")});
            if (!quote) {
                std::cerr << "quote failed: " << quote.error().describe() << '\n';
                continue;
            }
            quotes.push_back(since(start));
            double phoneMs = 0;
            auto order = (*desk)->showQr(quote->orderId, "wechat");
            if (order && order->state == SagaState::qr_shown) {
                const auto phoneStart = SteadyClock::now();
                backend::HttpRequest paid;
                paid.method = "POST";
                paid.accept = "application/json";
                paid.target = "gateway/orders/" + order->outTradeNo() + "/simulate-paid";
                (void)phone.perform(paid);
                phoneMs = since(phoneStart);
                order = (*desk)->awaitPayment(quote->orderId);
            }
            if (order) order = (*desk)->finish(quote->orderId);
            if (!order || order->state != SagaState::done) {
                std::cerr << "insurance payment did not complete: " << (order ? std::string(stateName(order->state)) + " " + order->reason : order.error().describe()) << '\n';
                continue;
            }
            total.push_back(since(start) - phoneMs);
        }
        print("quote (journal + 1101/2201/2204/2206)", quotes);
        print("kiosk's part of an insurance payment (all steps)", total);
    }
    (*hospital3)->stop();
    server3.join();
    std::filesystem::remove_all(dir);
    return 0;
}
