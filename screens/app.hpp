#pragma once
// The kiosk application: owns the window, the devices, the session, the journal and the screens,
// and runs the UI loop. Rendering is on demand: the loop blocks in SDL_WaitEventTimeout until an
// input, a device event or a timer (clock minute, countdown second, timeout) needs a frame.
//
// The same object runs scripted journeys headless (SDL offscreen driver, software renderer, a
// manual clock): tap() injects real pointer events at a named button's rectangle.

#include <SDL.h>

#include <deque>
#include <functional>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "drivers/common/registry.hpp"
#include "kiosk/core/clock.hpp"
#include "kiosk/core/config.hpp"
#include "kiosk/core/event_queue.hpp"
#include "kiosk/core/i18n.hpp"
#include "kiosk/core/journal.hpp"
#include "kiosk/core/session.hpp"
#include "kiosk/core/task_runner.hpp"
#include "kiosk/core/time_zone.hpp"
#include "kiosk/backend/his_driver.hpp"
#include "kiosk/ops/metrics.hpp"
#include "kiosk/speech/speech.hpp"
#include "kiosk/speech/voice_guide.hpp"
#include "payments/payment_desk.hpp"
#include "screens/app_metrics.hpp"
#include "screens/fonts.hpp"
#include "screens/payment/payment_flow.hpp"
#include "screens/services.hpp"
#include "screens/screen.hpp"
#include "screens/sound.hpp"
#include "kiosk/core/device_counters.hpp"
#include "screens/technician/technician_entry.hpp"
#include "screens/theme.hpp"

namespace kiosk::screens {

class SimPanelLockers;  // screens/sim_panel_lockers.hpp

struct AppOptions {
    bool headless = false;    ///< offscreen SDL driver + software renderer (screenshots, tests)
    /// Headless only: rasterise every frame, not just those a screenshot or measure() reads.
    /// Benchmarks of a frame's cost set it; tests and journeys leave it off (it was two thirds
    /// of a UI test's time).
    bool rasterizeEveryFrame = false;
    bool fullscreen = false;
    std::optional<KioskMode> mode;
    /// Null: the system clock. Journeys pass a ManualClock they advance.
    Clock* clock = nullptr;
    /// Resolves scanned codes to patients; null: the simulated e-health-card platform
    /// (assets/sim/people.json).
    ScanResolver resolveScan;
    /// The hospital; null: no [backend] (payments then say "not available here").
    std::shared_ptr<backend::HisDriver> his;
    /// The voice; null: espeak-ng per [voice] (a site's better engine, or a test's recorder).
    std::shared_ptr<speech::Speech> speech;
};

/// What the app tells a listener (voice guidance, issue 15 item 4) as it happens, on the UI
/// thread: a new screen, and the "are you still there?" countdown starting, ticking each whole
/// second and ending. The listener must not block (speak on a worker).
struct Cue {
    enum class Kind { screen_changed, countdown_started, countdown_tick, countdown_ended };
    Kind kind = Kind::screen_changed;
    std::string screen;      ///< the screen shown (under the countdown panel)
    int secondsLeft = 0;     ///< countdown cues: whole seconds before the timeout
    bool sessionEnds = false;  ///< countdown cues: the timeout signs a patient out (else: back to start)
    bool continued = false;  ///< countdown_ended: the patient tapped (false: it timed out or moved on)
};
using CueListener = std::function<void(const Cue&)>;

class App {
public:
    /// Validates everything before anything starts: language files, fonts, devices, journal.
    static Result<std::unique_ptr<App>> create(KioskConfig config, AppOptions options);
    ~App();
    App(const App&) = delete;
    App& operator=(const App&) = delete;

    /// The interactive loop, until the window is closed (or after `maxFrames` frames, if not 0).
    /// Returns the exit code.
    int run(uint64_t maxFrames = 0);
    /// Asks a running loop to stop (thread-safe).
    void requestQuit();
    /// Hands every pending SDL event (pointer, keys, window) to the app, as the interactive loop
    /// does when it wakes; pointer input is queued and reaches ImGui over the next frames.
    void pumpSdlEvents();
    /// Queues pointer input as a touch panel gives it (`down`: a press or release; none: a
    /// move). Journeys hold a finger with it (the technician's corner gesture).
    void queuePointer(float x, float y, std::optional<bool> down) { pointerQueue_.push_back(PointerEvent{x, y, down}); }

    // ---- scripting: journeys, tests, benchmarks ----
    /// One frame: drain events, run timers, draw, handle what was pressed.
    void frame();
    /// Frames until no event or background task is pending (bounded).
    void settle();
    Result<void> tap(std::string_view buttonId);
    Result<void> simulate(std::string_view device, std::string_view action, std::string_view argument);
    /// Frames in real time until `screenId` is shown and does not hold the session (a payment
    /// step finished), or `limit` passes.
    Result<void> awaitScreen(std::string_view screenId, std::chrono::seconds limit);
    /// False until start-up recovery of pending payments has finished: no patient before that.
    bool acceptingPatients() const { return !desk_ || startUpRecoveryDone_; }
    /// The kiosk's metrics (screens/app_metrics.hpp): `kiosk run` serves them on [metrics] listen.
    /// Thread-safe; lives as long as the App.
    ops::MetricsRegistry& metrics() { return *metrics_; }
    void setLanguage(const std::string& language);
    void setLargePrint(bool largePrint);
    /// The presenter's panel (F2 in the window).
    void setSimulatorPanelVisible(bool visible) { simulatorPanelVisible_ = visible && config_.ui.simulatorPanel; }
    Result<void> screenshot(const std::filesystem::path& png);
    /// Renders a frame and measures what it drew (sizes in mm on the configured panel, contrast
    /// from the rendered pixels): the accessibility test and bench (issue 15).
    Result<FrameMeasures> measure();

    std::string_view currentScreen() const;
    const std::vector<std::string>& screensVisited() const { return visited_; }
    std::vector<std::string> visibleButtons() const;
    /// Where each button of the last frame was drawn (layout tests: none overlaps another).
    const ButtonMap& buttonRects() const { return buttons_; }
    /// Where texts (button labels too, with their button) were drawn in the last frame.
    const TextRects& textRects() const { return texts_; }
    /// The bars of the last frame (top, voice, session bar) that the screen must keep clear of.
    const BarRects& barRects() const { return bars_; }
    /// What is wrong with the last frame's layout, one line each: a button overlapping another,
    /// a text running under a button, a label spilling out of its button, a text wider than its
    /// column, a label shrunk to fit beside unshrunk ones, anything off the screen, a touch
    /// target under 96 px, a text or button of the screen under the top, voice or session bar. Empty while a modal (the time-out countdown, the quit question)
    /// covers the screen; with the simulator panel shown, only the panel is checked (whole on
    /// the screen, nothing cut off).
    std::vector<std::string> layoutProblems() const;
    const Session& session() const { return session_; }
    /// The "are you still there?" panel is up: the last warning seconds before the session's
    /// idle timeout, or before a screen without a session goes back to the start. One tap
    /// anywhere continues (the tap does nothing else).
    bool countdownVisible() const;
    /// Called with every Cue (one listener; null: none).
    void setCueListener(CueListener listener) { cueListener_ = std::move(listener); }
    /// The theme of the current mode (sizes in px derived from the panel's mm).
    const Theme& theme() const { return theme_; }
    /// Whole seconds the countdown shows (0 when it is not up).
    int countdownSeconds() const;
    /// The "quit the demo?" question (Esc in a window with the simulator panel) is on screen.
    bool quitQuestionVisible() const { return quitQuestionVisible_; }
    /// The device holding a signed-out patient's card ("" when none): the attract screen asks
    /// them to take it.
    const std::string& cardLeftIn() const { return cardLeftIn_; }
    /// Sounds played since start (0 when the kiosk has no audio output).
    uint64_t soundsPlayed() const { return sound_ ? sound_->played() : 0; }
    /// The alert sounds' player (null when the kiosk has no audio output).
    const Sound* sound() const { return sound_.get(); }
    /// Voice guidance (issue 15): on/off, headphones, volume, what it says.
    speech::VoiceGuide& voice() { return *voice_; }
    /// Where the simulator panel was drawn in the last frame (zero size when hidden).
    ButtonRect simulatorPanelRect() const { return simulatorPanelRect_; }
    FontSet& fonts() { return fonts_; }
    const Translator& text() const { return text_; }
    uint64_t framesRendered() const { return frames_; }
    /// Glyphs the last shown frame drew without having them (0 unless the atlas failed to grow).
    size_t glyphsMissingInLastFrame() const { return glyphsMissingInLastFrame_; }
    /// How long the interactive loop may sleep before a frame is needed.
    std::chrono::milliseconds untilNextRedraw() const;
    drivers::DeviceRegistry& devices() { return devices_; }
    Journal& journal() { return *journal_; }
    /// Every service's flow (tests read a flow's view after a journey).
    ServiceFlows& services() { return *services_; }
    const KioskConfig& config() const { return config_; }

private:
    App(KioskConfig config, Catalog catalog, FontSet fonts, drivers::DeviceRegistry devices,
        std::unique_ptr<Journal> journal, TimeZone zone, AppOptions options);
    /// Opens the payment desk (its own journal connection) when [payments] and a backend exist.
    Result<void> openPayments();
    /// Resolves every pending payment on a worker before the first patient (DESIGN §6).
    void startPaymentRecovery();
    void onPaymentsRecovered(const PaymentsRecovered& recovered);
    /// "The patient paid on the phone": the simulator's gateway call for the QR on screen.
    Result<void> simulatePhonePayment();
    Result<void> openWindow();
    ScreenContext makeContext();
    void handleEvent(const UiEvent& event);
    void apply(const Transition& transition);
    void switchTo(std::string_view screenId);
    void beginSession(const PatientIdentity& identity, const std::string& device);
    /// `farewellKey`: what the attract screen says next (empty: chosen from the reason, and for
    /// "finish" from whether a card is in the reader and whether anything was printed).
    void endSession(SessionEndReason reason, std::string farewellKey = {});
    void runTimers();
    void render();
    void drawFrame(Ui& ui, const ScreenContext& context);
    void drawTopBar(Ui& ui);
    void drawBottomBar(Ui& ui);
    /// Shades the whole screen and draws a centred panel of the given size (pixels) in a new
    /// full-screen window `windowId`; returns the panel's top-left corner. The caller ends the window.
    ImVec2 beginModalPanel(const Layout& layout, const char* windowId, float panelWidth, float panelHeight) const;
    void drawCountdown(Ui& ui);
    void drawSimulatorPanel(std::vector<UiEvent>& events);
    void drawQuitQuestion(Ui& ui);
    /// The "call staff" button (top bar) on every patient screen of the lobby and the pharmacy:
    /// not in diagnostics mode nor on the technician's screens.
    bool staffCallOffered() const;
    void drawStaffCall(Ui& ui);
    /// With the voice on, says what the staff-call panel shows now, once per state of a press
    /// (calling, then called / unknown / unreachable, or the repeated press's reminder).
    void speakStaffCall();
    /// A short beep where the kiosk has audio (logged once where it has none).
    void playAlert();
    /// The voice per [voice] (or AppOptions::speech); a kiosk without one runs silent and says
    /// why in the log and on the diagnostics screen.
    void openVoice();
    /// SDL reported an audio output added or removed: headphones are there when an output's name
    /// matches [voice] headphone_names (what SDL can tell; see the .cpp).
    void audioDevicesChanged();
    /// The voice row under the top bar (repeat, quieter, louder) while the voice is on.
    void drawVoiceBar(Ui& ui);
    float voiceBarHeight() const;
    /// The voice controls go in a row under the top bar (portrait; elder mode) rather than in it.
    bool voiceControlsInRow() const;
    /// Draws say again / quieter / louder ending at `right`; returns their total width.
    float drawVoiceControls(Ui& ui, float right, float y, float height);
    void handleSdlEvent(const SDL_Event& event);
    /// Moves queued pointer input into pointer_ for the next frame: moves coalesce; a press or
    /// release is applied alone, after a frame that moved the pointer to where it happened.
    void applyPointerInput();
    void noteActivity();
    /// The current screen's idle timeout without a session, in this mode (elder: doubled).
    std::optional<std::chrono::seconds> screenIdleTimeout() const;
    /// A tap during the countdown: the patient is there; the session (or screen) goes on.
    void continueAfterCountdown();
    /// Emits countdown cues when the panel appears, ticks or goes.
    void updateCountdownCues();
    void cue(Cue cue);
    Layout layout() const;

    KioskConfig config_;
    AppOptions options_;
    Catalog catalog_;
    Translator text_;
    FontSet fonts_;
    Theme theme_;
    drivers::DeviceRegistry devices_;
    std::unique_ptr<Journal> journal_;
    std::unique_ptr<Clock> ownedClock_;
    Clock* clock_;
    TimeZone timeZone_;
    Session session_;
    std::string sessionDevice_;
    std::optional<SessionEndReason> lastSessionEnd_;
    SteadyTime lastSessionEndAt_{};
    std::string lastSessionEndMessage_;
    bool printedThisSession_ = false;  ///< a slip came out during the session (the farewell mentions it)
    SteadyTime lastActivity_{};
    EventQueue<UiEvent> queue_;
    std::vector<std::unique_ptr<Screen>> screens_;
    Screen* current_ = nullptr;
    std::vector<std::string> visited_;
    ButtonMap buttons_;
    TextRects texts_;
    BarRects bars_;
    struct Pointer {
        float x = -1;
        float y = -1;
        bool down = false;
    } pointer_;
    /// The second of two taps on one target within 500 ms is dropped (Ui::button).
    TapGuard tapGuard_;
    ListPages listPages_;
    /// A press made while the countdown showed: it and its release are not given to ImGui.
    bool swallowNextPress_ = false;
    bool swallowing_ = false;
    /// The finger that owns the pointer (touch panels report each finger); others are ignored.
    std::optional<SDL_FingerID> finger_;
    CueListener cueListener_;
    bool countdownShown_ = false;
    int countdownLastSecond_ = 0;
    /// Pointer input not yet given to ImGui. Dear ImGui 1.86 reads only the pointer's state at
    /// NewFrame (no input queue): a press and its release that arrive between two frames (a
    /// short tap on many touch panels, a quick click) would cancel out and the tap be lost. So
    /// events wait here and each frame applies at most one press or release (see
    /// applyPointerInput).
    struct PointerEvent {
        float x = -1;
        float y = -1;
        std::optional<bool> down;  ///< a press (true) or release (false); none: a move
        uint32_t ticks = 0;        ///< SDL_GetTicks() when it happened (the double-tap guard)
    };
    std::deque<PointerEvent> pointerQueue_;
    bool simulatorPanelVisible_ = false;
    bool running_ = false;
    uint64_t frames_ = 0;
    size_t glyphsMissingInLastFrame_ = 0;
    std::optional<std::filesystem::path> pendingScreenshot_;
    bool pendingCapture_ = false;
    /// The last modal panel drawn (beginModalPanel), so measures of a frame with a panel up
    /// count what is on the panel, not the shaded screen below.
    mutable ButtonRect modalPanel_{};
    size_t modalTextsFrom_ = 0;  ///< the panel's texts are texts_[modalTextsFrom_…]
    std::vector<unsigned char> capturedPixels_;
    Result<void> screenshotResult_;
    SDL_Window* window_ = nullptr;
    SDL_Renderer* renderer_ = nullptr;
    std::shared_ptr<backend::HisDriver> his_;
    std::unique_ptr<Journal> paymentJournal_;  ///< the desk's own connection (worker thread transactions)
    std::shared_ptr<payments::PaymentDesk> desk_;
    std::unique_ptr<ServiceFlows> services_;  ///< every service's flow (ScreenContext::services)
    /// The fleet's metrics (kiosk/ops): always kept; served when [metrics] is configured.
    std::unique_ptr<ops::MetricsRegistry> metrics_;
    std::unique_ptr<AppMetrics> appMetrics_;
    /// The backends and payment desk for the technician tabs and the backend metrics; after
    /// metrics_ (its observers and collector point into the registry, so it goes first).
    std::unique_ptr<TechnicianLinks> technicianLinks_;
    std::string sessionService_;  ///< the service the patient last opened this session (metrics)
    /// Technician access (screens/technician/): null without [diagnostics].
    std::unique_ptr<TechnicianEntry> technician_;
    /// Device counters in the journal (screens/technician/device_counting.hpp).
    std::unique_ptr<DeviceCounters> counters_;
    bool startUpRecoveryDone_ = false;  ///< no patient before it (DESIGN §6)
    bool recoveryRunning_ = false;
    size_t pendingPayments_ = 0;      ///< orders whose outcome was still unknown at the last recovery
    SteadyTime lastRecoveryAt_{};
    SteadyTime lastSettlementCheckAt_{};  ///< between patients: is the card terminal's settlement due?
    std::set<std::string> vouchersPrinted_;  ///< pending orders already given a voucher
    bool cardRemovedWhileHeld_ = false;
    std::string cardLeftIn_;          ///< reader still holding a signed-out patient's card
    SteadyTime cardReminderAt_{};     ///< when the take-your-card sound last played
    std::optional<SteadyTime> cardAbsentSince_;  ///< its reader has said "no card" since
    std::unique_ptr<Sound> sound_;    ///< null: no audio output (the kiosk runs silent)
    std::unique_ptr<speech::VoiceGuide> voice_;
    int countdownSpoken_ = -1;        ///< the countdown second last spoken (-1: countdown not shown)
    std::string staffCallSpoken_;     ///< what speakStaffCall() said last: "<generation>:<key>" ("" none)
    bool quitQuestionVisible_ = false;
    ButtonRect simulatorPanelRect_{};
    bool simulatorPanelCutOff_ = false;  ///< its content needed scrolling in the last frame
    /// The panel's "jam a locker door" (demo only: [simulator] lock_board_control); null otherwise.
    std::unique_ptr<SimPanelLockers> simLockers_;
    ImGuiContext* imgui_ = nullptr;
    Uint32 wakeEventType_ = 0;
    // Last: worker threads must stop before anything they post into is destroyed.
    std::unique_ptr<TaskRunner> tasks_;
};

/// The simulated e-health-card platform: resolves tokens of the sample people.
ScanResolver sampleHealthCardResolver(const std::filesystem::path& peopleFile);
/// The medical-insurance e-voucher QR hospital-sim's insurance centre issues for a person (the
/// presenter's panel and tests scan it; a real token is opaque to the kiosk).
std::string simulatedInsuranceVoucher(std::string_view idNumber);
/// The barcode of the lab slip hospital-sim has for a person's report (payload kind report_code):
/// the hospital card's 8 digits and the report's number, 1–5 in the order of
/// sim/hospital/README.md "Reports" (1 the blood count … 5 the pending thyroid panel); "" for a
/// card of another shape. The presenter's panel and tests scan it.
std::string simulatedLabSlipCode(std::string_view hospitalCard, int reportNumber);

}  // namespace kiosk::screens
