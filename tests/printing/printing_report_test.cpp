// The PDF lab report (cairo + pango; text checked with pdftotext), the print journal with its
// reprint limit, and `kiosk print test` against the virtual printer.
#include <gtest/gtest.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "kiosk/cli/commands.hpp"
#include "kiosk/core/journal.hpp"
#include "printing/pdf_report.hpp"
#include "printing/print_journal.hpp"
#include "printing_support.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiosk::printing {
namespace {

using namespace std::chrono_literals;

std::string run(const std::string& command) {
    std::string out;
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) return out;
    char buffer[4096];
    size_t n = 0;
    while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) out.append(buffer, n);
    pclose(pipe);
    return out;
}

LabReport sampleReport() {
    LabReport report;
    report.reportNumber = "LAB20261123-0007";
    report.hospital = "一站示范医院";
    report.patientName = "张三丰";
    report.sex = "男";
    report.age = "45";
    report.specimen = "静脉血";
    report.department = "检验科";
    report.reportedAt = "2026-11-23 09:12";
    report.results = {{"白细胞计数", "11.2", "10^9/L", "3.5-9.5", ResultFlag::high},
                      {"血红蛋白", "98", "g/L", "130-175", ResultFlag::low},
                      {"血小板计数", "210", "10^9/L", "125-350", ResultFlag::normal}};
    report.verifyQr = "https://his.example/report/LAB20261123-0007";
    return report;
}

TEST(PdfReport, ChineseLabReportHasRangesFlagsAndMaskedName) {
    const auto dir = test::printingOutputDir("pdf");
    Translator zh(test::printingCatalog(), "zh_CN");
    const auto pdf = dir / "lab-report.pdf";
    ASSERT_TRUE(renderLabReportPdf(zh, sampleReport(), pdf).has_value());
    const std::string text = run("pdftotext -layout '" + pdf.string() + "' -");
    EXPECT_NE(text.find("检验报告单"), std::string::npos) << text;
    EXPECT_NE(text.find("白细胞计数"), std::string::npos);
    EXPECT_NE(text.find("3.5-9.5"), std::string::npos);
    EXPECT_NE(text.find("↑偏高"), std::string::npos);
    EXPECT_NE(text.find("↓偏低"), std::string::npos);
    EXPECT_NE(text.find("张*丰"), std::string::npos);
    EXPECT_EQ(text.find("张三丰"), std::string::npos);
    // The QR on the page decodes (rasterised like the CUPS output).
    run("pdftoppm -r 150 -gray -png -singlefile '" + pdf.string() + "' '" + (dir / "lab-report").string() + "'");
    auto decoded = test::decodeQr(dir / "lab-report.png");
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(*decoded, sampleReport().verifyQr);
}

TEST(PdfReport, UnwritablePathIsAnError) {
    Translator zh(test::printingCatalog(), "zh_CN");
    auto result = renderLabReportPdf(zh, sampleReport(), "/nonexistent-dir/x.pdf");
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, Errc::io_error);
}

TEST(PrintJournal, ReprintLimitIsEnforcedPerDocument) {
    test::TempDir dir;
    auto journal = Journal::open(dir.path() / "journal.sqlite");
    ASSERT_TRUE(journal.has_value());
    auto prints = PrintJournal::open(**journal, PrintPolicy{1});
    ASSERT_TRUE(prints.has_value()) << prints.error().detail;
    EXPECT_EQ(*(*journal)->schemaVersion("printing"), 1);
    ASSERT_TRUE(prints->checkAllowed("RCPT-1").has_value());
    ASSERT_TRUE(prints->record("RCPT-1", "payment_receipt", "receipt", 1, "user_error", "paper out").has_value());
    // A failed print does not count.
    ASSERT_TRUE(prints->checkAllowed("RCPT-1").has_value());
    auto first = prints->record("RCPT-1", "payment_receipt", "receipt", 1, "success", "printed");
    ASSERT_TRUE(first.has_value());
    EXPECT_FALSE(first->reprint);
    ASSERT_TRUE(prints->checkAllowed("RCPT-1").has_value());  // one reprint allowed
    auto second = prints->record("RCPT-1", "payment_receipt", "receipt", 1, "success", "printed");
    EXPECT_TRUE(second->reprint);
    auto refused = prints->checkAllowed("RCPT-1");
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().messageKey, "print.error.reprint_limit");
    EXPECT_TRUE(prints->checkAllowed("RCPT-2").has_value());
    EXPECT_EQ(prints->history("RCPT-1")->size(), 3U);
    // Reopening keeps the rows (migrations are idempotent).
    auto again = PrintJournal::open(**journal, PrintPolicy{1});
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(*again->successfulPrints("RCPT-1"), 2);
}

TEST(PrintCommand, TestPageOnTheVirtualPrinterReportsStatusAsJson) {
    test::TempDir dir;
    const auto out = test::printingOutputDir("cli");
    sim::VirtualEscposPrinter printer({576, out, sim::PrinterScenario::paper_near_end, 400});
    auto server = test::startVirtualPrinterServer(printer);
    ASSERT_TRUE(server.has_value());
    const auto config = dir.write("kiosk.toml", test::demoConfigText(R"(
[printing]
reprint_limit = 1

[[devices]]
name = "receipt"
class = "receipt_printer"
driver = "escpos"
model = "test-80"
transport = "tcp"
port = )" + std::to_string((*server)->port()) + "\n"));
    std::string configPath = config.string();
    const char* argv[] = {"kiosk", "print", "test", "--config", configPath.c_str(), "--printer", "receipt"};
    testing::internal::CaptureStdout();
    const int rc = cli::runCli(7, const_cast<char**>(argv));
    const std::string stdoutText = testing::internal::GetCapturedStdout();
    EXPECT_EQ(rc, 0) << stdoutText;
    auto json = nlohmann::json::parse(stdoutText, nullptr, false);
    ASSERT_FALSE(json.is_discarded()) << stdoutText;
    EXPECT_EQ(json["outcome"], "success");
    EXPECT_EQ(json["before"]["paper"], "low");
    EXPECT_EQ(json["after"]["status"], "online");
    ASSERT_TRUE(printer.waitForJobs(1, 5s));
    EXPECT_TRUE(std::filesystem::exists(printer.jobs().front().png));

    // Paper out: exit 1, the JSON says why, nothing printed.
    printer.setScenario(sim::PrinterScenario::paper_out);
    testing::internal::CaptureStdout();
    const int failed = cli::runCli(7, const_cast<char**>(argv));
    auto refused = nlohmann::json::parse(testing::internal::GetCapturedStdout(), nullptr, false);
    EXPECT_EQ(failed, 1);
    EXPECT_EQ(refused["printed"], false);
    EXPECT_EQ(refused["before"]["paper"], "out");
    EXPECT_EQ(refused["message_key"], "print.error.paper_out");

    // A bad [printing] key is a config problem (exit 1), not ignored.
    const auto bad = dir.write("bad.toml", test::demoConfigText("[printing]\nreprint_limt = 3\n"));
    std::string badPath = bad.string();
    const char* badArgv[] = {"kiosk", "print", "test", "--config", badPath.c_str()};
    testing::internal::CaptureStdout();
    EXPECT_EQ(cli::runCli(5, const_cast<char**>(badArgv)), 1);
    testing::internal::GetCapturedStdout();
}

}  // namespace
}  // namespace kiosk::printing
