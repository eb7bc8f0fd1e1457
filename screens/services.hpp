#pragma once
// Patient services (DESIGN §3a): the table the menu draws from, and the one object through which
// screens reach every service's flow (ScreenContext::services).
//
// Adding a service: a folder under screens/ with its flow and its screens, one row in
// serviceTable() (services.cpp), its screens in screen_table.cpp and, when it has a flow, one
// member here (constructed, reset and asked "working?" with the others). app.cpp does not change.

#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "drivers/common/device.hpp"
#include "drivers/common/registry.hpp"
#include "kiosk/backend/his_driver.hpp"
#include "kiosk/core/config.hpp"
#include "kiosk/core/task_runner.hpp"
#include "payments/payment_desk.hpp"
#include "screens/ui_event.hpp"

namespace kiosk::screens {

class PaymentFlow;
class BookingFlow;
class CheckInFlow;
class CancelFlow;
class TriageFlow;
class ReportsFlow;
class RecordsFlow;
class StaffCall;
class PickupFlow;
class CallBoard;

/// What every service's flow offers the app: wiped at session end (money steps in flight
/// still finish: each flow says how), and whether a step runs on its worker now.
class ServiceFlow {
public:
    virtual ~ServiceFlow() = default;
    /// Wipes the patient's data (session end). Never abandons money already moving.
    virtual void reset() = 0;
    /// A step is running on the flow's worker (scripts wait for it before the next tap).
    virtual bool working() const = 0;
};

/// One row of the services table.
struct ServiceRow {
    std::string_view id;          ///< "booking": the menu's button is "menu.<id>"
    std::string_view labelKey;    ///< i18n key of the tile's label
    std::string_view icon;        ///< name of the tile's pictogram (the tile shows only its label so far)
    std::span<const KioskMode> modes;  ///< the modes whose menu offers it
    bool ServicesConfig::*enabledBy;   ///< the [services] switch that enables it
    bool needsBackend = false;    ///< calls the HIS ([backend])
    bool needsPayments = false;   ///< moves money through the payment desk ([payments])
    std::span<const drivers::DeviceClass> devices;  ///< device classes it cannot work without
    std::string_view entryScreen;  ///< the screen a press on its tile leads to
};

/// Every patient service in menu order.
std::span<const ServiceRow> serviceTable();

/// What this kiosk has, for deciding which services work here.
struct KioskCapabilities {
    bool backend = false;
    bool payments = false;
    std::vector<drivers::DeviceClass> devices;  ///< classes of the configured devices
};
KioskCapabilities capabilitiesOf(const drivers::DeviceRegistry& devices, bool backend, bool payments);

/// Why a service is not offered ("" when it is): for the log, one line per hidden service.
std::string_view whyNotOffered(const ServiceRow& row, const KioskConfig& config, const KioskCapabilities& capabilities);

/// The services whose tiles the menu shows, in order: enabled in config for this mode,
/// connected (backend, payment desk) where they need it, their devices present.
std::vector<const ServiceRow*> offeredServices(const KioskConfig& config, const KioskCapabilities& capabilities);

/// The row behind a menu button ("menu.booking"), or null.
const ServiceRow* serviceForButton(std::string_view buttonId);

/// Every service's flow, owned by the App, reached by screens as ScreenContext::services.
class ServiceFlows {
public:
    using Post = std::function<void(UiEvent)>;
    /// `his` and `desk` may be null (no [backend] / no [payments]): the flows then stop with
    /// "not available", and the services needing them are not offered. Flows that journal open
    /// their own connection to config.journalFile (their steps run on worker threads); `tasks`
    /// runs the steps of the flows that use the App's TaskRunner and must outlive this object.
    /// `devices` (the App's registry) outlives this object: services that drive a device (the
    /// pickup lockers) find it there.
    ServiceFlows(const KioskConfig& config, std::shared_ptr<backend::HisDriver> his, std::shared_ptr<payments::PaymentDesk> desk,
                 TaskRunner& tasks, drivers::DeviceRegistry& devices, Post post);
    ~ServiceFlows();  ///< joins the flows' workers (money steps in flight finish first)
    ServiceFlows(const ServiceFlows&) = delete;
    ServiceFlows& operator=(const ServiceFlows&) = delete;

    PaymentFlow& payment() { return *payment_; }
    const PaymentFlow& payment() const { return *payment_; }
    BookingFlow& booking() { return *booking_; }
    const BookingFlow& booking() const { return *booking_; }
    CheckInFlow& checkIn() { return *checkIn_; }
    const CheckInFlow& checkIn() const { return *checkIn_; }
    CancelFlow& cancel() { return *cancel_; }
    const CancelFlow& cancel() const { return *cancel_; }
    TriageFlow& triage() { return *triage_; }
    const TriageFlow& triage() const { return *triage_; }
    ReportsFlow& reports() { return *reports_; }
    const ReportsFlow& reports() const { return *reports_; }
    RecordsFlow& records() { return *records_; }
    const RecordsFlow& records() const { return *records_; }
    /// The pharmacy call board (the call display's, pharmacy_display mode).
    CallBoard& callBoard() { return *callBoard_; }
    const CallBoard& callBoard() const { return *callBoard_; }
    PickupFlow& pickup() { return *pickup_; }
    const PickupFlow& pickup() const { return *pickup_; }
    /// The "call staff" button's calls (not a menu service: on every screen, and not forgotten at
    /// session end, see screens/help/staff_call.hpp).
    StaffCall& staffCall() { return *staffCall_; }
    const StaffCall& staffCall() const { return *staffCall_; }

    /// What the services check before the kiosk starts (App::create): the triage rules file read
    /// and valid, and its departments ones the hospital has. An error names the file and line.
    Result<void> checkAtStartUp();
    /// Texts the services show that are known at start-up but are not UI strings (the triage
    /// rules' symptoms and departments, the emergency department's location): their glyphs go
    /// into the first font atlas.
    std::string textsKnownAtStartUp() const;

    /// Where the payment screens send the patient back when another service sent them to pay
    /// (the pickup list after paying a prescription): the screen id and the i18n keys of the
    /// button's label once paid ("get your number") and otherwise ("back to pickup"). Cleared at
    /// session end and by the service when the patient is back.
    struct PaymentReturn {
        std::string screen;
        std::string paidLabelKey;
        std::string backLabelKey;
        bool paid = false;  ///< set by the payment screens: the patient comes back having paid
    };
    void returnAfterPayment(PaymentReturn target) { paymentReturn_ = std::move(target); }
    const std::optional<PaymentReturn>& paymentReturn() const { return paymentReturn_; }
    void markPaymentReturnPaid() {
        if (paymentReturn_) paymentReturn_->paid = true;
    }
    void clearPaymentReturn() { paymentReturn_.reset(); }
    /// Start-up: services finish what a crash left mid-way (pickups), on their own workers.
    void recoverAtStartUp();

    bool backendConnected() const { return his_ != nullptr; }
    bool paymentsConnected() const { return his_ != nullptr && desk_ != nullptr; }
    /// Session end: every flow forgets the patient.
    void resetAll();
    /// Some flow's worker is running a step.
    bool working() const;

private:
    std::shared_ptr<backend::HisDriver> his_;
    std::shared_ptr<payments::PaymentDesk> desk_;
    std::unique_ptr<PaymentFlow> payment_;
    std::unique_ptr<BookingFlow> booking_;
    std::unique_ptr<CheckInFlow> checkIn_;
    std::unique_ptr<CancelFlow> cancel_;
    std::unique_ptr<TriageFlow> triage_;
    std::unique_ptr<ReportsFlow> reports_;
    std::unique_ptr<RecordsFlow> records_;
    std::unique_ptr<StaffCall> staffCall_;
    std::unique_ptr<PickupFlow> pickup_;
    std::unique_ptr<CallBoard> callBoard_;
    std::optional<PaymentReturn> paymentReturn_;
    std::optional<Error> triageRulesError_;  ///< the rules file could not be used (checkAtStartUp says so)
    std::string configuredPlaces_;  ///< the emergency department and service desks ([triage], [reports], [help])
    std::vector<ServiceFlow*> flows_;  ///< every flow above, for resetAll() and working()
};

}  // namespace kiosk::screens
