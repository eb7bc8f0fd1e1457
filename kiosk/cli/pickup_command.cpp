// `kiosk pickup lockers|clear-locker --config FILE`: pharmacy staff see the medicine lockers the
// kiosk has marked faulty (a door that did not open, or a board that did not answer, during a
// pickup: screens/pickup/locker_pickup.hpp) and, once they have checked a locker, clear it so the
// kiosk opens it again. JSON on stdout; exit 0 ok, 1 failure (no journal, the locker is not marked
// faulty), 2 usage (a locker that is not a number).
//   lockers            the faulty lockers: number, since (UTC), reason
//   clear-locker N     clears locker N; the lockers still faulty after it
#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <iostream>

#include "kiosk/cli/commands.hpp"
#include "kiosk/cli/common.hpp"
#include "kiosk/core/journal.hpp"
#include "screens/pickup/pickup_journal.hpp"

namespace kiosk::cli {

namespace {

using nlohmann::json;

struct PickupOptions {
    std::string config;
    std::string locker;  ///< as typed: checked here, so a word gets a sentence, not a parser's message
};

int printError(const Error& error) {
    std::cout << json{{"error", errcName(error.code)}, {"detail", error.detail}, {"message_key", error.messageKey}}.dump(2) << '\n';
    return 1;
}

json toJson(const std::vector<screens::LockerFault>& faults) {
    json out = json::array();
    for (const auto& f : faults) out.push_back({{"locker", f.locker}, {"since", f.since}, {"reason", f.reason}});
    return out;
}

std::string numbers(const std::vector<screens::LockerFault>& faults) {
    std::string out;
    for (const auto& f : faults) out += (out.empty() ? "" : ", ") + std::to_string(f.locker);
    return out.empty() ? "none" : out;
}

int runPickup(const std::string& verb, const PickupOptions& options) {
    int locker = 0;
    if (verb == "clear-locker") {
        const std::string& text = options.locker;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), locker);
        if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || locker < 1) {
            std::cerr << "kiosk: pickup clear-locker: \"" << text
                      << "\" is not a locker number (1, 2, …: see kiosk pickup lockers for the faulty ones)\n";
            return 2;
        }
    }
    auto config = loadKioskConfigForCli(options.config);
    if (!config) return 1;
    // Only the journal the kiosk writes: opening a missing one would create an empty journal
    // where the config points and report "nothing faulty" from it.
    std::error_code ec;
    if (!std::filesystem::exists(config->journalFile, ec)) {
        return printError(Error{Errc::not_found,
                                "no journal at " + config->journalFile.string() +
                                    ": the kiosk has not run with this config (check --config and [journal] file)",
                                {}});
    }
    auto opened = Journal::open(config->journalFile);
    if (!opened) return printError(opened.error());
    auto journal = screens::PickupJournal::open(std::move(*opened));
    if (!journal) return printError(journal.error());
    auto faults = (*journal)->faultyLockers();
    if (!faults) return printError(faults.error());
    if (verb == "lockers") {
        std::cout << toJson(*faults).dump(2) << '\n';
        return 0;
    }
    const auto found = std::find_if(faults->begin(), faults->end(), [&](const auto& f) { return f.locker == locker; });
    if (found == faults->end()) {
        return printError(Error{Errc::not_found,
                                "locker " + std::to_string(locker) + " is not marked faulty (faulty now: " + numbers(*faults) +
                                    "): nothing cleared",
                                {}});
    }
    const screens::LockerFault cleared = *found;
    if (auto done = (*journal)->clearLockerFault(locker); !done) return printError(done.error());
    auto left = (*journal)->faultyLockers();
    if (!left) return printError(left.error());
    json out = {{"cleared", toJson({cleared})[0]}, {"faulty", toJson(*left)}};
    std::cout << out.dump(2) << '\n';
    return 0;
}

}  // namespace

void installPickupCommand(CLI::App& root, Action& action) {
    auto* pickup = root.add_subcommand("pickup", "Medicine pickup: list and clear lockers marked faulty");
    pickup->require_subcommand(1);
    auto options = std::make_shared<PickupOptions>();
    auto* lockers = pickup->add_subcommand("lockers", "Lockers marked faulty (a door that did not open), with since and reason");
    auto* clear = pickup->add_subcommand("clear-locker", "Clear locker N's fault after checking it: the kiosk opens it again");
    clear->add_option("locker", options->locker, "The locker's number")->required();
    for (auto* sub : {lockers, clear}) {
        sub->add_option("--config", options->config, "Kiosk configuration file (TOML)")->required();
        const std::string verb = sub->get_name();
        sub->callback([&action, options, verb] { action = [options, verb] { return runPickup(verb, *options); }; });
    }
}

}  // namespace kiosk::cli
