#pragma once
// The patient's payment, from the outstanding charges to the outcome, shared by the payment
// screens (screens/payment/payment_screens.hpp). The UI thread starts each step; one worker thread at a
// time (owned here) calls the HisDriver and the PaymentDesk and posts PaymentProgress; screens
// draw from view(), a snapshot taken under the lock.
//
// Money never depends on the UI staying around: once an order exists, its worker drives it to an
// outcome that the payment journal holds, even when the session ends meanwhile (reset() only
// stops the QR wait, which closes the order or finds it paid, and makes the screens ignore the
// rest). Whatever is left unknown is taken up by start-up recovery or `kiosk journal resolve`.

#include <atomic>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "kiosk/backend/his_driver.hpp"
#include "kiosk/core/identity.hpp"
#include "payments/payment_desk.hpp"
#include "screens/services.hpp"
#include "screens/ui_event.hpp"

namespace kiosk::screens {

enum class PayStage {
    idle,
    loading,     ///< asking the HIS for the patient's outstanding charges
    charges,     ///< charges listed (possibly none)
    quoting,     ///< journalling the order; with insurance: 1101 → 2201 → 2204 → 2206
    quoted,      ///< split known, nothing charged yet
    ordering,    ///< creating the gateway order
    qr,          ///< QR on screen, polling
    card,        ///< the bank-card terminal has the payment: the patient inserts / taps the card
                 ///< and types the PIN there (sign-in first when due); only the terminal can stop it
    finishing,   ///< paid (or nothing to pay in cash): settling and committing to the HIS
    outcome,     ///< the order reached the state in view().order
    stopped,     ///< a step failed before any money could move (view().error says why)
};

/// How the result screen speaks about an order's state (never "failed" while unknown).
enum class PayOutcome { received, refunded, not_charged, confirming };
PayOutcome outcomeOf(const payments::PaymentOrder& order);

struct PaymentView {
    PayStage stage = PayStage::idle;
    uint64_t generation = 0;
    std::vector<payments::ChargeLine> charges;  ///< payable now
    int64_t totalFen = 0;
    /// Outstanding charges held back because an earlier order for them is still unknown or with
    /// the help desk (paying them again could charge the patient twice), and those orders' ids.
    size_t heldBack = 0;
    int64_t heldBackFen = 0;  ///< what those charges add up to
    std::vector<std::string> heldBackOrders;
    /// Received: the pickup codes (MedicationDispense identifier urn:yizhan:pickup-code) of the
    /// prescriptions this payment paid for, printed on the receipt for the pharmacy's scanner.
    std::vector<std::string> pickupCodes;
    bool insuranceOffered = false;  ///< the patient identified with an insurance credential
    /// Insurance is configured but the patient identified with something that is not an
    /// insurance credential (e-health-card QR, hospital card): the screen says how to use it.
    bool insuranceNeedsCredential = false;
    bool quotingInsured = false;    ///< for `quoting`: with insurance (1101…2206) or self-pay
    payments::PaymentQuote quote;
    std::string channel;
    payments::PaymentOrder order;   ///< the latest journalled state of the order
    std::optional<Error> error;     ///< for `stopped`: why (nothing was charged)
    /// A bank-card terminal is attached to the desk: "bankcard" is offered beside the QR channels.
    bool bankCardOffered = false;
    /// Back at `quoted` because the card payment could not start (terminal unavailable, an
    /// earlier card payment still unknown): nothing was journalled or charged; the channel
    /// screen says why and the patient picks another channel for the same order.
    std::optional<Error> cardError;
    SteadyTime qrShownAt{};         ///< UI clock when the QR appeared (the countdown)
    /// How a CLOSED order came to be closed, for the words on the result screen.
    bool qrExpired = false;           ///< the countdown ran out (nobody pressed cancel)
    bool cancelledByPatient = false;  ///< the patient pressed cancel (or finish, and confirmed)
    bool signOutAfterCancel = false;  ///< the cancel came from "finish": sign out once nothing was charged

    /// A step is running on the worker (as opposed to waiting for the patient or showing an outcome).
    bool working() const {
        return stage == PayStage::loading || stage == PayStage::quoting || stage == PayStage::ordering ||
               stage == PayStage::finishing;
    }
};

class PaymentFlow final : public ServiceFlow {
public:
    using Post = std::function<void(UiEvent)>;
    /// `desk` may be null (no [payments] configured): every step then stops with "not available".
    PaymentFlow(std::shared_ptr<backend::HisDriver> his, std::shared_ptr<payments::PaymentDesk> desk, Post post);
    ~PaymentFlow() override;  ///< cancels a QR wait and joins every worker (an order is never abandoned mid-step)
    PaymentFlow(const PaymentFlow&) = delete;
    PaymentFlow& operator=(const PaymentFlow&) = delete;

    bool available() const { return his_ && desk_; }
    std::chrono::seconds qrTimeout() const;

    /// Wipes the patient's data (session end, or a new payment). A running worker finishes its
    /// order; its results are no longer shown.
    void reset() override;
    bool working() const override { return view().working(); }
    void loadCharges(const PatientIdentity& identity);
    void requestQuote(bool useInsurance);
    /// Pays the quote's cash part by `channel` (empty when there is no cash part): QR, wait,
    /// finish; "bankcard": the terminal (PaymentDesk::chargeCard), then finish.
    void payBy(const std::string& channel, SteadyTime now);
    /// The patient pressed cancel on the QR: the worker closes the order (or finds it paid).
    /// `thenSignOut`: the cancel came from "finish" (view().signOutAfterCancel).
    void cancelQr(bool thenSignOut = false);
    /// Back from the split or the channel to the charges: the quoted order is closed (nothing
    /// was charged: CREATED / INS_PRESETTLED move no money) and the charges are listed again,
    /// in that order on one worker, so the closed order's charges are never shown held back.
    void backToCharges();
    /// The QR expired or the card was declined (CLOSED, nothing charged): a new order for the
    /// same charges, the same choice of insurance and the same channel, and its QR (or the
    /// terminal again). With insurance the split is asked again (pre-settlement); when the cash
    /// part differs the patient confirms it again (stage `quoted`), otherwise the new code is
    /// shown (the terminal asked) at once.
    void renewQr(SteadyTime now);
    PaymentView view() const;

    /// Resolves every pending payment against the gateway, the insurance centre and the HIS on a
    /// worker of its own, taking turns with payment steps (never while one is running), then
    /// posts PaymentsRecovered. The app calls it at start-up and again, between patients, while
    /// orders stay unknown.
    void recoverPending();
    /// The bank-card terminal's end-of-day settlement when it is due
    /// (PaymentDesk::settleCardsIfDue), on a worker of its own taking turns with payment steps.
    /// The app calls it between patients; the outcome is logged (a difference from the journal
    /// is an error line, and `kiosk journal reconcile` lists it).
    void settleCardsIfDue(std::chrono::system_clock::time_point wallNow);

private:
    struct Shared {
        mutable std::mutex mutex;
        PaymentView view;
        PatientIdentity identity;  ///< wiped by reset()
        std::string patientId;     ///< the HIS patient id
    };
    using Job = std::function<void(const std::shared_ptr<Shared>&, uint64_t generation, std::stop_token)>;
    void start(PayStage stage, Job job);
    /// The worker's part of loadCharges(): the HIS record, its charges, those held back.
    void listCharges(const std::shared_ptr<Shared>& shared, uint64_t generation);
    /// The worker's part of payBy(): QR, wait, finish; every branch ends with an outcome.
    /// The pickup codes of the patient's prescriptions that wait for the charges just paid (one
    /// HIS read; none when it fails). Worker thread.
    std::vector<std::string> pickupCodesPaid(const std::shared_ptr<Shared>& shared);
    void pay(const std::shared_ptr<Shared>& shared, uint64_t generation, const std::stop_token& stop, const std::string& channel,
             SteadyTime now);
    /// Updates the view if `generation` is still current, then posts PaymentProgress.
    void update(const std::shared_ptr<Shared>& shared, uint64_t generation, const std::function<void(PaymentView&)>& change);

    std::shared_ptr<backend::HisDriver> his_;
    std::shared_ptr<payments::PaymentDesk> desk_;
    Post post_;
    std::shared_ptr<Shared> shared_ = std::make_shared<Shared>();
    /// One order step at a time reaches the desk (its journal connection is not shared between
    /// transactions): a retired worker finishing its order and a new patient's quote take turns.
    std::mutex deskMutex_;
    std::jthread worker_;
    std::shared_ptr<std::atomic<bool>> workerDone_;
    struct Retired {
        std::jthread thread;
        std::shared_ptr<std::atomic<bool>> done;
    };
    std::list<Retired> retired_;  ///< workers of reset flows, still finishing their order
};

}  // namespace kiosk::screens
