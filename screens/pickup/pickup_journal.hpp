#pragma once
// The pickup journal: every business key of a pickup is written before the step it names (a
// locker opened, a number asked for at a window), so that after a crash the kiosk knows which
// doors it opened and which pickups the HIS has not confirmed yet (LockerPickup::recover), and
// `kiosk journal` shows them. Lockers that did not open are recorded as faulty here: they are
// not opened again until staff clear them, and diagnostics lists them.
//
// One SQLite connection (kiosk/core/journal.hpp), component "pickup"; the caller serialises
// use (one PickupJournal per thread, or a mutex around it).

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kiosk/core/error.hpp"
#include "kiosk/core/journal.hpp"

namespace kiosk::screens {

/// States of a pickup row, in the order a pickup goes through them.
///   locker: opening → door_open → confirmed
///                   → not_opened        (the door read closed after each attempt: nothing picked
///                                        up, locker faulty)
///                   → door_unknown      (the board did not answer: it may have opened; staff
///                                        check, not confirmed, locker faulty)
///                   → door_unknown      (crashed while opening; the door read closed afterwards:
///                                        the patient may have taken it; staff check, not confirmed)
///           door_open → refused          (the door opened but the HIS refused the pickup: staff)
///   window: queueing → queued (the HIS gave a call number) | failed | abandoned (crash before
///           the HIS had it: nobody was given a number)
///   tcm:    ordering (detail: the service code) → ordered (the HIS recorded the herbal choice;
///           detail: "<service> <ServiceRequest id>") |
///           failed (refused) | abandoned (crash before the HIS had it)
struct PickupRecord {
    std::string tradeNo;
    std::string kind;          ///< "locker", "window" or "tcm"
    std::string dispenseIds;   ///< comma-separated MedicationDispense ids
    int locker = 0;            ///< locker pickups
    std::string state;
    std::string detail;        ///< why (an error), or the call number of a queued window pickup
    std::string createdAt;     ///< UTC ISO 8601
};

struct LockerFault {
    int locker = 0;
    std::string since;   ///< UTC ISO 8601
    std::string reason;
};

class PickupJournal {
public:
    /// Takes a connection to the kiosk journal and brings the "pickup" tables up to date.
    static Result<std::unique_ptr<PickupJournal>> open(std::unique_ptr<Journal> journal);

    /// Writes a new row (durable when it returns). Errors: io_error (the disk, a duplicate key).
    Result<void> begin(const PickupRecord& record);
    Result<void> setState(const std::string& tradeNo, const std::string& state, const std::string& detail = {});
    Result<std::optional<PickupRecord>> find(const std::string& tradeNo);
    /// Every row naming `dispenseId` (in its comma-separated list), the newest first.
    Result<std::vector<PickupRecord>> forDispense(const std::string& dispenseId);
    /// Rows a crash may have left mid-way: opening, door_open, queueing, ordering.
    Result<std::vector<PickupRecord>> unfinished();
    /// The newest rows first (kiosk journal, diagnostics).
    Result<std::vector<PickupRecord>> recent(int limit);

    Result<void> markLockerFaulty(int locker, const std::string& reason);
    Result<void> clearLockerFault(int locker);
    Result<std::vector<LockerFault>> faultyLockers();

private:
    explicit PickupJournal(std::unique_ptr<Journal> journal) : journal_(std::move(journal)) {}
    std::unique_ptr<Journal> journal_;
};

}  // namespace kiosk::screens
