#include "drivers/common/registry.hpp"

#include <fmt/format.h>

namespace kiosk::drivers {

Result<DeviceRegistry> DeviceRegistry::build(const KioskConfig& config, const DriverContext& context) {
    DeviceRegistry registry;
    auto problems = std::make_shared<ConfigProblems>();
    problems->file = config.file;
    for (const DeviceConfig& device : config.devices) {
        ConfigSection settings = device.settings;
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
            problems->add(settings.keyPath() + ".driver",
                          fmt::format("unknown driver \"{}\" for class {}; this build has: {}", device.driver,
                                      device.deviceClass, known.empty() ? "none" : known));
            continue;
        }
        auto created = entry->create(device, settings, context);
        settings.rejectUnknownKeys();
        // The driver's own key problems were recorded into the config's problem list.
        for (const auto& message : settings.problems()->messages) problems->messages.push_back(message);
        settings.problems()->messages.clear();
        if (!created) {
            problems->add(settings.keyPath(), created.error().detail);
            continue;
        }
        registry.add(std::move(*created));
    }
    if (!problems->empty()) return fail(Errc::invalid_config, problems->joined(), "error.config");
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
