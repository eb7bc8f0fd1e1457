#pragma once
// The patient's booking (预约挂号 / 当日挂号), from the departments to the registration slip,
// shared by the booking screens (screens/booking/booking_screens.hpp). The UI thread starts each
// step; the step runs on the App's TaskRunner, calls the HisDriver and posts BookingProgress;
// screens draw from view(), a snapshot taken under the lock.
//
// Order of the calls (DESIGN §3a, issue 11): the slot is held with a business key journalled
// BEFORE the hold; a zero fee books at once with the same appointment (key in table booking_hold,
// component "booking"). A fee goes through the payment desk as a registration order
// (payments/registration_saga.hpp): the order and its hold key are journalled, the slot held,
// the fee paid by QR, and the desk books the held appointment with the same key (re-holding the
// slot when the hold expired meanwhile, refunding when the HIS refuses). Without a payment desk
// ([payments] not configured) a fee cannot be paid here: the confirmation sends the patient to the
// registration counter and the hold is released, so nothing is charged and no slot stays held.
// Money never depends on the UI: once the fee's order exists, the worker drives it to an outcome
// the payment journal holds, even when the session ends meanwhile (reset() only ends the QR wait).

#include <array>
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
#include "kiosk/core/journal.hpp"
#include "kiosk/core/pinyin.hpp"
#include "kiosk/core/task_runner.hpp"
#include "payments/payment_desk.hpp"
#include "screens/services.hpp"
#include "screens/ui_event.hpp"

namespace kiosk::screens {

enum class BookStage {
    idle,
    loading,      ///< departments and today's free counts
    departments,  ///< the list is shown
    loadingDoctors,
    doctors,      ///< a department's doctors and the free slots of the next 7 days
    holding,      ///< journalling the key, holding the slot
    held,         ///< the slot is the patient's for a few minutes: the confirmation
    presettling,  ///< fee by insurance: 1101 → 2201 → 2204 → 2206 (nothing is charged)
    /// Fee by insurance: view().order has the split (fund, personal account, cash part); the
    /// patient chooses the cash part's channel (payBy), confirms a split with nothing to pay
    /// (payBy with no channel), or goes back to self-pay (declineInsurance).
    insuranceSplit,
    ordering,     ///< fee: creating the gateway order for the chosen channel
    qr,           ///< fee: the code is shown (view().order.codeUrl), waiting for the payment
    booking,      ///< booking the held appointment (after the payment, when there is a fee)
    booked,       ///< the slip
    /// The fee's order ended without a booking: view().order says how (REFUNDED: refund notice;
    /// CLOSED: nothing charged; anything else: being confirmed, a voucher with the order id).
    feeOutcome,
    stopped,      ///< a step failed (view().error says why); nothing was charged
};

/// The days the date strip offers: today and the 6 after it.
inline constexpr int kBookingDays = 7;

struct BookingDepartment {
    backend::Department department;
    std::string initials;  ///< pinyin initials of the name ("XXGNK" for 心血管内科)
    int freeToday = 0;     ///< free slots left today (-1: the count could not be read)
};

struct BookingDoctor {
    backend::Doctor doctor;
    std::string initials;
    std::array<int, kBookingDays> freeByDay{};  ///< free slots per day of the strip
};

struct BookingView {
    BookStage stage = BookStage::idle;
    uint64_t generation = 0;
    std::vector<BookingDepartment> departments;
    std::array<std::string, kBookingDays> days;  ///< YYYY-MM-DD of the strip, today first
    std::string departmentId;
    int day = 0;           ///< the strip's chosen day (0 = today)
    std::string doctorId;  ///< the chosen doctor
    std::vector<BookingDoctor> doctors;
    std::vector<backend::Slot> slots;  ///< the department's free slots on the strip's days, by start
    backend::Slot chosen;              ///< the slot being held / booked
    backend::Appointment appointment;  ///< held, then booked
    std::string tradeNo;               ///< the hold's business key
    /// With a fee, the registration order (its state after each step); empty order id for a zero
    /// fee or without a payment desk.
    payments::PaymentOrder order;
    bool feePayable = false;   ///< the held fee is paid here (a payment desk is configured)
    /// The fee may be paid by insurance: the patient identified with an insurance credential and
    /// the site has an insurance centre.
    bool insuranceOffered = false;
    std::string channel;       ///< the channel chosen for the fee
    SteadyTime qrShownAt{};    ///< UI clock when the code appeared (the countdown)
    bool cancelledByPatient = false;  ///< the patient pressed cancel on the code
    /// A plain message above the list after a step went back to it ("that time was just taken").
    std::string noticeKey;
    std::optional<Error> error;  ///< for `stopped`

    bool working() const {
        return stage == BookStage::loading || stage == BookStage::loadingDoctors || stage == BookStage::holding ||
               stage == BookStage::presettling || stage == BookStage::ordering || stage == BookStage::booking;
    }
    const BookingDepartment* department() const;
    const BookingDoctor* doctorOf(const std::string& doctorId) const;
};

class BookingFlow final : public ServiceFlow {
public:
    using Post = std::function<void(UiEvent)>;
    /// `his` may be null (no [backend]): every step then stops with "not available". `journal`
    /// is the flow's own connection (its steps run on worker threads). `desk` may be null (no
    /// [payments]): a fee is then not paid here (the counter).
    BookingFlow(std::shared_ptr<backend::HisDriver> his, std::unique_ptr<Journal> journal, std::string kioskId,
                std::optional<PinyinConverter> pinyin, TaskRunner& tasks, Post post,
                std::shared_ptr<payments::PaymentDesk> desk = nullptr);
    ~BookingFlow() override;

    void reset() override;
    bool working() const override { return view().working(); }
    BookingView view() const;

    /// Departments with today's free counts. `today` is the hospital's date (YYYY-MM-DD).
    void loadDepartments(const PatientIdentity& identity, const std::string& today);
    /// Entry from another service (triage's advice, issue 12): loadDepartments() then straight to
    /// the doctors of the department whose hospital code is `departmentCode` ("CARD"), as if the
    /// patient had chosen it on the list (back from the doctors shows the list). A code the HIS
    /// does not list stops with "booking.error.generic".
    void openDepartment(const PatientIdentity& identity, const std::string& today, const std::string& departmentCode);
    /// The department's doctors and its free slots of the strip's days.
    void chooseDepartment(const std::string& departmentId);
    /// Back from the doctors to the departments (kept, not read again).
    void backToDepartments();
    /// The patient chose a day of the strip / a doctor (UI thread; nothing is read again).
    void chooseDay(int day);
    void chooseDoctor(const std::string& doctorId);
    /// Journals a business key, then holds the slot. Taken meanwhile: the doctors and slots are
    /// read again and noticeKey says so.
    void hold(const std::string& slotId);
    /// The patient confirmed a held zero-fee slot: book it with the same appointment.
    void book();
    /// The patient chose `channel` for the held slot's fee (or for the cash part of its insurance
    /// split): code, wait, then the desk books the appointment (stages ordering → qr → booking →
    /// booked, or feeOutcome). An empty channel confirms a split with no cash part (booking →
    /// booked: 2207, then the booking).
    void payBy(const std::string& channel, SteadyTime now);
    /// The patient chose insurance for the held fee: presettling → insuranceSplit. A refusal or
    /// an unreachable centre goes back to held (self-pay, the same hold) with noticeKey set.
    void payByInsurance();
    /// Back from the split: self-pay again with the same hold (held).
    void declineInsurance();
    /// The patient pressed cancel on the code: the wait ends, the order is closed (or found paid
    /// and booked).
    void cancelPayment();
    /// How long the code stays valid (the desk's countdown).
    std::chrono::seconds qrTimeout() const;
    /// The patient went back from the confirmation: the hold is released (cancelled; with a fee
    /// the order is closed, which releases it).
    void releaseHold();

    /// Whether a name with these pinyin initials matches the letters typed on the letter pad:
    /// the letters in order, each the initial of a character ("XNK" matches 心内科 and 心血管内科).
    static bool initialsMatch(std::string_view typed, std::string_view initials);

private:
    struct Shared;
    using Job = std::function<void(Shared&, uint64_t generation)>;
    void start(BookStage stage, Job job);
    void update(Shared& shared, uint64_t generation, const std::function<void(BookingView&)>& change);
    /// The worker's part of loadDepartments(): the patient (blacklist), the departments and their
    /// free counts; false when it stopped. `thenDoctors` keeps the stage loading (openDepartment).
    bool readDepartments(Shared& shared, uint64_t generation, bool thenDoctors);
    void listDepartment(Shared& shared, uint64_t generation, const std::string& departmentId, std::string noticeKey);
    /// The worker's part of hold() for a slot with a fee: the desk's registration order and hold.
    void holdForFee(Shared& shared, uint64_t generation, const backend::Slot& chosen, const std::string& departmentId);

    std::shared_ptr<backend::HisDriver> his_;
    std::shared_ptr<payments::PaymentDesk> desk_;
    std::string kioskId_;
    std::optional<PinyinConverter> pinyin_;
    TaskRunner& tasks_;
    Post post_;
    std::shared_ptr<Shared> shared_;
    /// The fee's payments run on threads of their own, not on the App's TaskRunner: a QR wait
    /// lasts up to the code's countdown and must not hold up printing or the next patient's steps.
    /// A worker whose patient left finishes its order (the journal keeps the outcome).
    struct PayWorker {
        std::jthread thread;
        std::shared_ptr<std::atomic<bool>> done;
    };
    std::list<PayWorker> payWorkers_;  ///< UI thread only
};

}  // namespace kiosk::screens
