#pragma once
// The kiosk's durable journal: one SQLite file in WAL mode with synchronous=FULL, so a row that
// was committed survives a power cut. Each module owns a versioned schema ("component") and
// brings its own migrations; the core owns the session audit trail.
//
// Bad files are never recreated over: a file that exists but is not a kiosk journal, is
// corrupt, locked by another process or on a read-only disk gives an Error that says what to do.

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kiosk/core/error.hpp"

namespace kiosk {

/// A prepared statement; bind by 1-based index, step, read columns.
class Statement {
public:
    Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
    Statement(Statement&& other) noexcept : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)) {}
    Statement& operator=(Statement&&) = delete;
    Statement(const Statement&) = delete;
    ~Statement();

    Statement& bind(int index, std::string_view text);
    Statement& bind(int index, int64_t value);
    Statement& bindNull(int index);
    /// true: a row is ready; false: done. Errors become kiosk::Error.
    Result<bool> step();
    /// Runs to completion (INSERT/UPDATE/DELETE).
    Result<void> run();
    void reset();

    int64_t integer(int column) const;
    std::string text(int column) const;
    bool isNull(int column) const;

private:
    sqlite3* db_;
    sqlite3_stmt* stmt_;
};

struct Migration {
    int version;       ///< 1, 2, 3 … in order
    std::string sql;   ///< may hold several statements
};

class Journal {
public:
    /// Opens (or, when the file does not exist yet, creates) the journal and applies the core
    /// migrations. `busyTimeout` bounds how long a lock held elsewhere is waited for.
    static Result<std::unique_ptr<Journal>> open(const std::filesystem::path& file,
                                                 std::chrono::milliseconds busyTimeout = std::chrono::milliseconds(2000));
    ~Journal();
    Journal(const Journal&) = delete;
    Journal& operator=(const Journal&) = delete;

    /// Brings `component`'s schema to the newest version, each migration in its own transaction.
    /// Refuses a journal whose schema is newer than this program knows (a downgrade).
    Result<void> migrate(std::string_view component, const std::vector<Migration>& migrations);
    Result<int> schemaVersion(std::string_view component);

    Result<Statement> prepare(std::string_view sql);
    Result<void> exec(std::string_view sql);

    const std::filesystem::path& file() const { return file_; }
    sqlite3* handle() const { return db_; }

    // --- session audit trail (keyed by a salted hash, never by identity) ---
    Result<int64_t> auditSessionStart(std::string_view identityHash, std::string_view source,
                                      std::string_view kioskId);
    Result<void> auditSessionEnd(int64_t sessionId, std::string_view reason);
    Result<void> auditEvent(int64_t sessionId, std::string_view event);

private:
    Journal(sqlite3* db, std::filesystem::path file) : db_(db), file_(std::move(file)) {}
    Error sqliteError(std::string_view what) const;

    sqlite3* db_;
    std::filesystem::path file_;
};

/// hex(SHA-256(salt || value)): how a person appears in the audit trail.
std::string saltedHash(std::string_view salt, std::string_view value);

}  // namespace kiosk
