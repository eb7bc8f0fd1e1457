#include "sim/devices/lock_board_control_server.hpp"

#include <fmt/format.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "drivers/sim/lock_board_control.hpp"
#include "kiosk/core/log.hpp"

namespace kiosk::sim {

namespace control = drivers::sim;
using Clock = std::chrono::steady_clock;

Result<std::unique_ptr<LockBoardControlServer>> LockBoardControlServer::start(VirtualLockBoard& board,
                                                                             std::filesystem::path socket) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    const std::string path = socket.string();
    if (path.empty() || path.size() >= sizeof address.sun_path) {
        return fail(Errc::invalid_argument, fmt::format("control socket \"{}\": a path of 1 to {} bytes is needed (a Unix "
                                                        "socket's limit): choose a shorter one",
                                                        path, sizeof address.sun_path - 1));
    }
    std::memcpy(address.sun_path, path.data(), path.size());
    const int listener = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listener < 0) return fail(Errc::io_error, fmt::format("control socket: {}", std::strerror(errno)));
    std::error_code ec;
    std::filesystem::remove(socket, ec);  // a socket file outlives the process that made it
    if (::bind(listener, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 || ::listen(listener, 4) != 0) {
        const int error = errno;
        ::close(listener);
        return fail(Errc::io_error, fmt::format("control socket {}: {}", path, std::strerror(error)));
    }
    return std::unique_ptr<LockBoardControlServer>(new LockBoardControlServer(board, listener, std::move(socket)));
}

LockBoardControlServer::LockBoardControlServer(VirtualLockBoard& board, int listener, std::filesystem::path socket)
    : board_(board), listener_(listener), socket_(std::move(socket)) {
    server_ = std::jthread([this](std::stop_token stop) { serve(stop); });
}

LockBoardControlServer::~LockBoardControlServer() {
    server_.request_stop();
    if (server_.joinable()) server_.join();
    ::close(listener_);
    std::error_code ec;
    std::filesystem::remove(socket_, ec);
}

void LockBoardControlServer::serve(std::stop_token stop) {
    while (!stop.stop_requested()) {
        pollfd pfd{listener_, POLLIN, 0};
        if (::poll(&pfd, 1, 50) <= 0) continue;  // wakes up to see the stop request
        const int connection = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        if (connection < 0) continue;
        answer(connection);
        ::close(connection);
    }
}

void LockBoardControlServer::answer(int connection) {
    // One request line, read within a bound so a client that connects and says nothing cannot
    // keep the line from the next one.
    std::string line;
    const auto deadline = Clock::now() + std::chrono::milliseconds(500);
    while (line.find('\n') == std::string::npos) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0 || line.size() > control::kLockBoardControlMaxLine) return;
        pollfd pfd{connection, POLLIN, 0};
        if (::poll(&pfd, 1, static_cast<int>(left)) <= 0) continue;
        char chunk[256];
        const ssize_t n = ::recv(connection, chunk, sizeof chunk, 0);
        if (n <= 0) return;
        line.append(chunk, static_cast<size_t>(n));
    }
    const auto request = control::parseLockBoardControlRequest(std::string_view(line).substr(0, line.find('\n')));
    Result<void> done;
    if (request.action == "scenario") {
        done = board_.setScenario(std::string_view(request.argument));
    } else if (request.action != "state") {
        done = board_.act(request.action, request.argument);
    }
    Result<control::LockBoardControlState> state =
        done ? Result<control::LockBoardControlState>(control::LockBoardControlState{board_.jammedLockers()})
             : Result<control::LockBoardControlState>(std::unexpected(done.error()));
    const std::string reply = control::formatLockBoardControlAnswer(state);
    // The board's log says what the presenter did, beside the frames the kiosk sent.
    log::module("vlockboard")->info("control: {}{}{} -> {}", request.action, request.argument.empty() ? "" : " ", request.argument,
                                    reply.substr(0, reply.size() - 1));
    (void)::send(connection, reply.data(), reply.size(), MSG_NOSIGNAL);
}

}  // namespace kiosk::sim
