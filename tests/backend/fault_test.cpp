// Injected faults (hospital-sim /admin/faults) and bad answers: each becomes a precise error,
// reads are retried, writes are never doubled, a lost answer is recovered by the business key.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "kiosk/backend/fhir_his_driver.hpp"
#include "tests/backend/sim_process.hpp"

namespace kiosk::backend {
namespace {

class FaultTest : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_TRUE(sim.ready()) << sim.log(); }

    FhirSettings settings(int retries) const {
        auto s = sim.settings();
        s.retries = retries;
        s.http.callTimeout = std::chrono::milliseconds(600);
        return s;
    }
    long requests() const { return sim.call("GET", "/admin/stats").value("requests", 0L); }

    /// A free slot tomorrow or later.
    std::string freeSlot(FhirHisDriver& driver, size_t index = 0) {
        for (int day = 1; day < 7; ++day) {
            const auto local = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now() + std::chrono::hours(8) +
                                                                     std::chrono::days(day));
            const std::chrono::year_month_day ymd{local};
            char text[16];
            std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                          static_cast<unsigned>(ymd.day()));
            auto found = driver.slots(SlotQuery{"dept-ORTH", "", text, "", true});
            if (found && found->size() > index) return (*found)[index].id;
        }
        ADD_FAILURE() << "no free slot";
        return {};
    }

    test::SimProcess sim;
};

TEST_F(FaultTest, ReadTimeoutIsRetriedThenSucceeds) {
    FhirHisDriver driver(settings(2));
    sim.armFault("timeout", "GET", "/fhir/Organization", 1, 1500);
    auto departments = driver.departments();
    ASSERT_TRUE(departments.has_value()) << departments.error().describe();
    EXPECT_GE(departments->size(), 12U);
}

TEST_F(FaultTest, ReadTimingOutEveryTimeIsATimeoutError) {
    FhirHisDriver driver(settings(1));
    sim.armFault("timeout", "GET", "/fhir/Organization", 2, 1500);
    const auto started = std::chrono::steady_clock::now();
    auto departments = driver.departments();
    ASSERT_FALSE(departments.has_value());
    EXPECT_EQ(departments.error().code, Errc::timeout);
    EXPECT_EQ(departments.error().messageKey, "backend.timeout");
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3)) << "bounded by timeout x attempts";
}

TEST_F(FaultTest, ServerErrorOnReadIsRetriedAndPersistentOneIsUnavailable) {
    FhirHisDriver driver(settings(2));
    sim.armFault("http_503", "GET", "/fhir/Patient", 1);
    EXPECT_TRUE(driver.findPatient(PatientKey::hospital_card, "H20240000").has_value());
    sim.armFault("http_500", "GET", "/fhir/Patient", 3);
    auto failed = driver.findPatient(PatientKey::hospital_card, "H20240000");
    ASSERT_FALSE(failed.has_value());
    EXPECT_EQ(failed.error().code, Errc::backend_unavailable);
    EXPECT_EQ(failed.error().messageKey, "backend.unavailable");
}

TEST_F(FaultTest, ServerErrorOnConditionalCreateIsRetriedWithoutADuplicate) {
    FhirHisDriver driver(settings(2));
    const std::string slot = freeSlot(driver);
    sim.armFault("http_503", "POST", "/fhir/Appointment", 1);
    auto held = driver.holdSlot(slot, "pat-li-jun", "TRADE-5XX");
    ASSERT_TRUE(held.has_value()) << held.error().describe();
    EXPECT_EQ(sim.commits("TRADE-5XX"), 1);
}

TEST_F(FaultTest, TimeoutOfAWriteWithoutRetriesIsUnknownOutcome) {
    FhirHisDriver driver(settings(0));
    const std::string slot = freeSlot(driver);
    sim.armFault("timeout", "POST", "/fhir/Appointment", 1, 1200);
    auto held = driver.holdSlot(slot, "pat-li-jun", "TRADE-TIMEOUT");
    ASSERT_FALSE(held.has_value());
    EXPECT_EQ(held.error().code, Errc::unknown_outcome);
    EXPECT_EQ(held.error().messageKey, "backend.unknown_outcome");
    // The injected timeout did not run the write: the lookup says so, and nothing was doubled.
    auto lookup = driver.lookupTransaction("TRADE-TIMEOUT");
    ASSERT_FALSE(lookup.has_value());
    EXPECT_EQ(lookup.error().code, Errc::not_found);
    EXPECT_EQ(sim.commits("TRADE-TIMEOUT"), 0);
}

TEST_F(FaultTest, LostAnswerAfterCommitIsFoundByTheBusinessKeyAndNotRepeated) {
    FhirHisDriver driver(settings(0));
    auto charges = driver.charges("pat-wang-xinkun");
    ASSERT_TRUE(charges.has_value() && !charges->empty());
    PaymentCommit commit{"TRADE-LOST-1", "pat-wang-xinkun", {charges->front().id}, charges->front().amountFen, 0,
                         charges->front().amountFen, "alipay", "2088"};
    sim.armFault("drop_after_commit", "POST", "/fhir/PaymentReconciliation", 1);
    auto paid = driver.commitPayment(commit);
    ASSERT_FALSE(paid.has_value());
    EXPECT_EQ(paid.error().code, Errc::unknown_outcome);
    EXPECT_EQ(sim.commits("TRADE-LOST-1"), 1);
    // The kiosk resolves the unknown outcome by asking, not by repeating.
    auto found = driver.lookupTransaction("TRADE-LOST-1");
    ASSERT_TRUE(found.has_value()) << found.error().describe();
    EXPECT_EQ(found->resourceType, "PaymentReconciliation");
    EXPECT_EQ(found->status, "active");
    // Even a repeat with the same key would not pay twice (conditional create).
    auto repeat = driver.commitPayment(commit);
    ASSERT_TRUE(repeat.has_value()) << repeat.error().describe();
    EXPECT_EQ(repeat->id, found->resourceId);
    EXPECT_EQ(sim.commits("TRADE-LOST-1"), 1);
}

TEST_F(FaultTest, LostAnswerWithRetriesIsRecoveredTransparently) {
    FhirHisDriver driver(settings(2));
    const std::string slot = freeSlot(driver);
    sim.armFault("drop_after_commit", "POST", "/fhir/Appointment", 1);
    auto held = driver.holdSlot(slot, "pat-chen-zhe", "TRADE-LOST-2");
    ASSERT_TRUE(held.has_value()) << held.error().describe();
    EXPECT_EQ(held->tradeNo, "TRADE-LOST-2");
    EXPECT_EQ(sim.commits("TRADE-LOST-2"), 1);
}

TEST_F(FaultTest, LostAnswerOfAnUpdateIsResolvedByReReading) {
    FhirHisDriver driver(settings(2));
    const std::string appointment = test::todaysAppointment(driver, "pat-li-jun");
    ASSERT_FALSE(appointment.empty());
    sim.armFault("drop_after_commit", "PUT", "/fhir/Appointment", 1);
    auto arrived = driver.checkIn(appointment);
    ASSERT_TRUE(arrived.has_value()) << arrived.error().describe();
    EXPECT_EQ(arrived->status, AppointmentStatus::arrived);
    EXPECT_EQ(arrived->queueNumber, 5) << "one check-in, one queue number";
}

TEST_F(FaultTest, OneUseTokenResolutionIsNeverRepeated) {
    FhirHisDriver driver(settings(2));
    const auto issued = sim.call("POST", "/healthcard/dynamic-token", {{"patient", "pat-li-jun"}});
    sim.armFault("http_503", "POST", "/fhir/Patient/$resolve-health-card", 1);
    const long before = requests();
    auto resolved = driver.resolveHealthCard(issued.value("token", ""));
    ASSERT_FALSE(resolved.has_value());
    EXPECT_EQ(resolved.error().code, Errc::backend_unavailable);
    EXPECT_EQ(requests() - before, 1) << "exactly one attempt";
}

TEST_F(FaultTest, MalformedJsonIsAnInvalidAnswer) {
    FhirHisDriver driver(settings(2));
    sim.armFault("malformed_json", "GET", "/fhir/ChargeItem", 1);
    auto charges = driver.charges("pat-zhang-san");
    ASSERT_FALSE(charges.has_value());
    EXPECT_EQ(charges.error().code, Errc::invalid_answer);
    EXPECT_EQ(charges.error().messageKey, "backend.invalid_answer");
    EXPECT_NE(charges.error().detail.find("malformed JSON"), std::string::npos);
    EXPECT_TRUE(driver.charges("pat-zhang-san").has_value()) << "the next call works";
}

TEST_F(FaultTest, WrongResourceTypeAndOperationOutcomeWith200AreInvalidAnswers) {
    FhirHisDriver driver(settings(2));
    sim.armFault("wrong_type", "GET", "/fhir/metadata", 1);
    auto wrong = driver.ping();
    ASSERT_FALSE(wrong.has_value());
    EXPECT_EQ(wrong.error().code, Errc::invalid_answer);
    EXPECT_NE(wrong.error().detail.find("Basic"), std::string::npos);
    sim.armFault("outcome_200", "GET", "/fhir/Patient", 1);
    auto outcome = driver.findPatient(PatientKey::id_number, "110101199003070134");
    ASSERT_FALSE(outcome.has_value());
    EXPECT_EQ(outcome.error().code, Errc::invalid_answer);
    EXPECT_NE(outcome.error().detail.find("OperationOutcome"), std::string::npos);
}

TEST_F(FaultTest, OversizeAnswerIsCutAtTheCap) {
    auto s = settings(2);
    s.http.maxBodyBytes = 1024 * 1024;
    FhirHisDriver driver(s);
    sim.armFault("oversize", "GET", "/fhir/Organization", 1);
    auto departments = driver.departments();
    ASSERT_FALSE(departments.has_value());
    EXPECT_EQ(departments.error().code, Errc::invalid_answer);
    EXPECT_NE(departments.error().detail.find("cap"), std::string::npos);
}

TEST_F(FaultTest, TruncatedReadIsRetried) {
    FhirHisDriver driver(settings(2));
    sim.armFault("truncated", "GET", "/fhir/DiagnosticReport", 1);
    auto reports = driver.reports("pat-zhang-san");
    ASSERT_TRUE(reports.has_value()) << reports.error().describe();
    sim.armFault("truncated", "GET", "/fhir/DiagnosticReport", 3);
    auto failed = driver.reports("pat-zhang-san");
    ASSERT_FALSE(failed.has_value());
    EXPECT_EQ(failed.error().code, Errc::backend_unavailable);
}

TEST_F(FaultTest, RedirectToAnotherHostIsRefused) {
    FhirHisDriver driver(settings(2));
    sim.armFault("redirect", "GET", "/fhir/Organization", 1);
    auto departments = driver.departments();
    ASSERT_FALSE(departments.has_value());
    EXPECT_EQ(departments.error().code, Errc::invalid_answer);
    EXPECT_NE(departments.error().detail.find("198.51.100.7"), std::string::npos);
}

TEST_F(FaultTest, LatencyBelowTheTimeoutIsOnlySlow) {
    FhirHisDriver driver(settings(0));
    sim.armFault("latency", "GET", "/fhir/metadata", 1, 200);
    const auto started = std::chrono::steady_clock::now();
    EXPECT_TRUE(driver.ping().has_value());
    EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(190));
}

TEST_F(FaultTest, CircuitBreakerOpensFailsFastAndClosesAfterAProbe) {
    auto s = settings(0);
    s.breaker.failureThreshold = 2;
    s.breaker.openFor = std::chrono::milliseconds(5000);
    auto clock = std::make_shared<ManualClock>();
    FhirHisDriver driver(s, clock);
    sim.armFault("http_503", "GET", "/fhir/metadata", -1);
    EXPECT_EQ(driver.ping().error().code, Errc::backend_unavailable);
    EXPECT_EQ(driver.ping().error().code, Errc::backend_unavailable);
    EXPECT_EQ(driver.circuitState(), CircuitBreaker::State::open);
    const long before = requests();
    auto fast = driver.ping();
    ASSERT_FALSE(fast.has_value());
    EXPECT_NE(fast.error().detail.find("circuit open"), std::string::npos);
    EXPECT_EQ(requests(), before) << "an open circuit sends nothing";
    sim.call("DELETE", "/admin/faults");
    clock->advance(std::chrono::milliseconds(5001));
    EXPECT_TRUE(driver.ping().has_value()) << "half-open probe";
    EXPECT_EQ(driver.circuitState(), CircuitBreaker::State::closed);
}

TEST(FaultNoServer, RefusedConnectionIsUnavailableAndNotSlow) {
    // A port that was just free: nothing listens there.
    const int probe = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(probe, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    socklen_t length = sizeof address;
    getsockname(probe, reinterpret_cast<sockaddr*>(&address), &length);
    close(probe);
    FhirSettings s;
    s.http.baseUrl = "http://127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + "/fhir";
    s.retryBackoff = std::chrono::milliseconds(10);
    FhirHisDriver driver(s);
    auto info = driver.ping();
    ASSERT_FALSE(info.has_value());
    EXPECT_EQ(info.error().code, Errc::backend_unavailable);
    EXPECT_NE(info.error().detail.find("127.0.0.1"), std::string::npos);
}

TEST_F(FaultTest, WrongBasePathIsNotFound) {
    auto s = settings(0);
    s.http.baseUrl = sim.rootUrl() + "/not-fhir";
    FhirHisDriver driver(s);
    auto info = driver.ping();
    ASSERT_FALSE(info.has_value());
    EXPECT_EQ(info.error().code, Errc::not_found);
}

TEST_F(FaultTest, UnknownFaultKindIsRefusedByTheAdminEndpoint) {
    long status = 0;
    sim.call("POST", "/admin/faults", {{"kind", "meteor"}}, &status);
    EXPECT_EQ(status, 400);
}

}  // namespace
}  // namespace kiosk::backend

namespace kiosk::backend {
namespace {

using nlohmann::json;

json searchset(const json& resources, const std::string& next = {}) {
    json bundle = {{"resourceType", "Bundle"}, {"type", "searchset"}, {"entry", json::array()}};
    for (const auto& r : resources) bundle["entry"].push_back({{"resource", r}, {"search", {{"mode", "match"}}}});
    if (!next.empty()) bundle["link"] = json::array({{{"relation", "next"}, {"url", next}}});
    return bundle;
}

/// Issue 13, bad input: an answer to "Patient A's prescriptions" that holds Patient B's dispense is
/// refused whole (never listed, never picked up), as is a locker that is not a locker.
TEST_F(FaultTest, AnotherPatientsDispenseOrABadLockerIsAnInvalidAnswer) {
    FhirHisDriver driver(settings(0));
    sim.armAnswer("GET", "/fhir/MedicationDispense",
                  searchset(json::array({{{"resourceType", "MedicationDispense"}, {"id", "d1"}, {"status", "in-progress"},
                                          {"whenPrepared", "2026-11-30T08:00:00+08:00"},
                                          {"subject", {{"reference", "Patient/pat-li-jun"}}}}})));
    auto mixed = driver.prescriptions("pat-zhang-san");
    ASSERT_FALSE(mixed.has_value());
    EXPECT_EQ(mixed.error().code, Errc::invalid_answer);
    EXPECT_NE(mixed.error().detail.find("pat-li-jun"), std::string::npos) << mixed.error().detail;
    sim.armAnswer("GET", "/fhir/MedicationDispense",
                  searchset(json::array({{{"resourceType", "MedicationDispense"}, {"id", "d2"}, {"status", "in-progress"},
                                          {"subject", {{"reference", "Patient/pat-zhang-san"}}},
                                          {"extension", json::array({{{"url", "urn:yizhan:ext:pickup-locker"},
                                                                      {"extension", json::array({{{"url", "number"}, {"valueInteger", -3}}})}}})}}})));
    auto badLocker = driver.prescriptions("pat-zhang-san");
    ASSERT_FALSE(badLocker.has_value());
    EXPECT_EQ(badLocker.error().code, Errc::invalid_answer);
    EXPECT_FALSE(driver.dispenseByPickupCode("QY1'; DROP").has_value());
    EXPECT_EQ(driver.dispenseByPickupCode("QY1'; DROP").error().messageKey, "backend.pickup_code_invalid");
}

TEST_F(FaultTest, UnknownEnumCodesAreInvalidAnswers) {
    FhirHisDriver driver(settings(0));
    sim.armAnswer("GET", "/fhir/MedicationDispense",
                  searchset(json::array({{{"resourceType", "MedicationDispense"}, {"id", "d1"}, {"status", "teleported"}}})));
    auto dispenses = driver.prescriptions("pat-zhang-san");
    ASSERT_FALSE(dispenses.has_value());
    EXPECT_EQ(dispenses.error().code, Errc::invalid_answer);
    EXPECT_NE(dispenses.error().detail.find("teleported"), std::string::npos);
    sim.armAnswer("GET", "/fhir/Appointment",
                  searchset(json::array({{{"resourceType", "Appointment"}, {"id", "a1"}, {"status", "maybe"}}})));
    auto appointments = driver.appointments("pat-zhang-san");
    ASSERT_FALSE(appointments.has_value());
    EXPECT_EQ(appointments.error().code, Errc::invalid_answer);
    sim.armAnswer("GET", "/fhir/ChargeItem",
                  searchset(json::array({{{"resourceType", "ChargeItem"}, {"id", "c1"}, {"status", "billable"},
                                          {"extension", json::array({{{"url", "urn:yizhan:ext:fee-fen"}, {"valueInteger", 100}},
                                                                     {{"url", "urn:yizhan:ext:insurance-class"}, {"valueString", "Z"}}})}}})));
    EXPECT_EQ(driver.charges("pat-zhang-san").error().code, Errc::invalid_answer);
}

TEST_F(FaultTest, PagingLinkToAnotherHostIsRefused) {
    FhirHisDriver driver(settings(0));
    sim.armAnswer("GET", "/fhir/Organization", searchset(json::array(), "http://203.0.113.9/fhir/Organization?page=2"));
    auto departments = driver.departments();
    ASSERT_FALSE(departments.has_value());
    EXPECT_EQ(departments.error().code, Errc::invalid_answer);
    EXPECT_NE(departments.error().detail.find("another host"), std::string::npos);
}

TEST_F(FaultTest, ABinaryThatIsNotAPdfIsRefused) {
    FhirHisDriver driver(settings(0));
    auto reports = driver.reports("pat-li-jun");
    ASSERT_TRUE(reports.has_value() && !reports->empty());
    sim.armAnswer("GET", "/fhir/Binary", "<html>login</html>", 200, "application/pdf");
    auto pdf = driver.reportPdf(reports->front());
    ASSERT_FALSE(pdf.has_value());
    EXPECT_EQ(pdf.error().code, Errc::invalid_answer);
    // A conformant server answering Binary as FHIR JSON (base64 data) is accepted.
    sim.armAnswer("GET", "/fhir/Binary", json{{"resourceType", "Binary"}, {"contentType", "application/pdf"}, {"data", "JVBERi0xLjQKJSVFT0YK"}});
    auto decoded = driver.reportPdf(reports->front());
    ASSERT_TRUE(decoded.has_value()) << decoded.error().describe();
    EXPECT_EQ(*decoded, "%PDF-1.4\n%%EOF\n");
}

TEST_F(FaultTest, InconsistentPreSettlementIsRefused) {
    FhirHisDriver driver(settings(0));
    sim.armAnswer("POST", "/fhir/ChargeItem/$pre-settle",
                  json{{"resourceType", "Parameters"},
                       {"parameter", json::array({{{"name", "total"}, {"valueInteger", 100}}, {{"name", "insurance"}, {"valueInteger", 90}},
                                                  {{"name", "self_pay"}, {"valueInteger", 90}}})}});
    auto pre = driver.preSettle("pat-zhang-san", {"chg-zhang-san-1"});
    ASSERT_FALSE(pre.has_value());
    EXPECT_EQ(pre.error().code, Errc::invalid_answer);
}

TEST_F(FaultTest, UnexpectedClientErrorIsARejectionNamingTheStatus) {
    FhirHisDriver driver(settings(0));
    sim.armAnswer("GET", "/fhir/Patient", "", 401, "text/plain");
    auto patient = driver.findPatient(PatientKey::id_number, "110101199003070134");
    ASSERT_FALSE(patient.has_value());
    EXPECT_EQ(patient.error().code, Errc::rejected);
    EXPECT_NE(patient.error().detail.find("HTTP 401"), std::string::npos);
}

}  // namespace
}  // namespace kiosk::backend
