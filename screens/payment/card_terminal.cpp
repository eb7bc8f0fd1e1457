#include "screens/payment/card_terminal.hpp"

#include "kiosk/core/log.hpp"

namespace kiosk::screens {

drivers::pos::PosTerminal* attachCardTerminal(payments::PaymentDesk& desk, const drivers::DeviceRegistry& devices,
                                              const drivers::DeviceEventSink& sink) {
    auto* terminal = devices.first<drivers::pos::PosTerminal>(drivers::DeviceClass::pos_terminal);
    if (!terminal) return nullptr;
    if (auto started = terminal->start(sink); !started) {
        log::module("payments")->error("bank-card terminal {} did not start: {}; bank card is not offered", terminal->name(),
                                       started.error().describe());
        return nullptr;
    }
    desk.attachCardTerminal(*terminal);
    log::module("payments")->info("bank-card terminal {} ({}) attached: bank card is offered", terminal->name(), terminal->driverName());
    return terminal;
}

}  // namespace kiosk::screens
