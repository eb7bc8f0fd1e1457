#pragma once
// UI text as keys (ImHex's "_lang" + romfs/lang/*.json). Every language is a set of JSON files
// assets/lang/<lang>.json and assets/lang/<lang>.<module>.json with flat keys:
//   { "attract.title": "欢迎", "menu.pay": "缴费", … }
// Placeholders are named: "queue.ahead": "前面还有 {count} 人".

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kiosk/core/error.hpp"

namespace kiosk {

class Catalog {
public:
    /// Loads every language found in `langDir`. Fails on unreadable or malformed files.
    static Result<Catalog> load(const std::filesystem::path& langDir);

    std::vector<std::string> languages() const;
    bool hasLanguage(std::string_view language) const;
    /// All keys of one language, sorted.
    std::vector<std::string> keys(std::string_view language) const;
    /// The text, or nullptr when the key is missing.
    const std::string* find(std::string_view language, std::string_view key) const;

private:
    // language → key → text
    std::map<std::string, std::map<std::string, std::string, std::less<>>, std::less<>> texts_;
};

/// The active language over a Catalog. A missing key logs once and shows the key itself,
/// so a gap is visible in screenshots and caught by the completeness test.
class Translator {
public:
    Translator(const Catalog& catalog, std::string language);

    const std::string& language() const { return language_; }
    void setLanguage(std::string language) { language_ = std::move(language); }

    std::string tr(std::string_view key) const;
    std::string tr(std::string_view key, std::initializer_list<std::pair<std::string_view, std::string>> args) const;
    /// The same key in another language (bilingual patient messages).
    std::string trIn(std::string_view language, std::string_view key) const;

    const Catalog& catalog() const { return *catalog_; }

private:
    const Catalog* catalog_;
    std::string language_;
};

/// Replaces {name} placeholders.
std::string substitute(std::string text, std::initializer_list<std::pair<std::string_view, std::string>> args);

}  // namespace kiosk
