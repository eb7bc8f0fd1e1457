#include "payments/insurance_client.hpp"

#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>

namespace kiosk::payments {

namespace {

using Json = nlohmann::json;

std::string yuanText(int64_t fen) { return fmt::format("{}.{:02}", fen / 100, fen % 100); }

/// Yuan (two decimals, as the national interface sends them) to fen; more precision than that
/// is a precision mismatch and refused, never rounded away.
Result<int64_t> toFen(const Json& output, const char* key) {
    if (!output.contains(key) || !output[key].is_number()) {
        return fail(Errc::invalid_answer, fmt::format("insurance answer lacks the amount {}", key), "payments.insurance_invalid");
    }
    const double yuan = output[key].get<double>();
    const double fen = yuan * 100.0;
    if (std::fabs(fen - std::round(fen)) > 1e-6 || yuan < 0) {
        return fail(Errc::invalid_answer, fmt::format("insurance amount {} = {} is not whole fen", key, yuan), "payments.insurance_invalid");
    }
    return static_cast<int64_t>(std::llround(fen));
}

Result<InsuranceSplit> readSplit(const Json& output) {
    if (!output.contains("setlinfo") || !output["setlinfo"].is_object()) {
        return fail(Errc::invalid_answer, "insurance answer without setlinfo", "payments.insurance_invalid");
    }
    const Json& setl = output["setlinfo"];
    InsuranceSplit split;
    split.mdtrtId = setl.value("mdtrt_id", "");
    split.setlId = setl.value("setl_id", "");
    auto total = toFen(setl, "medfee_sumamt");
    auto fund = toFen(setl, "fund_pay_sumamt");
    auto account = toFen(setl, "acct_pay");
    auto cash = toFen(setl, "psn_cash_pay");
    for (const auto* part : {&total, &fund, &account, &cash}) {
        if (!*part) return std::unexpected(part->error());
    }
    split.totalFen = *total;
    split.fundFen = *fund;
    split.accountFen = *account;
    split.cashFen = *cash;
    if (split.fundFen + split.accountFen + split.cashFen != split.totalFen) {
        return fail(Errc::invalid_answer, fmt::format("insurance split does not add up: {} + {} + {} != {} fen", split.fundFen, split.accountFen,
                                                      split.cashFen, split.totalFen), "payments.insurance_invalid");
    }
    return split;
}

}  // namespace

Result<std::string> InsuranceClient::envelope(const std::string& infno, const std::string& msgid, const std::string& inputJson) {
    if (msgid.size() != 30) return fail(Errc::invalid_argument, "insurance msgid must be 30 characters");
    const Json request = {{"infno", infno},
                          {"msgid", msgid},
                          {"mdtrtarea_admvs", site_.areaCode},
                          {"insuplc_admdvs", site_.areaCode},
                          {"opter_type", "2"},  // self-service terminal
                          {"fixmedins_code", site_.fixmedinsCode},
                          {"sign_no", site_.signNo},
                          {"input", Json::parse(inputJson)}};
    backend::HttpRequest http;
    http.method = "POST";
    http.target = "api";
    http.accept = "application/json";
    http.headers.emplace_back("Content-Type", "application/json");
    http.body = request.dump();
    auto answer = http_.perform(http);
    if (!answer) {
        if (answer.error().maybeDelivered) {
            return fail(Errc::unknown_outcome, "insurance " + infno + " " + msgid + ": " + answer.error().detail, "payments.confirming");
        }
        return fail(Errc::backend_unavailable, "insurance " + infno + ": " + answer.error().detail, "payments.insurance_unavailable");
    }
    if (answer->status >= 500) {
        return fail(Errc::unknown_outcome, fmt::format("insurance {} {}: HTTP {}", infno, msgid, answer->status), "payments.confirming");
    }
    const Json json = Json::parse(answer->body, nullptr, false);
    if (answer->status != 200 || !json.is_object() || !json.contains("infcode") || !json["infcode"].is_number_integer()) {
        return fail(Errc::invalid_answer, fmt::format("insurance {} answered HTTP {} without an envelope", infno, answer->status),
                    "payments.insurance_invalid");
    }
    if (json.value("inf_refmsgid", "") != msgid) {
        return fail(Errc::invalid_answer, fmt::format("insurance answer refers to msgid '{}' instead of '{}'", json.value("inf_refmsgid", ""), msgid),
                    "payments.insurance_invalid");
    }
    if (json["infcode"].get<int>() != 0) {
        return fail(Errc::rejected, fmt::format("insurance {} refused: {}", infno, json.value("err_msg", "")), "payments.insurance_rejected");
    }
    return json.value("output", Json::object()).dump();
}

Result<std::string> InsuranceClient::personNumber(const std::string& msgid, const std::string& certType, const std::string& certNo) {
    auto out = envelope("1101", msgid, Json{{"data", {{"mdtrt_cert_type", certType}, {"mdtrt_cert_no", certNo}}}}.dump());
    if (!out) return std::unexpected(out.error());
    const Json output = Json::parse(*out);
    const std::string psnNo = output.contains("baseinfo") ? output["baseinfo"].value("psn_no", "") : "";
    if (psnNo.empty()) return fail(Errc::invalid_answer, "1101 answer without psn_no", "payments.insurance_invalid");
    return psnNo;
}

Result<InsurancePerson> InsuranceClient::person(const std::string& msgid, const std::string& certType, const std::string& certNo) {
    auto out = envelope("1101", msgid, Json{{"data", {{"mdtrt_cert_type", certType}, {"mdtrt_cert_no", certNo}}}}.dump());
    if (!out) return std::unexpected(out.error());
    const Json output = Json::parse(*out, nullptr, false);
    if (output.is_discarded() || !output.contains("baseinfo") || !output["baseinfo"].is_object()) {
        return fail(Errc::invalid_answer, "1101 answer without baseinfo", "payments.insurance_invalid");
    }
    const Json& base = output["baseinfo"];
    InsurancePerson person;
    person.psnNo = base.value("psn_no", "");
    person.name = base.value("psn_name", "");
    if (base.value("psn_cert_type", "") == "01") person.idNumber = base.value("certno", "");
    if (person.psnNo.empty()) return fail(Errc::invalid_answer, "1101 answer without psn_no", "payments.insurance_invalid");
    return person;
}

Result<std::string> InsuranceClient::registerVisit(const std::string& msgid, const std::string& psnNo, const std::string& iptOtpNo) {
    auto out = envelope("2201", msgid,
                        Json{{"data", {{"psn_no", psnNo}, {"insutype", "310"}, {"ipt_otp_no", iptOtpNo.empty() ? msgid : iptOtpNo}}}}.dump());
    if (!out) return std::unexpected(out.error());
    const Json output = Json::parse(*out);
    const std::string mdtrtId = output.contains("data") ? output["data"].value("mdtrt_id", "") : "";
    if (mdtrtId.empty()) return fail(Errc::invalid_answer, "2201 answer without mdtrt_id", "payments.insurance_invalid");
    return mdtrtId;
}

Result<void> InsuranceClient::uploadFees(const std::string& msgid, const std::string& mdtrtId, const std::vector<FeeLine>& fees) {
    if (fees.empty()) return fail(Errc::invalid_argument, "no fee lines to upload");
    Json lines = Json::array();
    for (const auto& fee : fees) {
        if (fee.amountFen <= 0) return fail(Errc::invalid_argument, "fee line with a non-positive amount", "payments.bad_amount");
        lines.push_back({{"feedetl_sn", fee.serial}, {"mdtrt_id", mdtrtId}, {"med_list_codg", fee.listCode},
                         {"det_item_fee_sumamt", Json::parse(yuanText(fee.amountFen))}});
    }
    auto out = envelope("2204", msgid, Json{{"feedetail", lines}}.dump());
    if (!out) return std::unexpected(out.error());
    return {};
}

Result<InsuranceSplit> InsuranceClient::preSettle(const std::string& msgid, const std::string& mdtrtId, int64_t totalFen) {
    auto out = envelope("2206", msgid, Json{{"data", {{"mdtrt_id", mdtrtId}, {"medfee_sumamt", Json::parse(yuanText(totalFen))}}}}.dump());
    if (!out) return std::unexpected(out.error());
    auto split = readSplit(Json::parse(*out));
    if (split && split->totalFen != totalFen) {
        return fail(Errc::invalid_answer, fmt::format("pre-settle total {} fen differs from the charges' {} fen", split->totalFen, totalFen),
                    "payments.insurance_invalid");
    }
    return split;
}

Result<InsuranceSplit> InsuranceClient::settle(const std::string& msgid, const std::string& mdtrtId, int64_t totalFen) {
    auto out = envelope("2207", msgid, Json{{"data", {{"mdtrt_id", mdtrtId}, {"medfee_sumamt", Json::parse(yuanText(totalFen))}}}}.dump());
    if (!out) return std::unexpected(out.error());
    auto split = readSplit(Json::parse(*out));
    if (split && (split->setlId.empty() || split->totalFen != totalFen)) {
        return fail(Errc::invalid_answer, "2207 answer without setl_id or with another total", "payments.insurance_invalid");
    }
    return split;
}

Result<InsuranceSplit> InsuranceClient::querySettlement(const std::string& msgid, const std::string& setlId, std::string* status) {
    auto out = envelope("5203", msgid, Json{{"data", {{"setl_id", setlId}}}}.dump());
    if (!out) return std::unexpected(out.error());
    const Json output = Json::parse(*out);
    if (status) *status = output.value("status", "");
    return readSplit(output);
}

Result<void> InsuranceClient::cancelSettlement(const std::string& msgid, const std::string& setlId) {
    auto out = envelope("2208", msgid, Json{{"data", {{"setl_id", setlId}}}}.dump());
    if (!out) return std::unexpected(out.error());
    return {};
}

Result<InsuranceDay> InsuranceClient::reconcileDay(const std::string& msgid, const std::string& date) {
    auto out = envelope("3201", msgid, Json{{"data", {{"stmt_begndate", date}, {"stmt_enddate", date}, {"insutype", "310"}}}}.dump());
    if (!out) return std::unexpected(out.error());
    const Json output = Json::parse(*out);
    InsuranceDay day;
    day.date = date;
    const Json totals = output.value("data", Json::object());
    auto total = toFen(totals, "medfee_sumamt");
    auto fund = toFen(totals, "fund_pay_sumamt");
    auto account = toFen(totals, "acct_pay");
    auto cash = toFen(totals, "psn_cash_pay");
    for (const auto* part : {&total, &fund, &account, &cash}) {
        if (!*part) return std::unexpected(part->error());
    }
    if (!totals.contains("setl_cnt") || !totals["setl_cnt"].is_number_integer()) {
        return fail(Errc::invalid_answer, "3201 answer without setl_cnt", "payments.insurance_invalid");
    }
    day.settledCount = totals["setl_cnt"].get<int64_t>();
    day.totalFen = *total;
    day.fundFen = *fund;
    day.accountFen = *account;
    day.cashFen = *cash;
    InsuranceSplit standing;
    int64_t standingCount = 0;
    for (const auto& row : output.value("setldetail", Json::array())) {
        InsuranceSettlementRecord record;
        auto split = readSplit(Json{{"setlinfo", row}});
        if (!split) return std::unexpected(split.error());
        record.split = *split;
        record.setlId = split->setlId;
        record.mdtrtId = split->mdtrtId;
        record.psnNo = row.value("psn_no", "");
        record.iptOtpNo = row.value("ipt_otp_no", "");
        record.status = row.value("status", "");
        record.setlTime = row.value("setl_time", "");
        if (record.setlId.empty() || (record.status != "settled" && record.status != "cancelled")) {
            return fail(Errc::invalid_answer, "3201 settlement without setl_id or with status '" + record.status + "'", "payments.insurance_invalid");
        }
        if (record.status == "settled") {
            ++standingCount;
            standing.totalFen += split->totalFen;
            standing.fundFen += split->fundFen;
            standing.accountFen += split->accountFen;
            standing.cashFen += split->cashFen;
        }
        day.settlements.push_back(std::move(record));
    }
    if (standingCount != day.settledCount || standing.totalFen != day.totalFen || standing.fundFen != day.fundFen ||
        standing.accountFen != day.accountFen || standing.cashFen != day.cashFen) {
        return fail(Errc::invalid_answer, fmt::format("3201 totals ({} settlements, {} fen) differ from its list ({}, {} fen)", day.settledCount,
                                                      day.totalFen, standingCount, standing.totalFen), "payments.insurance_invalid");
    }
    return day;
}

Result<void> InsuranceClient::reverse(const std::string& msgid, const std::string& originalMsgid, const std::string& originalInfno) {
    auto out = envelope("2601", msgid, Json{{"data", {{"omsgid", originalMsgid}, {"oinfno", originalInfno}}}}.dump());
    if (!out) return std::unexpected(out.error());
    return {};
}

}  // namespace kiosk::payments
