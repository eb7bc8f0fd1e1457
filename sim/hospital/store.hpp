#pragma once
// The simulator's storage: every record (FHIR resources, insurance messages, gateway orders) is
// a JSON document keyed by (type, id), kept in memory for fast searches and written through to
// SQLite so that a restarted simulator keeps its state (the --data folder).
//
// Modules take the store's lock for a whole check-and-write (withWriteLock) so that two kiosks
// can never hold the same slot.

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "kiosk/core/error.hpp"

namespace kiosk::sim {

using Json = nlohmann::json;

class ResourceStore {
public:
    static Result<std::unique_ptr<ResourceStore>> open(const std::filesystem::path& file);
    ~ResourceStore();
    ResourceStore(const ResourceStore&) = delete;
    ResourceStore& operator=(const ResourceStore&) = delete;

    bool empty() const;

    // Reads (take the shared lock themselves).
    std::optional<Json> get(const std::string& type, const std::string& id) const;
    std::vector<Json> find(const std::string& type, const std::function<bool(const Json&)>& match) const;
    size_t count(const std::string& type) const;

    /// Runs `body` under the exclusive lock; inside it use the *Locked calls.
    template <class F>
    auto withWriteLock(F&& body) {
        std::unique_lock lock(mutex_);
        return body();
    }
    std::optional<Json> getLocked(const std::string& type, const std::string& id) const;
    std::vector<Json> findLocked(const std::string& type, const std::function<bool(const Json&)>& match) const;
    /// Stores a record; FHIR resources get meta.versionId (incremented) and meta.lastUpdated.
    Json putLocked(const std::string& type, const std::string& id, Json record);
    /// A fresh id "<prefix>-<n>".
    std::string nextIdLocked(const std::string& prefix);

    /// Bulk insert inside one SQLite transaction (seeding).
    void putMany(const std::string& type, const std::vector<std::pair<std::string, Json>>& records);

private:
    explicit ResourceStore(sqlite3* db);
    void persist(const std::string& type, const std::string& id, const Json& record);

    sqlite3* db_;
    mutable std::shared_mutex mutex_;
    std::map<std::string, std::map<std::string, Json>> records_;
    int64_t sequence_ = 0;
};

/// Current time as ISO 8601 with the hospital's offset (+08:00).
std::string nowIso();
/// Today's date (hospital time) as YYYY-MM-DD, shifted by `days`.
std::string dateIso(int days = 0);

}  // namespace kiosk::sim
