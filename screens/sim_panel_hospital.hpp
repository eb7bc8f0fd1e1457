#pragma once
// The presenter's hospital controls on the F2 panel (issue 11 item 7): hospital-sim admin calls
// (sim/hospital/README.md "Admin calls") that move the demo along where the patient is —
//   on the check-in ticket / my queue: the doctor calls the next patient (POST /admin/queue/call-next)
//   on a doctor's slots: another patient takes the first free slot shown (POST /admin/slots/take),
//   so the next tap on it shows "that time was just taken".
// Only for the simulated hospital: a real HIS has no such calls.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kiosk/core/config.hpp"
#include "kiosk/core/task_runner.hpp"

namespace kiosk::screens {

class ServiceFlows;

struct HospitalAction {
    std::string labelKey;  ///< i18n key of the panel's button ("sim.queue_next")
    std::string path;      ///< the admin call, relative to hospital-sim's root ("admin/queue/call-next")
    nlohmann::json body;   ///< its JSON body
    std::string labelDetail;  ///< shown after the label ("2号窗口"): several actions of one kind
};

/// The actions that fit what the patient sees now (none elsewhere): at most one per service, and
/// the pharmacy's "call the next number" per window shown.
std::vector<HospitalAction> hospitalActions(const ServiceFlows& services);

/// Runs `action` on `tasks` against the hospital of [backend] base_url (its root: the URL without
/// the trailing "/fhir"); the answer goes to the log (module "simulator"). Without a [backend]
/// nothing is sent (logged).
void runHospitalAction(TaskRunner& tasks, const KioskConfig& config, const HospitalAction& action);

}  // namespace kiosk::screens
