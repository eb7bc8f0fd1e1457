#pragma once
// Placing a patient's choice for a herbal prescription (TCM decoction and delivery, issue 13
// item 4) at the HIS: the step the pickup flow runs on its worker and the pickup crash matrix
// kills at each failpoint (tests/pharmacy/pickup_crash_test.cpp). The order itself moves no money
// (its fee is a ChargeItem paid through the payment saga), but it creates one: the key is journalled
// before the call so that a crash never leads to a second order, and a second fee, under a new key.

#include <array>
#include <string_view>

#include "kiosk/backend/his_driver.hpp"
#include "kiosk/core/error.hpp"
#include "screens/pickup/pickup_journal.hpp"

namespace kiosk::screens {

/// Failpoints of placeTcmOrder (KIOSK_FAILPOINT; payments/failpoint.hpp), in order.
inline constexpr std::array<std::string_view, 2> kTcmOrderFailpointSteps = {"tcm_order_journalled", "tcm_order_answered"};

/// An earlier row of this prescription still "ordering" (the answer was lost) or "ordered" with
/// the same service: asked again under that row's key (the HIS answers the same order); still
/// "ordering" with another service: refused, "pickup.tcm.error.pending", until it is known.
/// Otherwise writes request.tradeNo to the journal (kind "tcm", state "ordering", detail the service code),
/// then asks the HIS (HisDriver::orderTcmService), once more under the same key when the answer is
/// lost. The row becomes "ordered" (detail: the ServiceRequest id) or "failed" (a refusal); it
/// stays "ordering" when the HIS did not answer, for LockerPickup::recover to look up. Blocks (a
/// worker thread). Errors: the journal's (nothing asked), the HIS's (HisDriver::orderTcmService).
Result<backend::TcmOrder> placeTcmOrder(backend::HisDriver& his, PickupJournal& journal, const backend::TcmOrderRequest& request);

}  // namespace kiosk::screens
