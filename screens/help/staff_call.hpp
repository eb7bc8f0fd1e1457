#pragma once
// Help on every screen (呼叫工作人员, issue 12 item 3). The top bar's "call staff" button, on every
// screen of the lobby and the pharmacy (before identification too), asks StaffCall to call; it
// posts a help request to the HIS (an urgent FHIR Communication: kiosk id, screen, the short
// reference the patient sees, the patient if identified, their masked name) on the App's
// TaskRunner and posts StaffCallProgress; the panel (drawStaffCallPanel) re-reads view().
//
// A call belongs to the kiosk's place, not to a session: a patient who pressed and walked away
// is still being looked for, so session end does not forget it, and a second press within
// [help] repeat_window_s shows the first call's reference again instead of calling twice.
// Nothing here moves money. One business key per call: the one retry after an unknown outcome
// uses the same key, so the HIS records the call once (conditional create).

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "kiosk/backend/his_driver.hpp"
#include "kiosk/core/clock.hpp"
#include "kiosk/core/config.hpp"
#include "kiosk/core/i18n.hpp"
#include "kiosk/core/identity.hpp"
#include "kiosk/core/task_runner.hpp"
#include "screens/ui.hpp"
#include "screens/ui_event.hpp"

namespace kiosk::screens {

enum class StaffCallStage {
    idle,         ///< no call yet (or the last one is older than the repeat window)
    calling,      ///< the request is on its way to the HIS
    called,       ///< the HIS has it: staff are coming (view().reference)
    unknown,      ///< it may have arrived (a timeout): wait a few minutes, else the service desk
    unreachable,  ///< it did not arrive (no HIS, refused, not connected): go to the service desk
};

struct StaffCallView {
    StaffCallStage stage = StaffCallStage::idle;
    uint64_t generation = 0;
    bool panelOpen = false;
    std::string reference;           ///< "K-0421": what the patient tells the staff who come
    std::string calledAtClock;       ///< "14:05" (the hospital's wall time) of the call
    bool repeated = false;           ///< this press found a call within the repeat window
};

class StaffCall {
public:
    using Post = std::function<void(UiEvent)>;
    /// `his` may be null (no [backend]): every press then says where the service desk is.
    StaffCall(std::shared_ptr<backend::HisDriver> his, const KioskConfig& config, TaskRunner& tasks, Post post);
    ~StaffCall();
    StaffCall(const StaffCall&) = delete;
    StaffCall& operator=(const StaffCall&) = delete;

    /// The patient pressed "call staff" on `screen` at `now` (`clock`: "14:05", shown as when the
    /// call went out). `patient` is the identified patient, or null before identification.
    /// Opens the panel; calls unless a call is on its way or was made within the repeat window.
    void press(std::string_view screen, const PatientIdentity* patient, SteadyTime now, std::string clock);
    /// "OK" on the panel.
    void closePanel();
    StaffCallView view() const;
    bool panelOpen() const { return view().panelOpen; }
    bool working() const { return view().stage == StaffCallStage::calling; }

private:
    struct Shared;
    std::shared_ptr<backend::HisDriver> his_;
    std::string kioskId_;
    std::chrono::seconds repeatWindow_;
    TaskRunner& tasks_;
    Post post_;
    std::shared_ptr<Shared> shared_;
};

/// The panel over the screen while view().panelOpen: what happened, the reference in large
/// type (the clock's face under its label; when `compact`, label and reference on one line in the
/// title's face), what to do now, and "OK" (button
/// "help.close"). Drawn inside [topLeft, topLeft + size).
void drawStaffCallPanel(const StaffCallView& view, const HelpConfig& help, const Translator& text, Ui& ui, ImVec2 topLeft, ImVec2 size,
                        bool compact);
/// What the panel says with voice guidance on (VoiceGuide::panelShown): the key voice.help.<stage>
/// (voice.help.repeated for a press within the repeat window) and its values, the reference as a
/// person reads it out (speech::spokenCode: K-0421 as "K 零四二一") and the service desk.
struct StaffCallSpeech {
    std::string key;
    std::vector<std::pair<std::string, std::string>> values;
};
StaffCallSpeech staffCallSpeech(const StaffCallView& view, const HelpConfig& help, std::string_view language);
/// The height (pixels) the panel's content needs `width` wide: its texts, the button, margins.
float staffCallPanelHeight(const StaffCallView& view, const HelpConfig& help, const Translator& text, Ui& ui, float width, bool compact);

}  // namespace kiosk::screens
