#pragma once
// The national medical-insurance envelope over HTTP (notes/protocols.md §4; hospital-sim
// POST /insurance/api). The saga that uses it is payments/insurance_saga.hpp.
//  [X] envelope: infno, msgid (30 chars, from PaymentOrder::insuranceMsgid), opter_type 2
//  [X] a lost answer is `unknown_outcome`; re-sending the SAME msgid is safe (the centre answers
//      a repeated msgid with its first answer), so a caller retries with the same msgid
//  [X] answers checked: inf_refmsgid must be our msgid; infcode 0 = success, else `rejected`
//      with err_msg; yuan amounts with more than 2 decimals are refused (precision mismatch)
//  [X] 1101 person, 2201 register, 2204 fee upload, 2206 pre-settle, 2207 settle, 2208 cancel,
//      2601 reversal, 5203 settlement query
//  [X] 3201 day reconciliation: the centre's totals and its settlements of the day
//  [ ] sign-in (9001), 2202/2205 cancel registration / fee upload (an abandoned pre-settlement
//      moves no money; the centre expires the visit), 3202 detail file download

#include <cstdint>
#include <string>
#include <vector>

#include "kiosk/backend/http_client.hpp"
#include "kiosk/core/error.hpp"

namespace kiosk::payments {

struct InsuranceSite {
    std::string fixmedinsCode = "H43010100001";  ///< 12 characters
    std::string areaCode = "430100";             ///< mdtrtarea_admvs / insuplc_admdvs
    std::string signNo;                          ///< from 9001 sign-in (not yet implemented)
};

struct FeeLine {
    std::string serial;      ///< feedetl_sn
    std::string listCode;    ///< med_list_codg
    int64_t amountFen = 0;
};

/// 1101's answer: who the credential belongs to (for identifying a patient by e-voucher).
struct InsurancePerson {
    std::string psnNo;
    std::string name;
    std::string idNumber;  ///< certno when psn_cert_type is 01 (resident ID)
};

struct InsuranceSplit {
    std::string mdtrtId;
    std::string setlId;      ///< 2207 only
    int64_t totalFen = 0;    ///< medfee_sumamt
    int64_t fundFen = 0;     ///< fund_pay_sumamt
    int64_t accountFen = 0;  ///< acct_pay
    int64_t cashFen = 0;     ///< psn_cash_pay
};

/// One settlement in the centre's day (3201).
struct InsuranceSettlementRecord {
    std::string setlId;
    std::string mdtrtId;
    std::string psnNo;
    std::string iptOtpNo;   ///< the outpatient number sent at 2201: the kiosk's order id
    std::string status;     ///< settled | cancelled
    std::string setlTime;
    InsuranceSplit split;
};

struct InsuranceDay {
    std::string date;          ///< YYYY-MM-DD
    int64_t settledCount = 0;  ///< settlements still standing (status settled)
    int64_t totalFen = 0, fundFen = 0, accountFen = 0, cashFen = 0;  ///< of the standing ones
    std::vector<InsuranceSettlementRecord> settlements;  ///< every settlement of the day
};

class InsuranceClient {
public:
    /// `settings.baseUrl` is the centre's root, e.g. "http://127.0.0.1:18080/insurance".
    InsuranceClient(backend::HttpSettings settings, InsuranceSite site) : http_(std::move(settings)), site_(std::move(site)) {}
    const backend::HttpSettings& settings() const { return http_.settings(); }

    /// psn_no of a person by credential type (01 e-voucher, 02 ID card, 03 SS card).
    Result<std::string> personNumber(const std::string& msgid, const std::string& certType, const std::string& certNo);
    /// 1101 with the whole base information (psn_no, name, ID number).
    Result<InsurancePerson> person(const std::string& msgid, const std::string& certType, const std::string& certNo);
    /// 2201: registers the visit; gives mdtrt_id. `iptOtpNo` (the outpatient number) is the
    /// kiosk's order id, so that the centre's day can be matched to the journal; empty = msgid.
    Result<std::string> registerVisit(const std::string& msgid, const std::string& psnNo, const std::string& iptOtpNo = {});
    Result<void> uploadFees(const std::string& msgid, const std::string& mdtrtId, const std::vector<FeeLine>& fees);
    Result<InsuranceSplit> preSettle(const std::string& msgid, const std::string& mdtrtId, int64_t totalFen);
    Result<InsuranceSplit> settle(const std::string& msgid, const std::string& mdtrtId, int64_t totalFen);
    Result<InsuranceSplit> querySettlement(const std::string& msgid, const std::string& setlId, std::string* status = nullptr);
    Result<void> cancelSettlement(const std::string& msgid, const std::string& setlId);
    /// 3201: the centre's settlements of `date` (YYYY-MM-DD) with their totals; the totals are
    /// checked against the list (a day that does not add up is invalid_answer).
    Result<InsuranceDay> reconcileDay(const std::string& msgid, const std::string& date);
    /// 2601: reverses the message `originalMsgid` of code `originalInfno`.
    Result<void> reverse(const std::string& msgid, const std::string& originalMsgid, const std::string& originalInfno);

private:
    Result<std::string> envelope(const std::string& infno, const std::string& msgid, const std::string& inputJson);

    backend::HttpClient http_;
    InsuranceSite site_;
};

}  // namespace kiosk::payments
