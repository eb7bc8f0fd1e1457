#include "screens/app.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <imgui_impl_sdl.h>
#include <imgui_impl_sdlrenderer.h>

#include <algorithm>
#include <thread>

#include "drivers/sim/sim_devices.hpp"
#include "kiosk/backend/http_client.hpp"
#include "payments/payment_config.hpp"
#include "printing/templates.hpp"
#include "screens/booking/booking_flow.hpp"
#include "screens/cancel/cancel_flow.hpp"
#include "screens/help/staff_call.hpp"
#include "screens/payment/card_terminal.hpp"
#include "screens/payment/payment_screens.hpp"
#include "screens/png_file.hpp"
#include "screens/sim_panel_hospital.hpp"
#include "screens/sim_panel_lockers.hpp"
#include "screens/technician/device_counting.hpp"
#include "kiosk/core/log.hpp"
#include "kiosk/core/mask.hpp"
#include "kiosk/ops/metrics_server.hpp"
#include "kiosk/ops/service_notifier.hpp"
#include "screens/diagnostics/backend_links.hpp"
#include "kiosk/speech/espeak_speech.hpp"
#include "kiosk/speech/readings.hpp"

namespace kiosk::screens {

namespace {

constexpr auto kBannerTime = std::chrono::seconds(8);
constexpr int kMaxSettleFrames = 50;
/// The simulator panel's text size (px) in either print size (the presenter's, not the patient's).
constexpr float kSimulatorPanelTextPx = 24.0F;
/// A card left in the reader after sign-out: the reminder sounds again this often until it is taken.
constexpr auto kCardReminderEvery = std::chrono::seconds(10);
/// How long a reader must say "no card" before a card left in it counts as taken without a
/// removal event (a restarting reader says "absent" for a moment before it sees the card).
constexpr auto kCardAbsentFor = std::chrono::seconds(2);
/// While orders stay unknown after recovery, it runs again this often between patients.
constexpr auto kRecoveryRetry = std::chrono::minutes(5);
/// How often, between patients, the app asks whether the card terminal's settlement is due.
constexpr auto kCardSettlementCheck = std::chrono::minutes(5);
/// The voice row (portrait): 96 px buttons (the smallest touch target) with a little padding.
constexpr float kVoiceButtonHeight = 96.0F;
constexpr float kVoiceBarPadding = 8.0F;

std::shared_ptr<spdlog::logger> logger() { return log::module("app"); }

/// Speech into the alert sounds' device (an audio driver with a single output).
class SharedSoundOutput final : public speech::PcmOutput {
public:
    explicit SharedSoundOutput(Sound& sound) : sound_(&sound) {}
    void play(const int16_t* samples, size_t count) override {
        if (auto queued = sound_->queuePcm(samples, count); !queued) logger()->warn("{}", queued.error().describe());
    }
    void clear() override { sound_->clearQueued(); }
    std::string describe() const override {
        const char* driver = SDL_GetCurrentAudioDriver();
        return fmt::format("SDL audio driver {} (one output, shared with the alert sounds)", driver ? driver : "none");
    }
    int rate() const override { return sound_->rate(); }

private:
    Sound* sound_;
};

}  // namespace

std::string simulatedInsuranceVoucher(std::string_view idNumber) {
    return "43EC" + std::string(idNumber) + "00000000";
}

std::string simulatedLabSlipCode(std::string_view hospitalCard, int reportNumber) {
    if (hospitalCard.size() != 9) return {};
    return fmt::format("{}{:04}", hospitalCard.substr(1), reportNumber);
}

ScanResolver sampleHealthCardResolver(const std::filesystem::path& peopleFile) {
    auto people = std::make_shared<Result<drivers::sim::SampleData>>(drivers::sim::SampleData::load(peopleFile));
    return [people](const std::string& payload, const std::string& kind) -> Result<PatientIdentity> {
        if (!*people) return std::unexpected(people->error());
        if (kind == "insurance_voucher") {
            return fail(Errc::unsupported, "no insurance centre without a backend", "identify.voucher_unavailable");
        }
        for (const auto& person : (*people)->people) {
            if (!person.healthCardToken.empty() && person.healthCardToken == payload) {
                return drivers::sim::identityFor(person, IdentitySource::health_card_qr);
            }
        }
        return fail(Errc::not_found, "simulated e-health-card platform: unknown token", "scan.not_found");
    };
}

Result<std::unique_ptr<App>> App::create(KioskConfig config, AppOptions options) {
    // Dear ImGui and its SDL backends keep one current context per process: a second App would
    // take it over and the first one's teardown would pull it from under the second.
    if (ImGui::GetCurrentContext() != nullptr) {
        return fail(Errc::invalid_argument, "another kiosk App is still open in this process (one window per process)");
    }
    if (options.mode) config.mode = *options.mode;
    if (config.mode == KioskMode::pharmacy_display && config.ui.viewingDistanceM <= 0) config.ui.viewingDistanceM = 5;
    log::Settings logSettings;
    logSettings.file = config.logFile;
    logSettings.level = spdlog::level::from_str(config.logLevel);
    log::configure(logSettings);

    auto catalog = Catalog::load(config.assetsDir / "lang");
    if (!catalog) return std::unexpected(catalog.error());
    if (!catalog->hasLanguage(config.ui.language)) {
        return fail(Errc::invalid_config, fmt::format("{}: key 'ui.language': no language files for {} in {}",
                                                      config.file.string(), config.ui.language,
                                                      (config.assetsDir / "lang").string()));
    }
    if (!config.ui.deprecationNote.empty()) logger()->warn("{}: {}", config.file.string(), config.ui.deprecationNote);
    const Theme normalTheme = Theme::make(config.ui, false);
    const Theme elderTheme = Theme::make(config.ui, true);
    auto fonts = FontSet::load(config.ui.fontFile, config.ui.fontIndex, normalTheme.bodyPx);
    if (!fonts) return std::unexpected(fonts.error());
    // The clock's digits keep one size (≥ 16 mm high): elder mode gives the room to the text.
    fonts->setSizes(normalTheme.bodyPx, elderTheme.bodyPx, normalTheme.titleScale, normalTheme.bodyPx * normalTheme.clockScale);
    logger()->info("screen {:.0f} x {:.0f} mm ({:.3f} mm per pixel): body text {:.0f} px, elder mode {:.0f} px",
                   config.ui.screenWidthMm, config.ui.screenHeightMm, config.ui.pixelPitchMm, normalTheme.bodyPx,
                   elderTheme.bodyPx);
    auto devices = drivers::DeviceRegistry::build(config, drivers::DriverContext{config.assetsDir, config.dataDir});
    if (!devices) return std::unexpected(devices.error());
    auto journal = Journal::open(config.journalFile);
    if (!journal) return std::unexpected(journal.error());
    auto zone = TimeZone::load(config.timeZone);
    if (!zone) {
        return fail(Errc::invalid_config, fmt::format("{}: key 'kiosk.time_zone': {}", config.file.string(), zone.error().detail));
    }

    std::unique_ptr<App> app(new App(std::move(config), std::move(*catalog), std::move(*fonts), std::move(*devices),
                                     std::move(*journal), std::move(*zone), std::move(options)));
    if (auto payments = app->openPayments(); !payments) return std::unexpected(payments.error());
    auto technician = TechnicianEntry::open(app->config_, *app->journal_, *app->clock_);
    if (!technician) return std::unexpected(technician.error());
    app->technician_ = std::move(*technician);
    auto counters = DeviceCounters::open(*app->journal_);
    if (!counters) return std::unexpected(counters.error());
    app->counters_ = std::make_unique<DeviceCounters>(std::move(*counters));
    app->simLockers_ = SimPanelLockers::make(app->config_, app->devices_);  // demo only ([simulator])
    if (auto services = app->services_->checkAtStartUp(); !services) return std::unexpected(services.error());
    app->metrics_ = std::make_unique<ops::MetricsRegistry>(
        ops::kioskLabels(app->config_, ops::readMetricsSettings(app->config_.metrics)));
    app->appMetrics_ = std::make_unique<AppMetrics>(*app->metrics_, app->devices_, app->desk_.get(), KIOSK_VERSION);
    app->technicianLinks_ = makeTechnicianLinks(app->his_, app->desk_, *app->journal_);
    exportBackendMetrics(*app->metrics_, *app->technicianLinks_);
    if (auto opened = app->openWindow(); !opened) return std::unexpected(opened.error());
    app->switchTo(firstScreen(app->config_.mode));
    app->startPaymentRecovery();
    app->services_->recoverAtStartUp();
    logger()->info("kiosk {} started in {} mode, {}x{}", app->config_.kioskId, modeName(app->config_.mode),
                   app->config_.ui.width, app->config_.ui.height);
    return app;
}

App::App(KioskConfig config, Catalog catalog, FontSet fonts, drivers::DeviceRegistry devices,
         std::unique_ptr<Journal> journal, TimeZone zone, AppOptions options)
    : config_(std::move(config)),
      options_(std::move(options)),
      catalog_(std::move(catalog)),
      text_(catalog_, config_.ui.language),
      fonts_(std::move(fonts)),
      theme_(Theme::make(config_.ui, config_.ui.largePrint)),
      devices_(std::move(devices)),
      journal_(std::move(journal)),
      ownedClock_(options_.clock ? nullptr : std::make_unique<SystemClock>()),
      clock_(options_.clock ? options_.clock : ownedClock_.get()),
      timeZone_(std::move(zone)),
      session_(config_.session),
      screens_(makeScreenTable()),
      his_(options_.his),
      tasks_(std::make_unique<TaskRunner>(2)) {
    if (!options_.resolveScan) options_.resolveScan = sampleHealthCardResolver(config_.assetsDir / "sim" / "people.json");
    services_ = std::make_unique<ServiceFlows>(config_, his_, nullptr, *tasks_, devices_, [this](UiEvent event) { queue_.post(std::move(event)); });
    lastActivity_ = clock_->now();
    session_.setTimeScale(theme_.timeoutScale);
}

App::~App() {
    if (current_) {
        ScreenContext context = makeContext();
        current_->onExit(context);
    }
    services_.reset();  // a payment step in flight finishes (bounded by its HTTP timeouts)
    devices_.stopAll();
    tasks_.reset();  // joins the workers before the queue goes away
    if (imgui_) {
        ImGui_ImplSDLRenderer_Shutdown();
        ImGui_ImplSDL2_Shutdown();
        ImGui::DestroyContext(imgui_);
    }
    voice_.reset();
    options_.speech.reset();  // the engine's worker and audio device stop before SDL goes
    sound_.reset();  // closes its audio device before SDL goes
    if (renderer_) SDL_DestroyRenderer(renderer_);
    if (window_) SDL_DestroyWindow(window_);
    SDL_Quit();
    log::flushAll();
}

Result<void> App::openWindow() {
    if (options_.headless) {
        // No X server: render into memory (harness.md §6).
        SDL_SetHint(SDL_HINT_VIDEODRIVER, "offscreen");
        SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
    }
    if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS) != 0) {
        return fail(Errc::device_not_ready,
                    fmt::format("cannot start SDL video: {} (no display? use `kiosk screenshot` or xvfb-run)",
                                SDL_GetError()));
    }
    if (auto sound = Sound::open(options_.headless); sound) {
        sound_ = std::move(*sound);
    } else {
        logger()->warn("no sound (the take-your-card reminder is shown only): {}", sound.error().describe());
    }
    openVoice();
    const int logicalWidth = config_.ui.width;
    const int logicalHeight = config_.ui.height;
    int windowWidth = logicalWidth;
    int windowHeight = logicalHeight;
    Uint32 flags = SDL_WINDOW_SHOWN | SDL_WINDOW_ALLOW_HIGHDPI;
    if (options_.fullscreen) {
        flags |= SDL_WINDOW_FULLSCREEN_DESKTOP;
        // The window is the screen's size from the start: a Wayland compositor (cage) that is
        // handed a window of the kiosk's size on a smaller or turned output showed its top-left
        // corner unscaled. The renderer's logical size scales the kiosk's frame to it.
        SDL_DisplayMode desktop;
        if (SDL_GetDesktopDisplayMode(0, &desktop) == 0 && desktop.w > 0 && desktop.h > 0) {
            windowWidth = desktop.w;
            windowHeight = desktop.h;
        }
    } else if (!options_.headless) {
        // A developer's desktop may be smaller than the kiosk's screen: scale the window to fit;
        // the renderer keeps the kiosk's logical size.
        SDL_DisplayMode desktop;
        if (SDL_GetDesktopDisplayMode(0, &desktop) == 0) {
            const float scale = std::min({1.0F, 0.9F * static_cast<float>(desktop.w) / static_cast<float>(logicalWidth),
                                          0.9F * static_cast<float>(desktop.h) / static_cast<float>(logicalHeight)});
            windowWidth = static_cast<int>(static_cast<float>(logicalWidth) * scale);
            windowHeight = static_cast<int>(static_cast<float>(logicalHeight) * scale);
        }
        flags |= SDL_WINDOW_RESIZABLE;
    }
    window_ = SDL_CreateWindow("Yizhan kiosk", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, windowWidth,
                               windowHeight, flags);
    if (!window_) return fail(Errc::device_not_ready, fmt::format("cannot open the kiosk window: {}", SDL_GetError()));
    const Uint32 rendererFlags = options_.headless ? SDL_RENDERER_SOFTWARE : SDL_RENDERER_ACCELERATED;
    renderer_ = SDL_CreateRenderer(window_, -1, rendererFlags);
    if (!renderer_) renderer_ = SDL_CreateRenderer(window_, -1, SDL_RENDERER_SOFTWARE);
    if (!renderer_) return fail(Errc::device_not_ready, fmt::format("cannot create a renderer: {}", SDL_GetError()));
    SDL_RenderSetLogicalSize(renderer_, logicalWidth, logicalHeight);

    imgui_ = ImGui::CreateContext();
    ImGui::SetCurrentContext(imgui_);  // one App per process; be explicit all the same
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;  // a kiosk keeps no UI state on disk
    io.LogFilename = nullptr;
    io.ConfigFlags |= ImGuiConfigFlags_IsTouchScreen;
    ImGui_ImplSDL2_InitForSDLRenderer(window_);
    ImGui_ImplSDLRenderer_Init(renderer_);
    theme_.apply();
    fonts_.include(config_.hospitalNameZh + config_.hospitalNameEn);
    fonts_.include(services_->textsKnownAtStartUp());
    if (auto built = fonts_.build(catalog_, config_.ui.largePrint); !built) return built;

    wakeEventType_ = SDL_RegisterEvents(1);
    const Uint32 wakeType = wakeEventType_;
    queue_.setWaker([wakeType] {
        SDL_Event wake{};
        wake.type = wakeType;
        SDL_PushEvent(&wake);  // thread-safe: wakes SDL_WaitEventTimeout
    });
    return {};
}

Result<void> App::openPayments() {
    if (!config_.payments.present()) {
        logger()->info("no [payments] section: the payment service is not offered");
        return {};
    }
    if (!his_) {
        return fail(Errc::invalid_config, fmt::format("{}: [payments] needs a [backend] section (the HIS commit)", config_.file.string()));
    }
    auto journal = Journal::open(config_.journalFile);
    if (!journal) return std::unexpected(journal.error());
    auto desk = payments::PaymentDesk::create(config_, **journal, *his_);
    if (!desk) return std::unexpected(desk.error());
    // A bank-card terminal in [[devices]] adds "bank card" to the payment channels.
    attachCardTerminal(**desk, devices_, [this](drivers::DeviceEvent event) { queue_.post(UiEvent{std::move(event)}); });
    paymentJournal_ = std::move(*journal);
    desk_ = std::move(*desk);
    services_ = std::make_unique<ServiceFlows>(config_, his_, desk_, *tasks_, devices_, [this](UiEvent event) { queue_.post(std::move(event)); });
    return {};
}

void App::startPaymentRecovery() {
    if (!desk_) return;
    // At start-up no patient is accepted until it finishes; later retries (between patients)
    // keep the kiosk available while they run.
    lastRecoveryAt_ = clock_->now();
    recoveryRunning_ = true;
    services_->payment().recoverPending();
}

void App::onPaymentsRecovered(const PaymentsRecovered& recovered) {
    startUpRecoveryDone_ = true;
    recoveryRunning_ = false;
    pendingPayments_ = recovered.pendingOrders.size();
    if (recovered.error) {
        // The journal itself failed: payments stay possible only if it works again; say so loudly.
        logger()->error("payment recovery failed: {}", recovered.error->describe());
    }
    logger()->info("payment recovery: {} resolved, {} still unknown", recovered.resolved, recovered.pendingOrders.size());
    // A patient who was at the kiosk when it stopped may still be standing here: a voucher with
    // the transaction key for each order whose outcome is still unknown, never "failed".
    for (const auto& [orderId, amountFen] : recovered.pendingOrders) {
        if (!vouchersPrinted_.insert(orderId).second) {
            logger()->warn("order {} still unknown; retrying in {} min", orderId, kRecoveryRetry.count());
            continue;  // one voucher per order
        }
        logger()->error("order {} outcome unknown after recovery: help desk, voucher printed", orderId);
        printing::UnresolvedPaymentVoucherData data;
        data.header = printing::slipHeader(config_, text_.language(), clock_->wallNow(), orderId);
        data.tradeNo = orderId;
        data.amount = formatYuan(amountFen);
        ScreenContext context = makeContext();
        printOnReceiptPrinter(context, "recovery-voucher:" + orderId, printing::unresolvedPaymentVoucher(text_, data));
    }
}

Result<void> App::simulatePhonePayment() {
    if (!desk_) return fail(Errc::unsupported, "no payment desk: [payments] is not configured");
    const PaymentView view = services_->payment().view();
    // The code on screen: the payment's, or the booking fee's (the same desk and gateway).
    const BookingView booking = services_->booking().view();
    std::string tradeNo;
    if (view.stage == PayStage::qr && !view.order.orderId.empty()) {
        tradeNo = view.order.outTradeNo();
    } else if (booking.stage == BookStage::qr && !booking.order.orderId.empty()) {
        tradeNo = booking.order.outTradeNo();
    } else {
        return fail(Errc::invalid_argument, fmt::format("no payment QR on screen (stage {})", static_cast<int>(view.stage)));
    }
    tasks_->post([gateway = desk_->gateway().settings(), tradeNo] {
        // The simulator's own endpoint (hospital-sim): plays the patient's phone. A real gateway
        // has no such call; the presenter uses this only with the simulated hospital.
        backend::HttpClient http(gateway);
        backend::HttpRequest request;
        request.method = "POST";
        request.target = "orders/" + tradeNo + "/simulate-paid";
        request.accept = "application/json";
        auto answer = http.perform(request);
        if (!answer) {
            logger()->warn("simulator: paying {} on the phone failed: {}", tradeNo, answer.error().detail);
        } else {
            logger()->info("simulator: the patient paid {} on the phone ({})", tradeNo, answer->status);
        }
    });
    return {};
}

Result<void> App::awaitScreen(std::string_view screenId, std::chrono::seconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (true) {
        frame();
        // "Waiting for the patient": no service's step is running on its worker.
        if (currentScreen() == screenId && !services_->working()) {
            settle();
            return {};
        }
        if (std::chrono::steady_clock::now() >= deadline) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return fail(Errc::timeout, fmt::format("screen {} not reached within {} s (on {})", screenId, limit.count(), currentScreen()));
}

ScreenContext App::makeContext() {
    return ScreenContext{
        .config = config_,
        .text = text_,
        .session = session_,
        .devices = devices_,
        .deviceSink = [this](drivers::DeviceEvent event) { queue_.post(UiEvent{std::move(event)}); },
        .clock = *clock_,
        .timeZone = timeZone_,
        .tasks = *tasks_,
        .post = [this](UiEvent event) { queue_.post(std::move(event)); },
        .resolveScan = options_.resolveScan,
        .services = *services_,
        .acceptingPatients = acceptingPatients(),
        .lastSessionEnd = lastSessionEnd_,
        .lastSessionEndAt = lastSessionEndAt_,
        .cardLeftInReader = !cardLeftIn_.empty(),
        .lastSessionEndMessage = lastSessionEndMessage_,
        .voiceStatus = voice_ ? voice_->status() : std::string("voice: not started"),
        .technician = technician_ ? &technician_->access() : nullptr,
        .counters = counters_.get(),
        .technicianLinks = technicianLinks_.get(),
        .announce = [this](const std::string& key, const std::vector<std::pair<std::string, std::string>>& values) {
            if (sound_) (void)sound_->success();
            if (voice_) voice_->announce(key, values);
        },
    };
}

std::string_view App::currentScreen() const { return current_ ? current_->id() : std::string_view(); }

void App::switchTo(std::string_view screenId) {
    Screen* next = nullptr;
    for (const auto& screen : screens_) {
        if (screen->id() == screenId) next = screen.get();
    }
    if (!next) {
        logger()->error("no screen '{}' in the screen table; staying on {}", screenId, currentScreen());
        return;
    }
    ScreenContext context = makeContext();
    if (current_) current_->onExit(context);
    current_ = next;
    visited_.emplace_back(screenId);
    lastActivity_ = clock_->now();
    if (session_.active() && session_.auditId != 0) {
        (void)journal_->auditEvent(session_.auditId, "screen:" + std::string(screenId));
    }
    listPages_.clear();  // a list opens at its first page
    // The next person at the kiosk does not find the last one's call on the screen (the call
    // itself stands: staff still come, and a press within the repeat window shows it again).
    if (screenId == "attract") services_->staffCall().closePanel();
    logger()->info("screen {}", screenId);
    current_->onEnter(context);
    cue(Cue{Cue::Kind::screen_changed, std::string(screenId), 0, session_.active(), false});
    if (voice_) voice_->screenShown(screenId, session_.active() ? session_.identity().name : std::string());
}

void App::beginSession(const PatientIdentity& identity, const std::string& device) {
    session_.begin(identity, clock_->now());
    sessionDevice_ = device;
    // Names may hold rare characters: extend the atlas before they are drawn.
    fonts_.require(identity.name);
    const std::string& key = !identity.idNumber.empty() ? identity.idNumber : identity.cardNumber;
    auto audit = journal_->auditSessionStart(saltedHash(config_.auditSalt, key),
                                             identitySourceName(identity.source), config_.kioskId);
    if (audit) {
        session_.auditId = *audit;
    } else {
        logger()->error("session audit not written: {}", audit.error().describe());
    }
    logger()->info("session started ({})", identity.masked());
    sessionService_.clear();
    if (appMetrics_) appMetrics_->sessionStarted();
}

void App::endSession(SessionEndReason reason, std::string farewellKey) {
    if (!session_.active()) return;
    if (farewellKey.empty() && reason == SessionEndReason::completed) {
        // "Take your card and receipts" only where there is a card in the reader and paper.
        const bool card = !sessionDevice_.empty();
        farewellKey = card && printedThisSession_ ? "session.ended.completed"
                      : card                      ? "session.ended.completed_card"
                      : printedThisSession_       ? "session.ended.completed_receipts"
                                                  : "session.ended.completed_nothing";
    }
    lastSessionEndMessage_ = std::move(farewellKey);
    printedThisSession_ = false;
    if (session_.auditId != 0) {
        if (auto ok = journal_->auditSessionEnd(session_.auditId, sessionEndReasonName(reason)); !ok) {
            logger()->error("session audit end not written: {}", ok.error().describe());
        }
    }
    if (!sessionDevice_.empty()) {
        if (drivers::Device* device = devices_.find(sessionDevice_)) {
            // Signed out by time-out or Finish with the card still in the reader (or the ID card
            // still on it): the next screen asks the patient to take it, with a sound, until it
            // is removed. A card left behind is the most common thing lost at a kiosk.
            if (reason != SessionEndReason::card_removed && device->state().media == drivers::MediaState::present) {
                cardLeftIn_ = sessionDevice_;
                cardReminderAt_ = clock_->now();
                cardAbsentSince_.reset();
                logger()->info("signed out with the card still in {}: asking the patient to take it", cardLeftIn_);
                playAlert();
            }
            device->stop();
        }
    }
    if (appMetrics_) appMetrics_->sessionEnded(reason, sessionService_, currentScreen());
    sessionService_.clear();
    sessionDevice_.clear();
    cardRemovedWhileHeld_ = false;
    services_->resetAll();  // wipes every service's patient data; an order in flight still finishes
    session_.end(reason);
    lastSessionEnd_ = reason;
    lastSessionEndAt_ = clock_->now();
    logger()->info("session ended: {}", sessionEndReasonName(reason));
    switchTo("attract");
}

void App::apply(const Transition& transition) {
    if (transition.endSession) {
        endSession(*transition.endSession, transition.farewellKey);
        return;
    }
    if (transition.beginSession && !acceptingPatients()) {
        // DESIGN §6: pending payments are resolved before a new patient is accepted.
        logger()->warn("a patient identified while payment recovery runs; asked to wait");
        switchTo("attract");
        return;
    }
    if (transition.beginSession) {
        beginSession(*transition.beginSession, transition.sessionDevice);
        // Physical guidance (issue 15 item 5): a chime and "card read" / "code read" (said before
        // the next screen's prompt).
        const drivers::Device* device = devices_.find(transition.sessionDevice);
        if (sound_) (void)sound_->success();
        if (voice_) voice_->cardRead(device && device->deviceClass() == drivers::DeviceClass::scanner);
    }
    if (transition.next) switchTo(*transition.next);
    if (transition.beginSession && !sessionDevice_.empty()) {
        // The reader that holds the patient's card keeps reporting (card removal ends the
        // session) while other screens run.
        if (drivers::Device* device = devices_.find(sessionDevice_)) {
            if (auto ok = device->start(makeContext().deviceSink); !ok) {
                logger()->warn("session reader {} not restarted: {}", sessionDevice_, ok.error().describe());
            }
        }
    }
}

void App::noteActivity() {
    lastActivity_ = clock_->now();
    session_.noteActivity(clock_->now());
}

void App::handleEvent(const UiEvent& event) {
    if (counters_) countDeviceEvent(*counters_, event, devices_);
    if (const auto* pressed = std::get_if<ButtonPressed>(&event)) {
        noteActivity();
        if (pressed->id == "ui.language") {
            setLanguage(text_.language() == "zh_CN" ? "en_US" : "zh_CN");
            return;
        }
        if (pressed->id == "ui.large_print") {
            setLargePrint(!fonts_.largePrint());
            return;
        }
        if (pressed->id == "help.call") {
            const WallTime wall = timeZone_.at(clock_->wallNow());
            services_->staffCall().press(currentScreen(), session_.active() ? &session_.identity() : nullptr, clock_->now(),
                                         fmt::format("{:02}:{:02}", wall.hour, wall.minute));
            staffCallSpoken_.clear();  // each press is answered aloud, a repeated one too
            speakStaffCall();
            return;
        }
        if (pressed->id == "help.close") {
            services_->staffCall().closePanel();
            return;
        }
        if (const ServiceRow* service = serviceForButton(pressed->id); service && session_.active() && appMetrics_) {
            // The tile the patient pressed names the service (several may share an entry screen).
            if (sessionService_ != service->id) appMetrics_->serviceStarted(service->id);
            sessionService_ = std::string(service->id);
        }
        if (pressed->id.starts_with("voice.") && voice_) {
            if (pressed->id == "voice.toggle") voice_->toggle();
            if (pressed->id == "voice.repeat") voice_->repeat();
            if (pressed->id == "voice.quieter") voice_->volumeDown();
            if (pressed->id == "voice.louder") voice_->volumeUp();
            return;
        }
        if (pressed->id == "session.more_time") {
            session_.extend(clock_->now());
            return;
        }
        for (const std::string_view suffix : {std::string_view(".page.previous"), std::string_view(".page.next")}) {
            const std::string_view id = pressed->id;
            if (id.size() <= suffix.size() || id.substr(id.size() - suffix.size()) != suffix) continue;
            auto list = listPages_.find(id.substr(0, id.size() - suffix.size()));
            if (list == listPages_.end()) break;  // not a Ui::pagedList (the diagnostics screen pages itself)
            list->second.page = std::clamp(list->second.page + (suffix == ".page.next" ? 1 : -1), 0, list->second.pages - 1);
            return;
        }
        if (pressed->id == "session.finish") {
            ScreenContext context = makeContext();
            if (current_ && current_->asksBeforeFinish(context)) {
                apply(current_->onEvent(context, event));  // a payment in progress: the screen asks first
                return;
            }
            endSession(SessionEndReason::completed);
            return;
        }
        if (pressed->id == "demo.quit.cancel") {
            quitQuestionVisible_ = false;
            return;
        }
        if (pressed->id == "demo.quit.confirm") {
            quitQuestionVisible_ = false;
            logger()->info("the presenter quit the demo (Esc)");
            requestQuit();
            return;
        }
    }
    if (std::holds_alternative<StaffCallProgress>(event)) speakStaffCall();  // then passed on to the screen
    if (const auto* printed = std::get_if<PrintFinished>(&event); printed && printed->outcome && session_.active()) {
        printedThisSession_ = true;  // then passed on to the screen that printed
    }
    // Then passed on to the screen: the technician's payments tab reloads its list.
    if (const auto* recovered = std::get_if<PaymentsRecovered>(&event)) onPaymentsRecovered(*recovered);
    if (std::holds_alternative<BookingProgress>(event)) {
        // A cancellation whose refund or HIS answer is still unknown is resolved between patients,
        // as a payment being confirmed is.
        const CancelView cancel = services_->cancel().view();
        const bool unsettled = (cancel.stage == CancelStage::cancelled && cancel.refund == CancelRefund::pending) ||
                               (cancel.stage == CancelStage::stopped && cancel.error && cancel.error->code == Errc::unknown_outcome);
        if (unsettled && vouchersPrinted_.insert("cancel:" + cancel.chosen.appointment.id).second) {
            ++pendingPayments_;
            lastRecoveryAt_ = clock_->now();
        }
    }
    if (std::holds_alternative<PaymentProgress>(event)) {
        const PaymentView view = services_->payment().view();
        if (view.stage == PayStage::outcome && outcomeOf(view.order) == PayOutcome::confirming &&
            vouchersPrinted_.insert(view.order.orderId).second) {
            // The patient got a voucher on the result screen; the kiosk keeps resolving the
            // order between patients until its outcome is known.
            ++pendingPayments_;
            lastRecoveryAt_ = clock_->now();
        }
    }
    if (const auto* action = std::get_if<SimulatorAction>(&event)) {
        if (auto ok = simulate(action->device, action->action, action->argument); !ok) {
            logger()->warn("simulator: {}", ok.error().describe());
        }
        return;
    }
    if (!session_.active()) {
        // A failed or refused read: a low two-note sound and, with the voice on, "not read".
        const auto* deviceEvent = std::get_if<drivers::DeviceEvent>(&event);
        const auto* scanned = deviceEvent ? std::get_if<drivers::CodeScanned>(deviceEvent) : nullptr;
        const auto* resolved = std::get_if<ScanResolved>(&event);
        if ((deviceEvent && std::holds_alternative<drivers::CardReadFailed>(*deviceEvent)) || (scanned && scanned->rejected) ||
            (resolved && !resolved->identity)) {
            if (sound_) (void)sound_->failure();
            if (voice_) voice_->readFailed();
        }
    }
    if (const auto* deviceEvent = std::get_if<drivers::DeviceEvent>(&event)) {
        if (const auto* status = std::get_if<drivers::StatusChanged>(deviceEvent)) {
            logger()->info("device {} is {} {}", status->device, drivers::deviceStatusName(status->state.status),
                           status->state.detail);
        }
        if (appMetrics_) {
            if (const auto* read = std::get_if<drivers::CardInserted>(deviceEvent)) appMetrics_->cardRead(read->device, true);
            if (const auto* failed = std::get_if<drivers::CardReadFailed>(deviceEvent)) appMetrics_->cardRead(failed->device, false);
        }
        if (const auto* removed = std::get_if<drivers::CardRemoved>(deviceEvent)) {
            if (removed->device == cardLeftIn_) {
                logger()->info("the signed-out patient took their card from {}", cardLeftIn_);
                cardLeftIn_.clear();
                cardAbsentSince_.reset();
            }
            if (session_.active() && removed->device == sessionDevice_) {
                ScreenContext context = makeContext();
                if (current_ && current_->holdsSession(context)) {
                    // Money is moving: show the outcome first; the session ends when it is shown.
                    logger()->info("card removed during a payment step; the session ends after the outcome");
                    cardRemovedWhileHeld_ = true;
                    return;
                }
                endSession(SessionEndReason::card_removed);
                return;
            }
        }
        if (const auto* inserted = std::get_if<drivers::CardInserted>(deviceEvent)) {
            if (inserted->device == cardLeftIn_) {
                // The signed-out patient's card, reported again when the reader restarted: not a
                // new patient; they are asked to take it.
                logger()->info("card still in {} after sign-out; not starting a session with it", cardLeftIn_);
                return;
            }
            noteActivity();
            if (session_.active()) {
                logger()->warn("a card was inserted during a session; ignored");
                return;
            }
        }
    }
    if (!current_) return;
    ScreenContext context = makeContext();
    apply(current_->onEvent(context, event));
}

void App::runTimers() {
    const SteadyTime now = clock_->now();
    if (!cardLeftIn_.empty()) {
        // The reader's own state as well as its removal event: a removal while the reader was
        // restarting (sign-out to the attract screen) posts no event. A restarting PC/SC reader
        // says "absent" until its first status wait reports the card again, so only an absence
        // that lasts counts.
        const drivers::Device* reader = devices_.find(cardLeftIn_);
        const bool present = reader && reader->state().media == drivers::MediaState::present;
        if (present) {
            cardAbsentSince_.reset();
        } else if (!cardAbsentSince_) {
            cardAbsentSince_ = now;
        }
        if (cardAbsentSince_ && now - *cardAbsentSince_ >= kCardAbsentFor) {
            logger()->info("the card left in {} is gone", cardLeftIn_);
            cardLeftIn_.clear();
            cardAbsentSince_.reset();
        } else if (present && now - cardReminderAt_ >= kCardReminderEvery) {
            cardReminderAt_ = now;
            playAlert();
        }
    }
    if (session_.active() && current_) {
        ScreenContext context = makeContext();
        if (current_->holdsSession(context)) {
            session_.noteActivity(now);  // a payment step in flight is not idleness
        } else if (cardRemovedWhileHeld_) {
            // The outcome is on screen now; the card left during the payment step. Give the
            // patient the outcome screen's own idle time before ending (they may read it).
            if (now - lastActivity_ >= std::chrono::seconds(20)) {
                endSession(SessionEndReason::card_removed);
                return;
            }
        }
    }
    if (countdownVisible()) {
        // The "are you still there?" countdown is spoken: the question once, then the seconds.
        const auto left = static_cast<int>(session_.remaining(now).count());
        if (left != countdownSpoken_ && voice_) voice_->countdown(left, countdownSpoken_ < 0);
        countdownSpoken_ = left;
    } else {
        countdownSpoken_ = -1;
    }
    if (session_.expired(now)) {
        countdownLastSecond_ = 0;  // the countdown ends by timing out, not by a tap
        endSession(SessionEndReason::idle_timeout);
        updateCountdownCues();
        return;
    }
    if (current_ && current_->needsSession() && !session_.active()) {
        switchTo("attract");
        return;
    }
    if (pendingPayments_ > 0 && !recoveryRunning_ && !session_.active() && currentScreen() == "attract" &&
        now - lastRecoveryAt_ >= kRecoveryRetry) {
        logger()->info("{} payment(s) still unknown: resolving again", pendingPayments_);
        startPaymentRecovery();
    }
    if (desk_ && !recoveryRunning_ && !session_.active() && currentScreen() == "attract" && now - lastSettlementCheckAt_ >= kCardSettlementCheck) {
        lastSettlementCheckAt_ = now;
        services_->payment().settleCardsIfDue(clock_->wallNow());
    }
    if (!session_.active() && current_) {
        if (auto timeout = screenIdleTimeout(); timeout && now - lastActivity_ >= *timeout) {
            logger()->info("screen {} idle for {} s; back to attract", current_->id(), timeout->count());
            countdownLastSecond_ = 0;
            switchTo("attract");
        }
    }
    updateCountdownCues();
}

std::chrono::milliseconds App::untilNextRedraw() const {
    using std::chrono::milliseconds;
    const SteadyTime now = clock_->now();
    milliseconds next(60000);
    auto consider = [&](SteadyTime when) {
        next = std::min(next, std::max(milliseconds(0), std::chrono::ceil<milliseconds>(when - now)));
    };
    if (currentScreen() == "attract") {
        // The clock shows minutes: redraw at the next minute boundary only.
        // (Zones differ from UTC by whole minutes, so the boundary is the same in every zone.)
        const auto wall = clock_->wallNow().time_since_epoch();
        const auto intoMinute = std::chrono::duration_cast<milliseconds>(wall % std::chrono::minutes(1));
        next = std::min(next, milliseconds(60000) - intoMinute);
    }
    if (current_) {
        if (auto every = current_->redrawEvery()) consider(now + *every);
    }
    if (cardRemovedWhileHeld_) consider(lastActivity_ + std::chrono::seconds(20));
    if (technician_) {
        if (auto due = technician_->dueAt()) consider(*due);
    }
    if (!cardLeftIn_.empty()) consider(cardReminderAt_ + kCardReminderEvery);
    if (cardAbsentSince_) consider(*cardAbsentSince_ + kCardAbsentFor);
    if (pendingPayments_ > 0 && !recoveryRunning_) consider(lastRecoveryAt_ + kRecoveryRetry);
    if (session_.active()) {
        if (session_.warningVisible(now)) {
            const auto left = session_.deadline() - now;
            consider(now + (left - std::chrono::floor<std::chrono::seconds>(left)));  // next whole second
        } else {
            consider(session_.deadline() - session_.warningBefore());
        }
        consider(session_.deadline());
    } else if (current_) {
        if (auto timeout = screenIdleTimeout()) {
            const auto warning = config_.session.warningBefore * theme_.timeoutScale;
            const SteadyTime deadline = lastActivity_ + *timeout;
            if (countdownVisible()) {
                const auto left = deadline - now;
                consider(now + (left - std::chrono::floor<std::chrono::seconds>(left)));  // next whole second
            } else {
                consider(deadline - warning);
            }
            consider(deadline);
        }
    }
    if (lastSessionEnd_) {
        const SteadyTime bannerEnd = lastSessionEndAt_ + kBannerTime;
        if (bannerEnd > now) consider(bannerEnd);
    }
    return next;
}

Layout App::layout() const {
    Layout result;
    result.width = static_cast<float>(config_.ui.width);
    result.height = static_cast<float>(config_.ui.height);
    result.portrait = result.height >= result.width;
    result.contentMin = ImVec2(theme_.margin, theme_.callDisplay ? theme_.margin : theme_.topBarHeight + voiceBarHeight() + theme_.gap);
    const float bottom = session_.active() ? theme_.bottomBarHeight : 0.0F;
    result.contentMax = ImVec2(result.width - theme_.margin, result.height - bottom - theme_.margin);
    return result;
}

std::vector<std::string> App::layoutProblems() const {
    std::vector<std::string> problems;
    const auto width = static_cast<float>(config_.ui.width);
    const auto height = static_cast<float>(config_.ui.height);
    if (simulatorPanelVisible_) {
        // The panel covers the patient screen on purpose; it must itself be whole on the screen.
        const ButtonRect& r = simulatorPanelRect_;
        if (r.min.x < 0 || r.min.y < 0 || r.max.x > width || r.max.y > height) {
            problems.push_back(fmt::format("the simulator panel runs off the screen ({:.0f},{:.0f})–({:.0f},{:.0f})", r.min.x,
                                           r.min.y, r.max.x, r.max.y));
        }
        if (simulatorPanelCutOff_) problems.emplace_back("the simulator panel's content is taller than the screen (cut off)");
        return problems;
    }
    if (countdownVisible() || quitQuestionVisible_) return problems;  // overlays cover the screen on purpose
    if (services_->staffCall().panelOpen()) {
        // The help panel covers the screen on purpose; what is on it must itself be clean.
        ButtonMap buttons;
        if (auto close = buttons_.find("help.close"); close != buttons_.end()) buttons.emplace(close->first, close->second);
        TextRects texts(texts_.begin() + static_cast<std::ptrdiff_t>(std::min(modalTextsFrom_, texts_.size())), texts_.end());
        return findLayoutProblems(buttons, texts, width, height, theme_.minTarget, theme_.minTargetGap);
    }
    return findLayoutProblems(buttons_, texts_, width, height, theme_.minTarget, theme_.minTargetGap, bars_);
}

std::optional<std::chrono::seconds> App::screenIdleTimeout() const {
    if (!current_) return std::nullopt;
    auto timeout = current_->idleTimeout();
    if (timeout) *timeout *= theme_.timeoutScale;
    return timeout;
}

bool App::countdownVisible() const {
    const SteadyTime now = clock_->now();
    if (session_.active()) return session_.warningVisible(now);
    // Without a patient: before a screen goes back to the start by itself (never on the
    // attract screen, which has no timeout).
    const auto timeout = screenIdleTimeout();
    if (!timeout || quitQuestionVisible_) return false;
    const auto warning = config_.session.warningBefore * theme_.timeoutScale;
    const SteadyTime deadline = lastActivity_ + *timeout;
    return now < deadline && deadline - now <= warning;
}

int App::countdownSeconds() const {
    if (!countdownVisible()) return 0;
    const SteadyTime now = clock_->now();
    if (session_.active()) return static_cast<int>(session_.remaining(now).count());
    const auto left = lastActivity_ + *screenIdleTimeout() - now;
    return static_cast<int>(std::chrono::ceil<std::chrono::seconds>(left).count());
}

void App::continueAfterCountdown() {
    const SteadyTime now = clock_->now();
    logger()->info("the patient tapped during the \"are you still there?\" countdown: continuing on {}", currentScreen());
    if (session_.active()) session_.extend(now);
    noteActivity();
    updateCountdownCues();
}

void App::cue(Cue cue) {
    if (cueListener_) cueListener_(cue);
}

void App::updateCountdownCues() {
    const bool visible = countdownVisible();
    const int seconds = visible ? countdownSeconds() : 0;
    if (visible && !countdownShown_) {
        logger()->info("\"are you still there?\" countdown on {}: {} s", currentScreen(), seconds);
        cue(Cue{Cue::Kind::countdown_started, std::string(currentScreen()), seconds, session_.active(), false});
    } else if (visible && seconds != countdownLastSecond_) {
        cue(Cue{Cue::Kind::countdown_tick, std::string(currentScreen()), seconds, session_.active(), false});
    } else if (!visible && countdownShown_) {
        // Gone before the timeout: the patient tapped (the timeout itself switches screens first).
        cue(Cue{Cue::Kind::countdown_ended, std::string(currentScreen()), 0, session_.active(), countdownLastSecond_ > 0});
    }
    countdownShown_ = visible;
    countdownLastSecond_ = seconds;
}

void App::drawTopBar(Ui& ui) {
    const Layout& l = ui.layout;
    const Palette& c = theme_.colors;
    ImDrawList* draw = ImGui::GetWindowDrawList();
    draw->AddRectFilled(ImVec2(0, 0), ImVec2(l.width, theme_.topBarHeight), c.topBar);
    ui.beginBar("top bar", ImVec2(0, 0), ImVec2(l.width, theme_.topBarHeight));
    const bool english = text_.language() == "en_US";
    const std::string& hospital = english ? config_.hospitalNameEn : config_.hospitalNameZh;
    const float buttonHeight = theme_.topBarHeight - 24;
    const float languageLabel = ui.measure(text_.tr("common.switch_language"), fonts_.body()).x;
    const float voiceLabel = ui.measure(text_.tr(voice_ && voice_->enabled() ? "voice.button.off" : "voice.button.on"), fonts_.body()).x;
    const bool help = staffCallOffered();
    const float buttons = help ? 4.0F : 3.0F;
    // Where the four do not fit at the least padding (portrait, elder mode, English), "call
    // staff" and then the elder switch take their short labels ("Help", "Standard").
    std::string printText = text_.tr(fonts_.largePrint() ? "common.large_print_off" : "common.large_print_on");
    std::string helpText = help ? text_.tr("help.call") : std::string();
    auto fitsAtLeastPadding = [&] {
        const float labels = languageLabel + voiceLabel + ui.measure(printText, fonts_.body()).x + ui.measure(helpText, fonts_.body()).x;
        return labels + buttons * 44.0F + (buttons - 1) * theme_.gap + 2 * theme_.margin <= l.width;
    };
    if (help && !fitsAtLeastPadding()) helpText = text_.tr("help.call_short");
    if (help && fonts_.largePrint() && !fitsAtLeastPadding()) printText = text_.tr("common.large_print_off_short");
    const float printLabel = ui.measure(printText, fonts_.body()).x;
    const float helpLabel = help ? ui.measure(helpText, fonts_.body()).x : 0.0F;
    // Roomy padding where the buttons fit with it; a narrow portrait panel in elder mode (English
    // labels) keeps the label size and gives up padding instead, never below the minimum target.
    const float roomForSwitches = l.width - 2 * theme_.margin - (buttons - 1) * theme_.gap;
    const float padding = std::clamp((roomForSwitches - languageLabel - printLabel - voiceLabel - helpLabel) / buttons, 44.0F, 60.0F);
    const float languageWidth = std::max(theme_.minTarget, languageLabel + padding);
    const float printWidth = std::max(theme_.minTarget, printLabel + padding);
    const float voiceWidth = std::max(theme_.minTarget, voiceLabel + padding);
    const float helpWidth = help ? std::max(theme_.minTarget, helpLabel + padding) + theme_.gap : 0.0F;
    // The switches from the right edge, a gap apart: print, language, voice; then "call staff".
    const float switchesWidth = printWidth + languageWidth + voiceWidth + 2 * theme_.gap + helpWidth;
    const float y = (theme_.topBarHeight - buttonHeight) / 2;
    // The hospital's name beside the buttons: on one line, or on two where one is too narrow
    // (large print, long English names); left out only when even two lines do not fit (the
    // attract screen shows it in full).
    // Landscape has room for the voice controls in the top bar itself (portrait, elder: a row below).
    const bool voiceControlsHere = !voiceControlsInRow() && voice_ && voice_->enabled();
    const float voiceControlsRight = l.width - theme_.margin - switchesWidth - theme_.gap;
    const float voiceControlsWidth = voiceControlsHere ? drawVoiceControls(ui, voiceControlsRight, y, buttonHeight) + 20 : 0;
    const float nameRoom = l.width - 2 * theme_.margin - switchesWidth - theme_.gap - 20 - voiceControlsWidth;
    const std::vector<std::string_view> nameLines = wrapLines(fonts_.body(), hospital, nameRoom);
    const float lineHeight = fonts_.bodySize() * 1.1F;
    const bool everyLineFits = std::all_of(nameLines.begin(), nameLines.end(),
                                           [&](std::string_view line) { return ui.measure(line, fonts_.body()).x <= nameRoom; });
    if (everyLineFits && nameLines.size() <= 2 && lineHeight * static_cast<float>(nameLines.size()) <= theme_.topBarHeight - 8) {
        float lineY = (theme_.topBarHeight - lineHeight * static_cast<float>(nameLines.size())) / 2;
        for (const std::string_view line : nameLines) {
            ui.textAt(ImVec2(theme_.margin, lineY), line, fonts_.body(), c.onPrimary);
            lineY += lineHeight;
        }
    }
    // Help on every patient screen (issue 12 item 3), before identification too: the leftmost
    // of the buttons, in the alert colour so a patient in trouble finds it.
    if (help) {
        ImGui::SetCursorScreenPos(ImVec2(l.width - theme_.margin - switchesWidth, y));
        ui.button("help.call", helpText, ImVec2(helpWidth - theme_.gap, buttonHeight), ButtonKind::alert);
    }
    // The voice switch (issue 15): on every screen, beside the language and print switches.
    ImGui::SetCursorScreenPos(ImVec2(l.width - theme_.margin - switchesWidth + helpWidth, y));
    ui.button("voice.toggle", text_.tr(voice_ && voice_->enabled() ? "voice.button.off" : "voice.button.on"),
              ImVec2(voiceWidth, buttonHeight), ButtonKind::secondary);
    ImGui::SetCursorScreenPos(ImVec2(l.width - theme_.margin - printWidth - languageWidth - theme_.gap, y));
    ui.button("ui.language", text_.tr("common.switch_language"), ImVec2(languageWidth, buttonHeight), ButtonKind::secondary);
    ImGui::SetCursorScreenPos(ImVec2(l.width - theme_.margin - printWidth, y));
    ui.button("ui.large_print", printText, ImVec2(printWidth, buttonHeight), ButtonKind::secondary);
    ui.endBar();
}

float App::voiceBarHeight() const {
    // Portrait, and landscape in elder mode (where the controls' labels no longer fit in the top
    // bar beside the switches); otherwise the top bar carries them. Buttons of the minimum touch
    // size (96 px, or the theme's larger elder-mode target), so the screens below lose as little
    // height as possible.
    return voiceControlsInRow() && voice_ && voice_->enabled() ? std::max(kVoiceButtonHeight, theme_.minTarget) + 2 * kVoiceBarPadding
                                                                : 0.0F;
}

bool App::voiceControlsInRow() const {
    const bool portrait = config_.ui.height >= config_.ui.width;
    return portrait || theme_.elder;
}

float App::drawVoiceControls(Ui& ui, float right, float y, float height) {
    // Say again, quieter, louder: right-aligned so they end at `right`; returns their width.
    struct VoiceButton {
        const char* id;
        const char* key;
    };
    static constexpr VoiceButton kButtons[] = {{"voice.repeat", "voice.button.repeat"},
                                               {"voice.quieter", "voice.button.quieter"},
                                               {"voice.louder", "voice.button.louder"}};
    const float start = right;
    for (size_t i = std::size(kButtons); i-- > 0;) {
        const float width = std::max(std::max(150.0F, theme_.minTarget), ui.measure(text_.tr(kButtons[i].key), fonts_.body()).x + 60);
        right -= width;
        ImGui::SetCursorScreenPos(ImVec2(right, y));
        // Secondary like the switches beside them: a primary button vanishes into the top bar's blue.
        ui.button(kButtons[i].id, text_.tr(kButtons[i].key), ImVec2(width, height), ButtonKind::secondary);
        if (i > 0) right -= theme_.gap;
    }
    return start - right;
}

void App::drawVoiceBar(Ui& ui) {
    // Portrait (and elder mode), while the voice is on: a row under the top bar with the volume and the voice
    // controls. Shown only then, so a patient who does not use the voice keeps the whole screen.
    const float height = voiceBarHeight();
    if (height <= 0) return;
    const Layout& l = ui.layout;
    const Palette& c = theme_.colors;
    const float top = theme_.topBarHeight;
    ImGui::GetWindowDrawList()->AddRectFilled(ImVec2(0, top), ImVec2(l.width, top + height), c.secondary);
    ui.beginBar("voice bar", ImVec2(0, top), ImVec2(l.width, top + height));
    const float used = drawVoiceControls(ui, l.width - theme_.margin, top + kVoiceBarPadding, height - 2 * kVoiceBarPadding);
    // The volume, as a number, left of the buttons (also heard when it changes).
    const std::string shown = speech::plainText(text_.tr("voice.volume", {{"percent", std::to_string(voice_->volume())}}));
    if (ui.measure(shown, fonts_.body()).x <= l.width - 2 * theme_.margin - used - 20) {
        ui.textAt(ImVec2(theme_.margin, top + (height - fonts_.bodySize()) / 2), shown, fonts_.body(), c.text);
    }
    ui.endBar();
}

void App::openVoice() {
    std::shared_ptr<speech::Speech> engine = options_.speech;
    std::string silentBecause;
    if (!engine && config_.voice.engine == "espeak-ng") {
        speech::EspeakOptions espeakOptions;
        espeakOptions.wordsPerMinute = config_.voice.wordsPerMinute;
        // Headless (tests, screenshots): Sound::open chose SDL's dummy driver already; the
        // speech output shares SDL's audio subsystem and so its driver.
        auto created = speech::EspeakSpeech::create(espeakOptions);
        if (!created && created.error().code == Errc::device_not_ready && sound_) {
            // A driver with one output (SDL's dummy; an ALSA device without dmix) refuses a second
            // device: the speech then plays into the alert sounds' device.
            logger()->info("second audio output refused ({}); speech shares the alert sounds' output",
                           created.error().detail);
            created = speech::EspeakSpeech::create(espeakOptions, std::make_unique<SharedSoundOutput>(*sound_));
        }
        if (created) {
            engine = std::move(*created);
        } else {
            silentBecause = created.error().describe();
        }
    } else if (!engine) {
        silentBecause = "[voice] engine = \"none\"";
    }
    std::optional<PinyinConverter> pinyin;
    if (auto converter = PinyinConverter::create(); converter) {
        pinyin = std::move(*converter);
    } else {
        logger()->error("no pinyin for the Mandarin voice: {}", converter.error().describe());
    }
    speech::VoiceSettings settings;
    settings.enabled = config_.voice.enabled;
    settings.autoOnHeadphones = config_.voice.autoOnHeadphones;
    settings.volume = config_.voice.volume;
    settings.headphoneNames = config_.voice.headphoneNames;
    options_.speech = engine;
    voice_ = std::make_unique<speech::VoiceGuide>(std::move(engine), text_, std::move(pinyin), settings, silentBecause);
    if (voice_->available()) {
        logger()->info("{}", voice_->status());
    } else {
        logger()->warn("{}: the kiosk runs silent", voice_->status());
    }
    audioDevicesChanged();
}

void App::audioDevicesChanged() {
    // What SDL2 can tell: the names of the audio outputs. A USB or Bluetooth headset is an output
    // of its own ("... Headset", "... Headphones") and is seen here as it comes and goes
    // (SDL_AUDIODEVICEADDED / REMOVED). A 3.5 mm jack on the built-in card is a port of the same
    // output (ALSA's "Headphone Jack" control, PulseAudio's port availability): SDL2 does not
    // report it, so such a kiosk relies on the voice switch ([voice] enabled).
    if (!voice_) return;
    bool headphones = false;
    const int outputs = SDL_WasInit(SDL_INIT_AUDIO) != 0 ? SDL_GetNumAudioDevices(0) : 0;
    for (int i = 0; i < outputs; ++i) {
        const char* name = SDL_GetAudioDeviceName(i, 0);
        if (name && voice_->isHeadphoneName(name)) headphones = true;
    }
    voice_->setHeadphones(headphones);
}

void App::drawBottomBar(Ui& ui) {
    const Layout& l = ui.layout;
    const Palette& c = theme_.colors;
    const float top = l.height - theme_.bottomBarHeight;
    ImGui::GetWindowDrawList()->AddRectFilled(ImVec2(0, top), ImVec2(l.width, l.height), c.secondary);
    ui.beginBar("session bar", ImVec2(0, top), ImVec2(l.width, l.height));
    const PatientIdentity& who = session_.identity();
    const std::string line = maskPersonalData(who.name, PersonalField::name) + "  " +
                             maskPersonalData(who.idNumber.empty() ? who.cardNumber : who.idNumber,
                                              who.idNumber.empty() ? PersonalField::card_number : PersonalField::id_number);
    ui.textAt(ImVec2(theme_.margin, top + (theme_.bottomBarHeight - fonts_.bodySize()) / 2), line, fonts_.body(), c.text);
    const float width = 300.0F;
    ImGui::SetCursorScreenPos(ImVec2(l.width - theme_.margin - width, top + (theme_.bottomBarHeight - theme_.buttonHeight) / 2));
    ui.button("session.finish", text_.tr("common.finish"), ImVec2(width, theme_.buttonHeight), ButtonKind::alert);
    ui.endBar();
}

ImVec2 App::beginModalPanel(const Layout& l, const char* windowId, float panelWidth, float panelHeight) const {
    // A full-screen window that shades the screen below and draws a centred panel; the caller
    // fills the panel and calls ImGui::End().
    const Palette& c = theme_.colors;
    ImGui::SetNextWindowPos(ImVec2(0, 0));
    ImGui::SetNextWindowSize(ImVec2(l.width, l.height));
    ImGui::SetNextWindowBgAlpha(0.0F);
    ImGui::Begin(windowId, nullptr,
                 ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                     ImGuiWindowFlags_NoFocusOnAppearing);
    ImDrawList* draw = ImGui::GetWindowDrawList();
    draw->AddRectFilled(ImVec2(0, 0), ImVec2(l.width, l.height), c.shade);
    const ImVec2 p((l.width - panelWidth) / 2, (l.height - panelHeight) / 2);
    draw->AddRectFilled(p, ImVec2(p.x + panelWidth, p.y + panelHeight), c.panel, theme_.rounding);
    modalPanel_ = ButtonRect{p, ImVec2(p.x + panelWidth, p.y + panelHeight), 0, 0, {}};
    return p;
}

void App::drawCountdown(Ui& ui) {
    // "Are you still there?" with the seconds left, before any timeout (issue 15 item 6): one
    // tap anywhere continues (App::applyPointerInput swallows that tap); the button says so.
    const Layout& l = ui.layout;
    const Palette& c = theme_.colors;
    const float panelWidth = l.width * (l.portrait ? 0.88F : 0.64F);
    const float inner = panelWidth - 60;
    const int seconds = countdownSeconds();
    const std::string detail = session_.active() ? text_.tr("session.countdown", {{"seconds", std::to_string(seconds)}})
                                                 : text_.tr("idle.countdown", {{"seconds", std::to_string(seconds)}});
    const float textHeight = ui.measure(text_.tr("session.still_there"), fonts_.title(), inner).y * 1.25F +
                             fonts_.clock()->FontSize * 1.25F + ui.measure(detail, fonts_.body(), inner).y * 1.25F +
                             ui.measure(text_.tr("session.tap_anywhere"), fonts_.body(), inner).y * 1.25F +
                             ImGui::GetStyle().ItemSpacing.y * 4;  // each of the four texts is an item
    const float buttonHeight = theme_.buttonHeight * 1.2F;
    const float panelHeight = std::min(l.height - 2 * theme_.margin, 40 + textHeight + theme_.gap * 2 + buttonHeight + 40);
    modalTextsFrom_ = ui.textCount();
    const ImVec2 p = beginModalPanel(l, "##countdown", panelWidth, panelHeight);
    ImGui::SetCursorScreenPos(ImVec2(p.x, p.y + 40));
    ui.centered(text_.tr("session.still_there"), fonts_.title(), c.text, p.x + 30, p.x + panelWidth - 30);
    ui.centered(std::to_string(seconds), fonts_.clock(), c.alert, p.x + 30, p.x + panelWidth - 30);
    ui.centered(detail, fonts_.body(), c.alert, p.x + 30, p.x + panelWidth - 30);
    ui.centered(text_.tr("session.tap_anywhere"), fonts_.body(), c.text, p.x + 30, p.x + panelWidth - 30);
    ImGui::SetCursorScreenPos(ImVec2(p.x + 40, p.y + panelHeight - buttonHeight - 40));
    ui.button("session.more_time", text_.tr("session.more_time"), ImVec2(panelWidth - 80, buttonHeight), ButtonKind::primary,
              fonts_.title());
    ImGui::End();
}

void App::drawSimulatorPanel(std::vector<UiEvent>& events) {
    // The presenter's panel: plain ImGui widgets, not part of the patient UI. People are named
    // by their sample id (pinyin), so the panel never shows personal data.
    // Anchored to the bottom edge, as tall as its content (never taller than the screen) so no
    // part is cut off in either orientation; the patient screen above it stays visible.
    const auto screenWidth = static_cast<float>(config_.ui.width);
    const auto screenHeight = static_cast<float>(config_.ui.height);
    constexpr float kEdge = 20.0F;
    ImGui::SetNextWindowPos(ImVec2(kEdge, screenHeight - kEdge), ImGuiCond_Always, ImVec2(0, 1));
    ImGui::SetNextWindowSizeConstraints(ImVec2(screenWidth - 2 * kEdge, 0), ImVec2(screenWidth - 2 * kEdge, screenHeight - 2 * kEdge));
    ImGui::SetNextWindowSize(ImVec2(screenWidth - 2 * kEdge, 0), ImGuiCond_Always);  // height 0: fit the content
    ImGui::PushStyleColor(ImGuiCol_WindowBg, IM_COL32(0x20, 0x24, 0x2C, 0xF0));
    ImGui::PushStyleColor(ImGuiCol_Text, IM_COL32(0xFF, 0xFF, 0xFF, 0xFF));
    ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(16, 16));
    ImGui::PushStyleVar(ImGuiStyleVar_ItemSpacing, ImVec2(12, 12));
    ImGui::Begin(text_.tr("sim.title").c_str(), nullptr, ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoMove);
    // The presenter's controls are read at arm's length on a desk screen, not by patients: a
    // smaller face than the patient UI's body text keeps every device's row on the screen.
    ImGui::SetWindowFontScale(kSimulatorPanelTextPx / fonts_.bodySize());
    // Buttons flow onto the next line when the row is full.
    auto flowButton = [](const std::string& label, bool first) {
        const float width = ImGui::CalcTextSize(label.c_str(), nullptr, true).x + ImGui::GetStyle().FramePadding.x * 2;
        if (!first && ImGui::GetItemRectMax().x + ImGui::GetStyle().ItemSpacing.x + width <
                          ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x) {
            ImGui::SameLine();
        }
        return ImGui::Button(label.c_str());
    };
    const drivers::sim::SampleData* people = nullptr;
    for (const auto& device : devices_.all()) {
        if (const auto* reader = dynamic_cast<drivers::sim::SimCardReader*>(device.get())) people = &reader->people();
    }
    if (desk_ && (services_->payment().view().stage == PayStage::qr || services_->booking().view().stage == BookStage::qr)) {
        // The presenter plays the patient's phone (hospital-sim's gateway).
        ImGui::TextUnformatted(text_.tr("sim.gateway").c_str());
        if (ImGui::Button(text_.tr("sim.pay_on_phone").c_str())) events.push_back(SimulatorAction{"gateway", "pay", ""});
        ImGui::Separator();
    }
    if (const auto actions = hospitalActions(*services_); !actions.empty()) {
        // The hospital's side: the doctor calls the next patient, another patient takes a slot.
        ImGui::TextUnformatted(text_.tr("sim.hospital").c_str());
        for (const HospitalAction& action : actions) {
            const std::string label = text_.tr(action.labelKey) + (action.labelDetail.empty() ? "" : ": " + action.labelDetail);
            if (ImGui::Button(label.c_str())) events.push_back(SimulatorAction{"hospital", action.path, action.body.dump()});
        }
        ImGui::Separator();
    }
    if (simLockers_) {
        // The medicine lockers' board runs as its own process: its doors are jammed over its
        // control socket, not through the kiosk's driver (which must meet the jam as it would a
        // real one).
        simLockers_->draw(text_, events);
        ImGui::Separator();
    }
    for (const auto& device : devices_.all()) {
        auto* sim = dynamic_cast<drivers::SimulatedDevice*>(device.get());
        if (!sim) continue;
        ImGui::PushID(device->name().c_str());
        ImGui::TextUnformatted(
            (device->name() + " (" + std::string(drivers::deviceClassName(device->deviceClass())) + ")").c_str());
        bool first = true;
        if (dynamic_cast<drivers::sim::SimCardReader*>(device.get()) && people) {
            for (const auto& person : people->people) {
                if (flowButton(person.id, first)) events.push_back(SimulatorAction{device->name(), "insert", person.id});
                first = false;
            }
            if (flowButton(text_.tr("sim.remove_card"), false)) events.push_back(SimulatorAction{device->name(), "remove", ""});
        }
        if (device->deviceClass() == drivers::DeviceClass::scanner && people) {
            for (const auto& person : people->people) {
                if (person.healthCardToken.empty()) continue;
                if (flowButton(text_.tr("sim.scan_health") + ": " + person.id, first)) {
                    events.push_back(SimulatorAction{device->name(), "scan", person.healthCardToken});
                }
                first = false;
            }
            for (const auto& person : people->people) {
                if (person.idNumber.empty()) continue;
                if (flowButton(text_.tr("sim.scan_voucher") + ": " + person.id, false)) {
                    events.push_back(SimulatorAction{device->name(), "scan", simulatedInsuranceVoucher(person.idNumber)});
                }
            }
            if (flowButton(text_.tr("sim.scan_unknown"), first)) {
                events.push_back(SimulatorAction{device->name(), "scan", "https://example.invalid/not-a-health-card"});
            }
            // Lab slips (issue 12): the first two people's blood counts (ready; two are enough to
            // show a slip of another patient, and more would push the panel off a landscape
            // screen), the first one's pending thyroid panel, and a slip the hospital does not know.
            int labSlips = 0;
            for (const auto& person : people->people) {
                const std::string code = simulatedLabSlipCode(person.hospitalCard, 1);
                if (code.empty() || labSlips == 2) continue;
                ++labSlips;
                if (flowButton(text_.tr("sim.scan_lab_slip") + ": " + person.id, false)) events.push_back(SimulatorAction{device->name(), "scan", code});
            }
            if (!people->people.empty()) {
                const auto& person = people->people.front();
                if (const std::string code = simulatedLabSlipCode(person.hospitalCard, 5);
                    !code.empty() && flowButton(text_.tr("sim.scan_lab_slip_pending") + ": " + person.id, false)) {
                    events.push_back(SimulatorAction{device->name(), "scan", code});
                }
            }
            if (flowButton(text_.tr("sim.scan_lab_slip_unknown"), false)) events.push_back(SimulatorAction{device->name(), "scan", "999999999999"});
        }
        ImGui::TextUnformatted((text_.tr("sim.scenario") + ": " + sim->scenario()).c_str());
        first = true;
        for (const auto& scenario : sim->scenarios()) {
            if (flowButton(scenario, first)) events.push_back(SimulatorAction{device->name(), "scenario", scenario});
            first = false;
        }
        ImGui::Separator();
        ImGui::PopID();
    }
    simulatorPanelRect_ = ButtonRect{ImGui::GetWindowPos(),
                                     ImVec2(ImGui::GetWindowPos().x + ImGui::GetWindowSize().x,
                                            ImGui::GetWindowPos().y + ImGui::GetWindowSize().y),
                                     0, 0, {}};
    simulatorPanelCutOff_ = ImGui::GetScrollMaxY() > 0.5F;
    ImGui::End();
    ImGui::PopStyleVar(2);
    ImGui::PopStyleColor(2);
}

void App::drawFrame(Ui& ui, const ScreenContext& context) {
    const Layout& l = ui.layout;
    ImGui::SetNextWindowPos(ImVec2(0, 0));
    ImGui::SetNextWindowSize(ImVec2(l.width, l.height));
    ImGui::Begin("##kiosk", nullptr,
                 ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                     ImGuiWindowFlags_NoBringToFrontOnFocus | ImGuiWindowFlags_NoScrollWithMouse);
    const bool bars = !(current_ && current_->fullScreen());
    if (bars) {
        drawTopBar(ui);
        drawVoiceBar(ui);
    }
    ImGui::SetCursorScreenPos(l.contentMin);
    // New lines start at the content's left edge, not at the window's.
    ImGui::Indent(l.contentMin.x);
    if (current_) current_->draw(context, ui);
    ImGui::Unindent(l.contentMin.x);
    if (session_.active() && bars) drawBottomBar(ui);
    ImGui::End();
    if (services_->staffCall().panelOpen()) drawStaffCall(ui);
    if (countdownVisible()) drawCountdown(ui);
    if (quitQuestionVisible_) drawQuitQuestion(ui);
}

void App::speakStaffCall() {
    if (!voice_) return;
    const StaffCallView view = services_->staffCall().view();
    if (!view.panelOpen) return;
    const StaffCallSpeech said = staffCallSpeech(view, config_.help, text_.language());
    // Each state of a press once: "calling", then what became of it.
    const std::string spoken = fmt::format("{}:{}", view.generation, said.key);
    if (spoken == staffCallSpoken_) return;
    staffCallSpoken_ = spoken;
    voice_->panelShown(said.key, said.values);
}

bool App::staffCallOffered() const {
    const std::string_view screen = currentScreen();
    return config_.mode != KioskMode::diagnostics && config_.mode != KioskMode::pharmacy_display && screen != "diagnostics" &&
           !screen.starts_with("technician.");
}

void App::drawStaffCall(Ui& ui) {
    const Layout& l = ui.layout;
    const StaffCallView view = services_->staffCall().view();
    // Where it is too tall for the screen (landscape, large print): wider, then the reference in
    // the title's face.
    const float room = l.height - 2 * theme_.margin;
    float width = l.width * (l.portrait ? 0.88F : 0.6F);
    bool compact = false;
    if (staffCallPanelHeight(view, config_.help, text_, ui, width, compact) > room) width = l.width * 0.9F;
    if (staffCallPanelHeight(view, config_.help, text_, ui, width, compact) > room) compact = true;
    const float height = std::min(room, staffCallPanelHeight(view, config_.help, text_, ui, width, compact));
    modalTextsFrom_ = ui.textCount();
    const ImVec2 p = beginModalPanel(l, "##staff_call", width, height);
    drawStaffCallPanel(view, config_.help, text_, ui, p, ImVec2(width, height), compact);
    ImGui::End();
}

void App::playAlert() {
    if (!sound_) return;
    if (auto played = sound_->beep(); !played) logger()->warn("alert sound: {}", played.error().describe());
}

void App::drawQuitQuestion(Ui& ui) {
    const Layout& l = ui.layout;
    const Palette& c = theme_.colors;
    const float panelWidth = l.width * (l.portrait ? 0.84F : 0.5F);
    const float panelHeight = theme_.buttonHeight * 2.0F + fonts_.bodySize() * 5.0F;
    modalTextsFrom_ = ui.textCount();
    const ImVec2 p = beginModalPanel(l, "##quit", panelWidth, panelHeight);
    ImGui::SetCursorScreenPos(ImVec2(p.x, p.y + 40));
    ui.centered(text_.tr("demo.quit.question"), fonts_.title(), c.text, p.x + 30, p.x + panelWidth - 30);
    ui.centered(text_.tr("demo.quit.detail"), fonts_.body(), c.mutedText, p.x + 30, p.x + panelWidth - 30);
    const float buttonWidth = (panelWidth - 80 - theme_.gap) / 2;
    const float buttonY = p.y + panelHeight - theme_.buttonHeight - 40;
    ImGui::SetCursorScreenPos(ImVec2(p.x + 40, buttonY));
    ui.button("demo.quit.cancel", text_.tr("demo.quit.cancel"), ImVec2(buttonWidth, theme_.buttonHeight), ButtonKind::secondary);
    ImGui::SetCursorScreenPos(ImVec2(p.x + 40 + buttonWidth + theme_.gap, buttonY));
    ui.button("demo.quit.confirm", text_.tr("demo.quit.confirm"), ImVec2(buttonWidth, theme_.buttonHeight), ButtonKind::alert);
    ImGui::End();
}

void App::render() {
    const Layout currentLayout = layout();
    std::vector<UiEvent> pressed;
    ButtonMap buttons;
    TextRects texts;
    BarRects bars;
    for (int attempt = 0; attempt < 2; ++attempt) {
        pressed.clear();
        buttons.clear();
        texts.clear();
        bars.clear();
        std::set<ImWchar> missing;
        ImGui_ImplSDLRenderer_NewFrame();
        ImGui_ImplSDL2_NewFrame();
        ImGuiIO& io = ImGui::GetIO();
        // Touch and mouse feed ImGui directly (1.86's SDL backend ignores touch and polls the
        // mouse, which needs focus): this is also what makes scripted taps work offscreen.
        io.DisplaySize = ImVec2(currentLayout.width, currentLayout.height);
        io.DisplayFramebufferScale = ImVec2(1, 1);
        if (attempt == 0) applyPointerInput();
        io.MousePos = ImVec2(pointer_.x, pointer_.y);
        io.MouseDown[0] = pointer_.down;
        ImGui::NewFrame();
        ScreenContext context = makeContext();
        Ui ui(theme_, text_, fonts_, currentLayout, buttons, texts, pressed, missing);
        ui.attach(&tapGuard_, &listPages_, &bars);
        drawFrame(ui, context);
        if (simulatorPanelVisible_) drawSimulatorPanel(pressed);
        ImGui::Render();
        glyphsMissingInLastFrame_ = missing.size();
        if (missing.empty() || attempt == 1) break;
        // A text needs glyphs the atlas lacks: extend it and draw the frame again before it is
        // shown, so a '?' never reaches the screen.
        std::string needed;
        for (ImWchar glyph : missing) needed += encodeUtf8(std::u32string(1, static_cast<char32_t>(glyph)));
        fonts_.require(needed);
        if (auto rebuilt = fonts_.rebuildIfNeeded(catalog_); !rebuilt) {
            logger()->error("font atlas extension failed: {}", rebuilt.error().describe());
            break;
        }
        ImGui_ImplSDLRenderer_DestroyFontsTexture();
    }
    buttons_ = std::move(buttons);
    texts_ = std::move(texts);
    bars_ = std::move(bars);
    // Headless, a frame's pixels are wanted only for a screenshot or a measure: rasterising every
    // other frame in SDL's software renderer was two thirds of a UI test's time. Buttons, texts and
    // the layout check come from ImGui's draw lists above, which are built either way.
    const bool pixelsWanted =
        !options_.headless || options_.rasterizeEveryFrame || pendingScreenshot_ || pendingCapture_;
    if (pixelsWanted) {
        const ImU32 bg = theme_.colors.background;
        SDL_SetRenderDrawColor(renderer_, bg & 0xFF, (bg >> 8) & 0xFF, (bg >> 16) & 0xFF, 0xFF);
        SDL_RenderClear(renderer_);
        ImGui_ImplSDLRenderer_RenderDrawData(ImGui::GetDrawData());
    }
    if (pendingScreenshot_) {
        const int width = config_.ui.width;
        const int height = config_.ui.height;
        std::vector<unsigned char> pixels(static_cast<size_t>(width) * static_cast<size_t>(height) * 4);
        int outputWidth = 0;
        int outputHeight = 0;
        SDL_GetRendererOutputSize(renderer_, &outputWidth, &outputHeight);
        if (outputWidth != width || outputHeight != height) {
            screenshotResult_ = fail(Errc::unsupported, fmt::format("screenshots need an unscaled window ({}x{} vs {}x{})",
                                                                    outputWidth, outputHeight, width, height));
        } else if (SDL_RenderReadPixels(renderer_, nullptr, SDL_PIXELFORMAT_ABGR8888, pixels.data(), width * 4) != 0) {
            screenshotResult_ = fail(Errc::io_error, fmt::format("reading the frame failed: {}", SDL_GetError()));
        } else {
            screenshotResult_ = writePngFile(*pendingScreenshot_, width, height, pixels);
        }
        pendingScreenshot_.reset();
    }
    if (pendingCapture_) {
        capturedPixels_.assign(static_cast<size_t>(config_.ui.width) * static_cast<size_t>(config_.ui.height) * 4, 0);
        if (SDL_RenderReadPixels(renderer_, nullptr, SDL_PIXELFORMAT_ABGR8888, capturedPixels_.data(), config_.ui.width * 4) != 0) {
            capturedPixels_.clear();
        }
        pendingCapture_ = false;
    }
    if (pixelsWanted) SDL_RenderPresent(renderer_);
    ++frames_;
    for (const UiEvent& event : pressed) handleEvent(event);
}

void App::frame() {
    if (fonts_.needsRebuild()) {
        if (auto rebuilt = fonts_.rebuildIfNeeded(catalog_); rebuilt) {
            ImGui_ImplSDLRenderer_DestroyFontsTexture();
        } else {
            logger()->error("font atlas rebuild failed: {}", rebuilt.error().describe());
        }
    }
    for (UiEvent& event : queue_.drain()) handleEvent(event);
    runTimers();
    if (technician_) {
        // The hidden corner hold (screens/technician/technician_entry.hpp).
        if (auto pad = technician_->pointer(pointer_.x, pointer_.y, pointer_.down, clock_->now(), theme_.topBarHeight,
                                            session_.active())) {
            switchTo(*pad);
        }
    }
    render();
}

void App::settle() {
    // Payment recovery runs on the payment flow's own worker, not the task runner: wait for its
    // report too (bounded by the HTTP timeouts of the orders it resolves).
    const auto recoveryDeadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (recoveryRunning_ && std::chrono::steady_clock::now() < recoveryDeadline) {
        frame();
        if (recoveryRunning_) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    for (int i = 0; i < kMaxSettleFrames; ++i) {
        tasks_->waitIdle();
        frame();
        if (queue_.empty() && i >= 2) {
            tasks_->waitIdle();
            if (queue_.empty()) break;
        }
    }
}

std::vector<std::string> App::visibleButtons() const {
    std::vector<std::string> ids;
    for (const auto& [id, rect] : buttons_) ids.push_back(id);
    return ids;
}

Result<void> App::tap(std::string_view buttonId) {
    auto it = buttons_.find(buttonId);
    if (it == buttons_.end()) {
        std::string visible;
        for (const auto& id : visibleButtons()) visible += (visible.empty() ? "" : ", ") + id;
        return fail(Errc::not_found, fmt::format("no button '{}' on screen {} (visible: {})", buttonId, currentScreen(), visible));
    }
    const ImVec2 center = it->second.center();
    // A scripted tap is a deliberate one: a repeat of the last tap waits out the 500 ms guard
    // that drops a trembling double tap (journeys that test the guard inject SDL events).
    if (tapGuard_.lastId == buttonId) {
        while (SDL_GetTicks() - tapGuard_.lastTicks < TapGuard::kWindowMs) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    // Press and release queued together, as a short tap arrives from a touch panel: the pointer
    // queue gives them a hover frame, a press frame and a release frame; then the finger leaves.
    if (countdownVisible()) swallowNextPress_ = true;
    noteActivity();
    const uint32_t now = SDL_GetTicks();
    pointerQueue_.push_back(PointerEvent{center.x, center.y, true, now});
    pointerQueue_.push_back(PointerEvent{center.x, center.y, false, now});
    pointerQueue_.push_back(PointerEvent{-1, -1, std::nullopt, now});
    for (int i = 0; i < 8 && !pointerQueue_.empty(); ++i) frame();
    frame();  // the screen the tap led to is drawn, so its buttons can be tapped next
    return {};
}

Result<void> App::simulate(std::string_view device, std::string_view action, std::string_view argument) {
    if (device == "gateway" && action == "pay") return simulatePhonePayment();
    if (device == "hospital") {
        runHospitalAction(*tasks_, config_, HospitalAction{{}, std::string(action), nlohmann::json::parse(argument, nullptr, false), {}});
        return {};
    }
    if (simLockers_ && device == simLockers_->device()) return simLockers_->act(action, argument);
    drivers::Device* target = devices_.find(device);
    if (!target) return fail(Errc::not_found, fmt::format("no device named '{}'", device));
    auto* sim = dynamic_cast<drivers::SimulatedDevice*>(target);
    if (!sim) return fail(Errc::unsupported, fmt::format("device '{}' is not simulated", device));
    if (action == "scenario") return sim->setScenario(argument);
    return sim->act(action, argument);
}

void App::setLanguage(const std::string& language) {
    if (!catalog_.hasLanguage(language)) {
        logger()->warn("no language {}", language);
        return;
    }
    text_.setLanguage(language);
    logger()->info("language {}", language);
}

void App::setLargePrint(bool largePrint) {
    if (largePrint == fonts_.largePrint()) return;
    theme_ = Theme::make(config_.ui, largePrint);
    theme_.apply();
    session_.setTimeScale(theme_.timeoutScale);
    if (auto built = fonts_.build(catalog_, largePrint); !built) {
        logger()->error("large print fonts failed: {}", built.error().describe());
        return;
    }
    ImGui_ImplSDLRenderer_DestroyFontsTexture();
    logger()->info("elder mode {}", largePrint ? "on" : "off");
}

Result<void> App::screenshot(const std::filesystem::path& png) {
    pendingScreenshot_ = png;
    screenshotResult_ = fail(Errc::internal, "no frame rendered");
    render();
    return screenshotResult_;
}

Result<FrameMeasures> App::measure() {
    pendingCapture_ = true;
    render();
    if (capturedPixels_.empty()) return fail(Errc::io_error, fmt::format("reading the frame failed: {}", SDL_GetError()));
    if (countdownVisible() || quitQuestionVisible_ || services_->staffCall().panelOpen()) {
        // A panel is up: what the patient can read and press is on it; the screen below is shaded.
        const ButtonRect& panel = modalPanel_;
        auto inside = [&](ImVec2 min, ImVec2 max) {
            return min.x >= panel.min.x && min.y >= panel.min.y && max.x <= panel.max.x && max.y <= panel.max.y;
        };
        ButtonMap buttons;
        for (const auto& [id, rect] : buttons_) {
            if (inside(rect.min, rect.max) && (id == "session.more_time" || id.starts_with("demo.quit.") || id == "help.close")) {
                buttons.emplace(id, rect);
            }
        }
        TextRects texts;
        for (size_t i = std::min(modalTextsFrom_, texts_.size()); i < texts_.size(); ++i) texts.push_back(texts_[i]);
        return measureFrame(buttons, texts, capturedPixels_.data(), config_.ui.width, config_.ui.height, theme_.pxPerMm);
    }
    return measureFrame(buttons_, texts_, capturedPixels_.data(), config_.ui.width, config_.ui.height, theme_.pxPerMm);
}

void App::handleSdlEvent(const SDL_Event& event) {
    if (event.type == wakeEventType_) return;  // the queue is drained in frame()
    switch (event.type) {
        case SDL_QUIT: running_ = false; return;
        case SDL_AUDIODEVICEADDED:
        case SDL_AUDIODEVICEREMOVED:
            if (event.adevice.iscapture == 0) audioDevicesChanged();
            return;
        case SDL_KEYDOWN:
            if (event.key.keysym.sym == SDLK_F2 && config_.ui.simulatorPanel) simulatorPanelVisible_ = !simulatorPanelVisible_;
            // The demo (a window with the presenter's panel) asks before it quits; a kiosk in
            // service has no keyboard and no panel, and Esc does nothing there.
            if (event.key.keysym.sym == SDLK_ESCAPE && config_.ui.simulatorPanel) quitQuestionVisible_ = true;
            break;
        case SDL_MOUSEMOTION:
            if (event.motion.which == SDL_TOUCH_MOUSEID) return;  // the finger event is handled
            pointerQueue_.push_back(
                PointerEvent{static_cast<float>(event.motion.x), static_cast<float>(event.motion.y), std::nullopt});
            return;
        case SDL_MOUSEBUTTONDOWN:
        case SDL_MOUSEBUTTONUP:
            if (event.button.which == SDL_TOUCH_MOUSEID || event.button.button != SDL_BUTTON_LEFT) return;
            if (event.type == SDL_MOUSEBUTTONDOWN) {
                if (countdownVisible()) swallowNextPress_ = true;
                noteActivity();
            }
            pointerQueue_.push_back(PointerEvent{static_cast<float>(event.button.x), static_cast<float>(event.button.y),
                                                 event.type == SDL_MOUSEBUTTONDOWN, event.button.timestamp});
            return;
        case SDL_FINGERDOWN:
        case SDL_FINGERMOTION:
        case SDL_FINGERUP: {
            // One finger drives the pointer: a second finger (a palm, a steadying hand) is
            // ignored, so nothing is pressed by it and nothing needs two fingers.
            if (event.type == SDL_FINGERDOWN) {
                if (finger_) return;
                finger_ = event.tfinger.fingerId;
            } else if (!finger_ || *finger_ != event.tfinger.fingerId) {
                return;
            }
            if (event.type == SDL_FINGERUP) finger_.reset();
            // Finger coordinates are normalised to the window: map them to the kiosk's layout.
            PointerEvent pointer{event.tfinger.x * static_cast<float>(config_.ui.width),
                                 event.tfinger.y * static_cast<float>(config_.ui.height), std::nullopt, event.tfinger.timestamp};
            if (event.type != SDL_FINGERMOTION) pointer.down = event.type == SDL_FINGERDOWN;
            if (event.type == SDL_FINGERDOWN) {
                if (countdownVisible()) swallowNextPress_ = true;
                noteActivity();
            }
            pointerQueue_.push_back(pointer);
            return;
        }
        default: break;
    }
    ImGui_ImplSDL2_ProcessEvent(&event);
}

void App::applyPointerInput() {
    while (!pointerQueue_.empty()) {
        const PointerEvent next = pointerQueue_.front();
        if (swallowing_ && next.down && !*next.down) {
            swallowing_ = false;  // the release of a press swallowed during the countdown
            pointerQueue_.pop_front();
            continue;
        }
        const bool changesButton = next.down && *next.down != pointer_.down;
        if (!changesButton) {
            pointer_.x = next.x;  // moves (and repeats of the current button state) coalesce
            pointer_.y = next.y;
            pointerQueue_.pop_front();
            continue;
        }
        if (next.x != pointer_.x || next.y != pointer_.y) {
            // A press where the pointer is not yet: this frame hovers there (ImGui hit-tests the
            // position it had before the press), the press comes in the next one.
            pointer_.x = next.x;
            pointer_.y = next.y;
            return;
        }
        pointerQueue_.pop_front();
        if (*next.down && swallowNextPress_) {
            // A tap during the countdown only says "I am here": it and its release press nothing.
            swallowNextPress_ = false;
            swallowing_ = true;
            continueAfterCountdown();
            continue;
        }
        pointer_.down = *next.down;
        if (!pointer_.down) tapGuard_.nowTicks = next.ticks;  // buttons fire on release
        return;  // one press or release per frame
    }
}

void App::pumpSdlEvents() {
    SDL_Event event;
    while (SDL_PollEvent(&event) != 0) handleSdlEvent(event);
}

void App::requestQuit() {
    SDL_Event quit{};
    quit.type = SDL_QUIT;
    SDL_PushEvent(&quit);
}

int App::run(uint64_t maxFrames) {
    running_ = true;
    ops::ServiceNotifier systemd;  // READY=1 after the first frame, WATCHDOG=1 from this loop, STOPPING=1 at its end
    frame();
    if (maxFrames != 0 && frames_ >= maxFrames) return 0;
    int settleFrames = 2;  // ImGui needs a frame or two after input to settle hover/press state
    while (running_) {
        // Queued pointer input needs frames of its own (one press or release each) at once.
        const auto wait = systemd.nextWait(settleFrames > 0 || !pointerQueue_.empty() ? std::chrono::milliseconds(0) : untilNextRedraw());
        SDL_Event event;
        if (SDL_WaitEventTimeout(&event, static_cast<int>(std::max<int64_t>(1, wait.count()))) != 0) {
            handleSdlEvent(event);
            pumpSdlEvents();
            settleFrames = 3;
        }
        frame();
        if (settleFrames > 0) --settleFrames;
        if (maxFrames != 0 && frames_ >= maxFrames) break;
    }
    logger()->info("kiosk window closed");
    return 0;
}

}  // namespace kiosk::screens
