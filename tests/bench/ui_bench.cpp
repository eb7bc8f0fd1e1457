// Foundation benchmarks (a program that prints numbers; not a test):
//   exec → first frame, frames per idle minute, CPU per frame on the attract screen at 1080x1920
//   with the software renderer, font atlas build time and memory, peak RSS.
// Usage: ui_bench [--real-seconds N]   (N > 0 also runs the real loop for N seconds)
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include "screens/app.hpp"

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

}  // namespace

int main(int argc, char** argv) {
    int realSeconds = 0;
    for (int i = 1; i + 1 < argc; ++i) {
        if (std::string(argv[i]) == "--real-seconds") realSeconds = std::stoi(argv[i + 1]);
    }
    const std::string configFile = std::string(KIOSK_ASSETS) + "/config/demo.toml";

    std::vector<double> execTimes;
    for (int i = 0; i < 5; ++i) execTimes.push_back(execToFirstFrameMs(configFile));
    std::printf("exec_to_first_frame_ms        median %.1f  (min %.1f, max %.1f, 5 runs, offscreen software renderer)\n",
                median(execTimes), *std::min_element(execTimes.begin(), execTimes.end()),
                *std::max_element(execTimes.begin(), execTimes.end()));

    auto config = kiosk::loadConfig(configFile);
    if (!config) {
        std::fprintf(stderr, "%s\n", config.error().detail.c_str());
        return 1;
    }
    config->logLevel = "warn";
    kiosk::ManualClock manual;
    kiosk::screens::AppOptions options;
    options.headless = true;
    options.clock = &manual;
    auto app = kiosk::screens::App::create(*config, options);
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
    for (int i = 0; i < 40; ++i) {
        const double before = cpuSeconds();
        kiosk.frame();
        frameCpu.push_back((cpuSeconds() - before) * 1000.0);
    }
    std::printf("attract_frame_cpu_ms          median %.2f  (p90 %.2f, 40 frames, %dx%d software renderer)\n",
                median(frameCpu), [&] {
                    auto sorted = frameCpu;
                    std::sort(sorted.begin(), sorted.end());
                    return sorted[sorted.size() * 9 / 10];
                }(),
                config->ui.width, config->ui.height);

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
    (void)kiosk.simulate("card", "insert", "zhang-san");
    kiosk.settle();
    idleMinute("session");  // the session times out within the minute: countdown ticks + exit

    app->reset();  // one App (one SDL and ImGui context) at a time
    if (realSeconds > 0) {
        // The real loop (SDL_WaitEventTimeout) on the system clock, for N seconds.
        kiosk::screens::AppOptions realOptions;
        realOptions.headless = true;
        auto realApp = kiosk::screens::App::create(*config, realOptions);
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
