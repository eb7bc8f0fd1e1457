// Reports through a real cupsd (harness.md §5): the fixture starts a private cupsd
// (tests/support/cups_server.hpp: its own ServerRoot, spool and domain socket in a fresh folder,
// so the host's CUPS is not touched; a cups-pdf queue and a raw queue to a loopback port where
// nothing listens) and stops it at the end. Outputs are rasterised with pdftoppm and their QR decoded.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <thread>

#include "drivers/printer/cups/cups_driver.hpp"
#include "printing/pdf_report.hpp"
#include "kiosk/cli/commands.hpp"
#include "printing_support.hpp"
#include "tests/support/cups_server.hpp"
#include "tests/support/temp_dir.hpp"
#include <nlohmann/json.hpp>

namespace kiosk::drivers::cups {
namespace {

using namespace std::chrono_literals;

int run(const std::string& command, std::string* output = nullptr) {
    FILE* pipe = popen((command + " 2>&1").c_str(), "r");
    if (pipe == nullptr) return -1;
    char buffer[4096];
    size_t n = 0;
    std::string text;
    while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) text.append(buffer, n);
    const int status = pclose(pipe);
    if (output != nullptr) *output = text;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/// The private cupsd of tests/support/cups_server.hpp, started once for the binary.
class CupsServer : public ::testing::Environment {
public:
    void SetUp() override {
        cups = std::make_unique<test::CupsServer>();
        ASSERT_TRUE(cups->ready()) << cups->error();
        socket = cups->socket();
        root = cups->outDir().parent_path();
    }
    void TearDown() override { cups.reset(); }
    std::unique_ptr<test::CupsServer> cups;
    std::filesystem::path root;    ///< its folder: cups-pdf writes to root/out
    std::filesystem::path socket;  ///< its domain socket
};

CupsServer* server = nullptr;
const auto* registered = ::testing::AddGlobalTestEnvironment(server = new CupsServer);

printing::LabReport report() {
    printing::LabReport value;
    value.reportNumber = "LAB-CUPS-0001";
    value.hospital = "一站示范医院";
    value.patientName = "李四";
    value.sex = "女";
    value.age = "32";
    value.specimen = "静脉血";
    value.department = "检验科";
    value.reportedAt = "2026-11-23 09:40";
    value.results = {{"葡萄糖", "7.9", "mmol/L", "3.9-6.1", printing::ResultFlag::high},
                     {"总胆固醇", "4.2", "mmol/L", "<5.2", printing::ResultFlag::normal}};
    value.verifyQr = "https://his.example/report/LAB-CUPS-0001";
    return value;
}

std::unique_ptr<CupsReportPrinter> printer(const std::string& queue, std::chrono::milliseconds stall = 10s) {
    return std::make_unique<CupsReportPrinter>("reports", CupsSettings{queue, server->socket.string(), 100ms, stall});
}

std::filesystem::path renderedReport(const std::string& name) {
    const auto dir = test::printingOutputDir("cups-" + name);
    Translator zh(test::printingCatalog(), "zh_CN");
    const auto pdf = dir / "report.pdf";
    EXPECT_TRUE(printing::renderLabReportPdf(zh, report(), pdf).has_value());
    return pdf;
}

TEST(CupsReports, LabReportPrintsAndTheOutputQrDecodes) {
    const auto pdf = renderedReport("ok");
    auto reports = printer("KioskPDF");
    EXPECT_EQ(reports->queryQueue().status, DeviceStatus::online);
    auto outcome = reports->printPdf(pdf, 1, 60s, CancelToken{});
    ASSERT_TRUE(outcome.has_value());
    ASSERT_EQ(outcome->code, CompletionCode::success) << outcome->detail;
    // cups-pdf names its output "<title>…job_<id>.pdf"; the job completed, so it is there.
    std::filesystem::path printed;
    for (const auto& entry : std::filesystem::directory_iterator(server->root / "out"))
        if (entry.path().extension() == ".pdf") printed = entry.path();
    ASSERT_FALSE(printed.empty()) << "no cups-pdf output";
    const auto png = pdf.parent_path() / "printed";
    ASSERT_EQ(run("pdftoppm -r 150 -gray -png -singlefile '" + printed.string() + "' '" + png.string() + "'"), 0);
    auto decoded = test::decodeQr(png.string() + ".png");
    ASSERT_TRUE(decoded.has_value()) << printed;
    EXPECT_EQ(*decoded, report().verifyQr);
}

TEST(CupsReports, StoppedQueueIsNotPrinted) {
    const auto pdf = renderedReport("stopped");
    ASSERT_EQ(run("cupsdisable -h " + server->socket.string() + " KioskPDF"), 0);
    auto reports = printer("KioskPDF");
    auto outcome = reports->printPdf(pdf, 1, 30s, CancelToken{});
    ASSERT_EQ(run("cupsenable -h " + server->socket.string() + " KioskPDF"), 0);
    ASSERT_TRUE(outcome.has_value());
    EXPECT_EQ(outcome->code, CompletionCode::device_not_ready);
    EXPECT_EQ(outcome->messageKey, "print.error.queue_stopped");
    EXPECT_EQ(outcome->before.status, DeviceStatus::offline);
    EXPECT_NE(outcome->detail.find("stopped"), std::string::npos) << outcome->detail;
}

TEST(CupsReports, MissingQueueIsNoDevice) {
    auto reports = printer("NoSuchQueue");
    auto outcome = reports->printPdf(renderedReport("missing"), 1, 10s, CancelToken{});
    ASSERT_TRUE(outcome.has_value());
    EXPECT_EQ(outcome->code, CompletionCode::device_not_ready);
    EXPECT_EQ(outcome->messageKey, "print.error.queue_missing");
    EXPECT_EQ(reports->state().status, DeviceStatus::no_device);
}

TEST(CupsReports, CorruptPdfIsRefusedBeforeCups) {
    const auto dir = test::printingOutputDir("cups-corrupt");
    const auto truncated = dir / "truncated.pdf";
    {
        std::ifstream in(renderedReport("corrupt-source"), std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        std::ofstream(truncated, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
    }
    std::ofstream(dir / "garbage.pdf") << "this is not a PDF";
    auto reports = printer("KioskPDF");
    for (const auto& file : {truncated, dir / "garbage.pdf"}) {
        auto outcome = reports->printPdf(file, 1, 10s, CancelToken{});
        ASSERT_TRUE(outcome.has_value());
        EXPECT_EQ(outcome->code, CompletionCode::invalid_data) << file;
        EXPECT_EQ(outcome->messageKey, "print.error.bad_pdf");
        EXPECT_EQ(outcome->bytesSent, 0U);
    }
}

TEST(CupsReports, UnreachablePrinterJobIsCancelledWithTheReason) {
    // The socket backend retries without setting an error reason, only a printer-state-message:
    // the kiosk's own deadline ends the job, and the outcome carries CUPS' message.
    auto reports = printer("Unreachable", 1500ms);
    const auto started = std::chrono::steady_clock::now();
    auto outcome = reports->printPdf(renderedReport("unreachable"), 1, 4s, CancelToken{});
    ASSERT_TRUE(outcome.has_value());
    EXPECT_NE(outcome->code, CompletionCode::success) << outcome->detail;
    EXPECT_FALSE(outcome->messageKey.empty());
    std::cout << "[ outcome ] " << outcome->detail << '\n';
    EXPECT_EQ(outcome->code, CompletionCode::timeout);
    EXPECT_NE(outcome->detail.find("may not exist"), std::string::npos) << outcome->detail;
    EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
    // The job was cancelled: nothing is left in the queue to come out later.
    std::string jobs;
    run("lpstat -h " + server->socket.string() + " -o Unreachable", &jobs);
    EXPECT_TRUE(jobs.empty()) << jobs;
}

TEST(CupsReports, PrintPdfCommandFollowsTheJobAndJournalsIt) {
    test::TempDir dir;
    const auto config = dir.write("kiosk.toml", test::demoConfigText(R"(
[printing]
reprint_limit = 0

[[devices]]
name = "reports"
class = "report_printer"
driver = "cups"
queue = "KioskPDF"
server = ")" + server->socket.string() + "\"\n"));
    const std::string pdf = renderedReport("cli").string();
    const std::string configPath = config.string();
    const char* argv[] = {"kiosk", "print", "pdf", pdf.c_str(), "--config", configPath.c_str()};
    testing::internal::CaptureStdout();
    const int rc = cli::runCli(6, const_cast<char**>(argv));
    const std::string out = testing::internal::GetCapturedStdout();
    EXPECT_EQ(rc, 0) << out;
    auto json = nlohmann::json::parse(out, nullptr, false);
    ASSERT_FALSE(json.is_discarded()) << out;
    EXPECT_EQ(json["outcome"], "success");
    EXPECT_EQ(json["driver"], "cups");

    const char* corrupt[] = {"kiosk", "print", "pdf", configPath.c_str(), "--config", configPath.c_str()};  // a TOML file is no PDF
    testing::internal::CaptureStdout();
    EXPECT_EQ(cli::runCli(6, const_cast<char**>(corrupt)), 1);
    auto refused = nlohmann::json::parse(testing::internal::GetCapturedStdout(), nullptr, false);
    EXPECT_EQ(refused["message_key"], "print.error.bad_pdf");

    // reprint_limit = 0: the report printed once; the same document again is refused, unsent.
    testing::internal::CaptureStdout();
    EXPECT_EQ(cli::runCli(6, const_cast<char**>(argv)), 1);
    auto again = nlohmann::json::parse(testing::internal::GetCapturedStdout(), nullptr, false);
    EXPECT_EQ(again["outcome"], "rejected");
    EXPECT_EQ(again["message_key"], "print.error.reprint_limit");
}

}  // namespace
}  // namespace kiosk::drivers::cups
