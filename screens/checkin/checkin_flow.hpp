#pragma once
// Check-in (签到 / 取号) and "my queue" (候诊提醒), shared by the check-in screens
// (screens/checkin/checkin_screens.hpp). The UI thread starts each step; one worker thread at a
// time (owned here) calls the HisDriver and posts CheckInProgress; screens draw from view(), a
// snapshot taken under the lock. While the queue screen is shown a second worker asks the HIS
// where the patient stands every refresh interval (15 s) until the screen stops it.
//
// Nothing here moves money: reset() (session end) only makes the screens ignore a step still
// running; a check-in the HIS already made stays made (the patient gets the same ticket again).

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "kiosk/backend/his_driver.hpp"
#include "kiosk/core/identity.hpp"
#include "screens/services.hpp"
#include "screens/ui_event.hpp"

namespace kiosk::screens {

enum class CheckInStage {
    idle,
    loading,    ///< finding the patient and today's appointments
    choose,     ///< several appointments today: the patient picks one
    checking,   ///< attemptCheckIn() (and the queue position) on the worker
    result,     ///< view().result holds the hospital's answer (a ticket or why not)
    none_today, ///< no appointment today nor later
    stopped,    ///< a step failed (view().error says why)
};

/// One of the patient's appointments, with the names the screens show.
struct CheckInAppointment {
    backend::Appointment appointment;
    std::string department;    ///< the hospital's (Chinese) name; "" when unknown
    std::string departmentEn;  ///< English name where the HIS gives one
};

enum class ReminderState { none, sending, set, failed };

struct CheckInView {
    CheckInStage stage = CheckInStage::idle;
    uint64_t generation = 0;
    std::vector<CheckInAppointment> today;  ///< for `choose`: today's booked/arrived ones, by start
    std::optional<backend::CheckInResult> result;  ///< for `result`
    CheckInAppointment chosen;                      ///< the appointment of `result`
    /// Where the patient stands (after a check-in, and refreshed on the queue screen); empty
    /// when the HIS could not say (queueError).
    std::optional<backend::QueueStatus> queue;
    std::optional<Error> queueError;
    bool queueLoading = false;  ///< the first answer for the queue screen is on its way
    SteadyTime queueAt{};       ///< when `queue` was last answered (steady clock)
    ReminderState reminder = ReminderState::none;
    std::string reminderErrorKey;  ///< for `failed`: the i18n key of why
    std::optional<Error> error;    ///< for `stopped`
    /// Started by a scanned appointment code (startByCode): nobody was identified by card.
    bool byCode = false;
    /// For byCode: the hospital knew the code (the check-in was asked for). False with `stopped`:
    /// the code itself was refused (error.messageKey "backend.appointment_code_invalid/unknown").
    bool codeFound = false;

    bool working() const {
        return stage == CheckInStage::loading || stage == CheckInStage::checking || queueLoading ||
               reminder == ReminderState::sending;
    }
};

class CheckInFlow final : public ServiceFlow {
public:
    using Post = std::function<void(UiEvent)>;
    /// How often the queue screen asks the HIS again (issue 11 item 5: "refreshed while shown").
    static constexpr std::chrono::seconds kQueueRefresh{15};
    /// "Text me when 3 are ahead" (the number the issue gives).
    static constexpr int kReminderAhead = 3;

    /// `his` may be null (no [backend]): every step then stops with "not available".
    CheckInFlow(std::shared_ptr<backend::HisDriver> his, Post post);
    ~CheckInFlow() override;  ///< stops the queue watch and joins the workers
    CheckInFlow(const CheckInFlow&) = delete;
    CheckInFlow& operator=(const CheckInFlow&) = delete;

    void reset() override;
    bool working() const override { return view().working(); }

    /// Finds the patient and their appointments of `today` (YYYY-MM-DD, hospital time). Exactly
    /// one → checked in at once (one tap from the menu); several → `choose`; none today but a
    /// later one → the hospital's "another day" answer for it; none at all → `none_today`.
    void start(const PatientIdentity& identity, const std::string& today);
    /// Checks in the appointment a scanned QR names (payload kind appointment_code, from the
    /// registration slip or the hospital's app; issue 11 item 4): no card, no patient lookup.
    /// findAppointmentByCode() then attemptCheckIn(): the same hospital answers as start().
    /// A refused or unknown code → `stopped` with codeFound false and the HIS's error.
    void startByCode(const std::string& code);
    /// Checks in one of view().today (the patient chose it).
    void checkIn(const std::string& appointmentId);
    /// Starts asking where the patient stands now and every kQueueRefresh until stopWatching().
    void watchQueue();
    void stopWatching();
    /// Asks the hospital to text the patient when kReminderAhead or fewer are ahead.
    void requestReminder();
    CheckInView view() const;

private:
    struct Shared {
        mutable std::mutex mutex;
        CheckInView view;
        PatientIdentity identity;  ///< wiped by reset()
        std::string patientId;     ///< the HIS patient id
    };
    using Job = std::function<void(const std::shared_ptr<Shared>&, uint64_t generation)>;
    void run(Job job);
    void doCheckIn(const std::shared_ptr<Shared>& shared, uint64_t generation, CheckInAppointment chosen);
    void askQueue(const std::shared_ptr<Shared>& shared, uint64_t generation, const std::string& appointmentId);
    void update(const std::shared_ptr<Shared>& shared, uint64_t generation, const std::function<void(CheckInView&)>& change);

    std::shared_ptr<backend::HisDriver> his_;
    Post post_;
    std::shared_ptr<Shared> shared_ = std::make_shared<Shared>();
    std::jthread worker_;
    std::jthread watcher_;
    /// Workers of a reset flow, still waiting for the HIS (bounded by its timeouts): joined
    /// later, never on the UI thread while they run.
    std::vector<std::pair<std::jthread, std::shared_ptr<std::atomic<bool>>>> retired_;
    std::shared_ptr<std::atomic<bool>> workerDone_;
};

}  // namespace kiosk::screens
