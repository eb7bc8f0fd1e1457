#pragma once
// Structured lab reports rendered to an A4 PDF with cairo + pango (Noto Sans CJK SC), for the
// CUPS report printer. Text from the language files; the patient's name masked here.
//
// [X] header (hospital, title, masked patient, sex/age, specimen, department, report number)
// [X] results table: item, result, unit, reference range, flag (↑ high / ↓ low), flagged rows bold
// [X] several pages when the table does not fit; page numbers
// [X] a verification QR (report number) and the footer text
// [ ] charts, signatures, hospital logo image

#include <filesystem>
#include <string>
#include <vector>

#include "kiosk/core/i18n.hpp"

namespace kiosk::printing {

enum class ResultFlag { normal, high, low };

struct LabResult {
    std::string item;
    std::string value;
    std::string unit;
    std::string referenceRange;
    ResultFlag flag = ResultFlag::normal;
};

struct LabReport {
    std::string reportNumber;
    std::string hospital;
    std::string patientName;  ///< clear: masked by the renderer
    std::string sex;
    std::string age;
    std::string specimen;
    std::string department;
    std::string reportedAt;
    std::vector<LabResult> results;
    std::string verifyQr;  ///< QR content; empty: no QR
};

/// Writes the report to `output` (a new PDF file). Fails with Errc::io_error when the file cannot
/// be written.
Result<void> renderLabReportPdf(const Translator& tr, const LabReport& report, const std::filesystem::path& output);

}  // namespace kiosk::printing
