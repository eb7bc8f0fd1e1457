// The lobby's identification against the real hospital-sim over loopback HTTP: a scanned
// e-health-card token resolves to the patient through the HisDriver; with the hospital down the
// patient is told so (in both languages) and the kiosk keeps waiting.
#include "tests/backend/sim_process.hpp"
#include "tests/ui/app_fixture.hpp"

#include "kiosk/cli/wiring.hpp"

namespace kiosk::test {
namespace {

constexpr const char* kZhangSanToken = "0272E5F1A9B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D5E6F708192A3B4C5D:1";

class HospitalJourneyTest : public AppTest {
protected:
    void startWithBackend(const std::string& baseUrl) {
        auto loaded = config("[backend]\ndriver = \"fhir\"\nbase_url = \"" + baseUrl +
                             "\"\nconnect_timeout_ms = 500\ncall_timeout_ms = 3000\nretries = 0\n");
        ASSERT_TRUE(loaded.has_value()) << loaded.error().detail;
        auto resolver = cli::makeScanResolver(*loaded);
        ASSERT_TRUE(resolver.has_value()) << resolver.error().detail;
        screens::AppOptions options = headlessOptions();
        options.resolveScan = std::move(*resolver);
        open(std::move(*loaded), std::move(options));
    }
};

TEST_F(HospitalJourneyTest, ScannedHealthCardResolvesThroughTheHospital) {
    SimProcess hospital;
    ASSERT_GT(hospital.port(), 0);
    startWithBackend(hospital.fhirUrl());
    const auto report = journey(std::string(R"({"steps": [
        {"tap": "attract.start"},
        {"scan": {"device": "scanner", "payload": ")") + kZhangSanToken + R"("}},
        {"expect_screen": "menu"}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_EQ(app->session().identity().name, "张三");
    EXPECT_EQ(app->session().identity().source, IdentitySource::health_card_qr);
}

TEST_F(HospitalJourneyTest, HospitalDownIsToldToThePatientAndTheKioskKeepsWaiting) {
    startWithBackend("http://127.0.0.1:9/fhir");  // nothing listens on the discard port
    const auto report = journey(std::string(R"({"steps": [
        {"tap": "attract.start"},
        {"scan": {"device": "scanner", "payload": ")") + kZhangSanToken + R"("}},
        {"expect_screen": "identify"},
        {"expect_session": false},
        {"insert_card": {"device": "card", "person": "li-jun"}},
        {"expect_screen": "menu"}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
}

}  // namespace
}  // namespace kiosk::test
