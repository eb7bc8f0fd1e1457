// The serial transport over a real pty pair (openpty), as harness.md §3 describes.
#include <gtest/gtest.h>
#include <pty.h>
#include <unistd.h>

#include <thread>

#include "drivers/transport/serial.hpp"

namespace kiosk::drivers::transport {
namespace {

using namespace std::chrono_literals;

struct PtyPair {
    int master = -1;
    int slave = -1;
    std::string slavePath;
    PtyPair() {
        char name[256] = {};
        if (openpty(&master, &slave, name, nullptr, nullptr) == 0) slavePath = name;
    }
    ~PtyPair() {
        if (master >= 0) close(master);
        if (slave >= 0) close(slave);
    }
};

TEST(SerialPort, WritesAndReadsOverAPty) {
    PtyPair pty;
    ASSERT_FALSE(pty.slavePath.empty());
    auto port = SerialPort::open({.path = pty.slavePath, .baud = 115200});
    ASSERT_TRUE(port.has_value()) << port.error().detail;
    const std::vector<uint8_t> frame = {0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x20, 0x01, 0x22};
    ASSERT_TRUE((*port)->write(frame, 1s, CancelToken{}).has_value());
    std::vector<uint8_t> got(frame.size());
    size_t have = 0;
    while (have < got.size()) {
        const ssize_t n = read(pty.master, got.data() + have, got.size() - have);
        ASSERT_GT(n, 0);
        have += static_cast<size_t>(n);
    }
    EXPECT_EQ(got, frame);
    const uint8_t answer[] = {1, 2, 3, 4, 5};
    ASSERT_EQ(write(pty.master, answer, sizeof answer), 5);
    auto read = (*port)->readExactly(5, 1s, CancelToken{});
    ASSERT_TRUE(read.has_value()) << read.error().detail;
    EXPECT_EQ(*read, std::vector<uint8_t>(answer, answer + 5));
}

TEST(SerialPort, SilentDeviceTimesOutWithHowMuchArrived) {
    PtyPair pty;
    auto port = SerialPort::open({.path = pty.slavePath});
    ASSERT_TRUE(port.has_value());
    const uint8_t partial[] = {0xAA, 0xAA};
    ASSERT_EQ(write(pty.master, partial, 2), 2);
    auto read = (*port)->readExactly(10, 150ms, CancelToken{});
    ASSERT_FALSE(read.has_value());
    EXPECT_EQ(read.error().code, Errc::timeout);
    EXPECT_NE(read.error().detail.find("got 2 of 10"), std::string::npos) << read.error().detail;
}

TEST(SerialPort, CancelStopsAWaitingRead) {
    PtyPair pty;
    auto port = SerialPort::open({.path = pty.slavePath});
    ASSERT_TRUE(port.has_value());
    CancelToken cancel;
    std::jthread canceller([&] {
        std::this_thread::sleep_for(50ms);
        cancel.cancel();
    });
    std::array<uint8_t, 8> buffer{};
    auto read = (*port)->readSome(buffer, 10s, cancel);
    ASSERT_FALSE(read.has_value());
    EXPECT_EQ(read.error().code, Errc::cancelled);
}

TEST(SerialPort, FarEndClosingIsReportedAsUnplugged) {
    auto pty = std::make_unique<PtyPair>();
    auto port = SerialPort::open({.path = pty->slavePath});
    ASSERT_TRUE(port.has_value());
    close(pty->master);
    pty->master = -1;
    std::array<uint8_t, 8> buffer{};
    auto read = (*port)->readSome(buffer, 2s, CancelToken{});
    ASSERT_FALSE(read.has_value());
    EXPECT_EQ(read.error().code, Errc::device_not_ready) << read.error().detail;
}

TEST(SerialPort, MissingDeviceAndBadBaudAreClearErrors) {
    auto missing = SerialPort::open({.path = "/dev/ttyKIOSK-does-not-exist"});
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error().code, Errc::device_not_ready);
    EXPECT_NE(missing.error().detail.find("/dev/ttyKIOSK-does-not-exist"), std::string::npos);
    auto badBaud = SerialPort::open({.path = "/dev/null", .baud = 12345});
    ASSERT_FALSE(badBaud.has_value());
    EXPECT_EQ(badBaud.error().code, Errc::invalid_config);
    auto notSerial = SerialPort::open({.path = "/dev/null"});
    ASSERT_FALSE(notSerial.has_value());
    EXPECT_NE(notSerial.error().detail.find("not a serial device"), std::string::npos);
}

}  // namespace
}  // namespace kiosk::drivers::transport
