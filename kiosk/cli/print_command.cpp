// `kiosk print test --config FILE [--printer NAME]`: prints the technician test page on the
// configured receipt printer and reports the status before and after as JSON.
// `kiosk print pdf FILE --config FILE [--printer NAME] [--copies N]`: sends a PDF to the
// configured report printer (CUPS) and follows the job to its end.
// Both journal the print (printing/print_journal) and exit 0 only when it really printed and the
// print was journalled; without a writable journal they print nothing (the reprint limit could
// not count the print).
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <iostream>
#include <optional>

#include "drivers/common/registry.hpp"
#include "kiosk/cli/commands.hpp"
#include "kiosk/cli/common.hpp"
#include "kiosk/core/i18n.hpp"
#include "kiosk/core/journal.hpp"
#include "printing/print_journal.hpp"
#include "printing/templates.hpp"

namespace kiosk::cli {

namespace {

nlohmann::json stateJson(const drivers::DeviceState& state) {
    return {{"status", drivers::deviceStatusName(state.status)},
            {"paper", drivers::paperStateName(state.paper)},
            {"cover_open", state.coverOpen},
            {"detail", state.detail}};
}

template <class T>
T* findPrinter(const drivers::DeviceRegistry& registry, drivers::DeviceClass deviceClass, const std::string& name) {
    if (!name.empty()) return dynamic_cast<T*>(registry.find(name));
    return registry.first<T>(deviceClass);
}

/// Reads [printing]; its problems (unknown keys, out-of-range values) stop the command.
Result<printing::PrintPolicy> printPolicy(const KioskConfig& config) {
    ConfigSection section = config.printing;
    const printing::PrintPolicy policy = printing::loadPrintPolicy(section);
    if (!section.problems()->empty()) {
        const std::string problems = section.problems()->joined();
        section.problems()->messages.clear();
        return fail(Errc::invalid_config, problems, "error.config");
    }
    return policy;
}

/// The print journal, opened before anything is printed: a print that cannot be recorded would
/// not count towards the reprint limit, so the commands refuse to print without it (the journal
/// is written before the device is driven, as every money step is).
struct OpenPrintJournal {
    std::unique_ptr<Journal> journal;
    std::optional<printing::PrintJournal> prints;

    static Result<OpenPrintJournal> open(const KioskConfig& config) {
        OpenPrintJournal out;
        auto journal = Journal::open(config.journalFile);
        if (!journal) return std::unexpected(journal.error());
        out.journal = std::move(*journal);
        auto prints = printing::PrintJournal::open(*out.journal, printPolicy(config).value_or(printing::PrintPolicy{}));
        if (!prints) return std::unexpected(prints.error());
        out.prints.emplace(std::move(*prints));
        return out;
    }
};

/// Says on stdout (JSON) and stderr that nothing was printed because the print could not be
/// journalled; exit code 1.
int refuseUnjournalled(const std::string& printer, const std::string& documentId, const Error& error) {
    std::cerr << "kiosk: nothing printed: the print could not be journalled, so the reprint limit would not count it: "
              << error.detail << '\n';
    std::cout << nlohmann::json{{"printer", printer},
                                {"document_id", documentId},
                                {"outcome", "not_journalled"},
                                {"printed", false},
                                {"journalled", false},
                                {"error", errcName(error.code)},
                                {"detail", error.detail}}
                     .dump(2)
              << '\n';
    return 1;
}

/// Records the print; the paper is out whatever happens here, so a failure is reported (JSON
/// `journalled: false`, stderr, exit 1), never hidden as success.
Result<void> journalPrint(printing::PrintJournal& prints, const std::string& documentId, const std::string& kind,
                          const std::string& device, int copies, const drivers::PrintOutcome& outcome) {
    auto recorded = prints.record(documentId, kind, device, copies, drivers::completionCodeName(outcome.code), outcome.detail);
    if (!recorded) {
        log::module("print")->error("print of {} on {} not journalled: {}", documentId, device, recorded.error().detail);
        return std::unexpected(recorded.error());
    }
    return {};
}

/// The outcome JSON with the journal's part, and the exit code: 0 only when it printed and the
/// print was journalled.
int reportOutcome(nlohmann::json out, const drivers::PrintOutcome& outcome, const Result<void>& journalled) {
    out["journalled"] = journalled.has_value();
    if (!journalled) {
        out["journal_error"] = journalled.error().detail;
        std::cerr << "kiosk: " << (outcome.code == drivers::CompletionCode::success ? "printed, but " : "")
                  << "the print could not be journalled (the reprint limit will not count it): "
                  << journalled.error().detail << '\n';
    }
    std::cout << out.dump(2) << '\n';
    return outcome.code == drivers::CompletionCode::success && journalled ? 0 : 1;
}

nlohmann::json outcomeJson(const std::string& printer, const std::string& driver, const std::string& documentId,
                           const drivers::PrintOutcome& outcome, const Translator& tr) {
    return {{"printer", printer},
            {"driver", driver},
            {"document_id", documentId},
            {"outcome", drivers::completionCodeName(outcome.code)},
            {"printed", outcome.code == drivers::CompletionCode::success},
            {"detail", outcome.detail},
            {"bytes_sent", outcome.bytesSent},
            {"message_key", outcome.messageKey},
            {"message", outcome.messageKey.empty() ? std::string() : tr.tr(outcome.messageKey)},
            {"before", stateJson(outcome.before)},
            {"after", stateJson(outcome.after)}};
}

/// What both print commands need: the validated config, its devices and the language files.
/// open() says on stderr why it could not.
struct PrintSetup {
    KioskConfig config;
    drivers::DeviceRegistry registry;
    Catalog catalog;

    static std::optional<PrintSetup> open(const std::string& configFile) {
        auto loaded = loadKioskConfigForCli(configFile);
        if (!loaded) return std::nullopt;
        if (auto policy = printPolicy(*loaded); !policy) {
            std::cerr << "kiosk: configuration error:\n" << policy.error().detail << '\n';
            return std::nullopt;
        }
        auto registry = drivers::DeviceRegistry::build(*loaded, drivers::DriverContext{loaded->assetsDir, loaded->dataDir});
        if (!registry) {
            std::cerr << "kiosk: " << registry.error().detail << '\n';
            return std::nullopt;
        }
        auto catalog = Catalog::load(loaded->assetsDir / "lang");
        if (!catalog) {
            std::cerr << "kiosk: " << catalog.error().detail << '\n';
            return std::nullopt;
        }
        return PrintSetup{std::move(*loaded), std::move(*registry), std::move(*catalog)};
    }
};

int runPrintTest(const std::string& configFile, const std::string& printerName) {
    auto setup = PrintSetup::open(configFile);
    if (!setup) return 1;
    const KioskConfig& config = setup->config;
    auto* printer = findPrinter<drivers::ReceiptPrinter>(setup->registry, drivers::DeviceClass::receipt_printer, printerName);
    if (printer == nullptr) {
        std::cerr << "kiosk: no receipt printer" << (printerName.empty() ? "" : " named " + printerName) << " in " << configFile << '\n';
        return 1;
    }
    Translator tr(setup->catalog, config.ui.language);
    const auto now = std::chrono::system_clock::now();
    printing::TestPageData data;
    data.header = printing::slipHeader(
        config, config.ui.language, now,
        fmt::format("TEST-{}-{:%Y%m%d%H%M%S}", config.kioskId, fmt::gmtime(std::chrono::system_clock::to_time_t(now))));
    data.printerName = printer->name();
    data.model = printer->driverName();
    const printing::Document document = printing::testPage(tr, data);
    auto journal = OpenPrintJournal::open(config);
    if (!journal) return refuseUnjournalled(printer->name(), data.header.documentId, journal.error());
    printer->start([](drivers::DeviceEvent) {});
    auto outcome = printer->print(document, std::chrono::seconds(30), drivers::CancelToken{});
    printer->stop();
    if (!outcome) {
        std::cerr << "kiosk: " << outcome.error().describe() << '\n';
        return 1;
    }
    const auto journalled = journalPrint(*journal->prints, data.header.documentId, document.kind, printer->name(), 1, *outcome);
    return reportOutcome(outcomeJson(printer->name(), printer->driverName(), data.header.documentId, *outcome, tr), *outcome,
                         journalled);
}

int runPrintPdf(const std::string& file, const std::string& configFile, const std::string& printerName, int copies) {
    auto setup = PrintSetup::open(configFile);
    if (!setup) return 1;
    const KioskConfig& config = setup->config;
    auto* printer = findPrinter<drivers::ReportPrinter>(setup->registry, drivers::DeviceClass::report_printer, printerName);
    if (printer == nullptr) {
        std::cerr << "kiosk: no report printer" << (printerName.empty() ? "" : " named " + printerName) << " in " << configFile << '\n';
        return 1;
    }
    Translator tr(setup->catalog, config.ui.language);
    const std::string documentId = "PDF-" + std::filesystem::path(file).filename().string();
    // The site's reprint limit: a document printed 1 + reprint_limit times is refused here. A
    // journal that cannot be opened (or read) refuses the print: the limit could not be enforced.
    auto journal = OpenPrintJournal::open(config);
    if (!journal) return refuseUnjournalled(printer->name(), documentId, journal.error());
    if (auto allowed = journal->prints->checkAllowed(documentId); !allowed) {
        if (allowed.error().code != Errc::rejected) return refuseUnjournalled(printer->name(), documentId, allowed.error());
        std::cout << nlohmann::json{{"printer", printer->name()},
                                    {"document_id", documentId},
                                    {"outcome", "rejected"},
                                    {"printed", false},
                                    {"detail", allowed.error().detail},
                                    {"message_key", allowed.error().messageKey},
                                    {"message", tr.tr(allowed.error().messageKey)}}
                         .dump(2)
                  << '\n';
        return 1;
    }
    auto outcome = printer->printPdf(file, copies, std::chrono::seconds(120), drivers::CancelToken{});
    if (!outcome) {
        std::cerr << "kiosk: " << outcome.error().describe() << '\n';
        return 1;
    }
    const auto journalled = journalPrint(*journal->prints, documentId, "pdf", printer->name(), copies, *outcome);
    return reportOutcome(outcomeJson(printer->name(), printer->driverName(), documentId, *outcome, tr), *outcome, journalled);
}

}  // namespace

void installPrintCommand(CLI::App& root, Action& action) {
    auto* command = root.add_subcommand("print", "Print a test page or a PDF; status and outcome as JSON");
    command->require_subcommand(1);

    auto* test = command->add_subcommand("test", "Print the technician test page on the receipt printer");
    auto testConfig = std::make_shared<std::string>();
    auto testPrinter = std::make_shared<std::string>();
    test->add_option("--config", *testConfig, "Kiosk configuration file (TOML)")->required();
    test->add_option("--printer", *testPrinter, "Device name (default: the first receipt printer)");
    test->callback([&action, testConfig, testPrinter] {
        action = [testConfig, testPrinter] { return runPrintTest(*testConfig, *testPrinter); };
    });

    auto* pdf = command->add_subcommand("pdf", "Send a PDF to the report printer and follow the job");
    auto pdfFile = std::make_shared<std::string>();
    auto pdfConfig = std::make_shared<std::string>();
    auto pdfPrinter = std::make_shared<std::string>();
    auto copies = std::make_shared<int>(1);
    pdf->add_option("file", *pdfFile, "PDF file")->required();
    pdf->add_option("--config", *pdfConfig, "Kiosk configuration file (TOML)")->required();
    pdf->add_option("--printer", *pdfPrinter, "Device name (default: the first report printer)");
    pdf->add_option("--copies", *copies, "Copies (1-99)")->check(CLI::Range(1, 99));
    pdf->callback([&action, pdfFile, pdfConfig, pdfPrinter, copies] {
        action = [pdfFile, pdfConfig, pdfPrinter, copies] { return runPrintPdf(*pdfFile, *pdfConfig, *pdfPrinter, *copies); };
    });
}

}  // namespace kiosk::cli
