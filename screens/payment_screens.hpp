#pragma once
// The payment screens of the lobby (menu → "pay fees"), all drawing from the one PaymentFlow
// (screens/payment_flow.hpp) in ScreenContext::payment:
//   pay.charges  outstanding charges and the total; pay with insurance or by oneself
//   pay.split    the insurance split (fund, personal account, cash part) to confirm
//   pay.channel  WeChat Pay / Alipay / UnionPay for the cash part
//   pay.qr       the QR with the amount and a countdown; cancel
//   pay.result   payment received / we are confirming your payment (unknown, voucher) /
//                refunded / nothing was charged; the receipt or voucher is printed
// While money is moving (ordering, QR, finishing) the screens hold the session: no idle timeout,
// and a card pulled out ends the session only once the patient has seen the outcome.

#include <string>

#include "printing/document.hpp"
#include "screens/screen.hpp"

namespace kiosk::screens {

/// "12.50" from 1250 fen (all money is integer fen; only the display has a decimal point).
std::string formatYuan(int64_t fen);

/// Sends a slip to the first receipt printer on a worker; PrintFinished{documentTag} follows.
void printOnReceiptPrinter(ScreenContext& context, std::string documentTag, printing::Document document);

class PayChargesScreen final : public Screen {
public:
    std::string_view id() const override { return "pay.charges"; }
    void onEnter(ScreenContext& context) override;
    void draw(const ScreenContext& context, Ui& ui) const override;
    Transition onEvent(ScreenContext& context, const UiEvent& event) override;
    bool needsSession() const override { return true; }
};

class PaySplitScreen final : public Screen {
public:
    std::string_view id() const override { return "pay.split"; }
    void draw(const ScreenContext& context, Ui& ui) const override;
    Transition onEvent(ScreenContext& context, const UiEvent& event) override;
    bool needsSession() const override { return true; }
};

class PayChannelScreen final : public Screen {
public:
    std::string_view id() const override { return "pay.channel"; }
    void draw(const ScreenContext& context, Ui& ui) const override;
    Transition onEvent(ScreenContext& context, const UiEvent& event) override;
    bool needsSession() const override { return true; }
};

/// The smallest QR module, in screen pixels, a phone reads at arm's length on a panel whose
/// pixels are `pixelPitchMm` wide ([ui] pixel_pitch_mm): 2 mm (the reason is in the source).
int minimumQrModulePixels(float pixelPitchMm);

class PayQrScreen final : public Screen {
public:
    std::string_view id() const override { return "pay.qr"; }
    void draw(const ScreenContext& context, Ui& ui) const override;
    Transition onEvent(ScreenContext& context, const UiEvent& event) override;
    bool needsSession() const override { return true; }
    bool holdsSession(const ScreenContext&) const override { return true; }
    std::optional<std::chrono::milliseconds> redrawEvery() const override { return std::chrono::seconds(1); }

private:
    mutable std::string qrText_;  ///< cache of the symbol drawn last (encoding once, not per frame)
    mutable std::vector<uint8_t> qrModules_;
    mutable int qrSize_ = 0;
};

class PayResultScreen final : public Screen {
public:
    std::string_view id() const override { return "pay.result"; }
    void onEnter(ScreenContext& context) override;
    void draw(const ScreenContext& context, Ui& ui) const override;
    Transition onEvent(ScreenContext& context, const UiEvent& event) override;
    bool needsSession() const override { return true; }
    bool holdsSession(const ScreenContext& context) const override;

private:
    void printSlip(ScreenContext& context);
    enum class PrintState { none, printing, printed, failed };
    PrintState print_ = PrintState::none;
    std::string printedFor_;  ///< the order id whose slip was sent (printed once per outcome)
    std::string printDocument_;
    std::string printErrorKey_;
};

}  // namespace kiosk::screens
