#pragma once
// Demo data of a Chinese general hospital, written once into an empty store: 23 departments
// (15 with doctors, 8 with only a general clinic, for triage), 45 doctors (titles, specialties,
// fees), 7 days of 30-minute slots (a share kept for online and
// kiosk booking, the rest for the counter), patients (the people of assets/sim/people.json with
// their cards and e-health-card tokens, plus generated ones, rare-character names included),
// charges with insurance-covered and self-pay items, lab and imaging reports with real PDFs
// (cairo), prescriptions in every MedicationDispense state, and one patient on the no-show
// blacklist.

#include <array>
#include <cstdint>
#include <filesystem>
#include <string_view>
#include <vector>

#include "kiosk/core/error.hpp"
#include "sim/hospital/store.hpp"

namespace kiosk::sim {

/// Registration fee (fen) by the doctor's title; 普通门诊 is the "any doctor" general clinic.
struct TitleFees {
    int64_t chief = 5000;      ///< 主任医师
    int64_t associate = 3000;  ///< 副主任医师
    int64_t attending = 2000;  ///< 主治医师
    int64_t general = 1000;    ///< 普通门诊
    int64_t forTitle(std::string_view title) const;
};

/// The locker bank the demo's locker prescriptions are loaded into (the kiosk's
/// [pharmacy] locker_bank_id in the demo config and the tests).
inline constexpr const char* kDemoLockerBank = "LOCKER-A";

struct SeedSettings {
    std::filesystem::path peopleFile;   ///< assets/sim/people.json
    std::filesystem::path reportDir;    ///< where the report PDFs are written
    double onlineShare = 0.8;           ///< share of slots released for online/kiosk booking
    TitleFees fees;
};

/// Writes the hospital's static data (departments, doctors, patients, charges, reports,
/// prescriptions) into an empty store.
Result<void> seedHospital(ResourceStore& store, const SeedSettings& settings);

/// Run at every start: adds the slots of the next 7 days that are missing, today's demo
/// appointments, and keeps the demo no-show history relative to today.
void refreshCalendar(ResourceStore& store, const SeedSettings& settings);

/// Writes a one-page A4 report PDF (title, patient, rows of results) with cairo.
Result<void> writeReportPdf(const std::filesystem::path& file, const std::string& title,
                            const std::string& patientLine, const std::vector<std::array<std::string, 4>>& rows);

/// Store type of the simulator's own record of how to draw a report PDF, keyed by the Binary's
/// id: {"file": "<name>.pdf", "title", "patient", "rows": [[4 strings]…]}. It is not a FHIR
/// resource and never served (a Binary carries only R4 elements).
inline constexpr const char* kReportRenderType = "report.render";

/// The PDF of a seeded Binary from its render record, drawn into reportDir on first use and kept.
Result<std::filesystem::path> renderReportPdf(const Json& spec, const std::filesystem::path& reportDir);

}  // namespace kiosk::sim
