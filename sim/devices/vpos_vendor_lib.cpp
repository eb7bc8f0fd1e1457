// libkiosk_vpos_vendor.so: a vendor-style MIS-POS library backed by the simulated acquirer, for
// the mispos driver's "library" transport (loaded only by kiosk-pos-helper). It exports the one
// call of the 银联商务 posinf library as public hospital code uses it:
//   int bankall(char *request, char *response)
// request: the layout's fixed-width request (NUL-terminated); response: the fixed-width answer,
// NUL-terminated; returns 0 (approved), 1 (a whole answer that is not approved) or -1 when the
// link to the terminal failed (no answer).
//
// Environment: KIOSK_VPOS_STATE (required) the acquirer's state file, shared with kiosk-vpos and
// the tests; KIOSK_VPOS_LAYOUT the layout file (default: the source tree's assets/pos/ums_bankall.toml).
// Scenarios crash and hang are played for real: abort() after the charge, or never returning.
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "sim/devices/virtual_acquirer.hpp"

#ifndef KIOSK_VPOS_DEFAULT_LAYOUT
#define KIOSK_VPOS_DEFAULT_LAYOUT "assets/pos/ums_bankall.toml"
#endif

extern "C" __attribute__((visibility("default"))) int bankall(char* request, char* response) {
    const char* state = std::getenv("KIOSK_VPOS_STATE");
    const char* layoutPath = std::getenv("KIOSK_VPOS_LAYOUT");
    if (!state || !request || !response) return -2;
    auto layout = kiosk::drivers::pos::MisPosLayout::loadFile(layoutPath ? layoutPath : KIOSK_VPOS_DEFAULT_LAYOUT);
    if (!layout) return -3;
    kiosk::sim::VirtualAcquirer acquirer(state, std::move(*layout));
    const auto outcome = acquirer.process(request);
    if (outcome.delay.count() > 0) std::this_thread::sleep_for(outcome.delay);
    switch (outcome.kind) {
        case kiosk::sim::VposOutcome::Kind::answer:
            std::memcpy(response, outcome.answer.data(), outcome.answer.size());
            response[outcome.answer.size()] = '\0';
            // Like some vendor libraries: non-zero for a declined transaction, with the whole answer.
            return outcome.answer.starts_with("00") ? 0 : 1;
        case kiosk::sim::VposOutcome::Kind::no_answer:
            response[0] = '\0';
            return -1;
        case kiosk::sim::VposOutcome::Kind::crash:
            std::abort();  // a vendor library crashing mid-transaction, after the charge
        case kiosk::sim::VposOutcome::Kind::hang:
            for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
    }
    return -1;
}
