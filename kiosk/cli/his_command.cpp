// `kiosk his <verb> --config FILE [options]`: calls one HisDriver operation against the
// configured [backend] and prints the result as JSON on stdout (exit 0), or the error as JSON
// {"error": code, "detail", "message_key"} (exit 1). For integrators and technicians checking a
// site's backend link without the UI. Personal data is masked unless --unmasked is given.
//
// Verbs: ping, find-patient, resolve-token, identify, departments, doctors, slots, hold, book,
// cancel, appointments, check-in, queue, charges, pre-settle, commit-payment, lookup, reports,
// report-pdf, prescriptions, pickup, pharmacy-calls, tcm-prices, tcm-orders, help-request.
#include <nlohmann/json.hpp>

#include <fstream>
#include <iostream>

#include "kiosk/backend/his_factory.hpp"
#include "kiosk/backend/identity_lookup.hpp"
#include "kiosk/cli/commands.hpp"
#include "kiosk/cli/common.hpp"
#include "kiosk/core/mask.hpp"

namespace kiosk::cli {

namespace {

using nlohmann::json;
using namespace kiosk::backend;

struct HisOptions {
    std::string config;
    bool unmasked = false;
    std::string idNumber, ssCard, hospitalCard, healthCardId, token, text;
    std::string department, doctor, date, toDate;
    bool all = false;
    std::string slot, patient, tradeNo, appointment, dispense, report, out;
    std::vector<std::string> charges;
    int64_t total = 0, insurance = 0, cash = 0;
    std::string channel = "wechat", channelTradeNo, reason = "help", detail;
};

std::string shown(const std::string& value, PersonalField field, bool unmasked) {
    return unmasked ? value : maskPersonalData(value, field);
}

json toJson(const Patient& p, bool unmasked) {
    json out = {{"id", p.id},
                {"name", shown(p.name, PersonalField::name, unmasked)},
                {"id_number", shown(p.idNumber, PersonalField::id_number, unmasked)},
                {"social_security_card", shown(p.socialSecurityCard, PersonalField::card_number, unmasked)},
                {"hospital_card", shown(p.hospitalCard, PersonalField::card_number, unmasked)},
                {"health_card_id", shown(p.healthCardId, PersonalField::card_number, unmasked)},
                {"sex", p.sex},
                {"birth_date", p.birthDate},
                {"phone", shown(p.phone, PersonalField::phone, unmasked)}};
    if (!p.address.empty()) out["address"] = shown(p.address, PersonalField::address, unmasked);
    if (p.bookingBlockedUntil) out["booking_blocked"] = {{"until", *p.bookingBlockedUntil}, {"reason", p.bookingBlockedReason}};
    return out;
}

json toJson(const Appointment& a) {
    json out = {{"id", a.id}, {"version", a.version}, {"status", appointmentStatusName(a.status)}, {"slot", a.slotId},
                {"patient", a.patientId}, {"doctor", a.doctorId}, {"department", a.departmentId}, {"start", a.start},
                {"end", a.end}, {"trade_no", a.tradeNo}, {"fee_fen", a.feeFen}};
    if (a.holdExpires) out["hold_expires"] = *a.holdExpires;
    if (a.queueNumber) out["queue_number"] = *a.queueNumber;
    if (!a.appointmentCode.empty()) out["appointment_code"] = a.appointmentCode;
    if (a.checkInOpens) out["check_in_opens"] = *a.checkInOpens;
    if (a.checkInCloses) out["check_in_closes"] = *a.checkInCloses;
    if (a.cancelUntil) out["cancel_until"] = *a.cancelUntil;
    if (a.payment) out["payment"] = {{"trade_no", a.payment->tradeNo}, {"channel", a.payment->channel}, {"amount_fen", a.payment->amountFen}};
    return out;
}

json toJson(const TransactionRecord& t) {
    return {{"trade_no", t.tradeNo}, {"resource_type", t.resourceType}, {"id", t.resourceId}, {"status", t.status}};
}

json toJson(const Prescription& p) {
    return {{"dispense", p.dispenseId}, {"request", p.requestId}, {"medication", p.medication}, {"quantity", p.quantity},
            {"status", p.status}, {"ready_for_pickup", p.readyForPickup}, {"window", p.window}, {"locker", p.lockerNumber},
            {"locker_bank", p.lockerTerminal}, {"unpaid", p.unpaid}, {"pickup_code", p.pickupCode}, {"trade_no", p.tradeNo},
            {"herbal", p.herbal}, {"doses", p.doses}};
}

json toJson(const TcmOrder& o, bool unmasked) {
    return {{"order", o.orderId},         {"trade_no", o.tradeNo},   {"dispense", o.dispenseId}, {"service", std::string(tcmServiceCode(o.service))},
            {"status", o.status},         {"stage", o.stage},        {"fee_fen", o.feeFen},      {"charge", o.chargeId},
            {"address", shown(o.address, PersonalField::address, unmasked)},    {"address_link", o.addressLink},
            {"tracking_number", o.trackingNumber}, {"carrier", o.carrier}, {"expected_at", o.expectedAt}};
}

template <class T, class F>
Result<json> listOf(const Result<std::vector<T>>& items, F convert) {
    if (!items) return std::unexpected(items.error());
    json out = json::array();
    for (const auto& item : *items) out.push_back(convert(item));
    return out;
}

template <class T, class F>
Result<json> one(const Result<T>& item, F convert) {
    if (!item) return std::unexpected(item.error());
    return convert(*item);
}

Result<json> runVerb(const std::string& verb, HisDriver& his, const HisOptions& o) {
    if (verb == "ping") {
        return one(his.ping(), [&](const BackendInfo& i) {
            return json{{"backend", his.describe()}, {"software", i.software}, {"version", i.version},
                        {"fhir_version", i.fhirVersion}, {"latency_ms", i.latencyMs}};
        });
    }
    auto patientJson = [&](const Patient& p) { return toJson(p, o.unmasked); };
    if (verb == "find-patient") {
        if (!o.idNumber.empty()) return one(his.findPatient(PatientKey::id_number, o.idNumber), patientJson);
        if (!o.ssCard.empty()) return one(his.findPatient(PatientKey::social_security_card, o.ssCard), patientJson);
        if (!o.hospitalCard.empty()) return one(his.findPatient(PatientKey::hospital_card, o.hospitalCard), patientJson);
        if (!o.healthCardId.empty()) return one(his.findPatient(PatientKey::health_card_id, o.healthCardId), patientJson);
        return fail(Errc::invalid_argument, "give --id-number, --ss-card, --hospital-card or --health-card-id");
    }
    if (verb == "resolve-token") return one(his.resolveHealthCard(o.token), patientJson);
    if (verb == "identify") {
        const auto identity = classifyCredential(o.text);
        if (!identity) return fail(Errc::invalid_argument, "text is not a token, ID number or card number");
        return one(identifyPatient(his, *identity), patientJson);
    }
    if (verb == "departments") {
        return listOf(his.departments(), [](const Department& d) {
            return json{{"id", d.id}, {"code", d.code}, {"name", d.name}, {"name_en", d.nameEn}, {"location", d.location}};
        });
    }
    if (verb == "doctors") {
        return listOf(his.doctors(o.department), [](const Doctor& d) {
            return json{{"id", d.id}, {"name", d.name}, {"title", d.title}, {"specialty", d.specialty},
                        {"department", d.departmentId}, {"fee_fen", d.feeFen}};
        });
    }
    if (verb == "slots") {
        return listOf(his.slots(SlotQuery{o.department, o.doctor, o.date, o.toDate, !o.all}), [](const Slot& s) {
            return json{{"id", s.id}, {"doctor", s.doctorId}, {"department", s.departmentId}, {"start", s.start},
                        {"end", s.end}, {"status", s.status}, {"fee_fen", s.feeFen}};
        });
    }
    if (verb == "hold") return one(his.holdSlot(o.slot, o.patient, o.tradeNo), [](const Appointment& a) { return toJson(a); });
    if (verb == "book") return one(his.book(o.appointment), [](const Appointment& a) { return toJson(a); });
    if (verb == "cancel") return one(his.cancelAppointment(o.appointment), [](const Appointment& a) { return toJson(a); });
    if (verb == "check-in") return one(his.checkIn(o.appointment), [](const Appointment& a) { return toJson(a); });
    if (verb == "appointments") return listOf(his.appointments(o.patient), [](const Appointment& a) { return toJson(a); });
    if (verb == "queue") {
        return one(his.queueStatus(o.appointment), [](const QueueStatus& q) {
            return json{{"appointment", q.appointmentId}, {"queue_number", q.queueNumber}, {"waiting_ahead", q.waitingAhead},
                        {"estimated_wait_minutes", q.estimatedWaitMinutes}, {"room", q.room}};
        });
    }
    if (verb == "charges") {
        return listOf(his.charges(o.patient), [](const Charge& c) {
            return json{{"id", c.id}, {"code", c.code}, {"description", c.description}, {"quantity", c.quantity},
                        {"amount_fen", c.amountFen}, {"insurance_class", c.insuranceClass}, {"department", c.departmentId}};
        });
    }
    if (verb == "pre-settle") {
        return one(his.preSettle(o.patient, o.charges), [](const PreSettlement& p) {
            return json{{"total_fen", p.totalFen}, {"insurance_fen", p.insuranceFen}, {"self_pay_fen", p.selfPayFen}};
        });
    }
    if (verb == "commit-payment") {
        PaymentCommit commit{o.tradeNo, o.patient, o.charges, o.total, o.insurance, o.cash, o.channel, o.channelTradeNo};
        return one(his.commitPayment(commit), [](const PaymentRecord& r) {
            return json{{"id", r.id}, {"trade_no", r.tradeNo}, {"status", r.status}, {"total_fen", r.totalFen},
                        {"created", r.created}, {"invoice_number", r.invoiceNumber}};
        });
    }
    if (verb == "lookup") return one(his.lookupTransaction(o.tradeNo), [](const TransactionRecord& t) { return toJson(t); });
    auto reportJson = [](const Report& r) {
        return json{{"id", r.id}, {"category", r.category}, {"title", r.title}, {"status", r.status},
                    {"issued", r.issued}, {"pdf", r.pdfBinaryId}, {"pdf_size", r.pdfSize}};
    };
    if (verb == "reports") return listOf(his.reports(o.patient), reportJson);
    if (verb == "visits") {
        return listOf(his.visits(o.patient), [](const Visit& v) {
            return json{{"id", v.id}, {"patient", v.patientId}, {"status", v.status}, {"start", v.start}, {"department", v.department},
                        {"department_en", v.departmentEn}, {"doctor", v.doctor}, {"diagnosis", v.diagnosis}};
        });
    }
    if (verb == "payments") {
        return listOf(his.pastPayments(o.patient), [](const PastPayment& p) {
            json items = json::array();
            for (const auto& item : p.items) items.push_back({{"charge", item.chargeId}, {"description", item.description}, {"amount_fen", item.amountFen}});
            return json{{"id", p.id},           {"patient", p.patientId},     {"trade_no", p.tradeNo}, {"created", p.created},
                        {"channel", p.channel}, {"receipt_no", p.receiptNo}, {"total_fen", p.totalFen},
                        {"insurance_fen", p.insuranceFen}, {"cash_fen", p.cashFen}, {"items", items}};
        });
    }
    if (verb == "report-pdf") {
        auto reports = his.reports(o.patient);
        if (!reports) return std::unexpected(reports.error());
        const auto it = std::find_if(reports->begin(), reports->end(), [&](const Report& r) { return r.id == o.report; });
        if (it == reports->end()) return fail(Errc::not_found, "no report " + o.report + " for this patient");
        auto pdf = his.reportPdf(*it);
        if (!pdf) return std::unexpected(pdf.error());
        std::ofstream(o.out, std::ios::binary) << *pdf;
        return json{{"report", it->id}, {"file", o.out}, {"bytes", pdf->size()}};
    }
    if (verb == "prescriptions") return listOf(his.prescriptions(o.patient), [](const Prescription& p) { return toJson(p); });
    if (verb == "pickup") return one(his.confirmPickup(o.dispense, o.tradeNo), [](const Prescription& p) { return toJson(p); });
    if (verb == "pharmacy-calls") {
        return listOf(his.pharmacyCalls(), [](const PharmacyCall& c) {
            return json{{"task", c.taskId}, {"number", c.callNumber}, {"window", c.window}, {"called", c.called}, {"called_at", c.calledAt}};
        });
    }
    if (verb == "tcm-prices") {
        auto prices = his.tcmPrices();
        if (!prices) return std::unexpected(prices.error());
        return json{{"decoction_per_dose_fen", prices->decoctionPerDoseFen}, {"delivery_fen", prices->deliveryFen}};
    }
    if (verb == "tcm-orders") return listOf(his.tcmOrders(o.patient), [&](const TcmOrder& t) { return toJson(t, o.unmasked); });
    if (verb == "help-request") {
        return one(his.postHelpRequest(HelpRequest{o.tradeNo, "", o.reason, o.detail}), [](const TransactionRecord& t) { return toJson(t); });
    }
    return fail(Errc::invalid_argument, "unknown verb " + verb);
}

}  // namespace

void installHisCommand(CLI::App& root, Action& action) {
    auto* his = root.add_subcommand("his", "Call the hospital backend (HisDriver) and print the answer as JSON");
    his->require_subcommand(1);
    auto options = std::make_shared<HisOptions>();
    struct Verb {
        const char* name;
        const char* help;
        std::vector<const char*> flags;
    };
    const std::vector<Verb> verbs = {
        {"ping", "Read the capability statement", {}},
        {"find-patient", "Find a patient by --id-number, --ss-card, --hospital-card or --health-card-id", {"--id-number", "--ss-card", "--hospital-card", "--health-card-id"}},
        {"resolve-token", "Resolve an e-health-card QR token (--token)", {"--token"}},
        {"identify", "Recognise scanned/typed --text and find the patient", {"--text"}},
        {"departments", "List departments", {}},
        {"doctors", "List the doctors of --department", {"--department"}},
        {"slots", "List slots of --department [--doctor] [--date] [--to-date] [--all]", {"--department", "--doctor", "--date", "--to-date", "--all"}},
        {"hold", "Hold --slot for --patient with --trade-no", {"--slot", "--patient", "--trade-no"}},
        {"book", "Book a held --appointment", {"--appointment"}},
        {"cancel", "Cancel an --appointment", {"--appointment"}},
        {"appointments", "Today's and future appointments of --patient", {"--patient"}},
        {"check-in", "Check in for an --appointment", {"--appointment"}},
        {"queue", "Queue position of a checked-in --appointment", {"--appointment"}},
        {"charges", "Outstanding charges of --patient", {"--patient"}},
        {"pre-settle", "Pre-settle --charge … of --patient", {"--patient", "--charge"}},
        {"commit-payment", "Commit a payment", {"--patient", "--charge", "--trade-no", "--total-fen", "--insurance-fen", "--cash-fen", "--channel", "--channel-trade-no"}},
        {"lookup", "Look up a write by --trade-no", {"--trade-no"}},
        {"reports", "Reports of --patient", {"--patient"}},
        {"visits", "Visits (Encounters) of --patient", {"--patient"}},
        {"payments", "Past payments of --patient, with what each paid for", {"--patient"}},
        {"report-pdf", "Save the PDF of --report of --patient to --out", {"--patient", "--report", "--out"}},
        {"prescriptions", "Dispenses of --patient", {"--patient"}},
        {"pickup", "Confirm pickup of a --dispense under --trade-no", {"--dispense", "--trade-no"}},
        {"pharmacy-calls", "The pharmacy's call board (called and waiting numbers)", {}},
        {"tcm-prices", "The hospital's prices for herbal decoction (per dose) and delivery", {}},
        {"tcm-orders", "Herbal decoction and delivery orders of --patient", {"--patient"}},
        {"help-request", "Post a help request (--trade-no, --reason, --detail)", {"--trade-no", "--reason", "--detail"}},
    };
    for (const auto& verb : verbs) {
        auto* sub = his->add_subcommand(verb.name, verb.help);
        sub->add_option("--config", options->config, "Kiosk configuration file (TOML)")->required();
        sub->add_flag("--unmasked", options->unmasked, "Show personal data in clear");
        HisOptions& o = *options;
        for (const std::string flag : verb.flags) {
            if (flag == "--id-number") sub->add_option(flag, o.idNumber);
            else if (flag == "--ss-card") sub->add_option(flag, o.ssCard);
            else if (flag == "--hospital-card") sub->add_option(flag, o.hospitalCard);
            else if (flag == "--health-card-id") sub->add_option(flag, o.healthCardId);
            else if (flag == "--token") sub->add_option(flag, o.token)->required();
            else if (flag == "--text") sub->add_option(flag, o.text)->required();
            else if (flag == "--department") sub->add_option(flag, o.department)->required();
            else if (flag == "--doctor") sub->add_option(flag, o.doctor);
            else if (flag == "--date") sub->add_option(flag, o.date, "YYYY-MM-DD");
            else if (flag == "--to-date") sub->add_option(flag, o.toDate, "YYYY-MM-DD, exclusive");
            else if (flag == "--all") sub->add_flag(flag, o.all, "Include slots that are not free");
            else if (flag == "--slot") sub->add_option(flag, o.slot)->required();
            else if (flag == "--patient") sub->add_option(flag, o.patient)->required();
            else if (flag == "--trade-no") sub->add_option(flag, o.tradeNo)->required();
            else if (flag == "--appointment") sub->add_option(flag, o.appointment)->required();
            else if (flag == "--dispense") sub->add_option(flag, o.dispense)->required();
            else if (flag == "--report") sub->add_option(flag, o.report)->required();
            else if (flag == "--out") sub->add_option(flag, o.out)->required();
            else if (flag == "--charge") sub->add_option(flag, o.charges)->required();
            else if (flag == "--total-fen") sub->add_option(flag, o.total)->required();
            else if (flag == "--insurance-fen") sub->add_option(flag, o.insurance);
            else if (flag == "--cash-fen") sub->add_option(flag, o.cash);
            else if (flag == "--channel") sub->add_option(flag, o.channel);
            else if (flag == "--channel-trade-no") sub->add_option(flag, o.channelTradeNo);
            else if (flag == "--reason") sub->add_option(flag, o.reason);
            else if (flag == "--detail") sub->add_option(flag, o.detail);
        }
        const std::string name = verb.name;
        sub->callback([&action, options, name] {
            action = [options, name]() -> int {
                auto config = loadKioskConfigForCli(options->config);
                if (!config) return 1;
                auto driver = makeHisDriver(config->backend, config->kioskId);
                if (!driver) {
                    std::cerr << "kiosk: " << driver.error().detail << '\n';
                    return 1;
                }
                auto result = runVerb(name, **driver, *options);
                if (!result) {
                    std::cout << json{{"error", errcName(result.error().code)}, {"detail", result.error().detail},
                                      {"message_key", result.error().messageKey}}.dump(2)
                              << '\n';
                    return 1;
                }
                std::cout << result->dump(2) << '\n';
                return 0;
            };
        });
    }
}

}  // namespace kiosk::cli
