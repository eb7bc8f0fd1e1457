#pragma once
// One locker pickup, end to end, with the guarantees issue 13 asks for (no UI here: the pickup
// flow runs it on its worker, the crash-matrix probe runs it in a process it kills):
//   1. the business key and the locker are journalled ("opening") before any command;
//   2. the locker is opened (LockBoardDriver::open: ONE pulse, then read-backs until the door
//      reads open); a door that read closed gets ONE more attempt, after the door is read once
//      more (a late opening counts as opened, an unreadable board gets no second pulse); then the
//      pickup stops — not_opened (it read closed: the medicine is still inside) or door_unknown
//      (the board stopped answering) — the locker is recorded faulty (pickup_journal.hpp) and
//      the patient is sent to a window; nothing is confirmed as picked up;
//   0. a prescription the journal shows opened before (opening / door_open / door_unknown /
//      refused / confirmed) is never pulsed again: a pending confirmation is retried instead.
//   3. only a door confirmed open is journalled ("door_open") and then confirmed at the HIS
//      (confirmPickup, idempotent on the key); an HIS that does not answer leaves the row
//      door_open, and recover() confirms it later — exactly once, whatever crashed when.
// Failpoints (payments/failpoint.hpp, KIOSK_FAILPOINT=<step>) between the steps:
//   pickup_journalled        the opening row is committed; no command sent
//   pickup_after_door_open   the door read open; door_open not journalled yet
//   pickup_door_open         door_open is committed; the HIS not asked yet
//   pickup_after_his_confirm the HIS confirmed; confirmed not journalled yet

#include <array>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "drivers/locker/lockboard/lockboard_driver.hpp"
#include "kiosk/backend/his_driver.hpp"
#include "screens/pickup/pickup_journal.hpp"

namespace kiosk::screens {

inline constexpr std::array<std::string_view, 4> kPickupFailpointSteps = {"pickup_journalled", "pickup_after_door_open",
                                                                          "pickup_door_open", "pickup_after_his_confirm"};

struct LockerPickupResult {
    enum class Door {
        opened,      ///< confirmed open: the patient takes the medicine
        not_opened,  ///< read closed after each attempt (or out of service, no command): go to a window
        unknown,     ///< the board stopped answering: it may have opened; staff check, nothing confirmed
        refused,     ///< not attempted: no journal, no such locker, opened for this prescription before
    };
    Door door = Door::refused;
    int attempts = 0;                       ///< open commands sent (0–2)
    std::chrono::milliseconds elapsed{0};   ///< first command → door confirmed (or given up)
    bool confirmed = false;                 ///< the HIS has the pickup (false: recover() will retry)
    std::optional<Error> error;             ///< why not opened / refused, or why not confirmed yet
    bool lockerOutOfService = false;        ///< it was faulty already: no command was sent
};

/// What recover() did, for the log and the tests.
struct PickupRecovery {
    int confirmed = 0;     ///< door_open rows confirmed at the HIS now
    int doorUnknown = 0;   ///< opening rows whose door read closed: staff check, not confirmed
    int stillPending = 0;  ///< left for the next attempt (the HIS or the board did not answer)
    int abandoned = 0;     ///< window and herbal-order rows the HIS never got
    int queued = 0;        ///< window rows the HIS had after all
    int ordered = 0;       ///< herbal-order rows (kind "tcm") the HIS had after all
};

class LockerPickup {
public:
    /// All three outlive this object; calls block (a worker thread, never the UI thread).
    LockerPickup(backend::HisDriver& his, PickupJournal& journal, drivers::locker::LockBoardDriver& board)
        : his_(his), journal_(journal), board_(board) {}

    /// Opens the locker of `prescription` (lockerNumber) and confirms the pickup under `tradeNo`
    /// (see the steps at the top).
    LockerPickupResult pickUp(const backend::Prescription& prescription, const std::string& tradeNo,
                              const drivers::CancelToken& cancel = {});

    /// Finishes what a crash left: door_open → confirmed; opening → the door is read: open →
    /// confirmed, closed → door_unknown (+ locker faulty); window queueing → queued / abandoned
    /// (lookupTransaction). Safe to run again; never sends an open command.
    static PickupRecovery recover(backend::HisDriver& his, PickupJournal& journal, drivers::locker::LockBoardDriver* board);

private:
    /// door_open → the HIS; journals confirmed / refused. Returns the error when not confirmed.
    static std::optional<Error> confirm(backend::HisDriver& his, PickupJournal& journal, const std::string& tradeNo,
                                        const std::string& dispenseId);

    backend::HisDriver& his_;
    PickupJournal& journal_;
    drivers::locker::LockBoardDriver& board_;
};

}  // namespace kiosk::screens
