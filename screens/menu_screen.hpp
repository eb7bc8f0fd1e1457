#pragma once
// The patient menu: a tile for each service that works on this kiosk (the services table,
// screens/services.hpp: enabled in [services] for this mode, connected, its devices present);
// a press leads to the service's entry screen from the same table.

#include "screens/screen.hpp"
#include "screens/services.hpp"

namespace kiosk::screens {

/// The services the menu offers on this kiosk now, in display order.
std::vector<const ServiceRow*> menuServices(const ScreenContext& context);

class MenuScreen final : public Screen {
public:
    std::string_view id() const override { return "menu"; }
    void onEnter(ScreenContext& context) override;
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
