#include "sim/hospital/store.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <chrono>

namespace kiosk::sim {

namespace {

constexpr auto kHospitalOffset = std::chrono::hours(8);  // China Standard Time, no DST

bool exec(sqlite3* db, const char* sql) { return sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK; }

}  // namespace

std::string nowIso() {
    const auto local = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()) + kHospitalOffset;
    return fmt::format("{:%Y-%m-%dT%H:%M:%S}+08:00", local);
}

std::string dateIso(int days) {
    const auto local = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()) + kHospitalOffset +
                       std::chrono::days(days);
    return fmt::format("{:%Y-%m-%d}", local);
}

Result<std::unique_ptr<ResourceStore>> ResourceStore::open(const std::filesystem::path& file) {
    sqlite3* db = nullptr;
    if (sqlite3_open(file.c_str(), &db) != SQLITE_OK) {
        const std::string why = db ? sqlite3_errmsg(db) : "out of memory";
        sqlite3_close(db);
        return fail(Errc::io_error, "cannot open " + file.string() + ": " + why);
    }
    if (!exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;") ||
        !exec(db, "CREATE TABLE IF NOT EXISTS record(type TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL,"
                  " PRIMARY KEY(type, id)); CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);")) {
        const std::string why = sqlite3_errmsg(db);
        sqlite3_close(db);
        return fail(Errc::io_error, "cannot create tables in " + file.string() + ": " + why);
    }
    std::unique_ptr<ResourceStore> store(new ResourceStore(db));
    sqlite3_stmt* select = nullptr;
    sqlite3_prepare_v2(db, "SELECT type, id, body FROM record", -1, &select, nullptr);
    while (sqlite3_step(select) == SQLITE_ROW) {
        const std::string type = reinterpret_cast<const char*>(sqlite3_column_text(select, 0));
        const std::string id = reinterpret_cast<const char*>(sqlite3_column_text(select, 1));
        auto body = Json::parse(reinterpret_cast<const char*>(sqlite3_column_text(select, 2)), nullptr, false);
        if (!body.is_discarded()) store->records_[type][id] = std::move(body);
    }
    sqlite3_finalize(select);
    sqlite3_stmt* seq = nullptr;
    sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key='sequence'", -1, &seq, nullptr);
    if (sqlite3_step(seq) == SQLITE_ROW) store->sequence_ = sqlite3_column_int64(seq, 0);
    sqlite3_finalize(seq);
    return store;
}

ResourceStore::ResourceStore(sqlite3* db) : db_(db) {}
ResourceStore::~ResourceStore() { sqlite3_close(db_); }

bool ResourceStore::empty() const {
    std::shared_lock lock(mutex_);
    return records_.empty();
}

std::optional<Json> ResourceStore::get(const std::string& type, const std::string& id) const {
    std::shared_lock lock(mutex_);
    return getLocked(type, id);
}

std::vector<Json> ResourceStore::find(const std::string& type, const std::function<bool(const Json&)>& match) const {
    std::shared_lock lock(mutex_);
    return findLocked(type, match);
}

size_t ResourceStore::count(const std::string& type) const {
    std::shared_lock lock(mutex_);
    const auto it = records_.find(type);
    return it == records_.end() ? 0 : it->second.size();
}

std::optional<Json> ResourceStore::getLocked(const std::string& type, const std::string& id) const {
    const auto table = records_.find(type);
    if (table == records_.end()) return std::nullopt;
    const auto it = table->second.find(id);
    if (it == table->second.end()) return std::nullopt;
    return it->second;
}

std::vector<Json> ResourceStore::findLocked(const std::string& type,
                                            const std::function<bool(const Json&)>& match) const {
    std::vector<Json> out;
    const auto table = records_.find(type);
    if (table == records_.end()) return out;
    for (const auto& [id, record] : table->second) {
        if (!match || match(record)) out.push_back(record);
    }
    return out;
}

Json ResourceStore::putLocked(const std::string& type, const std::string& id, Json record) {
    if (record.contains("resourceType")) {
        int version = 0;
        if (const auto old = getLocked(type, id)) version = std::stoi(old->value("/meta/versionId"_json_pointer, std::string("0")));
        record["id"] = id;
        record["meta"]["versionId"] = std::to_string(version + 1);
        record["meta"]["lastUpdated"] = nowIso();
    }
    records_[type][id] = record;
    persist(type, id, record);
    return record;
}

std::string ResourceStore::nextIdLocked(const std::string& prefix) {
    ++sequence_;
    const std::string value = std::to_string(sequence_);
    sqlite3_stmt* stmt = nullptr;
    sqlite3_prepare_v2(db_, "INSERT OR REPLACE INTO meta(key, value) VALUES('sequence', ?)", -1, &stmt, nullptr);
    sqlite3_bind_text(stmt, 1, value.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    return prefix + "-" + value;
}

void ResourceStore::persist(const std::string& type, const std::string& id, const Json& record) {
    const std::string body = record.dump();
    sqlite3_stmt* stmt = nullptr;
    sqlite3_prepare_v2(db_, "INSERT OR REPLACE INTO record(type, id, body) VALUES(?, ?, ?)", -1, &stmt, nullptr);
    sqlite3_bind_text(stmt, 1, type.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 2, id.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 3, body.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_step(stmt);
    sqlite3_finalize(stmt);
}

void ResourceStore::putMany(const std::string& type, const std::vector<std::pair<std::string, Json>>& records) {
    std::unique_lock lock(mutex_);
    exec(db_, "BEGIN");
    for (const auto& [id, record] : records) putLocked(type, id, record);
    exec(db_, "COMMIT");
}

}  // namespace kiosk::sim
