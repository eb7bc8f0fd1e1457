// Reports through a real cupsd (harness.md §5): the fixture starts a private cupsd (its own
// ServerRoot, spool and domain socket in a fresh folder, so the host's CUPS is not touched),
// adds a cups-pdf queue (per-queue config /etc/cups/cups-pdf-<name>.conf pointing into that
// folder, removed afterwards) and a raw queue to a loopback port where nothing listens, and
// stops cupsd at the end. Outputs are rasterised with pdftoppm and their QR decoded.
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

class CupsServer : public ::testing::Environment {
public:
    void SetUp() override {
        char pattern[] = "/tmp/kiosk-cups-XXXXXX";
        ASSERT_NE(mkdtemp(pattern), nullptr);
        root = pattern;
        chmod(root.c_str(), 0755);
        for (const char* sub : {"spool", "tmp", "cache", "state", "log", "out"}) std::filesystem::create_directories(root / sub);
        chmod((root / "tmp").c_str(), 01777);  // filters run as lp
        socket = root / "cups.sock";
        std::ofstream(root / "cupsd.conf") << "LogLevel warn\nListen " << socket.string()
                                           << "\nBrowsing No\nWebInterface No\nDefaultAuthType None\n"
                                              "<Location />\n  Order allow,deny\n  Allow all\n</Location>\n"
                                              "<Policy default>\n  <Limit All>\n    Order deny,allow\n  </Limit>\n</Policy>\n";
        std::ofstream(root / "cups-files.conf") << "ServerRoot " << root.string() << "\nRequestRoot " << (root / "spool").string()
                                                << "\nTempDir " << (root / "tmp").string() << "\nCacheDir " << (root / "cache").string()
                                                << "\nStateDir " << (root / "state").string() << "\nAccessLog "
                                                << (root / "log/access_log").string() << "\nErrorLog "
                                                << (root / "log/error_log").string() << "\nPageLog "
                                                << (root / "log/page_log").string()
                                                << "\nServerBin /usr/lib/cups\nDataDir /usr/share/cups\n";
        pid = fork();
        if (pid == 0) {
            execl("/usr/sbin/cupsd", "cupsd", "-f", "-c", (root / "cupsd.conf").c_str(), "-s", (root / "cups-files.conf").c_str(),
                  static_cast<char*>(nullptr));
            _exit(127);
        }
        ASSERT_GT(pid, 0);
        // Readiness: the scheduler answers on its socket (never a fixed sleep).
        bool ready = false;
        for (int i = 0; i < 200 && !ready; ++i) {
            ready = std::filesystem::exists(socket) && run("lpstat -h " + socket.string() + " -r") == 0;
            if (!ready) std::this_thread::sleep_for(50ms);
        }
        ASSERT_TRUE(ready) << "cupsd did not start; see " << (root / "log/error_log");
        instance = "yizhan" + std::to_string(getpid());
        cupsPdfConf = "/etc/cups/cups-pdf-" + instance + ".conf";
        std::ofstream(cupsPdfConf) << "Out " << (root / "out").string() << "\nLabel 1\n";
        std::string output;
        ASSERT_EQ(run("lpadmin -h " + socket.string() + " -p KioskPDF -E -v cups-pdf:/" + instance +
                          " -P /usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd", &output), 0) << output;
        // Port 9 (discard) on loopback: nothing listens, the socket backend keeps retrying.
        ASSERT_EQ(run("lpadmin -h " + socket.string() + " -p Unreachable -E -v socket://127.0.0.1:9 -m raw", &output), 0) << output;
    }
    void TearDown() override {
        if (pid > 0) {
            kill(pid, SIGTERM);
            int status = 0;
            waitpid(pid, &status, 0);
        }
        std::error_code ec;
        if (!cupsPdfConf.empty()) std::filesystem::remove(cupsPdfConf, ec);
        std::filesystem::remove_all(root, ec);
    }
    std::filesystem::path root;
    std::filesystem::path socket;
    std::string instance;
    std::filesystem::path cupsPdfConf;
    pid_t pid = -1;
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
