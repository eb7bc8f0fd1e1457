#include "screens/triage/triage_flow.hpp"

#include "kiosk/core/log.hpp"

namespace kiosk::screens {

namespace {
auto logger() { return log::module("triage"); }
}  // namespace

struct TriageFlow::Shared {
    mutable std::mutex mutex;
    TriageView view;
};

TriageFlow::TriageFlow(std::shared_ptr<const triage::Rules> rules, const KioskConfig& config, std::shared_ptr<backend::HisDriver> his,
                       TaskRunner& tasks, Post post)
    : rules_(std::move(rules)),
      bookingOn_(config.services.booking && config.mode == KioskMode::lobby),
      his_(std::move(his)),
      tasks_(tasks),
      post_(std::move(post)),
      shared_(std::make_shared<Shared>()) {}

TriageFlow::~TriageFlow() = default;

void TriageFlow::reset() {
    std::lock_guard lock(shared_->mutex);
    // The hospital's departments are not the patient's: they stay.
    auto site = std::move(shared_->view.site);
    const bool known = shared_->view.siteKnown;
    const bool reading = shared_->view.reading;
    const bool booking = shared_->view.bookingAvailable;
    shared_->view = TriageView{};
    shared_->view.site = std::move(site);
    shared_->view.siteKnown = known;
    shared_->view.reading = reading;
    shared_->view.bookingAvailable = booking;
}

bool TriageFlow::working() const {
    std::lock_guard lock(shared_->mutex);
    return shared_->view.reading;
}

TriageView TriageFlow::view() const {
    std::lock_guard lock(shared_->mutex);
    return shared_->view;
}

namespace {
std::map<std::string, backend::Department> byCode(const std::vector<backend::Department>& departments) {
    std::map<std::string, backend::Department> out;
    for (const auto& d : departments) {
        if (!d.code.empty()) out.emplace(d.code, d);
    }
    return out;
}
}  // namespace

Result<void> TriageFlow::checkAtStartUp() {
    if (!rules_ || !his_) return {};
    auto departments = his_->departments();
    if (!departments) {
        logger()->warn("triage: the hospital's departments could not be read at start-up ({}); {} is checked against them when "
                       "they can be read, and triage advises without booking meanwhile",
                       departments.error().describe(), rules_->sourceName());
        return {};
    }
    auto site = byCode(*departments);
    std::set<std::string> codes;
    for (const auto& [code, d] : site) codes.insert(code);
    if (auto checked = rules_->checkDepartments(codes); !checked) return checked;
    std::lock_guard lock(shared_->mutex);
    shared_->view.site = std::move(site);
    shared_->view.siteKnown = true;
    shared_->view.bookingAvailable = bookingOn_;
    return {};
}

void TriageFlow::readSite() {
    {
        std::lock_guard lock(shared_->mutex);
        if (shared_->view.siteKnown || shared_->view.reading || !his_) return;
        shared_->view.reading = true;
    }
    tasks_.post([shared = shared_, his = his_, rules = rules_, bookingOn = bookingOn_, post = post_] {
        auto departments = his->departments();
        std::map<std::string, backend::Department> site;
        bool usable = false;
        if (!departments) {
            logger()->warn("triage: the hospital's departments could not be read ({}): advice without booking",
                           departments.error().describe());
        } else {
            site = byCode(*departments);
            std::set<std::string> codes;
            for (const auto& [code, d] : site) codes.insert(code);
            if (auto checked = rules->checkDepartments(codes); !checked) {
                // Known only now (the HIS was down at start-up): the kiosk keeps running; the
                // departments the hospital lacks are left out of the advice.
                logger()->error("triage rules name departments this hospital lacks (left out of the advice):\n{}", checked.error().detail);
            }
            usable = true;
        }
        {
            std::lock_guard lock(shared->mutex);
            shared->view.reading = false;
            if (usable) {
                shared->view.site = std::move(site);
                shared->view.siteKnown = true;
                shared->view.bookingAvailable = bookingOn;
            }
        }
        // Booking's event: what the triage screens offer depends on the hospital's departments.
        post(BookingProgress{0});
    });
}

void TriageFlow::begin(const PatientIdentity& identity, const std::string& today) {
    reset();
    {
        std::lock_guard lock(shared_->mutex);
        TriageView& v = shared_->view;
        v.started = true;
        v.years = triage::ageInYears(identity.birthDate, identity.idNumber, today);
        v.age = v.years && rules_ ? rules_->ageGroupOf(*v.years) : triage::AgeGroup::adult;
        v.sex = triage::sexOf(identity.sex);
    }
    readSite();
}

void TriageFlow::chooseSide(triage::BodyView side) {
    std::lock_guard lock(shared_->mutex);
    shared_->view.side = side;
}

void TriageFlow::chooseAge(triage::AgeGroup age) {
    std::lock_guard lock(shared_->mutex);
    shared_->view.age = age;
}

void TriageFlow::chooseRegion(const std::string& region) {
    std::lock_guard lock(shared_->mutex);
    shared_->view.region = region;
    shared_->view.symptom.clear();
}

void TriageFlow::chooseSymptom(const std::string& symptomId) {
    if (!rules_) return;
    std::lock_guard lock(shared_->mutex);
    TriageView& v = shared_->view;
    v.symptom = symptomId;
    std::set<std::string> codes;
    for (const auto& [code, d] : v.site) codes.insert(code);
    v.advice = rules_->advise(triage::Query{v.age, v.sex, {symptomId}}, v.siteKnown ? &codes : nullptr);
    if (v.advice.emergency) {
        logger()->info("triage: red flag {} → emergency department", symptomId);
    } else {
        logger()->info("triage: {} ({}, region {}) → {}{}", symptomId, triage::ageGroupName(v.age), v.region,
                       v.advice.departments.empty() ? std::string() : v.advice.departments.front().code, v.advice.fallback ? " (fallback)" : "");
    }
}

}  // namespace kiosk::screens
