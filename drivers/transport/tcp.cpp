#include "drivers/transport/tcp.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace kiosk::drivers::transport {

namespace {
constexpr auto kSlice = std::chrono::milliseconds(20);
}

Result<std::unique_ptr<TcpStream>> TcpStream::connect(const std::string& host, int port, std::chrono::milliseconds timeout) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const std::string service = std::to_string(port);
    if (int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0)
        return fail(Errc::device_not_ready, "tcp: cannot resolve " + host + ": " + gai_strerror(rc), "print.error.offline");
    std::string lastError = "no address";
    for (addrinfo* address = found; address != nullptr; address = address->ai_next) {
        int fd = ::socket(address->ai_family, address->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, address->ai_protocol);
        if (fd < 0) continue;
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        int rc = ::connect(fd, address->ai_addr, address->ai_addrlen);
        if (rc != 0 && errno == EINPROGRESS) {
            pollfd pfd{fd, POLLOUT, 0};
            const int ready = ::poll(&pfd, 1, static_cast<int>(timeout.count()));
            if (ready == 1) {
                int error = 0;
                socklen_t length = sizeof(error);
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
                rc = error == 0 ? 0 : -1;
                errno = error;
            } else {
                if (ready == 0) errno = ETIMEDOUT;
                rc = -1;
            }
        }
        if (rc == 0) {
            freeaddrinfo(found);
            return std::unique_ptr<TcpStream>(new TcpStream(fd, host, port));
        }
        lastError = std::strerror(errno);
        ::close(fd);
    }
    freeaddrinfo(found);
    return fail(Errc::device_not_ready, "tcp: cannot connect to " + host + ":" + service + ": " + lastError,
                "print.error.offline");
}

TcpStream::~TcpStream() { ::close(fd_); }

Result<void> TcpStream::waitFor(short events, std::chrono::steady_clock::time_point deadline, const CancelToken& cancel) {
    for (;;) {
        if (cancel.cancelled()) return fail(Errc::cancelled, describe() + ": cancelled");
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline) return fail(Errc::timeout, describe() + ": timed out");
        const auto slice = std::min<std::chrono::milliseconds>(kSlice, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now) + std::chrono::milliseconds(1));
        pollfd pfd{fd_, events, 0};
        int rc = ::poll(&pfd, 1, static_cast<int>(slice.count()));
        if (rc < 0 && errno != EINTR) return fail(Errc::io_error, describe() + ": poll: " + std::strerror(errno));
        if (rc > 0) {
            if ((pfd.revents & (POLLERR | POLLNVAL)) != 0 || ((pfd.revents & POLLHUP) != 0 && (pfd.revents & POLLIN) == 0))
                return fail(Errc::device_not_ready, describe() + ": connection closed by the printer", "print.error.offline");
            return {};
        }
    }
}

Result<void> TcpStream::write(std::span<const uint8_t> bytes, std::chrono::milliseconds timeout, const CancelToken& cancel) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    size_t sent = 0;
    while (sent < bytes.size()) {
        if (auto ready = waitFor(POLLOUT, deadline, cancel); !ready) return ready;
        ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR) continue;
            return fail(Errc::device_not_ready, describe() + ": send: " + std::strerror(errno), "print.error.offline");
        }
        sent += static_cast<size_t>(n);
    }
    return {};
}

Result<size_t> TcpStream::readSome(std::span<uint8_t> buffer, std::chrono::milliseconds timeout, const CancelToken& cancel) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (auto ready = waitFor(POLLIN, deadline, cancel); !ready) return std::unexpected(ready.error());
        ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), 0);
        if (n > 0) return static_cast<size_t>(n);
        if (n == 0) return fail(Errc::device_not_ready, describe() + ": connection closed by the printer", "print.error.offline");
        if (errno != EAGAIN && errno != EINTR)
            return fail(Errc::device_not_ready, describe() + ": recv: " + std::strerror(errno), "print.error.offline");
    }
}

void TcpStream::flushInput() {
    uint8_t scratch[256];
    while (::recv(fd_, scratch, sizeof(scratch), MSG_DONTWAIT) > 0) {
    }
}

}  // namespace kiosk::drivers::transport
