// kiosk-vidreader: a virtual GA 450 ID-card reader on a pty, linked at --link, until
// SIGINT/SIGTERM. For technicians and demos; the tests use VirtualIdReader in-process.
//
//   kiosk-vidreader --link /tmp/ttyIdReader [--scenario valid_card] [--person zhang-san]
//                   [--card-type resident|J|I|Y]
// --card-type J / I / Y places an invented residence permit for Hong Kong/Macao/Taiwan residents,
// or a foreigner's permanent residence ID card (2017 / 2023) instead of the person's ID card.
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
    std::string cardType = "resident";
    std::string peopleFile = (kiosk::defaultAssetsDir() / "sim" / "people.json").string();
    app.add_option("--link", link, "Symlink to create for the reader's port")->required();
    app.add_option("--person", personId, "Sample person on the reader (valid_card, corrupted_checksum)");
    app.add_option("--scenario", scenarioName, "no_card, select_failure, valid_card, corrupted_checksum, silent");
    app.add_option("--people", peopleFile, "People file");
    app.add_option("--card-type", cardType, "resident (the person's ID card), J, I or Y (invented holders)")
        ->check(CLI::IsMember({"resident", "J", "I", "Y"}));
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
    namespace ga450 = kiosk::drivers::ga450;
    ga450::IdCardText text;
    if (cardType == "J") {
        text = ga450::IdCardText{.name = "陈家明", .sex = "1", .ethnicity = "", .birthDate = "19900101",
                                 .address = "广东省深圳市福田区示范路3号", .idNumber = "810000199001010051",
                                 .authority = "深圳市公安局", .validFrom = "20220301", .validTo = "20270301",
                                 .type = ga450::IdCardType::hk_macao_taiwan_permit, .passNumber = "H12345678",
                                 .issueCount = "01"};
    } else if (cardType == "I") {
        text = ga450::IdCardText{.name = "马克莱", .sex = "2", .birthDate = "19880314", .idNumber = "CAN310188031401",
                                 .authority = "3100", .validFrom = "20200601", .validTo = "20300601",
                                 .type = ga450::IdCardType::foreigner_permanent_2017,
                                 .englishName = "MARTIN, CLAIRE ANNE", .nationality = "CAN", .cardVersion = "20"};
    } else if (cardType == "Y") {
        text = ga450::IdCardText{.name = "马丁", .sex = "1", .birthDate = "19790922", .idNumber = "931124197909220011",
                                 .validFrom = "20231201", .validTo = "20331201",
                                 .type = ga450::IdCardType::foreigner_permanent_2023,
                                 .englishName = "VAN DER BERG, MARTIN", .nationality = "NLD", .renewalCount = "00"};
    }
    if (cardType == "resident") {
        (*reader)->place(*people->find(personId));
    } else if (auto placed = (*reader)->placeCard(text); !placed) {
        std::cerr << "kiosk-vidreader: " << placed.error().detail << '\n';
        return 1;
    }
    std::cerr << "kiosk-vidreader: reader at " << link << " (" << scenarioName << "); Ctrl-C stops it\n";
    int received = 0;
    sigwait(&signals, &received);
    return 0;
}
