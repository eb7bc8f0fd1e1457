#pragma once
// The simulator's modules. Each installs its routes on the server; they share the store (state),
// the fault injector (admin) and the policy settings. Routes registered through `route()` get
// fault injection.
//
//   fhir_service.cpp          the HIS over FHIR R4 under /fhir (resources and named operations)
//   health_card_platform.cpp  the e-health-card platform under /healthcard
//   insurance_centre.cpp      the medical-insurance centre, national envelope, under /insurance
//   payment_gateway.cpp       the QR payment gateway under /gateway
//   faults.cpp                /admin: fault injection and statistics

#include <httplib.h>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "sim/hospital/faults.hpp"
#include "sim/hospital/seed.hpp"
#include "sim/hospital/store.hpp"

namespace kiosk::sim {

/// What the hospital does with a patient who comes after the check-in window.
enum class LateArrival {
    queue_end,  ///< checked in anyway, flagged late, at the end of the queue (numbers go up)
    rebook,     ///< refused (409 check-in-too-late): the patient books again
};

/// The hospital's rules (hospital-sim command-line options, documented in sim/hospital/README.md).
struct PolicySettings {
    int noShowLimit = 3;        ///< missed appointments …
    int noShowWindowDays = 90;  ///< … within this many days …
    int blockDays = 30;         ///< … block booking for this many days after the last one
    int holdMinutes = 10;       ///< how long a held slot waits for payment (then it is free again)
    double onlineShare = 0.8;
    int checkInOpenMinutes = 60;   ///< check-in opens this long before the appointment's start …
    int checkInCloseMinutes = 15;  ///< … and closes this long after its end
    LateArrival lateArrival = LateArrival::queue_end;
    int bookingsPerDepartmentPerDay = 1;  ///< held/booked/arrived appointments of one patient
    int cancelCutoffMinutes = 120;        ///< a booked appointment may be cancelled until start − this
    int consultMinutes = 8;   ///< a doctor calls the next patient every so often (0: only the admin call)
    TitleFees fees;           ///< registration fee by the doctor's title
};

/// How the FHIR service treats its named operations ($pre-settle, $queue, $resolve-health-card,
/// which are not R4): served and declared in the CapabilityStatement, or absent as on a plain R4
/// server — answered 404 (an unknown path) or 501 (Not Implemented) and not declared.
enum class NamedOperations { served, absent_404, not_implemented_501 };

struct SimContext {
    ResourceStore& store;
    FaultInjector& faults;
    PolicySettings policy;
    std::filesystem::path reportDir;
    NamedOperations namedOperations = NamedOperations::served;
    /// When each doctor's queue ("<role>|<date>") last called a patient; guarded by the store's
    /// write lock. Queues advance lazily: every queue read or admin call catches up on the calls
    /// policy.consultMinutes implies since then.
    std::map<std::string, std::chrono::system_clock::time_point> queueClock;
};

using Handler = httplib::Server::Handler;

/// Registers a handler with fault injection.
void route(httplib::Server& server, SimContext& context, const std::string& method, const std::string& pattern,
           Handler handler);

void installFhirService(httplib::Server& server, SimContext& context);
void installHealthCardPlatform(httplib::Server& server, SimContext& context);
void installInsuranceCentre(httplib::Server& server, SimContext& context);
void installPaymentGateway(httplib::Server& server, SimContext& context);

/// The e-health-card platform's resolution, shared with the FHIR operation
/// Patient/$resolve-health-card. Returns the patient id or an error (404 unknown, 409 used).
struct HealthCardResolution {
    int status = 200;
    std::string patientId;
    std::string healthCardId;
    std::string error;
};
HealthCardResolution resolveHealthCardToken(SimContext& context, const std::string& token);

/// Blacklist state of a patient: the date booking is blocked until (YYYY-MM-DD), if blocked.
std::optional<std::string> bookingBlockedUntil(const ResourceStore& store, const PolicySettings& policy,
                                               const std::string& patientId, bool locked);

}  // namespace kiosk::sim
