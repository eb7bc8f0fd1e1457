#include "kiosk/core/journal.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <fstream>

#include "kiosk/core/log.hpp"

namespace kiosk {

Statement::~Statement() {
    if (stmt_) sqlite3_finalize(stmt_);
}

Statement& Statement::bind(int index, std::string_view text) {
    sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    return *this;
}

Statement& Statement::bind(int index, int64_t value) {
    sqlite3_bind_int64(stmt_, index, value);
    return *this;
}

Statement& Statement::bindNull(int index) {
    sqlite3_bind_null(stmt_, index);
    return *this;
}

Result<bool> Statement::step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    const Errc code =
        (rc == SQLITE_BUSY || rc == SQLITE_LOCKED || rc == SQLITE_READONLY || rc == SQLITE_FULL || rc == SQLITE_IOERR)
            ? Errc::journal_unavailable
        : (rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB) ? Errc::journal_corrupt
                                                        : Errc::io_error;
    return fail(code, fmt::format("journal statement failed: {} ({})", sqlite3_errmsg(db_), rc), "error.journal");
}

Result<void> Statement::run() {
    auto stepped = step();
    if (!stepped) return std::unexpected(stepped.error());
    return {};
}

void Statement::reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

int64_t Statement::integer(int column) const {
    return sqlite3_column_int64(stmt_, column);
}

std::string Statement::text(int column) const {
    const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    return data ? std::string(data, static_cast<size_t>(sqlite3_column_bytes(stmt_, column))) : std::string();
}

bool Statement::isNull(int column) const {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

namespace {

const std::vector<Migration>& coreMigrations() {
    static const std::vector<Migration> migrations = {
        {1, R"sql(
            CREATE TABLE audit_session (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                identity_hash TEXT NOT NULL,
                source TEXT NOT NULL,
                kiosk_id TEXT NOT NULL,
                started_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
                ended_at TEXT,
                end_reason TEXT
            );
            CREATE TABLE audit_event (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                session_id INTEGER NOT NULL REFERENCES audit_session(id),
                at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
                event TEXT NOT NULL
            );
            CREATE INDEX audit_session_hash ON audit_session(identity_hash);
        )sql"},
    };
    return migrations;
}

bool looksLikeSqlite(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    char header[16] = {};
    in.read(header, sizeof header);
    return in.gcount() == 0 || std::string_view(header, 15) == "SQLite format 3";
}

/// Why the journal at `file` cannot be written, in words a technician acts on; empty when the
/// file system and the permissions allow writing (then a failure has another cause, e.g. a lock).
/// The nearest existing folder is asked: statvfs's ST_RDONLY flag says the mount is read-only
/// (a remounted SD card, a read-only root file system), access(W_OK) that this user may not
/// write — root passes every permission check, so only a read-only mount stops it.
std::string whyNotWritable(const std::filesystem::path& file) {
    std::error_code ec;
    std::filesystem::path probe = std::filesystem::exists(file, ec) ? file : file.parent_path();
    while (!probe.empty() && !std::filesystem::exists(probe, ec) && probe != probe.parent_path()) probe = probe.parent_path();
    if (probe.empty()) return {};
    struct statvfs fs {};
    if (statvfs(probe.c_str(), &fs) == 0 && (fs.f_flag & ST_RDONLY) != 0) {
        return fmt::format("the disk holding {} is mounted read-only: remount it read-write, or set [journal] file to "
                           "a writable disk",
                           probe.string());
    }
    if (access(probe.c_str(), W_OK) != 0) {
        return fmt::format("{} is not writable for this user (permissions): give the kiosk's user write access",
                           probe.string());
    }
    // SQLite writes the -wal and -shm files beside the journal: the folder must be writable too.
    if (probe == file && access(file.parent_path().c_str(), W_OK) != 0) {
        return fmt::format("the folder {} is not writable for this user (SQLite writes its -wal and -shm files there)",
                           file.parent_path().string());
    }
    return {};
}

}  // namespace

Error Journal::sqliteError(std::string_view what) const {
    const int rc = sqlite3_errcode(db_);
    const Errc code = (rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB) ? Errc::journal_corrupt : Errc::journal_unavailable;
    return Error(code, fmt::format("journal {}: {}: {}", file_.string(), what, sqlite3_errmsg(db_)), "error.journal");
}

Result<std::unique_ptr<Journal>> Journal::open(const std::filesystem::path& file,
                                               std::chrono::milliseconds busyTimeout) {
    std::error_code ec;
    const bool exists = std::filesystem::exists(file, ec);
    if (exists && !looksLikeSqlite(file)) {
        return fail(Errc::journal_corrupt,
                    fmt::format("journal {} exists but is not an SQLite file; it is left untouched. Move it aside "
                                "for the help desk and start again to create a new journal",
                                file.string()),
                    "error.journal");
    }
    if (!exists) {
        std::filesystem::create_directories(file.parent_path(), ec);
        if (ec) {
            const std::string why = whyNotWritable(file);
            return fail(Errc::journal_unavailable,
                        fmt::format("cannot create the journal folder {}: {}{}", file.parent_path().string(), ec.message(),
                                    why.empty() ? "" : " — " + why),
                        "error.journal");
        }
    }
    // Create only when missing: an existing file is opened read-write or not at all.
    const int flags = SQLITE_OPEN_READWRITE | (exists ? 0 : SQLITE_OPEN_CREATE) | SQLITE_OPEN_FULLMUTEX;
    sqlite3* db = nullptr;
    const int rc = sqlite3_open_v2(file.c_str(), &db, flags, nullptr);
    if (rc != SQLITE_OK) {
        std::string why = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
        sqlite3_close(db);
        const std::string unwritable = whyNotWritable(file);
        return fail(Errc::journal_unavailable,
                    unwritable.empty()
                        ? fmt::format("cannot open the journal {} for writing: {} (check the disk is writable and the "
                                      "file's permissions)",
                                      file.string(), why)
                        : fmt::format("cannot open the journal {} for writing: {}", file.string(), unwritable),
                    "error.journal");
    }
    // SQLite quietly falls back to read-only when the file cannot be opened for writing (a
    // read-only mount, a file without write permission). A journal that cannot record is no
    // journal: say so now, with the cause, instead of failing later on the first write (where
    // SQLite's "readonly" looks like a lock held by another process).
    if (sqlite3_db_readonly(db, "main") == 1) {
        sqlite3_close(db);
        const std::string unwritable = whyNotWritable(file);
        return fail(Errc::journal_unavailable,
                    fmt::format("cannot open the journal {} for writing: {}", file.string(),
                                unwritable.empty() ? std::string("SQLite could open it read-only only") : unwritable),
                    "error.journal");
    }
    std::unique_ptr<Journal> journal(new Journal(db, file));
    sqlite3_busy_timeout(db, static_cast<int>(busyTimeout.count()));
    sqlite3_extended_result_codes(db, 1);

    // A locked database (another kiosk process holds it) answers BUSY here.
    {
        auto mode = journal->prepare("PRAGMA journal_mode=WAL");
        if (!mode) {
            if (const std::string unwritable = whyNotWritable(file); !unwritable.empty()) {
                return fail(Errc::journal_unavailable,
                            fmt::format("journal {}: {} ({})", file.string(), unwritable, mode.error().detail),
                            "error.journal");
            }
            return fail(mode.error().code,
                        fmt::format("{} (is another kiosk process using it?)", mode.error().detail), "error.journal");
        }
        auto stepped = mode->step();
        if (!stepped) {
            // Only a lock is "another process"; a disk that turned read-only (or a full one) is
            // named as such.
            if (const std::string unwritable = whyNotWritable(file); !unwritable.empty()) {
                return fail(Errc::journal_unavailable,
                            fmt::format("journal {}: {} ({})", file.string(), unwritable, stepped.error().detail),
                            "error.journal");
            }
            return fail(
                stepped.error().code == Errc::journal_corrupt ? Errc::journal_corrupt : Errc::journal_unavailable,
                fmt::format("journal {}: {} (is another kiosk process using it?)", file.string(),
                            stepped.error().detail),
                "error.journal");
        }
        if (!*stepped || mode->text(0) != "wal") {
            return fail(Errc::journal_unavailable,
                        fmt::format("journal {}: cannot switch to WAL mode (read-only disk?)", file.string()),
                        "error.journal");
        }
    }  // statements are finalized before anything else runs
    if (auto ok = journal->exec("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"); !ok) {
        return std::unexpected(ok.error());
    }
    {
        auto check = journal->prepare("PRAGMA quick_check");
        if (!check) return std::unexpected(check.error());
        auto checked = check->step();
        if (!checked || !*checked || check->text(0) != "ok") {
            return fail(Errc::journal_corrupt,
                        fmt::format("journal {} failed its integrity check ({}); it is left untouched. Copy it for the "
                                    "help desk, then move it aside",
                                    file.string(), checked && *checked ? check->text(0) : std::string("unreadable")),
                        "error.journal");
        }
    }
    if (auto ok = journal->exec("CREATE TABLE IF NOT EXISTS schema_version ("
                                " component TEXT PRIMARY KEY, version INTEGER NOT NULL)");
        !ok) {
        return std::unexpected(ok.error());
    }
    if (auto ok = journal->migrate("core", coreMigrations()); !ok) return std::unexpected(ok.error());
    return journal;
}

Journal::~Journal() {
    sqlite3_close(db_);
}

Result<Statement> Journal::prepare(std::string_view sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) != SQLITE_OK) {
        return std::unexpected(sqliteError(fmt::format("preparing \"{}\"", sql.substr(0, 60))));
    }
    return Statement(db_, stmt);
}

Result<void> Journal::exec(std::string_view sql) {
    char* message = nullptr;
    const std::string copy(sql);
    if (sqlite3_exec(db_, copy.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
        Error error = sqliteError(message ? message : "exec failed");
        sqlite3_free(message);
        return std::unexpected(error);
    }
    return {};
}

Result<int> Journal::schemaVersion(std::string_view component) {
    auto stmt = prepare("SELECT version FROM schema_version WHERE component = ?1");
    if (!stmt) return std::unexpected(stmt.error());
    stmt->bind(1, component);
    auto row = stmt->step();
    if (!row) return std::unexpected(row.error());
    return *row ? static_cast<int>(stmt->integer(0)) : 0;
}

Result<void> Journal::migrate(std::string_view component, const std::vector<Migration>& migrations) {
    auto current = schemaVersion(component);
    if (!current) return std::unexpected(current.error());
    const int newest = migrations.empty() ? 0 : migrations.back().version;
    if (*current > newest) {
        return fail(Errc::journal_unavailable,
                    fmt::format("journal {}: schema '{}' is at version {}, newer than this program's {}; run the newer "
                                "kiosk version or restore a matching backup",
                                file_.string(), component, *current, newest),
                    "error.journal");
    }
    for (const Migration& migration : migrations) {
        if (migration.version <= *current) continue;
        if (auto ok = exec("BEGIN IMMEDIATE"); !ok) return ok;
        auto applied = exec(migration.sql);
        if (applied) {
            auto record = prepare(
                "INSERT INTO schema_version(component, version) VALUES(?1, ?2) "
                "ON CONFLICT(component) DO UPDATE SET version = excluded.version");
            if (!record) {
                applied = std::unexpected(record.error());
            } else {
                record->bind(1, component).bind(2, static_cast<int64_t>(migration.version));
                applied = record->run();
            }
        }
        if (!applied) {
            (void)exec("ROLLBACK");
            return applied;
        }
        if (auto ok = exec("COMMIT"); !ok) return ok;
        log::module("journal")->info("schema '{}' migrated to version {}", component, migration.version);
    }
    return {};
}

Result<int64_t> Journal::auditSessionStart(std::string_view identityHash, std::string_view source,
                                           std::string_view kioskId) {
    auto stmt = prepare("INSERT INTO audit_session(identity_hash, source, kiosk_id) VALUES(?1, ?2, ?3)");
    if (!stmt) return std::unexpected(stmt.error());
    stmt->bind(1, identityHash).bind(2, source).bind(3, kioskId);
    if (auto ok = stmt->run(); !ok) return std::unexpected(ok.error());
    return sqlite3_last_insert_rowid(db_);
}

Result<void> Journal::auditSessionEnd(int64_t sessionId, std::string_view reason) {
    auto stmt = prepare(
        "UPDATE audit_session SET ended_at = strftime('%Y-%m-%dT%H:%M:%fZ','now'), end_reason = ?2 WHERE id = ?1");
    if (!stmt) return std::unexpected(stmt.error());
    stmt->bind(1, sessionId).bind(2, reason);
    return stmt->run();
}

Result<void> Journal::auditEvent(int64_t sessionId, std::string_view event) {
    auto stmt = prepare("INSERT INTO audit_event(session_id, event) VALUES(?1, ?2)");
    if (!stmt) return std::unexpected(stmt.error());
    stmt->bind(1, sessionId).bind(2, event);
    return stmt->run();
}

std::string saltedHash(std::string_view salt, std::string_view value) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
    EVP_DigestUpdate(ctx, salt.data(), salt.size());
    EVP_DigestUpdate(ctx, value.data(), value.size());
    EVP_DigestFinal_ex(ctx, digest, &length);
    EVP_MD_CTX_free(ctx);
    std::string hex;
    hex.reserve(length * 2);
    for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
    return hex;
}

}  // namespace kiosk
