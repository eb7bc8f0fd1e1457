#pragma once
// The pickup screens (取药, issue 13 item 1), drawing from the one PickupFlow
// (screens/pickup/pickup_flow.hpp) in ScreenContext::services:
//   pickup         entered from the tile: the patient's prescriptions, a page at a time — ready
//                  (in a locker of this kiosk: "open locker 3"; at a window: "get a number"; in
//                  another cabinet: where), not paid ("pay first", into the payment screens and
//                  back here), being prepared (when it is expected), picked up
//   pickup.ticket  the window's call number in large type, the window, "watch the call
//                  display"; the slip is printed
//   pickup.locker  the locker opening, then open (which door, on a picture of the bank; "take
//                  your medicine and close the door") or not ("please go to window N"); the slip
//                  is printed either way
//   pickup.tcm     a herbal prescription (中药代煎 / 配送, issue 13 item 4): brew at home,
//                  brewed by the hospital, sent home (each with its fee); for a delivery the
//                  address on file (masked) or "enter it on my phone" (a QR; no text entry on the
//                  kiosk); then what was chosen, the fee ("pay now", into the payment screens and
//                  back to the list) and where it goes

#include <string>

#include "screens/screen.hpp"
#include "screens/service_screen_kit.hpp"

namespace kiosk::screens {

/// The slip a pickup screen sent to the receipt printer and what became of it (both slip screens).
struct PickupSlipPrint {
    enum class State { none, printing, printed, failed };
    State state = State::none;
    std::string document;  ///< the print job's tag; PrintFinished names it

    void sent(std::string tag) {
        document = std::move(tag);
        state = State::printing;
    }
    /// Takes a PrintFinished of this slip (others are ignored).
    void finished(const PrintFinished& printed);
    /// The status line ("printing…", "take your slip", "not printed"), "" before anything was sent.
    std::string line(const Translator& text) const;
};

class PickupScreen final : public Screen {
public:
    std::string_view id() const override { return "pickup"; }
    void onEnter(ScreenContext& context) override;
    void draw(const ScreenContext& context, Ui& ui) const override;
    Transition onEvent(ScreenContext& context, const UiEvent& event) override;
    bool needsSession() const override { return true; }
};

class PickupTicketScreen final : public Screen {
public:
    std::string_view id() const override { return "pickup.ticket"; }
    void onEnter(ScreenContext& context) override;
    void draw(const ScreenContext& context, Ui& ui) const override;
    Transition onEvent(ScreenContext& context, const UiEvent& event) override;
    bool needsSession() const override { return true; }

private:
    PickupSlipPrint print_;
};

class PickupLockerScreen final : public Screen {
public:
    std::string_view id() const override { return "pickup.locker"; }
    void onEnter(ScreenContext& context) override;
    void draw(const ScreenContext& context, Ui& ui) const override;
    Transition onEvent(ScreenContext& context, const UiEvent& event) override;
    bool needsSession() const override { return true; }

private:
    void printSlip(ScreenContext& context);
    PickupSlipPrint print_;
    /// The pickup whose slip was sent (its prescription and how it ended): one slip per pickup,
    /// a second locker of the same session gets its own.
    std::string printedFor_;
};

class PickupTcmScreen final : public Screen {
public:
    std::string_view id() const override { return "pickup.tcm"; }
    void draw(const ScreenContext& context, Ui& ui) const override;
    Transition onEvent(ScreenContext& context, const UiEvent& event) override;
    bool needsSession() const override { return true; }

private:
    mutable QrSymbol addressQr_;  ///< the delivery-address page of the order
};

}  // namespace kiosk::screens
