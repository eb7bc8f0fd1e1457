// Journey benchmark (issue 11 "Speed and effort"; a program that prints numbers, not a test):
// booking (a zero-fee slot) and check-in, run headless through the real screens against the real
// hospital-sim over loopback HTTP, as `kiosk run` wires them (the demo config). Printed per
// journey: the taps from the menu to the slip / ticket, the screens seen, and the time the kiosk
// itself adds — the CPU time of the kiosk process over the journey (frames drawn, our code on the
// UI thread and the workers, JSON and HTTP handling), which excludes the time blocked waiting for
// the hospital (hospital-sim runs in its own process, so its work is not counted). Also the
// frame time of the department list with 50 departments and of the slot list with 200 slots of
// one day (hospital-sim's database set up with them before it starts).
//
// Targets (issue 11): booking ≤ 6 taps, check-in ≤ 2 taps, kiosk-added ≤ 0.5 s per journey, each
// list drawn within one frame (≤ 16 ms). Issue 12: triage → the suggested department's doctors
// in ≤ 4 taps from the menu; every ready report printed in ≤ 2 taps from the menu, and the
// 40-row lab panel drawn within one frame; a lab slip scanned on the attract screen printed with 0
// taps; help: staff called in 1 tap from any screen; pickup
// (issue 13): a locker opened and a window number given in ≤ 2 taps each from the menu.
// Usage: journey_bench [--smoke]   (--smoke: 3 frames per list instead of 30; numbers not meaningful)
#include <unistd.h>

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "kiosk/cli/wiring.hpp"
#include "kiosk/core/log.hpp"
#include "kiosk/core/time_zone.hpp"
#include "screens/app.hpp"
#include "screens/booking/booking_flow.hpp"
#include "screens/help/staff_call.hpp"
#include "screens/pickup/pickup_flow.hpp"
#include "sim/devices/virtual_lock_board.hpp"
#include "screens/reports/reports_flow.hpp"
#include "sim/hospital/store.hpp"
#include "tests/support/hospital_sim_child.hpp"

namespace {

using SteadyClock = std::chrono::steady_clock;
using kiosk::sim::Json;

double cpuMs() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

double percentile(std::vector<double> values, double p) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    return values[std::min(values.size() - 1, static_cast<size_t>(p * static_cast<double>(values.size())))];
}

/// hospital-sim in its own process (its CPU is not the kiosk's), on a free port below the
/// ephemeral range (tests/support/hospital_sim_child.hpp).
kiosk::test::HospitalSimChild startHospital(const std::filesystem::path& dataDir, const std::vector<std::string>& extra) {
    std::vector<std::string> args = {"--people", std::string(KIOSK_ASSETS) + "/sim/people.json", "--threads", "8"};
    args.insert(args.end(), extra.begin(), extra.end());
    return kiosk::test::HospitalSimChild(HOSPITAL_SIM_EXE, dataDir, args);
}

/// "YYYY-MM-DD" of the hospital's day `days` from now.
std::string hospitalDate(int days) {
    const auto zone = kiosk::TimeZone::load("Asia/Shanghai");
    const kiosk::WallTime w = zone->at(std::chrono::system_clock::now() + std::chrono::hours(24 * days));
    return fmt::format("{:04}-{:02}-{:02}", w.year, w.month, w.day);
}

/// The seeded database grown to 50 departments and to 200 free slots at cardiology's general
/// clinic on the first day of the strip after today it works (2-minute slots from 17:00): the
/// sizes the list targets name. Returns the general clinic's PractitionerRole id and that
/// day of the strip ("" on failure, said on stderr).
std::pair<std::string, int> growHospital(const std::filesystem::path& dataDir) {
    auto store = kiosk::sim::ResourceStore::open(dataDir / "hospital.sqlite");
    if (!store) {
        std::fprintf(stderr, "hospital store: %s\n", store.error().describe().c_str());
        return {};
    }
    auto card = (*store)->get("Organization", "dept-CARD");
    if (!card) return {};
    const size_t existing = (*store)->find("Organization", [](const Json& o) { return o.contains("partOf"); }).size();
    std::vector<std::pair<std::string, Json>> departments;
    for (size_t i = existing; i < 50; ++i) {
        Json d = *card;
        const std::string code = fmt::format("Z{:02}", i);  // after the seeded ones in id order
        d["id"] = "dept-" + code;
        d["identifier"][0]["value"] = code;
        d["name"] = fmt::format("专病门诊{:02}", i);
        departments.emplace_back("dept-" + code, d);
    }
    (*store)->putMany("Organization", departments);
    const auto roles = (*store)->find("PractitionerRole", [](const Json& r) {
        return r.dump().find("Organization/dept-CARD") != std::string::npos && !r.contains("practitioner");
    });
    if (roles.empty()) {
        std::fprintf(stderr, "no general clinic at dept-CARD\n");
        return {};
    }
    const std::string role = roles.front().value("id", "");
    std::string tomorrow;
    std::vector<Json> ofRole;
    int day = 1;
    for (; day < 7 && ofRole.empty(); ++day) {
        tomorrow = hospitalDate(day);
        ofRole = (*store)->find("Slot", [&](const Json& s) {
            return s.value("start", "").starts_with(tomorrow) && s.dump().find("PractitionerRole/" + role + "\"") != std::string::npos;
        });
    }
    --day;
    if (ofRole.empty()) {
        std::fprintf(stderr, "no slot of %s this week to copy\n", role.c_str());
        return {};
    }
    std::vector<std::pair<std::string, Json>> slots;
    for (int i = 0; static_cast<int>(ofRole.size()) + i < 200; ++i) {
        Json s = ofRole.front();
        const int minute = 17 * 60 + 2 * i;  // after the clinic's own slots: none overlaps
        const std::string id = fmt::format("slot-bench-{:03}", i);
        s["id"] = id;
        s["status"] = "free";
        s.erase("comment");
        s["start"] = fmt::format("{}T{:02}:{:02}:00+08:00", tomorrow, minute / 60, minute % 60);
        s["end"] = fmt::format("{}T{:02}:{:02}:00+08:00", tomorrow, (minute + 2) / 60, (minute + 2) % 60);
        slots.emplace_back(id, s);
    }
    (*store)->putMany("Slot", slots);
    return {role, day};
}

/// The demo config with its data folder in `dir`, every hospital URL on `port`, and the lock
/// board at `lockerPort` (bank LOCKER-A, as the hospital's seed loads the locker prescriptions).
std::string benchConfig(const std::filesystem::path& dir, int port, const std::string& lockerPort) {
    const std::string demo = std::string(KIOSK_ASSETS) + "/config/demo.toml";
    toml::table table;
    try {
        table = toml::parse_file(demo);
    } catch (const toml::parse_error& error) {
        std::fprintf(stderr, "%s: %s\n", demo.c_str(), std::string(error.description()).c_str());
        return {};
    }
    const std::string root = "http://127.0.0.1:" + std::to_string(port);
    table["kiosk"].as_table()->insert_or_assign("data_dir", (dir / "kiosk").string());
    table["log"].as_table()->insert_or_assign("level", "warn");
    if (auto* backend = table["backend"].as_table()) backend->insert_or_assign("base_url", root + "/fhir");
    if (auto* payments = table["payments"].as_table()) {
        payments->insert_or_assign("gateway_url", root + "/gateway");
        if (payments->contains("insurance_url")) payments->insert_or_assign("insurance_url", root + "/insurance");
    }
    if (auto* devices = table["devices"].as_array()) {
        toml::table lockers{{"name", "lockers"}, {"class", "locker"}, {"driver", "lockboard"}, {"port", lockerPort}, {"model", "8a_9600"}};
        lockers.insert("boards", toml::array{toml::table{{"address", 1}, {"locks", 12}}});
        devices->push_back(std::move(lockers));
    }
    table.insert_or_assign("pharmacy", toml::table{{"locker_bank_id", "LOCKER-A"}});
    const auto file = dir / "kiosk.toml";
    std::ofstream(file) << table << '\n';
    return file.string();
}

/// One journey's measurement: from the menu to its last screen.
struct Measured {
    int taps = 0;
    uint64_t frames = 0;  ///< frames drawn (each tap: hover, press, release and the next screen)
    double cpuMs = 0;   ///< the kiosk-added time
    double wallMs = 0;  ///< with the hospital's answers
    std::vector<std::string> screens;
    bool ok = true;
    std::string error;
};

class Driver {
public:
    explicit Driver(kiosk::screens::App& app) : app_(app) {}
    void begin() {
        measured_ = Measured{};
        excludedCpuMs_ = 0;
        excludedWallMs_ = 0;
        cpu0_ = cpuMs();
        wall0_ = SteadyClock::now();
        visited0_ = app_.screensVisited().size();
        frames0_ = app_.framesRendered();
        excludedFrames_ = 0;
    }
    /// A tap, then the frames until every flow's step has answered (the UI thread sleeps
    /// meanwhile, as the kiosk's loop does: no frames are drawn while nothing changes).
    void tap(const std::string& id) {
        if (!measured_.ok) return;
        ++measured_.taps;
        if (auto tapped = app_.tap(id); !tapped) {
            measured_.ok = false;
            measured_.error = tapped.error().describe();
            return;
        }
        settle();
    }
    void settle() {
        const auto deadline = SteadyClock::now() + std::chrono::seconds(30);
        do {
            while (app_.services().working() && SteadyClock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(1));
            app_.settle();
        } while (app_.services().working() && SteadyClock::now() < deadline);
    }
    Measured end(const std::string& expectScreen) {
        measured_.cpuMs = cpuMs() - cpu0_ - excludedCpuMs_;
        measured_.frames = app_.framesRendered() - frames0_ - excludedFrames_;
        measured_.wallMs = std::chrono::duration<double, std::milli>(SteadyClock::now() - wall0_).count() - excludedWallMs_;
        const auto& visited = app_.screensVisited();
        measured_.screens.assign(visited.begin() + static_cast<std::ptrdiff_t>(visited0_), visited.end());
        if (measured_.ok && app_.currentScreen() != expectScreen) {
            measured_.ok = false;
            measured_.error = fmt::format("ended on {}, not {}", app_.currentScreen(), expectScreen);
        }
        return measured_;
    }
    /// Median and p90 wall time of `frames` frames of the current screen (no input). Not part of
    /// the journey: their CPU is left out of its kiosk-added time.
    std::pair<double, double> frameMs(int frames) {
        const double cpuBefore = cpuMs();
        const auto wallBefore = SteadyClock::now();
        std::vector<double> times;
        for (int i = 0; i < frames; ++i) {
            const auto started = SteadyClock::now();
            app_.frame();
            times.push_back(std::chrono::duration<double, std::milli>(SteadyClock::now() - started).count());
        }
        excludedCpuMs_ += cpuMs() - cpuBefore;
        excludedFrames_ += static_cast<uint64_t>(frames);
        excludedWallMs_ += std::chrono::duration<double, std::milli>(SteadyClock::now() - wallBefore).count();
        return {percentile(times, 0.5), percentile(times, 0.9)};
    }

private:
    kiosk::screens::App& app_;
    Measured measured_;
    double cpu0_ = 0;
    double excludedCpuMs_ = 0;  ///< the list frames measured inside a journey
    double excludedWallMs_ = 0;
    uint64_t frames0_ = 0;
    uint64_t excludedFrames_ = 0;
    SteadyClock::time_point wall0_;
    size_t visited0_ = 0;
};

void print(const char* name, const Measured& m, int targetTaps) {
    std::string screens;
    for (const auto& s : m.screens) screens += (screens.empty() ? "" : " > ") + s;
    std::printf("%-8s taps %d (target <= %d)  kiosk_added_ms %.0f (target <= 500; %llu frames drawn)  wall_ms %.0f (hospital's answers included)\n",
                name, m.taps, targetTaps, m.cpuMs, static_cast<unsigned long long>(m.frames), m.wallMs);
    std::printf("%-8s screens %s%s%s\n", name, screens.c_str(), m.ok ? "" : "  FAILED: ", m.error.c_str());
}

}  // namespace

int main(int argc, char** argv) {
    bool smoke = false;
    for (int i = 1; i < argc; ++i) smoke = smoke || std::string(argv[i]) == "--smoke";
    const int frames = smoke ? 3 : 30;
    kiosk::log::Settings quiet;
    quiet.level = spdlog::level::warn;
    kiosk::log::configure(quiet);

    const auto dir = std::filesystem::temp_directory_path() / ("journey-bench-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    struct Cleanup {
        std::filesystem::path dir;
        ~Cleanup() {
            std::error_code ec;
            std::filesystem::remove_all(dir, ec);
        }
    } cleanup{dir};
    // Every registration fee 0: the booking journey is the zero-fee one (no payment screens).
    const std::vector<std::string> zeroFees = {"--fee-chief", "0", "--fee-associate", "0", "--fee-attending", "0", "--fee-general", "0"};
    {
        auto seeding = startHospital(dir / "hospital", zeroFees);  // seeds the database, then stops
        if (seeding.port() <= 0) {
            std::fprintf(stderr, "hospital-sim did not start: %s\n", seeding.error().c_str());
            return 1;
        }
    }
    const auto [generalClinic, day] = growHospital(dir / "hospital");
    if (generalClinic.empty()) return 1;
    auto hospital = startHospital(dir / "hospital", zeroFees);
    if (hospital.port() <= 0) {
        std::fprintf(stderr, "hospital-sim did not start again: %s\n", hospital.error().c_str());
        return 1;
    }
    // The pickup kiosk's lockers (issue 13): a virtual lock board on a pty.
    auto lockBoard = kiosk::sim::VirtualLockBoard::create(kiosk::drivers::locker::FrameFamily::eight_a,
                                                          {{1, 12, kiosk::drivers::locker::FeedbackPolarity::closed_when_set}});
    if (!lockBoard) {
        std::fprintf(stderr, "virtual lock board: %s\n", lockBoard.error().detail.c_str());
        return 1;
    }
    const std::string configFile = benchConfig(dir, hospital.port(), (*lockBoard)->path().string());
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
    auto wired = kiosk::cli::withKioskServices(*config, options);
    if (!wired) {
        std::fprintf(stderr, "%s\n", wired.error().detail.c_str());
        return 1;
    }
    auto created = kiosk::screens::App::create(*config, *wired);
    if (!created) {
        std::fprintf(stderr, "%s\n", created.error().detail.c_str());
        return 1;
    }
    kiosk::screens::App& app = **created;
    app.settle();
    Driver driver(app);

    // Booking: 李军 by card; the department list (50), cardiology, the day, the general clinic
    // (200 slots that day), its first slot, confirm → the slip.
    (void)app.simulate("card", "insert", "li-jun");
    driver.settle();
    driver.begin();
    driver.tap("menu.booking");
    const auto departments = driver.frameMs(frames);
    const size_t departmentCount = app.services().booking().view().departments.size();
    driver.tap("book.dept.dept-CARD");
    driver.tap("book.day." + std::to_string(day));
    driver.tap("book.doctor." + generalClinic);
    const auto slotsFrame = driver.frameMs(frames);
    const auto view = app.services().booking().view();
    const std::string tomorrow = view.days[static_cast<size_t>(day)];
    std::vector<std::string> slotIds;
    for (const auto& slot : view.slots) {
        if (slot.doctorId == generalClinic && slot.start.starts_with(tomorrow)) slotIds.push_back(slot.id);
    }
    driver.tap("book.slot." + (slotIds.empty() ? std::string("none") : slotIds.front()));
    driver.tap("book.confirm.ok");
    const Measured booking = driver.end("book.slip");

    // Check-in: 张三 (an appointment inside its window today): the tile checks in at once.
    (void)app.tap("session.finish");
    (void)app.simulate("card", "remove", "");
    driver.settle();
    (void)app.simulate("card", "insert", "zhang-san");
    driver.settle();
    driver.begin();
    driver.tap("menu.check_in");
    const Measured checkIn = driver.end("checkin");

    // Triage (issue 12 item 2): 李军 again; chest, palpitations, book the suggested cardiology →
    // its doctors (the department list read on the way, as booking does).
    (void)app.tap("session.finish");
    (void)app.simulate("card", "remove", "");
    driver.settle();
    (void)app.simulate("card", "insert", "li-jun");
    driver.settle();
    driver.begin();
    driver.tap("menu.triage");
    driver.tap("triage.region.chest");
    driver.tap("triage.symptom.palpitations");
    driver.tap("triage.book.CARD");
    const Measured triage = driver.end("book.doctors");

    // Reports (issue 12 item 1): 张三 again; the tile, "print all not yet printed" (the demo's
    // simulated A4 printer) → every ready report printed. Then the 40-row biochemistry panel on
    // screen: its frame time.
    (void)app.tap("session.finish");
    (void)app.simulate("card", "remove", "");
    driver.settle();
    (void)app.simulate("card", "insert", "zhang-san");
    driver.settle();
    driver.begin();
    driver.tap("menu.reports");
    driver.tap("reports.print_all");
    const Measured reports = driver.end("reports");
    const auto reportsView = app.services().reports().view();
    const bool allPrinted = reportsView.notYetPrinted().empty() &&
                            std::none_of(reportsView.reports.begin(), reportsView.reports.end(),
                                         [](const auto& e) { return e.print == kiosk::screens::ReportPrint::failed; });
    size_t panelRows = 0;
    std::pair<double, double> panelFrame{0, 0};
    for (size_t i = 0; i < reportsView.reports.size(); ++i) {
        if (reportsView.reports[i].report.results.size() < 40) continue;
        panelRows = reportsView.reports[i].report.results.size();
        (void)app.tap("reports.open." + std::to_string(i));
        driver.settle();
        panelFrame = driver.frameMs(frames);
        break;
    }

    // Help (issue 12 item 3): one tap on the screen the patient is on calls staff; the HIS's
    // answer is drawn on the panel.
    driver.begin();
    const std::string helpScreen(app.currentScreen());
    driver.tap("help.call");
    const Measured help = driver.end(helpScreen);
    const bool staffCalled = app.services().staffCall().view().stage == kiosk::screens::StaffCallStage::called;
    (void)app.tap("help.close");

    // Lab slip (issue 12 item 1): on the attract screen, 李军's blood-count slip is scanned → the
    // report found and printed on the A4 printer, no card and no tap.
    (void)app.tap("session.finish");
    (void)app.simulate("card", "remove", "");
    driver.settle();
    driver.begin();
    (void)app.simulate("scanner", "scan", kiosk::screens::simulatedLabSlipCode("H20240007", 1));
    driver.settle();
    const Measured labSlip = driver.end("reports.slip");
    const auto slipView = app.services().reports().view();
    const bool slipPrinted = slipView.reports.size() == 1 && slipView.reports.front().print == kiosk::screens::ReportPrint::printed;
    (void)app.tap("reports.slip.done");
    driver.settle();

    // Pickup (issue 13 item 1): 张三 again; the tile, "open locker 3" → the door confirmed open on
    // the pty and the pickup confirmed at the HIS. Then back to the menu and the tile again, "get a
    // number for the window" → the number (the slip printed).
    (void)app.tap("session.finish");
    (void)app.simulate("card", "remove", "");
    driver.settle();
    (void)app.simulate("card", "insert", "zhang-san");
    driver.settle();
    driver.begin();
    driver.tap("menu.pickup");
    driver.tap("pickup.locker.disp-zhang-san-10");
    const Measured lockerPickup = driver.end("pickup.locker");
    const auto lockerView = app.services().pickup().view();
    const bool lockerOpened = lockerView.stage == kiosk::screens::PickupStage::locker_opened && lockerView.lockerResult.confirmed &&
                              (*lockBoard)->isOpen(3);
    (void)app.tap("pickup.menu");
    driver.settle();
    driver.begin();
    driver.tap("menu.pickup");
    driver.tap("pickup.window");
    const Measured windowPickup = driver.end("pickup.ticket");
    const auto windowView = app.services().pickup().view();
    const bool numbered = !windowView.tickets.empty() && !windowView.tickets.front().ticket.callNumber.empty();

    print("booking", booking, 6);
    print("checkin", checkIn, 2);
    print("triage", triage, 4);
    print("reports", reports, 2);
    std::printf("reports  all ready reports printed: %s\n", allPrinted ? "yes" : "NO");
    print("help", help, 1);
    std::printf("help     staff called (the HIS took it): %s\n", staffCalled ? "yes" : "NO");
    print("labslip", labSlip, 0);
    std::printf("labslip  lab-slip scan → printed (0 taps): %s\n", slipPrinted ? "yes" : "NO");
    print("locker", lockerPickup, 2);
    std::printf("locker   door confirmed open and the pickup confirmed at the HIS: %s (%lld ms from the command)\n",
                lockerOpened ? "yes" : "NO", static_cast<long long>(lockerView.lockerResult.elapsed.count()));
    print("window", windowPickup, 2);
    std::printf("window   call number: %s\n", numbered ? windowView.tickets.front().ticket.callNumber.c_str() : "NONE");
    std::printf("frame_ms lab panel (%zu rows, paged)  median %.2f  p90 %.2f  (target <= 16)\n", panelRows, panelFrame.first,
                panelFrame.second);
    std::printf("list_frame_ms departments (%zu listed, 6 a page)  median %.2f  p90 %.2f  (target <= 16)\n", departmentCount,
                departments.first, departments.second);
    std::printf("list_frame_ms slots (%zu of one day, 6 a page)      median %.2f  p90 %.2f  (target <= 16)\n", slotIds.size(),
                slotsFrame.first, slotsFrame.second);
    std::printf("(1080x1920 portrait, SDL software renderer offscreen; %d frames each)\n", frames);
    return booking.ok && checkIn.ok && triage.ok && reports.ok && allPrinted && panelRows >= 40 && help.ok && staffCalled &&
                   labSlip.ok && slipPrinted && lockerPickup.ok && lockerOpened && windowPickup.ok && numbered
               ? 0
               : 1;
}
