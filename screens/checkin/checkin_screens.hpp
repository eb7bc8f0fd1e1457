#pragma once
// The check-in screens of the lobby (menu → "check in"), drawing from the one CheckInFlow
// (screens/checkin/checkin_flow.hpp) in ScreenContext::services:
//   checkin        entered from the tile: looks up today's appointments and, with one, checks it
//                  in at once (one tap from the menu); several → a choice (≤ 6 a page); then the
//                  hospital's answer: the ticket (queue number, room, doctor, "N ahead, about M
//                  minutes", the queue QR when [services] queue_url is set), printed on the receipt
//                  printer — again when already checked in — or why not (too early: when it
//                  opens; too late: the hospital's policy; another day: its date)
//   checkin.queue  "my queue": position, estimated wait and room, asked again every 15 s while
//                  shown; "text me when 3 are ahead" (requestQueueReminder)

#include <string>
#include <vector>

#include "screens/screen.hpp"
#include "screens/service_screen_kit.hpp"

namespace kiosk::screens {

/// [services] queue_url: where a patient follows their queue on a phone; "{appointment_code}" is
/// replaced by the appointment's code. Empty (absent): no QR. loadConfig() refuses a value that is
/// not http(s), has spaces or lacks the placeholder.
std::string queueUrlTemplate(const KioskConfig& config);

/// The queue link of an appointment: [services] queue_url with {appointment_code} replaced, or ""
/// (no template, or the appointment has no code).
std::string queueLink(const KioskConfig& config, const std::string& appointmentCode);

class CheckInScreen final : public Screen {
public:
    std::string_view id() const override { return "checkin"; }
    void onEnter(ScreenContext& context) override;
    void draw(const ScreenContext& context, Ui& ui) const override;
    Transition onEvent(ScreenContext& context, const UiEvent& event) override;
    bool needsSession() const override { return true; }

private:
    void printTicket(ScreenContext& context);
    enum class PrintState { none, printing, printed, failed };
    PrintState print_ = PrintState::none;
    uint64_t printedFor_ = 0;  ///< the flow generation whose ticket was sent (+1; 0 = none)
    std::string printDocument_;
    mutable QrSymbol qr_;  ///< the queue page's symbol (encoded once per link, not per frame)
};

class CheckInQueueScreen final : public Screen {
public:
    std::string_view id() const override { return "checkin.queue"; }
    void onEnter(ScreenContext& context) override;
    void onExit(ScreenContext& context) override;
    void draw(const ScreenContext& context, Ui& ui) const override;
    Transition onEvent(ScreenContext& context, const UiEvent& event) override;
    bool needsSession() const override { return true; }
    /// The flow's watcher answers every 15 s; a frame a second shows it without waiting for a tap.
    std::optional<std::chrono::milliseconds> redrawEvery() const override { return std::chrono::seconds(1); }
};

}  // namespace kiosk::screens
