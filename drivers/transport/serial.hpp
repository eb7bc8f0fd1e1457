#pragma once
// Serial transport (termios) for ID-card readers, serial scanners, serial printers and POS
// terminals. Every call takes a timeout and a CancelToken; a far end that hangs up (USB-serial
// unplugged, pty closed) gives Errc::device_not_ready at once.
//
// [X] raw 8N1/7E1… at the standard baud rates      [X] read with timeout / cancel
// [X] write with timeout / cancel                  [X] hang-up detection (POLLHUP)
// [X] input flush                                  [ ] modem lines: DTR/RTS set best-effort only
//     (ptys answer ENOTTY; harness.md §3)

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "drivers/common/device.hpp"

namespace kiosk::drivers::transport {

struct SerialSettings {
    std::string path;  ///< /dev/ttyUSB0, /dev/serial/by-id/…, or a pty link in tests
    int baud = 115200;
    int dataBits = 8;
    char parity = 'N';  ///< N, E or O
    int stopBits = 1;
    bool hardwareFlowControl = false;
};

class SerialPort {
public:
    static Result<std::unique_ptr<SerialPort>> open(const SerialSettings& settings);
    ~SerialPort();
    SerialPort(const SerialPort&) = delete;
    SerialPort& operator=(const SerialPort&) = delete;

    Result<void> write(std::span<const uint8_t> bytes, std::chrono::milliseconds timeout, const CancelToken& cancel);
    /// Reads what is available (at least one byte) into `buffer`; waits up to `timeout`.
    Result<size_t> readSome(std::span<uint8_t> buffer, std::chrono::milliseconds timeout, const CancelToken& cancel);
    /// Reads exactly `count` bytes within `timeout` overall.
    Result<std::vector<uint8_t>> readExactly(size_t count, std::chrono::milliseconds timeout, const CancelToken& cancel);
    /// Drops unread input (before a new command, after garbage).
    void flushInput();
    const SerialSettings& settings() const { return settings_; }

private:
    SerialPort(int fd, SerialSettings settings) : fd_(fd), settings_(std::move(settings)) {}
    /// Waits for `events` on the fd in slices so a cancel is seen within ~20 ms.
    Result<void> waitFor(short events, std::chrono::steady_clock::time_point deadline, const CancelToken& cancel);

    int fd_;
    SerialSettings settings_;
};

}  // namespace kiosk::drivers::transport
