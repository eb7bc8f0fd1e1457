#include "printing/pdf_report.hpp"

#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>

#include <memory>

#include "kiosk/core/mask.hpp"
#include "printing/bitmap.hpp"

namespace kiosk::printing {

namespace {

constexpr double kPageWidth = 595.28;   // A4 in points
constexpr double kPageHeight = 841.89;
constexpr double kMargin = 48.0;
constexpr const char* kFontFamily = "Noto Sans CJK SC";

struct Pen {
    cairo_t* cr;
    double y = kMargin;
    int page = 1;

    /// Draws text at (x, y) in a box `width` wide; returns its height.
    double text(const std::string& value, double x, double width, double size, bool bold = false,
                PangoAlignment align = PANGO_ALIGN_LEFT, double atY = -1) {
        PangoLayout* layout = pango_cairo_create_layout(cr);
        PangoFontDescription* font = pango_font_description_from_string(kFontFamily);
        pango_font_description_set_absolute_size(font, size * PANGO_SCALE);
        pango_font_description_set_weight(font, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
        pango_layout_set_font_description(layout, font);
        pango_layout_set_width(layout, static_cast<int>(width * PANGO_SCALE));
        pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
        pango_layout_set_alignment(layout, align);
        pango_layout_set_text(layout, value.c_str(), -1);
        int w = 0;
        int h = 0;
        pango_layout_get_pixel_size(layout, &w, &h);
        cairo_move_to(cr, x, atY < 0 ? y : atY);
        pango_cairo_show_layout(cr, layout);
        pango_font_description_free(font);
        g_object_unref(layout);
        return h;
    }
    void rule(double thickness = 0.8) {
        cairo_set_line_width(cr, thickness);
        cairo_move_to(cr, kMargin, y);
        cairo_line_to(cr, kPageWidth - kMargin, y);
        cairo_stroke(cr);
    }
};

}  // namespace

Result<void> renderLabReportPdf(const Translator& tr, const LabReport& report, const std::filesystem::path& output) {
    cairo_surface_t* surface = cairo_pdf_surface_create(output.c_str(), kPageWidth, kPageHeight);
    if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS) {
        const std::string why = cairo_status_to_string(cairo_surface_status(surface));
        cairo_surface_destroy(surface);
        return fail(Errc::io_error, "cannot write report PDF " + output.string() + ": " + why, "print.error.bad_document");
    }
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, ("Lab report " + report.reportNumber).c_str());
    cairo_t* cr = cairo_create(surface);
    cairo_set_source_rgb(cr, 0, 0, 0);
    Pen pen{cr};
    const double contentWidth = kPageWidth - 2 * kMargin;

    auto header = [&] {
        pen.y = kMargin;
        pen.y += pen.text(report.hospital, kMargin, contentWidth, 16, true, PANGO_ALIGN_CENTER) + 4;
        pen.y += pen.text(tr.tr("print.report.title"), kMargin, contentWidth, 20, true, PANGO_ALIGN_CENTER) + 10;
        pen.rule(1.2);
        pen.y += 6;
        const double half = contentWidth / 2;
        const double line1 = pen.text(tr.tr("print.report.patient", {{"name", maskPersonalData(report.patientName, PersonalField::name)}}),
                                      kMargin, half, 11);
        pen.text(tr.tr("print.report.report_no", {{"number", report.reportNumber}}), kMargin + half, half, 11);
        pen.y += line1 + 3;
        const double line2 = pen.text(tr.tr("print.report.sex_age", {{"sex", report.sex}, {"age", report.age}}), kMargin, half, 11);
        pen.text(tr.tr("print.report.department", {{"department", report.department}}), kMargin + half, half, 11);
        pen.y += line2 + 3;
        pen.y += pen.text(tr.tr("print.report.specimen", {{"specimen", report.specimen}}), kMargin, half, 11) + 6;
        pen.rule();
        pen.y += 4;
    };
    // Column layout: item 34 %, result 14 %, unit 14 %, range 22 %, flag 16 %.
    const double fractions[5] = {0.34, 0.14, 0.14, 0.22, 0.16};
    auto row = [&](const std::string cells[5], bool bold) {
        double x = kMargin;
        double height = 0;
        for (int c = 0; c < 5; ++c) {
            const double width = contentWidth * fractions[c];
            height = std::max(height, pen.text(cells[c], x, width - 6, 11, bold, PANGO_ALIGN_LEFT, pen.y));
            x += width;
        }
        pen.y += height + 5;
    };
    auto footer = [&] {
        pen.text(std::to_string(pen.page), kMargin, contentWidth, 9, false, PANGO_ALIGN_CENTER, kPageHeight - kMargin + 12);
    };

    header();
    const std::string titles[5] = {tr.tr("print.report.col.item"), tr.tr("print.report.col.result"), tr.tr("print.report.col.unit"),
                                   tr.tr("print.report.col.range"), tr.tr("print.report.col.flag")};
    row(titles, true);
    pen.rule(0.5);
    pen.y += 4;
    for (const LabResult& result : report.results) {
        if (pen.y > kPageHeight - kMargin - 40) {
            footer();
            cairo_show_page(cr);
            ++pen.page;
            header();
            row(titles, true);
            pen.rule(0.5);
            pen.y += 4;
        }
        const std::string flag = result.flag == ResultFlag::high  ? tr.tr("print.report.flag.high")
                                 : result.flag == ResultFlag::low ? tr.tr("print.report.flag.low")
                                                                  : std::string();
        const std::string cells[5] = {result.item, result.value, result.unit, result.referenceRange, flag};
        row(cells, result.flag != ResultFlag::normal);
    }
    pen.rule();
    pen.y += 8;
    pen.y += pen.text(tr.tr("print.report.reported_at", {{"time", report.reportedAt}}), kMargin, contentWidth, 11) + 6;
    if (!report.verifyQr.empty()) {
        auto modules = qrModules(report.verifyQr);
        if (modules) {
            const double module = 3.0;
            const double size = modules->width * module;
            if (pen.y + size + 30 > kPageHeight - kMargin) {
                footer();
                cairo_show_page(cr);
                ++pen.page;
                pen.y = kMargin;
            }
            const double left = kPageWidth - kMargin - size;
            for (int y = 0; y < modules->height; ++y)
                for (int x = 0; x < modules->width; ++x)
                    if (modules->black(x, y)) cairo_rectangle(cr, left + x * module, pen.y + y * module, module, module);
            cairo_fill(cr);
            pen.text(tr.tr("print.report.scan"), kMargin, contentWidth - size - 12, 10, false, PANGO_ALIGN_LEFT, pen.y + size / 2);
            pen.y += size + 10;
        }
    }
    pen.y += pen.text(tr.tr("print.report.footer"), kMargin, contentWidth, 9);
    footer();
    cairo_show_page(cr);
    cairo_destroy(cr);
    cairo_surface_finish(surface);
    const cairo_status_t status = cairo_surface_status(surface);
    cairo_surface_destroy(surface);
    if (status != CAIRO_STATUS_SUCCESS)
        return fail(Errc::io_error, std::string("report PDF: ") + cairo_status_to_string(status), "print.error.bad_document");
    return {};
}

}  // namespace kiosk::printing
