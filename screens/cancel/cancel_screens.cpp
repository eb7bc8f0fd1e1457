#include "screens/cancel/cancel_screens.hpp"
#include "screens/service_screen_kit.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "kiosk/core/log.hpp"
#include "kiosk/core/mask.hpp"
#include "printing/templates.hpp"
#include "screens/cancel/cancel_flow.hpp"
#include "screens/payment/payment_screens.hpp"

namespace kiosk::screens {

namespace {

auto logger() { return log::module("cancel"); }

/// Elder mode: no list offers more than six choices at once.
constexpr size_t kPerPage = 6;

/// "2026-12-02 09:00" of "2026-12-02T09:00:00+08:00" (hospital time, as the HIS gives it).
std::string dateTimeOf(const std::string& iso) {
    return iso.size() >= 16 ? iso.substr(0, 10) + " " + iso.substr(11, 5) : iso;
}

std::string departmentOf(const ScreenContext& context, const CancelAppointment& a) {
    if (context.text.language() != "zh_CN" && !a.departmentEn.empty()) return a.departmentEn;
    return a.department;
}

/// "12-02 09:00–09:30  心血管内科  王医生" (what the patient recognises the booking by).
std::string rowLabel(const ScreenContext& context, const CancelAppointment& a) {
    std::string label = dateTimeOf(a.appointment.start);
    if (a.appointment.end.size() >= 16) label += "–" + clockOf(a.appointment.end);
    if (!departmentOf(context, a).empty()) label += "  " + departmentOf(context, a);
    if (!a.doctor.empty()) label += "  " + a.doctor;
    return label;
}

/// The patient's name of a payment channel ("微信支付", "WeChat Pay"); "" for none.
std::string channelName(const ScreenContext& context, const std::string& channel) {
    return channel.empty() ? std::string() : context.text.tr("pay.channel." + channel);
}

/// What the "cancelled" screen says of the fee.
std::string doneKey(CancelRefund refund) {
    switch (refund) {
        case CancelRefund::counter: return "cancel.done_paid";
        case CancelRefund::refunded: return "cancel.done_refunded";
        case CancelRefund::pending: return "cancel.done_refund_pending";
        case CancelRefund::manual: return "cancel.done_refund_manual";
        case CancelRefund::none: break;
    }
    return "cancel.done_free";
}

PatientMessage stoppedMessage(const Error& error) {
    switch (error.code) {
        case Errc::not_found: return {"cancel.error.not_found", true};
        // The HIS may have cancelled it: never "failed" when the outcome is unknown.
        case Errc::unknown_outcome:
        case Errc::timeout: return {"cancel.error.unknown", true};
        default: return {"cancel.error.unavailable", true};
    }
}


/// Buttons side by side at the bottom (primary last, on the right).
void bottomRow(Ui& ui, const std::vector<RowButton>& buttons) {
    const Layout& l = ui.layout;
    const float gap = ui.theme.gap;
    const auto count = static_cast<float>(buttons.size());
    const float width = (l.contentWidth() - gap * (count - 1)) / count;
    for (size_t i = 0; i < buttons.size(); ++i) {
        ImGui::SetCursorScreenPos(ImVec2(l.contentMin.x + static_cast<float>(i) * (width + gap), l.contentMax.y - ui.theme.buttonHeight));
        ui.button(buttons[i].id, buttons[i].label, ImVec2(width, ui.theme.buttonHeight), buttons[i].kind, ui.fonts.body());
    }
}

float roomAbove(const Ui& ui) {
    return ui.layout.contentMax.y - ui.theme.buttonHeight - ui.theme.gap - ImGui::GetCursorScreenPos().y;
}

size_t pagesOf(size_t items, size_t perPage) {
    perPage = std::max<size_t>(1, perPage);
    return std::max<size_t>(1, (items + perPage - 1) / perPage);
}

}  // namespace

void CancelScreen::onEnter(ScreenContext& context) {
    page_ = 0;
    print_ = PrintState::none;
    printDocument_.clear();
    context.services.cancel().load(context.session.identity());
}

Transition CancelScreen::onEvent(ScreenContext& context, const UiEvent& event) {
    CancelFlow& flow = context.services.cancel();
    if (const auto* pressed = std::get_if<ButtonPressed>(&event)) {
        const CancelView view = flow.view();
        if (view.working()) return Transition::none();
        const std::string& id = pressed->id;
        if (id == "cancel.menu") return Transition::to("menu");
        if (id == "cancel.back") {
            if (view.stage == CancelStage::confirm) {
                flow.backToList();
                return Transition::none();
            }
            return Transition::to("menu");
        }
        if (id == "cancel.confirm") flow.cancel();
        if (id == "cancel.page.next" && page_ + 1 < pagesOf(view.upcoming.size(), perPage_)) ++page_;
        if (id == "cancel.page.previous" && page_ > 0) --page_;
        if (id.starts_with("cancel.pick.")) {
            const size_t index = page_ * perPage_ + std::stoul(id.substr(12));
            if (index < view.upcoming.size()) flow.choose(view.upcoming[index].appointment.id);
        }
        return Transition::none();
    }
    if (std::holds_alternative<BookingProgress>(event)) {
        if (flow.view().stage == CancelStage::cancelled && print_ == PrintState::none) printNotice(context);
        return Transition::none();
    }
    if (const auto* printed = std::get_if<PrintFinished>(&event)) {
        if (printed->document != printDocument_) return Transition::none();
        print_ = printed->outcome ? PrintState::printed : PrintState::failed;
        if (!printed->outcome) logger()->warn("{} not printed: {}", printed->document, printed->outcome.error().describe());
    }
    return Transition::none();
}

void CancelScreen::printNotice(ScreenContext& context) {
    const CancelView view = context.services.cancel().view();
    const backend::Appointment& a = view.chosen.appointment;
    printing::CancellationNoticeData data;
    data.header = printing::slipHeader(context.config, context.text.language(), context.clock.wallNow(), a.id);
    data.patientName = context.session.identity().name;
    data.department = departmentOf(context, view.chosen);
    data.doctor = view.chosen.doctor;
    data.slot = dateTimeOf(a.start) + (a.end.size() >= 16 ? "-" + clockOf(a.end) : "");
    data.appointmentCode = a.appointmentCode;
    data.feePaid = view.feePaid();
    data.fee = formatYuan(a.feeFen);
    data.refund = view.refund == CancelRefund::refunded  ? printing::CancellationRefund::refunded
                  : view.refund == CancelRefund::pending ? printing::CancellationRefund::pending
                  : view.refund == CancelRefund::manual  ? printing::CancellationRefund::manual
                                                         : printing::CancellationRefund::counter;
    data.channel = channelName(context, view.chosen.refundChannel);
    printDocument_ = "cancel:" + a.id;
    print_ = PrintState::printing;
    logger()->info("printing the cancellation notice of Appointment/{}", a.id);
    printOnReceiptPrinter(context, printDocument_, printing::cancellationNotice(context.text, data));
}

void CancelScreen::draw(const ScreenContext& context, Ui& ui) const {
    const Palette& c = ui.theme.colors;
    const CancelView view = context.services.cancel().view();
    const std::vector<RowButton> menuOnly{{"cancel.menu", context.text.tr("cancel.menu"), ButtonKind::primary}};
    switch (view.stage) {
        case CancelStage::idle:
        case CancelStage::loading:
            serviceTitle(context, ui, "cancel.title");
            drawPatientMessage(context, ui, PatientMessage{"cancel.loading", false});
            return;
        case CancelStage::cancelling:
            serviceTitle(context, ui, "cancel.title");
            drawPatientMessage(context, ui, PatientMessage{"cancel.cancelling", false});
            return;
        case CancelStage::stopped:
            serviceTitle(context, ui, "cancel.title");
            if (view.error) drawPatientMessage(context, ui, stoppedMessage(*view.error), 0, roomAbove(ui));
            bottomRow(ui, menuOnly);
            return;
        case CancelStage::none:
            serviceTitle(context, ui, "cancel.title");
            drawPatientMessage(context, ui, PatientMessage{"cancel.none", false}, 0, roomAbove(ui));
            bottomRow(ui, menuOnly);
            return;
        case CancelStage::list: {
            serviceTitle(context, ui, "cancel.title");
            // Landscape: the title says it; the rows need the height.
            if (ui.layout.portrait) {
                ui.paragraph(context.text.tr("cancel.choose"), ui.fonts.body(), c.text);
                ui.space(ui.theme.gap);
            }
            const Layout& l = ui.layout;
            const float top = ImGui::GetCursorScreenPos().y;
            const float bottom = l.contentMax.y - ui.theme.buttonHeight - ui.theme.gap;
            // At most six a page, fewer where rows of one touch target do not fit (landscape large print).
            const auto fitting = static_cast<size_t>(std::max(1.0F, std::floor((bottom - top + ui.theme.gap) / (ui.theme.buttonHeight + ui.theme.gap))));
            perPage_ = std::clamp<size_t>(fitting, 1, kPerPage);
            const size_t pages = pagesOf(view.upcoming.size(), perPage_);
            const size_t page = std::min(page_, pages - 1);
            const size_t first = page * perPage_;
            const size_t shown = std::min(perPage_, view.upcoming.size() - first);
            const float height = std::max(ui.theme.buttonHeight,
                                          std::min(ui.theme.buttonHeight * 1.4F, (bottom - top) / static_cast<float>(shown) - ui.theme.gap));
            for (size_t i = 0; i < shown; ++i) {
                ImGui::SetCursorScreenPos(ImVec2(l.contentMin.x, top + static_cast<float>(i) * (height + ui.theme.gap)));
                ui.button("cancel.pick." + std::to_string(i), rowLabel(context, view.upcoming[first + i]),
                          ImVec2(l.contentWidth(), height), ButtonKind::secondary, ui.fonts.body());
            }
            std::vector<RowButton> row{{"cancel.back", context.text.tr("common.back"), ButtonKind::secondary}};
            if (page > 0) row.push_back({"cancel.page.previous", context.text.tr("booking.page.previous"), ButtonKind::secondary});
            if (page + 1 < pages) row.push_back({"cancel.page.next", context.text.tr("booking.page.next"), ButtonKind::secondary});
            bottomRow(ui, row);
            return;
        }
        case CancelStage::confirm: {
            serviceTitle(context, ui, "cancel.confirm_title");
            const CancelAppointment& a = view.chosen;
            std::vector<std::string> lines{
                context.text.tr("cancel.when", {{"slot", rowLabel(context, CancelAppointment{a.appointment, {}, {}, {}, {}})}})};
            if (!departmentOf(context, a).empty()) lines.push_back(context.text.tr("checkin.department", {{"department", departmentOf(context, a)}}));
            if (!a.doctor.empty()) lines.push_back(context.text.tr("checkin.doctor", {{"doctor", a.doctor}}));
            lines.push_back(context.text.tr("cancel.fee", {{"amount", formatYuan(a.appointment.feeFen)}}));
            // Sold here: the fee goes back by its channel; paid elsewhere: the counter refunds it.
            const std::string noteKey = view.refundedHere() ? "cancel.note_refund" : view.feePaid() ? "cancel.note_paid" : "cancel.note_free";
            PatientMessage note{noteKey, false, {}, {{"amount", formatYuan(a.appointment.feeFen)}}};
            if (!a.refundChannel.empty()) note.translatedValues = {{"channel", "pay.channel." + a.refundChannel}};
            if (a.appointment.cancelUntil) {
                note.key = noteKey + "_until";
                note.values.push_back({"until", dateTimeOf(*a.appointment.cancelUntil)});
            }
            const Layout& l = ui.layout;
            if (l.portrait) {
                for (const auto& text : lines) {
                    ui.paragraph(text, ui.fonts.body(), c.text);
                    ui.space(10);
                }
                ui.space(ui.theme.gap / 2);
                drawPatientMessage(context, ui, note, 0, roomAbove(ui));
            } else {
                // Landscape: the details on the left, the note beside them on the right, both
                // above the buttons (a 1080-pixel-high screen has no room for them one under the
                // other at large print).
                const float split = l.contentMin.x + l.contentWidth() * 0.5F;
                const float top = ImGui::GetCursorScreenPos().y;
                float y = top;
                for (const auto& text : lines) {
                    ui.textAt(ImVec2(l.contentMin.x, y), text, ui.fonts.body(), c.text, split - l.contentMin.x);
                    y += ui.measure(text, ui.fonts.body(), split - l.contentMin.x).y;
                }
                ImGui::SetCursorScreenPos(ImVec2(split + ui.theme.gap, top));
                drawPatientMessage(context, ui, note, l.contentMax.x - split - ui.theme.gap, roomAbove(ui));
            }
            bottomRow(ui, {{"cancel.back", context.text.tr("common.back"), ButtonKind::secondary},
                           {"cancel.confirm", context.text.tr("cancel.confirm"), ButtonKind::alert}});
            return;
        }
        case CancelStage::refused: {
            serviceTitle(context, ui, "cancel.refused_title", c.alert);
            const bool withTime = view.refusedKey == "cancel.refused_cutoff" && !view.cutoff.empty();
            const std::string key = view.refusedKey == "cancel.refused_cutoff" && !withTime ? "cancel.refused_cutoff_plain" : view.refusedKey;
            drawPatientMessage(context, ui, PatientMessage{key, true, {}, {{"until", dateTimeOf(view.cutoff)}}}, 0, roomAbove(ui));
            bottomRow(ui, menuOnly);
            return;
        }
        case CancelStage::cancelled: {
            serviceTitle(context, ui, "cancel.done_title", c.success);
            ui.paragraph(rowLabel(context, view.chosen), ui.fonts.body(), c.text);
            ui.space(ui.theme.gap);
            PatientMessage done{doneKey(view.refund), view.refund == CancelRefund::manual, {},
                                {{"amount", formatYuan(view.chosen.appointment.feeFen)}}};
            if (!view.chosen.refundChannel.empty()) done.translatedValues = {{"channel", "pay.channel." + view.chosen.refundChannel}};
            drawPatientMessage(context, ui, done, 0, roomAbove(ui) - ui.theme.buttonHeight);
            ui.space(ui.theme.gap);
            const char* printKey = print_ == PrintState::printing  ? "cancel.print.printing"
                                   : print_ == PrintState::printed ? "cancel.print.take"
                                   : print_ == PrintState::failed  ? "cancel.print.failed"
                                                                   : nullptr;
            if (printKey) ui.paragraph(context.text.tr(printKey), ui.fonts.body(), print_ == PrintState::failed ? c.alert : c.mutedText);
            bottomRow(ui, menuOnly);
            return;
        }
    }
}

}  // namespace kiosk::screens
