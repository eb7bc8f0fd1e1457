#pragma once
// Cancelling a booking (退号, issue 11 item 2), shared by the cancel screens
// (screens/cancel/cancel_screens.hpp). The UI thread starts each step; the step runs on the App's
// TaskRunner, calls the HisDriver and posts BookingProgress (cancelling is part of booking: the
// screens re-read view(), a snapshot taken under the lock).
//
// Order of the calls: upcomingAppointments() lists what may still be cancelled (booked, not yet
// begun, each with the hospital's cut-off when it says it); cancelAppointment() asks the HIS,
// which alone decides whether the cut-off has passed ("backend.cancel_cutoff"). Cancelling moves
// no money here: a paid registration's fee is refunded at the counter (the payment desk cannot
// refund a registration fee yet), and the screen and the printed notice say so.

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "kiosk/backend/his_driver.hpp"
#include "kiosk/core/identity.hpp"
#include "kiosk/core/task_runner.hpp"
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

    bool working() const { return stage == CancelStage::loading || stage == CancelStage::cancelling; }
    /// The booking carries a registration fee (paid here, on the phone or at a counter: the HIS
    /// booked it, so it was paid); its refund goes through the counter.
    bool feePaid() const { return chosen.appointment.feeFen > 0; }
};

class CancelFlow final : public ServiceFlow {
public:
    using Post = std::function<void(UiEvent)>;
    /// `his` may be null (no [backend]): every step then stops with "not available".
    CancelFlow(std::shared_ptr<backend::HisDriver> his, TaskRunner& tasks, Post post);
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
    /// Cancels the chosen appointment (cancelAppointment; repeating it is safe).
    void cancel();

private:
    struct Shared;
    std::shared_ptr<backend::HisDriver> his_;
    TaskRunner& tasks_;
    Post post_;
    std::shared_ptr<Shared> shared_;
};

}  // namespace kiosk::screens
