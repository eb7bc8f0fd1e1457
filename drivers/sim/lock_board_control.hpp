#pragma once
// The demo's control line to a virtual lock board that runs as its own process
// (`kiosk-vlockboard --control PATH`, sim/devices/lock_board_control_server.hpp): the presenter's
// F2 panel jams and frees locker doors while the kiosk drives the board over its pty like a real
// one. Demo only: a real lock board has no such line, and the kiosk learns the path from
// [simulator] lock_board_control, which only the demo writes.
//
// A Unix stream socket at PATH; one request line and one answer line per connection (the panel
// sends a command now and then, so a connection each time keeps both ends stateless):
//   request  "jam N" | "unjam N" | "open_by_hand N" | "close N"   (VirtualLockBoard::act)
//            "scenario NAME"                                      (the whole bank's scenario)
//            "state"                                              (changes nothing)
//   answer   "ok" then the lockers jammed now, each after a space  ("ok", "ok 3 7")
//            "error " and what was wrong                          ("error \"13\" is not a locker (1–12)")
// Lines end with '\n' and are at most kLockBoardControlMaxLine bytes.

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "kiosk/core/error.hpp"

namespace kiosk::drivers::sim {

inline constexpr size_t kLockBoardControlMaxLine = 512;

/// What the board says after every request: which doors are jammed now, in locker order.
struct LockBoardControlState {
    std::vector<int> jammed;
};

/// The client: the F2 panel and the tests use it. Each call connects, sends one request and
/// waits at most `timeout` for the answer (the board is a local process that answers at once;
/// the bound only matters when it hangs or is gone).
class LockBoardControl {
public:
    explicit LockBoardControl(std::filesystem::path socket,
                              std::chrono::milliseconds timeout = std::chrono::milliseconds(500));
    const std::filesystem::path& socket() const { return socket_; }

    Result<LockBoardControlState> jam(int locker);
    Result<LockBoardControlState> unjam(int locker);
    Result<LockBoardControlState> state();
    /// Any request of the protocol above. Errors: device_not_ready (no board listening at the path),
    /// timeout, invalid_argument (the board refused the request; its words in the detail),
    /// io_error.
    Result<LockBoardControlState> send(std::string_view action, std::string_view argument = {});

private:
    std::filesystem::path socket_;
    std::chrono::milliseconds timeout_;
};

/// The protocol's two sides, shared with the server.
struct LockBoardControlRequest {
    std::string action;
    std::string argument;
};
/// Splits "jam 3" at the first space (no trailing '\n'); an empty line gives an empty action.
LockBoardControlRequest parseLockBoardControlRequest(std::string_view line);
/// "ok 3 7\n" / "error …\n".
std::string formatLockBoardControlAnswer(const Result<LockBoardControlState>& answer);
/// An answer line (without its '\n'); "error …" becomes invalid_argument with the board's words.
Result<LockBoardControlState> parseLockBoardControlAnswer(std::string_view line);

}  // namespace kiosk::drivers::sim
