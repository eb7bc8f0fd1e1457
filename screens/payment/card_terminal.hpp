#pragma once
// The kiosk's bank-card terminal for the payment desk (issue 16): the first device of class
// pos_terminal in the registry (a MIS-POS terminal, drivers/pos/pos_terminal.hpp), started as
// the registry's other devices are (its status changes reach the UI's event queue) and attached
// to the desk, which then offers the "bankcard" channel on the payment screens.

#include "drivers/common/registry.hpp"
#include "drivers/pos/pos_terminal.hpp"
#include "payments/payment_desk.hpp"

namespace kiosk::screens {

/// Attaches the registry's first pos_terminal to `desk` and returns it; null when none is
/// configured, or when it does not start (bank card is then not offered; the log says why).
drivers::pos::PosTerminal* attachCardTerminal(payments::PaymentDesk& desk, const drivers::DeviceRegistry& devices,
                                              const drivers::DeviceEventSink& sink);

}  // namespace kiosk::screens
