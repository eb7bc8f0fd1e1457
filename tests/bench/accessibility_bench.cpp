// Issue 15 measures (a program that prints numbers; not a test): every screen a patient meets,
// rendered by the real App (offscreen, software renderer) against an in-process hospital-sim, in
// normal and elder mode, measured as drawn (screens::measureFrame): the smallest glyph height
// (uppercase letter / digit height, ideograph height for Chinese-only text; mm on the panel), the
// smallest touch target (mm), the closest two targets (mm) and the lowest text/background
// contrast read from the rendered pixels.
// Usage: accessibility_bench [--landscape] [--english] [--27] [--smoke]
//   --27      a 27" panel (597.7 x 336.2 mm) instead of the default 21.5"
//   --smoke   the attract screen only, normal mode (the suite runs it so the program cannot rot)
#include <algorithm>
#include <unistd.h>

#include <toml++/toml.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <thread>

#include "kiosk/cli/wiring.hpp"
#include "kiosk/core/log.hpp"
#include "screens/app.hpp"
#include "sim/hospital/hospital_sim.hpp"

namespace {

/// At most 24 bytes of `text` on one line, cut at a UTF-8 character boundary (for the table).
std::string shortened(std::string text) {
    std::replace(text.begin(), text.end(), '\n', ' ');
    if (text.size() <= 24) return text;
    size_t cut = 24;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    return text.substr(0, cut);
}

std::string benchConfig(const std::filesystem::path& dir, int port, bool landscape, bool panel27) {
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
    auto* ui = table["ui"].as_table();
    ui->insert_or_assign("orientation", landscape ? "landscape" : "portrait");
    ui->insert_or_assign("simulator_panel", false);
    const double longSide = panel27 ? 597.7 : 476.6;
    const double shortSide = panel27 ? 336.2 : 268.1;
    ui->insert_or_assign("screen_width_mm", landscape ? longSide : shortSide);
    ui->insert_or_assign("screen_height_mm", landscape ? shortSide : longSide);
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
    bool smoke = false;
    bool landscape = false;
    bool english = false;
    bool panel27 = false;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        smoke = smoke || arg == "--smoke";
        landscape = landscape || arg == "--landscape";
        english = english || arg == "--english";
        panel27 = panel27 || arg == "--27";
    }
    kiosk::log::Settings quiet;
    quiet.level = spdlog::level::err;
    kiosk::log::configure(quiet);
    const auto dir = std::filesystem::temp_directory_path() / ("accessibility-bench-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    kiosk::sim::HospitalSimOptions simOptions;
    simOptions.port = 0;
    simOptions.dataDir = dir / "hospital";
    simOptions.peopleFile = std::string(KIOSK_ASSETS) + "/sim/people.json";
    simOptions.threads = 4;
    auto hospital = kiosk::sim::HospitalSim::create(simOptions);
    if (!hospital) return 1;
    auto port = (*hospital)->bind();
    if (!port) return 1;
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
    const std::string configFile = benchConfig(dir, *port, landscape, panel27);
    auto config = kiosk::loadConfig(configFile);
    if (!config) {
        std::fprintf(stderr, "%s\n", config.error().detail.c_str());
        return 1;
    }
    config->ui.language = english ? "en_US" : "zh_CN";
    kiosk::ManualClock manual;
    kiosk::screens::AppOptions options;
    options.headless = true;
    options.rasterizeEveryFrame = true;  // a frame's cost includes drawing it
    options.clock = &manual;
    auto wired = kiosk::cli::withKioskServices(*config, options);
    if (!wired) return 1;
    auto created = kiosk::screens::App::create(*config, *wired);
    if (!created) {
        std::fprintf(stderr, "%s\n", created.error().detail.c_str());
        return 1;
    }
    auto& app = **created;
    app.settle();
    std::printf("panel %s %s, %.1f x %.1f mm, %.4f mm/px, %s\n", panel27 ? "27\"" : "21.5\"", landscape ? "landscape" : "portrait",
                config->ui.screenWidthMm, config->ui.screenHeightMm, config->ui.pixelPitchMm, english ? "en_US" : "zh_CN");
    std::printf("%-20s %-6s %9s %9s %9s %9s  %s\n", "screen", "mode", "glyph_mm", "target_mm", "gap_mm", "contrast",
                "(smallest glyph / target / lowest-contrast text)");
    int failures = 0;
    auto row = [&](const std::string& screen, bool elder) {
        auto m = app.measure();
        if (!m) {
            ++failures;
            return;
        }
        const auto targets = kiosk::screens::sizeTargets(elder);
        const bool ok = m->smallestGlyphMm >= targets.bodyGlyphMm && m->smallestTargetMm >= targets.targetMm &&
                        (m->targets < 2 || m->closestTargetsMm >= targets.targetGapMm) && m->lowestContrast >= targets.contrast;
        std::printf("%-20s %-6s %9.2f %9.2f %9.2f %9.2f  %s | %s | %s%s\n", screen.c_str(), elder ? "elder" : "normal",
                    m->smallestGlyphMm, m->smallestTargetMm, m->closestTargetsMm, m->lowestContrast,
                    shortened(m->smallestGlyphText).c_str(), m->smallestTarget.c_str(), shortened(m->lowestContrastText).c_str(),
                    ok ? "" : "  << below target");
    };
    auto need = [&](kiosk::Result<void> step, const char* what) {
        if (!step) std::fprintf(stderr, "%s: %s\n", what, step.error().detail.c_str());
        return step.has_value();
    };
    for (const bool elder : {false, true}) {
        if (smoke && elder) break;
        app.setLargePrint(elder);
        app.settle();
        row("attract", elder);
        if (smoke) break;
        if (!need(app.tap("attract.start"), "attract.start")) break;
        row("identify", elder);
        if (!need(app.simulate("card", "insert", "wang-xinkun"), "insert")) break;
        app.settle();
        row("menu", elder);
        manual.advance(std::chrono::seconds(elder ? 101 : 51));
        app.frame();
        row("countdown", elder);
        (void)app.tap("session.more_time");
        // Booking (issue 11): each screen down to the confirmation, then back to the menu.
        auto tapFirst = [&](const std::string& prefix) -> bool {
            for (const std::string& id : app.visibleButtons()) {
                if (id.starts_with(prefix) && id.find(".page") == std::string::npos) return app.tap(id).has_value();
            }
            std::fprintf(stderr, "no button %s* on %s\n", prefix.c_str(), std::string(app.currentScreen()).c_str());
            return false;
        };
        if (need(app.tap("menu.booking"), "menu.booking") && need(app.awaitScreen("book.departments", std::chrono::seconds(10)), "departments")) {
            row("book.departments", elder);
            if (need(app.tap("book.search"), "search")) row("book.search", elder);
            for (const std::string& id : app.visibleButtons()) {
                if (id.ends_with(".back")) {
                    (void)app.tap(id);
                    break;
                }
            }
            app.settle();
            if (tapFirst("book.dept.") && need(app.awaitScreen("book.doctors", std::chrono::seconds(10)), "doctors")) {
                row("book.doctors", elder);
                // Tomorrow: this patient already has today's appointment in the first department
                // (one booking per department per day), and the confirmation is to be measured.
                if (app.buttonRects().count("book.day.1") != 0) (void)app.tap("book.day.1");
                // The first doctor with a free slot (the demo seeds a fully booked one).
                std::vector<std::string> doctors;
                for (const std::string& id : app.visibleButtons()) {
                    if (id.starts_with("book.doctor.")) doctors.push_back(id);
                }
                bool confirmed = false;
                for (const std::string& doctor : doctors) {
                    if (!app.tap(doctor) || app.currentScreen() != "book.slots") continue;
                    const auto buttons = app.visibleButtons();
                    const auto slot = std::find_if(buttons.begin(), buttons.end(), [](const std::string& id) { return id.starts_with("book.slot."); });
                    if (slot == buttons.end()) {
                        (void)app.tap("book.slots.back");
                        app.settle();
                        continue;
                    }
                    row("book.slots", elder);
                    if (app.tap(*slot) && need(app.awaitScreen("book.confirm", std::chrono::seconds(10)), "confirm")) {
                        row("book.confirm", elder);
                        confirmed = true;
                    }
                    break;
                }
                if (!confirmed) std::fprintf(stderr, "no doctor with a free slot reached the confirmation\n");
            }
        }
        // Back to the menu: the screen's "to the menu" button, else its back button.
        auto backToMenu = [&] {
            for (int step = 0; step < 6 && app.currentScreen() != "menu"; ++step) {
                std::string back;
                for (const std::string& id : app.visibleButtons()) {
                    if (id == "book.confirm.menu" || id == "checkin.menu") {
                        back = id;
                        break;
                    }
                    if (back.empty() && id.ends_with(".back")) back = id;
                }
                if (back.empty() || !app.tap(back)) break;
                app.settle();
            }
        };
        backToMenu();
        // Check-in: the answer for this patient's appointment (ticket, or why not).
        if (need(app.tap("menu.check_in"), "menu.check_in") && need(app.awaitScreen("checkin", std::chrono::seconds(10)), "checkin")) {
            app.settle();
            row("checkin", elder);
            if (app.buttonRects().count("checkin.my_queue") != 0 && need(app.tap("checkin.my_queue"), "my queue") &&
                need(app.awaitScreen("checkin.queue", std::chrono::seconds(10)), "queue")) {
                row("checkin.queue", elder);
                (void)app.tap("checkin.back");
            }
            app.settle();
            backToMenu();
        }
        if (need(app.tap("menu.triage"), "menu.triage")) row("service_unavailable", elder);
        (void)app.tap("service.back");
        app.settle();
        if (app.currentScreen() != "menu") (void)app.tap("common.back");
        if (need(app.tap("menu.payment"), "menu.payment") && need(app.awaitScreen("pay.charges", std::chrono::seconds(10)), "charges")) {
            row("pay.charges", elder);
            if (app.buttonRects().count("pay.insurance") != 0 && need(app.tap("pay.insurance"), "insurance") &&
                need(app.awaitScreen("pay.split", std::chrono::seconds(10)), "split")) {
                row("pay.split", elder);
                (void)app.tap("pay.split.back");
                (void)app.awaitScreen("pay.charges", std::chrono::seconds(10));
            }
            if (need(app.tap("pay.self"), "self") && need(app.awaitScreen("pay.channel", std::chrono::seconds(10)), "channel")) {
                row("pay.channel", elder);
                if (need(app.tap("pay.channel.unionpay"), "unionpay") && need(app.awaitScreen("pay.qr", std::chrono::seconds(10)), "qr")) {
                    row("pay.qr", elder);
                    if (need(app.tap("pay.qr.cancel"), "cancel") && need(app.awaitScreen("pay.result", std::chrono::seconds(20)), "result")) {
                        row("pay.result", elder);
                    }
                }
            }
        }
        (void)app.simulate("card", "remove", "");
        app.settle();
        if (app.currentScreen() != "attract") (void)app.tap("session.finish");
        app.settle();
        if (app.buttonRects().count("attract.diagnostics") != 0 && need(app.tap("attract.diagnostics"), "diagnostics")) {
            row("diagnostics", elder);
            (void)app.tap("diag.back");
            app.settle();
        }
    }
    return failures == 0 ? 0 : 1;
}
