// Reports (issue 12 item 1) end to end: the real App (headless SDL, software renderer) with the
// FHIR HisDriver over loopback HTTP against the real hospital-sim, whose seed gives every demo
// person a lab panel with flags, a 40-row panel with values that are not numbers and a missing
// and a reversed range, a chest CT, a report already printed at the desk and a pending one
// (sim/hospital/README.md "Reports"); and the CUPS report printer driver against a private real
// cupsd with a cups-pdf queue (tests/support/cups_server.hpp). Printed PDFs are read back from
// cups-pdf's output with poppler. PNGs: <build>/test-output/ui/<test>/.
#include "tests/backend/sim_process.hpp"
#include "tests/support/cups_server.hpp"
#include "tests/ui/app_fixture.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <map>
#include <set>
#include <thread>

#include "kiosk/backend/fhir_his_driver.hpp"
#include "kiosk/backend/his_factory.hpp"
#include "screens/reports/reports_flow.hpp"

namespace kiosk::test {
namespace {

/// One cupsd for the whole binary (starting one costs about a second).
class CupsEnvironment : public ::testing::Environment {
public:
    void SetUp() override {
        server = std::make_unique<CupsServer>();
        ASSERT_TRUE(server->ready()) << server->error();
    }
    void TearDown() override { server.reset(); }
    std::unique_ptr<CupsServer> server;
};
CupsEnvironment* cups = nullptr;
const auto* registered = ::testing::AddGlobalTestEnvironment(cups = new CupsEnvironment);

constexpr const char* kDesk = "门诊楼一层人工服务台";

class ReportsJourneyTest : public AppTest {
protected:
    std::optional<SimProcess> hospital;

    void SetUp() override {
        // Each test reads only its own printouts.
        std::error_code ec;
        for (const auto& entry : std::filesystem::directory_iterator(cups->server->outDir(), ec)) std::filesystem::remove(entry.path(), ec);
        ASSERT_TRUE(cups->server->setEnabled("KioskPDF", true));
    }

    /// The report printer's [[devices]] entry: `queue` on the private cupsd; "" = none.
    static std::string printerConfig(const std::string& queue) {
        if (queue.empty()) return {};
        return "\n[[devices]]\nname = \"reports\"\nclass = \"report_printer\"\ndriver = \"cups\"\nqueue = \"" + queue +
               "\"\nserver = \"" + cups->server->socket().string() + "\"\npoll_ms = 100\nstall_ms = 800\n";
    }

    void startWith(const std::string& queue = "KioskPDF", const std::string& extra = "", int reprintLimit = 1) {
        hospital.emplace();
        ASSERT_GT(hospital->port(), 0) << hospital->error();
        auto loaded = config(printerConfig(queue) + "[backend]\ndriver = \"fhir\"\nbase_url = \"" + hospital->fhirUrl() +
                             "\"\nconnect_timeout_ms = 500\ncall_timeout_ms = 5000\nretries = 0\n[printing]\nreprint_limit = " +
                             std::to_string(reprintLimit) + "\n" + extra);
        ASSERT_TRUE(loaded.has_value()) << loaded.error().detail;
        auto his = backend::makeHisDriver(loaded->backend, loaded->kioskId);
        ASSERT_TRUE(his.has_value()) << his.error().detail;
        screens::AppOptions options = headlessOptions();
        options.his = std::move(*his);
        open(std::move(*loaded), std::move(options));
    }

    /// Until no flow's worker runs (at most `seconds`), drawing the answers.
    void settleFlows(int seconds = 60) {
        app->settle();
        for (int i = 0; i < seconds * 20 && app->services().working(); ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            app->settle();
        }
        app->settle();
    }

    /// Identifies `person` by card and taps the reports tile: the list is read.
    screens::JourneyReport openReports(const std::string& person = "zhang-san", const std::string& language = "zh_CN",
                                       bool largePrint = false) {
        auto report = journey(std::string(R"({"language": ")") + language + R"(", "large_print": )" + (largePrint ? "true" : "false") +
                              R"(, "steps": [{"tap": "attract.start"},
            {"insert_card": {"device": "card", "person": ")" + person + R"("}},
            {"expect_screen": "menu"},
            {"tap": "menu.reports"},
            {"await_screen": {"screen": "reports", "seconds": 15}}]})");
        settleFlows();
        return report;
    }

    screens::ReportsView view() { return app->services().reports().view(); }

    /// The barcode of `person`'s lab slip for report `number` (1 lab … 5 thyroid), as hospital-sim
    /// seeds it (sim/hospital/README.md "Reports").
    static std::string slipOf(const std::string& person, int number) {
        static const std::map<std::string, std::string> kCards = {{"zhang-san", "H20240000"}, {"li-jun", "H20240007"}};
        return screens::simulatedLabSlipCode(kCards.at(person), number);
    }
    /// The scanner reads `code` on the screen shown now; every flow's answer is drawn.
    screens::JourneyReport scanSlip(const std::string& code) {
        auto report = journey(R"({"steps": [{"scan": {"device": "scanner", "payload": ")" + code + R"("}}]})");
        settleFlows();
        return report;
    }

    /// The index of a report in the list (its "reports.open.N" button).
    size_t indexOf(const std::string& suffix) {
        const auto v = view();
        for (size_t i = 0; i < v.reports.size(); ++i) {
            if (v.reports[i].report.id.ends_with(suffix)) return i;
        }
        ADD_FAILURE() << "no report *" << suffix;
        return 0;
    }

    /// On the list, pages to the one showing "reports.open.N" of the report `suffix`; false if none does.
    bool pageToReport(const std::string& suffix) {
        const std::string id = "reports.open." + std::to_string(indexOf(suffix));
        while (app->buttonRects().contains("reports.prev")) {
            if (!journey(R"({"steps": [{"tap": "reports.prev"}]})").ok) return false;
        }
        while (!app->buttonRects().contains(id) && app->buttonRects().contains("reports.next")) {
            if (!journey(R"({"steps": [{"tap": "reports.next"}]})").ok) return false;
        }
        return app->buttonRects().contains(id);
    }
    /// Opens the report `suffix` from the list (paging to it) and comes back, paging through its table.
    void openAndBack(const std::string& suffix) {
        ASSERT_TRUE(pageToReport(suffix)) << suffix;
        auto report = journey(R"({"steps": [{"tap": "reports.open.)" + std::to_string(indexOf(suffix)) +
                              R"("}, {"expect_screen": "reports.detail"}]})");
        ASSERT_TRUE(report.ok) << describe(report);
        while (app->buttonRects().contains("reports.next")) ASSERT_TRUE(journey(R"({"steps": [{"tap": "reports.next"}]})").ok);
        ASSERT_TRUE(journey(R"({"steps": [{"tap": "reports.back"}, {"expect_screen": "reports"}]})").ok);
    }

    std::vector<std::string> shown() const {
        std::vector<std::string> texts;
        for (const auto& rect : app->textRects()) texts.push_back(rect.text);
        return texts;
    }
    bool showsText(const std::string& part) const {
        const auto texts = shown();
        return std::any_of(texts.begin(), texts.end(), [&](const std::string& t) { return t.find(part) != std::string::npos; });
    }
    std::string allShown() const {
        std::string out;
        for (const auto& t : shown()) out += t + " | ";
        return out;
    }

    /// The PDFs cups-pdf wrote (each a completed job).
    std::vector<std::filesystem::path> printedFiles() const {
        std::vector<std::filesystem::path> files;
        std::error_code ec;
        for (const auto& entry : std::filesystem::directory_iterator(cups->server->outDir(), ec)) {
            if (entry.path().extension() == ".pdf") files.push_back(entry.path());
        }
        std::sort(files.begin(), files.end());
        return files;
    }
    /// The text poppler reads from a printed PDF.
    static std::string textOf(const std::filesystem::path& pdf) {
        std::string out;
        runShell("pdftotext -layout '" + pdf.string() + "' -", &out);
        return out;
    }
    static int pagesOf(const std::filesystem::path& pdf) {
        std::string out;
        runShell("pdfinfo '" + pdf.string() + "'", &out);
        const auto at = out.find("Pages:");
        return at == std::string::npos ? 0 : std::atoi(out.c_str() + at + 6);
    }

};

TEST_F(ReportsJourneyTest, ListsReadyAndPendingAndPrintsAllNotYetPrintedInTwoTaps) {
    startWith();
    auto report = openReports();
    ASSERT_TRUE(report.ok) << describe(report);
    auto v = view();
    ASSERT_EQ(v.stage, screens::ReportsStage::list);
    ASSERT_EQ(v.reports.size(), 5U);
    EXPECT_EQ(v.refused, 0);
    // Ready first (newest first), the pending one last with its expected time.
    EXPECT_TRUE(v.reports.back().report.id.ends_with("-thyroid"));
    EXPECT_FALSE(v.reports.back().report.ready());
    EXPECT_FALSE(v.reports.back().report.expected.empty());
    EXPECT_TRUE(showsText("预计 " + v.reports.back().report.expected.substr(5, 5))) << allShown();
    EXPECT_TRUE(showsText("检验科"));
    EXPECT_TRUE(showsText("已打印 1 次")) << "the urinalysis was printed at the desk (the HIS's print-count)";
    const auto waiting = v.notYetPrinted();
    ASSERT_EQ(waiting.size(), 3U) << "lab, chem and CT: the urinalysis was printed, the thyroid one is pending";
    EXPECT_TRUE(showsText("打印全部未打印报告（3 份）"));

    // From the menu: the tile, then "print all" — two taps.
    report = journey(R"({"steps": [{"tap": "reports.menu"}, {"expect_screen": "menu"}]})");
    ASSERT_TRUE(report.ok) << describe(report);
    // The list loads on a worker: waiting for it is the patient's time, not a tap.
    report = journey(R"({"steps": [{"tap": "menu.reports"}, {"await_screen": {"screen": "reports", "seconds": 20}},
                                   {"tap": "reports.print_all"}]})");
    ASSERT_TRUE(report.ok) << describe(report);
    const auto taps = std::count_if(report.steps.begin(), report.steps.end(), [](const auto& s) { return s.step.starts_with("tap "); });
    EXPECT_EQ(taps, 2) << "two taps from the menu";
    settleFlows();
    v = view();
    for (const auto& e : v.reports) {
        if (std::find(waiting.begin(), waiting.end(), e.report.id) == waiting.end()) continue;
        EXPECT_EQ(e.print, screens::ReportPrint::printed) << e.report.id << " " << e.printErrorKey;
        EXPECT_EQ(e.printedHere, 1) << e.report.id;
    }
    EXPECT_TRUE(v.notYetPrinted().empty());
    EXPECT_EQ(v.printMessageKey, "reports.print.done");
    EXPECT_TRUE(showsText("报告已打印完毕"));
    EXPECT_FALSE(showsText("打印全部未打印报告")) << "nothing is left to print";

    // Three jobs came out of cups-pdf; the long panel is two pages.
    const auto files = printedFiles();
    ASSERT_EQ(files.size(), 3U);
    int pages = 0;
    for (const auto& f : files) pages += pagesOf(f);
    EXPECT_EQ(pages, 4) << "CBC 1 + biochemistry 2 + CT 1";

    // Read back: each printout is the hospital's PDF as it is. cups-pdf turns text into outlines
    // (harness.md §5: pdftotext finds nothing in its output, and its rendering shifts pixels more
    // than two different reports differ), so the text is read from the hospital's PDF with
    // pdftotext, and each printout is matched to it by its job title (cups-pdf names the file
    // after it: the report's id), its page count and its A4 page.
    backend::FhirHisDriver his(hospital->settings());
    auto listed = his.reports("pat-zhang-san");
    ASSERT_TRUE(listed.has_value());
    const auto work = outputDir() / "pdf";
    std::filesystem::create_directories(work);
    std::vector<std::string> originals;
    for (const auto& r : *listed) {
        if (std::find(waiting.begin(), waiting.end(), r.id) == waiting.end()) continue;
        auto pdf = his.reportPdf(r);
        ASSERT_TRUE(pdf.has_value());
        const auto file = work / (r.id + ".pdf");
        std::ofstream(file, std::ios::binary) << *pdf;
        originals.push_back(file.string());
        if (r.id.ends_with("-lab")) {
            const std::string text = textOf(file);
            EXPECT_NE(text.find("11.2"), std::string::npos) << text;
            EXPECT_NE(text.find("张*"), std::string::npos) << "the name is masked on the report";
        }
    }
    // Each printout matches one original page for page (the job title names the report).
    for (const auto& printed : files) {
        const std::string name = printed.filename().string();
        const auto original = std::find_if(originals.begin(), originals.end(), [&](const std::string& o) {
            return name.find(std::filesystem::path(o).stem().string()) != std::string::npos;
        });
        ASSERT_NE(original, originals.end()) << name;
        EXPECT_EQ(pagesOf(printed), pagesOf(*original)) << name;
        std::string info;
        runShell("pdfinfo '" + printed.string() + "'", &info);
        EXPECT_NE(info.find("(A4)"), std::string::npos) << info;
    }
}

/// The 40-row panel on screen: paged by what fits, flags as glyph and word, values that are not
/// numbers as the HIS wrote them, no flag guessed for them or for a missing or reversed range.
TEST_F(ReportsJourneyTest, LongLabPanelIsPagedWithFlagsInWords) {
    startWith();
    ASSERT_TRUE(openReports().ok);
    const size_t chem = indexOf("-chem");
    auto report = journey(R"({"steps": [{"tap": "reports.open.)" + std::to_string(chem) + R"("}, {"expect_screen": "reports.detail"}]})");
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_TRUE(showsText("丙氨酸氨基转移酶 ALT")) << allShown();
    EXPECT_TRUE(showsText("↑ 高")) << allShown();
    EXPECT_TRUE(showsText("第 1/")) << "40 rows do not fit one page";
    // Page through to the end; every row is seen once.
    std::set<std::string> seen;
    std::set<std::string> oddSeen;
    const auto v = view();
    const auto* entry = v.find(v.selected);
    ASSERT_NE(entry, nullptr);
    ASSERT_EQ(entry->report.results.size(), 40U);
    // The odd rows (at the panel's end, on whichever page they fall): "阴性", "<0.1", "++" shown
    // as written; the reversed range and the missing one get "?" and "无", never a computed ↑/↓;
    // "异常" because the HIS marks ++ abnormal.
    const std::vector<std::string> odd{"阴性", "<0.1", "++", "异常", "?", "无"};
    for (int page = 0; page < 20; ++page) {
        for (const auto& r : entry->report.results) {
            if (showsText(r.item)) seen.insert(r.item);
        }
        for (const auto& text : odd) {
            if (showsText(text)) oddSeen.insert(text);
        }
        if (!app->buttonRects().contains("reports.next")) break;
        ASSERT_TRUE(journey(R"({"steps": [{"tap": "reports.next"}]})").ok);
    }
    EXPECT_EQ(seen.size(), 40U);
    for (const auto& text : odd) EXPECT_TRUE(oddSeen.contains(text)) << text;
    for (const auto& r : entry->report.results) {
        if (r.item.starts_with("载脂蛋白A1")) {
            EXPECT_TRUE(screens::rangeReversed(r));
            EXPECT_EQ(screens::labFlagOf(r), screens::LabFlag::unknown);
        }
        if (r.item.starts_with("降钙素原")) {
            EXPECT_EQ(r.value, "<0.1");
            EXPECT_EQ(screens::labFlagOf(r), screens::LabFlag::normal);
        }
        if (r.item.starts_with("超敏C反应蛋白")) EXPECT_EQ(screens::labFlagOf(r), screens::LabFlag::unknown);
    }
    // The same table in English and in large print (the layout check runs on every frame).
    report = journey(R"({"steps": [{"tap": "reports.back"}, {"set_language": "en_US"}, {"tap": "reports.open.)" + std::to_string(chem) +
                     R"("}, {"set_large_print": true}, {"tap": "reports.next"}]})");
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_TRUE(showsText("Page 2 of")) << allShown();
}

/// The flag rules on their own, on values a HIS sends.
TEST(LabFlags, NumbersAgainstRangesAndNothingGuessed) {
    using screens::LabFlag;
    using screens::labFlagOf;
    backend::LabObservation o{"WBC", "11.2", "10^9/L", 3.5, 9.5, "", ""};
    EXPECT_EQ(labFlagOf(o), LabFlag::high);
    o.value = "3.1";
    EXPECT_EQ(labFlagOf(o), LabFlag::low);
    o.value = "6";
    EXPECT_EQ(labFlagOf(o), LabFlag::normal);
    o.interpretation = "H";  // the HIS's word wins (its own rules: age, sex)
    EXPECT_EQ(labFlagOf(o), LabFlag::high);
    o.interpretation.clear();
    for (const char* text : {"阴性", "<0.1", "++", "", " 6", "6 ", "1e400x"}) {
        o.value = text;
        EXPECT_EQ(labFlagOf(o), LabFlag::normal) << text;
    }
    o.value = "6";
    o.low = 9.5;
    o.high = 3.5;  // reversed
    EXPECT_EQ(labFlagOf(o), LabFlag::unknown);
    EXPECT_EQ(screens::rangeTextOf(o), "9.5–3.5");
    o.low.reset();
    o.high.reset();
    EXPECT_EQ(labFlagOf(o), LabFlag::unknown);
    EXPECT_EQ(screens::rangeTextOf(o), "");
    o.high = 5.2;
    EXPECT_EQ(screens::rangeTextOf(o), "< 5.2");
}

/// [printing] reprint_limit = 1: a report prints twice in all, counting the HIS's prints; the
/// third is refused with the desk named, and nothing more comes out.
TEST_F(ReportsJourneyTest, ReprintLimitIsEnforcedWithTheDeskNamed) {
    startWith("KioskPDF", "", 1);
    ASSERT_TRUE(openReports().ok);
    const size_t urine = indexOf("-urine");
    auto report = journey(R"({"steps": [{"tap": "reports.open.)" + std::to_string(urine) + R"("}, {"tap": "reports.print_one"}]})");
    ASSERT_TRUE(report.ok) << describe(report);
    settleFlows();
    auto v = view();
    ASSERT_EQ(v.find(v.selected)->print, screens::ReportPrint::printed) << v.find(v.selected)->printErrorKey;
    EXPECT_EQ(v.find(v.selected)->prints(), 2) << "one at the desk, one here";
    EXPECT_EQ(printedFiles().size(), 1U);
    report = journey(R"({"steps": [{"tap": "reports.print_one"}]})");
    ASSERT_TRUE(report.ok) << describe(report);
    settleFlows();
    v = view();
    EXPECT_EQ(v.printMessageKey, "reports.print.limit");
    EXPECT_TRUE(showsText(std::string("请到") + kDesk + "办理")) << allShown();
    EXPECT_EQ(printedFiles().size(), 1U) << "nothing printed beyond the limit";
    ASSERT_TRUE(journey(R"({"steps": [{"set_language": "en_US"}]})").ok);
    EXPECT_TRUE(showsText("already been printed 2 times")) << allShown();
}

/// A job the printer does not complete (nothing answers the queue's socket) is not counted:
/// the report stays "not printed" and prints again once the printer works.
TEST_F(ReportsJourneyTest, AJobThatDidNotPrintIsNotCountedAndPrintsAgain) {
    // The socket backend retries without an error reason: the site's print timeout ends the job.
    startWith("Unreachable", "[reports]\nprint_timeout_s = 3\n");
    ASSERT_TRUE(openReports().ok);
    const size_t lab = indexOf("-lab");
    auto report = journey(R"({"steps": [{"tap": "reports.open.)" + std::to_string(lab) + R"("}, {"tap": "reports.print_one"}]})");
    ASSERT_TRUE(report.ok) << describe(report);
    settleFlows();
    auto v = view();
    const auto* e = v.find(v.selected);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->print, screens::ReportPrint::failed);
    EXPECT_EQ(e->prints(), 0) << "not counted";
    EXPECT_EQ(v.printMessageKey, "reports.print.some_failed");
    EXPECT_TRUE(showsText("不计入打印次数")) << allShown();
    EXPECT_EQ(v.notYetPrinted().size(), 3U) << "still among the reports to print";
}

/// The printer out of service (stopped by staff) or not configured: the reports are listed and
/// shown, no print button, and the patient is told where to print them.
TEST_F(ReportsJourneyTest, WithoutAWorkingPrinterReportsAreShownAndTheDeskNamed) {
    ASSERT_TRUE(cups->server->setEnabled("KioskPDF", false));
    startWith("KioskPDF");
    ASSERT_TRUE(openReports().ok);
    EXPECT_EQ(view().reports.size(), 5U);
    EXPECT_TRUE(showsText(std::string("暂停使用")) && showsText(kDesk)) << allShown();
    EXPECT_FALSE(app->buttonRects().contains("reports.print_all"));
    auto report = journey(R"({"steps": [{"tap": "reports.open.)" + std::to_string(indexOf("-lab")) +
                          R"("}, {"expect_screen": "reports.detail"}]})");
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_TRUE(showsText("白细胞 WBC"));
    EXPECT_FALSE(app->buttonRects().contains("reports.print_one"));
    ASSERT_TRUE(cups->server->setEnabled("KioskPDF", true));

    startWith("");  // no report printer at all
    ASSERT_TRUE(openReports("li-jun", "en_US").ok);
    EXPECT_EQ(view().reports.size(), 5U);
    EXPECT_TRUE(showsText("no report printer")) << allShown();
    EXPECT_FALSE(app->buttonRects().contains("reports.print_all"));
}

/// Bad answers from the HIS: a report of another patient in the list (refused, logged, not
/// shown); a PDF that is empty or cut short (not printed, not counted, the desk named).
TEST_F(ReportsJourneyTest, AnotherPatientsReportIsRefusedAndABadPdfIsNotPrinted) {
    startWith();
    // The HIS answers zhang-san's search with one of his reports and one of li-jun's.
    backend::FhirHisDriver his(hospital->settings());
    const auto call = [&](const std::string& path) { return hospital->call("GET", "/fhir/" + path); };
    const auto mine = call("DiagnosticReport/rpt-zhang-san-lab");
    auto other = call("DiagnosticReport/rpt-li-jun-ct");
    ASSERT_EQ(other.value("resourceType", ""), "DiagnosticReport");
    other["code"]["text"] = "别人的胸部CT";
    const nlohmann::json bundle{{"resourceType", "Bundle"},
                                {"type", "searchset"},
                                {"total", 2},
                                {"entry", nlohmann::json::array({{{"fullUrl", hospital->fhirUrl() + "/DiagnosticReport/rpt-zhang-san-lab"}, {"resource", mine}},
                                                                  {{"fullUrl", hospital->fhirUrl() + "/DiagnosticReport/rpt-li-jun-ct"}, {"resource", other}}})}};
    hospital->armAnswer("GET", "/fhir/DiagnosticReport", bundle);
    ASSERT_TRUE(openReports().ok);
    auto v = view();
    ASSERT_EQ(v.reports.size(), 1U);
    EXPECT_EQ(v.reports[0].report.id, "rpt-zhang-san-lab");
    EXPECT_EQ(v.refused, 1);
    EXPECT_FALSE(showsText("别人的胸部CT"));

    // An empty PDF, then one cut short: neither printed nor counted.
    hospital->armAnswer("GET", "/fhir/Binary/", std::string(), 200, "application/pdf");
    auto report = journey(R"({"steps": [{"tap": "reports.open.0"}, {"tap": "reports.print_one"}]})");
    ASSERT_TRUE(report.ok) << describe(report);
    settleFlows();
    v = view();
    EXPECT_EQ(v.reports[0].print, screens::ReportPrint::failed);
    EXPECT_EQ(v.reports[0].printErrorKey, "reports.print.bad_file");
    EXPECT_EQ(v.reports[0].prints(), 0);
    EXPECT_TRUE(showsText("报告文件有误")) << allShown();
    hospital->armAnswer("GET", "/fhir/Binary/", std::string("%PDF-1.4\n1 0 obj << >> endobj\n"), 200, "application/pdf");
    ASSERT_TRUE(journey(R"({"steps": [{"tap": "reports.print_one"}]})").ok);
    settleFlows();
    v = view();
    EXPECT_EQ(v.reports[0].printErrorKey, "reports.print.bad_file") << "no %%EOF: refused before CUPS";
    EXPECT_TRUE(printedFiles().empty());
    // The real PDF again: it prints, now counted once.
    ASSERT_TRUE(journey(R"({"steps": [{"tap": "reports.print_one"}]})").ok);
    settleFlows();
    v = view();
    EXPECT_EQ(v.reports[0].print, screens::ReportPrint::printed) << v.reports[0].printErrorKey;
    EXPECT_EQ(v.reports[0].prints(), 1);
    EXPECT_EQ(printedFiles().size(), 1U);
}

/// The HIS not answering the report search: a plain message, the menu button, no hang; the list
/// comes back once it answers again.
TEST_F(ReportsJourneyTest, BackendDownSaysSoAndTheListComesBack) {
    startWith();
    hospital->armFault("http_503", "GET", "/fhir/DiagnosticReport", 1);
    ASSERT_TRUE(openReports().ok);
    auto v = view();
    EXPECT_EQ(v.stage, screens::ReportsStage::stopped);
    EXPECT_TRUE(showsText("暂时无法从医院系统查询报告")) << allShown();
    EXPECT_TRUE(app->buttonRects().contains("reports.menu"));
    auto report = journey(R"({"steps": [{"set_language": "en_US"}, {"tap": "reports.menu"}, {"tap": "menu.reports"}]})");
    ASSERT_TRUE(report.ok) << describe(report);
    settleFlows();
    EXPECT_EQ(view().stage, screens::ReportsStage::list);
    EXPECT_EQ(view().reports.size(), 5U);
}

/// Every reports screen in both languages, portrait and landscape, normal and large print (the
/// fixture checks each frame's layout; PNGs under test-output/ui/…/journey-N/).
TEST_F(ReportsJourneyTest, EveryReportsScreenFitsInEachOrientationPrintSizeAndLanguage) {
    for (const char* orientation : {"portrait", "landscape"}) {
        for (const bool largePrint : {false, true}) {
            for (const char* language : {"zh_CN", "en_US"}) {
                SCOPED_TRACE(std::string(orientation) + (largePrint ? " large " : " normal ") + language);
                startWith("KioskPDF", std::string("[ui]\norientation = \"") + orientation + "\"\n");
                ASSERT_TRUE(openReports("zhang-san", language, largePrint).ok);
                for (const char* suffix : {"-lab", "-ct", "-chem", "-urine"}) openAndBack(suffix);
                // The last page of the list (the pending report) and its print message.
                ASSERT_TRUE(pageToReport("-urine"));
                while (app->buttonRects().contains("reports.next")) ASSERT_TRUE(journey(R"({"steps": [{"tap": "reports.next"}]})").ok);
            }
        }
    }
}

// ---------------------------------------------------------------- lab slips (issue 12 item 1)

/// A lab slip scanned on the attract screen: no card, no tap; the report found and printed on the
/// A4 printer through CUPS; the screen shows what the slip says (masked name, title, date) and
/// nothing more. Each print counts: with reprint_limit 1 the third scan is refused, the desk named.
TEST_F(ReportsJourneyTest, ALabSlipOnTheAttractScreenPrintsItsReportWithoutACardOrATap) {
    startWith("KioskPDF", "", 1);
    auto report = scanSlip(slipOf("zhang-san", 1));
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_EQ(report.steps.size(), 1U) << "the scan only: 0 taps";
    ASSERT_EQ(app->currentScreen(), "reports.slip");
    EXPECT_TRUE(app->session().active());
    auto v = view();
    ASSERT_EQ(v.reports.size(), 1U);
    EXPECT_EQ(v.reports[0].report.id, "rpt-zhang-san-lab");
    EXPECT_EQ(v.reports[0].print, screens::ReportPrint::printed) << v.reports[0].printErrorKey;
    EXPECT_EQ(v.reports[0].printedHere, 1) << "journalled: it counts towards the limit";
    ASSERT_EQ(printedFiles().size(), 1U);
    EXPECT_EQ(pagesOf(printedFiles()[0]), 1);
    // What the slip says, and nothing more of the patient or the report.
    EXPECT_TRUE(showsText("张*")) << allShown();
    EXPECT_FALSE(showsText("张三")) << "never the whole name";
    EXPECT_TRUE(showsText("血常规检验报告"));
    EXPECT_TRUE(showsText(v.reports[0].report.issued.substr(5, 5)));
    EXPECT_TRUE(showsText("报告已打印")) << allShown();
    for (const char* other : {"白细胞", "11.2", "检验科", "生化全项", "1101"}) EXPECT_FALSE(showsText(other)) << other << ": " << allShown();
    EXPECT_FALSE(app->buttonRects().contains("reports.print_one"));
    ASSERT_TRUE(journey(R"({"steps": [{"set_language": "en_US"}]})").ok);
    EXPECT_TRUE(showsText("Your report has been printed")) << allShown();
    // Done: the session ends; the next scan prints it again (2 in all), the third is refused.
    ASSERT_TRUE(journey(R"({"steps": [{"tap": "reports.slip.done"}, {"expect_screen": "attract"}, {"set_language": "zh_CN"}]})").ok);
    EXPECT_FALSE(app->session().active());
    ASSERT_TRUE(scanSlip(slipOf("zhang-san", 1)).ok);
    EXPECT_EQ(view().reports[0].print, screens::ReportPrint::printed);
    EXPECT_EQ(printedFiles().size(), 2U);
    ASSERT_TRUE(journey(R"({"steps": [{"tap": "reports.slip.done"}]})").ok);
    ASSERT_TRUE(scanSlip(slipOf("zhang-san", 1)).ok);
    ASSERT_EQ(app->currentScreen(), "reports.slip");
    EXPECT_EQ(view().printMessageKey, "reports.print.limit");
    EXPECT_TRUE(showsText(std::string("请到") + kDesk + "办理")) << allShown();
    EXPECT_EQ(printedFiles().size(), 2U) << "nothing printed beyond the limit";
}

/// Inside a card session, on the reports list: a relative's slip prints that report; the
/// patient's own list comes back without it afterwards.
TEST_F(ReportsJourneyTest, ALabSlipScannedDuringASessionPrintsAndTheListStaysThePatientsOwn) {
    startWith();
    ASSERT_TRUE(openReports().ok);
    auto report = scanSlip(slipOf("li-jun", 3));
    ASSERT_TRUE(report.ok) << describe(report);
    ASSERT_EQ(app->currentScreen(), "reports.slip");
    auto v = view();
    ASSERT_EQ(v.reports.size(), 1U);
    EXPECT_EQ(v.reports[0].report.id, "rpt-li-jun-ct");
    EXPECT_EQ(v.reports[0].print, screens::ReportPrint::printed) << v.reports[0].printErrorKey;
    EXPECT_EQ(printedFiles().size(), 1U);
    EXPECT_TRUE(showsText("李*")) << allShown();
    EXPECT_FALSE(showsText("胸部CT平扫未见明显异常")) << "the slip's report is printed, not shown";
    report = journey(R"({"steps": [{"tap": "reports.slip.done"}, {"expect_screen": "reports"}]})");
    ASSERT_TRUE(report.ok) << describe(report);
    settleFlows();
    v = view();
    EXPECT_TRUE(v.slipCode.empty());
    ASSERT_EQ(v.reports.size(), 5U);
    for (const auto& e : v.reports) EXPECT_TRUE(e.report.id.starts_with("rpt-zhang-san-")) << e.report.id;
    EXPECT_TRUE(app->session().active()) << "the card session goes on";
}

/// What a slip that cannot print now says: a pending report (when it is expected), an unknown
/// barcode (both languages, no session), the hospital down (both languages), the printer out of
/// service (where to print it). Nothing is printed.
TEST_F(ReportsJourneyTest, ALabSlipThatCannotPrintNowSaysWhyAndWhere) {
    startWith();
    ASSERT_TRUE(scanSlip(slipOf("zhang-san", 5)).ok);
    ASSERT_EQ(app->currentScreen(), "reports.slip");
    const auto v = view();
    ASSERT_EQ(v.reports.size(), 1U);
    EXPECT_EQ(v.slipProblemKey, "reports.slip.pending");
    EXPECT_TRUE(showsText("报告还没有出来，预计 " + v.reports[0].report.expected.substr(5, 5))) << allShown();
    ASSERT_TRUE(journey(R"({"steps": [{"tap": "reports.slip.done"}, {"expect_screen": "attract"}]})").ok);

    ASSERT_TRUE(scanSlip("999999999999").ok);
    EXPECT_EQ(app->currentScreen(), "attract");
    EXPECT_FALSE(app->session().active());
    EXPECT_TRUE(showsText("没有找到这张化验单对应的报告")) << allShown();
    EXPECT_TRUE(showsText("No report was found for this lab slip")) << "the other language beneath";

    hospital->armFault("http_503", "GET", "/fhir/DiagnosticReport", 1);
    ASSERT_TRUE(scanSlip(slipOf("zhang-san", 1)).ok);
    EXPECT_EQ(app->currentScreen(), "attract");
    EXPECT_TRUE(showsText("暂时无法从医院系统查找这张化验单的报告")) << allShown();
    EXPECT_TRUE(showsText("The hospital system is not answering"));

    ASSERT_TRUE(cups->server->setEnabled("KioskPDF", false));
    ASSERT_TRUE(scanSlip(slipOf("zhang-san", 1)).ok);
    ASSERT_EQ(app->currentScreen(), "reports.slip");
    EXPECT_EQ(view().slipProblemKey, "reports.printer.out_of_service");
    EXPECT_TRUE(showsText(std::string("本机报告打印机暂停使用，请持化验单到") + kDesk + "打印")) << allShown();
    ASSERT_TRUE(cups->server->setEnabled("KioskPDF", true));
    EXPECT_TRUE(printedFiles().empty());
}

/// The slip screen in portrait and landscape, normal and large print, both languages (the fixture
/// checks each frame's layout): printed, then a pending slip scanned on the slip screen itself.
TEST_F(ReportsJourneyTest, TheLabSlipScreenFitsInEachOrientationPrintSizeAndLanguage) {
    for (const char* orientation : {"portrait", "landscape"}) {
        SCOPED_TRACE(orientation);
        startWith("KioskPDF", std::string("[ui]\norientation = \"") + orientation + "\"\n", 9);
        ASSERT_TRUE(scanSlip(slipOf("li-jun", 1)).ok);
        ASSERT_EQ(app->currentScreen(), "reports.slip");
        const char* toggles = R"({"steps": [{"set_large_print": true}, {"set_language": "en_US"}, {"set_large_print": false}, {"set_language": "zh_CN"}]})";
        ASSERT_TRUE(journey(toggles).ok);
        ASSERT_TRUE(scanSlip(slipOf("li-jun", 5)).ok);
        EXPECT_EQ(view().slipProblemKey, "reports.slip.pending");
        ASSERT_TRUE(journey(toggles).ok);
    }
}

// ---------------------------------------------------------------- a report PDF of 50 MB

/// A 50 MB "PDF" from the HIS (with Content-Length, then chunked without one): refused at the
/// site's cap (max_report_pdf_mb, 10 by default) before it is read whole, the patient told to
/// print it at the desk, nothing sent to the printer, not counted; no hang.
TEST_F(ReportsJourneyTest, AFiftyMegabyteReportPdfIsRefusedBeforeItIsDownloaded) {
    startWith();
    // The driver itself: the precise reason, and how long it took.
    backend::FhirHisDriver his(hospital->settings());
    auto listed = his.reports("pat-zhang-san");
    ASSERT_TRUE(listed.has_value());
    const auto lab = std::find_if(listed->begin(), listed->end(), [](const backend::Report& r) { return r.id.ends_with("-lab"); });
    ASSERT_NE(lab, listed->end());
    const auto armHuge = [&](bool chunked) {
        hospital->call("POST", "/admin/faults",
                       {{"kind", "huge_pdf"}, {"method", "GET"}, {"path", "/fhir/Binary/"}, {"count", 1}, {"size_mb", 50}, {"chunked", chunked}});
    };
    for (const bool chunked : {false, true}) {
        armHuge(chunked);
        const auto started = std::chrono::steady_clock::now();
        auto pdf = his.reportPdf(*lab);
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
        ASSERT_FALSE(pdf.has_value()) << (chunked ? "chunked" : "with length");
        EXPECT_EQ(pdf.error().messageKey, "backend.report_pdf_too_large");
        EXPECT_NE(pdf.error().detail.find("max_report_pdf_mb"), std::string::npos) << pdf.error().detail;
        if (!chunked) {
            EXPECT_NE(pdf.error().detail.find("Content-Length 52428800"), std::string::npos) << pdf.error().detail;
        }
        EXPECT_LT(ms, 5000) << "refused at the cap, not after 50 MB";
        std::printf("[ measure  ] 50 MB PDF (%s) refused in %lld ms\n", chunked ? "chunked" : "Content-Length", static_cast<long long>(ms));
    }
    // The declared size (presentedForm.size) alone refuses it: nothing is asked of the server.
    backend::Report declared = *lab;
    declared.pdfSize = 50LL * 1024 * 1024;
    auto refused = his.reportPdf(declared);
    ASSERT_FALSE(refused.has_value());
    EXPECT_NE(refused.error().detail.find("presentedForm.size 52428800"), std::string::npos) << refused.error().detail;

    // On the kiosk: printing it says why, nothing goes to CUPS, it stays printable.
    ASSERT_TRUE(openReports().ok);
    armHuge(false);
    auto report = journey(R"({"steps": [{"tap": "reports.open.)" + std::to_string(indexOf("-lab")) + R"("}, {"tap": "reports.print_one"}]})");
    ASSERT_TRUE(report.ok) << describe(report);
    settleFlows();
    auto v = view();
    const auto* e = v.find(v.selected);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->print, screens::ReportPrint::failed);
    EXPECT_EQ(e->printErrorKey, "reports.print.too_large");
    EXPECT_EQ(e->prints(), 0);
    EXPECT_TRUE(showsText("报告文件过大")) << allShown();
    EXPECT_TRUE(printedFiles().empty());
    ASSERT_TRUE(journey(R"({"steps": [{"set_language": "en_US"}]})").ok);
    EXPECT_TRUE(showsText("too large to print")) << allShown();
}

/// [backend] max_report_pdf_mb is checked at start-up: above max_body_mb it is refused by name.
TEST(ReportPdfCap, AboveTheAnswerCapIsAConfigErrorNamingTheKey) {
    TempDir dir;
    auto loaded = loadConfig(dir.write("kiosk.toml", demoConfigText("[backend]\ndriver = \"fhir\"\nbase_url = \"http://127.0.0.1:9/fhir\"\n"
                                                                     "max_body_mb = 16\nmax_report_pdf_mb = 20\n")));
    ASSERT_TRUE(loaded.has_value()) << loaded.error().detail;
    auto his = backend::makeHisDriver(loaded->backend, loaded->kioskId);
    ASSERT_FALSE(his.has_value());
    EXPECT_NE(his.error().detail.find("max_report_pdf_mb"), std::string::npos) << his.error().detail;
    auto fine = loadConfig(dir.write("ok.toml", demoConfigText("[backend]\ndriver = \"fhir\"\nbase_url = \"http://127.0.0.1:9/fhir\"\nmax_report_pdf_mb = 4\n")));
    ASSERT_TRUE(fine.has_value());
    EXPECT_TRUE(backend::makeHisDriver(fine->backend, fine->kioskId).has_value());
}

}  // namespace
}  // namespace kiosk::test
