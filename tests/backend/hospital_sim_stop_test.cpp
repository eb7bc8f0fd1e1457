// hospital-sim stops whenever it is asked to: before it serves, as it starts serving, and as a
// process on a SIGTERM sent the moment it says it listens. cpp-httplib 0.11's Server::stop() is a
// no-op until listen_after_bind() has set is_running_ (yhirose/cpp-httplib#1371, #1645); before
// HospitalSim::stop() allowed for that, a SIGTERM landing in that window was lost and the process
// served on, and journey_bench waited on it until CI's 110 s timeout.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <future>
#include <thread>

#include "sim/hospital/hospital_sim.hpp"
#include "tests/support/hospital_sim_child.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiosk::sim {
namespace {

using namespace std::chrono_literals;

class HospitalSimStopTest : public ::testing::Test {
protected:
    std::unique_ptr<HospitalSim> boundSim() {
        HospitalSimOptions options;
        options.dataDir = dir.path() / "data";
        options.peopleFile = std::filesystem::path(KIOSK_TEST_ASSETS_DIR) / "sim" / "people.json";
        options.threads = 2;
        auto sim = HospitalSim::create(options);
        EXPECT_TRUE(sim) << (sim ? "" : sim.error().describe());
        if (!sim) return nullptr;
        auto port = test::startOnFreePort(
            [&](int candidate) { return (*sim)->bind(candidate) ? test::PortStart::listening : test::PortStart::port_taken; });
        EXPECT_TRUE(port) << (port ? "" : port.error());
        return port ? std::move(*sim) : nullptr;
    }

    /// run() on a thread; true when it returned within `limit`. On false the thread is left
    /// running (detached with the sim kept alive) so that the test fails instead of hanging.
    static bool runReturnsWithin(std::unique_ptr<HospitalSim>& sim, std::chrono::milliseconds limit,
                                 const std::function<void()>& whileStarting = {}) {
        auto* raw = sim.get();
        std::packaged_task<void()> task([raw] { raw->run(); });
        auto done = task.get_future();
        std::thread runner(std::move(task));
        if (whileStarting) whileStarting();
        if (done.wait_for(limit) == std::future_status::ready) {
            runner.join();
            return true;
        }
        runner.detach();
        (void)sim.release();  // still in use by the detached runner
        return false;
    }

    test::TempDir dir;
};

TEST_F(HospitalSimStopTest, StopBeforeRunMakesRunReturnWithoutServing) {
    auto sim = boundSim();
    ASSERT_TRUE(sim);
    sim->stop();
    EXPECT_TRUE(runReturnsWithin(sim, 5s)) << "run() served on after stop()";
}

TEST_F(HospitalSimStopTest, StopWhileRunIsStartingEndsIt) {
    // Each round calls stop() while run() is just starting on another thread: before, at or
    // after the moment the server begins to accept.
    for (int round = 0; round < 30; ++round) {
        auto sim = boundSim();
        ASSERT_TRUE(sim);
        auto* raw = sim.get();
        const auto pause = std::chrono::microseconds(round * 50);
        ASSERT_TRUE(runReturnsWithin(sim, 5s, [raw, pause] {
            std::this_thread::sleep_for(pause);
            raw->stop();
        })) << "round " << round << ": stop() " << pause.count() << " us after run() began was lost";
    }
}

TEST_F(HospitalSimStopTest, ProcessEndsOnSigtermSentAsSoonAsItListens) {
    for (int round = 0; round < 10; ++round) {
        test::HospitalSimChild child(HOSPITAL_SIM_EXE, dir.path() / "process-data",
                                     {"--people", std::string(KIOSK_TEST_ASSETS_DIR) + "/sim/people.json", "--threads", "2"});
        ASSERT_GT(child.port(), 0) << child.error();
        EXPECT_TRUE(child.stop(5s)) << "round " << round << ": hospital-sim did not end on SIGTERM within 5 s";
    }
}

}  // namespace
}  // namespace kiosk::sim
