#pragma once
// Scripted journeys: a small JSON script of steps run headless against the App, one PNG per
// step plus a JSON log of the screens visited. Used by `kiosk screenshot` and the UI tests.
//
//   { "name": "idle-timeout", "language": "zh_CN", "large_print": false,
//     "steps": [ {"expect_screen": "attract"},
//                {"tap": "attract.start"},
//                {"tap_first": "book.slot."},         // the first shown button whose id starts so (by id)
//                {"insert_card": {"device": "card", "person": "wang-xinkun"}},
//                {"remove_card": "card"},
//                {"scan": {"device": "scanner", "payload": "…:1"}},
//                {"set_scenario": {"device": "receipt", "scenario": "paper_out"}},
//                {"wait": 50},                       // seconds, on the journey's clock
//                {"set_language": "en_US"}, {"set_large_print": true},
//                {"expect_session": false}, {"simulator_panel": true},
//                {"pay_on_phone": true},              // the patient pays the QR on screen (simulator)
//                {"await_screen": {"screen": "pay.result", "seconds": 20}},
//                {"hold": {"x": 80, "y": 60, "seconds": 5}} ] }  // a finger held there (journey clock);
//                                                     // x, y default to the technician's corner
//                {"type_pin": "246810"}               // taps tech.pin.key.<digit> for each digit
//   await_screen waits in real time (the payment worker talks to the real gateway) until the
//   screen shows and no payment step is running (it waits for the patient, or shows the outcome).

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kiosk/core/clock.hpp"
#include "screens/app.hpp"

namespace kiosk::screens {

struct JourneyStep {
    std::string action;  ///< tap, insert_card, remove_card, scan, set_scenario, wait, expect_screen,
                         ///< expect_session, set_language, set_large_print
    std::string device;
    std::string argument;
    int seconds = 0;
    bool flag = false;
    float x = 0;  ///< hold: where the finger is (px)
    float y = 0;
    std::string describe() const;
};

struct Journey {
    std::string name;
    std::string language;
    std::optional<bool> largePrint;
    std::vector<JourneyStep> steps;
    static Result<Journey> parse(const nlohmann::json& json, const std::string& source);
    static Result<Journey> load(const std::filesystem::path& file);
};

struct JourneyStepRecord {
    size_t index = 0;
    std::string step;
    std::string screen;  ///< the screen after the step
    std::string png;
    bool ok = true;
    std::string error;
    std::vector<std::string> layoutProblems;  ///< App::layoutProblems() after the step
};

struct JourneyReport {
    std::string name;
    std::vector<JourneyStepRecord> steps;
    std::vector<std::string> screensVisited;
    bool ok = true;
    /// SIGTERM or SIGINT (SDL's quit) ended the journey early: the steps after it did not run.
    /// The App's teardown then finishes a payment step in flight, as `kiosk run`'s does.
    bool stopped = false;
    nlohmann::json toJson() const;
};

/// Runs the journey on `app` (whose clock must be `clock`), writing NN-action.png files and
/// journey.json into `outDir`. Stops at the first failed step.
JourneyReport runJourney(App& app, ManualClock& clock, const Journey& journey, const std::filesystem::path& outDir);

}  // namespace kiosk::screens
