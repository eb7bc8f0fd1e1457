#pragma once
// The "my records" screens of the lobby (menu → "我的记录"), drawing from the one RecordsFlow
// (screens/records/records_flow.hpp) in ScreenContext::services.records():
//   records          the patient's name and ID number (masked), then their visits (date,
//                    department, doctor, diagnosis where the HIS gives one) or their payments
//                    (date, what for, amount, channel, receipt number), newest first, two tabs;
//                    at most 6 rows a page (fewer where large print needs the room), big
//                    previous / next buttons
//   records.payment  one payment in full, and "print the receipt again" on the receipt printer
//                    ([printing] reprint_limit reprints; the limit is said plainly, with the desk)

#include <vector>

#include "screens/screen.hpp"

namespace kiosk::screens {

class RecordsScreen final : public Screen {
public:
    /// Rows a page at most (issue 12: "≤ 6 rows a page in large print"; the same elsewhere, so a
    /// page never looks crowded).
    static constexpr size_t kMaxRowsPerPage = 6;

    std::string_view id() const override { return "records"; }
    void onEnter(ScreenContext& context) override;
    void draw(const ScreenContext& context, Ui& ui) const override;
    Transition onEvent(ScreenContext& context, const UiEvent& event) override;
    bool needsSession() const override { return true; }

private:
    bool paymentsTab_ = false;
    size_t page_ = 0;
    /// The first row of each page as draw() laid the list out (rows differ in height where a
    /// diagnosis wraps); read by onEvent() to page the same way. The only state draw() writes.
    mutable std::vector<size_t> pageStarts_{0};
};

class RecordsPaymentScreen final : public Screen {
public:
    std::string_view id() const override { return "records.payment"; }
    void onEnter(ScreenContext& context) override;
    void draw(const ScreenContext& context, Ui& ui) const override;
    Transition onEvent(ScreenContext& context, const UiEvent& event) override;
    bool needsSession() const override { return true; }

private:
    enum class Reprint { none, printing, printed, failed, refused };
    Reprint reprint_ = Reprint::none;
    std::string messageKey_;  ///< why not printed (failed: the printer's words; refused: the limit)
    std::string printTag_;    ///< the PrintFinished document this screen waits for
    int reprintsDone_ = 0;    ///< completed reprints of the shown receipt
};

}  // namespace kiosk::screens
