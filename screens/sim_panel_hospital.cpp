#include "screens/sim_panel_hospital.hpp"

#include <set>

#include "kiosk/backend/http_client.hpp"
#include "kiosk/core/log.hpp"
#include "screens/booking/booking_flow.hpp"
#include "screens/checkin/checkin_flow.hpp"
#include "screens/pharmacy_display/call_board.hpp"
#include "screens/pickup/pickup_flow.hpp"
#include "screens/services.hpp"

namespace kiosk::screens {

namespace {
auto logger() { return log::module("simulator"); }
}  // namespace

std::vector<HospitalAction> hospitalActions(const ServiceFlows& services) {
    std::vector<HospitalAction> actions;
    const CheckInView checkIn = services.checkIn().view();
    if (checkIn.stage == CheckInStage::result && checkIn.result && checkIn.result->ok() && !checkIn.chosen.appointment.doctorId.empty()) {
        actions.push_back({"sim.queue_next", "admin/queue/call-next", {{"doctor", checkIn.chosen.appointment.doctorId}}, {}});
    }
    const BookingView booking = services.booking().view();
    if (booking.stage == BookStage::doctors && !booking.doctorId.empty()) {
        // The chosen doctor's first free slot of the chosen day: the one at the top of the list.
        actions.push_back({"sim.take_slot", "admin/slots/take",
                           {{"doctor", booking.doctorId}, {"date", booking.days[static_cast<size_t>(booking.day)]}}, {}});
    }
    // The pharmacist calls the next number at the window of the ticket just given (the pickup
    // kiosk), or at each window the call display shows.
    std::set<std::string> windows;
    for (const auto& t : services.pickup().view().tickets) windows.insert(t.ticket.window);
    const CallBoardView board = services.callBoard().view();
    for (const auto& call : board.called) windows.insert(call.window);
    for (const auto& call : board.waiting) windows.insert(call.window);
    for (const auto& window : windows) {
        if (!window.empty()) actions.push_back({"sim.pharmacy_next", "admin/pharmacy/call-next", {{"window", window}}, window});
    }
    return actions;
}

void runHospitalAction(TaskRunner& tasks, const KioskConfig& config, const HospitalAction& action) {
    std::string root = config.document ? (*config.document)["backend"]["base_url"].value_or(std::string()) : std::string();
    if (root.ends_with("/")) root.pop_back();
    if (root.ends_with("/fhir")) root.resize(root.size() - 5);
    if (root.empty()) {
        logger()->warn("simulator: {} not sent: no [backend] base_url", action.path);
        return;
    }
    tasks.post([root, action, kioskId = config.kioskId] {
        backend::HttpSettings settings;
        settings.baseUrl = root;
        settings.kioskId = kioskId;
        settings.callTimeout = std::chrono::milliseconds(3000);
        backend::HttpClient http(settings);
        backend::HttpRequest request;
        request.method = "POST";
        request.target = action.path;
        request.accept = "application/json";
        request.body = action.body.dump();
        auto answer = http.perform(request);
        if (!answer) {
            logger()->warn("simulator: {} failed: {}", action.path, answer.error().detail);
        } else {
            logger()->info("simulator: {} {} -> {} {}", action.path, action.body.dump(), answer->status, answer->body.substr(0, 200));
        }
    });
}

}  // namespace kiosk::screens
