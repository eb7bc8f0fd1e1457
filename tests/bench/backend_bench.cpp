// Backend benchmarks (a plain program, not a test; loopback only, bounded in time):
//  1. kiosk-side cost per call with keep-alive: p50/p99 of sequential HisDriver calls against an
//     in-process hospital-sim, beside the raw HTTP round trip of the same request (the difference
//     is the adapter's own overhead: URL building, JSON parsing, mapping);
//  2. hospital-sim throughput with N concurrent simulated kiosks (default 200), each its own
//     driver and connection, looping identify → slots → charges for a few seconds.
// Usage: backend_bench [--kiosks 200] [--seconds 5] [--calls 2000] [--smoke]
//   --smoke: 2 kiosks, 1 s, 20 calls (the test suite's run, so the benchmark cannot rot unseen)
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <iostream>
#include <thread>

#include "kiosk/backend/fhir_his_driver.hpp"
#include "kiosk/core/config.hpp"
#include "kiosk/core/log.hpp"
#include "sim/hospital/hospital_sim.hpp"
#include "tests/support/free_port.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double percentile(std::vector<double> values, double p) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    return values[std::min(values.size() - 1, static_cast<size_t>(p * static_cast<double>(values.size())))];
}

template <class F>
std::vector<double> timeCalls(int calls, F call) {
    std::vector<double> micros;
    micros.reserve(static_cast<size_t>(calls));
    for (int i = 0; i < calls; ++i) {
        const auto start = Clock::now();
        if (!call()) {
            std::cerr << "call failed\n";
            std::exit(1);
        }
        micros.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
    }
    return micros;
}

void print(const char* name, const std::vector<double>& micros) {
    std::cout << fmt::format("  {:<44} p50 {:8.1f} us   p99 {:8.1f} us\n", name, percentile(micros, 0.5), percentile(micros, 0.99));
}

}  // namespace

int main(int argc, char** argv) {
    int kiosks = 200;
    int seconds = 5;
    int calls = 2000;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--smoke")) {
            kiosks = 2;
            seconds = 1;
            calls = 20;
        }
    }
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--kiosks")) kiosks = std::atoi(argv[i + 1]);
        if (!std::strcmp(argv[i], "--seconds")) seconds = std::atoi(argv[i + 1]);
        if (!std::strcmp(argv[i], "--calls")) calls = std::atoi(argv[i + 1]);
    }
    kiosk::log::Settings logSettings;
    logSettings.level = spdlog::level::err;
    kiosk::log::configure(logSettings);
    const auto dataDir = std::filesystem::temp_directory_path() / fmt::format("backend-bench-{}", ::getpid());
    std::filesystem::remove_all(dataDir);
    kiosk::sim::HospitalSimOptions options;
    options.dataDir = dataDir;
    options.peopleFile = kiosk::defaultAssetsDir() / "sim" / "people.json";
    options.threads = kiosks + 16;  // one worker per kept-alive connection
    auto sim = kiosk::sim::HospitalSim::create(options);
    if (!sim) {
        std::cerr << sim.error().describe() << '\n';
        return 1;
    }
    // A free port below the ephemeral range (tests/support/free_port.hpp), the next one if taken.
    auto port = kiosk::test::startOnFreePort(
        [&](int candidate) { return (*sim)->bind(candidate) ? kiosk::test::PortStart::listening : kiosk::test::PortStart::port_taken; });
    if (!port) {
        std::cerr << "hospital-sim: " << port.error() << '\n';
        return 1;
    }
    std::thread server([&] { (*sim)->run(); });

    kiosk::backend::FhirSettings settings;
    settings.http.baseUrl = fmt::format("http://127.0.0.1:{}/fhir", *port);
    settings.http.kioskId = "BENCH";
    settings.http.callTimeout = std::chrono::milliseconds(10000);

    std::cout << fmt::format("1. per-call latency, keep-alive, {} sequential calls each\n", calls);
    {
        kiosk::backend::FhirHisDriver driver(settings);
        kiosk::backend::HttpClient raw(settings.http);
        kiosk::backend::HttpRequest metadata;
        metadata.target = "metadata";
        kiosk::backend::HttpRequest patient;
        patient.target = "Patient?identifier=urn%3Ayizhan%3Aid%3Ahospital-card%7CH20240000&_count=100";
        timeCalls(100, [&] { return driver.ping().has_value(); });  // warm-up
        print("raw HTTP GET metadata", timeCalls(calls, [&] { return raw.perform(metadata).has_value(); }));
        print("HisDriver::ping (metadata)", timeCalls(calls, [&] { return driver.ping().has_value(); }));
        print("raw HTTP GET Patient?identifier", timeCalls(calls, [&] { return raw.perform(patient).has_value(); }));
        print("HisDriver::findPatient", timeCalls(calls, [&] {
                  return driver.findPatient(kiosk::backend::PatientKey::hospital_card, "H20240000").has_value();
              }));
        print("HisDriver::charges", timeCalls(calls / 4, [&] { return driver.charges("pat-zhang-san").has_value(); }));
    }

    std::cout << fmt::format("2. {} concurrent kiosks for {} s (identify → today's slots of a department → charges)\n", kiosks, seconds);
    // Every kiosk connects first (hospital-sim's listen backlog is small), then all start at once.
    std::atomic<bool> stop{false};
    std::atomic<bool> go{false};
    std::atomic<int> connected{0};
    std::atomic<long> failures{0};
    std::vector<std::vector<double>> perKiosk(static_cast<size_t>(kiosks));
    std::vector<std::thread> threads;
    const char* cards[] = {"H20240000", "H20240007", "H20240014", "H20240021", "H20240028", "H20240035"};
    const char* departments[] = {"dept-CARD", "dept-RESP", "dept-PAED", "dept-ORTH", "dept-ENT"};
    for (int k = 0; k < kiosks; ++k) {
        threads.emplace_back([&, k] {
            kiosk::backend::FhirHisDriver driver(settings);
            if (!driver.ping()) ++failures;
            ++connected;
            while (!go.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
            auto& samples = perKiosk[static_cast<size_t>(k)];
            for (int round = 0; !stop.load(); ++round) {
                const auto t0 = Clock::now();
                auto patient = driver.findPatient(kiosk::backend::PatientKey::hospital_card, cards[(k + round) % 6]);
                const auto t1 = Clock::now();
                auto slots = driver.slots(kiosk::backend::SlotQuery{departments[(k + round) % 5], "", "", "", true});
                const auto t2 = Clock::now();
                auto charges = patient ? driver.charges(patient->id) : decltype(driver.charges("")){};
                const auto t3 = Clock::now();
                if (!patient || !slots || !charges) ++failures;
                for (auto [a, b] : {std::pair{t0, t1}, std::pair{t1, t2}, std::pair{t2, t3}}) {
                    samples.push_back(std::chrono::duration<double, std::milli>(b - a).count());
                }
            }
        });
    }
    while (connected.load() < kiosks) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const auto started = Clock::now();
    go = true;
    std::this_thread::sleep_for(std::chrono::seconds(seconds));
    stop = true;
    for (auto& t : threads) t.join();
    const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
    std::vector<double> all;
    for (const auto& samples : perKiosk) all.insert(all.end(), samples.begin(), samples.end());
    std::cout << fmt::format("  requests {}  failures {}  throughput {:.0f} req/s  latency p50 {:.1f} ms  p99 {:.1f} ms\n", all.size(),
                             failures.load(), static_cast<double>(all.size()) / elapsed, percentile(all, 0.5), percentile(all, 0.99));
    (*sim)->stop();
    server.join();
    std::filesystem::remove_all(dataDir);
    return failures.load() == 0 ? 0 : 1;
}
