// kiosk-vpos: a virtual UnionPay MIS-POS terminal on a pty, linked at --link, until SIGINT/SIGTERM.
// For the demo and technicians; the tests use VirtualMisPos in-process. The acquirer's state file
// is shared with libkiosk_vpos_vendor.so (set KIOSK_VPOS_STATE to the same file for the helper).
//
//   kiosk-vpos --link /tmp/ttyPos --state /tmp/vpos.state [--layout assets/pos/ums_bankall.toml]
//              [--scenario approved|insufficient_funds|wrong_pin|card_expired|walk_away|
//                          answer_lost|crash|hang|not_signed_in] [--fault NAME] [--signed-in]
//              [--answer-delay-ms N]   (the patient at the terminal: the demo shows the kiosk waiting)
//   kiosk-vpos --state FILE --scenario NAME --set-only     (change the scenario of a running one)
#include <CLI/CLI.hpp>

#include <csignal>
#include <iostream>

#include "kiosk/core/log.hpp"
#include "sim/devices/virtual_mispos.hpp"

#ifndef KIOSK_VPOS_DEFAULT_LAYOUT
#define KIOSK_VPOS_DEFAULT_LAYOUT "assets/pos/ums_bankall.toml"
#endif

int main(int argc, char** argv) {
    CLI::App app{"Virtual UnionPay MIS-POS terminal on a pty", "kiosk-vpos"};
    std::string link;
    std::string state;
    std::string layoutFile = KIOSK_VPOS_DEFAULT_LAYOUT;
    std::string scenarioName;
    std::string faultName;
    bool signedIn = false;
    bool setOnly = false;
    int walkAwayMs = 3000;
    int answerDelayMs = -1;
    app.add_option("--link", link, "Symlink to create for the terminal's port");
    app.add_option("--state", state, "The acquirer's state file (shared with the vendor library)")->required();
    app.add_option("--layout", layoutFile, "The request / answer layout");
    app.add_option("--scenario", scenarioName, "Scenario for the next transaction");
    app.add_option("--fault", faultName, "Fault for the next answer");
    app.add_option("--walk-away-ms", walkAwayMs, "How long the terminal waits for a card");
    app.add_option("--answer-delay-ms", answerDelayMs, "How long the terminal takes to answer (card and PIN)");
    app.add_flag("--signed-in", signedIn, "Start signed in (else the first consume answers 77)");
    app.add_flag("--set-only", setOnly, "Change the scenario / fault in the state file and exit");
    CLI11_PARSE(app, argc, argv);

    kiosk::log::configure(kiosk::log::Settings{});
    auto layout = kiosk::drivers::pos::MisPosLayout::loadFile(layoutFile);
    if (!layout) {
        std::cerr << "kiosk-vpos: " << layout.error().detail << '\n';
        return 2;
    }
    auto acquirer = std::make_shared<kiosk::sim::VirtualAcquirer>(state, std::move(*layout));
    if (!scenarioName.empty()) {
        auto scenario = kiosk::sim::parseVposScenario(scenarioName);
        if (!scenario) {
            std::cerr << "kiosk-vpos: " << scenario.error().detail << '\n';
            return 2;
        }
        acquirer->setScenario(*scenario);
    }
    if (!faultName.empty()) {
        auto fault = kiosk::sim::parseVposFault(faultName);
        if (!fault) {
            std::cerr << "kiosk-vpos: " << fault.error().detail << '\n';
            return 2;
        }
        acquirer->setFault(*fault);
    }
    acquirer->setWalkAwayDelay(std::chrono::milliseconds(walkAwayMs));
    if (answerDelayMs >= 0) acquirer->setAnswerDelay(std::chrono::milliseconds(answerDelayMs));
    if (signedIn) {
        // A sign-in request through the acquirer itself, as the terminal's own menu would do.
        kiosk::drivers::pos::PosRequest request;
        request.operation = kiosk::drivers::pos::PosOperation::sign_in;
        if (auto bytes = acquirer->layout().encodeRequest(request, {"VPOS", "0000"})) acquirer->process(*bytes);
    }
    if (setOnly) return 0;
    if (link.empty()) {
        std::cerr << "kiosk-vpos: --link is required (unless --set-only)\n";
        return 2;
    }
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    auto terminal = kiosk::sim::VirtualMisPos::create(acquirer, link);
    if (!terminal) {
        std::cerr << "kiosk-vpos: " << terminal.error().detail << '\n';
        return 1;
    }
    std::cerr << "kiosk-vpos: MIS-POS terminal (" << acquirer->layout().name() << ") at " << link << ", state " << state
              << "; Ctrl-C stops it\n";
    int received = 0;
    sigwait(&signals, &received);
    return 0;
}
