// kiosk-vidreader: a virtual GA 450 ID-card reader on a pty, linked at --link, until
// SIGINT/SIGTERM. For technicians and demos; the tests use VirtualIdReader in-process.
//
//   kiosk-vidreader --link /tmp/ttyIdReader [--scenario valid_card] [--person zhang-san]
#include <CLI/CLI.hpp>

#include <csignal>
#include <iostream>

#include "kiosk/core/config.hpp"
#include "kiosk/core/log.hpp"
#include "sim/devices/virtual_id_reader.hpp"

int main(int argc, char** argv) {
    CLI::App app{"Virtual ID-card reader on a pty", "kiosk-vidreader"};
    std::string link;
    std::string personId = "zhang-san";
    std::string scenarioName = "valid_card";
    std::string peopleFile = (kiosk::defaultAssetsDir() / "sim" / "people.json").string();
    app.add_option("--link", link, "Symlink to create for the reader's port")->required();
    app.add_option("--person", personId, "Sample person on the reader (valid_card, corrupted_checksum)");
    app.add_option("--scenario", scenarioName, "no_card, select_failure, valid_card, corrupted_checksum, silent");
    app.add_option("--people", peopleFile, "People file");
    CLI11_PARSE(app, argc, argv);

    kiosk::log::configure(kiosk::log::Settings{});
    auto people = kiosk::drivers::sim::SampleData::load(peopleFile);
    auto scenario = kiosk::sim::parseIdReaderScenario(scenarioName);
    if (!people || !scenario || !people->find(personId)) {
        std::cerr << "kiosk-vidreader: bad people file, person or scenario\n";
        return 2;
    }
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    auto reader = kiosk::sim::VirtualIdReader::create(*scenario, link);
    if (!reader) {
        std::cerr << "kiosk-vidreader: " << reader.error().detail << '\n';
        return 1;
    }
    (*reader)->place(*people->find(personId));
    std::cerr << "kiosk-vidreader: reader at " << link << " (" << scenarioName << "); Ctrl-C stops it\n";
    int received = 0;
    sigwait(&signals, &received);
    return 0;
}
