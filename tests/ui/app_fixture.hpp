#pragma once
// An App on the simulated devices, headless (SDL offscreen driver, software renderer), on a
// manual clock. PNGs of each test go to <build>/test-output/ui/<test name>/ and are kept.
#include <gtest/gtest.h>

#include "kiosk/backend/his_factory.hpp"
#include "screens/app.hpp"
#include "screens/journey.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiosk::test {

class AppTest : public ::testing::Test {
protected:
    TempDir dir;
    ManualClock clock;
    std::unique_ptr<screens::App> app;
    int journeysRun_ = 0;

    std::filesystem::path outputDir() const {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        return std::filesystem::path(KIOSK_TEST_OUTPUT_DIR) / "ui" /
               (std::string(info->test_suite_name()) + "." + info->name());
    }

    Result<KioskConfig> config(const std::string& extra = "") {
        return loadConfig(dir.write("kiosk.toml", demoConfigText(extra)));
    }

    /// What every test App runs with: headless, on the test's manual clock.
    screens::AppOptions headlessOptions() {
        screens::AppOptions options;
        options.headless = true;
        options.clock = &clock;
        return options;
    }

    /// Opens the test's App on `loaded` and settles it, closing one this test opened before first
    /// (one App per process).
    void open(KioskConfig loaded, screens::AppOptions options) {
        app.reset();
        auto created = screens::App::create(std::move(loaded), std::move(options));
        ASSERT_TRUE(created.has_value()) << created.error().detail;
        app = std::move(*created);
        app->settle();
    }

    /// Starts the App on the demo config plus `extra` on the simulated devices.
    void start(const std::string& extra = "", std::optional<KioskMode> mode = std::nullopt) {
        auto loaded = config(extra);
        ASSERT_TRUE(loaded.has_value()) << loaded.error().detail;
        screens::AppOptions options = headlessOptions();
        options.mode = mode;
        open(std::move(*loaded), std::move(options));
    }

    /// Like start(), with a [backend] whose hospital does not answer (nothing listens on the
    /// discard port): the services that need a backend are offered (their tiles are shown), and
    /// patients are still identified by the simulated devices and e-health-card platform.
    void startConnected(const std::string& extra = "", std::optional<KioskMode> mode = std::nullopt) {
        auto loaded = config("[backend]\ndriver = \"fhir\"\nbase_url = \"http://127.0.0.1:9/fhir\"\n"
                             "connect_timeout_ms = 300\nretries = 0\n" + extra);
        ASSERT_TRUE(loaded.has_value()) << loaded.error().detail;
        auto his = backend::makeHisDriver(loaded->backend, loaded->kioskId);
        ASSERT_TRUE(his.has_value()) << his.error().detail;
        screens::AppOptions options = headlessOptions();
        options.mode = mode;
        options.his = std::move(*his);
        open(std::move(*loaded), std::move(options));
    }

    /// Runs a journey; the PNGs of a test's second and later journeys go to journey-2/, journey-3/…
    /// so that none overwrites another. Every step's frame must be free of layout problems (no
    /// text under a button, nothing off the screen…): every UI test checks every screen it visits.
    screens::JourneyReport journey(const std::string& json) {
        auto parsed = screens::Journey::parse(nlohmann::json::parse(json), "inline");
        EXPECT_TRUE(parsed.has_value()) << (parsed ? "" : parsed.error().detail);
        ++journeysRun_;
        const auto pngDir = journeysRun_ == 1 ? outputDir() : outputDir() / ("journey-" + std::to_string(journeysRun_));
        auto report = screens::runJourney(*app, clock, *parsed, pngDir);
        for (const auto& step : report.steps) {
            for (const auto& problem : step.layoutProblems) {
                ADD_FAILURE() << "layout, step " << step.index << " (" << step.step << ") on " << step.screen << ": " << problem;
            }
        }
        return report;
    }

    static std::string describe(const screens::JourneyReport& report) { return report.toJson().dump(2); }
};

}  // namespace kiosk::test
