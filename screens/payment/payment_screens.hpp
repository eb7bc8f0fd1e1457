#pragma once
// The payment screens of the lobby (menu → "pay fees"), all drawing from the one PaymentFlow
// (screens/payment/payment_flow.hpp) in ScreenContext::payment:
//   pay.charges  outstanding charges and the total; pay with insurance or by oneself
//   pay.split    the insurance split (fund, personal account, cash part) to confirm; back
//                closes the pre-settled order and lists the charges again
//   pay.channel  WeChat Pay / Alipay / UnionPay (and Bank card when a terminal is attached) for
//                the cash part; back returns to the split (the same order) or, self-pay, closes
//                the order and lists the charges again
//   pay.qr       the QR with the amount and the time left; cancel
//   pay.card     the bank-card terminal has the payment: the amount, "insert, swipe or tap your
//                card on the terminal below, PIN only there", progress; no kiosk cancel (only the
//                terminal's Cancel can stop a payment the terminal may already have made)
//   pay.result   payment received / we are confirming your payment (unknown, voucher) /
//                refunded / nothing was charged (cancelled, or the code expired: a new code in
//                one tap); the receipt or voucher is printed
// While money is moving (ordering, QR, finishing) the screens hold the session: no idle timeout,
// and a card pulled out ends the session only once the patient has seen the outcome. "Finish"
// on the split, channel or QR screen asks "cancel this payment?" first.

#include <chrono>
#include <string>
#include <vector>

#include "payments/insurance_saga.hpp"
#include "printing/document.hpp"
#include "screens/screen.hpp"

namespace kiosk::screens {

/// "12.50" from 1250 fen (all money is integer fen; only the display has a decimal point).
std::string formatYuan(int64_t fen);

/// The kind of a charge from its code, for patients who do not read Chinese when the HIS gives no
/// English name: "registration", "lab_test", "imaging", "medicine", "treatment", or "" (unknown).
/// Service codes follow the national price catalogue 全国医疗服务价格项目规范 (first digits:
/// 11 general services incl. 1101 registration, 12 general treatment, 21/22/23 imaging /
/// ultrasound / nuclear medicine, 24 radiotherapy, 25/26/27 laboratory / blood typing /
/// pathology, 3x clinical and 4x TCM treatment); medicine codes follow the national insurance
/// catalogue (X western, Z Chinese patent, T decoction pieces).
std::string_view chargeCategory(std::string_view code);

/// A charge's name in `language`: Chinese as the HIS gives it; in English the HIS's English name,
/// or else the Chinese name with its kind in English beside it ("血常规 (lab test)").
std::string chargeName(const Translator& text, const payments::ChargeLine& charge);

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

/// "Finish" while a payment is open asks "cancel this payment?" first (the split, the channel and
/// the QR screens): keep paying, or cancel it and sign out (told that nothing was charged).
class AsksBeforeFinish : public Screen {
public:
    void onEnter(ScreenContext&) override { askingFinish_ = false; }
    bool asksBeforeFinish(const ScreenContext& context) const override;

protected:
    bool askingFinish_ = false;
};

class PaySplitScreen final : public AsksBeforeFinish {
public:
    std::string_view id() const override { return "pay.split"; }
    void draw(const ScreenContext& context, Ui& ui) const override;
    Transition onEvent(ScreenContext& context, const UiEvent& event) override;
    bool needsSession() const override { return true; }
};

class PayChannelScreen final : public AsksBeforeFinish {
public:
    std::string_view id() const override { return "pay.channel"; }
    void draw(const ScreenContext& context, Ui& ui) const override;
    Transition onEvent(ScreenContext& context, const UiEvent& event) override;
    bool needsSession() const override { return true; }
};

/// The smallest QR module, in screen pixels, a phone reads at arm's length on a panel whose
/// pixels are `pixelPitchMm` wide ([ui] pixel_pitch_mm): 2 mm (the reason is in the source).
int minimumQrModulePixels(float pixelPitchMm);

/// The payment QR as pay.qr draws it (the symbol at least minimumQrModulePixels per module, the
/// amount, the countdown, the order id and a cancel button): shared by the booking's fee
/// (screens/booking/booking_screens.hpp), which pays through the same desk.
struct QrPanel {
    std::string codeUrl;
    std::string channel;   ///< wechat, alipay, unionpay (the app named in the instructions)
    std::string orderId;
    int64_t amountFen = 0;
    SteadyTime shownAt{};  ///< the UI clock when the code appeared: the countdown
    std::chrono::seconds timeout{120};
    bool titleBeside = false;  ///< landscape: the caller left the title out, the panel puts it beside the code
    std::string cancelId;      ///< the cancel button's id
};
/// The encoded symbol of the last code drawn (encoded once, not per frame).
struct QrCache {
    std::string text;
    std::vector<uint8_t> modules;
    int size = 0;
};
void drawQrPanel(const ScreenContext& context, Ui& ui, const QrPanel& panel, QrCache& cache);
/// The channel choice as pay.channel draws it: the amount, one button per channel (ids
/// `channelIdPrefix` + wechat / alipay / unionpay, bankcard when `bankCard`, and insurance first
/// when `insurance`), a back button `backId`, and above the buttons `note` when there is one (why
/// the card could not be used, what the insurance pays).
void drawChannelChoice(const ScreenContext& context, Ui& ui, int64_t amountFen, const std::string& backId, const std::string& channelIdPrefix,
                       bool bankCard = false, const PatientMessage& note = {}, bool insurance = false);
/// The insurance as a choice beside the channels (a booking's fee: kInsuranceChoice's button).
inline constexpr std::string_view kInsuranceChoice = "insurance";
/// The QR payment channels in the order the screens offer them.
inline constexpr std::string_view kPaymentChannels[] = {"wechat", "alipay", "unionpay"};
/// The bank-card terminal's channel, offered after the QR ones where a terminal is attached.
inline constexpr std::string_view kBankCardChannel = "bankcard";

class PayQrScreen final : public AsksBeforeFinish {
public:
    std::string_view id() const override { return "pay.qr"; }
    void draw(const ScreenContext& context, Ui& ui) const override;
    Transition onEvent(ScreenContext& context, const UiEvent& event) override;
    bool needsSession() const override { return true; }
    bool holdsSession(const ScreenContext&) const override { return true; }
    std::optional<std::chrono::milliseconds> redrawEvery() const override { return std::chrono::seconds(1); }

private:
    mutable QrCache qrCache_;
};

class PayCardScreen final : public Screen {
public:
    std::string_view id() const override { return "pay.card"; }
    void onEnter(ScreenContext&) override { askingFinish_ = false; }
    void draw(const ScreenContext& context, Ui& ui) const override;
    Transition onEvent(ScreenContext& context, const UiEvent& event) override;
    bool needsSession() const override { return true; }
    /// While the terminal may be charging and until the outcome is shown.
    bool holdsSession(const ScreenContext& context) const override;
    /// "Finish" while the terminal has the payment: the screen says to use the terminal's Cancel
    /// (signing out here could not stop a charge the terminal is making).
    bool asksBeforeFinish(const ScreenContext& context) const override;
    /// The progress indicator moves.
    std::optional<std::chrono::milliseconds> redrawEvery() const override { return std::chrono::milliseconds(500); }

private:
    bool askingFinish_ = false;
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
