#include "screens/diagnostics/payments_screen.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "kiosk/core/log.hpp"
#include "kiosk/core/technician_access.hpp"
#include "printing/document.hpp"
#include "screens/diagnostics/backend_links.hpp"
#include "screens/diagnostics/technician_kit.hpp"
#include "screens/payment/payment_flow.hpp"
#include "screens/payment/payment_screens.hpp"
#include "screens/services.hpp"

namespace kiosk::screens {

namespace {

constexpr std::string_view kReconcileWake = "payments:reconciled";
constexpr std::string_view kPrintTag = "technician:reconciliation";

std::shared_ptr<spdlog::logger> logger() { return log::module("diagnostics"); }

/// Days since 1970-01-01 of a civil date (Howard Hinnant's days_from_civil).
int64_t daysFromCivil(int64_t y, int64_t m, int64_t d) {
    y -= m <= 2 ? 1 : 0;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int64_t secondsOf(int year, int month, int day, int hour, int minute, int second) {
    return daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
}

/// Minutes from an order's `created` (yyyyMMddHHmmss, hospital time) to `now`; -1 if unreadable.
int64_t ageMinutes(const std::string& created, const WallTime& now) {
    if (created.size() != 14) return -1;
    auto field = [&](size_t at, size_t length) { return std::stoi(created.substr(at, length)); };
    try {
        const int64_t then = secondsOf(field(0, 4), field(4, 2), field(6, 2), field(8, 2), field(10, 2), field(12, 2));
        return std::max<int64_t>(0, (secondsOf(now.year, now.month, now.day, now.hour, now.minute, now.second) - then) / 60);
    } catch (const std::exception&) {
        return -1;
    }
}

std::string ageText(const ScreenContext& context, int64_t minutes) {
    if (minutes < 0) return "?";
    if (minutes < 60) return context.text.tr("tech.payments.age.minutes", {{"minutes", std::to_string(minutes)}});
    if (minutes < 48 * 60) return context.text.tr("tech.payments.age.hours", {{"hours", std::to_string(minutes / 60)}});
    return context.text.tr("tech.payments.age.days", {{"days", std::to_string(minutes / (24 * 60))}});
}

std::string stateText(const ScreenContext& context, payments::SagaState state) {
    if (state == payments::SagaState::manual) return context.text.tr("tech.payments.state.manual");
    if (state == payments::SagaState::unknown) return context.text.tr("tech.payments.state.unknown");
    return context.text.tr("tech.payments.state.pending");
}

/// A HIS patient id with only its first 3 and last 2 characters: enough for the help desk to
/// match a patient who comes back with the voucher, nothing to recognise them by on the screen.
std::string maskedPatient(const std::string& patientId) {
    if (patientId.size() <= 6) return "****";
    return patientId.substr(0, 3) + "****" + patientId.substr(patientId.size() - 2);
}

/// "TEST01-20261201-1921000001 · 结果未知 · ¥12.50"
std::string orderLine(const ScreenContext& context, const payments::PaymentOrder& order) {
    return context.text.tr("tech.payments.order", {{"order", order.orderId},
                                                   {"amount", formatYuan(order.totalFen > 0 ? order.totalFen : order.amountFen)},
                                                   {"state", stateText(context, order.state)}});
}

/// "患者 pat****an · 15 分钟前"
std::string patientLine(const ScreenContext& context, const payments::PaymentOrder& order, const WallTime& now) {
    return context.text.tr("tech.payments.patient",
                           {{"patient", maskedPatient(order.patientId)}, {"age", ageText(context, ageMinutes(order.created, now))}});
}

std::string actionLine(const ScreenContext& context, const payments::PaymentOrder& order) {
    if (order.state == payments::SagaState::manual) {
        return context.text.tr("tech.payments.action.manual", {{"reason", order.reason.empty() ? "-" : order.reason}});
    }
    return context.text.tr("tech.payments.action.requery");
}

std::vector<std::string> summaryLines(const ScreenContext& context, const std::optional<Result<payments::Reconciliation>>& result,
                                      const std::string& today) {
    if (!result) return {context.text.tr("tech.payments.reconcile.running", {{"date", today}})};
    if (!*result) return {context.text.tr("tech.payments.reconcile.failed", {{"date", today}, {"detail", result->error().detail}})};
    const payments::Reconciliation& r = **result;
    std::vector<std::string> lines;
    lines.push_back(context.text.tr("tech.payments.reconcile.title",
                                    {{"date", r.date}, {"orders", std::to_string(r.journalOrders)},
                                     {"differences", std::to_string(r.oneSided.size())}}));
    lines.push_back(context.text.tr("tech.payments.reconcile.gateway",
                                    {{"matched", std::to_string(r.gatewayMatched)}, {"orders", std::to_string(r.gatewayOrders)},
                                     {"amount", formatYuan(r.gatewayMatchedFen)}}));
    lines.push_back(r.insuranceChecked
                        ? context.text.tr("tech.payments.reconcile.insurance",
                                          {{"matched", std::to_string(r.insuranceMatched)},
                                           {"settlements", std::to_string(r.insuranceSettlements)},
                                           {"amount", formatYuan(r.insuranceMatchedFen)}})
                        : context.text.tr("tech.payments.reconcile.no_insurance"));
    lines.push_back(context.text.tr("tech.payments.reconcile.his_card",
                                    {{"his_matched", std::to_string(r.hisMatched)}, {"his_checked", std::to_string(r.hisChecked)},
                                     {"card_matched", std::to_string(r.cardMatched)}, {"card", std::to_string(r.cardSettlements)}}));
    return lines;
}

}  // namespace

void PaymentsScreen::reloadOrders(const ScreenContext& context) {
    orders_.clear();
    ordersError_.clear();
    const TechnicianLinks* links = context.technicianLinks;
    if (!links || !links->journal) return;
    // The UI thread's own journal connection: the desk's connection belongs to its workers.
    auto saga = payments::SagaJournal::attach(*links->journal, context.config.kioskId);
    auto unsettled = saga ? saga->unsettled() : Result<std::vector<payments::PaymentOrder>>(std::unexpected(saga.error()));
    if (!unsettled) {
        ordersError_ = unsettled.error().detail;
        logger()->warn("payment journal not readable for the technician: {}", ordersError_);
        return;
    }
    orders_ = std::move(*unsettled);
}

void PaymentsScreen::reconcile(ScreenContext& context) {
    reconciliation_.reset();
    const TechnicianLinks* links = context.technicianLinks;
    if (!links || !links->desk) return;
    inbox_ = std::make_shared<std::pair<std::mutex, std::optional<Result<payments::Reconciliation>>>>();
    auto post = context.post;
    context.tasks.post([desk = links->desk, inbox = inbox_, date = today_, post] {
        auto result = payments::reconcileDay(*desk, date);
        {
            std::lock_guard lock(inbox->first);
            inbox->second = std::move(result);
        }
        post(SelfTestFinished{std::string(kReconcileWake), std::string("done")});
    });
}

void PaymentsScreen::onEnter(ScreenContext& context) {
    leaveReason_ = "timed_out";
    printStatusKey_.clear();
    requerying_ = false;
    const WallTime now = context.timeZone.at(context.clock.wallNow());
    today_ = fmt::format("{:04}-{:02}-{:02}", now.year, now.month, now.day);
    if (context.technician) context.technician->audit("payments_opened");
    reloadOrders(context);
    reconcile(context);
}

void PaymentsScreen::onExit(ScreenContext& context) { endTechnicianVisitUnlessTab(context, leaveReason_); }

Transition PaymentsScreen::onEvent(ScreenContext& context, const UiEvent& event) {
    if (const auto* woke = std::get_if<SelfTestFinished>(&event); woke && woke->device == kReconcileWake && inbox_) {
        std::lock_guard lock(inbox_->first);
        if (inbox_->second) reconciliation_ = std::move(inbox_->second);
        return Transition::none();
    }
    if (std::holds_alternative<PaymentsRecovered>(event)) {
        requerying_ = false;
        reloadOrders(context);
        return Transition::none();
    }
    if (const auto* printed = std::get_if<PrintFinished>(&event); printed && printed->document == kPrintTag) {
        printStatusKey_ = printed->outcome ? "tech.payments.print.done" : "tech.payments.print.failed";
        return Transition::none();
    }
    const auto* pressed = std::get_if<ButtonPressed>(&event);
    if (!pressed) return Transition::none();
    if (auto moved = technicianNavigation(*pressed, "tech.payments.back", leaveReason_)) return *moved;
    if (pressed->id == "tech.payments.requery" && !requerying_) {
        // The desk's own recovery (under its lock, as between patients): every unsettled order
        // is queried at the gateway / centre / HIS and finished or left for a person.
        if (context.technician) context.technician->audit("payments_requery");
        requerying_ = true;
        context.services.payment().recoverPending();
    } else if (pressed->id == "tech.payments.print" && reconciliation_ && *reconciliation_) {
        if (context.technician) context.technician->audit("reconciliation_printed " + today_);
        printing::Document document;
        document.id = "reconcile-" + today_;
        document.kind = "reconciliation_summary";
        document.text(context.text.tr("tech.payments.print.title"), printing::Align::center, 1, true);
        document.text(context.text.tr("diag.kiosk_id") + ": " + context.config.kioskId);
        document.rule();
        for (const auto& line : summaryLines(context, reconciliation_, today_)) document.text(line);
        for (const auto& record : (**reconciliation_).oneSided) {
            document.text(fmt::format("{} {} {} {}", record.source, record.orderId, formatYuan(record.amountFen), record.action));
        }
        document.rule();
        document.text(context.text.tr("tech.payments.print.open", {{"count", std::to_string(orders_.size())}}));
        document.cut();
        printStatusKey_ = "tech.payments.print.printing";
        printOnReceiptPrinter(context, std::string(kPrintTag), std::move(document));
    } else if (pressed->id == "tech.payments.reconcile") {
        reconcile(context);
    }
    return Transition::none();
}

void PaymentsScreen::draw(const ScreenContext& context, Ui& ui) const {
    const Palette& c = ui.theme.colors;
    const Layout& layout = ui.layout;
    drawTechnicianTabs(context, ui, id());
    float top = ImGui::GetCursorScreenPos().y;
    std::vector<std::pair<std::string, std::string>> actions;
    const bool haveDesk = context.technicianLinks && context.technicianLinks->desk;
    if (haveDesk) {
        actions.emplace_back("tech.payments.requery", context.text.tr(requerying_ ? "tech.payments.requerying" : "tech.payments.requery"));
        actions.emplace_back(reconciliation_ && *reconciliation_ ? "tech.payments.print" : "tech.payments.reconcile",
                             context.text.tr(reconciliation_ && *reconciliation_ ? "tech.payments.print" : "tech.payments.reconcile"));
    }
    const float footer = drawTechnicianFooter(context, ui, "tech.payments.back", actions);
    const float x0 = layout.contentMin.x;
    const float width = layout.contentMax.x - x0;
    const float lineHeight = technicianLineHeight(ui);
    if (!haveDesk) {
        ImGui::SetCursorScreenPos(ImVec2(x0, top));
        ui.paragraph(context.text.tr("tech.payments.no_desk"), ui.fonts.body(), c.mutedText);
        return;
    }
    // Today's summary: a panel of its lines (one line each, cut with "…"), and the print status.
    std::vector<std::string> summary = summaryLines(context, reconciliation_, today_);
    // Where the whole summary would leave no room for one order and the pager (landscape, large
    // print), only its first line (the day, the orders, the differences) is shown; the printed
    // summary has it all.
    const float orderRow = 16 + 3 * lineHeight;
    const float room = footer - ui.theme.gap - top;
    if (!orders_.empty() && 16 + lineHeight * static_cast<float>(summary.size() + 1) + 8 + ui.theme.gap + orderRow + ui.theme.gap + ui.theme.buttonHeight > room) {
        summary.resize(1);
    }
    if (!printStatusKey_.empty()) summary.push_back(context.text.tr(printStatusKey_));
    const float summaryHeight = 16 + lineHeight * static_cast<float>(summary.size()) + 8;
    ImGui::GetWindowDrawList()->AddRectFilled(ImVec2(x0, top), ImVec2(x0 + width, top + summaryHeight), c.panel, ui.theme.rounding);
    float y = top + 12;
    for (size_t i = 0; i < summary.size(); ++i) {
        const bool bad = reconciliation_ && (!*reconciliation_ || (i == 0 && !(**reconciliation_).clean()));
        ui.textAt(ImVec2(x0 + 24, y), oneLine(ui, summary[i], width - 48, ui.fonts.body()), ui.fonts.body(),
                  bad ? c.alert : (i == 0 ? c.text : c.mutedText));
        y += lineHeight;
    }
    top += summaryHeight + ui.theme.gap;
    if (!ordersError_.empty() || orders_.empty()) {
        ImGui::SetCursorScreenPos(ImVec2(x0, top));
        ui.paragraph(ordersError_.empty() ? context.text.tr("tech.payments.none")
                                          : context.text.tr("tech.payments.unreadable", {{"detail", ordersError_}}),
                     ui.fonts.body(), ordersError_.empty() ? c.success : c.alert);
        return;
    }
    const WallTime now = context.timeZone.at(context.clock.wallNow());
    const float pad = 8;
    ui.pagedList("tech.payments", orders_.size(), ImVec2(x0, top), ImVec2(width, footer - ui.theme.gap - top), 2 * pad + 3 * lineHeight,
                 [&](size_t index, ImVec2 at, ImVec2 size) {
                     const auto& order = orders_[index];
                     const bool manual = order.state == payments::SagaState::manual;
                     ImGui::GetWindowDrawList()->AddRectFilled(at, ImVec2(at.x + size.x, at.y + size.y), manual ? c.alertSoft : c.panel,
                                                               ui.theme.rounding);
                     ui.textAt(ImVec2(at.x + 16, at.y + pad), oneLine(ui, orderLine(context, order), size.x - 32, ui.fonts.body()),
                               ui.fonts.body(), manual ? c.alert : c.text);
                     ui.textAt(ImVec2(at.x + 16, at.y + pad + lineHeight),
                               oneLine(ui, patientLine(context, order, now), size.x - 32, ui.fonts.body()), ui.fonts.body(), c.text);
                     ui.textAt(ImVec2(at.x + 16, at.y + pad + 2 * lineHeight),
                               oneLine(ui, actionLine(context, order), size.x - 32, ui.fonts.body()), ui.fonts.body(), c.mutedText);
                 });
}

}  // namespace kiosk::screens
