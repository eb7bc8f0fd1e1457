#include "payments/reconciliation.hpp"

#include <fmt/format.h>

#include <map>
#include <set>

namespace kiosk::payments {

namespace {

bool validDate(const std::string& date) {
    if (date.size() != 10 || date[4] != '-' || date[7] != '-') return false;
    for (size_t i = 0; i < date.size(); ++i) {
        if (i != 4 && i != 7 && !std::isdigit(static_cast<unsigned char>(date[i]))) return false;
    }
    return true;
}

std::string compactDate(const std::string& date) { return date.substr(0, 4) + date.substr(5, 2) + date.substr(8, 2); }

/// What the gateway holds for an order: paid minus refunded.
int64_t heldFen(const GatewayOrder& order) {
    if (order.status != "SUCCESS" && order.status != "REFUND") return 0;
    return order.amountFen - order.refundedFen;
}

}  // namespace

Result<Reconciliation> reconcileDay(PaymentDesk& desk, const std::string& date) {
    if (!validDate(date)) return fail(Errc::invalid_argument, "date must be YYYY-MM-DD: " + date);
    Reconciliation out;
    out.date = date;
    auto rows = desk.journal().all();
    if (!rows) return std::unexpected(rows.error());
    std::map<std::string, PaymentOrder> journal;
    for (const auto& row : *rows) journal.emplace(row.orderId, row);
    const std::string prefix = desk.journal().kioskId() + "-";  // order ids are <kiosk>-<date>-…
    const std::string day = compactDate(date);
    std::vector<const PaymentOrder*> ofTheDay;  // the journal's orders created that day
    for (const auto& row : *rows) {
        if (row.created.substr(0, 8) == day) ofTheDay.push_back(&row);
    }
    std::set<std::string> listed;  // orders already listed: one line per order and source

    auto list = [&](OneSidedRecord record) {
        if (!listed.insert(record.source + "/" + record.orderId + "/" + record.reference).second) return;
        out.oneSided.push_back(std::move(record));
    };

    // 1. The journal's own orders of the day that are not settled.
    out.journalOrders = static_cast<int>(ofTheDay.size());
    for (const PaymentOrder* order : ofTheDay) {
        const PaymentOrder& row = *order;
        if (row.state == SagaState::manual) {
            list({"journal", row.orderId, row.outTradeNo(), "", "MANUAL", row.cashFen, "MANUAL: " + row.reason + " → a person decides (refund / commit by hand)"});
        } else if (!isTerminal(row.state)) {
            list({"journal", row.orderId, row.outTradeNo(), "", std::string(stateName(row.state)), row.cashFen,
                  "pending → kiosk journal resolve --order " + row.orderId});
        }
    }

    // 2. The gateway's bill.
    auto bill = desk.gateway().bill(date);
    if (!bill) return std::unexpected(bill.error());
    std::set<std::string> inBill;
    for (const auto& remote : bill->orders) {
        const std::string& tradeNo = remote.outTradeNo;
        if (tradeNo.size() < 2 || tradeNo.back() != 'P' || tradeNo.rfind(prefix, 0) != 0) continue;  // not this kiosk's
        const std::string orderId = tradeNo.substr(0, tradeNo.size() - 1);
        ++out.gatewayOrders;
        inBill.insert(orderId);
        const int64_t held = heldFen(remote);
        const auto found = journal.find(orderId);
        if (found == journal.end()) {
            if (held > 0) {
                list({"gateway", orderId, tradeNo, remote.status, "", held,
                      fmt::format("paid at gateway, no journal row → refund {} fen (out_refund_no {}R) or back-post to the HIS", held, orderId)});
            } else if (remote.status == "NOTPAY") {
                list({"gateway", orderId, tradeNo, remote.status, "", remote.amountFen, "open gateway order, no journal row → close it"});
            }
            continue;
        }
        const PaymentOrder& order = found->second;
        if (order.state == SagaState::manual || !isTerminal(order.state)) {
            list({"journal", orderId, tradeNo, remote.status, std::string(stateName(order.state)), order.cashFen,
                  order.state == SagaState::manual ? "MANUAL: " + order.reason + " → a person decides"
                                                   : "pending → kiosk journal resolve --order " + orderId});
            continue;
        }
        if (order.amountFen != remote.amountFen) {
            list({"gateway", orderId, tradeNo, remote.status, std::string(stateName(order.state)), remote.amountFen,
                  fmt::format("amounts differ: journal {} fen, gateway {} fen → MANUAL, a person decides", order.amountFen, remote.amountFen)});
            continue;
        }
        const int64_t expected = order.state == SagaState::done ? order.cashFen : 0;
        if (held == expected && (order.state != SagaState::done || remote.status == "SUCCESS")) {
            ++out.gatewayMatched;
            out.gatewayMatchedFen += held;
        } else if (order.state == SagaState::done) {
            list({"gateway", orderId, tradeNo, remote.status, "DONE", held,
                  fmt::format("journal DONE ({} fen) but the gateway holds {} fen → investigate", order.cashFen, held)});
        } else {
            list({"gateway", orderId, tradeNo, remote.status, std::string(stateName(order.state)), held,
                  fmt::format("journal {} but the gateway holds {} fen → kiosk journal resolve / refund (out_refund_no {}R)",
                              stateName(order.state), held, orderId)});
        }
    }
    // Journal orders of the day with money at the gateway that the bill does not show.
    for (const PaymentOrder* order : ofTheDay) {
        const PaymentOrder& row = *order;
        if (row.cashFen <= 0 || row.bankCard() || inBill.contains(row.orderId)) continue;  // a card's money is the terminal's
        if (row.state != SagaState::done && row.state != SagaState::refunded) continue;
        auto remote = desk.gateway().query(row.outTradeNo(), row.amountFen);  // created on another day?
        if (remote && remote->status != "NOT_EXIST") continue;
        list({"journal", row.orderId, row.outTradeNo(), remote ? remote->status : "query failed", std::string(stateName(row.state)), row.cashFen,
              fmt::format("journal {}, not in the gateway's bill → investigate", stateName(row.state))});
    }

    // 3. The insurance centre's day.
    if (auto* insurance = desk.insurance()) {
        out.insuranceChecked = true;
        PaymentOrder query;
        query.orderId = "RECONCILE000";
        auto centre = insurance->reconcileDay(query.queryMsgid(desk.site().fixmedinsCode), date);
        if (!centre) return std::unexpected(centre.error());
        out.centre = *centre;
        std::set<std::string> settlementIds;
        for (const auto& settlement : centre->settlements) {
            if (settlement.iptOtpNo.rfind(prefix, 0) != 0) continue;  // the cashier's or another kiosk's
            ++out.insuranceSettlements;
            settlementIds.insert(settlement.setlId);
            const std::string& orderId = settlement.iptOtpNo;
            const bool standing = settlement.status == "settled";
            const int64_t insuredFen = settlement.split.fundFen + settlement.split.accountFen;
            const auto found = journal.find(orderId);
            if (found == journal.end()) {
                if (standing) {
                    list({"insurance", orderId, settlement.setlId, settlement.status, "", settlement.split.totalFen,
                          "insurance settled, no journal row → 2208 cancel " + settlement.setlId});
                }
                continue;
            }
            const PaymentOrder& order = found->second;
            const std::string state(stateName(order.state));
            if (!order.setlId.empty() && order.setlId != settlement.setlId) {
                if (standing) {
                    list({"insurance", orderId, settlement.setlId, settlement.status, state, settlement.split.totalFen,
                          "a second settlement for the order (journal has " + order.setlId + ") → 2208 cancel " + settlement.setlId});
                }
                continue;
            }
            if (order.state == SagaState::manual || !isTerminal(order.state)) {
                list({"journal", orderId, order.outTradeNo(), settlement.status, state, order.cashFen,
                      order.state == SagaState::manual ? "MANUAL: " + order.reason + " → a person decides"
                                                       : "pending → kiosk journal resolve --order " + orderId});
                continue;
            }
            if (order.state == SagaState::done) {
                if (!standing) {
                    list({"insurance", orderId, settlement.setlId, settlement.status, state, settlement.split.totalFen,
                          "journal DONE but the settlement was cancelled at the centre → investigate"});
                } else if (settlement.split.totalFen != order.totalFen || settlement.split.fundFen != order.fundFen ||
                           settlement.split.accountFen != order.accountFen || settlement.split.cashFen != order.cashFen) {
                    list({"insurance", orderId, settlement.setlId, settlement.status, state, settlement.split.totalFen,
                          fmt::format("amounts differ: journal {}/{}/{}/{} fen, centre {}/{}/{}/{} fen (total/fund/account/cash) → MANUAL",
                                      order.totalFen, order.fundFen, order.accountFen, order.cashFen, settlement.split.totalFen,
                                      settlement.split.fundFen, settlement.split.accountFen, settlement.split.cashFen)});
                } else {
                    ++out.insuranceMatched;
                    out.insuranceMatchedFen += insuredFen;
                }
            } else if (standing) {
                list({"insurance", orderId, settlement.setlId, settlement.status, state, settlement.split.totalFen,
                      "settled at the centre but the order is " + state + " → 2208 cancel " + settlement.setlId});
            } else {
                ++out.insuranceMatched;  // cancelled and refunded/closed: both sides agree nothing stands
            }
        }
        for (const PaymentOrder* order : ofTheDay) {
            const PaymentOrder& row = *order;
            if (!row.usesInsurance() || row.state != SagaState::done) continue;
            if (settlementIds.contains(row.setlId)) continue;
            list({"journal", row.orderId, row.setlId, "", "DONE", row.totalFen,
                  "journal DONE, settlement not in the centre's day → investigate"});
        }
    }

    // 4. The bank-card terminal: every settlement made that day (the terminal's batch net) against
    //    the journal's card orders in that batch, as journalled when it was settled.
    auto settlements = desk.journal().cardSettlements();
    if (!settlements) return std::unexpected(settlements.error());
    for (const auto& settlement : *settlements) {
        if (settlement.at.substr(0, 8) != day) continue;
        ++out.cardSettlements;
        // The journal as it is now (an order resolved since the settlement counts): a difference
        // that a resolve has explained is not listed again.
        auto net = desk.journal().cardBatchNet(settlement.batch);
        if (!net) return std::unexpected(net.error());
        if (*net == settlement.terminalFen) {
            ++out.cardMatched;
            out.cardMatchedFen += settlement.terminalFen;
            continue;
        }
        list({"terminal", "", "batch " + settlement.batch, "settled", "", settlement.terminalFen - *net,
              fmt::format("card batch {} settled {} fen on the terminal, the journal's card orders in it hold {} fen → compare the "
                          "terminal's settlement slip with `kiosk journal list --all` (vouchers of batch {})",
                          settlement.batch, settlement.terminalFen, *net, settlement.batch)});
    }
    // Card orders of the day paid in a batch that is settled but whose money the journal does not
    // count any more are caught above; card orders still unresolved are listed in step 1.

    // 5. The HIS: a DONE order must have its commit there; a refunded or closed one must not.
    for (const PaymentOrder* order : ofTheDay) {
        const PaymentOrder& row = *order;
        const bool shouldStand = row.state == SagaState::done;
        if (!shouldStand && row.state != SagaState::refunded && row.state != SagaState::closed) continue;  // listed above
        ++out.hisChecked;
        // A registration's HIS record is its appointment, under the hold key (booked = standing).
        const std::string hisKey = row.registration() ? row.holdKey : row.hisTradeNo();
        auto record = desk.his().lookupTransaction(hisKey);
        if (!record && record.error().code != Errc::not_found) return std::unexpected(record.error());
        const bool standing = record && record->status != "cancelled" && record->status != "entered-in-error";
        const std::string state(stateName(row.state));
        if (standing == shouldStand) {
            ++out.hisMatched;
        } else if (shouldStand) {
            list({"his", row.orderId, hisKey, record ? record->status : "not found", state, row.totalFen,
                  fmt::format("journal DONE but the HIS has no payment {} → post it at the HIS by hand (the money was taken)", hisKey)});
        } else {
            list({"his", row.orderId, hisKey, record->status, state, row.totalFen,
                  fmt::format("the HIS records payment {} ({} {}) but the order was {} → cancel it at the HIS", hisKey,
                              record->resourceType, record->resourceId, state)});
        }
    }
    return out;
}

}  // namespace kiosk::payments
