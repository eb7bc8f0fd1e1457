#pragma once
// Identification shared by the attract and identify screens: starts every configured
// identification device (card reader, ID-card reader, scanner) and turns their events into a
// session or a patient message.

#include <string>
#include <vector>

#include "screens/screen.hpp"

namespace kiosk::screens {

class IdentificationDevices {
public:
    void start(ScreenContext& context);
    void stop(ScreenContext& context);
    /// Handles device and resolver events. Returns a transition to the menu on success and
    /// updates `message` / `resolving` otherwise. A scanned appointment code (where check-in is
    /// offered) checks that appointment in: a session without a card and the check-in screen; a
    /// scanned pickup code (where pickup is offered) opens that receipt's prescriptions; a scanned
    /// lab slip (where reports are offered) prints its report (the slip screen).
    Transition handle(ScreenContext& context, const UiEvent& event, PatientMessage& message, bool& resolving);
    bool anyStarted() const { return !started_.empty(); }
    bool has(drivers::DeviceClass deviceClass) const;

private:
    std::vector<drivers::Device*> started_;
    /// The kinds of code the last scan's screen accepts (for a lookup that comes back "not a
    /// credential": the message lists the same kinds as a refused scan's).
    std::vector<std::string> acceptedHere_{"health_card"};
    /// A scanned appointment code is being checked in (CheckInFlow::startByCode): its answer
    /// arrives as CheckInProgress.
    bool codePending_ = false;
    /// A scanned pickup code is being looked up (PickupFlow::startByCode): PickupProgress answers.
    bool pickupCodePending_ = false;
    /// A scanned lab slip's report is being looked up (ReportsFlow::startBySlip): ReportsProgress
    /// answers; found, the session begins on the slip screen (its print already under way).
    bool slipPending_ = false;
};

/// The e-health-card token form (protocols.md §3): 64 hex digits and ":1".
bool looksLikeHealthCardToken(std::string_view payload);

}  // namespace kiosk::screens
