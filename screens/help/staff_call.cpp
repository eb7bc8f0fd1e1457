#include "screens/help/staff_call.hpp"

#include <fmt/format.h>

#include <random>

#include "kiosk/backend/identity_lookup.hpp"
#include "kiosk/core/log.hpp"
#include "kiosk/core/mask.hpp"
#include "kiosk/speech/spoken.hpp"

namespace kiosk::screens {

namespace {

auto logger() { return log::module("help"); }

/// "K-0421": short enough to read out to staff, a letter so it is not taken for a queue number.
/// Random, not counted: a count would have to survive restarts, and the desk also sees the kiosk id.
std::string newReference() {
    std::random_device entropy;
    return fmt::format("K-{:04}", std::uniform_int_distribution<int>(0, 9999)(entropy));
}

/// The business key of one call: the kiosk and the moment, unique per kiosk.
std::string newTradeNo(const std::string& kioskId) {
    const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    return fmt::format("HELP-{}-{}", kioskId, millis);
}

/// Whether a call whose answer is `error` may still have reached the HIS.
bool mayHaveArrived(const Error& error) { return error.code == Errc::timeout || error.code == Errc::unknown_outcome; }

}  // namespace

struct StaffCall::Shared {
    std::mutex mutex;
    StaffCallView view;
    std::optional<SteadyTime> calledAt;  ///< when the last call the HIS took (or may have) went out
};

StaffCall::StaffCall(std::shared_ptr<backend::HisDriver> his, const KioskConfig& config, TaskRunner& tasks, Post post)
    : his_(std::move(his)), kioskId_(config.kioskId), repeatWindow_(config.help.repeatWindow), tasks_(tasks), post_(std::move(post)),
      shared_(std::make_shared<Shared>()) {}

StaffCall::~StaffCall() = default;

StaffCallView StaffCall::view() const {
    std::lock_guard lock(shared_->mutex);
    return shared_->view;
}

void StaffCall::closePanel() {
    std::lock_guard lock(shared_->mutex);
    shared_->view.panelOpen = false;
}

void StaffCall::press(std::string_view screen, const PatientIdentity* patient, SteadyTime now, std::string clock) {
    backend::HelpRequest request;
    uint64_t generation = 0;
    {
        std::lock_guard lock(shared_->mutex);
        StaffCallView& v = shared_->view;
        v.panelOpen = true;
        if (v.stage == StaffCallStage::calling) return;  // the answer comes in a moment
        const bool recent = shared_->calledAt && now - *shared_->calledAt < repeatWindow_;
        if (recent && (v.stage == StaffCallStage::called || v.stage == StaffCallStage::unknown)) {
            v.repeated = true;
            logger()->info("call for staff {} repeated on {} within {} s: not posted again", v.reference, screen, repeatWindow_.count());
            return;
        }
        generation = ++v.generation;
        v.stage = StaffCallStage::calling;
        v.repeated = false;
        v.reference = newReference();
        v.calledAtClock = std::move(clock);
        shared_->calledAt = now;
        request.tradeNo = newTradeNo(kioskId_);
        request.kioskId = kioskId_;
        request.reason = "patient_asked";
        request.screen = std::string(screen);
        request.reference = v.reference;
        if (patient) {
            request.detail = fmt::format("{} / {}", maskPersonalData(patient->name, PersonalField::name),
                                         maskPersonalData(patient->idNumber.empty() ? patient->cardNumber : patient->idNumber,
                                                          patient->idNumber.empty() ? PersonalField::card_number : PersonalField::id_number));
        }
    }
    logger()->info("call for staff {} from screen {} ({}), trade {}", request.reference, request.screen,
                   patient ? "patient identified" : "no patient", request.tradeNo);
    auto post = post_;
    auto finish = [post, shared = shared_, generation](StaffCallStage stage) {
        {
            std::lock_guard lock(shared->mutex);
            if (shared->view.generation != generation) return;
            shared->view.stage = stage;
            if (stage == StaffCallStage::unreachable) shared->calledAt.reset();  // a press calls again
        }
        post(StaffCallProgress{generation});
    };
    if (!his_) {
        logger()->warn("call for staff {}: no [backend] on this kiosk, the patient is sent to the service desk", request.reference);
        finish(StaffCallStage::unreachable);
        return;
    }
    std::optional<PatientIdentity> identity;
    if (patient) identity = *patient;
    tasks_.post([his = his_, request = std::move(request), identity = std::move(identity), finish]() mutable {
        // The patient's record where the HIS finds it quickly; a call without it still goes out.
        if (identity) {
            if (auto found = backend::findSessionPatient(*his, *identity)) {
                request.patientId = found->id;
            } else {
                logger()->warn("call for staff {}: patient not found ({}), called without", request.reference, found.error().describe());
            }
            identity->wipe();
        }
        auto posted = his->postHelpRequest(request);
        if (!posted && mayHaveArrived(posted.error())) {
            logger()->warn("call for staff {}: {}; once more with the same key", request.reference, posted.error().describe());
            posted = his->postHelpRequest(request);
        }
        if (posted) {
            logger()->info("call for staff {} taken by the HIS as Communication/{}", request.reference, posted->resourceId);
            finish(StaffCallStage::called);
        } else if (mayHaveArrived(posted.error())) {
            logger()->error("call for staff {}: outcome unknown ({})", request.reference, posted.error().describe());
            finish(StaffCallStage::unknown);
        } else {
            logger()->error("call for staff {} not taken: {}", request.reference, posted.error().describe());
            finish(StaffCallStage::unreachable);
        }
    });
}

namespace {

struct PanelTexts {
    std::string title;
    std::string reference;  ///< empty: none shown
    std::string detail;
    std::string repeated;   ///< empty: none
};

PanelTexts panelTexts(const StaffCallView& view, const HelpConfig& help, const Translator& text) {
    const std::string desk = text.language() == "en_US" ? help.serviceDeskEn : help.serviceDeskZh;
    PanelTexts t;
    switch (view.stage) {
        case StaffCallStage::idle:
        case StaffCallStage::calling:
            t.title = text.tr("help.calling");
            t.detail = text.tr("help.calling_detail");
            break;
        case StaffCallStage::called:
            t.title = text.tr("help.called");
            t.reference = view.reference;
            t.detail = text.tr("help.called_detail");
            break;
        case StaffCallStage::unknown:
            t.title = text.tr("help.unknown");
            t.reference = view.reference;
            t.detail = text.tr("help.unknown_detail", {{"desk", desk}});
            break;
        case StaffCallStage::unreachable:
            t.title = text.tr("help.unreachable");
            t.detail = text.tr("help.unreachable_detail", {{"desk", desk}});
            break;
    }
    if (view.repeated && !view.reference.empty()) t.repeated = text.tr("help.repeated", {{"time", view.calledAtClock}});
    return t;
}

constexpr float kPanelPadding = 40.0F;

}  // namespace

float staffCallPanelHeight(const StaffCallView& view, const HelpConfig& help, const Translator& text, Ui& ui, float width, bool compact) {
    const PanelTexts t = panelTexts(view, help, text);
    const float inner = width - 2 * kPanelPadding;
    const float item = ImGui::GetStyle().ItemSpacing.y;  // each text is an item
    float height = kPanelPadding + ui.measure(t.title, ui.fonts.title(), inner).y * 1.25F + item;
    if (!t.reference.empty() && compact) {
        height += ui.measure(text.tr("help.reference_inline", {{"reference", t.reference}}), ui.fonts.title(), inner).y * 1.25F + item;
    } else if (!t.reference.empty()) {
        height += ui.measure(text.tr("help.reference"), ui.fonts.body(), inner).y * 1.25F + item;
        height += ui.fonts.clock()->FontSize * 1.25F + item;
    }
    height += ui.measure(t.detail, ui.fonts.body(), inner).y * 1.25F + item;
    if (!t.repeated.empty()) height += ui.measure(t.repeated, ui.fonts.body(), inner).y * 1.25F + item;
    return height + ui.theme.gap * 2 + ui.theme.buttonHeight + kPanelPadding;
}

void drawStaffCallPanel(const StaffCallView& view, const HelpConfig& help, const Translator& text, Ui& ui, ImVec2 topLeft, ImVec2 size,
                        bool compact) {
    const PanelTexts t = panelTexts(view, help, text);
    const Palette& c = ui.theme.colors;
    const float x0 = topLeft.x + kPanelPadding;
    const float x1 = topLeft.x + size.x - kPanelPadding;
    const bool trouble = view.stage == StaffCallStage::unknown || view.stage == StaffCallStage::unreachable;
    ImGui::SetCursorScreenPos(ImVec2(topLeft.x, topLeft.y + kPanelPadding));
    ui.centered(t.title, ui.fonts.title(), trouble ? c.alert : c.text, x0, x1);
    if (!t.reference.empty() && compact) {
        // Where the panel is short (landscape, large print): "呼叫编号：K-0421" on one line.
        ui.centered(text.tr("help.reference_inline", {{"reference", t.reference}}), ui.fonts.title(), c.primary, x0, x1);
    } else if (!t.reference.empty()) {
        // The reference on its own in the clock's face (ASCII only): read out to staff from a step away.
        ui.centered(text.tr("help.reference"), ui.fonts.body(), c.mutedText, x0, x1);
        ui.centered(t.reference, ui.fonts.clock(), c.primary, x0, x1);
    }
    ui.centered(t.detail, ui.fonts.body(), c.text, x0, x1);
    if (!t.repeated.empty()) ui.centered(t.repeated, ui.fonts.body(), c.mutedText, x0, x1);
    ImGui::SetCursorScreenPos(ImVec2(x0, topLeft.y + size.y - kPanelPadding - ui.theme.buttonHeight));
    ui.button("help.close", text.tr("help.close"), ImVec2(x1 - x0, ui.theme.buttonHeight), ButtonKind::primary);
}

StaffCallSpeech staffCallSpeech(const StaffCallView& view, const HelpConfig& help, std::string_view language) {
    const speech::Tongue tongue = speech::tongueOf(language);
    const std::string desk = language == "en_US" ? help.serviceDeskEn : help.serviceDeskZh;
    // Read out as the patient will say it to staff: "K 零四二一", "K, zero four two one".
    const std::string reference = speech::spokenCode(tongue, view.reference);
    if (view.repeated && !view.reference.empty()) return {"voice.help.repeated", {{"reference", reference}}};
    switch (view.stage) {
        case StaffCallStage::called: return {"voice.help.called", {{"reference", reference}}};
        case StaffCallStage::unknown: return {"voice.help.unknown", {{"reference", reference}, {"desk", desk}}};
        case StaffCallStage::unreachable: return {"voice.help.unreachable", {{"desk", desk}}};
        case StaffCallStage::idle:
        case StaffCallStage::calling: break;
    }
    return {"voice.help.calling", {}};
}

}  // namespace kiosk::screens
