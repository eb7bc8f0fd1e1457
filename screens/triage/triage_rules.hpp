#pragma once
// Triage guidance (智能导医分诊, issue 12 item 2): the rules file (assets/triage/rules.toml) and the
// engine that turns age, sex, body region and chosen symptoms into ranked departments with a
// reason each, or "go to the emergency department now". No UI and no network: it works offline;
// the screens (triage_screens.hpp) and the flow (triage_flow.hpp) sit on top of it.
//
// The file's shape is described at its top. The public guidance it follows is named in its
// [guidance] sources (中华医学会急诊医学分会《急诊预检分诊专家共识》2018 for the red flags,
// 《医疗机构诊疗科目名录》 for the department list). It is TOML (toml++, already the config's
// parser) because every node keeps its line: a problem is reported as "FILE:LINE: …".
//
// [X] load and validate the whole file, every problem with its line (malformed entries, unknown
//     regions, departments not in the file's list, duplicate ids, red flags with suggestions)
// [X] check the departments against this hospital's (the HIS's list): unknown ones refused with
//     their line; the general clinic (fallback) is allowed to be missing
// [X] symptoms per region, age group and sex; ranked departments (rank-weighted over several
//     symptoms), a child sent to the department named by `children` (paediatrics)
// [X] departments the hospital lacks left out at advice time; nothing left → the general clinic
// [ ] per-site overrides of single symptoms (a site edits its own copy of the file today)

#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "kiosk/core/error.hpp"

namespace kiosk::triage {

/// The two age groups of the body map and the symptom lists. A child is younger than
/// [guidance] child_age_below years (14: Chinese paediatrics sees children under 14).
enum class AgeGroup { adult, child };
/// "unknown": the identity did not say; lists then show symptoms of either sex.
enum class Sex { unknown, male, female };
enum class BodyView { front, back };

std::string_view ageGroupName(AgeGroup group);
std::string_view bodyViewName(BodyView view);

/// A text in both languages of the kiosk.
struct Text {
    std::string zh;
    std::string en;
    /// The text for a language code ("zh_CN" → zh, anything else → en; an empty en → zh).
    const std::string& in(std::string_view language) const { return language == "zh_CN" || en.empty() ? zh : en; }
};

struct Department {
    std::string code;      ///< the hospital's department code (urn:yizhan:department), "CARD"
    Text name;
    std::string children;  ///< code of the department that sees a child with this complaint; "" = this one
    int line = 0;          ///< where it is in the file
};

struct Region {
    std::string id;  ///< "chest"
    Text name;
    std::vector<BodyView> views;
    int line = 0;
};

struct Suggestion {
    std::string department;        ///< a Department::code
    Text reason;                   ///< one line: why this department
    std::vector<AgeGroup> ages;    ///< empty: every age
    Sex sex = Sex::unknown;        ///< unknown: either sex
    int line = 0;
};

struct Symptom {
    std::string id;
    Text name;
    std::vector<std::string> regions;
    std::vector<AgeGroup> ages;  ///< empty: every age
    Sex sex = Sex::unknown;      ///< unknown: either sex
    bool redFlag = false;        ///< go to the emergency department now
    Text why;                    ///< red flag: why it cannot wait
    std::vector<Suggestion> suggest;  ///< ranked, best first (empty for a red flag)
    int line = 0;
};

/// What the patient told the kiosk.
struct Query {
    AgeGroup age = AgeGroup::adult;
    Sex sex = Sex::unknown;
    std::vector<std::string> symptoms;  ///< Symptom ids
};

struct RankedDepartment {
    std::string code;
    Text name;     ///< from the rules file (the screens prefer the hospital's own name)
    Text reason;   ///< the reason of its best-ranked suggestion
    int score = 0;
    bool forChild = false;  ///< a child's complaint sent here instead of an adult department
};

struct Advice {
    /// A red flag was chosen: the emergency department now, no departments and no booking.
    bool emergency = false;
    std::vector<const Symptom*> redFlags;
    /// Best first, at most three.
    std::vector<RankedDepartment> departments;
    /// Nothing fitted at this hospital: the general clinic, with the file's fallback reason.
    bool fallback = false;
};

class Rules {
public:
    /// Reads and validates `file`. Errors (Errc::invalid_config) list every problem, one per line,
    /// each as "FILE:LINE: entry: what is wrong" (a TOML syntax error as "FILE:LINE:COLUMN: …").
    static Result<Rules> load(const std::filesystem::path& file);
    /// The same for text already read; `sourceName` stands for the file in messages.
    static Result<Rules> parse(std::string_view text, const std::string& sourceName);

    /// Refuses departments this hospital does not have (`siteCodes`: the HIS's department codes):
    /// one line per department entry named in a suggestion or as `children`, "FILE:LINE: …".
    /// The general clinic may be missing (advice then names it without a booking).
    Result<void> checkDepartments(const std::set<std::string>& siteCodes) const;

    /// Symptoms of `region` for the group and sex, red flags first, then in file order.
    std::vector<const Symptom*> symptomsFor(std::string_view region, AgeGroup age, Sex sex) const;
    /// Regions of one side of the body map, in file order.
    std::vector<const Region*> regionsFor(BodyView view) const;

    /// The advice for `query`. `siteCodes` (null: not known, e.g. the HIS is down) leaves out the
    /// departments this hospital lacks; nothing left → the general clinic (fallback).
    Advice advise(const Query& query, const std::set<std::string>* siteCodes = nullptr) const;

    const Symptom* symptom(std::string_view id) const;
    const Region* region(std::string_view id) const;
    const Department* department(std::string_view code) const;
    const std::vector<Symptom>& symptoms() const { return symptoms_; }
    const std::vector<Department>& departments() const { return departments_; }
    const std::vector<Region>& regions() const { return regions_; }
    const std::string& generalDepartment() const { return general_; }
    /// The age group of someone `years` old.
    AgeGroup ageGroupOf(int years) const { return years < childAgeBelow_ ? AgeGroup::child : AgeGroup::adult; }
    const std::vector<std::string>& sources() const { return sources_; }
    const std::string& sourceName() const { return sourceName_; }

private:
    std::string sourceName_;
    std::vector<std::string> sources_;
    std::string general_;
    int childAgeBelow_ = 14;
    Text fallback_;
    std::vector<Department> departments_;
    std::vector<Region> regions_;
    std::vector<Symptom> symptoms_;
};

/// Age in whole years on `today` (YYYY-MM-DD) of someone born on `birthDate` (YYYYMMDD, or the
/// birth date inside an 18-character GB 11643 ID number); nullopt when neither is a date.
std::optional<int> ageInYears(const std::string& birthDate, const std::string& idNumber, const std::string& today);
/// "1" / "2" (GB/T 2261.1) → male / female.
Sex sexOf(const std::string& gbCode);

}  // namespace kiosk::triage
