// `kiosk card read --config FILE` and `kiosk idcard read --config FILE`: start the configured
// card reader (class card_reader) or ID-card reader (class id_reader), wait for a card, print
// the identity (masked unless --unmasked in diagnostics mode) and the raw status words as JSON.
// For technicians at a site and for the tests. Exit 0 identity read, 1 failure/timeout, 2 usage.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <condition_variable>
#include <iostream>
#include <mutex>
#include <optional>

#include "drivers/common/registry.hpp"
#include "kiosk/cli/commands.hpp"
#include "kiosk/cli/common.hpp"
#include "kiosk/core/mask.hpp"

namespace kiosk::cli {

namespace {

struct ReadOptions {
    std::string configFile;
    std::string device;
    double timeoutSeconds = 30;
    bool unmasked = false;
};

nlohmann::json identityJson(const PatientIdentity& identity, bool unmasked) {
    auto masked = [&](const std::string& value, PersonalField field) {
        return unmasked || value.empty() ? value : maskPersonalData(value, field);
    };
    return {
        {"source", identitySourceName(identity.source)},
        {"name", masked(identity.name, PersonalField::name)},
        {"id_number", masked(identity.idNumber, PersonalField::id_number)},
        {"card_number", masked(identity.cardNumber, PersonalField::card_number)},
        {"sex", identity.sex},
        // The birth date is in the ID number: show the year only when masked.
        {"birth_date", unmasked || identity.birthDate.size() < 4 ? identity.birthDate
                                                                 : identity.birthDate.substr(0, 4) + "****"},
        // The social-security card's issuing region (GB/T 2260 code of the insurance area that
        // issued it): shown in clear, as a site checking cards from another city needs it and it
        // names an area, not a person. Empty for other sources.
        {"region", identity.region},
    };
}

/// Waits for the first card event of `device`; stdout gets one JSON object.
int readOnce(const ReadOptions& options, drivers::DeviceClass wanted) {
    auto loaded = loadKioskConfigForCli(options.configFile);
    if (!loaded) return 1;
    if (options.unmasked && loaded->mode != KioskMode::diagnostics) {
        std::cerr << "kiosk: --unmasked is only allowed when kiosk.mode is \"diagnostics\" (it is \""
                  << modeName(loaded->mode) << "\")\n";
        return 2;
    }
    auto registry = drivers::DeviceRegistry::build(*loaded, drivers::DriverContext{loaded->assetsDir, loaded->dataDir});
    if (!registry) {
        std::cerr << "kiosk: " << registry.error().detail << '\n';
        return 1;
    }
    drivers::Device* device = nullptr;
    if (!options.device.empty()) {
        device = registry->find(options.device);
        if (device && device->deviceClass() != wanted) device = nullptr;
    } else {
        const auto candidates = registry->ofClass(wanted);
        if (!candidates.empty()) device = candidates.front();
    }
    if (!device) {
        std::cerr << "kiosk: no " << drivers::deviceClassName(wanted) << " device"
                  << (options.device.empty() ? "" : " named \"" + options.device + "\"") << " in " << options.configFile
                  << '\n';
        return 1;
    }

    std::mutex mutex;
    std::condition_variable arrived;
    std::optional<drivers::DeviceEvent> outcome;
    const auto started = std::chrono::steady_clock::now();
    auto sink = [&](drivers::DeviceEvent event) {
        if (!std::holds_alternative<drivers::CardInserted>(event) && !std::holds_alternative<drivers::CardReadFailed>(event)) {
            return;
        }
        std::lock_guard lock(mutex);
        if (!outcome) outcome = std::move(event);
        arrived.notify_all();
    };
    std::cerr << "kiosk: waiting for a card on " << device->name() << " (" << device->driverName() << ")…\n";
    if (auto startedDevice = device->start(sink); !startedDevice) {
        std::cerr << "kiosk: " << startedDevice.error().detail << '\n';
        return 1;
    }
    {
        std::unique_lock lock(mutex);
        arrived.wait_for(lock, std::chrono::duration<double>(options.timeoutSeconds), [&] { return outcome.has_value(); });
    }
    const auto state = device->state();
    device->stop();
    const auto tookMs = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);

    nlohmann::json out = {{"device", device->name()}, {"driver", device->driverName()}, {"masked", !options.unmasked}};
    int exitCode = 1;
    std::lock_guard lock(mutex);
    if (!outcome) {
        out["ok"] = false;
        out["error"] = "timeout";
        out["message_key"] = "card.timeout";
        out["detail"] = fmt::format("no card within {} s; device status {} {}", options.timeoutSeconds,
                                    drivers::deviceStatusName(state.status), state.detail);
    } else if (auto* inserted = std::get_if<drivers::CardInserted>(&*outcome)) {
        out["ok"] = true;
        out["identity"] = identityJson(inserted->identity, options.unmasked);
        out["status_words"] = inserted->statusWords;
        exitCode = 0;
    } else if (auto* failed = std::get_if<drivers::CardReadFailed>(&*outcome)) {
        out["ok"] = false;
        out["error"] = errcName(failed->error.code);
        out["message_key"] = failed->error.messageKey;
        out["detail"] = failed->error.detail;
        out["partial_identity"] = identityJson(failed->partial, options.unmasked);
        out["status_words"] = failed->statusWords;
    }
    out["took_ms"] = tookMs.count();
    std::cout << out.dump(2) << '\n';
    return exitCode;
}

void installRead(CLI::App& root, Action& action, const char* name, const char* help, drivers::DeviceClass wanted) {
    auto* command = root.add_subcommand(name, help);
    command->require_subcommand(1);
    auto* read = command->add_subcommand("read", "Wait for a card and print the identity as JSON");
    auto options = std::make_shared<ReadOptions>();
    read->add_option("--config", options->configFile, "Kiosk configuration file (TOML)")->required();
    read->add_option("--device", options->device, "Device name (default: the first of its class)");
    read->add_option("--timeout", options->timeoutSeconds, "Seconds to wait for a card")
        ->check(CLI::Range(0.1, 3600.0));
    read->add_flag("--unmasked", options->unmasked, "Print personal data in clear (diagnostics mode only)");
    read->callback([&action, options, wanted] { action = [options, wanted] { return readOnce(*options, wanted); }; });
}

}  // namespace

void installCardCommand(CLI::App& root, Action& action) {
    installRead(root, action, "card", "Social-security / contact card reader commands", drivers::DeviceClass::card_reader);
    installRead(root, action, "idcard", "ID-card reader commands", drivers::DeviceClass::id_reader);
}

}  // namespace kiosk::cli
