#include "kiosk/core/config_reader.hpp"

#include <fmt/format.h>

namespace kiosk {

void ConfigProblems::add(std::string_view key, std::string_view problem) {
    messages.push_back(fmt::format("{}: key '{}': {}", file.string(), key, problem));
}

std::string ConfigProblems::joined() const {
    std::string out;
    for (const auto& message : messages) {
        if (!out.empty()) out += '\n';
        out += message;
    }
    return out;
}

ConfigSection::ConfigSection(const toml::table* table, std::string keyPath,
                             std::shared_ptr<ConfigProblems> problems, std::filesystem::path baseDir,
                             std::shared_ptr<const toml::table> owner)
    : table_(table),
      keyPath_(std::move(keyPath)),
      problems_(std::move(problems)),
      baseDir_(std::move(baseDir)),
      owner_(std::move(owner)) {}

std::string ConfigSection::qualified(std::string_view key) const {
    if (keyPath_.empty()) return std::string(key);
    return keyPath_ + "." + std::string(key);
}

bool ConfigSection::has(std::string_view key) const { return table_ && table_->contains(key); }

const toml::node* ConfigSection::get(std::string_view key) {
    used_.insert(std::string(key));
    if (!table_) return nullptr;
    return table_->get(key);
}

namespace {
std::string describeNode(const toml::node& node) {
    switch (node.type()) {
        case toml::node_type::string: return fmt::format("the text \"{}\"", node.value<std::string>().value_or(""));
        case toml::node_type::integer: return fmt::format("the integer {}", node.value<int64_t>().value_or(0));
        case toml::node_type::floating_point: return fmt::format("the number {}", node.value<double>().value_or(0));
        case toml::node_type::boolean: return node.value<bool>().value_or(false) ? "true" : "false";
        case toml::node_type::table: return "a table";
        case toml::node_type::array: return "an array";
        default: return "a date/time";
    }
}
}  // namespace

std::string ConfigSection::string(std::string_view key, std::string_view fallback) {
    const toml::node* node = get(key);
    if (!node) return std::string(fallback);
    if (auto value = node->value<std::string>()) return *value;
    problem(key, fmt::format("expected a text value, got {}", describeNode(*node)));
    return std::string(fallback);
}

std::optional<std::string> ConfigSection::requiredString(std::string_view key) {
    const toml::node* node = get(key);
    if (!node) {
        problem(key, "is required (a text value) but missing");
        return std::nullopt;
    }
    if (auto value = node->value<std::string>(); value && !value->empty()) return *value;
    problem(key, fmt::format("expected a non-empty text value, got {}", describeNode(*node)));
    return std::nullopt;
}

std::string ConfigSection::choice(std::string_view key, std::string_view fallback,
                                  std::initializer_list<std::string_view> allowed) {
    std::string value = string(key, fallback);
    for (auto option : allowed) {
        if (value == option) return value;
    }
    std::string list;
    for (auto option : allowed) list += (list.empty() ? "" : ", ") + std::string(option);
    problem(key, fmt::format("expected one of {}, got \"{}\"", list, value));
    return std::string(fallback);
}

int64_t ConfigSection::integer(std::string_view key, int64_t fallback, int64_t min, int64_t max) {
    const toml::node* node = get(key);
    if (!node) return fallback;
    auto value = node->is_integer() ? node->value<int64_t>() : std::nullopt;
    if (!value) {
        problem(key, fmt::format("expected an integer from {} to {}, got {}", min, max, describeNode(*node)));
        return fallback;
    }
    if (*value < min || *value > max) {
        problem(key, fmt::format("expected an integer from {} to {}, got {}", min, max, *value));
        return fallback;
    }
    return *value;
}

double ConfigSection::number(std::string_view key, double fallback, double min, double max) {
    const toml::node* node = get(key);
    if (!node) return fallback;
    auto value = (node->is_number()) ? node->value<double>() : std::nullopt;
    if (!value || *value < min || *value > max) {
        problem(key, fmt::format("expected a number from {} to {}, got {}", min, max, describeNode(*node)));
        return fallback;
    }
    return *value;
}

bool ConfigSection::boolean(std::string_view key, bool fallback) {
    const toml::node* node = get(key);
    if (!node) return fallback;
    if (auto value = node->value_exact<bool>()) return *value;
    problem(key, fmt::format("expected true or false, got {}", describeNode(*node)));
    return fallback;
}

std::filesystem::path ConfigSection::path(std::string_view key, const std::filesystem::path& fallback) {
    std::filesystem::path value = has(key) ? std::filesystem::path(string(key, "")) : fallback;
    if (has(key) && value.empty()) problem(key, "expected a file or folder path, got an empty text");
    if (value.empty() || value.is_absolute()) return value;
    return baseDir_ / value;
}

std::vector<std::string> ConfigSection::stringList(std::string_view key, std::vector<std::string> fallback) {
    const toml::node* node = get(key);
    if (!node) return fallback;
    const toml::array* array = node->as_array();
    if (!array) {
        problem(key, fmt::format("expected an array of text values, got {}", describeNode(*node)));
        return fallback;
    }
    std::vector<std::string> out;
    for (const auto& element : *array) {
        auto value = element.value<std::string>();
        if (!value) {
            problem(key, fmt::format("expected an array of text values, found {}", describeNode(element)));
            return fallback;
        }
        out.push_back(*value);
    }
    return out;
}

ConfigSection ConfigSection::section(std::string_view key) {
    const toml::node* node = get(key);
    const toml::table* sub = nullptr;
    if (node) {
        sub = node->as_table();
        if (!sub) problem(key, fmt::format("expected a table, got {}", describeNode(*node)));
    }
    return ConfigSection(sub, qualified(key), problems_, baseDir_, owner_);
}

std::vector<ConfigSection> ConfigSection::tableArray(std::string_view key) {
    std::vector<ConfigSection> out;
    const toml::node* node = get(key);
    if (!node) return out;
    const toml::array* array = node->as_array();
    if (!array) {
        problem(key, fmt::format("expected an array of tables ([[{}]]), got {}", key, describeNode(*node)));
        return out;
    }
    size_t index = 0;
    for (const auto& element : *array) {
        const std::string elementPath = fmt::format("{}[{}]", qualified(key), index++);
        if (const toml::table* sub = element.as_table()) {
            out.emplace_back(sub, elementPath, problems_, baseDir_, owner_);
        } else {
            problems_->add(elementPath, fmt::format("expected a table, got {}", describeNode(element)));
        }
    }
    return out;
}

void ConfigSection::problem(std::string_view key, std::string_view what) { problems_->add(qualified(key), what); }

void ConfigSection::rejectUnknownKeys() {
    if (!table_) return;
    for (const auto& [key, value] : *table_) {
        (void)value;
        if (!used_.contains(std::string(key.str()))) problem(key.str(), "unknown key (misspelt, or not used by this version)");
    }
}

}  // namespace kiosk
