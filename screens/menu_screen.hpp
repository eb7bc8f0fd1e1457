#pragma once
// The patient menu: only the services this site has enabled (config [services]) for this mode.

#include "screens/screen.hpp"

namespace kiosk::screens {

struct ServiceEntry {
    std::string_view id;  ///< button id "menu.<service>" and text key
    bool enabled;
};

/// The services of the patient menu for a mode, in display order.
std::vector<ServiceEntry> menuServices(const KioskConfig& config);

class MenuScreen final : public Screen {
public:
    std::string_view id() const override { return "menu"; }
    void draw(const ScreenContext& context, Ui& ui) const override;
    Transition onEvent(ScreenContext& context, const UiEvent& event) override;
    bool needsSession() const override { return true; }
};

/// Shown for a service that this kiosk lists but whose workflow is not connected yet: it says so
/// plainly and sends the patient to the service desk (never a fake success).
class ServiceUnavailableScreen final : public Screen {
public:
    std::string_view id() const override { return "service_unavailable"; }
    void draw(const ScreenContext& context, Ui& ui) const override;
    Transition onEvent(ScreenContext& context, const UiEvent& event) override;
    bool needsSession() const override { return true; }
};

}  // namespace kiosk::screens
