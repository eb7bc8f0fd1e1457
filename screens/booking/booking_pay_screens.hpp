#pragma once
// The booking's fee (issue 11), between book.confirm and book.slip, drawing from the one
// BookingFlow (screens/booking/booking_flow.hpp); the channel choice and the code are the payment
// screens' own pieces (drawChannelChoice, drawQrPanel in screens/payment/payment_screens.hpp):
//   book.pay  the channel for the fee, then its QR with the countdown and cancel, then "booking…"
//             while the desk books the paid appointment; booked → book.slip, else → book.fee
//   book.fee  the fee's order ended without a booking: refunded (the HIS refused, or the hold
//             expired and the slot was taken: refund notice printed), nothing charged (cancelled
//             or the code expired: the time released), or being confirmed (never "failed": a
//             voucher with the order id is printed)

#include <string>

#include "screens/payment/payment_screens.hpp"
#include "screens/screen.hpp"

namespace kiosk::screens {

class BookPayScreen final : public Screen {
public:
    std::string_view id() const override { return "book.pay"; }
    void draw(const ScreenContext& context, Ui& ui) const override;
    Transition onEvent(ScreenContext& context, const UiEvent& event) override;
    bool needsSession() const override { return true; }
    /// While money moves (ordering, the code, the booking) no idle timeout ends the session.
    bool holdsSession(const ScreenContext& context) const override;
    std::optional<std::chrono::milliseconds> redrawEvery() const override { return std::chrono::seconds(1); }

private:
    mutable QrCache qrCache_;
};

class BookFeeScreen final : public Screen {
public:
    std::string_view id() const override { return "book.fee"; }
    void onEnter(ScreenContext& context) override;
    void draw(const ScreenContext& context, Ui& ui) const override;
    Transition onEvent(ScreenContext& context, const UiEvent& event) override;
    bool needsSession() const override { return true; }

private:
    enum class PrintState { none, printing, printed, failed };
    PrintState print_ = PrintState::none;
    std::string printedFor_;  ///< the order whose notice or voucher was sent (printed once)
    std::string printDocument_;
};

}  // namespace kiosk::screens
