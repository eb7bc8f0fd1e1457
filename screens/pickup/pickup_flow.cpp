#include "screens/pickup/pickup_flow.hpp"

#include <algorithm>
#include <map>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "kiosk/backend/identity_lookup.hpp"
#include "kiosk/core/log.hpp"
#include "kiosk/core/mask.hpp"
#include "screens/pickup/tcm_order.hpp"

namespace kiosk::screens {

namespace {

auto logger() { return log::module("pickup"); }

using backend::PickupState;
using backend::Prescription;

/// Picked-up prescriptions older than this are not listed (the patient came for today's).
constexpr int kPickedUpDaysShown = 7;

bool inBank(const Prescription& p, const std::string& bank) { return p.inLocker() && p.lockerTerminal == bank; }

/// Order on the list (see PickupView::items).
int rank(const Prescription& p, const std::string& bank) {
    switch (p.state()) {
        case PickupState::ready: return inBank(p, bank) ? 0 : p.inLocker() ? 2 : 1;
        case PickupState::unpaid: return 3;
        case PickupState::preparing: return 4;
        case PickupState::picked_up: return 5;
        case PickupState::other: return 6;
    }
    return 6;
}

/// "2026-11-30" of an ISO 8601 date-time, compared as text with a date `days` ago (UTC+8 dates
/// from the HIS; a day's slack either way does not matter for "recent").
bool recent(const std::string& iso, const std::string& today, int days) {
    if (iso.size() < 10 || today.size() < 10) return true;
    const auto dayNumber = [](const std::string& d) {
        using namespace std::chrono;
        const year_month_day ymd{year{std::stoi(d.substr(0, 4))}, month{static_cast<unsigned>(std::stoi(d.substr(5, 2)))},
                                 day{static_cast<unsigned>(std::stoi(d.substr(8, 2)))}};
        return sys_days{ymd}.time_since_epoch().count();
    };
    try {
        return dayNumber(today) - dayNumber(iso.substr(0, 10)) <= days;
    } catch (const std::exception&) {
        return true;
    }
}

std::string chinaToday() {
    const auto now = std::chrono::system_clock::now() + std::chrono::hours(8);
    return fmt::format("{:%Y-%m-%d}", std::chrono::floor<std::chrono::days>(now));
}

}  // namespace

namespace {
/// A herbal prescription that is not to be handed over as it is: its choice is still to make, its
/// decoction fee is unpaid, or it goes out by courier.
bool herbalHeldBack(const PickupView& view, const Prescription& p) {
    if (!p.herbal) return false;
    if (view.needsTcmChoice(p)) return true;
    const backend::TcmOrder* order = view.orderFor(p.dispenseId);
    return order && (order->unpaid() || backend::tcmDelivered(order->service) || order->stage == "unreadable");
}
}  // namespace

std::vector<Prescription> PickupView::readyAtWindows() const {
    std::vector<Prescription> out;
    for (const auto& p : items) {
        if (p.state() == PickupState::ready && !p.inLocker() && !herbalHeldBack(*this, p)) out.push_back(p);
    }
    return out;
}

std::vector<Prescription> PickupView::readyHere() const {
    std::vector<Prescription> out;
    for (const auto& p : items) {
        if (p.state() == PickupState::ready && hasLockerBoard && inBank(p, lockerBank) && !herbalHeldBack(*this, p)) out.push_back(p);
    }
    return out;
}

const backend::TcmOrder* PickupView::orderFor(const std::string& dispenseId) const {
    for (const auto& order : tcmOrders) {  // newest first
        if (order.dispenseId == dispenseId && order.status != "revoked" && order.status != "entered-in-error") return &order;
    }
    return nullptr;
}

bool PickupView::needsTcmChoice(const Prescription& p) const {
    if (!tcmOffered || !p.herbal || orderFor(p.dispenseId)) return false;
    const PickupState state = p.state();
    return state == PickupState::preparing || state == PickupState::unpaid || state == PickupState::ready;
}

bool PickupView::tcmFeeUnpaid() const {
    return std::any_of(tcmOrders.begin(), tcmOrders.end(), [](const backend::TcmOrder& o) { return o.unpaid(); });
}

struct PickupFlow::Shared {
    mutable std::mutex mutex;
    PickupView view;
    PatientIdentity identity;  ///< wiped by reset()
    std::string patientId;
    std::mutex journalMutex;   ///< one step at a time uses the journal connection
    std::unique_ptr<PickupJournal> journal;
    std::atomic<uint64_t> keys{0};
};

PickupFlow::PickupFlow(std::shared_ptr<backend::HisDriver> his, std::unique_ptr<PickupJournal> journal, drivers::DeviceRegistry& devices,
                       const KioskConfig& config, Post post)
    : his_(std::move(his)), devices_(devices), kioskId_(config.kioskId),
      lockerBank_(config.pharmacy.lockerBankId.empty() ? config.kioskId : config.pharmacy.lockerBankId),
      fallbackWindow_(config.pharmacy.fallbackWindow), post_(std::move(post)), shared_(std::make_shared<Shared>()) {
    shared_->journal = std::move(journal);
}

PickupFlow::~PickupFlow() = default;  // the worker joins: a locker pickup in flight finishes and is journalled

drivers::locker::LockBoardDriver* PickupFlow::board() const {
    return devices_.first<drivers::locker::LockBoardDriver>(drivers::DeviceClass::locker);
}

std::string PickupFlow::newTradeNo(std::string_view prefix) {
    const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    return fmt::format("{}-{}-{}{:03}", prefix, kioskId_, millis, shared_->keys.fetch_add(1) % 1000);
}

void PickupFlow::reset() {
    std::lock_guard lock(shared_->mutex);
    const uint64_t next = shared_->view.generation + 1;
    shared_->view = PickupView{};
    shared_->view.generation = next;
    shared_->identity.wipe();
    shared_->patientId.clear();
}

PickupView PickupFlow::view() const {
    std::lock_guard lock(shared_->mutex);
    return shared_->view;
}

std::vector<LockerFault> PickupFlow::faultyLockers() const {
    std::lock_guard lock(shared_->journalMutex);
    if (!shared_->journal) return {};
    auto faults = shared_->journal->faultyLockers();
    return faults ? *faults : std::vector<LockerFault>{};
}

void PickupFlow::update(Shared& shared, uint64_t generation, const std::function<void(PickupView&)>& change) {
    {
        std::lock_guard lock(shared.mutex);
        if (shared.view.generation != generation) return;  // the patient has gone
        change(shared.view);
    }
    post_(PickupProgress{generation});
}

void PickupFlow::run(PickupStage stage, Job job) {
    uint64_t generation = 0;
    {
        std::lock_guard lock(shared_->mutex);
        generation = shared_->view.generation;
        shared_->view.stage = stage;
        shared_->view.error.reset();
        shared_->view.hasLockerBoard = board() != nullptr;
        shared_->view.lockerBank = lockerBank_;
    }
    // The previous step posted its result already; a locker pickup of a patient who left is
    // waited for here (bounded by the board's time-outs): never abandoned mid-way.
    if (worker_.joinable()) worker_.join();
    if (!his_) {
        update(*shared_, generation, [](PickupView& v) {
            v.stage = PickupStage::stopped;
            v.error = Error(Errc::unsupported, "no [backend] on this kiosk", "pickup.error.unavailable");
        });
        return;
    }
    worker_ = std::jthread([this, job = std::move(job), shared = shared_, generation] { job(*shared, generation); });
}

void PickupFlow::start(const PatientIdentity& identity) {
    {
        std::lock_guard lock(shared_->mutex);
        shared_->identity = identity;
        shared_->patientId.clear();
    }
    run(PickupStage::loading, [this](Shared& shared, uint64_t generation) { load(shared, generation); });
}

void PickupFlow::startByCode(const std::string& code) {
    {
        std::lock_guard lock(shared_->mutex);
        shared_->identity.wipe();
        shared_->patientId.clear();
        shared_->view.byCode = true;
        shared_->view.code = code;
    }
    run(PickupStage::loading, [this](Shared& shared, uint64_t generation) { load(shared, generation); });
}

void PickupFlow::reload(bool thenQueueAtWindows) {
    run(PickupStage::loading, [this, thenQueueAtWindows](Shared& shared, uint64_t generation) {
        load(shared, generation);
        if (!thenQueueAtWindows) return;
        PickupView loaded;
        {
            std::lock_guard lock(shared.mutex);
            if (shared.view.generation != generation || shared.view.stage != PickupStage::list) return;
            loaded = shared.view;
        }
        const auto ready = loaded.readyAtWindows();
        if (ready.empty()) return;  // nothing at a window after all: the list says where it is
        update(shared, generation, [](PickupView& v) { v.stage = PickupStage::queueing; });
        queueAtWindows(shared, generation, ready);
    });
}

void PickupFlow::load(Shared& shared, uint64_t generation) {
    std::string patientId;
    PatientIdentity identity;
    std::string code;
    {
        std::lock_guard lock(shared.mutex);
        patientId = shared.patientId;
        identity = shared.identity;
        if (shared.view.byCode) code = shared.view.code;
    }
    if (patientId.empty() && !code.empty()) {
        auto dispense = his_->dispenseByPickupCode(code);
        if (!dispense || dispense->patientId.empty()) {
            const Error error = dispense ? Error(Errc::invalid_answer, "dispense without a subject", "pickup.error.unavailable") : dispense.error();
            logger()->warn("pickup: code not found: {}", error.describe());
            update(shared, generation, [&](PickupView& v) {
                v.stage = PickupStage::stopped;
                v.error = error;
            });
            return;
        }
        patientId = dispense->patientId;
        std::lock_guard lock(shared.mutex);
        if (shared.view.generation == generation) shared.patientId = patientId;
    }
    if (patientId.empty()) {
        auto patient = backend::findSessionPatient(*his_, identity);
        if (!patient) {
            logger()->warn("pickup: patient not found: {}", patient.error().describe());
            update(shared, generation, [&](PickupView& v) {
                v.stage = PickupStage::stopped;
                v.error = patient.error();
            });
            return;
        }
        patientId = patient->id;
        std::lock_guard lock(shared.mutex);
        if (shared.view.generation == generation) {
            shared.patientId = patientId;
            // Only the masked forms reach the view (the screens): the HIS keeps the address.
            shared.view.addressOnFile = patient->address.empty() ? "" : maskPersonalData(patient->address, PersonalField::address);
            shared.view.phoneOnFile = patient->phone.empty() ? "" : maskPersonalData(patient->phone, PersonalField::phone);
        }
    }
    auto all = his_->prescriptions(patientId);
    if (!all) {
        logger()->warn("pickup: prescriptions of Patient/{} not read: {}", patientId, all.error().describe());
        update(shared, generation, [&](PickupView& v) {
            v.stage = PickupStage::stopped;
            v.error = all.error();
        });
        return;
    }
    const std::string today = chinaToday();
    std::vector<Prescription> shown;
    for (auto& p : *all) {
        if (p.state() == PickupState::other) {
            logger()->info("pickup: MedicationDispense/{} is {}: not listed", p.dispenseId, p.status);
            continue;
        }
        if (p.state() == PickupState::picked_up && !recent(p.handedOverAt, today, kPickedUpDaysShown)) continue;
        if (!code.empty() && p.pickupCode != code) continue;  // by code: that receipt's prescriptions only
        shown.push_back(std::move(p));
    }
    // Herbal orders (decoction, delivery): only when there is a herbal prescription to show. A HIS
    // that cannot list them offers no choice (a second order would be refused anyway; the
    // patient is not shown a choice that may already be made).
    std::vector<backend::TcmOrder> orders;
    bool tcmOffered = false;
    if (std::any_of(shown.begin(), shown.end(), [](const Prescription& p) { return p.herbal; })) {
        auto listed = his_->tcmOrders(patientId);
        if (listed) {
            orders = std::move(*listed);
            for (auto& order : orders) order.address = order.address.empty() ? "" : maskPersonalData(order.address, PersonalField::address);
            tcmOffered = true;
        } else {
            logger()->warn("pickup: herbal orders of Patient/{} not read ({}): no decoction or delivery offered", patientId,
                           listed.error().describe());
        }
    }
    // A herbal prescription waiting for the patient's choice is something to do now: with the
    // unpaid ones, before those only being prepared.
    PickupView ranked;
    ranked.tcmOrders = orders;
    ranked.tcmOffered = tcmOffered;
    const auto rankOf = [&](const Prescription& p) { return ranked.needsTcmChoice(p) ? 3 : rank(p, lockerBank_); };
    std::stable_sort(shown.begin(), shown.end(), [&](const Prescription& a, const Prescription& b) { return rankOf(a) < rankOf(b); });
    logger()->info("pickup: Patient/{}: {} prescriptions listed of {}, {} herbal orders", patientId, shown.size(), all->size(), orders.size());
    update(shared, generation, [&](PickupView& v) {
        v.items = std::move(shown);
        v.tcmOrders = std::move(orders);
        v.tcmOffered = tcmOffered;
        v.stage = PickupStage::list;
    });
}

void PickupFlow::pickUpAtWindows() {
    const PickupView current = view();
    const auto ready = current.readyAtWindows();
    if (current.stage != PickupStage::list || ready.empty()) return;
    run(PickupStage::queueing, [this, ready](Shared& shared, uint64_t generation) { queueAtWindows(shared, generation, ready); });
}

void PickupFlow::queueAtWindows(Shared& shared, uint64_t generation, const std::vector<Prescription>& ready) {
    std::string patientId;
    {
        std::lock_guard lock(shared.mutex);
        patientId = shared.patientId;
    }
    // One number per window: the window calls the patient once for all that waits there.
    std::map<std::string, std::vector<Prescription>> byWindow;
    for (const auto& p : ready) byWindow[p.window.empty() ? fmt::format("{}号窗口", fallbackWindow_) : p.window].push_back(p);
    std::vector<PickupTicket> tickets;
    bool uncertain = false;
    std::optional<Error> refused;
    for (auto& [window, items] : byWindow) {
        backend::PharmacyQueueRequest request{.tradeNo = newTradeNo("PQ"), .patientId = patientId, .dispenseIds = {}, .window = window,
                                              .kioskId = kioskId_};
        std::string ids;
        for (const auto& p : items) {
            request.dispenseIds.push_back(p.dispenseId);
            ids += (ids.empty() ? "" : ",") + p.dispenseId;
        }
        {
            std::lock_guard lock(shared.journalMutex);
            if (!shared.journal) {
                refused = Error(Errc::journal_unavailable, "no pickup journal: no number asked for", "pickup.error.unavailable");
                break;
            }
            // The same prescriptions at the same window asked for before (a second tap, back
            // from the ticket): the same key, so the HIS answers the same number, not a second one.
            std::string earlierKey;
            if (auto earlier = shared.journal->forDispense(items.front().dispenseId)) {
                for (const PickupRecord& row : *earlier) {
                    if (row.kind == "window" && row.dispenseIds == ids && (row.state == "queued" || row.state == "queueing")) {
                        earlierKey = row.tradeNo;
                        break;
                    }
                }
            }
            if (!earlierKey.empty()) {
                request.tradeNo = earlierKey;
                logger()->info("pickup {}: asked again for {}: the same number", earlierKey, ids);
            } else if (auto begun = shared.journal->begin({.tradeNo = request.tradeNo, .kind = "window", .dispenseIds = ids, .locker = 0,
                                                           .state = "queueing", .detail = {}, .createdAt = {}});
                       !begun) {
                refused = begun.error();
                break;
            }
        }
        auto ticket = his_->queueForPickup(request);
        if (!ticket && ticket.error().code == Errc::unknown_outcome) ticket = his_->queueForPickup(request);  // same key: safe
        std::lock_guard lock(shared.journalMutex);
        if (ticket) {
            (void)shared.journal->setState(request.tradeNo, "queued", ticket->callNumber);
            logger()->info("pickup {}: number {} at {} for {}", request.tradeNo, ticket->callNumber, window, ids);
            tickets.push_back({*ticket, items});
            continue;
        }
        const Error& error = ticket.error();
        if (error.code == Errc::unknown_outcome || error.code == Errc::timeout || error.code == Errc::backend_unavailable) {
            // The HIS may have the patient in its queue: the slip says which window, the
            // pharmacist finds them by name. The row stays queueing for the recovery.
            logger()->warn("pickup {}: no answer from the HIS ({}); patient sent to {} without a number", request.tradeNo,
                           error.describe(), window);
            uncertain = true;
            backend::PharmacyTicket none;
            none.window = window;
            none.windowNumber = items.front().windowNumber;
            tickets.push_back({none, items});
            continue;
        }
        (void)shared.journal->setState(request.tradeNo, "failed", error.describe());
        logger()->warn("pickup {}: the HIS refused the queue at {}: {}", request.tradeNo, window, error.describe());
        refused = error;
    }
    update(shared, generation, [&](PickupView& v) {
        if (tickets.empty()) {
            v.stage = PickupStage::stopped;
            v.error = refused.value_or(Error(Errc::internal, "no ticket", "pickup.error.unavailable"));
            return;
        }
        v.tickets = std::move(tickets);
        v.ticketUncertain = uncertain;
        v.stage = PickupStage::ticket;
    });
}

void PickupFlow::pickUpFromLocker(const std::string& dispenseId) {
    const PickupView current = view();
    if (current.stage != PickupStage::list) return;
    const auto here = current.readyHere();
    const auto chosen = std::find_if(here.begin(), here.end(), [&](const Prescription& p) { return p.dispenseId == dispenseId; });
    if (chosen == here.end()) {
        logger()->warn("pickup: MedicationDispense/{} is not ready in this kiosk's lockers", dispenseId);
        return;
    }
    const Prescription item = *chosen;
    {
        std::lock_guard lock(shared_->mutex);
        shared_->view.locker = item;
    }
    run(PickupStage::opening, [this, item](Shared& shared, uint64_t generation) {
        drivers::locker::LockBoardDriver* bank = board();
        LockerPickupResult result;
        if (!bank) {
            result.error = Error(Errc::device_not_ready, "no locker board configured", "locker.unavailable");
        } else {
            std::lock_guard lock(shared.journalMutex);
            if (!shared.journal) {
                result.error = Error(Errc::journal_unavailable, "no pickup journal: no locker opened", "locker.unavailable");
            } else {
                LockerPickup pickup(*his_, *shared.journal, *bank);
                result = pickup.pickUp(item, newTradeNo("PU"));
            }
        }
        update(shared, generation, [&](PickupView& v) {
            v.lockerResult = result;
            if (result.door == LockerPickupResult::Door::opened) {
                v.stage = PickupStage::locker_opened;
                // Shown as picked up if the patient goes back to the list.
                for (auto& p : v.items) {
                    if (p.dispenseId == item.dispenseId) p.status = "completed";
                }
                return;
            }
            v.stage = PickupStage::locker_failed;
            v.fallbackWindow = item.windowNumber > 0 ? item.windowNumber : fallbackWindow_;
        });
    });
}

void PickupFlow::chooseTcm(const std::string& dispenseId) {
    const PickupView current = view();
    if (current.stage != PickupStage::list) return;
    const auto chosen = std::find_if(current.items.begin(), current.items.end(), [&](const Prescription& p) { return p.dispenseId == dispenseId; });
    if (chosen == current.items.end() || !current.needsTcmChoice(*chosen)) {
        logger()->warn("pickup: MedicationDispense/{} has no herbal choice to make", dispenseId);
        return;
    }
    {
        std::lock_guard lock(shared_->mutex);
        shared_->view.tcmItem = *chosen;
    }
    run(PickupStage::tcm_loading, [this](Shared& shared, uint64_t generation) {
        auto prices = his_->tcmPrices();
        update(shared, generation, [&](PickupView& v) {
            if (!prices) {
                logger()->warn("pickup: herbal service prices not read: {}", prices.error().describe());
                v.stage = PickupStage::stopped;
                v.error = prices.error();
                return;
            }
            v.tcmPrices = *prices;
            v.stage = PickupStage::tcm_choose;
        });
    });
}

void PickupFlow::selectTcmService(backend::TcmService service) {
    {
        std::lock_guard lock(shared_->mutex);
        if (shared_->view.stage != PickupStage::tcm_choose) return;
        const bool noDoses = backend::tcmDecocted(service) && shared_->view.tcmItem.doses <= 0;  // priced per dose
        if (!shared_->view.tcmPrices.offers(service) || noDoses) {
            logger()->warn("pickup: {} is not offered (no price)", backend::tcmServiceCode(service));
            return;
        }
        shared_->view.tcmService = service;
        if (backend::tcmDelivered(service)) {
            shared_->view.stage = PickupStage::tcm_address;
            return;
        }
    }
    orderTcm(false);
}

void PickupFlow::orderTcm(bool addressByLink) {
    PickupView current = view();
    if (current.stage != PickupStage::tcm_choose && current.stage != PickupStage::tcm_address) return;
    run(PickupStage::tcm_ordering, [this, current, addressByLink](Shared& shared, uint64_t generation) {
        backend::TcmOrderRequest request{.tradeNo = newTradeNo("TC"), .patientId = {}, .dispenseId = current.tcmItem.dispenseId,
                                         .requestId = current.tcmItem.requestId, .service = current.tcmService,
                                         .addressByLink = addressByLink, .kioskId = kioskId_};
        {
            std::lock_guard lock(shared.mutex);
            request.patientId = shared.patientId;
        }
        std::optional<Result<backend::TcmOrder>> placed;
        {
            // The journal connection is one step's at a time; the HIS call runs under it too (a
            // herbal order and a locker pickup of one kiosk never overlap anyway).
            std::lock_guard lock(shared.journalMutex);
            if (shared.journal) placed = placeTcmOrder(*his_, *shared.journal, request);
        }
        if (!placed) placed = fail(Errc::journal_unavailable, "no pickup journal: no herbal order placed", "pickup.error.unavailable");
        Result<backend::TcmOrder>& order = *placed;
        if (!order) {
            update(shared, generation, [&](PickupView& v) {
                v.stage = PickupStage::stopped;
                v.error = order.error();
            });
            return;
        }
        backend::TcmOrder shown = *order;
        shown.address = shown.address.empty() ? "" : maskPersonalData(shown.address, PersonalField::address);
        update(shared, generation, [&](PickupView& v) {
            v.tcmOrder = shown;
            v.tcmOrders.insert(v.tcmOrders.begin(), shown);
            v.stage = PickupStage::tcm_ordered;
        });
    });
}

void PickupFlow::backFromTcm() {
    {
        std::lock_guard lock(shared_->mutex);
        if (shared_->view.working()) return;
        if (shared_->view.stage == PickupStage::tcm_address) {
            shared_->view.stage = PickupStage::tcm_choose;
            return;
        }
    }
    reload();
}

void PickupFlow::recoverPending() {
    if (!his_) return;
    if (worker_.joinable()) worker_.join();
    worker_ = std::jthread([this, shared = shared_] {
        std::lock_guard lock(shared->journalMutex);
        if (!shared->journal) return;
        (void)LockerPickup::recover(*his_, *shared->journal, board());
    });
}

}  // namespace kiosk::screens
