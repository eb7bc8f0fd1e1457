// The kiosk's own metrics (issue 17 item 6) from a real App: headless SDL, the simulated devices,
// scripted journeys. Checks what the fleet sees of sessions, services, card reads and devices.
#include <gtest/gtest.h>

#include "tests/ui/app_fixture.hpp"

namespace kiosk::test {
namespace {

using ops::MetricLabels;

class AppMetricsTest : public AppTest {};

TEST_F(AppMetricsTest, SessionsServicesAndCardReadsAreCounted) {
    startConnected();
    ops::MetricsRegistry& metrics = app->metrics();

    // A session that opens booking and loses the card there: booking abandoned on that screen.
    auto report = journey(R"({"steps": [
        {"insert_card": {"device": "card", "person": "li-jun"}},
        {"expect_screen": "menu"},
        {"tap": "menu.booking"}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
    const std::string abandonedOn(app->currentScreen());
    report = journey(R"({"steps": [{"remove_card": "card"}, {"expect_screen": "attract"}]})");
    ASSERT_TRUE(report.ok) << describe(report);

    // A session finished from the menu: completed, in no service.
    ASSERT_TRUE(app->simulate("idcard", "insert", "chen-zhe").has_value());
    app->settle();
    ASSERT_EQ(app->currentScreen(), "menu");
    ASSERT_TRUE(app->tap("session.finish").has_value());

    // A card that cannot be read.
    ASSERT_TRUE(app->simulate("card", "scenario", "unreadable").has_value());
    ASSERT_TRUE(app->simulate("card", "insert", "zhang-san").has_value());
    app->settle();

    EXPECT_EQ(metrics.value("yizhan_sessions_started_total"), 2);
    EXPECT_EQ(metrics.value("yizhan_sessions_ended_total", {{"reason", "card_removed"}}), 1);
    EXPECT_EQ(metrics.value("yizhan_sessions_ended_total", {{"reason", "completed"}}), 1);
    EXPECT_EQ(metrics.value("yizhan_service_sessions_started_total", {{"service", "booking"}}), 1);
    EXPECT_EQ(metrics.value("yizhan_service_sessions_abandoned_total", {{"service", "booking"}, {"screen", abandonedOn}}), 1);
    EXPECT_EQ(metrics.value("yizhan_service_sessions_completed_total", {{"service", "booking"}}), 0);
    EXPECT_EQ(metrics.value("yizhan_card_reads_total", {{"device", "card"}, {"class", "card_reader"}, {"result", "ok"}}), 1);
    EXPECT_EQ(metrics.value("yizhan_card_reads_total", {{"device", "card"}, {"class", "card_reader"}, {"result", "failed"}}), 1);
    EXPECT_EQ(metrics.value("yizhan_card_reads_total", {{"device", "idcard"}, {"class", "id_reader"}, {"result", "ok"}}), 1);

    // Devices are read at the scrape; every series carries the kiosk's labels.
    const std::string text = metrics.render();
    EXPECT_NE(text.find(R"(yizhan_device_up{class="receipt_printer",device="printer",kiosk_id=")"), std::string::npos) << text;
    EXPECT_NE(text.find("yizhan_build_info{"), std::string::npos) << text;
    EXPECT_NE(text.find(R"(mode="lobby")"), std::string::npos) << text;
}

TEST_F(AppMetricsTest, APrinterOutOfPaperShowsInItsMediaState) {
    start();
    ASSERT_TRUE(app->simulate("printer", "scenario", "paper_out").has_value());
    app->settle();
    const std::string text = app->metrics().render();
    EXPECT_NE(text.find(R"(yizhan_device_media_state{class="receipt_printer",device="printer",)"), std::string::npos) << text;
    EXPECT_NE(text.find(R"(state="paper_out"} 1)"), std::string::npos) << text;
}

}  // namespace
}  // namespace kiosk::test
