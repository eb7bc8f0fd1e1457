#include "kiosk/core/technician_access.hpp"

#include <fmt/format.h>
#include <sodium.h>

#include <algorithm>

#include "kiosk/core/log.hpp"

namespace kiosk {

namespace {

std::shared_ptr<spdlog::logger> logger() { return log::module("technician"); }

/// The journal's "technician" schema: one row, the wrong PINs in a row and the end of a lockout
/// (Unix milliseconds, 0 = none).
const std::vector<Migration>& technicianMigrations() {
    static const std::vector<Migration> migrations = {
        {1, R"sql(
            CREATE TABLE technician_lockout (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                failures INTEGER NOT NULL,
                locked_until_ms INTEGER NOT NULL
            );
            INSERT INTO technician_lockout(id, failures, locked_until_ms) VALUES(1, 0, 0);
        )sql"},
    };
    return migrations;
}

bool sodiumReady() {
    // sodium_init() is thread-safe and idempotent (0: initialised now, 1: already, -1: failed).
    return sodium_init() >= 0;
}

int64_t toMillis(std::chrono::system_clock::time_point at) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count();
}

}  // namespace

std::string_view pinOutcomeName(PinOutcome outcome) {
    switch (outcome) {
        case PinOutcome::accepted: return "accepted";
        case PinOutcome::refused: return "refused";
        case PinOutcome::locked_out: return "locked_out";
        case PinOutcome::locked: return "locked";
    }
    return "refused";
}

Result<void> TechnicianAccess::checkPinHash(std::string_view hash) {
    constexpr std::string_view kHowTo = "make one with `kiosk diag hash-pin` and paste the line it prints";
    if (hash.empty()) return fail(Errc::invalid_config, fmt::format("is empty; {}", kHowTo));
    if (!hash.starts_with(crypto_pwhash_argon2id_STRPREFIX)) {
        return fail(Errc::invalid_config,
                    fmt::format("expected an Argon2id hash starting with \"{}\" (never the PIN itself or a fast hash); {}",
                                crypto_pwhash_argon2id_STRPREFIX, kHowTo));
    }
    if (hash.size() >= crypto_pwhash_STRBYTES) {
        return fail(Errc::invalid_config, fmt::format("is {} characters long, more than an Argon2id string can be; {}",
                                                      hash.size(), kHowTo));
    }
    if (!sodiumReady()) return fail(Errc::internal, "libsodium could not be initialised");
    // needs_rehash parses the whole string (version, m, t, p, salt, hash) and answers -1 when it
    // is not a valid Argon2id string (libsodium 1.0.18, crypto_pwhash_argon2id_str_needs_rehash).
    const std::string copy(hash);
    if (crypto_pwhash_argon2id_str_needs_rehash(copy.c_str(), crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE,
                                                crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE) == -1) {
        return fail(Errc::invalid_config, fmt::format("is not a valid Argon2id string (a character lost in copying?); {}", kHowTo));
    }
    return {};
}

Result<void> TechnicianAccess::checkPinShape(std::string_view pin) {
    if (pin.size() < kMinPinDigits || pin.size() > kMaxPinDigits ||
        !std::all_of(pin.begin(), pin.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return fail(Errc::invalid_argument,
                    fmt::format("a technician PIN is {} to {} digits (0-9), nothing else", kMinPinDigits, kMaxPinDigits));
    }
    return {};
}

Result<std::string> TechnicianAccess::hashPin(std::string_view pin) {
    return hashPin(pin, crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE, crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE);
}

Result<std::string> TechnicianAccess::hashPin(std::string_view pin, unsigned long long opsLimit, size_t memLimit) {
    if (auto shape = checkPinShape(pin); !shape) return std::unexpected(shape.error());
    if (!sodiumReady()) return fail(Errc::internal, "libsodium could not be initialised");
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_argon2id_str(out, pin.data(), pin.size(), opsLimit, memLimit) != 0) {
        return fail(Errc::internal, fmt::format("Argon2id hashing failed (out of memory? it needs {} MiB)", memLimit >> 20));
    }
    return std::string(out);
}

bool TechnicianAccess::pinMatches(const std::string& hash, std::string_view pin) {
    if (!sodiumReady()) return false;
    return crypto_pwhash_argon2id_str_verify(hash.c_str(), pin.data(), pin.size()) == 0;
}

Result<TechnicianAccess> TechnicianAccess::open(TechnicianAccessSettings settings, Journal& journal, const Clock& clock) {
    if (auto migrated = journal.migrate("technician", technicianMigrations()); !migrated) {
        return std::unexpected(migrated.error());
    }
    TechnicianAccess access(std::move(settings), journal, clock);
    auto row = journal.prepare("SELECT failures, locked_until_ms FROM technician_lockout WHERE id = 1");
    if (!row) return std::unexpected(row.error());
    auto stepped = row->step();
    if (!stepped) return std::unexpected(stepped.error());
    if (*stepped) {
        access.failures_ = static_cast<int>(row->integer(0));
        if (const int64_t until = row->integer(1); until > 0) {
            access.lockedUntil_ = std::chrono::system_clock::time_point(std::chrono::milliseconds(until));
        }
    }
    if (access.locked()) {
        logger()->warn("technician access is locked until {} (stored lockout)", toMillis(*access.lockedUntil_));
    }
    return access;
}

bool TechnicianAccess::isTechnicianCard(std::string_view cardNumber) const {
    return !cardNumber.empty() &&
           std::find(settings_.technicianCards.begin(), settings_.technicianCards.end(), cardNumber) != settings_.technicianCards.end();
}

bool TechnicianAccess::locked() const { return lockedUntil_ && clock_->wallNow() < *lockedUntil_; }

std::optional<std::chrono::system_clock::time_point> TechnicianAccess::lockedUntil() const {
    return locked() ? lockedUntil_ : std::nullopt;
}

int TechnicianAccess::attemptsLeft() const {
    if (locked()) return 0;
    // An expired lockout gives a fresh set (expireLockout() clears the count on the next attempt).
    return lockedUntil_ ? settings_.maxFailures : std::max(0, settings_.maxFailures - failures_);
}

void TechnicianAccess::expireLockout() {
    if (lockedUntil_ && !locked()) {
        lockedUntil_.reset();
        failures_ = 0;
        persist();
        audit("lockout_ended");
        logger()->info("technician lockout ended");
    }
}

std::optional<PinResult> TechnicianAccess::refuseIfLocked() {
    expireLockout();
    if (!locked()) return std::nullopt;
    audit("pin_not_checked_locked");
    logger()->warn("technician PIN entered while access is locked; not checked");
    return PinResult{PinOutcome::locked, 0, lockedUntil_};
}

PinResult TechnicianAccess::record(bool matched) {
    expireLockout();
    if (locked()) return PinResult{PinOutcome::locked, 0, lockedUntil_};  // locked while the check ran
    if (matched) {
        failures_ = 0;
        persist();
        audit("pin_accepted");
        logger()->info("technician PIN accepted");
        return PinResult{PinOutcome::accepted, settings_.maxFailures, std::nullopt};
    }
    ++failures_;
    if (failures_ >= settings_.maxFailures) {
        // Whole milliseconds, as stored: the lockout read back after a restart is the same one.
        lockedUntil_ = std::chrono::floor<std::chrono::milliseconds>(clock_->wallNow() + settings_.lockout);
        persist();
        audit(fmt::format("pin_refused locked_out {} min", settings_.lockout.count()));
        logger()->warn("technician PIN refused {} times in a row: access locked for {} min", failures_, settings_.lockout.count());
        return PinResult{PinOutcome::locked_out, 0, lockedUntil_};
    }
    persist();
    const int left = settings_.maxFailures - failures_;
    audit(fmt::format("pin_refused {} left", left));
    logger()->warn("technician PIN refused ({} attempts left)", left);
    return PinResult{PinOutcome::refused, left, std::nullopt};
}

PinResult TechnicianAccess::tryPin(std::string_view pin) {
    if (auto refused = refuseIfLocked()) return *refused;
    return record(pinMatches(settings_.pinHash, pin));
}

void TechnicianAccess::persist() {
    auto stmt = journal_->prepare("UPDATE technician_lockout SET failures = ?1, locked_until_ms = ?2 WHERE id = 1");
    if (!stmt) {
        logger()->error("technician lockout not stored: {}", stmt.error().describe());
        return;
    }
    stmt->bind(1, static_cast<int64_t>(failures_)).bind(2, lockedUntil_ ? toMillis(*lockedUntil_) : int64_t{0});
    if (auto ok = stmt->run(); !ok) logger()->error("technician lockout not stored: {}", ok.error().describe());
}

void TechnicianAccess::beginVisit(std::string_view via, std::string_view credential) {
    if (visit_ != 0) endVisit("replaced");
    const std::string key = credential.empty() ? fmt::format("technician-{}", via) : std::string(credential);
    auto started = journal_->auditSessionStart(saltedHash(settings_.auditSalt, key), fmt::format("technician_{}", via),
                                               settings_.kioskId);
    if (!started) {
        logger()->error("technician visit not in the audit trail: {}", started.error().describe());
        return;
    }
    visit_ = *started;
    logger()->info("technician visit {} started ({})", visit_, via);
}

void TechnicianAccess::audit(std::string_view action) {
    if (visit_ == 0) beginVisit("unknown");
    if (visit_ == 0) return;  // the journal refused; logged
    if (auto ok = journal_->auditEvent(visit_, fmt::format("technician:{}", action)); !ok) {
        logger()->error("technician action '{}' not in the audit trail: {}", action, ok.error().describe());
    }
}

void TechnicianAccess::endVisit(std::string_view reason) {
    if (visit_ == 0) return;
    if (auto ok = journal_->auditSessionEnd(visit_, fmt::format("technician_{}", reason)); !ok) {
        logger()->error("technician visit end not in the audit trail: {}", ok.error().describe());
    }
    logger()->info("technician visit {} ended ({})", visit_, reason);
    visit_ = 0;
}

}  // namespace kiosk
