#include "kiosk/core/i18n.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>

#include "kiosk/core/log.hpp"

namespace kiosk {

Result<Catalog> Catalog::load(const std::filesystem::path& langDir) {
    std::error_code ec;
    if (!std::filesystem::is_directory(langDir, ec)) {
        return fail(Errc::io_error,
                    fmt::format("language folder {} not found (set kiosk.assets_dir to the assets folder)",
                                langDir.string()));
    }
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(langDir, ec)) {
        if (entry.path().extension() == ".json") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    Catalog catalog;
    for (const auto& file : files) {
        // "zh_CN.json" and "zh_CN.payments.json" both belong to zh_CN.
        const std::string stem = file.stem().string();
        const std::string language = stem.substr(0, stem.find('.'));
        std::ifstream in(file);
        nlohmann::json json = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
        if (json.is_discarded() || !json.is_object()) {
            return fail(Errc::invalid_data, fmt::format("{}: not a JSON object of text keys", file.string()));
        }
        auto& texts = catalog.texts_[language];
        for (const auto& [key, value] : json.items()) {
            if (!value.is_string()) {
                return fail(Errc::invalid_data, fmt::format("{}: key '{}' is not a text", file.string(), key));
            }
            if (!texts.emplace(key, value.get<std::string>()).second) {
                return fail(Errc::invalid_data, fmt::format("{}: key '{}' is defined twice", file.string(), key));
            }
        }
    }
    if (catalog.texts_.empty()) {
        return fail(Errc::io_error, fmt::format("no language files (*.json) in {}", langDir.string()));
    }
    return catalog;
}

std::vector<std::string> Catalog::languages() const {
    std::vector<std::string> out;
    for (const auto& [language, texts] : texts_) out.push_back(language);
    return out;
}

bool Catalog::hasLanguage(std::string_view language) const { return texts_.find(language) != texts_.end(); }

std::vector<std::string> Catalog::keys(std::string_view language) const {
    std::vector<std::string> out;
    if (auto it = texts_.find(language); it != texts_.end()) {
        for (const auto& [key, text] : it->second) out.push_back(key);
    }
    return out;
}

const std::string* Catalog::find(std::string_view language, std::string_view key) const {
    auto lang = texts_.find(language);
    if (lang == texts_.end()) return nullptr;
    auto text = lang->second.find(key);
    return text == lang->second.end() ? nullptr : &text->second;
}

Translator::Translator(const Catalog& catalog, std::string language)
    : catalog_(&catalog), language_(std::move(language)) {}

std::string Translator::trIn(std::string_view language, std::string_view key) const {
    if (const std::string* text = catalog_->find(language, key)) return *text;
    log::module("i18n")->warn("missing text key '{}' for language {}", key, language);
    return std::string(key);
}

std::string Translator::tr(std::string_view key) const { return trIn(language_, key); }

std::string Translator::tr(std::string_view key,
                           std::initializer_list<std::pair<std::string_view, std::string>> args) const {
    return substitute(tr(key), args);
}

std::string substitute(std::string text, std::initializer_list<std::pair<std::string_view, std::string>> args) {
    for (const auto& [name, value] : args) {
        const std::string placeholder = "{" + std::string(name) + "}";
        for (size_t at = text.find(placeholder); at != std::string::npos;
             at = text.find(placeholder, at + value.size())) {
            text.replace(at, placeholder.size(), value);
        }
    }
    return text;
}

}  // namespace kiosk
