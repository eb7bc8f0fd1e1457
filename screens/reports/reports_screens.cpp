#include "screens/reports/reports_screens.hpp"

#include <algorithm>

#include "drivers/common/device_classes.hpp"
#include "kiosk/core/log.hpp"
#include "kiosk/core/mask.hpp"
#include "screens/reports/reports_flow.hpp"
#include "screens/service_screen_kit.hpp"

namespace kiosk::screens {

namespace {

auto logger() { return log::module("reports"); }

const ButtonPressed* pressedButton(const UiEvent& event) { return std::get_if<ButtonPressed>(&event); }

/// The text of `key` with its {placeholders} replaced by `values`.
std::string trWith(const Translator& t, const std::string& key, const std::vector<std::pair<std::string, std::string>>& values) {
    std::string text = t.tr(key);
    for (const auto& [name, value] : values) text = substitute(std::move(text), {{name, value}});
    return text;
}

/// "11-29 16:30" of an ISO 8601 date-time in hospital time; shorter input as it is.
std::string shortDateTime(const std::string& iso) { return iso.size() >= 16 ? iso.substr(5, 5) + " " + iso.substr(11, 5) : iso; }

std::string deskOf(const ScreenContext& context) {
    return context.text.language() == "zh_CN" ? context.config.reports.serviceDeskZh : context.config.reports.serviceDeskEn;
}

/// Where the buttons go: portrait, a row across the bottom; landscape (short screens, large print
/// leaves about 750 pixels under the bars), a column on the right, so the list and the table
/// keep the full height.
float sideColumnX(const Ui& ui) { return ui.layout.contentMin.x + ui.layout.contentWidth() * 0.74F; }

/// The right edge of what the screen draws besides its buttons.
float contentRight(const Ui& ui) { return ui.layout.portrait ? ui.layout.contentMax.x : sideColumnX(ui) - ui.theme.gap; }

/// Portrait: the rows the buttons take, top first. One row where every label fits an equal share
/// of the width; else (large print: "Back to list", "Previous", "Next", "Print this report") the
/// paging buttons in a row above the others, and those one to a row where they do not fit either.
std::vector<std::vector<const RowButton*>> portraitRows(const Ui& ui, const std::vector<RowButton>& buttons) {
    const float gap = ui.theme.gap;
    auto fits = [&](const std::vector<const RowButton*>& row) {
        const auto n = static_cast<float>(row.size());
        const ImVec2 size((ui.layout.contentWidth() - gap * (n - 1)) / n, ui.theme.buttonHeight);
        return std::all_of(row.begin(), row.end(), [&](const RowButton* b) { return ui.labelFits(b->label, size, ui.fonts.body()); });
    };
    std::vector<const RowButton*> all;
    std::vector<const RowButton*> paging;
    std::vector<const RowButton*> others;
    for (const RowButton& b : buttons) {
        all.push_back(&b);
        (b.id.ends_with(".prev") || b.id.ends_with(".next") ? paging : others).push_back(&b);
    }
    if (fits(all)) return {all};
    std::vector<std::vector<const RowButton*>> rows;
    if (!paging.empty()) rows.push_back(paging);
    if (fits(others)) {
        rows.push_back(others);
    } else {
        for (const RowButton* b : others) rows.push_back({b});  // "打印全部未打印报告（3 份）" in large print
    }
    return rows;
}

/// The rows of buttons bottomRow() draws, top first, with the left edge they start at.
struct ButtonRows {
    std::vector<std::vector<const RowButton*>> rows;
    std::vector<float> heights;  ///< each row as tall as its tallest label needs (never under a touch target)
    float x0 = 0;
    float height(float gap) const {
        float total = 0;
        for (const float h : heights) total += h;
        return total + gap * static_cast<float>(heights.size());
    }
};

/// Portrait: across the bottom (portraitRows); landscape (short screens, large print leaves
/// about 750 pixels under the bars): stacked in the right column, "Previous" and "Next" sharing
/// a row, so the list and the table keep the full height.
ButtonRows buttonRows(const Ui& ui, const std::vector<RowButton>& buttons) {
    const Layout& l = ui.layout;
    ButtonRows out;
    out.x0 = l.contentMin.x;
    if (l.portrait) {
        out.rows = portraitRows(ui, buttons);
    } else {
        out.x0 = sideColumnX(ui);
        // Previous and Next share a row where both labels fit half of it ("Previous" in large print does not).
        const ImVec2 half((l.contentMax.x - out.x0 - ui.theme.gap) / 2, ui.theme.buttonHeight);
        for (const RowButton& b : buttons) {
            const bool pairsWithLast = b.id.ends_with(".next") && !out.rows.empty() && out.rows.back().size() == 1 &&
                                       out.rows.back().front()->id.ends_with(".prev") && ui.labelFits(b.label, half, ui.fonts.body()) &&
                                       ui.labelFits(out.rows.back().front()->label, half, ui.fonts.body());
            if (pairsWithLast) out.rows.back().push_back(&b);
            else out.rows.push_back({&b});
        }
    }
    for (const auto& row : out.rows) {
        const auto n = static_cast<float>(row.size());
        const float w = (l.contentMax.x - out.x0 - ui.theme.gap * (n - 1)) / n;
        float h = ui.theme.buttonHeight;
        for (const RowButton* b : row) h = std::max(h, labelHeightIn(ui, b->label, w));
        out.heights.push_back(h);
    }
    return out;
}

/// The buttons as buttonRows() lays them out, from the bottom of the content up (portrait:
/// primary last on the right; landscape: primary at the bottom of the side column).
void bottomRow(Ui& ui, const std::vector<RowButton>& buttons) {
    if (buttons.empty()) return;
    const Layout& l = ui.layout;
    const float gap = ui.theme.gap;
    const ButtonRows layout = buttonRows(ui, buttons);
    float y = l.contentMax.y - layout.height(gap) + gap;
    for (size_t r = 0; r < layout.rows.size(); ++r) {
        const auto n = static_cast<float>(layout.rows[r].size());
        const float w = (l.contentMax.x - layout.x0 - gap * (n - 1)) / n;
        for (size_t i = 0; i < layout.rows[r].size(); ++i) {
            const RowButton* b = layout.rows[r][i];
            ImGui::SetCursorScreenPos(ImVec2(layout.x0 + static_cast<float>(i) * (w + gap), y));
            ui.button(b->id, b->label, ImVec2(w, layout.heights[r]), b->kind);
        }
        y += layout.heights[r] + gap;
    }
}

/// The top of the buttons' rows (portrait; landscape keeps them in the side column): `buttons`
/// as bottomRow() will draw them, or one row.
float bottomRowTop(const Ui& ui, const std::vector<RowButton>& buttons = {}) {
    if (!ui.layout.portrait) return ui.layout.contentMax.y;
    if (buttons.empty()) return ui.layout.contentMax.y - ui.theme.buttonHeight - ui.theme.gap;
    return ui.layout.contentMax.y - buttonRows(ui, buttons).height(ui.theme.gap);
}

/// The status of one report, as its row says it.
std::string statusLine(const ScreenContext& context, const ReportEntry& e) {
    const Translator& t = context.text;
    if (!e.report.ready()) {
        return e.report.expected.empty() ? t.tr("reports.pending") : t.tr("reports.expected", {{"time", shortDateTime(e.report.expected)}});
    }
    switch (e.print) {
        case ReportPrint::queued: return t.tr("reports.status.queued");
        case ReportPrint::printing: return t.tr("reports.status.printing");
        case ReportPrint::failed: return t.tr("reports.status.failed");
        case ReportPrint::printed:
        case ReportPrint::none: break;
    }
    return e.prints() == 0 ? t.tr("reports.status.not_printed") : t.tr("reports.status.printed", {{"count", std::to_string(e.prints())}});
}

/// The run's word for the patient, or none.
std::optional<PatientMessage> printMessage(const ScreenContext& context, const ReportsView& v) {
    if (v.printing) {
        return PatientMessage{"reports.print.progress", false, {},
                              {{"done", std::to_string(std::min(v.printDone + 1, v.printTotal))}, {"total", std::to_string(v.printTotal)}}};
    }
    if (v.printMessageKey.empty()) return std::nullopt;
    if (v.printMessageKey == "reports.print.limit") {
        return PatientMessage{v.printMessageKey, true, {},
                              {{"count", std::to_string(v.limitCount)},
                               {"desk", deskOf(context)}}};
    }
    if (v.printMessageKey == "reports.print.some_failed") {
        // The first failure's reason, in the printer's words.
        std::string why;
        for (const auto& e : v.reports) {
            if (e.print == ReportPrint::failed && !e.printErrorKey.empty()) {
                why = context.text.tr(e.printErrorKey, {{"desk", deskOf(context)}});
                // The sentence goes on after it: its own full stop is dropped.
                for (const std::string_view stop : {"。", "."}) {
                    if (why.ends_with(stop)) why.resize(why.size() - stop.size());
                }
                break;
            }
        }
        return PatientMessage{v.printMessageKey, true, {}, {{"why", why}}};
    }
    return PatientMessage{v.printMessageKey, false};
}

/// "↑ 高" / "↓ 低" / "异常" / "?" / "": the flag as a glyph and a word, never colour alone.
std::string flagText(const Translator& t, LabFlag flag) {
    switch (flag) {
        case LabFlag::high: return t.tr("reports.flag.high");
        case LabFlag::low: return t.tr("reports.flag.low");
        case LabFlag::abnormal: return t.tr("reports.flag.abnormal");
        case LabFlag::unknown: return t.tr("reports.flag.unknown");
        case LabFlag::normal: break;
    }
    return {};
}

/// Starts the kiosk's scanners on a reports screen (a lab slip scanned there prints its report).
std::vector<drivers::Device*> startScanners(ScreenContext& context) {
    std::vector<drivers::Device*> started;
    for (drivers::Device* scanner : context.devices.ofClass(drivers::DeviceClass::scanner)) {
        if (auto ok = scanner->start(context.deviceSink); ok) {
            started.push_back(scanner);
        } else {
            logger()->warn("scanner {} not started: {}", scanner->name(), ok.error().describe());
        }
    }
    return started;
}

void stopScanners(std::vector<drivers::Device*>& scanners) {
    for (drivers::Device* scanner : scanners) scanner->stop();
    scanners.clear();
}

/// The code of a lab slip the scanner read (payload kind report_code), or null.
const std::string* labSlipScanned(const UiEvent& event) {
    const auto* deviceEvent = std::get_if<drivers::DeviceEvent>(&event);
    const auto* scanned = deviceEvent ? std::get_if<drivers::CodeScanned>(deviceEvent) : nullptr;
    if (!scanned) return nullptr;
    if (scanned->rejected || scanned->kind != "report_code") {
        logger()->info("scan on a reports screen ignored: {}", scanned->rejected ? scanned->rejected->describe() : "kind " + scanned->kind);
        return nullptr;
    }
    return &scanned->text;
}

}  // namespace

drivers::ReportPrinter* reportPrinterOf(const drivers::DeviceRegistry& devices) {
    for (const auto& device : devices.all()) {
        if (auto* printer = dynamic_cast<drivers::ReportPrinter*>(device.get())) return printer;
    }
    return nullptr;
}

std::string reportPrinterProblem(const drivers::DeviceRegistry& devices) { return reportPrinterProblemOf(reportPrinterOf(devices)); }

// ---------------------------------------------------------------- reports

void ReportsScreen::onEnter(ScreenContext& context) {
    ReportsFlow& flow = context.services.reports();
    scanners_ = startScanners(context);
    const ReportsView view = flow.view();
    // Back from a report: the same list (and page). From the menu: read it afresh.
    if (view.stage == ReportsStage::list && !view.selected.empty()) return;
    page_ = 0;
    flow.start(context.session.identity(), reportPrinterOf(context.devices), context.deviceSink);
}

void ReportsScreen::onExit(ScreenContext&) { stopScanners(scanners_); }

Transition ReportsScreen::onEvent(ScreenContext& context, const UiEvent& event) {
    ReportsFlow& flow = context.services.reports();
    if (const std::string* code = labSlipScanned(event)) {
        // A lab slip scanned during the patient's session: that report, printed at once (it
        // may be a relative's: the slip is the authority, and only what it says is shown).
        if (flow.view().printing) return Transition::none();
        logger()->info("lab slip scanned on the reports list");
        flow.startBySlip(*code, reportPrinterOf(context.devices), context.deviceSink, false);
        return Transition::to("reports.slip");
    }
    const auto* pressed = pressedButton(event);
    if (!pressed) return Transition::none();
    const ReportsView view = flow.view();
    if (pressed->id == "reports.menu" && !view.printing) {
        flow.select({});
        return Transition::to("menu");
    }
    if (pressed->id == "reports.prev" && page_ > 0) --page_;
    if (pressed->id == "reports.next" && (page_ + 1) * perPage_ < view.reports.size()) ++page_;
    if (pressed->id == "reports.print_all" && !view.working()) {
        const auto ids = view.notYetPrinted();
        logger()->info("print all not yet printed: {} report(s)", ids.size());
        flow.print(ids, reportPrinterOf(context.devices));
    }
    if (pressed->id.starts_with("reports.open.") && !view.printing) {
        const size_t index = std::stoul(pressed->id.substr(13));
        if (index < view.reports.size() && view.reports[index].report.ready()) {
            flow.select(view.reports[index].report.id);
            return Transition::to("reports.detail");
        }
    }
    return Transition::none();
}

void ReportsScreen::draw(const ScreenContext& context, Ui& ui) const {
    const Layout& l = ui.layout;
    const Palette& c = ui.theme.colors;
    const Translator& t = context.text;
    const ReportsView view = context.services.reports().view();
    const float x0 = l.contentMin.x;
    const float x1 = contentRight(ui);
    const float width = x1 - x0;
    const RowButton menu{"reports.menu", t.tr("reports.menu"), ButtonKind::secondary};
    serviceTitle(context, ui, "reports.title");
    if (view.stage == ReportsStage::idle || view.stage == ReportsStage::loading) {
        drawPatientMessage(context, ui, PatientMessage{"reports.loading", false});
        return;
    }
    if (view.stage == ReportsStage::stopped) {
        const std::string key = view.error && view.error->code == Errc::not_found ? "reports.error.not_found"
                                : view.error && view.error->messageKey == "reports.error.unavailable"
                                    ? "reports.error.unavailable"
                                    : "reports.error.his";
        drawPatientMessage(context, ui, PatientMessage{key, true}, width, bottomRowTop(ui) - ImGui::GetCursorScreenPos().y);
        bottomRow(ui, {{menu.id, menu.label, ButtonKind::primary}});
        return;
    }
    const std::string printerProblem = reportPrinterProblem(context.devices);
    ImFont* body = ui.fonts.body();
    const float after = l.portrait ? 10.0F : 4.0F;
    if (!printerProblem.empty()) {
        ui.paragraph(t.tr(printerProblem, {{"desk", deskOf(context)}}), body, c.alert, width);
        ui.space(after);
    }
    if (view.reports.empty()) {
        drawPatientMessage(context, ui, PatientMessage{"reports.none", false}, width, bottomRowTop(ui) - ImGui::GetCursorScreenPos().y);
        bottomRow(ui, {{menu.id, menu.label, ButtonKind::primary}});
        return;
    }
    // The run's message above the buttons; the rows fill what is left.
    const auto message = printMessage(context, view);
    const float messageHeight = message ? ui.measure(trWith(t, message->key, message->values), body, width).y + ui.theme.gap : 0;
    const size_t waiting = view.notYetPrinted().size();
    const bool printAll = printerProblem.empty() && waiting > 0 && !view.printing;
    const RowButton print{"reports.print_all", t.tr("reports.print_all", {{"count", std::to_string(waiting)}}), ButtonKind::primary};
    std::vector<RowButton> buttons{menu};
    if (printAll) buttons.push_back(print);
    const float rowsTop = ImGui::GetCursorScreenPos().y;
    float rowsBottom = bottomRowTop(ui, buttons) - messageHeight;
    const float split = x0 + width * (l.portrait ? 0.56F : 0.58F);
    // Every row as tall as the tallest title needs (large print wraps "血常规检验报告 Complete
    // blood count"), and never shorter than the two lines beside it.
    float buttonHeight = ui.fonts.bodySize() * 1.2F * 2 + 12;
    for (const ReportEntry& e : view.reports) {
        buttonHeight = std::max(buttonHeight, labelHeightIn(ui, e.report.title.empty() ? t.tr("reports.untitled") : e.report.title, split - x0));
    }
    const float rowHeight = buttonHeight + ui.theme.gap;
    perPage_ = std::max<size_t>(1, static_cast<size_t>((rowsBottom - rowsTop + ui.theme.gap) / rowHeight));
    if (view.reports.size() > perPage_) {
        // Paged: the previous / next buttons may need a row of their own (large print, English).
        std::vector<RowButton> withPaging{menu, {"reports.prev", t.tr("reports.prev"), ButtonKind::secondary},
                                          {"reports.next", t.tr("reports.next"), ButtonKind::secondary}};
        if (printAll) withPaging.push_back(print);
        rowsBottom = bottomRowTop(ui, withPaging) - messageHeight;
        perPage_ = std::max<size_t>(1, static_cast<size_t>((rowsBottom - rowsTop + ui.theme.gap) / rowHeight));
    }
    const size_t pages = (view.reports.size() + perPage_ - 1) / perPage_;
    const size_t page = std::min(page_, pages - 1);
    for (size_t i = page * perPage_; i < std::min(view.reports.size(), (page + 1) * perPage_); ++i) {
        const ReportEntry& e = view.reports[i];
        const float y = rowsTop + static_cast<float>(i - page * perPage_) * rowHeight;
        const std::string title = e.report.title.empty() ? t.tr("reports.untitled") : e.report.title;
        if (e.report.ready()) {
            ImGui::SetCursorScreenPos(ImVec2(x0, y));
            ui.button("reports.open." + std::to_string(i), title, ImVec2(split - x0, buttonHeight), ButtonKind::secondary);
        } else {
            // Pending: nothing to open yet; its title in muted ink where the button would be.
            ui.textAt(ImVec2(x0 + ui.theme.gap / 2, y + 8), title, body, c.mutedText, split - x0 - ui.theme.gap);
        }
        const float sx = split + ui.theme.gap / 2;
        std::string where = e.report.department;
        if (e.report.ready() && !e.report.issued.empty()) where += (where.empty() ? "" : " · ") + shortDateTime(e.report.issued);
        ui.textAt(ImVec2(sx, y + 6), where, body, c.text, x1 - sx);
        const bool alert = e.print == ReportPrint::failed;
        ui.textAt(ImVec2(sx, y + 6 + ui.fonts.bodySize() * 1.2F), statusLine(context, e), body,
                  alert ? c.alert : (e.report.ready() && e.prints() == 0 ? c.primary : c.mutedText), x1 - sx);
    }
    if (message) {
        // The patient's language only: the desk's name in it is the site's, per language.
        ui.textAt(ImVec2(x0, rowsBottom), trWith(t, message->key, message->values), body, message->alert ? c.alert : c.success, width);
    }
    if (pages > 1) {
        buttons = {menu};
        if (page > 0) buttons.push_back({"reports.prev", t.tr("reports.prev"), ButtonKind::secondary});
        if (page + 1 < pages) buttons.push_back({"reports.next", t.tr("reports.next"), ButtonKind::secondary});
        if (printAll) buttons.push_back(print);
    }
    bottomRow(ui, buttons);
}

// ---------------------------------------------------------------- reports.detail

Transition ReportDetailScreen::onEvent(ScreenContext& context, const UiEvent& event) {
    ReportsFlow& flow = context.services.reports();
    const auto* pressed = pressedButton(event);
    if (!pressed) return Transition::none();
    const ReportsView view = flow.view();
    if (pressed->id == "reports.back" && !view.printing) return Transition::to("reports");
    if (pressed->id == "reports.prev" && page_ > 0) --page_;
    if (pressed->id == "reports.next" && page_ + 1 < pageStarts_.size()) ++page_;
    if (pressed->id == "reports.print_one" && !view.working()) flow.print({view.selected}, reportPrinterOf(context.devices));
    return Transition::none();
}

void ReportDetailScreen::draw(const ScreenContext& context, Ui& ui) const {
    const Layout& l = ui.layout;
    const Palette& c = ui.theme.colors;
    const Translator& t = context.text;
    const ReportsView view = context.services.reports().view();
    const ReportEntry* entry = view.find(view.selected);
    const float x0 = l.contentMin.x;
    const float x1 = contentRight(ui);
    const float width = x1 - x0;
    ImFont* body = ui.fonts.body();
    const float line = ui.fonts.bodySize();
    if (!entry) {
        serviceTitle(context, ui, "reports.title");
        bottomRow(ui, {{"reports.back", t.tr("reports.back"), ButtonKind::primary}});
        return;
    }
    const backend::Report& r = entry->report;
    ui.space(l.portrait ? 24 : 4);
    // Landscape: the title in the body face (the table needs the height).
    ui.centered(r.title.empty() ? t.tr("reports.untitled") : r.title, l.portrait ? ui.fonts.title() : body, c.text, x0, x1);
    std::string sub = r.department;
    if (!r.issued.empty()) sub += (sub.empty() ? "" : " · ") + shortDateTime(r.issued);
    sub += (sub.empty() ? "" : " · ") + statusLine(context, *entry);
    ui.centered(sub, body, entry->print == ReportPrint::failed ? c.alert : c.mutedText, x0, x1);
    ui.space(l.portrait ? 16 : 4);

    const std::string printerProblem = reportPrinterProblem(context.devices);
    const auto message = printMessage(context, view);
    std::string note;
    bool noteAlert = false;
    if (message) {
        note = trWith(t, message->key, message->values);
        noteAlert = message->alert;
    } else if (!printerProblem.empty()) {
        note = t.tr(printerProblem, {{"desk", deskOf(context)}});
        noteAlert = true;
    }
    // The buttons are known before the table (their rows set its room); "previous" / "next"
    // are counted as present for the pages the table needs, as below.
    std::vector<RowButton> buttons{{"reports.back", t.tr("reports.back"), ButtonKind::secondary}};
    const bool printable = printerProblem.empty() && !view.printing;
    const RowButton print{"reports.print_one", t.tr(entry->prints() > 0 ? "reports.print_again" : "reports.print_one"), ButtonKind::primary};
    std::vector<RowButton> withPaging = buttons;
    withPaging.push_back({"reports.prev", t.tr("reports.prev"), ButtonKind::secondary});
    withPaging.push_back({"reports.next", t.tr("reports.next"), ButtonKind::secondary});
    if (printable) {
        buttons.push_back(print);
        withPaging.push_back(print);
    }
    const float noteHeight = note.empty() ? 0 : ui.measure(note, body, width).y + ui.theme.gap / 2;
    float tableBottom = bottomRowTop(ui, buttons) - noteHeight;  // moves up if paging buttons need a row

    if (r.results.empty()) {
        // Imaging (or a lab report without structured rows): the impression where the HIS gives one.
        const std::string text = r.conclusion.empty() ? t.tr("reports.pdf_only") : t.tr("reports.conclusion", {{"text", r.conclusion}});
        ui.textAt(ImGui::GetCursorScreenPos(), text, body, c.text, width);
        pageStarts_ = {0};
    } else {
        // The table: item | result | unit | reference range | flag. Each column after the item as
        // wide as its widest word (header or any row: "umol/L", "Normal" in large print), at
        // least its share of the width; the item takes the rest and wraps. Where even that does
        // not leave the item a quarter of the width, the columns keep their shares.
        const float w = width;
        const float pad = 8.0F;
        const char* headers[] = {"reports.col.item", "reports.col.result", "reports.col.unit", "reports.col.range", "reports.col.flag"};
        const float shares[] = {0.38F, 0.18F, 0.16F, 0.17F, 0.11F};
        float needed[5] = {0, 0, 0, 0, 0};
        for (int i = 1; i < 5; ++i) needed[i] = widestWord(body, t.tr(headers[i]));
        for (const backend::LabObservation& o : r.results) {
            needed[1] = std::max(needed[1], widestWord(body, o.value));
            needed[2] = std::max(needed[2], widestWord(body, o.unit));
            const std::string range = rangeTextOf(o);
            needed[3] = std::max(needed[3], widestWord(body, range.empty() ? t.tr("reports.range.none") : range));
            needed[4] = std::max(needed[4], widestWord(body, flagText(t, labFlagOf(o))));
        }
        float widths[5];
        float others = 0;
        for (int i = 1; i < 5; ++i) others += widths[i] = std::max(needed[i] + pad, w * shares[i]);
        widths[0] = w - others;
        if (widths[0] < w * 0.25F) {
            for (int i = 0; i < 5; ++i) widths[i] = w * shares[i];
        }
        float cols[6] = {x0};
        for (int i = 0; i < 5; ++i) cols[i + 1] = cols[i] + widths[i];
        cols[5] = x1;
        auto cellWidth = [&](int i) { return cols[i + 1] - cols[i] - pad; };
        float y = ImGui::GetCursorScreenPos().y;
        float headerHeight = 0;
        for (int i = 0; i < 5; ++i) headerHeight = std::max(headerHeight, ui.measure(t.tr(headers[i]), body, cellWidth(i)).y);
        for (int i = 0; i < 5; ++i) ui.textAt(ImVec2(cols[i], y), t.tr(headers[i]), body, c.mutedText, cellWidth(i));
        y += headerHeight + 4;
        ImGui::GetWindowDrawList()->AddLine(ImVec2(x0, y), ImVec2(x1, y), c.mutedText, 2.0F);
        y += 6;
        const float top = y;
        // Rows of this layout, paged by what fits: an item whose name wraps takes two lines.
        auto rowHeight = [&](const backend::LabObservation& o) {
            float h = line;
            h = std::max(h, ui.measure(o.item, body, cellWidth(0)).y);
            h = std::max(h, ui.measure(o.unit, body, cellWidth(2)).y);
            h = std::max(h, ui.measure(rangeTextOf(o), body, cellWidth(3)).y);
            return h + (l.portrait ? 10.0F : 4.0F);
        };
        auto paginate = [&](float room) {
            std::vector<size_t> starts{0};
            float used = 0;
            for (size_t i = 0; i < r.results.size(); ++i) {
                const float h = rowHeight(r.results[i]);
                if (used + h > room && used > 0) {
                    starts.push_back(i);
                    used = 0;
                }
                used += h;
            }
            return starts;
        };
        std::vector<size_t> starts = paginate(tableBottom - top);
        // Paged: one line kept under the table for "page 2 / 5".
        if (starts.size() > 1) {
            tableBottom = bottomRowTop(ui, withPaging) - noteHeight;
            starts = paginate(tableBottom - top - line * 1.2F);
        }
        pageStarts_ = starts;
        const size_t page = std::min(page_, starts.size() - 1);
        const size_t end = page + 1 < starts.size() ? starts[page + 1] : r.results.size();
        for (size_t i = starts[page]; i < end; ++i) {
            const backend::LabObservation& o = r.results[i];
            const LabFlag flag = labFlagOf(o);
            const bool flagged = flag != LabFlag::normal;
            const ImU32 ink = flag == LabFlag::high || flag == LabFlag::low || flag == LabFlag::abnormal ? c.alert : c.text;
            ui.textAt(ImVec2(cols[0], y), o.item, body, c.text, cellWidth(0));
            ui.textAt(ImVec2(cols[1], y), o.value, body, ink, cellWidth(1));
            if (!o.unit.empty()) ui.textAt(ImVec2(cols[2], y), o.unit, body, c.mutedText, cellWidth(2));
            const std::string range = rangeTextOf(o);
            ui.textAt(ImVec2(cols[3], y), range.empty() ? t.tr("reports.range.none") : range, body, c.mutedText, cellWidth(3));
            if (flagged) ui.textAt(ImVec2(cols[4], y), flagText(t, flag), body, ink, cellWidth(4));
            y += rowHeight(o);
        }
        if (starts.size() > 1) {
            // "page 2 / 5" at the table's foot, right-aligned.
            const std::string pageText = t.tr("reports.page", {{"page", std::to_string(page + 1)}, {"pages", std::to_string(starts.size())}});
            const ImVec2 size = ui.measure(pageText, body);
            ui.textAt(ImVec2(x1 - size.x, std::min(y, tableBottom - size.y)), pageText, body, c.mutedText);
        }
    }
    if (!note.empty()) {
        ui.textAt(ImVec2(x0, tableBottom), note, body, noteAlert ? c.alert : c.success, width);
    }
    const size_t page = std::min(page_, pageStarts_.size() - 1);
    if (pageStarts_.size() > 1) {
        // Back, previous / next, then print (primary last): as withPaging above, less what this page lacks.
        std::vector<RowButton> shown{buttons.front()};
        if (page > 0) shown.push_back({"reports.prev", t.tr("reports.prev"), ButtonKind::secondary});
        if (page + 1 < pageStarts_.size()) shown.push_back({"reports.next", t.tr("reports.next"), ButtonKind::secondary});
        if (printable) shown.push_back(print);
        buttons = std::move(shown);
    }
    bottomRow(ui, buttons);
}

// ---------------------------------------------------------------- reports.slip

void ReportSlipScreen::onEnter(ScreenContext& context) { scanners_ = startScanners(context); }

void ReportSlipScreen::onExit(ScreenContext& context) {
    stopScanners(scanners_);
    // The slip's report never joins the patient's own list (nor its detail screen): the list is
    // read afresh. A print still running completes and is journalled (ReportsFlow::reset).
    context.services.reports().reset();
}

Transition ReportSlipScreen::onEvent(ScreenContext& context, const UiEvent& event) {
    ReportsFlow& flow = context.services.reports();
    const ReportsView view = flow.view();
    if (const std::string* code = labSlipScanned(event)) {
        // The next slip of a patient with several: printed as the first was.
        if (view.working()) return Transition::none();
        flow.startBySlip(*code, reportPrinterOf(context.devices), context.deviceSink, view.slipWithoutCard);
        return Transition::none();
    }
    const auto* pressed = pressedButton(event);
    if (!pressed || pressed->id != "reports.slip.done" || view.printing) return Transition::none();
    if (view.slipWithoutCard) {
        // Nobody was identified: nothing else to offer; the session ends here.
        Transition done;
        done.endSession = SessionEndReason::completed;
        return done;
    }
    return Transition::to("reports");
}

void ReportSlipScreen::draw(const ScreenContext& context, Ui& ui) const {
    const Layout& l = ui.layout;
    const Palette& c = ui.theme.colors;
    const Translator& t = context.text;
    const ReportsView view = context.services.reports().view();
    const float x0 = l.contentMin.x;
    const float x1 = contentRight(ui);
    const float width = x1 - x0;
    ImFont* body = ui.fonts.body();
    const std::vector<RowButton> buttons{
        {"reports.slip.done", t.tr(view.slipWithoutCard ? "reports.slip.done" : "reports.back"), ButtonKind::primary}};
    serviceTitle(context, ui, "reports.slip.title");
    const float roomBottom = bottomRowTop(ui, buttons);
    auto message = [&](const PatientMessage& m) {
        drawPatientMessage(context, ui, m, width, roomBottom - ImGui::GetCursorScreenPos().y);
    };
    if (view.stage == ReportsStage::idle || view.stage == ReportsStage::loading) {
        message(PatientMessage{"reports.slip.looking", false});
        return;  // no button while the HIS is asked (a moment; the session's time-out still runs)
    }
    if (view.stage == ReportsStage::stopped || view.reports.empty()) {
        const std::string& why = view.error ? view.error->messageKey : std::string();
        const bool unknown = why == "backend.report_code_unknown" || why == "backend.report_code_invalid";
        message(PatientMessage{unknown ? "reports.slip.unknown" : "reports.slip.his_down", true});
        bottomRow(ui, buttons);
        return;
    }
    // What the slip itself says, and nothing more: the name masked, the report's title, its date.
    const ReportEntry& e = view.reports.front();
    const backend::Report& r = e.report;
    const float labelWidth = [&] {
        float w = 0;
        for (const char* key : {"reports.slip.name", "reports.slip.report", "reports.slip.date"}) w = std::max(w, ui.measure(t.tr(key), body).x);
        return w + ui.theme.gap;
    }();
    auto row = [&](const char* key, const std::string& value) {
        const float y = ImGui::GetCursorScreenPos().y;
        ui.textAt(ImVec2(x0, y), t.tr(key), body, c.mutedText, labelWidth);
        const ImVec2 size = ui.measure(value, body, width - labelWidth);
        ui.textAt(ImVec2(x0 + labelWidth, y), value, body, c.text, width - labelWidth);
        ImGui::SetCursorScreenPos(ImVec2(x0, y + size.y + (l.portrait ? 14.0F : 6.0F)));
    };
    if (!r.patientName.empty()) row("reports.slip.name", maskPersonalData(r.patientName, PersonalField::name));
    row("reports.slip.report", r.title.empty() ? t.tr("reports.untitled") : r.title);
    if (r.ready()) {
        row("reports.slip.date", shortDateTime(r.issued));
    } else {
        row("reports.slip.date", r.expected.empty() ? t.tr("reports.pending") : t.tr("reports.expected", {{"time", shortDateTime(r.expected)}}));
    }
    ui.space(l.portrait ? 16 : 4);
    // Where its print stands.
    std::optional<PatientMessage> status;
    if (view.slipProblemKey == "reports.slip.pending") {
        status = r.expected.empty() ? PatientMessage{"reports.slip.pending_unknown", true}
                                    : PatientMessage{"reports.slip.pending", true, {}, {{"time", shortDateTime(r.expected)}}};
    } else if (!view.slipProblemKey.empty()) {
        // "reports.printer.none" / ".out_of_service": the slip's own wording (nothing to view here).
        status = PatientMessage{view.slipProblemKey == "reports.printer.none" ? "reports.slip.printer_none" : "reports.slip.printer_out_of_service", true,
                                {}, {{"desk", deskOf(context)}}};
    } else if (view.printing) {
        status = PatientMessage{"reports.slip.printing", false};
    } else if (view.printMessageKey == "reports.print.done") {
        status = PatientMessage{"reports.slip.printed", false};
    } else {
        status = printMessage(context, view);
    }
    if (status) {
        // The patient's language only: the desk's name in it is the site's, per language.
        ui.paragraph(trWith(t, status->key, status->values), body, status->alert ? c.alert : c.success, width);
    }
    if (!view.printing && ImGui::GetCursorScreenPos().y + ui.fonts.bodySize() * 1.4F < roomBottom) {
        ui.space(l.portrait ? 12 : 2);
        ui.paragraph(t.tr("reports.slip.scan_more"), body, c.mutedText, width);
    }
    if (!view.printing) bottomRow(ui, buttons);
}

}  // namespace kiosk::screens
