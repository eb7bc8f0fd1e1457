#pragma once
// Technician access (issue 14 item 1): the PIN that opens the diagnostics screens, its lockout and
// the technician's visit in the audit trail. No UI here: the PIN pad (screens/technician/) and
// tests drive this class.
//
// - The PIN is checked against `[diagnostics] pin_hash`, an Argon2id string made by libsodium's
//   crypto_pwhash_str (`kiosk diag hash-pin` prints the config line). The string carries its own
//   salt and cost parameters (PHC string format), so verification needs nothing else.
// - 5 wrong PINs in a row lock technician access for 15 minutes. The count and the end of the
//   lockout are kept in the journal (component "technician"), so a restart does not reset them.
//   The end is wall-clock time (the only clock that survives a restart): a clock set backwards
//   lengthens a lockout, never shortens it below what is stored.
// - Every technician action is a row of the journal's audit trail: a technician's visit is an
//   audit_session (source "technician_gesture", "technician_card" or "technician_menu"; the
//   identity hash is the salted hash of the technician card number, or of the way in), and each
//   action is an audit_event "technician:…" of it. There is no second audit log.
//
// Threading: pinMatches() is slow (Argon2id, ~0.1 s and 64 MiB at the interactive cost) and
// thread-safe: run it on a worker. Everything else runs on the owner's thread (the UI thread).

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kiosk/core/clock.hpp"
#include "kiosk/core/error.hpp"
#include "kiosk/core/journal.hpp"

namespace kiosk {

/// How a PIN attempt ended.
enum class PinOutcome {
    accepted,    ///< the PIN matched: technician access is open
    refused,     ///< wrong PIN; attemptsLeft more before the lockout
    locked_out,  ///< wrong PIN, and it was the last one: locked until lockedUntil
    locked,      ///< access was already locked: the PIN was not even checked
};
std::string_view pinOutcomeName(PinOutcome outcome);

struct PinResult {
    PinOutcome outcome = PinOutcome::refused;
    int attemptsLeft = 0;  ///< wrong PINs still allowed before the lockout
    /// While locked (locked_out / locked): when access opens again (wall clock).
    std::optional<std::chrono::system_clock::time_point> lockedUntil;
};

struct TechnicianAccessSettings {
    std::string pinHash;                       ///< checked with checkPinHash()
    std::vector<std::string> technicianCards;  ///< card numbers that open the PIN pad
    std::string auditSalt;                     ///< [journal] audit_salt
    std::string kioskId;
    int maxFailures = 5;
    std::chrono::minutes lockout{15};
};

class TechnicianAccess {
public:
    /// Shapes a PIN must have: 6 to 12 digits. Six digits is the floor because the hash in the
    /// config file can be attacked offline: 10^6 guesses at ~0.1 s each is about a day of one core.
    static constexpr size_t kMinPinDigits = 6;
    static constexpr size_t kMaxPinDigits = 12;

    /// Checks that `hash` is an Argon2id string libsodium can verify (PHC format, "$argon2id$…").
    /// Errors (invalid_config) say what is wrong and how to make a right one; the caller names
    /// the key.
    static Result<void> checkPinHash(std::string_view hash);
    /// Checks a new PIN's shape (digits only, kMinPinDigits–kMaxPinDigits); invalid_argument.
    static Result<void> checkPinShape(std::string_view pin);
    /// The Argon2id string for `pin` with a fresh random salt, at libsodium's interactive cost
    /// (opslimit 2, 64 MiB) unless given. Errors: invalid_argument (shape), internal (out of memory).
    static Result<std::string> hashPin(std::string_view pin);
    static Result<std::string> hashPin(std::string_view pin, unsigned long long opsLimit, size_t memLimit);
    /// Whether `pin` matches `hash` (constant-time inside libsodium). Slow; thread-safe.
    static bool pinMatches(const std::string& hash, std::string_view pin);

    /// Opens access over the journal (migrates its "technician" schema, reads a stored lockout).
    /// `journal` and `clock` must outlive the object. Errors: the journal's.
    static Result<TechnicianAccess> open(TechnicianAccessSettings settings, Journal& journal, const Clock& clock);

    /// A card number listed in `technician_cards`.
    bool isTechnicianCard(std::string_view cardNumber) const;

    /// Locked now? (The lockout ends by itself when its time has passed.)
    bool locked() const;
    std::optional<std::chrono::system_clock::time_point> lockedUntil() const;
    /// Wrong PINs still allowed before the lockout.
    int attemptsLeft() const;

    /// Before a slow check: a locked kiosk refuses at once (recorded in the audit trail).
    /// nullopt: go on and check the PIN.
    std::optional<PinResult> refuseIfLocked();
    /// Records the outcome of a checked PIN: counts it, persists the count and any lockout,
    /// writes the audit row. A journal write that fails is logged; the outcome stands.
    PinResult record(bool matched);
    /// refuseIfLocked(), pinMatches(), record() in one call (tests, the CLI).
    PinResult tryPin(std::string_view pin);

    /// A technician's visit starts (the PIN pad opened): `via` is "gesture", "card" or "menu";
    /// `credential` the technician card number (only its salted hash is stored).
    void beginVisit(std::string_view via, std::string_view credential = {});
    /// One action in the current visit ("self_test card ok"); starts a visit "unknown" if none.
    void audit(std::string_view action);
    /// The visit ends: "left", "timed_out", "refused".
    void endVisit(std::string_view reason);
    bool inVisit() const { return visit_ != 0; }

private:
    TechnicianAccess(TechnicianAccessSettings settings, Journal& journal, const Clock& clock)
        : settings_(std::move(settings)), journal_(&journal), clock_(&clock) {}
    /// Clears an expired lockout (a fresh set of attempts).
    void expireLockout();
    void persist();

    TechnicianAccessSettings settings_;
    Journal* journal_;
    const Clock* clock_;
    int failures_ = 0;
    std::optional<std::chrono::system_clock::time_point> lockedUntil_;
    int64_t visit_ = 0;  ///< audit_session id of the current visit (0: none)
};

}  // namespace kiosk
