#include "screens/journey.hpp"

#include <SDL.h>
#include <fmt/format.h>

#include <atomic>
#include <fstream>

#include "kiosk/core/log.hpp"

namespace kiosk::screens {

std::string JourneyStep::describe() const {
    if (action == "wait") return fmt::format("wait {} s", seconds);
    if (action == "hold") return fmt::format("hold ({:.0f},{:.0f}) {} s", x, y, seconds);
    if (action == "type_pin") return fmt::format("type_pin ({} digits)", argument.size());  // never the PIN itself
    if (action == "await_screen") return fmt::format("await_screen {} (up to {} s)", argument, seconds);
    if (action == "pay_on_phone") return "pay_on_phone";
    if (action == "set_large_print" || action == "expect_session" || action == "simulator_panel") return fmt::format("{} {}", action, flag);
    if (!device.empty()) return fmt::format("{} {} {}", action, device, argument);
    return fmt::format("{} {}", action, argument);
}

Result<Journey> Journey::parse(const nlohmann::json& json, const std::string& source) {
    auto bad = [&](size_t index, const std::string& what) {
        return fail(Errc::invalid_argument, fmt::format("{}: step {}: {}", source, index + 1, what));
    };
    if (!json.is_object() || !json.contains("steps") || !json["steps"].is_array()) {
        return fail(Errc::invalid_argument, fmt::format("{}: expected an object with a \"steps\" array", source));
    }
    Journey journey;
    journey.name = json.value("name", std::filesystem::path(source).stem().string());
    journey.language = json.value("language", "");
    if (json.contains("large_print")) journey.largePrint = json["large_print"].is_boolean() && json["large_print"].get<bool>();
    const auto& steps = json["steps"];
    for (size_t i = 0; i < steps.size(); ++i) {
        const auto& step = steps[i];
        if (!step.is_object() || step.size() != 1) return bad(i, "each step is an object with one action");
        const auto& [action, value] = *step.items().begin();
        JourneyStep parsed;
        parsed.action = action;
        if (action == "tap" || action == "tap_first" || action == "expect_screen" || action == "set_language" || action == "remove_card") {
            if (!value.is_string()) return bad(i, action + " takes a text");
            (action == "remove_card" ? parsed.device : parsed.argument) = value.get<std::string>();
        } else if (action == "insert_card" || action == "scan" || action == "set_scenario") {
            const char* argumentKey = action == "insert_card" ? "person" : action == "scan" ? "payload" : "scenario";
            if (!value.is_object() || !value.contains("device") || !value.contains(argumentKey) ||
                !value["device"].is_string() || !value[argumentKey].is_string()) {
                return bad(i, fmt::format("{} takes {{\"device\": …, \"{}\": …}}", action, argumentKey));
            }
            parsed.device = value["device"].get<std::string>();
            parsed.argument = value[argumentKey].get<std::string>();
        } else if (action == "wait") {
            if (!value.is_number_integer() || value.get<int>() < 0 || value.get<int>() > 3600) {
                return bad(i, "wait takes whole seconds from 0 to 3600");
            }
            parsed.seconds = value.get<int>();
        } else if (action == "await_screen") {
            if (!value.is_object() || !value.contains("screen") || !value["screen"].is_string() ||
                !value.value("seconds", nlohmann::json()).is_number_integer() || value["seconds"].get<int>() < 1 ||
                value["seconds"].get<int>() > 300) {
                return bad(i, "await_screen takes {\"screen\": …, \"seconds\": 1…300}");
            }
            parsed.argument = value["screen"].get<std::string>();
            parsed.seconds = value["seconds"].get<int>();
        } else if (action == "hold") {
            // The default corner is the default panel's (a 21.5" portrait screen in normal mode):
            // its centre lies inside the top bar of every orientation and print size.
            const ButtonRect corner = TechnicianEntry::corner(Theme::make(UiConfig{}, false).topBarHeight);
            if (!value.is_object() || !value.value("seconds", nlohmann::json()).is_number_integer() ||
                value["seconds"].get<int>() < 1 || value["seconds"].get<int>() > 600 ||
                (value.contains("x") && !value["x"].is_number()) || (value.contains("y") && !value["y"].is_number())) {
                return bad(i, "hold takes {\"seconds\": 1…600} and optionally \"x\", \"y\" (px; default: the technician's corner)");
            }
            parsed.seconds = value["seconds"].get<int>();
            parsed.x = value.value("x", corner.center().x);
            parsed.y = value.value("y", corner.center().y);
        } else if (action == "type_pin") {
            if (!value.is_string() || value.get<std::string>().empty() ||
                value.get<std::string>().find_first_not_of("0123456789") != std::string::npos) {
                return bad(i, "type_pin takes a text of digits");
            }
            parsed.argument = value.get<std::string>();
        } else if (action == "pay_on_phone") {
            if (!value.is_boolean() || !value.get<bool>()) return bad(i, "pay_on_phone takes true");
            parsed.flag = true;
        } else if (action == "set_large_print" || action == "expect_session" || action == "simulator_panel") {
            if (!value.is_boolean()) return bad(i, action + " takes true or false");
            parsed.flag = value.get<bool>();
        } else {
            return bad(i, fmt::format("unknown action \"{}\" (tap, tap_first, insert_card, remove_card, scan, set_scenario, wait, "
                                      "expect_screen, expect_session, set_language, set_large_print, simulator_panel, await_screen, "
                                      "pay_on_phone, hold, type_pin)",
                                      action));
        }
        journey.steps.push_back(std::move(parsed));
    }
    return journey;
}

Result<Journey> Journey::load(const std::filesystem::path& file) {
    std::ifstream in(file);
    if (!in) return fail(Errc::io_error, fmt::format("journey {} cannot be read", file.string()));
    nlohmann::json json = nlohmann::json::parse(in, nullptr, false);
    if (json.is_discarded()) return fail(Errc::invalid_argument, fmt::format("{}: not valid JSON", file.string()));
    return parse(json, file.string());
}

nlohmann::json JourneyReport::toJson() const {
    nlohmann::json steps_ = nlohmann::json::array();
    for (const auto& step : steps) {
        nlohmann::json entry = {{"index", step.index}, {"step", step.step}, {"screen", step.screen},
                                {"png", step.png},     {"ok", step.ok}};
        if (!step.error.empty()) entry["error"] = step.error;
        if (!step.layoutProblems.empty()) entry["layout_problems"] = step.layoutProblems;
        steps_.push_back(entry);
    }
    nlohmann::json out = {{"journey", name}, {"ok", ok}, {"screens_visited", screensVisited}, {"steps", steps_}};
    if (stopped) out["stopped"] = true;
    return out;
}

namespace {

/// Sets the flag it is given when SDL queues a quit (SIGTERM, SIGINT): the App's frames consume
/// the event itself, so the journey is told by this watch.
int noteQuit(void* flag, SDL_Event* event) {
    if (event->type == SDL_QUIT) static_cast<std::atomic<bool>*>(flag)->store(true);
    return 1;
}

Result<void> runStep(App& app, ManualClock& clock, const JourneyStep& step, const std::atomic<bool>& quit) {
    if (step.action == "tap") return app.tap(step.argument);
    if (step.action == "tap_first") {
        // Ids of today's slots are not known when a script is written: the first shown by id
        // ("book.slot.slot-046-20261201-0800" sorts by time).
        for (const auto& id : app.visibleButtons()) {
            if (id.starts_with(step.argument)) return app.tap(id);
        }
        return fail(Errc::not_found, fmt::format("no button starting with '{}' on screen {}", step.argument, app.currentScreen()));
    }
    if (step.action == "insert_card") return app.simulate(step.device, "insert", step.argument);
    if (step.action == "remove_card") return app.simulate(step.device, "remove", "");
    if (step.action == "scan") return app.simulate(step.device, "scan", step.argument);
    if (step.action == "set_scenario") return app.simulate(step.device, "scenario", step.argument);
    if (step.action == "set_language") {
        app.setLanguage(step.argument);
        return {};
    }
    if (step.action == "simulator_panel") {
        app.setSimulatorPanelVisible(step.flag);
        return {};
    }
    if (step.action == "set_large_print") {
        app.setLargePrint(step.flag);
        return {};
    }
    if (step.action == "wait") {
        // Second by second, so timeouts and countdowns fire as they would in real time.
        for (int i = 0; i < step.seconds; ++i) {
            clock.advance(std::chrono::seconds(1));
            app.frame();
        }
        return {};
    }
    if (step.action == "pay_on_phone") return app.simulate("gateway", "pay", "");
    if (step.action == "hold") {
        // A finger put down, kept there for the seconds (second by second on the journey's clock,
        // as `wait`), then lifted: the same pointer path a touch panel's events take.
        app.queuePointer(step.x, step.y, std::nullopt);
        app.queuePointer(step.x, step.y, true);
        for (int i = 0; i < 3; ++i) app.frame();
        for (int i = 0; i < step.seconds; ++i) {
            clock.advance(std::chrono::seconds(1));
            app.frame();
        }
        app.queuePointer(step.x, step.y, false);
        app.queuePointer(-1, -1, std::nullopt);
        for (int i = 0; i < 3; ++i) app.frame();
        return {};
    }
    if (step.action == "type_pin") {
        for (const char digit : step.argument) {
            if (auto tapped = app.tap(fmt::format("tech.pin.key.{}", digit)); !tapped) return tapped;
        }
        return {};
    }
    if (step.action == "await_screen") {
        // A second at a time, so that a stop (SIGTERM) does not wait out the whole limit.
        Result<void> reached = fail(Errc::timeout, "not awaited");
        for (int waited = 0; waited < step.seconds; ++waited) {
            SDL_PumpEvents();  // a pending SIGTERM becomes SDL_QUIT here (the watch sets `quit`)
            if (quit.load()) break;
            reached = app.awaitScreen(step.argument, std::chrono::seconds(1));
            if (reached) return reached;
        }
        if (quit.load()) return reached;
        return fail(Errc::timeout, fmt::format("screen {} not reached within {} s (on {})", step.argument, step.seconds,
                                               app.currentScreen()));
    }
    if (step.action == "expect_screen") {
        if (app.currentScreen() != step.argument) {
            return fail(Errc::invalid_data, fmt::format("expected screen {}, on {}", step.argument, app.currentScreen()));
        }
        return {};
    }
    if (step.action == "expect_session") {
        if (app.session().active() != step.flag) {
            return fail(Errc::invalid_data, fmt::format("expected a session to be {}", step.flag ? "active" : "absent"));
        }
        return {};
    }
    return fail(Errc::invalid_argument, "unknown step " + step.action);
}

}  // namespace

JourneyReport runJourney(App& app, ManualClock& clock, const Journey& journey, const std::filesystem::path& outDir) {
    JourneyReport report;
    report.name = journey.name;
    std::error_code ec;
    std::filesystem::create_directories(outDir, ec);
    if (!journey.language.empty()) app.setLanguage(journey.language);
    if (journey.largePrint) app.setLargePrint(*journey.largePrint);
    app.settle();
    const size_t visitedBefore = app.screensVisited().size() - 1;  // include the start screen
    std::atomic<bool> quit{false};
    SDL_AddEventWatch(&noteQuit, &quit);
    for (size_t i = 0; i < journey.steps.size(); ++i) {
        SDL_PumpEvents();  // App::frame() does not pump: a SIGTERM is turned into SDL_QUIT here
        if (quit.load()) {
            log::module("journey")->warn("{}: stopped by a signal before step {}", journey.name, i + 1);
            report.stopped = true;
            break;
        }
        const JourneyStep& step = journey.steps[i];
        JourneyStepRecord record;
        record.index = i + 1;
        record.step = step.describe();
        auto result = runStep(app, clock, step, quit);
        app.settle();
        record.screen = std::string(app.currentScreen());
        record.layoutProblems = app.layoutProblems();
        for (const auto& problem : record.layoutProblems) {
            log::module("journey")->error("{}: step {} on {}: layout: {}", journey.name, i + 1, record.screen, problem);
        }
        // A frame with a layout problem (text under a button, a label outside its button, off
        // the screen…) is a failed step, as in every UI test: the journey goes on so that every
        // later frame is checked and shot too, but it is not ok (`kiosk screenshot` exits 1).
        if (!record.layoutProblems.empty()) {
            record.ok = false;
            report.ok = false;
        }
        const auto png = outDir / fmt::format("{:02}-{}.png", i + 1, step.action);
        if (auto shot = app.screenshot(png); shot) {
            record.png = png.filename().string();
        } else {
            record.error = shot.error().describe();
        }
        if (!result) {
            record.ok = false;
            record.error = result.error().describe();
            report.ok = false;
            log::module("journey")->error("{}: step {} ({}) failed: {}", journey.name, record.index, record.step,
                                          record.error);
        }
        report.steps.push_back(record);
        if (!result && quit.load()) {
            log::module("journey")->warn("{}: stopped by a signal during step {}", journey.name, i + 1);
            report.stopped = true;  // cut short by the stop: `kiosk screenshot` exits 0, as `kiosk run` does
            break;
        }
        if (!result) break;
    }
    SDL_DelEventWatch(&noteQuit, &quit);
    const auto& visited = app.screensVisited();
    report.screensVisited.assign(visited.begin() + static_cast<std::ptrdiff_t>(visitedBefore), visited.end());
    std::ofstream(outDir / "journey.json") << report.toJson().dump(2) << '\n';
    return report;
}

}  // namespace kiosk::screens
