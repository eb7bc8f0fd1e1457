#pragma once
// Reports (检验检查结果查询与打印, issue 12 item 1) for one patient, shared by the reports screens
// (screens/reports/reports_screens.hpp). The UI thread starts each step; one worker thread at a
// time (owned here) calls the HisDriver and the A4 report printer and posts ReportsProgress;
// screens draw from view(), a snapshot taken under the lock.
//
// What a patient sees is only theirs: every report the HIS lists is checked against the patient
// asked for (DiagnosticReport.subject); one naming anybody else is left out and logged by id.
//
// Printing: the HIS's PDF as it is goes to the report printer (CUPS, drivers/printer/cups) and the
// job is followed to its end. Every print is a row of the print journal (printing/print_journal),
// written after the printer's answer with its outcome: only a print the printer completed counts
// towards "printed" and the reprint limit, so a report that did not print (paper out, printer
// offline, job aborted) can be printed again. A report may be printed 1 + [printing]
// reprint_limit times in all, counting the prints the HIS knows of (print-count: another kiosk,
// the desk). Without a journal nothing is printed: the limit could not be counted.
//
// A lab slip (startBySlip): its barcode names one report, whoever's it is — the slip is the
// authority to print it, as at the hospital's own report printers — found by the code alone and
// printed at once by the same path (journal, reprint limit). Only what the slip itself says
// (masked name, title, date) is shown of it; its results and department never are.
//
// Nothing here moves money: reset() (session end) only makes the screens ignore a step still
// running; a print already sent completes and is journalled.

#include <atomic>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "drivers/common/device_classes.hpp"
#include "kiosk/backend/his_driver.hpp"
#include "kiosk/core/config.hpp"
#include "kiosk/core/identity.hpp"
#include "kiosk/core/journal.hpp"
#include "printing/print_journal.hpp"
#include "screens/services.hpp"
#include "screens/ui_event.hpp"

namespace kiosk::screens {

enum class ReportsStage {
    idle,
    loading,  ///< finding the patient and their reports
    list,     ///< view().reports holds them
    stopped,  ///< the list could not be read (view().error says why)
};

enum class ReportPrint { none, queued, printing, printed, failed };

/// How a lab value compares with its reference range, as the screen and the log say it.
enum class LabFlag {
    normal,
    high,      ///< ↑ above the range (or the HIS says H / HH)
    low,       ///< ↓ below it (L / LL)
    abnormal,  ///< the HIS says abnormal without a direction (A): "++" where "阴性" is expected
    unknown,   ///< no usable range (missing or reversed) and no interpretation from the HIS
};

/// The flag of one row: the HIS's interpretation when it gives one; else the value against a
/// well-formed numeric range; a value that is not a number ("阴性", "<0.1", "++") or a range that
/// is missing or reversed (low above high) is never guessed at (normal / unknown).
LabFlag labFlagOf(const backend::LabObservation& row);
/// The reference range as shown: "3.5–9.5", "< 5.2", "> 1.04", the HIS's text, or "" (none).
/// A reversed range is shown as the HIS wrote it, marked by rangeReversed().
std::string rangeTextOf(const backend::LabObservation& row);
bool rangeReversed(const backend::LabObservation& row);

/// One report of the patient, with what the kiosk knows of its prints.
struct ReportEntry {
    backend::Report report;
    int printedHere = 0;  ///< completed prints in this kiosk's print journal
    ReportPrint print = ReportPrint::none;
    std::string printErrorKey;  ///< for `failed`: the i18n key of why (the printer's words)
    /// Prints in all (the HIS's count and this kiosk's).
    int prints() const { return report.printCount + printedHere; }
};

struct ReportsView {
    ReportsStage stage = ReportsStage::idle;
    uint64_t generation = 0;
    /// Ready ones first, newest first; then pending ones, the soonest expected first.
    std::vector<ReportEntry> reports;
    int refused = 0;  ///< reports of somebody else the HIS listed (left out, logged)
    std::optional<Error> error;  ///< for `stopped`
    bool printing = false;       ///< a print run is on the worker
    size_t printDone = 0;        ///< of this run: reports finished (printed or not)
    size_t printTotal = 0;       ///< of this run: reports asked for
    /// The run's last word for the patient (i18n key; "" none): all printed, some not, the limit.
    std::string printMessageKey;
    int limitCount = 0;  ///< for "reports.print.limit": prints made of the refused report
    int reprintLimit = 2;
    std::string selected;  ///< the report the detail screen shows (select())
    /// A lab slip's barcode (startBySlip), "" for the patient's own list. Then `reports` holds the
    /// one report the slip names, whoever's it is (the slip is the authority to print it), and
    /// the slip screen shows only what the slip itself says: masked name, title, date.
    std::string slipCode;
    bool slipWithoutCard = false;  ///< the slip opened the session (nobody was identified)
    /// For a slip: why its report is not printed now ("" none): the printer's problem
    /// ("reports.printer.none" / ".out_of_service": the desk is named) or the report pending.
    std::string slipProblemKey;

    bool working() const { return stage == ReportsStage::loading || printing; }
    /// Ready reports never printed (anywhere) and not printed by this run: "print all" prints these.
    std::vector<std::string> notYetPrinted() const;
    const ReportEntry* find(const std::string& id) const;
};

/// "" when `printer` can print now (online, busy, starting); else the i18n key of why not
/// ("reports.printer.none" without one, "reports.printer.out_of_service").
std::string reportPrinterProblemOf(const drivers::ReportPrinter* printer);

class ReportsFlow final : public ServiceFlow {
public:
    using Post = std::function<void(UiEvent)>;
    /// `his` may be null (no [backend]): start() then stops with "not available". `journal` null
    /// (it could not be opened): reports are listed and shown, nothing is printed. Print files
    /// are written to `spoolDir` for the time of the job only; each job may take `printTimeout`
    /// ([reports] print_timeout_s) before it is cancelled as not printed.
    ReportsFlow(std::shared_ptr<backend::HisDriver> his, std::unique_ptr<Journal> journal, printing::PrintPolicy policy,
                std::filesystem::path spoolDir, std::chrono::seconds printTimeout, Post post);
    ~ReportsFlow() override;
    ReportsFlow(const ReportsFlow&) = delete;
    ReportsFlow& operator=(const ReportsFlow&) = delete;

    void reset() override;
    bool working() const override { return view().working(); }

    /// Finds the patient and lists their reports (with this kiosk's prints of each). `printer`
    /// (may be null) is started with `sink` on the worker, so its state() says whether it can
    /// print now (the CUPS driver asks the queue) before the list is shown.
    void start(const PatientIdentity& identity, drivers::ReportPrinter* printer = nullptr, drivers::DeviceEventSink sink = {});
    /// A lab slip was scanned (payload kind report_code): finds the report `code` names
    /// (HisDriver::reportByCode) and, when it is ready and `printer` can print now, prints it at
    /// once, with the same journal and reprint limit as print(): nothing to tap. Unknown code,
    /// backend down: stopped with the error. Pending, or no working printer: the list holds it and
    /// view().slipProblemKey says why it is not printed. `withoutCard`: the slip opened the session.
    void startBySlip(const std::string& code, drivers::ReportPrinter* printer, drivers::DeviceEventSink sink, bool withoutCard);
    /// Prints `reportIds` (ready ones of view().reports, in that order) on `printer`, one job
    /// each, followed to its end. `printer` null: each is refused with "no report printer".
    /// The printer must outlive the run (the App's device registry does).
    void print(std::vector<std::string> reportIds, drivers::ReportPrinter* printer);
    /// The report the detail screen shows next (one of view().reports).
    void select(const std::string& reportId);
    ReportsView view() const;

private:
    struct Shared {
        mutable std::mutex mutex;
        ReportsView view;
        PatientIdentity identity;  ///< wiped by reset()
        std::string patientId;
    };
    using Job = std::function<void(const std::shared_ptr<Shared>&, uint64_t generation)>;
    void run(Job job);
    void update(const std::shared_ptr<Shared>& shared, uint64_t generation, const std::function<void(ReportsView&)>& change);
    /// Ends a print run: the run's word for the patient (limit, some failed, all printed).
    void finishRun(const std::shared_ptr<Shared>& shared, uint64_t generation);
    /// One report to the printer: refused (limit, no journal), printed or not, journalled.
    void printOne(const std::shared_ptr<Shared>& shared, uint64_t generation, const ReportEntry& entry, drivers::ReportPrinter* printer);

    std::shared_ptr<backend::HisDriver> his_;
    /// The print journal, used by workers only, under journalMutex_ (a worker of a patient who
    /// left may still be following its job while the next patient's starts).
    std::unique_ptr<Journal> journal_;
    std::optional<printing::PrintJournal> prints_;
    std::mutex journalMutex_;
    printing::PrintPolicy policy_;
    std::filesystem::path spoolDir_;
    std::chrono::seconds printTimeout_;
    Post post_;
    std::shared_ptr<Shared> shared_ = std::make_shared<Shared>();
    std::jthread worker_;
    std::shared_ptr<std::atomic<bool>> workerDone_;
    /// Workers of a reset flow, still following a print job (bounded by the print timeout): joined
    /// once done, or when the flow is destroyed, never on the UI thread while they run.
    std::vector<std::pair<std::jthread, std::shared_ptr<std::atomic<bool>>>> retired_;
};

}  // namespace kiosk::screens
