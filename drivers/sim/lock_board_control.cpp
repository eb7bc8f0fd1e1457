#include "drivers/sim/lock_board_control.hpp"

#include <fmt/format.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace kiosk::drivers::sim {

namespace {

using Clock = std::chrono::steady_clock;

/// Closes the descriptor whatever path the call takes.
struct Socket {
    int fd = -1;
    ~Socket() {
        if (fd >= 0) ::close(fd);
    }
};

}  // namespace

LockBoardControl::LockBoardControl(std::filesystem::path socket, std::chrono::milliseconds timeout)
    : socket_(std::move(socket)), timeout_(timeout) {}

Result<LockBoardControlState> LockBoardControl::jam(int locker) {
    return send("jam", std::to_string(locker));
}

Result<LockBoardControlState> LockBoardControl::unjam(int locker) {
    return send("unjam", std::to_string(locker));
}

Result<LockBoardControlState> LockBoardControl::state() {
    return send("state");
}

Result<LockBoardControlState> LockBoardControl::send(std::string_view action, std::string_view argument) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    const std::string path = socket_.string();
    if (path.empty() || path.size() >= sizeof address.sun_path) {
        return fail(Errc::invalid_argument,
                    fmt::format("lock board control \"{}\": a socket path must be 1 to {} bytes", path, sizeof address.sun_path - 1));
    }
    std::memcpy(address.sun_path, path.data(), path.size());
    Socket s{::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
    if (s.fd < 0) return fail(Errc::io_error, fmt::format("lock board control: socket: {}", std::strerror(errno)));
    // A Unix socket connects at once or not at all (no listener, no file): nothing to wait for.
    if (::connect(s.fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        return fail(Errc::device_not_ready,
                    fmt::format("no virtual lock board listens at {} ({}): is kiosk-vlockboard running with --control?", path,
                                std::strerror(errno)));
    }
    std::string request(action);
    if (!argument.empty()) request += " " + std::string(argument);
    request += '\n';
    if (request.size() > kLockBoardControlMaxLine) return fail(Errc::invalid_argument, "lock board control: request too long");
    // MSG_NOSIGNAL: a board that has just died must give an error here, not kill the kiosk.
    if (::send(s.fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
        return fail(Errc::io_error, fmt::format("lock board control {}: send: {}", path, std::strerror(errno)));
    }
    std::string line;
    const auto deadline = Clock::now() + timeout_;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) {
            return fail(Errc::timeout, fmt::format("lock board control {}: no answer to \"{} {}\" within {} ms", path, action,
                                                   argument, timeout_.count()));
        }
        pollfd pfd{s.fd, POLLIN, 0};
        const int ready = ::poll(&pfd, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) continue;  // the deadline check above ends the wait
        char chunk[256];
        const ssize_t n = ::recv(s.fd, chunk, sizeof chunk, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return fail(Errc::io_error, fmt::format("lock board control {}: the board closed without an answer", path));
        line.append(chunk, static_cast<size_t>(n));
        if (const auto end = line.find('\n'); end != std::string::npos) return parseLockBoardControlAnswer(line.substr(0, end));
        if (line.size() > kLockBoardControlMaxLine) return fail(Errc::invalid_data, "lock board control: answer too long");
    }
}

LockBoardControlRequest parseLockBoardControlRequest(std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const auto space = line.find(' ');
    if (space == std::string_view::npos) return {std::string(line), {}};
    return {std::string(line.substr(0, space)), std::string(line.substr(space + 1))};
}

std::string formatLockBoardControlAnswer(const Result<LockBoardControlState>& answer) {
    if (!answer) {
        std::string detail = answer.error().detail;
        std::replace(detail.begin(), detail.end(), '\n', ' ');
        return "error " + detail + "\n";
    }
    std::string out = "ok";
    for (int locker : answer->jammed) out += " " + std::to_string(locker);
    return out + "\n";
}

Result<LockBoardControlState> parseLockBoardControlAnswer(std::string_view line) {
    if (line.starts_with("error")) {
        line.remove_prefix(std::min<size_t>(line.size(), 6));
        return fail(Errc::invalid_argument, std::string(line));
    }
    if (line != "ok" && !line.starts_with("ok ")) {
        return fail(Errc::invalid_data, fmt::format("lock board control: not an answer: \"{}\"", line));
    }
    line.remove_prefix(2);
    LockBoardControlState state;
    while (!line.empty()) {
        line.remove_prefix(1);  // the space before each number
        const auto end = line.find(' ');
        const std::string_view item = line.substr(0, end);
        int locker = 0;
        const auto [stop, ec] = std::from_chars(item.data(), item.data() + item.size(), locker);
        if (ec != std::errc{} || stop != item.data() + item.size() || locker < 1) {
            return fail(Errc::invalid_data, fmt::format("lock board control: \"{}\" is not a locker number", item));
        }
        state.jammed.push_back(locker);
        line = end == std::string_view::npos ? std::string_view{} : line.substr(end);
    }
    return state;
}

}  // namespace kiosk::drivers::sim
