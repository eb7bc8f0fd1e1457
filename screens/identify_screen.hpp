#pragma once
// The identification screen: how to use each configured device, waiting for any of them.

#include "screens/identification.hpp"

namespace kiosk::screens {

class IdentifyScreen final : public Screen {
public:
    std::string_view id() const override { return "identify"; }
    void onEnter(ScreenContext& context) override;
    void draw(const ScreenContext& context, Ui& ui) const override;
    Transition onEvent(ScreenContext& context, const UiEvent& event) override;
    void onExit(ScreenContext& context) override;

private:
    IdentificationDevices devices_;
    PatientMessage message_;
    bool resolving_ = false;
};

}  // namespace kiosk::screens
