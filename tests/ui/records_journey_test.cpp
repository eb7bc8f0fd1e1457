// My records (issue 12 item 4) end to end: the real App (headless SDL, software renderer) with the
// FHIR HisDriver over loopback HTTP against the real hospital-sim, whose seed gives every demo
// person past visits (one without a diagnosis text) and past payments in every channel, the
// first person more than a page of each (sim/hospital/README.md "Visits and payments"); the
// simulated receipt printer the payment tests print on. PNGs: <build>/test-output/ui/<test>/.
#include "tests/backend/sim_process.hpp"
#include "tests/ui/app_fixture.hpp"

#include <thread>

#include "drivers/sim/sim_devices.hpp"
#include "kiosk/backend/his_factory.hpp"
#include "screens/records/records_flow.hpp"
#include "screens/records/records_screens.hpp"

namespace kiosk::test {

namespace {

class RecordsJourneyTest : public AppTest {
protected:
    std::optional<SimProcess> hospital;

    void SetUp() override {
        hospital.emplace();
        ASSERT_GT(hospital->port(), 0) << hospital->error();
    }

    /// The App on the demo devices (its simulated receipt printer included) against the hospital.
    void startWith(const std::string& extra = "", int reprintLimit = 2) {
        auto loaded = config("[backend]\ndriver = \"fhir\"\nbase_url = \"" + hospital->fhirUrl() +
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
    void settleFlows(int seconds = 30) {
        app->settle();
        for (int i = 0; i < seconds * 20 && app->services().working(); ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            app->settle();
        }
        app->settle();
    }

    /// Identifies `person` by card and taps the records tile: the history is read.
    screens::JourneyReport openRecords(const std::string& person = "zhang-san", const std::string& language = "zh_CN",
                                       bool largePrint = false) {
        auto report = journey(std::string(R"({"language": ")") + language + R"(", "large_print": )" + (largePrint ? "true" : "false") +
                              R"(, "steps": [{"tap": "attract.start"},
            {"insert_card": {"device": "card", "person": ")" + person + R"("}},
            {"expect_screen": "menu"},
            {"tap": "menu.records"},
            {"await_screen": {"screen": "records", "seconds": 15}}]})");
        settleFlows();
        // One more frame drawn from the answer (the PNG and the layout check of the list).
        journey(R"({"steps": [{"expect_screen": "records"}]})");
        return report;
    }

    screens::RecordsView view() { return app->services().records().view(); }

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
    bool tap(const std::string& id) { return journey(R"({"steps": [{"tap": ")" + id + R"("}]})").ok; }

    std::vector<std::vector<std::string>> printed() {
        auto* printer = dynamic_cast<drivers::sim::SimReceiptPrinter*>(app->devices().find("printer"));
        EXPECT_NE(printer, nullptr);
        return printer ? printer->printedJobs() : std::vector<std::vector<std::string>>{};
    }
    static bool contains(const std::vector<std::string>& lines, const std::string& text) {
        return std::any_of(lines.begin(), lines.end(), [&](const std::string& line) { return line.find(text) != std::string::npos; });
    }
};

/// The list: visits and payments newest first, masked name and ID number, a visit without a
/// diagnosis said so, two pages of visits with big previous / next buttons, at most 6 rows a page.
TEST_F(RecordsJourneyTest, VisitsAndPaymentsAreListedNewestFirstPagedAndMasked) {
    startWith();
    const auto report = openRecords();
    ASSERT_TRUE(report.ok) << describe(report);
    auto v = view();
    ASSERT_EQ(v.stage, screens::RecordsStage::list) << (v.error ? v.error->describe() : "");
    ASSERT_EQ(v.visits.size(), 9U);
    ASSERT_EQ(v.payments.size(), 7U);
    EXPECT_EQ(v.refused, 0);
    for (size_t i = 1; i < v.visits.size(); ++i) EXPECT_GT(v.visits[i - 1].start, v.visits[i].start) << i;
    for (size_t i = 1; i < v.payments.size(); ++i) EXPECT_GT(v.payments[i - 1].created, v.payments[i].created) << i;
    EXPECT_EQ(v.visits[0].department, "心血管内科");
    EXPECT_EQ(v.visits[0].diagnosis, "原发性高血压（2级）");
    EXPECT_EQ(v.visits[1].diagnosis, "") << "the seed's visit without a diagnosis";
    EXPECT_FALSE(v.visits[0].doctor.empty());

    // Masked as everywhere: the name and the ID number never in clear.
    EXPECT_TRUE(showsText("张*")) << allShown();
    EXPECT_FALSE(showsText("张三")) << allShown();
    EXPECT_TRUE(showsText("0134")) << allShown();
    EXPECT_FALSE(showsText("110101199003070134"));
    EXPECT_TRUE(showsText("原发性高血压（2级）")) << allShown();
    EXPECT_TRUE(showsText("诊断：医院未提供")) << allShown();

    // Paged: six on the first page, the rest on the second.
    ASSERT_TRUE(app->buttonRects().contains("records.next"));
    EXPECT_FALSE(app->buttonRects().contains("records.prev"));
    EXPECT_TRUE(showsText("第 1/2 页")) << allShown();
    EXPECT_FALSE(showsText("腰椎间盘突出症")) << "the oldest visit is on page 2";
    ASSERT_TRUE(tap("records.next"));
    EXPECT_TRUE(showsText("腰椎间盘突出症")) << allShown();
    EXPECT_TRUE(app->buttonRects().contains("records.prev"));
    EXPECT_FALSE(app->buttonRects().contains("records.next"));
    ASSERT_TRUE(tap("records.prev"));
    EXPECT_TRUE(showsText("原发性高血压（2级）"));

    // Payments: date, amount, channel, what for, receipt number; a "receipt" button a row.
    ASSERT_TRUE(tap("records.tab.payments"));
    EXPECT_TRUE(showsText("50.00 元")) << allShown();
    EXPECT_TRUE(showsText("微信支付"));
    EXPECT_TRUE(showsText("门诊诊查费 等 2 项")) << allShown();
    EXPECT_TRUE(showsText("票据号：FP")) << allShown();
    auto rowsShown = [&] {
        size_t rows = 0;
        for (size_t i = 0; i < 7; ++i) rows += app->buttonRects().contains("records.open." + std::to_string(i)) ? 1 : 0;
        return rows;
    };
    const size_t firstPage = rowsShown();
    EXPECT_GE(firstPage, 4U) << "portrait, normal print: the page is used";
    EXPECT_LE(firstPage, 6U) << "at most 6 rows a page";
    EXPECT_TRUE(app->buttonRects().contains("records.open.0"));
    ASSERT_TRUE(tap("records.next"));
    EXPECT_TRUE(app->buttonRects().contains("records.open.6"));
    EXPECT_EQ(firstPage + rowsShown(), 7U) << "every payment on one of the two pages";

    // In English: the department's English name, the channel in words.
    ASSERT_TRUE(journey(R"({"steps": [{"set_language": "en_US"}, {"tap": "records.prev"}, {"tap": "records.tab.visits"}]})").ok);
    EXPECT_TRUE(showsText("Cardiology")) << allShown();
    EXPECT_TRUE(showsText("Diagnosis: not given by the hospital")) << allShown();
    ASSERT_TRUE(tap("records.menu"));
    EXPECT_EQ(app->currentScreen(), "menu");
}

/// A payment's receipt printed again on the receipt printer the payment screens print on,
/// marked as a reprint, masked; counted; the site's limit said plainly with the desk, and nothing
/// more printed.
TEST_F(RecordsJourneyTest, AReceiptIsReprintedUpToTheSitesLimit) {
    startWith("", 1);
    ASSERT_TRUE(openRecords().ok);
    const auto v = view();
    ASSERT_FALSE(v.payments.empty());
    const backend::PastPayment newest = v.payments.front();
    auto report = journey(R"({"steps": [{"tap": "records.tab.payments"}, {"tap": "records.open.0"},
        {"expect_screen": "records.payment"}, {"tap": "records.reprint"}]})");
    ASSERT_TRUE(report.ok) << describe(report);
    settleFlows();
    app->settle();
    auto jobs = printed();
    ASSERT_EQ(jobs.size(), 1U);
    EXPECT_TRUE(contains(jobs[0], "补打")) << "marked as a reprint";
    EXPECT_TRUE(contains(jobs[0], newest.receiptNo));
    EXPECT_TRUE(contains(jobs[0], "50.00"));
    EXPECT_TRUE(contains(jobs[0], "门诊诊查费"));
    EXPECT_TRUE(contains(jobs[0], newest.tradeNo));
    EXPECT_TRUE(contains(jobs[0], "张*"));
    EXPECT_FALSE(contains(jobs[0], "张三")) << "the name is printed masked";
    ASSERT_TRUE(journey(R"({"steps": [{"expect_screen": "records.payment"}]})").ok);
    EXPECT_TRUE(showsText("票据已打印")) << allShown();
    EXPECT_EQ(app->services().records().reprints(newest).value_or(-1), 1);

    // The limit (1 reprint): refused, said with the desk, nothing printed.
    ASSERT_TRUE(tap("records.reprint"));
    settleFlows();
    EXPECT_EQ(printed().size(), 1U);
    EXPECT_TRUE(showsText("已达到本院自助补打次数上限")) << allShown();
    EXPECT_TRUE(showsText("门诊楼一层人工服务台")) << allShown();
    EXPECT_FALSE(app->buttonRects().contains("records.reprint"));
    // Counted in the journal: leaving and coming back still refuses.
    ASSERT_TRUE(journey(R"({"steps": [{"tap": "records.back"}, {"expect_screen": "records"}, {"tap": "records.open.0"},
        {"set_language": "en_US"}, {"tap": "records.reprint"}]})").ok);
    EXPECT_EQ(printed().size(), 1U);
    EXPECT_TRUE(showsText("the most this kiosk allows")) << allShown();

    // Another payment's receipt is its own: printed; with the paper out it is not, nor counted.
    ASSERT_TRUE(journey(R"({"steps": [{"tap": "records.back"}, {"tap": "records.open.1"},
        {"set_scenario": {"device": "printer", "scenario": "paper_out"}}, {"tap": "records.reprint"}]})").ok);
    settleFlows();
    app->settle();
    EXPECT_EQ(printed().size(), 1U);
    ASSERT_TRUE(journey(R"({"steps": [{"expect_screen": "records.payment"}]})").ok);
    EXPECT_TRUE(showsText("could not be printed")) << allShown();
    EXPECT_EQ(app->services().records().reprints(view().payments[1]).value_or(-1), 0);
    ASSERT_TRUE(journey(R"({"steps": [{"set_scenario": {"device": "printer", "scenario": "normal"}}, {"tap": "records.reprint"}]})").ok);
    settleFlows();
    app->settle();
    EXPECT_EQ(printed().size(), 2U);
    EXPECT_EQ(app->services().records().reprints(view().payments[1]).value_or(-1), 1);
}

/// The hospital gone after identification: a plain message, the way back to the menu.
TEST_F(RecordsJourneyTest, TheBackendDownIsSaidPlainly) {
    startWith();
    auto report = journey(R"({"steps": [{"tap": "attract.start"}, {"insert_card": {"device": "card", "person": "zhang-san"}},
        {"expect_screen": "menu"}]})");
    ASSERT_TRUE(report.ok) << describe(report);
    hospital.reset();  // the HIS stops answering
    ASSERT_TRUE(tap("menu.records"));
    settleFlows();
    ASSERT_TRUE(journey(R"({"steps": [{"expect_screen": "records"}, {"set_language": "en_US"}]})").ok);
    EXPECT_EQ(view().stage, screens::RecordsStage::stopped);
    EXPECT_TRUE(showsText("cannot reach the hospital system")) << allShown();
    ASSERT_TRUE(journey(R"({"steps": [{"set_language": "zh_CN"}]})").ok);
    EXPECT_TRUE(showsText("暂时无法从医院系统查询您的记录")) << allShown();
    ASSERT_TRUE(tap("records.menu"));
    EXPECT_EQ(app->currentScreen(), "menu");
}

/// No history at all: a plain message; one of the two empty: said on its tab.
TEST_F(RecordsJourneyTest, AnEmptyHistoryIsSaidPlainly) {
    startWith();
    const nlohmann::json empty{{"resourceType", "Bundle"}, {"type", "searchset"}, {"total", 0}};
    hospital->armAnswer("GET", "/fhir/Encounter", empty);
    hospital->armAnswer("GET", "/fhir/PaymentReconciliation", empty);
    ASSERT_TRUE(openRecords("li-jun").ok);
    EXPECT_EQ(view().stage, screens::RecordsStage::list);
    EXPECT_TRUE(view().empty());
    EXPECT_TRUE(showsText("暂时没有您的就诊和缴费记录")) << allShown();
    EXPECT_FALSE(app->buttonRects().contains("records.tab.visits"));

    // Visits but no payments: the payments tab says so.
    hospital->armAnswer("GET", "/fhir/PaymentReconciliation", empty);
    ASSERT_TRUE(journey(R"({"steps": [{"tap": "records.menu"}, {"tap": "menu.records"}, {"await_screen": {"screen": "records", "seconds": 15}}]})").ok);
    settleFlows();
    ASSERT_TRUE(tap("records.tab.payments"));
    EXPECT_EQ(view().visits.size(), 4U);
    EXPECT_TRUE(showsText("暂时没有您的缴费记录")) << allShown();
}

/// The HIS answers with another patient's visit and payment among the patient's own: refused,
/// logged, never shown.
TEST_F(RecordsJourneyTest, AnotherPatientsRecordsAreRefusedAndNeverShown) {
    startWith();
    const auto call = [&](const std::string& path) { return hospital->call("GET", "/fhir/" + path); };
    auto bundleOf = [&](const std::string& type, const std::vector<nlohmann::json>& resources) {
        nlohmann::json entries = nlohmann::json::array();
        for (const auto& r : resources) {
            entries.push_back({{"fullUrl", hospital->fhirUrl() + "/" + type + "/" + r.value("id", "")}, {"resource", r}, {"search", {{"mode", "match"}}}});
        }
        return nlohmann::json{{"resourceType", "Bundle"}, {"type", "searchset"}, {"total", resources.size()}, {"entry", entries}};
    };
    const auto mine = call("Encounter/enc-zhang-san-1");
    auto other = call("Encounter/enc-li-jun-3");
    ASSERT_EQ(other.value("resourceType", ""), "Encounter");
    other["contained"][0]["code"]["text"] = "别人的诊断";
    hospital->armAnswer("GET", "/fhir/Encounter", bundleOf("Encounter", {mine, other}));
    const auto myPayment = call("PaymentReconciliation/pay-seed-zhang-san-1");
    auto theirs = call("PaymentReconciliation/pay-seed-li-jun-2");
    ASSERT_EQ(theirs.value("resourceType", ""), "PaymentReconciliation");
    for (auto& e : theirs["extension"]) {
        if (e.value("url", "") == "urn:yizhan:ext:invoice-number") e["valueString"] = "FP-THEIRS-999";
    }
    hospital->armAnswer("GET", "/fhir/PaymentReconciliation", bundleOf("PaymentReconciliation", {myPayment, theirs}));
    ASSERT_TRUE(openRecords().ok);
    auto v = view();
    ASSERT_EQ(v.stage, screens::RecordsStage::list);
    ASSERT_EQ(v.visits.size(), 1U);
    EXPECT_EQ(v.visits[0].id, "enc-zhang-san-1");
    ASSERT_EQ(v.payments.size(), 1U);
    EXPECT_EQ(v.payments[0].id, "pay-seed-zhang-san-1");
    EXPECT_EQ(v.refused, 2);
    EXPECT_FALSE(showsText("别人的诊断"));
    ASSERT_TRUE(tap("records.tab.payments"));
    EXPECT_FALSE(showsText("FP-THEIRS-999")) << allShown();
    EXPECT_TRUE(showsText(v.payments[0].receiptNo));
}

/// Every records screen in both languages, portrait and landscape, normal and large print (the
/// fixture checks each frame's layout; PNGs under test-output/ui/…/journey-N/). One hospital and
/// one App an orientation: print size and language are switched as a patient switches them.
TEST_F(RecordsJourneyTest, EveryRecordsScreenFitsInEachOrientationPrintSizeAndLanguage) {
    for (const char* orientation : {"portrait", "landscape"}) {
        SCOPED_TRACE(orientation);
        startWith(std::string("[ui]\norientation = \"") + orientation + "\"\n");
        ASSERT_TRUE(openRecords().ok);
        for (const bool largePrint : {false, true}) {
            for (const char* language : {"zh_CN", "en_US"}) {
                SCOPED_TRACE(std::string(largePrint ? "large " : "normal ") + language);
                ASSERT_TRUE(journey(std::string(R"({"steps": [{"set_large_print": )") + (largePrint ? "true" : "false") +
                                    R"(}, {"set_language": ")" + language + R"("}, {"tap": "records.tab.visits"}, {"tap": "records.next"},
                    {"tap": "records.tab.payments"}, {"tap": "records.open.0"}, {"tap": "records.reprint"}]})")
                                .ok);
                settleFlows();
                ASSERT_TRUE(journey(R"({"steps": [{"expect_screen": "records.payment"}, {"tap": "records.back"}]})").ok);
            }
        }
    }
}

}  // namespace
}  // namespace kiosk::test
