#pragma once
// Validated reading of TOML configuration. Every value is read through a ConfigSection, which
// records an error naming the file, the key and what was expected, and remembers which keys were
// read so that unknown (mistyped) keys are reported too. Nothing starts on a config with errors.

#include <toml++/toml.h>

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace kiosk {

/// Collected problems of one config file.
struct ConfigProblems {
    std::filesystem::path file;
    std::vector<std::string> messages;
    void add(std::string_view key, std::string_view problem);
    bool empty() const { return messages.empty(); }
    /// All problems, one per line: "FILE: key 'a.b': expected …".
    std::string joined() const;
};

class ConfigSection {
public:
    /// `table` may be null (a missing optional section): every read then yields its default.
    ConfigSection(const toml::table* table, std::string keyPath, std::shared_ptr<ConfigProblems> problems,
                  std::filesystem::path baseDir, std::shared_ptr<const toml::table> owner = nullptr);

    bool present() const { return table_ != nullptr; }
    bool has(std::string_view key) const;
    const std::string& keyPath() const { return keyPath_; }

    std::string string(std::string_view key, std::string_view fallback);
    std::optional<std::string> requiredString(std::string_view key);
    std::string choice(std::string_view key, std::string_view fallback,
                       std::initializer_list<std::string_view> allowed);
    int64_t integer(std::string_view key, int64_t fallback, int64_t min, int64_t max);
    double number(std::string_view key, double fallback, double min, double max);
    bool boolean(std::string_view key, bool fallback);
    /// A path; relative paths are resolved against the config file's folder.
    std::filesystem::path path(std::string_view key, const std::filesystem::path& fallback);
    std::vector<std::string> stringList(std::string_view key, std::vector<std::string> fallback);

    /// A sub-table; missing → an absent section whose reads give defaults.
    ConfigSection section(std::string_view key);
    /// An array of tables ([[devices]]).
    std::vector<ConfigSection> tableArray(std::string_view key);

    /// Adds a problem for a key of this section (for checks across several values).
    void problem(std::string_view key, std::string_view what);
    /// Records every key that was never read as "unknown key".
    void rejectUnknownKeys();
    /// Marks a key as read without reading it (used when another module owns it).
    void markUsed(std::string_view key) { used_.insert(std::string(key)); }

    const std::shared_ptr<ConfigProblems>& problems() const { return problems_; }
    const std::filesystem::path& baseDir() const { return baseDir_; }

private:
    std::string qualified(std::string_view key) const;
    const toml::node* get(std::string_view key);

    const toml::table* table_;
    std::string keyPath_;
    std::shared_ptr<ConfigProblems> problems_;
    std::filesystem::path baseDir_;
    std::shared_ptr<const toml::table> owner_;  // keeps the parsed document alive
    std::set<std::string> used_;
};

}  // namespace kiosk
