#pragma once
// Cancelling a booking (退号, issue 11 item 2), shared by the cancel screens
// (screens/cancel/cancel_screens.hpp). The UI thread starts each step; the step runs on the App's
// TaskRunner, calls the HisDriver and posts BookingProgress (cancelling is part of booking: the
// screens re-read view(), a snapshot taken under the lock).
//
// Order of the calls: upcomingAppointments() lists what may still be cancelled (booked, not yet
// begun, each with the hospital's cut-off when it says it); cancelAppointment() asks the HIS,
// which alone decides whether the cut-off has passed ("backend.cancel_cutoff").
//
// The fee of a booking THIS kiosk sold goes back by the channel it came by: the cancellation is
// the payment desk's (PaymentDesk::cancelBooking: journalled, the HIS cancels, then the refund with
// the order's own refund key, recovered after a crash). A fee paid elsewhere (the hospital's app,
// a counter, another kiosk) is refunded where it was paid; this kiosk cannot see that payment's
// journal, and the screen and the printed notice send the patient to the counter.

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "kiosk/backend/his_driver.hpp"
#include "kiosk/core/identity.hpp"
#include "kiosk/core/task_runner.hpp"
#include "payments/payment_desk.hpp"
#include "screens/services.hpp"
#include "screens/ui_event.hpp"

namespace kiosk::screens {

enum class CancelStage {
    idle,
    loading,     ///< finding the patient and their future appointments
    list,        ///< view().upcoming is shown (≤ 6 a page)
    none,        ///< nothing to cancel
    confirm,     ///< "cancel this one?" (view().chosen)
    cancelling,  ///< cancelAppointment() on the worker
    cancelled,   ///< done: the notice is shown and printed
    refused,     ///< the hospital's cut-off has passed (view().cutoff) or the state forbids it
    stopped,     ///< a step failed (view().error says why); nothing was cancelled
};

/// One future appointment with the names the screens show.
struct CancelAppointment {
    backend::Appointment appointment;
    std::string department;    ///< the hospital's (Chinese) name; "" when unknown
    std::string departmentEn;  ///< English name where the HIS gives one
    std::string doctor;        ///< "" when unknown
    /// This kiosk sold the booking: the fee goes back by this channel (wechat, alipay, unionpay,
    /// bankcard) when it is cancelled. Empty: no fee, or paid elsewhere (the counter refunds it).
    std::string refundChannel;
};

/// What became of a paid fee once the booking was cancelled.
enum class CancelRefund {
    none,      ///< no fee was paid
    counter,   ///< paid elsewhere: refunded at the counter with the notice
    refunded,  ///< sent back by its channel (view().chosen.refundChannel)
    pending,   ///< the refund's answer was lost: being confirmed (the journal resolves it)
    manual,    ///< the refund was refused: staff refund it (the order is MANUAL in the journal)
};

struct CancelView {
    CancelStage stage = CancelStage::idle;
    uint64_t generation = 0;
    std::vector<CancelAppointment> upcoming;  ///< by start
    CancelAppointment chosen;                 ///< confirm / cancelling / cancelled / refused
    /// refused: the last moment it could have been cancelled (ISO 8601, hospital time) when the
    /// HIS said; "" otherwise.
    std::string cutoff;
    std::string refusedKey;      ///< refused: i18n key of why (cut-off, wrong state)
    std::optional<Error> error;  ///< stopped
    CancelRefund refund = CancelRefund::none;  ///< cancelled

    bool working() const { return stage == CancelStage::loading || stage == CancelStage::cancelling; }
    /// The booking carries a registration fee (paid here, on the phone or at a counter: the HIS
    /// booked it, so it was paid).
    bool feePaid() const { return chosen.appointment.feeFen > 0; }
    /// Its fee goes back by its own channel from this kiosk (else: the counter).
    bool refundedHere() const { return feePaid() && !chosen.refundChannel.empty(); }
};

class CancelFlow final : public ServiceFlow {
public:
    using Post = std::function<void(UiEvent)>;
    /// `his` may be null (no [backend]): every step then stops with "not available". `desk` may
    /// be null (no [payments]): every paid fee is then refunded at the counter.
    CancelFlow(std::shared_ptr<backend::HisDriver> his, TaskRunner& tasks, Post post,
               std::shared_ptr<payments::PaymentDesk> desk = nullptr);
    ~CancelFlow() override;

    void reset() override;
    bool working() const override { return view().working(); }
    CancelView view() const;

    /// Finds the patient and lists their future booked appointments.
    void load(const PatientIdentity& identity);
    /// The patient picked one of view().upcoming: the confirmation (nothing is asked yet).
    void choose(const std::string& appointmentId);
    /// Back from the confirmation to the list.
    void backToList();
    /// Cancels the chosen appointment: through the payment desk when this kiosk sold it (the fee
    /// goes back by its channel), else cancelAppointment at the HIS (repeating it is safe).
    void cancel();

private:
    struct Shared;
    std::shared_ptr<backend::HisDriver> his_;
    std::shared_ptr<payments::PaymentDesk> desk_;
    TaskRunner& tasks_;
    Post post_;
    std::shared_ptr<Shared> shared_;
};

}  // namespace kiosk::screens
