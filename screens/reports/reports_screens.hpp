#pragma once
// The reports screens of the lobby (menu → "报告打印"), drawing from the one ReportsFlow
// (screens/reports/reports_flow.hpp) in ScreenContext::services.reports():
//   reports         the patient's reports: ready ones (title, department, date, printed or not),
//                   then pending ones with the time they are expected; paged; "print all not yet
//                   printed" in one tap (two taps from the menu); where the A4 printer is missing
//                   or out of service it says where to print them ([reports] service_desk_*) and
//                   offers no print button
//   reports.detail  one report: a lab report as a table (item, result, unit, reference range and
//                   a flag in words and glyphs, ↑ 高 / ↓ 低 / 异常 / ?), paged by what fits; an
//                   imaging report's impression; "print this report"

#include <vector>

#include "screens/screen.hpp"

namespace kiosk::drivers {
class Device;
class ReportPrinter;
}

namespace kiosk::screens {

/// The kiosk's A4 report printer (the first configured), or null.
drivers::ReportPrinter* reportPrinterOf(const drivers::DeviceRegistry& devices);
/// "" when the report printer can print now; else the i18n key of why not
/// ("reports.printer.none", "reports.printer.out_of_service").
std::string reportPrinterProblem(const drivers::DeviceRegistry& devices);

class ReportsScreen final : public Screen {
public:
    std::string_view id() const override { return "reports"; }
    void onEnter(ScreenContext& context) override;
    void onExit(ScreenContext& context) override;
    void draw(const ScreenContext& context, Ui& ui) const override;
    Transition onEvent(ScreenContext& context, const UiEvent& event) override;
    bool needsSession() const override { return true; }

private:
    size_t page_ = 0;
    mutable size_t perPage_ = 5;  ///< rows a page as draw() laid them out (read by onEvent)
    /// The scanners, started on enter (a lab slip scanned on the list prints that report) and
    /// stopped on exit.
    std::vector<drivers::Device*> scanners_;
};

/// A lab slip's report (reports.slip), opened by scanning the slip's barcode on the attract or
/// identify screen (no card: the slip opened the session) or on the reports list: what the slip
/// says (masked name, title, date) and where its print stands, printed at once without a tap.
/// Pending: when it is expected. No working printer: where to print it. Nothing else of the
/// report or the patient: no results, no department, no button to open it. Another slip scanned
/// here prints that one.
class ReportSlipScreen final : public Screen {
public:
    std::string_view id() const override { return "reports.slip"; }
    void onEnter(ScreenContext& context) override;
    void onExit(ScreenContext& context) override;
    void draw(const ScreenContext& context, Ui& ui) const override;
    Transition onEvent(ScreenContext& context, const UiEvent& event) override;
    bool needsSession() const override { return true; }

private:
    std::vector<drivers::Device*> scanners_;  ///< started on enter, stopped on exit
};

class ReportDetailScreen final : public Screen {
public:
    std::string_view id() const override { return "reports.detail"; }
    void onEnter(ScreenContext&) override { page_ = 0; }
    void draw(const ScreenContext& context, Ui& ui) const override;
    Transition onEvent(ScreenContext& context, const UiEvent& event) override;
    bool needsSession() const override { return true; }

private:
    size_t page_ = 0;
    /// The first row of each page as draw() laid the table out (rows differ in height where an
    /// item's name wraps); read by onEvent() to page the same way. The only state draw() writes.
    mutable std::vector<size_t> pageStarts_{0};
};

}  // namespace kiosk::screens
