#pragma once
// The lock-control board driver (`driver = "lockboard"`, class locker): one bank of medicine
// lockers (取药柜) whose doors are driven by one or more boards on one RS-485 / serial line. The
// frame family is chosen by the model row (lockerModels()); the frames are in
// lockboard_protocol.hpp (8a and modbus_rtu framers).
//
// Lockers are numbered 1…N across the bank in config order: board 1's locks first, then the
// next board's. A site's numbering (the labels on the doors) must follow that order.
//
// Config keys ([[devices]] table):
//   port                (required)  /dev/ttyUSB0, /dev/serial/by-id/…, a pty link in tests
//   model               = "8a_9600"  a row of lockerModels(): frame family + line settings
//   answer_timeout_ms   = 300   the longest one board may take to answer one command
//   open_all_timeout_ms = 10000 an 8a board pulses its locks one by one before it echoes
//   confirm_timeout_ms  = 3000  the door must read open within this after the open command
//   confirm_reads       = 2     consecutive "open" reads that confirm it (a bouncing switch
//                               does not confirm)
//   read_interval_ms    = 50    time between two read-backs while confirming
//   poll_interval_ms    = 500   time between two "query all" polls after start()
//   [[devices.boards]]          one per board, in locker order
//     address  (required)  the board's address (DIP switches): 8a 1…255, modbus_rtu 1…247
//     locks    (required)  locks wired on this board
//     polarity = "closed_when_set"  or "open_when_set": how the feedback input maps to the door
//
// Threading: every public call is blocking (call from a task thread, never the UI thread) and
// takes the bus mutex: RS-485 is half-duplex, one exchange at a time. start() runs a poller
// thread that queries every board each poll_interval_ms and reports doors that opened without
// a command (a member of staff with the key) to the DoorListener.
//
// Safety rules kept by this driver:
//   - one open() sends exactly ONE open command, whatever happens next (a lost answer is
//     followed by read-backs, never by a second pulse: a second pulse could open a door that a
//     patient just closed). The caller decides whether to retry (a new request).
//   - a door is confirmed only by `confirm_reads` consecutive "open" reads within
//     confirm_timeout_ms; otherwise a clear error: stuck, flipping, or board silent.
//   - every exchange is bounded by its timeout; nothing waits forever.
//
// [X] open one + read-back; open all (staff) + read-back; query one / all; poll + manual openings
// [X] 8a and modbus_rtu framers; per-board address and polarity; models are table rows
// [X] online/offline status (StatusChanged) from the poller; self-test queries every board
// [ ] boards on two different serial lines: configure two devices
// [ ] the 8a "active report" (82 …) frames some boards send: polling covers the same need

#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "drivers/common/registry.hpp"
#include "drivers/locker/lockboard/lockboard_protocol.hpp"
#include "drivers/transport/serial.hpp"

namespace kiosk::drivers::locker {

/// A model: what differs between boards is the frame family and the line settings.
struct LockerModel {
    std::string_view name;
    FrameFamily family;
    int baud;
    char parity;
    int stopBits;
    int maxLocks;  ///< locks one board of this model drives
    std::string_view summary;
};
const std::vector<LockerModel>& lockerModels();

struct BoardConfig {
    uint8_t address = 1;
    int locks = 0;
    FeedbackPolarity polarity = FeedbackPolarity::closed_when_set;
};

struct LockBoardSettings {
    transport::SerialSettings serial;
    std::string model = "8a_9600";
    FrameFamily family = FrameFamily::eight_a;
    std::vector<BoardConfig> boards;
    std::chrono::milliseconds answerTimeout{300};
    std::chrono::milliseconds openAllTimeout{10000};
    std::chrono::milliseconds confirmTimeout{3000};
    int confirmReads = 2;
    std::chrono::milliseconds readInterval{50};
    std::chrono::milliseconds pollInterval{500};
    /// After an answer has all its bytes, how long to wait for stray extra bytes (a longer
    /// answer than the request allows is an error, not silently cut).
    std::chrono::milliseconds trailingGap{3};
};

/// Where a locker is on the bus.
struct LockAddress {
    int locker = 0;  ///< 1…lockerCount()
    uint8_t board = 0;
    uint8_t lock = 0;
};

struct DoorReading {
    int locker = 0;
    DoorState state = DoorState::closed;
};

/// The result of one open(): only returned when the door was confirmed open.
struct OpenOutcome {
    LockAddress where;
    std::chrono::milliseconds elapsed{0};  ///< open command sent → door confirmed
    int reads = 0;                         ///< read-backs it took
};

/// The result of openAll(): which doors were confirmed open, which were not.
struct OpenAllOutcome {
    std::vector<int> opened;
    std::vector<int> notOpened;
    std::chrono::milliseconds elapsed{0};
};

/// A door change seen by polling. byCommand is false for a door opened without a command from
/// this driver (staff with a key, a forced door): the pickup flow must not count it as a pickup.
struct DoorEvent {
    int locker = 0;
    DoorState state = DoorState::closed;
    bool byCommand = false;
};
using DoorListener = std::function<void(const DoorEvent&)>;

/// One poll of every board.
struct PollResult {
    std::vector<DoorReading> doors;   ///< every locker, in order
    std::vector<int> openedByHand;    ///< opened since the last poll without a command
    std::vector<int> closed;          ///< closed since the last poll
    std::vector<uint8_t> silentBoards;  ///< boards that did not answer (their doors are left out)
};

/// One command/answer exchange on an open port (driver, benchmark, technician CLI). Flushes
/// stale input, writes the request, reads exactly the answer's length (as the framer tells it
/// from the first bytes), refuses trailing bytes, and lets the framer check the rest.
Result<LockAnswer> exchange(transport::SerialPort& port, const LockFramer& framer, const LockRequest& request,
                            std::chrono::milliseconds timeout, std::chrono::milliseconds trailingGap,
                            const CancelToken& cancel);

class LockBoardDriver final : public Device {
public:
    LockBoardDriver(std::string name, LockBoardSettings settings);
    ~LockBoardDriver() override;

    const std::string& name() const override { return name_; }
    DeviceClass deviceClass() const override { return DeviceClass::locker; }
    std::string driverName() const override { return "lockboard"; }
    Capabilities capabilities() const override;
    DeviceState state() const override;
    /// Starts the poller (manual openings, online/offline). Idempotent.
    Result<void> start(DeviceEventSink sink) override;
    void stop() override;
    /// Queries every board once: "board 1: 24 locks, 2 open; …".
    Result<std::string> selfTest(std::chrono::milliseconds timeout, const CancelToken& cancel) override;

    int lockerCount() const { return static_cast<int>(lockers_.size()); }
    /// Where locker `locker` is; Errc::invalid_argument ("locker.no_such_locker") if none.
    Result<LockAddress> address(int locker) const;

    /// Opens one locker and waits until its door reads open (see the safety rules above).
    /// Errors (detail for the log, messageKey for the patient):
    ///   invalid_argument  no such locker                          "locker.no_such_locker"
    ///   hardware_error    door not confirmed open: stuck / flips  "locker.door_not_opened"
    ///   timeout           board silent (no answer at all)         "locker.unavailable"
    ///   device_not_ready  serial port missing / unplugged         "locker.unavailable"
    ///   cancelled
    Result<OpenOutcome> open(int locker, const CancelToken& cancel = {});
    /// Staff: one open-all per board, then read-back of every door until all are open or the
    /// confirm timeout. Fails only if no board answered.
    Result<OpenAllOutcome> openAll(const CancelToken& cancel = {});
    /// One door's state now.
    Result<DoorState> queryDoor(int locker, const CancelToken& cancel = {});
    /// Every door's state now (every board must answer).
    Result<std::vector<DoorReading>> queryAll(const CancelToken& cancel = {});
    /// One poll: queries every board, compares with the previous poll, reports doors opened
    /// without a command (also to the listener). A silent board is listed, not an error,
    /// unless every board is silent.
    Result<PollResult> poll(const CancelToken& cancel = {});
    /// Called from the polling thread (or the caller of poll()); keep it short and thread-safe.
    void setDoorListener(DoorListener listener);

private:
    struct Locker {
        LockAddress where;
        FeedbackPolarity polarity;
    };
    Result<transport::SerialPort*> port();
    Result<LockAnswer> send(const LockRequest& request, std::chrono::milliseconds timeout, const CancelToken& cancel);
    Result<DoorState> readDoor(const Locker& locker, const CancelToken& cancel);
    Result<std::vector<DoorState>> readBoard(const BoardConfig& board, const CancelToken& cancel);
    Result<PollResult> pollLocked(const CancelToken& cancel);
    void notify(const DoorEvent& event);
    void setState(DeviceState state);
    void run(std::stop_token stop, CancelToken cancel);

    std::string name_;
    LockBoardSettings settings_;
    const LockFramer& framer_;
    std::vector<Locker> lockers_;

    std::mutex bus_;  // one exchange at a time (half-duplex); guards port_, known_, commanded_
    std::unique_ptr<transport::SerialPort> port_;
    std::map<int, DoorState> known_;  // last polled state per locker
    std::set<int> commanded_;         // opened by a command, until seen closed again

    mutable std::mutex mutex_;  // guards state_, sink_, listener_, poller_
    DeviceState state_;
    DeviceEventSink sink_;
    DoorListener listener_;
    CancelToken cancel_;
    std::jthread poller_;
};

Result<std::unique_ptr<Device>> createLockBoardDriver(const DeviceConfig& config, ConfigSection& settings,
                                                      const DriverContext& context);

}  // namespace kiosk::drivers::locker
