// Test daemons listen below the kernel's ephemeral range (project rule: never 32768-60999), on
// ports tests/support/free_port.hpp picks: hospital-sim started by SimProcess, the in-process FHIR
// stub, and the helper itself (a port the test holds is skipped; a port taken between the check
// and the daemon's bind is followed by the next free one). Real sockets on 127.0.0.1 throughout.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <array>
#include <cstdio>
#include <string>

#include "tests/backend/fhir_stub.hpp"
#include "tests/backend/sim_process.hpp"
#include "tests/support/free_port.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiosk {
namespace {

constexpr int kFirstEphemeralPort = 32768;  // Linux's default net.ipv4.ip_local_port_range: 32768 60999

/// A TCP socket of this test bound to 127.0.0.1:`port` (listening if asked); closed at the end.
class HeldPort {
public:
    explicit HeldPort(int port, bool listen = false) {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(static_cast<uint16_t>(port));
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        held_ = fd_ >= 0 && ::bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0 &&
                (!listen || ::listen(fd_, 4) == 0);
    }
    ~HeldPort() {
        if (fd_ >= 0) ::close(fd_);
    }
    HeldPort(const HeldPort&) = delete;
    HeldPort& operator=(const HeldPort&) = delete;
    bool held() const { return held_; }

private:
    int fd_ = -1;
    bool held_ = false;
};

TEST(FreePort, SkipsAPortTheTestHoldsAndStaysInItsRange) {
    const int first = test::freeLoopbackPort();
    ASSERT_GE(first, test::kFirstTestPort);
    ASSERT_LE(first, test::kLastTestPort);
    ASSERT_LT(test::kLastTestPort, kFirstEphemeralPort);
    HeldPort held(first);  // bound, not listening: still taken for anyone else
    ASSERT_TRUE(held.held());
    EXPECT_FALSE(test::loopbackPortFree(first));
    const int next = test::freeLoopbackPort(first);
    EXPECT_NE(next, first);
    EXPECT_GE(next, test::kFirstTestPort);
    EXPECT_LT(next, kFirstEphemeralPort);
}

TEST(FreePort, WrapsAroundAtTheEndOfTheRange) {
    // From the last port on, the search continues at the first: never past kLastTestPort.
    HeldPort held(test::kLastTestPort);
    const int port = test::freeLoopbackPort(test::kLastTestPort);
    if (held.held()) {
        EXPECT_NE(port, test::kLastTestPort);
    }
    EXPECT_GE(port, test::kFirstTestPort);
    EXPECT_LE(port, test::kLastTestPort);
}

TEST(FreePort, MovesToTheNextPortWhenTheDaemonCannotBind) {
    // Another process taking the port between the check and the daemon's bind, played by this
    // test: on the first try it binds the port itself just before the "daemon" does.
    std::unique_ptr<HeldPort> thief;
    std::unique_ptr<HeldPort> daemon;
    std::vector<int> tried;
    auto started = test::startOnFreePort([&](int port) {
        tried.push_back(port);
        if (!thief) thief = std::make_unique<HeldPort>(port, true);
        daemon = std::make_unique<HeldPort>(port, true);
        return daemon->held() ? test::PortStart::listening : test::PortStart::port_taken;
    });
    ASSERT_TRUE(started.has_value()) << started.error();
    ASSERT_TRUE(thief->held());
    ASSERT_EQ(tried.size(), 2U);
    EXPECT_NE(*started, tried[0]);
    EXPECT_EQ(*started, tried[1]);
    EXPECT_LT(*started, kFirstEphemeralPort);
}

TEST(FreePort, GivesUpAfterAFewTriesNamingTheRange) {
    int calls = 0;
    auto started = test::startOnFreePort(
        [&](int) {
            ++calls;
            return test::PortStart::port_taken;
        },
        3);
    ASSERT_FALSE(started.has_value());
    EXPECT_EQ(calls, 3);
    EXPECT_NE(started.error().find("20000-31999"), std::string::npos) << started.error();
    // A failure that another port would not mend ends at once.
    calls = 0;
    started = test::startOnFreePort([&](int) {
        ++calls;
        return test::PortStart::failed;
    });
    ASSERT_FALSE(started.has_value());
    EXPECT_EQ(calls, 1);
}

TEST(FreePort, HospitalSimFromTheHarnessListensBelowTheEphemeralRange) {
    test::SimProcess sim;
    ASSERT_TRUE(sim.ready()) << sim.error() << sim.log();
    EXPECT_GE(sim.port(), test::kFirstTestPort);
    EXPECT_LT(sim.port(), kFirstEphemeralPort);
    long status = 0;
    sim.call("GET", "/admin/stats", nullptr, &status);
    EXPECT_EQ(status, 200);  // it is the simulator that answers on that port
    EXPECT_FALSE(test::loopbackPortFree(sim.port()));
}

TEST(FreePort, HospitalSimSaysCannotListenOnABusyPort) {
    // SimProcess tries the next port only when the simulator's log says "cannot listen on"
    // (HospitalSim::bind): check that a busy port gets exactly that.
    const int port = test::freeLoopbackPort();
    HeldPort busy(port, true);
    ASSERT_TRUE(busy.held());
    test::TempDir dir;
    const std::string command = std::string(HOSPITAL_SIM_EXE) + " --listen 127.0.0.1:" + std::to_string(port) + " --data " +
                                (dir.path() / "data").string() + " --people " + KIOSK_TEST_ASSETS_DIR + "/sim/people.json 2>&1";
    FILE* pipe = ::popen(command.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    std::string output;
    std::array<char, 512> buffer{};
    while (std::fgets(buffer.data(), buffer.size(), pipe) != nullptr) output += buffer.data();
    const int status = ::pclose(pipe);
    EXPECT_NE(status, 0) << output;
    EXPECT_NE(output.find("cannot listen on 127.0.0.1:" + std::to_string(port)), std::string::npos) << output;
}

TEST(FreePort, FhirStubListensBelowTheEphemeralRange) {
    test::FhirStub stub;
    stub.server().Get("/fhir/metadata", [](const httplib::Request&, httplib::Response& res) {
        res.set_content(R"({"resourceType":"CapabilityStatement"})", "application/fhir+json");
    });
    ASSERT_TRUE(stub.start());
    EXPECT_GE(stub.port(), test::kFirstTestPort);
    EXPECT_LT(stub.port(), kFirstEphemeralPort);
    httplib::Client client("127.0.0.1", stub.port());
    auto answer = client.Get("/fhir/metadata");
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->status, 200);
    EXPECT_EQ(stub.requests().size(), 1U);
}

}  // namespace
}  // namespace kiosk
