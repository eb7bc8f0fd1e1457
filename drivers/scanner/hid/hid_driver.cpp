#include "drivers/scanner/hid/hid_driver.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <libevdev/libevdev.h>
#include <poll.h>
#include <unistd.h>

#include <condition_variable>
#include <cstring>

namespace kiosk::drivers::scanner {

namespace {

int64_t nowUs() {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

/// An open evdev device; closes (and thereby ungrabs) on destruction.
struct EvdevHandle {
    int fd = -1;
    libevdev* device = nullptr;
    ~EvdevHandle() {
        if (device) libevdev_free(device);
        if (fd >= 0) ::close(fd);
    }
};

Result<std::unique_ptr<EvdevHandle>> openEvdev(const HidScannerSettings& settings) {
    auto handle = std::make_unique<EvdevHandle>();
    handle->fd = ::open(settings.device.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (handle->fd < 0) {
        return fail(Errc::device_not_ready,
                    fmt::format("hid scanner {}: cannot open: {}", settings.device, std::strerror(errno)),
                    "error.device_not_ready");
    }
    const int created = libevdev_new_from_fd(handle->fd, &handle->device);
    if (created < 0) {
        handle->device = nullptr;
        return fail(Errc::device_not_ready,
                    fmt::format("hid scanner {}: not an evdev device: {}", settings.device, std::strerror(-created)),
                    "error.device_not_ready");
    }
    if (!libevdev_has_event_type(handle->device, EV_KEY)) {
        return fail(Errc::unsupported, fmt::format("hid scanner {} ({}): has no keys", settings.device,
                                                   libevdev_get_name(handle->device)));
    }
    if (settings.grab) {
        // EVIOCGRAB: exclusive access, so the codes typed by the scanner do not reach the UI.
        const int grabbed = libevdev_grab(handle->device, LIBEVDEV_GRAB);
        if (grabbed < 0) {
            return fail(Errc::hardware_error,
                        fmt::format("hid scanner {}: cannot grab (another program holds it?): {}", settings.device,
                                    std::strerror(-grabbed)),
                        "error.device_not_ready");
        }
    }
    return handle;
}

}  // namespace

HidScanner::HidScanner(std::string name, HidScannerSettings settings, PayloadClassifier classifier)
    : settings_(std::move(settings)), reporter_(std::move(name), std::move(classifier)) {
    reporter_.setState(DeviceStatus::offline, "not started");
}

HidScanner::~HidScanner() {
    stop();
}

Result<void> HidScanner::start(DeviceEventSink sink) {
    // evdev is polled with a timeout, so the stop token alone ends the loop.
    loop_.start(std::move(sink), settings_.device, [this](std::stop_token stop, const CancelToken&) { readLoop(stop); });
    return {};
}

void HidScanner::stop() { loop_.stop(); }

void HidScanner::readLoop(std::stop_token stop) {
    const auto pause = [&stop](std::chrono::milliseconds duration) { sleepUnlessStopped(stop, duration); };
    while (!stop.stop_requested()) {
        auto handle = openEvdev(settings_);
        if (!handle) {
            reporter_.setState(
                handle.error().code == Errc::device_not_ready ? DeviceStatus::no_device : DeviceStatus::hardware_error,
                handle.error().detail);
            pause(settings_.reopenInterval);
            continue;
        }
        libevdev* device = (*handle)->device;
        reporter_.setState(DeviceStatus::online, fmt::format("{} ({}){}", settings_.device, libevdev_get_name(device),
                                                             settings_.grab ? ", grabbed" : ""));
        KeystrokeAssembler assembler(settings_.framing);
        bool vanished = false;
        while (!stop.stop_requested() && !vanished) {
            // Drain what is there, then wait. Reading first (non-blocking) rather than polling
            // first also serves devices that never signal poll() (umockdev's emulated nodes).
            bool gotEvent = false;
            for (;;) {
                input_event event{};
                int status = libevdev_next_event(device, LIBEVDEV_READ_FLAG_NORMAL, &event);
                if (status == LIBEVDEV_READ_STATUS_SYNC) {
                    // SYN_DROPPED: the kernel lost events; what is pending is unreliable. Drain the
                    // resync events (they carry key state, not typing) and start over.
                    assembler.reset();
                    while (status == LIBEVDEV_READ_STATUS_SYNC) {
                        status = libevdev_next_event(device, LIBEVDEV_READ_FLAG_SYNC, &event);
                    }
                    continue;
                }
                if (status == -EAGAIN) break;
                if (status < 0) {
                    reporter_.setState(DeviceStatus::no_device, fmt::format("hid scanner {}: read failed: {}",
                                                                            settings_.device, std::strerror(-status)));
                    vanished = true;
                    break;
                }
                gotEvent = true;
                // The assembler's clock is ours (steady), not the event's: the idle check compares
                // with nowUs(), and event times may be realtime.
                const KeyInput key{event.type, event.code, event.value, nowUs()};
                for (auto& scan : assembler.feed(key)) reporter_.reportRead(std::move(scan), "keyboard");
            }
            if (vanished || gotEvent) continue;
            if (auto scan = assembler.idle(nowUs())) reporter_.reportRead(std::move(*scan), "keyboard");
            pollfd descriptor{(*handle)->fd, POLLIN, 0};
            const int ready = poll(&descriptor, 1, 10);
            if (ready > 0 && (descriptor.revents & (POLLERR | POLLHUP | POLLNVAL)) && !(descriptor.revents & POLLIN)) {
                vanished = true;
            }
        }
        if (vanished && !stop.stop_requested()) {
            if (reporter_.state().status == DeviceStatus::online) {
                reporter_.setState(DeviceStatus::no_device,
                                   fmt::format("hid scanner {}: device went away", settings_.device));
            }
            handle->reset();
            pause(settings_.reopenInterval);
        }
    }
}

Result<std::string> HidScanner::selfTest(std::chrono::milliseconds, const CancelToken&) {
    if (loop_.running()) {
        const DeviceState now = reporter_.state();
        if (now.status != DeviceStatus::online) return fail(Errc::device_not_ready, now.detail);
        return fmt::format("hid scanner {} is online", now.detail);
    }
    HidScannerSettings probe = settings_;
    probe.grab = false;  // a self-test must not take the keyboard away from anyone
    auto handle = openEvdev(probe);
    if (!handle) return std::unexpected(handle.error());
    return fmt::format("hid scanner {} opens: {}", settings_.device, libevdev_get_name((*handle)->device));
}

Result<std::unique_ptr<Device>> createHidScanner(const DeviceConfig& device, ConfigSection& settings,
                                                 const DriverContext&) {
    HidScannerSettings hid;
    const auto path = settings.requiredString("device");
    hid.device = path.value_or("");
    hid.grab = settings.boolean("grab", true);
    const std::string terminator = settings.choice("terminator", "enter", {"enter", "tab", "none"});
    hid.framing.terminator = parseHidTerminator(terminator).value_or(HidTerminator::enter);
    hid.framing.interKeyTimeoutUs = settings.integer("inter_key_ms", 100, 5, 5000) * 1000;
    hid.reopenInterval = std::chrono::milliseconds(settings.integer("reopen_ms", 1000, 50, 60000));
    PayloadClassifier classifier = PayloadClassifier::fromConfig(settings);
    hid.framing.maxLength = classifier.maxLength() + 64;
    if (!path) return fail(Errc::invalid_config, "hid scanner needs device");
    return std::make_unique<HidScanner>(device.name, hid, std::move(classifier));
}

}  // namespace kiosk::drivers::scanner
