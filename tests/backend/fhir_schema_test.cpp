// Issue 19 item 10: hospital-sim serves only valid FHIR R4. A sample of every resource type it
// serves — reads and search Bundles, the CapabilityStatement, the Parameters of its operations,
// its OperationOutcomes, and resources the kiosk wrote through the adapter — is validated against
// the official FHIR R4 JSON schema by a real validator (node + ajv; versions and the schema's
// package in tests/backend/fhir_schema/validate.cjs and package-lock.json, installed into the
// build folder by scripts/npm-test-tools.sh, a CTest fixture).
// The schema cannot check FHIRPath invariants (Appointment app-3): fhir_invariant_test.cpp does.
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <set>

#include "kiosk/backend/fhir_his_driver.hpp"
#include "kiosk/backend/fhir_systems.hpp"
#include "tests/backend/fhir_raw.hpp"
#include "tests/backend/sim_process.hpp"

namespace kiosk::backend {
namespace {

using nlohmann::json;

/// Runs the validator over `files`; returns (exit status, its output).
std::pair<int, std::string> validate(const std::vector<std::filesystem::path>& files) {
    std::string command = std::string("'") + KIOSK_NODE + "' '" + FHIR_SCHEMA_VALIDATOR + "' '" + FHIR_SCHEMA_TOOLS_DIR + "'";
    for (const auto& file : files) command += " '" + file.string() + "'";
    command += " 2>&1";
    FILE* pipe = popen(command.c_str(), "r");
    if (!pipe) return {-1, "cannot run " + command};
    std::string output;
    char buffer[4096];
    while (size_t n = fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
    const int status = pclose(pipe);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

// The resource types hospital-sim serves under /fhir (its CapabilityStatement lists them; the
// test checks that too, so a type added later cannot escape the schema check).
const std::vector<std::string> kServedTypes = {"Patient", "Organization", "Practitioner", "PractitionerRole", "Schedule",
                                               "Slot", "Appointment", "ChargeItem", "DiagnosticReport", "Binary",
                                               "MedicationRequest", "MedicationDispense", "PaymentReconciliation", "Communication",
                                               "CommunicationRequest", "Task", "ServiceRequest", "ChargeItemDefinition", "Encounter"};

class FhirSchemaTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(sim.ready()) << sim.log();
        driver = std::make_unique<FhirHisDriver>(sim.settings());
        std::filesystem::create_directories(sampleDir());
    }

    std::filesystem::path sampleDir() const { return sim.dir().path() / "samples"; }

    /// Keeps one answer of the simulator as a sample file; returns its JSON.
    json keep(const std::string& name, const test::FhirAnswer& answer, long expectedStatus = 200) {
        EXPECT_EQ(answer.status, expectedStatus) << name << ": " << answer.body;
        EXPECT_FALSE(answer.json.is_discarded()) << name << ": " << answer.body;
        const auto file = sampleDir() / (std::to_string(files.size()) + "-" + name + ".json");
        std::ofstream(file) << answer.body;
        files.push_back(file);
        if (answer.json.is_object()) {
            const std::string type = answer.json.value("resourceType", "");
            ++served[type];
            for (const auto& entry : answer.json.value("entry", json::array())) ++served[entry["resource"].value("resourceType", "")];
        }
        return answer.json;
    }
    json get(const std::string& name, const std::string& path, long expectedStatus = 200) {
        return keep(name, test::fhirCall(sim, "GET", path), expectedStatus);
    }

    test::SimProcess sim;
    std::unique_ptr<FhirHisDriver> driver;
    std::vector<std::filesystem::path> files;
    std::map<std::string, int> served;  ///< resourceType → how many were sampled
};

TEST_F(FhirSchemaTest, EverythingTheSimServesIsValidR4) {
    // Writes through the adapter first, so that what clients wrote is sampled too: a held, a
    // booked, a cancelled and a checked-in appointment, a payment with no channel reference, a
    // help request from a kiosk without an id (empty strings a client sends must not be served),
    // a dispense handed over.
    const auto tomorrow = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now() + std::chrono::hours(8) + std::chrono::days(1));
    auto slots = driver->slots({"dept-CARD", "", fmt::format("{:%Y-%m-%d}", tomorrow), "", true});
    ASSERT_TRUE(slots.has_value() && slots->size() >= 3) << (slots ? "too few slots" : slots.error().describe());
    auto held = driver->holdSlot((*slots)[0].id, "pat-zhang-san", "TRADE-SCHEMA-1");
    ASSERT_TRUE(held.has_value()) << held.error().describe();
    auto toBook = driver->holdSlot((*slots)[1].id, "pat-li-jun", "TRADE-SCHEMA-2");
    ASSERT_TRUE(toBook.has_value()) << toBook.error().describe();
    ASSERT_TRUE(driver->book(toBook->id, AppointmentPayment{"PAY-SCHEMA-2", "wechat", "4200001234", 2000}).has_value());
    auto toCancel = driver->holdSlot((*slots)[2].id, "pat-chen-zhe", "TRADE-SCHEMA-3");
    ASSERT_TRUE(toCancel.has_value()) << toCancel.error().describe();
    ASSERT_TRUE(driver->cancelAppointment(toCancel->id).has_value());
    const std::string today = test::todaysAppointment(*driver, "pat-zhang-san");
    ASSERT_FALSE(today.empty());
    ASSERT_TRUE(driver->checkIn(today).has_value());
    auto reminder = driver->requestQueueReminder({"TRADE-SCHEMA-SMS", today, "pat-zhang-san", 3});
    ASSERT_TRUE(reminder.has_value()) << reminder.error().describe();
    auto charges = driver->charges("pat-zhang-san");
    ASSERT_TRUE(charges.has_value() && !charges->empty());
    PaymentCommit commit{"TRADE-SCHEMA-PAY", "pat-zhang-san", {}, 0, 0, 0, "insurance", ""};
    for (const auto& c : *charges) {
        commit.chargeIds.push_back(c.id);
        commit.totalFen += c.amountFen;
    }
    commit.insuranceFen = commit.totalFen;
    auto paid = driver->commitPayment(commit);
    ASSERT_TRUE(paid.has_value()) << paid.error().describe();
    auto help = driver->postHelpRequest({"TRADE-SCHEMA-HELP", "", "payment_unknown", "order 12345678 unknown"});
    ASSERT_TRUE(help.has_value()) << help.error().describe();
    auto prescriptions = driver->prescriptions("pat-zhang-san");
    ASSERT_TRUE(prescriptions.has_value());
    const auto ready = std::find_if(prescriptions->begin(), prescriptions->end(), [](const Prescription& p) { return p.readyForPickup; });
    ASSERT_NE(ready, prescriptions->end());
    ASSERT_TRUE(driver->confirmPickup(ready->dispenseId, "SCHEMA-PICKUP-1").has_value());
    // The pharmacy's call queue (Task): one waiting, one called (executionPeriod, times-called).
    for (const char* patient : {"li-jun", "wang-xinkun"}) {
        auto theirs = driver->prescriptions(std::string("pat-") + patient);
        ASSERT_TRUE(theirs.has_value());
        const auto atWindow = std::find_if(theirs->begin(), theirs->end(), [](const Prescription& p) { return p.readyForPickup && !p.inLocker(); });
        ASSERT_NE(atWindow, theirs->end()) << patient;
        auto ticket = driver->queueForPickup({std::string("SCHEMA-PQ-") + patient, std::string("pat-") + patient, {atWindow->dispenseId},
                                              atWindow->window, "SCHEMA"});
        ASSERT_TRUE(ticket.has_value()) << ticket.error().describe();
    }
    sim.call("POST", "/admin/pharmacy/call-next", {{"window", "1号窗口"}});
    // Herbal orders (ServiceRequest): one draft with its fee and the phone link, one paid and
    // moved on (the seed has one shipped with a tracking number).
    auto byLink = driver->orderTcmService({.tradeNo = "SCHEMA-TC-1", .patientId = "pat-li-jun", .dispenseId = "disp-li-jun-tcm", .requestId = {},
                                           .service = TcmService::delivery, .addressByLink = true, .kioskId = "SCHEMA"});
    ASSERT_TRUE(byLink.has_value()) << byLink.error().describe();
    auto decocted = driver->orderTcmService({.tradeNo = "SCHEMA-TC-2", .patientId = "pat-wang-xinkun", .dispenseId = "disp-wang-xinkun-tcm",
                                             .requestId = "rx-wang-xinkun-tcm", .service = TcmService::decoction, .addressByLink = false,
                                             .kioskId = "SCHEMA"});
    ASSERT_TRUE(decocted.has_value()) << decocted.error().describe();
    ASSERT_TRUE(driver->commitPayment({"SCHEMA-PAY-TC-2", "pat-wang-xinkun", {decocted->chargeId}, decocted->feeFen, 0, decocted->feeFen, "wechat", ""}));
    sim.call("POST", "/admin/tcm/advance", {{"order", decocted->orderId}});

    // Every served type: a search page (Bundle) and reads of its first and last entries.
    const json capability = get("metadata", "metadata");
    std::set<std::string> listed;
    for (const auto& r : capability["rest"][0]["resource"]) listed.insert(r.value("type", ""));
    EXPECT_EQ(listed, std::set<std::string>(kServedTypes.begin(), kServedTypes.end())) << "a served type is not sampled";
    for (const auto& type : kServedTypes) {
        const json bundle = get("search-" + type, type + "?_count=100");
        const json entries = bundle.value("entry", json::array());
        ASSERT_FALSE(entries.empty()) << type;
        get("read-" + type + "-first", type + "/" + entries.front()["resource"].value("id", ""));
        get("read-" + type + "-last", type + "/" + entries.back()["resource"].value("id", ""));
    }
    // The states and shapes a plain first page may miss.
    get("search-slot-counter", "Slot?status=busy-unavailable&_count=10");
    get("search-slot-held", "Slot?status=busy-tentative,busy");
    for (const char* status : {"proposed", "booked", "arrived", "cancelled", "noshow"}) {
        const json found = get(std::string("search-appointment-") + status, std::string("Appointment?status=") + status);
        EXPECT_FALSE(found.value("entry", json::array()).empty()) << status;
    }
    get("search-patient-blacklisted", "Patient?identifier=H20230001");
    get("search-nothing", "Patient?identifier=no-such-card");
    get("search-charges-billed", "ChargeItem?status=billed");
    get("search-dispenses", "MedicationDispense?subject=Patient/pat-zhang-san");
    get("read-payment", "PaymentReconciliation/" + paid->id);
    get("read-help", "Communication/" + help->resourceId);
    // Operations and errors.
    get("queue", "Appointment/" + today + "/$queue");
    json preSettle = {{"resourceType", "Parameters"},
                      {"parameter", json::array({{{"name", "patient"}, {"valueReference", {{"reference", "Patient/pat-li-jun"}}}}})}};
    auto liJunCharges = driver->charges("pat-li-jun");
    ASSERT_TRUE(liJunCharges.has_value() && !liJunCharges->empty());
    preSettle["parameter"].push_back({{"name", "chargeItem"}, {"valueReference", {{"reference", "ChargeItem/" + liJunCharges->front().id}}}});
    keep("pre-settle", test::fhirCall(sim, "POST", "ChargeItem/$pre-settle", preSettle));
    keep("resolve-health-card", test::fhirCall(sim, "POST", "Patient/$resolve-health-card",
                                               json{{"resourceType", "Parameters"},
                                                {"parameter", json::array({{{"name", "token"},
                                                                            {"valueString", "0272E5F1A9B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D5E6F708192A3B4C5D:1"}}})}}));
    sim.call("POST", "/admin/queue/call-next", {{"doctor", "role-003"}});  // a called and a fulfilled appointment
    sim.call("POST", "/admin/queue/call-next", {{"doctor", "role-003"}});
    get("queue-after-call", "Appointment/" + today + "/$queue");
    get("search-appointment-called", "Appointment?status=arrived,fulfilled");
    // A check-in refusal with its facts (issue extensions): the booked appointment of tomorrow.
    const auto current = test::fhirCall(sim, "GET", "Appointment/" + toBook->id);
    json arrived = current.json;
    arrived["status"] = "arrived";
    keep("outcome-409-check-in", test::fhirCall(sim, "PUT", "Appointment/" + toBook->id, arrived, {{"If-Match", current.etag}}), 409);
    get("read-booked-with-rules", "Appointment/" + toBook->id);
    get("outcome-404", "Patient/no-such-patient", 404);
    get("outcome-404-type", "Claim", 404);
    keep("outcome-409", test::fhirCall(sim, "POST", "Appointment",
                                       json{{"resourceType", "Appointment"},
                                        {"status", "proposed"},
                                        {"start", (*slots)[0].start},
                                        {"end", (*slots)[0].end},
                                        {"slot", json::array({{{"reference", "Slot/" + (*slots)[0].id}}})},
                                        {"participant", json::array({{{"actor", {{"reference", "Patient/pat-li-jun"}}}, {"status", "accepted"}}})}}),
         409);
    keep("outcome-422", test::fhirCall(sim, "POST", "Appointment",
                                       json{{"resourceType", "Appointment"},
                                        {"status", "booked"},
                                        {"participant", json::array({{{"actor", {{"reference", "Patient/pat-li-jun"}}}, {"status", "accepted"}}})}}),
         422);

    for (const auto& type : kServedTypes) EXPECT_GT(served[type], 0) << type << " was not sampled";
    for (const char* type : {"Bundle", "CapabilityStatement", "Parameters", "OperationOutcome"}) EXPECT_GT(served[type], 0) << type;
    int resources = 0;
    for (const auto& [type, count] : served) resources += count;
    const auto [status, output] = validate(files);
    EXPECT_EQ(status, 0) << output;
    // Say what was checked (the log of a green run shows the sample's size).
    std::cout << files.size() << " answers, " << resources << " resources validated against the FHIR R4 schema\n";
    if (status == 0) std::cout << output.substr(output.rfind('\n', output.size() - 2) + 1);
}

TEST(FhirSchemaValidator, RefusesTheDefectsHospitalSimHad) {
    // The validator is no rubber stamp: the answers hospital-sim gave before issue 19 (copied into
    // tests/samples/backend/r4-schema/) are refused, each for its defect.
    const std::filesystem::path dir = std::filesystem::path(KIOSK_TEST_SAMPLES_DIR) / "backend" / "r4-schema";
    std::vector<std::filesystem::path> samples;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) samples.push_back(entry.path());
    std::sort(samples.begin(), samples.end());
    ASSERT_GE(samples.size(), 3U);
    const auto [status, output] = validate(samples);
    EXPECT_EQ(status, 1) << output;
    EXPECT_NE(output.find("0 valid, " + std::to_string(samples.size()) + " invalid"), std::string::npos) << output;
    EXPECT_NE(output.find("must NOT have additional properties '_file'"), std::string::npos) << output;
    EXPECT_NE(output.find("must NOT have additional properties '_render'"), std::string::npos) << output;
    EXPECT_NE(output.find("/comment: must match pattern"), std::string::npos) << output;
    EXPECT_NE(output.find("/sender/identifier/value: must match pattern"), std::string::npos) << output;
    EXPECT_NE(output.find("/entry: empty array"), std::string::npos) << output;
}

}  // namespace
}  // namespace kiosk::backend
