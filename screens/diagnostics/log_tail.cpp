#include "screens/diagnostics/log_tail.hpp"

#include <algorithm>
#include <fstream>

namespace kiosk::screens {

namespace {

/// The last bytes read of a file: enough for a few thousand lines, never the whole 5 MiB file.
constexpr std::streamoff kTailBytes = 512 * 1024;

/// "2026-12-01 10:21:33.123 warning [backend] text" (log.cpp's pattern); other lines (a
/// continuation, another program's) are kept whole as text.
LogEntry parse(const std::string& line) {
    LogEntry entry;
    // date (10) + space + time with milliseconds (12) + space
    if (line.size() > 25 && line[4] == '-' && line[10] == ' ' && line[13] == ':' && line[19] == '.') {
        entry.time = line.substr(0, 19);
        const size_t levelEnd = line.find(' ', 24);
        if (levelEnd != std::string::npos) {
            entry.level = line.substr(24, levelEnd - 24);
            size_t rest = levelEnd + 1;
            if (rest < line.size() && line[rest] == '[') {
                const size_t close = line.find(']', rest);
                if (close != std::string::npos) {
                    entry.module = line.substr(rest + 1, close - rest - 1);
                    rest = close + 1;
                }
            }
            while (rest < line.size() && line[rest] == ' ') ++rest;
            entry.text = line.substr(std::min(rest, line.size()));
            return entry;
        }
    }
    entry.text = line;
    return entry;
}

/// The lines of the end of `file`, oldest first; false when it cannot be opened.
bool tailLines(const std::filesystem::path& file, std::vector<std::string>& lines) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return false;
    in.seekg(0, std::ios::end);
    const std::streamoff size = in.tellg();
    const std::streamoff from = std::max<std::streamoff>(0, size - kTailBytes);
    in.seekg(from);
    std::string line;
    if (from > 0) std::getline(in, line);  // a partial first line
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (!line.empty()) lines.push_back(line);
    }
    return true;
}

}  // namespace

std::filesystem::path rotatedLogFile(const std::filesystem::path& file) {
    return file.parent_path() / (file.stem().string() + ".1" + file.extension().string());
}

int logSeverity(std::string_view level) {
    if (level == "error" || level == "critical") return 3;
    if (level == "warning" || level == "warn") return 2;
    if (level == "info") return 1;
    return 0;
}

LogTail readLogTail(const std::filesystem::path& file, size_t maxLines) {
    LogTail tail;
    std::vector<std::string> current;
    const bool haveCurrent = !file.empty() && tailLines(file, current);
    std::vector<std::string> lines;
    if (current.size() < maxLines && !file.empty()) {
        // Just rotated (or a quiet kiosk): the older lines are in the previous file.
        std::vector<std::string> previous;
        if (tailLines(rotatedLogFile(file), previous)) lines = std::move(previous);
        else if (!haveCurrent) tail.missing = true;
    } else if (!haveCurrent) {
        tail.missing = true;
    }
    lines.insert(lines.end(), std::make_move_iterator(current.begin()), std::make_move_iterator(current.end()));
    const size_t first = lines.size() > maxLines ? lines.size() - maxLines : 0;
    for (size_t i = lines.size(); i > first; --i) tail.entries.push_back(parse(lines[i - 1]));
    return tail;
}

}  // namespace kiosk::screens
