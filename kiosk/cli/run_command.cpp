// `kiosk run` (the kiosk UI) and `kiosk screenshot` (a scripted journey, headless, one PNG per
// step plus journey.json).
#include <fmt/format.h>

#include <unistd.h>

#include <condition_variable>
#include <iostream>
#include <mutex>
#include <thread>

#include "kiosk/cli/commands.hpp"
#include "kiosk/cli/common.hpp"
#include "kiosk/cli/startup_failure.hpp"
#include "kiosk/cli/wiring.hpp"
#include "kiosk/core/log.hpp"
#include "kiosk/ops/metrics_server.hpp"
#include "screens/app.hpp"
#include "screens/journey.hpp"

namespace kiosk::cli {

namespace {

struct UiOptions {
    std::string configFile;
    std::string mode;
    std::string orientation;
    std::string language;
    bool largePrint = false;
};

void addUiOptions(CLI::App* command, UiOptions& options) {
    command->add_option("--config", options.configFile, "Kiosk configuration file (TOML)")->required();
    command->add_option("--mode", options.mode, "Override kiosk.mode")
        ->check(CLI::IsMember({"lobby", "pharmacy", "diagnostics", "pharmacy_display"}));
    command->add_option("--orientation", options.orientation, "Override ui.orientation")
        ->check(CLI::IsMember({"portrait", "landscape"}));
    command->add_option("--language", options.language, "Override ui.language")->check(CLI::IsMember({"zh_CN", "en_US"}));
    command->add_flag("--large-print", options.largePrint, "Start in large-print mode");
}

Result<KioskConfig> loadWithOverrides(const UiOptions& options) {
    auto config = loadKioskConfigForCli(options.configFile);
    if (!config) return config;
    if (!options.orientation.empty()) {
        const bool portrait = options.orientation == "portrait";
        // The same panel turned: its millimetres turn with it (the pixel pitch stays).
        if ((config->ui.orientation == Orientation::portrait) != portrait) {
            std::swap(config->ui.screenWidthMm, config->ui.screenHeightMm);
        }
        config->ui.orientation = portrait ? Orientation::portrait : Orientation::landscape;
        config->ui.width = portrait ? 1080 : 1920;
        config->ui.height = portrait ? 1920 : 1080;
    }
    if (!options.language.empty()) config->ui.language = options.language;
    if (options.largePrint) config->ui.largePrint = true;
    return config;
}

/// Wires the scan resolver and creates the App from a loaded config; on failure says why on stderr.
Result<std::unique_ptr<screens::App>> createAppFrom(KioskConfig config, const UiOptions& options,
                                                    screens::AppOptions appOptions) {
    if (!options.mode.empty()) appOptions.mode = parseMode(options.mode);
    auto wired = withKioskServices(config, std::move(appOptions));
    if (!wired) {
        std::cerr << "kiosk: " << wired.error().detail << '\n';
        return std::unexpected(wired.error());
    }
    auto app = screens::App::create(std::move(config), std::move(*wired));
    if (!app) std::cerr << "kiosk: " << app.error().detail << '\n';
    return app;
}

/// Loads the config with the command line's overrides, then createAppFrom.
Result<std::unique_ptr<screens::App>> createApp(const UiOptions& options, screens::AppOptions appOptions) {
    auto config = loadWithOverrides(options);
    if (!config) return std::unexpected(config.error());
    return createAppFrom(std::move(*config), options, std::move(appOptions));
}

/// How long a stop (SIGTERM) waits for a payment step in flight to reach the journal. A step is
/// one HTTP call between two journal rows, bounded by [payments] call timeouts; a QR wait ends
/// at once (the order is closed, or found paid and finished). systemd's TimeoutStopSec (30 s in
/// deploy/systemd) is longer, so the kiosk is never killed before it has said why it stopped.
constexpr std::chrono::seconds kStopDeadline{20};

/// Ends the App: its payment worker finishes the step in flight and journals it (~PaymentFlow).
/// Past `kStopDeadline` the process exits 0 at once, saying so: every journal row is committed
/// (SQLite), and start-up recovery resolves the order from the last one, as after a power cut
/// (the crash matrix, tests/payments).
void closeWithinDeadline(std::unique_ptr<screens::App>& app) {
    std::mutex mutex;
    std::condition_variable closed;
    bool done = false;
    std::thread deadline([&] {
        std::unique_lock lock(mutex);
        if (!closed.wait_for(lock, kStopDeadline, [&] { return done; })) {
            log::module("app")->critical("stop: a payment step is still running after {} s; exiting now (start-up "
                                         "recovery resolves it from the journal)",
                                         kStopDeadline.count());
            log::flushAll();
            _exit(0);
        }
    });
    const auto started = std::chrono::steady_clock::now();
    app.reset();
    {
        std::lock_guard lock(mutex);
        done = true;
    }
    closed.notify_one();
    deadline.join();
    log::module("app")->info("stopped in {} ms", std::chrono::duration_cast<std::chrono::milliseconds>(
                                                     std::chrono::steady_clock::now() - started)
                                                     .count());
    log::flushAll();
}

/// `kiosk run` itself. Whatever stops the start shows the out-of-service screen instead
/// (kiosk/cli/startup_failure.hpp): never a black screen, never a restart loop.
int runKiosk(const UiOptions& options, screens::AppOptions appOptions, uint64_t exitAfterFrames,
             const std::filesystem::path& screenshotFile) {
    OutOfServiceRun outOfService{.configFile = options.configFile, .orientation = options.orientation,
                                 .headless = appOptions.headless, .fullscreen = appOptions.fullscreen,
                                 .maxFrames = exitAfterFrames, .screenshotFile = screenshotFile};
    auto config = loadWithOverrides(options);
    if (!config) return runOutOfService({"config", config.error().detail}, outOfService);
    if (auto unwritable = probeStateFolder(config->journalFile.parent_path())) return runOutOfService(*unwritable, outOfService);
    auto app = createAppFrom(std::move(*config), options, std::move(appOptions));
    if (!app) return runOutOfService({startupFailureReason(app.error()), app.error().detail}, outOfService);
    if (auto missing = checkRequiredDevices((*app)->config(), (*app)->devices())) {
        app->reset();  // one window (and ImGui context) per process: the App's goes first
        return runOutOfService(*missing, outOfService);
    }
    // The fleet's metrics endpoint ([metrics]); a port that cannot be bound stops the start,
    // naming the key, as every other config problem does.
    std::unique_ptr<ops::MetricsServer> metricsServer;
    const ops::MetricsSettings metrics = ops::readMetricsSettings((*app)->config().metrics);
    if (metrics.enabled) {
        auto started = ops::MetricsServer::start(metrics, (*app)->metrics());
        if (!started) {
            app->reset();
            return runOutOfService({"metrics_listen", started.error().detail}, outOfService);
        }
        metricsServer = std::move(*started);
    }
    const int exitCode = (*app)->run(exitAfterFrames);
    if (!screenshotFile.empty()) {
        if (auto written = (*app)->screenshot(screenshotFile); !written) {
            std::cerr << "kiosk: screenshot: " << written.error().describe() << '\n';
        }
    }
    metricsServer.reset();  // stops scrapes before the App (and what they read) goes
    closeWithinDeadline(*app);
    return exitCode;
}

}  // namespace

void installRunCommand(CLI::App& root, Action& action) {
    auto* command = root.add_subcommand("run", "Run the kiosk (a window; fullscreen on a kiosk)");
    auto options = std::make_shared<UiOptions>();
    auto fullscreen = std::make_shared<bool>(false);
    auto headless = std::make_shared<bool>(false);
    auto exitAfterFrames = std::make_shared<uint64_t>(0);
    addUiOptions(command, *options);
    command->add_flag("--fullscreen", *fullscreen, "Fill the screen (production)");
    command->add_flag("--headless", *headless, "Render offscreen (no display needed; for benchmarks and smoke tests)");
    command->add_option("--exit-after-frames", *exitAfterFrames, "Exit after N frames (benchmarks, smoke tests)")
        ->check(CLI::PositiveNumber);
    auto screenshotFile = std::make_shared<std::string>();
    command->add_option("--screenshot-on-exit", *screenshotFile,
                        "Write the last frame as PNG when the loop ends (smoke tests; with --headless)");
    command->callback([&action, options, fullscreen, headless, exitAfterFrames, screenshotFile] {
        action = [options, fullscreen, headless, exitAfterFrames, screenshotFile]() -> int {
            screens::AppOptions appOptions;
            appOptions.fullscreen = *fullscreen;
            appOptions.headless = *headless;
            appOptions.rasterizeEveryFrame = true;  // a headless run is a benchmark of the real loop
            return runKiosk(*options, std::move(appOptions), *exitAfterFrames, *screenshotFile);
        };
    });
}

void installScreenshotCommand(CLI::App& root, Action& action) {
    auto* command = root.add_subcommand(
        "screenshot", "Run a scripted journey headless (no X server) and write one PNG per step + journey.json");
    auto options = std::make_shared<UiOptions>();
    auto journeyFile = std::make_shared<std::string>();
    auto outDir = std::make_shared<std::string>();
    addUiOptions(command, *options);
    command->add_option("--journey", *journeyFile, "Journey script (JSON)")->required()->check(CLI::ExistingFile);
    command->add_option("--out", *outDir, "Folder for the PNGs and journey.json")->required();
    command->callback([&action, options, journeyFile, outDir] {
        action = [options, journeyFile, outDir]() -> int {
            auto journey = screens::Journey::load(*journeyFile);
            if (!journey) {
                std::cerr << "kiosk: " << journey.error().detail << '\n';
                return 2;
            }
            ManualClock clock;  // the journey's clock: moves only when a step waits
            screens::AppOptions appOptions;
            appOptions.headless = true;
            appOptions.clock = &clock;
            auto app = createApp(*options, std::move(appOptions));
            if (!app) return 1;
            const auto report = screens::runJourney(**app, clock, *journey, *outDir);
            closeWithinDeadline(*app);  // a stop mid-journey: the payment step in flight is journalled first
            std::cout << report.toJson().dump(2) << '\n';
            if (report.stopped) return 0;
            size_t layoutProblems = 0;
            for (const auto& step : report.steps) layoutProblems += step.layoutProblems.size();
            if (layoutProblems > 0) {
                // A layout problem fails the journey as every UI test fails on one.
                std::cerr << "kiosk: journey " << report.name << ": " << layoutProblems
                          << " layout problem(s); see layout_problems in " << (std::filesystem::path(*outDir) / "journey.json").string()
                          << '\n';
            }
            return report.ok ? 0 : 1;
        };
    });
}

}  // namespace kiosk::cli
