#pragma once
// Medicine pickup (取药, issue 13 item 1), shared by the pickup screens
// (screens/pickup/pickup_screens.hpp). The UI thread starts each step; one worker thread at a time
// (owned here) calls the HisDriver and the locker board and posts PickupProgress; screens draw
// from view(), a snapshot taken under the lock.
//
//   start()            the patient's prescriptions: ready (at a window or in a locker), being
//                      prepared (with the expected time), not yet paid, picked up
//   pickUpAtWindows()  joins the pharmacy's call queue for every ready prescription at a window
//                      (one number per window, journalled key, idempotent): the slip and the
//                      call display show the number
//   pickUpFromLocker() opens the prescription's locker in this kiosk's bank (LockerPickup: door
//                      confirmed, one retry, then "go to window N"; the HIS confirms only an
//                      opened door)
//   chooseTcm()        a herbal prescription: how to take it (TCM decoction and delivery, issue
//   orderTcm()         13 item 4) — the hospital's prices, then the patient's choice recorded at
//                      the HIS under a journalled key (idempotent); a fee is then paid through the
//                      payment screens and the list shows the order's stage (shipped: tracking)
//   recoverPending()   at start-up: finishes what a crash left (LockerPickup::recover; a herbal
//                      order whose answer was lost is looked up under its key)
//
// Money: none here (an unpaid prescription is paid through the payment flow). Data: a locker
// opened is never forgotten — reset() (session end) does not stop a pickup on the worker: it
// finishes and journals; the screens just stop showing it.

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "drivers/common/registry.hpp"
#include "kiosk/backend/his_driver.hpp"
#include "kiosk/core/config.hpp"
#include "kiosk/core/identity.hpp"
#include "screens/pickup/locker_pickup.hpp"
#include "screens/services.hpp"
#include "screens/ui_event.hpp"

namespace kiosk::screens {

enum class PickupStage {
    idle,
    loading,        ///< finding the patient and their prescriptions
    list,           ///< view().items: what the patient has
    queueing,       ///< asking the HIS for window call numbers
    ticket,         ///< view().tickets: the numbers to wait for
    opening,        ///< a locker is being opened
    locker_opened,  ///< view().locker: the door is open
    locker_failed,  ///< the door did not open: go to view().fallbackWindow
    tcm_loading,    ///< reading the hospital's prices for a herbal prescription (view().tcmItem)
    tcm_choose,     ///< view().tcmPrices: self-decoction, decoction, delivery, both
    tcm_address,    ///< delivery: the address on file (view().addressOnFile, masked) or by phone
    tcm_ordering,   ///< recording the choice at the HIS
    tcm_ordered,    ///< view().tcmOrder: the fee to pay, the address or the link
    stopped,        ///< a step failed (view().error)
};

/// One window's call number with the prescriptions it covers.
struct PickupTicket {
    backend::PharmacyTicket ticket;
    std::vector<backend::Prescription> items;
};

struct PickupView {
    PickupStage stage = PickupStage::idle;
    uint64_t generation = 0;
    /// Shown in this order: ready here (locker of this bank, then windows), ready in another
    /// bank's locker, not paid, being prepared, picked up (the last 7 days). Cancelled and other
    /// states are left out (logged).
    std::vector<backend::Prescription> items;
    std::vector<PickupTicket> tickets;       ///< for `ticket`
    bool ticketUncertain = false;            ///< the HIS did not answer: the window asks for the name
    backend::Prescription locker;            ///< for opening / locker_opened / locker_failed
    LockerPickupResult lockerResult;
    int fallbackWindow = 0;                  ///< locker_failed: where to go
    std::optional<Error> error;              ///< for `stopped`

    /// Herbal orders of the patient (TCM decoction and delivery), the newest first; empty when the
    /// HIS takes none (then no choice is offered).
    std::vector<backend::TcmOrder> tcmOrders;
    bool tcmOffered = false;                 ///< the HIS listed the orders: choices may be offered
    backend::Prescription tcmItem;           ///< the herbal prescription being chosen for
    backend::TcmPrices tcmPrices;            ///< for tcm_choose
    backend::TcmService tcmService = backend::TcmService::self_decoction;  ///< chosen (tcm_address on)
    std::string addressOnFile;               ///< the patient's address, MASKED ("北京市海淀区****"); "" = none
    std::string phoneOnFile;                 ///< the patient's phone, MASKED; "" = none
    backend::TcmOrder tcmOrder;              ///< for tcm_ordered (address masked)

    bool working() const {
        return stage == PickupStage::loading || stage == PickupStage::queueing || stage == PickupStage::opening ||
               stage == PickupStage::tcm_loading || stage == PickupStage::tcm_ordering;
    }
    /// The latest live herbal order for a prescription (not revoked), or null.
    const backend::TcmOrder* orderFor(const std::string& dispenseId) const;
    /// A herbal prescription still waiting for the patient's choice (no order, not handed over).
    bool needsTcmChoice(const backend::Prescription& p) const;
    /// A herbal order's fee still to pay.
    bool tcmFeeUnpaid() const;
    bool byCode = false;         ///< started by startByCode()
    std::string code;            ///< its pickup code
    /// The locker bank of this kiosk ("" when no locker board is configured).
    std::string lockerBank;
    bool hasLockerBoard = false;

    /// Ready at a window (not in any locker).
    std::vector<backend::Prescription> readyAtWindows() const;
    /// Ready in a locker of this kiosk's bank.
    std::vector<backend::Prescription> readyHere() const;
};

class PickupFlow final : public ServiceFlow {
public:
    using Post = std::function<void(UiEvent)>;
    /// `his` may be null (no [backend]): every step stops with "not available". `journal` may be
    /// null (not opened): no locker is opened and no number asked for (nothing could be recorded).
    /// `devices` outlives the flow; its first `locker` device is the bank this kiosk drives.
    PickupFlow(std::shared_ptr<backend::HisDriver> his, std::unique_ptr<PickupJournal> journal, drivers::DeviceRegistry& devices,
               const KioskConfig& config, Post post);
    ~PickupFlow() override;
    PickupFlow(const PickupFlow&) = delete;
    PickupFlow& operator=(const PickupFlow&) = delete;

    void reset() override;
    bool working() const override { return view().working(); }

    void start(const PatientIdentity& identity);
    /// Starts from the pickup code on a payment receipt (a scanned "prescription" code, no card):
    /// the HIS's dispense of that code and its patient; the list shows only the prescriptions of
    /// that code (a lost receipt does not open the patient's whole list). view().byCode; a code
    /// the HIS does not know → `stopped` with its error.
    void startByCode(const std::string& code);
    /// Reads the prescriptions again (back from paying one); `thenQueueAtWindows`: and, when
    /// something is ready at a window, joins the queue at once (pickUpAtWindows) — the patient
    /// paid and pressed "get your number".
    void reload(bool thenQueueAtWindows = false);
    void pickUpAtWindows();
    void pickUpFromLocker(const std::string& dispenseId);
    /// A herbal prescription of the list (needsTcmChoice): reads the prices → tcm_choose.
    void chooseTcm(const std::string& dispenseId);
    /// tcm_choose: the patient's choice; a delivery asks where first (tcm_address), the others
    /// are recorded at once (orderTcm).
    void selectTcmService(backend::TcmService service);
    /// Records the choice at the HIS (tcm_ordering → tcm_ordered, or stopped): the key journalled
    /// first (kind "tcm"), asked again under the same key once when the answer is lost.
    void orderTcm(bool addressByLink);
    /// Back from a herbal step: from the address to the choice; otherwise to the list (read
    /// again: a new order shows there).
    void backFromTcm();
    void recoverPending();
    PickupView view() const;

    /// Lockers out of service (for diagnostics and the tests); empty without a journal.
    std::vector<LockerFault> faultyLockers() const;

private:
    struct Shared;
    using Job = std::function<void(Shared&, uint64_t generation)>;
    void run(PickupStage stage, Job job);
    void load(Shared& shared, uint64_t generation);
    void queueAtWindows(Shared& shared, uint64_t generation, const std::vector<backend::Prescription>& ready);
    void update(Shared& shared, uint64_t generation, const std::function<void(PickupView&)>& change);
    drivers::locker::LockBoardDriver* board() const;
    std::string newTradeNo(std::string_view prefix);

    std::shared_ptr<backend::HisDriver> his_;
    drivers::DeviceRegistry& devices_;
    std::string kioskId_;
    std::string lockerBank_;
    int fallbackWindow_;
    Post post_;
    std::shared_ptr<Shared> shared_;
    std::jthread worker_;
};

}  // namespace kiosk::screens
