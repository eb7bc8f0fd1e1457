#include "screens/booking/booking_flow.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>

#include "kiosk/backend/identity_lookup.hpp"
#include "screens/payment/insurance_credential.hpp"
#include "kiosk/core/log.hpp"

namespace kiosk::screens {

using backend::findSessionPatient;

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
    /// Ends the current QR wait early (the patient pressed cancel, or the session ended): one flag
    /// per payment, read by its worker (under `mutex` to swap).
    std::shared_ptr<std::atomic<bool>> cancelPay = std::make_shared<std::atomic<bool>>(false);
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
                         std::optional<PinyinConverter> pinyin, TaskRunner& tasks, Post post,
                         std::shared_ptr<payments::PaymentDesk> desk)
    : his_(std::move(his)),
      desk_(std::move(desk)),
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
    // the HTTP timeouts), so no step outlives the flow it reports to. A fee's QR wait ends at once
    // (the order is closed, or found paid and booked); its worker is joined.
    {
        std::lock_guard lock(shared_->mutex);
        *shared_->cancelPay = true;
    }
    payWorkers_.clear();
    tasks_.waitIdle();
}

BookingView BookingFlow::view() const {
    std::lock_guard lock(shared_->mutex);
    return shared_->view;
}

void BookingFlow::reset() {
    std::string releaseId;
    std::string closeOrderId;
    {
        std::lock_guard lock(shared_->mutex);
        // A slot held and not booked goes back to the hospital at once (it would expire anyway);
        // with a fee order, closing the order releases it.
        if (shared_->view.stage == BookStage::held || shared_->view.stage == BookStage::insuranceSplit) {
            if (shared_->view.order.orderId.empty()) {
                releaseId = shared_->view.appointment.id;
            } else {
                closeOrderId = shared_->view.order.orderId;
            }
        }
        // A QR wait running for the patient who left ends now; its worker closes the order or,
        // when it was paid meanwhile, books it (the journal keeps the outcome).
        *shared_->cancelPay = true;
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
    if (!closeOrderId.empty() && desk_) {
        tasks_.post([desk = desk_, closeOrderId] {
            if (auto closed = desk->abandon(closeOrderId); !closed) {
                logger()->warn("fee order {} not closed at session end ({}); recovery closes it", closeOrderId, closed.error().describe());
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
    start(BookStage::loading, [this](Shared& shared, uint64_t generation) { readDepartments(shared, generation, false); });
}

void BookingFlow::openDepartment(const PatientIdentity& identity, const std::string& today, const std::string& departmentCode) {
    {
        std::lock_guard lock(shared_->mutex);
        shared_->identity = identity;
        for (int i = 0; i < kBookingDays; ++i) shared_->view.days[static_cast<size_t>(i)] = addDays(today, i);
        shared_->view.noticeKey.clear();
    }
    start(BookStage::loadingDoctors, [this, departmentCode](Shared& shared, uint64_t generation) {
        if (!readDepartments(shared, generation, true)) return;
        std::string departmentId;
        {
            std::lock_guard lock(shared.mutex);
            for (const auto& d : shared.view.departments) {
                if (d.department.code == departmentCode) departmentId = d.department.id;
            }
        }
        if (departmentId.empty()) {
            logger()->warn("booking: no department with code {} at this hospital", departmentCode);
            update(shared, generation, [&](BookingView& v) {
                v.stage = BookStage::stopped;
                v.error = Error(Errc::not_found, "no department with code " + departmentCode, "booking.error.generic");
            });
            return;
        }
        listDepartment(shared, generation, departmentId, {});
    });
}

bool BookingFlow::readDepartments(Shared& shared, uint64_t generation, bool thenDoctors) {
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
        return false;
    }
    if (patient->bookingBlockedUntil) {
        // The no-show blacklist: said before anything is chosen.
        logger()->info("booking blocked until {} ({})", *patient->bookingBlockedUntil, patient->bookingBlockedReason);
        update(shared, generation, [&](BookingView& v) {
            v.stage = BookStage::stopped;
            v.error = Error(Errc::blocked, "no-show blacklist until " + *patient->bookingBlockedUntil, "booking.error.blocked");
            v.noticeKey = *patient->bookingBlockedUntil;
        });
        return false;
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
        return false;
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
    // Chained to a department's doctors (openDepartment): still loading, the doctors follow.
    update(shared, generation, [&](BookingView& v) {
        v.stage = thenDoctors ? BookStage::loadingDoctors : BookStage::departments;
        v.departments = std::move(listed);
    });
    return true;
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
    if (chosen.feeFen > 0 && desk_) {
        start(BookStage::holding, [this, chosen, departmentId](Shared& shared, uint64_t generation) {
            holdForFee(shared, generation, chosen, departmentId);
        });
        return;
    }
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
    std::string orderId;
    {
        std::lock_guard lock(shared_->mutex);
        if (shared_->view.stage != BookStage::held) return;
        releaseId = shared_->view.appointment.id;
        departmentId = shared_->view.departmentId;
        orderId = shared_->view.order.orderId;
        shared_->view.appointment = backend::Appointment{};
        shared_->view.order = payments::PaymentOrder{};
    }
    start(BookStage::loadingDoctors, [this, releaseId, departmentId, orderId](Shared& shared, uint64_t generation) {
        if (!orderId.empty()) {
            // Nothing was paid: closing the fee's order releases its hold.
            if (auto closed = desk_->abandon(orderId); !closed) {
                logger()->warn("fee order {} not closed ({}); recovery closes it", orderId, closed.error().describe());
            }
        } else if (auto cancelled = his_->cancelAppointment(releaseId); !cancelled) {
            logger()->warn("hold {} not released ({}); it expires by itself", releaseId, cancelled.error().describe());
        }
        listDepartment(shared, generation, departmentId, {});
    });
}

void BookingFlow::holdForFee(Shared& shared, uint64_t generation, const backend::Slot& chosen, const std::string& departmentId) {
    std::string patientId;
    bool insuranceOffered = false;
    {
        std::lock_guard lock(shared.mutex);
        patientId = shared.patientId;
        insuranceOffered = desk_->insuranceEnabled() && insuranceCredentialOf(shared.identity).has_value();
    }
    // The desk journals the order and its hold key before the hold (registration_saga.hpp).
    auto held = desk_->holdForRegistration(patientId, chosen.id, chosen.feeFen);
    if (!held) {
        const Error error = held.error();
        if (error.code == Errc::slot_taken || error.messageKey == "payments.fee_changed") {
            logger()->info("slot {} taken or repriced before the hold: {}", chosen.id, error.describe());
            listDepartment(shared, generation, departmentId,
                           error.code == Errc::slot_taken ? "booking.notice.slot_taken" : "booking.notice.fee_changed");
            return;
        }
        logger()->warn("hold of {} for its fee refused: {}", chosen.id, error.describe());
        update(shared, generation, [&](BookingView& v) {
            v.stage = BookStage::stopped;
            v.error = error;
        });
        return;
    }
    {
        // The flow's own hold table lists every hold (the help desk's one place to look); the key
        // itself was journalled by the desk before the hold.
        std::lock_guard lock(shared.journalMutex);
        if (shared.journal) {
            if (auto statement = shared.journal->prepare(
                    "INSERT OR REPLACE INTO booking_hold (trade_no, patient_id, slot_id, fee_fen, state, appointment_id, detail) "
                    "VALUES (?1, ?2, ?3, ?4, 'held', ?5, ?6)")) {
                statement->bind(1, held->order.holdKey).bind(2, patientId).bind(3, chosen.id).bind(4, chosen.feeFen)
                    .bind(5, held->appointment.id).bind(6, "fee order " + held->order.orderId);
                if (auto ran = statement->run(); !ran) logger()->error("booking journal: {}", ran.error().describe());
            }
        }
    }
    logger()->info("slot {} held as {} for fee order {} ({} fen)", chosen.id, held->appointment.id, held->order.orderId, chosen.feeFen);
    update(shared, generation, [&](BookingView& v) {
        v.stage = BookStage::held;
        v.appointment = held->appointment;
        v.order = held->order;
        v.tradeNo = held->order.holdKey;
        v.feePayable = true;
        v.insuranceOffered = insuranceOffered;
        v.cancelledByPatient = false;
    });
}

void BookingFlow::payByInsurance() {
    std::string orderId;
    std::optional<payments::InsuranceCredential> credential;
    {
        std::lock_guard lock(shared_->mutex);
        if (shared_->view.stage != BookStage::held || shared_->view.order.orderId.empty() || !shared_->view.insuranceOffered) return;
        orderId = shared_->view.order.orderId;
        credential = insuranceCredentialOf(shared_->identity);
        shared_->view.noticeKey.clear();
    }
    if (!credential) return;
    start(BookStage::presettling, [this, orderId, credential = std::move(*credential)](Shared& shared, uint64_t generation) mutable {
        auto presettled = desk_->preSettleRegistration(orderId, credential);
        credential.certNo.assign(credential.certNo.size(), '\0');  // used for 1101 and forgotten
        if (presettled) {
            update(shared, generation, [&](BookingView& v) {
                v.stage = BookStage::insuranceSplit;
                v.order = *presettled;
            });
            return;
        }
        logger()->warn("fee order {}: insurance pre-settlement failed: {}", orderId, presettled.error().describe());
        auto stored = desk_->order(orderId);
        if (stored && stored->state == payments::SagaState::created) {
            // Nothing was settled and the slot is still held: the patient may pay it themselves.
            update(shared, generation, [&](BookingView& v) {
                v.stage = BookStage::held;
                v.order = *stored;
                v.noticeKey = presettled.error().code == Errc::rejected ? "booking.insurance.refused" : "booking.insurance.unavailable";
            });
            return;
        }
        update(shared, generation, [&](BookingView& v) {
            v.stage = BookStage::stopped;
            v.error = presettled.error();
        });
    });
}

void BookingFlow::declineInsurance() {
    std::string orderId;
    {
        std::lock_guard lock(shared_->mutex);
        if (shared_->view.stage != BookStage::insuranceSplit) return;
        orderId = shared_->view.order.orderId;
    }
    start(BookStage::presettling, [this, orderId](Shared& shared, uint64_t generation) {
        auto selfPay = desk_->backToSelfPay(orderId);
        if (!selfPay || selfPay->state != payments::SagaState::created) {
            logger()->error("fee order {}: not back to self-pay ({})", orderId,
                            selfPay ? std::string(payments::stateName(selfPay->state)) : selfPay.error().describe());
            update(shared, generation, [&](BookingView& v) {
                v.stage = BookStage::stopped;
                v.error = selfPay ? Error(Errc::internal, "order not back to self-pay") : selfPay.error();
            });
            return;
        }
        update(shared, generation, [&](BookingView& v) {
            v.stage = BookStage::held;
            v.order = *selfPay;
        });
    });
}

std::chrono::seconds BookingFlow::qrTimeout() const {
    return desk_ ? std::chrono::duration_cast<std::chrono::seconds>(desk_->qrSettings().qrTimeout) : std::chrono::seconds(0);
}

void BookingFlow::cancelPayment() {
    std::lock_guard lock(shared_->mutex);
    if (shared_->view.stage != BookStage::qr) return;
    shared_->view.cancelledByPatient = true;
    *shared_->cancelPay = true;
}

void BookingFlow::payBy(const std::string& channel, SteadyTime now) {
    std::string orderId;
    std::shared_ptr<std::atomic<bool>> cancel;
    {
        std::lock_guard lock(shared_->mutex);
        const BookingView& view = shared_->view;
        const bool split = view.stage == BookStage::insuranceSplit;
        if ((view.stage != BookStage::held && !split) || view.order.orderId.empty()) return;
        // No channel only confirms a split with nothing left to pay.
        if (channel.empty() && !(split && view.order.cashFen == 0)) return;
        orderId = shared_->view.order.orderId;
        shared_->view.channel = channel;
        shared_->view.cancelledByPatient = false;
        shared_->cancelPay = std::make_shared<std::atomic<bool>>(false);
        cancel = shared_->cancelPay;
    }
    uint64_t current = 0;
    {
        std::lock_guard lock(shared_->mutex);
        shared_->view.stage = BookStage::ordering;
        shared_->view.error.reset();
        current = shared_->view.generation;
    }
    // Finished workers are joined here (instant); a running one belongs to an earlier patient.
    payWorkers_.remove_if([](const PayWorker& w) { return w.done->load(); });
    auto done = std::make_shared<std::atomic<bool>>(false);
    auto job = [this, orderId, channel, now, cancel](Shared& shared, uint64_t generation) {
        auto finishWith = [&](const Result<payments::PaymentOrder>& order) {
            if (!order) {
                // The call could not be made at all (journal, wrong state): the order stays as the
                // journal holds it, so the patient is told it is being confirmed, never "failed".
                logger()->error("fee order {}: {}", orderId, order.error().describe());
                auto stored = desk_->order(orderId);
                update(shared, generation, [&](BookingView& v) {
                    v.stage = BookStage::feeOutcome;
                    if (stored) v.order = *stored;
                    v.order.orderId = orderId;
                });
                return;
            }
            if (order->state == payments::SagaState::done) {
                // The slip needs the booked appointment as the HIS holds it (code, times).
                auto booked = desk_->registrationAppointment(orderId);
                if (!booked) logger()->warn("fee order {} booked; appointment not read back ({})", orderId, booked.error().describe());
                update(shared, generation, [&](BookingView& v) {
                    v.stage = BookStage::booked;
                    v.order = *order;
                    v.tradeNo = order->holdKey;
                    if (booked) {
                        v.appointment = *booked;
                    } else {
                        v.appointment.id = order->appointmentId;
                        v.appointment.status = backend::AppointmentStatus::booked;
                    }
                });
                return;
            }
            logger()->info("fee order {} ended {} ({})", orderId, payments::stateName(order->state), order->reason);
            update(shared, generation, [&](BookingView& v) {
                v.stage = BookStage::feeOutcome;
                v.order = *order;
            });
        };
        if (channel.empty()) {
            // Insurance covers the whole fee: the settlement and the booking, no code.
            update(shared, generation, [&](BookingView& v) { v.stage = BookStage::booking; });
            return finishWith(desk_->finish(orderId));
        }
        auto shown = desk_->showQr(orderId, channel);
        if (!shown || shown->state != payments::SagaState::qr_shown) return finishWith(shown);
        update(shared, generation, [&](BookingView& v) {
            v.stage = BookStage::qr;
            v.order = *shown;
            v.qrShownAt = now;
        });
        auto paid = desk_->awaitPayment(orderId, [cancel] { return cancel->load(); });
        if (!paid || paid->state != payments::SagaState::paid) return finishWith(paid);
        update(shared, generation, [&](BookingView& v) {
            v.stage = BookStage::booking;
            v.order = *paid;
        });
        finishWith(desk_->finish(orderId));
    };
    payWorkers_.push_back({std::jthread([shared = shared_, job = std::move(job), current, done] {
                               job(*shared, current);
                               *done = true;
                           }),
                           done});
}

}  // namespace kiosk::screens
