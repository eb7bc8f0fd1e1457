#pragma once
// The kiosk log's last lines for the technician's logs tab: read from the file the App logs to
// (already redacted by the log's sink), newest first, parsed into time, level, module and text.
// A missing file is an answer (no lines, `missing`); a file rotated away mid-read is read as it
// was when opened (the open descriptor keeps it); when the current file holds few lines the
// rotated one before it (spdlog's "<name>.1<ext>") supplies the older ones.

#include <filesystem>
#include <string>
#include <vector>

namespace kiosk::screens {

struct LogEntry {
    std::string time;    ///< "2026-12-01 10:21:33" (the kiosk's local time, as logged)
    std::string level;   ///< spdlog's: trace, debug, info, warning, error, critical
    std::string module;  ///< "backend", "card", …; empty for a line without one
    std::string text;
};

struct LogTail {
    std::vector<LogEntry> entries;  ///< newest first
    bool missing = false;           ///< no log file at all
};

/// At most `maxLines` of the newest lines of `file` (and of its rotated predecessor).
LogTail readLogTail(const std::filesystem::path& file, size_t maxLines);

/// The rotated file before `file`: "kiosk.log" → "kiosk.1.log" (spdlog's rotating sink).
std::filesystem::path rotatedLogFile(const std::filesystem::path& file);

/// 0 trace/debug, 1 info, 2 warning, 3 error/critical: for "this level and above".
int logSeverity(std::string_view level);

}  // namespace kiosk::screens
