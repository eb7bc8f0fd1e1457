#include "drivers/common/registry.hpp"

#include <fmt/format.h>

#include "kiosk/core/config_problems.hpp"

namespace kiosk::drivers {

Result<DeviceRegistry> DeviceRegistry::build(const KioskConfig& config, const DriverContext& context) {
    // Every device is checked whatever the others' problems, so one run lists them all
    // (kiosk/cli prints them with the rest of the config's problems).
    DeviceRegistry registry;
    std::vector<std::string> problems;
    for (const DeviceConfig& device : config.devices) {
        ConfigSection settings = device.settings;
        // The section records into the config's shared problem list: what this device adds is
        // taken out of it, so it is known to be this device's and is not reported twice.
        auto& shared = settings.problems()->messages;
        const size_t before = shared.size();
        auto takeOwn = [&] {
            std::vector<std::string> own(shared.begin() + static_cast<std::ptrdiff_t>(before), shared.end());
            shared.resize(before);
            return own;
        };
        // An entry whose class or driver is missing or bad was already reported by loadConfig;
        // looking it up would only add a second, misleading "unknown driver" line.
        if (device.deviceClass.empty() || device.driver.empty()) continue;
        const DriverEntry* entry = nullptr;
        for (const DriverEntry& candidate : driverTable()) {
            if (candidate.driver == device.driver && deviceClassName(candidate.deviceClass) == device.deviceClass) {
                entry = &candidate;
                break;
            }
        }
        if (!entry) {
            std::string known;
            for (const DriverEntry& candidate : driverTable()) {
                if (deviceClassName(candidate.deviceClass) == device.deviceClass) {
                    known += (known.empty() ? "" : ", ") + std::string(candidate.driver);
                }
            }
            settings.problem("driver", fmt::format("unknown driver \"{}\" for class {}; this build has: {}", device.driver,
                                                   device.deviceClass, known.empty() ? "none" : known));
            for (auto& line : takeOwn()) problems.push_back(std::move(line));
            continue;
        }
        auto created = entry->create(device, settings, context);
        // A driver that refuses its settings has usually said why, key by key; its returned
        // error is added only when it named no key (a file it could not load, a bad scenario).
        if (!created && shared.size() == before) settings.problems()->add(settings.keyPath(), created.error().detail);
        settings.rejectUnknownKeys();
        auto own = takeOwn();
        if (created && own.empty()) registry.add(std::move(*created));
        for (auto& line : own) problems.push_back(std::move(line));
    }
    if (!problems.empty()) return fail(Errc::invalid_config, joinProblems(problems), "error.config");
    return registry;
}

Device* DeviceRegistry::find(std::string_view name) const {
    for (const auto& device : devices_) {
        if (device->name() == name) return device.get();
    }
    return nullptr;
}

std::vector<Device*> DeviceRegistry::ofClass(DeviceClass deviceClass) const {
    std::vector<Device*> out;
    for (const auto& device : devices_) {
        if (device->deviceClass() == deviceClass) out.push_back(device.get());
    }
    return out;
}

void DeviceRegistry::stopAll() {
    for (const auto& device : devices_) device->stop();
}

}  // namespace kiosk::drivers
