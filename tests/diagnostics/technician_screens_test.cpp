// The technician's backend and logs tabs (issue 14 items 3 and 5) through the real App offscreen
// (SDL offscreen driver, software renderer) against the real hospital-sim over loopback HTTP: the
// HIS, insurance centre and payment gateway probed, p50 / p99 of the calls the patient journeys
// made, the circuit breaker, a TLS client certificate made by openssl that expires in 20 days
// (the warning) or in a year, plain HTTP; the backend metrics in the Prometheus text; the kiosk
// log's lines filtered by level and module, paged, a missing log and a rotated one. Every tab in
// both languages, portrait and landscape, normal and large print (the fixture fails on any layout
// problem); PNGs in <build>/test-output/ui/<test>/.
#include <gtest/gtest.h>
#include <sodium.h>

#include <fstream>
#include <regex>

#include "kiosk/backend/call_recorder.hpp"
#include "kiosk/backend/certificate_expiry.hpp"
#include "kiosk/cli/wiring.hpp"
#include "kiosk/core/log.hpp"
#include "kiosk/core/technician_access.hpp"
#include "drivers/sim/sim_devices.hpp"
#include "payments/saga_journal.hpp"
#include "screens/diagnostics/log_tail.hpp"
#include "tests/backend/sim_process.hpp"
#include "tests/support/run_command.hpp"
#include "tests/ui/app_fixture.hpp"

namespace kiosk::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* kPin = "246810";

class TechnicianScreensTest : public AppTest {
protected:
    std::optional<SimProcess> hospital{std::in_place};

    static std::string diagnosticsSection() {
        auto hash = TechnicianAccess::hashPin(kPin, crypto_pwhash_argon2id_OPSLIMIT_MIN, crypto_pwhash_argon2id_MEMLIMIT_MIN);
        EXPECT_TRUE(hash.has_value());
        return "[diagnostics]\npin_hash = \"" + hash.value_or("") + "\"\n";
    }
    /// HIS, gateway and insurance centre of the running hospital-sim; `backendExtra` goes into
    /// [backend] (a client certificate).
    std::string liveSections(const std::string& backendExtra = "") const {
        return "[backend]\ndriver = \"fhir\"\nbase_url = \"" + hospital->fhirUrl() +
               "\"\nconnect_timeout_ms = 500\ncall_timeout_ms = 3000\nretries = 0\n" + backendExtra +
               "[payments]\ngateway_url = \"" + hospital->rootUrl() + "/gateway\"\nconnect_timeout_ms = 500\ncall_timeout_ms = 3000\n"
               "insurance_url = \"" + hospital->rootUrl() + "/insurance\"\nfixmedins_code = \"H43010100001\"\ninsurance_area = \"430100\"\n";
    }
    void startLive(const std::string& extra) {
        ASSERT_TRUE(hospital->ready());
        auto loaded = config(diagnosticsSection() + liveSections() + extra);
        ASSERT_TRUE(loaded.has_value()) << loaded.error().detail;
        auto wired = cli::withKioskServices(*loaded, headlessOptions());
        ASSERT_TRUE(wired.has_value()) << wired.error().detail;
        open(std::move(*loaded), std::move(*wired));
    }
    void startLiveWithBackend(const std::string& backendExtra, const std::string& extra = "") {
        ASSERT_TRUE(hospital->ready());
        auto loaded = config(diagnosticsSection() + liveSections(backendExtra) + extra);
        ASSERT_TRUE(loaded.has_value()) << loaded.error().detail;
        auto wired = cli::withKioskServices(*loaded, headlessOptions());
        ASSERT_TRUE(wired.has_value()) << wired.error().detail;
        open(std::move(*loaded), std::move(*wired));
    }
    /// A self-signed certificate and key by openssl, valid for `days`.
    std::pair<std::filesystem::path, std::filesystem::path> certificate(int days) {
        const auto cert = dir.path() / ("client-" + std::to_string(days) + ".pem");
        const auto key = dir.path() / ("client-" + std::to_string(days) + ".key");
        const std::string command = "openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=TEST-01 -days " + std::to_string(days) +
                                    " -keyout " + key.string() + " -out " + cert.string() + " 2>/dev/null";
        EXPECT_EQ(std::system(command.c_str()), 0) << command;
        return {cert, key};
    }
    static std::string openTabs(const std::string& language) {
        return std::string(R"({"language": ")") + language + R"(", "steps": [{"hold": {"seconds": 5}}, {"type_pin": ")" + kPin +
               R"("}, {"tap": "tech.pin.ok"}, {"expect_screen": "diagnostics"}]})";
    }
    bool drewExactly(std::string_view text) const {
        return std::ranges::any_of(app->textRects(), [&](const auto& rect) { return rect.text == text; });
    }
    bool drew(std::string_view text) const {
        for (const auto& rect : app->textRects()) {
            if (rect.text.find(text) != std::string::npos) return true;
        }
        return false;
    }
    std::string drawn() const {
        std::string all;
        for (const auto& rect : app->textRects()) all += rect.text + "\n";
        return all;
    }
    /// Frames in real time until the backend probes have all answered (they run on workers).
    void awaitProbes() {
        for (int i = 0; i < 100 && drew("检测中") ; ++i) {
            std::this_thread::sleep_for(50ms);
            app->frame();
        }
        for (int i = 0; i < 100 && drew("checking…"); ++i) {
            std::this_thread::sleep_for(50ms);
            app->frame();
        }
        app->settle();
    }
};

TEST_F(TechnicianScreensTest, BackendTabShowsReachabilityLatencyBreakerAndACertificateThatExpiresSoon) {
    const auto [cert, key] = certificate(20);
    startLiveWithBackend("client_cert = \"" + cert.string() + "\"\nclient_key = \"" + key.string() + "\"\n");
    // A patient's calls first: the card read looks the patient up at the HIS.
    auto report = journey(R"({"language": "zh_CN", "steps": [
        {"insert_card": {"device": "card", "person": "zhang-san"}},
        {"expect_screen": "menu"},
        {"tap": "session.finish"},
        {"remove_card": "card"},
        {"expect_screen": "attract"}]})");
    ASSERT_TRUE(report.ok) << describe(report);
    report = journey(openTabs("zh_CN"));
    ASSERT_TRUE(report.ok) << describe(report);
    report = journey(R"({"steps": [{"tap": "tech.tab.technician.backend"}, {"expect_screen": "technician.backend"}]})");
    ASSERT_TRUE(report.ok) << describe(report);
    awaitProbes();
    EXPECT_TRUE(drew("医院信息系统（HIS）：连接正常")) << drawn();
    EXPECT_TRUE(drew("熔断器：闭合（正常放行）")) << drawn();
    EXPECT_TRUE(drew("最近 ")) << "the latency of the calls made: " << drawn();
    EXPECT_TRUE(drew("仅剩 19 天") || drew("仅剩 20 天")) << "the certificate warning under 30 days: " << drawn();
    // The insurance centre and the gateway: below the HIS on this page or the next.
    report = journey(R"({"steps": [{"set_language": "en_US"}]})");
    ASSERT_TRUE(report.ok) << describe(report);
    std::string pages = drawn();
    for (int page = 0; page < 4 && std::ranges::count(app->visibleButtons(), std::string("tech.backend.page.next")) > 0; ++page) {
        report = journey(R"({"steps": [{"tap": "tech.backend.page.next"}]})");
        ASSERT_TRUE(report.ok) << describe(report);
        pages += drawn();
    }
    EXPECT_NE(pages.find("Insurance centre: reachable"), std::string::npos) << pages;
    EXPECT_NE(pages.find("Payment gateway: reachable"), std::string::npos) << pages;
    // The same numbers for Prometheus.
    const std::string metrics = app->metrics().render();
    EXPECT_NE(metrics.find("yizhan_backend_up{backend=\"his\""), std::string::npos) << metrics;
    EXPECT_NE(metrics.find("yizhan_backend_request_duration_seconds_bucket{backend=\"his\""), std::string::npos) << metrics;
    EXPECT_NE(metrics.find("yizhan_tls_certificate_expiry_timestamp_seconds{kiosk_id=\"TEST-01\",mode=\"lobby\",path=\"" + cert.string() + "\"}"),
              std::string::npos)
        << metrics;
    // Every metric the shipped alert rules use is one this kiosk exports (the rules' own promtool
    // tests, ops.alert_rules, feed them made-up series).
    std::ifstream rules(std::filesystem::path(KIOSK_TEST_ASSETS_DIR).parent_path() / "deploy" / "prometheus" / "yizhan-alerts.yml");
    ASSERT_TRUE(rules.good());
    const std::string text((std::istreambuf_iterator<char>(rules)), std::istreambuf_iterator<char>());
    const std::regex name("yizhan_[a-z_]+");
    int names = 0;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), name); it != std::sregex_iterator(); ++it, ++names) {
        EXPECT_NE(metrics.find("\n" + it->str() + "{"), std::string::npos) << it->str() << " is in the alert rules but not exported";
    }
    EXPECT_GE(names, 6);
    auto expiry = backend::certificateExpiry(cert);
    ASSERT_TRUE(expiry.has_value());
    const auto left = *expiry - std::chrono::system_clock::now();
    EXPECT_GT(left, std::chrono::hours(24 * 19));
    EXPECT_LE(left, std::chrono::hours(24 * 20));
}

TEST_F(TechnicianScreensTest, BackendTabSaysPlainHttpAndUnreachableWhenTheHospitalStops) {
    startLive("");
    auto report = journey(openTabs("en_US"));
    ASSERT_TRUE(report.ok) << describe(report);
    report = journey(R"({"steps": [{"tap": "tech.tab.technician.backend"}]})");
    ASSERT_TRUE(report.ok) << describe(report);
    awaitProbes();
    EXPECT_TRUE(drew("Hospital system (HIS): reachable")) << drawn();
    EXPECT_TRUE(drew("Client certificate: TLS not used (plain HTTP), no certificate")) << drawn();
    // The hospital goes away: "check again" says so.
    hospital.reset();
    report = journey(R"({"steps": [{"tap": "tech.backend.recheck"}]})");
    ASSERT_TRUE(report.ok) << describe(report);
    awaitProbes();
    EXPECT_TRUE(drew("Hospital system (HIS): unreachable")) << drawn();
    EXPECT_TRUE(drew("failed")) << drawn();
}

TEST(CallRecorder, PercentilesOfTheLastHundredCalls) {
    backend::CallRecorder recorder;
    for (int i = 1; i <= 150; ++i) recorder.record(std::chrono::milliseconds(i), i % 10 != 0);
    const auto summary = recorder.summary();
    EXPECT_EQ(summary.calls, 100U);
    EXPECT_EQ(summary.p50.count(), 100) << "calls 51..150: the 50th is 100 ms";
    EXPECT_EQ(summary.p99.count(), 149);
    EXPECT_EQ(summary.failed, 10U);
    ASSERT_TRUE(summary.lastAnswered.has_value());
    EXPECT_FALSE(*summary.lastAnswered) << "call 150 failed";
}

/// Log lines as the kiosk writes them (kiosk/core/log.cpp's pattern).
void writeLog(const std::filesystem::path& file, const std::vector<std::string>& lines) {
    std::filesystem::create_directories(file.parent_path());
    std::ofstream out(file, std::ios::trunc);
    for (const auto& line : lines) out << line << '\n';
}

TEST(LogTail, NewestFirstParsedAndTheRotatedFileBefore) {
    TempDir dir;
    const auto file = dir.path() / "logs" / "kiosk.log";
    EXPECT_TRUE(screens::readLogTail(file, 100).missing);
    writeLog(screens::rotatedLogFile(file), {"2026-12-01 09:00:00.000 info [card] older line"});
    writeLog(file, {"2026-12-01 10:00:00.000 warning [backend] slow answer", "2026-12-01 10:00:01.000 info [ui] newest"});
    const auto tail = screens::readLogTail(file, 100);
    EXPECT_FALSE(tail.missing);
    ASSERT_EQ(tail.entries.size(), 3U);
    EXPECT_EQ(tail.entries[0].text, "newest");
    EXPECT_EQ(tail.entries[1].module, "backend");
    EXPECT_EQ(tail.entries[1].level, "warning");
    EXPECT_EQ(tail.entries[2].text, "older line") << "the rotated file supplies the older lines";
    std::filesystem::remove(file);  // rotated away, the new file not yet written
    const auto rotated = screens::readLogTail(file, 100);
    EXPECT_FALSE(rotated.missing);
    EXPECT_EQ(rotated.entries.size(), 1U);
}

TEST_F(TechnicianScreensTest, LogsTabFiltersByLevelAndModuleAndPages) {
    startLive("");
    // Lines as the kiosk writes them, appended to the App's own log file.
    const auto logFile = app->config().logFile;
    std::vector<std::string> lines;
    for (int i = 0; i < 30; ++i) {
        lines.push_back(fmt::format("2026-12-01 10:{:02}:00.000 info [card] card read {}", i, i));
        if (i % 5 == 0) lines.push_back(fmt::format("2026-12-01 10:{:02}:30.000 error [backend] HIS call {} failed", i, i));
    }
    log::flushAll();
    {
        std::filesystem::create_directories(logFile.parent_path());
        std::ofstream out(logFile, std::ios::app);
        for (const auto& line : lines) out << line << '\n';
    }
    auto report = journey(openTabs("zh_CN"));
    ASSERT_TRUE(report.ok) << describe(report);
    report = journey(R"({"steps": [{"tap": "tech.tab.technician.logs"}, {"expect_screen": "technician.logs"}]})");
    ASSERT_TRUE(report.ok) << describe(report);
    const auto buttons = app->visibleButtons();
    EXPECT_NE(std::ranges::find(buttons, std::string("tech.logs.page.next")), buttons.end()) << "more lines than a page";
    report = journey(R"({"steps": [{"tap": "tech.logs.level"}, {"tap": "tech.logs.level"}]})");
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_TRUE(drew("仅看错误"));
    EXPECT_TRUE(drew("HIS call 25 failed")) << drawn();
    EXPECT_FALSE(drew("card read")) << "errors only";
    report = journey(R"({"steps": [{"tap": "tech.logs.level"}, {"set_language": "en_US"}]})");
    ASSERT_TRUE(report.ok) << describe(report);
    // Modules in turn: the first is "app"/"backend"/… (sorted); tap until "card".
    for (int i = 0; i < 20 && !drewExactly("Module: card"); ++i) {
        report = journey(R"({"steps": [{"tap": "tech.logs.module"}]})");
        ASSERT_TRUE(report.ok) << describe(report);
    }
    ASSERT_TRUE(drewExactly("Module: card")) << "the module button names the module shown";
    EXPECT_TRUE(drew("card read 29")) << drawn();
    EXPECT_FALSE(drew("HIS call")) << "only the card module";
    // The file rotated away: refresh reads the rotated one.
    std::filesystem::rename(logFile, screens::rotatedLogFile(logFile));
    report = journey(R"({"steps": [{"tap": "tech.logs.refresh"}, {"tap": "tech.logs.back"}, {"expect_screen": "attract"}]})");
    ASSERT_TRUE(report.ok) << describe(report);
}

TEST_F(TechnicianScreensTest, PaymentsTabListsUnsettledOrdersReQueriesThemAndPrintsTodaysReconciliation) {
    startLive("");
    app->settle();
    // Two orders as the payment desk leaves them (the real saga journal): one whose outcome is
    // unknown (the QR was shown, the answer lost), one a person must settle.
    auto saga = payments::SagaJournal::attach(app->journal(), "TEST-01");
    ASSERT_TRUE(saga.has_value());
    auto unknown = saga->create("pat-zhang-san", {"chg-1"}, 1250, "wechat");
    ASSERT_TRUE(unknown.has_value());
    ASSERT_TRUE(saga->transition(*unknown, payments::SagaState::unknown, "gateway answer lost").has_value());
    auto manual = saga->create("pat-li-si", {"chg-2"}, 3300, "alipay");
    ASSERT_TRUE(manual.has_value());
    ASSERT_TRUE(saga->transition(*manual, payments::SagaState::manual, "refund refused").has_value());

    auto report = journey(openTabs("zh_CN"));
    ASSERT_TRUE(report.ok) << describe(report);
    report = journey(R"({"steps": [{"tap": "tech.tab.technician.payments"}, {"expect_screen": "technician.payments"}]})");
    ASSERT_TRUE(report.ok) << describe(report);
    for (int i = 0; i < 100 && drew("正在核对"); ++i) {
        std::this_thread::sleep_for(50ms);
        app->frame();
    }
    app->settle();
    EXPECT_TRUE(drew(unknown->orderId + " · 结果未知 · ¥12.50")) << drawn();
    EXPECT_TRUE(drew(manual->orderId + " · 待人工处理 · ¥33.00")) << drawn();
    EXPECT_TRUE(drew("患者 pat****an · ")) << drawn();
    EXPECT_TRUE(drew("请患者凭订单号到收费处办理（refund refused）")) << drawn();
    EXPECT_FALSE(drew("pat-zhang-san")) << "the patient is masked";
    EXPECT_TRUE(drew("对账：本机订单 2 笔")) << "today's reconciliation against the real gateway: " << drawn();
    // Re-query: the desk's recovery asks the gateway; the list shows what the journal now says.
    report = journey(R"({"steps": [{"tap": "tech.payments.requery"}]})");
    ASSERT_TRUE(report.ok) << describe(report);
    for (int i = 0; i < 100 && drew("重查中"); ++i) {
        std::this_thread::sleep_for(50ms);
        app->frame();
    }
    app->settle();
    EXPECT_FALSE(drew("重查中")) << "the recovery finished and the list was reloaded";
    auto after = saga->load(unknown->orderId);
    ASSERT_TRUE(after.has_value());
    EXPECT_NE(after->state, payments::SagaState::unknown) << "the gateway had no such order: the recovery settled it";
    EXPECT_EQ(drew(unknown->orderId), after->state == payments::SagaState::manual || !payments::isTerminal(after->state)) << drawn();
    EXPECT_TRUE(drew(manual->orderId + " · 待人工处理 · ¥33.00")) << "a MANUAL order stays until a person settles it";
    // Print today's summary on the receipt printer.
    report = journey(R"({"steps": [{"tap": "tech.payments.print"}, {"set_language": "en_US"}]})");
    ASSERT_TRUE(report.ok) << describe(report);
    app->settle();
    auto* printer = dynamic_cast<drivers::sim::SimReceiptPrinter*>(app->devices().find("printer"));
    ASSERT_NE(printer, nullptr);
    const auto jobs = printer->printedJobs();
    ASSERT_FALSE(jobs.empty());
    std::string slip;
    for (const auto& line : jobs.back()) slip += line + "\n";
    EXPECT_NE(slip.find("自助机对账单"), std::string::npos) << slip;
    EXPECT_NE(slip.find("对账：本机订单 2 笔"), std::string::npos) << slip;
    EXPECT_TRUE(drew("Summary printed")) << drawn();
    const auto events = [&] {
        std::vector<std::string> out;
        auto stmt = app->journal().prepare("SELECT event FROM audit_event ORDER BY id");
        while (stmt && stmt->step().value_or(false)) out.push_back(stmt->text(0));
        return out;
    }();
    EXPECT_NE(std::ranges::find(events, "technician:payments_requery"), events.end());
}

/// Every new tab in both languages, portrait and landscape, normal and large print.
TEST_F(TechnicianScreensTest, EveryTabInBothLanguagesOrientationsAndPrintSizes) {
    for (const char* orientation : {"portrait", "landscape"}) {
        for (const bool large : {false, true}) {
            SCOPED_TRACE(std::string(orientation) + (large ? " large" : ""));
            startLive(std::string("[ui]\norientation = \"") + orientation + "\"\nlarge_print = " + (large ? "true" : "false") + "\n");
            auto report = journey(openTabs("zh_CN"));
            ASSERT_TRUE(report.ok) << describe(report);
            report = journey(R"({"steps": [{"tap": "tech.tab.technician.backend"}, {"wait": 1}]})");
            ASSERT_TRUE(report.ok) << describe(report);
            awaitProbes();
            report = journey(R"({"steps": [{"set_language": "zh_CN"}, {"set_language": "en_US"},
                {"tap": "tech.tab.technician.payments"}, {"expect_screen": "technician.payments"}, {"set_language": "zh_CN"},
                {"set_language": "en_US"},
                {"tap": "tech.tab.technician.logs"}, {"expect_screen": "technician.logs"}, {"set_language": "zh_CN"},
                {"tap": "tech.tab.diagnostics"}, {"expect_screen": "diagnostics"}, {"set_language": "en_US"},
                {"tap": "diag.back"}, {"expect_screen": "attract"}]})");
            ASSERT_TRUE(report.ok) << describe(report);
        }
    }
}

}  // namespace
}  // namespace kiosk::test
