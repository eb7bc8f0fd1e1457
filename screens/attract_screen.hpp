#pragma once
// The attract screen: hospital name, date and time, "insert your card or show your QR code" with
// pictures of what is accepted. Identification devices are live here, so a patient can simply
// insert a card; "Tap to start" leads to the identify screen with instructions.

#include "screens/identification.hpp"

namespace kiosk::screens {

class AttractScreen final : public Screen {
public:
    std::string_view id() const override { return "attract"; }
    void onEnter(ScreenContext& context) override;
    void draw(const ScreenContext& context, Ui& ui) const override;
    Transition onEvent(ScreenContext& context, const UiEvent& event) override;
    void onExit(ScreenContext& context) override;
    std::optional<std::chrono::seconds> idleTimeout() const override { return std::nullopt; }

private:
    IdentificationDevices devices_;
    PatientMessage message_;
    bool resolving_ = false;
};

/// "2026年11月23日 星期一" / "Monday, 23/11/2026" from the language files, in the hospital's zone.
std::string formatDate(const Translator& text, const TimeZone& zone, std::chrono::system_clock::time_point when);
/// "08:05" in the hospital's zone (not the machine's).
std::string formatTime(const TimeZone& zone, std::chrono::system_clock::time_point when);

}  // namespace kiosk::screens
