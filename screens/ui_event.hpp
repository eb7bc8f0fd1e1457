#pragma once
// Everything the UI thread reacts to arrives as a UiEvent: device events, button presses
// recorded while drawing, and results of background tasks. One queue (kiosk::EventQueue<UiEvent>)
// carries them from any thread to the UI thread.

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "drivers/common/device.hpp"
#include "kiosk/core/error.hpp"
#include "kiosk/core/identity.hpp"
#include "kiosk/core/session.hpp"

namespace kiosk::screens {

/// A named button was pressed (recorded by draw(), handled after the frame).
struct ButtonPressed {
    std::string id;
};
/// A scanned code was resolved to a patient (or not) on a worker thread.
struct ScanResolved {
    Result<PatientIdentity> identity;
};
/// A technician's self-test finished.
struct SelfTestFinished {
    std::string device;
    Result<std::string> result;
};
/// A technician PIN was checked on a worker (Argon2id is slow): the PIN pad records the outcome.
struct PinChecked {
    bool matched = false;
};
/// The presenter's simulator panel asked a simulated device to act.
struct SimulatorAction {
    std::string device;
    std::string action;    ///< "insert", "remove", "scan", "scenario"
    std::string argument;  ///< person id, payload or scenario name
};

/// The payment flow's worker moved on (charges loaded, quote, QR, outcome): screens re-read the
/// flow's state (screens/payment/payment_flow.hpp).
struct PaymentProgress {
    uint64_t generation = 0;  ///< the flow run it belongs to; older runs are ignored
};
/// The booking flow's step finished (departments, doctors, hold, booking): screens re-read the
/// flow's state (screens/booking/booking_flow.hpp).
struct BookingProgress {
    uint64_t generation = 0;  ///< the flow run it belongs to; older runs are ignored
};

/// The check-in flow's worker moved on (appointments, check-in answer, queue position, reminder):
/// screens re-read the flow's state (screens/checkin/checkin_flow.hpp).
struct CheckInProgress {
    uint64_t generation = 0;  ///< the flow run it belongs to; older runs are ignored
};
/// The reports flow's worker moved on (the list read, a report printed or not): the reports
/// screens re-read the flow's state (screens/reports/reports_flow.hpp).
struct ReportsProgress {
    uint64_t generation = 0;
};
/// The records flow's worker read the patient's history (screens/records/records_flow.hpp).
struct RecordsProgress {
    uint64_t generation = 0;
};
/// A call for staff was answered (or not) by the HIS: the help panel re-reads StaffCall::view()
/// (screens/help/staff_call.hpp).
struct StaffCallProgress {
    uint64_t generation = 0;
};

/// The pickup flow's worker moved on (prescriptions read, numbers given, a locker opened or not):
/// the pickup screens re-read the flow's state (screens/pickup/pickup_flow.hpp).
struct PickupProgress {
    uint64_t generation = 0;
};

/// The pharmacy call board was read again (screens/pharmacy_display/call_board.hpp): the call
/// display re-reads it and says the announcements that are due.
struct CallBoardProgress {
    uint64_t generation = 0;
};

/// A slip (receipt, voucher) went to the receipt printer, or could not.
struct PrintFinished {
    std::string document;  ///< "receipt", "voucher"
    Result<void> outcome;
};
/// Start-up recovery of pending payments finished; until then no patient is accepted.
struct PaymentsRecovered {
    size_t resolved = 0;
    struct Pending {
        std::string orderId;
        int64_t amountFen = 0;
    };
    std::vector<Pending> pendingOrders;  ///< outcome still unknown: vouchers printed
    std::optional<Error> error;
};

using UiEvent = std::variant<ButtonPressed, drivers::DeviceEvent, ScanResolved, SelfTestFinished, SimulatorAction,
                             PaymentProgress, BookingProgress, CheckInProgress, ReportsProgress, PrintFinished, PaymentsRecovered, PinChecked,
                             StaffCallProgress, PickupProgress, CallBoardProgress, RecordsProgress>;

/// What a screen asks the app to do after an event. Screens never switch screens themselves.
struct Transition {
    std::optional<std::string> next;                ///< screen id to go to
    std::optional<PatientIdentity> beginSession;    ///< a patient was identified
    std::string sessionDevice;                      ///< the reader holding their card, if any
    std::optional<SessionEndReason> endSession;     ///< end the session (then attract)
    /// With endSession: the i18n key of what the attract screen says next (empty: by the reason).
    std::string farewellKey;

    static Transition none() { return {}; }
    static Transition to(std::string screen) {
        Transition t;
        t.next = std::move(screen);
        return t;
    }
};

}  // namespace kiosk::screens
