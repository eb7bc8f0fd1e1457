#include "screens/services.hpp"

#include <algorithm>
#include <array>

#include "kiosk/core/log.hpp"
#include "screens/booking/booking_flow.hpp"
#include "screens/cancel/cancel_flow.hpp"
#include "screens/checkin/checkin_flow.hpp"
#include "screens/help/staff_call.hpp"
#include "screens/payment/payment_flow.hpp"
#include "screens/pharmacy_display/call_board.hpp"
#include "screens/pickup/pickup_flow.hpp"
#include "screens/records/records_flow.hpp"
#include "screens/reports/reports_flow.hpp"
#include "screens/triage/triage_flow.hpp"

namespace kiosk::screens {

namespace {

using drivers::DeviceClass;

constexpr std::array kLobby{KioskMode::lobby};
constexpr std::array kLobbyAndPharmacy{KioskMode::lobby, KioskMode::pharmacy};
constexpr std::array<DeviceClass, 0> kNoDevices{};

/// The table (DESIGN §3a). Services whose screens do not exist yet lead to the plain
/// "not open yet" screen (service_unavailable); each row changes its entry when its folder lands.
constexpr std::array kServices{
    // booking: a zero fee books at once; a fee is not payable here yet (the patient is sent to
    // the counter), so it does not need [payments] until that is connected.
    ServiceRow{.id = "booking", .labelKey = "menu.booking", .icon = "calendar", .modes = kLobby,
               .enabledBy = &ServicesConfig::booking, .needsBackend = true, .needsPayments = false,
               .devices = kNoDevices, .entryScreen = "book.departments"},
    // cancelling a booking (退号, issue 11 item 2): switched on with booking, right after it.
    ServiceRow{.id = "cancel", .labelKey = "menu.cancel", .icon = "calendar-x", .modes = kLobby,
               .enabledBy = &ServicesConfig::booking, .needsBackend = true, .needsPayments = false,
               .devices = kNoDevices, .entryScreen = "cancel"},
    // check-in: the tile checks a one-appointment patient in at once (issue 11 item 3).
    ServiceRow{.id = "check_in", .labelKey = "menu.check_in", .icon = "check", .modes = kLobby,
               .enabledBy = &ServicesConfig::checkIn, .needsBackend = true, .needsPayments = false,
               .devices = kNoDevices, .entryScreen = "checkin"},
    // triage guidance (issue 12 item 2): works offline from its rules file; booking from its
    // advice needs the backend, and says so when it is not there.
    ServiceRow{.id = "triage", .labelKey = "menu.triage", .icon = "signpost", .modes = kLobby,
               .enabledBy = &ServicesConfig::triage, .needsBackend = false, .needsPayments = false,
               .devices = kNoDevices, .entryScreen = "triage.body"},
    ServiceRow{.id = "payment", .labelKey = "menu.payment", .icon = "wallet", .modes = kLobby,
               .enabledBy = &ServicesConfig::payment, .needsBackend = true, .needsPayments = true,
               .devices = kNoDevices, .entryScreen = "pay.charges"},
    // reports (issue 12 item 1): listed and shown without the A4 printer too (missing or out of
    // service, the screen says where to print them), so it needs no device.
    ServiceRow{.id = "reports", .labelKey = "menu.reports", .icon = "document", .modes = kLobby,
               .enabledBy = &ServicesConfig::reports, .needsBackend = true, .needsPayments = false,
               .devices = kNoDevices, .entryScreen = "reports"},
    // my records (issue 12 item 4): visits and payments; a receipt is reprinted on the receipt
    // printer where there is one (without, the payment screen says where to ask), so it needs no
    // device.
    ServiceRow{.id = "records", .labelKey = "menu.records", .icon = "folder", .modes = kLobby,
               .enabledBy = &ServicesConfig::records, .needsBackend = true, .needsPayments = false,
               .devices = kNoDevices, .entryScreen = "records"},
    // pickup (issue 13 item 1): the pharmacy's menu and, when [services] pickup is on, the
    // lobby's. Lockers are optional (a kiosk without a board sends every patient to a window), so
    // it needs no device; paying an unpaid prescription needs [payments] and says so without.
    ServiceRow{.id = "pickup", .labelKey = "menu.pickup", .icon = "pill", .modes = kLobbyAndPharmacy,
               .enabledBy = &ServicesConfig::pickup, .needsBackend = true, .needsPayments = false,
               .devices = kNoDevices, .entryScreen = "pickup"},
};

}  // namespace

std::span<const ServiceRow> serviceTable() { return kServices; }

KioskCapabilities capabilitiesOf(const drivers::DeviceRegistry& devices, bool backend, bool payments) {
    KioskCapabilities capabilities{.backend = backend, .payments = payments, .devices = {}};
    for (const auto& device : devices.all()) capabilities.devices.push_back(device->deviceClass());
    return capabilities;
}

std::string_view whyNotOffered(const ServiceRow& row, const KioskConfig& config, const KioskCapabilities& capabilities) {
    if (std::find(row.modes.begin(), row.modes.end(), config.mode) == row.modes.end()) return "not offered in this mode";
    if (!(config.services.*row.enabledBy)) return "switched off in [services]";
    if (row.needsBackend && !capabilities.backend) return "no [backend]";
    if (row.needsPayments && !capabilities.payments) return "no [payments]";
    for (const DeviceClass needed : row.devices) {
        if (std::find(capabilities.devices.begin(), capabilities.devices.end(), needed) == capabilities.devices.end()) {
            return "a device it needs is not configured";
        }
    }
    return {};
}

std::vector<const ServiceRow*> offeredServices(const KioskConfig& config, const KioskCapabilities& capabilities) {
    std::vector<const ServiceRow*> offered;
    for (const ServiceRow& row : kServices) {
        if (whyNotOffered(row, config, capabilities).empty()) offered.push_back(&row);
    }
    return offered;
}

const ServiceRow* serviceForButton(std::string_view buttonId) {
    if (!buttonId.starts_with("menu.")) return nullptr;
    buttonId.remove_prefix(5);
    for (const ServiceRow& row : kServices) {
        if (row.id == buttonId) return &row;
    }
    return nullptr;
}

ServiceFlows::ServiceFlows(const KioskConfig& config, std::shared_ptr<backend::HisDriver> his,
                           std::shared_ptr<payments::PaymentDesk> desk, TaskRunner& tasks, drivers::DeviceRegistry& devices,
                           Post post)
    : his_(std::move(his)), desk_(std::move(desk)), payment_(std::make_unique<PaymentFlow>(his_, desk_, post)),
      checkIn_(std::make_unique<CheckInFlow>(his_, post)) {
    std::unique_ptr<Journal> bookingJournal;
    if (his_) {
        if (auto opened = Journal::open(config.journalFile)) {
            bookingJournal = std::move(*opened);
        } else {
            // Without it no business key can be journalled: every hold is refused (never a hold
            // the kiosk could lose), the rest of booking still lists.
            log::module("services")->error("booking journal not opened: {}", opened.error().describe());
        }
    }
    std::optional<PinyinConverter> pinyin;
    if (auto created = PinyinConverter::create()) {
        pinyin = std::move(*created);
    } else {
        log::module("services")->error("no pinyin (the letter pad finds nothing): {}", created.error().describe());
    }
    booking_ = std::make_unique<BookingFlow>(his_, std::move(bookingJournal), config.kioskId, std::move(pinyin), tasks, post, desk_);
    cancel_ = std::make_unique<CancelFlow>(his_, tasks, post, desk_);
    std::shared_ptr<const triage::Rules> rules;
    if (config.services.triage && config.mode == KioskMode::lobby) {
        if (auto loaded = triage::Rules::load(config.triage.rulesFile)) {
            rules = std::make_shared<const triage::Rules>(std::move(*loaded));
        } else {
            triageRulesError_ = loaded.error();
        }
    }
    configuredPlaces_ = config.triage.emergencyLocationZh + config.triage.emergencyLocationEn + config.reports.serviceDeskZh +
                        config.reports.serviceDeskEn + config.help.serviceDeskZh + config.help.serviceDeskEn;
    triage_ = std::make_unique<TriageFlow>(std::move(rules), config, his_, tasks, post);
    // Reports: the print journal on its own connection (the flow's worker prints); without it
    // reports are listed and shown, not printed (the reprint limit could not be counted).
    std::unique_ptr<Journal> printJournal;
    printing::PrintPolicy printPolicy;
    if (his_ && config.services.reports && config.mode == KioskMode::lobby) {
        ConfigSection printingSection = config.printing;  // validated at start-up (kiosk/cli/common.cpp)
        printPolicy = printing::loadPrintPolicy(printingSection);
        if (auto opened = Journal::open(config.journalFile)) {
            printJournal = std::move(*opened);
        } else {
            log::module("services")->error("print journal not opened (reports are shown, not printed): {}", opened.error().describe());
        }
    }
    reports_ = std::make_unique<ReportsFlow>(his_, std::move(printJournal), printPolicy, config.dataDir / "report-spool",
                                             config.reports.printTimeout, post);
    // My records: the print journal on its own connection (receipt reprints are counted there);
    // without it records are shown and no receipt is reprinted.
    std::unique_ptr<Journal> recordsJournal;
    printing::PrintPolicy recordsPolicy;
    if (his_ && config.services.records && config.mode == KioskMode::lobby) {
        ConfigSection printingSection = config.printing;  // validated at start-up (kiosk/cli/common.cpp)
        recordsPolicy = printing::loadPrintPolicy(printingSection);
        if (auto opened = Journal::open(config.journalFile)) {
            recordsJournal = std::move(*opened);
        } else {
            log::module("services")->error("print journal not opened (records are shown, receipts not reprinted): {}", opened.error().describe());
        }
    }
    records_ = std::make_unique<RecordsFlow>(his_, std::move(recordsJournal), recordsPolicy, post);
    // Pickup: its journal on its own connection (the flow's worker writes it). Without it no
    // locker is opened and no number asked for: nothing could be recorded.
    std::unique_ptr<PickupJournal> pickupJournal;
    if (his_ && config.services.pickup) {
        auto opened = Journal::open(config.journalFile);
        auto journal = opened ? PickupJournal::open(std::move(*opened)) : Result<std::unique_ptr<PickupJournal>>(std::unexpected(opened.error()));
        if (journal) {
            pickupJournal = std::move(*journal);
        } else {
            log::module("services")->error("pickup journal not opened (no locker is opened): {}", journal.error().describe());
        }
    }
    pickup_ = std::make_unique<PickupFlow>(his_, std::move(pickupJournal), devices, config, post);
    callBoard_ = std::make_unique<CallBoard>(his_, config.pharmacy.displayRefresh, post);
    flows_ = {payment_.get(), booking_.get(), checkIn_.get(), cancel_.get(), triage_.get(), reports_.get(), records_.get(), pickup_.get()};
    staffCall_ = std::make_unique<StaffCall>(his_, config, tasks, post);
}

std::string ServiceFlows::textsKnownAtStartUp() const {
    std::string out = configuredPlaces_;
    if (const triage::Rules* rules = triage_->rules()) {
        for (const auto& d : rules->departments()) out += d.name.zh + d.name.en;
        for (const auto& r : rules->regions()) out += r.name.zh + r.name.en;
        for (const auto& s : rules->symptoms()) {
            out += s.name.zh + s.name.en + s.why.zh + s.why.en;
            for (const auto& suggestion : s.suggest) out += suggestion.reason.zh + suggestion.reason.en;
        }
    }
    return out;
}

Result<void> ServiceFlows::checkAtStartUp() {
    if (triageRulesError_) {
        return fail(Errc::invalid_config, "triage rules refused ([triage] rules_file):\n" + triageRulesError_->detail, "error.config");
    }
    if (auto checked = triage_->checkAtStartUp(); !checked) {
        return fail(Errc::invalid_config, "triage rules refused ([triage] rules_file):\n" + checked.error().detail, "error.config");
    }
    return {};
}

ServiceFlows::~ServiceFlows() = default;

void ServiceFlows::resetAll() {
    for (ServiceFlow* flow : flows_) flow->reset();
    paymentReturn_.reset();
}

void ServiceFlows::recoverAtStartUp() { pickup_->recoverPending(); }

bool ServiceFlows::working() const {
    return staffCall_->working() || std::any_of(flows_.begin(), flows_.end(), [](const ServiceFlow* flow) { return flow->working(); });
}

}  // namespace kiosk::screens
