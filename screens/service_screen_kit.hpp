#pragma once
// Small drawing pieces the patient-service screens share (DESIGN §3a: each service's folder has
// its own screens; what they draw alike lives here once).

#include <string>
#include <string_view>

#include "screens/screen.hpp"
#include "screens/ui.hpp"

namespace kiosk::screens {

/// A button of a row at the bottom of a service screen (left to right), each with its own kind.
struct RowButton {
    std::string id;
    std::string label;
    ButtonKind kind;
};

/// The screen's title: the text of `key`, centred in the title face, with the service screens'
/// spacing above and below (less in landscape). `color` 0 is the theme's text colour. In landscape
/// a title that would take two lines is set in the body face instead: the screen is only about
/// 600 pixels high under the bars in elder mode, and a second title line would push the content
/// under the buttons.
inline void serviceTitle(const ScreenContext& context, Ui& ui, std::string_view key, ImU32 color = 0) {
    ui.space(ui.layout.portrait ? 40 : 12);
    const std::string text = context.text.tr(key);
    ImFont* face = ui.fonts.title();
    const float width = ui.layout.contentMax.x - ui.layout.contentMin.x;
    if (!ui.layout.portrait && ui.measure(text, face, width).y > ui.measure("A", face, width).y * 1.5F) face = ui.fonts.body();
    ui.centered(text, face, color ? color : ui.theme.colors.text, ui.layout.contentMin.x, ui.layout.contentMax.x);
    ui.space(ui.layout.portrait ? 28 : 10);
}

/// "09:00" of an ISO 8601 date-time with offset ("2026-11-30T09:00:00+08:00"): the wall time the
/// HIS gives (hospital-sim and the FHIR adapter give hospital time); shorter input as it is.
inline std::string clockOf(const std::string& iso) { return iso.size() >= 16 ? iso.substr(11, 5) : iso; }

}  // namespace kiosk::screens
