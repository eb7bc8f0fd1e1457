#include "sim/hospital/seed.hpp"

#include <cairo-pdf.h>
#include <cairo.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <fstream>
#include <map>

#include "kiosk/backend/fhir_systems.hpp"
#include "kiosk/core/mask.hpp"

namespace kiosk::sim {

namespace fhir = kiosk::backend::fhir;

namespace {

struct DepartmentRow {
    const char* code;
    const char* name;
    const char* nameEn;
    const char* location;
    std::array<const char*, 3> specialties;
    int slotMinutes;  ///< length of its slots: 30 in the busy departments, 60 elsewhere
};

// 15 departments of a general hospital, with where they are and three specialties each.
constexpr DepartmentRow kDepartments[] = {
    {"CARD", "心血管内科", "Cardiology", "门诊楼3层A区", {"高血压", "冠心病", "心律失常"}, 30},
    {"RESP", "呼吸内科", "Respiratory Medicine", "门诊楼3层B区", {"慢阻肺", "哮喘", "肺部感染"}, 30},
    {"GAST", "消化内科", "Gastroenterology", "门诊楼3层C区", {"胃炎", "肝病", "消化道出血"}, 30},
    {"NEUR", "神经内科", "Neurology", "门诊楼4层A区", {"脑血管病", "头痛眩晕", "癫痫"}, 60},
    {"ENDO", "内分泌科", "Endocrinology", "门诊楼4层B区", {"糖尿病", "甲状腺疾病", "骨质疏松"}, 60},
    {"GSUR", "普通外科", "General Surgery", "门诊楼2层A区", {"甲乳外科", "胃肠外科", "肝胆外科"}, 60},
    {"ORTH", "骨科", "Orthopaedics", "门诊楼2层B区", {"脊柱外科", "关节外科", "运动医学"}, 60},
    {"GYN", "妇科", "Gynaecology", "门诊楼5层A区", {"妇科炎症", "妇科肿瘤", "月经病"}, 60},
    {"OBST", "产科", "Obstetrics", "门诊楼5层B区", {"产前检查", "高危妊娠", "产后康复"}, 60},
    {"PAED", "儿科", "Paediatrics", "门诊楼1层东区", {"小儿呼吸", "小儿消化", "儿童保健"}, 30},
    {"OPHT", "眼科", "Ophthalmology", "门诊楼6层A区", {"白内障", "青光眼", "眼底病"}, 30},
    {"ENT", "耳鼻咽喉科", "ENT", "门诊楼6层B区", {"鼻炎鼻窦炎", "咽喉疾病", "耳聋耳鸣"}, 60},
    {"STOM", "口腔科", "Stomatology", "门诊楼6层C区", {"牙体牙髓", "口腔修复", "口腔正畸"}, 60},
    {"DERM", "皮肤科", "Dermatology", "门诊楼4层C区", {"湿疹皮炎", "痤疮", "银屑病"}, 60},
    {"TCM", "中医科", "Traditional Chinese Medicine", "门诊楼1层西区", {"中医内科", "针灸推拿", "中医妇科"}, 60},
};

// Departments added for triage guidance (issue 12 item 2: the rules in assets/triage/rules.toml
// name 23 departments, each one this hospital must have). Each has only its "any doctor" general
// clinic (普通门诊), role-061…068, so the role ids of the departments above do not move.
constexpr DepartmentRow kMoreDepartments[] = {
    {"GENM", "全科医学科", "General Practice", "门诊楼1层中区", {"全科", "", ""}, 60},
    {"NEPH", "肾内科", "Nephrology", "门诊楼4层D区", {"肾病", "", ""}, 60},
    {"RHEU", "风湿免疫科", "Rheumatology", "门诊楼4层E区", {"风湿", "", ""}, 60},
    {"HAEM", "血液内科", "Haematology", "门诊楼3层D区", {"血液病", "", ""}, 60},
    {"INFD", "感染性疾病科", "Infectious Diseases", "感染楼1层（发热门诊）", {"发热门诊", "", ""}, 60},
    {"UROL", "泌尿外科", "Urology", "门诊楼2层C区", {"泌尿", "", ""}, 60},
    {"NSUR", "神经外科", "Neurosurgery", "门诊楼2层D区", {"颅脑外伤", "", ""}, 60},
    {"PSYC", "精神心理科", "Psychiatry and Psychology", "门诊楼7层A区", {"心理", "", ""}, 60},
};

constexpr const char* kTitles[] = {"主任医师", "副主任医师", "主治医师"};
constexpr const char* kGeneralClinic = "普通门诊";  // the "any doctor" clinic of a department
/// The demo's fully booked doctor (every slot of the week busy): CARD's 主任医师.
constexpr const char* kFullyBookedRole = "role-001";

int slotMinutesOf(const std::string& departmentId) {
    for (const auto& d : kDepartments) {
        if (departmentId == std::string("dept-") + d.code) return d.slotMinutes;
    }
    return 60;
}

// Doctor names: surnames and given names, some with characters outside the common GB2312 set.
constexpr const char* kSurnames[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙",
                                     "马", "朱", "胡", "郭", "何", "林", "罗", "高", "欧阳", "司马", "诸葛"};
constexpr const char* kGivenNames[] = {"建国", "志强", "秀英", "丽华", "龑",   "堃",  "燊",   "喆",   "婧",
                                       "珺",   "玥",   "翀",   "琤",   "明辉", "晓燕", "海涛", "淑珍", "文博",
                                       "雅琴", "德华", "昇",   "晗",   "子涵", "思远", "嘉怡", "俊杰", "梦瑶"};

Json identifier(const char* system, const std::string& value) { return {{"system", system}, {"value", value}}; }
Json extensionString(const char* url, const std::string& value) { return {{"url", url}, {"valueString", value}}; }
Json extensionInt(const char* url, int64_t value) { return {{"url", url}, {"valueInteger", value}}; }

std::string slotTime(const std::string& date, int minutes) {
    return fmt::format("{}T{:02}:{:02}:00+08:00", date, minutes / 60, minutes % 60);
}

Json patientResource(const std::string& id, const std::string& name, const std::string& idNumber,
                     const std::string& ssCard, const std::string& hospitalCard, const std::string& healthCard,
                     const std::string& sex, const std::string& birth, const std::string& phone, const std::string& address) {
    Json ids = Json::array({identifier(fhir::kSystemIdNumber, idNumber)});
    if (!ssCard.empty()) ids.push_back(identifier(fhir::kSystemSocialSecurity, ssCard));
    if (!hospitalCard.empty()) ids.push_back(identifier(fhir::kSystemHospitalCard, hospitalCard));
    if (!healthCard.empty()) ids.push_back(identifier(fhir::kSystemHealthCard, healthCard));
    Json patient = {{"resourceType", "Patient"},
                    {"id", id},
                    {"identifier", ids},
                    {"name", Json::array({{{"text", name}}})},
                    {"gender", sex == "1" ? "male" : "female"}};
    // A people file may leave a value out: R4 has no empty strings, so the element is left out.
    if (!birth.empty()) {
        patient["birthDate"] = birth.size() == 8 ? birth.substr(0, 4) + "-" + birth.substr(4, 2) + "-" + birth.substr(6, 2) : birth;
    }
    if (!phone.empty()) patient["telecom"] = Json::array({{{"system", "phone"}, {"value", phone}}});
    if (!address.empty()) patient["address"] = Json::array({{{"use", "home"}, {"text", address}}});
    return patient;
}

/// One seeded lab result: a number with optional bounds, or a text value ("阴性", "++").
struct SeedObservation {
    std::string item;
    std::optional<double> value;   ///< valueQuantity.value
    std::string comparator;        ///< valueQuantity.comparator ("<"): "<0.1"
    std::string text;              ///< valueString when there is no number
    std::string unit;
    std::optional<double> low;
    std::optional<double> high;
    std::string rangeText;         ///< referenceRange.text ("阴性")
    std::string flag;              ///< v3 ObservationInterpretation code: H, L, A; empty = normal

    std::string shown() const { return value ? comparator + fmt::format("{}", *value) : text; }
    std::string rangeShown() const {
        if (low && high) return fmt::format("{}-{}", *low, *high);
        if (high) return fmt::format("<{}", *high);
        if (low) return fmt::format(">{}", *low);
        return rangeText;
    }
};

Json observationJson(const std::string& id, const SeedObservation& o) {
    Json out{{"resourceType", "Observation"}, {"id", id}, {"status", "final"}, {"code", {{"text", o.item}}}};
    if (o.value) {
        Json quantity{{"value", *o.value}};
        if (!o.unit.empty()) quantity["unit"] = o.unit;
        if (!o.comparator.empty()) quantity["comparator"] = o.comparator;
        out["valueQuantity"] = quantity;
    } else {
        out["valueString"] = o.text;
    }
    Json range = Json::object();
    if (o.low) range["low"] = {{"value", *o.low}};
    if (o.high) range["high"] = {{"value", *o.high}};
    if (!o.rangeText.empty()) range["text"] = o.rangeText;
    if (!range.empty()) out["referenceRange"] = Json::array({range});
    if (!o.flag.empty()) {
        out["interpretation"] = Json::array(
            {{{"coding", Json::array({{{"system", "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"}, {"code", o.flag}}})}}});
    }
    return out;
}

constexpr int kNotPending = 1000;

struct SeedReport {
    const char* suffix;
    const char* category;          ///< LAB, RAD
    std::string title;
    const char* department;
    const char* status;            ///< final, registered (pending)
    int issuedDay;                 ///< days from today
    int expectedDay;               ///< pending: days from today; kNotPending otherwise
    std::string time;              ///< "16:30": issued or expected at
    int printedElsewhere;          ///< print-count extension
    std::string conclusion;
    std::vector<SeedObservation> results;
    std::vector<std::pair<std::string, std::string>> findings;  ///< imaging: label, text (PDF rows)
};

SeedObservation num(std::string item, double value, std::string unit, std::optional<double> low, std::optional<double> high,
                    std::string flag = {}) {
    return SeedObservation{std::move(item), value, {}, {}, std::move(unit), low, high, {}, std::move(flag)};
}
SeedObservation text(std::string item, std::string value, std::string rangeText, std::string flag = {}) {
    return SeedObservation{std::move(item), std::nullopt, {}, std::move(value), {}, std::nullopt, std::nullopt, std::move(rangeText), std::move(flag)};
}

/// The reports every demo person has (sim/hospital/README.md "Reports").
const std::vector<SeedReport>& demoReports() {
    static const std::vector<SeedReport> reports = [] {
        std::vector<SeedReport> out;
        out.push_back({"lab", "LAB", "血常规检验报告 Complete blood count", "检验科", "final", -1, kNotPending, "16:30", 0, "",
                       {num("白细胞 WBC", 11.2, "10^9/L", 3.5, 9.5, "H"), num("红细胞 RBC", 4.71, "10^12/L", 4.3, 5.8),
                        num("血红蛋白 HGB", 118, "g/L", 130, 175, "L"), num("血小板 PLT", 231, "10^9/L", 125, 350),
                        num("中性粒细胞百分比 NEUT%", 78.5, "%", 40, 75, "H"), num("淋巴细胞百分比 LYMPH%", 16.1, "%", 20, 50, "L")},
                       {}});
        // The long panel: 40 rows, with what real panels carry that is not a plain number.
        std::vector<SeedObservation> chem = {
            num("丙氨酸氨基转移酶 ALT", 52, "U/L", 9, 50, "H"), num("天门冬氨酸氨基转移酶 AST", 31, "U/L", 15, 40),
            num("总蛋白 TP", 71.3, "g/L", 65, 85), num("白蛋白 ALB", 43.2, "g/L", 40, 55), num("球蛋白 GLB", 28.1, "g/L", 20, 40),
            num("总胆红素 TBIL", 14.2, "umol/L", 0, 26), num("直接胆红素 DBIL", 3.1, "umol/L", 0, 8),
            num("碱性磷酸酶 ALP", 88, "U/L", 45, 125), num("谷氨酰转肽酶 GGT", 61, "U/L", 10, 60, "H"),
            num("尿素 UREA", 5.6, "mmol/L", 3.1, 8.0), num("肌酐 CREA", 78, "umol/L", 57, 111), num("尿酸 UA", 462, "umol/L", 208, 428, "H"),
            num("葡萄糖 GLU", 7.9, "mmol/L", 3.9, 6.1, "H"), num("总胆固醇 TC", 5.1, "mmol/L", std::nullopt, 5.2),
            num("甘油三酯 TG", 1.42, "mmol/L", std::nullopt, 1.7), num("高密度脂蛋白 HDL-C", 0.96, "mmol/L", 1.04, std::nullopt, "L"),
            num("低密度脂蛋白 LDL-C", 3.2, "mmol/L", std::nullopt, 3.4), num("钾 K", 3.3, "mmol/L", 3.5, 5.3, "L"),
            num("钠 Na", 141, "mmol/L", 137, 147), num("氯 Cl", 102, "mmol/L", 99, 110), num("钙 Ca", 2.31, "mmol/L", 2.11, 2.52),
            num("磷 P", 1.12, "mmol/L", 0.85, 1.51), num("镁 Mg", 0.88, "mmol/L", 0.75, 1.02),
            num("肌酸激酶 CK", 96, "U/L", 50, 310), num("乳酸脱氢酶 LDH", 187, "U/L", 120, 250),
            num("同型半胱氨酸 HCY", 16.8, "umol/L", 0, 15, "H"), num("二氧化碳 CO2", 24, "mmol/L", 22, 29),
            num("前白蛋白 PA", 251, "mg/L", 200, 400), num("胆汁酸 TBA", 4.2, "umol/L", 0, 10),
            num("视黄醇结合蛋白 RBP", 38, "mg/L", 25, 70), num("胱抑素C CysC", 0.92, "mg/L", 0.59, 1.03),
            num("糖化血红蛋白 HbA1c", 6.8, "%", 4.0, 6.0, "H"), num("铁蛋白 FER", 152, "ng/mL", 30, 400),
            // Not numbers: a negative, a below-detection value, a plus grade.
            text("乙肝表面抗原 HBsAg", "阴性", "阴性"),
            SeedObservation{"降钙素原 PCT", 0.1, "<", {}, "ng/mL", std::nullopt, 0.5, {}, {}},
            text("尿隐血 BLD", "++", "阴性", "A"),
            // No reference range at all, and one the HIS wrote reversed (low above high).
            num("超敏C反应蛋白 hs-CRP", 2.4, "mg/L", std::nullopt, std::nullopt),
            num("载脂蛋白A1 ApoA1", 1.21, "g/L", 1.6, 1.0),
            num("载脂蛋白B ApoB", 0.86, "g/L", 0.6, 1.1), num("脂蛋白(a) Lp(a)", 180, "mg/L", 0, 300)};
        out.push_back({"chem", "LAB", "生化全项检验报告 Biochemistry panel", "检验科", "final", 0, kNotPending, "10:15", 0, "", chem, {}});
        out.push_back({"ct", "RAD", "胸部CT检查报告 Chest CT", "放射科", "final", -1, kNotPending, "17:05", 0,
                       "胸部CT平扫未见明显异常。",
                       {},
                       {{"所见 Findings", "双肺纹理清晰，未见明显实变影"}, {"印象 Impression", "胸部CT平扫未见明显异常"}}});
        out.push_back({"urine", "LAB", "尿常规检验报告 Urinalysis", "检验科", "final", -3, kNotPending, "11:20", 1, "",
                       {text("尿蛋白 PRO", "阴性", "阴性"), text("尿糖 GLU", "阴性", "阴性"), num("尿比重 SG", 1.020, "", 1.003, 1.030),
                        num("酸碱度 pH", 6.0, "", 4.5, 8.0)},
                       {}});
        out.push_back({"thyroid", "LAB", "甲状腺功能检验报告 Thyroid function", "检验科", "registered", 0, 1, "10:00", 0, "", {}, {}});
        return out;
    }();
    return reports;
}


/// The doctor the seed names for department `dept` (an index of kDepartments) and title `t`
/// (the same name as the Practitioner seedHospital() writes).
std::string doctorName(size_t dept, int t) {
    const size_t doctorIndex = dept * 3 + static_cast<size_t>(t);
    return std::string(kSurnames[(doctorIndex * 7) % std::size(kSurnames)]) + kGivenNames[(doctorIndex * 5 + 3) % std::size(kGivenNames)];
}

/// A Reference with its English display (the R4 translation extension in "_display").
Json displayWithEnglish(const std::string& reference, const std::string& display, const std::string& english) {
    return {{"reference", reference},
            {"display", display},
            {"_display", {{"extension", Json::array({{{"url", fhir::kExtTranslation},
                                                      {"extension", Json::array({{{"url", "lang"}, {"valueCode", "en"}},
                                                                                 {{"url", "content"}, {"valueString", english}}})}}})}}}};
}

/// "My records" (issue 12 items 4 and 5): each demo person's past visits (Encounter; one without
/// a diagnosis text) and past payments (PaymentReconciliation as the kiosk's commit writes it,
/// over ChargeItems already billed) in every channel. The first person has more of each than one
/// page shows.
void seedHistory(const std::string& personId, const std::string& pid, int personIndex, std::vector<std::pair<std::string, Json>>& encounters,
                 std::vector<std::pair<std::string, Json>>& charges, std::vector<std::pair<std::string, Json>>& payments) {
    struct VisitRow {
        int day;
        const char* time;
        size_t dept;            // index of kDepartments
        int title;              // index of kTitles
        const char* diagnosis;  // null: the HIS gives none
    };
    static const VisitRow kVisits[] = {
        {-2, "09:10", 0, 1, "原发性高血压（2级）"},
        {-9, "14:30", 1, 0, nullptr},
        {-23, "10:05", 2, 2, "慢性浅表性胃炎"},
        {-41, "08:40", 4, 1, "2型糖尿病"},
        {-60, "15:20", 10, 2, "双眼屈光不正"},
        {-75, "09:55", 11, 0, "慢性鼻窦炎"},
        {-96, "11:15", 13, 2, "湿疹"},
        {-120, "08:30", 0, 0, "阵发性心房颤动；原发性高血压"},
        {-150, "16:00", 6, 1, "腰椎间盘突出症"},
    };
    const size_t visitCount = personIndex == 0 ? std::size(kVisits) : 4;
    for (size_t v = 0; v < visitCount; ++v) {
        const VisitRow& row = kVisits[v];
        const auto& dept = kDepartments[row.dept];
        Json encounter = {{"resourceType", "Encounter"},
                          {"status", "finished"},
                          {"identifier", Json::array({identifier("urn:yizhan:visit-number", fmt::format("MZ{}{:02}", personIndex + 1, v + 1))})},
                          {"class", {{"system", "http://terminology.hl7.org/CodeSystem/v3-ActCode"}, {"code", "AMB"}, {"display", "ambulatory"}}},
                          {"subject", {{"reference", "Patient/" + pid}}},
                          {"participant", Json::array({{{"individual", {{"display", doctorName(row.dept, row.title)}}}}})},
                          {"period", {{"start", dateIso(row.day) + "T" + row.time + ":00+08:00"}}},
                          {"serviceProvider", displayWithEnglish(std::string("Organization/dept-") + dept.code, dept.name, dept.nameEn)}};
        if (row.diagnosis) {
            encounter["contained"] = Json::array({{{"resourceType", "Condition"},
                                                   {"id", "dx1"},
                                                   {"subject", {{"reference", "Patient/" + pid}}},
                                                   {"code", {{"text", row.diagnosis}}}}});
            encounter["diagnosis"] = Json::array({{{"condition", {{"reference", "#dx1"}}}, {"rank", 1}}});
        }
        encounters.emplace_back(fmt::format("enc-{}-{}", personId, v + 1), std::move(encounter));
    }
    struct PaidItemRow {
        const char* code;
        const char* text;
        const char* english;  // null: this HIS has no English name for it
        int64_t fen;
    };
    struct PaidRow {
        int day;
        const char* time;
        const char* channel;
        int64_t insuranceFen;  // of the total
        std::vector<PaidItemRow> items;
    };
    static const std::vector<PaidRow> kPaid = {
        {-2, "09:48", "wechat", 0, {{"110200001", "门诊诊查费", "Consultation fee", 2500}, {"250101001", "血常规（五分类）", "Complete blood count", 2500}}},
        {-9, "15:02", "alipay", 0, {{"210300001", "胸部CT平扫", "Chest CT scan", 32000}}},
        {-23, "10:41", "insurance", 8860, {{"X-A02BC01", "奥美拉唑肠溶胶囊 20mg×14粒", "Omeprazole capsules 20 mg × 14", 8860}}},
        {-41, "09:20", "bankcard", 3000, {{"250301001", "糖化血红蛋白测定", "HbA1c test", 6000}, {"X-A10BA02", "二甲双胍片 0.5g×48片", nullptr, 2450}}},
        {-60, "15:55", "cash", 0, {{"220600001", "验光", "Refraction test", 1500}}},
        {-75, "10:30", "wechat", 0, {{"110200001", "门诊诊查费", "Consultation fee", 5000}}},
        {-96, "11:50", "alipay", 0, {{"X-D07AC01", "糠酸莫米松乳膏 10g", "Mometasone cream 10 g", 3260}}},
    };
    const size_t paidCount = personIndex == 0 ? kPaid.size() : 3;
    for (size_t n = 0; n < paidCount; ++n) {
        const PaidRow& row = kPaid[n];
        Json details = Json::array();
        int64_t total = 0;
        for (size_t i = 0; i < row.items.size(); ++i) {
            const PaidItemRow& item = row.items[i];
            const std::string chargeId = fmt::format("chg-{}-h{}{}", personId, n + 1, static_cast<char>('a' + i));
            Json codeable{{"coding", Json::array({{{"system", "urn:yizhan:charge-code"}, {"code", item.code}}})}, {"text", item.text}};
            if (item.english) {
                codeable["_text"] = {{"extension", Json::array({{{"url", fhir::kExtTranslation},
                                                                {"extension", Json::array({{{"url", "lang"}, {"valueCode", "en"}},
                                                                                           {{"url", "content"}, {"valueString", item.english}}})}}})}};
            }
            charges.emplace_back(chargeId, Json{{"resourceType", "ChargeItem"},
                                                {"status", "billed"},
                                                {"code", codeable},
                                                {"subject", {{"reference", "Patient/" + pid}}},
                                                {"quantity", {{"value", 1}}},
                                                {"priceOverride", {{"value", static_cast<double>(item.fen) / 100.0}, {"currency", "CNY"}}},
                                                {"enteredDate", dateIso(row.day) + "T08:30:00+08:00"},
                                                {"extension", Json::array({extensionString(fhir::kExtInsuranceClass, "B"), extensionInt(fhir::kExtFee, item.fen)})}});
            details.push_back({{"type", {{"coding", Json::array({{{"system", "http://terminology.hl7.org/CodeSystem/payment-type"}, {"code", "payment"}}})}}},
                               {"request", {{"reference", "ChargeItem/" + chargeId}}}});
            total += item.fen;
        }
        Json payment = {{"resourceType", "PaymentReconciliation"},
                        {"status", "active"},
                        {"identifier", Json::array({identifier(fhir::kSystemKioskTrade, fmt::format("SEED-PAY-{}-{}", personId, n + 1))})},
                        {"created", dateIso(row.day) + "T" + row.time + ":00+08:00"},
                        {"paymentDate", dateIso(row.day)},
                        {"paymentAmount", {{"value", static_cast<double>(total) / 100.0}, {"currency", "CNY"}}},
                        {"outcome", "complete"},
                        {"detail", details},
                        {"extension", Json::array({extensionInt(fhir::kExtFee, total), extensionInt("urn:yizhan:ext:insurance-fen", row.insuranceFen),
                                                   extensionInt("urn:yizhan:ext:cash-fen", total - row.insuranceFen),
                                                   {{"url", "urn:yizhan:ext:patient"}, {"valueReference", {{"reference", "Patient/" + pid}}}},
                                                   {{"url", "urn:yizhan:ext:channel"}, {"valueCode", row.channel}},
                                                   extensionString("urn:yizhan:ext:invoice-number",
                                                                   fmt::format("FP{}{:02}{:03}", dateIso(row.day).substr(0, 4), personIndex + 1, n + 1))})}};
        if (std::string_view(row.channel) == "wechat" || std::string_view(row.channel) == "alipay") {
            payment["paymentIdentifier"] = {{"system", std::string("urn:yizhan:channel:") + row.channel},
                                            {"value", fmt::format("4200{:04}{:02}", personIndex, n + 1)}};
        }
        payments.emplace_back(fmt::format("pay-seed-{}-{}", personId, n + 1), std::move(payment));
    }
}

}  // namespace

int64_t TitleFees::forTitle(std::string_view title) const {
    if (title == "主任医师") return chief;
    if (title == "副主任医师") return associate;
    if (title == "主治医师") return attending;
    return general;  // 普通门诊, and any title the table does not know
}

Result<void> writeReportPdf(const std::filesystem::path& file, const std::string& title, const std::string& patientLine,
                            const std::vector<std::array<std::string, 4>>& rows) {
    constexpr double kA4Width = 595.0;
    constexpr double kA4Height = 842.0;
    cairo_surface_t* surface = cairo_pdf_surface_create(file.c_str(), kA4Width, kA4Height);
    if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(surface);
        return fail(Errc::io_error, "cannot create PDF " + file.string());
    }
    cairo_t* cr = cairo_create(surface);
    cairo_select_font_face(cr, "Noto Sans CJK SC", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
    cairo_set_font_size(cr, 18);
    cairo_move_to(cr, 50, 60);
    cairo_show_text(cr, "一站示范医院 Yizhan Demonstration Hospital");
    cairo_set_font_size(cr, 16);
    cairo_move_to(cr, 50, 95);
    cairo_show_text(cr, title.c_str());
    cairo_select_font_face(cr, "Noto Sans CJK SC", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, 11);
    cairo_move_to(cr, 50, 120);
    cairo_show_text(cr, patientLine.c_str());
    cairo_move_to(cr, 50, 130);
    cairo_line_to(cr, kA4Width - 50, 130);
    cairo_stroke(cr);
    double y = 155;
    for (const auto& row : rows) {
        // A long panel continues on the next page (the footer keeps its place on each).
        if (y > kA4Height - 90) {
            cairo_move_to(cr, 50, kA4Height - 60);
            cairo_show_text(cr, "本报告仅供示范 · Demonstration data, not a medical record");
            cairo_show_page(cr);
            y = 60;
        }
        const double columns[] = {50, 250, 340, 430};
        for (size_t c = 0; c < row.size(); ++c) {
            cairo_move_to(cr, columns[c], y);
            cairo_show_text(cr, row[c].c_str());
        }
        y += 18;
    }
    cairo_move_to(cr, 50, kA4Height - 60);
    cairo_show_text(cr, "本报告仅供示范 · Demonstration data, not a medical record");
    cairo_show_page(cr);
    cairo_destroy(cr);
    cairo_surface_finish(surface);
    const bool ok = cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS;
    cairo_surface_destroy(surface);
    if (!ok) return fail(Errc::io_error, "cannot write PDF " + file.string());
    return {};
}

Result<std::filesystem::path> renderReportPdf(const Json& spec, const std::filesystem::path& reportDir) {
    const auto file = reportDir / spec.value("file", "missing.pdf");
    if (std::filesystem::exists(file)) return file;
    std::vector<std::array<std::string, 4>> rows;
    for (const auto& row : spec.value("rows", Json::array())) rows.push_back(row.get<std::array<std::string, 4>>());
    const auto temporary = file.string() + ".tmp";
    if (auto written = writeReportPdf(temporary, spec.value("title", ""), spec.value("patient", ""), rows); !written) {
        return std::unexpected(written.error());
    }
    std::filesystem::rename(temporary, file);
    return file;
}

void refreshCalendar(ResourceStore& store, const SeedSettings& settings) {
    // Databases written by earlier versions kept the render spec inside the Binary as the
    // private fields _file/_render, which R4 does not allow: move them to their own records.
    std::vector<std::pair<std::string, Json>> movedBinaries, movedRenders;
    for (auto binary : store.find("Binary", [](const Json& b) { return b.contains("_file") || b.contains("_render"); })) {
        Json spec = binary.value("_render", Json::object());
        spec["file"] = binary.value("_file", "missing.pdf");
        binary.erase("_file");
        binary.erase("_render");
        movedRenders.emplace_back(binary.value("id", ""), spec);
        movedBinaries.emplace_back(binary.value("id", ""), binary);
    }
    if (!movedBinaries.empty()) {
        store.putMany(kReportRenderType, movedRenders);
        store.putMany("Binary", movedBinaries);
    }

    // Fees follow the title policy (PolicySettings::fees): a changed policy reprices the roles
    // and their free slots at the next start; held and booked ones keep the fee they were held at.
    std::vector<std::pair<std::string, Json>> repricedRoles, repricedSlots;
    std::map<std::string, int64_t> feeOfRole;
    for (auto role : store.find("PractitionerRole", nullptr)) {
        std::string title;
        for (const auto& e : role.value("extension", Json::array())) {
            if (e.value("url", "") == fhir::kExtTitle) title = e.value("valueString", "");
        }
        const int64_t fee = settings.fees.forTitle(title);
        const std::string roleId = role.value("id", "");
        feeOfRole[roleId] = fee;
        bool changed = false;
        for (auto& e : role["extension"]) {
            if (e.value("url", "") == fhir::kExtFee && e.value("valueInteger", int64_t{-1}) != fee) {
                e["valueInteger"] = fee;
                changed = true;
            }
        }
        if (!changed) continue;
        repricedRoles.emplace_back(roleId, role);
        for (auto slot : store.find("Slot", [&](const Json& sl) {
                 return sl.value("status", "") == "free" && sl.dump().find("PractitionerRole/" + roleId + "\"") != std::string::npos;
             })) {
            for (auto& e : slot["extension"]) {
                if (e.value("url", "") == fhir::kExtFee) e["valueInteger"] = fee;
            }
            repricedSlots.emplace_back(slot.value("id", ""), slot);
        }
    }
    store.putMany("PractitionerRole", repricedRoles);
    store.putMany("Slot", repricedSlots);

    // Slots on the days each doctor sees outpatients (five of seven; the general clinics every day), 08:00–12:00 and
    // 14:00–17:00: 30 minutes long in the busy departments (CARD RESP GAST PAED OPHT), an hour
    // elsewhere. Ids carry the date and time, so a restart adds only the missing days. The demo's
    // fully booked doctor (role-001) has every slot busy.
    const int everyNthForCounter = settings.onlineShare >= 1.0 ? 0 : static_cast<int>(1.0 / (1.0 - settings.onlineShare) + 0.5);
    std::vector<std::pair<std::string, Json>> slots;
    const auto roles = store.find("PractitionerRole", nullptr);
    for (int day = 0; day < 7; ++day) {
        const std::string date = dateIso(day);
        const std::string compact = date.substr(0, 4) + date.substr(5, 2) + date.substr(8, 2);
        const int weekday = static_cast<int>(std::chrono::weekday{std::chrono::sys_days{std::chrono::year_month_day{
            std::chrono::year{std::stoi(date.substr(0, 4))}, std::chrono::month{static_cast<unsigned>(std::stoi(date.substr(5, 2)))},
            std::chrono::day{static_cast<unsigned>(std::stoi(date.substr(8, 2)))}}}}.c_encoding());
        for (const auto& role : roles) {
            const std::string roleId = role.value("id", "");
            const int doctorNumber = std::stoi(roleId.substr(5));
            // Two days off a week for a doctor; the general clinic (no Practitioner: whoever is on
            // duty) is open every day, as a hospital's 普通门诊 is.
            if (role.contains("practitioner") && (weekday + doctorNumber) % 7 >= 5) continue;
            const std::string deptRef = role["organization"].value("reference", "");
            const int length = slotMinutesOf(deptRef.substr(13));
            int slotOfDay = 0;
            for (int minutes = 8 * 60; minutes + length <= 17 * 60; minutes += length) {
                if (minutes >= 12 * 60 && minutes < 14 * 60) continue;  // lunch break
                if (minutes < 12 * 60 && minutes + length > 12 * 60) continue;
                ++slotOfDay;
                const std::string id = fmt::format("slot-{}-{}-{:02}{:02}", roleId.substr(5), compact, minutes / 60, minutes % 60);
                if (store.get("Slot", id)) continue;
                const bool counterOnly = everyNthForCounter > 0 && (slotOfDay + doctorNumber) % everyNthForCounter == 0;
                const bool fullyBooked = roleId == kFullyBookedRole;
                const std::string status = fullyBooked ? "busy" : counterOnly ? "busy-unavailable" : "free";
                slots.emplace_back(
                    id, Json{{"resourceType", "Slot"},
                             {"schedule", {{"reference", "Schedule/sch-" + roleId.substr(5)}}},
                             {"serviceType", Json::array({{{"coding", Json::array({{{"system", fhir::kSystemDepartment}, {"code", deptRef.substr(13)}}})}}})},
                             {"status", status},
                             {"start", slotTime(date, minutes)},
                             {"end", slotTime(date, minutes + length)},
                             {"extension", Json::array({extensionInt(fhir::kExtFee, feeOfRole[roleId]),
                                                        {{"url", "urn:yizhan:ext:practitioner-role"}, {"valueReference", {{"reference", "PractitionerRole/" + roleId}}}}})}});
                // R4 strings are never empty (json.html): a free slot has no comment at all.
                if (status == "busy-unavailable") slots.back().second["comment"] = "kept for the registration counter";
                if (fullyBooked) slots.back().second["comment"] = "fully booked (demo)";
            }
        }
    }
    store.putMany("Slot", slots);

    // Appointments: the demo cases (sim/hospital/README.md "Demo cases"), placed relative to the
    // time the simulator starts so that every case can be shown whenever the demo runs (times
    // are kept inside today: the "too early" case needs a start before 22:30, the "late" one after
    // 03:00 hospital time). Each is rewritten at every start while untouched (same status), so a
    // restart later in the day keeps the cases true; one a patient changed (checked in,
    // cancelled) is kept. Four other patients are already waiting for role-003; the first
    // generated patient missed three appointments in the last 90 days (the blacklist).
    std::vector<std::pair<std::string, Json>> appointments;
    const std::string today = dateIso(0);
    const std::string compactToday = today.substr(0, 4) + today.substr(5, 2) + today.substr(8, 2);
    const int nowMinute = [] {
        const std::string now = nowIso();  // YYYY-MM-DDThh:mm:ss+08:00
        return std::stoi(now.substr(11, 2)) * 60 + std::stoi(now.substr(14, 2));
    }();
    int codeIndex = 0;
    auto appointment = [&](const std::string& id, const std::string& patient, const std::string& role, const std::string& dept,
                           const std::string& date, int startMinute, int length, const std::string& status, int queue, bool overwrite) {
        ++codeIndex;
        if (auto existing = store.get("Appointment", id); existing && (!overwrite || existing->value("status", "") != status)) return;
        startMinute = std::clamp(startMinute, 0, 23 * 60 + 29);
        const int endMinute = std::min(startMinute + length, 23 * 60 + 59);
        Json a = {{"resourceType", "Appointment"},
                  {"status", status},
                  {"identifier", Json::array({identifier(fhir::kSystemAppointmentCode,
                                                          fmt::format("YY{}9{:05}", date.substr(0, 4) + date.substr(5, 2) + date.substr(8, 2), codeIndex))})},
                  {"start", slotTime(date, startMinute)},
                  {"end", slotTime(date, endMinute)},
                  {"serviceType", Json::array({{{"coding", Json::array({{{"system", fhir::kSystemDepartment}, {"code", dept}}})}}})},
                  {"participant", Json::array({{{"actor", {{"reference", "Patient/" + patient}}}, {"status", "accepted"}},
                                               {{"actor", {{"reference", "PractitionerRole/" + role}}}, {"status", "accepted"}}})},
                  {"extension", Json::array({extensionInt(fhir::kExtFee, feeOfRole[role])})}};
        if (queue > 0) a["extension"].push_back(extensionInt(fhir::kExtQueueNumber, queue));
        appointments.emplace_back(id, a);
    };
    // The demo people (assets/sim/people.json), role-003 = 心血管内科 主治医师 unless said:
    struct DemoCase {
        const char* person;
        const char* role;
        const char* dept;
        int dayOffset;
        int startMinute;  // of the day
        const char* status;
        int queue;
    };
    const DemoCase cases[] = {
        {"zhang-san", "role-003", "dept-CARD", 0, nowMinute - 5, "booked", 0},       // inside the window: one-tap check-in
        {"li-jun", "role-003", "dept-CARD", 0, nowMinute + 20, "booked", 0},         // inside the window (starts soon)
        {"wang-xinkun", "role-003", "dept-CARD", 0, nowMinute + 180, "booked", 0},   // too early: opens in about 2 hours
        {"chen-zhe", "role-003", "dept-CARD", 0, nowMinute - 180, "booked", 0},      // late: the late policy applies
        {"zhao-shenjing", "role-002", "dept-CARD", 0, nowMinute - 20, "arrived", 3}, // already checked in: ticket again
        {"ouyang-nana", "role-004", "dept-RESP", 2, 9 * 60, "booked", 0},            // a future appointment to cancel
    };
    for (const auto& c : cases) {
        const std::string date = dateIso(c.dayOffset);
        const std::string compact = date.substr(0, 4) + date.substr(5, 2) + date.substr(8, 2);
        appointment(fmt::format("appt-{}-{}", compact, c.person), std::string("pat-") + c.person, c.role, c.dept, date, c.startMinute,
                    slotMinutesOf(c.dept), c.status, c.queue, true);
    }
    for (int i = 0; i < 4; ++i) {
        appointment(fmt::format("appt-{}-waiting-{}", compactToday, i + 1), fmt::format("pat-gen-{:02}", i + 2), "role-003", "dept-CARD",
                    today, std::min(nowMinute - 30, 8 * 60 + 30 * (i % 2)), 30, "arrived", i + 1, false);
    }
    for (int i = 0; i < 2; ++i) {  // ahead of zhao-shenjing at role-002
        appointment(fmt::format("appt-{}-waiting2-{}", compactToday, i + 1), fmt::format("pat-gen-{:02}", i + 6), "role-002", "dept-CARD",
                    today, std::min(nowMinute - 30, 8 * 60), 30, "arrived", i + 1, false);
    }
    for (int i = 0; i < 3; ++i) {
        appointment(fmt::format("appt-noshow-{}", i + 1), "pat-gen-01", "role-001", "dept-CARD", dateIso(-10 - 20 * i), 9 * 60, 30, "noshow", 0,
                    true);
    }
    store.putMany("Appointment", appointments);
}

Result<void> seedHospital(ResourceStore& store, const SeedSettings& settings) {
    std::ifstream peopleStream(settings.peopleFile);
    const Json peopleDoc = Json::parse(peopleStream, nullptr, false);
    if (peopleDoc.is_discarded() || !peopleDoc.contains("people")) {
        return fail(Errc::invalid_data, "cannot read people from " + settings.peopleFile.string());
    }
    std::filesystem::create_directories(settings.reportDir);

    // Departments (Organization) and their services.
    std::vector<std::pair<std::string, Json>> organizations;
    std::vector<DepartmentRow> allDepartments(std::begin(kDepartments), std::end(kDepartments));
    allDepartments.insert(allDepartments.end(), std::begin(kMoreDepartments), std::end(kMoreDepartments));
    for (const auto& dept : allDepartments) {
        organizations.emplace_back(
            std::string("dept-") + dept.code,
            Json{{"resourceType", "Organization"},
                 {"identifier", Json::array({identifier(fhir::kSystemDepartment, dept.code)})},
                 {"active", true},
                 {"type", Json::array({{{"coding", Json::array({{{"system", "http://terminology.hl7.org/CodeSystem/organization-type"},
                                                                  {"code", "dept"}}})}}})},
                 {"name", dept.name},
                 {"partOf", {{"reference", "Organization/hospital"}}},
                 {"extension", Json::array({extensionString(fhir::kExtNameEn, dept.nameEn),
                                            extensionString(fhir::kExtLocation, dept.location)})}});
    }
    organizations.emplace_back("hospital", Json{{"resourceType", "Organization"}, {"active", true}, {"name", "一站示范医院"}});
    store.putMany("Organization", organizations);

    // Doctors: three per department, one of each title (fees by title: PolicySettings::fees);
    // their slots are written by refreshCalendar().
    std::vector<std::pair<std::string, Json>> practitioners, roles, schedules;
    int doctorIndex = 0;
    for (const auto& dept : kDepartments) {
        for (int t = 0; t < 3; ++t, ++doctorIndex) {
            const std::string name = std::string(kSurnames[(doctorIndex * 7) % std::size(kSurnames)]) +
                                     kGivenNames[(doctorIndex * 5 + 3) % std::size(kGivenNames)];
            const std::string practitionerId = fmt::format("dr-{:03}", doctorIndex + 1);
            const std::string roleId = fmt::format("role-{:03}", doctorIndex + 1);
            const std::string scheduleId = fmt::format("sch-{:03}", doctorIndex + 1);
            const std::string deptId = std::string("dept-") + dept.code;
            practitioners.emplace_back(practitionerId, Json{{"resourceType", "Practitioner"},
                                                            {"active", true},
                                                            {"name", Json::array({{{"text", name}}})}});
            roles.emplace_back(roleId, Json{{"resourceType", "PractitionerRole"},
                                            {"active", true},
                                            {"practitioner", {{"reference", "Practitioner/" + practitionerId}, {"display", name}}},
                                            {"organization", {{"reference", "Organization/" + deptId}, {"display", dept.name}}},
                                            {"code", Json::array({{{"text", kTitles[t]}}})},
                                            {"specialty", Json::array({{{"text", dept.specialties[static_cast<size_t>(t)]}}})},
                                            {"extension", Json::array({extensionString(fhir::kExtTitle, kTitles[t]),
                                                                       extensionInt(fhir::kExtFee, settings.fees.forTitle(kTitles[t]))})}});
            schedules.emplace_back(scheduleId, Json{{"resourceType", "Schedule"},
                                                    {"active", true},
                                                    {"serviceType", Json::array({{{"coding", Json::array({{{"system", fhir::kSystemDepartment}, {"code", deptId}}})}}})},
                                                    {"actor", Json::array({{{"reference", "PractitionerRole/" + roleId}, {"display", name}}})}});
        }
    }
    // The "any doctor" general clinic (普通门诊) of every department: a PractitionerRole of the
    // department with no Practitioner (whoever is on duty sees the patient), role-046…060, then
    // the added departments' role-061…068.
    for (const auto& dept : allDepartments) {
        ++doctorIndex;
        const std::string roleId = fmt::format("role-{:03}", doctorIndex);
        const std::string deptId = std::string("dept-") + dept.code;
        roles.emplace_back(roleId, Json{{"resourceType", "PractitionerRole"},
                                        {"active", true},
                                        {"organization", {{"reference", "Organization/" + deptId}, {"display", dept.name}}},
                                        {"code", Json::array({{{"text", kGeneralClinic}}})},
                                        {"specialty", Json::array({{{"text", std::string(dept.name) + kGeneralClinic}}})},
                                        {"extension", Json::array({extensionString(fhir::kExtTitle, kGeneralClinic),
                                                                   extensionInt(fhir::kExtFee, settings.fees.forTitle(kGeneralClinic))})}});
        schedules.emplace_back(fmt::format("sch-{:03}", doctorIndex),
                               Json{{"resourceType", "Schedule"},
                                    {"active", true},
                                    {"serviceType", Json::array({{{"coding", Json::array({{{"system", fhir::kSystemDepartment}, {"code", deptId}}})}}})},
                                    {"actor", Json::array({{{"reference", "PractitionerRole/" + roleId}, {"display", kGeneralClinic}}})}});
    }
    store.putMany("Practitioner", practitioners);
    store.putMany("PractitionerRole", roles);
    store.putMany("Schedule", schedules);

    // Patients: the people of people.json, plus generated ones.
    std::vector<std::pair<std::string, Json>> patients, healthTokens;
    for (const auto& person : peopleDoc["people"]) {
        const std::string id = "pat-" + person.value("id", "");
        const std::string healthCardId = "HC" + person.value("id_number", "").substr(0, 6) + person.value("hospital_card", "").substr(1);
        patients.emplace_back(id, patientResource(id, person.value("name", ""), person.value("id_number", ""),
                                                  person.value("ss_card_number", ""), person.value("hospital_card", ""),
                                                  healthCardId, person.value("sex", "1"), person.value("birth_date", ""),
                                                  person.value("phone", ""), person.value("address", "")));
        if (person.contains("health_card_token")) {
            healthTokens.emplace_back(person["health_card_token"].get<std::string>(),
                                      Json{{"patient", id}, {"health_card_id", healthCardId}, {"kind", "static"}, {"used", false}});
        }
    }
    const char* generatedNames[] = {"孙淼", "钱昊", "冯䶮", "褚晔", "卫彧", "蒋骞", "沈昶", "韩翯", "杨旻", "秦琇",
                                    "尤璟", "许犇", "何妧", "吕骉", "施瑄", "张嫚", "孔垚", "曹玹", "严珩", "华鑫"};
    for (size_t i = 0; i < std::size(generatedNames); ++i) {
        const std::string id = fmt::format("pat-gen-{:02}", i + 1);
        // Birth dates and numbers are synthetic; the ID check digit is not computed here
        // (generated patients are found by hospital card only).
        patients.emplace_back(id, patientResource(id, generatedNames[i], fmt::format("43010219{:02}0101{:03}X", 50 + i, i),
                                                  fmt::format("GS{:07}", 1000 + i), fmt::format("H2023{:04}", i + 1), "",
                                                  i % 2 == 0 ? "1" : "2", fmt::format("19{:02}0101", 50 + i),
                                                  fmt::format("1390000{:04}", i), ""));
    }
    store.putMany("Patient", patients);
    store.putMany("healthcard.token", healthTokens);

    int personIndex = 0;
    // A ChargeItem.code: the HIS's code and Chinese name, and where it has one the English name
    // as the FHIR R4 core translation extension on the text (in "_text", R4 JSON primitives).
    auto chargeCode = [](const char* code, const char* text, const char* english) {
        Json codeable{{"coding", Json::array({{{"system", "urn:yizhan:charge-code"}, {"code", code}}})}, {"text", text}};
        if (english) {
            codeable["_text"] = {{"extension", Json::array({{{"url", fhir::kExtTranslation},
                                                            {"extension", Json::array({{{"url", "lang"}, {"valueCode", "en"}},
                                                                                       {{"url", "content"}, {"valueString", english}}})}}})}};
        }
        return codeable;
    };
    // Charges, reports and prescriptions for each demo person.
    struct ChargeRow {
        const char* code;
        const char* text;
        const char* dept;
        int64_t quantity;
        int64_t unitFen;
        const char* insuranceClass;  // A 甲类 fully covered, B 乙类 partly, C 丙类 self-pay
        const char* english;         // the HIS's English name; null: this HIS has none (as real ones often lack some)
    };
    constexpr ChargeRow kCharges[] = {
        {"250101001", "血常规（五分类）", "dept-CARD", 1, 2500, "A", "Complete blood count"},
        {"210300001", "胸部CT平扫", "dept-RESP", 1, 32000, "B", "Chest CT scan"},
        {"X-C09AA05", "雷米普利片 5mg×14片", "dept-CARD", 2, 3680, "B", "Ramipril tablets 5 mg × 14"},
        {"120400001", "静脉输液", "dept-CARD", 1, 1200, "A", "Intravenous infusion"},
        {"Z-TCM0012", "中药饮片", "dept-TCM", 7, 800, "C", nullptr},  // the herbs themselves (decoction is its own order, issue 13 item 4)
    };
    constexpr const char* kDispenseStates[] = {"preparation", "in-progress", "on-hold", "completed", "cancelled",
                                               "stopped", "declined", "entered-in-error", "unknown"};
    constexpr const char* kMedications[] = {"阿莫西林胶囊 0.25g×24粒", "布洛芬缓释胶囊 0.3g×20粒", "二甲双胍片 0.5g×48片",
                                            "氨氯地平片 5mg×28片", "复方甘草片×100片", "蒙脱石散 3g×10袋"};
    std::vector<std::pair<std::string, Json>> charges, reports, binaries, renders, requests, dispenses, orders, encounters, payments;
    for (const auto& person : peopleDoc["people"]) {
        const std::string pid = "pat-" + person.value("id", "");
        const std::string maskedName = maskPersonalData(person.value("name", ""), PersonalField::name);
        for (size_t c = 0; c < std::size(kCharges); ++c) {
            if ((c + static_cast<size_t>(personIndex)) % 5 == 4) continue;  // not everyone has every item
            const auto& row = kCharges[c];
            charges.emplace_back(fmt::format("chg-{}-{}", person.value("id", ""), c + 1),
                                 Json{{"resourceType", "ChargeItem"},
                                      {"status", "billable"},
                                      {"code", chargeCode(row.code, row.text, row.english)},
                                      {"subject", {{"reference", "Patient/" + pid}}},
                                      {"performingOrganization", {{"reference", std::string("Organization/") + row.dept}}},
                                      {"quantity", {{"value", row.quantity}}},
                                      {"priceOverride", {{"value", static_cast<double>(row.quantity * row.unitFen) / 100.0}, {"currency", "CNY"}}},
                                      {"enteredDate", dateIso(0) + "T08:10:00+08:00"},
                                      {"extension", Json::array({extensionString(fhir::kExtInsuranceClass, row.insuranceClass),
                                                                 extensionInt(fhir::kExtFee, row.quantity * row.unitFen)})}});
        }
        // Reports in every state a patient meets (issue 12 items 1 and 5), the same for each demo
        // person: a structured lab panel with high and low flags, a long one (40 rows) with
        // values that are not numbers and a missing and a reversed reference range, an imaging
        // report with its impression, one already printed at the desk, and one still pending
        // with the time it is expected. Ready ones have a real PDF (rendered on first download).
        const std::string patientLine = fmt::format("患者 Patient: {}    病历号 Record: {}", maskedName,
                                                    maskPersonalData(person.value("hospital_card", ""), PersonalField::card_number));
        for (size_t reportIndex = 0; reportIndex < demoReports().size(); ++reportIndex) {
            const SeedReport& r = demoReports()[reportIndex];
            const std::string reportId = fmt::format("rpt-{}-{}", person.value("id", ""), r.suffix);
            Json report{{"resourceType", "DiagnosticReport"},
                        {"status", r.status},
                        {"category", Json::array({{{"coding", Json::array({{{"system", "http://terminology.hl7.org/CodeSystem/v2-0074"}, {"code", r.category}}})}}})},
                        {"code", {{"text", r.title}}},
                        // The name as the LIS prints it on the slip (subject.display), masked.
                        {"subject", {{"reference", "Patient/" + pid}, {"display", maskedName}}},
                        {"performer", Json::array({{{"display", r.department}}})}};
            // The lab slip's barcode (payload kind report_code): the hospital card's 8 digits and
            // the report's number, 0001–0005 in demoReports() order (12 digits, the LIS shape the
            // kiosk's default rule takes). The F2 panel computes the same (screens/app.cpp
            // simulatedLabSlipCode); README "Reports".
            const std::string card = person.value("hospital_card", "");
            if (card.size() == 9) {
                report["identifier"] = Json::array({{{"system", fhir::kSystemReportCode}, {"value", fmt::format("{}{:04}", card.substr(1), reportIndex + 1)}}});
            }
            Json extensions = Json::array();
            if (r.expectedDay != kNotPending) {
                extensions.push_back({{"url", fhir::kExtReportExpected}, {"valueDateTime", dateIso(r.expectedDay) + "T" + r.time + ":00+08:00"}});
            } else {
                report["issued"] = dateIso(r.issuedDay) + "T" + r.time + ":00+08:00";
            }
            if (r.printedElsewhere > 0) extensions.push_back(extensionInt(fhir::kExtReportPrintCount, r.printedElsewhere));
            if (!extensions.empty()) report["extension"] = extensions;
            if (!r.conclusion.empty()) report["conclusion"] = r.conclusion;
            Json rows = Json::array({Json(std::array<std::string, 4>{"项目 Item", "结果 Result", "单位 Unit", "参考范围 Range"})});
            if (!r.results.empty()) {
                Json contained = Json::array();
                Json results = Json::array();
                for (size_t i = 0; i < r.results.size(); ++i) {
                    const auto& o = r.results[i];
                    const std::string oid = fmt::format("o{}", i + 1);
                    contained.push_back(observationJson(oid, o));
                    results.push_back({{"reference", "#" + oid}});
                    rows.push_back(Json(std::array<std::string, 4>{o.item, o.shown(), o.unit, o.rangeShown()}));
                }
                report["contained"] = contained;
                report["result"] = results;
            } else {
                rows = Json::array();
                for (const auto& [label, text] : r.findings) rows.push_back(Json(std::array<std::string, 4>{label, text, "", ""}));
            }
            if (r.expectedDay == kNotPending) {
                // The Binary holds only R4 elements; how to draw its PDF is the simulator's own record.
                binaries.emplace_back("bin-" + reportId, Json{{"resourceType", "Binary"}, {"contentType", "application/pdf"}});
                renders.emplace_back("bin-" + reportId, Json{{"file", reportId + ".pdf"}, {"title", r.title}, {"patient", patientLine}, {"rows", rows}});
                report["presentedForm"] = Json::array({{{"contentType", "application/pdf"}, {"url", "Binary/bin-" + reportId}, {"title", r.title}}});
            }
            reports.emplace_back(reportId, std::move(report));
        }
        // Prescriptions (issue 13): the first person has one in every dispense state — the
        // on-hold one waits for its charge (the ramipril on the charge list: paying it makes it
        // ready), the in-progress one is ready at a window — and one more ready in locker 3 of
        // the demo locker bank; the second person one in locker 5; everybody one ready at a
        // window and one still being prepared (with the time it is expected).
        struct DispenseRow {
            std::string state;
            int locker = 0;           // 0: at its window
            std::string charge;       // unpaid: the ChargeItem to pay first
        };
        std::vector<DispenseRow> rows;
        if (personIndex == 0) {
            for (const char* state : kDispenseStates) rows.push_back({state});
            rows[2].charge = fmt::format("chg-{}-3", person.value("id", ""));  // on-hold: unpaid (ramipril, charge 3)
            rows.push_back({"in-progress", 3});
        } else {
            rows = {{"in-progress"}, {"preparation"}};
            if (personIndex == 1) rows.push_back({"in-progress", 5});
        }
        for (size_t s = 0; s < rows.size(); ++s) {
            const DispenseRow& row = rows[s];
            const std::string suffix = fmt::format("{}-{}", person.value("id", ""), s + 1);
            const std::string medication = !row.charge.empty() ? std::string("雷米普利片 5mg×14片")
                                                               : kMedications[(s + static_cast<size_t>(personIndex)) % std::size(kMedications)];
            requests.emplace_back("rx-" + suffix, Json{{"resourceType", "MedicationRequest"},
                                                       {"status", "active"},
                                                       {"intent", "order"},
                                                       {"medicationCodeableConcept", {{"text", medication}}},
                                                       {"subject", {{"reference", "Patient/" + pid}}},
                                                       {"authoredOn", dateIso(0)}});
            Json extensions = Json::array({extensionString(fhir::kExtPickupWindow, fmt::format("{}号窗口", 1 + s % 4))});
            Json dispense = {{"resourceType", "MedicationDispense"},
                             {"status", row.state},
                             {"identifier", Json::array({{{"system", fhir::kSystemPickupCode}, {"value", fmt::format("QY1000{:04}{:02}", personIndex + 1, s + 1)}}})},
                             {"medicationCodeableConcept", {{"text", medication}}},
                             {"subject", {{"reference", "Patient/" + pid}}},
                             {"authorizingPrescription", Json::array({{{"reference", "MedicationRequest/rx-" + suffix}}})},
                             {"quantity", {{"value", 2}, {"unit", "盒"}}}};
            // in-progress with whenPrepared = ready for pickup.
            if (row.state == "in-progress") dispense["whenPrepared"] = dateIso(0) + "T08:45:00+08:00";
            if (row.state == "preparation") extensions.push_back({{"url", fhir::kExtReportExpected}, {"valueDateTime", dateIso(0) + "T17:30:00+08:00"}});
            if (row.state == "completed") {
                dispense["whenPrepared"] = dateIso(-1) + "T10:00:00+08:00";
                dispense["whenHandedOver"] = dateIso(-1) + "T10:20:00+08:00";
            }
            if (row.locker > 0) {
                extensions.push_back({{"url", fhir::kExtPickupLocker},
                                      {"extension", Json::array({extensionString("terminal", kDemoLockerBank), extensionInt("number", row.locker)})}});
            }
            if (!row.charge.empty()) {
                dispense["statusReasonCodeableConcept"] = {
                    {"coding", Json::array({{{"system", fhir::kSystemDispenseStatusReason}, {"code", "unpaid"}}})}, {"text", "待缴费"}};
                extensions.push_back({{"url", fhir::kExtCharge}, {"valueReference", {{"reference", "ChargeItem/" + row.charge}}}});
            }
            dispense["extension"] = extensions;
            dispenses.emplace_back("disp-" + suffix, dispense);
        }
        // Herbal prescriptions (issue 13 item 4): everybody has one waiting for the patient's
        // choice (brew at home, decoction by the hospital, delivery); the first person also an
        // earlier one already shipped home, with the courier's tracking number.
        struct HerbalRow {
            const char* suffix;
            const char* medication;
            int doses;
            const char* status;
        };
        std::vector<HerbalRow> herbal = {{"tcm", "中药饮片（四君子汤加减）", 7, "preparation"}};
        if (personIndex == 0) herbal.push_back({"tcm-old", "中药饮片（六味地黄汤）", 14, "in-progress"});
        for (size_t h = 0; h < herbal.size(); ++h) {
            const HerbalRow& row = herbal[h];
            const std::string suffix = fmt::format("{}-{}", person.value("id", ""), row.suffix);
            requests.emplace_back("rx-" + suffix, Json{{"resourceType", "MedicationRequest"},
                                                       {"status", "active"},
                                                       {"intent", "order"},
                                                       {"medicationCodeableConcept", {{"text", row.medication}}},
                                                       {"subject", {{"reference", "Patient/" + pid}}},
                                                       {"authoredOn", dateIso(h == 0 ? 0 : -3)}});
            dispenses.emplace_back(
                "disp-" + suffix,
                Json{{"resourceType", "MedicationDispense"},
                     {"status", row.status},
                     {"category", {{"coding", Json::array({{{"system", fhir::kSystemPrescriptionCategory}, {"code", "tcm"}}})}, {"text", "中药饮片"}}},
                     {"identifier", Json::array({{{"system", fhir::kSystemPickupCode}, {"value", fmt::format("QY1000{:04}{:02}", personIndex + 1, 90 + h)}}})},
                     {"medicationCodeableConcept", {{"text", row.medication}}},
                     {"subject", {{"reference", "Patient/" + pid}}},
                     {"authorizingPrescription", Json::array({{{"reference", "MedicationRequest/rx-" + suffix}}})},
                     {"quantity", {{"value", row.doses}, {"unit", "剂"}, {"system", "urn:yizhan:unit"}, {"code", "dose"}}},
                     {"extension", Json::array({extensionString(fhir::kExtPickupWindow, "6号窗口")})}});
            if (h == 1) {
                const std::string address = person.value("address", "北京市海淀区中关村南大街5号院3号楼2单元501");
                orders.emplace_back("sr-" + suffix,
                                    Json{{"resourceType", "ServiceRequest"},
                                         {"status", "active"},
                                         {"intent", "order"},
                                         {"identifier", Json::array({{{"system", fhir::kSystemKioskTrade}, {"value", "SEED-" + suffix}},
                                                                     {{"system", fhir::kSystemDeliveryTracking},
                                                                      {"value", "SF1402335677881"},
                                                                      {"assigner", {{"display", "顺丰速运"}}}}})},
                                         {"code", {{"coding", Json::array({{{"system", fhir::kSystemTcmService}, {"code", "decoction-delivery"}}})}}},
                                         {"subject", {{"reference", "Patient/" + pid}}},
                                         {"basedOn", Json::array({{{"reference", "MedicationRequest/rx-" + suffix}}})},
                                         {"supportingInfo", Json::array({{{"reference", "MedicationDispense/disp-" + suffix}}})},
                                         {"authoredOn", dateIso(-3) + "T10:12:00+08:00"},
                                         {"occurrenceDateTime", dateIso(1) + "T18:00:00+08:00"},
                                         {"extension", Json::array({{{"url", fhir::kExtTcmStage}, {"valueCode", "shipped"}},
                                                                    extensionInt(fhir::kExtFee, 14 * 300 + 1500),
                                                                    {{"url", fhir::kExtDeliveryAddress}, {"valueAddress", {{"text", address}}}}})}});
            }
        }
        seedHistory(person.value("id", ""), pid, personIndex, encounters, charges, payments);
        ++personIndex;
    }
    // The hospital's prices of the herbal services (R4 ChargeItemDefinition): decoction per dose,
    // delivery per order.
    auto price = [](const char* code, const char* title, double yuan, bool perDose) {
        Json component = {{"type", "base"}, {"amount", {{"value", yuan}, {"currency", "CNY"}}}};
        if (perDose) component["code"] = {{"coding", Json::array({{{"system", fhir::kSystemPriceUnit}, {"code", "per-dose"}}})}};
        return Json{{"resourceType", "ChargeItemDefinition"},
                    {"url", std::string("urn:yizhan:charge-definition:") + code},
                    {"status", "active"},
                    {"title", title},
                    {"code", {{"coding", Json::array({{{"system", fhir::kSystemTcmService}, {"code", code}}})}, {"text", title}}},
                    {"propertyGroup", Json::array({{{"priceComponent", Json::array({component})}}})}};
    };
    store.putMany("ChargeItemDefinition", {{"cid-tcm-decoction", price("decoction", "中药代煎", 3.00, true)},
                                           {"cid-tcm-delivery", price("delivery", "中药配送", 15.00, false)}});
    store.putMany("ServiceRequest", orders);
    store.putMany("ChargeItem", charges);
    store.putMany("Encounter", encounters);
    store.putMany("PaymentReconciliation", payments);
    store.putMany("DiagnosticReport", reports);
    store.putMany("Binary", binaries);
    store.putMany(kReportRenderType, renders);
    store.putMany("MedicationRequest", requests);
    store.putMany("MedicationDispense", dispenses);
    return {};
}

}  // namespace kiosk::sim
