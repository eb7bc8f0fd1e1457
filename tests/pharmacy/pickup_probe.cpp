// pickup_probe: one locker pickup as the kiosk does it (screens/pickup/locker_pickup.hpp), or one
// herbal delivery order (screens/pickup/tcm_order.hpp), for the pickup crash matrix
// (tests/pharmacy/pickup_crash_test.cpp). KIOSK_FAILPOINT is honoured at every step boundary; the
// test kills it there, then runs it again with --recover. Prints one JSON line.
//
//   pickup_probe --journal F --fhir http://127.0.0.1:PORT/fhir --board PTY
//                (--dispense ID --locker N --trade KEY
//                 | --tcm-dispense ID --patient P --trade KEY    (delivery, the address by phone)
//                 | --recover)
#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "drivers/locker/lockboard/lockboard_driver.hpp"
#include "kiosk/backend/fhir_his_driver.hpp"
#include "screens/pickup/locker_pickup.hpp"
#include "screens/pickup/tcm_order.hpp"

using namespace kiosk;
using namespace std::chrono_literals;

int main(int argc, char** argv) {
    std::string journalFile, fhir, board, dispenseId, trade, tcmDispense, patient;
    int locker = 0;
    bool recover = false;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
        if (arg == "--journal") journalFile = next();
        else if (arg == "--fhir") fhir = next();
        else if (arg == "--board") board = next();
        else if (arg == "--dispense") dispenseId = next();
        else if (arg == "--locker") locker = std::stoi(next());
        else if (arg == "--trade") trade = next();
        else if (arg == "--tcm-dispense") tcmDispense = next();
        else if (arg == "--patient") patient = next();
        else if (arg == "--recover") recover = true;
        else {
            std::cerr << "pickup_probe: unknown argument " << arg << '\n';
            return 2;
        }
    }
    auto opened = Journal::open(journalFile);
    if (!opened) {
        std::cerr << opened.error().describe() << '\n';
        return 2;
    }
    auto journal = screens::PickupJournal::open(std::move(*opened));
    if (!journal) {
        std::cerr << journal.error().describe() << '\n';
        return 2;
    }
    backend::FhirSettings settings;
    settings.http.baseUrl = fhir;
    settings.retries = 0;
    backend::FhirHisDriver his(settings);
    drivers::locker::LockBoardSettings boardSettings;
    boardSettings.serial = drivers::transport::SerialSettings{.path = board, .baud = 9600};
    boardSettings.boards = {{1, 12, drivers::locker::FeedbackPolarity::closed_when_set}};
    boardSettings.confirmTimeout = 500ms;
    boardSettings.readInterval = 20ms;
    drivers::locker::LockBoardDriver lockers("lockers", boardSettings);
    if (recover) {
        const auto done = screens::LockerPickup::recover(his, **journal, &lockers);
        std::cout << nlohmann::json{{"confirmed", done.confirmed}, {"door_unknown", done.doorUnknown}, {"still_pending", done.stillPending},
                                    {"ordered", done.ordered}, {"abandoned", done.abandoned}}
                         .dump()
                  << std::endl;
        return 0;
    }
    if (!tcmDispense.empty()) {
        const auto order = screens::placeTcmOrder(his, **journal,
                                                  {.tradeNo = trade, .patientId = patient, .dispenseId = tcmDispense, .requestId = {},
                                                   .service = backend::TcmService::delivery, .addressByLink = true, .kioskId = "K01"});
        std::cout << nlohmann::json{{"order", order ? order->orderId : ""},
                                    {"error", order ? "" : order.error().describe()},
                                    {"message_key", order ? "" : order.error().messageKey}}
                         .dump()
                  << std::endl;
        return order ? 0 : 1;
    }
    backend::Prescription prescription;
    prescription.dispenseId = dispenseId;
    prescription.lockerNumber = locker;
    screens::LockerPickup pickup(his, **journal, lockers);
    const auto result = pickup.pickUp(prescription, trade);
    std::cout << nlohmann::json{{"opened", result.door == screens::LockerPickupResult::Door::opened},
                                {"confirmed", result.confirmed},
                                {"attempts", result.attempts}}
                     .dump()
              << std::endl;
    return 0;
}
