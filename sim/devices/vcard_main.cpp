// kiosk-vcard: inserts a virtual social-security card into vpcd (pcscd must be running with
// vsmartcard-vpcd) until SIGINT/SIGTERM, then removes it. For technicians and demos; the tests
// use VirtualSocialSecurityCard in-process.
//
//   kiosk-vcard --person zhang-san [--scenario normal] [--port 35963] [--t0] [--people FILE]
//               [--name 买买提艾力·阿不都热合曼·艾尔肯江]   (a long name continues in EF06 record 4E)
#include <CLI/CLI.hpp>

#include <csignal>
#include <iostream>

#include "kiosk/core/config.hpp"
#include "kiosk/core/log.hpp"
#include "sim/devices/virtual_ss_card.hpp"

int main(int argc, char** argv) {
    CLI::App app{"Virtual social-security card for vpcd", "kiosk-vcard"};
    std::string personId = "zhang-san";
    std::string scenarioName = "normal";
    std::string peopleFile = (kiosk::defaultAssetsDir() / "sim" / "people.json").string();
    int port = 35963;
    bool t0 = false;
    std::string name;
    app.add_option("--person", personId, "Sample person id (assets/sim/people.json)");
    std::string scenarios;
    for (auto known : kiosk::sim::cardScenarioNames()) scenarios += (scenarios.empty() ? "" : ", ") + std::string(known);
    app.add_option("--scenario", scenarioName, scenarios);
    app.add_option("--name", name, "Holder's name instead of the person's (GBK-encodable)");
    app.add_option("--port", port, "vpcd TCP port (35963 = Virtual PCD 00 00)");
    app.add_option("--people", peopleFile, "People file");
    app.add_flag("--t0", t0, "Announce T=0 in the ATR (default T=1)");
    CLI11_PARSE(app, argc, argv);

    kiosk::log::configure(kiosk::log::Settings{});
    auto people = kiosk::drivers::sim::SampleData::load(peopleFile);
    if (!people) {
        std::cerr << "kiosk-vcard: " << people.error().detail << '\n';
        return 1;
    }
    const auto* person = people->find(personId);
    auto scenario = kiosk::sim::parseCardScenario(scenarioName);
    if (!person || !scenario) {
        std::cerr << "kiosk-vcard: unknown person or scenario\n";
        return 2;
    }
    // Block the stop signals before any thread starts, then wait for one.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    kiosk::drivers::sim::SamplePerson holder = *person;
    if (!name.empty()) holder.name = name;
    kiosk::sim::VirtualSocialSecurityCard card(
        holder, kiosk::sim::VirtualCardOptions{.host = "127.0.0.1", .port = static_cast<uint16_t>(port),
                                                .scenario = *scenario, .t0 = t0, .slowDelay = std::chrono::milliseconds(150)});
    if (auto inserted = card.insert(); !inserted) {
        std::cerr << "kiosk-vcard: " << inserted.error().detail << '\n';
        return 1;
    }
    std::cerr << "kiosk-vcard: card inserted (" << scenarioName << "); Ctrl-C removes it\n";
    int received = 0;
    sigwait(&signals, &received);
    card.remove();
    return 0;
}
