// The medical-insurance centre (notes/protocols.md §4), under POST /insurance/api, with the
// national envelope:
//   request  {"infno", "msgid", "mdtrtarea_admvs", "insuplc_admdvs", "opter_type", "fixmedins_code",
//             "sign_no", "input": {…}}
//   response {"infcode" (0 = success, -1 = failure), "inf_refmsgid", "refmsg_time", "err_msg",
//             "output": {…}}
// `msgid` is 12 characters of institution code + yyyyMMddHHmmss + a 4-digit sequence: unique per
// message. A repeated msgid gets the stored answer of the first one (de-duplication), so a kiosk
// that lost an answer can re-send the same message safely; 2601 (reversal) names the original by
// `omsgid`/`oinfno`.
// Codes: 1101 person info, 2201 register visit, 2204 fee-detail upload, 2206 pre-settle,
//        2207 settle, 2208 cancel settlement, 2601 reversal, 5203 settlement query,
//        3201 day reconciliation (totals of the standing settlements + every settlement of the
//        day with its status; 3201 and 3202 are one call here).
// Queries (5203, 3201) change nothing and are answered fresh even for a repeated msgid.
// Amounts are yuan with two decimals, as in the national interface.
// Split rules: class A items ("A…" list codes) 90 % fund, class C ("C…") 0 %, others 70 %; a
// person of the fully covered group (离休, see kFullyCovered) has everything paid by the fund.
//
// Test hook (answer faults the envelope cannot express through /admin/faults, which matches
// paths only): POST /insurance/admin/answer-faults {"infno": "2206", "kind": K, "count": 1}
//   split_off    the split's fund is 1 fen more than it should be (fund + account + cash ≠ total)
//   sub_fen      the cash part carries a third decimal (a precision mismatch)
//   other_visit  the answer names another mdtrt_id (an answer for another order)
//   reject       infcode -1 without running the handler (the centre refuses)
// DELETE /insurance/admin/answer-faults clears them. GET /insurance/admin/ledger lists visits
// and settlements (the crash matrix checks against it).
#include <fmt/format.h>

#include <cctype>
#include <cmath>

#include "kiosk/backend/fhir_systems.hpp"
#include "sim/hospital/http_util.hpp"
#include "sim/hospital/modules.hpp"

namespace kiosk::sim {

namespace {

double yuan(int64_t fen) { return static_cast<double>(fen) / 100.0; }
int64_t fen(const Json& yuanValue) { return yuanValue.is_number() ? std::llround(yuanValue.get<double>() * 100.0) : 0; }

struct Answer {
    int infcode = 0;
    std::string error;
    Json output = Json::object();
};

Answer failure(std::string message) { return {-1, std::move(message), Json::object()}; }

/// The simulator's e-voucher tokens: "ECT" + ID number, or the QR shape a scanner classifies as
/// an insurance e-voucher: 2-digit region + "EC" + the 18-character ID number + 8 characters
/// (e.g. "43EC430104195611200313" "00000000"). A real token is opaque; only the centre maps it.
std::string voucherIdNumber(const std::string& token) {
    if (token.rfind("ECT", 0) == 0) return token.substr(3);
    if (token.size() >= 30 && std::isdigit(static_cast<unsigned char>(token[0])) && std::isdigit(static_cast<unsigned char>(token[1])) &&
        token.compare(2, 2, "EC") == 0) {
        return token.substr(4, 18);
    }
    return {};
}

std::optional<Json> personByCredential(ResourceStore& store, const std::string& type, const std::string& number) {
    // 01 e-voucher token ("ECT" + ID number in the simulator), 02 ID card, 03 social-security card.
    std::string system = backend::fhir::kSystemIdNumber;
    std::string value = number;
    if (type == "01") value = voucherIdNumber(number);
    if (type == "03") system = backend::fhir::kSystemSocialSecurity;
    auto found = store.findLocked("Patient", [&](const Json& p) {
        for (const auto& id : p["identifier"]) {
            if (id.value("system", "") == system && id.value("value", "") == value) return true;
        }
        return false;
    });
    if (found.empty()) return std::nullopt;
    return found.front();
}

std::string psnNo(const Json& patient) { return "PSN" + patient.value("id", ""); }

/// Persons whose fund pays everything (离休干部 in the national rules): the cash part is 0.
constexpr std::string_view kFullyCovered[] = {"PSNpat-ouyang-nana"};

bool fullyCovered(const std::string& psn) {
    for (const auto covered : kFullyCovered) {
        if (covered == psn) return true;
    }
    return false;
}

/// The settlements of one day (setl_time's date), with the totals of those still standing.
Json dayReconciliation(ResourceStore& store, const std::string& date) {
    int64_t count = 0, total = 0, fund = 0, account = 0, cash = 0;
    Json detail = Json::array();
    for (const auto& settlement : store.findLocked("ins.setl", [&](const Json& r) {
             return r.contains("setlinfo") && r["setlinfo"].value("setl_time", "").substr(0, 10) == date;
         })) {
        Json row = settlement["setlinfo"];
        row["status"] = settlement["status"];
        if (settlement["status"] == "settled") {
            ++count;
            total += fen(row["medfee_sumamt"]);
            fund += fen(row["fund_pay_sumamt"]);
            account += fen(row["acct_pay"]);
            cash += fen(row["psn_cash_pay"]);
        }
        detail.push_back(row);
    }
    return {{"data", {{"setl_cnt", count}, {"medfee_sumamt", yuan(total)}, {"fund_pay_sumamt", yuan(fund)}, {"acct_pay", yuan(account)},
                      {"psn_cash_pay", yuan(cash)}, {"stmt_begndate", date}}},
            {"setldetail", detail}};
}

Answer handle(SimContext& context, const std::string& infno, const Json& input) {
    auto& store = context.store;
    const Json data = input.value("data", Json::object());
    if (infno == "1101") {
        auto patient = personByCredential(store, data.value("mdtrt_cert_type", ""), data.value("mdtrt_cert_no", ""));
        if (!patient) return failure("人员信息不存在 (person not found)");
        std::string certno;
        for (const auto& id : (*patient)["identifier"]) {
            if (id.value("system", "") == backend::fhir::kSystemIdNumber) certno = id.value("value", "");
        }
        return {0, "", {{"baseinfo", {{"psn_no", psnNo(*patient)}, {"psn_name", (*patient)["name"][0]["text"]},
                                      {"gend", (*patient)["gender"] == "male" ? "1" : "2"}, {"brdy", (*patient)["birthDate"]},
                                      {"certno", certno}, {"psn_cert_type", "01"}}},
                        {"insuinfo", Json::array({{{"insutype", "310"}, {"balc", 1523.40}, {"psn_type", "11"}, {"insuplc_admdvs", "430100"}}})}}};
    }
    if (infno == "2201") {
        if (data.value("psn_no", "").empty()) return failure("psn_no missing");
        const std::string mdtrtId = store.nextIdLocked("MDTRT");
        store.putLocked("ins.mdtrt", mdtrtId, {{"psn_no", data["psn_no"]}, {"fees", Json::array()}, {"status", "registered"},
                                               {"mdtrt_id", mdtrtId}, {"ipt_otp_no", data.value("ipt_otp_no", "")}});
        return {0, "", {{"data", {{"mdtrt_id", mdtrtId}, {"psn_no", data["psn_no"]}, {"ipt_otp_no", data.value("ipt_otp_no", "")}}}}};
    }
    if (infno == "2204") {
        const Json fees = input.value("feedetail", Json::array());
        if (fees.empty()) return failure("feedetail empty");
        const std::string mdtrtId = fees[0].value("mdtrt_id", "");
        auto visit = store.getLocked("ins.mdtrt", mdtrtId);
        if (!visit) return failure("就诊信息不存在 (unknown mdtrt_id)");
        Json result = Json::array();
        for (const auto& fee : fees) {
            (*visit)["fees"].push_back(fee);
            // Items coded "A…" are class A (fully covered), "C…" self-pay, others class B.
            const std::string code = fee.value("med_list_codg", "B");
            const std::string cls = code.empty() ? "B" : code.substr(0, 1);
            result.push_back({{"feedetl_sn", fee.value("feedetl_sn", "")}, {"det_item_fee_sumamt", fee.value("det_item_fee_sumamt", 0.0)},
                              {"chrgitm_lv", cls == "A" ? "01" : cls == "C" ? "03" : "02"}});
        }
        store.putLocked("ins.mdtrt", mdtrtId, *visit);
        return {0, "", {{"result", result}}};
    }
    if (infno == "2206" || infno == "2207") {
        auto visit = store.getLocked("ins.mdtrt", data.value("mdtrt_id", ""));
        if (!visit) return failure("就诊信息不存在 (unknown mdtrt_id)");
        int64_t total = 0;
        int64_t fund = 0;
        for (const auto& fee : (*visit)["fees"]) {
            const int64_t amount = fen(fee.value("det_item_fee_sumamt", Json(0.0)));
            const std::string code = fee.value("med_list_codg", "B");
            total += amount;
            fund += code.rfind('A', 0) == 0 ? amount * 9 / 10 : code.rfind('C', 0) == 0 ? 0 : amount * 7 / 10;
        }
        if (fullyCovered((*visit).value("psn_no", ""))) fund = total;
        if (data.contains("medfee_sumamt") && fen(data["medfee_sumamt"]) != total) {
            return failure(fmt::format("medfee_sumamt {} does not match uploaded fees {}", yuan(fen(data["medfee_sumamt"])), yuan(total)));
        }
        Json setl = {{"mdtrt_id", data["mdtrt_id"]}, {"psn_no", (*visit)["psn_no"]}, {"medfee_sumamt", yuan(total)},
                     {"fund_pay_sumamt", yuan(fund)}, {"acct_pay", 0.0}, {"psn_cash_pay", yuan(total - fund)},
                     {"ipt_otp_no", (*visit).value("ipt_otp_no", "")}};
        if (infno == "2207") {
            if ((*visit)["status"] == "settled") return failure("already settled: " + (*visit)["setl_id"].get<std::string>());
            const std::string setlId = store.nextIdLocked("SETL");
            setl["setl_id"] = setlId;
            setl["setl_time"] = nowIso();
            store.putLocked("ins.setl", setlId, Json{{"setlinfo", setl}, {"status", "settled"}});
            (*visit)["status"] = "settled";
            (*visit)["setl_id"] = setlId;
            store.putLocked("ins.mdtrt", data["mdtrt_id"], *visit);
        }
        return {0, "", {{"setlinfo", setl}}};
    }
    if (infno == "2208" || infno == "5203") {
        auto settlement = store.getLocked("ins.setl", data.value("setl_id", ""));
        if (!settlement) return failure("结算信息不存在 (unknown setl_id)");
        if (infno == "5203") return {0, "", {{"setlinfo", (*settlement)["setlinfo"]}, {"status", (*settlement)["status"]}}};
        if ((*settlement)["status"] == "cancelled") return failure("settlement already cancelled");
        (*settlement)["status"] = "cancelled";
        store.putLocked("ins.setl", data["setl_id"], *settlement);
        return {0, "", {{"setlinfo", {{"setl_id", store.nextIdLocked("SETL")}, {"orig_setl_id", data["setl_id"]}}}}};
    }
    if (infno == "3201") {
        const std::string date = data.value("stmt_begndate", "");
        if (date.size() != 10 || data.value("stmt_enddate", date) != date) return failure("stmt_begndate must be one day (YYYY-MM-DD)");
        return {0, "", dayReconciliation(store, date)};
    }
    if (infno == "2601") {
        // Reversal of a message by its msgid: a settlement is cancelled, other messages voided.
        auto original = store.getLocked("ins.msg", data.value("omsgid", ""));
        if (!original) return {0, "", {{"note", "original message never arrived: nothing to reverse"}}};
        const Json output = (*original)["response"].value("output", Json::object());
        if (data.value("oinfno", "") == "2207" && output.contains("setlinfo")) {
            const std::string setlId = output["setlinfo"].value("setl_id", "");
            if (auto settlement = store.getLocked("ins.setl", setlId)) {
                (*settlement)["status"] = "cancelled";
                store.putLocked("ins.setl", setlId, *settlement);
            }
        }
        (*original)["reversed"] = true;
        store.putLocked("ins.msg", data["omsgid"], *original);
        return {0, "", {{"note", "reversed"}}};
    }
    return failure("unsupported infno " + infno);
}

/// Takes one armed answer fault for `infno` (stored in the store, not in this file: the
/// simulator keeps all its state there). Empty when none is armed.
std::string takeAnswerFault(ResourceStore& store, const std::string& infno) {
    auto armed = store.getLocked("ins.fault", infno);
    if (!armed || (*armed).value("count", 0) == 0) return {};
    const std::string kind = (*armed).value("kind", "");
    (*armed)["count"] = (*armed).value("count", 0) - 1;
    store.putLocked("ins.fault", infno, *armed);
    return kind;
}

}  // namespace

void installInsuranceCentre(httplib::Server& server, SimContext& context) {
    route(server, context, "POST", "/insurance/api", [&context](const httplib::Request& req, httplib::Response& res) {
        auto body = parseBody(req, res);
        if (!body) return;
        const std::string msgid = body->value("msgid", "");
        const std::string infno = body->value("infno", "");
        const bool query = infno == "5203" || infno == "3201";
        Json response = context.store.withWriteLock([&]() -> Json {
            if (!query) {
                if (auto seen = context.store.getLocked("ins.msg", msgid)) return (*seen)["response"];  // de-duplication
            }
            Answer answer;
            const auto fault = takeAnswerFault(context.store, infno);
            if (msgid.size() != 30) answer = failure("msgid must be 30 characters (institution code + time + sequence)");
            else if (body->value("opter_type", "") != "2") answer = failure("opter_type must be 2 (self-service terminal)");
            else if (fault == "reject") answer = failure("injected refusal of " + infno);
            else answer = handle(context, infno, body->value("input", Json::object()));
            if (answer.infcode == 0 && answer.output.contains("setlinfo") && !fault.empty()) {
                Json& setl = answer.output["setlinfo"];
                if (fault == "split_off") setl["fund_pay_sumamt"] = yuan(fen(setl["fund_pay_sumamt"]) + 1);
                if (fault == "sub_fen") setl["psn_cash_pay"] = setl["psn_cash_pay"].get<double>() + 0.001;
                if (fault == "other_visit") setl["mdtrt_id"] = "MDTRT-OTHER";
            }
            Json out = {{"infcode", answer.infcode}, {"inf_refmsgid", msgid}, {"refmsg_time", nowIso()},
                        {"err_msg", answer.error}, {"output", answer.output}};
            if (msgid.size() == 30 && !query) {
                context.store.putLocked("ins.msg", msgid, {{"infno", infno}, {"response", out}});
                context.faults.recordCommit(msgid);
            }
            return out;
        });
        sendJson(res, 200, response, "application/json");
    });
    // Test hooks, outside fault injection (see the header comment).
    server.Post("/insurance/admin/answer-faults", [&context](const httplib::Request& req, httplib::Response& res) {
        auto body = parseBody(req, res);
        if (!body) return;
        const std::string kind = body->value("kind", "");
        if (kind != "split_off" && kind != "sub_fen" && kind != "other_visit" && kind != "reject") {
            sendJson(res, 400, {{"error", "unknown answer fault '" + kind + "'"}}, "application/json");
            return;
        }
        context.store.withWriteLock([&] {
            context.store.putLocked("ins.fault", body->value("infno", ""), {{"kind", kind}, {"count", body->value("count", 1)}});
        });
        sendJson(res, 200, {{"armed", kind}}, "application/json");
    });
    server.Delete("/insurance/admin/answer-faults", [&context](const httplib::Request&, httplib::Response& res) {
        context.store.withWriteLock([&] {
            for (const char* infno : {"1101", "2201", "2204", "2206", "2207", "2208", "2601", "5203", "3201"}) {
                context.store.putLocked("ins.fault", infno, {{"kind", ""}, {"count", 0}});
            }
        });
        sendJson(res, 200, {{"cleared", true}}, "application/json");
    });
    server.Get("/insurance/admin/ledger", [&context](const httplib::Request&, httplib::Response& res) {
        const Json visits = context.store.find("ins.mdtrt", [](const Json&) { return true; });
        const Json settlements = context.store.find("ins.setl", [](const Json& r) { return r.contains("setlinfo") && r["setlinfo"].contains("medfee_sumamt"); });
        sendJson(res, 200, {{"visits", visits}, {"settlements", settlements}}, "application/json");
    });
}

}  // namespace kiosk::sim
