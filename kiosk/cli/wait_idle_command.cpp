// `kiosk wait-idle --timeout SECONDS [--config FILE]`: waits until no payment is in progress on
// this kiosk, for the package's maintainer scripts (prerm, before an upgrade stops the kiosk)
// and for technicians. Exit 0 when idle (at once, or once the payment in progress ended), 1 when
// the timeout passed with a payment still in progress (its orders on stdout), 2 on usage errors.
//
// In progress is read from the payment journal, the ground truth the payment steps write
// before and after every remote call (payments/saga_journal.hpp): an order in a step state
// (created, ordering, qr_shown, paid, his_committing, refunding, the insurance and
// registration steps) whose last row is younger than the QR countdown plus two minutes. Older
// step states are not a payment in progress but one that start-up recovery resolves (the kiosk
// stopped mid-step); UNKNOWN and MANUAL orders wait for a query or a person, not for this kiosk's
// screen, and never make it busy.
#include <nlohmann/json.hpp>

#include <chrono>
#include <ctime>
#include <iostream>
#include <thread>

#include "kiosk/cli/commands.hpp"
#include "kiosk/cli/common.hpp"
#include "kiosk/core/journal.hpp"
#include "payments/saga_journal.hpp"

namespace kiosk::cli {

namespace {

using namespace kiosk::payments;

/// Seconds since the epoch of a journal stamp (yyyyMMddHHmmss, China time: UTC+8); -1 if malformed.
int64_t stampSeconds(const std::string& stamp) {
    std::tm parts{};
    if (stamp.size() != 14 || !strptime(stamp.c_str(), "%Y%m%d%H%M%S", &parts)) return -1;
    return static_cast<int64_t>(timegm(&parts)) - 8 * 3600;
}

bool inStep(SagaState state) {
    return !isTerminal(state) && state != SagaState::unknown && state != SagaState::manual;
}

struct Busy {
    std::vector<PaymentOrder> orders;
};

Result<Busy> paymentsInProgress(const KioskConfig& config, std::chrono::seconds window) {
    auto journal = Journal::open(config.journalFile);
    if (!journal) return std::unexpected(journal.error());
    auto saga = SagaJournal::attach(**journal, config.kioskId);
    if (!saga) return std::unexpected(saga.error());
    auto open = saga->nonTerminal();
    if (!open) return std::unexpected(open.error());
    const int64_t now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    Busy busy;
    for (const auto& order : *open) {
        const int64_t updated = stampSeconds(order.updated.empty() ? order.created : order.updated);
        if (inStep(order.state) && updated >= 0 && now - updated <= window.count()) busy.orders.push_back(order);
    }
    return busy;
}

int waitIdle(const std::string& configFile, int timeoutSeconds) {
    auto config = loadKioskConfigForCli(configFile);
    if (!config) return 1;
    if (!std::filesystem::exists(config->journalFile)) {
        std::cout << nlohmann::json{{"idle", true}, {"why", "no journal yet"}}.dump() << '\n';
        return 0;
    }
    ConfigSection payments = config->payments;
    const auto qrTimeout =
        std::chrono::seconds(payments.present() ? payments.integer("qr_timeout_s", 120, 1, 3600) : 120);
    const auto window = qrTimeout + std::chrono::seconds(120);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeoutSeconds);
    while (true) {
        auto busy = paymentsInProgress(*config, window);
        if (!busy) {
            std::cerr << "kiosk: wait-idle: " << busy.error().describe() << '\n';
            return 1;
        }
        if (busy->orders.empty()) {
            std::cout << nlohmann::json{{"idle", true}}.dump() << '\n';
            return 0;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            nlohmann::json orders = nlohmann::json::array();
            for (const auto& order : busy->orders) {
                orders.push_back(
                    {{"order_id", order.orderId}, {"state", stateName(order.state)}, {"updated", order.updated}});
            }
            std::cout << nlohmann::json{{"idle", false}, {"in_progress", orders}}.dump() << '\n';
            std::cerr << "kiosk: wait-idle: " << busy->orders.size() << " payment(s) still in progress after "
                      << timeoutSeconds << " s\n";
            return 1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
}

}  // namespace

void installWaitIdleCommand(CLI::App& root, Action& action) {
    auto* command =
        root.add_subcommand("wait-idle", "Wait until no payment is in progress (maintainer scripts, before a stop)");
    auto configFile = std::make_shared<std::string>("/etc/yizhan/kiosk.toml");
    auto timeout = std::make_shared<int>(0);
    command->add_option("--config", *configFile, "Kiosk configuration file (TOML)")->capture_default_str();
    command->add_option("--timeout", *timeout, "Seconds to wait at most")->required()->check(CLI::Range(0, 86400));
    command->callback(
        [&action, configFile, timeout] { action = [configFile, timeout] { return waitIdle(*configFile, *timeout); }; });
}

}  // namespace kiosk::cli
