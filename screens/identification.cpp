#include "screens/identification.hpp"

#include <algorithm>
#include <regex>

#include "kiosk/core/log.hpp"
#include "kiosk/core/technician_access.hpp"
#include "screens/technician/technician_entry.hpp"
#include "screens/checkin/checkin_flow.hpp"
#include "screens/pickup/pickup_flow.hpp"
#include "screens/reports/reports_flow.hpp"
#include "screens/reports/reports_screens.hpp"
#include "screens/services.hpp"

namespace kiosk::screens {

bool looksLikeHealthCardToken(std::string_view payload) {
    static const std::regex kToken("^[0-9A-Fa-f]{64}:1$");
    return payload.size() == 66 && std::regex_match(payload.begin(), payload.end(), kToken);
}

namespace {

/// The kinds of code that identify a patient here, in the order patients are told about them.
constexpr std::string_view kIdentifyingKinds[] = {"health_card", "insurance_voucher", "hospital_card"};

bool identifiesPatient(std::string_view kind) {
    return std::find(std::begin(kIdentifyingKinds), std::end(kIdentifyingKinds), kind) != std::end(kIdentifyingKinds);
}

/// What the attract and identify screens accept: the identifying kinds the scanner's table
/// knows (a site's table may leave some out; a scanner sends its table's kinds with a refused
/// code only). A scanner that does not classify is checked for the e-health-card token only.
std::vector<std::string> kindsAcceptedHere(const std::vector<std::string>& scannerKinds, bool classifies) {
    if (!classifies) return {"health_card"};
    if (scannerKinds.empty()) return {std::begin(kIdentifyingKinds), std::end(kIdentifyingKinds)};
    std::vector<std::string> kinds;
    for (const std::string_view kind : kIdentifyingKinds) {
        if (std::find(scannerKinds.begin(), scannerKinds.end(), kind) != scannerKinds.end()) kinds.emplace_back(kind);
    }
    return kinds;
}

/// The message for a code the scanner recognised that does not identify a patient: what it is
/// for and where to use it.
PatientMessage notAnIdentityMessage(const ScreenContext& context, std::string_view kind) {
    if (kind == "prescription") {
        return {context.config.mode == KioskMode::pharmacy ? "identify.code_is_pickup_here" : "identify.code_is_pickup", true};
    }
    if (kind == "receipt") return {"identify.code_is_receipt", true};
    if (kind == "report_code") return {"identify.code_is_report", true};
    if (kind == "appointment") return {"identify.code_is_appointment", true};
    return {"identify.code_not_identity", true};
}

/// The service of `button` works on this kiosk (its tile would be shown): a scanned appointment
/// code is checked in directly, a pickup code opens its prescriptions; elsewhere the patient is
/// told where to use it.
bool offeredHere(const ScreenContext& context, std::string_view button) {
    const ServiceRow* row = serviceForButton(button);
    if (row == nullptr) return false;
    const KioskCapabilities capabilities =
        capabilitiesOf(context.devices, context.services.backendConnected(), context.services.paymentsConnected());
    return whyNotOffered(*row, context.config, capabilities).empty();
}

}  // namespace

bool IdentificationDevices::has(drivers::DeviceClass deviceClass) const {
    for (const drivers::Device* device : started_) {
        if (device->deviceClass() == deviceClass) return true;
    }
    return false;
}

void IdentificationDevices::start(ScreenContext& context) {
    started_.clear();
    for (auto deviceClass : {drivers::DeviceClass::card_reader, drivers::DeviceClass::id_reader,
                             drivers::DeviceClass::scanner}) {
        for (drivers::Device* device : context.devices.ofClass(deviceClass)) {
            if (auto ok = device->start(context.deviceSink); ok) {
                started_.push_back(device);
            } else {
                log::module("screens")->warn("identification device {} not started: {}", device->name(),
                                             ok.error().describe());
            }
        }
    }
}

void IdentificationDevices::stop(ScreenContext&) {
    for (drivers::Device* device : started_) device->stop();
    started_.clear();
}

Transition IdentificationDevices::handle(ScreenContext& context, const UiEvent& event, PatientMessage& message,
                                         bool& resolving) {
    auto logger = log::module("screens");
    if (const auto* deviceEvent = std::get_if<drivers::DeviceEvent>(&event)) {
        if (const auto* inserted = std::get_if<drivers::CardInserted>(deviceEvent)) {
            if (context.technician && context.technician->isTechnicianCard(inserted->identity.cardNumber)) {
                // A listed technician card opens the PIN pad, never a patient session. (A card
                // not listed is a patient's card: it is read as one.)
                logger->info("technician card on {}: PIN pad", inserted->device);
                context.technician->beginVisit("card", inserted->identity.cardNumber);
                return Transition::to(std::string(kPinPadScreen));
            }
            logger->info("patient identified by {} ({})", inserted->device, inserted->identity.masked());
            Transition next = Transition::to("menu");
            next.beginSession = inserted->identity;
            next.sessionDevice = inserted->device;
            return next;
        }
        if (const auto* failed = std::get_if<drivers::CardReadFailed>(deviceEvent)) {
            logger->warn("card read failed on {}: {}", failed->device, failed->error.describe());
            message = PatientMessage{failed->error.messageKey, true};
            return Transition::none();
        }
        if (const auto* scanned = std::get_if<drivers::CodeScanned>(deviceEvent)) {
            if (resolving) return Transition::none();  // one lookup at a time
            acceptedHere_ = kindsAcceptedHere(scanned->acceptedKinds, !scanned->kind.empty() || scanned->rejected.has_value());
            if (scanned->rejected) {
                // The scanner read a code but refused it (unknown kind, too long, invalid text).
                logger->info("scanned code refused by {}: {}", scanned->device, scanned->rejected->describe());
                // "Accepted: …" lists what this screen takes, not every kind the scanner knows
                // (a pickup code is recognised by the scanner but does not sign anyone in).
                message = PatientMessage{scanned->rejected->messageKey, true, acceptedHere_};
                return Transition::none();
            }
            if (scanned->kind == "appointment" && offeredHere(context, "menu.check_in")) {
                // Issue 11 item 4: the slip's or the app's appointment QR checks in without a card.
                logger->info("scanned an appointment code on {}: checking it in", scanned->device);
                resolving = true;
                codePending_ = true;
                message = PatientMessage{"checkin.code.looking", false};
                context.services.checkIn().startByCode(scanned->text);
                return Transition::none();
            }
            if (scanned->kind == "report_code" && offeredHere(context, "menu.reports")) {
                // Issue 12 item 1: a lab slip prints its report without a card (found and printed
                // at once; the session begins on the slip screen once it is found).
                logger->info("scanned a lab slip on {}: finding its report", scanned->device);
                resolving = true;
                slipPending_ = true;
                message = PatientMessage{"reports.slip.looking", false};
                context.services.reports().startBySlip(scanned->text, reportPrinterOf(context.devices), context.deviceSink, true);
                return Transition::none();
            }
            if (scanned->kind == "prescription" && offeredHere(context, "menu.pickup")) {
                // Issue 13: the pickup code on the payment receipt opens that receipt's prescriptions.
                logger->info("scanned a pickup code on {}: looking it up", scanned->device);
                resolving = true;
                pickupCodePending_ = true;
                message = PatientMessage{"pickup.code.looking", false};
                context.services.pickup().startByCode(scanned->text);
                return Transition::none();
            }
            // Codes that identify a person: the e-health card, the medical-insurance e-voucher
            // (resolved by the insurance centre) and the hospital card. A scanner that does not
            // classify gets the e-health-card shape check.
            const bool identifies =
                scanned->kind.empty() ? looksLikeHealthCardToken(scanned->text) : identifiesPatient(scanned->kind);
            if (!identifies) {
                logger->info("scanned {} code cannot identify a patient", scanned->kind.empty() ? "an unknown" : scanned->kind);
                message = scanned->kind.empty()
                              ? PatientMessage{"scan.unrecognised_accepting", true, acceptedHere_}
                              : notAnIdentityMessage(context, scanned->kind);
                return Transition::none();
            }
            resolving = true;
            message = PatientMessage{"scan.resolving", false};
            auto post = context.post;
            auto resolve = context.resolveScan;
            context.tasks.post([post, resolve, payload = scanned->text, kind = scanned->kind] {
                post(ScanResolved{resolve ? resolve(payload, kind)
                                          : fail(Errc::unsupported, "no scan resolver configured", "scan.unrecognised")});
            });
            return Transition::none();
        }
        return Transition::none();
    }
    if (codePending_ && std::holds_alternative<CheckInProgress>(event)) {
        const CheckInView view = context.services.checkIn().view();
        if (view.stage == CheckInStage::loading || view.stage == CheckInStage::checking) return Transition::none();
        codePending_ = false;
        resolving = false;
        if (!view.codeFound) {
            const Error error = view.error.value_or(Error(Errc::unsupported, "no answer", "checkin.error.unavailable"));
            logger->warn("appointment code not checked in: {}", error.describe());
            const bool codeRefused = error.messageKey == "backend.appointment_code_invalid" ||
                                     error.messageKey == "backend.appointment_code_unknown";
            message = PatientMessage{codeRefused ? error.messageKey : "checkin.error.unavailable", true};
            return Transition::none();
        }
        // A session without a card: the appointment code stands for it (the bottom bar shows it
        // masked, the audit keeps its salted hash); nothing is read about the person.
        PatientIdentity identity;
        identity.source = IdentitySource::hospital_card;
        identity.cardNumber = view.chosen.appointment.appointmentCode;
        logger->info("appointment code checked Appointment/{} ({})", view.chosen.appointment.id,
                     view.result ? backend::checkInOutcomeName(view.result->outcome) : "stopped");
        Transition next = Transition::to("checkin");
        next.beginSession = identity;
        return next;
    }
    if (pickupCodePending_ && std::holds_alternative<PickupProgress>(event)) {
        const PickupView view = context.services.pickup().view();
        if (view.working()) return Transition::none();
        pickupCodePending_ = false;
        resolving = false;
        if (view.stage != PickupStage::list) {
            const Error error = view.error.value_or(Error(Errc::unsupported, "no answer", "pickup.error.unavailable"));
            logger->warn("pickup code not opened: {}", error.describe());
            const bool codeRefused = error.messageKey == "backend.pickup_code_invalid" || error.messageKey == "backend.pickup_code_unknown";
            message = PatientMessage{codeRefused ? error.messageKey : "pickup.error.unavailable", true};
            context.services.pickup().reset();  // no session began: the next patient starts clean
            return Transition::none();
        }
        // A session without a card, as for an appointment code: the code stands for the patient.
        PatientIdentity identity;
        identity.source = IdentitySource::hospital_card;
        identity.cardNumber = view.code;
        Transition next = Transition::to("pickup");
        next.beginSession = identity;
        return next;
    }
    if (slipPending_ && std::holds_alternative<ReportsProgress>(event)) {
        const ReportsView view = context.services.reports().view();
        if (view.stage == ReportsStage::loading || view.stage == ReportsStage::idle) return Transition::none();
        slipPending_ = false;
        resolving = false;
        if (view.stage != ReportsStage::list || view.reports.empty()) {
            // Unknown slip, backend down: said here in both languages; no session begins.
            const Error error = view.error.value_or(Error(Errc::unsupported, "no answer", "reports.error.unavailable"));
            logger->warn("lab slip not found: {}", error.describe());
            const bool unknown = error.messageKey == "backend.report_code_unknown" || error.messageKey == "backend.report_code_invalid";
            message = PatientMessage{unknown ? "reports.slip.unknown" : "reports.slip.his_down", true};
            context.services.reports().reset();  // the next patient starts clean
            return Transition::none();
        }
        // A session without a card: the slip's code stands for the patient (the bottom bar shows
        // it masked); nobody is identified, and the slip screen shows only what the slip says.
        PatientIdentity identity;
        identity.source = IdentitySource::hospital_card;
        identity.cardNumber = view.slipCode;
        Transition next = Transition::to("reports.slip");
        next.beginSession = identity;
        return next;
    }
    if (const auto* resolved = std::get_if<ScanResolved>(&event)) {
        resolving = false;
        if (!resolved->identity) {
            logger->warn("scanned code not resolved: {}", resolved->identity.error().describe());
            const std::string& key = resolved->identity.error().messageKey;
            if (resolved->identity.error().code == Errc::not_found) {
                message = PatientMessage{"scan.not_found", true};
            } else if (key == "scan.unrecognised" || key.empty()) {
                message = PatientMessage{"scan.unrecognised_accepting", true, acceptedHere_};  // as a refused scan says
            } else {
                message = PatientMessage{key, true};
            }
            return Transition::none();
        }
        logger->info("patient identified by QR ({})", resolved->identity->masked());
        Transition next = Transition::to("menu");
        next.beginSession = *resolved->identity;
        return next;
    }
    return Transition::none();
}

namespace {

/// The message's text in `language`, its {kinds} and other placeholders filled.
std::string patientMessageText(const ScreenContext& context, const PatientMessage& message, const std::string& language) {
    std::string kinds;
    for (const auto& kind : message.kinds) {
        if (!kinds.empty()) kinds += language == "zh_CN" ? "、" : ", ";
        kinds += context.text.trIn(language, "scan.kind." + kind);
    }
    std::string text = substitute(context.text.trIn(language, message.key), {{"kinds", kinds}});
    for (const auto& [name, value] : message.values) text = substitute(std::move(text), {{name, value}});
    for (const auto& [name, key] : message.translatedValues) text = substitute(std::move(text), {{name, context.text.trIn(language, key)}});
    return text;
}

constexpr float kMessagePad = 28.0F;

}  // namespace

float patientMessageHeight(const ScreenContext& context, Ui& ui, const PatientMessage& message, float width, bool bilingual) {
    if (message.key.empty()) return 0;
    const std::string otherLanguage = context.text.language() == "zh_CN" ? "en_US" : "zh_CN";
    float height = ui.measure(patientMessageText(context, message, context.text.language()), ui.fonts.body(), width - 2 * kMessagePad).y +
                   2 * kMessagePad;
    if (bilingual) height += ui.measure(patientMessageText(context, message, otherLanguage), ui.fonts.body(), width - 2 * kMessagePad).y + kMessagePad;
    return height;
}

void drawPatientMessage(const ScreenContext& context, Ui& ui, const PatientMessage& message, float messageWidth,
                        float maxHeight) {
    if (message.key.empty()) return;
    const std::string otherLanguage = context.text.language() == "zh_CN" ? "en_US" : "zh_CN";
    const std::string primary = patientMessageText(context, message, context.text.language());
    const std::string secondary = patientMessageText(context, message, otherLanguage);
    const float width = messageWidth > 0 ? messageWidth : ui.layout.contentWidth();
    const ImVec2 start = ImGui::GetCursorScreenPos();
    // The padding narrows where the patient's language alone would not fit with it.
    const float pad = maxHeight > 0 && ui.measure(primary, ui.fonts.body(), width - 2 * kMessagePad).y + 2 * kMessagePad > maxHeight
                          ? 12.0F
                          : kMessagePad;
    const ImVec2 primarySize = ui.measure(primary, ui.fonts.body(), width - 2 * pad);
    ImVec2 secondarySize = ui.measure(secondary, ui.fonts.body(), width - 2 * pad);
    // Where both languages cannot fit (large print on a landscape screen), the patient's chosen
    // language stays and the other one gives way.
    const bool bilingual = maxHeight <= 0 || primarySize.y + secondarySize.y + 3 * pad <= maxHeight;
    if (!bilingual) secondarySize = ImVec2(0, -pad);
    const float height = primarySize.y + secondarySize.y + 3 * pad;
    const Palette& c = ui.theme.colors;
    ImDrawList* draw = ImGui::GetWindowDrawList();
    draw->AddRectFilled(start, ImVec2(start.x + width, start.y + height), message.alert ? c.alertSoft : c.secondary,
                        ui.theme.rounding);
    draw->AddRectFilled(start, ImVec2(start.x + 12, start.y + height), message.alert ? c.alert : c.primary,
                        ui.theme.rounding, ImDrawFlags_RoundCornersLeft);
    ui.textAt(ImVec2(start.x + pad, start.y + pad), primary, ui.fonts.body(), message.alert ? c.alert : c.text,
              width - 2 * pad);
    if (bilingual) {
        ui.textAt(ImVec2(start.x + pad, start.y + 2 * pad + primarySize.y), secondary, ui.fonts.body(), c.mutedText,
                  width - 2 * pad);
    }
    ImGui::Dummy(ImVec2(width, height));
}

}  // namespace kiosk::screens
