#pragma once
// A virtual bank of lock-control boards on a pty (harness.md §3): the driver opens the slave side
// (or a symlink to it) like /dev/ttyUSB1; this object answers on the master side with the frames
// of drivers/locker/lockboard/lockboard_protocol.hpp, in one family (8a or modbus_rtu), for one or
// more boards on the same line.
//
// Each door has a sensor; a door opens `openDelay` after its lock is pulsed and stays open until
// close() (the patient shuts it). Scenarios (the whole bank):
//   normal             pulses open doors; answers every frame
//   stuck_door         pulses are answered but no door opens (a jammed door or a dead lock);
//                      jam(locker) does the same for one door only
//   silent             answers nothing (power off, a cut wire, a wrong port)
//   inverted_polarity  the feedback inputs are wired the other way round from each board's
//                      `polarity` (the driver must be configured with the other polarity)
//   opened_by_hand     entering it opens door `handLocker` (default 1) without a command, as a
//                      member of staff with the key would; openByHand(locker) does it any time
// Faults for the bad-input tests (one at a time, on every answer until cleared):
//   bad_checksum, wrong_board (answers as board address+1), wrong_length (drops the last byte
//   before the checksum), other_lock (answers for the next lock), flipping_door (a pulsed door's
//   sensor alternates open / closed on every read).
// Every request received is recorded: tests count open commands per locker.
// As a SimulatedDevice (the presenter's F2 panel, scripted journeys): the scenarios above by name,
// and the actions "jam" / "unjam" / "open_by_hand" / "close" with a locker number.

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "drivers/common/device_classes.hpp"
#include "drivers/locker/lockboard/lockboard_protocol.hpp"

namespace kiosk::sim {

enum class LockBoardScenario { normal, stuck_door, silent, inverted_polarity, opened_by_hand };
std::string_view lockBoardScenarioName(LockBoardScenario scenario);
Result<LockBoardScenario> parseLockBoardScenario(std::string_view name);
std::vector<std::string_view> lockBoardScenarioNames();

enum class LockBoardFault { none, bad_checksum, wrong_board, wrong_length, other_lock, flipping_door };

struct VirtualBoard {
    uint8_t address = 1;
    int locks = 24;
    drivers::locker::FeedbackPolarity polarity = drivers::locker::FeedbackPolarity::closed_when_set;
};

class VirtualLockBoard final : public drivers::SimulatedDevice {
public:
    /// Opens a pty pair; if `link` is not empty, a symlink to the slave is made there. Lockers are
    /// numbered across `boards` in order, as the driver numbers them.
    static Result<std::unique_ptr<VirtualLockBoard>> create(drivers::locker::FrameFamily family,
                                                            std::vector<VirtualBoard> boards,
                                                            std::filesystem::path link = {});
    ~VirtualLockBoard() override;
    VirtualLockBoard(const VirtualLockBoard&) = delete;
    VirtualLockBoard& operator=(const VirtualLockBoard&) = delete;

    const std::filesystem::path& path() const { return path_; }
    int lockerCount() const;

    void setScenario(LockBoardScenario scenario);
    LockBoardScenario currentScenario() const;

    // drivers::SimulatedDevice
    std::vector<std::string> scenarios() const override;
    std::string scenario() const override;
    Result<void> setScenario(std::string_view name) override;
    /// "jam" / "unjam" / "open_by_hand" / "close" <locker>; an unknown action or locker is an error.
    Result<void> act(std::string_view action, std::string_view argument) override;
    void setFault(LockBoardFault fault);
    /// How long a pulsed door takes to read open (default 40 ms).
    void setOpenDelay(std::chrono::milliseconds delay);
    void setHandLocker(int locker);

    /// One door only does not open when pulsed (the presenter's "jam a locker door").
    void jam(int locker, bool jammed = true);
    /// The lockers jam() holds shut now, in order (the F2 panel shows them).
    std::vector<int> jammedLockers() const;
    /// A door opened with the key, without a command.
    void openByHand(int locker);
    /// The patient (or staff) shuts the door.
    void close(int locker);
    void closeAll();
    /// The door as its sensor shows it now (without faults).
    bool isOpen(int locker) const;

    /// Open commands (open one) received for this locker; open-all commands count per board.
    int openCommands(int locker) const;
    int openAllCommands() const;
    /// Requests received (parsed), in order, and frames refused (bad checksum, unknown).
    std::vector<drivers::locker::LockRequest> requests() const;
    int refusedFrames() const;

private:
    struct Door {
        bool open = false;
        bool jammed = false;
        std::optional<std::chrono::steady_clock::time_point> opensAt;  // pulsed, not yet open
        int openCommands = 0;
        int reads = 0;  // for flipping_door
    };
    VirtualLockBoard(int master, int slave, std::filesystem::path path, std::filesystem::path link,
                     drivers::locker::FrameFamily family, std::vector<VirtualBoard> boards);
    void serve(std::stop_token stop);
    std::vector<uint8_t> answer(const drivers::locker::LockRequest& request);
    Door* door(uint8_t board, int lock);
    const VirtualBoard* board(uint8_t address) const;
    int lockerOf(uint8_t board, int lock) const;
    bool sensorOpen(Door& door, bool read);  // settles a pending opening
    std::vector<uint8_t> applyFault(const drivers::locker::LockRequest& request, std::vector<bool> inputs);

    int master_;
    int slave_;
    std::filesystem::path path_;
    std::filesystem::path link_;
    const drivers::locker::LockFramer& framer_;
    std::vector<VirtualBoard> boards_;
    mutable std::mutex mutex_;
    std::vector<Door> doors_;  // index locker-1
    LockBoardScenario scenario_ = LockBoardScenario::normal;
    LockBoardFault fault_ = LockBoardFault::none;
    std::chrono::milliseconds openDelay_{40};
    int handLocker_ = 1;
    int openAllCommands_ = 0;
    int refused_ = 0;
    std::vector<drivers::locker::LockRequest> requests_;
    std::jthread server_;
};

}  // namespace kiosk::sim
