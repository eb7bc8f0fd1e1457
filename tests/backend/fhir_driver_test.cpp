// Every HisDriver operation of the FHIR adapter against a real hospital-sim on loopback.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "kiosk/backend/fhir_his_driver.hpp"
#include "kiosk/backend/identity_lookup.hpp"
#include "tests/backend/sim_process.hpp"

namespace kiosk::backend {
namespace {

constexpr const char* kZhangSanToken = "0272E5F1A9B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D5E6F708192A3B4C5D:1";

class FhirDriverTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(sim.ready()) << sim.log();
        driver = std::make_unique<FhirHisDriver>(sim.settings());
    }

    /// A free slot of a department on a later day (never one that begins during the test).
    Slot freeSlot(const std::string& department = "dept-CARD", size_t index = 0) {
        SlotQuery query{department, "", "", "", true};
        const auto today = driver->slots(query);  // today's remaining ones are fine for listing only
        EXPECT_TRUE(today.has_value());
        for (int day = 1; day < 7; ++day) {
            query.fromDate = dateIn(day);
            auto found = driver->slots(query);
            EXPECT_TRUE(found.has_value()) << found.error().describe();
            if (found && found->size() > index) return (*found)[index];
        }
        ADD_FAILURE() << "no free slot";
        return {};
    }

    static std::string dateIn(int days) {
        const auto local = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now() + std::chrono::hours(8) +
                                                                 std::chrono::days(days));
        const std::chrono::year_month_day ymd{local};
        char text[16];
        std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                      static_cast<unsigned>(ymd.day()));
        return text;
    }

    test::SimProcess sim;
    std::unique_ptr<FhirHisDriver> driver;
};

TEST_F(FhirDriverTest, PingReadsTheCapabilityStatement) {
    auto info = driver->ping();
    ASSERT_TRUE(info.has_value()) << info.error().describe();
    EXPECT_EQ(info->software, "hospital-sim");
    EXPECT_EQ(info->fhirVersion, "4.0.1");
}

TEST_F(FhirDriverTest, FindsPatientsByEveryKeyWithRareCharacterNames) {
    auto byId = driver->findPatient(PatientKey::id_number, "430104195611200313");
    ASSERT_TRUE(byId.has_value()) << byId.error().describe();
    EXPECT_EQ(byId->name, "王鑫堃");
    EXPECT_EQ(byId->id, "pat-wang-xinkun");
    auto bySocial = driver->findPatient(PatientKey::social_security_card, "SS1239011");
    ASSERT_TRUE(bySocial.has_value());
    EXPECT_EQ(bySocial->name, "赵燊婧");
    auto byHospital = driver->findPatient(PatientKey::hospital_card, "H20240007");
    ASSERT_TRUE(byHospital.has_value());
    EXPECT_EQ(byHospital->name, "李珺");
    auto byHealth = driver->findPatient(PatientKey::health_card_id, byHospital->healthCardId);
    ASSERT_TRUE(byHealth.has_value());
    EXPECT_EQ(byHealth->id, byHospital->id);
    EXPECT_FALSE(byHospital->bookingBlockedUntil.has_value());
}

TEST_F(FhirDriverTest, UnknownPatientIsNotFoundWithAPatientMessage) {
    auto missing = driver->findPatient(PatientKey::id_number, "110101199003079999");
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error().code, Errc::not_found);
    EXPECT_EQ(missing.error().messageKey, "backend.patient_not_found");
    EXPECT_EQ(missing.error().detail.find("110101199003079999"), std::string::npos) << "ID number in clear in the log";
}

TEST_F(FhirDriverTest, StaticHealthCardTokenResolvesEveryTime) {
    for (int i = 0; i < 2; ++i) {
        auto patient = driver->resolveHealthCard(kZhangSanToken);
        ASSERT_TRUE(patient.has_value()) << patient.error().describe();
        EXPECT_EQ(patient->name, "张三");
    }
}

TEST_F(FhirDriverTest, DynamicHealthCardTokenIsOneUse) {
    const auto issued = sim.call("POST", "/healthcard/dynamic-token", {{"patient", "pat-li-jun"}});
    const std::string token = issued.value("token", "");
    ASSERT_EQ(token.size(), 66U) << issued.dump();
    auto first = driver->resolveHealthCard(token);
    ASSERT_TRUE(first.has_value()) << first.error().describe();
    EXPECT_EQ(first->name, "李珺");
    auto second = driver->resolveHealthCard(token);
    ASSERT_FALSE(second.has_value());
    EXPECT_EQ(second.error().code, Errc::rejected);
    EXPECT_EQ(second.error().messageKey, "backend.token_used");
    auto unknown = driver->resolveHealthCard(std::string(64, 'A') + ":1");
    ASSERT_FALSE(unknown.has_value());
    EXPECT_EQ(unknown.error().code, Errc::not_found);
    EXPECT_EQ(unknown.error().messageKey, "backend.token_unknown");
    auto malformed = driver->resolveHealthCard("https://example.com/not-a-token");
    ASSERT_FALSE(malformed.has_value());
    EXPECT_EQ(malformed.error().code, Errc::invalid_argument);
    EXPECT_EQ(malformed.error().messageKey, "backend.token_invalid");
}

TEST_F(FhirDriverTest, IdentityLookupResolvesScannedTextAndCards) {
    auto byToken = identifyPatient(*driver, *classifyCredential(kZhangSanToken));
    ASSERT_TRUE(byToken.has_value()) << byToken.error().describe();
    EXPECT_EQ(byToken->id, "pat-zhang-san");
    auto byIdText = identifyPatient(*driver, *classifyCredential(" 430111194201010663\n"));
    ASSERT_TRUE(byIdText.has_value());
    EXPECT_EQ(byIdText->name, "欧阳娜娜");
    auto byHospital = identifyPatient(*driver, *classifyCredential("H20240021"));
    ASSERT_TRUE(byHospital.has_value());
    EXPECT_EQ(byHospital->name, "陈喆");
    // A social-security card not registered at this hospital falls back to its ID number.
    PatientIdentity card;
    card.source = IdentitySource::social_security_card;
    card.cardNumber = "SS0000000";
    card.idNumber = "110101199003070134";
    auto fallback = identifyPatient(*driver, card);
    ASSERT_TRUE(fallback.has_value());
    EXPECT_EQ(fallback->id, "pat-zhang-san");
    EXPECT_FALSE(classifyCredential("").has_value());
    EXPECT_FALSE(classifyCredential("<script>").has_value());
}

TEST_F(FhirDriverTest, DepartmentsDoctorsAndSlotsOfAWeekFollowPaging) {
    auto settings = sim.settings();
    settings.pageSize = 4;  // forces several Bundle pages
    FhirHisDriver paged(settings);
    auto departments = paged.departments();
    ASSERT_TRUE(departments.has_value()) << departments.error().describe();
    EXPECT_GE(departments->size(), 12U);
    size_t doctors = 0;
    for (const auto& department : *departments) {
        auto list = driver->doctors(department.id);
        ASSERT_TRUE(list.has_value());
        for (const auto& doctor : *list) {
            EXPECT_FALSE(doctor.name.empty());
            EXPECT_FALSE(doctor.title.empty());
            EXPECT_GT(doctor.feeFen, 0);
        }
        doctors += list->size();
    }
    EXPECT_GE(doctors, 40U);
    auto week = driver->slots(SlotQuery{"dept-CARD", "", dateIn(1), dateIn(7), false});
    ASSERT_TRUE(week.has_value()) << week.error().describe();
    std::set<std::string> days;
    size_t counterOnly = 0;
    for (const auto& slot : *week) {
        days.insert(slot.start.substr(0, 10));
        counterOnly += slot.status == "busy-unavailable" ? 1 : 0;
    }
    EXPECT_GE(days.size(), 5U);
    EXPECT_GT(counterOnly, 0U) << "a share of slots is kept for the counter";
    EXPECT_LT(counterOnly * 3, week->size()) << "most slots are released for online booking";
    auto oneDoctor = driver->slots(SlotQuery{"dept-CARD", "role-002", dateIn(1), dateIn(7), true});
    ASSERT_TRUE(oneDoctor.has_value());
    ASSERT_FALSE(oneDoctor->empty());
    for (const auto& slot : *oneDoctor) EXPECT_EQ(slot.doctorId, "role-002");
    auto badDate = driver->slots(SlotQuery{"dept-CARD", "", "tomorrow", "", true});
    ASSERT_FALSE(badDate.has_value());
    EXPECT_EQ(badDate.error().code, Errc::invalid_argument);
}

TEST_F(FhirDriverTest, HoldIsIdempotentOnTheTradeNumberAndExclusive) {
    const Slot slot = freeSlot();
    auto held = driver->holdSlot(slot.id, "pat-zhang-san", "TRADE-HOLD-1");
    ASSERT_TRUE(held.has_value()) << held.error().describe();
    EXPECT_EQ(held->status, AppointmentStatus::proposed);
    EXPECT_TRUE(held->holdExpires.has_value());
    EXPECT_EQ(held->tradeNo, "TRADE-HOLD-1");
    auto again = driver->holdSlot(slot.id, "pat-zhang-san", "TRADE-HOLD-1");
    ASSERT_TRUE(again.has_value()) << again.error().describe();
    EXPECT_EQ(again->id, held->id);
    EXPECT_EQ(sim.commits("TRADE-HOLD-1"), 1);
    auto other = driver->holdSlot(slot.id, "pat-li-jun", "TRADE-HOLD-2");
    ASSERT_FALSE(other.has_value());
    EXPECT_EQ(other.error().code, Errc::slot_taken);
    EXPECT_EQ(other.error().messageKey, "backend.slot_taken");
}

TEST_F(FhirDriverTest, BookThenCancelFreesTheSlot) {
    const Slot slot = freeSlot("dept-PAED");
    auto held = driver->holdSlot(slot.id, "pat-li-jun", "TRADE-BOOK-1");
    ASSERT_TRUE(held.has_value()) << held.error().describe();
    auto booked = driver->book(held->id);
    ASSERT_TRUE(booked.has_value()) << booked.error().describe();
    EXPECT_EQ(booked->status, AppointmentStatus::booked);
    auto bookedAgain = driver->book(held->id);  // already booked: same answer, no error
    ASSERT_TRUE(bookedAgain.has_value());
    auto listed = driver->appointments("pat-li-jun");
    ASSERT_TRUE(listed.has_value());
    EXPECT_TRUE(std::any_of(listed->begin(), listed->end(), [&](const Appointment& a) { return a.id == held->id; }));
    auto cancelled = driver->cancelAppointment(held->id);
    ASSERT_TRUE(cancelled.has_value()) << cancelled.error().describe();
    EXPECT_EQ(cancelled->status, AppointmentStatus::cancelled);
    auto rebook = driver->holdSlot(slot.id, "pat-chen-zhe", "TRADE-BOOK-2");
    EXPECT_TRUE(rebook.has_value()) << "cancel freed the slot";
    auto wrongState = driver->checkIn(held->id);
    ASSERT_FALSE(wrongState.has_value());
    EXPECT_EQ(wrongState.error().code, Errc::rejected);
}

TEST_F(FhirDriverTest, BlacklistedPatientSeesTheEndDateAndCannotHold) {
    auto patient = driver->findPatient(PatientKey::hospital_card, "H20230001");
    ASSERT_TRUE(patient.has_value());
    ASSERT_TRUE(patient->bookingBlockedUntil.has_value());
    EXPECT_EQ(patient->bookingBlockedUntil->size(), 10U);
    EXPECT_NE(patient->bookingBlockedReason.find("3 missed"), std::string::npos);
    auto held = driver->holdSlot(freeSlot().id, patient->id, "TRADE-BLOCKED");
    ASSERT_FALSE(held.has_value());
    EXPECT_EQ(held.error().code, Errc::blocked);
    EXPECT_EQ(held.error().messageKey, "backend.blacklisted");
    EXPECT_EQ(sim.commits("TRADE-BLOCKED"), 0);
}

TEST(FhirDriverPolicy, NoShowLimitIsConfigurable) {
    test::SimProcess lenient({"--no-show-limit", "4"});
    ASSERT_TRUE(lenient.ready()) << lenient.log();
    FhirHisDriver driver(lenient.settings());
    auto patient = driver.findPatient(PatientKey::hospital_card, "H20230001");
    ASSERT_TRUE(patient.has_value());
    EXPECT_FALSE(patient->bookingBlockedUntil.has_value());
}

TEST_F(FhirDriverTest, CheckInGivesAQueueNumberOnce) {
    const std::string zhangSan = test::todaysAppointment(*driver, "pat-zhang-san");
    const std::string liJun = test::todaysAppointment(*driver, "pat-li-jun");
    ASSERT_FALSE(zhangSan.empty());
    ASSERT_FALSE(liJun.empty());
    auto first = driver->checkIn(zhangSan);
    ASSERT_TRUE(first.has_value()) << first.error().describe();
    EXPECT_EQ(first->status, AppointmentStatus::arrived);
    ASSERT_TRUE(first->queueNumber.has_value());
    auto again = driver->checkIn(zhangSan);
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(again->queueNumber, first->queueNumber);
    auto queue = driver->queueStatus(zhangSan);
    ASSERT_TRUE(queue.has_value()) << queue.error().describe();
    EXPECT_EQ(queue->queueNumber, *first->queueNumber);
    EXPECT_EQ(queue->waitingAhead, 4);  // four seeded patients arrived earlier
    EXPECT_FALSE(queue->room.empty());
    auto notArrived = driver->queueStatus(liJun);
    ASSERT_FALSE(notArrived.has_value());
    EXPECT_EQ(notArrived.error().code, Errc::rejected);
    auto missing = driver->checkIn("appt-does-not-exist");
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error().code, Errc::not_found);
    auto injected = driver->checkIn("../Patient/x");
    ASSERT_FALSE(injected.has_value());
    EXPECT_EQ(injected.error().code, Errc::invalid_argument);
}

TEST_F(FhirDriverTest, ChargesPreSettleCommitAndLookup) {
    auto charges = driver->charges("pat-zhang-san");
    ASSERT_TRUE(charges.has_value()) << charges.error().describe();
    ASSERT_GE(charges->size(), 3U);
    std::set<std::string> classes;
    std::vector<std::string> ids;
    int64_t total = 0;
    for (const auto& c : *charges) {
        classes.insert(c.insuranceClass);
        ids.push_back(c.id);
        total += c.amountFen;
    }
    EXPECT_TRUE(classes.contains("A"));
    EXPECT_TRUE(classes.contains("B") || classes.contains("C"));
    auto pre = driver->preSettle("pat-zhang-san", ids);
    ASSERT_TRUE(pre.has_value()) << pre.error().describe();
    EXPECT_EQ(pre->totalFen, total);
    EXPECT_GT(pre->insuranceFen, 0);
    EXPECT_EQ(pre->insuranceFen + pre->selfPayFen, total);

    PaymentCommit wrongAmount{"TRADE-PAY-BAD", "pat-zhang-san", ids, total + 1, pre->insuranceFen, pre->selfPayFen + 1, "wechat", "W1"};
    auto refused = driver->commitPayment(wrongAmount);
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().code, Errc::rejected);

    PaymentCommit commit{"TRADE-PAY-1", "pat-zhang-san", ids, total, pre->insuranceFen, pre->selfPayFen, "wechat", "4200001"};
    auto paid = driver->commitPayment(commit);
    ASSERT_TRUE(paid.has_value()) << paid.error().describe();
    EXPECT_EQ(paid->tradeNo, "TRADE-PAY-1");
    EXPECT_EQ(paid->totalFen, total);
    EXPECT_FALSE(paid->invoiceNumber.empty());
    auto repeated = driver->commitPayment(commit);
    ASSERT_TRUE(repeated.has_value());
    EXPECT_EQ(repeated->id, paid->id);
    EXPECT_EQ(sim.commits("TRADE-PAY-1"), 1);
    auto after = driver->charges("pat-zhang-san");
    ASSERT_TRUE(after.has_value());
    EXPECT_TRUE(after->empty()) << "paid charges are no longer outstanding";

    auto found = driver->lookupTransaction("TRADE-PAY-1");
    ASSERT_TRUE(found.has_value()) << found.error().describe();
    EXPECT_EQ(found->resourceType, "PaymentReconciliation");
    EXPECT_EQ(found->resourceId, paid->id);
    auto unknown = driver->lookupTransaction("TRADE-NEVER");
    ASSERT_FALSE(unknown.has_value());
    EXPECT_EQ(unknown.error().code, Errc::not_found);
}

TEST_F(FhirDriverTest, ReportsComeWithRealPdfs) {
    auto reports = driver->reports("pat-li-jun");
    ASSERT_TRUE(reports.has_value()) << reports.error().describe();
    // hospital-sim seeds five per person (issue 12): four ready ones with a PDF, one pending.
    ASSERT_EQ(reports->size(), 5U);
    std::set<std::string> categories;
    size_t pending = 0;
    for (const auto& report : *reports) {
        categories.insert(report.category);
        if (!report.ready()) {
            ++pending;
            EXPECT_TRUE(report.pdfBinaryId.empty()) << report.id << ": a pending report has no PDF yet";
            continue;
        }
        auto pdf = driver->reportPdf(report);
        ASSERT_TRUE(pdf.has_value()) << pdf.error().describe();
        EXPECT_EQ(pdf->rfind("%PDF-", 0), 0U);
        EXPECT_NE(pdf->find("%%EOF"), std::string::npos);
    }
    EXPECT_EQ(pending, 1U);
    EXPECT_EQ(categories, (std::set<std::string>{"LAB", "RAD"}));
    Report missing;
    missing.pdfBinaryId = "bin-nothing";
    EXPECT_EQ(driver->reportPdf(missing).error().code, Errc::not_found);
}

TEST_F(FhirDriverTest, PrescriptionsInEveryDispenseStateAndPickup) {
    auto list = driver->prescriptions("pat-zhang-san");
    ASSERT_TRUE(list.has_value()) << list.error().describe();
    std::set<std::string> states;
    std::string ready, notReady;
    for (const auto& p : *list) {
        states.insert(p.status);
        if (p.readyForPickup) ready = p.dispenseId;
        if (p.status == "preparation") notReady = p.dispenseId;
    }
    EXPECT_EQ(states.size(), 9U);
    ASSERT_FALSE(ready.empty());
    auto picked = driver->confirmPickup(ready, "PICKUP-1");
    ASSERT_TRUE(picked.has_value()) << picked.error().describe();
    EXPECT_EQ(picked->status, "completed");
    EXPECT_EQ(picked->tradeNo, "PICKUP-1");
    auto twice = driver->confirmPickup(ready, "PICKUP-1");
    EXPECT_TRUE(twice.has_value()) << "a repeated confirmation with the same key is not an error";
    auto another = driver->confirmPickup(ready, "PICKUP-2");
    ASSERT_FALSE(another.has_value()) << "a second pickup of a handed-over dispense must be refused";
    EXPECT_EQ(another.error().messageKey, "backend.already_picked_up");
    auto early = driver->confirmPickup(notReady, "PICKUP-3");
    ASSERT_FALSE(early.has_value());
    EXPECT_EQ(early.error().code, Errc::rejected);
    EXPECT_EQ(early.error().messageKey, "backend.not_ready_for_pickup");
}

// Issue 13 item 4: a herbal prescription's decoction and delivery, priced from the hospital's
// ChargeItemDefinitions, ordered under a key (idempotent, one fee), paid, moved on to shipped.
TEST_F(FhirDriverTest, HerbalDecoctionAndDeliveryOrderedPaidAndShipped) {
    auto prices = driver->tcmPrices();
    ASSERT_TRUE(prices.has_value()) << prices.error().describe();
    EXPECT_EQ(prices->decoctionPerDoseFen, 300);
    EXPECT_EQ(prices->deliveryFen, 1500);
    EXPECT_EQ(prices->feeFen(TcmService::decoction_delivery, 7), 7 * 300 + 1500);
    EXPECT_EQ(prices->feeFen(TcmService::self_decoction, 7), 0);

    auto list = driver->prescriptions("pat-zhang-san");
    ASSERT_TRUE(list.has_value()) << list.error().describe();
    const auto herbal = std::find_if(list->begin(), list->end(), [](const Prescription& p) { return p.dispenseId == "disp-zhang-san-tcm"; });
    ASSERT_NE(herbal, list->end());
    EXPECT_TRUE(herbal->herbal);
    EXPECT_EQ(herbal->doses, 7);
    auto patient = driver->findPatient(PatientKey::id_number, "110101199003070134");
    ASSERT_TRUE(patient.has_value());
    EXPECT_EQ(patient->address, "北京市海淀区中关村南大街5号院3号楼2单元501");

    // The earlier order: shipped, with the courier's number.
    auto earlier = driver->tcmOrders("pat-zhang-san");
    ASSERT_TRUE(earlier.has_value()) << earlier.error().describe();
    ASSERT_EQ(earlier->size(), 1U);
    EXPECT_EQ(earlier->front().stage, "shipped");
    EXPECT_EQ(earlier->front().trackingNumber, "SF1402335677881");
    EXPECT_EQ(earlier->front().carrier, "顺丰速运");

    TcmOrderRequest request{.tradeNo = "TC-1", .patientId = "pat-zhang-san", .dispenseId = herbal->dispenseId, .requestId = herbal->requestId,
                            .service = TcmService::decoction_delivery, .addressByLink = false, .kioskId = "TEST"};
    auto order = driver->orderTcmService(request);
    ASSERT_TRUE(order.has_value()) << order.error().describe();
    EXPECT_EQ(order->status, "draft");
    EXPECT_EQ(order->stage, "awaiting-payment");
    EXPECT_EQ(order->feeFen, 7 * 300 + 1500);
    EXPECT_TRUE(order->unpaid());
    EXPECT_EQ(order->address, "北京市海淀区中关村南大街5号院3号楼2单元501");
    auto again = driver->orderTcmService(request);
    ASSERT_TRUE(again.has_value()) << again.error().describe();
    EXPECT_EQ(again->orderId, order->orderId) << "the same key is the same order";
    EXPECT_EQ(again->chargeId, order->chargeId) << "and never a second fee";
    EXPECT_EQ(sim.commits("TC-1"), 1);
    auto found = driver->lookupTransaction("TC-1");
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->resourceType, "ServiceRequest");
    request.tradeNo = "TC-2";
    request.service = TcmService::decoction;
    auto second = driver->orderTcmService(request);
    ASSERT_FALSE(second.has_value()) << "one order per prescription";
    EXPECT_EQ(second.error().messageKey, "backend.tcm_already_ordered");

    // The fee is an ordinary charge of the patient: paying it starts the order.
    auto charges = driver->charges("pat-zhang-san");
    ASSERT_TRUE(charges.has_value());
    const auto fee = std::find_if(charges->begin(), charges->end(), [&](const Charge& c) { return c.id == order->chargeId; });
    ASSERT_NE(fee, charges->end());
    EXPECT_EQ(fee->amountFen, order->feeFen);
    auto paid = driver->commitPayment(PaymentCommit{"PAY-TC-1", "pat-zhang-san", {order->chargeId}, order->feeFen, 0, order->feeFen, "wechat", ""});
    ASSERT_TRUE(paid.has_value()) << paid.error().describe();
    auto started = driver->tcmOrders("pat-zhang-san");
    ASSERT_TRUE(started.has_value());
    ASSERT_EQ(started->size(), 2U);
    EXPECT_EQ(started->front().orderId, order->orderId) << "the newest first";
    EXPECT_EQ(started->front().status, "active");
    EXPECT_EQ(started->front().stage, "audited");
    EXPECT_FALSE(started->front().expectedAt.empty());
    for (const char* stage : {"dispensing", "decocting", "shipped"}) {
        const auto moved = sim.call("POST", "/admin/tcm/advance", {{"order", order->orderId}});
        EXPECT_EQ(moved.value("stage", ""), stage) << moved.dump();
    }
    auto shipped = driver->tcmOrders("pat-zhang-san");
    ASSERT_TRUE(shipped.has_value());
    EXPECT_EQ(shipped->front().stage, "shipped");
    EXPECT_EQ(shipped->front().trackingNumber.rfind("SF14", 0), 0U) << shipped->front().trackingNumber;
}

// A delivery for a patient without an address on file: refused to "the address on file", taken
// with the address by link (the page's URL, an SMS to the patient); the phone fills it in.
TEST_F(FhirDriverTest, HerbalDeliveryWithoutAnAddressGoesByTheLink) {
    TcmOrderRequest request{.tradeNo = "TC-L1", .patientId = "pat-li-jun", .dispenseId = "disp-li-jun-tcm", .requestId = {},
                            .service = TcmService::delivery, .addressByLink = false, .kioskId = "TEST"};
    auto onFile = driver->orderTcmService(request);
    ASSERT_FALSE(onFile.has_value());
    EXPECT_EQ(onFile.error().messageKey, "backend.no_address");
    request.tradeNo = "TC-L2";
    request.addressByLink = true;
    auto byLink = driver->orderTcmService(request);
    ASSERT_TRUE(byLink.has_value()) << byLink.error().describe();
    EXPECT_EQ(byLink->feeFen, 1500);
    EXPECT_TRUE(byLink->address.empty());
    ASSERT_NE(byLink->addressLink.find("/mobile/tcm-address/" + byLink->orderId), std::string::npos) << byLink->addressLink;
    const auto sms = sim.call("GET", "/admin/sms");
    bool texted = false;
    for (const auto& sent : sms["sent"]) texted = texted || (sent.value("order", "") == byLink->orderId && sent.value("phone", "") == "13987654321");
    EXPECT_TRUE(texted) << sms.dump();
    // Paid before the address is in: started, waiting for the address.
    ASSERT_TRUE(driver->commitPayment(PaymentCommit{"PAY-TC-L2", "pat-li-jun", {byLink->chargeId}, 1500, 0, 1500, "alipay", ""}));
    auto waiting = driver->tcmOrders("pat-li-jun");
    ASSERT_TRUE(waiting.has_value() && !waiting->empty());
    EXPECT_EQ(waiting->front().stage, "awaiting-address");
    // The patient's phone posts the address to the page.
    long status = 0;
    sim.call("POST", "/mobile/tcm-address/" + byLink->orderId, {{"address", "somewhere else"}}, &status);
    EXPECT_EQ(status, 404) << "the page takes an address only with the link's token";
    const std::string page = byLink->addressLink.substr(byLink->addressLink.find("/mobile/"));
    const auto filled = sim.call("POST", page, {{"address", "湖南省长沙市芙蓉区五一大道1号"}});
    EXPECT_EQ(filled.value("stage", ""), "audited") << filled.dump();
    auto audited = driver->tcmOrders("pat-li-jun");
    ASSERT_TRUE(audited.has_value() && !audited->empty());
    EXPECT_EQ(audited->front().address, "湖南省长沙市芙蓉区五一大道1号");
}

// Bad input: a price of 0 or below is no price (the service is not offered); an order answered
// with a fee of 0 or below, or without its ChargeItem, is never taken as payable.
TEST_F(FhirDriverTest, HerbalFeesOfZeroOrBelowAreRefused) {
    const nlohmann::json badPrices = nlohmann::json::parse(R"({"resourceType": "Bundle", "type": "searchset", "entry": [
        {"resource": {"resourceType": "ChargeItemDefinition", "id": "d1", "url": "urn:test:d1", "status": "active",
                      "code": {"coding": [{"system": "urn:yizhan:tcm-service", "code": "decoction"}]},
                      "propertyGroup": [{"priceComponent": [{"type": "base", "amount": {"value": -3.0, "currency": "CNY"}}]}]}},
        {"resource": {"resourceType": "ChargeItemDefinition", "id": "d2", "url": "urn:test:d2", "status": "active",
                      "code": {"coding": [{"system": "urn:yizhan:tcm-service", "code": "delivery"}]},
                      "propertyGroup": [{"priceComponent": [{"type": "base", "amount": {"value": 0, "currency": "CNY"}}]}]}}]})");
    sim.armAnswer("GET", "/fhir/ChargeItemDefinition", badPrices);
    auto prices = driver->tcmPrices();
    ASSERT_TRUE(prices.has_value()) << prices.error().describe();
    EXPECT_EQ(prices->decoctionPerDoseFen, 0);
    EXPECT_EQ(prices->deliveryFen, 0);
    EXPECT_TRUE(prices->offers(TcmService::self_decoction));
    EXPECT_FALSE(prices->offers(TcmService::decoction));
    EXPECT_FALSE(prices->offers(TcmService::delivery));
    EXPECT_FALSE(prices->offers(TcmService::decoction_delivery));

    for (const int64_t fee : {int64_t{0}, int64_t{-1500}}) {
        nlohmann::json freeDelivery = nlohmann::json::parse(R"({"resourceType": "ServiceRequest", "id": "sr-bad", "status": "active",
            "intent": "order", "identifier": [{"system": "urn:yizhan:kiosk-trade", "value": "TC-BAD"}],
            "code": {"coding": [{"system": "urn:yizhan:tcm-service", "code": "delivery"}]},
            "subject": {"reference": "Patient/pat-zhang-san"},
            "supportingInfo": [{"reference": "MedicationDispense/disp-zhang-san-tcm"}]})");
        freeDelivery["extension"] = nlohmann::json::array({{{"url", "urn:yizhan:ext:fee-fen"}, {"valueInteger", fee}}});
        sim.armAnswer("POST", "/fhir/ServiceRequest", freeDelivery, 201);
        TcmOrderRequest request{.tradeNo = "TC-BAD", .patientId = "pat-zhang-san", .dispenseId = "disp-zhang-san-tcm", .requestId = {},
                                .service = TcmService::delivery, .addressByLink = false, .kioskId = "TEST"};
        auto order = driver->orderTcmService(request);
        ASSERT_FALSE(order.has_value()) << "fee " << fee;
        EXPECT_EQ(order.error().code, Errc::invalid_answer);
        EXPECT_EQ(order.error().messageKey, "backend.invalid_fee");
    }
}

TEST_F(FhirDriverTest, HelpRequestIsKeyedByItsTradeNumber) {
    HelpRequest request{"HELP-1", "TEST-KIOSK", "payment_unknown", "trade TRADE-9 unknown, card 110101199003070134"};
    auto posted = driver->postHelpRequest(request);
    ASSERT_TRUE(posted.has_value()) << posted.error().describe();
    auto again = driver->postHelpRequest(request);
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(again->resourceId, posted->resourceId);
    EXPECT_EQ(sim.commits("HELP-1"), 1);
    auto found = driver->lookupTransaction("HELP-1");
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->resourceType, "Communication");
}

TEST(FhirDriverRestart, SimulatorKeepsItsDatabaseAcrossRestarts) {
    test::TempDir data;
    std::string appointmentId;
    size_t slotsBefore = 0;
    {
        test::SimProcess first({}, "http", data.path());
        ASSERT_TRUE(first.ready()) << first.log();
        FhirHisDriver driver(first.settings());
        auto slots = driver.slots(SlotQuery{"dept-ENT", "", "", "", true});
        ASSERT_TRUE(slots.has_value());
        auto week = driver.slots(SlotQuery{"dept-ENT", "", "", "", true});
        SlotQuery later{"dept-ENT", "", "", "", true};
        const auto local = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now() + std::chrono::hours(32));
        const std::chrono::year_month_day ymd{local};
        char text[16];
        std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                      static_cast<unsigned>(ymd.day()));
        later.fromDate = text;
        later.toDate = "2100-01-01";
        auto free = driver.slots(later);
        ASSERT_TRUE(free.has_value() && !free->empty());
        auto held = driver.holdSlot(free->front().id, "pat-ouyang-nana", "TRADE-RESTART");
        ASSERT_TRUE(held.has_value()) << held.error().describe();
        appointmentId = held->id;
        later.freeOnly = false;
        slotsBefore = driver.slots(later)->size();
    }
    test::SimProcess second({}, "http", data.path());
    ASSERT_TRUE(second.ready()) << second.log();
    FhirHisDriver driver(second.settings());
    auto found = driver.lookupTransaction("TRADE-RESTART");
    ASSERT_TRUE(found.has_value()) << found.error().describe();
    EXPECT_EQ(found->resourceId, appointmentId);
    EXPECT_NE(second.log().find("using the existing hospital database"), std::string::npos);
    // The calendar top-up at start adds only missing days: no duplicate slots.
    SlotQuery all{"dept-ENT", "", "", "2100-01-01", false};
    const auto local = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now() + std::chrono::hours(32));
    const std::chrono::year_month_day ymd{local};
    char text[16];
    std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()));
    all.fromDate = text;
    auto after = driver.slots(all);
    ASSERT_TRUE(after.has_value());
    EXPECT_EQ(after->size(), slotsBefore);
}

}  // namespace
}  // namespace kiosk::backend
