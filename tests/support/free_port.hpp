#pragma once
// Free loopback TCP ports for test and benchmark daemons, outside the kernel's ephemeral range.
//
// Why not port 0: with port 0 the kernel picks from net.ipv4.ip_local_port_range (32768-60999 on
// Debian), the same range it takes the source ports of outgoing connections from. A test daemon
// sitting there can take the port another test's client (or pcscd, CUPS, a curl of another
// helper) is about to use, and a test log then shows e.g. hospital-sim on 127.0.0.1:44637. The
// project rule is: never give a test daemon a port in 32768-60999.
//
// So ports come from a fixed range below it, kFirstTestPort..kLastTestPort. Each process starts at
// its own offset (from its pid) so that parallel ctest processes rarely try the same port, and a
// port is taken only if bind() on 127.0.0.1 succeeds now. Another process can still bind it
// between that check and the daemon's own bind, so a harness starts its daemon with
// startOnFreePort(), which moves on to the next free port when the daemon cannot bind.
//
// Header-only and free of gtest so that the benches (plain programs) use it too.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <expected>
#include <string>

namespace kiosk::test {

/// First and last port (inclusive) handed to test daemons. 20000-31999: below the ephemeral range
/// (32768-60999, Linux's default ip_local_port_range) and above the fixed ports the project's own
/// programs use by default (hospital-sim 18080, metrics 9464, ESC/POS 9100).
inline constexpr int kFirstTestPort = 20000;
inline constexpr int kLastTestPort = 31999;
inline constexpr int kTestPortCount = kLastTestPort - kFirstTestPort + 1;

/// "20000-31999": for messages.
inline std::string testPortRange() { return std::to_string(kFirstTestPort) + "-" + std::to_string(kLastTestPort); }

/// True if a TCP socket can bind 127.0.0.1:`port` right now. The probe sets no SO_REUSEADDR, so a
/// port with a listener, a bound socket or a connection in TIME_WAIT counts as taken.
inline bool loopbackPortFree(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool free = ::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
    ::close(fd);
    return free;
}

/// This process's first candidate: a pid-based offset into the range (a prime stride spreads
/// consecutive pids, which ctest -j gives its test processes, across the range).
inline int processStartPort() { return kFirstTestPort + static_cast<int>((static_cast<long>(::getpid()) * 211) % kTestPortCount); }

/// The first port from `from` on (wrapping inside kFirstTestPort..kLastTestPort) that
/// loopbackPortFree() accepts; -1 if none in the whole range is free. `from` outside the range
/// starts at this process's own offset.
inline int freeLoopbackPort(int from = 0) {
    if (from < kFirstTestPort || from > kLastTestPort) from = processStartPort();
    for (int i = 0; i < kTestPortCount; ++i) {
        const int port = kFirstTestPort + (from - kFirstTestPort + i) % kTestPortCount;
        if (loopbackPortFree(port)) return port;
    }
    return -1;
}

/// What one attempt of a harness to start its daemon on a given port came to.
enum class PortStart {
    listening,   ///< the daemon listens on the port
    port_taken,  ///< it could not bind the port (someone took it after the check): try the next
    failed,      ///< it failed for another reason: trying another port would not help
};

/// Starts a daemon on a free port of the range: calls `start(port)` (returns a PortStart) on free
/// ports, each after the one before, while it answers port_taken, `tries` times at most. Returns
/// the port the daemon listens on, or why it does not (naming the range and the ports tried).
template <typename Start>
std::expected<int, std::string> startOnFreePort(Start&& start, int tries = 5) {
    std::string tried;
    int from = processStartPort();
    for (int attempt = 0; attempt < tries; ++attempt) {
        const int port = freeLoopbackPort(from);
        if (port < 0) break;
        const PortStart outcome = start(port);
        if (outcome == PortStart::listening) return port;
        if (outcome == PortStart::failed) return std::unexpected("the test daemon did not start on 127.0.0.1:" + std::to_string(port));
        tried += (tried.empty() ? "" : ", ") + std::to_string(port);
        from = port == kLastTestPort ? kFirstTestPort : port + 1;
    }
    return std::unexpected("no free port for a test daemon on 127.0.0.1 in " + testPortRange() +
                           (tried.empty() ? std::string(" (every port is taken)") : " (could not listen on " + tried + ")"));
}

}  // namespace kiosk::test
