#pragma once
// Day reconciliation (`kiosk journal reconcile --date D`, notes/protocols.md §5 "reconcile the
// next day against the gateway's bill"): the gateway's bill and the insurance centre's day
// (3201) matched against this kiosk's journal. Every record found on one side only (or with
// other amounts) is listed with what a person should do; nothing is changed here.
//  [X] gateway: kiosk orders (out_trade_no = <kiosk order id>P) paid, refunded or open
//  [X] insurance: settlements whose ipt_otp_no is a kiosk order id, settled or cancelled
//  [X] journal orders of the day that are pending or MANUAL
//  [X] the bank-card terminal: each end-of-day settlement of the day (the batch's net on the
//      terminal) against the journal's bank-card orders of that batch
//  [X] the HIS: every DONE order's commit found by its trade_no (…H); no commit standing for an
//      order that was refunded or closed. Order by order through lookupTransaction, because the
//      HIS adapter offers no day listing of PaymentReconciliation (a FHIR search by date would
//      return the cashiers' payments too).

#include <string>
#include <vector>

#include "payments/payment_desk.hpp"

namespace kiosk::payments {

struct OneSidedRecord {
    std::string source;        ///< gateway | insurance | journal | terminal | his: where the record was found
    std::string orderId;       ///< the kiosk order (may have no journal row)
    std::string reference;     ///< out_trade_no or setl_id
    std::string remoteStatus;  ///< the gateway's / centre's status
    std::string journalState;  ///< empty when there is no journal row
    int64_t amountFen = 0;     ///< the amount in question
    std::string action;        ///< what to do
};

struct Reconciliation {
    std::string date;
    int journalOrders = 0;           ///< journal orders created that day
    int gatewayOrders = 0;           ///< kiosk orders in the gateway's bill
    int gatewayMatched = 0;
    int64_t gatewayMatchedFen = 0;   ///< money the gateway holds for DONE orders
    bool insuranceChecked = false;   ///< false when insurance is not configured
    int insuranceSettlements = 0;    ///< kiosk settlements in the centre's day
    int insuranceMatched = 0;
    int64_t insuranceMatchedFen = 0; ///< fund + account of the matched settlements
    InsuranceDay centre;             ///< the centre's own totals
    int cardSettlements = 0;         ///< card terminal settlements made that day
    int cardMatched = 0;             ///< … whose net equals the journal's
    int64_t cardMatchedFen = 0;
    int hisChecked = 0;              ///< journal orders of the day looked up at the HIS
    int hisMatched = 0;
    std::vector<OneSidedRecord> oneSided;
    bool clean() const { return oneSided.empty(); }
};

/// `date` is YYYY-MM-DD (China time, as the journal's `created`).
Result<Reconciliation> reconcileDay(PaymentDesk& desk, const std::string& date);

}  // namespace kiosk::payments
