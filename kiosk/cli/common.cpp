#include "kiosk/cli/common.hpp"

#include <fmt/format.h>

#include <iostream>
#include <sstream>

#include "drivers/common/registry.hpp"
#include "kiosk/backend/his_factory.hpp"
#include "kiosk/core/config_problems.hpp"
#include "kiosk/ops/metrics_server.hpp"
#include "payments/payment_config.hpp"
#include "printing/print_journal.hpp"
#include "screens/triage/triage_rules.hpp"

namespace kiosk::cli {

namespace {

/// An owner's error detail is its problems joined by '\n' (ConfigProblems::joined).
void appendLines(const std::string& text, std::vector<std::string>& problems) {
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        if (!line.empty()) problems.push_back(line);
    }
}

}  // namespace

std::vector<std::string> checkOwnedSections(const KioskConfig& config) {
    std::vector<std::string> problems;
    // Building the registry checks every device (driver known, its own keys) and opens nothing:
    // drivers open their hardware in start(). The devices are dropped again.
    if (auto devices = drivers::DeviceRegistry::build(config, drivers::DriverContext{config.assetsDir, config.dataDir});
        !devices) {
        appendLines(devices.error().detail, problems);
    }
    // The other owners record into the config's shared problem list (and readPaymentConfig fails
    // on anything in it): it starts empty for each and is emptied after each.
    auto& shared = config.backend.problems()->messages;
    auto takeShared = [&] {
        problems.insert(problems.end(), shared.begin(), shared.end());
        shared.clear();
    };
    if (config.backend.present()) {
        // makeHisDriver's error lists the problems it recorded; they are taken from the list.
        (void)backend::makeHisDriver(config.backend, config.kioskId);
        takeShared();
    }
    // The triage rules file: its shape here (offline); its departments against the HIS's when
    // the kiosk starts (ServiceFlows::checkAtStartUp).
    if (config.services.triage && config.mode == KioskMode::lobby) {
        if (auto rules = triage::Rules::load(config.triage.rulesFile); !rules) appendLines(rules.error().detail, problems);
    }
    ConfigSection printing = config.printing;
    (void)printing::loadPrintPolicy(printing);
    takeShared();
    (void)ops::readMetricsSettings(config.metrics);
    takeShared();
    if (config.payments.present()) {
        (void)payments::readPaymentConfig(config.payments, config.kioskId);
        takeShared();
        if (!config.backend.present()) {
            // The payment saga commits every payment to the HIS (screens/app.cpp refuses to start).
            problems.push_back(fmt::format("{}: key 'payments': needs a [backend] section (payments are committed to the HIS)",
                                           config.file.string()));
        }
    }
    return problems;
}

Result<KioskConfig> loadKioskConfigForCli(const std::string& file) {
    std::vector<std::string> problems;
    auto config = parseConfig(file, problems);
    if (!config) {
        std::cerr << "kiosk: configuration error:\n" << config.error().detail << '\n';
        return config;
    }
    // The owners' checks build devices and drivers, which log: at the config's level already.
    log::Settings settings;
    settings.level = spdlog::level::from_str(config->logLevel);
    log::configure(settings);
    const auto owned = checkOwnedSections(*config);
    problems.insert(problems.end(), owned.begin(), owned.end());
    if (!problems.empty()) {
        std::cerr << "kiosk: configuration error (" << problems.size() << (problems.size() == 1 ? " problem" : " problems")
                  << "):\n"
                  << joinProblems(problems) << '\n';
        return fail(Errc::invalid_config, joinProblems(problems), "error.config");
    }
    return config;
}

}  // namespace kiosk::cli
