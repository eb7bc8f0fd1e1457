#include "screens/triage/triage_rules.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <sstream>

namespace kiosk::triage {

std::string_view ageGroupName(AgeGroup group) { return group == AgeGroup::child ? "child" : "adult"; }
std::string_view bodyViewName(BodyView view) { return view == BodyView::back ? "back" : "front"; }

namespace {

/// Collects the problems of one file, each with its line.
struct Problems {
    std::string source;
    std::vector<std::string> lines;
    void add(const toml::node* at, const std::string& entry, const std::string& what) {
        const int line = at ? static_cast<int>(at->source().begin.line) : 0;
        lines.push_back(fmt::format("{}:{}: {}: {}", source, line, entry, what));
    }
};

int lineOf(const toml::node& node) { return static_cast<int>(node.source().begin.line); }

/// A required non-empty string key of `table`.
std::string text(const toml::table& table, std::string_view key, const std::string& entry, Problems& problems) {
    const toml::node* node = table.get(key);
    if (!node) {
        problems.add(&table, entry, fmt::format("missing '{}'", key));
        return {};
    }
    const auto* value = node->as_string();
    if (!value || value->get().empty()) {
        problems.add(node, entry, fmt::format("'{}' must be a non-empty text", key));
        return {};
    }
    return value->get();
}

std::string optionalText(const toml::table& table, std::string_view key, const std::string& entry, Problems& problems) {
    if (!table.get(key)) return {};
    return text(table, key, entry, problems);
}

/// A list of texts; `required` refuses a missing or empty one.
std::vector<std::string> textList(const toml::table& table, std::string_view key, const std::string& entry, bool required,
                                  Problems& problems) {
    std::vector<std::string> out;
    const toml::node* node = table.get(key);
    if (!node) {
        if (required) problems.add(&table, entry, fmt::format("missing '{}'", key));
        return out;
    }
    const auto* array = node->as_array();
    if (!array || (required && array->empty())) {
        problems.add(node, entry, fmt::format("'{}' must be a list of texts{}", key, required ? " (at least one)" : ""));
        return out;
    }
    for (const auto& item : *array) {
        const auto* value = item.as_string();
        if (!value || value->get().empty()) {
            problems.add(&item, entry, fmt::format("'{}' must hold non-empty texts", key));
            continue;
        }
        out.push_back(value->get());
    }
    return out;
}

std::vector<AgeGroup> ages(const toml::table& table, const std::string& entry, Problems& problems) {
    std::vector<AgeGroup> out;
    for (const auto& name : textList(table, "ages", entry, false, problems)) {
        if (name == "adult") {
            out.push_back(AgeGroup::adult);
        } else if (name == "child") {
            out.push_back(AgeGroup::child);
        } else {
            problems.add(table.get("ages"), entry, fmt::format("age group \"{}\" is not \"adult\" or \"child\"", name));
        }
    }
    return out;
}

Sex sex(const toml::table& table, const std::string& entry, Problems& problems) {
    const std::string value = optionalText(table, "sex", entry, problems);
    if (value.empty()) return Sex::unknown;
    if (value == "female") return Sex::female;
    if (value == "male") return Sex::male;
    problems.add(table.get("sex"), entry, fmt::format("sex \"{}\" is not \"female\" or \"male\"", value));
    return Sex::unknown;
}

void rejectUnknownKeys(const toml::table& table, std::initializer_list<std::string_view> known, const std::string& entry,
                       Problems& problems) {
    for (const auto& [key, node] : table) {
        if (std::find(known.begin(), known.end(), key.str()) == known.end()) {
            problems.add(&node, entry, fmt::format("unknown key '{}'", key.str()));
        }
    }
}

/// The tables of an array of tables `[[name]]` (a problem for anything else).
std::vector<const toml::table*> entries(const toml::table& root, std::string_view name, Problems& problems) {
    std::vector<const toml::table*> out;
    const toml::node* node = root.get(name);
    const auto* array = node ? node->as_array() : nullptr;
    if (!array) {
        problems.add(node ? node : &root, std::string(name), fmt::format("missing [[{}]] entries", name));
        return out;
    }
    for (const auto& item : *array) {
        if (const auto* table = item.as_table()) {
            out.push_back(table);
        } else {
            problems.add(&item, std::string(name), "expected a table");
        }
    }
    return out;
}

bool applies(const std::vector<AgeGroup>& groups, Sex onlySex, AgeGroup age, Sex sex) {
    if (!groups.empty() && std::find(groups.begin(), groups.end(), age) == groups.end()) return false;
    // An unknown sex (the identity did not say) sees everything; the patient chooses.
    return onlySex == Sex::unknown || sex == Sex::unknown || onlySex == sex;
}

}  // namespace

Result<Rules> Rules::load(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        return fail(Errc::invalid_config, fmt::format("{}: triage rules file not found or not readable ([triage] rules_file)", file.string()),
                    "error.config");
    }
    std::stringstream buffer;
    buffer << in.rdbuf();
    return parse(buffer.str(), file.string());
}

Result<Rules> Rules::parse(std::string_view textIn, const std::string& sourceName) {
    toml::table root;
    try {
        root = toml::parse(textIn, sourceName);
    } catch (const toml::parse_error& error) {
        const auto& where = error.source().begin;
        return fail(Errc::invalid_config,
                    fmt::format("{}:{}:{}: not valid TOML: {}", sourceName, where.line, where.column, error.description()), "error.config");
    }
    Problems problems{sourceName, {}};
    Rules rules;
    rules.sourceName_ = sourceName;
    rejectUnknownKeys(root, {"guidance", "departments", "regions", "symptoms"}, "file", problems);

    const toml::table* guidance = root.get_as<toml::table>("guidance");
    if (!guidance) {
        problems.add(&root, "guidance", "missing [guidance] (the sources it follows and the general clinic)");
    } else {
        rejectUnknownKeys(*guidance, {"name_zh", "name_en", "version", "sources", "general_department", "child_age_below", "fallback_zh",
                                      "fallback_en"},
                          "guidance", problems);
        rules.sources_ = textList(*guidance, "sources", "guidance", true, problems);
        rules.general_ = text(*guidance, "general_department", "guidance", problems);
        rules.fallback_ = {text(*guidance, "fallback_zh", "guidance", problems), text(*guidance, "fallback_en", "guidance", problems)};
        if (const toml::node* below = guidance->get("child_age_below")) {
            const auto* value = below->as_integer();
            if (!value || value->get() < 1 || value->get() > 18) {
                problems.add(below, "guidance", "'child_age_below' must be a whole number of years from 1 to 18");
            } else {
                rules.childAgeBelow_ = static_cast<int>(value->get());
            }
        }
    }

    std::set<std::string> codes;
    std::vector<std::pair<std::string, const toml::node*>> childrenRefs;
    for (const toml::table* table : entries(root, "departments", problems)) {
        const std::string entry = fmt::format("departments[{}]", rules.departments_.size());
        rejectUnknownKeys(*table, {"code", "zh", "en", "children"}, entry, problems);
        Department department{text(*table, "code", entry, problems),
                              {text(*table, "zh", entry, problems), text(*table, "en", entry, problems)},
                              optionalText(*table, "children", entry, problems),
                              lineOf(*table)};
        if (!department.code.empty() && !codes.insert(department.code).second) {
            problems.add(table, entry, fmt::format("department \"{}\" is listed twice", department.code));
        }
        if (!department.children.empty()) childrenRefs.emplace_back(department.children, table->get("children"));
        rules.departments_.push_back(std::move(department));
    }
    for (const auto& [code, node] : childrenRefs) {
        if (!codes.contains(code)) problems.add(node, "departments", fmt::format("'children' names \"{}\", not in [[departments]]", code));
    }
    if (!rules.general_.empty() && !codes.contains(rules.general_)) {
        problems.add(guidance ? guidance->get("general_department") : &root, "guidance",
                     fmt::format("general_department \"{}\" is not in [[departments]]", rules.general_));
    }

    std::set<std::string> regionIds;
    for (const toml::table* table : entries(root, "regions", problems)) {
        const std::string entry = fmt::format("regions[{}]", rules.regions_.size());
        rejectUnknownKeys(*table, {"id", "zh", "en", "views"}, entry, problems);
        Region region{text(*table, "id", entry, problems), {text(*table, "zh", entry, problems), text(*table, "en", entry, problems)}, {}, lineOf(*table)};
        for (const auto& view : textList(*table, "views", entry, true, problems)) {
            if (view == "front") {
                region.views.push_back(BodyView::front);
            } else if (view == "back") {
                region.views.push_back(BodyView::back);
            } else {
                problems.add(table->get("views"), entry, fmt::format("view \"{}\" is not \"front\" or \"back\"", view));
            }
        }
        if (!region.id.empty() && !regionIds.insert(region.id).second) {
            problems.add(table, entry, fmt::format("region \"{}\" is listed twice", region.id));
        }
        rules.regions_.push_back(std::move(region));
    }

    std::set<std::string> symptomIds;
    for (const toml::table* table : entries(root, "symptoms", problems)) {
        const std::string id = table->get_as<std::string>("id") ? table->get_as<std::string>("id")->get() : std::string();
        const std::string entry = fmt::format("symptoms[{}] \"{}\"", rules.symptoms_.size(), id);
        rejectUnknownKeys(*table, {"id", "zh", "en", "regions", "ages", "sex", "red_flag", "why_zh", "why_en", "suggest"}, entry, problems);
        Symptom symptom;
        symptom.line = lineOf(*table);
        symptom.id = text(*table, "id", entry, problems);
        symptom.name = {text(*table, "zh", entry, problems), text(*table, "en", entry, problems)};
        symptom.regions = textList(*table, "regions", entry, true, problems);
        for (const auto& region : symptom.regions) {
            if (!regionIds.contains(region)) {
                problems.add(table->get("regions"), entry, fmt::format("region \"{}\" is not in [[regions]]", region));
            }
        }
        symptom.ages = ages(*table, entry, problems);
        symptom.sex = sex(*table, entry, problems);
        if (const toml::node* flag = table->get("red_flag")) {
            if (const auto* value = flag->as_boolean()) {
                symptom.redFlag = value->get();
            } else {
                problems.add(flag, entry, "'red_flag' must be true or false");
            }
        }
        if (!symptom.id.empty() && !symptomIds.insert(symptom.id).second) {
            problems.add(table, entry, fmt::format("symptom \"{}\" is listed twice", symptom.id));
        }
        const toml::node* suggest = table->get("suggest");
        if (symptom.redFlag) {
            symptom.why = {text(*table, "why_zh", entry, problems), text(*table, "why_en", entry, problems)};
            if (suggest) problems.add(suggest, entry, "a red flag goes to the emergency department: it has no 'suggest'");
        } else {
            if (table->get("why_zh") || table->get("why_en")) {
                problems.add(table, entry, "'why_zh' / 'why_en' belong to red flags (red_flag = true)");
            }
            const auto* array = suggest ? suggest->as_array() : nullptr;
            if (!array || array->empty()) {
                problems.add(suggest ? suggest : table, entry, "needs 'suggest' (at least one department) or red_flag = true");
            } else {
                for (const auto& item : *array) {
                    const auto* s = item.as_table();
                    const std::string sEntry = fmt::format("{} suggest[{}]", entry, symptom.suggest.size());
                    if (!s) {
                        problems.add(&item, sEntry, "expected { dept = …, zh = …, en = … }");
                        continue;
                    }
                    rejectUnknownKeys(*s, {"dept", "zh", "en", "ages", "sex"}, sEntry, problems);
                    Suggestion suggestion{text(*s, "dept", sEntry, problems),
                                          {text(*s, "zh", sEntry, problems), text(*s, "en", sEntry, problems)},
                                          ages(*s, sEntry, problems),
                                          sex(*s, sEntry, problems),
                                          lineOf(item)};
                    if (!suggestion.department.empty() && !codes.contains(suggestion.department)) {
                        problems.add(&item, sEntry, fmt::format("department \"{}\" is not in [[departments]]", suggestion.department));
                    }
                    symptom.suggest.push_back(std::move(suggestion));
                }
            }
        }
        rules.symptoms_.push_back(std::move(symptom));
    }

    if (!problems.lines.empty()) {
        std::string joined;
        for (const auto& line : problems.lines) joined += (joined.empty() ? "" : "\n") + line;
        return fail(Errc::invalid_config, joined, "error.config");
    }
    return rules;
}

Result<void> Rules::checkDepartments(const std::set<std::string>& siteCodes) const {
    std::vector<std::string> problems;
    auto check = [&](const std::string& code, int line, const std::string& entry) {
        if (code.empty() || code == general_ || siteCodes.contains(code)) return;
        problems.push_back(fmt::format("{}:{}: {}: department \"{}\" is not one of this hospital's departments (the HIS lists {})",
                                       sourceName_, line, entry, code, siteCodes.size()));
    };
    for (const auto& department : departments_) {
        check(department.code, department.line, "departments \"" + department.code + "\"");
        check(department.children, department.line, "departments \"" + department.code + "\" children");
    }
    if (!problems.empty()) {
        std::string joined;
        for (const auto& line : problems) joined += (joined.empty() ? "" : "\n") + line;
        return fail(Errc::invalid_config, joined, "error.config");
    }
    return {};
}

std::vector<const Symptom*> Rules::symptomsFor(std::string_view region, AgeGroup age, Sex sex) const {
    std::vector<const Symptom*> out;
    for (const bool redFlags : {true, false}) {
        for (const auto& symptom : symptoms_) {
            if (symptom.redFlag != redFlags || !applies(symptom.ages, symptom.sex, age, sex)) continue;
            if (std::find(symptom.regions.begin(), symptom.regions.end(), region) != symptom.regions.end()) out.push_back(&symptom);
        }
    }
    return out;
}

std::vector<const Region*> Rules::regionsFor(BodyView view) const {
    std::vector<const Region*> out;
    for (const auto& region : regions_) {
        if (std::find(region.views.begin(), region.views.end(), view) != region.views.end()) out.push_back(&region);
    }
    return out;
}

Advice Rules::advise(const Query& query, const std::set<std::string>* siteCodes) const {
    Advice advice;
    for (const auto& id : query.symptoms) {
        if (const Symptom* s = symptom(id); s && s->redFlag) advice.redFlags.push_back(s);
    }
    if (!advice.redFlags.empty()) {
        advice.emergency = true;
        return advice;
    }
    auto atSite = [&](const std::string& code) { return !siteCodes || siteCodes->contains(code); };
    // Where a complaint goes for this patient: a child's goes to the department's `children`
    // (paediatrics) where the hospital has it.
    auto destination = [&](const std::string& code) -> std::pair<std::string, bool> {
        const Department* d = department(code);
        if (query.age == AgeGroup::child && d && !d->children.empty() && atSite(d->children)) return {d->children, true};
        return {code, false};
    };
    std::vector<RankedDepartment> ranked;
    std::map<std::string, int> bestWeight;
    for (const auto& id : query.symptoms) {
        const Symptom* s = symptom(id);
        if (!s) continue;
        int rank = 0;
        for (const auto& suggestion : s->suggest) {
            if (!applies(suggestion.ages, suggestion.sex, query.age, query.sex)) continue;
            const auto [code, forChild] = destination(suggestion.department);
            if (!atSite(code)) continue;
            // Rank weights 3, 2, 1: the file lists the likeliest department first.
            const int weight = std::max(1, 3 - rank++);
            auto found = std::find_if(ranked.begin(), ranked.end(), [&](const RankedDepartment& r) { return r.code == code; });
            if (found == ranked.end()) {
                const Department* d = department(code);
                ranked.push_back({code, d ? d->name : Text{code, code}, suggestion.reason, 0, forChild});
                found = std::prev(ranked.end());
            }
            found->score += weight;
            // A department named for the child itself (a child-only suggestion) is not a stand-in.
            if (!forChild) found->forChild = false;
            if (weight > bestWeight[code]) {
                bestWeight[code] = weight;
                found->reason = suggestion.reason;
            }
        }
    }
    std::stable_sort(ranked.begin(), ranked.end(), [](const RankedDepartment& a, const RankedDepartment& b) { return a.score > b.score; });
    if (ranked.size() > 3) ranked.resize(3);
    if (ranked.empty()) {
        advice.fallback = true;
        const auto [code, forChild] = destination(general_);
        const Department* d = department(code);
        ranked.push_back({code, d ? d->name : Text{code, code}, fallback_, 1, forChild});
    }
    advice.departments = std::move(ranked);
    return advice;
}

const Symptom* Rules::symptom(std::string_view id) const {
    for (const auto& s : symptoms_) {
        if (s.id == id) return &s;
    }
    return nullptr;
}

const Region* Rules::region(std::string_view id) const {
    for (const auto& r : regions_) {
        if (r.id == id) return &r;
    }
    return nullptr;
}

const Department* Rules::department(std::string_view code) const {
    for (const auto& d : departments_) {
        if (d.code == code) return &d;
    }
    return nullptr;
}

std::optional<int> ageInYears(const std::string& birthDate, const std::string& idNumber, const std::string& today) {
    std::string born = birthDate;
    // GB 11643: characters 7–14 of the 18-character number are the birth date.
    if (born.size() != 8 && idNumber.size() == 18) born = idNumber.substr(6, 8);
    if (born.size() != 8 || today.size() < 10 || !std::all_of(born.begin(), born.end(), ::isdigit)) return std::nullopt;
    using namespace std::chrono;
    const year_month_day birth{year{std::stoi(born.substr(0, 4))}, month{static_cast<unsigned>(std::stoi(born.substr(4, 2)))},
                               day{static_cast<unsigned>(std::stoi(born.substr(6, 2)))}};
    const int y = std::atoi(today.substr(0, 4).c_str());
    const int m = std::atoi(today.substr(5, 2).c_str());
    const int d = std::atoi(today.substr(8, 2).c_str());
    if (!birth.ok() || y <= 0) return std::nullopt;
    int years = y - static_cast<int>(birth.year());
    const auto bm = static_cast<int>(static_cast<unsigned>(birth.month()));
    const auto bd = static_cast<int>(static_cast<unsigned>(birth.day()));
    if (m < bm || (m == bm && d < bd)) --years;
    if (years < 0) return std::nullopt;
    return years;
}

Sex sexOf(const std::string& gbCode) {
    if (gbCode == "1") return Sex::male;
    if (gbCode == "2") return Sex::female;
    return Sex::unknown;
}

}  // namespace kiosk::triage
