#pragma once
// The technician's payments tab (issue 14 item 4): every payment order not settled yet from the
// payment journal (pending, UNKNOWN, MANUAL) with its masked patient, amount, age and what to do
// (re-query now through the payment desk's recovery; the help-desk text for a MANUAL order), and
// today's reconciliation against the gateway, insurance centre, card terminal and HIS
// (payments/reconciliation.hpp), printable on the receipt printer.
//
//  [X] list, re-query now (the desk's recovery, as between patients), reconcile, print
//  [ ] "mark handled" for a MANUAL order: needs a journal write (the saga journal is being
//      changed by the registration work; this tab only reads it)

#include <memory>
#include <mutex>
#include <optional>

#include "payments/reconciliation.hpp"
#include "payments/saga_journal.hpp"
#include "screens/screen.hpp"

namespace kiosk::screens {

class PaymentsScreen final : public Screen {
public:
    std::string_view id() const override { return "technician.payments"; }
    void onEnter(ScreenContext& context) override;
    void onExit(ScreenContext& context) override;
    void draw(const ScreenContext& context, Ui& ui) const override;
    Transition onEvent(ScreenContext& context, const UiEvent& event) override;
    std::optional<std::chrono::seconds> idleTimeout() const override { return std::chrono::seconds(300); }

private:
    void reloadOrders(const ScreenContext& context);
    void reconcile(ScreenContext& context);

    std::vector<payments::PaymentOrder> orders_;  ///< unsettled, oldest first
    std::string ordersError_;                     ///< why the journal could not be read
    std::string today_;                           ///< YYYY-MM-DD, hospital time
    /// Today's reconciliation: none while it runs on a worker.
    std::optional<Result<payments::Reconciliation>> reconciliation_;
    /// The worker's answer, handed to the UI thread at its wake-up event.
    std::shared_ptr<std::pair<std::mutex, std::optional<Result<payments::Reconciliation>>>> inbox_;
    std::string printStatusKey_;  ///< i18n key: printing, printed, print failed
    bool requerying_ = false;
    std::string leaveReason_ = "timed_out";
};

}  // namespace kiosk::screens
