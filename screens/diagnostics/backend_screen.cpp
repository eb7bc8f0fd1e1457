#include "screens/diagnostics/backend_screen.hpp"

#include <fmt/format.h>

#include "kiosk/backend/certificate_expiry.hpp"
#include "kiosk/core/log.hpp"
#include "kiosk/core/technician_access.hpp"
#include "screens/diagnostics/backend_links.hpp"
#include "screens/diagnostics/technician_kit.hpp"

namespace kiosk::screens {

namespace {

constexpr std::string_view kProbePrefix = "backend:";
constexpr int kLinesPerLink = 4;

struct Line {
    std::string text;
    ImU32 color;
};

std::string circuitText(const ScreenContext& context, const BackendLink& link) {
    if (!link.circuit) return context.text.tr("tech.backend.breaker.none");
    return context.text.tr("tech.backend.breaker." + std::string(backend::circuitStateName(link.circuit())));
}

/// The certificate line: days left (a warning under 30), or why there is none. Real time, not
/// the journey clock: TLS checks the certificate against the real one.
Line certificateLine(const ScreenContext& context, const Palette& c, const BackendLink& link,
                     const std::map<std::string, Result<std::chrono::system_clock::time_point>>& certificates) {
    if (!link.tls() && link.clientCert.empty()) return {context.text.tr("tech.backend.cert.plain_http"), c.mutedText};
    if (link.clientCert.empty()) return {context.text.tr("tech.backend.cert.none"), c.mutedText};
    const auto read = certificates.find(link.clientCert.string());
    const auto expiry = read == certificates.end() ? backend::certificateExpiry(link.clientCert) : read->second;
    if (!expiry) return {context.text.tr("tech.backend.cert.unreadable", {{"detail", expiry.error().detail}}), c.alert};
    const auto left = std::chrono::duration_cast<std::chrono::hours>(*expiry - std::chrono::system_clock::now());
    const auto days = left.count() / 24;
    const WallTime wall = context.timeZone.at(*expiry);
    const std::string date = fmt::format("{:04}-{:02}-{:02}", wall.year, wall.month, wall.day);
    if (left.count() <= 0) return {context.text.tr("tech.backend.cert.expired", {{"date", date}}), c.alert};
    if (days < BackendScreen::kWarnDays) {
        return {context.text.tr("tech.backend.cert.expires_soon", {{"date", date}, {"days", std::to_string(days)}}), c.alert};
    }
    return {context.text.tr("tech.backend.cert.valid", {{"date", date}, {"days", std::to_string(days)}}), c.success};
}

std::vector<Line> linesOf(const ScreenContext& context, const Palette& c, const BackendLink& link,
                          const std::optional<Result<std::string>>* probe,
                          const std::map<std::string, Result<std::chrono::system_clock::time_point>>& certificates) {
    std::vector<Line> lines;
    const std::string name = context.text.tr("tech.backend.link." + link.id);
    if (!probe || !probe->has_value()) {
        lines.push_back({context.text.tr("tech.backend.status.checking", {{"name", name}}), c.mutedText});
    } else if (**probe) {
        lines.push_back({context.text.tr("tech.backend.status.up", {{"name", name}, {"detail", ***probe}}), c.success});
    } else {
        lines.push_back({context.text.tr("tech.backend.status.down", {{"name", name}, {"detail", (**probe).error().detail}}), c.alert});
    }
    if (!link.calls) {
        lines.push_back({context.text.tr("tech.backend.latency.not_recorded"), c.mutedText});
    } else if (const auto summary = link.calls->summary(); summary.calls == 0) {
        lines.push_back({context.text.tr("tech.backend.latency.none"), c.mutedText});
    } else {
        lines.push_back({context.text.tr("tech.backend.latency",
                                         {{"calls", std::to_string(summary.calls)},
                                          {"p50", std::to_string(summary.p50.count())},
                                          {"p99", std::to_string(summary.p99.count())},
                                          {"failed", std::to_string(summary.failed)}}),
                         summary.failed > 0 ? c.alert : c.text});
    }
    const bool open = link.circuit && link.circuit() != backend::CircuitBreaker::State::closed;
    lines.push_back({context.text.tr("tech.backend.breaker", {{"state", circuitText(context, link)}}), open ? c.alert : c.text});
    lines.push_back(certificateLine(context, c, link, certificates));
    return lines;
}

}  // namespace

void BackendScreen::probeAll(ScreenContext& context) {
    probes_.clear();
    certificates_.clear();
    if (!context.technicianLinks) return;
    for (const auto& link : context.technicianLinks->backends) {
        probes_[link.id] = std::nullopt;
        if (!link.clientCert.empty()) certificates_.insert_or_assign(link.clientCert.string(), backend::certificateExpiry(link.clientCert));
        auto post = context.post;
        context.tasks.post([probe = link.probe, post, id = link.id] {
            post(SelfTestFinished{std::string(kProbePrefix) + id, probe()});
        });
    }
}

void BackendScreen::onEnter(ScreenContext& context) {
    leaveReason_ = "timed_out";
    if (context.technician) context.technician->audit("backend_opened");
    probeAll(context);
}

void BackendScreen::onExit(ScreenContext& context) { endTechnicianVisitUnlessTab(context, leaveReason_); }

Transition BackendScreen::onEvent(ScreenContext& context, const UiEvent& event) {
    if (const auto* finished = std::get_if<SelfTestFinished>(&event)) {
        if (!finished->device.starts_with(kProbePrefix)) return Transition::none();
        const std::string id = finished->device.substr(kProbePrefix.size());
        if (!finished->result) log::module("diagnostics")->warn("backend probe {}: {}", id, finished->result.error().describe());
        probes_[id] = finished->result;
        return Transition::none();
    }
    const auto* pressed = std::get_if<ButtonPressed>(&event);
    if (!pressed) return Transition::none();
    if (auto moved = technicianNavigation(*pressed, "tech.backend.back", leaveReason_)) return *moved;
    if (pressed->id == "tech.backend.recheck") {
        if (context.technician) context.technician->audit("backend_rechecked");
        probeAll(context);
    }
    return Transition::none();
}

void BackendScreen::draw(const ScreenContext& context, Ui& ui) const {
    const Palette& c = ui.theme.colors;
    const Layout& layout = ui.layout;
    drawTechnicianTabs(context, ui, id());
    const float top = ImGui::GetCursorScreenPos().y;
    const float footer = drawTechnicianFooter(context, ui, "tech.backend.back", {{"tech.backend.recheck", context.text.tr("tech.backend.recheck")}});
    const float x0 = layout.contentMin.x;
    const float width = layout.contentMax.x - x0;
    if (!context.technicianLinks || context.technicianLinks->backends.empty()) {
        ImGui::SetCursorScreenPos(ImVec2(x0, top));
        ui.paragraph(context.text.tr("tech.backend.none"), ui.fonts.body(), c.mutedText);
        return;
    }
    const auto& links = context.technicianLinks->backends;
    const float lineHeight = technicianLineHeight(ui);
    const float pad = 16;
    // Where one service's four lines and the pager do not fit (landscape, large print), the
    // latency and the breaker's state (without its explanation) share a line: the landscape
    // panel is wide, and the certificate's line keeps its warning whole.
    const float listHeight = footer - ui.theme.gap - top;
    const bool joined = 2 * pad + lineHeight * kLinesPerLink > listHeight - ui.theme.buttonHeight - ui.theme.gap;
    const float rowHeight = 2 * pad + lineHeight * static_cast<float>(joined ? kLinesPerLink - 1 : kLinesPerLink);
    ui.pagedList("tech.backend", links.size(), ImVec2(x0, top), ImVec2(width, listHeight), rowHeight,
                 [&](size_t index, ImVec2 at, ImVec2 size) {
                     ImGui::GetWindowDrawList()->AddRectFilled(at, ImVec2(at.x + size.x, at.y + size.y), c.panel, ui.theme.rounding);
                     const auto it = probes_.find(links[index].id);
                     auto lines = linesOf(context, c, links[index], it == probes_.end() ? nullptr : &it->second, certificates_);
                     if (joined) {
                         const BackendLink& link = links[index];
                         const std::string state = link.circuit ? context.text.tr("tech.backend.breaker.short." +
                                                                                  std::string(backend::circuitStateName(link.circuit())))
                                                                : context.text.tr("tech.backend.breaker.short.none");
                         lines[1].text += "  ·  " + context.text.tr("tech.backend.breaker", {{"state", state}});
                         if (lines[2].color == c.alert) lines[1].color = c.alert;
                         lines.erase(lines.begin() + 2);
                     }
                     float y = at.y + pad;
                     for (const auto& line : lines) {
                         ui.textAt(ImVec2(at.x + 24, y), oneLine(ui, line.text, size.x - 48, ui.fonts.body()), ui.fonts.body(), line.color);
                         y += lineHeight;
                     }
                 });
}

}  // namespace kiosk::screens
