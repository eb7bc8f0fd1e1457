#include "screens/checkin/checkin_flow.hpp"

#include <algorithm>
#include <condition_variable>
#include <map>

#include "kiosk/backend/identity_lookup.hpp"
#include "kiosk/core/log.hpp"

namespace kiosk::screens {

using backend::findSessionPatient;

namespace {

auto logger() { return log::module("checkin"); }

/// "2026-11-30" of an ISO 8601 start in the hospital's offset ("2026-11-30T09:00:00+08:00").
std::string dateOf(const std::string& start) { return start.substr(0, std::min<size_t>(10, start.size())); }

bool checkable(const backend::Appointment& a) {
    return a.status == backend::AppointmentStatus::booked || a.status == backend::AppointmentStatus::arrived;
}

}  // namespace

CheckInFlow::CheckInFlow(std::shared_ptr<backend::HisDriver> his, Post post) : his_(std::move(his)), post_(std::move(post)) {}

CheckInFlow::~CheckInFlow() {
    if (watcher_.joinable()) watcher_.request_stop();
    // jthreads join here (each HIS call is bounded by the configured timeouts).
}

void CheckInFlow::reset() {
    stopWatching();
    if (worker_.joinable()) retired_.emplace_back(std::move(worker_), workerDone_);
    std::erase_if(retired_, [](const auto& r) { return r.second->load(); });  // finished: joins at once
    std::lock_guard lock(shared_->mutex);
    const uint64_t next = shared_->view.generation + 1;
    shared_->view = CheckInView{};
    shared_->view.generation = next;
    shared_->identity.wipe();
    shared_->patientId.clear();
}

CheckInView CheckInFlow::view() const {
    std::lock_guard lock(shared_->mutex);
    return shared_->view;
}

void CheckInFlow::update(const std::shared_ptr<Shared>& shared, uint64_t generation, const std::function<void(CheckInView&)>& change) {
    {
        std::lock_guard lock(shared->mutex);
        if (shared->view.generation != generation) return;  // the patient has gone
        change(shared->view);
    }
    post_(CheckInProgress{generation});
}

void CheckInFlow::run(Job job) {
    uint64_t generation = 0;
    {
        std::lock_guard lock(shared_->mutex);
        generation = shared_->view.generation;
    }
    if (worker_.joinable()) worker_.join();  // the previous step posted its result already
    if (!his_) {
        update(shared_, generation, [](CheckInView& v) {
            v.stage = CheckInStage::stopped;
            v.queueLoading = false;
            v.error = Error(Errc::unsupported, "no [backend] on this kiosk", "checkin.error.unavailable");
        });
        return;
    }
    workerDone_ = std::make_shared<std::atomic<bool>>(false);
    worker_ = std::jthread([job = std::move(job), shared = shared_, generation, done = workerDone_] {
        job(shared, generation);
        done->store(true);
    });
}

void CheckInFlow::start(const PatientIdentity& identity, const std::string& today) {
    {
        std::lock_guard lock(shared_->mutex);
        shared_->identity = identity;
        shared_->view.stage = CheckInStage::loading;
        shared_->view.today.clear();
        shared_->view.result.reset();
        shared_->view.queue.reset();
        shared_->view.error.reset();
        shared_->view.reminder = ReminderState::none;
    }
    run([this, today](const std::shared_ptr<Shared>& shared, uint64_t generation) {
        PatientIdentity copied;
        {
            std::lock_guard lock(shared->mutex);
            copied = shared->identity;
        }
        auto patient = findSessionPatient(*his_, copied);
        copied.wipe();
        auto stop = [&](const Error& error) {
            logger()->warn("check-in stopped: {}", error.describe());
            update(shared, generation, [&](CheckInView& v) {
                v.stage = CheckInStage::stopped;
                v.error = error;
            });
        };
        if (!patient) return stop(patient.error());
        auto all = his_->appointments(patient->id);
        if (!all) return stop(all.error());
        // Department names for the screens and the ticket; without them the ticket still prints.
        std::map<std::string, backend::Department> departments;
        if (auto list = his_->departments()) {
            for (auto& d : *list) departments[d.id] = std::move(d);
        } else {
            logger()->warn("departments unavailable, names left out: {}", list.error().describe());
        }
        std::vector<CheckInAppointment> ofToday, later;
        for (const auto& a : *all) {
            if (!checkable(a)) continue;
            CheckInAppointment named{a, {}, {}};
            if (auto d = departments.find(a.departmentId); d != departments.end()) {
                named.department = d->second.name;
                named.departmentEn = d->second.nameEn;
            }
            (dateOf(a.start) == today ? ofToday : later).push_back(std::move(named));
        }
        auto byStart = [](const CheckInAppointment& x, const CheckInAppointment& y) { return x.appointment.start < y.appointment.start; };
        std::sort(ofToday.begin(), ofToday.end(), byStart);
        std::sort(later.begin(), later.end(), byStart);
        {
            std::lock_guard lock(shared->mutex);
            if (shared->view.generation == generation) shared->patientId = patient->id;
        }
        logger()->info("patient {}: {} appointment(s) today, {} later", patient->id, ofToday.size(), later.size());
        if (ofToday.size() == 1) return doCheckIn(shared, generation, ofToday.front());
        // None today: the hospital says which day the next one is on (another_day).
        if (ofToday.empty() && !later.empty()) return doCheckIn(shared, generation, later.front());
        update(shared, generation, [&](CheckInView& v) {
            v.stage = ofToday.empty() ? CheckInStage::none_today : CheckInStage::choose;
            v.today = std::move(ofToday);
        });
    });
}

void CheckInFlow::startByCode(const std::string& code) {
    {
        std::lock_guard lock(shared_->mutex);
        shared_->view.stage = CheckInStage::loading;
        shared_->view.today.clear();
        shared_->view.result.reset();
        shared_->view.queue.reset();
        shared_->view.error.reset();
        shared_->view.reminder = ReminderState::none;
        shared_->view.byCode = true;
        shared_->view.codeFound = false;
    }
    run([this, code](const std::shared_ptr<Shared>& shared, uint64_t generation) {
        auto found = his_->findAppointmentByCode(code);
        if (!found) {
            // The code is not logged in full: it checks the patient in without a card.
            logger()->warn("appointment code {}…: {}", code.substr(0, std::min<size_t>(code.size(), 6)), found.error().describe());
            update(shared, generation, [&](CheckInView& v) {
                v.stage = CheckInStage::stopped;
                v.error = found.error();
            });
            return;
        }
        CheckInAppointment named{*found, {}, {}};
        if (auto list = his_->departments()) {
            for (const auto& d : *list) {
                if (d.id != found->departmentId) continue;
                named.department = d.name;
                named.departmentEn = d.nameEn;
            }
        } else {
            logger()->warn("departments unavailable, names left out: {}", list.error().describe());
        }
        logger()->info("appointment code names Appointment/{} ({})", found->id, backend::appointmentStatusName(found->status));
        {
            std::lock_guard lock(shared->mutex);
            if (shared->view.generation != generation) return;
            shared->patientId = found->patientId;
            shared->view.codeFound = true;
        }
        doCheckIn(shared, generation, std::move(named));
    });
}

void CheckInFlow::checkIn(const std::string& appointmentId) {
    CheckInAppointment chosen;
    {
        std::lock_guard lock(shared_->mutex);
        auto it = std::find_if(shared_->view.today.begin(), shared_->view.today.end(),
                               [&](const CheckInAppointment& a) { return a.appointment.id == appointmentId; });
        if (it == shared_->view.today.end()) return;
        chosen = *it;
        shared_->view.stage = CheckInStage::checking;
    }
    run([this, chosen](const std::shared_ptr<Shared>& shared, uint64_t generation) { doCheckIn(shared, generation, chosen); });
}

void CheckInFlow::doCheckIn(const std::shared_ptr<Shared>& shared, uint64_t generation, CheckInAppointment chosen) {
    update(shared, generation, [](CheckInView& v) { v.stage = CheckInStage::checking; });
    auto result = his_->attemptCheckIn(chosen.appointment.id);
    if (!result) {
        logger()->warn("check-in of Appointment/{} failed: {}", chosen.appointment.id, result.error().describe());
        update(shared, generation, [&](CheckInView& v) {
            v.stage = CheckInStage::stopped;
            v.error = result.error();
        });
        return;
    }
    logger()->info("check-in of Appointment/{}: {}{}", chosen.appointment.id, backend::checkInOutcomeName(result->outcome),
                   result->late ? " (late: end of the queue)" : "");
    std::optional<backend::QueueStatus> queue;
    std::optional<Error> queueError;
    if (result->ok()) {
        // "N ahead, about M minutes" and the room; a ticket still prints when the HIS cannot say.
        auto status = his_->queueStatus(chosen.appointment.id);
        if (status) queue = *status;
        else {
            logger()->warn("queue of Appointment/{} unknown: {}", chosen.appointment.id, status.error().describe());
            queueError = status.error();
        }
    }
    chosen.appointment = result->appointment.id.empty() ? chosen.appointment : result->appointment;
    update(shared, generation, [&](CheckInView& v) {
        v.stage = CheckInStage::result;
        v.result = *result;
        v.chosen = chosen;
        v.queue = queue;
        v.queueError = queueError;
    });
}

void CheckInFlow::askQueue(const std::shared_ptr<Shared>& shared, uint64_t generation, const std::string& appointmentId) {
    auto status = his_->queueStatus(appointmentId);
    if (!status) logger()->warn("queue of Appointment/{}: {}", appointmentId, status.error().describe());
    update(shared, generation, [&](CheckInView& v) {
        v.queueLoading = false;
        if (status) {
            v.queue = *status;
            v.queueError.reset();
        } else {
            v.queueError = status.error();  // the last answer stays on screen, marked as old
        }
        v.queueAt = std::chrono::steady_clock::now();
    });
}

void CheckInFlow::watchQueue() {
    stopWatching();
    std::string appointmentId;
    uint64_t generation = 0;
    {
        std::lock_guard lock(shared_->mutex);
        if (!shared_->view.result || !shared_->view.result->ok()) return;
        appointmentId = shared_->view.chosen.appointment.id;
        generation = shared_->view.generation;
        shared_->view.queueLoading = true;
    }
    if (!his_) return;
    watcher_ = std::jthread([this, appointmentId, generation, shared = shared_](std::stop_token stop) {
        std::mutex sleepMutex;
        std::condition_variable_any wake;
        while (!stop.stop_requested()) {
            askQueue(shared, generation, appointmentId);
            std::unique_lock lock(sleepMutex);
            wake.wait_for(lock, stop, kQueueRefresh, [] { return false; });
        }
    });
}

void CheckInFlow::stopWatching() {
    if (watcher_.joinable()) {
        watcher_.request_stop();
        watcher_ = std::jthread{};  // joins: the wait ends at once, an HIS call within its timeout
    }
    std::lock_guard lock(shared_->mutex);
    shared_->view.queueLoading = false;
}

void CheckInFlow::requestReminder() {
    std::string appointmentId;
    std::string patientId;
    {
        std::lock_guard lock(shared_->mutex);
        if (!shared_->view.result || !shared_->view.result->ok() || shared_->view.reminder == ReminderState::sending ||
            shared_->view.reminder == ReminderState::set) {
            return;
        }
        appointmentId = shared_->view.chosen.appointment.id;
        patientId = shared_->patientId;
        shared_->view.reminder = ReminderState::sending;
    }
    run([this, appointmentId, patientId](const std::shared_ptr<Shared>& shared, uint64_t generation) {
        // One key per appointment and threshold: pressing again (or a retry) never asks twice.
        backend::QueueReminderRequest request{.tradeNo = "RMD-" + appointmentId + "-" + std::to_string(kReminderAhead),
                                              .appointmentId = appointmentId,
                                              .patientId = patientId,
                                              .whenAhead = kReminderAhead};
        auto answer = his_->requestQueueReminder(request);
        if (!answer) logger()->warn("SMS reminder for Appointment/{}: {}", appointmentId, answer.error().describe());
        else logger()->info("SMS reminder for Appointment/{} at {} ahead: {}", appointmentId, kReminderAhead, answer->resourceId);
        update(shared, generation, [&](CheckInView& v) {
            v.reminder = answer ? ReminderState::set : ReminderState::failed;
            if (!answer) {
                v.reminderErrorKey = answer.error().messageKey == "backend.no_phone" ? "checkin.queue.reminder_no_phone"
                                                                                    : "checkin.queue.reminder_failed";
            }
        });
    });
}

}  // namespace kiosk::screens
