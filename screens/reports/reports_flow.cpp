#include "screens/reports/reports_flow.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <fstream>

#include "kiosk/backend/identity_lookup.hpp"
#include "kiosk/core/log.hpp"

namespace kiosk::screens {

using backend::findSessionPatient;

namespace {

auto logger() { return log::module("reports"); }

/// A plain decimal ("6.2", "-1", "142"); anything else ("<0.1", "阴性", "++", "") is not a number.
std::optional<double> plainNumber(const std::string& text) {
    if (text.empty()) return std::nullopt;
    double value = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc() || ptr != end) return std::nullopt;
    return value;
}

std::string shortNumber(double value) { return fmt::format("{}", value); }

/// The print journal's document id of a report (its kind and the HIS's id).
std::string documentIdOf(const backend::Report& report) { return "report:" + report.id; }

/// A file name CUPS can title the job with (ASCII; harness.md §5).
std::string spoolName(const std::string& id) {
    std::string out;
    for (char c : id) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') ? c : '_';
    return out.empty() ? "report" : out;
}

/// The patient message for a report that could not be fetched from the HIS.
std::string fetchErrorKey(const Error& error) {
    if (error.messageKey == "backend.report_pdf_too_large") return "reports.print.too_large";
    if (error.code == Errc::invalid_answer) return "reports.print.bad_file";
    return "reports.print.his_failed";
}

}  // namespace

LabFlag labFlagOf(const backend::LabObservation& row) {
    const std::string& i = row.interpretation;
    if (i == "H" || i == "HH" || i == "HU") return LabFlag::high;
    if (i == "L" || i == "LL" || i == "LU") return LabFlag::low;
    if (i == "A" || i == "AA" || i == "POS") return LabFlag::abnormal;
    if (i == "N" || i == "NEG") return LabFlag::normal;
    const auto value = plainNumber(row.value);
    if (!value) return LabFlag::normal;  // "阴性", "<0.1", "++" without a word from the HIS: not guessed
    if (rangeReversed(row) || (!row.low && !row.high)) return LabFlag::unknown;
    if (row.high && *value > *row.high) return LabFlag::high;
    if (row.low && *value < *row.low) return LabFlag::low;
    return LabFlag::normal;
}

bool rangeReversed(const backend::LabObservation& row) { return row.low && row.high && *row.low > *row.high; }

std::string rangeTextOf(const backend::LabObservation& row) {
    if (row.low && row.high) return shortNumber(*row.low) + "–" + shortNumber(*row.high);
    if (row.high) return "< " + shortNumber(*row.high);
    if (row.low) return "> " + shortNumber(*row.low);
    return row.rangeText;
}

std::string reportPrinterProblemOf(const drivers::ReportPrinter* printer) {
    if (!printer) return "reports.printer.none";
    switch (printer->state().status) {
        case drivers::DeviceStatus::online:
        case drivers::DeviceStatus::busy:
        case drivers::DeviceStatus::starting: return {};
        default: return "reports.printer.out_of_service";
    }
}

std::vector<std::string> ReportsView::notYetPrinted() const {
    std::vector<std::string> ids;
    for (const auto& e : reports) {
        if (e.report.ready() && e.prints() == 0 && e.print != ReportPrint::printed) ids.push_back(e.report.id);
    }
    return ids;
}

const ReportEntry* ReportsView::find(const std::string& id) const {
    auto it = std::find_if(reports.begin(), reports.end(), [&](const ReportEntry& e) { return e.report.id == id; });
    return it == reports.end() ? nullptr : &*it;
}

ReportsFlow::ReportsFlow(std::shared_ptr<backend::HisDriver> his, std::unique_ptr<Journal> journal, printing::PrintPolicy policy,
                         std::filesystem::path spoolDir, std::chrono::seconds printTimeout, Post post)
    : his_(std::move(his)),
      journal_(std::move(journal)),
      policy_(policy),
      spoolDir_(std::move(spoolDir)),
      printTimeout_(printTimeout),
      post_(std::move(post)) {
    if (journal_) {
        if (auto opened = printing::PrintJournal::open(*journal_, policy_)) {
            prints_.emplace(std::move(*opened));
        } else {
            logger()->error("print journal not opened (reports are shown, not printed): {}", opened.error().describe());
        }
    }
    shared_->view.reprintLimit = policy_.reprintLimit;
}

ReportsFlow::~ReportsFlow() = default;  // jthreads join: each job is bounded by the print timeout

void ReportsFlow::reset() {
    if (worker_.joinable()) retired_.emplace_back(std::move(worker_), workerDone_);
    std::erase_if(retired_, [](const auto& r) { return r.second->load(); });  // finished: joins at once
    std::lock_guard lock(shared_->mutex);
    const uint64_t next = shared_->view.generation + 1;
    shared_->view = ReportsView{};
    shared_->view.generation = next;
    shared_->view.reprintLimit = policy_.reprintLimit;
    shared_->identity.wipe();
    shared_->patientId.clear();
}

void ReportsFlow::select(const std::string& reportId) {
    std::lock_guard lock(shared_->mutex);
    shared_->view.selected = reportId;
}

ReportsView ReportsFlow::view() const {
    std::lock_guard lock(shared_->mutex);
    return shared_->view;
}

void ReportsFlow::update(const std::shared_ptr<Shared>& shared, uint64_t generation, const std::function<void(ReportsView&)>& change) {
    {
        std::lock_guard lock(shared->mutex);
        if (shared->view.generation != generation) return;  // the patient has gone
        change(shared->view);
    }
    post_(ReportsProgress{generation});
}

void ReportsFlow::run(Job job) {
    uint64_t generation = 0;
    {
        std::lock_guard lock(shared_->mutex);
        generation = shared_->view.generation;
    }
    if (worker_.joinable()) worker_.join();  // the previous step of this patient posted its result already
    workerDone_ = std::make_shared<std::atomic<bool>>(false);
    worker_ = std::jthread([job = std::move(job), shared = shared_, generation, done = workerDone_] {
        job(shared, generation);
        done->store(true);
    });
}

void ReportsFlow::start(const PatientIdentity& identity, drivers::ReportPrinter* printer, drivers::DeviceEventSink sink) {
    {
        std::lock_guard lock(shared_->mutex);
        shared_->identity = identity;
        shared_->view.stage = ReportsStage::loading;
        shared_->view.reports.clear();
        shared_->view.error.reset();
        shared_->view.refused = 0;
        shared_->view.printMessageKey.clear();
    }
    if (!his_) {
        update(shared_, view().generation, [](ReportsView& v) {
            v.stage = ReportsStage::stopped;
            v.error = Error(Errc::unsupported, "no [backend] on this kiosk", "reports.error.unavailable");
        });
        return;
    }
    run([this, printer, sink](const std::shared_ptr<Shared>& shared, uint64_t generation) {
        if (printer) {
            // Its state now (a queue stopped by staff, a printer gone), for what the list offers.
            if (auto started = printer->start(sink); !started) logger()->warn("report printer {}: {}", printer->name(), started.error().describe());
        }
        PatientIdentity copied;
        {
            std::lock_guard lock(shared->mutex);
            copied = shared->identity;
        }
        auto stop = [&](const Error& error) {
            logger()->warn("reports stopped: {}", error.describe());
            update(shared, generation, [&](ReportsView& v) {
                v.stage = ReportsStage::stopped;
                v.error = error;
            });
        };
        auto patient = findSessionPatient(*his_, copied);
        copied.wipe();
        if (!patient) return stop(patient.error());
        auto listed = his_->reports(patient->id);
        if (!listed) return stop(listed.error());
        std::vector<ReportEntry> mine;
        int refused = 0;
        for (auto& report : *listed) {
            // Only the patient's own: a HIS answer naming anybody else (or nobody) is refused
            // whole for that report; its id goes to the log, nothing of it to the screen.
            if (report.patientId != patient->id) {
                ++refused;
                logger()->error("DiagnosticReport/{} names subject '{}', not Patient/{} asked for: refused, not shown", report.id,
                                report.patientId, patient->id);
                continue;
            }
            ReportEntry entry{std::move(report), 0, ReportPrint::none, {}};
            if (prints_) {
                std::lock_guard journalLock(journalMutex_);
                if (auto n = prints_->successfulPrints(documentIdOf(entry.report))) entry.printedHere = *n;
                else logger()->error("print journal unreadable for {}: {}", entry.report.id, n.error().describe());
            }
            mine.push_back(std::move(entry));
        }
        // Ready ones first, newest first; then pending ones, the soonest expected first.
        std::stable_sort(mine.begin(), mine.end(), [](const ReportEntry& a, const ReportEntry& b) {
            if (a.report.ready() != b.report.ready()) return a.report.ready();
            if (a.report.ready()) return a.report.issued > b.report.issued;
            return a.report.expected < b.report.expected;
        });
        logger()->info("Patient/{}: {} report(s) ({} ready){}", patient->id, mine.size(),
                       std::count_if(mine.begin(), mine.end(), [](const ReportEntry& e) { return e.report.ready(); }),
                       refused ? fmt::format(", {} of another patient refused", refused) : "");
        {
            std::lock_guard lock(shared->mutex);
            if (shared->view.generation == generation) shared->patientId = patient->id;
        }
        update(shared, generation, [&](ReportsView& v) {
            v.stage = ReportsStage::list;
            v.reports = std::move(mine);
            v.refused = refused;
        });
    });
}

void ReportsFlow::print(std::vector<std::string> reportIds, drivers::ReportPrinter* printer) {
    std::vector<ReportEntry> chosen;
    {
        std::lock_guard lock(shared_->mutex);
        ReportsView& v = shared_->view;
        if (v.printing || v.stage != ReportsStage::list) return;
        for (const auto& id : reportIds) {
            auto it = std::find_if(v.reports.begin(), v.reports.end(), [&](const ReportEntry& e) { return e.report.id == id; });
            if (it == v.reports.end() || !it->report.ready()) continue;
            it->print = ReportPrint::queued;
            it->printErrorKey.clear();
            chosen.push_back(*it);
        }
        if (chosen.empty()) return;
        v.printing = true;
        v.printDone = 0;
        v.printTotal = chosen.size();
        v.printMessageKey.clear();
        v.limitCount = 0;
    }
    run([this, chosen, printer](const std::shared_ptr<Shared>& shared, uint64_t generation) {
        for (const auto& entry : chosen) printOne(shared, generation, entry, printer);
        finishRun(shared, generation);
    });
}

void ReportsFlow::finishRun(const std::shared_ptr<Shared>& shared, uint64_t generation) {
    update(shared, generation, [](ReportsView& v) {
        v.printing = false;
        // The run's word: the limit (already set) outranks a failure, which outranks success.
        if (!v.printMessageKey.empty()) return;
        const bool anyFailed = std::any_of(v.reports.begin(), v.reports.end(), [](const ReportEntry& e) { return e.print == ReportPrint::failed; });
        v.printMessageKey = anyFailed ? "reports.print.some_failed" : "reports.print.done";
    });
}

void ReportsFlow::startBySlip(const std::string& code, drivers::ReportPrinter* printer, drivers::DeviceEventSink sink, bool withoutCard) {
    {
        std::lock_guard lock(shared_->mutex);
        if (shared_->view.printing) return;  // one print run at a time; the screen ignores the scan
        const uint64_t generation = shared_->view.generation;
        shared_->view = ReportsView{};
        shared_->view.generation = generation;
        shared_->view.reprintLimit = policy_.reprintLimit;
        shared_->view.stage = ReportsStage::loading;
        shared_->view.slipCode = code;
        shared_->view.slipWithoutCard = withoutCard;
        shared_->identity.wipe();
        shared_->patientId.clear();
    }
    if (!his_) {
        update(shared_, view().generation, [](ReportsView& v) {
            v.stage = ReportsStage::stopped;
            v.error = Error(Errc::unsupported, "no [backend] on this kiosk", "reports.error.unavailable");
        });
        return;
    }
    run([this, code, printer, sink](const std::shared_ptr<Shared>& shared, uint64_t generation) {
        if (printer) {
            if (auto started = printer->start(sink); !started) logger()->warn("report printer {}: {}", printer->name(), started.error().describe());
        }
        auto found = his_->reportByCode(code);
        if (!found) {
            logger()->warn("lab slip {}: {}", code, found.error().describe());
            update(shared, generation, [&](ReportsView& v) {
                v.stage = ReportsStage::stopped;
                v.error = found.error();
            });
            return;
        }
        ReportEntry entry{std::move(*found), 0, ReportPrint::none, {}};
        if (prints_) {
            std::lock_guard journalLock(journalMutex_);
            if (auto n = prints_->successfulPrints(documentIdOf(entry.report))) entry.printedHere = *n;
            else logger()->error("print journal unreadable for {}: {}", entry.report.id, n.error().describe());
        }
        // Why it is not printed now: pending (the screen says when it is expected), or no printer
        // that can print (the screen says where to print it).
        const std::string printerProblem = reportPrinterProblemOf(printer);
        const std::string problem = !entry.report.ready() ? "reports.slip.pending" : printerProblem;
        logger()->info("lab slip {}: DiagnosticReport/{} ({}, {} print(s)){}", code, entry.report.id, entry.report.status, entry.prints(),
                       problem.empty() ? ", printing it" : ", not printed: " + problem);
        const std::string id = entry.report.id;
        update(shared, generation, [&](ReportsView& v) {
            v.stage = ReportsStage::list;
            v.reports = {entry};
            v.selected = id;
            v.slipProblemKey = problem;
            if (problem.empty()) {
                v.reports[0].print = ReportPrint::queued;
                v.printing = true;
                v.printDone = 0;
                v.printTotal = 1;
            }
        });
        if (!problem.empty()) return;
        printOne(shared, generation, entry, printer);
        finishRun(shared, generation);
    });
}

void ReportsFlow::printOne(const std::shared_ptr<Shared>& shared, uint64_t generation, const ReportEntry& entry,
                           drivers::ReportPrinter* printer) {
    const std::string& id = entry.report.id;
    auto finish = [&](ReportPrint state, const std::string& errorKey, bool counted) {
        update(shared, generation, [&](ReportsView& v) {
            ++v.printDone;
            for (auto& e : v.reports) {
                if (e.report.id != id) continue;
                e.print = state;
                e.printErrorKey = errorKey;
                if (counted) ++e.printedHere;
            }
        });
    };
    update(shared, generation, [&](ReportsView& v) {
        for (auto& e : v.reports) {
            if (e.report.id == id) e.print = ReportPrint::printing;
        }
    });
    if (!printer) {
        logger()->warn("report {} not printed: no report printer configured", id);
        return finish(ReportPrint::failed, "reports.printer.none", false);
    }
    if (!prints_) {
        // The limit could not be counted: nothing is printed (the same rule as `kiosk print pdf`).
        logger()->error("report {} not printed: no print journal", id);
        return finish(ReportPrint::failed, "reports.print.no_journal", false);
    }
    const std::string documentId = documentIdOf(entry.report);
    int printedHere = 0;
    {
        std::lock_guard journalLock(journalMutex_);
        auto n = prints_->successfulPrints(documentId);
        if (!n) {
            logger()->error("report {} not printed: print journal unreadable: {}", id, n.error().describe());
            return finish(ReportPrint::failed, "reports.print.no_journal", false);
        }
        printedHere = *n;
    }
    const int total = entry.report.printCount + printedHere;
    if (total >= 1 + policy_.reprintLimit) {
        logger()->info("report {} refused: printed {} time(s) ({} here), reprint limit {}", id, total, printedHere, policy_.reprintLimit);
        update(shared, generation, [&](ReportsView& v) {
            v.printMessageKey = "reports.print.limit";
            v.limitCount = total;
        });
        return finish(ReportPrint::none, {}, false);
    }
    auto pdf = his_->reportPdf(entry.report);
    if (!pdf) {
        logger()->warn("report {} not printed: its PDF could not be fetched: {}", id, pdf.error().describe());
        return finish(ReportPrint::failed, fetchErrorKey(pdf.error()), false);
    }
    std::error_code ec;
    std::filesystem::create_directories(spoolDir_, ec);
    const auto file = spoolDir_ / (spoolName(id) + ".pdf");
    {
        std::ofstream out(file, std::ios::binary | std::ios::trunc);
        out.write(pdf->data(), static_cast<std::streamsize>(pdf->size()));
        if (!out) {
            logger()->error("report {} not printed: cannot write {}", id, file.string());
            std::filesystem::remove(file, ec);
            return finish(ReportPrint::failed, "reports.print.his_failed", false);
        }
    }
    auto outcome = printer->printPdf(file, 1, printTimeout_, drivers::CancelToken{});
    // The file holds the patient's results: it does not stay on the kiosk once CUPS has its copy.
    std::filesystem::remove(file, ec);
    if (!outcome) {
        logger()->error("report {} not printed: {}", id, outcome.error().describe());
        return finish(ReportPrint::failed, "reports.print.printer_failed", false);
    }
    const bool printed = outcome->code == drivers::CompletionCode::success;
    {
        std::lock_guard journalLock(journalMutex_);
        auto recorded = prints_->record(documentId, "report", printer->name(), 1, drivers::completionCodeName(outcome->code), outcome->detail);
        if (!recorded) logger()->error("print of report {} on {} not journalled: {}", id, printer->name(), recorded.error().describe());
    }
    logger()->info("report {} on {}: {} ({})", id, printer->name(), drivers::completionCodeName(outcome->code), outcome->detail);
    if (printed) return finish(ReportPrint::printed, {}, true);
    // Not printed: not counted, printable again; the printer's own words say why.
    const std::string key = outcome->code == drivers::CompletionCode::invalid_data ? "reports.print.bad_file"
                            : outcome->messageKey.empty()                          ? "reports.print.printer_failed"
                                                                                   : outcome->messageKey;
    finish(ReportPrint::failed, key, false);
}

}  // namespace kiosk::screens
