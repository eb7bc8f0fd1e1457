// `kiosk scan --image FILE…`: decodes image files with the camera scanner's decoder and prints
// every code with its payload classification, as JSON (for technicians checking a site's codes
// without the UI). `kiosk scan --config FILE [--device NAME] [--count N] [--timeout S]`: starts the
// configured scanner and prints each scan as one JSON line until N scans, the timeout or Ctrl-C.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <condition_variable>
#include <csignal>
#include <deque>
#include <iostream>
#include <mutex>

#include "drivers/common/registry.hpp"
#include "drivers/scanner/camera/camera_protocol.hpp"
#include "drivers/scanner/camera/zxing_decoder.hpp"
#include "drivers/scanner/payload/payload_classifier.hpp"
#include "kiosk/cli/commands.hpp"
#include "kiosk/cli/common.hpp"

namespace kiosk::cli {

namespace {

using drivers::scanner::PayloadClassifier;

nlohmann::json scanJson(const drivers::CodeScanned& scan) {
    nlohmann::json out = {{"device", scan.device}, {"symbology", scan.symbology}, {"accepted", !scan.rejected}};
    if (scan.rejected) {
        out["message_key"] = scan.rejected->messageKey;
        out["detail"] = scan.rejected->detail;
        if (!scan.acceptedKinds.empty()) out["accepted_kinds"] = scan.acceptedKinds;
    } else {
        out["kind"] = scan.kind;
        out["text"] = scan.text;
    }
    return out;
}

nlohmann::json classifiedJson(const PayloadClassifier& classifier, const std::string& text,
                              const std::string& symbology) {
    nlohmann::json out = {{"symbology", symbology}};
    auto classified = classifier.classify(text, symbology);
    out["accepted"] = classified.has_value();
    if (classified) {
        out["kind"] = drivers::scanner::payloadKindName(classified->kind);
        out["text"] = classified->text;
    } else {
        out["message_key"] = classified.error().messageKey;
        out["detail"] = classified.error().detail;
        if (classified.error().messageKey == "scan.unrecognised_accepting") {
            nlohmann::json kinds = nlohmann::json::array();
            for (auto kind : classifier.acceptedKinds()) kinds.push_back(drivers::scanner::payloadKindName(kind));
            out["accepted_kinds"] = kinds;
        }
        // Technicians need to see what was read; JSON escapes control characters, and the
        // dump below replaces invalid UTF-8.
        out["raw_length"] = text.size();
    }
    return out;
}

int scanImages(const std::vector<std::string>& files, const std::vector<std::string>& formats, bool noInverted) {
    drivers::scanner::DecoderSettings settings;
    settings.formats = formats;
    settings.tryInverted = !noInverted;
    auto decoder = drivers::scanner::CodeDecoder::create(settings);
    if (!decoder) {
        std::cerr << "kiosk: " << decoder.error().detail << '\n';
        return 2;
    }
    const PayloadClassifier classifier;
    nlohmann::json out = nlohmann::json::array();
    bool allRead = true;
    for (const std::string& file : files) {
        nlohmann::json entry = {{"file", file}};
        auto image = drivers::scanner::loadLumaImage(file);
        if (!image) {
            entry["error"] = image.error().detail;
            allRead = false;
            out.push_back(entry);
            continue;
        }
        entry["width"] = image->width;
        entry["height"] = image->height;
        const auto codes = decoder->decode(*image);
        entry["codes"] = nlohmann::json::array();
        for (const auto& code : codes) entry["codes"].push_back(classifiedJson(classifier, code.text, code.symbology));
        out.push_back(entry);
    }
    std::cout << out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    return allRead ? 0 : 1;
}

/// Scans from the configured scanner until `count` scans (0 = no limit), `timeoutSeconds`
/// (0 = none) or SIGINT/SIGTERM.
int scanFromConfig(const std::string& configFile, const std::string& deviceName, int count, double timeoutSeconds) {
    auto loaded = loadKioskConfigForCli(configFile);
    if (!loaded) return 1;
    auto registry = drivers::DeviceRegistry::build(*loaded, drivers::DriverContext{loaded->assetsDir, loaded->dataDir});
    if (!registry) {
        std::cerr << "kiosk: " << registry.error().detail << '\n';
        return 1;
    }
    drivers::Device* scanner = nullptr;
    for (drivers::Device* device : registry->ofClass(drivers::DeviceClass::scanner)) {
        if (deviceName.empty() || device->name() == deviceName) {
            scanner = device;
            break;
        }
    }
    if (!scanner) {
        std::cerr << "kiosk: no scanner " << (deviceName.empty() ? "configured" : "named " + deviceName) << " in "
                  << configFile << '\n';
        return 1;
    }
    std::mutex mutex;
    std::condition_variable arrived;
    std::deque<drivers::CodeScanned> scans;
    // SIGINT/SIGTERM are taken with sigtimedwait below (no handler, no global flag).
    sigset_t stopSignals;
    sigemptyset(&stopSignals);
    sigaddset(&stopSignals, SIGINT);
    sigaddset(&stopSignals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);  // before start(): driver threads inherit it
    auto started = scanner->start([&](drivers::DeviceEvent event) {
        if (auto* scan = std::get_if<drivers::CodeScanned>(&event)) {
            std::lock_guard lock(mutex);
            scans.push_back(std::move(*scan));
            arrived.notify_one();
        }
    });
    if (!started) {
        std::cerr << "kiosk: " << started.error().detail << '\n';
        return 1;
    }
    std::cerr << "kiosk: scanning with " << scanner->name() << " (" << scanner->driverName() << "); Ctrl-C stops\n";
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<int64_t>(timeoutSeconds * 1000));
    int printed = 0;
    bool timedOut = false;
    for (;;) {
        const timespec noWait{0, 0};
        if (sigtimedwait(&stopSignals, nullptr, &noWait) > 0) break;
        if (timeoutSeconds > 0 && std::chrono::steady_clock::now() >= deadline) {
            timedOut = true;
            break;
        }
        std::unique_lock lock(mutex);
        arrived.wait_for(lock, std::chrono::milliseconds(100), [&] { return !scans.empty(); });
        while (!scans.empty()) {
            std::cout << scanJson(scans.front()).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n'
                      << std::flush;
            scans.pop_front();
            ++printed;
        }
        if (count > 0 && printed >= count) break;
    }
    scanner->stop();
    const drivers::DeviceState state = scanner->state();
    if (timedOut && printed == 0) {
        std::cerr << "kiosk: no scan within " << timeoutSeconds << " s (scanner "
                  << drivers::deviceStatusName(state.status) << ": " << state.detail << ")\n";
        return 1;
    }
    return 0;
}

}  // namespace

void installScanCommand(CLI::App& root, Action& action) {
    auto* command = root.add_subcommand(
        "scan", "Decode image files (--image) or read the configured scanner (--config); prints JSON");
    auto images = std::make_shared<std::vector<std::string>>();
    auto configFile = std::make_shared<std::string>();
    auto deviceName = std::make_shared<std::string>();
    auto formats = std::make_shared<std::vector<std::string>>(std::vector<std::string>{"QRCode", "Code128"});
    auto count = std::make_shared<int>(0);
    auto timeout = std::make_shared<double>(0);
    auto noInverted = std::make_shared<bool>(false);
    auto* imageOption =
        command->add_option("--image", *images, "Image files (PNG, JPEG) to decode")->check(CLI::ExistingFile);
    auto* configOption = command->add_option("--config", *configFile, "Kiosk configuration: read its scanner");
    imageOption->excludes(configOption);
    command->add_option("--device", *deviceName, "With --config: the scanner's name (default: the first scanner)");
    command->add_option("--formats", *formats, "With --image: barcode formats (ZXing names)")->delimiter(',');
    command->add_flag("--no-inverted", *noInverted, "With --image: do not retry the inverted image");
    command->add_option("--count", *count, "With --config: stop after N scans")->check(CLI::NonNegativeNumber);
    command->add_option("--timeout", *timeout, "With --config: stop after S seconds")->check(CLI::NonNegativeNumber);
    command->callback([&action, images, configFile, deviceName, formats, count, timeout, noInverted] {
        action = [=]() -> int {
            if (!images->empty()) return scanImages(*images, *formats, *noInverted);
            if (!configFile->empty()) return scanFromConfig(*configFile, *deviceName, *count, *timeout);
            std::cerr << "kiosk: scan needs --image FILE… or --config FILE (see kiosk scan --help)\n";
            return 2;
        };
    });
}

}  // namespace kiosk::cli
