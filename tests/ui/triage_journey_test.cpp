// Triage guidance end to end (issue 12 item 2): the real App (headless SDL, software renderer)
// against the real hospital-sim over loopback HTTP. The body map, the symptoms, the advice and
// one tap into booking; a red flag; the HIS down; a rules file naming a department the hospital
// lacks refused at start-up. PNGs of every step: <build>/test-output/ui/<test>/; the fixture
// fails a test on any layout problem in any frame.
#include "tests/backend/sim_process.hpp"
#include "tests/ui/app_fixture.hpp"

#include <fmt/format.h>

#include "kiosk/cli/wiring.hpp"

namespace kiosk::test {
namespace {

class TriageJourneyTest : public AppTest {
protected:
    SimProcess hospital;

    /// The site's emergency department, as a site configures it.
    static constexpr const char* kTriageSection =
        "[triage]\nemergency_location_zh = \"急诊楼1层（门诊楼北侧）\"\n"
        "emergency_location_en = \"Emergency Building, ground floor (north of the outpatient building)\"\n";

    std::string backendSection() const {
        return "[backend]\ndriver = \"fhir\"\nbase_url = \"" + hospital.fhirUrl() +
               "\"\nconnect_timeout_ms = 500\ncall_timeout_ms = 3000\nretries = 0\n";
    }

    Result<std::unique_ptr<screens::App>> create(const std::string& extra) {
        auto loaded = config(backendSection() + extra);
        if (!loaded) return std::unexpected(loaded.error());
        auto wired = cli::withKioskServices(*loaded, headlessOptions());
        if (!wired) return std::unexpected(wired.error());
        return screens::App::create(std::move(*loaded), std::move(*wired));
    }

    void startTriage(const std::string& extra = "") {
        ASSERT_GT(hospital.port(), 0);
        auto loaded = config(backendSection() + (extra.find("[triage]") == std::string::npos ? kTriageSection : "") + extra);
        ASSERT_TRUE(loaded.has_value()) << loaded.error().detail;
        auto wired = cli::withKioskServices(*loaded, headlessOptions());
        ASSERT_TRUE(wired.has_value()) << wired.error().detail;
        open(std::move(*loaded), std::move(*wired));
    }

    bool shown(const std::string& button) const {
        const auto buttons = app->visibleButtons();
        return std::find(buttons.begin(), buttons.end(), button) != buttons.end();
    }
    bool anyShownStartingWith(const std::string& prefix) const {
        const auto buttons = app->visibleButtons();
        return std::any_of(buttons.begin(), buttons.end(), [&](const std::string& b) { return b.starts_with(prefix); });
    }
    /// Pages the symptom list forward until `button` is on it; false when it is on no page.
    /// Pages the symptom list until `button` shows: back to the first page, then forward.
    bool pageTo(const std::string& button) {
        for (int page = 0; page < 10 && !shown(button) && shown("triage.page.previous"); ++page) {
            if (!app->tap("triage.page.previous")) return false;
            app->settle();
        }
        for (int page = 0; page < 10 && !shown(button); ++page) {
            if (!shown("triage.page.next") || !app->tap("triage.page.next")) return false;
            app->settle();
        }
        return shown(button);
    }
    bool textShown(const std::string& words) const {
        for (const auto& text : app->textRects()) {
            if (text.text.find(words) != std::string::npos) return true;
        }
        return false;
    }
    /// Taps the journey's steps counted from the menu ("tap" steps after "expect_screen menu").
    static int tapsAfterMenu(const screens::JourneyReport& report) {
        int taps = 0;
        bool counting = false;
        for (const auto& step : report.steps) {
            if (step.step.starts_with("expect_screen menu")) counting = true;
            if (counting && step.step.starts_with("tap ")) ++taps;
        }
        return taps;
    }

    static constexpr const char* kToMenu = R"(
        {"tap": "attract.start"},
        {"insert_card": {"device": "card", "person": "wang-xinkun"}},
        {"expect_screen": "menu"})";
};

TEST_F(TriageJourneyTest, PalpitationsLeadToCardiologysDoctorsInFourTapsFromTheMenu) {
    startTriage();
    const auto report = journey(std::string(R"({"steps": [)") + kToMenu + R"(,
        {"tap": "menu.triage"},
        {"expect_screen": "triage.body"},
        {"tap": "triage.region.chest"},
        {"expect_screen": "triage.symptoms"},
        {"tap": "triage.symptom.palpitations"},
        {"expect_screen": "triage.advice"},
        {"tap": "triage.book.CARD"},
        {"await_screen": {"screen": "book.doctors", "seconds": 20}}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_EQ(tapsAfterMenu(report), 4);
    app->settle();
    EXPECT_TRUE(textShown("心血管内科")) << "the doctors of the suggested department";
    EXPECT_TRUE(anyShownStartingWith("book.doctor.")) << "its doctors are listed";
    // Back from the doctors: booking's own list of departments (booking was entered, not copied).
    ASSERT_TRUE(app->tap("book.doctors.back").has_value());
    app->settle();
    EXPECT_EQ(app->currentScreen(), "book.departments");
    EXPECT_TRUE(anyShownStartingWith("book.dept."));
}

TEST_F(TriageJourneyTest, TheAdviceNamesTheDepartmentWhereItIsAndWhy) {
    startTriage();
    const auto report = journey(std::string(R"({"steps": [)") + kToMenu + R"(,
        {"tap": "menu.triage"},
        {"tap": "triage.region.chest"},
        {"tap": "triage.symptom.palpitations"},
        {"expect_screen": "triage.advice"}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_TRUE(textShown("门诊楼3层A区")) << "cardiology's location, from the HIS";
    EXPECT_TRUE(textShown("心慌多与心律失常有关")) << "the reason from the rules file";
    EXPECT_TRUE(shown("triage.book.ENDO")) << "the second suggestion can be booked too";
}

TEST_F(TriageJourneyTest, ARedFlagStopsTheFlowAtTheEmergencyScreenWithNoBooking) {
    startTriage();
    const auto report = journey(std::string(R"({"steps": [)") + kToMenu + R"(,
        {"tap": "menu.triage"},
        {"tap": "triage.region.chest"},
        {"tap": "triage.symptom.chest_pain_severe"},
        {"expect_screen": "triage.emergency"}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_TRUE(textShown("请立即去急诊科"));
    EXPECT_TRUE(textShown("急诊楼1层")) << "the emergency department's location from [triage]";
    EXPECT_TRUE(textShown("工作人员")) << "ask staff for help";
    EXPECT_FALSE(anyShownStartingWith("triage.book.")) << "no booking from a red flag";
    EXPECT_FALSE(anyShownStartingWith("book.")) << "no booking from a red flag";
    const auto buttons = app->visibleButtons();
    EXPECT_TRUE(shown("triage.emergency.menu"));
    // The red flag is listed first and says so in words.
    ASSERT_TRUE(app->tap("triage.emergency.menu").has_value());
    app->settle();
    EXPECT_EQ(app->currentScreen(), "menu");
}

TEST_F(TriageJourneyTest, StrokeSignsOnTheBackOfTheBodyMapAreARedFlagInEnglishToo) {
    startTriage();
    const auto report = journey(std::string(R"({"language": "en_US", "steps": [)") + kToMenu + R"(,
        {"tap": "menu.triage"},
        {"tap": "triage.side.back"},
        {"tap": "triage.region.limbs"},
        {"tap": "triage.symptom.stroke_signs"},
        {"expect_screen": "triage.emergency"}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_TRUE(textShown("Go to the Emergency Department now"));
    EXPECT_TRUE(textShown("Emergency Building")) << "the English location from [triage]";
    EXPECT_FALSE(anyShownStartingWith("triage.book."));
}

TEST_F(TriageJourneyTest, AChildIsSentToPaediatricsAndCanBookIt) {
    startTriage();
    const auto report = journey(std::string(R"({"steps": [)") + kToMenu + R"(,
        {"tap": "menu.triage"},
        {"tap": "triage.age.child"},
        {"tap": "triage.region.whole"},
        {"expect_screen": "triage.symptoms"}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_TRUE(shown("triage.symptom.infant_fever")) << "a child's list has the infant's red flag (first page: red flags lead)";
    ASSERT_TRUE(pageTo("triage.symptom.fever"));
    ASSERT_TRUE(app->tap("triage.symptom.fever").has_value());
    app->settle();
    EXPECT_EQ(app->currentScreen(), "triage.advice");
    EXPECT_TRUE(shown("triage.book.PAED"));
    EXPECT_TRUE(textShown("儿童发烧由儿科诊治"));
}

TEST_F(TriageJourneyTest, WithTheHospitalDownTriageStillAdvisesAndSaysBookingIsNotAvailable) {
    startConnected();  // a [backend] that does not answer
    const auto report = journey(std::string(R"({"steps": [)") + kToMenu + R"(,
        {"tap": "menu.triage"},
        {"expect_screen": "triage.body"},
        {"tap": "triage.region.abdomen"},
        {"tap": "triage.symptom.stomach_ache"},
        {"expect_screen": "triage.advice"}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
    app->settle();
    EXPECT_TRUE(textShown("消化内科")) << "the department, named by the rules file";
    EXPECT_TRUE(textShown("胃痛多由消化内科诊治"));
    EXPECT_TRUE(textShown("暂时无法在本机挂号")) << "booking is said to be unavailable";
    EXPECT_FALSE(anyShownStartingWith("triage.book.")) << "no booking button that cannot work";
    // A red flag still reaches the emergency screen offline.
    const auto red = journey(R"({"steps": [
        {"tap": "triage.advice.start_over"},
        {"tap": "triage.region.head"},
        {"tap": "triage.symptom.sudden_severe_headache"},
        {"expect_screen": "triage.emergency"}
    ]})");
    ASSERT_TRUE(red.ok) << describe(red);
}

TEST_F(TriageJourneyTest, ARulesFileNamingADepartmentTheHospitalLacksIsRefusedAtStartUp) {
    ASSERT_GT(hospital.port(), 0);
    // The shipped file with one more department, used by one symptom.
    std::ifstream in(std::filesystem::path(KIOSK_TEST_ASSETS_DIR) / "triage" / "rules.toml");
    std::stringstream text;
    text << in.rdbuf();
    std::string rules = text.str();
    const std::string added = "\n[[departments]]\ncode = \"BURN\"\nzh = \"烧伤科\"\nen = \"Burns\"\n";
    const auto at = rules.find("# ---- the body map");
    ASSERT_NE(at, std::string::npos);
    rules.insert(at, added);
    const int line = static_cast<int>(std::count(rules.begin(), rules.begin() + static_cast<std::ptrdiff_t>(at), '\n')) + 2;
    const auto file = dir.write("rules-burns.toml", rules);
    auto created = create("[triage]\nrules_file = \"" + file.string() + "\"\n");
    ASSERT_FALSE(created.has_value()) << "the kiosk does not start with it";
    EXPECT_NE(created.error().detail.find(file.string() + ":" + std::to_string(line) + ":"), std::string::npos) << created.error().detail;
    EXPECT_NE(created.error().detail.find("\"BURN\""), std::string::npos) << created.error().detail;
    // A malformed file: refused too, with its line.
    const auto broken = dir.write("rules-broken.toml", "[guidance]\nsources = [\"x\"\n");
    auto refused = create("[triage]\nrules_file = \"" + broken.string() + "\"\n");
    ASSERT_FALSE(refused.has_value());
    EXPECT_NE(refused.error().detail.find(broken.string() + ":"), std::string::npos) << refused.error().detail;
}

/// Every triage screen in both languages, both orientations and both print sizes: the fixture
/// checks each frame's layout; PNGs under test-output/ui/…/journey-N/.
TEST_F(TriageJourneyTest, EveryTriageScreenFitsInEachOrientationPrintSizeAndLanguage) {
    for (const char* orientation : {"portrait", "landscape"}) {
        for (const bool largePrint : {false, true}) {
            for (const char* language : {"zh_CN", "en_US"}) {
                SCOPED_TRACE(std::string(orientation) + (largePrint ? " large " : " normal ") + language);
                startTriage(std::string("[ui]\norientation = \"") + orientation + "\"\n");
                const auto report = journey(std::string(R"({"language": ")") + language + R"(", "large_print": )" +
                                            (largePrint ? "true" : "false") + R"(, "steps": [)" + kToMenu + R"(,
                    {"tap": "menu.triage"},
                    {"tap": "triage.side.back"},
                    {"tap": "triage.side.front"},
                    {"tap": "triage.region.chest"},
                    {"tap": "triage.page.next"},
                    {"tap": "triage.page.previous"}
                ]})");
                ASSERT_TRUE(report.ok) << describe(report);
                // Palpitations: on the first page or (fewer a page at large print) a later one.
                ASSERT_TRUE(pageTo("triage.symptom.palpitations"));
                auto advised = journey(R"({"steps": [
                    {"tap": "triage.symptom.palpitations"},
                    {"expect_screen": "triage.advice"},
                    {"tap": "triage.advice.back"}
                ]})");
                ASSERT_TRUE(advised.ok) << describe(advised);
                ASSERT_TRUE(pageTo("triage.symptom.chest_pain_severe"));
                const auto flagged = journey(R"({"steps": [
                    {"tap": "triage.symptom.chest_pain_severe"},
                    {"expect_screen": "triage.emergency"},
                    {"tap": "triage.emergency.menu"},
                    {"tap": "menu.triage"},
                    {"tap": "triage.age.child"}
                ]})");
                ASSERT_TRUE(flagged.ok) << describe(flagged);
                // The last region: on the body map's second page where it pages (landscape large
                // print); that page's frame is checked too (expect_screen).
                ASSERT_TRUE(pageTo("triage.region.whole"));
                const auto whole = journey(R"({"steps": [
                    {"expect_screen": "triage.body"},
                    {"tap": "triage.region.whole"},
                    {"tap": "triage.page.next"},
                    {"tap": "triage.page.previous"}
                ]})");
                ASSERT_TRUE(whole.ok) << describe(whole);
                // Fever: the first after the red flags, on the first page or (fewer a page) a later one.
                ASSERT_TRUE(pageTo("triage.symptom.fever"));
                const auto rest = journey(R"({"steps": [
                    {"tap": "triage.symptom.fever"},
                    {"expect_screen": "triage.advice"},
                    {"tap": "triage.advice.start_over"},
                    {"tap": "triage.region.pelvis"}
                ]})");
                ASSERT_TRUE(rest.ok) << describe(rest);
                ASSERT_TRUE(pageTo("triage.symptom.painful_urination"));
                const auto last = journey(R"({"steps": [
                    {"tap": "triage.symptom.painful_urination"},
                    {"expect_screen": "triage.advice"},
                    {"tap": "session.finish"}
                ]})");
                ASSERT_TRUE(last.ok) << describe(last);
            }
        }
    }
}

}  // namespace
}  // namespace kiosk::test
