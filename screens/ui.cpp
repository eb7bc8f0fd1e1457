#include "screens/ui.hpp"

#include <imgui_internal.h>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>

namespace kiosk::screens {

void Ui::check(std::string_view value) {
    for (ImWchar glyph : fonts.missingGlyphs(value)) missingGlyphs_.insert(glyph);
}

namespace {

/// Printable ASCII other than a space: the bytes of numbers and Latin words.
bool isWordByte(char c) { return c > ' ' && static_cast<unsigned char>(c) < 0x80; }

bool startsWithClosingPunctuation(std::string_view text) {
    static constexpr std::string_view kClosing[] = {"。", "，", "、", "；", "：", "？", "！", "）", "」", "』", "》", "”", "’",
                                                    ".", ",", ";", ":", "?", "!", ")"};
    for (const std::string_view mark : kClosing) {
        if (text.substr(0, mark.size()) == mark) return true;
    }
    return false;
}

}  // namespace

std::vector<std::string_view> wrapLines(ImFont* font, std::string_view value, float width) {
    std::vector<std::string_view> lines;
    const char* begin = value.data();
    const char* end = value.data() + value.size();
    while (begin < end) {
        const char* newline = static_cast<const char*>(memchr(begin, '\n', static_cast<size_t>(end - begin)));
        const char* paragraphEnd = newline ? newline : end;
        const char* lineEnd = font->CalcWordWrapPositionA(1.0F, begin, paragraphEnd, width);
        if (lineEnd <= begin) lineEnd = begin + 1;
        // Chinese text has no spaces to break at: if the line is still too wide, break it
        // between characters.
        while (lineEnd > begin + 1 &&
               font->CalcTextSizeA(font->FontSize, FLT_MAX, 0, begin, lineEnd).x > width + 0.5F) {
            --lineEnd;
            while (lineEnd > begin + 1 && (static_cast<unsigned char>(*lineEnd) & 0xC0) == 0x80) --lineEnd;
        }
        // A number, an amount ("¥155.70") or a Latin word is never split between lines when
        // the fallback above (or ImGui's wrap, for a word longer than the line) broke inside
        // it: the whole run moves down; a run that is the whole line stays whole and the line
        // is wider than `width` ("Social-security" in large print is not "Social-securi / ty").
        if (lineEnd < paragraphEnd && isWordByte(lineEnd[-1]) && isWordByte(*lineEnd)) {
            const char* runStart = lineEnd;
            while (runStart > begin && isWordByte(runStart[-1])) --runStart;
            if (runStart - begin >= 2 && static_cast<unsigned char>(runStart[-2]) == 0xC2 &&
                static_cast<unsigned char>(runStart[-1]) == 0xA5) {
                runStart -= 2;  // "¥" stays with its amount
            }
            if (runStart > begin) {
                lineEnd = runStart;
            } else {
                while (lineEnd < paragraphEnd && isWordByte(*lineEnd)) ++lineEnd;
            }
        }
        // "¥" at the end of a line whose amount starts the next: the sign moves down with it.
        if (lineEnd < paragraphEnd && lineEnd - begin > 2 && isWordByte(*lineEnd) &&
            static_cast<unsigned char>(lineEnd[-2]) == 0xC2 && static_cast<unsigned char>(lineEnd[-1]) == 0xA5) {
            lineEnd -= 2;
        }
        // Chinese line-breaking rule (禁则): a line never starts with closing punctuation; the
        // character before it moves down with it.
        if (lineEnd < paragraphEnd && startsWithClosingPunctuation(std::string_view(lineEnd, static_cast<size_t>(paragraphEnd - lineEnd)))) {
            const char* previous = lineEnd - 1;
            while (previous > begin && (static_cast<unsigned char>(*previous) & 0xC0) == 0x80) --previous;
            if (previous > begin) lineEnd = previous;
        }
        lines.emplace_back(begin, static_cast<size_t>(lineEnd - begin));
        begin = lineEnd;
        while (begin < end && *begin == ' ') ++begin;
        if (begin < end && *begin == '\n') ++begin;
    }
    return lines;
}

float widestWord(ImFont* font, std::string_view value) {
    float widest = 0;
    size_t i = 0;
    while (i < value.size()) {
        if (!isWordByte(value[i])) {
            ++i;
            continue;
        }
        size_t end = i;
        while (end < value.size() && isWordByte(value[end])) ++end;
        widest = std::max(widest, font->CalcTextSizeA(font->FontSize, FLT_MAX, 0, value.data() + i, value.data() + end).x);
        i = end;
    }
    return widest;
}

namespace {

constexpr float kLabelPadding = 20.0F;    ///< inside a button, each side
constexpr float kLabelLineHeight = 1.2F;  ///< × the face's size

/// Whether `lines` of `face` fit a button of `size`.
bool linesFit(ImFont* face, const std::vector<std::string_view>& lines, ImVec2 size) {
    if (static_cast<float>(lines.size()) * face->FontSize * kLabelLineHeight > size.y - kLabelPadding) return false;
    for (std::string_view line : lines) {
        if (face->CalcTextSizeA(face->FontSize, FLT_MAX, 0, line.data(), line.data() + line.size()).x >
            size.x - 2 * kLabelPadding + 0.5F) {
            return false;
        }
    }
    return true;
}

}  // namespace

bool TapGuard::accept(std::string_view id) {
    if (id == lastId && nowTicks - lastTicks < kWindowMs) {
        ++dropped;
        return false;
    }
    lastId = std::string(id);
    lastTicks = nowTicks;
    return true;
}

bool Ui::labelFits(std::string_view label, ImVec2 size, ImFont* font) const {
    ImFont* face = font ? font : fonts.body();
    size.y = std::max(size.y, theme.minTarget);
    return linesFit(face, wrapLines(face, label, size.x - 2 * kLabelPadding), size);
}

void Ui::button(std::string_view id, std::string_view label, ImVec2 size, ButtonKind kind, ImFont* font) {
    check(label);
    const Palette& c = theme.colors;
    ImFont* face = font ? font : fonts.body();
    // Touch: a button must never be smaller than the minimum target (15 mm; 20 mm in elder mode).
    size.x = std::max(size.x, theme.minTarget);
    size.y = std::max(size.y, theme.minTarget);
    const std::string imguiId = std::string(id);
    // Pressed on release inside the button (after any slide that stays inside); a repeat within
    // 500 ms is dropped (forgiving touch, issue 15).
    if (ImGui::InvisibleButton(imguiId.c_str(), size) && (!taps_ || taps_->accept(id))) {
        events_.push_back(ButtonPressed{std::string(id)});
    }
    const bool held = ImGui::IsItemActive();
    const ImVec2 min = ImGui::GetItemRectMin();
    const ImVec2 max = ImGui::GetItemRectMax();
    ImU32 fill = kind == ButtonKind::primary ? c.primary : kind == ButtonKind::alert ? c.alert : c.secondary;
    if (held) fill = kind == ButtonKind::secondary ? c.primary : c.primaryActive;
    const ImU32 ink = kind == ButtonKind::secondary && !held ? c.onSecondary : c.onPrimary;
    ImDrawList* draw = ImGui::GetWindowDrawList();
    draw->AddRectFilled(min, max, fill, theme.rounding);
    if (kind == ButtonKind::secondary) draw->AddRect(min, max, c.primary, theme.rounding, 0, 2.0F);
    // The label, wrapped and centred; it shrinks to the body face if it cannot fit (the layout
    // check reports a label drawn smaller than its neighbours', and one that still spills out).
    const float requestedSize = face->FontSize;
    auto lines = wrapLines(face, label, size.x - 2 * kLabelPadding);
    if (face != fonts.body() && !linesFit(face, lines, size)) {
        face = fonts.body();
        lines = wrapLines(face, label, size.x - 2 * kLabelPadding);
    }
    buttons_[std::string(id)] = ButtonRect{min, max, requestedSize, face->FontSize, bar_};
    const float lineHeight = face->FontSize * kLabelLineHeight;
    const float top = min.y + (size.y - lineHeight * static_cast<float>(lines.size())) / 2 + (lineHeight - face->FontSize) / 2;
    float y = top;
    ImVec2 labelMin(FLT_MAX, top);
    ImVec2 labelMax(-FLT_MAX, top);
    for (std::string_view line : lines) {
        const ImVec2 lineSize = face->CalcTextSizeA(face->FontSize, FLT_MAX, 0, line.data(), line.data() + line.size());
        const float x = min.x + (size.x - lineSize.x) / 2;
        draw->AddText(face, face->FontSize, ImVec2(x, y), ink, line.data(), line.data() + line.size());
        labelMin.x = std::min(labelMin.x, x);
        labelMax.x = std::max(labelMax.x, x + lineSize.x);
        labelMax.y = y + face->FontSize;
        y += lineHeight;
    }
    recordText(labelMin, labelMax, label, min, max, id, face->FontSize, ink);
}

void Ui::paragraph(std::string_view value, ImFont* font, ImU32 color, float wrapWidth) {
    check(value);
    ImGui::PushFont(font ? font : fonts.body());
    ImGui::PushStyleColor(ImGuiCol_Text, color ? color : theme.colors.text);
    const float x = ImGui::GetCursorPosX();
    const float wrap = wrapWidth > 0 ? wrapWidth : layout.contentMax.x - ImGui::GetCursorScreenPos().x;
    ImGui::PushTextWrapPos(x + wrap);
    const ImVec2 start = ImGui::GetCursorScreenPos();
    ImGui::TextUnformatted(value.data(), value.data() + value.size());
    recordText(ImGui::GetItemRectMin(), ImGui::GetItemRectMax(), value, ImVec2(start.x, -FLT_MAX),
               ImVec2(start.x + wrap, FLT_MAX), {}, ImGui::GetFont()->FontSize, color ? color : theme.colors.text);
    ImGui::PopTextWrapPos();
    ImGui::PopStyleColor();
    ImGui::PopFont();
}

ImVec2 Ui::measure(std::string_view value, ImFont* font, float wrapWidth) {
    ImFont* face = font ? font : fonts.body();
    if (wrapWidth <= 0) return face->CalcTextSizeA(face->FontSize, FLT_MAX, 0, value.data(), value.data() + value.size());
    ImVec2 size(0, 0);
    for (std::string_view line : wrapLines(face, value, wrapWidth)) {
        size.x = std::max(size.x, face->CalcTextSizeA(face->FontSize, FLT_MAX, 0, line.data(), line.data() + line.size()).x);
        size.y += face->FontSize;
    }
    return size;
}

void Ui::centered(std::string_view value, ImFont* font, ImU32 color, float x0, float x1) {
    check(value);
    ImFont* face = font ? font : fonts.body();
    const float width = x1 - x0;
    const ImVec2 cursor = ImGui::GetCursorScreenPos();
    float y = cursor.y;
    float widest = 0;
    for (std::string_view line : wrapLines(face, value, width)) {
        const ImVec2 lineSize = face->CalcTextSizeA(face->FontSize, FLT_MAX, 0, line.data(), line.data() + line.size());
        ImGui::GetWindowDrawList()->AddText(face, face->FontSize, ImVec2(x0 + (width - lineSize.x) / 2, y),
                                            color ? color : theme.colors.text, line.data(), line.data() + line.size());
        widest = std::max(widest, lineSize.x);
        y += face->FontSize * 1.25F;
    }
    recordText(ImVec2(x0 + (width - widest) / 2, cursor.y), ImVec2(x0 + (width + widest) / 2, cursor.y + (y - cursor.y)), value,
               ImVec2(x0, -FLT_MAX), ImVec2(x1, FLT_MAX), {}, face->FontSize, color ? color : theme.colors.text);
    ImGui::Dummy(ImVec2(width, y - cursor.y));
}

void Ui::textAt(ImVec2 pos, std::string_view value, ImFont* font, ImU32 color, float wrapWidth) {
    check(value);
    ImFont* face = font ? font : fonts.body();
    const ImU32 ink = color ? color : theme.colors.text;
    if (wrapWidth <= 0) {
        ImGui::GetWindowDrawList()->AddText(face, face->FontSize, pos, ink, value.data(), value.data() + value.size());
        const ImVec2 size = face->CalcTextSizeA(face->FontSize, FLT_MAX, 0, value.data(), value.data() + value.size());
        recordText(pos, ImVec2(pos.x + size.x, pos.y + size.y), value, ImVec2(-FLT_MAX, -FLT_MAX), ImVec2(FLT_MAX, FLT_MAX), {},
                   face->FontSize, ink);
        return;
    }
    // Wrapped by wrapLines (not ImGui's wrap) so Chinese punctuation rules hold and measure() agrees.
    const ImVec2 start = pos;
    float widest = 0;
    for (std::string_view line : wrapLines(face, value, wrapWidth)) {
        ImGui::GetWindowDrawList()->AddText(face, face->FontSize, pos, ink, line.data(), line.data() + line.size());
        widest = std::max(widest, face->CalcTextSizeA(face->FontSize, FLT_MAX, 0, line.data(), line.data() + line.size()).x);
        pos.y += face->FontSize;
    }
    recordText(start, ImVec2(start.x + widest, pos.y), value, ImVec2(start.x, -FLT_MAX), ImVec2(start.x + wrapWidth, FLT_MAX), {},
               face->FontSize, ink);
}

void Ui::recordText(ImVec2 min, ImVec2 max, std::string_view value, ImVec2 areaMin, ImVec2 areaMax, std::string_view button,
                    float fontSize, ImU32 ink) {
    if (max.y > min.y && max.x > min.x) {
        texts_.push_back(TextRect{min, max, std::string(value), areaMin, areaMax, std::string(button), fontSize, ink, bar_});
    }
}

std::pair<size_t, size_t> Ui::pagedList(std::string_view id, size_t count, ImVec2 topLeft, ImVec2 size, float rowHeight,
                                        const std::function<void(size_t, ImVec2, ImVec2)>& drawRow) {
    const float gap = theme.gap;
    auto rowsIn = [&](float height) { return std::max(1, static_cast<int>((height + gap) / (rowHeight + gap))); };
    int perPage = std::min(theme.maxChoicesPerPage, rowsIn(size.y));
    const float pagerHeight = theme.buttonHeight;
    if (static_cast<size_t>(perPage) < count) perPage = std::min(theme.maxChoicesPerPage, rowsIn(size.y - pagerHeight - gap));
    const int pages = std::max(1, static_cast<int>((count + static_cast<size_t>(perPage) - 1) / static_cast<size_t>(perPage)));
    int page = 0;
    if (pages_) {
        ListPage& state = (*pages_)[std::string(id)];
        state.pages = pages;
        state.page = std::clamp(state.page, 0, pages - 1);
        page = state.page;
    }
    const size_t first = static_cast<size_t>(page) * static_cast<size_t>(perPage);
    const size_t last = std::min(count, first + static_cast<size_t>(perPage));
    float y = topLeft.y;
    for (size_t i = first; i < last; ++i) {
        drawRow(i, ImVec2(topLeft.x, y), ImVec2(size.x, rowHeight));
        y += rowHeight + gap;
    }
    if (pages > 1) {
        // Big previous / next buttons at the area's bottom, "page n of m" between them; a
        // button with nowhere to go is left out (never a dead target).
        const float bottom = topLeft.y + size.y - pagerHeight;
        // The arrows a third of the width at most, no wider than their labels need, so "page n
        // of m" keeps one line between them in a narrow column (landscape large print); it takes
        // the side of a button that is left out, too.
        const float labels = std::max(measure(text.tr("diag.page.previous"), fonts.body()).x, measure(text.tr("diag.page.next"), fonts.body()).x);
        const float arrowWidth = std::max(theme.minTarget, std::min(size.x * 0.32F, labels + 2 * kLabelPadding + gap));
        const std::string prefix(id);
        if (page > 0) {
            ImGui::SetCursorScreenPos(ImVec2(topLeft.x, bottom));
            button(prefix + ".page.previous", text.tr("diag.page.previous"), ImVec2(arrowWidth, pagerHeight), ButtonKind::secondary);
        }
        if (page + 1 < pages) {
            ImGui::SetCursorScreenPos(ImVec2(topLeft.x + size.x - arrowWidth, bottom));
            button(prefix + ".page.next", text.tr("diag.page.next"), ImVec2(arrowWidth, pagerHeight), ButtonKind::secondary);
        }
        ImGui::SetCursorScreenPos(ImVec2(topLeft.x, bottom + (pagerHeight - fonts.bodySize() * 1.25F) / 2));
        centered(text.tr("diag.page", {{"page", std::to_string(page + 1)}, {"pages", std::to_string(pages)}}), fonts.body(),
                 theme.colors.mutedText, page > 0 ? topLeft.x + arrowWidth + gap : topLeft.x,
                 page + 1 < pages ? topLeft.x + size.x - arrowWidth - gap : topLeft.x + size.x);
    }
    return {first, last};
}

std::vector<std::string> findLayoutProblems(const ButtonMap& buttons, const TextRects& texts, float width, float height,
                                            float minTarget, float minGap, const BarRects& bars) {
    std::vector<std::string> problems;
    auto overlaps = [](ImVec2 aMin, ImVec2 aMax, ImVec2 bMin, ImVec2 bMax) {
        return aMin.x < bMax.x && bMin.x < aMax.x && aMin.y < bMax.y && bMin.y < aMax.y;
    };
    auto offScreen = [&](ImVec2 min, ImVec2 max) { return min.x < 0 || min.y < 0 || max.x > width || max.y > height; };
    for (auto a = buttons.begin(); a != buttons.end(); ++a) {
        const ButtonRect& r = a->second;
        if (offScreen(r.min, r.max)) problems.push_back(fmt::format("button {} is off the screen", a->first));
        if (r.max.y - r.min.y < minTarget - 0.5F || r.max.x - r.min.x < minTarget - 0.5F) {
            problems.push_back(fmt::format("button {} is under {:.0f} px (the minimum target)", a->first, minTarget));
        }
        for (auto b = std::next(a); b != buttons.end(); ++b) {
            const ImVec2 grownMin(r.min.x - minGap + 0.5F, r.min.y - minGap + 0.5F);
            const ImVec2 grownMax(r.max.x + minGap - 0.5F, r.max.y + minGap - 0.5F);
            if (overlaps(r.min, r.max, b->second.min, b->second.max)) {
                problems.push_back(fmt::format("button {} overlaps button {}", a->first, b->first));
            } else if (minGap > 0 && overlaps(grownMin, grownMax, b->second.min, b->second.max)) {
                problems.push_back(fmt::format("buttons {} and {} are closer than {:.0f} px (3 mm)", a->first, b->first, minGap));
            }
        }
    }
    for (const auto& [id, r] : buttons) {
        // A label shrunk to fit while its neighbours (asked for the same face) kept it: the
        // screen must give the set one face (Ui::labelFits) or room enough.
        if (r.labelFontSize >= r.requestedFontSize - 0.5F) continue;
        for (const auto& [otherId, other] : buttons) {
            if (otherId != id && other.requestedFontSize == r.requestedFontSize && other.labelFontSize >= other.requestedFontSize - 0.5F) {
                problems.push_back(fmt::format("the label of button {} was shrunk to fit ({:.0f} px beside {:.0f} px on {})", id,
                                               r.labelFontSize, other.labelFontSize, otherId));
                break;
            }
        }
    }
    constexpr float kSlack = 1.0F;  // rounding of glyph advances
    for (const TextRect& text : texts) {
        if (offScreen(text.min, text.max)) problems.push_back(fmt::format("text off the screen: \"{}\"", text.text));
        if (text.min.x < text.areaMin.x - kSlack || text.max.x > text.areaMax.x + kSlack ||
            text.min.y < text.areaMin.y - kSlack || text.max.y > text.areaMax.y + kSlack) {
            if (!text.button.empty()) {
                problems.push_back(fmt::format("the label of button {} spills out of it (label {:.0f},{:.0f}–{:.0f},{:.0f}; button "
                                               "{:.0f},{:.0f}–{:.0f},{:.0f}): \"{}\"",
                                               text.button, text.min.x, text.min.y, text.max.x, text.max.y, text.areaMin.x,
                                               text.areaMin.y, text.areaMax.x, text.areaMax.y, text.text));
            } else {
                problems.push_back(fmt::format("text out of its area (wider than its column or below its room; x {:.0f}–{:.0f}, "
                                               "column {:.0f}–{:.0f}): \"{}\"",
                                               text.min.x, text.max.x, text.areaMin.x, text.areaMax.x, text.text));
            }
        }
        for (const auto& [id, r] : buttons) {
            if (id == text.button) continue;  // a label inside its own button
            if (overlaps(text.min, text.max, r.min, r.max)) {
                problems.push_back(fmt::format("text runs under button {} (text y {:.0f}–{:.0f}, button y {:.0f}–{:.0f}): \"{}\"",
                                               id, text.min.y, text.max.y, r.min.y, r.max.y, text.text));
            }
        }
        // The screen's own text reaching into a bar: the session bar is painted over it (a line
        // cut off or gone), the top bars crowd it. A label is checked with its button below.
        if (!text.bar.empty() || !text.button.empty()) continue;
        for (const BarRect& bar : bars) {
            if (overlaps(text.min, text.max, bar.min, bar.max)) {
                problems.push_back(fmt::format("text runs under the {} (text y {:.0f}–{:.0f}, bar y {:.0f}–{:.0f}): \"{}\"", bar.name,
                                               text.min.y, text.max.y, bar.min.y, bar.max.y, text.text));
            }
        }
    }
    for (const auto& [id, r] : buttons) {
        if (!r.bar.empty()) continue;
        for (const BarRect& bar : bars) {
            if (overlaps(r.min, r.max, bar.min, bar.max)) {
                problems.push_back(fmt::format("button {} runs under the {} (button y {:.0f}–{:.0f}, bar y {:.0f}–{:.0f})", id, bar.name,
                                               r.min.y, r.max.y, bar.min.y, bar.max.y));
            }
        }
    }
    return problems;
}

namespace {

ImFont* faceOfSize(float fontSize) {
    ImFontAtlas* atlas = ImGui::GetIO().Fonts;
    for (ImFont* font : atlas->Fonts) {
        if (std::abs(font->FontSize - fontSize) < 0.01F) return font;
    }
    return nullptr;
}

float glyphHeight(ImFont* font, ImWchar c) {
    const ImFontGlyph* glyph = font->FindGlyphNoFallback(c);
    return glyph ? glyph->Y1 - glyph->Y0 : 0.0F;
}

}  // namespace

float referenceGlyphHeight(float fontSize, std::string_view text) {
    ImFont* font = faceOfSize(fontSize);
    if (!font) return 0;
    const bool latin = std::any_of(text.begin(), text.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; });
    const float cap = glyphHeight(font, 'H');
    const float ideograph = glyphHeight(font, 0x56FD);  // 国
    if (latin && cap > 0) return cap;
    return ideograph > 0 ? ideograph : cap;
}

FrameMeasures measureFrame(const ButtonMap& buttons, const TextRects& texts, const unsigned char* rgba, int width, int height,
                           float pxPerMm) {
    FrameMeasures m;
    m.smallestGlyphMm = FLT_MAX;
    m.lowestContrast = 100;
    for (const TextRect& text : texts) {
        if (text.fontSize <= 0) continue;  // a graphic
        ++m.texts;
        const float glyph = referenceGlyphHeight(text.fontSize, text.text) / pxPerMm;
        if (glyph > 0 && glyph < m.smallestGlyphMm) {
            m.smallestGlyphMm = glyph;
            m.smallestGlyphText = text.text;
        }
        if (!rgba) continue;
        // The background: the colour most pixels of the text's rectangle show (text strokes
        // cover far less than half of it); the ink: the colour the text was drawn in.
        std::map<uint32_t, int> counts;
        const int x0 = std::clamp(static_cast<int>(text.min.x), 0, width);
        const int x1 = std::clamp(static_cast<int>(text.max.x), 0, width);
        const int y0 = std::clamp(static_cast<int>(text.min.y), 0, height);
        const int y1 = std::clamp(static_cast<int>(text.max.y), 0, height);
        for (int y = y0; y < y1; ++y) {
            for (int x = x0; x < x1; ++x) {
                const unsigned char* p = rgba + (static_cast<size_t>(y) * static_cast<size_t>(width) + static_cast<size_t>(x)) * 4;
                ++counts[IM_COL32(p[0], p[1], p[2], 0xFF)];
            }
        }
        if (counts.empty()) continue;
        const ImU32 ink = text.ink | IM_COL32_A_MASK;
        const auto ground = std::max_element(counts.begin(), counts.end(), [&](const auto& a, const auto& b) {
            return (a.first == ink ? 0 : a.second) < (b.first == ink ? 0 : b.second);
        });
        const double ratio = contrastRatio(ink, ground->first);
        if (ratio < m.lowestContrast) {
            m.lowestContrast = ratio;
            m.lowestContrastText = text.text;
        }
    }
    if (m.smallestGlyphMm == FLT_MAX) m.smallestGlyphMm = 0;
    if (m.lowestContrast == 100) m.lowestContrast = 0;
    m.smallestTargetMm = FLT_MAX;
    m.closestTargetsMm = FLT_MAX;
    for (auto a = buttons.begin(); a != buttons.end(); ++a) {
        ++m.targets;
        const ButtonRect& r = a->second;
        const float side = std::min(r.max.x - r.min.x, r.max.y - r.min.y) / pxPerMm;
        if (side < m.smallestTargetMm) {
            m.smallestTargetMm = side;
            m.smallestTarget = a->first;
        }
        for (auto b = std::next(a); b != buttons.end(); ++b) {
            const ButtonRect& o = b->second;
            const float dx = std::max({0.0F, o.min.x - r.max.x, r.min.x - o.max.x});
            const float dy = std::max({0.0F, o.min.y - r.max.y, r.min.y - o.max.y});
            const float gap = std::max(dx, dy) / pxPerMm;
            if (gap < m.closestTargetsMm) {
                m.closestTargetsMm = gap;
                m.closestTargets = a->first + " / " + b->first;
            }
        }
    }
    if (m.smallestTargetMm == FLT_MAX) m.smallestTargetMm = 0;
    if (m.closestTargetsMm == FLT_MAX) m.closestTargetsMm = 0;
    return m;
}

void Ui::space(float pixels) { ImGui::Dummy(ImVec2(1, pixels)); }

void Ui::cardPicture(CardPicture kind, ImVec2 p, ImVec2 size) {
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const ImVec2 q(p.x + size.x, p.y + size.y);
    const float r = size.y * 0.08F;
    switch (kind) {
        case CardPicture::social_security: {
            // A bank-card-shaped card with a red band and a gold contact chip.
            draw->AddRectFilled(p, q, IM_COL32(0xFF, 0xFF, 0xFF, 0xFF), r);
            draw->AddRectFilled(p, ImVec2(q.x, p.y + size.y * 0.28F), IM_COL32(0xC6, 0x28, 0x28, 0xFF), r,
                                ImDrawFlags_RoundCornersTop);
            const ImVec2 chip(p.x + size.x * 0.12F, p.y + size.y * 0.42F);
            draw->AddRectFilled(chip, ImVec2(chip.x + size.x * 0.2F, chip.y + size.y * 0.3F),
                                IM_COL32(0xD4, 0xA5, 0x3A, 0xFF), r * 0.5F);
            for (int i = 1; i < 3; ++i) {
                const float y = chip.y + size.y * 0.1F * static_cast<float>(i);
                draw->AddLine(ImVec2(chip.x, y), ImVec2(chip.x + size.x * 0.2F, y), IM_COL32(0x8A, 0x6A, 0x20, 0xFF), 2);
            }
            for (int i = 0; i < 3; ++i) {
                const float y = p.y + size.y * (0.45F + 0.12F * static_cast<float>(i));
                draw->AddRectFilled(ImVec2(p.x + size.x * 0.42F, y), ImVec2(q.x - size.x * 0.1F, y + size.y * 0.05F),
                                    IM_COL32(0xB0, 0xBE, 0xCC, 0xFF), 2);
            }
            draw->AddRect(p, q, IM_COL32(0x8A, 0x98, 0xA8, 0xFF), r, 0, 3);
            break;
        }
        case CardPicture::id_card: {
            // The resident ID card: pale blue-green, portrait on the right, text lines on the left.
            draw->AddRectFilled(p, q, IM_COL32(0xE4, 0xF1, 0xF0, 0xFF), r);
            draw->AddRectFilled(ImVec2(q.x - size.x * 0.32F, p.y + size.y * 0.16F),
                                ImVec2(q.x - size.x * 0.08F, q.y - size.y * 0.16F), IM_COL32(0xB8, 0xC8, 0xD8, 0xFF),
                                r * 0.5F);
            draw->AddCircleFilled(ImVec2(q.x - size.x * 0.2F, p.y + size.y * 0.4F), size.y * 0.12F,
                                  IM_COL32(0x7A, 0x8C, 0xA0, 0xFF));
            for (int i = 0; i < 4; ++i) {
                const float y = p.y + size.y * (0.2F + 0.17F * static_cast<float>(i));
                draw->AddRectFilled(ImVec2(p.x + size.x * 0.08F, y), ImVec2(p.x + size.x * 0.58F, y + size.y * 0.07F),
                                    IM_COL32(0x8F, 0xA8, 0xB8, 0xFF), 2);
            }
            draw->AddRect(p, q, IM_COL32(0x7C, 0xA0, 0x9C, 0xFF), r, 0, 3);
            break;
        }
        case CardPicture::health_qr:
        case CardPicture::insurance_qr: {
            // A phone showing a QR code (green frame: e-health card; blue: insurance e-voucher).
            const ImU32 accent = kind == CardPicture::health_qr ? IM_COL32(0x1B, 0x8A, 0x4B, 0xFF)
                                                                : IM_COL32(0x1F, 0x5F, 0xBF, 0xFF);
            const float phoneW = size.y * 0.62F;
            const ImVec2 a(p.x + (size.x - phoneW) / 2, p.y);
            const ImVec2 b(a.x + phoneW, q.y);
            draw->AddRectFilled(a, b, IM_COL32(0x22, 0x2A, 0x35, 0xFF), r * 1.5F);
            const ImVec2 sa(a.x + phoneW * 0.08F, a.y + size.y * 0.1F);
            const ImVec2 sb(b.x - phoneW * 0.08F, b.y - size.y * 0.1F);
            draw->AddRectFilled(sa, sb, IM_COL32(0xFF, 0xFF, 0xFF, 0xFF), r * 0.4F);
            draw->AddRectFilled(sa, ImVec2(sb.x, sa.y + size.y * 0.12F), accent);
            // A stylised QR: three finder squares and a few modules.
            const float cell = (sb.x - sa.x) * 0.8F / 7.0F;
            const ImVec2 o(sa.x + (sb.x - sa.x) * 0.1F, sa.y + size.y * 0.22F);
            auto module = [&](int x, int y) {
                draw->AddRectFilled(ImVec2(o.x + cell * static_cast<float>(x), o.y + cell * static_cast<float>(y)),
                                    ImVec2(o.x + cell * static_cast<float>(x + 1), o.y + cell * static_cast<float>(y + 1)),
                                    IM_COL32(0x10, 0x10, 0x10, 0xFF));
            };
            for (auto [fx, fy] : {std::pair{0, 0}, std::pair{5, 0}, std::pair{0, 5}}) {
                for (int dx = 0; dx < 2; ++dx) {
                    for (int dy = 0; dy < 2; ++dy) module(fx + dx, fy + dy);
                }
            }
            for (auto [x, y] : {std::pair{3, 1}, std::pair{3, 3}, std::pair{4, 4}, std::pair{6, 3}, std::pair{5, 6},
                                std::pair{3, 5}, std::pair{2, 3}, std::pair{6, 6}}) {
                module(x, y);
            }
            break;
        }
    }
}

}  // namespace kiosk::screens
