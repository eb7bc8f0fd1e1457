#pragma once
// The board's end of the demo's control line (drivers/sim/lock_board_control.hpp): a Unix
// stream socket at a path, served by a thread of kiosk-vlockboard, that turns each request into
// VirtualLockBoard::act / setScenario and answers with the lockers jammed now. Demo only.

#include <filesystem>
#include <memory>
#include <thread>

#include "kiosk/core/error.hpp"
#include "sim/devices/virtual_lock_board.hpp"

namespace kiosk::sim {

class LockBoardControlServer {
public:
    /// Listens at `socket` (a file left there by an earlier run is replaced) for `board`, which
    /// must outlive the server.
    static Result<std::unique_ptr<LockBoardControlServer>> start(VirtualLockBoard& board, std::filesystem::path socket);
    ~LockBoardControlServer();
    LockBoardControlServer(const LockBoardControlServer&) = delete;
    LockBoardControlServer& operator=(const LockBoardControlServer&) = delete;

    const std::filesystem::path& socket() const { return socket_; }

private:
    LockBoardControlServer(VirtualLockBoard& board, int listener, std::filesystem::path socket);
    void serve(std::stop_token stop);
    void answer(int connection);

    VirtualLockBoard& board_;
    int listener_;
    std::filesystem::path socket_;
    std::jthread server_;
};

}  // namespace kiosk::sim
