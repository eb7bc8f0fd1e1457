// Foundation benchmarks (a program that prints numbers; not a test):
//   exec → first frame, frames per idle minute, CPU per frame on the attract screen at 1080x1920
//   with the software renderer, font atlas build time and memory, peak RSS; CPU per frame of each
//   technician tab (issue 14: devices, backend, payments, logs) after the demo PIN.
// The kiosk runs as the demo runs it: the demo config (with its [backend] and [payments]) wired
// to a hospital-sim started in-process on a free loopback port, so the App has its HIS and
// payment desk (without them it refuses to start: [payments] needs the HIS), and its own data
// folder in the temp dir (a running demo's data is never touched).
// Usage: ui_bench [--real-seconds N] [--smoke]
//   --real-seconds N   also runs the real loop for N seconds
//   --smoke            the smallest run (1 exec, 5 frames): the test suite runs it so the
//                      benchmark cannot rot unseen; its numbers are not meaningful
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <toml++/toml.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include "kiosk/cli/wiring.hpp"
#include "kiosk/core/log.hpp"
#include "screens/app.hpp"
#include "screens/journey.hpp"
#include "sim/hospital/hospital_sim.hpp"
#include "tests/support/free_port.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double cpuSeconds() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    return values.empty() ? 0 : values[values.size() / 2];
}

/// exec → first frame shown, as the wall time of `kiosk run --headless --exit-after-frames 1`.
double execToFirstFrameMs(const std::string& config) {
    const auto started = Clock::now();
    const pid_t child = fork();
    if (child == 0) {
        freopen("/dev/null", "w", stderr);
        execl(KIOSK_BINARY, "kiosk", "run", "--headless", "--exit-after-frames", "1", "--config", config.c_str(),
              static_cast<char*>(nullptr));
        _exit(127);
    }
    int status = 0;
    waitpid(child, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return -1;
    return std::chrono::duration<double, std::milli>(Clock::now() - started).count();
}

/// The demo config with its data folder in `dir` and every hospital URL on `port`: written to
/// dir/kiosk.toml. Empty on failure (said on stderr).
std::string benchConfig(const std::filesystem::path& dir, int port) {
    const std::string demo = std::string(KIOSK_ASSETS) + "/config/demo.toml";
    toml::table table;
    try {
        table = toml::parse_file(demo);
    } catch (const toml::parse_error& error) {
        std::fprintf(stderr, "%s: %s\n", demo.c_str(), std::string(error.description()).c_str());
        return {};
    }
    const std::string root = "http://127.0.0.1:" + std::to_string(port);
    table["kiosk"].as_table()->insert_or_assign("data_dir", (dir / "data").string());
    table["log"].as_table()->insert_or_assign("level", "warn");
    if (auto* backend = table["backend"].as_table()) backend->insert_or_assign("base_url", root + "/fhir");
    if (auto* payments = table["payments"].as_table()) {
        payments->insert_or_assign("gateway_url", root + "/gateway");
        if (payments->contains("insurance_url")) payments->insert_or_assign("insurance_url", root + "/insurance");
    }
    const auto file = dir / "kiosk.toml";
    std::ofstream(file) << table << '\n';
    return file.string();
}

}  // namespace

int main(int argc, char** argv) {
    int realSeconds = 0;
    bool smoke = false;
    for (int i = 1; i < argc; ++i) {
        if (std::string(argv[i]) == "--real-seconds" && i + 1 < argc) realSeconds = std::stoi(argv[i + 1]);
        if (std::string(argv[i]) == "--smoke") smoke = true;
    }
    const int execRuns = smoke ? 1 : 5;
    const int frameRuns = smoke ? 5 : 40;
    kiosk::log::Settings quiet;
    quiet.level = spdlog::level::warn;
    kiosk::log::configure(quiet);

    // The hospital the demo config points at, in-process on a free port below the ephemeral range
    // (tests/support/free_port.hpp), the next one if another process takes it first.
    const auto dir = std::filesystem::temp_directory_path() / ("ui-bench-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    kiosk::sim::HospitalSimOptions simOptions;
    simOptions.dataDir = dir / "hospital";
    simOptions.peopleFile = std::string(KIOSK_ASSETS) + "/sim/people.json";
    simOptions.threads = 8;
    auto hospital = kiosk::sim::HospitalSim::create(simOptions);
    if (!hospital) {
        std::fprintf(stderr, "hospital-sim: %s\n", hospital.error().describe().c_str());
        return 1;
    }
    auto port = kiosk::test::startOnFreePort([&](int candidate) {
        return (*hospital)->bind(candidate) ? kiosk::test::PortStart::listening : kiosk::test::PortStart::port_taken;
    });
    if (!port) {
        std::fprintf(stderr, "hospital-sim: %s\n", port.error().c_str());
        return 1;
    }
    std::thread server([&] { (*hospital)->run(); });
    struct StopHospital {
        kiosk::sim::HospitalSim& sim;
        std::thread& thread;
        std::filesystem::path dir;
        ~StopHospital() {
            sim.stop();
            thread.join();
            std::error_code ec;
            std::filesystem::remove_all(dir, ec);
        }
    } stopHospital{**hospital, server, dir};
    const std::string configFile = benchConfig(dir, *port);
    if (configFile.empty()) return 1;

    std::vector<double> execTimes;
    for (int i = 0; i < execRuns; ++i) execTimes.push_back(execToFirstFrameMs(configFile));
    std::printf("exec_to_first_frame_ms        median %.1f  (min %.1f, max %.1f, %d runs, offscreen software renderer)\n",
                median(execTimes), *std::min_element(execTimes.begin(), execTimes.end()),
                *std::max_element(execTimes.begin(), execTimes.end()), execRuns);
    if (*std::min_element(execTimes.begin(), execTimes.end()) < 0) {
        std::fprintf(stderr, "ui_bench: `kiosk run --headless --exit-after-frames 1 --config %s` failed\n", configFile.c_str());
        return 1;
    }

    auto config = kiosk::loadConfig(configFile);
    if (!config) {
        std::fprintf(stderr, "%s\n", config.error().detail.c_str());
        return 1;
    }
    kiosk::ManualClock manual;
    kiosk::screens::AppOptions options;
    options.headless = true;
    options.rasterizeEveryFrame = true;  // a frame's cost includes drawing it
    options.clock = &manual;
    // The HIS and the scan resolver, wired exactly as `kiosk run` wires them.
    auto wired = kiosk::cli::withKioskServices(*config, options);
    if (!wired) {
        std::fprintf(stderr, "%s\n", wired.error().detail.c_str());
        return 1;
    }
    auto app = kiosk::screens::App::create(*config, *wired);
    if (!app) {
        std::fprintf(stderr, "%s\n", app.error().detail.c_str());
        return 1;
    }
    auto& kiosk = **app;  // valid until app->reset() below
    kiosk.settle();

    const auto& stats = kiosk.fonts().stats();
    std::printf("font_atlas_build_ms           %.1f  (%zu glyphs, texture %dx%d = %.1f MiB RGBA)\n",
                static_cast<double>(stats.buildTime.count()) / 1000.0, stats.glyphCount, stats.textureWidth,
                stats.textureHeight, static_cast<double>(stats.textureBytes) / (1024.0 * 1024.0));
    kiosk.setLargePrint(true);
    const auto& large = kiosk.fonts().stats();
    std::printf("font_atlas_build_ms_large     %.1f  (%zu glyphs, texture %dx%d = %.1f MiB RGBA)\n",
                static_cast<double>(large.buildTime.count()) / 1000.0, large.glyphCount, large.textureWidth,
                large.textureHeight, static_cast<double>(large.textureBytes) / (1024.0 * 1024.0));
    kiosk.setLargePrint(false);

    // CPU per frame on the attract screen (1080x1920, SDL software renderer, offscreen).
    std::vector<double> frameCpu;
    for (int i = 0; i < frameRuns; ++i) {
        const double before = cpuSeconds();
        kiosk.frame();
        frameCpu.push_back((cpuSeconds() - before) * 1000.0);
    }
    std::printf("attract_frame_cpu_ms          median %.2f  (p90 %.2f, %d frames, %dx%d software renderer)\n",
                median(frameCpu), [&] {
                    auto sorted = frameCpu;
                    std::sort(sorted.begin(), sorted.end());
                    return sorted[sorted.size() * 9 / 10];
                }(),
                frameRuns, config->ui.width, config->ui.height);

    // Frames per idle minute: follow the loop's own redraw policy (untilNextRedraw) for 60 s of
    // the manual clock with no input at all.
    auto idleMinute = [&](const char* what) {
        const uint64_t before = kiosk.framesRendered();
        auto left = std::chrono::milliseconds(60000);
        while (left.count() > 0) {
            const auto wait = std::min(std::max(kiosk.untilNextRedraw(), std::chrono::milliseconds(1)), left);
            manual.advance(wait);
            left -= wait;
            if (kiosk.untilNextRedraw().count() == 0 || left.count() == 0) kiosk.frame();
        }
        std::printf("frames_per_idle_minute_%-7s %llu\n", what,
                    static_cast<unsigned long long>(kiosk.framesRendered() - before));
    };
    idleMinute("attract");

    // Each technician tab drawn (issue 14: "technician screens draw within one frame"): the
    // demo's corner hold and PIN, then every tab's frame with its lists filled (the backend's
    // probes and the payments tab's reconciliation answered by hospital-sim first).
    {
        const std::string pin = R"({"steps": [{"hold": {"seconds": 5}}, {"type_pin": "246810"}, {"tap": "tech.pin.ok"},
                                   {"await_screen": {"screen": "diagnostics", "seconds": 10}}]})";
        auto technician = kiosk::screens::Journey::parse(nlohmann::json::parse(pin), "ui_bench");
        // The journey's step PNGs go to a folder of this run, removed after.
        const auto steps = std::filesystem::temp_directory_path() / ("ui_bench-technician-" + std::to_string(getpid()));
        const auto opened = technician ? kiosk::screens::runJourney(kiosk, manual, *technician, steps) : kiosk::screens::JourneyReport{};
        std::filesystem::remove_all(steps);
        if (!opened.ok) {
            std::fprintf(stderr, "ui_bench: the technician PIN journey failed\n");
            return 1;
        }
        for (const char* tab : {"diagnostics", "technician.backend", "technician.payments", "technician.logs"}) {
            if (auto tapped = kiosk.tap(std::string("tech.tab.") + tab); !tapped) {
                std::fprintf(stderr, "ui_bench: tab %s: %s\n", tab, tapped.error().detail.c_str());
                return 1;
            }
            kiosk.settle();
            std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the workers' probes answer
            kiosk.settle();
            std::vector<double> tabCpu;
            for (int i = 0; i < std::max(frameRuns, 5); ++i) {
                const double before = cpuSeconds();
                kiosk.frame();
                tabCpu.push_back((cpuSeconds() - before) * 1000.0);
            }
            std::sort(tabCpu.begin(), tabCpu.end());
            std::printf("tech_frame_cpu_ms %-20s median %.2f  (max %.2f, %zu frames; one frame at 60 Hz = 16.7)\n", tab,
                        tabCpu[tabCpu.size() / 2], tabCpu.back(), tabCpu.size());
        }
        if (auto left = kiosk.tap("tech.logs.back"); !left) return 1;
        kiosk.settle();
    }
    if (auto inserted = kiosk.simulate("card", "insert", "zhang-san"); !inserted) {
        std::fprintf(stderr, "ui_bench: simulated card insert: %s\n", inserted.error().detail.c_str());
        return 1;
    }
    kiosk.settle();
    idleMinute("session");  // the session times out within the minute: countdown ticks + exit

    app->reset();  // one App (one SDL and ImGui context) at a time
    if (realSeconds > 0) {
        // The real loop (SDL_WaitEventTimeout) on the system clock, for N seconds.
        kiosk::screens::AppOptions realOptions;
        realOptions.headless = true;
        realOptions.rasterizeEveryFrame = true;
        auto realWired = kiosk::cli::withKioskServices(*config, realOptions);
        if (!realWired) return 1;
        auto realApp = kiosk::screens::App::create(*config, *realWired);
        if (realApp) {
            std::thread stopper([&] {
                std::this_thread::sleep_for(std::chrono::seconds(realSeconds));
                (*realApp)->requestQuit();
            });
            const double cpuBefore = cpuSeconds();
            (*realApp)->run();
            stopper.join();
            std::printf("real_loop_%ds                 frames %llu, cpu %.1f%% of one core (offscreen driver polls)\n",
                        realSeconds, static_cast<unsigned long long>((*realApp)->framesRendered()),
                        100.0 * (cpuSeconds() - cpuBefore) / realSeconds);
        }
    }
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    std::printf("peak_rss_mib                  %.1f\n", static_cast<double>(usage.ru_maxrss) / 1024.0);
    return 0;
}
