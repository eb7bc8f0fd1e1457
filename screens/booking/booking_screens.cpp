#include "screens/booking/booking_screens.hpp"
#include "screens/service_screen_kit.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <chrono>
#include <cmath>

#include "kiosk/core/log.hpp"
#include "kiosk/core/mask.hpp"
#include "printing/bitmap.hpp"
#include "printing/templates.hpp"
#include "screens/booking/booking_flow.hpp"
#include "screens/payment/payment_screens.hpp"

namespace kiosk::screens {

namespace {

auto logger() { return log::module("bookscreen"); }

/// Elder mode: no list offers more than six choices at once.
constexpr size_t kPerPage = 6;

const ButtonPressed* pressedButton(const UiEvent& event) { return std::get_if<ButtonPressed>(&event); }

BookingFlow& flowOf(ScreenContext& context) { return context.services.booking(); }
BookingView viewOf(const ScreenContext& context) { return context.services.booking().view(); }

/// The screen's title (already translated), centred. In landscape a title that would take two
/// lines, or any title in large print when `compact` (the screen needs the height), is set in the
/// body face: as serviceTitle, a second title line would push the content under the buttons.
void titleText(Ui& ui, const std::string& text, bool compact = false) {
    // Landscape: no extra space around the title (as serviceTitle: the item spacing is enough).
    if (ui.layout.portrait) ui.space(28);
    ImFont* face = ui.fonts.title();
    const float width = ui.layout.contentWidth();
    if (!ui.layout.portrait && ((compact && ui.theme.elder) || ui.measure(text, face, width).y > ui.measure("A", face, width).y * 1.5F)) {
        face = ui.fonts.body();
    }
    ui.centered(text, face, ui.theme.colors.text, ui.layout.contentMin.x, ui.layout.contentMax.x);
    if (ui.layout.portrait) ui.space(20);
}
void title(const ScreenContext& context, Ui& ui, std::string_view key) { titleText(ui, context.text.tr(key)); }

/// "11-23" from a date or a date-time.
std::string monthDayOf(const std::string& iso) { return iso.size() >= 10 ? iso.substr(5, 5) : iso; }

/// The patient message for a step that stopped (nothing was charged).
PatientMessage stoppedMessage(const BookingView& view) {
    if (!view.error) return {"booking.error.generic", true};
    const Error& error = *view.error;
    if (error.messageKey == "booking.error.blocked") {
        return {"booking.error.blocked", true, {}, {{"date", view.noticeKey}}};
    }
    if (error.messageKey.starts_with("booking.")) return {error.messageKey, true};
    switch (error.code) {
        case Errc::not_found: return {"booking.error.patient_not_found", true};
        case Errc::blocked: return {"booking.error.blocked_plain", true};
        case Errc::rejected: return {"booking.error.refused", true};
        case Errc::backend_unavailable:
        case Errc::timeout: return {"booking.error.unavailable", true};
        case Errc::unknown_outcome: return {"booking.error.unknown", true};
        default: return {"booking.error.generic", true};
    }
}

/// Buttons in a grid of `columns` from the cursor down to `bottom`, each row as tall as fits (at
/// least one touch target); returns nothing (presses are events).
struct Choice {
    std::string id;
    std::string label;
    ButtonKind kind = ButtonKind::secondary;
};
void choiceGrid(Ui& ui, const std::vector<Choice>& choices, int columns, float bottom, float maxRowHeight = 0, float x0 = 0,
                float x1 = 0) {
    if (choices.empty()) return;
    const Layout& l = ui.layout;
    const float gap = ui.theme.gap;
    if (x1 <= x0) {
        x0 = l.contentMin.x;
        x1 = l.contentMax.x;
    }
    const float width = (x1 - x0 - gap * static_cast<float>(columns - 1)) / static_cast<float>(columns);
    const float top = ImGui::GetCursorScreenPos().y;
    const auto rows = static_cast<float>((choices.size() + static_cast<size_t>(columns) - 1) / static_cast<size_t>(columns));
    float height = std::max(ui.theme.buttonHeight, (bottom - top - gap * (rows - 1)) / rows);
    height = std::min(height, maxRowHeight > 0 ? maxRowHeight : ui.theme.buttonHeight * 1.5F);
    ImFont* face = ui.fonts.body();
    for (size_t i = 0; i < choices.size(); ++i) {
        const auto column = static_cast<float>(i % static_cast<size_t>(columns));
        const auto row = static_cast<float>(i / static_cast<size_t>(columns));
        ImGui::SetCursorScreenPos(ImVec2(x0 + column * (width + gap), top + row * (height + gap)));
        ui.button(choices[i].id, choices[i].label, ImVec2(width, height), choices[i].kind, face);
    }
    ImGui::SetCursorScreenPos(ImVec2(x0, top + rows * (height + gap)));
}

/// The buttons of the bottom row: back on the left, then previous / next page when there are
/// more pages, then any extra button on the right.
std::vector<Choice> bottomChoices(const ScreenContext& context, std::string_view backId, size_t page, size_t pages,
                                  const std::vector<Choice>& extra) {
    std::vector<Choice> row{{std::string(backId), context.text.tr("common.back"), ButtonKind::secondary}};
    if (pages > 1) {
        if (page > 0) row.push_back({"book.page.previous", context.text.tr("booking.page.previous"), ButtonKind::secondary});
        if (page + 1 < pages) row.push_back({"book.page.next", context.text.tr("booking.page.next"), ButtonKind::secondary});
    }
    row.insert(row.end(), extra.begin(), extra.end());
    return row;
}

/// Width each label needs on a button (the touch target at least).
std::vector<float> neededWidths(Ui& ui, const std::vector<Choice>& row) {
    std::vector<float> needed;
    for (const Choice& choice : row) needed.push_back(std::max(ui.theme.minTarget, ui.measure(choice.label, ui.fonts.body()).x + 56));
    return needed;
}

/// True when the buttons' labels fit side by side across [x0, x1].
bool fitsInOneRow(Ui& ui, const std::vector<Choice>& row, float x0, float x1) {
    const std::vector<float> needed = neededWidths(ui, row);
    const float room = x1 - x0 - ui.theme.gap * static_cast<float>(row.size() - 1);
    return std::accumulate(needed.begin(), needed.end(), 0.0F) <= room;
}

/// The top of the buttons bottomRow() draws across [x0, x1]: one row, or one button a row where
/// the labels do not fit side by side (large print in a landscape side column).
float bottomRowTop(Ui& ui, const std::vector<Choice>& row, float x0, float x1) {
    const float rows = fitsInOneRow(ui, row, x0, x1) ? 1.0F : static_cast<float>(row.size());
    return ui.layout.contentMax.y - rows * ui.theme.buttonHeight - (rows - 1) * ui.theme.gap;
}

/// The bottom row across [x0, x1] (the whole width by default; a landscape screen with a side
/// column puts it under that column, so the details keep the full height). Equal widths where
/// every label fits; otherwise each button as wide as its label needs and the rest shared out
/// (elder mode: "拼音查找" beside "返回"); where even that is too wide, one button a row, the
/// last (the primary one) at the bottom.
void bottomRow(Ui& ui, const std::vector<Choice>& row, float x0, float x1) {
    const float gap = ui.theme.gap;
    const auto count = static_cast<float>(row.size());
    ImFont* face = ui.fonts.body();
    const float top = bottomRowTop(ui, row, x0, x1);
    if (!fitsInOneRow(ui, row, x0, x1)) {
        for (size_t i = 0; i < row.size(); ++i) {
            ImGui::SetCursorScreenPos(ImVec2(x0, top + static_cast<float>(i) * (ui.theme.buttonHeight + gap)));
            ui.button(row[i].id, row[i].label, ImVec2(x1 - x0, ui.theme.buttonHeight), row[i].kind, face);
        }
        return;
    }
    const float room = x1 - x0 - gap * (count - 1);
    const std::vector<float> needed = neededWidths(ui, row);
    std::vector<float> widths(row.size(), room / count);
    const float neededTotal = std::accumulate(needed.begin(), needed.end(), 0.0F);
    const bool equalFits = std::all_of(needed.begin(), needed.end(), [&](float n) { return n <= room / count; });
    if (!equalFits) {
        for (size_t i = 0; i < row.size(); ++i) widths[i] = needed[i] + (room - neededTotal) / count;
    }
    float x = x0;
    for (size_t i = 0; i < row.size(); ++i) {
        ImGui::SetCursorScreenPos(ImVec2(x, top));
        ui.button(row[i].id, row[i].label, ImVec2(widths[i], ui.theme.buttonHeight), row[i].kind, face);
        x += widths[i] + gap;
    }
}

/// True when `row` stacked one button a row fits between `top` and the content's bottom.
bool railStacks(const Ui& ui, const std::vector<Choice>& row, float top) {
    const auto count = static_cast<float>(row.size());
    return count * ui.theme.buttonHeight + (count - 1) * ui.theme.gap <= ui.layout.contentMax.y - top;
}

/// The width of a side rail holding `row` (bottomChoices(): back, then the page buttons) from
/// `top` down: one button a row where they fit, else back on the bottom row and the others side
/// by side above it; at least a fifth of the content width.
float railWidth(Ui& ui, const std::vector<Choice>& row, float top) {
    const std::vector<float> needed = neededWidths(ui, row);
    if (railStacks(ui, row, top)) return std::max(ui.layout.contentWidth() * 0.2F, *std::max_element(needed.begin(), needed.end()));
    float pages = 0;
    for (size_t i = 1; i < needed.size(); ++i) pages += needed[i] + (i > 1 ? ui.theme.gap : 0.0F);
    return std::max({ui.layout.contentWidth() * 0.2F, needed.front(), pages});
}

/// Landscape large print: the bottom row as a rail on the right, [x0, content's right edge],
/// from the content's bottom up to `top` at most: back at the bottom (where the bottom row had
/// it), the page buttons above it, one a row (next under previous) where they fit, else side by
/// side (previous on the left, next on the right).
void sideRail(Ui& ui, const std::vector<Choice>& row, float x0, float top) {
    const Layout& l = ui.layout;
    const float height = ui.theme.buttonHeight;
    const float width = l.contentMax.x - x0;
    ImFont* face = ui.fonts.body();
    ImGui::SetCursorScreenPos(ImVec2(x0, l.contentMax.y - height));
    ui.button(row.front().id, row.front().label, ImVec2(width, height), row.front().kind, face);
    if (row.size() < 2) return;
    const std::vector<Choice> above(row.begin() + 1, row.end());
    const float aboveTop = l.contentMax.y - 2 * height - ui.theme.gap;
    if (railStacks(ui, row, top)) {
        for (size_t i = 0; i < above.size(); ++i) {
            const auto fromBack = static_cast<float>(above.size() - i);
            ImGui::SetCursorScreenPos(ImVec2(x0, l.contentMax.y - height - fromBack * (height + ui.theme.gap)));
            ui.button(above[i].id, above[i].label, ImVec2(width, height), above[i].kind, face);
        }
        return;
    }
    const auto count = static_cast<float>(above.size());
    const float share = (width - ui.theme.gap * (count - 1)) / count;
    for (size_t i = 0; i < above.size(); ++i) {
        ImGui::SetCursorScreenPos(ImVec2(x0 + static_cast<float>(i) * (share + ui.theme.gap), aboveTop));
        ui.button(above[i].id, above[i].label, ImVec2(share, height), above[i].kind, face);
    }
}

void bottomRow(const ScreenContext& context, Ui& ui, std::string_view backId, size_t page, size_t pages,
               const std::vector<Choice>& extra = {}) {
    bottomRow(ui, bottomChoices(context, backId, page, pages, extra), ui.layout.contentMin.x, ui.layout.contentMax.x);
}

float listBottom(const Ui& ui) { return ui.layout.contentMax.y - ui.theme.buttonHeight - ui.theme.gap; }

std::string departmentName(const ScreenContext& context, const backend::Department& department) {
    if (context.text.language() != "zh_CN" && !department.nameEn.empty()) return department.nameEn;
    return department.name;
}

/// Waiting for the hospital, or why a step stopped, with a way back.
bool drawBusyOrStopped(const ScreenContext& context, Ui& ui, const BookingView& view, std::string_view backId) {
    if (view.working() || view.stage == BookStage::idle) {
        title(context, ui, "booking.loading");
        return true;
    }
    if (view.stage == BookStage::stopped) {
        title(context, ui, "booking.stopped_title");
        drawPatientMessage(context, ui, stoppedMessage(view), 0, listBottom(ui) - ImGui::GetCursorScreenPos().y);
        bottomRow(context, ui, backId, 0, 1);
        return true;
    }
    return false;
}

void drawNotice(const ScreenContext& context, Ui& ui, const BookingView& view) {
    if (view.noticeKey.empty()) return;
    drawPatientMessage(context, ui, PatientMessage{view.noticeKey, true}, 0, ui.theme.buttonHeight * 2);
    ui.space(ui.theme.gap / 2);
}

size_t pagesOf(size_t items, size_t perPage = kPerPage) {
    perPage = std::max<size_t>(1, perPage);
    return std::max<size_t>(1, (items + perPage - 1) / perPage);
}

/// The least height of a choice whose label has `lines` lines (the body face, as Ui::button pads
/// it), never under one touch target.
float labelRowHeight(const Ui& ui, int lines) {
    return std::max(ui.theme.buttonHeight, static_cast<float>(lines) * ui.fonts.bodySize() * 1.25F + 28);
}

/// Pages through `page` on previous / next; true when the event was one of them.
bool turnPage(const ButtonPressed& pressed, size_t& page, size_t pages) {
    if (pressed.id == "book.page.next" && page + 1 < pages) {
        ++page;
        return true;
    }
    if (pressed.id == "book.page.previous" && page > 0) {
        --page;
        return true;
    }
    return pressed.id == "book.page.next" || pressed.id == "book.page.previous";
}

/// 0 = Sunday … 6 = Saturday of "YYYY-MM-DD" (the civil calendar); -1 when it is not a date.
int weekdayOf(const std::string& date) {
    using namespace std::chrono;
    if (date.size() < 10) return -1;
    const year_month_day ymd{year{std::atoi(date.substr(0, 4).c_str())}, month{static_cast<unsigned>(std::atoi(date.substr(5, 2).c_str()))},
                             day{static_cast<unsigned>(std::atoi(date.substr(8, 2).c_str()))}};
    if (!ymd.ok()) return -1;
    return static_cast<int>(weekday{sys_days{ymd}}.c_encoding());
}

/// "今天 11-30" / "周二 12-01" (the weekday the patient plans by, then the date).
std::string dayLabel(const ScreenContext& context, const BookingView& view, int day) {
    const std::string& date = view.days[static_cast<size_t>(day)];
    if (day == 0) return context.text.tr("booking.day.today", {{"date", monthDayOf(date)}});
    const int weekday = weekdayOf(date);
    if (weekday < 0) return monthDayOf(date);
    return context.text.tr("booking.day.other", {{"weekday", context.text.tr("booking.weekday." + std::to_string(weekday))},
                                                 {"date", monthDayOf(date)}});
}

/// The chosen doctor's free slots on the chosen day, in order.
std::vector<const backend::Slot*> slotsOfDay(const BookingView& view, const std::string& doctorId, int day) {
    std::vector<const backend::Slot*> out;
    const std::string& date = view.days[static_cast<size_t>(day)];
    for (const auto& slot : view.slots) {
        if (slot.doctorId == doctorId && slot.start.starts_with(date)) out.push_back(&slot);
    }
    return out;
}

/// Department and doctor of the view, for the confirmation and the slip.
struct Chosen {
    std::string department;
    std::string location;
    std::string doctor;
    std::string title;
};
Chosen chosenOf(const ScreenContext& context, const BookingView& view) {
    Chosen chosen;
    if (const auto* department = view.department()) {
        chosen.department = departmentName(context, department->department);
        chosen.location = department->department.location;
    }
    const std::string doctorId = !view.chosen.doctorId.empty() ? view.chosen.doctorId : view.doctorId;
    if (const auto* doctor = view.doctorOf(doctorId)) {
        // The general clinic's name is its title (普通门诊): said once, as "any doctor".
        chosen.doctor = doctor->doctor.anyDoctor ? context.text.tr("booking.doctor.any") : doctor->doctor.name;
        chosen.title = doctor->doctor.anyDoctor ? std::string() : doctor->doctor.title;
    }
    return chosen;
}

/// Portrait: everything in one column. Landscape: the details on the left, the message (and the
/// QR) on the right, so that neither runs under the bottom row on a 1080-pixel-high screen.
struct Split {
    float mainX0, mainX1, sideX0, sideX1;
};
Split splitOf(const Ui& ui, float mainShare = 0.55F) {
    const Layout& l = ui.layout;
    if (l.portrait) return {l.contentMin.x, l.contentMax.x, l.contentMin.x, l.contentMax.x};
    const float split = l.contentMin.x + l.contentWidth() * mainShare;
    return {l.contentMin.x, split, split + ui.theme.gap, l.contentMax.x};
}

/// How detailRows() lays out its rows across [panelX0, panelX1]: the label column's width, which
/// values go under their label, and what each wrapped or stacked value adds to its row.
struct DetailFit {
    float x0 = 0;
    float x1 = 0;
    float oneLine = 0;
    float labelWidth = 0;
    float valueWidth = 0;
    std::vector<bool> stacked;
    std::vector<float> extra;
    float extraTotal = 0;
    /// The panel's height with rows `lineHeight` apart.
    float height(const Ui& ui, float lineHeight) const {
        return lineHeight * static_cast<float>(extra.size()) + extraTotal + ui.theme.gap * 2;
    }
};
DetailFit fitDetailRows(Ui& ui, const std::vector<std::pair<std::string, std::string>>& rows, float panelX0, float panelX1) {
    DetailFit fit;
    fit.x0 = panelX0 + ui.theme.gap;
    fit.x1 = panelX1 - ui.theme.gap;
    ImFont* font = ui.fonts.body();
    float labelWidth = 0;
    for (const auto& [label, value] : rows) labelWidth = std::max(labelWidth, ui.measure(label, font).x);
    fit.oneLine = ui.measure("A", font).y;
    // A value with a word wider than its column (a 16-character appointment code beside
    // "Appointment code" in elder mode) goes under its label, across the panel; the other rows'
    // values then start after the widest of their own labels.
    for (const auto& [label, value] : rows) fit.stacked.push_back(widestWord(font, value) > fit.x1 - fit.x0 - labelWidth - ui.theme.gap);
    for (size_t i = 0; i < rows.size(); ++i) {
        if (!fit.stacked[i]) fit.labelWidth = std::max(fit.labelWidth, ui.measure(rows[i].first, font).x);
    }
    fit.valueWidth = fit.x1 - fit.x0 - fit.labelWidth - ui.theme.gap;
    for (size_t i = 0; i < rows.size(); ++i) {
        const std::string& value = rows[i].second;
        fit.extra.push_back(fit.stacked[i] ? ui.measure(value, font, fit.x1 - fit.x0).y
                                           : std::max(0.0F, ui.measure(value, font, fit.valueWidth).y - fit.oneLine));
        fit.extraTotal += fit.extra.back();
    }
    return fit;
}

/// The least line spacing of the detail rows (elder mode's 1.3 lines).
float tightDetailLine(const Ui& ui) { return ui.fonts.bodySize() * 1.3F; }

/// Label and value rows in a panel from the cursor, across [panelX0, panelX1], down to `bottom`
/// at most. A value wider than its column wraps and its row grows. In portrait, `reserveBelow`
/// pixels (the note the screen puts under the panel) are kept free above `bottom`: the rows close
/// up to 1.3 lines apart (elder mode's least line spacing) before the note would reach the buttons.
void detailRows(Ui& ui, const std::vector<std::pair<std::string, std::string>>& rows, float bottom, float panelX0, float panelX1,
                float reserveBelow = 0, float sideX0 = 0) {
    const Layout& l = ui.layout;
    const float top = ImGui::GetCursorScreenPos().y;
    ImFont* font = ui.fonts.body();
    const DetailFit fit = fitDetailRows(ui, rows, panelX0, panelX1);
    const float x0 = fit.x0;
    const float x1 = fit.x1;
    const float oneLine = fit.oneLine;
    const float labelWidth = fit.labelWidth;
    const float valueWidth = fit.valueWidth;
    const std::vector<bool>& stacked = fit.stacked;
    const std::vector<float>& extra = fit.extra;
    float lineHeight = ui.fonts.bodySize() * 1.45F;
    const float limit = l.portrait ? bottom - reserveBelow - ui.theme.gap : bottom;
    if (top + fit.height(ui, lineHeight) > limit) lineHeight = tightDetailLine(ui);
    const float panelBottom = std::min(bottom, top + fit.height(ui, lineHeight));
    ImGui::GetWindowDrawList()->AddRectFilled(ImVec2(panelX0, top), ImVec2(panelX1, panelBottom), ui.theme.colors.panel,
                                              ui.theme.rounding);
    float y = top + ui.theme.gap;
    for (size_t i = 0; i < rows.size(); ++i) {
        ui.textAt(ImVec2(x0, y), rows[i].first, font, ui.theme.colors.mutedText);
        if (stacked[i]) {
            ui.textAt(ImVec2(x0, y + oneLine), rows[i].second, font, ui.theme.colors.text, x1 - x0);
        } else {
            ui.textAt(ImVec2(x0 + labelWidth + ui.theme.gap, y), rows[i].second, font, ui.theme.colors.text, valueWidth);
        }
        y += lineHeight + extra[i];
    }
    // Portrait: below the panel. Landscape: beside it, at its top, in the side column.
    if (l.portrait) {
        ImGui::SetCursorScreenPos(ImVec2(l.contentMin.x, panelBottom + ui.theme.gap));
    } else {
        ImGui::SetCursorScreenPos(ImVec2(sideX0 > 0 ? sideX0 : splitOf(ui).sideX0, top));
    }
}

}  // namespace

// ---- departments ---------------------------------------------------------------------------

void BookDepartmentsScreen::onEnter(ScreenContext& context) {
    page_ = 0;
    const BookStage stage = viewOf(context).stage;
    if (stage == BookStage::idle || stage == BookStage::stopped) {
        const WallTime now = context.timeZone.at(context.clock.wallNow());
        flowOf(context).loadDepartments(context.session.identity(), fmt::format("{:04}-{:02}-{:02}", now.year, now.month, now.day));
    } else {
        flowOf(context).backToDepartments();
    }
}

Transition BookDepartmentsScreen::onEvent(ScreenContext& context, const UiEvent& event) {
    const auto* pressed = pressedButton(event);
    if (!pressed) return Transition::none();
    const BookingView view = viewOf(context);
    if (pressed->id == "book.back") {
        context.services.booking().reset();
        return Transition::to("menu");
    }
    if (turnPage(*pressed, page_, pagesOf(view.departments.size(), perPage_))) return Transition::none();
    if (pressed->id == "book.search") return Transition::to("book.search");
    if (pressed->id.starts_with("book.dept.")) {
        flowOf(context).chooseDepartment(pressed->id.substr(10));
        return Transition::to("book.doctors");
    }
    return Transition::none();
}

void BookDepartmentsScreen::draw(const ScreenContext& context, Ui& ui) const {
    const Layout& l = ui.layout;
    const BookingView view = viewOf(context);
    if (drawBusyOrStopped(context, ui, view, "book.back")) return;
    title(context, ui, "booking.departments.title");
    drawNotice(context, ui, view);
    // Two columns in portrait, three in landscape; as many rows as fit of the tallest label of
    // any department (a long English name wraps to two lines over its free count), so every page
    // of the list holds the same number.
    const size_t columns = l.portrait ? 2 : 3;
    const float columnWidth = (l.contentWidth() - ui.theme.gap * static_cast<float>(columns - 1)) / static_cast<float>(columns);
    float rowHeight = labelRowHeight(ui, 2);
    for (const BookingDepartment& d : view.departments) {
        rowHeight = std::max(rowHeight, labelHeightIn(ui, departmentName(context, d.department) + "\n" +
                                                              context.text.tr("booking.free_today", {{"count", "99"}}),
                                                      columnWidth));
    }
    perPage_ = std::clamp<size_t>(rowsThatFit(ui, listBottom(ui), rowHeight) * columns, 1, kPerPage);
    const size_t pages = pagesOf(view.departments.size(), perPage_);
    const size_t page = std::min(page_, pages - 1);
    std::vector<Choice> choices;
    for (size_t i = page * perPage_; i < std::min(view.departments.size(), (page + 1) * perPage_); ++i) {
        const BookingDepartment& d = view.departments[i];
        const std::string free = d.freeToday < 0 ? context.text.tr("booking.free_unknown")
                                                 : context.text.tr("booking.free_today", {{"count", std::to_string(d.freeToday)}});
        choices.push_back({"book.dept." + d.department.id, departmentName(context, d.department) + "\n" + free, ButtonKind::primary});
    }
    choiceGrid(ui, choices, static_cast<int>(columns), listBottom(ui), std::max(rowHeight, ui.theme.buttonHeight * 1.5F));
    bottomRow(context, ui, "book.back", page, pages, {{"book.search", context.text.tr("booking.search.open"), ButtonKind::secondary}});
}

// ---- letter pad ----------------------------------------------------------------------------

Transition BookSearchScreen::onEvent(ScreenContext& context, const UiEvent& event) {
    const auto* pressed = pressedButton(event);
    if (!pressed) return Transition::none();
    if (pressed->id == "book.search.back") return Transition::to("book.departments");
    if (pressed->id.starts_with("book.key.") && pressed->id.size() == 10) {
        if (typed_.size() < 8) typed_ += pressed->id.back();
        return Transition::none();
    }
    if (pressed->id == "book.key.delete") {
        if (!typed_.empty()) typed_.pop_back();
        return Transition::none();
    }
    if (pressed->id.starts_with("book.dept.")) {
        flowOf(context).chooseDepartment(pressed->id.substr(10));
        return Transition::to("book.doctors");
    }
    return Transition::none();
}

void BookSearchScreen::draw(const ScreenContext& context, Ui& ui) const {
    const Layout& l = ui.layout;
    const BookingView view = viewOf(context);
    const std::string shownTyped = typed_.empty() ? context.text.tr("booking.search.hint") : typed_;
    ImFont* typedFont = typed_.empty() ? ui.fonts.body() : ui.fonts.title();
    const ImU32 typedColor = typed_.empty() ? ui.theme.colors.mutedText : ui.theme.colors.primary;
    // Portrait: the title, the letters typed, the matches, then the keys (7 to a row) above the
    // bottom row. Landscape (1080 px high, no room for a title above three rows of keys in large
    // print): the letters typed (or the hint) on the left of one row with the matches beside
    // them, and the keys in two rows of 14 under it.
    const int columns = l.portrait ? 7 : 14;
    const int keyRows = (26 + 1 + columns - 1) / columns;
    const float gap = ui.theme.gap / 2;
    const float keyHeight = ui.theme.smallButtonHeight;
    const float keysTop = listBottom(ui) - static_cast<float>(keyRows) * (keyHeight + gap) + gap;
    float matchX0 = l.contentMin.x;
    if (l.portrait) {
        title(context, ui, "booking.search.title");
        ui.centered(shownTyped, typedFont, typedColor, l.contentMin.x, l.contentMax.x);
        ui.space(ui.theme.gap / 2);
    } else {
        ui.space(8);
        // The hint needs the width; the letters typed (up to eight) less, the rest goes to the
        // matches beside them.
        const float typedWidth = typed_.empty() ? l.contentWidth() * 0.3F
                                                : std::clamp(ui.measure(typed_, typedFont).x + ui.theme.gap, ui.theme.minTarget,
                                                             l.contentWidth() * 0.3F);
        const ImVec2 at = ImGui::GetCursorScreenPos();
        ui.textAt(ImVec2(l.contentMin.x, at.y + 8), shownTyped, typedFont, typedColor, typedWidth);
        matchX0 = l.contentMin.x + typedWidth + ui.theme.gap;
        ImGui::SetCursorScreenPos(ImVec2(matchX0, at.y));
    }
    // The matches, best first (those whose initials begin with the first letter typed): as many
    // as fit above the keys, at most three.
    if (!typed_.empty()) {
        std::vector<const BookingDepartment*> found;
        for (const auto& d : view.departments) {
            if (BookingFlow::initialsMatch(typed_, d.initials)) found.push_back(&d);
        }
        std::stable_sort(found.begin(), found.end(), [&](const BookingDepartment* a, const BookingDepartment* b) {
            return a->initials.starts_with(typed_.substr(0, 1)) && !b->initials.starts_with(typed_.substr(0, 1));
        });
        const float top = ImGui::GetCursorScreenPos().y;
        const float room = keysTop - ui.theme.gap - top;
        // Landscape has one row for them, beside the letters typed: a small touch target high.
        const float matchHeight = l.portrait ? ui.theme.buttonHeight : ui.theme.smallButtonHeight;
        const int rows = std::max(0, static_cast<int>((room + ui.theme.gap) / (matchHeight + ui.theme.gap)));
        const float x1 = l.contentMax.x;
        // Landscape: three side by side, or fewer where a name does not fit a third of the row
        // (large print: "Gastroenterology"); the best matches come first.
        int matchColumns = l.portrait ? 1 : 3;
        auto widthOf = [&](int perRow) {
            return (x1 - matchX0 - ui.theme.gap * static_cast<float>(perRow - 1)) / static_cast<float>(perRow);
        };
        while (matchColumns > 1 && std::any_of(found.begin(), found.begin() + static_cast<std::ptrdiff_t>(std::min<size_t>(found.size(), 3)),
                                               [&](const BookingDepartment* d) {
                                                   return !ui.labelFits(departmentName(context, d->department),
                                                                        ImVec2(widthOf(matchColumns), matchHeight), ui.fonts.body());
                                               })) {
            --matchColumns;
        }
        const size_t fits = std::min<size_t>(3, static_cast<size_t>(std::min(rows, l.portrait ? 3 : 1) * matchColumns));
        const float width = widthOf(matchColumns);
        for (size_t i = 0; i < std::min(found.size(), fits); ++i) {
            const auto column = static_cast<float>(i % static_cast<size_t>(matchColumns));
            const auto row = static_cast<float>(i / static_cast<size_t>(matchColumns));
            ImGui::SetCursorScreenPos(ImVec2(matchX0 + column * (width + ui.theme.gap), top + row * (matchHeight + ui.theme.gap)));
            ui.button("book.dept." + found[i]->department.id, departmentName(context, found[i]->department),
                      ImVec2(width, matchHeight), ButtonKind::primary, ui.fonts.body());
        }
        if (found.empty()) {
            ImGui::SetCursorScreenPos(ImVec2(matchX0, top));
            ui.centered(context.text.tr("booking.search.none"), ui.fonts.body(), ui.theme.colors.alert, matchX0, x1);
        }
    }
    const float keyWidth = (l.contentWidth() - gap * static_cast<float>(columns - 1)) / static_cast<float>(columns);
    for (int i = 0; i < 27; ++i) {
        const float x = l.contentMin.x + static_cast<float>(i % columns) * (keyWidth + gap);
        const float y = keysTop + static_cast<float>(i / columns) * (keyHeight + gap);
        ImGui::SetCursorScreenPos(ImVec2(x, y));
        if (i < 26) {
            const std::string letter(1, static_cast<char>('A' + i));
            ui.button("book.key." + letter, letter, ImVec2(keyWidth, keyHeight), ButtonKind::secondary, ui.fonts.title());
        } else {
            // Delete takes the rest of the last row: its word is wider than a letter (elder mode).
            const auto spanned = static_cast<float>(columns - 26 % columns);
            ui.button("book.key.delete", context.text.tr("booking.search.delete"), ImVec2(spanned * (keyWidth + gap) - gap, keyHeight),
                      ButtonKind::secondary, ui.fonts.body());
        }
    }
    bottomRow(context, ui, "book.search.back", 0, 1);
}

// ---- doctors and the date strip -----------------------------------------------------------

void BookDoctorsScreen::onEnter(ScreenContext&) { page_ = 0; }

Transition BookDoctorsScreen::onEvent(ScreenContext& context, const UiEvent& event) {
    const auto* pressed = pressedButton(event);
    if (!pressed) return Transition::none();
    const BookingView view = viewOf(context);
    if (pressed->id == "book.doctors.back") return Transition::to("book.departments");
    std::vector<const BookingDoctor*> doctors;
    for (const auto& d : view.doctors) doctors.push_back(&d);
    if (turnPage(*pressed, page_, pagesOf(doctors.size(), perPage_))) return Transition::none();
    if (pressed->id.starts_with("book.day.")) {
        flowOf(context).chooseDay(std::stoi(pressed->id.substr(9)));
        page_ = 0;
        return Transition::none();
    }
    if (pressed->id.starts_with("book.doctor.")) {
        flowOf(context).chooseDoctor(pressed->id.substr(12));
        return Transition::to("book.slots");
    }
    return Transition::none();
}

namespace {

/// The doctors' choices of the view's page `page` of `perPage`.
std::vector<Choice> doctorChoices(const ScreenContext& context, const BookingView& view, size_t page, size_t perPage) {
    std::vector<Choice> choices;
    for (size_t i = page * perPage; i < std::min(view.doctors.size(), (page + 1) * perPage); ++i) {
        const BookingDoctor& d = view.doctors[i];
        const int free = d.freeByDay[static_cast<size_t>(view.day)];
        // The general clinic has no named doctor: "any doctor" says what it is.
        std::string label = d.doctor.anyDoctor ? context.text.tr("booking.doctor.any") : d.doctor.name + "  " + d.doctor.title;
        if (!d.doctor.anyDoctor && !d.doctor.specialty.empty()) label += " · " + d.doctor.specialty;
        label += "\n" + context.text.tr("booking.doctor.fee", {{"amount", formatYuan(d.doctor.feeFen)}}) + "  " +
                 (free > 0 ? context.text.tr("booking.doctor.free", {{"count", std::to_string(free)}}) : context.text.tr("booking.doctor.full"));
        choices.push_back({"book.doctor." + d.doctor.id, label, free > 0 ? ButtonKind::primary : ButtonKind::secondary});
    }
    return choices;
}

/// The doctors screen in landscape large print; sets `perPage` (BookDoctorsScreen::perPage_) as drawn.
void drawDoctorsLandscapeLargePrint(const ScreenContext& context, Ui& ui, const BookingView& view, const std::string& departmentText,
                                    std::vector<Choice> days, size_t requestedPage, size_t& perPage) {
    // Landscape in large print: 1080 pixels are too few for the title, a strip of two-line days
    // ("今天" over "11-30"), a row of doctors and the bottom row one above the other. The days
    // keep one line, the weekday only ("今天", "周二": seven days have seven different weekdays),
    // the chosen day's date goes into the title, and the bottom row becomes a rail beside the
    // doctors (back at the bottom, as on the other landscape screens).
    const Layout& l = ui.layout;
    for (size_t day = 0; day < days.size(); ++day) {
        const std::string& date = view.days[day];
        const int weekday = weekdayOf(date);
        days[day].label = day == 0       ? context.text.tr("booking.day.today_short")
                          : weekday >= 0 ? context.text.tr("booking.weekday." + std::to_string(weekday))
                                         : monthDayOf(date);
    }
    const std::string title = context.text.tr("booking.doctors.title_on", {{"department", departmentText}, {"date", dayLabel(context, view, view.day)}});
    // The title face where the title keeps one line, else the body face (as serviceTitle).
    ImFont* titleFace = ui.fonts.title();
    if (ui.measure(title, titleFace, l.contentWidth()).y > ui.measure("A", titleFace, l.contentWidth()).y * 1.5F) titleFace = ui.fonts.body();
    ui.centered(title, titleFace, ui.theme.colors.text, l.contentMin.x, l.contentMax.x);
    drawNotice(context, ui, view);
    const float stripTop = ImGui::GetCursorScreenPos().y;
    const float dayWidth = (l.contentWidth() - ui.theme.gap * 6) / 7;
    float dayHeight = ui.theme.buttonHeight;
    for (const Choice& day : days) dayHeight = std::max(dayHeight, labelHeightIn(ui, day.label, dayWidth));
    choiceGrid(ui, days, 7, stripTop + dayHeight, dayHeight);
    const float top = ImGui::GetCursorScreenPos().y;
    const float room = l.contentMax.y - top;
    const float x0 = l.contentMin.x;
    const std::vector<Choice> all = doctorChoices(context, view, 0, view.doctors.size());
    // The doctors beside a rail of `railRow`'s width: two columns where every label fits the
    // room in its rows, else one; as many rows as fit.
    struct Grid {
        float railX0;
        size_t columns;
        float rowHeight;
        size_t perPage;
        size_t pages;
    };
    auto gridBeside = [&](const std::vector<Choice>& railRow) {
        Grid grid{l.contentMax.x - railWidth(ui, railRow, top), 2, 0, 1, 1};
        const float x1 = grid.railX0 - ui.theme.gap;
        auto tallestAt = [&](size_t columns) {
            const float width = (x1 - x0 - ui.theme.gap * static_cast<float>(columns - 1)) / static_cast<float>(columns);
            float tallest = labelRowHeight(ui, 2);
            for (const Choice& doctor : all) tallest = std::max(tallest, labelHeightIn(ui, doctor.label, width));
            return tallest;
        };
        grid.rowHeight = tallestAt(2);
        if (grid.rowHeight > room) {
            grid.columns = 1;
            grid.rowHeight = tallestAt(1);
        }
        grid.perPage = std::clamp<size_t>(rowsThatFit(ui, l.contentMax.y, grid.rowHeight) * grid.columns, 1, kPerPage);
        grid.pages = pagesOf(view.doctors.size(), grid.perPage);
        return grid;
    };
    // A narrow rail (back, and one page button at a time, one a row) leaves the doctors the
    // most width; a list of three pages or more has pages with both page buttons, side by side
    // above back in a wider rail — the same on every page, so the doctors do not move.
    Grid grid = gridBeside(bottomChoices(context, "book.doctors.back", 0, 2, {}));
    if (grid.pages > 2) grid = gridBeside(bottomChoices(context, "book.doctors.back", 1, 3, {}));
    perPage = grid.perPage;
    const size_t page = std::min(requestedPage, grid.pages - 1);
    choiceGrid(ui, doctorChoices(context, view, page, perPage), static_cast<int>(grid.columns), l.contentMax.y, grid.rowHeight, x0,
               grid.railX0 - ui.theme.gap);
    sideRail(ui, bottomChoices(context, "book.doctors.back", page, grid.pages, {}), grid.railX0, top);
}
}  // namespace

void BookDoctorsScreen::draw(const ScreenContext& context, Ui& ui) const {
    const Layout& l = ui.layout;
    const BookingView view = viewOf(context);
    if (drawBusyOrStopped(context, ui, view, "book.doctors.back")) return;
    const auto* department = view.department();
    const std::string departmentText = department ? departmentName(context, department->department) : std::string();
    // The date strip: today and six days, the chosen one highlighted. Four and three to a row
    // in portrait; one row in landscape.
    std::vector<Choice> days;
    for (int day = 0; day < kBookingDays; ++day) {
        days.push_back({"book.day." + std::to_string(day), dayLabel(context, view, day),
                        day == view.day ? ButtonKind::primary : ButtonKind::secondary});
    }
    const int stripColumns = l.portrait ? 4 : 7;
    const float stripRows = l.portrait ? 2 : 1;
    // A day's label on two lines where one does not fit its button (elder mode: "今天" over the date).
    const float dayWidth = (l.contentWidth() - ui.theme.gap * static_cast<float>(stripColumns - 1)) / static_cast<float>(stripColumns);
    const bool dayLabelsWrap = std::any_of(days.begin(), days.end(), [&](const Choice& d) {
        return ui.measure(d.label, ui.fonts.body()).x > dayWidth - 48;
    });
    if (!l.portrait && dayLabelsWrap) {
        drawDoctorsLandscapeLargePrint(context, ui, view, departmentText, days, page_, perPage_);
        return;
    }
    titleText(ui, context.text.tr("booking.doctors.title", {{"department", departmentText}}));
    drawNotice(context, ui, view);
    const float stripTop = ImGui::GetCursorScreenPos().y;
    const float dayHeight = dayLabelsWrap ? std::max(ui.theme.buttonHeight, ui.fonts.bodySize() * 2.5F + 32) : ui.theme.buttonHeight;
    choiceGrid(ui, days, stripColumns, stripTop + stripRows * dayHeight + (stripRows - 1) * ui.theme.gap, dayHeight);
    const size_t columns = l.portrait ? 1 : 2;
    perPage_ = std::clamp<size_t>(rowsThatFit(ui, listBottom(ui), labelRowHeight(ui, 2)) * columns, 1, kPerPage);
    const size_t pages = pagesOf(view.doctors.size(), perPage_);
    const size_t page = std::min(page_, pages - 1);
    choiceGrid(ui, doctorChoices(context, view, page, perPage_), static_cast<int>(columns), listBottom(ui));
    bottomRow(context, ui, "book.doctors.back", page, pages);
}


// ---- slots ---------------------------------------------------------------------------------

Transition BookSlotsScreen::onEvent(ScreenContext& context, const UiEvent& event) {
    if (std::holds_alternative<BookingProgress>(event)) {
        const BookingView view = viewOf(context);
        if (view.stage == BookStage::held) return Transition::to("book.confirm");
        return Transition::none();
    }
    const auto* pressed = pressedButton(event);
    if (!pressed) return Transition::none();
    const BookingView view = viewOf(context);
    if (pressed->id == "book.slots.back" || pressed->id == "book.slots.other_doctors") return Transition::to("book.doctors");
    const auto slots = slotsOfDay(view, view.doctorId, view.day);
    if (turnPage(*pressed, page_, pagesOf(slots.size(), perPage_))) return Transition::none();
    if (pressed->id == "book.slots.nearest") {
        // The doctor's nearest free slot on a later day of the strip.
        for (int day = view.day + 1; day < kBookingDays; ++day) {
            if (!slotsOfDay(view, view.doctorId, day).empty()) {
                flowOf(context).chooseDay(day);
                page_ = 0;
                break;
            }
        }
        return Transition::none();
    }
    if (pressed->id.starts_with("book.slot.")) flowOf(context).hold(pressed->id.substr(10));
    return Transition::none();
}

void BookSlotsScreen::draw(const ScreenContext& context, Ui& ui) const {
    const BookingView view = viewOf(context);
    if (drawBusyOrStopped(context, ui, view, "book.slots.back")) return;
    const Chosen chosen = chosenOf(context, view);
    // The general clinic is no doctor's name: "普通门诊（不指定医生）", not "…医生" / "Dr …".
    const auto* doctor = view.doctorOf(view.doctorId);
    const bool anyDoctor = doctor && doctor->doctor.anyDoctor;
    titleText(ui, context.text.tr(anyDoctor ? "booking.slots.title_any" : "booking.slots.title",
                                  {{"doctor", chosen.doctor}, {"date", view.days[static_cast<size_t>(view.day)]}}));
    drawNotice(context, ui, view);
    const auto slots = slotsOfDay(view, view.doctorId, view.day);
    if (slots.empty()) {
        // A full day: the doctor's nearest free day, or the department's other doctors.
        bool later = false;
        for (int day = view.day + 1; day < kBookingDays && !later; ++day) later = !slotsOfDay(view, view.doctorId, day).empty();
        drawPatientMessage(context, ui, PatientMessage{later ? "booking.slots.full" : "booking.slots.full_week", true}, 0,
                           ui.theme.buttonHeight * 2.5F);
        ui.space(ui.theme.gap);
        std::vector<Choice> offers;
        if (later) offers.push_back({"book.slots.nearest", context.text.tr("booking.slots.nearest"), ButtonKind::primary});
        offers.push_back({"book.slots.other_doctors", context.text.tr("booking.slots.other_doctors"), ButtonKind::secondary});
        choiceGrid(ui, offers, 1, listBottom(ui), ui.theme.buttonHeight);
        bottomRow(context, ui, "book.slots.back", 0, 1);
        return;
    }
    // Each time's label: the time over what is left of it (a backend with one slot per patient
    // lists each; one with counted slots would say so here).
    auto labelOf = [&](const backend::Slot& slot) {
        const auto left = std::count_if(slots.begin(), slots.end(), [&](const backend::Slot* s) { return s->start == slot.start; });
        return clockOf(slot.start) + "–" + clockOf(slot.end) + "\n" + context.text.tr("booking.slot.left", {{"count", std::to_string(left)}});
    };
    auto choicesOf = [&](size_t page, size_t perPage) {
        std::vector<Choice> choices;
        for (size_t i = page * perPage; i < std::min(slots.size(), (page + 1) * perPage); ++i) {
            choices.push_back({"book.slot." + slots[i]->id, labelOf(*slots[i]), ButtonKind::primary});
        }
        return choices;
    };
    const Layout& l = ui.layout;
    const float rowHeight = labelRowHeight(ui, 2);
    const size_t rowsAbove = rowsThatFit(ui, listBottom(ui), rowHeight);
    // Columns across [x0, x1] for `rows` rows: as many as six a page need (two rows of three, one
    // of six), fewer where a time's label does not fit, at least `least`.
    auto columnsFor = [&](float x0, float x1, size_t rows, size_t least) {
        const size_t wanted = std::max<size_t>(least, (kPerPage + rows - 1) / rows);
        for (size_t columns = wanted; columns > least; --columns) {
            const float width = (x1 - x0 - ui.theme.gap * static_cast<float>(columns - 1)) / static_cast<float>(columns);
            if (std::all_of(slots.begin(), slots.end(), [&](const backend::Slot* slot) {
                    return ui.labelFits(labelOf(*slot), ImVec2(width, rowHeight), ui.fonts.body());
                })) {
                return columns;
            }
        }
        return least;
    };
    if (!l.portrait && rowsAbove < 2) {
        // Landscape large print: one row of times fits above the bottom row, two to a row gave
        // two a page. The bottom row becomes a rail on the right (back at the bottom, as on the
        // doctors' screen), the times take the full height beside it, as many to a row as their
        // labels fit and six a page fill (two rows of three).
        const float top = ImGui::GetCursorScreenPos().y;
        const size_t rows = rowsThatFit(ui, l.contentMax.y, rowHeight);
        struct Grid {
            float railX0;
            size_t columns;
            size_t perPage;
            size_t pages;
        };
        auto gridBeside = [&](const std::vector<Choice>& railRow) {
            Grid grid{l.contentMax.x - railWidth(ui, railRow, top), 1, 1, 1};
            grid.columns = columnsFor(l.contentMin.x, grid.railX0 - ui.theme.gap, rows, 1);
            grid.perPage = std::clamp<size_t>(rows * grid.columns, 1, kPerPage);
            grid.pages = pagesOf(slots.size(), grid.perPage);
            return grid;
        };
        // As on the doctors' screen: a rail with one page button at a time, or, for three pages
        // or more, both page buttons on every page (the times do not move between pages).
        Grid grid = gridBeside(bottomChoices(context, "book.slots.back", 0, 2, {}));
        if (grid.pages > 2) grid = gridBeside(bottomChoices(context, "book.slots.back", 1, 3, {}));
        perPage_ = grid.perPage;
        const size_t page = std::min(page_, grid.pages - 1);
        choiceGrid(ui, choicesOf(page, perPage_), static_cast<int>(grid.columns), l.contentMax.y, rowHeight, l.contentMin.x,
                   grid.railX0 - ui.theme.gap);
        sideRail(ui, bottomChoices(context, "book.slots.back", page, grid.pages, {}), grid.railX0, top);
        return;
    }
    // Two to a row in portrait; landscape fills six a page where its rows are fewer than three.
    const size_t columns = l.portrait ? 2 : columnsFor(l.contentMin.x, l.contentMax.x, rowsAbove, 2);
    perPage_ = std::clamp<size_t>(rowsAbove * columns, 1, kPerPage);
    const size_t pages = pagesOf(slots.size(), perPage_);
    const size_t page = std::min(page_, pages - 1);
    choiceGrid(ui, choicesOf(page, perPage_), static_cast<int>(columns), listBottom(ui));
    bottomRow(context, ui, "book.slots.back", page, pages);
}

// ---- confirmation --------------------------------------------------------------------------

bool BookConfirmScreen::holdsSession(const ScreenContext& context) const { return viewOf(context).working(); }

Transition BookConfirmScreen::onEvent(ScreenContext& context, const UiEvent& event) {
    const BookingView view = viewOf(context);
    if (std::holds_alternative<BookingProgress>(event)) {
        if (view.stage == BookStage::booked) return Transition::to("book.slip");
        if (view.stage == BookStage::doctors) return Transition::to("book.slots");
        return Transition::none();
    }
    const auto* pressed = pressedButton(event);
    if (!pressed) return Transition::none();
    if (pressed->id == "book.confirm.back") {
        flowOf(context).releaseHold();
        return Transition::to("book.slots");
    }
    if (pressed->id == "book.confirm.ok" && view.stage == BookStage::held && view.appointment.feeFen == 0) flowOf(context).book();
    // A fee paid here: the channel, then the code (book.pay); the desk books once it is paid.
    if (pressed->id == "book.confirm.pay" && view.stage == BookStage::held && view.feePayable && view.appointment.feeFen > 0) {
        return Transition::to("book.pay");
    }
    if (pressed->id == "book.confirm.menu") {
        flowOf(context).reset();  // releases the hold at once (it would also expire by itself)
        return Transition::to("menu");
    }
    return Transition::none();
}

void BookConfirmScreen::draw(const ScreenContext& context, Ui& ui) const {
    const BookingView view = viewOf(context);
    if (view.stage == BookStage::booking) {
        title(context, ui, "booking.booking");
        return;
    }
    if (drawBusyOrStopped(context, ui, view, "book.confirm.menu")) return;
    const Chosen chosen = chosenOf(context, view);
    const PatientIdentity& who = context.session.identity();
    std::vector<std::pair<std::string, std::string>> rows{
        {context.text.tr("booking.field.department"), chosen.department},
        {context.text.tr("booking.field.doctor"), chosen.doctor + "  " + chosen.title},
        // Date and time on one line: in elder mode a line less leaves the note above the buttons.
        {context.text.tr("booking.field.time"), view.chosen.start.substr(0, 10) + "  " + clockOf(view.chosen.start) + "–" + clockOf(view.chosen.end)},
        {context.text.tr("booking.field.fee"), "¥" + formatYuan(view.appointment.feeFen)},
        {context.text.tr("booking.field.place"), chosen.location},
        {context.text.tr("booking.field.patient"), maskPersonalData(who.name, PersonalField::name)},
    };
    // Elder mode: the session bar under the buttons already names the patient (masked); the row
    // gives its line to the note.
    if (ui.theme.elder) rows.pop_back();
    // The note under the details (portrait), in the patient's language at least.
    const PatientMessage note = view.appointment.feeFen > 0 && view.feePayable
                                    ? PatientMessage{"booking.confirm.hold_fee", false, {}, {{"amount", formatYuan(view.appointment.feeFen)}}}
                                : view.appointment.feeFen > 0 ? PatientMessage{"booking.confirm.fee_at_counter", true}
                                                              : PatientMessage{"booking.confirm.hold", false};
    Choice primary{"book.confirm.ok", context.text.tr("booking.confirm.ok"), ButtonKind::primary};
    if (view.appointment.feeFen > 0 && view.feePayable) {
        primary = {"book.confirm.pay", context.text.tr("booking.confirm.pay", {{"amount", formatYuan(view.appointment.feeFen)}}), ButtonKind::primary};
    } else if (view.appointment.feeFen > 0) {
        // No payment desk on this kiosk ([payments] not configured): nothing is charged and the
        // slot is released when the patient leaves this screen.
        primary = {"book.confirm.menu", context.text.tr("booking.to_menu"), ButtonKind::primary};
    }
    const std::vector<Choice> buttons = bottomChoices(context, "book.confirm.back", 0, 1, {primary});
    const Layout& l = ui.layout;
    const std::string titleValue = context.text.tr("booking.confirm.title");
    // Landscape: the details in the main column, keeping its full height (large print needs
    // it); the note and the buttons under it in the side column. Where the rows do not fit
    // under the title (large print, English: wrapped values; rows 1.3 lines apart still too
    // tall), the title moves to the top of the side column and the main column widens until
    // the rows fit from the content's top (fewer values wrap).
    Split split = splitOf(ui);
    bool titleBeside = false;
    if (!l.portrait && ui.theme.elder) {
        const float titleHeight = ui.measure(titleValue, ui.fonts.body(), l.contentWidth()).y + ImGui::GetStyle().ItemSpacing.y;
        const float room = l.contentMax.y - ImGui::GetCursorScreenPos().y;
        if (fitDetailRows(ui, rows, split.mainX0, split.mainX1).height(ui, tightDetailLine(ui)) > room - titleHeight) {
            titleBeside = true;
            for (const float share : {0.6F, 0.65F, 0.7F}) {
                split = splitOf(ui, share);
                if (fitDetailRows(ui, rows, split.mainX0, split.mainX1).height(ui, tightDetailLine(ui)) <= room) break;
            }
        }
    }
    const float sideWidth = split.sideX1 - split.sideX0;
    const float buttonsX0 = l.portrait ? l.contentMin.x : split.sideX0;
    const float buttonsTop = bottomRowTop(ui, buttons, buttonsX0, l.contentMax.x) - ui.theme.gap;
    if (!titleBeside) {
        // Landscape large print: the five detail rows need the height the title face would take.
        titleText(ui, titleValue, true);
    }
    detailRows(ui, rows, l.portrait ? buttonsTop : l.contentMax.y, split.mainX0, split.mainX1,
               patientMessageHeight(context, ui, note, sideWidth, false), split.sideX0);
    if (titleBeside) {
        ui.centered(titleValue, ui.fonts.body(), ui.theme.colors.text, split.sideX0, split.sideX1);
        // The next line starts at the content's left edge: the note goes back to the side column.
        ImGui::SetCursorScreenPos(ImVec2(split.sideX0, ImGui::GetCursorScreenPos().y));
    }
    drawPatientMessage(context, ui, note, sideWidth, buttonsTop - ImGui::GetCursorScreenPos().y);
    bottomRow(ui, buttons, buttonsX0, l.contentMax.x);
}

// ---- the slip ------------------------------------------------------------------------------

namespace {
/// What the slip's QR holds: the appointment code (payload kind appointment_code, scanned at
/// check-in), or the appointment's id where the backend gives no code.
std::string slipCode(const backend::Appointment& appointment) {
    return appointment.appointmentCode.empty() ? appointment.id : appointment.appointmentCode;
}
}  // namespace

void BookSlipScreen::onEnter(ScreenContext& context) {
    const BookingView view = viewOf(context);
    if (view.stage != BookStage::booked || printedFor_ == view.appointment.id) return;
    printedFor_ = view.appointment.id;
    const Chosen chosen = chosenOf(context, view);
    printing::RegistrationSlipData data;
    data.header = printing::slipHeader(context.config, context.text.language(), context.clock.wallNow(), "slip-" + view.appointment.id);
    data.patientName = maskPersonalData(context.session.identity().name, PersonalField::name);
    data.department = chosen.department + (chosen.location.empty() ? "" : "  " + chosen.location);
    data.doctor = chosen.doctor + "  " + chosen.title;
    data.slot = view.chosen.start.substr(0, 10) + " " + clockOf(view.chosen.start) + "-" + clockOf(view.chosen.end);
    data.queueNumber = view.appointment.queueNumber ? std::to_string(*view.appointment.queueNumber) : "";
    // The appointment code (what the check-in scan and the hospital's app know), not the FHIR id;
    // a backend without codes gets the id.
    data.qrData = slipCode(view.appointment);
    data.tradeNo = view.tradeNo;
    print_ = PrintState::printing;
    printOnReceiptPrinter(context, "registration-slip", printing::registrationSlip(context.text, data));
}

Transition BookSlipScreen::onEvent(ScreenContext& context, const UiEvent& event) {
    if (const auto* printed = std::get_if<PrintFinished>(&event); printed && printed->document == "registration-slip") {
        print_ = printed->outcome ? PrintState::printed : PrintState::failed;
        if (!printed->outcome) logger()->warn("registration slip not printed: {}", printed->outcome.error().describe());
        return Transition::none();
    }
    const auto* pressed = pressedButton(event);
    if (pressed && pressed->id == "book.slip.menu") {
        context.services.booking().reset();
        return Transition::to("menu");
    }
    return Transition::none();
}

void BookSlipScreen::draw(const ScreenContext& context, Ui& ui) const {
    const Layout& l = ui.layout;
    const BookingView view = viewOf(context);
    const Chosen chosen = chosenOf(context, view);
    // Landscape: no extra space around the title (as serviceTitle).
    if (l.portrait) ui.space(20);
    ui.centered(context.text.tr("booking.slip.title"), ui.fonts.title(), ui.theme.colors.success, l.contentMin.x, l.contentMax.x);
    if (l.portrait) ui.space(ui.theme.gap / 2);
    const PatientIdentity& who = context.session.identity();
    std::vector<std::pair<std::string, std::string>> rows{
        {context.text.tr("booking.field.time"),
         view.chosen.start.substr(0, 10) + "  " + clockOf(view.chosen.start) + "–" + clockOf(view.chosen.end)},
        {context.text.tr("booking.field.place"), chosen.department + "  " + chosen.location},
        {context.text.tr("booking.field.doctor"), chosen.doctor + "  " + chosen.title},
        {context.text.tr("booking.field.patient"), maskPersonalData(who.name, PersonalField::name)},
    };
    if (view.appointment.queueNumber) rows.insert(rows.begin(), {context.text.tr("booking.field.queue"), std::to_string(*view.appointment.queueNumber)});
    // Elder mode: the session bar names the patient already (as on the confirmation).
    if (ui.theme.elder) rows.pop_back();
    if (!view.appointment.appointmentCode.empty()) rows.push_back({context.text.tr("booking.field.code"), view.appointment.appointmentCode});
    const Split split = splitOf(ui);
    // The button under the words (portrait) or under the side column (landscape: the details
    // keep the main column's full height).
    const float buttonX0 = l.portrait ? l.contentMin.x : split.sideX0;
    const float bottom = listBottom(ui);
    const float detailsBottom = l.portrait ? bottom : l.contentMax.y;
    // The QR of the appointment (scanned at check-in), beside the words in landscape, under
    // them in portrait, as large as the room allows.
    const std::string code = slipCode(view.appointment);
    if (code != qrText_) {
        qrText_ = code;
        qrSize_ = 0;
        qrModules_.clear();
        if (auto modules = printing::qrModules(code); modules && modules->width == modules->height) {
            qrSize_ = modules->width;
            qrModules_ = modules->pixels;
        }
    }
    // Room kept under the code: the check-in note in the patient's language (its panel pads 28
    // pixels above and below, as drawPatientMessage draws it) and the printing line, measured in
    // the face and width they are drawn in (large print wraps them to more lines).
    const char* printKey = print_ == PrintState::printed  ? "booking.slip.printed"
                           : print_ == PrintState::failed ? "booking.slip.print_failed"
                                                          : "booking.slip.printing";
    const float sideWidth = split.sideX1 - split.sideX0;
    const float printHeight = ui.measure(context.text.tr(printKey), ui.fonts.body(), sideWidth).y;
    // Plus the item spacing ImGui adds after the note and after the code.
    const float noteHeight = ui.measure(context.text.tr("booking.slip.check_in_early"), ui.fonts.body(), sideWidth - 56).y + 56 + printHeight +
                             2 * ImGui::GetStyle().ItemSpacing.y;
    detailRows(ui, rows, detailsBottom, split.mainX0, split.mainX1, noteHeight);
    const float top = ImGui::GetCursorScreenPos().y;
    if (qrSize_ > 0) {
        const int withQuiet = qrSize_ + 8;
        const float room = std::min(bottom - top - noteHeight - ui.theme.gap, (split.sideX1 - split.sideX0) * (l.portrait ? 0.5F : 0.8F));
        const float module = std::floor(room / static_cast<float>(withQuiet));
        if (module >= 2) {
            const float side = module * static_cast<float>(withQuiet);
            const ImVec2 origin((split.sideX0 + split.sideX1 - side) / 2, top);
            ImDrawList* draw = ImGui::GetWindowDrawList();
            draw->AddRectFilled(origin, ImVec2(origin.x + side, origin.y + side), IM_COL32_WHITE);
            for (int y = 0; y < qrSize_; ++y) {
                for (int x = 0; x < qrSize_; ++x) {
                    if (qrModules_[static_cast<size_t>(y) * static_cast<size_t>(qrSize_) + static_cast<size_t>(x)] == 0) continue;
                    const ImVec2 p(origin.x + module * static_cast<float>(x + 4), origin.y + module * static_cast<float>(y + 4));
                    draw->AddRectFilled(p, ImVec2(p.x + module, p.y + module), IM_COL32_BLACK);
                }
            }
            ui.recordGraphic(origin, ImVec2(origin.x + side, origin.y + side), "appointment QR");
            ImGui::SetCursorScreenPos(ImVec2(split.sideX0, origin.y + side + ui.theme.gap / 2));
        }
    }
    const float spacing = ImGui::GetStyle().ItemSpacing.y;
    drawPatientMessage(context, ui, PatientMessage{"booking.slip.check_in_early", false}, sideWidth,
                       bottom - printHeight - spacing - ImGui::GetCursorScreenPos().y);
    // The printing line right above the button (landscape: the side column's), wherever the
    // note above it ended.
    ImGui::SetCursorScreenPos(ImVec2(split.sideX0, std::min(ImGui::GetCursorScreenPos().y, bottom - printHeight)));
    ui.centered(context.text.tr(printKey), ui.fonts.body(), print_ == PrintState::failed ? ui.theme.colors.alert : ui.theme.colors.mutedText,
                split.sideX0, split.sideX1);
    ImGui::SetCursorScreenPos(ImVec2(buttonX0, l.contentMax.y - ui.theme.buttonHeight));
    ui.button("book.slip.menu", context.text.tr("booking.to_menu"), ImVec2(l.contentMax.x - buttonX0, ui.theme.buttonHeight), ButtonKind::primary);
}

}  // namespace kiosk::screens
