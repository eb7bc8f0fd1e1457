#include "screens/records/records_screens.hpp"

#include <algorithm>

#include "drivers/common/device_classes.hpp"
#include "kiosk/core/log.hpp"
#include "kiosk/core/mask.hpp"
#include "printing/templates.hpp"
#include "screens/payment/payment_screens.hpp"
#include "screens/records/records_flow.hpp"
#include "screens/service_screen_kit.hpp"

namespace kiosk::screens {

namespace {

auto logger() { return log::module("records"); }

const ButtonPressed* pressedButton(const UiEvent& event) { return std::get_if<ButtonPressed>(&event); }

bool english(const ScreenContext& context) { return context.text.language() != "zh_CN"; }

/// "2026-11-29 09:10" of an ISO 8601 date-time in hospital time, "2026-11-29" of a date; the
/// HIS gave none: "date unknown".
std::string dateTimeOf(const Translator& t, const std::string& iso) {
    if (iso.size() >= 16 && iso[10] == 'T') return iso.substr(0, 10) + " " + iso.substr(11, 5);
    if (iso.size() >= 10) return iso.substr(0, 10);
    return t.tr("records.date_unknown");
}

std::string departmentOf(const ScreenContext& context, const backend::Visit& v) {
    if (english(context) && !v.departmentEn.empty()) return v.departmentEn;
    return v.department.empty() ? context.text.tr("records.visit.no_department") : v.department;
}

std::string itemName(const ScreenContext& context, const backend::PaidItem& item) {
    if (english(context) && !item.descriptionEn.empty()) return item.descriptionEn;
    return item.description.empty() ? context.text.tr("records.payment.unnamed_item") : item.description;
}

/// What a payment was for, in one line: the first item, and how many more.
std::string whatFor(const ScreenContext& context, const backend::PastPayment& p) {
    if (p.items.empty()) return context.text.tr("records.payment.unnamed_item");
    std::string out = itemName(context, p.items.front());
    if (p.items.size() > 1) out += context.text.tr("records.payment.more_items", {{"count", std::to_string(p.items.size())}, {"more", std::to_string(p.items.size() - 1)}});
    return out;
}

std::string channelOf(const Translator& t, const std::string& channel) {
    static const std::vector<std::string> kKnown = {"wechat", "alipay", "unionpay", "bankcard", "insurance", "cash"};
    return std::find(kKnown.begin(), kKnown.end(), channel) != kKnown.end() ? t.tr("records.channel." + channel)
                                                                            : t.tr("records.channel.unknown");
}

std::string deskOf(const ScreenContext& context) {
    return english(context) ? context.config.reports.serviceDeskEn : context.config.reports.serviceDeskZh;
}

drivers::ReceiptPrinter* receiptPrinterOf(const drivers::DeviceRegistry& devices) {
    for (const auto& device : devices.all()) {
        if (auto* printer = dynamic_cast<drivers::ReceiptPrinter*>(device.get())) return printer;
    }
    return nullptr;
}

/// Landscape (short screens: large print leaves about 700 pixels under the bars): the buttons
/// stand in a column on the right, so the rows keep the height. The left edge of that column.
float sideColumnX(const Ui& ui) { return ui.layout.contentMin.x + ui.layout.contentWidth() * 0.62F; }

/// Landscape: `groups` stacked in the side column from the bottom of the content up, the first
/// group at the top; a group's buttons share its row. Each row as tall as its labels need.
/// Returns the top of the stack.
float sideColumn(Ui& ui, const std::vector<std::vector<RowButton>>& groups, bool draw) {
    const float gap = ui.theme.gap;
    const float x0 = sideColumnX(ui) + gap;
    const float x1 = ui.layout.contentMax.x;
    std::vector<float> heights;
    float total = 0;
    for (const auto& group : groups) {
        const auto n = static_cast<float>(group.size());
        const float w = (x1 - x0 - gap * (n - 1)) / n;
        float h = ui.theme.buttonHeight;
        for (const auto& b : group) h = std::max(h, labelHeightIn(ui, b.label, w));
        heights.push_back(h);
        total += h + gap;
    }
    const float top = ui.layout.contentMax.y - total + gap;
    if (!draw) return top;
    float y = top;
    for (size_t g = 0; g < groups.size(); ++g) {
        const auto n = static_cast<float>(groups[g].size());
        const float w = (x1 - x0 - gap * (n - 1)) / n;
        for (size_t i = 0; i < groups[g].size(); ++i) {
            ImGui::SetCursorScreenPos(ImVec2(x0 + static_cast<float>(i) * (w + gap), y));
            ui.button(groups[g][i].id, groups[g][i].label, ImVec2(w, heights[g]), groups[g][i].kind);
        }
        y += heights[g] + gap;
    }
    return top;
}

/// Previous and Next as the side column shows them: one row where both labels fit half of it.
std::vector<std::vector<RowButton>> pagingGroups(const Ui& ui, const std::vector<RowButton>& paging) {
    if (paging.size() < 2) return paging.empty() ? std::vector<std::vector<RowButton>>{} : std::vector<std::vector<RowButton>>{paging};
    const float half = (ui.layout.contentMax.x - sideColumnX(ui) - ui.theme.gap * 2) / 2;
    const bool fit = std::all_of(paging.begin(), paging.end(), [&](const RowButton& b) {
        return ui.labelFits(b.label, ImVec2(half, ui.theme.buttonHeight), ui.fonts.body());
    });
    if (fit) return {paging};
    std::vector<std::vector<RowButton>> out;
    for (const auto& b : paging) out.push_back({b});
    return out;
}

/// The screen's title: portrait as every service screen has it; landscape over the left part only
/// (the side column's buttons reach up to the top bar in large print), in the body face where the
/// title face would take two lines.
void recordsTitle(const ScreenContext& context, Ui& ui, std::string_view key) {
    if (ui.layout.portrait) {
        serviceTitle(context, ui, key);
        return;
    }
    const float x0 = ui.layout.contentMin.x;
    const float right = sideColumnX(ui) - ui.theme.gap / 2;
    const std::string text = context.text.tr(key);
    ImFont* face = ui.fonts.title();
    if (ui.measure(text, face, right - x0).y > ui.measure("A", face, right - x0).y * 1.5F) face = ui.fonts.body();
    centeredLine(ui, text, face, ui.theme.colors.text, x0, right, ui.theme.gap / 2);
}

/// The lines of one row of the list, the first in the text colour, the rest muted (a missing
/// diagnosis too: it is said, not left blank).
struct RowLines {
    std::vector<std::string> lines;
};

RowLines visitRow(const ScreenContext& context, const backend::Visit& v) {
    const Translator& t = context.text;
    RowLines row;
    row.lines.push_back(dateTimeOf(t, v.start) + "  " + departmentOf(context, v));
    if (!v.doctor.empty()) row.lines.push_back(t.tr("records.visit.doctor", {{"doctor", v.doctor}}));
    row.lines.push_back(v.diagnosis.empty() ? t.tr("records.visit.no_diagnosis") : t.tr("records.visit.diagnosis", {{"diagnosis", v.diagnosis}}));
    return row;
}

RowLines paymentRow(const ScreenContext& context, const backend::PastPayment& p) {
    const Translator& t = context.text;
    RowLines row;
    row.lines.push_back(dateTimeOf(t, p.created) + "  " + t.tr("records.payment.amount", {{"amount", formatYuan(p.totalFen)}}) + "  " +
                        channelOf(t, p.channel));
    row.lines.push_back(whatFor(context, p));
    row.lines.push_back(p.receiptNo.empty() ? t.tr("records.payment.no_receipt_no") : t.tr("records.payment.receipt_no", {{"number", p.receiptNo}}));
    return row;
}

float rowTextHeight(Ui& ui, const RowLines& row, float width) {
    float h = 0;
    for (const auto& line : row.lines) h += ui.measure(line, ui.fonts.body(), width).y;
    return h;
}

/// The first row of each page: rows in order while they fit `room` (at least one a page, at
/// most RecordsScreen::kMaxRowsPerPage).
std::vector<size_t> pagesOf(const std::vector<float>& heights, float room, float gap) {
    std::vector<size_t> starts{0};
    float used = 0;
    size_t onPage = 0;
    for (size_t i = 0; i < heights.size(); ++i) {
        const bool full = onPage >= RecordsScreen::kMaxRowsPerPage || (onPage > 0 && used + heights[i] > room);
        if (full) {
            starts.push_back(i);
            used = 0;
            onPage = 0;
        }
        used += heights[i] + gap;
        ++onPage;
    }
    return starts;
}

}  // namespace

// ---------------------------------------------------------------- records

void RecordsScreen::onEnter(ScreenContext& context) {
    RecordsFlow& flow = context.services.records();
    const RecordsView view = flow.view();
    // Back from a payment: the same tab and page. From the menu: read it afresh.
    if (view.stage == RecordsStage::list && !view.selectedPayment.empty()) {
        flow.select({});
        return;
    }
    paymentsTab_ = false;
    page_ = 0;
    pageStarts_ = {0};
    flow.start(context.session.identity());
}

Transition RecordsScreen::onEvent(ScreenContext& context, const UiEvent& event) {
    RecordsFlow& flow = context.services.records();
    const auto* pressed = pressedButton(event);
    if (!pressed) return Transition::none();
    const RecordsView view = flow.view();
    if (pressed->id == "records.menu") return Transition::to("menu");
    if (view.stage != RecordsStage::list) return Transition::none();
    if (pressed->id == "records.tab.visits" || pressed->id == "records.tab.payments") {
        const bool payments = pressed->id == "records.tab.payments";
        if (payments != paymentsTab_) {
            paymentsTab_ = payments;
            page_ = 0;
            pageStarts_ = {0};
        }
    }
    if (pressed->id == "records.prev" && page_ > 0) --page_;
    if (pressed->id == "records.next" && page_ + 1 < pageStarts_.size()) ++page_;
    if (pressed->id.starts_with("records.open.")) {
        const size_t index = std::stoul(pressed->id.substr(13));
        if (index < view.payments.size()) {
            flow.select(view.payments[index].id);
            return Transition::to("records.payment");
        }
    }
    return Transition::none();
}

void RecordsScreen::draw(const ScreenContext& context, Ui& ui) const {
    const Layout& l = ui.layout;
    const Palette& c = ui.theme.colors;
    const Translator& t = context.text;
    const RecordsView view = context.services.records().view();
    const float x0 = l.contentMin.x;
    const float x1 = l.contentMax.x;
    const float gap = ui.theme.gap;
    ImFont* body = ui.fonts.body();
    const RowButton menu{"records.menu", t.tr("records.menu"), ButtonKind::secondary};
    recordsTitle(context, ui, "records.title");
    if (view.stage == RecordsStage::idle || view.stage == RecordsStage::loading) {
        drawPatientMessage(context, ui, PatientMessage{"records.loading", false});
        return;
    }
    if (view.stage == RecordsStage::stopped) {
        const std::string key = view.error && view.error->code == Errc::not_found ? "records.error.not_found"
                                : view.error && view.error->messageKey == "records.error.unavailable"
                                    ? "records.error.unavailable"
                                    : "records.error.his";
        drawPatientMessage(context, ui, PatientMessage{key, true}, 0, bottomButtonRowTop(ui, {menu}, x0, x1) - gap - ImGui::GetCursorScreenPos().y);
        bottomButtonRow(ui, {{menu.id, menu.label, ButtonKind::primary}});
        return;
    }
    // Who this is, masked as everywhere (张*三, 110***********1234).
    const bool side = !l.portrait;
    const float right = side ? sideColumnX(ui) - gap / 2 : x1;
    std::string who = t.tr("records.patient.name", {{"name", maskPersonalData(view.name, PersonalField::name)}});
    if (!view.idNumber.empty()) who += "  " + t.tr("records.patient.id", {{"id", maskPersonalData(view.idNumber, PersonalField::id_number)}});
    centeredLine(ui, who, body, c.mutedText, x0, right, l.portrait ? gap : gap / 2);
    if (view.empty()) {
        drawPatientMessage(context, ui, PatientMessage{"records.none", false}, 0,
                           bottomButtonRowTop(ui, {menu}, x0, x1) - gap - ImGui::GetCursorScreenPos().y);
        bottomButtonRow(ui, {{menu.id, menu.label, ButtonKind::primary}});
        return;
    }
    // The two tabs, the chosen one filled: across the top (portrait) or atop the side column.
    const std::vector<RowButton> tabs{
        {"records.tab.visits", t.tr("records.tab.visits", {{"count", std::to_string(view.visits.size())}}),
         paymentsTab_ ? ButtonKind::secondary : ButtonKind::primary},
        {"records.tab.payments", t.tr("records.tab.payments", {{"count", std::to_string(view.payments.size())}}),
         paymentsTab_ ? ButtonKind::primary : ButtonKind::secondary}};
    float rowsTop = ImGui::GetCursorScreenPos().y;
    if (!side) {
        const float tabWidth = (x1 - x0 - gap) / 2;
        float tabHeight = ui.theme.buttonHeight;
        for (const auto& tab : tabs) tabHeight = std::max(tabHeight, labelHeightIn(ui, tab.label, tabWidth));
        for (size_t i = 0; i < tabs.size(); ++i) {
            ImGui::SetCursorScreenPos(ImVec2(x0 + static_cast<float>(i) * (tabWidth + gap), rowsTop));
            ui.button(tabs[i].id, tabs[i].label, ImVec2(tabWidth, tabHeight), tabs[i].kind);
        }
        rowsTop += tabHeight + gap;
    }

    // The rows: payments with a "receipt" button on the right; each row as tall as its lines.
    const size_t count = paymentsTab_ ? view.payments.size() : view.visits.size();
    const std::vector<RowButton> paging{{"records.prev", t.tr("records.prev"), ButtonKind::secondary},
                                        {"records.next", t.tr("records.next"), ButtonKind::secondary}};
    std::vector<RowButton> paged{menu, paging[0], paging[1]};
    const RowButton receipt{"", t.tr("records.receipt"), ButtonKind::secondary};
    const float receiptWidth = std::max(ui.measure(receipt.label, body).x + 60, (right - x0) * (l.portrait ? 0.26F : 0.3F));
    const float textWidth = paymentsTab_ ? right - x0 - receiptWidth - gap : right - x0;
    std::vector<RowLines> rows;
    std::vector<float> heights;
    for (size_t i = 0; i < count; ++i) {
        rows.push_back(paymentsTab_ ? paymentRow(context, view.payments[i]) : visitRow(context, view.visits[i]));
        float h = rowTextHeight(ui, rows.back(), textWidth);
        if (paymentsTab_) h = std::max(h, labelHeightIn(ui, receipt.label, receiptWidth));
        heights.push_back(h);
    }
    float rowsBottom = side ? l.contentMax.y : bottomButtonRowTop(ui, {menu}, x0, x1) - gap;
    pageStarts_ = pagesOf(heights, rowsBottom - rowsTop, gap);
    if (pageStarts_.size() > 1 && !side) {
        // Paged: previous / next may need a row of their own (large print, English).
        rowsBottom = bottomButtonRowTop(ui, paged, x0, x1) - gap;
        pageStarts_ = pagesOf(heights, rowsBottom - rowsTop, gap);
    }
    const size_t page = std::min(page_, pageStarts_.size() - 1);
    const size_t first = pageStarts_[page];
    const size_t end = page + 1 < pageStarts_.size() ? pageStarts_[page + 1] : count;
    if (count == 0) {
        ImGui::SetCursorScreenPos(ImVec2(x0, rowsTop));
        drawPatientMessage(context, ui, PatientMessage{paymentsTab_ ? "records.no_payments" : "records.no_visits", false}, right - x0,
                           rowsBottom - rowsTop);
    }
    auto* list = ImGui::GetWindowDrawList();
    float y = rowsTop;
    for (size_t i = first; i < end; ++i) {
        float ly = y;
        for (size_t n = 0; n < rows[i].lines.size(); ++n) {
            const std::string& line = rows[i].lines[n];
            ui.textAt(ImVec2(x0, ly), line, body, n == 0 ? c.text : c.mutedText, textWidth);
            ly += ui.measure(line, body, textWidth).y;
        }
        if (paymentsTab_) {
            ImGui::SetCursorScreenPos(ImVec2(right - receiptWidth, y));
            ui.button("records.open." + std::to_string(i), receipt.label, ImVec2(receiptWidth, heights[i]), ButtonKind::secondary);
        }
        y += heights[i] + gap;
        if (i + 1 < end) list->AddLine(ImVec2(x0, y - gap / 2), ImVec2(right, y - gap / 2), c.secondary, 2.0F);
    }
    std::vector<RowButton> shownPaging;
    if (pageStarts_.size() > 1) {
        if (page > 0) shownPaging.push_back(paging[0]);
        if (page + 1 < pageStarts_.size()) shownPaging.push_back(paging[1]);
    }
    if (side) {
        std::vector<std::vector<RowButton>> groups{{tabs[0]}, {tabs[1]}};
        for (auto& g : pagingGroups(ui, shownPaging)) groups.push_back(std::move(g));
        groups.push_back({menu});
        sideColumn(ui, groups, true);
        return;
    }
    std::vector<RowButton> buttons{menu};
    if (pageStarts_.size() > 1) {
        buttons.insert(buttons.end(), shownPaging.begin(), shownPaging.end());
        // The page in words above the buttons' row, for whoever does not see the buttons change.
        const std::string where = t.tr("records.page", {{"page", std::to_string(page + 1)}, {"pages", std::to_string(pageStarts_.size())}});
        const float top = bottomButtonRowTop(ui, paged, x0, x1);
        if (top - y >= ui.fonts.bodySize() * 1.3F) {
            ImGui::SetCursorScreenPos(ImVec2(x0, top - gap / 2 - ui.measure(where, body, x1 - x0).y));
            centeredLine(ui, where, body, c.mutedText, x0, x1, 0);
        }
    }
    bottomButtonRow(ui, buttons);
}

// ---------------------------------------------------------------- records.payment

void RecordsPaymentScreen::onEnter(ScreenContext& context) {
    reprint_ = Reprint::none;
    messageKey_.clear();
    printTag_.clear();
    reprintsDone_ = 0;
    const RecordsView view = context.services.records().view();
    if (const backend::PastPayment* p = view.findPayment(view.selectedPayment)) {
        if (auto done = context.services.records().reprints(*p)) reprintsDone_ = *done;
    }
}

Transition RecordsPaymentScreen::onEvent(ScreenContext& context, const UiEvent& event) {
    RecordsFlow& flow = context.services.records();
    const RecordsView view = flow.view();
    const backend::PastPayment* payment = view.findPayment(view.selectedPayment);
    if (const auto* printed = std::get_if<PrintFinished>(&event)) {
        if (printed->document != printTag_ || !payment) return Transition::none();
        drivers::ReceiptPrinter* printer = receiptPrinterOf(context.devices);
        const std::string device = printer ? printer->name() : "";
        if (printed->outcome) {
            flow.recordReprint(*payment, device, "success", "");
            reprint_ = Reprint::printed;
            ++reprintsDone_;
        } else {
            flow.recordReprint(*payment, device, "failed", printed->outcome.error().detail);
            reprint_ = Reprint::failed;
            messageKey_ = printed->outcome.error().messageKey;
            logger()->warn("receipt reprint of {} not printed: {}", payment->id, printed->outcome.error().describe());
        }
        return Transition::none();
    }
    const auto* pressed = pressedButton(event);
    if (!pressed) return Transition::none();
    if (pressed->id == "records.back" && reprint_ != Reprint::printing) return Transition::to("records");
    if (pressed->id == "records.reprint" && payment && reprint_ != Reprint::printing) {
        if (auto allowed = flow.checkReprint(*payment); !allowed) {
            reprint_ = Reprint::refused;
            messageKey_ = allowed.error().messageKey;
            logger()->info("receipt reprint of {} refused: {}", payment->id, allowed.error().detail);
            return Transition::none();
        }
        printing::PaymentReceiptData data;
        data.header = printing::slipHeader(context.config, context.text.language(), context.clock.wallNow(), RecordsFlow::receiptDocumentId(*payment));
        data.patientName = view.name;
        data.cardNumber = !view.cardNumber.empty() ? view.cardNumber : view.idNumber;
        for (const auto& item : payment->items) data.lines.push_back({itemName(context, item), formatYuan(item.amountFen)});
        data.total = formatYuan(payment->totalFen);
        data.insurancePart = formatYuan(payment->insuranceFen);
        data.selfPart = formatYuan(payment->cashFen);
        data.channel = channelOf(context.text, payment->channel);
        data.tradeNo = payment->tradeNo.empty() ? payment->id : payment->tradeNo;
        data.reprint = true;
        data.paidAt = dateTimeOf(context.text, payment->created);
        data.receiptNo = payment->receiptNo;
        reprint_ = Reprint::printing;
        messageKey_.clear();
        printTag_ = "receipt-reprint:" + payment->id + ":" + std::to_string(reprintsDone_ + 1);
        logger()->info("receipt reprint of {} sent", payment->id);
        printOnReceiptPrinter(context, printTag_, printing::paymentReceipt(context.text, data));
    }
    return Transition::none();
}

void RecordsPaymentScreen::draw(const ScreenContext& context, Ui& ui) const {
    const Layout& l = ui.layout;
    const Palette& c = ui.theme.colors;
    const Translator& t = context.text;
    const RecordsView view = context.services.records().view();
    const backend::PastPayment* p = view.findPayment(view.selectedPayment);
    const float x0 = l.contentMin.x;
    const float x1 = l.contentMax.x;
    const float gap = ui.theme.gap;
    ImFont* body = ui.fonts.body();
    recordsTitle(context, ui, "records.payment.title");
    const RowButton back{"records.back", t.tr("records.back"), ButtonKind::secondary};
    if (!p) {
        bottomButtonRow(ui, {{back.id, back.label, ButtonKind::primary}});
        return;
    }
    const bool havePrinter = receiptPrinterOf(context.devices) != nullptr;
    std::vector<RowButton> buttons{back};
    if (havePrinter && reprint_ != Reprint::printing && reprint_ != Reprint::refused) {
        buttons.push_back({"records.reprint", t.tr("records.reprint"), ButtonKind::primary});
    }
    // The message above the buttons: the reprint's outcome, or why there is no reprint here.
    std::string message;
    ImU32 ink = c.mutedText;
    switch (reprint_) {
        case Reprint::printing: message = t.tr("records.reprint.printing"); break;
        case Reprint::printed:
            message = t.tr("records.reprint.done");
            ink = c.success;
            break;
        case Reprint::failed:
            message = t.tr("records.reprint.failed", {{"why", messageKey_.empty() ? std::string() : t.tr(messageKey_, {{"desk", deskOf(context)}})}});
            ink = c.alert;
            break;
        case Reprint::refused:
            message = messageKey_ == "records.reprint.limit"
                          ? t.tr("records.reprint.limit", {{"count", std::to_string(reprintsDone_)}, {"desk", deskOf(context)}})
                          : t.tr("records.reprint.unavailable", {{"desk", deskOf(context)}});
            ink = c.alert;
            break;
        case Reprint::none:
            if (!havePrinter) {
                message = t.tr("records.reprint.no_printer", {{"desk", deskOf(context)}});
                ink = c.alert;
            }
            break;
    }
    // Landscape: the buttons in the side column, the facts and the message beside them.
    const bool side = !l.portrait;
    const float right = side ? sideColumnX(ui) - gap / 2 : x1;
    // Landscape: the message in the side column above the buttons where it fits there (the facts
    // keep the left part), else beneath the facts.
    std::vector<std::vector<RowButton>> groups;
    for (const auto& b : buttons) groups.push_back({b});  // the main one at the bottom, as the reports screens have it
    const float sideX = sideColumnX(ui) + gap;
    const float sideMessageTop = side && !message.empty() ? sideColumn(ui, groups, false) - gap - ui.measure(message, body, x1 - sideX).y : 0;
    const bool messageAside = side && !message.empty() && sideMessageTop >= l.contentMin.y + gap;
    const float buttonsTop = side ? l.contentMax.y + gap : bottomButtonRowTop(ui, buttons, x0, x1);
    const float messageHeight = message.empty() || messageAside ? 0 : ui.measure(message, body, right - x0).y + gap;
    const float bottom = buttonsTop - gap - messageHeight;

    // The facts, label: value, one to a line; then what it paid for, as far as the room goes.
    std::vector<std::pair<std::string, ImU32>> lines{
        {t.tr("records.payment.paid_at", {{"time", dateTimeOf(t, p->created)}}), c.text},
        {t.tr("records.payment.total", {{"amount", formatYuan(p->totalFen)}}), c.text},
        {t.tr("records.payment.split", {{"insurance", formatYuan(p->insuranceFen)}, {"cash", formatYuan(p->cashFen)}}), c.mutedText},
        {t.tr("records.payment.channel", {{"channel", channelOf(t, p->channel)}}), c.mutedText},
        {p->receiptNo.empty() ? t.tr("records.payment.no_receipt_no") : t.tr("records.payment.receipt_no", {{"number", p->receiptNo}}),
         c.mutedText},
        {t.tr("records.payment.items"), c.text}};
    for (const auto& item : p->items) lines.push_back({"  " + itemName(context, item) + "  " + formatYuan(item.amountFen), c.mutedText});
    if (reprintsDone_ > 0) {
        lines.push_back({t.tr("records.payment.reprinted", {{"count", std::to_string(reprintsDone_)}, {"limit", std::to_string(context.services.records().reprintLimit())}}),
                         c.mutedText});
    }
    float y = ImGui::GetCursorScreenPos().y;
    for (const auto& [line, color] : lines) {
        const float h = ui.measure(line, body, right - x0).y;
        if (y + h > bottom) break;  // what does not fit is on the printed receipt
        ui.textAt(ImVec2(x0, y), line, body, color, right - x0);
        y += h + (l.portrait ? 8 : 2);
    }
    if (messageAside) {
        ui.textAt(ImVec2(sideX, sideMessageTop), message, body, ink, x1 - sideX);
    } else if (!message.empty()) {
        ui.textAt(ImVec2(x0, buttonsTop - gap - messageHeight + gap / 2), message, body, ink, right - x0);
    }
    if (side) {
        sideColumn(ui, groups, true);
        return;
    }
    bottomButtonRow(ui, buttons);
}

}  // namespace kiosk::screens
