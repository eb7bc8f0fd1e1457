#include "screens/pickup/locker_pickup.hpp"

#include <fmt/format.h>

#include "kiosk/core/log.hpp"
#include "payments/failpoint.hpp"

namespace kiosk::screens {

namespace {

auto logger() { return log::module("pickup"); }

/// Attempts per pickup: the first, and one retry (issue 13: "one retry → please go to window N").
constexpr int kOpenAttempts = 2;

bool isOutcomeUnknown(const Error& error) {
    return error.code == Errc::unknown_outcome || error.code == Errc::timeout || error.code == Errc::backend_unavailable ||
           error.code == Errc::io_error;
}

}  // namespace

std::optional<Error> LockerPickup::confirm(backend::HisDriver& his, PickupJournal& journal, const std::string& tradeNo,
                                           const std::string& dispenseId) {
    auto confirmed = his.confirmPickup(dispenseId, tradeNo);
    payments::failpoint("pickup_after_his_confirm");
    if (confirmed) {
        if (auto written = journal.setState(tradeNo, "confirmed"); !written) {
            // The HIS has it; a later recover() asks again under the same key and gets the same answer.
            logger()->error("pickup {}: confirmed at the HIS but not journalled: {}", tradeNo, written.error().describe());
        }
        logger()->info("pickup {}: MedicationDispense/{} confirmed at the HIS", tradeNo, dispenseId);
        return std::nullopt;
    }
    const Error& error = confirmed.error();
    // Final only when the HIS refused the pickup itself (handed over already, not ready); any
    // other failure (a version conflict that stayed, an authorisation problem, a lost answer)
    // leaves the row door_open for the next attempt.
    const bool businessRefusal = error.messageKey == "backend.already_picked_up" || error.messageKey == "backend.not_ready_for_pickup";
    if (isOutcomeUnknown(error) || !businessRefusal) {
        logger()->warn("pickup {}: MedicationDispense/{} not confirmed yet ({}); retried later under the same key", tradeNo,
                       dispenseId, error.describe());
        return error;
    }
    // The door opened but the HIS refuses the pickup (handed over meanwhile, not ready any more):
    // staff must look at the locker; the row says why.
    logger()->error("pickup {}: door opened but the HIS refused MedicationDispense/{}: {}", tradeNo, dispenseId, error.describe());
    (void)journal.setState(tradeNo, "refused", error.describe());
    return error;
}

LockerPickupResult LockerPickup::pickUp(const backend::Prescription& prescription, const std::string& tradeNo,
                                        const drivers::CancelToken& cancel) {
    LockerPickupResult result;
    const int locker = prescription.lockerNumber;
    if (auto where = board_.address(locker); !where) {
        logger()->error("pickup {}: MedicationDispense/{} names locker {}, which this bank does not have ({} lockers)", tradeNo,
                        prescription.dispenseId, locker, board_.lockerCount());
        result.error = where.error();
        return result;
    }
    auto faulty = journal_.faultyLockers();
    if (!faulty) {
        result.error = faulty.error();
        logger()->error("pickup {}: journal unreadable, no locker opened: {}", tradeNo, faulty.error().describe());
        return result;
    }
    // 0. Never a second opening for one prescription (a reload that still lists it as ready
    //    because the HIS has not confirmed yet, a second tap): confirm what is pending instead.
    if (auto earlier = journal_.forDispense(prescription.dispenseId); !earlier) {
        result.error = earlier.error();
        logger()->error("pickup {}: journal unreadable, no locker opened: {}", tradeNo, earlier.error().describe());
        return result;
    } else {
        for (const PickupRecord& row : *earlier) {
            if (row.kind != "locker" || row.state == "not_opened") continue;  // a door that stayed shut may be tried again
            logger()->warn("pickup {}: MedicationDispense/{} was opened before under {} ({}): no second opening", tradeNo,
                           prescription.dispenseId, row.tradeNo, row.state);
            if (row.state == "door_open") (void)confirm(his_, journal_, row.tradeNo, prescription.dispenseId);
            result.error = Error(Errc::rejected, "opened before under " + row.tradeNo + " (" + row.state + ")", "pickup.error.opened_before");
            return result;
        }
    }
    for (const auto& fault : *faulty) {
        if (fault.locker != locker) continue;
        logger()->warn("pickup {}: locker {} is out of service since {} ({}): not opened, patient sent to a window", tradeNo, locker,
                       fault.since, fault.reason);
        result.door = LockerPickupResult::Door::not_opened;
        result.lockerOutOfService = true;
        result.error = Error(Errc::hardware_error, "locker out of service: " + fault.reason, "locker.door_not_opened");
        return result;
    }
    // 1. The key and the locker before any command: a crash after this leaves a row recover() reads.
    if (auto begun = journal_.begin({.tradeNo = tradeNo, .kind = "locker", .dispenseIds = prescription.dispenseId, .locker = locker,
                                     .state = "opening", .detail = {}, .createdAt = {}});
        !begun) {
        logger()->error("pickup {}: not journalled, locker {} not opened: {}", tradeNo, locker, begun.error().describe());
        result.error = begun.error();
        return result;
    }
    payments::failpoint("pickup_journalled");
    // 2. Open; one retry.
    const auto started = std::chrono::steady_clock::now();
    Error last(Errc::internal, "no attempt");
    bool opened = false;
    bool doorKnownShut = true;  // every attempt ended with the door read closed (safe to say "still inside")
    for (int attempt = 1; attempt <= kOpenAttempts && !cancel.cancelled(); ++attempt) {
        if (attempt > 1) {
            // Before a second pulse, read the door once more: a late opening is an opening, and a
            // board that does not answer gets no second pulse (it could reopen a door just shut).
            auto door = board_.queryDoor(locker, cancel);
            if (door && *door == drivers::locker::DoorState::open) {
                logger()->info("pickup {}: locker {} read open after the first attempt", tradeNo, locker);
                opened = true;
                break;
            }
            if (!door) {
                last = door.error();
                doorKnownShut = false;
                break;
            }
        }
        result.attempts = attempt;
        auto outcome = board_.open(locker, cancel);
        if (outcome) {
            opened = true;
            break;
        }
        last = outcome.error();
        logger()->warn("pickup {}: locker {} attempt {}: {}", tradeNo, locker, attempt, last.describe());
        // "Not confirmed open" with the door read closed is hardware_error; anything else (a
        // silent board, an unplugged line) leaves the door's state unknown.
        if (last.code != Errc::hardware_error) doorKnownShut = false;
        if (last.code == Errc::invalid_argument || last.code == Errc::cancelled || !doorKnownShut) break;
    }
    result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    if (!opened && !doorKnownShut) {
        result.door = LockerPickupResult::Door::unknown;
        result.error = last;
        (void)journal_.setState(tradeNo, "door_unknown", last.describe());
        (void)journal_.markLockerFaulty(locker, fmt::format("state unknown after pickup {}: {}", tradeNo, last.detail));
        logger()->error("pickup {}: locker {} did not answer; it may have opened: staff must check it (nothing confirmed)", tradeNo,
                        locker);
        return result;
    }
    if (!opened) {
        result.door = LockerPickupResult::Door::not_opened;
        result.error = last;
        (void)journal_.setState(tradeNo, "not_opened", last.describe());
        if (auto marked = journal_.markLockerFaulty(locker, fmt::format("did not open for pickup {}: {}", tradeNo, last.detail)); !marked) {
            logger()->error("locker {}: not recorded as faulty: {}", locker, marked.error().describe());
        }
        logger()->error("pickup {}: locker {} did not open after {} attempts; out of service until staff clear it", tradeNo, locker,
                        result.attempts);
        return result;
    }
    payments::failpoint("pickup_after_door_open");
    // 3. The door is open: journal it, then the HIS.
    result.door = LockerPickupResult::Door::opened;
    if (auto written = journal_.setState(tradeNo, "door_open"); !written) {
        // The door is open whatever the disk says: the patient takes the medicine. Without the
        // row, recover() would not know to confirm; so confirm now and say so loudly.
        logger()->error("pickup {}: door_open not journalled: {}", tradeNo, written.error().describe());
    }
    payments::failpoint("pickup_door_open");
    const auto notConfirmed = confirm(his_, journal_, tradeNo, prescription.dispenseId);
    result.confirmed = !notConfirmed.has_value();
    if (notConfirmed) result.error = *notConfirmed;
    logger()->info("pickup {}: locker {} open after {} ms ({} attempt(s)), {}", tradeNo, locker, result.elapsed.count(), result.attempts,
                   result.confirmed ? "confirmed" : "confirmation pending");
    return result;
}

PickupRecovery LockerPickup::recover(backend::HisDriver& his, PickupJournal& journal, drivers::locker::LockBoardDriver* board) {
    PickupRecovery done;
    auto rows = journal.unfinished();
    if (!rows) {
        logger()->error("pickup recovery: journal unreadable: {}", rows.error().describe());
        return done;
    }
    for (const PickupRecord& row : *rows) {
        if (row.kind == "window" || row.kind == "tcm") {
            // A number asked for, or a herbal order placed: the HIS has it under the key or never had it.
            auto known = his.lookupTransaction(row.tradeNo);
            if (known) {
                // A herbal row keeps its service before the id (placeTcmOrder reads it back).
                (void)journal.setState(row.tradeNo, row.kind == "tcm" ? "ordered" : "queued",
                                       row.kind == "tcm" ? row.detail.substr(0, row.detail.find(' ')) + " " + known->resourceId : known->resourceId);
                ++(row.kind == "tcm" ? done.ordered : done.queued);
            } else if (known.error().code == Errc::not_found) {
                (void)journal.setState(row.tradeNo, "abandoned", "the HIS never had it (crash before the call)");
                ++done.abandoned;
            } else {
                ++done.stillPending;
            }
            continue;
        }
        if (row.state == "opening") {
            if (!board) {
                ++done.stillPending;
                continue;
            }
            auto door = board->queryDoor(row.locker);
            if (!door) {
                logger()->warn("pickup recovery {}: locker {} not readable now: {}", row.tradeNo, row.locker, door.error().describe());
                ++done.stillPending;
                continue;
            }
            if (*door != drivers::locker::DoorState::open) {
                // It may have opened and been shut by the patient: never confirmed on a guess.
                (void)journal.setState(row.tradeNo, "door_unknown", "crashed while opening; the door read closed afterwards");
                (void)journal.markLockerFaulty(row.locker, "check its contents: pickup " + row.tradeNo + " was interrupted while opening");
                logger()->error("pickup recovery {}: locker {} reads closed after an interrupted opening: staff must check it", row.tradeNo,
                                row.locker);
                ++done.doorUnknown;
                continue;
            }
            (void)journal.setState(row.tradeNo, "door_open", "found open after a restart");
        }
        if (confirm(his, journal, row.tradeNo, row.dispenseIds)) {
            ++done.stillPending;
        } else {
            ++done.confirmed;
        }
    }
    if (!rows->empty()) {
        logger()->info("pickup recovery: {} confirmed, {} door unknown, {} queued, {} herbal ordered, {} abandoned, {} still pending",
                       done.confirmed, done.doorUnknown, done.queued, done.ordered, done.abandoned, done.stillPending);
    }
    return done;
}

}  // namespace kiosk::screens
