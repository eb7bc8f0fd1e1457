// "My records" over FHIR R4 (issue 12 item 4): the Encounter and PaymentReconciliation readers on
// bad answers — no date, an unknown status, no amount, a wrong type, another patient named —
// and on the shapes the HIS sends (contained Condition, a display only, no diagnosis at all).
#include <gtest/gtest.h>

#include "kiosk/backend/fhir_history.hpp"
#include "kiosk/backend/fhir_systems.hpp"

namespace kiosk::backend {
namespace {

using nlohmann::json;
using fhir_history::parseEncounter;
using fhir_history::parsePaymentReconciliation;

json encounter() {
    return json::parse(R"({"resourceType": "Encounter", "id": "enc-1", "status": "finished",
        "subject": {"reference": "Patient/pat-zhang-san"},
        "participant": [{"individual": {"display": "王建国"}}],
        "period": {"start": "2026-11-29T09:10:00+08:00"},
        "serviceProvider": {"reference": "Organization/dept-CARD", "display": "心血管内科",
          "_display": {"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/translation",
            "extension": [{"url": "lang", "valueCode": "en"}, {"url": "content", "valueString": "Cardiology"}]}]}},
        "contained": [{"resourceType": "Condition", "id": "dx1", "subject": {"reference": "Patient/pat-zhang-san"},
                       "code": {"text": "原发性高血压"}}],
        "diagnosis": [{"condition": {"reference": "#dx1"}}, {"condition": {"display": "高脂血症"}}]})");
}

json payment() {
    return json::parse(R"({"resourceType": "PaymentReconciliation", "id": "pay-1", "status": "active",
        "identifier": [{"system": "urn:yizhan:kiosk-trade", "value": "K-1"}],
        "created": "2026-11-29T09:48:00+08:00", "paymentDate": "2026-11-29",
        "paymentAmount": {"value": 50.0, "currency": "CNY"},
        "paymentIdentifier": {"system": "urn:yizhan:channel:wechat", "value": "4200"},
        "detail": [{"request": {"reference": "ChargeItem/c1"}}, {"request": {"reference": "ChargeItem/c-unknown"}}],
        "extension": [{"url": "urn:yizhan:ext:fee-fen", "valueInteger": 5000},
                      {"url": "urn:yizhan:ext:insurance-fen", "valueInteger": 1000},
                      {"url": "urn:yizhan:ext:cash-fen", "valueInteger": 4000},
                      {"url": "urn:yizhan:ext:patient", "valueReference": {"reference": "Patient/pat-zhang-san"}},
                      {"url": "urn:yizhan:ext:invoice-number", "valueString": "FP2026001"}]})");
}

const std::map<std::string, PaidItem> kCharges = {{"c1", PaidItem{"c1", "门诊诊查费", "Consultation fee", 2500}}};

TEST(FhirHistory, AnEncounterIsReadWithItsDiagnosesAndEnglishDepartment) {
    auto visit = parseEncounter(encounter());
    ASSERT_TRUE(visit.has_value()) << visit.error().detail;
    ASSERT_TRUE(visit->has_value());
    const Visit& v = **visit;
    EXPECT_EQ(v.id, "enc-1");
    EXPECT_EQ(v.patientId, "pat-zhang-san");
    EXPECT_EQ(v.start, "2026-11-29T09:10:00+08:00");
    EXPECT_EQ(v.department, "心血管内科");
    EXPECT_EQ(v.departmentEn, "Cardiology");
    EXPECT_EQ(v.doctor, "王建国");
    EXPECT_EQ(v.diagnosis, "原发性高血压；高脂血症");
}

TEST(FhirHistory, AnEncounterWithoutDateOrDiagnosisIsKeptWithThemEmpty) {
    json r = encounter();
    r.erase("period");
    r.erase("diagnosis");
    r.erase("contained");
    auto visit = parseEncounter(r);
    ASSERT_TRUE(visit.has_value() && visit->has_value());
    EXPECT_EQ((*visit)->start, "");
    EXPECT_EQ((*visit)->diagnosis, "");
    // A date that is no date is no date either.
    r["period"] = {{"start", "yesterday"}};
    EXPECT_EQ((*parseEncounter(r))->start, "");
    r["period"] = {{"start", 20261129}};
    EXPECT_EQ((*parseEncounter(r))->start, "");
    // A diagnosis referring to a Condition elsewhere gives no text (not followed).
    r["diagnosis"] = json::parse(R"([{"condition": {"reference": "Condition/c9"}}])");
    EXPECT_EQ((*parseEncounter(r))->diagnosis, "");
}

TEST(FhirHistory, EncounterStatusesThatAreNoVisitAreLeftOutAndUnknownOnesRefused) {
    json r = encounter();
    for (const char* status : {"planned", "cancelled", "entered-in-error", "unknown"}) {
        r["status"] = status;
        auto visit = parseEncounter(r);
        ASSERT_TRUE(visit.has_value()) << status;
        EXPECT_FALSE(visit->has_value()) << status;
    }
    for (const char* status : {"arrived", "triaged", "in-progress", "onleave", "finished"}) {
        r["status"] = status;
        EXPECT_TRUE(parseEncounter(r).value().has_value()) << status;
    }
    for (const json& status : {json("done"), json(""), json(3), json(nullptr)}) {
        r["status"] = status;
        auto visit = parseEncounter(r);
        ASSERT_FALSE(visit.has_value()) << status.dump();
        EXPECT_EQ(visit.error().code, Errc::invalid_answer);
    }
    r.erase("status");
    EXPECT_FALSE(parseEncounter(r).has_value());
    // Not an Encounter, or none without an id.
    EXPECT_FALSE(parseEncounter(json{{"resourceType", "Appointment"}, {"id", "a"}, {"status", "finished"}}).has_value());
    json noId = encounter();
    noId.erase("id");
    EXPECT_FALSE(parseEncounter(noId).has_value());
    EXPECT_FALSE(parseEncounter(json::array()).has_value());
}

TEST(FhirHistory, APaymentIsReadWithWhatItPaidForAndItsChannel) {
    auto read = parsePaymentReconciliation(payment(), fhir::kSystemKioskTrade, kCharges);
    ASSERT_TRUE(read.has_value()) << read.error().detail;
    ASSERT_TRUE(read->has_value());
    const PastPayment& p = **read;
    EXPECT_EQ(p.patientId, "pat-zhang-san");
    EXPECT_EQ(p.tradeNo, "K-1");
    EXPECT_EQ(p.created, "2026-11-29T09:48:00+08:00");
    EXPECT_EQ(p.totalFen, 5000);
    EXPECT_EQ(p.insuranceFen, 1000);
    EXPECT_EQ(p.cashFen, 4000);
    EXPECT_EQ(p.channel, "wechat");
    EXPECT_EQ(p.receiptNo, "FP2026001");
    ASSERT_EQ(p.items.size(), 2U);
    EXPECT_EQ(p.items[0].description, "门诊诊查费");
    EXPECT_EQ(p.items[1].chargeId, "c-unknown");
    EXPECT_EQ(p.items[1].description, "") << "a charge the HIS did not list is shown without a name";
    // The channel extension wins; a fully insured payment without one is "insurance".
    json r = payment();
    r["extension"].push_back({{"url", "urn:yizhan:ext:channel"}, {"valueCode", "bankcard"}});
    EXPECT_EQ((*parsePaymentReconciliation(r, fhir::kSystemKioskTrade, kCharges))->channel, "bankcard");
    r = payment();
    r.erase("paymentIdentifier");
    r["extension"][1]["valueInteger"] = 5000;
    EXPECT_EQ((*parsePaymentReconciliation(r, fhir::kSystemKioskTrade, kCharges))->channel, "insurance");
}

TEST(FhirHistory, APaymentWithoutDateOrAmountOrWithAnUnknownStatusIsRefused) {
    json r = payment();
    r.erase("created");
    auto read = parsePaymentReconciliation(r, fhir::kSystemKioskTrade, kCharges);
    ASSERT_TRUE(read.has_value() && read->has_value()) << "paymentDate stands in for created";
    EXPECT_EQ((*read)->created, "2026-11-29");
    r.erase("paymentDate");
    read = parsePaymentReconciliation(r, fhir::kSystemKioskTrade, kCharges);
    ASSERT_FALSE(read.has_value());
    EXPECT_EQ(read.error().code, Errc::invalid_answer);
    EXPECT_NE(read.error().detail.find("no date"), std::string::npos) << read.error().detail;
    r = payment();
    r["created"] = "29/11/2026";
    r["paymentDate"] = "";
    EXPECT_FALSE(parsePaymentReconciliation(r, fhir::kSystemKioskTrade, kCharges).has_value());

    r = payment();
    r["extension"].erase(0);
    r.erase("paymentAmount");
    EXPECT_FALSE(parsePaymentReconciliation(r, fhir::kSystemKioskTrade, kCharges).has_value()) << "no amount";
    r["paymentAmount"] = {{"value", 12.5}};
    EXPECT_EQ((*parsePaymentReconciliation(r, fhir::kSystemKioskTrade, kCharges).value()).totalFen, 1250);
    r["paymentAmount"] = {{"value", -3}};
    EXPECT_FALSE(parsePaymentReconciliation(r, fhir::kSystemKioskTrade, kCharges).has_value()) << "a negative amount";

    r = payment();
    for (const char* status : {"cancelled", "draft", "entered-in-error"}) {
        r["status"] = status;
        auto left = parsePaymentReconciliation(r, fhir::kSystemKioskTrade, kCharges);
        ASSERT_TRUE(left.has_value()) << status;
        EXPECT_FALSE(left->has_value()) << status;
    }
    for (const json& status : {json("paid"), json(""), json(1)}) {
        r["status"] = status;
        auto refused = parsePaymentReconciliation(r, fhir::kSystemKioskTrade, kCharges);
        ASSERT_FALSE(refused.has_value()) << status.dump();
        EXPECT_NE(refused.error().detail.find("unknown status"), std::string::npos);
    }
    EXPECT_FALSE(parsePaymentReconciliation(json{{"resourceType", "Invoice"}, {"id", "i"}}, fhir::kSystemKioskTrade, kCharges).has_value());
}

TEST(FhirHistory, ThePatientNamedIsReadAsGivenForTheCallerToCheck) {
    json r = payment();
    r["extension"][3]["valueReference"]["reference"] = "Patient/pat-li-jun";
    EXPECT_EQ((*parsePaymentReconciliation(r, fhir::kSystemKioskTrade, kCharges).value()).patientId, "pat-li-jun");
    r["extension"].erase(3);
    EXPECT_EQ((*parsePaymentReconciliation(r, fhir::kSystemKioskTrade, kCharges).value()).patientId, "") << "nobody named";
    json e = encounter();
    e["subject"] = {{"reference", "Group/g1"}};
    EXPECT_EQ((*parseEncounter(e).value()).patientId, "");
}

}  // namespace
}  // namespace kiosk::backend
