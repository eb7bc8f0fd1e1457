#pragma once
// The cancel screen of the lobby (menu → "退号 / Cancel a booking"), drawing from the one
// CancelFlow (screens/cancel/cancel_flow.hpp) in ScreenContext::services.cancel():
//   cancel   the patient's future appointments (date, time, department, doctor, fee; ≤ 6 a page)
//            → "cancel this one?" (the hospital's cut-off shown when it gives one) → cancelled:
//            a notice shown and printed (zero fee: nothing to refund; a paid fee: refunded at the
//            counter) — or after the cut-off, a plain message with the cut-off.

#include <string>

#include "screens/screen.hpp"

namespace kiosk::screens {

class CancelScreen final : public Screen {
public:
    std::string_view id() const override { return "cancel"; }
    void onEnter(ScreenContext& context) override;
    void draw(const ScreenContext& context, Ui& ui) const override;
    Transition onEvent(ScreenContext& context, const UiEvent& event) override;
    bool needsSession() const override { return true; }

private:
    void printNotice(ScreenContext& context);
    enum class PrintState { none, printing, printed, failed };
    PrintState print_ = PrintState::none;
    std::string printDocument_;
    size_t page_ = 0;
    /// Rows a page: at most 6, fewer where they do not fit (worked out by draw(), read by
    /// onEvent() to page the same way; the only state draw() writes).
    mutable size_t perPage_ = 6;
};

}  // namespace kiosk::screens
