#include "screens/cancel/cancel_flow.hpp"

#include <algorithm>
#include <map>

#include "kiosk/backend/identity_lookup.hpp"
#include "kiosk/core/log.hpp"

namespace kiosk::screens {

using backend::findSessionPatient;

namespace {

auto logger() { return log::module("cancel"); }

}  // namespace

struct CancelFlow::Shared {
    mutable std::mutex mutex;
    CancelView view;
    PatientIdentity identity;  ///< wiped by reset()
};

CancelFlow::CancelFlow(std::shared_ptr<backend::HisDriver> his, TaskRunner& tasks, Post post,
                       std::shared_ptr<payments::PaymentDesk> desk)
    : his_(std::move(his)), desk_(std::move(desk)), tasks_(tasks), post_(std::move(post)), shared_(std::make_shared<Shared>()) {}

CancelFlow::~CancelFlow() = default;

void CancelFlow::reset() {
    // A cancellation in flight still finishes at the HIS (it moves no money); its answer is dropped.
    std::lock_guard lock(shared_->mutex);
    const uint64_t generation = shared_->view.generation + 1;
    shared_->view = CancelView{};
    shared_->view.generation = generation;
    shared_->identity.wipe();
}

CancelView CancelFlow::view() const {
    std::lock_guard lock(shared_->mutex);
    return shared_->view;
}

void CancelFlow::load(const PatientIdentity& identity) {
    uint64_t generation = 0;
    {
        std::lock_guard lock(shared_->mutex);
        shared_->identity = identity;
        shared_->view.stage = CancelStage::loading;
        shared_->view.upcoming.clear();
        shared_->view.error.reset();
        generation = shared_->view.generation;
    }
    auto post = post_;
    auto update = [post](Shared& shared, uint64_t gen, const std::function<void(CancelView&)>& change) {
        {
            std::lock_guard lock(shared.mutex);
            if (shared.view.generation != gen) return;  // the patient has gone
            change(shared.view);
        }
        post(BookingProgress{gen});
    };
    if (!his_) {
        update(*shared_, generation, [](CancelView& v) {
            v.stage = CancelStage::stopped;
            v.error = Error(Errc::unsupported, "no [backend] on this kiosk", "cancel.error.unavailable");
        });
        return;
    }
    tasks_.post([his = his_, desk = desk_, shared = shared_, generation, update] {
        PatientIdentity copied;
        {
            std::lock_guard lock(shared->mutex);
            copied = shared->identity;
        }
        auto patient = findSessionPatient(*his, copied);
        copied.wipe();
        auto stop = [&](const Error& error) {
            logger()->warn("cancel list stopped: {}", error.describe());
            update(*shared, generation, [&](CancelView& v) {
                v.stage = CancelStage::stopped;
                v.error = error;
            });
        };
        if (!patient) return stop(patient.error());
        auto upcoming = his->upcomingAppointments(patient->id);
        if (!upcoming) return stop(upcoming.error());
        // Names for the list: departments once, each department's doctors once. Without them the
        // list still shows dates and times.
        std::map<std::string, backend::Department> departments;
        if (auto list = his->departments()) {
            for (auto& d : *list) departments[d.id] = std::move(d);
        } else {
            logger()->warn("departments unavailable, names left out: {}", list.error().describe());
        }
        std::map<std::string, std::string> doctorNames;
        std::vector<CancelAppointment> named;
        for (const auto& a : *upcoming) {
            CancelAppointment row{a, {}, {}, {}, {}};
            if (desk) {  // a fee the HIS does not state is still in this kiosk's journal
                // Sold here: the fee goes back by its channel. A journal that cannot be read
                // leaves it to the counter (never a refund the kiosk cannot account for).
                if (auto sold = desk->refundableBooking(a.id); sold && *sold) {
                    // A fee the insurance paid in full goes back to the insurance alone.
                    row.refundChannel = (*sold)->channel.empty() && (*sold)->usesInsurance() ? "insurance" : (*sold)->channel;
                    if (row.appointment.feeFen <= 0) row.appointment.feeFen = (*sold)->totalFen;
                } else if (!sold) {
                    // Being settled already, or the journal unreadable: cancel() asks again and
                    // says why it cannot be cancelled here.
                    logger()->info("Appointment/{}: not refundable here now: {}", a.id, sold.error().describe());
                }
            }
            if (auto d = departments.find(a.departmentId); d != departments.end()) {
                row.department = d->second.name;
                row.departmentEn = d->second.nameEn;
                if (!doctorNames.contains(a.doctorId)) {
                    doctorNames[a.doctorId] = "";
                    if (auto doctors = his->doctors(a.departmentId)) {
                        for (const auto& doctor : *doctors) doctorNames[doctor.id] = doctor.name;
                    }
                }
            }
            row.doctor = doctorNames[a.doctorId];
            named.push_back(std::move(row));
        }
        logger()->info("patient {}: {} future appointment(s) to cancel", patient->id, named.size());
        update(*shared, generation, [&](CancelView& v) {
            v.stage = named.empty() ? CancelStage::none : CancelStage::list;
            v.upcoming = std::move(named);
        });
    });
}

void CancelFlow::choose(const std::string& appointmentId) {
    std::lock_guard lock(shared_->mutex);
    if (shared_->view.stage != CancelStage::list) return;
    auto it = std::find_if(shared_->view.upcoming.begin(), shared_->view.upcoming.end(),
                           [&](const CancelAppointment& a) { return a.appointment.id == appointmentId; });
    if (it == shared_->view.upcoming.end()) return;
    shared_->view.chosen = *it;
    shared_->view.stage = CancelStage::confirm;
}

void CancelFlow::backToList() {
    std::lock_guard lock(shared_->mutex);
    if (shared_->view.stage == CancelStage::confirm) shared_->view.stage = CancelStage::list;
}

void CancelFlow::cancel() {
    CancelAppointment chosen;
    uint64_t generation = 0;
    {
        std::lock_guard lock(shared_->mutex);
        if (shared_->view.stage != CancelStage::confirm || !his_) return;
        chosen = shared_->view.chosen;
        generation = shared_->view.generation;
        shared_->view.stage = CancelStage::cancelling;
    }
    auto post = post_;
    tasks_.post([his = his_, desk = desk_, shared = shared_, generation, chosen, post] {
        // Sold here: the desk journals the cancellation, asks the HIS, then refunds by the channel.
        std::optional<Result<std::optional<payments::PaymentOrder>>> byDesk;
        // Asked for every paid booking: the desk also knows one whose cancellation it is settling.
        if (desk) byDesk = desk->cancelBooking(chosen.appointment.id);
        const bool soldHere = byDesk && *byDesk && **byDesk;
        Result<void> cancelled;
        CancelRefund refund = chosen.appointment.feeFen > 0 ? CancelRefund::counter : CancelRefund::none;
        if (soldHere) {
            const payments::PaymentOrder& order = ***byDesk;
            using payments::SagaState;
            if (order.state == SagaState::refunded) {
                refund = CancelRefund::refunded;
            } else if (order.state == SagaState::manual) {
                refund = CancelRefund::manual;
            } else if (order.state == SagaState::unknown && order.resumeState == SagaState::his_cancelling) {
                // Whether the HIS cancelled it is not known yet: the journal's recovery decides.
                cancelled = fail(Errc::unknown_outcome, "order " + order.orderId + ": " + order.reason, "cancel.error.unknown");
            } else {
                refund = CancelRefund::pending;  // cancelled at the HIS; the refund's answer was lost
            }
        } else if (byDesk && !*byDesk) {
            cancelled = std::unexpected(byDesk->error());  // refused (cut-off) or the journal failed: nothing changed
        } else {
            // Not sold here (or no longer refundable here): the HIS alone; the counter refunds.
            if (auto answer = his->cancelAppointment(chosen.appointment.id); !answer) cancelled = std::unexpected(answer.error());
        }
        {
            std::lock_guard lock(shared->mutex);
            if (shared->view.generation != generation) return;
            CancelView& v = shared->view;
            if (cancelled) {
                logger()->info("Appointment/{} cancelled (fee {} fen{})", chosen.appointment.id, chosen.appointment.feeFen,
                               refund == CancelRefund::counter    ? ", refunded at the counter"
                               : refund == CancelRefund::refunded ? ", refunded by " + chosen.refundChannel
                               : refund == CancelRefund::pending  ? ", refund being confirmed"
                               : refund == CancelRefund::manual   ? ", refund left to staff"
                                                                  : "");
                v.stage = CancelStage::cancelled;
                v.refund = refund;
                if (!soldHere) v.chosen.refundChannel.clear();  // the notice names the counter
            } else if (cancelled.error().code == Errc::rejected) {
                // After the hospital's cut-off ("backend.cancel_cutoff"), or a state that cannot be
                // cancelled (checked in meanwhile): a plain message, nothing changed.
                logger()->info("cancellation of Appointment/{} refused: {}", chosen.appointment.id, cancelled.error().describe());
                v.stage = CancelStage::refused;
                const std::string& why = cancelled.error().messageKey;
                v.refusedKey = why == "backend.cancel_cutoff"     ? "cancel.refused_cutoff"
                               : why == "cancel.refused_settling" ? why
                                                                  : "cancel.refused_state";
                v.cutoff = chosen.appointment.cancelUntil.value_or("");
            } else {
                // Unknown outcome included: the HIS may have cancelled it; the list says so next time.
                logger()->warn("cancellation of Appointment/{} failed: {}", chosen.appointment.id, cancelled.error().describe());
                v.stage = CancelStage::stopped;
                v.error = cancelled.error();
            }
        }
        post(BookingProgress{generation});
    });
}

}  // namespace kiosk::screens
