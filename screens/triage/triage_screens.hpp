#pragma once
// The triage screens (menu → "就诊导引"), drawing from the one TriageFlow
// (screens/triage/triage_flow.hpp) in ScreenContext::services.triage():
//   triage.body       the body map: front / back and adult / child (from the identity's age,
//                     switchable) as big labelled buttons, then the regions of that side (six a
//                     page in landscape large print where English names take two lines)
//   triage.symptoms   the region's symptoms, red flags first and marked in words; at most six a
//                     page in large print (eight in normal print); "none of these"
//   triage.advice     up to three departments, each with where it is and why, and one tap into
//                     booking for it (BookingFlow::openDepartment → book.doctors); without the
//                     HIS it says booking is not available here
//   triage.emergency  a red flag: "go to the emergency department now", where it is ([triage]
//                     emergency_location_*), ask staff for help; no booking button
// Taps from the menu to a department's doctors: triage tile, region, symptom, book (4).

#include "screens/screen.hpp"

namespace kiosk::screens {

class TriageBodyScreen final : public Screen {
public:
    std::string_view id() const override { return "triage.body"; }
    void onEnter(ScreenContext& context) override;
    void draw(const ScreenContext& context, Ui& ui) const override;
    Transition onEvent(ScreenContext& context, const UiEvent& event) override;
    bool needsSession() const override { return true; }

private:
    size_t page_ = 0;
    /// Regions per page as draw() laid them out: all of them, except in landscape where their
    /// rows are taller than the room under the title (large print, English: six a page). Read by
    /// onEvent() to page the same way; the only state draw() writes.
    mutable size_t perPage_ = 12;
};

class TriageSymptomsScreen final : public Screen {
public:
    std::string_view id() const override { return "triage.symptoms"; }
    void onEnter(ScreenContext&) override { page_ = 0; }
    void draw(const ScreenContext& context, Ui& ui) const override;
    Transition onEvent(ScreenContext& context, const UiEvent& event) override;
    bool needsSession() const override { return true; }

private:
    size_t page_ = 0;
    /// Symptoms per page as draw() laid them out (six in large print, eight otherwise, fewer
    /// when they do not fit), read by onEvent() to page the same way; the only state draw() writes.
    mutable size_t perPage_ = 6;
};

class TriageAdviceScreen final : public Screen {
public:
    std::string_view id() const override { return "triage.advice"; }
    void draw(const ScreenContext& context, Ui& ui) const override;
    Transition onEvent(ScreenContext& context, const UiEvent& event) override;
    bool needsSession() const override { return true; }
};

class TriageEmergencyScreen final : public Screen {
public:
    std::string_view id() const override { return "triage.emergency"; }
    void draw(const ScreenContext& context, Ui& ui) const override;
    Transition onEvent(ScreenContext& context, const UiEvent& event) override;
    bool needsSession() const override { return true; }
};

}  // namespace kiosk::screens
