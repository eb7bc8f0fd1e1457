#pragma once
// What the technician screens share: the row of tabs that is their title (devices, backend,
// payments, logs), the bottom row (back to the patient mode, the screen's own actions), a line
// cut to one row with "…", and the rule that moving between tabs is one technician visit (the
// audit trail ends it only when the technician leaves or the screen times out).

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "screens/screen.hpp"

namespace kiosk::screens {

/// The technician screens by tab, in order: "diagnostics" (devices), "technician.backend",
/// "technician.payments", "technician.logs".
const std::vector<std::pair<std::string, std::string>>& technicianTabs();

/// The tabs across the content's top (the current one filled) at the cursor; the cursor moves
/// below them. Their ids are "tech.tab.<screen id>".
void drawTechnicianTabs(const ScreenContext& context, Ui& ui, std::string_view current);
/// The height drawTechnicianTabs takes with the space under it (one row, or two where the
/// labels do not fit on one).
float technicianTabsHeight(const ScreenContext& context, Ui& ui);

/// A technician screen's bottom row: back (to the patient mode) on the left, then `actions`
/// (button id, label) sharing the rest. Returns the row's top (the list above ends there).
float drawTechnicianFooter(const ScreenContext& context, Ui& ui, std::string_view backId,
                           const std::vector<std::pair<std::string, std::string>>& actions);

/// `pressed` on a tab or back: the screen to go to, with `leaveReason` set to what the visit's
/// end records ("" for another tab: the visit goes on). None for other buttons.
std::optional<Transition> technicianNavigation(const ButtonPressed& pressed, std::string_view backId, std::string& leaveReason);
/// In onExit: ends the visit in the audit trail unless the technician moved to another tab.
void endTechnicianVisitUnlessTab(ScreenContext& context, const std::string& leaveReason);

/// The advance of one line of body text in the tabs' lists: the text as drawn, with a little
/// space (bodySize * 1.3 is less than the face's line in large print).
float technicianLineHeight(Ui& ui);

/// `value` on one line `width` wide in `font`, cut with "…" (whole UTF-8 characters).
std::string oneLine(Ui& ui, const std::string& value, float width, ImFont* font);

}  // namespace kiosk::screens
