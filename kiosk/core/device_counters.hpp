#pragma once
// Device counters for technicians (issue 14 item 2): per device, how many cards were read and
// failed, codes scanned, slips printed, cuts made — since the kiosk was installed (never reset)
// and since a technician last reset them. Kept in the journal (component "device_counters"), so
// a restart keeps them; each add() is one UPSERT (SQLite, WAL, synchronous=FULL as every journal
// write), a few a patient, nothing per frame.
//
// Counter names are free text (the kiosk uses the kCounter… names below); a device that never
// counted anything has no rows.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "kiosk/core/error.hpp"
#include "kiosk/core/journal.hpp"

namespace kiosk {

inline constexpr std::string_view kCounterCardsRead = "cards_read";
inline constexpr std::string_view kCounterCardsFailed = "cards_failed";
inline constexpr std::string_view kCounterScans = "scans";
inline constexpr std::string_view kCounterScansRefused = "scans_refused";
inline constexpr std::string_view kCounterSlipsPrinted = "slips_printed";
inline constexpr std::string_view kCounterPrintsFailed = "prints_failed";
inline constexpr std::string_view kCounterCuts = "cuts";

struct CounterValue {
    int64_t sinceInstall = 0;
    int64_t sinceReset = 0;
};

class DeviceCounters {
public:
    /// Migrates the journal's "device_counters" schema and reads every counter. `journal` must
    /// outlive the object; use it from one thread (the UI thread).
    static Result<DeviceCounters> open(Journal& journal);

    /// Adds `by` to both counts of (device, counter). A journal write that fails is logged and
    /// returned; the count in memory still moves (the screen shows what happened).
    Result<void> add(std::string_view device, std::string_view counter, int64_t by = 1);
    /// Every counter of `device` (empty when it never counted).
    std::map<std::string, CounterValue> of(std::string_view device) const;
    CounterValue value(std::string_view device, std::string_view counter) const;
    /// A technician's reset: every "since reset" count of `device` back to 0 (since install stays).
    Result<void> reset(std::string_view device);

private:
    explicit DeviceCounters(Journal& journal) : journal_(&journal) {}

    Journal* journal_;
    std::map<std::string, std::map<std::string, CounterValue>, std::less<>> counts_;  ///< device → counter → value
};

}  // namespace kiosk
