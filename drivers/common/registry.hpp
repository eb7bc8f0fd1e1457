#pragma once
// The device registry, built from config: an explicit ordered list of [[devices]] entries, each
// naming its driver. Drivers are rows of one table (drivers/driver_table.cpp); no self-registration.

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "drivers/common/device_classes.hpp"
#include "kiosk/core/config.hpp"

namespace kiosk::drivers {

/// What a driver factory may use besides its own config table.
struct DriverContext {
    std::filesystem::path assetsDir;
    std::filesystem::path dataDir;
};

using DriverFactory = Result<std::unique_ptr<Device>> (*)(const DeviceConfig& device, ConfigSection& settings,
                                                          const DriverContext& context);

struct DriverEntry {
    std::string_view driver;  ///< the `driver` key in config
    DeviceClass deviceClass;
    DriverFactory create;
    std::string_view summary;
};

/// The table of every driver this build knows, in the order they are listed for technicians.
const std::vector<DriverEntry>& driverTable();

class DeviceRegistry {
public:
    /// Creates every configured device. Fails (naming file, key and what was expected) on an
    /// unknown driver, a driver of the wrong class, or a driver's own config problems.
    static Result<DeviceRegistry> build(const KioskConfig& config, const DriverContext& context);

    DeviceRegistry() = default;
    DeviceRegistry(DeviceRegistry&&) = default;
    DeviceRegistry& operator=(DeviceRegistry&&) = default;

    void add(std::unique_ptr<Device> device) { devices_.push_back(std::move(device)); }
    Device* find(std::string_view name) const;
    std::vector<Device*> ofClass(DeviceClass deviceClass) const;
    const std::vector<std::unique_ptr<Device>>& all() const { return devices_; }
    /// The first device of the class (the one a screen uses when it needs "a printer").
    template <class T>
    T* first(DeviceClass deviceClass) const {
        for (Device* device : ofClass(deviceClass)) {
            if (auto* typed = dynamic_cast<T*>(device)) return typed;
        }
        return nullptr;
    }
    void stopAll();

private:
    std::vector<std::unique_ptr<Device>> devices_;
};

}  // namespace kiosk::drivers
