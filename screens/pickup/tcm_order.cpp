#include "screens/pickup/tcm_order.hpp"

#include "kiosk/core/log.hpp"
#include "payments/failpoint.hpp"

namespace kiosk::screens {

namespace {
auto logger() { return log::module("pickup"); }

/// The HIS may hold the order: the key stays open for the recovery.
bool outcomeUnknown(const Error& error) {
    return error.code == Errc::unknown_outcome || error.code == Errc::timeout || error.code == Errc::backend_unavailable;
}
}  // namespace

Result<backend::TcmOrder> placeTcmOrder(backend::HisDriver& his, PickupJournal& journal, const backend::TcmOrderRequest& asked) {
    backend::TcmOrderRequest request = asked;
    const std::string service(backend::tcmServiceCode(request.service));
    // An earlier order of this kiosk for the prescription whose answer was lost (ordering) or that
    // the HIS took (ordered): the same choice is asked again under ITS key (the HIS answers the
    // same order, never a second fee); another choice waits until that one is known.
    auto earlier = journal.forDispense(request.dispenseId);
    if (!earlier) return std::unexpected(earlier.error());
    const PickupRecord* open = nullptr;
    for (const PickupRecord& row : *earlier) {
        if (row.kind == "tcm" && (row.state == "ordering" || row.state == "ordered")) {
            open = &row;
            break;
        }
    }
    // A tcm row's detail is "<service>" while ordering and "<service> <ServiceRequest id>" after.
    const std::string openService = open ? open->detail.substr(0, open->detail.find(' ')) : std::string();
    if (open && openService != service && open->state == "ordering") {
        return fail(Errc::rejected, "herbal order " + open->tradeNo + " (" + openService + ") for " + request.dispenseId + " is not known yet",
                    "pickup.tcm.error.pending");
    }
    if (open && openService == service) {
        request.tradeNo = open->tradeNo;
        logger()->info("pickup {}: herbal {} for MedicationDispense/{} asked again under its key", request.tradeNo, service, request.dispenseId);
    } else if (auto begun = journal.begin({.tradeNo = request.tradeNo, .kind = "tcm", .dispenseIds = request.dispenseId, .locker = 0,
                                           .state = "ordering", .detail = service, .createdAt = {}});
               !begun) {
        return std::unexpected(begun.error());
    }
    payments::failpoint("tcm_order_journalled");
    auto order = his.orderTcmService(request);
    if (!order && order.error().code == Errc::unknown_outcome) order = his.orderTcmService(request);  // the same key: safe
    payments::failpoint("tcm_order_answered");
    if (order) {
        (void)journal.setState(request.tradeNo, "ordered", service + " " + order->orderId);
        logger()->info("pickup {}: herbal {} for MedicationDispense/{} recorded as ServiceRequest/{} ({}, fee {} fen)", request.tradeNo,
                       service, request.dispenseId, order->orderId, order->status, order->feeFen);
        return order;
    }
    if (!outcomeUnknown(order.error())) (void)journal.setState(request.tradeNo, "failed", order.error().describe());
    logger()->warn("pickup {}: herbal {} for MedicationDispense/{} not recorded{}: {}", request.tradeNo, service, request.dispenseId,
                   outcomeUnknown(order.error()) ? " (the HIS may have it: looked up at the next start)" : "", order.error().describe());
    return order;
}

}  // namespace kiosk::screens
