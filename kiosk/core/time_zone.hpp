#pragma once
// The hospital's time zone: the wall clock patients read on the attract screen. A kiosk's own
// zone (TZ, /etc/localtime) is whatever its image was built with — often UTC — so the UI never
// uses the machine's zone: it converts with the zone the config names ([kiosk] time_zone, an
// IANA tz database name; default "Asia/Shanghai", China Standard Time, UTC+8 without daylight
// saving since 1991, which is also the offset the slips and order ids use).
//
// The conversion is GLib's GTimeZone over the tz database (/usr/share/zoneinfo, package tzdata).
// Where tzdata is missing, "Asia/Shanghai" falls back to the fixed +08:00 it has been since 1991;
// any other name then fails to load.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "kiosk/core/error.hpp"

namespace kiosk {

/// A moment as read on a wall clock in one zone.
struct WallTime {
    int year = 1970;
    int month = 1;    ///< 1–12
    int day = 1;      ///< 1–31
    int weekday = 4;  ///< 0 = Sunday … 6 = Saturday (as std::tm::tm_wday)
    int hour = 0;     ///< 0–23
    int minute = 0;
    int second = 0;
};

class TimeZone {
public:
    /// The default, "Asia/Shanghai".
    static constexpr std::string_view kDefaultName = "Asia/Shanghai";
    /// Loads an IANA zone by name ("Asia/Shanghai", "Asia/Urumqi", "UTC"). Errors:
    /// invalid_config naming the zone and the tzdata package.
    static Result<TimeZone> load(std::string_view name);
    /// The wall time in this zone at `when` (UTC based, as system_clock is).
    WallTime at(std::chrono::system_clock::time_point when) const;
    const std::string& name() const { return name_; }

private:
    TimeZone(std::string name, std::shared_ptr<void> zone) : name_(std::move(name)), zone_(std::move(zone)) {}
    std::string name_;
    std::shared_ptr<void> zone_;  ///< a GTimeZone (kept out of this header: GLib stays private)
};

}  // namespace kiosk
