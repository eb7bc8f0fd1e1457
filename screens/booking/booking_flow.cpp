#include "screens/booking/booking_flow.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>

#include "kiosk/backend/identity_lookup.hpp"
#include "kiosk/core/log.hpp"

namespace kiosk::screens {

namespace {

auto logger() { return log::module("booking"); }

/// The hold journal: every business key is written before the hold it names, so that after a
/// crash `kiosk journal` and the help desk can ask the HIS (lookupTransaction) what became of it
/// and no slot stays held without the kiosk knowing.
const std::vector<Migration> kMigrations = {
    {1, R"(CREATE TABLE booking_hold (
              trade_no TEXT PRIMARY KEY,
              patient_id TEXT NOT NULL,
              slot_id TEXT NOT NULL,
              fee_fen INTEGER NOT NULL,
              state TEXT NOT NULL,          -- holding, held, taken, failed, booking, booked, released
              appointment_id TEXT,
              detail TEXT,
              created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
              updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')));)"},
};

Result<backend::Patient> findSessionPatient(backend::HisDriver& his, const PatientIdentity& identity) {
    // The ID number first: a one-use e-health-card token must not be resolved a second time.
    if (!identity.idNumber.empty()) {
        auto byId = his.findPatient(backend::PatientKey::id_number, identity.idNumber);
        if (byId || byId.error().code != Errc::not_found) return byId;
    }
    return backend::identifyPatient(his, identity);
}

/// "YYYY-MM-DD" `days` after `date` (the civil calendar; dates only, no zone involved).
std::string addDays(const std::string& date, int days) {
    using namespace std::chrono;
    if (date.size() < 10) return date;
    const year_month_day ymd{year{std::stoi(date.substr(0, 4))}, month{static_cast<unsigned>(std::stoi(date.substr(5, 2)))},
                             day{static_cast<unsigned>(std::stoi(date.substr(8, 2)))}};
    const year_month_day next{sys_days{ymd} + std::chrono::days{days}};
    return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(next.year()), static_cast<unsigned>(next.month()),
                       static_cast<unsigned>(next.day()));
}

}  // namespace

struct BookingFlow::Shared {
    mutable std::mutex mutex;
    BookingView view;
    PatientIdentity identity;  ///< wiped by reset()
    std::string patientId;     ///< the HIS patient id
    std::mutex journalMutex;   ///< one step at a time uses the journal connection
    std::unique_ptr<Journal> journal;
    std::atomic<uint64_t> keys{0};
};

const BookingDepartment* BookingView::department() const {
    for (const auto& d : departments) {
        if (d.department.id == departmentId) return &d;
    }
    return nullptr;
}

const BookingDoctor* BookingView::doctorOf(const std::string& doctorId) const {
    for (const auto& d : doctors) {
        if (d.doctor.id == doctorId) return &d;
    }
    return nullptr;
}

bool BookingFlow::initialsMatch(std::string_view typed, std::string_view initials) {
    // The typed letters in order, each the initial of some character of the name: patients type
    // the short name they know (心内科, XNK) for the hospital's long one (心血管内科, XXGNK), or
    // the end of it (NK).
    size_t at = 0;
    for (const char letter : typed) {
        at = initials.find(letter, at);
        if (at == std::string_view::npos) return false;
        ++at;
    }
    return true;
}

BookingFlow::BookingFlow(std::shared_ptr<backend::HisDriver> his, std::unique_ptr<Journal> journal, std::string kioskId,
                         std::optional<PinyinConverter> pinyin, TaskRunner& tasks, Post post)
    : his_(std::move(his)),
      kioskId_(std::move(kioskId)),
      pinyin_(std::move(pinyin)),
      tasks_(tasks),
      post_(std::move(post)),
      shared_(std::make_shared<Shared>()) {
    shared_->journal = std::move(journal);
    if (shared_->journal) {
        if (auto migrated = shared_->journal->migrate("booking", kMigrations); !migrated) {
            logger()->error("booking journal: {}", migrated.error().describe());
            shared_->journal.reset();  // no key can be journalled: holds are refused (no hold without a key)
        }
    }
}

BookingFlow::~BookingFlow() {
    // Steps run on the App's TaskRunner and use this object: let them finish first (bounded by
    // the HTTP timeouts), so no step outlives the flow it reports to.
    tasks_.waitIdle();
}

BookingView BookingFlow::view() const {
    std::lock_guard lock(shared_->mutex);
    return shared_->view;
}

void BookingFlow::reset() {
    std::string releaseId;
    {
        std::lock_guard lock(shared_->mutex);
        // A slot held and not booked goes back to the hospital at once (it would expire anyway).
        if (shared_->view.stage == BookStage::held) releaseId = shared_->view.appointment.id;
        const uint64_t generation = shared_->view.generation + 1;
        shared_->view = BookingView{};
        shared_->view.generation = generation;
        shared_->identity = PatientIdentity{};
        shared_->patientId.clear();
    }
    if (!releaseId.empty() && his_) {
        tasks_.post([his = his_, releaseId] {
            if (auto cancelled = his->cancelAppointment(releaseId); !cancelled) {
                logger()->warn("hold {} not released at session end ({}); it expires by itself", releaseId, cancelled.error().describe());
            }
        });
    }
}

void BookingFlow::update(Shared& shared, uint64_t generation, const std::function<void(BookingView&)>& change) {
    {
        std::lock_guard lock(shared.mutex);
        if (shared.view.generation != generation) return;  // the patient left meanwhile
        change(shared.view);
    }
    post_(BookingProgress{generation});
}

void BookingFlow::start(BookStage stage, Job job) {
    uint64_t generation = 0;
    {
        std::lock_guard lock(shared_->mutex);
        shared_->view.stage = stage;
        shared_->view.error.reset();
        generation = shared_->view.generation;
    }
    if (!his_) {
        update(*shared_, generation, [](BookingView& v) {
            v.stage = BookStage::stopped;
            v.error = Error(Errc::unsupported, "no [backend]: booking is not connected", "booking.error.unavailable");
        });
        return;
    }
    tasks_.post([shared = shared_, job = std::move(job), generation] { job(*shared, generation); });
}

void BookingFlow::loadDepartments(const PatientIdentity& identity, const std::string& today) {
    {
        std::lock_guard lock(shared_->mutex);
        shared_->identity = identity;
        for (int i = 0; i < kBookingDays; ++i) shared_->view.days[static_cast<size_t>(i)] = addDays(today, i);
        shared_->view.noticeKey.clear();
    }
    start(BookStage::loading, [this](Shared& shared, uint64_t generation) {
        PatientIdentity identity;
        std::string today;
        {
            std::lock_guard lock(shared.mutex);
            identity = shared.identity;
            today = shared.view.days[0];
        }
        auto patient = findSessionPatient(*his_, identity);
        if (!patient) {
            logger()->warn("booking: patient not found in the HIS: {}", patient.error().describe());
            update(shared, generation, [&](BookingView& v) {
                v.stage = BookStage::stopped;
                v.error = patient.error();
            });
            return;
        }
        if (patient->bookingBlockedUntil) {
            // The no-show blacklist: said before anything is chosen.
            logger()->info("booking blocked until {} ({})", *patient->bookingBlockedUntil, patient->bookingBlockedReason);
            update(shared, generation, [&](BookingView& v) {
                v.stage = BookStage::stopped;
                v.error = Error(Errc::blocked, "no-show blacklist until " + *patient->bookingBlockedUntil, "booking.error.blocked");
                v.noticeKey = *patient->bookingBlockedUntil;
            });
            return;
        }
        {
            std::lock_guard lock(shared.mutex);
            shared.patientId = patient->id;
        }
        auto departments = his_->departments();
        if (!departments) {
            update(shared, generation, [&](BookingView& v) {
                v.stage = BookStage::stopped;
                v.error = departments.error();
            });
            return;
        }
        std::vector<BookingDepartment> listed;
        for (auto& department : *departments) {
            if (department.name.empty()) {
                logger()->warn("department {} without a name: left out", department.id);
                continue;
            }
            BookingDepartment entry{department, pinyin_ ? pinyin_->initials(department.name) : std::string(), -1};
            backend::SlotQuery query;
            query.departmentId = department.id;
            query.fromDate = today;
            if (auto free = his_->slots(query)) {
                entry.freeToday = static_cast<int>(free->size());
            } else {
                logger()->warn("free slots of {} today: {}", department.id, free.error().describe());
            }
            listed.push_back(std::move(entry));
        }
        update(shared, generation, [&](BookingView& v) {
            v.stage = BookStage::departments;
            v.departments = std::move(listed);
        });
    });
}

void BookingFlow::listDepartment(Shared& shared, uint64_t generation, const std::string& departmentId, std::string noticeKey) {
    std::array<std::string, kBookingDays> days;
    {
        std::lock_guard lock(shared.mutex);
        days = shared.view.days;
    }
    auto doctors = his_->doctors(departmentId);
    backend::SlotQuery query;
    query.departmentId = departmentId;
    query.fromDate = days[0];
    query.toDate = addDays(days[0], kBookingDays);
    auto slots = doctors ? his_->slots(query) : Result<std::vector<backend::Slot>>(std::unexpected(doctors.error()));
    if (!slots) {
        logger()->warn("doctors or slots of {}: {}", departmentId, slots.error().describe());
        update(shared, generation, [&](BookingView& v) {
            v.stage = BookStage::stopped;
            v.error = slots.error();
        });
        return;
    }
    std::vector<backend::Slot> free;
    for (auto& slot : *slots) {
        if (slot.status != "free") continue;
        if (slot.departmentId != departmentId && !slot.departmentId.empty()) {
            logger()->warn("slot {} belongs to {}, not {}: left out", slot.id, slot.departmentId, departmentId);
            continue;
        }
        free.push_back(std::move(slot));
    }
    std::sort(free.begin(), free.end(), [](const backend::Slot& a, const backend::Slot& b) { return a.start < b.start; });
    std::vector<BookingDoctor> listed;
    for (auto& doctor : *doctors) {
        if (doctor.name.empty()) {
            logger()->warn("doctor {} without a name: left out", doctor.id);
            continue;
        }
        BookingDoctor entry{doctor, pinyin_ ? pinyin_->initials(doctor.name) : std::string(), {}};
        for (const auto& slot : free) {
            if (slot.doctorId != doctor.id) continue;
            for (size_t day = 0; day < days.size(); ++day) {
                if (slot.start.starts_with(days[day])) ++entry.freeByDay[day];
            }
        }
        listed.push_back(std::move(entry));
    }
    // The "any doctor" general clinic (普通门诊) first: most patients do not need a named doctor.
    std::stable_partition(listed.begin(), listed.end(), [](const BookingDoctor& d) { return d.doctor.anyDoctor; });
    update(shared, generation, [&](BookingView& v) {
        v.stage = BookStage::doctors;
        v.departmentId = departmentId;
        v.doctors = std::move(listed);
        v.slots = std::move(free);
        v.noticeKey = std::move(noticeKey);
    });
}

void BookingFlow::chooseDepartment(const std::string& departmentId) {
    {
        std::lock_guard lock(shared_->mutex);
        shared_->view.noticeKey.clear();
    }
    start(BookStage::loadingDoctors,
          [this, departmentId](Shared& shared, uint64_t generation) { listDepartment(shared, generation, departmentId, {}); });
}

void BookingFlow::backToDepartments() {
    std::lock_guard lock(shared_->mutex);
    shared_->view.stage = BookStage::departments;
    shared_->view.noticeKey.clear();
}

void BookingFlow::chooseDay(int day) {
    std::lock_guard lock(shared_->mutex);
    shared_->view.day = std::clamp(day, 0, kBookingDays - 1);
    shared_->view.noticeKey.clear();
}

void BookingFlow::chooseDoctor(const std::string& doctorId) {
    std::lock_guard lock(shared_->mutex);
    shared_->view.doctorId = doctorId;
    shared_->view.noticeKey.clear();
}

void BookingFlow::hold(const std::string& slotId) {
    backend::Slot chosen;
    std::string departmentId;
    {
        std::lock_guard lock(shared_->mutex);
        for (const auto& slot : shared_->view.slots) {
            if (slot.id == slotId) chosen = slot;
        }
        departmentId = shared_->view.departmentId;
        shared_->view.chosen = chosen;
        shared_->view.noticeKey.clear();
    }
    if (chosen.id.empty()) {
        logger()->warn("hold: slot {} is not in the list shown", slotId);
        return;
    }
    const std::string tradeNo = fmt::format(
        "BK{}{}{:03}", kioskId_,
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count(),
        shared_->keys.fetch_add(1) % 1000);
    start(BookStage::holding, [this, chosen, departmentId, tradeNo](Shared& shared, uint64_t generation) {
        std::string patientId;
        {
            std::lock_guard lock(shared.mutex);
            patientId = shared.patientId;
            shared.view.tradeNo = tradeNo;
        }
        auto journalState = [&](std::string_view state, const std::string& appointmentId, const std::string& detail) -> Result<void> {
            std::lock_guard lock(shared.journalMutex);
            if (!shared.journal) return fail(Errc::io_error, "no booking journal");
            auto statement = shared.journal->prepare(
                "INSERT INTO booking_hold (trade_no, patient_id, slot_id, fee_fen, state, appointment_id, detail) "
                "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(trade_no) DO UPDATE SET state = ?5, "
                "appointment_id = coalesce(?6, appointment_id), detail = ?7, "
                "updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')");
            if (!statement) return std::unexpected(statement.error());
            statement->bind(1, tradeNo).bind(2, patientId).bind(3, chosen.id).bind(4, chosen.feeFen).bind(5, state);
            if (appointmentId.empty()) {
                statement->bindNull(6);
            } else {
                statement->bind(6, appointmentId);
            }
            statement->bind(7, detail);
            return statement->run();
        };
        // The key is journalled before the hold: no slot is ever held under a key the kiosk lost.
        if (auto journalled = journalState("holding", {}, {}); !journalled) {
            logger()->error("booking key {} not journalled ({}): nothing held", tradeNo, journalled.error().describe());
            update(shared, generation, [&](BookingView& v) {
                v.stage = BookStage::stopped;
                v.error = Error(Errc::io_error, journalled.error().detail, "booking.error.generic");
            });
            return;
        }
        auto held = his_->holdSlot(chosen.id, patientId, tradeNo);
        if (!held && held.error().code == Errc::unknown_outcome) {
            // The answer was lost: the HIS may hold it under our key (asked once, same key).
            held = his_->holdSlot(chosen.id, patientId, tradeNo);
        }
        if (!held) {
            const Error error = held.error();
            (void)journalState(error.code == Errc::slot_taken ? "taken" : "failed", {}, error.describe());
            if (error.code == Errc::slot_taken) {
                // Taken between the list and the hold: a fresh list, and a plain word why.
                logger()->info("slot {} taken before the hold ({})", chosen.id, tradeNo);
                listDepartment(shared, generation, departmentId, "booking.notice.slot_taken");
                return;
            }
            logger()->warn("hold of {} ({}) refused: {}", chosen.id, tradeNo, error.describe());
            update(shared, generation, [&](BookingView& v) {
                v.stage = BookStage::stopped;
                v.error = error;
            });
            return;
        }
        (void)journalState("held", held->id, {});
        logger()->info("slot {} held as {} ({}), fee {} fen", chosen.id, held->id, tradeNo, held->feeFen);
        update(shared, generation, [&](BookingView& v) {
            v.stage = BookStage::held;
            v.appointment = *held;
        });
    });
}

void BookingFlow::book() {
    backend::Appointment held;
    std::string tradeNo;
    {
        std::lock_guard lock(shared_->mutex);
        if (shared_->view.stage != BookStage::held) return;
        held = shared_->view.appointment;
        tradeNo = shared_->view.tradeNo;
    }
    if (held.feeFen > 0) {
        // Paying the fee before the booking is not connected to the payment desk yet: never book
        // an unpaid appointment. The screen sends the patient to the counter.
        logger()->warn("book: {} has a fee of {} fen; not booked without payment", held.id, held.feeFen);
        return;
    }
    start(BookStage::booking, [this, held, tradeNo](Shared& shared, uint64_t generation) {
        auto journalState = [&](std::string_view state, const std::string& detail) {
            std::lock_guard lock(shared.journalMutex);
            if (!shared.journal) return;
            if (auto statement = shared.journal->prepare(
                    "UPDATE booking_hold SET state = ?2, detail = ?3, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') "
                    "WHERE trade_no = ?1")) {
                statement->bind(1, tradeNo).bind(2, state).bind(3, detail);
                if (auto ran = statement->run(); !ran) logger()->error("booking journal: {}", ran.error().describe());
            }
        };
        journalState("booking", {});
        auto booked = his_->book(held.id);
        if (!booked) {
            logger()->warn("booking {} ({}) refused: {}", held.id, tradeNo, booked.error().describe());
            journalState(booked.error().code == Errc::unknown_outcome ? "booking" : "failed", booked.error().describe());
            update(shared, generation, [&](BookingView& v) {
                v.stage = BookStage::stopped;
                v.error = booked.error();
            });
            return;
        }
        journalState("booked", {});
        logger()->info("appointment {} booked ({})", booked->id, tradeNo);
        update(shared, generation, [&](BookingView& v) {
            v.stage = BookStage::booked;
            v.appointment = *booked;
        });
    });
}

void BookingFlow::releaseHold() {
    std::string releaseId;
    std::string departmentId;
    {
        std::lock_guard lock(shared_->mutex);
        if (shared_->view.stage != BookStage::held) return;
        releaseId = shared_->view.appointment.id;
        departmentId = shared_->view.departmentId;
        shared_->view.appointment = backend::Appointment{};
    }
    start(BookStage::loadingDoctors, [this, releaseId, departmentId](Shared& shared, uint64_t generation) {
        if (auto cancelled = his_->cancelAppointment(releaseId); !cancelled) {
            logger()->warn("hold {} not released ({}); it expires by itself", releaseId, cancelled.error().describe());
        }
        listDepartment(shared, generation, departmentId, {});
    });
}

}  // namespace kiosk::screens
