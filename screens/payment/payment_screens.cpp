#include "screens/payment/payment_screens.hpp"
#include "screens/service_screen_kit.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "drivers/common/device_classes.hpp"
#include "kiosk/core/log.hpp"
#include "printing/bitmap.hpp"
#include "printing/templates.hpp"
#include "screens/payment/payment_flow.hpp"

namespace kiosk::screens {

namespace {

auto logger() { return log::module("payscreen"); }

constexpr const auto& kChannels = kPaymentChannels;

const ButtonPressed* pressedButton(const UiEvent& event) { return std::get_if<ButtonPressed>(&event); }

/// The patient message for an error that stopped the flow before money moved.
PatientMessage stoppedMessage(const Error& error) {
    if (error.messageKey.rfind("payments.", 0) == 0 || error.messageKey == "pay.not_available") return {error.messageKey, true};
    switch (error.code) {
        case Errc::not_found: return {"pay.error.patient_not_found", true};
        case Errc::backend_unavailable:
        case Errc::timeout: return {"pay.error.unavailable", true};
        case Errc::unsupported: return {"pay.not_available", true};
        default: return {"pay.error.generic", true};
    }
}

/// The label's wrap width beside an amount of `amountWidth` in [x0, x1].
float amountLabelWidth(float x0, float x1, float amountWidth) { return std::max(80.0F, x1 - x0 - amountWidth - 32); }

/// The height amountRow() takes for one row.
float amountRowHeight(Ui& ui, std::string_view label, std::string_view amount, float x0, float x1, ImFont* font) {
    const ImVec2 amountSize = ui.measure(amount, font);
    return std::max(ui.measure(label, font, amountLabelWidth(x0, x1, amountSize.x)).y, amountSize.y) + 14;
}

/// A label on the left and an amount on the right of [x0, x1], one line.
void amountRow(Ui& ui, std::string_view label, std::string_view amount, float x0, float x1, ImFont* font, ImU32 color) {
    const float y = ImGui::GetCursorScreenPos().y;
    const ImVec2 amountSize = ui.measure(amount, font);
    ui.textAt(ImVec2(x0, y), label, font, color, amountLabelWidth(x0, x1, amountSize.x));
    ui.textAt(ImVec2(x1 - amountSize.x, y), amount, font, color);
    ImGui::SetCursorScreenPos(ImVec2(x0, y + amountRowHeight(ui, label, amount, x0, x1, font)));
}

void panelBox(Ui& ui, float x0, float x1, float top, float bottom) {
    ImGui::GetWindowDrawList()->AddRectFilled(ImVec2(x0, top), ImVec2(x1, bottom), ui.theme.colors.panel, ui.theme.rounding);
}

/// Width a button needs for its label on one line (the touch target at least).
float neededWidth(Ui& ui, const RowButton& button) {
    return std::max(ui.theme.minTarget, ui.measure(button.label, ui.fonts.body()).x + 56);
}

/// True when every label fits its button with the buttons in equal shares of [x0, x1].
bool equalSharesFit(const Ui& ui, const std::vector<RowButton>& buttons, size_t perRow, float x0, float x1) {
    const float width = (x1 - x0 - ui.theme.gap * static_cast<float>(perRow - 1)) / static_cast<float>(perRow);
    return std::all_of(buttons.begin(), buttons.end(),
                       [&](const RowButton& b) { return ui.labelFits(b.label, ImVec2(width, ui.theme.buttonHeight), nullptr); });
}

/// True when all of `buttons` fit on one row of [x0, x1], each as wide as its label needs.
bool neededWidthsFit(Ui& ui, const std::vector<RowButton>& buttons, float x0, float x1) {
    float total = ui.theme.gap * static_cast<float>(buttons.size() - 1);
    for (const RowButton& b : buttons) total += neededWidth(ui, b);
    return total <= x1 - x0;
}

/// How many of `buttons` share a row of [x0, x1]: all of them where every label fits its
/// button, in equal shares or else each as wide as its label needs ("返回" beside "确认，下一步"
/// in a landscape side column at large print); else fewer (landscape large print: "Use medical
/// insurance" in a third of the side column spills out of its button), down to one per row.
size_t buttonsPerRow(Ui& ui, const std::vector<RowButton>& buttons, float x0, float x1) {
    if (buttons.size() > 1 && neededWidthsFit(ui, buttons, x0, x1)) return buttons.size();
    for (size_t perRow = buttons.size() - 1; perRow > 1; --perRow) {
        if (equalSharesFit(ui, buttons, perRow, x0, x1)) return perRow;
    }
    return 1;
}

/// The top of the rows buttonRow() draws (messages above them end there).
float buttonRowTop(Ui& ui, const std::vector<RowButton>& buttons, float x0, float x1, float bottom) {
    if (buttons.empty()) return bottom;
    const size_t perRow = buttonsPerRow(ui, buttons, x0, x1);
    const auto rows = static_cast<float>((buttons.size() + perRow - 1) / perRow);
    return bottom - rows * ui.theme.buttonHeight - (rows - 1) * ui.theme.gap;
}

void buttonRow(Ui& ui, const std::vector<RowButton>& buttons, float x0, float x1, float bottom) {
    if (buttons.empty()) return;
    const float gap = ui.theme.gap;
    const size_t perRow = buttonsPerRow(ui, buttons, x0, x1);
    if (perRow == buttons.size() && !equalSharesFit(ui, buttons, perRow, x0, x1)) {
        // One row, each button as wide as its label needs and the room left shared out.
        float needed = gap * static_cast<float>(buttons.size() - 1);
        for (const RowButton& b : buttons) needed += neededWidth(ui, b);
        const float spare = (x1 - x0 - needed) / static_cast<float>(buttons.size());
        float x = x0;
        for (const RowButton& b : buttons) {
            const float width = neededWidth(ui, b) + spare;
            ImGui::SetCursorScreenPos(ImVec2(x, bottom - ui.theme.buttonHeight));
            ui.button(b.id, b.label, ImVec2(width, ui.theme.buttonHeight), b.kind);
            x += width + gap;
        }
        return;
    }
    const float width = (x1 - x0 - gap * static_cast<float>(perRow - 1)) / static_cast<float>(perRow);
    // The last buttons (the primary one is last, on the right) fill the bottom row; the others
    // stack above it, from the left.
    const size_t rows = (buttons.size() + perRow - 1) / perRow;
    const size_t firstRowCount = buttons.size() - (rows - 1) * perRow;
    for (size_t i = 0; i < buttons.size(); ++i) {
        const size_t row = i < firstRowCount ? 0 : 1 + (i - firstRowCount) / perRow;
        const size_t column = i < firstRowCount ? i : (i - firstRowCount) % perRow;
        const float top = bottom - static_cast<float>(rows - row) * ui.theme.buttonHeight - static_cast<float>(rows - 1 - row) * gap;
        ImGui::SetCursorScreenPos(ImVec2(x0 + static_cast<float>(column) * (width + gap), top));
        ui.button(buttons[i].id, buttons[i].label, ImVec2(width, ui.theme.buttonHeight), buttons[i].kind);
    }
}

/// Portrait: one column. Landscape: the main content (a panel, the QR) on the left and the
/// messages on the right, above the button row, so nothing overlaps on a 1080-pixel-high screen.
struct Columns {
    float mainX0, mainX1, sideX0, sideX1;
};
Columns columnsOf(const Ui& ui) {
    const Layout& l = ui.layout;
    if (l.portrait) return {l.contentMin.x, l.contentMax.x, l.contentMin.x, l.contentMax.x};
    const float split = l.contentMin.x + l.contentWidth() * 0.58F;
    return {l.contentMin.x, split, split + ui.theme.gap * 1.5F, l.contentMax.x};
}

/// The screen's buttons in a row at the bottom, given primary first (drawn last, on the right,
/// where the thumb of a right-handed patient rests): across the screen in portrait, under the
/// side column in landscape (the main column keeps its full height for the panel or the QR).
void placeButtons(Ui& ui, std::vector<RowButton> buttons, const Columns& columns) {
    std::reverse(buttons.begin(), buttons.end());
    buttonRow(ui, buttons, columns.sideX0, columns.sideX1, ui.layout.contentMax.y);
}

/// The same across the whole width (screens with nothing beside their message).
void placeButtons(Ui& ui, std::vector<RowButton> buttons) {
    std::reverse(buttons.begin(), buttons.end());
    buttonRow(ui, buttons, ui.layout.contentMin.x, ui.layout.contentMax.x, ui.layout.contentMax.y);
}

/// The patient message of a bank-card reason key ("pos.declined.wrong_pin"); a key this kiosk
/// has no words for (a new acquirer code) says "the payment did not go ahead" in general.
std::string cardReasonKey(const Translator& text, const std::string& key, std::string_view fallback) {
    if (!key.empty() && text.catalog().find(text.language(), key) != nullptr) return key;
    return std::string(fallback);
}

std::string channelName(const Translator& text, std::string_view channel) {
    return channel.empty() ? text.tr("pay.channel.none") : text.tr("pay.channel." + std::string(channel));
}

/// The app the patient scans with ("WeChat", not the payment service "WeChat Pay").
std::string appName(const Translator& text, std::string_view channel) { return text.tr("pay.app." + std::string(channel)); }

/// "Cancel this payment?" in place of the screen's content, with its two answers.
void drawFinishQuestion(const ScreenContext& context, Ui& ui, bool qrShown) {
    serviceTitle(context, ui, "pay.finish.title");
    drawPatientMessage(context, ui, PatientMessage{qrShown ? "pay.finish.body_qr" : "pay.finish.body", false}, 0,
                       ui.layout.contentMax.y - ui.theme.buttonHeight - ui.theme.gap - ImGui::GetCursorScreenPos().y);
    placeButtons(ui, {{"pay.finish.keep", context.text.tr("pay.finish.keep"), ButtonKind::primary},
                      {"pay.finish.confirm", context.text.tr("pay.finish.confirm"), ButtonKind::secondary}});
}

/// Ends the session after a payment was cancelled on the way out: the attract screen says so.
Transition signOutCancelled() {
    Transition t;
    t.endSession = SessionEndReason::cancelled;
    t.farewellKey = "session.ended.payment_cancelled";
    return t;
}

}  // namespace

int minimumQrModulePixels(float pixelPitchMm) {
    // The smallest module a phone reads off the screen at arm's length: 2 mm. Why: a patient
    // holds the phone 30–45 cm from the screen. At 45 cm a phone's main camera (about 70° across)
    // sees a field about 630 mm wide, and the WeChat and Alipay scanners decode preview frames
    // about 720 px across: some 0.9 mm of screen per camera pixel. A module needs two camera
    // pixels at least to stay apart from its neighbours through focus blur and the moiré of the
    // screen's own pixel grid: 1.8 mm, rounded up to 2 mm for glare and older phones. A
    // version-3 payment link (29 modules + the 4-module quiet zone on each side) is then 74 mm,
    // 333 px on the default 21.5" panel; the printed slip's code is read at 20 cm and may be smaller.
    constexpr double kModuleMm = 2.0;
    const double pitch = std::max(0.01, static_cast<double>(pixelPitchMm));
    return std::max(1, static_cast<int>(std::ceil(kModuleMm / pitch - 1e-6)));
}

std::string_view chargeCategory(std::string_view code) {
    if (code.empty()) return {};
    // National insurance medicine codes: X western, Z Chinese patent medicine, T decoction pieces.
    if (code[0] == 'X' || code[0] == 'Z' || code[0] == 'T') return "medicine";
    if (code.size() < 2 || code[0] < '0' || code[0] > '9' || code[1] < '0' || code[1] > '9') return {};
    const int chapter = (code[0] - '0') * 10 + (code[1] - '0');
    if (chapter == 11) return code.substr(0, 4) == "1101" ? "registration" : "treatment";
    if (chapter == 21 || chapter == 22 || chapter == 23) return "imaging";
    if (chapter == 25 || chapter == 26 || chapter == 27) return "lab_test";
    if (chapter == 12 || chapter == 24 || (chapter >= 31 && chapter <= 49)) return "treatment";
    return {};
}

std::string chargeName(const Translator& text, const payments::ChargeLine& charge) {
    if (text.language() == "zh_CN") return charge.description;
    if (!charge.descriptionEn.empty()) return charge.descriptionEn;
    const std::string_view category = chargeCategory(charge.code);
    if (category.empty()) return charge.description;
    return text.tr("pay.charge_with_category", {{"name", charge.description}, {"category", text.tr("pay.category." + std::string(category))}});
}

bool AsksBeforeFinish::asksBeforeFinish(const ScreenContext& context) const {
    const PayStage stage = context.services.payment().view().stage;
    return stage == PayStage::quoted || stage == PayStage::ordering || stage == PayStage::qr;
}

std::string formatYuan(int64_t fen) {
    const char* sign = fen < 0 ? "-" : "";
    const int64_t magnitude = fen < 0 ? -fen : fen;
    return fmt::format("{}{}.{:02}", sign, magnitude / 100, magnitude % 100);
}

// ---------------------------------------------------------------- pay.charges

void PayChargesScreen::onEnter(ScreenContext& context) {
    // Coming back from a later step (an order closed, the patient wants to try again) starts a
    // fresh flow: an order is never reused for a new attempt.
    const PaymentView view = context.services.payment().view();
    if (view.stage == PayStage::loading || view.stage == PayStage::quoting) return;
    context.services.payment().reset();
    context.services.payment().loadCharges(context.session.identity());
}

Transition PayChargesScreen::onEvent(ScreenContext& context, const UiEvent& event) {
    const PaymentView view = context.services.payment().view();
    if (const auto* pressed = pressedButton(event)) {
        if (pressed->id == "pay.back") {
            if (const auto& back = context.services.paymentReturn()) return Transition::to(back->screen);
            return Transition::to("menu");
        }
        if (view.stage != PayStage::charges || view.charges.empty()) return Transition::none();
        if (pressed->id == "pay.insurance") context.services.payment().requestQuote(true);
        if (pressed->id == "pay.self") context.services.payment().requestQuote(false);
        return Transition::none();
    }
    if (std::holds_alternative<PaymentProgress>(event) && view.stage == PayStage::quoted) {
        if (view.quote.insured) return Transition::to("pay.split");
        return Transition::to("pay.channel");
    }
    return Transition::none();
}

namespace {

/// The amount panel's inner margin.
constexpr float kAmountPanelPad = 28;

/// The height amountPanel() takes for these rows (its box, not the gap below it).
float amountPanelHeight(Ui& ui, const std::vector<std::pair<std::string, std::string>>& rows,
                        const std::pair<std::string, std::string>& total, const std::string& footnote, float x0, float x1) {
    const float pad = kAmountPanelPad;
    float height = pad;
    for (const auto& [label, amount] : rows) height += amountRowHeight(ui, label, amount, x0 + pad, x1 - pad, ui.fonts.body());
    if (!footnote.empty()) height += ui.measure(footnote, ui.fonts.body(), x1 - x0 - 2 * pad).y + 14;
    return height + 4 + 18 + amountRowHeight(ui, total.first, total.second, x0 + pad, x1 - pad, ui.fonts.title()) + pad - 14;
}

/// A white panel of amount rows between x0 and x1 from the cursor down, the last row (`total`)
/// emphasised under a rule; the cursor ends below the panel.
void amountPanel(Ui& ui, const std::vector<std::pair<std::string, std::string>>& rows,
                 const std::pair<std::string, std::string>& total, const std::string& footnote, float x0, float x1) {
    const Palette& c = ui.theme.colors;
    const float pad = kAmountPanelPad;
    const float top = ImGui::GetCursorScreenPos().y;
    ImDrawList* draw = ImGui::GetWindowDrawList();
    draw->ChannelsSplit(2);  // rows first (channel 1), then the panel behind them (channel 0)
    draw->ChannelsSetCurrent(1);
    ImGui::SetCursorScreenPos(ImVec2(x0 + pad, top + pad));
    for (const auto& [label, amount] : rows) amountRow(ui, label, amount, x0 + pad, x1 - pad, ui.fonts.body(), c.text);
    if (!footnote.empty()) {
        const float y = ImGui::GetCursorScreenPos().y;
        ui.textAt(ImVec2(x0 + pad, y), footnote, ui.fonts.body(), c.mutedText, x1 - x0 - 2 * pad);
        ImGui::SetCursorScreenPos(ImVec2(x0 + pad, y + ui.measure(footnote, ui.fonts.body(), x1 - x0 - 2 * pad).y + 14));
    }
    const float ruleY = ImGui::GetCursorScreenPos().y + 4;
    draw->AddLine(ImVec2(x0 + pad, ruleY), ImVec2(x1 - pad, ruleY), c.mutedText, 2);
    ImGui::SetCursorScreenPos(ImVec2(x0 + pad, ruleY + 18));
    amountRow(ui, total.first, total.second, x0 + pad, x1 - pad, ui.fonts.title(), c.primary);
    const float bottom = ImGui::GetCursorScreenPos().y + pad - 14;
    draw->ChannelsSetCurrent(0);
    panelBox(ui, x0, x1, top, bottom);
    draw->ChannelsMerge();
    ImGui::SetCursorScreenPos(ImVec2(x0, bottom + 24));
}

}  // namespace

void PayChargesScreen::draw(const ScreenContext& context, Ui& ui) const {
    const Layout& l = ui.layout;
    const PaymentView view = context.services.payment().view();
    serviceTitle(context, ui, "pay.title");
    const Columns columns = columnsOf(ui);
    const RowButton back{"pay.back", context.text.tr("common.back"), ButtonKind::secondary};
    switch (view.stage) {
        case PayStage::idle:
        case PayStage::loading:
            drawPatientMessage(context, ui, PatientMessage{"pay.loading", false});
            break;
        case PayStage::stopped:
            if (view.error) drawPatientMessage(context, ui, stoppedMessage(*view.error));
            break;
        case PayStage::quoting:
            drawPatientMessage(context, ui, PatientMessage{view.quotingInsured ? "pay.quoting" : "pay.quoting_self", false});
            break;
        default: {
            const float top = ImGui::GetCursorScreenPos().y;
            std::vector<PatientMessage> notes;
            if (view.heldBack > 0) {
                std::string orders;
                for (const auto& id : view.heldBackOrders) orders += (orders.empty() ? "" : ", ") + id;
                notes.emplace_back("pay.held_back", true, std::vector<std::string>{},
                                   std::vector<std::pair<std::string, std::string>>{
                                       {"count", std::to_string(view.heldBack)}, {"amount", formatYuan(view.heldBackFen)}, {"order", orders}});
            }
            if (view.charges.empty()) {
                if (view.heldBack == 0) notes.emplace_back("pay.no_charges", false);
                // Above the back button (landscape large print: one language where both do not fit).
                const float above = l.contentMax.y - ui.theme.buttonHeight - ui.theme.gap;
                for (const auto& note : notes) drawPatientMessage(context, ui, note, 0, above - ImGui::GetCursorScreenPos().y);
                break;
            }
            if (view.insuranceOffered) notes.emplace_back(view.bankCardOffered ? "pay.insurance_hint_card" : "pay.insurance_hint", false);
            if (view.insuranceNeedsCredential) notes.emplace_back("pay.insurance_needs_credential", false);
            // As many lines as fit (portrait: above the buttons; landscape: above the session
            // bar, the buttons being beside them); the total always covers them all.
            size_t shown = std::min<size_t>(view.charges.size(), l.portrait ? 10 : 6);
            const std::pair<std::string, std::string> total{context.text.tr("pay.total"),
                                                             context.text.tr("pay.yuan", {{"amount", formatYuan(view.totalFen)}})};
            auto linesOf = [&](size_t count) {
                std::vector<std::pair<std::string, std::string>> lines;
                for (size_t i = 0; i < count; ++i) lines.emplace_back(chargeName(context.text, view.charges[i]), formatYuan(view.charges[i].amountFen));
                return lines;
            };
            auto moreText = [&](size_t lines) {
                return lines < view.charges.size()
                           ? context.text.tr("pay.more_items", {{"count", std::to_string(view.charges.size() - lines)}})
                           : std::string();
            };
            const float panelTop = ImGui::GetCursorScreenPos().y;
            while (!l.portrait && shown > 1 &&
                   panelTop + amountPanelHeight(ui, linesOf(shown), total, moreText(shown), columns.mainX0, columns.mainX1) > l.contentMax.y) {
                --shown;
            }
            const auto rows = linesOf(shown);
            const std::string more = moreText(shown);
            amountPanel(ui, rows, total, more, columns.mainX0, columns.mainX1);
            if (!l.portrait) ImGui::SetCursorScreenPos(ImVec2(columns.sideX0, top));
            std::vector<RowButton> buttons;
            if (view.insuranceOffered) {
                buttons.push_back({"pay.insurance", context.text.tr("pay.insurance"), ButtonKind::primary});
                buttons.push_back({"pay.self", context.text.tr("pay.self"), ButtonKind::secondary});
            } else {
                buttons.push_back({"pay.self", context.text.tr(view.bankCardOffered ? "pay.self_only_card" : "pay.self_only"), ButtonKind::primary});
            }
            buttons.push_back(back);
            const float buttonsTop = buttonRowTop(ui, buttons, columns.sideX0, columns.sideX1, l.contentMax.y) - ui.theme.gap;
            for (const auto& note : notes) {
                const float room = buttonsTop - ImGui::GetCursorScreenPos().y;
                const float width = columns.sideX1 - columns.sideX0;
                // The insurance hint only explains the button beside it: where even one language
                // of it cannot fit above the buttons (large print: the choices on two rows, or a
                // tall charges table), it gives way. The held-back note (money) always stays.
                if (note.key.starts_with("pay.insurance_hint") &&
                    ui.measure(context.text.tr(note.key), ui.fonts.body(), width - 56).y + 56 > room) {
                    continue;
                }
                drawPatientMessage(context, ui, note, width, room);
                ui.space(12);
            }
            placeButtons(ui, buttons, columns);
            return;
        }
    }
    placeButtons(ui, {back});
}

// ---------------------------------------------------------------- finish while paying

namespace {

/// The answers to "cancel this payment?": nullopt when `pressed` is none of them.
std::optional<Transition> finishAnswer(ScreenContext& context, const ButtonPressed& pressed, bool& asking) {
    if (pressed.id == "session.finish") {
        asking = true;
        return Transition::none();
    }
    if (pressed.id == "pay.finish.keep") {
        asking = false;
        return Transition::none();
    }
    if (pressed.id != "pay.finish.confirm" || !asking) return std::nullopt;
    asking = false;
    const PayStage stage = context.services.payment().view().stage;
    // Quoted: nothing was charged and no gateway order exists; ending the session closes the order.
    if (stage == PayStage::quoted) return signOutCancelled();
    // A QR: closing it may find it paid just now; the session ends only once nothing was charged
    // (PayQrScreen::onEvent), otherwise the patient sees the outcome and the receipt.
    if (stage == PayStage::qr || stage == PayStage::ordering) context.services.payment().cancelQr(true);
    return Transition::none();
}

}  // namespace

// ---------------------------------------------------------------- pay.split

Transition PaySplitScreen::onEvent(ScreenContext& context, const UiEvent& event) {
    const auto* pressed = pressedButton(event);
    if (!pressed) return Transition::none();
    if (auto answered = finishAnswer(context, *pressed, askingFinish_)) return *answered;
    const PaymentView view = context.services.payment().view();
    if (view.stage != PayStage::quoted) return Transition::none();
    if (pressed->id == "pay.split.back") {
        context.services.payment().backToCharges();  // closes the pre-settled order (nothing charged), lists again
        return Transition::to("pay.charges");
    }
    if (pressed->id == "pay.split.confirm") {
        if (view.quote.cashFen > 0) return Transition::to("pay.channel");
        context.services.payment().payBy("", context.clock.now());  // the fund and account cover everything
        return Transition::to("pay.result");
    }
    return Transition::none();
}

void PaySplitScreen::draw(const ScreenContext& context, Ui& ui) const {
    const Layout& l = ui.layout;
    const PaymentView view = context.services.payment().view();
    const auto& q = view.quote;
    if (askingFinish_ && asksBeforeFinish(context)) return drawFinishQuestion(context, ui, false);
    serviceTitle(context, ui, "pay.split.title");
    const Columns columns = columnsOf(ui);
    const float top = ImGui::GetCursorScreenPos().y;
    auto yuan = [&](int64_t fen) { return context.text.tr("pay.yuan", {{"amount", formatYuan(fen)}}); };
    amountPanel(ui,
                {{context.text.tr("pay.split.total"), yuan(q.totalFen)},
                 {context.text.tr("pay.split.fund"), yuan(q.fundFen)},
                 {context.text.tr("pay.split.account"), yuan(q.accountFen)}},
                {context.text.tr("pay.split.cash"), yuan(q.cashFen)}, {}, columns.mainX0, columns.mainX1);
    const float panelBottom = ImGui::GetCursorScreenPos().y;
    if (!l.portrait) ImGui::SetCursorScreenPos(ImVec2(columns.sideX0, top));
    const std::string confirm = context.text.tr(q.cashFen > 0 ? "pay.split.confirm" : "pay.split.confirm_covered");
    const std::vector<RowButton> buttons{{"pay.split.confirm", confirm, ButtonKind::primary},
                                         {"pay.split.back", context.text.tr("common.back"), ButtonKind::secondary}};
    const float buttonsTop = buttonRowTop(ui, buttons, columns.sideX0, columns.sideX1, l.contentMax.y) - ui.theme.gap;
    const PatientMessage note{q.cashFen <= 0              ? "pay.split.explain_covered"
                              : view.bankCardOffered ? "pay.split.explain_card"
                                                     : "pay.split.explain",
                              false};
    // Landscape: the note stands beside the amounts, above the buttons. At large print the two
    // buttons stack in the side column and leave too little room above them, so the note moves
    // under the amounts in the main column, which then has room to spare.
    const float sideRoom = buttonsTop - ImGui::GetCursorScreenPos().y;
    const float sideWidth = columns.sideX1 - columns.sideX0;
    const float mainWidth = columns.mainX1 - columns.mainX0;
    if (!l.portrait && patientMessageHeight(context, ui, note, sideWidth, false) > sideRoom &&
        patientMessageHeight(context, ui, note, mainWidth, false) <= l.contentMax.y - panelBottom) {
        ImGui::SetCursorScreenPos(ImVec2(columns.mainX0, panelBottom));
        drawPatientMessage(context, ui, note, mainWidth, l.contentMax.y - panelBottom);
    } else {
        drawPatientMessage(context, ui, note, sideWidth, sideRoom);
    }
    placeButtons(ui, buttons, columns);
}

// ---------------------------------------------------------------- pay.channel

Transition PayChannelScreen::onEvent(ScreenContext& context, const UiEvent& event) {
    const auto* pressed = pressedButton(event);
    if (!pressed) return Transition::none();
    if (auto answered = finishAnswer(context, *pressed, askingFinish_)) return *answered;
    const PaymentView view = context.services.payment().view();
    if (view.stage != PayStage::quoted) return Transition::none();
    if (pressed->id == "pay.channel.back") {
        // With insurance: back to the split, the same pre-settled order (no channel is fixed
        // before the QR). Self-pay: the order is closed (nothing charged) and the charges listed.
        if (view.quote.insured) return Transition::to("pay.split");
        context.services.payment().backToCharges();
        return Transition::to("pay.charges");
    }
    for (const std::string_view channel : kChannels) {
        if (pressed->id == "pay.channel." + std::string(channel)) {
            context.services.payment().payBy(std::string(channel), context.clock.now());
            return Transition::to("pay.qr");
        }
    }
    if (view.bankCardOffered && pressed->id == "pay.channel." + std::string(kBankCardChannel)) {
        context.services.payment().payBy(std::string(kBankCardChannel), context.clock.now());
        return Transition::to("pay.card");
    }
    return Transition::none();
}

void PayChannelScreen::draw(const ScreenContext& context, Ui& ui) const {
    const PaymentView view = context.services.payment().view();
    if (askingFinish_ && asksBeforeFinish(context)) return drawFinishQuestion(context, ui, false);
    // Back from the terminal without a charge (it could not start): why, above the choice.
    PatientMessage note;
    if (view.cardError) note = PatientMessage{cardReasonKey(context.text, view.cardError->messageKey, "pos.unavailable"), true};
    drawChannelChoice(context, ui, view.quote.cashFen, "pay.channel.back", "pay.channel.", view.bankCardOffered, note);
}

void drawChannelChoice(const ScreenContext& context, Ui& ui, int64_t amountFen, const std::string& backId, const std::string& channelIdPrefix,
                       bool bankCard, const PatientMessage& note, bool insurance) {
    const Layout& l = ui.layout;
    const Palette& c = ui.theme.colors;
    const float x0 = l.contentMin.x;
    const float x1 = l.contentMax.x;
    std::vector<std::string_view> channels(std::begin(kChannels), std::end(kChannels));
    if (insurance) channels.insert(channels.begin(), kInsuranceChoice);
    if (bankCard) channels.push_back(kBankCardChannel);
    const RowButton cancel{backId, context.text.tr("common.back"), ButtonKind::secondary};
    // Landscape (about 800 pixels between the bars, less in large print): one row at the bottom,
    // cancel on the left, the channels to its right (two rows where their labels need it).
    std::vector<RowButton> row{cancel};
    for (const std::string_view channel : channels) {
        row.push_back({channelIdPrefix + std::string(channel), channelName(context.text, channel), ButtonKind::primary});
    }
    const float gap = ui.theme.gap;
    const float cancelTop = l.contentMax.y - ui.theme.buttonHeight;
    // Portrait: the channels stand in a column (two where a note needs the room) above the back
    // button, each at least a touch target high.
    auto buttonWidth = [&](size_t perRow) { return (x1 - x0 - gap * static_cast<float>(perRow - 1)) / static_cast<float>(perRow); };
    // Two to a row, a label may take two lines ("UnionPay QuickPass" in large print).
    auto rowHeight = [&](size_t perRow) {
        float height = ui.theme.buttonHeight;
        if (perRow > 1) {
            for (const std::string_view channel : channels) height = std::max(height, labelHeightIn(ui, channelName(context.text, channel), buttonWidth(perRow)));
        }
        return height;
    };
    auto columnHeight = [&](size_t perRow) {
        const auto rows = static_cast<float>((channels.size() + perRow - 1) / perRow);
        // The rows, the clear gap above the back button, and the space above the column.
        return rows * (rowHeight(perRow) + gap) + 2 * gap + 24 + ImGui::GetStyle().ItemSpacing.y;
    };
    const float buttonsTop = l.portrait ? cancelTop - columnHeight(1) : buttonRowTop(ui, row, x0, x1, l.contentMax.y);
    serviceTitle(context, ui, "pay.channel.title");
    const float noteHeight = note.key.empty() ? 0 : patientMessageHeight(context, ui, note, x1 - x0, false) + gap;
    // With a note in large print the label gives way (the amount under "choose how to pay"
    // speaks for itself).
    // So does it in landscape large print when the choices take two rows of buttons.
    const bool twoRows = !l.portrait && buttonRowTop(ui, row, x0, x1, l.contentMax.y) < cancelTop;
    const bool labelShown = (note.key.empty() || !ui.fonts.largePrint()) && !(twoRows && ui.fonts.largePrint());
    if (labelShown) ui.centered(context.text.tr("pay.amount_due"), ui.fonts.body(), c.mutedText, x0, x1);
    // The amount in the big clock face, unless (landscape, large print; a note in portrait) that
    // would run into the buttons: then in the title face, or in landscape the body face (five
    // choices, insurance among them, take two rows of buttons at large print).
    const float roomAbove = buttonsTop - gap - noteHeight - ImGui::GetCursorScreenPos().y;
    ImFont* amountFace = ui.fonts.clock()->FontSize * 1.25F <= roomAbove || (l.portrait && note.key.empty()) ? ui.fonts.clock()
                         : ui.fonts.title()->FontSize * 1.25F <= roomAbove || l.portrait ? ui.fonts.title()
                                                                                                         : ui.fonts.body();
    ui.centered(context.text.tr("pay.yuan", {{"amount", formatYuan(amountFen)}}), amountFace, c.primary, x0, x1);
    size_t perRow = 1;
    if (!note.key.empty()) {
        ui.space(l.portrait && labelShown ? 24 : 4);
        if (l.portrait && ImGui::GetCursorScreenPos().y + noteHeight + columnHeight(1) > cancelTop) perRow = 2;
        const float noteBottom = l.portrait ? cancelTop - columnHeight(perRow) : buttonsTop - gap;
        drawPatientMessage(context, ui, note, x1 - x0, std::max(1.0F, noteBottom - ImGui::GetCursorScreenPos().y));
    }
    if (l.portrait) {
        ui.space(note.key.empty() ? 48 : 24);
        // The channels, one gap apart, shrink (never below a touch target) to stay a clear gap
        // above the cancel button.
        const float firstTop = ImGui::GetCursorScreenPos().y;
        const auto rows = static_cast<float>((channels.size() + perRow - 1) / perRow);
        const float fitting = (cancelTop - 2 * gap - firstTop) / rows - gap;
        const float height = std::max(rowHeight(perRow), std::clamp(fitting, ui.theme.buttonHeight, ui.theme.buttonHeight * 1.5F));
        const float width = buttonWidth(perRow);
        for (size_t i = 0; i < channels.size(); ++i) {
            const auto column = static_cast<float>(i % perRow);
            const auto rowIndex = static_cast<float>(i / perRow);
            ImGui::SetCursorScreenPos(ImVec2(x0 + column * (width + gap), firstTop + rowIndex * (height + gap)));
            ui.button(channelIdPrefix + std::string(channels[i]), channelName(context.text, channels[i]), ImVec2(width, height),
                      ButtonKind::primary, perRow == 1 ? ui.fonts.title() : ui.fonts.body());
        }
        buttonRow(ui, {cancel}, x0, x0 + (x1 - x0) * 0.5F, l.contentMax.y);
        return;
    }
    buttonRow(ui, row, x0, x1, l.contentMax.y);
}

// ---------------------------------------------------------------- pay.qr

Transition PayQrScreen::onEvent(ScreenContext& context, const UiEvent& event) {
    const PaymentView view = context.services.payment().view();
    if (const auto* pressed = pressedButton(event)) {
        if (auto answered = finishAnswer(context, *pressed, askingFinish_)) return *answered;
        if (pressed->id == "pay.qr.cancel" && view.stage == PayStage::qr) context.services.payment().cancelQr();
        if (pressed->id == "pay.result.menu" && view.stage == PayStage::stopped) return Transition::to("menu");
        return Transition::none();
    }
    if (!std::holds_alternative<PaymentProgress>(event)) return Transition::none();
    if (view.stage == PayStage::outcome && view.signOutAfterCancel && outcomeOf(view.order) == PayOutcome::not_charged) {
        return signOutCancelled();  // "finish" during the QR, confirmed, and the close charged nothing
    }
    if (view.stage == PayStage::finishing || view.stage == PayStage::outcome) return Transition::to("pay.result");
    if (view.stage == PayStage::quoted) return Transition::to("pay.split");  // a new code with a new split
    return Transition::none();
}

void PayQrScreen::draw(const ScreenContext& context, Ui& ui) const {
    const Layout& l = ui.layout;
    const PaymentView view = context.services.payment().view();
    if (askingFinish_ && asksBeforeFinish(context)) return drawFinishQuestion(context, ui, view.stage == PayStage::qr);
    // Landscape with the code on screen: the title heads the words' column, so the symbol has
    // the full height beside it (across the top it took the room the symbol needs to stay at
    // its minimum size in large print).
    const bool titleBeside = !l.portrait && view.stage == PayStage::qr && !view.cancelledByPatient;
    if (titleBeside) {
        ui.space(12);
    } else {
        serviceTitle(context, ui, "pay.qr.title");
    }
    if (view.stage == PayStage::stopped) {  // a new code could not be made (nothing was charged)
        if (view.error) drawPatientMessage(context, ui, stoppedMessage(*view.error));
        placeButtons(ui, {{"pay.result.menu", context.text.tr("pay.result.menu"), ButtonKind::primary}});
        return;
    }
    if (view.stage != PayStage::qr || view.cancelledByPatient) {
        drawPatientMessage(context, ui, PatientMessage{view.cancelledByPatient ? "pay.qr.cancelling" : "pay.qr.preparing", false});
        return;
    }
    QrPanel panel;
    panel.codeUrl = view.order.codeUrl;
    panel.channel = view.channel;
    panel.orderId = view.order.orderId;
    panel.amountFen = view.quote.cashFen;
    panel.shownAt = view.qrShownAt;
    panel.timeout = context.services.payment().qrTimeout();
    panel.titleBeside = titleBeside;
    panel.cancelId = "pay.qr.cancel";
    drawQrPanel(context, ui, panel, qrCache_);
}

void drawQrPanel(const ScreenContext& context, Ui& ui, const QrPanel& panel, QrCache& cache) {
    const Layout& l = ui.layout;
    const Palette& c = ui.theme.colors;
    const bool titleBeside = panel.titleBeside;
    const std::string& text = panel.codeUrl;
    if (text != cache.text) {
        auto modules = printing::qrModules(text);
        cache.text = text;
        cache.size = 0;
        cache.modules.clear();
        if (modules && modules->width == modules->height) {
            cache.size = modules->width;
            cache.modules = modules->pixels;
        } else {
            logger()->error("order {}: QR for the payment link could not be drawn", panel.orderId);
        }
    }
    const int qrSize_ = cache.size;
    const std::vector<uint8_t>& qrModules_ = cache.modules;
    // Portrait: instructions, amount, the symbol, countdown in one column. Landscape: the symbol
    // on the left as tall as the content allows, the words on the right.
    const Columns columns = columnsOf(ui);
    const float top = ImGui::GetCursorScreenPos().y;
    const float textX0 = l.portrait ? l.contentMin.x : columns.sideX0;
    const float textX1 = l.portrait ? l.contentMax.x : columns.sideX1;
    // Lines centred in [textX0, textX1] with tight spacing: in landscape large print the words
    // beside the symbol have about 300 pixels above the cancel button.
    float lineX0 = textX0;
    float lineX1 = textX1;
    float lineGap = l.portrait ? 20.0F : 10.0F;
    auto line = [&](const std::string& value, ImFont* font, ImU32 color) {
        const float width = lineX1 - lineX0;
        const ImVec2 size = ui.measure(value, font, width);
        const ImVec2 at = ImGui::GetCursorScreenPos();
        ui.textAt(ImVec2(lineX0 + std::max(0.0F, (width - size.x) / 2), at.y), value, font, color, width);
        ImGui::SetCursorScreenPos(ImVec2(lineX0, at.y + size.y + lineGap));
    };
    const std::string scanWords =
        context.text.tr(l.portrait ? "pay.qr.scan_below" : "pay.qr.scan_left", {{"app", appName(context.text, panel.channel)}});
    const std::string amountWords = context.text.tr("pay.yuan", {{"amount", formatYuan(panel.amountFen)}});
    ImFont* amountFace = l.portrait ? ui.fonts.clock() : ui.fonts.title();
    auto drawWords = [&] {
        // The symbol is below the words in portrait and to their left in landscape.
        line(scanWords, ui.fonts.body(), c.text);
        line(amountWords, amountFace, c.primary);
    };
    const auto secondsLeft = [&] {
        const auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(context.clock.now() - panel.shownAt);
        return std::max<int64_t>(0, (panel.timeout - elapsed).count());
    }();
    const std::string countdownWords = context.text.tr("pay.qr.time_left", {{"seconds", std::to_string(secondsLeft)}});
    auto drawCountdown = [&] {
        line(countdownWords, l.portrait ? ui.fonts.title() : ui.fonts.body(), secondsLeft <= 15 ? c.alert : c.text);
    };
    auto drawOrder = [&] { line(context.text.tr("pay.qr.order", {{"order", panel.orderId}}), ui.fonts.body(), c.mutedText); };
    if (l.portrait) drawWords();
    // The symbol with a 4-module quiet zone on white, as large as the layout allows.
    const float symbolTop = ImGui::GetCursorScreenPos().y;
    const float symbolX0 = l.portrait ? l.contentMin.x : columns.mainX0;
    const float symbolX1 = l.portrait ? l.contentMax.x : columns.mainX1;
    // Portrait: room for the countdown and the cancel row. Landscape: for the order line, which
    // goes under the symbol, or beside it when the symbol would otherwise be under its minimum
    // size: the screen is rearranged, the code never shrinks below what a phone reads.
    const int modulesWithQuiet = qrSize_ + 8;
    const auto minimumModule = static_cast<float>(minimumQrModulePixels(context.config.ui.pixelPitchMm));
    const float minimumSide = minimumModule * static_cast<float>(modulesWithQuiet);
    // Portrait reserves what goes under the symbol as measured: the countdown, the order line (two
    // lines in English elder mode) and the cancel row.
    const float portraitReserve =
        16 + ui.measure(context.text.tr("pay.qr.time_left", {{"seconds", "60"}}), ui.fonts.title(), symbolX1 - symbolX0).y + 20 +
        ui.measure(context.text.tr("pay.qr.order", {{"order", panel.orderId}}), ui.fonts.body(), symbolX1 - symbolX0).y + 20 +
        ui.theme.buttonHeight + ui.theme.gap;
    float reserve = l.portrait ? portraitReserve : ui.fonts.body()->FontSize * 2.4F + 16.0F;
    const bool orderBeside = !l.portrait && l.contentMax.y - symbolTop - reserve < minimumSide;
    if (orderBeside) reserve = 0;
    const float available = std::min(symbolX1 - symbolX0, l.contentMax.y - symbolTop - reserve);
    float symbolBottom = symbolTop;
    if (qrSize_ > 0) {
        if (available < minimumSide) {
            logger()->error("pay.qr: {:.0f} px for a QR that needs {:.0f} px ({} modules of {:.0f} px)", available, minimumSide,
                            modulesWithQuiet, minimumModule);
        }
        const float module =
            std::max(minimumModule, std::floor(std::min(available, 640.0F) / static_cast<float>(modulesWithQuiet)));
        const float side = module * static_cast<float>(modulesWithQuiet);
        const ImVec2 origin((symbolX0 + symbolX1 - side) / 2, symbolTop);
        ImDrawList* draw = ImGui::GetWindowDrawList();
        draw->AddRectFilled(origin, ImVec2(origin.x + side, origin.y + side), IM_COL32_WHITE);
        for (int y = 0; y < qrSize_; ++y) {
            for (int x = 0; x < qrSize_; ++x) {
                if (qrModules_[static_cast<size_t>(y) * static_cast<size_t>(qrSize_) + static_cast<size_t>(x)] == 0) continue;
                const ImVec2 p(origin.x + module * static_cast<float>(x + 4), origin.y + module * static_cast<float>(y + 4));
                draw->AddRectFilled(p, ImVec2(p.x + module, p.y + module), IM_COL32_BLACK);
            }
        }
        symbolBottom = origin.y + side;
        ui.recordGraphic(origin, ImVec2(origin.x + side, symbolBottom), "payment QR");
    }
    if (l.portrait) {
        ImGui::SetCursorScreenPos(ImVec2(l.contentMin.x, symbolBottom + 16));
        drawCountdown();
        drawOrder();
    } else {
        if (!orderBeside) {
            lineX0 = symbolX0;
            lineX1 = symbolX1;
            ImGui::SetCursorScreenPos(ImVec2(symbolX0, symbolBottom + 12));
            drawOrder();
            lineX0 = textX0;
            lineX1 = textX1;
        }
        ImGui::SetCursorScreenPos(ImVec2(columns.sideX0, top));
        // The words beside the symbol must stay above the cancel button (elder mode, English: the
        // scan line takes three lines there): the amount steps down to the body face, then the
        // gaps close, then the title does (body face), and last it gives way to the scan line,
        // which says the same and more.
        const float sideWidth = textX1 - textX0;
        bool titleShown = titleBeside;
        ImFont* titleFace = ui.fonts.title();
        auto sideHeight = [&] {
            float height = ui.measure(scanWords, ui.fonts.body(), sideWidth).y + ui.measure(amountWords, amountFace, sideWidth).y +
                           ui.measure(countdownWords, ui.fonts.body(), sideWidth).y + 3 * lineGap;
            // Ui::centered moves the cursor on by the text and ImGui's item spacing.
            if (titleShown) height += ui.measure(context.text.tr("pay.qr.title"), titleFace, sideWidth).y + ImGui::GetStyle().ItemSpacing.y;
            if (orderBeside) {
                height += ui.measure(context.text.tr("pay.qr.order", {{"order", panel.orderId}}), ui.fonts.body(), sideWidth).y + lineGap;
            }
            return height;
        };
        const float sideRoom = buttonRowTop(ui, {{panel.cancelId, context.text.tr("pay.cancel_payment"), ButtonKind::secondary}},
                                            columns.sideX0, columns.sideX1, l.contentMax.y) -
                               ui.theme.gap - top;
        if (sideHeight() > sideRoom) amountFace = ui.fonts.body();
        if (sideHeight() > sideRoom) lineGap = 2.0F;
        if (sideHeight() > sideRoom) titleFace = ui.fonts.body();
        if (sideHeight() > sideRoom) titleShown = false;
        if (titleShown) {
            ui.centered(context.text.tr("pay.qr.title"), titleFace, c.text, textX0, textX1);
            ImGui::SetCursorScreenPos(ImVec2(columns.sideX0, ImGui::GetCursorScreenPos().y));
        }
        drawWords();
        drawCountdown();
        if (orderBeside) drawOrder();
    }
    placeButtons(ui, {{panel.cancelId, context.text.tr("pay.cancel_payment"), ButtonKind::secondary}}, columns);
}

// ---------------------------------------------------------------- pay.card

bool PayCardScreen::holdsSession(const ScreenContext& context) const {
    return context.services.payment().view().stage != PayStage::stopped;
}

bool PayCardScreen::asksBeforeFinish(const ScreenContext& context) const {
    const PayStage stage = context.services.payment().view().stage;
    return stage == PayStage::quoting || stage == PayStage::ordering || stage == PayStage::card;
}

Transition PayCardScreen::onEvent(ScreenContext& context, const UiEvent& event) {
    const PaymentView view = context.services.payment().view();
    if (const auto* pressed = pressedButton(event)) {
        // "Finish" cannot stop the terminal: the screen says so (one answer, keep paying).
        if (pressed->id == "session.finish") askingFinish_ = true;
        if (pressed->id == "pay.finish.keep") askingFinish_ = false;
        if (pressed->id == "pay.result.menu" && view.stage == PayStage::stopped) return Transition::to("menu");
        return Transition::none();
    }
    if (!std::holds_alternative<PaymentProgress>(event)) return Transition::none();
    if (view.stage == PayStage::finishing || view.stage == PayStage::outcome) return Transition::to("pay.result");
    if (view.stage == PayStage::quoted) {
        // The terminal could not start (nothing charged): another channel for the same order.
        // Or, trying the card again, insurance gave a new split: the patient confirms it first.
        if (!view.cardError && view.quote.insured) return Transition::to("pay.split");
        return Transition::to("pay.channel");
    }
    return Transition::none();
}

void PayCardScreen::draw(const ScreenContext& context, Ui& ui) const {
    const Layout& l = ui.layout;
    const Palette& c = ui.theme.colors;
    const PaymentView view = context.services.payment().view();
    // Landscape with the terminal at work: the title heads the amount's column, so the
    // instructions beside it have the full height (large print: about 700 pixels).
    const bool titleBeside = !l.portrait && view.stage == PayStage::card && !(askingFinish_ && asksBeforeFinish(context));
    if (titleBeside) {
        ui.space(12);
    } else {
        serviceTitle(context, ui, "pay.card.title");
    }
    if (askingFinish_ && asksBeforeFinish(context)) {
        const std::vector<RowButton> keep{{"pay.finish.keep", context.text.tr("pay.finish.keep"), ButtonKind::primary}};
        drawPatientMessage(context, ui, PatientMessage{"pay.card.finish_body", true}, 0,
                           buttonRowTop(ui, keep, l.contentMin.x, l.contentMax.x, l.contentMax.y) - ui.theme.gap - ImGui::GetCursorScreenPos().y);
        placeButtons(ui, keep);
        return;
    }
    if (view.stage == PayStage::stopped) {  // a new order for another try could not be made (nothing charged)
        if (view.error) drawPatientMessage(context, ui, stoppedMessage(*view.error));
        placeButtons(ui, {{"pay.result.menu", context.text.tr("pay.result.menu"), ButtonKind::primary}});
        return;
    }
    if (view.stage != PayStage::card) {
        drawPatientMessage(context, ui, PatientMessage{view.stage == PayStage::quoting ? "pay.quoting_self" : "pay.card.preparing", false});
        return;
    }
    // Portrait: the amount, the instructions, the PIN note, the progress, and an arrow down to
    // the terminal under the screen. Landscape: the amount, the progress and the arrow on the
    // left, the instructions on the right.
    // The words need the width here (two messages, large print): they take two thirds.
    Columns columns = columnsOf(ui);
    if (!l.portrait) {
        columns.mainX1 = l.contentMin.x + l.contentWidth() * 0.34F;
        columns.sideX0 = columns.mainX1 + ui.theme.gap * 1.5F;
    }
    const float top = ImGui::GetCursorScreenPos().y;
    auto drawAmount = [&](float x0, float x1) {
        // Landscape large print: under "pay by bank card" the amount speaks for itself, and the
        // column needs the line for the progress.
        if (l.portrait || !ui.fonts.largePrint()) ui.centered(context.text.tr("pay.amount_due"), ui.fonts.body(), c.mutedText, x0, x1);
        // The clock face where the instructions leave room for it (not in large print).
        ImFont* face = ui.fonts.largePrint() ? ui.fonts.title() : ui.fonts.clock();
        ui.centered(context.text.tr("pay.yuan", {{"amount", formatYuan(view.quote.cashFen)}}), face, c.primary, x0, x1);
    };
    // Three dots, one lit in turn (every half second: the screen redraws that often), and the
    // words: the terminal is working, nothing is stuck.
    const float radius = std::max(10.0F, ui.fonts.bodySize() * 0.3F);
    const std::string working = context.text.tr("pay.card.working");
    auto progressHeight = [&](float width) {
        return 2 * radius + 12 + ui.measure(working, ui.fonts.body(), width).y + ImGui::GetStyle().ItemSpacing.y;
    };
    auto drawProgress = [&](float x0, float x1) {
        const float y = ImGui::GetCursorScreenPos().y + radius;
        const auto phase = static_cast<int>(
            std::chrono::duration_cast<std::chrono::milliseconds>(context.clock.now().time_since_epoch()).count() / 500 % 3);
        const float mid = (x0 + x1) / 2;
        for (int i = 0; i < 3; ++i) {
            const ImVec2 centre(mid + static_cast<float>(i - 1) * radius * 3.5F, y);
            ImGui::GetWindowDrawList()->AddCircleFilled(centre, radius, i == phase ? c.primary : c.secondary);
        }
        ui.recordGraphic(ImVec2(mid - radius * 4.5F, y - radius), ImVec2(mid + radius * 4.5F, y + radius), "progress");
        ImGui::SetCursorScreenPos(ImVec2(x0, y + radius + 12));
        ui.centered(working, ui.fonts.body(), c.text, x0, x1);
    };
    // An arrow pointing down at the terminal mounted below the screen, in the room left (none
    // where less than a thumb's height is left).
    auto drawArrow = [&](float x0, float x1, float bottom) {
        const float y0 = ImGui::GetCursorScreenPos().y + 12;
        const float height = std::min(160.0F, bottom - 12 - y0);
        if (height < 60) return;
        const float mid = (x0 + x1) / 2;
        const float half = height * 0.45F;
        ImDrawList* draw = ImGui::GetWindowDrawList();
        draw->AddRectFilled(ImVec2(mid - half * 0.35F, y0), ImVec2(mid + half * 0.35F, y0 + height * 0.5F), c.primary);
        draw->AddTriangleFilled(ImVec2(mid - half, y0 + height * 0.5F), ImVec2(mid + half, y0 + height * 0.5F), ImVec2(mid, y0 + height),
                                c.primary);
        ui.recordGraphic(ImVec2(mid - half, y0), ImVec2(mid + half, y0 + height), "arrow to the card terminal");
    };
    const PatientMessage insert{"pay.card.insert", false};
    const PatientMessage pinNote{"pay.card.pin_note", false};
    const std::string order = context.text.tr("pay.qr.order", {{"order", view.order.orderId.empty() ? view.quote.orderId : view.order.orderId}});
    // The two messages in the patient's language always; the other language, the order line and
    // the arrow where there is room for them (large print: the patient's language only).
    auto drawMessages = [&](float x0, float x1, float bottom, float reserve) {
        const float width = x1 - x0;
        const float gap = 8;
        const float pinAlone = patientMessageHeight(context, ui, pinNote, width, false);
        const float insertBoth = patientMessageHeight(context, ui, insert, width, true);
        const float insertAlone = patientMessageHeight(context, ui, insert, width, false);
        const float room = bottom - reserve - ImGui::GetCursorScreenPos().y;
        ImGui::SetCursorScreenPos(ImVec2(x0, ImGui::GetCursorScreenPos().y));
        drawPatientMessage(context, ui, insert, width, insertBoth + gap + pinAlone <= room ? insertBoth : insertAlone);
        ImGui::SetCursorScreenPos(ImVec2(x0, ImGui::GetCursorScreenPos().y + gap));
        drawPatientMessage(context, ui, pinNote, width, bottom - reserve - ImGui::GetCursorScreenPos().y);
    };
    const float orderHeight = ui.measure(order, ui.fonts.body(), l.contentWidth()).y + ImGui::GetStyle().ItemSpacing.y;
    if (l.portrait) {
        // Large print: the English PIN note takes four lines; the gaps give way to it.
        const float space = ui.fonts.largePrint() ? 4.0F : 16.0F;
        drawAmount(l.contentMin.x, l.contentMax.x);
        ui.space(space);
        const float bottom = l.contentMax.y;
        const float width = l.contentWidth();
        float reserve = space + ImGui::GetStyle().ItemSpacing.y + progressHeight(width);
        const float least = patientMessageHeight(context, ui, insert, width, false) + 8 + patientMessageHeight(context, ui, pinNote, width, false);
        // (A line's drawn box is a little taller than its measure: a margin keeps it off the bar.)
        const bool orderShown = ImGui::GetCursorScreenPos().y + least + reserve + orderHeight + 24 <= bottom;
        if (orderShown) reserve += orderHeight;
        drawMessages(l.contentMin.x, l.contentMax.x, bottom, reserve);
        ui.space(space);
        drawProgress(l.contentMin.x, l.contentMax.x);
        if (orderShown) ui.centered(order, ui.fonts.body(), c.mutedText, l.contentMin.x, l.contentMax.x);
        drawArrow(l.contentMin.x, l.contentMax.x, bottom);
        return;
    }
    {
        const std::string title = context.text.tr("pay.card.title");
        const float width = columns.mainX1 - columns.mainX0;
        ImFont* face = ui.measure(title, ui.fonts.title(), width).y > ui.measure("A", ui.fonts.title(), width).y * 1.5F ? ui.fonts.body() : ui.fonts.title();
        ui.centered(title, face, c.text, columns.mainX0, columns.mainX1);
        ui.space(8);
    }
    drawAmount(columns.mainX0, columns.mainX1);
    ui.space(8);
    ImGui::SetCursorScreenPos(ImVec2(columns.mainX0, ImGui::GetCursorScreenPos().y));
    drawProgress(columns.mainX0, columns.mainX1);
    if (ImGui::GetCursorScreenPos().y + orderHeight + 24 <= l.contentMax.y) ui.centered(order, ui.fonts.body(), c.mutedText, columns.mainX0, columns.mainX1);
    drawArrow(columns.mainX0, columns.mainX1, l.contentMax.y);
    ImGui::SetCursorScreenPos(ImVec2(columns.sideX0, top));
    drawMessages(columns.sideX0, columns.sideX1, l.contentMax.y, 0);
}

// ---------------------------------------------------------------- pay.result

bool PayResultScreen::holdsSession(const ScreenContext& context) const {
    const PayStage stage = context.services.payment().view().stage;
    return stage == PayStage::finishing || stage == PayStage::ordering || stage == PayStage::qr || stage == PayStage::card;
}

void PayResultScreen::onEnter(ScreenContext& context) {
    print_ = PrintState::none;
    printErrorKey_.clear();
    const PaymentView view = context.services.payment().view();
    if (view.stage == PayStage::outcome && view.order.orderId != printedFor_) printSlip(context);
}

Transition PayResultScreen::onEvent(ScreenContext& context, const UiEvent& event) {
    if (const auto* pressed = pressedButton(event)) {
        if (pressed->id == "pay.result.menu" && !holdsSession(context)) return Transition::to("menu");
        // Sent here by another service (pickup: "pay first"): back to it, which reads again.
        if (pressed->id == "pay.result.return" && !holdsSession(context) && context.services.paymentReturn()) {
            if (outcomeOf(context.services.payment().view().order) == PayOutcome::received) context.services.markPaymentReturnPaid();
            return Transition::to(context.services.paymentReturn()->screen);
        }
        if (pressed->id == "pay.result.again" && !holdsSession(context)) return Transition::to("pay.charges");
        if (pressed->id == "pay.result.new_code" && !holdsSession(context)) {
            context.services.payment().renewQr(context.clock.now());  // a new order and its code, same channel
            return Transition::to("pay.qr");
        }
        if (pressed->id == "pay.result.card_again" && !holdsSession(context)) {
            context.services.payment().renewQr(context.clock.now());  // a new order, the terminal again
            return Transition::to("pay.card");
        }
        // Another channel: a new order from the charges (the closed one cannot be paid).
        if (pressed->id == "pay.result.other_way" && !holdsSession(context)) return Transition::to("pay.charges");
        return Transition::none();
    }
    if (std::holds_alternative<PaymentProgress>(event)) {
        const PaymentView view = context.services.payment().view();
        if (view.stage == PayStage::outcome && view.order.orderId != printedFor_) printSlip(context);
        return Transition::none();
    }
    if (const auto* printed = std::get_if<PrintFinished>(&event)) {
        if (printed->document != printDocument_) return Transition::none();
        print_ = printed->outcome ? PrintState::printed : PrintState::failed;
        if (!printed->outcome) {
            printErrorKey_ = printed->outcome.error().messageKey;
            logger()->warn("{} not printed: {}", printed->document, printed->outcome.error().describe());
        }
    }
    return Transition::none();
}

void PayResultScreen::printSlip(ScreenContext& context) {
    const PaymentView view = context.services.payment().view();
    printedFor_ = view.order.orderId;
    const PayOutcome outcome = outcomeOf(view.order);
    if (outcome == PayOutcome::not_charged) return;  // nothing moved, nothing to keep
    const printing::SlipHeader header =
        printing::slipHeader(context.config, context.text.language(), context.clock.wallNow(), view.order.orderId);
    const PatientIdentity& patient = context.session.identity();
    printing::Document document;
    if (outcome == PayOutcome::received) {
        printing::PaymentReceiptData data;
        data.header = header;
        data.patientName = patient.name;
        data.cardNumber = !patient.cardNumber.empty() ? patient.cardNumber : patient.idNumber;
        for (const auto& line : view.charges) data.lines.push_back({chargeName(context.text, line), formatYuan(line.amountFen)});
        data.total = formatYuan(view.quote.totalFen);
        data.insurancePart = formatYuan(view.quote.fundFen + view.quote.accountFen);
        data.selfPart = formatYuan(view.quote.cashFen);
        data.channel = channelName(context.text, view.channel);
        data.tradeNo = view.order.orderId;
        data.pickupCodes = view.pickupCodes;
        if (view.channel == kBankCardChannel) {
            data.bankCard = view.order.card.maskedPan;
            data.cardVoucher = view.order.card.voucher;
            data.cardReference = view.order.card.reference;
            data.cardBatch = view.order.card.batch;
            data.cardTerminal = view.order.card.terminalId;
        }
        document = printing::paymentReceipt(context.text, data);
        printDocument_ = "receipt:" + view.order.orderId;
    } else if (outcome == PayOutcome::refunded) {
        printing::RefundNoticeData data;
        data.header = header;
        data.patientName = patient.name;
        data.tradeNo = view.order.orderId;
        if (view.order.amountFen > 0) {  // cash went through the gateway and came back
            data.refundNo = view.order.outRefundNo();
            data.amount = formatYuan(view.order.amountFen);
            data.channel = channelName(context.text, view.channel);
        }
        data.insuranceCancelled = view.order.insured();
        document = printing::refundNotice(context.text, data);
        printDocument_ = "refund:" + view.order.orderId;
    } else {
        printing::UnresolvedPaymentVoucherData data;
        data.header = header;
        data.patientName = patient.name;
        data.tradeNo = view.order.orderId;
        data.amount = formatYuan(view.quote.cashFen > 0 ? view.quote.cashFen : view.quote.totalFen);
        document = printing::unresolvedPaymentVoucher(context.text, data);
        printDocument_ = "voucher:" + view.order.orderId;
    }
    print_ = PrintState::printing;
    printOnReceiptPrinter(context, printDocument_, std::move(document));
}

void PayResultScreen::draw(const ScreenContext& context, Ui& ui) const {
    const Layout& l = ui.layout;
    const Palette& c = ui.theme.colors;
    const float x0 = l.contentMin.x;
    const float x1 = l.contentMax.x;
    const PaymentView view = context.services.payment().view();
    if (view.stage != PayStage::outcome) {
        serviceTitle(context, ui, "pay.result.finishing_title");
        drawPatientMessage(context, ui, PatientMessage{"pay.result.finishing", false});
        return;
    }
    const PayOutcome outcome = outcomeOf(view.order);
    const bool byCard = view.channel == kBankCardChannel;
    // Above the button row, the outcome's message leaves one line for the printing status; where
    // both languages do not fit (landscape, large print) only the patient's stays.
    std::vector<RowButton> buttons{{"pay.result.menu", context.text.tr("pay.result.menu"), ButtonKind::primary}};
    if (outcome == PayOutcome::not_charged && view.qrExpired) {
        // One tap to a new code for the same fees and app; the main way on, so on the right.
        buttons.front().kind = ButtonKind::secondary;
        buttons.push_back({"pay.result.new_code", context.text.tr("pay.result.new_code"), ButtonKind::primary});
    } else if (outcome == PayOutcome::not_charged && byCard) {
        // Declined or cancelled on the terminal: the card again (the main way on), or another way.
        buttons.front().kind = ButtonKind::secondary;
        buttons.push_back({"pay.result.other_way", context.text.tr("pay.result.other_way"), ButtonKind::secondary});
        buttons.push_back({"pay.result.card_again", context.text.tr("pay.result.card_again"), ButtonKind::primary});
    } else if (outcome == PayOutcome::not_charged) {
        buttons.insert(buttons.begin(), {"pay.result.again", context.text.tr("pay.result.again"), ButtonKind::secondary});
    }
    // Another service sent the patient to pay: the way back to it is the main way on.
    if (const auto& back = context.services.paymentReturn()) {
        for (auto& b : buttons) b.kind = ButtonKind::secondary;
        buttons.erase(std::remove_if(buttons.begin(), buttons.end(), [](const RowButton& b) { return b.id == "pay.result.menu"; }), buttons.end());
        buttons.push_back({"pay.result.return", context.text.tr(outcome == PayOutcome::received ? back->paidLabelKey : back->backLabelKey),
                           ButtonKind::primary});
    }
    // The status line: its own height, the spacer above it (portrait) and the item spacing.
    // Landscape: it stands beside the buttons (which take the right half of the bottom row), so
    // the message above keeps all the room down to the buttons.
    // Three buttons (a declined card: menu, another way, the card again) take the whole width in
    // landscape too (in the right half, large print, they would stack three high), and the status
    // line goes under the message as in portrait.
    const bool statusBeside = !l.portrait && buttons.size() < 3;
    const float statusLine = !statusBeside ? ui.fonts.bodySize() * 1.3F + 20 + 3 * ui.theme.gap : 0;
    const float buttonsX0 = !statusBeside ? x0 : (x0 + x1) / 2;
    const float buttonTop = buttonRowTop(ui, buttons, buttonsX0, x1, l.contentMax.y) - ui.theme.gap;
    auto roomFor = [&](float reserved) { return buttonTop - ImGui::GetCursorScreenPos().y - reserved; };
    const std::vector<std::pair<std::string, std::string>> values{{"order", view.order.orderId},
                                                                  {"amount", formatYuan(view.quote.cashFen)},
                                                                  {"fund", formatYuan(view.quote.fundFen)},
                                                                  {"account", formatYuan(view.quote.accountFen)},
                                                                  {"card", view.order.card.maskedPan},
                                                                  {"voucher", view.order.card.voucher},
                                                                  {"reference", view.order.card.reference}};
    switch (outcome) {
        case PayOutcome::received:
            ui.space(l.portrait ? 40 : 12);
            ui.centered(context.text.tr("pay.result.received"), ui.fonts.title(), c.success, x0, x1);
            if (l.portrait) ui.space(20);  // landscape large print has no pixel to spare
            drawPatientMessage(context, ui,
                               PatientMessage{byCard ? (view.quote.insured ? "pay.result.received_card_insured_body" : "pay.result.received_card_body")
                                                     : (view.quote.insured ? "pay.result.received_insured_body" : "pay.result.received_body"),
                                              false, {}, values},
                               0, roomFor(statusLine));
            break;
        case PayOutcome::confirming:
            serviceTitle(context, ui, "pay.result.confirming");
            drawPatientMessage(context, ui, PatientMessage{"pay.result.confirming_body", true, {}, values}, 0,
                               roomFor(statusLine));
            break;
        case PayOutcome::refunded:
            serviceTitle(context, ui, "pay.result.refunded");
            drawPatientMessage(context, ui, PatientMessage{"pay.result.refunded_body", true, {}, values}, 0,
                               roomFor(statusLine));
            break;
        case PayOutcome::not_charged:
            serviceTitle(context, ui, view.qrExpired ? "pay.result.expired" : "pay.result.not_charged");
            drawPatientMessage(context, ui,
                               PatientMessage{byCard                    ? cardReasonKey(context.text, view.order.card.resultKey, "pay.result.not_charged_body")
                                              : view.qrExpired          ? "pay.result.expired_body"
                                              : view.cancelledByPatient ? "pay.result.cancelled_body"
                                                                        : "pay.result.not_charged_body",
                                              false, {}, values},
                               0, roomFor(statusLine));
            break;
    }
    // Where the status line goes: under the message (portrait), or left of the buttons at the
    // height of their lowest row (landscape).
    const float statusWidth = !statusBeside ? x1 - x0 : buttonsX0 - x0 - ui.theme.gap;
    if (!statusBeside) {
        ui.space(20);
    } else if (print_ == PrintState::printing || print_ == PrintState::printed) {
        ImGui::SetCursorScreenPos(ImVec2(x0, l.contentMax.y - ui.theme.buttonHeight));
    }
    switch (print_) {
        case PrintState::printing:
            ui.paragraph(context.text.tr("pay.print.printing"), ui.fonts.body(), c.mutedText, statusWidth);
            break;
        case PrintState::printed:
            ui.paragraph(context.text.tr(outcome == PayOutcome::received   ? "pay.print.take_receipt"
                                         : outcome == PayOutcome::refunded ? "pay.print.take_refund"
                                                                           : "pay.print.take_voucher"),
                         ui.fonts.body(), c.text, statusWidth);
            break;
        case PrintState::failed:
            drawPatientMessage(context, ui, PatientMessage{outcome == PayOutcome::received   ? "pay.print.failed_receipt"
                                                           : outcome == PayOutcome::refunded ? "pay.print.failed_refund"
                                                                                             : "pay.print.failed_voucher",
                                                           true, {}, values},
                               0, roomFor(0));
            break;
        case PrintState::none: break;
    }
    buttonRow(ui, buttons, buttonsX0, x1, l.contentMax.y);
}

// ---------------------------------------------------------------- printing

void printOnReceiptPrinter(ScreenContext& context, std::string documentTag, printing::Document document) {
    drivers::ReceiptPrinter* printer = nullptr;
    for (const auto& device : context.devices.all()) {
        if (auto* receipt = dynamic_cast<drivers::ReceiptPrinter*>(device.get())) {
            printer = receipt;
            break;
        }
    }
    auto post = context.post;
    if (!printer) {
        post(PrintFinished{std::move(documentTag), fail(Errc::not_found, "no receipt printer configured", "print.error.no_printer")});
        return;
    }
    auto sink = context.deviceSink;
    context.tasks.post([printer, post, sink, documentTag = std::move(documentTag), document = std::move(document)]() mutable {
        Result<void> outcome;
        if (auto started = printer->start(sink); !started) {
            outcome = std::unexpected(started.error());
        } else if (auto printed = printer->print(document, std::chrono::seconds(30), drivers::CancelToken{}); !printed) {
            outcome = std::unexpected(printed.error());
        } else if (printed->code != drivers::CompletionCode::success) {
            outcome = fail(Errc::device_not_ready, printed->detail, printed->messageKey);
        }
        post(PrintFinished{std::move(documentTag), std::move(outcome)});
    });
}

}  // namespace kiosk::screens
