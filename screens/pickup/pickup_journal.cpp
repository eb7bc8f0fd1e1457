#include "screens/pickup/pickup_journal.hpp"

namespace kiosk::screens {

namespace {

const std::vector<Migration> kMigrations = {
    {1, R"(CREATE TABLE pickup (
              trade_no TEXT PRIMARY KEY,
              kind TEXT NOT NULL,            -- locker, window
              dispense_ids TEXT NOT NULL,    -- comma-separated MedicationDispense ids
              locker INTEGER NOT NULL DEFAULT 0,
              state TEXT NOT NULL,           -- see PickupRecord (pickup_journal.hpp)
              detail TEXT NOT NULL DEFAULT '',
              created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
              updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')));
           CREATE INDEX pickup_state ON pickup(state);
           CREATE TABLE locker_fault (
              locker INTEGER PRIMARY KEY,
              since TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
              reason TEXT NOT NULL);)"},
};

constexpr const char* kColumns = "trade_no, kind, dispense_ids, locker, state, detail, created_at";

PickupRecord recordOf(const Statement& row) {
    PickupRecord r;
    r.tradeNo = row.text(0);
    r.kind = row.text(1);
    r.dispenseIds = row.text(2);
    r.locker = static_cast<int>(row.integer(3));
    r.state = row.text(4);
    r.detail = row.text(5);
    r.createdAt = row.text(6);
    return r;
}

/// Every row a prepared SELECT of kColumns gives.
Result<std::vector<PickupRecord>> allRecords(Statement& statement) {
    std::vector<PickupRecord> out;
    for (;;) {
        auto row = statement.step();
        if (!row) return std::unexpected(row.error());
        if (!*row) break;
        out.push_back(recordOf(statement));
    }
    return out;
}

}  // namespace

Result<std::unique_ptr<PickupJournal>> PickupJournal::open(std::unique_ptr<Journal> journal) {
    if (!journal) return fail(Errc::invalid_argument, "no journal connection");
    if (auto migrated = journal->migrate("pickup", kMigrations); !migrated) return std::unexpected(migrated.error());
    return std::unique_ptr<PickupJournal>(new PickupJournal(std::move(journal)));
}

Result<void> PickupJournal::begin(const PickupRecord& record) {
    auto statement = journal_->prepare("INSERT INTO pickup (trade_no, kind, dispense_ids, locker, state, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    if (!statement) return std::unexpected(statement.error());
    statement->bind(1, record.tradeNo).bind(2, record.kind).bind(3, record.dispenseIds).bind(4, static_cast<int64_t>(record.locker));
    statement->bind(5, record.state).bind(6, record.detail);
    return statement->run();
}

Result<void> PickupJournal::setState(const std::string& tradeNo, const std::string& state, const std::string& detail) {
    auto statement = journal_->prepare(
        "UPDATE pickup SET state = ?2, detail = ?3, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE trade_no = ?1");
    if (!statement) return std::unexpected(statement.error());
    statement->bind(1, tradeNo).bind(2, state).bind(3, detail);
    return statement->run();
}

Result<std::optional<PickupRecord>> PickupJournal::find(const std::string& tradeNo) {
    auto statement = journal_->prepare(std::string("SELECT ") + kColumns + " FROM pickup WHERE trade_no = ?1");
    if (!statement) return std::unexpected(statement.error());
    statement->bind(1, tradeNo);
    auto row = statement->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return std::optional<PickupRecord>();
    return std::optional<PickupRecord>(recordOf(*statement));
}

Result<std::vector<PickupRecord>> PickupJournal::forDispense(const std::string& dispenseId) {
    auto statement = journal_->prepare(std::string("SELECT ") + kColumns +
                                       " FROM pickup WHERE ',' || dispense_ids || ',' LIKE '%,' || ?1 || ',%' ORDER BY created_at DESC");
    if (!statement) return std::unexpected(statement.error());
    statement->bind(1, dispenseId);
    return allRecords(*statement);
}

Result<std::vector<PickupRecord>> PickupJournal::unfinished() {
    auto statement = journal_->prepare(std::string("SELECT ") + kColumns +
                                       " FROM pickup WHERE state IN ('opening', 'door_open', 'queueing', 'ordering') ORDER BY created_at");
    if (!statement) return std::unexpected(statement.error());
    return allRecords(*statement);
}

Result<std::vector<PickupRecord>> PickupJournal::recent(int limit) {
    auto statement = journal_->prepare(std::string("SELECT ") + kColumns + " FROM pickup ORDER BY created_at DESC LIMIT ?1");
    if (!statement) return std::unexpected(statement.error());
    statement->bind(1, static_cast<int64_t>(limit));
    return allRecords(*statement);
}

Result<void> PickupJournal::markLockerFaulty(int locker, const std::string& reason) {
    auto statement = journal_->prepare(
        "INSERT INTO locker_fault (locker, reason) VALUES (?1, ?2) ON CONFLICT(locker) DO UPDATE SET reason = ?2");
    if (!statement) return std::unexpected(statement.error());
    statement->bind(1, static_cast<int64_t>(locker)).bind(2, reason);
    return statement->run();
}

Result<void> PickupJournal::clearLockerFault(int locker) {
    auto statement = journal_->prepare("DELETE FROM locker_fault WHERE locker = ?1");
    if (!statement) return std::unexpected(statement.error());
    statement->bind(1, static_cast<int64_t>(locker));
    return statement->run();
}

Result<std::vector<LockerFault>> PickupJournal::faultyLockers() {
    auto statement = journal_->prepare("SELECT locker, since, reason FROM locker_fault ORDER BY locker");
    if (!statement) return std::unexpected(statement.error());
    std::vector<LockerFault> out;
    for (;;) {
        auto row = statement->step();
        if (!row) return std::unexpected(row.error());
        if (!*row) break;
        out.push_back({static_cast<int>(statement->integer(0)), statement->text(1), statement->text(2)});
    }
    return out;
}

}  // namespace kiosk::screens
