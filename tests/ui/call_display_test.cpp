// The pharmacy call display (issue 13 item 3): the real App in pharmacy_display mode (headless
// SDL, software renderer, 1920x1080 on a 43-inch panel) reading the real hospital-sim's pharmacy
// queue over loopback HTTP. Three patients take numbers at two windows through the FHIR driver
// (as pickup kiosks do), the windows call them (hospital-sim's admin, as the pharmacist's system
// does), and the display shows and announces them. The announcements go to a recording Speech
// (tests/voice/recording_speech.hpp: what reaches the engine is what is checked; the real engine
// is tested in the voice tests). PNGs: <build>/test-output/ui/<test>/.
#include "tests/backend/sim_process.hpp"
#include "tests/ui/app_fixture.hpp"
#include "tests/voice/recording_speech.hpp"

#include <thread>

#include "kiosk/backend/his_factory.hpp"
#include "screens/pharmacy_display/call_board.hpp"

namespace kiosk::test {
namespace {

class CallDisplayTest : public AppTest {
protected:
    SimProcess hospital;
    std::shared_ptr<RecordingSpeech> speech = std::make_shared<RecordingSpeech>();
    std::shared_ptr<backend::HisDriver> his;

    void SetUp() override {
        ASSERT_GT(hospital.port(), 0) << hospital.error();
        backend::FhirSettings settings;
        settings.http.baseUrl = hospital.fhirUrl();
        settings.retries = 0;
        his = std::make_shared<backend::FhirHisDriver>(settings);
    }

    /// The patient's first prescription ready at a window joins that window's queue.
    std::string queue(const std::string& patient, const std::string& key) {
        auto list = his->prescriptions("pat-" + patient);
        EXPECT_TRUE(list.has_value());
        if (!list) return {};
        for (const auto& p : *list) {
            if (p.state() != backend::PickupState::ready || p.inLocker()) continue;
            auto ticket = his->queueForPickup({key, "pat-" + patient, {p.dispenseId}, p.window, "PICKUP-01"});
            EXPECT_TRUE(ticket.has_value()) << ticket.error().describe();
            return ticket ? ticket->callNumber : std::string();
        }
        ADD_FAILURE() << patient << " has nothing ready at a window";
        return {};
    }

    std::string callNext(const std::string& window) {
        const auto answer = hospital.call("POST", "/admin/pharmacy/call-next", {{"window", window}});
        return answer["called"].is_string() ? answer["called"].get<std::string>() : std::string();
    }

    void startDisplay(const std::string& ui) {
        auto loaded = config("[backend]\ndriver = \"fhir\"\nbase_url = \"" + hospital.fhirUrl() +
                             "\"\nconnect_timeout_ms = 500\ncall_timeout_ms = 3000\nretries = 0\n[pharmacy]\ndisplay_refresh_s = 1\n" + ui);
        ASSERT_TRUE(loaded.has_value()) << loaded.error().detail;
        auto driver = backend::makeHisDriver(loaded->backend, loaded->kioskId);
        ASSERT_TRUE(driver.has_value());
        screens::AppOptions options = headlessOptions();
        options.mode = KioskMode::pharmacy_display;
        options.his = std::move(*driver);
        options.speech = speech;
        open(std::move(*loaded), std::move(options));
    }

    /// Runs the App until `done` (real time: the board polls on its own thread), at most `seconds`.
    bool settleUntil(const std::function<bool()>& done, int seconds = 10) {
        for (int i = 0; i < seconds * 20; ++i) {
            app->settle();
            if (done()) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        return done();
    }

    bool showsText(const std::string& part) const {
        for (const auto& rect : app->textRects()) {
            if (rect.text.find(part) != std::string::npos) return true;
        }
        return false;
    }

    screens::JourneyReport look() { return journey(R"({"steps": [{"expect_screen": "pharmacy.display"}]})"); }
};

/// Three numbers at two windows: two called, one waiting. The display shows each window's number
/// with the masked name, the newest call large, who waits; a call made while it runs is
/// announced (number and window, never a name) and repeated once, 8 s later.
TEST_F(CallDisplayTest, ThreeNumbersAtTwoWindowsAreShownAndANewCallIsAnnounced) {
    const std::string first = queue("zhang-san", "PQ-1");   // window 2
    const std::string second = queue("li-jun", "PQ-2");     // window 1
    const std::string third = queue("wang-xinkun", "PQ-3"); // window 1
    ASSERT_EQ(first, "A001");
    ASSERT_EQ(second, "A002");
    ASSERT_EQ(third, "A003");
    EXPECT_EQ(callNext("2号窗口"), first);
    EXPECT_EQ(callNext("1号窗口"), second);

    startDisplay("[ui]\norientation = \"landscape\"\nwidth = 1920\nheight = 1080\nscreen_width_mm = 953\nscreen_height_mm = 536\n");
    ASSERT_EQ(app->currentScreen(), "pharmacy.display");
    ASSERT_TRUE(settleUntil([&] { return app->services().callBoard().view().loaded; }));
    auto board = app->services().callBoard().view();
    ASSERT_EQ(board.called.size(), 2U);
    EXPECT_EQ(board.called.front().callNumber, second) << "the newest call first: " << board.called.front().calledAt << " before "
                                                       << board.called.back().calledAt;
    ASSERT_EQ(board.waiting.size(), 1U);
    EXPECT_EQ(board.waiting.front().callNumber, third);
    auto report = look();
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_TRUE(showsText(first));
    EXPECT_TRUE(showsText(second));
    EXPECT_TRUE(showsText(third));
    EXPECT_TRUE(showsText("请到 1 号窗口取药"));
    EXPECT_TRUE(showsText("Please go to window 1"));
    EXPECT_TRUE(showsText("李*")) << "names are masked";
    for (const auto& rect : app->textRects()) EXPECT_EQ(rect.text.find("李军"), std::string::npos) << rect.text;
    EXPECT_TRUE(speech->said().empty()) << "numbers already called when the display starts are not called again: "
                                        << speech->transcript();

    // The window calls the next patient: shown at once (next poll), announced, repeated once.
    EXPECT_EQ(callNext("1号窗口"), third);
    ASSERT_TRUE(settleUntil([&] { return !app->services().callBoard().view().called.empty() &&
                                         app->services().callBoard().view().called.front().callNumber == third; }));
    ASSERT_TRUE(settleUntil([&] { return speech->said().size() == 1; })) << speech->transcript();
    const std::string spoken = speech->said().front().text;
    EXPECT_NE(spoken.find("窗口"), std::string::npos) << spoken;
    EXPECT_EQ(spoken.find("王"), std::string::npos) << "no name through the loudspeaker: " << spoken;
    EXPECT_GE(app->soundsPlayed(), 0U);
    ASSERT_TRUE(look().ok);
    EXPECT_TRUE(showsText(third));
    clock.advance(std::chrono::seconds(9));
    ASSERT_TRUE(settleUntil([&] { return speech->said().size() == 2; })) << speech->transcript();
    EXPECT_EQ(speech->said()[1].text, spoken) << "the repeat says the same";
    clock.advance(std::chrono::seconds(30));
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    app->settle();
    EXPECT_EQ(speech->said().size(), 2U) << "repeated once, not more: " << speech->transcript();
}

/// The text is sized for 5 m on the 43-inch panel: the number's capitals ≥ 45 mm, the rest ≥ 25 mm.
TEST_F(CallDisplayTest, TextIsSizedToBeReadFromFiveMetres) {
    startDisplay("[ui]\norientation = \"landscape\"\nwidth = 1920\nheight = 1080\nscreen_width_mm = 953\nscreen_height_mm = 536\n");
    const float pitch = app->config().ui.pixelPitchMm;
    const screens::Theme theme = screens::Theme::make(app->config().ui, false);
    EXPECT_FALSE(theme.shortOfDistance);
    EXPECT_GE(theme.bodyPx * screens::kCapHeightPerFontPx * pitch, 25.0F * 0.98F);
    EXPECT_GE(theme.bodyPx * theme.clockScale * screens::kCapHeightPerFontPx * pitch, 45.0F * 0.98F);
    ASSERT_TRUE(settleUntil([&] { return app->services().callBoard().view().loaded; }));
    ASSERT_TRUE(look().ok);
    EXPECT_TRUE(showsText("暂无叫号"));
}

/// The HIS stops answering: the last board stays with "updates paused"; it comes back by itself.
TEST_F(CallDisplayTest, AnHisThatStopsAnsweringLeavesTheBoardWithANote) {
    queue("zhang-san", "PQ-1");
    callNext("2号窗口");
    startDisplay("[ui]\norientation = \"landscape\"\nwidth = 1920\nheight = 1080\nscreen_width_mm = 953\nscreen_height_mm = 536\n");
    ASSERT_TRUE(settleUntil([&] { return app->services().callBoard().view().loaded; }));
    hospital.armFault("http_503", "GET", "/fhir/Task", 100000);
    ASSERT_TRUE(settleUntil([&] { return app->services().callBoard().view().error.has_value(); }));
    ASSERT_TRUE(look().ok);
    EXPECT_TRUE(showsText("A001")) << "the last board stays";
    EXPECT_TRUE(showsText("暂停更新"));
    hospital.call("DELETE", "/admin/faults");
    ASSERT_TRUE(settleUntil([&] { return !app->services().callBoard().view().error.has_value(); }));
}

}  // namespace
}  // namespace kiosk::test
