// `kiosk devices --config FILE [--self-test]`: lists the configured devices with their driver,
// status and (optionally) a self-test result, as JSON. For technicians checking a site's
// config without the UI.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>

#include "drivers/common/registry.hpp"
#include "kiosk/cli/commands.hpp"
#include "kiosk/cli/common.hpp"

namespace kiosk::cli {

void installDevicesCommand(CLI::App& root, Action& action) {
    auto* command = root.add_subcommand("devices", "List the configured devices and their status as JSON");
    auto configFile = std::make_shared<std::string>();
    auto selfTest = std::make_shared<bool>(false);
    command->add_option("--config", *configFile, "Kiosk configuration file (TOML)")->required();
    command->add_flag("--self-test", *selfTest, "Run each device's self-test");
    command->callback([&action, configFile, selfTest] {
        action = [configFile, selfTest]() -> int {
            auto loaded = loadKioskConfigForCli(*configFile);
            if (!loaded) return 1;
            auto registry = drivers::DeviceRegistry::build(
                *loaded, drivers::DriverContext{loaded->assetsDir, loaded->dataDir});
            if (!registry) {
                std::cerr << "kiosk: " << registry.error().detail << '\n';
                return 1;
            }
            nlohmann::json out = nlohmann::json::array();
            bool allOk = true;
            for (const auto& device : registry->all()) {
                const drivers::DeviceState state = device->state();
                nlohmann::json entry = {
                    {"name", device->name()},
                    {"class", drivers::deviceClassName(device->deviceClass())},
                    {"driver", device->driverName()},
                    {"status", drivers::deviceStatusName(state.status)},
                    {"media", drivers::mediaStateName(state.media)},
                    {"paper", drivers::paperStateName(state.paper)},
                    {"cover_open", state.coverOpen},
                    {"detail", state.detail},
                    {"capabilities", device->capabilities().features},
                };
                if (*selfTest) {
                    auto result = device->selfTest(std::chrono::seconds(5), drivers::CancelToken{});
                    entry["self_test"] = result ? nlohmann::json{{"ok", true}, {"detail", *result}}
                                                : nlohmann::json{{"ok", false},
                                                                 {"error", errcName(result.error().code)},
                                                                 {"detail", result.error().detail}};
                    allOk = allOk && result.has_value();
                }
                out.push_back(entry);
            }
            std::cout << out.dump(2) << '\n';
            return allOk ? 0 : 1;
        };
    });
}

}  // namespace kiosk::cli
