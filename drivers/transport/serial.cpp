#include "drivers/transport/serial.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "kiosk/core/log.hpp"

namespace kiosk::drivers::transport {

namespace {

speed_t baudConstant(int baud) {
    switch (baud) {
        case 1200: return B1200;
        case 2400: return B2400;
        case 4800: return B4800;
        case 9600: return B9600;
        case 19200: return B19200;
        case 38400: return B38400;
        case 57600: return B57600;
        case 115200: return B115200;
        case 230400: return B230400;
        case 460800: return B460800;
        case 921600: return B921600;
        default: return 0;
    }
}

constexpr auto kPollSlice = std::chrono::milliseconds(20);

}  // namespace

Result<std::unique_ptr<SerialPort>> SerialPort::open(const SerialSettings& settings) {
    const speed_t speed = baudConstant(settings.baud);
    if (speed == 0) return fail(Errc::invalid_config, fmt::format("serial {}: unsupported baud rate {}", settings.path, settings.baud));
    if (settings.dataBits < 5 || settings.dataBits > 8) {
        return fail(Errc::invalid_config, fmt::format("serial {}: data bits must be 5…8", settings.path));
    }
    const int fd = ::open(settings.path.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        return fail(Errc::device_not_ready,
                    fmt::format("serial {}: cannot open: {}", settings.path, std::strerror(errno)), "error.device_not_ready");
    }
    termios tio{};
    if (tcgetattr(fd, &tio) != 0) {
        const int error = errno;
        ::close(fd);
        return fail(Errc::device_not_ready,
                    fmt::format("serial {}: not a serial device: {}", settings.path, std::strerror(error)));
    }
    cfmakeraw(&tio);
    cfsetispeed(&tio, speed);
    cfsetospeed(&tio, speed);
    tio.c_cflag &= ~static_cast<tcflag_t>(CSIZE | PARENB | PARODD | CSTOPB | CRTSCTS);
    tio.c_cflag |= CLOCAL | CREAD;
    tio.c_cflag |= settings.dataBits == 5 ? CS5 : settings.dataBits == 6 ? CS6 : settings.dataBits == 7 ? CS7 : CS8;
    if (settings.parity == 'E' || settings.parity == 'O') tio.c_cflag |= PARENB;
    if (settings.parity == 'O') tio.c_cflag |= PARODD;
    if (settings.stopBits == 2) tio.c_cflag |= CSTOPB;
    if (settings.hardwareFlowControl) tio.c_cflag |= CRTSCTS;
    tio.c_cc[VMIN] = 0;
    tio.c_cc[VTIME] = 0;
    if (tcsetattr(fd, TCSANOW, &tio) != 0) {
        const int error = errno;
        ::close(fd);
        return fail(Errc::device_not_ready, fmt::format("serial {}: cannot set line settings: {}", settings.path, std::strerror(error)));
    }
    // Raise DTR/RTS where the device has modem lines; ptys answer ENOTTY, which is fine.
    int lines = TIOCM_DTR | TIOCM_RTS;
    (void)ioctl(fd, TIOCMBIS, &lines);
    tcflush(fd, TCIOFLUSH);
    return std::unique_ptr<SerialPort>(new SerialPort(fd, settings));
}

SerialPort::~SerialPort() { ::close(fd_); }

Result<void> SerialPort::waitFor(short events, std::chrono::steady_clock::time_point deadline, const CancelToken& cancel) {
    for (;;) {
        if (cancel.cancelled()) return fail(Errc::cancelled, fmt::format("serial {}: cancelled", settings_.path));
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline) return fail(Errc::timeout, fmt::format("serial {}: no answer in time", settings_.path), "error.timeout");
        const auto slice = std::min<std::chrono::milliseconds>(
            kPollSlice, std::chrono::ceil<std::chrono::milliseconds>(deadline - now));
        pollfd pfd{fd_, events, 0};
        const int rc = ::poll(&pfd, 1, static_cast<int>(slice.count()));
        if (rc < 0) {
            if (errno == EINTR) continue;
            return fail(Errc::hardware_error, fmt::format("serial {}: poll failed: {}", settings_.path, std::strerror(errno)));
        }
        if (rc == 0) continue;
        if ((pfd.revents & events) != 0) return {};
        if ((pfd.revents & (POLLHUP | POLLERR | POLLNVAL)) != 0) {
            return fail(Errc::device_not_ready, fmt::format("serial {}: device hung up (unplugged?)", settings_.path),
                        "error.device_not_ready");
        }
    }
}

Result<void> SerialPort::write(std::span<const uint8_t> bytes, std::chrono::milliseconds timeout, const CancelToken& cancel) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    size_t written = 0;
    while (written < bytes.size()) {
        if (auto ready = waitFor(POLLOUT, deadline, cancel); !ready) return ready;
        const ssize_t n = ::write(fd_, bytes.data() + written, bytes.size() - written);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR) continue;
            return fail(Errc::device_not_ready, fmt::format("serial {}: write failed: {}", settings_.path, std::strerror(errno)));
        }
        written += static_cast<size_t>(n);
    }
    return {};
}

Result<size_t> SerialPort::readSome(std::span<uint8_t> buffer, std::chrono::milliseconds timeout, const CancelToken& cancel) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (auto ready = waitFor(POLLIN, deadline, cancel); !ready) return std::unexpected(ready.error());
        const ssize_t n = ::read(fd_, buffer.data(), buffer.size());
        if (n > 0) return static_cast<size_t>(n);
        if (n == 0) {
            return fail(Errc::device_not_ready, fmt::format("serial {}: device hung up (unplugged?)", settings_.path),
                        "error.device_not_ready");
        }
        if (errno == EAGAIN || errno == EINTR) continue;
        if (errno == EIO) {
            return fail(Errc::device_not_ready, fmt::format("serial {}: device hung up (unplugged?)", settings_.path),
                        "error.device_not_ready");
        }
        return fail(Errc::hardware_error, fmt::format("serial {}: read failed: {}", settings_.path, std::strerror(errno)));
    }
}

Result<std::vector<uint8_t>> SerialPort::readExactly(size_t count, std::chrono::milliseconds timeout, const CancelToken& cancel) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::vector<uint8_t> out(count);
    size_t have = 0;
    while (have < count) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        auto n = readSome(std::span<uint8_t>(out).subspan(have), std::max(left, std::chrono::milliseconds(0)), cancel);
        if (!n) {
            if (n.error().code == Errc::timeout) {
                return fail(Errc::timeout, fmt::format("serial {}: got {} of {} bytes in time", settings_.path, have, count), "error.timeout");
            }
            return std::unexpected(n.error());
        }
        have += *n;
    }
    return out;
}

void SerialPort::flushInput() { tcflush(fd_, TCIFLUSH); }

}  // namespace kiosk::drivers::transport
