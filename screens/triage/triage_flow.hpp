#pragma once
// Triage guidance (智能导医分诊, issue 12 item 2) for one patient, shared by the triage screens
// (screens/triage/triage_screens.hpp). The rules (triage_rules.hpp) are read at start-up and
// work offline; the hospital's departments (names, locations, ids for booking) come from the HIS
// when it answers: at start-up (checkAtStartUp, which refuses a rules file naming a department
// the hospital lacks) and again when a patient opens triage while it was not known. Without them
// the advice still shows, with the rules file's department names, and booking is "not available".
//
// The patient's choices (age group, sex, side of the body, region, symptom) live here so that
// the session's end wipes them (reset()).

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "kiosk/backend/his_driver.hpp"
#include "kiosk/core/config.hpp"
#include "kiosk/core/identity.hpp"
#include "kiosk/core/task_runner.hpp"
#include "screens/services.hpp"
#include "screens/triage/triage_rules.hpp"
#include "screens/ui_event.hpp"

namespace kiosk::screens {

struct TriageView {
    bool started = false;  ///< begin() ran for this patient (back to the body map keeps the choices)
    triage::AgeGroup age = triage::AgeGroup::adult;
    std::optional<int> years;  ///< the patient's age from the identity, when it says
    triage::Sex sex = triage::Sex::unknown;
    triage::BodyView side = triage::BodyView::front;
    std::string region;   ///< the region chosen on the body map
    std::string symptom;  ///< the symptom chosen (its advice below)
    triage::Advice advice;
    /// The hospital's departments by code (backend::Department: id, names, location); empty
    /// while not known (no [backend], or the HIS did not answer).
    std::map<std::string, backend::Department> site;
    bool siteKnown = false;
    bool reading = false;  ///< the departments are being read from the HIS
    /// A department can be booked from the advice: the booking service is on here and the
    /// hospital's departments are known.
    bool bookingAvailable = false;
};

class TriageFlow final : public ServiceFlow {
public:
    using Post = std::function<void(UiEvent)>;
    /// `rules` null: triage is not offered (switched off or another mode). `his` may be null (no
    /// [backend]): the advice is given without booking.
    TriageFlow(std::shared_ptr<const triage::Rules> rules, const KioskConfig& config, std::shared_ptr<backend::HisDriver> his,
               TaskRunner& tasks, Post post);
    ~TriageFlow() override;

    void reset() override;
    bool working() const override;
    TriageView view() const;
    const triage::Rules* rules() const { return rules_.get(); }

    /// Start-up: reads the HIS's departments (when there is a HIS) and refuses rules that name a
    /// department it lacks ("FILE:LINE: …"). A HIS that does not answer is not a refusal: it is
    /// read again when a patient opens triage (logged).
    Result<void> checkAtStartUp();

    /// A patient opens triage: age group and sex from the identity (`today` YYYY-MM-DD, the
    /// hospital's date), the front of the body map; reads the departments if not known yet.
    void begin(const PatientIdentity& identity, const std::string& today);
    void chooseSide(triage::BodyView side);
    void chooseAge(triage::AgeGroup age);
    void chooseRegion(const std::string& region);
    /// The patient chose a symptom: the advice (or the emergency) for it.
    void chooseSymptom(const std::string& symptomId);

private:
    void readSite();
    struct Shared;
    std::shared_ptr<const triage::Rules> rules_;
    bool bookingOn_ = false;
    std::shared_ptr<backend::HisDriver> his_;
    TaskRunner& tasks_;
    Post post_;
    std::shared_ptr<Shared> shared_;
};

}  // namespace kiosk::screens
