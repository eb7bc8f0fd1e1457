#pragma once
// The kiosk's configuration (one TOML file), validated as a whole at start-up: loadConfig() returns
// either a complete KioskConfig or an Error listing every problem (file, key, what was expected).
// Device and backend tables are validated by their owners (drivers registry, backend factory)
// through the ConfigSection they are handed, before anything starts.

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "kiosk/core/config_reader.hpp"
#include "kiosk/core/error.hpp"

namespace kiosk {

enum class KioskMode { lobby, pharmacy, diagnostics, pharmacy_display };
enum class Orientation { portrait, landscape };

std::string_view modeName(KioskMode mode);
std::optional<KioskMode> parseMode(std::string_view text);

struct DeviceConfig {
    std::string name;        ///< unique, used by journeys and logs ("card", "printer")
    std::string deviceClass; ///< card_reader, id_reader, scanner, receipt_printer, report_printer, …
    std::string driver;      ///< "sim", "pcsc", "escpos", …
    ConfigSection settings;  ///< the whole [[devices]] table; the driver reads its own keys
    /// Physical guidance on the identify screen (issue 15 item 5), read by the core for every
    /// class: `card_chip` "up" / "down" (card readers: which way the chip faces as the card goes
    /// in; "" = not said) and `guide_arrow` "down" / "up" / "left" / "right" (where the slot,
    /// reader pad or scanner window is, seen from the screen; "" = no arrow).
    std::string cardChip;
    std::string guideArrow;
};

struct SessionConfig {
    std::chrono::seconds idleTimeout{60};
    std::chrono::seconds warningBefore{10};  ///< visible countdown for the last N seconds
    std::chrono::seconds extendBy{60};       ///< "I need more time"
};

struct ServicesConfig {
    bool booking = true;
    bool checkIn = true;
    bool triage = true;
    bool payment = true;
    bool reports = true;
    bool pickup = true;
    bool records = true;  ///< "my records" (就诊记录): visits and payments, receipts reprinted
};

struct UiConfig {
    Orientation orientation = Orientation::portrait;
    int width = 1080;
    int height = 1920;
    std::string language = "zh_CN";
    /// Elder mode (长辈模式) at start and after each patient: the site's default ([ui] elder_mode;
    /// its old name large_print is still read). Patients switch it on every screen.
    bool largePrint = false;
    std::filesystem::path fontFile;
    int fontIndex = 2;  ///< NotoSansCJK-Regular.ttc face 2 = Noto Sans CJK SC
    /// [ui] font_px: the body face's pixel size in normal mode when a site pins it; unset (0),
    /// the theme derives it from the screen's size in millimetres (screens/theme.hpp).
    float basePixelSize = 0.0F;
    bool simulatorPanel = true;  ///< the presenter's panel exists (hidden until F2)
    /// The visible area of the panel in millimetres, as the patient faces it (width along
    /// `width` pixels): [ui] screen_width_mm / screen_height_mm. Default: a 21.5-inch panel of
    /// the configured resolution's aspect (16:9 → 476.6 × 268.1 mm, turned for portrait). A
    /// 27-inch 16:9 panel is 597.7 × 336.2 mm. Text and touch targets are sized from these.
    float screenWidthMm = 0;
    float screenHeightMm = 0;
    /// The pixel pitch in millimetres, derived: screenWidthMm / width. Sizes that must hold in
    /// the real world (the payment QR, text, targets) are computed from it. The old key
    /// [ui] pixel_pitch_mm is still read when no screen size is given (deprecated, logged).
    float pixelPitchMm = 0.248F;
    /// How far the screen is read from, in metres: 0 = a touch screen at arm's length (the mm
    /// design of theme.cpp); > 0 = a display read across a room (the pharmacy call display:
    /// [ui] viewing_distance_m, 5 by default in pharmacy_display mode, 2–15).
    float viewingDistanceM = 0;
    /// A note for the start-up log about deprecated keys (empty when none was used).
    std::string deprecationNote;
};

/// [triage]: triage guidance (screens/triage/triage_rules.hpp).
struct TriageConfig {
    /// The rules (default: <assets>/triage/rules.toml), validated at start-up.
    std::filesystem::path rulesFile;
    /// Where the emergency department is, as a patient is told to go there now ("急诊楼1层，
    /// 门诊楼北侧"). Said on the red-flag screen in each language.
    std::string emergencyLocationZh = "急诊科（请向工作人员询问方向）";
    std::string emergencyLocationEn = "the Emergency Department (ask any member of staff the way)";
};

/// [reports]: the reports service (screens/reports/reports_flow.hpp).
struct ReportsConfig {
    /// Where a patient goes for what the kiosk cannot give: reports to print when the A4 printer
    /// is missing or out of service, a print beyond the reprint limit ([printing] reprint_limit).
    std::string serviceDeskZh = "门诊楼一层人工服务台";
    std::string serviceDeskEn = "the service desk on the ground floor of the outpatient building";
    /// print_timeout_s (2–600): how long one report's job may take from submission to the
    /// printer's "completed" before it is cancelled as not printed (the patient waits meanwhile).
    std::chrono::seconds printTimeout{120};
};

/// [help]: the "call staff" button on every screen (screens/help/staff_call.hpp).
struct HelpConfig {
    /// Where the patient goes when the kiosk cannot reach the HIS to call staff.
    std::string serviceDeskZh = "门诊楼一层人工服务台";
    std::string serviceDeskEn = "the service desk on the ground floor of the outpatient building";
    /// repeat_window_s (30–3600): a second press within this time shows the first call's
    /// reference again instead of calling staff twice.
    std::chrono::seconds repeatWindow{300};
};

/// [pharmacy]: medicine pickup (screens/pickup/pickup_flow.hpp).
struct PharmacyConfig {
    /// The id the HIS gives the locker bank this kiosk drives (MedicationDispense pickup-locker
    /// terminal); "" = the kiosk's own id. A prescription in another bank's locker is shown with
    /// its locker number and "pick it up at that cabinet", never opened here.
    std::string lockerBankId;
    /// Where a patient goes when a locker does not open and the prescription names no window
    /// (fallback_window, 1–99).
    int fallbackWindow = 1;
    /// The call display asks the HIS for the pharmacy's queue this often (display_refresh_s, 1–30).
    std::chrono::seconds displayRefresh{3};
};

/// [simulator]: demo only — how the presenter's F2 panel reaches simulated devices that run as
/// processes of their own (scripts/run-demo.sh writes it; a site's config has no such section).
struct SimulatorConfig {
    /// lock_board_control: the control socket of kiosk-vlockboard (its --control), through which
    /// the panel jams and frees locker doors (drivers/sim/lock_board_control.hpp). Empty: no
    /// such controls on the panel.
    std::filesystem::path lockBoardControl;
};

/// [voice]: voice guidance (kiosk/speech/voice_guide.hpp).
struct VoiceConfig {
    std::string engine = "espeak-ng";  ///< "espeak-ng" or "none" (a silent kiosk)
    bool enabled = false;              ///< on for every patient (else each switches it on)
    bool autoOnHeadphones = true;      ///< headphones plugged in switch it on
    int volume = 80;                   ///< percent
    int wordsPerMinute = 150;
    /// Lower-case parts of an audio output's name that mean "headphones" (SDL reports names).
    std::vector<std::string> headphoneNames{"headphone", "headset", "earphone", "earbud", "耳机"};
};

/// [diagnostics]: technician access (kiosk/core/technician_access.hpp). Without the section no
/// technician can enter from a patient mode (and a diagnostics-mode kiosk opens its screen as before).
struct DiagnosticsConfig {
    bool present = false;
    std::string pinHash;                       ///< Argon2id string (`kiosk diag hash-pin`)
    std::vector<std::string> technicianCards;  ///< card numbers that open the PIN pad
};

struct KioskConfig {
    std::filesystem::path file;
    std::string kioskId = "KIOSK-001";
    std::string hospitalNameZh = "一站示范医院";
    std::string hospitalNameEn = "Yizhan Demonstration Hospital";
    /// [kiosk] time_zone: the hospital's IANA zone for the clock patients read (time_zone.hpp).
    std::string timeZone = "Asia/Shanghai";
    KioskMode mode = KioskMode::lobby;
    std::filesystem::path dataDir;
    std::filesystem::path assetsDir;
    std::filesystem::path logFile;
    std::string logLevel = "info";
    std::filesystem::path journalFile;
    std::string auditSalt;
    SessionConfig session;
    ServicesConfig services;
    UiConfig ui;
    VoiceConfig voice;
    DiagnosticsConfig diagnostics;
    TriageConfig triage;
    ReportsConfig reports;
    HelpConfig help;
    PharmacyConfig pharmacy;
    SimulatorConfig simulator;
    std::vector<DeviceConfig> devices;
    ConfigSection backend{nullptr, "backend", std::make_shared<ConfigProblems>(), {}};
    /// [printing]: reprint limit and journal policy, validated by printing::loadPrintPolicy.
    ConfigSection printing{nullptr, "printing", std::make_shared<ConfigProblems>(), {}};
    /// [payments]: read and validated by payments/payment_config.hpp (gateway, QR countdown).
    ConfigSection payments{nullptr, "payments", std::make_shared<ConfigProblems>(), {}};
    /// [metrics]: the Prometheus endpoint, read and validated by kiosk/ops/metrics_server.hpp.
    ConfigSection metrics{nullptr, "metrics", std::make_shared<ConfigProblems>(), {}};
    /// Owns the parsed document the sections point into.
    std::shared_ptr<const toml::table> document;
};

/// Parses and validates `file`. Device and backend sections are checked for presence and basic
/// shape only; their owners validate the rest with validateDevices()/the backend factory.
Result<KioskConfig> loadConfig(const std::filesystem::path& file);

/// Default assets folder compiled in (the source tree's assets/), overridable by config/env.
std::filesystem::path defaultAssetsDir();

}  // namespace kiosk
