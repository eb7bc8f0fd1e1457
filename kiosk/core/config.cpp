#include "kiosk/core/config.hpp"
#include "kiosk/core/config_problems.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <set>

#include "kiosk/core/technician_access.hpp"
#include "kiosk/core/time_zone.hpp"

namespace kiosk {

std::string_view modeName(KioskMode mode) {
    switch (mode) {
        case KioskMode::lobby: return "lobby";
        case KioskMode::pharmacy: return "pharmacy";
        case KioskMode::diagnostics: return "diagnostics";
        case KioskMode::pharmacy_display: return "pharmacy_display";
    }
    return "lobby";
}

std::optional<KioskMode> parseMode(std::string_view text) {
    if (text == "lobby") return KioskMode::lobby;
    if (text == "pharmacy") return KioskMode::pharmacy;
    if (text == "diagnostics") return KioskMode::diagnostics;
    if (text == "pharmacy_display") return KioskMode::pharmacy_display;
    return std::nullopt;
}

std::filesystem::path defaultAssetsDir() {
    if (const char* env = std::getenv("KIOSK_ASSETS_DIR"); env && *env) return env;
    return KIOSK_DEFAULT_ASSETS_DIR;
}

namespace {

/// The default diagonal: a 21.5-inch panel, the common hospital kiosk screen (its nominal 21.5 in
/// is rounded; the active area of the standard 1920x1080 panel is 476.64 x 268.11 mm).
constexpr double kDefaultDiagonalMm = 546.86;  // hypot(476.64, 268.11): the active area of a 21.5" 16:9 panel
/// Smallest and largest plausible visible widths/heights (a 10-inch tablet to a 98-inch wall).
constexpr double kMinScreenMm = 120.0;
constexpr double kMaxScreenMm = 2200.0;

/// [ui] screen_width_mm / screen_height_mm, and the deprecated pixel_pitch_mm, into `out`
/// (after width/height are known). Pixels must come out square within 5 %: a size that makes
/// them oblong is a typo (the two keys swapped for the orientation, or a wrong diagonal).
void readScreenSize(ConfigSection& ui, UiConfig& out) {
    const double widthPx = out.width;
    const double heightPx = out.height;
    const double diagonalPx = std::hypot(widthPx, heightPx);
    double widthMm = kDefaultDiagonalMm * widthPx / diagonalPx;
    double heightMm = kDefaultDiagonalMm * heightPx / diagonalPx;
    const bool sized = ui.has("screen_width_mm") || ui.has("screen_height_mm");
    if (ui.has("pixel_pitch_mm")) {
        const double pitch = ui.number("pixel_pitch_mm", 0.248, 0.05, 2.0);
        if (sized) {
            ui.problem("pixel_pitch_mm", "is replaced by ui.screen_width_mm / ui.screen_height_mm: keep only those");
        } else {
            widthMm = pitch * widthPx;
            heightMm = pitch * heightPx;
            out.deprecationNote = fmt::format(
                "[ui] pixel_pitch_mm is deprecated: set screen_width_mm = {:.1f} and screen_height_mm = {:.1f} instead "
                "(the panel's visible size, which this pitch gives)",
                widthMm, heightMm);
        }
    }
    if (ui.has("screen_width_mm") != ui.has("screen_height_mm")) {
        ui.problem(ui.has("screen_width_mm") ? "screen_height_mm" : "screen_width_mm",
                   "missing: give both ui.screen_width_mm and ui.screen_height_mm (the visible area, in mm)");
    }
    widthMm = ui.number("screen_width_mm", widthMm, kMinScreenMm, kMaxScreenMm);
    heightMm = ui.number("screen_height_mm", heightMm, kMinScreenMm, kMaxScreenMm);
    const double pitchX = widthMm / widthPx;
    const double pitchY = heightMm / heightPx;
    if (sized && std::abs(pitchX / pitchY - 1.0) > 0.05) {
        ui.problem("screen_height_mm",
                   fmt::format("{:.1f} mm by {:.1f} mm for {}x{} px makes pixels of {:.3f} x {:.3f} mm: not square (are "
                               "width and height swapped for the orientation?)",
                               widthMm, heightMm, out.width, out.height, pitchX, pitchY));
    }
    out.screenWidthMm = static_cast<float>(widthMm);
    out.screenHeightMm = static_cast<float>(heightMm);
    out.pixelPitchMm = static_cast<float>(std::min(pitchX, pitchY));  // the smaller: sizes never come out short
}

}  // namespace

Result<KioskConfig> parseConfig(const std::filesystem::path& file, std::vector<std::string>& problemsOut) {
    std::error_code ec;
    if (!std::filesystem::exists(file, ec)) {
        return fail(Errc::invalid_config,
                    fmt::format("{}: config file not found (pass --config with the path of a kiosk TOML file; "
                                "assets/config/demo.toml is the demo's)",
                                file.string()),
                    "error.config");
    }
    auto document = std::make_shared<toml::table>();
    try {
        *document = toml::parse_file(file.string());
    } catch (const toml::parse_error& error) {
        const auto& where = error.source().begin;
        return fail(Errc::invalid_config,
                    fmt::format("{}:{}:{}: not valid TOML: {}", file.string(), where.line, where.column,
                                error.description()),
                    "error.config");
    }

    auto problems = std::make_shared<ConfigProblems>();
    problems->file = file;
    const std::filesystem::path baseDir = std::filesystem::absolute(file, ec).parent_path();
    ConfigSection root(document.get(), "", problems, baseDir, document);

    KioskConfig config;
    config.file = file;
    config.document = document;

    ConfigSection kiosk = root.section("kiosk");
    config.kioskId = kiosk.string("id", config.kioskId);
    config.hospitalNameZh = kiosk.string("hospital_name_zh", config.hospitalNameZh);
    config.hospitalNameEn = kiosk.string("hospital_name_en", config.hospitalNameEn);
    config.timeZone = kiosk.string("time_zone", config.timeZone);
    if (auto zone = TimeZone::load(config.timeZone); !zone) kiosk.problem("time_zone", zone.error().detail);
    const std::string mode = kiosk.choice("mode", "lobby", {"lobby", "pharmacy", "diagnostics", "pharmacy_display"});
    config.mode = parseMode(mode).value_or(KioskMode::lobby);
    config.dataDir = kiosk.path("data_dir", baseDir / "kiosk-data");
    config.assetsDir = kiosk.path("assets_dir", defaultAssetsDir());
    // The service desk's phone, shown on the out-of-service screen. It is read from the document
    // there (kiosk/cli/startup_failure.cpp), because that screen must show it even when the rest
    // of this file does not load; here it is only checked.
    if (const std::string phone = kiosk.string("service_desk_phone", ""); !phone.empty() &&
        (phone.size() > 32 || !std::all_of(phone.begin(), phone.end(), [](char c) {
             return std::isdigit(static_cast<unsigned char>(c)) != 0 || c == '-' || c == ' ' || c == '+' || c == '(' || c == ')';
         }))) {
        kiosk.problem("service_desk_phone", fmt::format("\"{}\" is not a phone number (digits, spaces, + - ( ), at most 32)", phone));
    }
    kiosk.rejectUnknownKeys();

    ConfigSection session = root.section("session");
    config.session.idleTimeout = std::chrono::seconds(session.integer("idle_timeout_s", 60, 15, 900));
    config.session.warningBefore = std::chrono::seconds(session.integer("warning_s", 10, 3, 60));
    config.session.extendBy = std::chrono::seconds(session.integer("extend_s", 60, 10, 600));
    if (config.session.warningBefore >= config.session.idleTimeout) {
        session.problem("warning_s", "must be shorter than session.idle_timeout_s");
    }
    session.rejectUnknownKeys();

    ConfigSection services = root.section("services");
    config.services.booking = services.boolean("booking", true);
    config.services.checkIn = services.boolean("check_in", true);
    config.services.triage = services.boolean("triage", true);
    config.services.payment = services.boolean("payment", true);
    config.services.reports = services.boolean("reports", true);
    config.services.records = services.boolean("records", true);
    config.services.pickup = services.boolean("pickup", true);
    // queue_url: checked here, read by the check-in screens from the document (queueUrlTemplate()
    // in screens/checkin/checkin_screens.cpp).
    if (const std::string url = services.string("queue_url", "");
        !url.empty() && ((!url.starts_with("https://") && !url.starts_with("http://")) ||
                         url.find("{appointment_code}") == std::string::npos || url.find_first_of(" \t\r\n") != std::string::npos)) {
        services.problem("queue_url", "expected an http(s) URL without spaces containing {appointment_code}, e.g. "
                                      "\"https://hospital.example/q/{appointment_code}\"");
    }
    services.rejectUnknownKeys();

    ConfigSection ui = root.section("ui");
    const std::string orientation = ui.choice("orientation", "portrait", {"portrait", "landscape"});
    config.ui.orientation = orientation == "landscape" ? Orientation::landscape : Orientation::portrait;
    config.ui.width = config.ui.orientation == Orientation::portrait ? 1080 : 1920;
    config.ui.height = config.ui.orientation == Orientation::portrait ? 1920 : 1080;
    config.ui.width = static_cast<int>(ui.integer("width", config.ui.width, 480, 7680));
    config.ui.height = static_cast<int>(ui.integer("height", config.ui.height, 480, 7680));
    config.ui.language = ui.choice("language", "zh_CN", {"zh_CN", "en_US"});
    // elder_mode is the name since issue 15; large_print (the switch's first name) still works.
    const bool largePrintKey = ui.boolean("large_print", false);
    config.ui.largePrint = ui.boolean("elder_mode", largePrintKey);
    if (ui.has("elder_mode") && ui.has("large_print") && largePrintKey != config.ui.largePrint) {
        ui.problem("large_print", "contradicts ui.elder_mode (large_print is its old name: keep only elder_mode)");
    }
    config.ui.fontFile = ui.path("font_file", "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc");
    config.ui.fontIndex = static_cast<int>(ui.integer("font_index", 2, 0, 16));
    config.ui.basePixelSize = ui.has("font_px") ? static_cast<float>(ui.number("font_px", 40.0, 12.0, 96.0)) : 0.0F;
    config.ui.simulatorPanel = ui.boolean("simulator_panel", true);
    readScreenSize(ui, config.ui);
    // The call display is read across the waiting room; a touch screen at arm's length (0).
    config.ui.viewingDistanceM = static_cast<float>(
        ui.number("viewing_distance_m", config.mode == KioskMode::pharmacy_display ? 5.0 : 0.0, 0.0, 15.0));
    if (config.ui.viewingDistanceM > 0 && config.ui.viewingDistanceM < 2) {
        ui.problem("viewing_distance_m", "expected 0 (a touch screen) or 2–15 metres (a display read across a room)");
    }
    ui.rejectUnknownKeys();

    ConfigSection triage = root.section("triage");
    config.triage.rulesFile = triage.path("rules_file", config.assetsDir / "triage" / "rules.toml");
    config.triage.emergencyLocationZh = triage.string("emergency_location_zh", config.triage.emergencyLocationZh);
    config.triage.emergencyLocationEn = triage.string("emergency_location_en", config.triage.emergencyLocationEn);
    triage.rejectUnknownKeys();
    ConfigSection reports = root.section("reports");
    config.reports.serviceDeskZh = reports.string("service_desk_zh", config.reports.serviceDeskZh);
    config.reports.serviceDeskEn = reports.string("service_desk_en", config.reports.serviceDeskEn);
    config.reports.printTimeout = std::chrono::seconds(reports.integer("print_timeout_s", 120, 2, 600));
    reports.rejectUnknownKeys();
    ConfigSection help = root.section("help");
    config.help.serviceDeskZh = help.string("service_desk_zh", config.help.serviceDeskZh);
    config.help.serviceDeskEn = help.string("service_desk_en", config.help.serviceDeskEn);
    config.help.repeatWindow = std::chrono::seconds(help.integer("repeat_window_s", 300, 30, 3600));
    help.rejectUnknownKeys();
    ConfigSection pharmacy = root.section("pharmacy");
    config.pharmacy.lockerBankId = pharmacy.string("locker_bank_id", "");
    config.pharmacy.fallbackWindow = static_cast<int>(pharmacy.integer("fallback_window", 1, 1, 99));
    config.pharmacy.displayRefresh = std::chrono::seconds(pharmacy.integer("display_refresh_s", 3, 1, 30));
    pharmacy.rejectUnknownKeys();
    ConfigSection simulator = root.section("simulator");
    config.simulator.lockBoardControl = simulator.path("lock_board_control", {});
    simulator.rejectUnknownKeys();

    ConfigSection voice = root.section("voice");
    config.voice.engine = voice.choice("engine", "espeak-ng", {"espeak-ng", "none"});
    config.voice.enabled = voice.boolean("enabled", false);
    config.voice.autoOnHeadphones = voice.boolean("auto_on_headphones", true);
    config.voice.volume = static_cast<int>(voice.integer("volume", 80, 10, 100));
    config.voice.wordsPerMinute = static_cast<int>(voice.integer("words_per_minute", 150, 80, 300));
    config.voice.headphoneNames = voice.stringList("headphone_names", config.voice.headphoneNames);
    voice.rejectUnknownKeys();

    ConfigSection logSection = root.section("log");
    config.logFile = logSection.path("file", config.dataDir / "logs" / "kiosk.log");
    config.logLevel = logSection.choice("level", "info", {"trace", "debug", "info", "warn", "error"});
    logSection.rejectUnknownKeys();

    ConfigSection journal = root.section("journal");
    config.journalFile = journal.path("file", config.dataDir / "journal.sqlite");
    config.auditSalt = journal.string("audit_salt", "");
    if (config.auditSalt.size() < 16) {
        journal.problem("audit_salt",
                        "expected a secret text of at least 16 characters (it salts the session audit hashes)");
    }
    journal.rejectUnknownKeys();

    ConfigSection diagnostics = root.section("diagnostics");
    if (diagnostics.present()) {
        config.diagnostics.present = true;
        // A missing or wrong hash stops the start naming the key: a kiosk whose technicians
        // cannot get in (or anyone can) is found at installation, not in the lobby.
        if (auto hash = diagnostics.requiredString("pin_hash")) {
            if (auto checked = TechnicianAccess::checkPinHash(*hash); checked) {
                config.diagnostics.pinHash = *hash;
            } else {
                diagnostics.problem("pin_hash", checked.error().detail);
            }
        }
        config.diagnostics.technicianCards = diagnostics.stringList("technician_cards", {});
        for (const std::string& card : config.diagnostics.technicianCards) {
            if (card.size() < 4 || card.size() > 32 ||
                !std::all_of(card.begin(), card.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; })) {
                diagnostics.problem("technician_cards",
                                    fmt::format("\"{}\" is not a card number (4 to 32 letters and digits)", card));
            }
        }
        diagnostics.rejectUnknownKeys();
    }

    std::set<std::string> names;
    for (ConfigSection& device : root.tableArray("devices")) {
        // Every entry is kept, even one with problems: the driver's own keys are then checked
        // too (kiosk/cli runs every owner's check), so one run lists everything.
        DeviceConfig entry{.name = device.requiredString("name").value_or(""),
                           .deviceClass = device.choice("class", "",
                                                        {"card_reader", "id_reader", "scanner", "receipt_printer",
                                                         "report_printer", "pos_terminal", "locker"}),
                           .driver = device.requiredString("driver").value_or(""),
                           .settings = device,
                           .cardChip = device.choice("card_chip", "", {"", "up", "down"}),
                           .guideArrow = device.choice("guide_arrow", "", {"", "down", "up", "left", "right"})};
        // Read before the copy above took its keys: mark them in the driver's copy too.
        entry.settings.markUsed("card_chip");
        entry.settings.markUsed("guide_arrow");
        // required = true: the kiosk does not start without this device (its self-test must pass
        // at start-up; kiosk/cli/startup_failure.cpp) and shows the out-of-service screen instead.
        (void)device.boolean("required", false);
        entry.settings.markUsed("required");
        if (!entry.name.empty() && !names.insert(entry.name).second) {
            device.problem("name", fmt::format("the device name \"{}\" is used twice", entry.name));
        }
        config.devices.push_back(std::move(entry));
    }
    config.backend = root.section("backend");
    root.markUsed("backend");
    config.printing = root.section("printing");  // validated by printing/print_journal (loadPrintPolicy)
    root.markUsed("printing");
    config.payments = root.section("payments");
    root.markUsed("payments");
    config.metrics = root.section("metrics");  // validated by kiosk/ops (readMetricsSettings)
    root.markUsed("metrics");
    root.rejectUnknownKeys();

    // The sections share `problems` with whoever reads them later; hand over what the core found
    // and leave the shared list empty for them.
    problemsOut.insert(problemsOut.end(), problems->messages.begin(), problems->messages.end());
    problems->messages.clear();
    return config;
}

Result<KioskConfig> loadConfig(const std::filesystem::path& file) {
    std::vector<std::string> problems;
    auto config = parseConfig(file, problems);
    if (!config) return config;
    if (!problems.empty()) return fail(Errc::invalid_config, joinProblems(problems), "error.config");
    return config;
}

std::string joinProblems(const std::vector<std::string>& problems) {
    std::string out;
    for (const auto& line : problems) out += (out.empty() ? "" : "\n") + line;
    return out;
}

}  // namespace kiosk
