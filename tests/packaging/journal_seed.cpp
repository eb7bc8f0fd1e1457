// journal_seed: writes one payment order in every saga state into a kiosk journal, with the
// project's own SagaJournal (the kiosk's code path), for the package upgrade test
// (deb_package_test.sh): after the upgrade, `kiosk journal list --all` must still show each.
//   journal_seed --journal FILE --kiosk-id ID
// Prints the orders as JSON lines ({"order_id", "state"}). Exit 0, or 1 with the error.
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "kiosk/core/journal.hpp"
#include "payments/saga_journal.hpp"

using namespace kiosk;
using namespace kiosk::payments;

namespace {

/// The order kind that can be in `state`: insurance states need an insurance order, the
/// cancellation of a booking a registration order.
NewOrder orderFor(SagaState state, int n) {
    const std::string patient = "P" + std::to_string(1000 + n);
    const std::string charge = "C" + std::to_string(2000 + n);
    switch (state) {
        case SagaState::ins_presettling:
        case SagaState::ins_presettled:
        case SagaState::ins_settling:
        case SagaState::ins_settled:
        case SagaState::ins_cancelling:
            return {OrderKind::insurance, patient, {charge}, 12345, "wechat", "02", {}};
        case SagaState::his_cancelling: return {OrderKind::registration, patient, {"slot-" + charge}, 5000, "alipay", {}, "slot-" + charge};
        case SagaState::manual: return {OrderKind::self_pay, patient, {charge}, 990, "bankcard", {}, {}};
        default: return {OrderKind::self_pay, patient, {charge}, 1000 + n, "wechat", {}, {}};
    }
}

}  // namespace

int main(int argc, char** argv) {
    std::string journalFile;
    std::string kioskId;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string key = argv[i];
        if (key == "--journal") journalFile = argv[i + 1];
        if (key == "--kiosk-id") kioskId = argv[i + 1];
    }
    if (journalFile.empty() || kioskId.empty()) {
        std::cerr << "usage: journal_seed --journal FILE --kiosk-id ID\n";
        return 2;
    }
    auto journal = Journal::open(journalFile);
    if (!journal) {
        std::cerr << "journal_seed: " << journal.error().describe() << "\n";
        return 1;
    }
    auto saga = SagaJournal::attach(**journal, kioskId);
    if (!saga) {
        std::cerr << "journal_seed: " << saga.error().describe() << "\n";
        return 1;
    }
    // Every SagaState (payments/saga_journal.hpp; new states are appended there, and here).
    constexpr SagaState kEveryState[] = {
        SagaState::created,         SagaState::ordering,       SagaState::qr_shown,     SagaState::paid,
        SagaState::his_committing,  SagaState::done,           SagaState::closed,       SagaState::refunding,
        SagaState::refunded,        SagaState::manual,         SagaState::unknown,      SagaState::ins_presettling,
        SagaState::ins_presettled,  SagaState::ins_settling,   SagaState::ins_settled,  SagaState::ins_cancelling,
        SagaState::his_cancelling};
    int n = 0;
    for (const SagaState state : kEveryState) {
        ++n;
        auto order = saga->createOrder(orderFor(state, n));
        // Past the pre-settlement an insurance order carries its split and visit id, once settled
        // its settlement id: the journal reads a row without them back as MANUAL (untrusted).
        if (order && order->insured() && state != SagaState::ins_presettling) {
            order->fundFen = 7000;
            order->accountFen = 2000;
            order->cashFen = order->totalFen - order->fundFen - order->accountFen;
            order->amountFen = order->cashFen;
            order->psnNo = "PSN-" + std::to_string(n);
            order->mdtrtId = "MDT" + std::to_string(900 + n);
            if (state == SagaState::ins_settled || state == SagaState::ins_cancelling) order->setlId = "SETL" + std::to_string(700 + n);
        }
        if (order && state == SagaState::unknown) order = saga->transition(*order, SagaState::paid);  // resume_state: paid
        if (order && state != SagaState::created) order = saga->transition(*order, state, "seeded by journal_seed");
        if (!order) {
            std::cerr << "journal_seed: " << order.error().describe() << "\n";
            return 1;
        }
        std::cout << nlohmann::json{{"order_id", order->orderId}, {"state", stateName(order->state)}}.dump() << "\n";
    }
    return 0;
}
