#include "kiosk/core/device_counters.hpp"

#include <fmt/format.h>

#include "kiosk/core/log.hpp"

namespace kiosk {

namespace {

const std::vector<Migration>& counterMigrations() {
    static const std::vector<Migration> migrations = {
        {1, R"sql(
            CREATE TABLE device_counter (
                device TEXT NOT NULL,
                counter TEXT NOT NULL,
                since_install INTEGER NOT NULL DEFAULT 0,
                since_reset INTEGER NOT NULL DEFAULT 0,
                reset_at TEXT,
                PRIMARY KEY (device, counter)
            );
        )sql"},
    };
    return migrations;
}

}  // namespace

Result<DeviceCounters> DeviceCounters::open(Journal& journal) {
    if (auto migrated = journal.migrate("device_counters", counterMigrations()); !migrated) {
        return std::unexpected(migrated.error());
    }
    DeviceCounters counters(journal);
    auto rows = journal.prepare("SELECT device, counter, since_install, since_reset FROM device_counter");
    if (!rows) return std::unexpected(rows.error());
    while (true) {
        auto row = rows->step();
        if (!row) return std::unexpected(row.error());
        if (!*row) break;
        counters.counts_[rows->text(0)][rows->text(1)] = CounterValue{rows->integer(2), rows->integer(3)};
    }
    return counters;
}

Result<void> DeviceCounters::add(std::string_view device, std::string_view counter, int64_t by) {
    auto& value = counts_[std::string(device)][std::string(counter)];
    value.sinceInstall += by;
    value.sinceReset += by;
    auto stmt = journal_->prepare(
        "INSERT INTO device_counter(device, counter, since_install, since_reset) VALUES(?1, ?2, ?3, ?3) "
        "ON CONFLICT(device, counter) DO UPDATE SET since_install = since_install + ?3, since_reset = since_reset + ?3");
    Result<void> written = stmt ? Result<void>{} : Result<void>(std::unexpected(stmt.error()));
    if (stmt) {
        stmt->bind(1, device).bind(2, counter).bind(3, by);
        written = stmt->run();
    }
    if (!written) log::module("counters")->error("counter {} of {} not stored: {}", counter, device, written.error().describe());
    return written;
}

std::map<std::string, CounterValue> DeviceCounters::of(std::string_view device) const {
    auto it = counts_.find(device);
    return it == counts_.end() ? std::map<std::string, CounterValue>{} : it->second;
}

CounterValue DeviceCounters::value(std::string_view device, std::string_view counter) const {
    auto it = counts_.find(device);
    if (it == counts_.end()) return {};
    auto value = it->second.find(std::string(counter));
    return value == it->second.end() ? CounterValue{} : value->second;
}

Result<void> DeviceCounters::reset(std::string_view device) {
    auto stmt = journal_->prepare(
        "UPDATE device_counter SET since_reset = 0, reset_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE device = ?1");
    if (!stmt) return std::unexpected(stmt.error());
    stmt->bind(1, device);
    if (auto ok = stmt->run(); !ok) return ok;
    if (auto it = counts_.find(device); it != counts_.end()) {
        for (auto& [name, value] : it->second) value.sinceReset = 0;
    }
    log::module("counters")->info("counters of {} reset", device);
    return {};
}

}  // namespace kiosk
