#include "screens/triage/triage_screens.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cfloat>
#include <numeric>
#include <cmath>

#include "kiosk/core/log.hpp"
#include "screens/booking/booking_flow.hpp"
#include "screens/service_screen_kit.hpp"
#include "screens/triage/triage_flow.hpp"

namespace kiosk::screens {

namespace {

auto logger() { return log::module("triagescreen"); }

/// Elder mode (large print): no list offers more than six choices at once; normal print eight.
constexpr size_t kPerPageLarge = 6;
constexpr size_t kPerPageNormal = 8;

const ButtonPressed* pressedButton(const UiEvent& event) { return std::get_if<ButtonPressed>(&event); }
TriageFlow& flowOf(ScreenContext& context) { return context.services.triage(); }
TriageView viewOf(const ScreenContext& context) { return context.services.triage().view(); }
const triage::Rules* rulesOf(const ScreenContext& context) { return context.services.triage().rules(); }

std::string todayOf(const ScreenContext& context) {
    const WallTime now = context.timeZone.at(context.clock.wallNow());
    return fmt::format("{:04}-{:02}-{:02}", now.year, now.month, now.day);
}

float listBottom(const Ui& ui) { return ui.layout.contentMax.y - ui.theme.buttonHeight - ui.theme.gap; }

/// The least height of each row of a grid of `columns` buttons `width` wide: the tallest label of
/// the row (large print wraps long English names), never under one touch target.
/// A short last row shares the whole width among its buttons ("Whole body, other" keeps one line).
float widthInRow(const Ui& ui, size_t count, size_t columns, size_t row, float width) {
    const size_t inRow = std::min(columns, count - row * columns);
    if (inRow == columns) return width;
    const float span = width * static_cast<float>(columns) + ui.theme.gap * static_cast<float>(columns - 1);
    return (span - ui.theme.gap * static_cast<float>(inRow - 1)) / static_cast<float>(inRow);
}

std::vector<float> gridRowHeights(const Ui& ui, const std::vector<RowButton>& buttons, size_t columns, float width) {
    std::vector<float> rows((buttons.size() + columns - 1) / columns, ui.theme.buttonHeight);
    for (size_t i = 0; i < buttons.size(); ++i) {
        const size_t row = i / columns;
        rows[row] = std::max(rows[row], labelHeightIn(ui, buttons[i].label, widthInRow(ui, buttons.size(), columns, row, width)));
    }
    return rows;
}

/// The height a grid of `columns` across `span` pixels takes at least: its rows' least heights
/// and the gaps, which close to half a gap (still over 3 mm) where `room` is short.
float gridHeight(const Ui& ui, const std::vector<RowButton>& buttons, size_t columns, float span, float room = FLT_MAX) {
    const float width = (span - ui.theme.gap * static_cast<float>(columns - 1)) / static_cast<float>(columns);
    const std::vector<float> rows = gridRowHeights(ui, buttons, columns, width);
    const float sum = std::accumulate(rows.begin(), rows.end(), 0.0F);
    const auto gaps = static_cast<float>(rows.size() - 1);
    return sum + gaps * ui.theme.gap <= room ? sum + gaps * ui.theme.gap : sum + gaps * ui.theme.gap / 2;
}

/// Buttons in a grid of `columns` from the cursor down to `bottom`, rows as tall as fit (at least
/// one touch target and the row's tallest label, at most `maxRowHeight` unless a label needs
/// more). Where the rows do not fit at one height, each row takes just what its labels need and
/// the gaps close to half.
void buttonGrid(Ui& ui, const std::vector<RowButton>& buttons, int columns, float bottom, float maxRowHeight, float x0 = 0, float x1 = 0) {
    if (buttons.empty()) return;
    const Layout& l = ui.layout;
    if (x1 <= x0) {
        x0 = l.contentMin.x;
        x1 = l.contentMax.x;
    }
    float gap = ui.theme.gap;
    const float width = (x1 - x0 - gap * static_cast<float>(columns - 1)) / static_cast<float>(columns);
    const float top = ImGui::GetCursorScreenPos().y;
    std::vector<float> heights = gridRowHeights(ui, buttons, static_cast<size_t>(columns), width);
    const auto rows = static_cast<float>(heights.size());
    const float tallest = *std::max_element(heights.begin(), heights.end());
    const float even = (bottom - top - gap * (rows - 1)) / rows;
    if (even >= tallest) {
        std::fill(heights.begin(), heights.end(), std::min(even, std::max(maxRowHeight, tallest)));
    } else if (std::accumulate(heights.begin(), heights.end(), 0.0F) + gap * (rows - 1) > bottom - top) {
        gap /= 2;
    }
    float y = top;
    for (size_t row = 0; row < heights.size(); ++row) {
        const float rowWidth = widthInRow(ui, buttons.size(), static_cast<size_t>(columns), row, width);
        for (size_t column = 0; column < static_cast<size_t>(columns); ++column) {
            const size_t i = row * static_cast<size_t>(columns) + column;
            if (i >= buttons.size()) break;
            ImGui::SetCursorScreenPos(ImVec2(x0 + static_cast<float>(column) * (rowWidth + ui.theme.gap), y));
            ui.button(buttons[i].id, buttons[i].label, ImVec2(rowWidth, heights[row]), buttons[i].kind, ui.fonts.body());
        }
        y += heights[row] + gap;
    }
    ImGui::SetCursorScreenPos(ImVec2(x0, y));
}

/// The bottom row, left to right, across the content width.
void bottomRow(Ui& ui, const std::vector<RowButton>& row) {
    const Layout& l = ui.layout;
    const float gap = ui.theme.gap;
    const auto count = static_cast<float>(row.size());
    const float width = (l.contentWidth() - gap * (count - 1)) / count;
    for (size_t i = 0; i < row.size(); ++i) {
        ImGui::SetCursorScreenPos(ImVec2(l.contentMin.x + static_cast<float>(i) * (width + gap), l.contentMax.y - ui.theme.buttonHeight));
        ui.button(row[i].id, row[i].label, ImVec2(width, ui.theme.buttonHeight), row[i].kind, ui.fonts.body());
    }
}

/// The hospital's name for a department where the HIS gave it, else the rules file's.
std::string departmentName(const ScreenContext& context, const TriageView& view, const triage::RankedDepartment& ranked) {
    const bool zh = context.text.language() == "zh_CN";
    if (auto found = view.site.find(ranked.code); found != view.site.end()) {
        if (!zh && !found->second.nameEn.empty()) return found->second.nameEn;
        if (!found->second.name.empty() && (zh || found->second.nameEn.empty())) return found->second.name;
    }
    return ranked.name.in(context.text.language());
}

/// Symptoms per page in this print size.
size_t perPageFor(const Ui& ui) { return ui.fonts.largePrint() ? kPerPageLarge : kPerPageNormal; }

/// Landscape (1080 px high, too little for a title, a list and a bottom row one above the
/// other): the list on the left under its title, the screen's buttons in a column on the right.
struct Landscape {
    float mainX0, mainX1, sideX0, sideX1, top;
};
Landscape landscapeOf(const Ui& ui) {
    const Layout& l = ui.layout;
    const float sideWidth = l.contentWidth() * 0.28F;
    return {l.contentMin.x, l.contentMax.x - sideWidth - ui.theme.gap, l.contentMax.x - sideWidth, l.contentMax.x, l.contentMin.y + 8};
}
/// The title over the main column at its top; the cursor goes below it. A title that would take
/// two lines is set in the body face (as serviceTitle): at large print a second title line costs
/// a row of symptoms, or pushes the emergency's reasons off the screen.
void landscapeTitle(Ui& ui, const Landscape& at, const std::string& text, ImU32 color = 0) {
    ImGui::SetCursorScreenPos(ImVec2(at.mainX0, at.top));
    const float width = at.mainX1 - at.mainX0;
    ImFont* face = ui.fonts.title();
    if (ui.measure(text, face, width).y > ui.measure("A", face, width).y * 1.5F) face = ui.fonts.body();
    ui.centered(text, face, color ? color : ui.theme.colors.text, at.mainX0, at.mainX1);  // the cursor is below it
}
/// The side column's buttons stacked from its bottom up (the first at the bottom).
void sideButtons(Ui& ui, const Landscape& at, const std::vector<RowButton>& buttons) {
    const Layout& l = ui.layout;
    for (size_t i = 0; i < buttons.size(); ++i) {
        const float y = l.contentMax.y - ui.theme.buttonHeight - static_cast<float>(i) * (ui.theme.buttonHeight + ui.theme.gap);
        ImGui::SetCursorScreenPos(ImVec2(at.sideX0, y));
        ui.button(buttons[i].id, buttons[i].label, ImVec2(at.sideX1 - at.sideX0, ui.theme.buttonHeight), buttons[i].kind, ui.fonts.body());
    }
}

}  // namespace

// ---- the body map ----------------------------------------------------------------------------

void TriageBodyScreen::onEnter(ScreenContext& context) {
    page_ = 0;
    if (!viewOf(context).started) flowOf(context).begin(context.session.identity(), todayOf(context));
}

Transition TriageBodyScreen::onEvent(ScreenContext& context, const UiEvent& event) {
    const auto* pressed = pressedButton(event);
    if (!pressed) return Transition::none();
    TriageFlow& flow = flowOf(context);
    if (pressed->id == "triage.body.back") {
        flow.reset();
        return Transition::to("menu");
    }
    // The other side has other regions: its first page.
    if (pressed->id == "triage.side.front" || pressed->id == "triage.side.back") page_ = 0;
    if (pressed->id == "triage.side.front") flow.chooseSide(triage::BodyView::front);
    if (pressed->id == "triage.side.back") flow.chooseSide(triage::BodyView::back);
    if (pressed->id == "triage.page.next" || pressed->id == "triage.page.previous") {
        const triage::Rules* rules = rulesOf(context);
        const size_t count = rules ? rules->regionsFor(flow.view().side).size() : 0;
        const size_t pages = std::max<size_t>(1, (count + perPage_ - 1) / std::max<size_t>(1, perPage_));
        if (pressed->id == "triage.page.next" && page_ + 1 < pages) ++page_;
        if (pressed->id == "triage.page.previous" && page_ > 0) --page_;
        return Transition::none();
    }
    if (pressed->id == "triage.age.adult") flow.chooseAge(triage::AgeGroup::adult);
    if (pressed->id == "triage.age.child") flow.chooseAge(triage::AgeGroup::child);
    if (pressed->id.starts_with("triage.region.")) {
        flow.chooseRegion(pressed->id.substr(14));
        return Transition::to("triage.symptoms");
    }
    return Transition::none();
}

void TriageBodyScreen::draw(const ScreenContext& context, Ui& ui) const {
    const Layout& l = ui.layout;
    const TriageView view = viewOf(context);
    const triage::Rules* rules = rulesOf(context);
    if (!rules) {
        serviceTitle(context, ui, "triage.body.title");
        return;
    }
    // Front / back and adult / child: four big buttons in one row, the chosen ones filled (and
    // the others outlined: the choice is also in words above the regions, not in colour alone).
    const bool front = view.side == triage::BodyView::front;
    const bool adult = view.age == triage::AgeGroup::adult;
    std::vector<RowButton> toggles{
        {"triage.side.front", context.text.tr("triage.side.front"), front ? ButtonKind::primary : ButtonKind::secondary},
        {"triage.side.back", context.text.tr("triage.side.back"), front ? ButtonKind::secondary : ButtonKind::primary},
        {"triage.age.adult", context.text.tr("triage.age.adult"), adult ? ButtonKind::primary : ButtonKind::secondary},
        {"triage.age.child", context.text.tr("triage.age.child"), adult ? ButtonKind::secondary : ButtonKind::primary},
    };
    // What is shown, in words: "成人 · 正面".
    const std::string shown = context.text.tr(adult ? "triage.age.adult" : "triage.age.child") + " · " +
                              context.text.tr(front ? "triage.side.front" : "triage.side.back");
    std::vector<RowButton> regions;
    for (const triage::Region* region : rules->regionsFor(view.side)) {
        regions.push_back({"triage.region." + region->id, region->name.in(context.text.language()), ButtonKind::primary});
    }
    // Not "Back": beside the "Back" of the body's sides (English) that would be two buttons with
    // one word. It leaves triage for the services.
    const RowButton back{"triage.body.back", context.text.tr("triage.body.to_menu"), ButtonKind::secondary};
    if (l.portrait) {
        // Portrait: the title, the four toggles, what is shown and the hint, then the regions
        // head to toe in two columns (three in large print when two do not fit).
        // Elder mode: the title without the extra space around it (the regions need the room).
        if (ui.theme.elder) {
            ui.centered(context.text.tr("triage.body.title"), ui.fonts.title(), ui.theme.colors.text, l.contentMin.x, l.contentMax.x);
        } else {
            serviceTitle(context, ui, "triage.body.title");
        }
        const float togglesTop = ImGui::GetCursorScreenPos().y;
        buttonGrid(ui, toggles, 4, togglesTop + ui.theme.buttonHeight, ui.theme.buttonHeight);
        // The regions in two columns where they fit, else three (each row as tall as its
        // longest name needs). Where neither fits under the full hint (large print), the hint
        // keeps only what is shown ("成人 · 正面") and the spaces around it close.
        const float spacing = ImGui::GetStyle().ItemSpacing.y;
        const std::string fullHint = shown + " — " + context.text.tr("triage.body.hint");
        const float fullHintHeight = ui.theme.gap + 3 * spacing + ui.measure(fullHint, ui.fonts.body(), l.contentWidth()).y * 1.25F;
        // (The last row must end a gap above "back": listBottom() allows for it, the grid's own
        // item spacing takes one more.)
        const float room = listBottom(ui) - ImGui::GetCursorScreenPos().y - spacing;
        const float span = l.contentWidth();
        const float least = std::min(gridHeight(ui, regions, 2, span, room - fullHintHeight), gridHeight(ui, regions, 3, span, room - fullHintHeight));
        const bool fullHintFits = fullHintHeight + least <= room;
        // Last of all (English at large print) the words go: the chosen toggles still differ
        // from the others in shape (filled, not outlined), not in colour alone.
        const float shownHeight = spacing + ui.measure(shown, ui.fonts.body(), l.contentWidth()).y * 1.25F;
        const bool shownFits = shownHeight + least <= room;
        if (fullHintFits) ui.space(ui.theme.gap / 2);
        if (fullHintFits || shownFits) {
            ui.centered(fullHintFits ? fullHint : shown, ui.fonts.body(), ui.theme.colors.mutedText, l.contentMin.x, l.contentMax.x);
        }
        if (fullHintFits) ui.space(ui.theme.gap / 2);
        const float gridRoom = listBottom(ui) - ImGui::GetCursorScreenPos().y;
        const float twoColumns = gridHeight(ui, regions, 2, span, gridRoom);
        const int columns = twoColumns <= gridRoom || twoColumns <= gridHeight(ui, regions, 3, span, gridRoom) ? 2 : 3;
        buttonGrid(ui, regions, columns, listBottom(ui), ui.theme.buttonHeight * 1.6F);
        bottomRow(ui, {back});
        perPage_ = regions.size();
        return;
    }
    // Landscape: the title (with what is shown) and the regions in three columns on the left;
    // the toggles (two by two) and "back" in the side column.
    const Landscape at = landscapeOf(ui);
    const float mainWidth = at.mainX1 - at.mainX0;
    auto oneLine = [&](const std::string& text, ImFont* face) {
        return ui.measure(text, face, mainWidth).y <= ui.measure("A", face, mainWidth).y * 1.5F;
    };
    // Large print, English: the title and what is shown do not keep one line; the title keeps
    // the title face and what is shown moves under the toggles it names (where there is room).
    const std::string title = context.text.tr("triage.body.title");
    const std::string titleWithShown = title + " (" + shown + ")";
    const bool shownInTitle = oneLine(titleWithShown, ui.fonts.title());
    const std::string titleText = shownInTitle ? titleWithShown : title;
    ImGui::SetCursorScreenPos(ImVec2(at.mainX0, at.top));
    ui.centered(titleText, oneLine(titleText, ui.fonts.title()) ? ui.fonts.title() : ui.fonts.body(), ui.theme.colors.text, at.mainX0,
                at.mainX1);
    const float regionsTop = ImGui::GetCursorScreenPos().y;
    ImGui::SetCursorScreenPos(ImVec2(at.sideX0, at.top));
    buttonGrid(ui, toggles, 2, at.top + ui.theme.buttonHeight * 2 + ui.theme.gap, ui.theme.buttonHeight, at.sideX0, at.sideX1);
    const float togglesBottom = ImGui::GetCursorScreenPos().y;
    // All the regions where they fit under the title (Chinese; normal print). Otherwise
    // (large print, English names on two lines: three rows of them are taller than the screen)
    // six a page, two rows of three, with "next" / "previous" in the side column above "back".
    const float room = l.contentMax.y - regionsTop;
    perPage_ = regions.size();
    if (gridHeight(ui, regions, 3, mainWidth, room) > room) perPage_ = std::min(regions.size(), size_t{6});
    const size_t pages = std::max<size_t>(1, (regions.size() + perPage_ - 1) / perPage_);
    const size_t page = std::min(page_, pages - 1);
    const std::vector<RowButton> pageRegions(regions.begin() + static_cast<std::ptrdiff_t>(page * perPage_),
                                             regions.begin() + static_cast<std::ptrdiff_t>(std::min(regions.size(), (page + 1) * perPage_)));
    std::vector<RowButton> side{back};
    if (page > 0) side.push_back({"triage.page.previous", context.text.tr("booking.page.previous"), ButtonKind::secondary});
    if (page + 1 < pages) side.push_back({"triage.page.next", context.text.tr("booking.page.next"), ButtonKind::secondary});
    sideButtons(ui, at, side);
    const float sideButtonsTop = l.contentMax.y - static_cast<float>(side.size()) * (ui.theme.buttonHeight + ui.theme.gap);
    if (!shownInTitle) {
        const float shownHeight = ui.measure(shown, ui.fonts.body(), at.sideX1 - at.sideX0).y;
        if (togglesBottom + shownHeight <= sideButtonsTop) {
            ImGui::SetCursorScreenPos(ImVec2(at.sideX0, togglesBottom));
            ui.centered(shown, ui.fonts.body(), ui.theme.colors.mutedText, at.sideX0, at.sideX1);
        }
    }
    ImGui::SetCursorScreenPos(ImVec2(at.mainX0, regionsTop));
    buttonGrid(ui, pageRegions, 3, l.contentMax.y, ui.theme.buttonHeight * 1.6F, at.mainX0, at.mainX1);
}

// ---- the symptoms of a region ---------------------------------------------------------------

namespace {
/// The region's symptoms for the patient, then "none of these" (the general clinic).
std::vector<RowButton> symptomChoices(const ScreenContext& context, const TriageView& view) {
    std::vector<RowButton> out;
    const triage::Rules* rules = rulesOf(context);
    if (!rules) return out;
    for (const triage::Symptom* symptom : rules->symptomsFor(view.region, view.age, view.sex)) {
        const std::string& name = symptom->name.in(context.text.language());
        // A red flag says so in words ("急症：…"), not by its colour alone.
        out.push_back({"triage.symptom." + symptom->id,
                       symptom->redFlag ? context.text.tr("triage.symptom.urgent", {{"name", name}}) : name,
                       symptom->redFlag ? ButtonKind::alert : ButtonKind::primary});
    }
    out.push_back({"triage.symptom.none", context.text.tr("triage.symptom.none"), ButtonKind::secondary});
    return out;
}
}  // namespace

Transition TriageSymptomsScreen::onEvent(ScreenContext& context, const UiEvent& event) {
    const auto* pressed = pressedButton(event);
    if (!pressed) return Transition::none();
    const TriageView view = viewOf(context);
    const size_t count = symptomChoices(context, view).size();
    const size_t pages = std::max<size_t>(1, (count + perPage_ - 1) / std::max<size_t>(1, perPage_));
    if (pressed->id == "triage.symptoms.back") return Transition::to("triage.body");
    if (pressed->id == "triage.page.next") {
        if (page_ + 1 < pages) ++page_;
        return Transition::none();
    }
    if (pressed->id == "triage.page.previous") {
        if (page_ > 0) --page_;
        return Transition::none();
    }
    if (pressed->id == "triage.symptom.none") {
        flowOf(context).chooseSymptom("");
        return Transition::to("triage.advice");
    }
    if (pressed->id.starts_with("triage.symptom.")) {
        flowOf(context).chooseSymptom(pressed->id.substr(15));
        return Transition::to(flowOf(context).view().advice.emergency ? "triage.emergency" : "triage.advice");
    }
    return Transition::none();
}

void TriageSymptomsScreen::draw(const ScreenContext& context, Ui& ui) const {
    const Layout& l = ui.layout;
    const TriageView view = viewOf(context);
    const triage::Rules* rules = rulesOf(context);
    const triage::Region* region = rules ? rules->region(view.region) : nullptr;
    const std::string title =
        context.text.tr("triage.symptoms.title", {{"region", region ? region->name.in(context.text.language()) : view.region}});
    const std::vector<RowButton> choices = symptomChoices(context, view);
    // Portrait: one column (long English names keep one line) above the bottom row. Landscape:
    // two columns on the left, back / previous / next in the side column.
    const Landscape at = landscapeOf(ui);
    float bottom = listBottom(ui);
    float x0 = l.contentMin.x;
    float x1 = l.contentMax.x;
    if (l.portrait) {
        ui.space(40);
        ui.centered(title, ui.fonts.title(), ui.theme.colors.text, l.contentMin.x, l.contentMax.x);
        ui.space(28);
    } else {
        landscapeTitle(ui, at, title);
        bottom = l.contentMax.y;
        x0 = at.mainX0;
        x1 = at.mainX1;
    }
    const size_t columns = l.portrait ? 1 : 2;
    // Rows as tall as the longest symptom needs at this width ("Urgent: Fever in a baby under 3
    // months" takes two lines at large print): as many as fit.
    const float columnWidth = (x1 - x0 - ui.theme.gap * static_cast<float>(columns - 1)) / static_cast<float>(columns);
    float tallest = ui.theme.buttonHeight;
    for (const RowButton& choice : choices) tallest = std::max(tallest, labelHeightIn(ui, choice.label, columnWidth));
    perPage_ = std::clamp<size_t>(rowsThatFit(ui, bottom, tallest) * columns, 1, perPageFor(ui));
    const size_t pages = std::max<size_t>(1, (choices.size() + perPage_ - 1) / perPage_);
    const size_t page = std::min(page_, pages - 1);
    const std::vector<RowButton> shown(choices.begin() + static_cast<std::ptrdiff_t>(page * perPage_),
                                       choices.begin() + static_cast<std::ptrdiff_t>(std::min(choices.size(), (page + 1) * perPage_)));
    buttonGrid(ui, shown, static_cast<int>(columns), bottom, ui.theme.buttonHeight * 1.3F, x0, x1);
    std::vector<RowButton> row{{"triage.symptoms.back", context.text.tr("common.back"), ButtonKind::secondary}};
    if (page > 0) row.push_back({"triage.page.previous", context.text.tr("booking.page.previous"), ButtonKind::secondary});
    if (page + 1 < pages) row.push_back({"triage.page.next", context.text.tr("booking.page.next"), ButtonKind::secondary});
    if (l.portrait) {
        bottomRow(ui, row);
    } else {
        sideButtons(ui, at, row);
    }
}

// ---- the advice ------------------------------------------------------------------------------

Transition TriageAdviceScreen::onEvent(ScreenContext& context, const UiEvent& event) {
    const auto* pressed = pressedButton(event);
    if (!pressed) return Transition::none();
    if (pressed->id == "triage.advice.back") return Transition::to("triage.symptoms");
    if (pressed->id == "triage.advice.start_over") return Transition::to("triage.body");
    if (pressed->id.starts_with("triage.book.")) {
        const TriageView view = viewOf(context);
        const std::string code = pressed->id.substr(12);
        if (!view.bookingAvailable || !view.site.contains(code)) return Transition::none();
        logger()->info("triage: booking {} from the advice", code);
        // Booking's own entry: its list of departments read, then this one's doctors.
        context.services.booking().reset();
        context.services.booking().openDepartment(context.session.identity(), todayOf(context), code);
        return Transition::to("book.doctors");
    }
    return Transition::none();
}

void TriageAdviceScreen::draw(const ScreenContext& context, Ui& ui) const {
    const Layout& l = ui.layout;
    const TriageView view = viewOf(context);
    const triage::Rules* rules = rulesOf(context);
    const std::string& language = context.text.language();
    const triage::Symptom* symptom = rules ? rules->symptom(view.symptom) : nullptr;
    const std::string chosen = symptom ? context.text.tr("triage.advice.chosen", {{"symptom", symptom->name.in(language)}})
                                       : context.text.tr("triage.advice.none_chosen");
    const std::vector<RowButton> buttons{{"triage.advice.back", context.text.tr("common.back"), ButtonKind::secondary},
                                         {"triage.advice.start_over", context.text.tr("triage.advice.start_over"), ButtonKind::secondary}};
    // Portrait: title, what was chosen, the departments, the notes, then the bottom row.
    // Landscape: title and departments on the left; the notes and the buttons in the side column.
    const Landscape at = landscapeOf(ui);
    float x0 = l.contentMin.x;
    float x1 = l.contentMax.x;
    float bottom = listBottom(ui);
    if (l.portrait) {
        serviceTitle(context, ui, "triage.advice.title");
        ui.centered(chosen, ui.fonts.body(), ui.theme.colors.mutedText, x0, x1);
        ui.space(ui.theme.gap / 2);
        // Room for the notes under the departments.
        bottom -= ui.fonts.bodySize() * (view.bookingAvailable ? 2.6F : 5.2F);
    } else {
        landscapeTitle(ui, at, context.text.tr("triage.advice.title"));
        x0 = at.mainX0;
        x1 = at.mainX1;
        bottom = l.contentMax.y;
    }

    // One panel per department: name, where it is, why (and "children are seen in paediatrics");
    // the booking button on its right. As many as fit (at least one).
    const float pad = ui.theme.gap / 2;
    const float lineGap = 6;
    float y = ImGui::GetCursorScreenPos().y;
    bool first = true;
    for (const triage::RankedDepartment& ranked : view.advice.departments) {
        const bool bookable = view.bookingAvailable && view.site.contains(ranked.code);
        // "Book Cardiology" on the button where it fits; else (large print, long names) just
        // "Book": the department's name is in the panel beside it.
        std::string bookLabel = context.text.tr("triage.advice.book", {{"department", departmentName(context, view, ranked)}});
        const float buttonWidth = (x1 - x0) * 0.36F;
        if (!ui.labelFits(bookLabel, ImVec2(buttonWidth, ui.theme.buttonHeight), ui.fonts.body())) {
            bookLabel = context.text.tr("triage.advice.book_short");
        }
        const float textX0 = x0 + pad;
        const float textX1 = (bookable ? x1 - buttonWidth - ui.theme.gap : x1) - pad;
        const float textWidth = textX1 - textX0;
        std::vector<std::pair<std::string, ImFont*>> lines;
        // The name in the title face where it fits beside the button, else in the body face.
        const std::string name = departmentName(context, view, ranked);
        lines.emplace_back(name, ui.measure(name, ui.fonts.title()).x <= textWidth ? ui.fonts.title() : ui.fonts.body());
        if (auto found = view.site.find(ranked.code); found != view.site.end() && !found->second.location.empty()) {
            lines.emplace_back(found->second.location, ui.fonts.body());
        }
        lines.emplace_back(ranked.reason.in(language), ui.fonts.body());
        if (ranked.forChild) lines.emplace_back(context.text.tr("triage.advice.for_child"), ui.fonts.body());
        if (view.bookingAvailable && !bookable) lines.emplace_back(context.text.tr("triage.advice.no_booking_here"), ui.fonts.body());
        float textHeight = 0;
        for (const auto& [value, font] : lines) textHeight += ui.measure(value, font, textWidth).y + lineGap;
        const float height = std::max(textHeight, ui.theme.buttonHeight) + pad * 2;
        if (!first && y + height > bottom) break;
        first = false;
        ImGui::GetWindowDrawList()->AddRectFilled(ImVec2(x0, y), ImVec2(x1, y + height), ui.theme.colors.panel, ui.theme.rounding);
        float ty = y + pad;
        for (size_t i = 0; i < lines.size(); ++i) {
            // The location in the muted colour (it is also on the hospital's signs), the rest plain.
            const bool location = i == 1 && lines.size() > 2 && view.site.contains(ranked.code);
            ui.textAt(ImVec2(textX0, ty), lines[i].first, lines[i].second, location ? ui.theme.colors.mutedText : ui.theme.colors.text, textWidth);
            ty += ui.measure(lines[i].first, lines[i].second, textWidth).y + lineGap;
        }
        if (bookable) {
            ImGui::SetCursorScreenPos(ImVec2(x1 - buttonWidth - pad, y + (height - ui.theme.buttonHeight) / 2));
            ui.button("triage.book." + ranked.code, bookLabel, ImVec2(buttonWidth, ui.theme.buttonHeight), ButtonKind::primary, ui.fonts.body());
        }
        y += height + ui.theme.gap / 2;
    }

    // The notes: booking not available here (when so), what was chosen (landscape), "guidance,
    // not a diagnosis" where there is room.
    float notesX0 = x0;
    float notesWidth = x1 - x0;
    float notesBottom = listBottom(ui);
    if (l.portrait) {
        ImGui::SetCursorScreenPos(ImVec2(x0, y + ui.theme.gap / 2));
    } else {
        notesX0 = at.sideX0;
        notesWidth = at.sideX1 - at.sideX0;
        notesBottom = l.contentMax.y - static_cast<float>(buttons.size()) * (ui.theme.buttonHeight + ui.theme.gap);
        ImGui::SetCursorScreenPos(ImVec2(notesX0, at.top));
        ui.paragraph(chosen, ui.fonts.body(), ui.theme.colors.mutedText, notesWidth);
        ui.space(ui.theme.gap / 3);
    }
    if (!view.bookingAvailable) {
        ImGui::SetCursorScreenPos(ImVec2(notesX0, ImGui::GetCursorScreenPos().y));
        drawPatientMessage(context, ui, PatientMessage{"triage.advice.booking_unavailable", true}, notesWidth,
                           notesBottom - ImGui::GetCursorScreenPos().y);
        ui.space(ui.theme.gap / 3);
    }
    const std::string disclaimer = context.text.tr("triage.advice.disclaimer");
    if (notesBottom - ImGui::GetCursorScreenPos().y > ui.measure(disclaimer, ui.fonts.body(), notesWidth).y + ui.theme.gap) {
        ImGui::SetCursorScreenPos(ImVec2(notesX0, ImGui::GetCursorScreenPos().y));
        ui.paragraph(disclaimer, ui.fonts.body(), ui.theme.colors.mutedText, notesWidth);
    }
    if (l.portrait) {
        bottomRow(ui, buttons);
    } else {
        sideButtons(ui, at, {buttons[1], buttons[0]});
    }
}

// ---- a red flag ------------------------------------------------------------------------------

Transition TriageEmergencyScreen::onEvent(ScreenContext& context, const UiEvent& event) {
    const auto* pressed = pressedButton(event);
    if (pressed && pressed->id == "triage.emergency.menu") {
        flowOf(context).reset();
        return Transition::to("menu");
    }
    return Transition::none();
}

void TriageEmergencyScreen::draw(const ScreenContext& context, Ui& ui) const {
    const Layout& l = ui.layout;
    const TriageView view = viewOf(context);
    const std::string& language = context.text.language();
    const bool zh = language == "zh_CN";
    const std::string& location = zh ? context.config.triage.emergencyLocationZh : context.config.triage.emergencyLocationEn;
    const RowButton understood{"triage.emergency.menu", context.text.tr("triage.emergency.menu"), ButtonKind::secondary};
    // Portrait: one column, the button at the bottom. Landscape: the title, where and why on the
    // left; "ask staff" and the button in the side column.
    const Landscape at = landscapeOf(ui);
    float x0 = l.contentMin.x;
    float x1 = l.contentMax.x;
    if (l.portrait && ui.theme.elder) {
        // Elder mode: the title without the extra space around it (where and why need the room).
        ui.centered(context.text.tr("triage.emergency.title"), ui.fonts.title(), ui.theme.colors.alert, x0, x1);
    } else if (l.portrait) {
        serviceTitle(context, ui, "triage.emergency.title", ui.theme.colors.alert);
    } else {
        landscapeTitle(ui, at, context.text.tr("triage.emergency.title"), ui.theme.colors.alert);
        x0 = at.mainX0;
        x1 = at.mainX1;
    }
    // Where to go, as large as the title: the one thing to read. Where that leaves too little room
    // for the reasons and the "ask staff" note (large print, English), it steps down to the body
    // face and the gap under it closes.
    const std::string where = context.text.tr("triage.emergency.where", {{"location", location}});
    std::vector<std::string> reasons;
    for (const triage::Symptom* symptom : view.advice.redFlags) {
        reasons.push_back(context.text.tr("triage.emergency.why", {{"symptom", symptom->name.in(language)}, {"why", symptom->why.in(language)}}));
    }
    const float spacing = ImGui::GetStyle().ItemSpacing.y;
    float reasonsHeight = 0;
    for (const auto& reason : reasons) reasonsHeight += ui.measure(reason, ui.fonts.body(), x1 - x0).y + spacing;
    const float staffNeeds = l.portrait ? patientMessageHeight(context, ui, PatientMessage{"triage.emergency.staff", true}, l.contentWidth(), false) +
                                              spacing
                                        : 0;
    const float room = (l.portrait ? listBottom(ui) : l.contentMax.y) - ImGui::GetCursorScreenPos().y;
    const bool roomy = ui.measure(where, ui.fonts.title(), x1 - x0).y * 1.25F + spacing + ui.theme.gap + spacing + reasonsHeight + staffNeeds <= room;
    ui.centered(where, roomy ? ui.fonts.title() : ui.fonts.body(), ui.theme.colors.text, x0, x1);
    if (roomy) ui.space(ui.theme.gap);
    for (const auto& reason : reasons) {
        ImGui::SetCursorScreenPos(ImVec2(x0, ImGui::GetCursorScreenPos().y));
        ui.centered(reason, ui.fonts.body(), ui.theme.colors.text, x0, x1);
    }
    if (l.portrait) {
        if (roomy) ui.space(ui.theme.gap);
        drawPatientMessage(context, ui, PatientMessage{"triage.emergency.staff", true}, 0, listBottom(ui) - ImGui::GetCursorScreenPos().y);
        ImGui::SetCursorScreenPos(ImVec2(l.contentMin.x, l.contentMax.y - ui.theme.buttonHeight));
        ui.button(understood.id, understood.label, ImVec2(l.contentWidth(), ui.theme.buttonHeight), understood.kind, ui.fonts.body());
        return;
    }
    ImGui::SetCursorScreenPos(ImVec2(at.sideX0, at.top));
    drawPatientMessage(context, ui, PatientMessage{"triage.emergency.staff", true}, at.sideX1 - at.sideX0,
                       l.contentMax.y - ui.theme.buttonHeight - ui.theme.gap - at.top);
    sideButtons(ui, at, {understood});
}

}  // namespace kiosk::screens
