// Card benchmarks through the real stacks (a plain program; not a CTest test):
//  1. social-security card present → identity parsed (connect + 9 APDUs + parse), and
//     insert → CardInserted event through the driver (includes vpcd's ~400 ms presence poll)
//  2. per-APDU cost of transport::PcscCard::transmit vs a bare SCardTransmit loop (target ≤ 1.1×)
//  3. ID card found → identity parsed (select + read + parse over a pty), and place → event
// Starts its own pcscd like the tests (tests/cards/pcscd_fixture.hpp). Run as root:
//   build/tests/cards/cards_bench [iterations | --smoke]
//   --smoke: one iteration of each (the test suite's run, so the benchmark cannot rot unseen)
#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <string_view>

#include "drivers/card_reader/pcsc/pcsc_driver.hpp"
#include "drivers/id_reader/ga450/ga450_driver.hpp"
#include "kiosk/core/log.hpp"
#include "sim/devices/virtual_id_reader.hpp"
#include "sim/devices/virtual_ss_card.hpp"
#include "tests/cards/event_recorder.hpp"
#include "tests/cards/pcscd_fixture.hpp"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using namespace kiosk;

struct Stats {
    double median = 0, p95 = 0, min = 0;
};
Stats stats(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    if (values.empty()) return {};
    return {values[values.size() / 2], values[std::min(values.size() - 1, values.size() * 95 / 100)], values.front()};
}
double msSince(Clock::time_point start) { return std::chrono::duration<double, std::milli>(Clock::now() - start).count(); }

constexpr const char* kReader = "Virtual PCD 00 00";

}  // namespace

int main(int argc, char** argv) {
    const bool smoke = argc > 1 && std::string_view(argv[1]) == "--smoke";
    const int iterations = smoke ? 1 : argc > 1 ? std::max(5, std::atoi(argv[1])) : 200;
    log::configure(log::Settings{.file = {}, .maxFileBytes = 0, .maxFiles = 0, .level = spdlog::level::warn, .toStderr = true});
    test::PcscDaemon daemon;
    if (auto problem = daemon.start(); !problem.empty()) {
        fmt::print(stderr, "cards_bench: {}\n", problem);
        return 1;
    }
    const auto people = test::samplePeople();
    const auto& person = *people.find("wang-xinkun");

    // ---- 2. per-APDU overhead (card stays in) ----
    sim::VirtualSocialSecurityCard card(person, sim::VirtualCardOptions{.port = daemon.vpcdPort()});
    if (!card.insert()) return 1;
    auto context = drivers::transport::PcscContext::establish(2s, drivers::CancelToken{});
    if (!context) return 1;
    for (auto deadline = Clock::now() + 5s; Clock::now() < deadline;) {
        auto events = (*context)->waitForEvents(200ms, drivers::CancelToken{});
        if (events && (*context)->cardPresent(kReader)) break;
    }
    auto connected = drivers::transport::PcscCard::connect(**context, kReader);
    if (!connected) {
        fmt::print(stderr, "cards_bench: connect: {}\n", connected.error().detail);
        return 1;
    }
    auto& pcscCard = **connected;
    const auto select = drivers::pcsc::selectSsseCommand();
    (void)pcscCard.transmit(select, Clock::now() + 5s, drivers::CancelToken{});
    const auto readId = drivers::pcsc::readRecordCommand(0x08, drivers::pcsc::kSfiEf06, 0x14);
    const int apdus = iterations * 10;
    std::vector<double> bareRuns, transportRuns;
    auto bareLoop = [&] {
        const auto start = Clock::now();
        for (int i = 0; i < apdus; ++i) {
            std::array<uint8_t, 258> buffer{};
            DWORD length = buffer.size();
            SCardTransmit(pcscCard.handle(), SCARD_PCI_T1, readId.data(), static_cast<DWORD>(readId.size()), nullptr,
                          buffer.data(), &length);
        }
        bareRuns.push_back(msSince(start) * 1000 / apdus);
    };
    auto transportLoop = [&] {
        const auto start = Clock::now();
        const auto deadline = Clock::now() + 600s;
        for (int i = 0; i < apdus; ++i) (void)pcscCard.transmit(readId, deadline, drivers::CancelToken{});
        transportRuns.push_back(msSince(start) * 1000 / apdus);
    };
    // Alternate which loop goes first (ABBA) so a drift in machine load does not favour one.
    for (int round = 0; round < 10; ++round) {
        if (round % 2 == 0) {
            bareLoop();
            transportLoop();
        } else {
            transportLoop();
            bareLoop();
        }
    }
    const Stats bare = stats(bareRuns);
    const Stats transport = stats(transportRuns);

    // ---- 1a. card present → identity parsed (connect + profiles) ----
    drivers::pcsc::PcscCardReader reader("card", drivers::pcsc::PcscReaderSettings{.reader = kReader, .profile = {}, .readTimeout = 5000ms});
    std::vector<double> readTimes;
    for (int i = 0; i < iterations; ++i) {
        const auto start = Clock::now();
        auto outcome = reader.readCardIn(**context, kReader, drivers::CancelToken{});
        readTimes.push_back(msSince(start));
        if (!outcome.ok()) {
            fmt::print(stderr, "cards_bench: read failed: {}\n", outcome.problem->detail);
            return 1;
        }
    }
    connected->reset();
    card.remove();
    // vpcd trap: re-inserting before pcscd saw the removal confuses vpcd (the first transmit
    // then fails with SCARD_E_NOT_TRANSACTED). Wait for the removal.
    for (auto deadline = Clock::now() + 5s; Clock::now() < deadline && (*context)->cardPresent(kReader);) {
        (void)(*context)->waitForEvents(200ms, drivers::CancelToken{});
    }
    const Stats read = stats(readTimes);

    // ---- 1b. insert → CardInserted through the driver ----
    test::EventRecorder recorder;
    size_t cursor = 0;
    (void)reader.start(recorder.sink());
    std::vector<double> insertTimes;
    const int inserts = std::min(iterations, 10);
    for (int i = 0; i < inserts; ++i) {
        const auto start = Clock::now();
        if (!card.insert()) return 1;
        if (!recorder.waitFor<drivers::CardInserted>(cursor, 5s)) return 1;
        insertTimes.push_back(msSince(start));
        card.remove();
        if (!recorder.waitFor<drivers::CardRemoved>(cursor, 5s)) return 1;
    }
    reader.stop();
    const Stats insert = stats(insertTimes);

    // ---- 3. ID card ----
    auto idReader = sim::VirtualIdReader::create(sim::IdReaderScenario::valid_card);
    if (!idReader) return 1;
    (*idReader)->place(person);
    std::vector<double> idTimes;
    {
        auto port = drivers::transport::SerialPort::open({.path = (*idReader)->path().string()});
        if (!port) return 1;
        for (int i = 0; i < iterations; ++i) {
            namespace ga = drivers::ga450;
            const auto start = Clock::now();
            auto found = ga::exchange(**port, ga::kFindCard, 1s, drivers::CancelToken{});
            auto selected = ga::exchange(**port, ga::kSelectCard, 1s, drivers::CancelToken{});
            auto readAnswer = ga::exchange(**port, ga::kReadText, 1s, drivers::CancelToken{});
            if (!found || !selected || !readAnswer) return 1;
            auto text = ga::parseReadAnswer(readAnswer->data);
            if (!text || !ga::toIdentity(*text)) return 1;
            idTimes.push_back(msSince(start));
        }
    }
    const Stats id = stats(idTimes);
    std::vector<double> placeTimes;
    {
        drivers::ga450::Ga450Settings settings;
        settings.serial = {.path = (*idReader)->path().string()};
        settings.pollInterval = 100ms;
        drivers::ga450::Ga450IdReader driver("idcard", settings);
        (*idReader)->lift();
        (void)driver.start(recorder.sink());
        for (int i = 0; i < inserts; ++i) {
            const auto start = Clock::now();
            (*idReader)->place(person);
            if (!recorder.waitFor<drivers::CardInserted>(cursor, 5s)) return 1;
            placeTimes.push_back(msSince(start));
            (*idReader)->lift();
            if (!recorder.waitFor<drivers::CardRemoved>(cursor, 5s)) return 1;
        }
        driver.stop();
    }
    const Stats place = stats(placeTimes);

    fmt::print("cards_bench ({} iterations; median / p95 / min)\n", iterations);
    fmt::print("  SSC present -> identity (connect + 9 APDUs + parse): {:8.3f} / {:8.3f} / {:8.3f} ms\n", read.median,
               read.p95, read.min);
    fmt::print("  SSC insert -> CardInserted event (driver, vpcd poll): {:8.1f} / {:8.1f} / {:8.1f} ms  ({} inserts)\n",
               insert.median, insert.p95, insert.min, inserts);
    fmt::print("  bare SCardTransmit per APDU:                           {:8.2f} us (median of 10 x {} APDUs, ABBA order)\n",
               bare.median, apdus);
    fmt::print("  PcscCard::transmit per APDU:                           {:8.2f} us\n", transport.median);
    fmt::print("  transport / bare ratio:                                {:8.3f} (target <= 1.1)\n",
               transport.median / bare.median);
    fmt::print("  ID card found -> identity (find+select+read+parse):   {:8.3f} / {:8.3f} / {:8.3f} ms\n", id.median, id.p95,
               id.min);
    fmt::print("  ID card placed -> CardInserted (driver, 100 ms poll): {:8.1f} / {:8.1f} / {:8.1f} ms  ({} placements)\n",
               place.median, place.p95, place.min, inserts);
    return 0;
}
