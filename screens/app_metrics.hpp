#pragma once
// What the kiosk tells the hospital's Prometheus (issue 17 item 6), in the names of
// kiosk/ops/metrics.hpp. The App reports session and card events here as they happen; device
// states and the payment journal are read at each scrape (collectors), so a scrape always shows
// the present and nothing has to be kept in step.
//
// Families (every series also has kiosk_id, mode and site labels):
//   yizhan_build_info{version}                                   1
//   yizhan_sessions_started_total                                counter
//   yizhan_sessions_ended_total{reason}                          counter (completed, idle_timeout, card_removed, …)
//   yizhan_service_sessions_started_total{service}               counter: the service's entry screen was opened
//   yizhan_service_sessions_completed_total{service}             counter: the patient finished with it open
//   yizhan_service_sessions_abandoned_total{service,screen}      counter: timed out / card pulled, on `screen`
//   yizhan_card_reads_total{device,class,result}                 counter: result ok | failed
//   yizhan_device_up{device,class}                               gauge 1/0 (online or busy = up)
//   yizhan_device_status{device,class,status}                    gauge 1 for the current status
//   yizhan_device_media_state{device,class,state}                gauge 1 for the current media/paper state
//   yizhan_payment_orders{state}                                 gauge: open orders, state pending | manual
//   yizhan_payments_total{outcome}                               counter from the journal: done, refunded, closed
//   yizhan_last_transaction_timestamp_seconds                    gauge: the last order that reached done

#include <memory>
#include <string>
#include <string_view>

#include "drivers/common/registry.hpp"
#include "kiosk/core/session.hpp"
#include "kiosk/ops/metrics.hpp"
#include "payments/payment_desk.hpp"

namespace kiosk::screens {

class AppMetrics {
public:
    /// `desk` may be null (no [payments]). Both must outlive the registry's scrapes (the App owns
    /// all three and stops the metrics server first).
    AppMetrics(ops::MetricsRegistry& registry, const drivers::DeviceRegistry& devices, payments::PaymentDesk* desk,
               std::string_view version);

    void sessionStarted();
    void serviceStarted(std::string_view service);
    /// `service` empty: the patient never opened a service.
    void sessionEnded(SessionEndReason reason, std::string_view service, std::string_view screen);
    void cardRead(std::string_view device, bool ok);

private:
    ops::MetricsRegistry& registry_;
    const drivers::DeviceRegistry& devices_;
};

}  // namespace kiosk::screens
