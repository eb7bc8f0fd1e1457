// kiosk-vlockboard: a virtual bank of lock-control boards on a pty, linked at --link, until
// SIGINT/SIGTERM. For the demo and technicians; the tests use VirtualLockBoard in-process.
//
//   kiosk-vlockboard --link /tmp/ttyLockers [--family 8a|modbus_rtu] [--boards 1:24,2:12]
//                    [--scenario normal|stuck_door|silent|inverted_polarity|opened_by_hand]
//                    [--jam 7] [--open-delay-ms 40] [--control /tmp/lockers.ctl]
// --control listens on a Unix socket for the demo's F2 panel (jam / unjam a locker door at any
// time; drivers/sim/lock_board_control.hpp has the protocol).
// --boards lists address:locks per board, in locker order (as the driver's [[devices.boards]]).
#include <CLI/CLI.hpp>

#include <csignal>
#include <iostream>

#include "kiosk/core/log.hpp"
#include "sim/devices/lock_board_control_server.hpp"
#include "sim/devices/virtual_lock_board.hpp"

int main(int argc, char** argv) {
    CLI::App app{"Virtual lock-control boards on a pty", "kiosk-vlockboard"};
    std::string link;
    std::string familyName = "8a";
    std::string boardList = "1:24";
    std::string scenarioName = "normal";
    std::vector<int> jammed;
    int openDelayMs = 40;
    std::string controlSocket;
    app.add_option("--link", link, "Symlink to create for the boards' port")->required();
    app.add_option("--family", familyName, "Frame family: 8a or modbus_rtu")
        ->check(CLI::IsMember({"8a", "modbus_rtu"}));
    app.add_option("--boards", boardList, "address:locks,… in locker order");
    app.add_option("--scenario", scenarioName, "normal, stuck_door, silent, inverted_polarity, opened_by_hand");
    app.add_option("--jam", jammed, "Lockers whose doors do not open");
    app.add_option("--open-delay-ms", openDelayMs, "Time from a pulse to the door reading open");
    app.add_option("--control", controlSocket, "Unix socket for jam/unjam requests at run time (the demo's F2 panel)");
    CLI11_PARSE(app, argc, argv);

    kiosk::log::configure(kiosk::log::Settings{});
    namespace locker = kiosk::drivers::locker;
    std::vector<kiosk::sim::VirtualBoard> boards;
    std::stringstream list(boardList);
    for (std::string item; std::getline(list, item, ',');) {
        const auto colon = item.find(':');
        try {
            if (colon == std::string::npos) throw std::invalid_argument(item);
            const int address = std::stoi(item.substr(0, colon));
            const int locks = std::stoi(item.substr(colon + 1));
            if (address < 1 || address > 247 || locks < 1 || locks > 64) throw std::out_of_range(item);
            boards.push_back({static_cast<uint8_t>(address), locks, locker::FeedbackPolarity::closed_when_set});
        } catch (const std::exception&) {
            std::cerr << "kiosk-vlockboard: --boards wants address:locks (1-247:1-64), got \"" << item << "\"\n";
            return 2;
        }
    }
    auto scenario = kiosk::sim::parseLockBoardScenario(scenarioName);
    if (!scenario || boards.empty()) {
        std::cerr << "kiosk-vlockboard: bad scenario or no boards\n";
        return 2;
    }
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    auto bank = kiosk::sim::VirtualLockBoard::create(*locker::parseFrameFamily(familyName), boards, link);
    if (!bank) {
        std::cerr << "kiosk-vlockboard: " << bank.error().detail << '\n';
        return 1;
    }
    (*bank)->setOpenDelay(std::chrono::milliseconds(openDelayMs));
    (*bank)->setScenario(*scenario);
    for (int n : jammed) (*bank)->jam(n);
    std::unique_ptr<kiosk::sim::LockBoardControlServer> control;
    if (!controlSocket.empty()) {
        auto started = kiosk::sim::LockBoardControlServer::start(**bank, controlSocket);
        if (!started) {
            std::cerr << "kiosk-vlockboard: " << started.error().detail << '\n';
            return 1;
        }
        control = std::move(*started);
    }
    std::cerr << "kiosk-vlockboard: " << (*bank)->lockerCount() << " lockers (" << familyName << ") at " << link << " ("
              << scenarioName << ")" << (control ? "; control socket " + controlSocket : std::string())
              << "; Ctrl-C stops it\n";
    int received = 0;
    sigwait(&signals, &received);
    return 0;
}
