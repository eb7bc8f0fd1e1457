// The triage rules (assets/triage/rules.toml) and engine (screens/triage/triage_rules.hpp):
// the shipped file against the real hospital-sim's departments (over loopback HTTP, the FHIR
// driver the kiosk uses), every symptom and every red flag, age and sex, and bad files refused
// with the file and the line.
#include "screens/triage/triage_rules.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "tests/backend/sim_process.hpp"

namespace kiosk::test {
namespace {

using triage::AgeGroup;
using triage::Sex;

const std::filesystem::path kRulesFile = std::filesystem::path(KIOSK_TEST_ASSETS_DIR) / "triage" / "rules.toml";

triage::Rules shippedRules() {
    auto rules = triage::Rules::load(kRulesFile);
    EXPECT_TRUE(rules.has_value()) << (rules ? "" : rules.error().detail);
    return rules ? std::move(*rules) : triage::Rules{};
}

/// 1-based line of the first line of the shipped file containing `needle` (0: none).
int lineContaining(const std::string& needle) {
    std::ifstream in(kRulesFile);
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
        if (line.find(needle) != std::string::npos) return n;
    }
    return 0;
}

/// This hospital's department codes, read from hospital-sim by the FHIR driver.
std::set<std::string> hospitalCodes() {
    SimProcess sim;
    EXPECT_GT(sim.port(), 0) << sim.log();
    backend::FhirHisDriver his(sim.settings());
    auto departments = his.departments();
    EXPECT_TRUE(departments.has_value()) << (departments ? "" : departments.error().detail);
    std::set<std::string> codes;
    if (departments) {
        for (const auto& d : *departments) codes.insert(d.code);
    }
    return codes;
}

bool appliesTo(const triage::Symptom& s, AgeGroup age, Sex sex) {
    if (!s.ages.empty() && std::find(s.ages.begin(), s.ages.end(), age) == s.ages.end()) return false;
    return s.sex == Sex::unknown || sex == Sex::unknown || s.sex == sex;
}

TEST(TriageRules, TheShippedFileNamesItsGuidanceAndIsLargeEnough) {
    const triage::Rules rules = shippedRules();
    EXPECT_GE(rules.symptoms().size(), 60U);
    EXPECT_GE(rules.departments().size(), 20U);
    bool consensus = false;
    for (const auto& source : rules.sources()) consensus = consensus || source.find("急诊预检分诊专家共识") != std::string::npos;
    EXPECT_TRUE(consensus) << "the red flags follow the emergency pre-triage consensus, and the file says so";
    EXPECT_EQ(rules.generalDepartment(), "GENM");
    // Every region is on one side of the body map at least, and every symptom in a region.
    for (const auto& region : rules.regions()) EXPECT_FALSE(region.views.empty()) << region.id;
}

TEST(TriageRules, EverySymptomLeadsToADepartmentThisHospitalHasOrTheGeneralClinic) {
    const triage::Rules rules = shippedRules();
    const std::set<std::string> codes = hospitalCodes();
    ASSERT_GE(codes.size(), 20U);
    ASSERT_TRUE(rules.checkDepartments(codes).has_value()) << rules.checkDepartments(codes).error().detail;
    size_t checked = 0;
    for (const auto& symptom : rules.symptoms()) {
        if (symptom.redFlag) continue;
        for (const AgeGroup age : {AgeGroup::adult, AgeGroup::child}) {
            for (const Sex sex : {Sex::unknown, Sex::male, Sex::female}) {
                if (!appliesTo(symptom, age, sex)) continue;
                SCOPED_TRACE(symptom.id + " " + std::string(triage::ageGroupName(age)) + " sex " + std::to_string(static_cast<int>(sex)));
                // Reachable from the body map: listed under each of its regions for this patient.
                for (const auto& region : symptom.regions) {
                    const auto listed = rules.symptomsFor(region, age, sex);
                    EXPECT_NE(std::find(listed.begin(), listed.end(), &symptom), listed.end()) << "not listed under " << region;
                }
                const triage::Advice advice = rules.advise({age, sex, {symptom.id}}, &codes);
                EXPECT_FALSE(advice.emergency);
                ASSERT_FALSE(advice.departments.empty());
                EXPECT_LE(advice.departments.size(), 3U);
                for (const auto& d : advice.departments) {
                    EXPECT_TRUE(codes.contains(d.code) || d.code == rules.generalDepartment()) << d.code;
                    EXPECT_FALSE(d.reason.zh.empty());
                    EXPECT_FALSE(d.reason.en.empty());
                }
                ++checked;
            }
        }
    }
    EXPECT_GT(checked, 60U * 3);
}

TEST(TriageRules, EveryRedFlagGoesToTheEmergencyDepartmentAndNowhereElse) {
    const triage::Rules rules = shippedRules();
    std::set<std::string> redFlags;
    for (const auto& symptom : rules.symptoms()) {
        if (!symptom.redFlag) continue;
        redFlags.insert(symptom.id);
        EXPECT_TRUE(symptom.suggest.empty()) << symptom.id;
        EXPECT_FALSE(symptom.why.zh.empty() || symptom.why.en.empty()) << symptom.id;
        for (const AgeGroup age : {AgeGroup::adult, AgeGroup::child}) {
            for (const Sex sex : {Sex::unknown, Sex::male, Sex::female}) {
                if (!appliesTo(symptom, age, sex)) continue;
                // Alone, and chosen together with an ordinary symptom: the emergency wins.
                for (const auto& query : {triage::Query{age, sex, {symptom.id}}, triage::Query{age, sex, {"cough", symptom.id}}}) {
                    const triage::Advice advice = rules.advise(query);
                    EXPECT_TRUE(advice.emergency) << symptom.id;
                    EXPECT_TRUE(advice.departments.empty()) << symptom.id << ": no department, so no booking";
                    ASSERT_EQ(advice.redFlags.size(), 1U);
                    EXPECT_EQ(advice.redFlags.front()->id, symptom.id);
                }
                // Red flags head every list they are in.
                for (const auto& region : symptom.regions) {
                    const auto listed = rules.symptomsFor(region, age, sex);
                    ASSERT_FALSE(listed.empty());
                    EXPECT_TRUE(listed.front()->redFlag) << region;
                }
            }
        }
    }
    // The danger signs the brief names are all there.
    for (const char* id : {"chest_pain_severe", "stroke_signs", "heavy_bleeding", "breathing_difficulty", "infant_fever", "head_injury_severe"}) {
        EXPECT_TRUE(redFlags.contains(id)) << id;
    }
}

TEST(TriageRules, AChildIsSentToPaediatricsWhereTheHospitalHasIt) {
    const triage::Rules rules = shippedRules();
    const std::set<std::string> codes = hospitalCodes();
    auto first = [&](AgeGroup age, const char* symptom, const std::set<std::string>* site) {
        const auto advice = rules.advise({age, Sex::unknown, {symptom}}, site);
        return advice.departments.empty() ? std::string() : advice.departments.front().code;
    };
    EXPECT_EQ(first(AgeGroup::adult, "fever", &codes), "INFD");
    EXPECT_EQ(first(AgeGroup::child, "fever", &codes), "PAED");
    EXPECT_EQ(first(AgeGroup::adult, "cough", &codes), "RESP");
    EXPECT_EQ(first(AgeGroup::child, "cough", &codes), "PAED");
    EXPECT_EQ(first(AgeGroup::child, "palpitations", &codes), "PAED");
    const auto childHeart = rules.advise({AgeGroup::child, Sex::unknown, {"palpitations"}}, &codes);
    EXPECT_TRUE(childHeart.departments.front().forChild) << "said: children are seen in paediatrics";
    // Surgery and eyes keep their own department for a child.
    EXPECT_EQ(first(AgeGroup::child, "red_eye", &codes), "OPHT");
    EXPECT_EQ(first(AgeGroup::child, "sprain_fracture", &codes), "ORTH");
    // A hospital without paediatrics: the child's complaint stays with the adult department.
    std::set<std::string> noPaediatrics = codes;
    noPaediatrics.erase("PAED");
    EXPECT_EQ(first(AgeGroup::child, "cough", &noPaediatrics), "RESP");
    EXPECT_EQ(rules.ageGroupOf(13), AgeGroup::child);
    EXPECT_EQ(rules.ageGroupOf(14), AgeGroup::adult);
}

TEST(TriageRules, ListsFollowAgeAndSex) {
    const triage::Rules rules = shippedRules();
    auto listed = [&](const char* region, AgeGroup age, Sex sex, const char* id) {
        const auto symptoms = rules.symptomsFor(region, age, sex);
        return std::any_of(symptoms.begin(), symptoms.end(), [&](const triage::Symptom* s) { return s->id == id; });
    };
    EXPECT_TRUE(listed("pelvis", AgeGroup::adult, Sex::female, "irregular_periods"));
    EXPECT_FALSE(listed("pelvis", AgeGroup::adult, Sex::male, "irregular_periods"));
    EXPECT_TRUE(listed("pelvis", AgeGroup::adult, Sex::male, "testicle_pain"));
    EXPECT_FALSE(listed("pelvis", AgeGroup::adult, Sex::female, "testicle_pain"));
    // The identity did not say: both are offered, the patient chooses.
    EXPECT_TRUE(listed("pelvis", AgeGroup::adult, Sex::unknown, "irregular_periods"));
    EXPECT_TRUE(listed("pelvis", AgeGroup::adult, Sex::unknown, "testicle_pain"));
    EXPECT_TRUE(listed("whole", AgeGroup::child, Sex::male, "infant_fever"));
    EXPECT_FALSE(listed("whole", AgeGroup::adult, Sex::male, "infant_fever"));
    EXPECT_FALSE(listed("pelvis", AgeGroup::child, Sex::female, "pregnancy_check"));
    // A suggestion for one sex only: right lower belly pain adds gynaecology for a woman.
    const auto woman = rules.advise({AgeGroup::adult, Sex::female, {"right_lower_pain"}});
    const auto man = rules.advise({AgeGroup::adult, Sex::male, {"right_lower_pain"}});
    EXPECT_EQ(woman.departments.size(), 2U);
    ASSERT_EQ(man.departments.size(), 1U);
    EXPECT_EQ(man.departments.front().code, "GSUR");
}

TEST(TriageRules, NothingThatFitsGoesToTheGeneralClinic) {
    const triage::Rules rules = shippedRules();
    const auto none = rules.advise({AgeGroup::adult, Sex::unknown, {}});
    EXPECT_TRUE(none.fallback);
    ASSERT_EQ(none.departments.size(), 1U);
    EXPECT_EQ(none.departments.front().code, "GENM");
    // A hospital without urology or nephrology: blood in the urine goes to the general clinic.
    const std::set<std::string> small{"GENM", "CARD"};
    const auto urine = rules.advise({AgeGroup::adult, Sex::unknown, {"blood_in_urine"}}, &small);
    EXPECT_TRUE(urine.fallback);
    EXPECT_EQ(urine.departments.front().code, "GENM");
    // Several symptoms: the department both point to ranks first.
    const auto both = rules.advise({AgeGroup::adult, Sex::unknown, {"numbness", "thirst_urination"}});
    EXPECT_EQ(both.departments.front().code, "ENDO");
}

TEST(TriageRules, AgeComesFromTheBirthDateOrTheIdNumber) {
    EXPECT_EQ(triage::ageInYears("20200101", "", "2026-11-30"), 6);
    EXPECT_EQ(triage::ageInYears("20121201", "", "2026-11-30"), 13) << "the 14th birthday is tomorrow";
    EXPECT_EQ(triage::ageInYears("", "110101201211300012", "2026-11-30"), 14) << "GB 11643: characters 7-14";
    EXPECT_FALSE(triage::ageInYears("", "", "2026-11-30").has_value());
    EXPECT_FALSE(triage::ageInYears("2020xx01", "", "2026-11-30").has_value());
    EXPECT_EQ(triage::sexOf("2"), Sex::female);
    EXPECT_EQ(triage::sexOf(""), Sex::unknown);
}

TEST(TriageRules, ADepartmentTheHospitalLacksIsRefusedWithTheFileAndLine) {
    const triage::Rules rules = shippedRules();
    std::set<std::string> codes = hospitalCodes();
    codes.erase("UROL");
    codes.erase("GENM");  // the general clinic may be missing: not refused
    const auto checked = rules.checkDepartments(codes);
    ASSERT_FALSE(checked.has_value());
    const int line = lineContaining("code = \"UROL\"") - 1;  // its [[departments]] header
    EXPECT_NE(checked.error().detail.find(kRulesFile.string() + ":" + std::to_string(line) + ":"), std::string::npos)
        << checked.error().detail;
    EXPECT_NE(checked.error().detail.find("\"UROL\""), std::string::npos);
    EXPECT_EQ(checked.error().detail.find("GENM"), std::string::npos) << checked.error().detail;
}

/// A small valid file; tests break one thing at a time.
std::string smallFile(const std::string& symptom = "") {
    return "[guidance]\n"                                                   // 1
           "sources = [\"中华医学会急诊医学分会《急诊预检分诊专家共识》\"]\n"       // 2
           "general_department = \"GENM\"\n"                                 // 3
           "fallback_zh = \"先看全科\"\n"                                      // 4
           "fallback_en = \"General practice first\"\n"                      // 5
           "[[departments]]\n"                                               // 6
           "code = \"GENM\"\nzh = \"全科医学科\"\nen = \"General Practice\"\n"  // 7-9
           "[[regions]]\n"                                                   // 10
           "id = \"head\"\nzh = \"头部\"\nen = \"Head\"\nviews = [\"front\"]\n"  // 11-14
           "[[symptoms]]\n"                                                  // 15
           + (symptom.empty() ? "id = \"headache\"\nzh = \"头痛\"\nen = \"Headache\"\nregions = [\"head\"]\n"
                                "suggest = [ { dept = \"GENM\", zh = \"先看全科\", en = \"GP first\" } ]\n"
                              : symptom);
}

TEST(TriageRules, BadFilesAreRefusedWithThePreciseFileLineAndEntry) {
    ASSERT_TRUE(triage::Rules::parse(smallFile(), "small.toml").has_value());
    struct Case {
        const char* what;
        std::string symptom;
        std::string expected;  ///< a part of the message
    };
    const std::vector<Case> cases{
        {"unknown department",
         "id = \"a\"\nzh = \"甲\"\nen = \"A\"\nregions = [\"head\"]\n"
         "suggest = [ { dept = \"XXXX\", zh = \"理由\", en = \"why\" } ]\n",
         "small.toml:20: symptoms[0] \"a\" suggest[0]: department \"XXXX\" is not in [[departments]]"},
        {"missing en", "id = \"a\"\nzh = \"甲\"\nregions = [\"head\"]\nsuggest = [ { dept = \"GENM\", zh = \"理由\", en = \"why\" } ]\n",
         "small.toml:15: symptoms[0] \"a\": missing 'en'"},
        {"unknown region",
         "id = \"a\"\nzh = \"甲\"\nen = \"A\"\nregions = [\"tail\"]\nsuggest = [ { dept = \"GENM\", zh = \"理由\", en = \"why\" } ]\n",
         "small.toml:19: symptoms[0] \"a\": region \"tail\" is not in [[regions]]"},
        {"no suggestion", "id = \"a\"\nzh = \"甲\"\nen = \"A\"\nregions = [\"head\"]\n",
         "small.toml:15: symptoms[0] \"a\": needs 'suggest' (at least one department) or red_flag = true"},
        {"red flag with a booking path",
         "id = \"a\"\nzh = \"甲\"\nen = \"A\"\nregions = [\"head\"]\nred_flag = true\nwhy_zh = \"急\"\nwhy_en = \"now\"\n"
         "suggest = [ { dept = \"GENM\", zh = \"理由\", en = \"why\" } ]\n",
         "small.toml:23: symptoms[0] \"a\": a red flag goes to the emergency department: it has no 'suggest'"},
        {"a typo in a key",
         "id = \"a\"\nzh = \"甲\"\nen = \"A\"\nregion = [\"head\"]\nsuggest = [ { dept = \"GENM\", zh = \"理由\", en = \"why\" } ]\n",
         "small.toml:19: symptoms[0] \"a\": unknown key 'region'"},
        {"wrong age group",
         "id = \"a\"\nzh = \"甲\"\nen = \"A\"\nregions = [\"head\"]\nages = [\"elder\"]\n"
         "suggest = [ { dept = \"GENM\", zh = \"理由\", en = \"why\" } ]\n",
         "small.toml:20: symptoms[0] \"a\": age group \"elder\" is not \"adult\" or \"child\""},
        {"not TOML", "id = \"a\nzh = \"甲\"\n", "small.toml:16:"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.what);
        const auto parsed = triage::Rules::parse(smallFile(c.symptom), "small.toml");
        ASSERT_FALSE(parsed.has_value());
        EXPECT_EQ(parsed.error().code, Errc::invalid_config);
        EXPECT_NE(parsed.error().detail.find(c.expected), std::string::npos) << parsed.error().detail;
    }
    // Two problems: both listed, one per line.
    const auto two = triage::Rules::parse(smallFile("id = \"a\"\nzh = \"甲\"\nregions = [\"tail\"]\n"
                                                    "suggest = [ { dept = \"GENM\", zh = \"理由\", en = \"why\" } ]\n"),
                                          "small.toml");
    ASSERT_FALSE(two.has_value());
    EXPECT_NE(two.error().detail.find("missing 'en'"), std::string::npos);
    EXPECT_NE(two.error().detail.find("\"tail\""), std::string::npos);
    // A file that is not there.
    const auto missing = triage::Rules::load("/nonexistent/rules.toml");
    ASSERT_FALSE(missing.has_value());
    EXPECT_NE(missing.error().detail.find("/nonexistent/rules.toml"), std::string::npos);
}

}  // namespace
}  // namespace kiosk::test
