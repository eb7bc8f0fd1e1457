#include "kiosk/core/time_zone.hpp"

#include <fmt/format.h>
#include <glib.h>

namespace kiosk {

Result<TimeZone> TimeZone::load(std::string_view name) {
    const std::string text(name);
    // g_time_zone_new_identifier (GLib ≥ 2.68) returns null for a name the tz database lacks,
    // where g_time_zone_new would quietly give UTC.
    GTimeZone* zone = text.empty() ? nullptr : g_time_zone_new_identifier(text.c_str());
    if (!zone && name == kDefaultName) zone = g_time_zone_new_offset(8 * 3600);  // CST, no DST since 1991
    if (!zone) {
        return fail(Errc::invalid_config,
                    fmt::format("unknown time zone \"{}\" (an IANA tz database name such as Asia/Shanghai; "
                                "the package tzdata provides them)",
                                text));
    }
    return TimeZone(text, std::shared_ptr<void>(zone, [](void* p) { g_time_zone_unref(static_cast<GTimeZone*>(p)); }));
}

WallTime TimeZone::at(std::chrono::system_clock::time_point when) const {
    const auto seconds = std::chrono::floor<std::chrono::seconds>(when).time_since_epoch().count();
    GDateTime* utc = g_date_time_new_from_unix_utc(seconds);
    GDateTime* local = utc ? g_date_time_to_timezone(utc, static_cast<GTimeZone*>(zone_.get())) : nullptr;
    WallTime wall;
    if (local) {
        wall.year = g_date_time_get_year(local);
        wall.month = g_date_time_get_month(local);
        wall.day = g_date_time_get_day_of_month(local);
        wall.weekday = g_date_time_get_day_of_week(local) % 7;  // GLib: 1 = Monday … 7 = Sunday
        wall.hour = g_date_time_get_hour(local);
        wall.minute = g_date_time_get_minute(local);
        wall.second = g_date_time_get_second(local);
        g_date_time_unref(local);
    }
    if (utc) g_date_time_unref(utc);
    return wall;
}

}  // namespace kiosk
