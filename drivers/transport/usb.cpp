#include "drivers/transport/usb.hpp"

#include <libusb.h>

#include <fmt/format.h>

#include <algorithm>

namespace kiosk::drivers::transport {

namespace {

constexpr auto kSlice = std::chrono::milliseconds(100);
constexpr size_t kChunk = 4096;

Error usbError(int code, const std::string& what) {
    switch (code) {
        case LIBUSB_ERROR_NO_DEVICE:
            return Error(Errc::device_not_ready, what + ": printer unplugged", "print.error.unplugged");
        case LIBUSB_ERROR_TIMEOUT:
            return Error(Errc::timeout, what + ": timed out", "print.error.no_answer");
        case LIBUSB_ERROR_ACCESS:
            return Error(Errc::device_not_ready, what + ": no permission on the USB device (udev rule?)", "print.error.offline");
        case LIBUSB_ERROR_BUSY:
            return Error(Errc::device_not_ready, what + ": interface busy (another program holds the printer)", "print.error.offline");
        default:
            return Error(Errc::hardware_error, what + ": " + libusb_error_name(code), "print.error.offline");
    }
}

}  // namespace

Result<std::unique_ptr<UsbPrinterStream>> UsbPrinterStream::open(const UsbSelector& selector) {
    std::unique_ptr<UsbPrinterStream> stream(new UsbPrinterStream());
    stream->selector_ = selector;
    if (int rc = libusb_init(&stream->context_); rc != 0) {
        stream->context_ = nullptr;
        return std::unexpected(usbError(rc, "usb: libusb_init"));
    }
    libusb_device** list = nullptr;
    const ssize_t count = libusb_get_device_list(stream->context_, &list);
    if (count < 0) return std::unexpected(usbError(static_cast<int>(count), "usb: device list"));
    libusb_device* chosen = nullptr;
    for (ssize_t i = 0; i < count && chosen == nullptr; ++i) {
        libusb_device_descriptor descriptor{};
        if (libusb_get_device_descriptor(list[i], &descriptor) != 0) continue;
        if (descriptor.idVendor != selector.vendor || descriptor.idProduct != selector.product) continue;
        libusb_config_descriptor* config = nullptr;
        if (libusb_get_active_config_descriptor(list[i], &config) != 0 &&
            libusb_get_config_descriptor(list[i], 0, &config) != 0)
            continue;
        // Walk interfaces: the first alternate setting of the wanted class with bulk OUT and IN.
        for (int n = 0; n < config->bNumInterfaces && chosen == nullptr; ++n) {
            const libusb_interface& interface = config->interface[n];
            if (interface.num_altsetting < 1) continue;
            const libusb_interface_descriptor& alt = interface.altsetting[0];
            if (alt.bInterfaceClass != selector.interfaceClass) continue;
            uint8_t out = 0;
            uint8_t in = 0;
            int inSize = 64;
            for (int e = 0; e < alt.bNumEndpoints; ++e) {
                const libusb_endpoint_descriptor& endpoint = alt.endpoint[e];
                if ((endpoint.bmAttributes & LIBUSB_TRANSFER_TYPE_MASK) != LIBUSB_TRANSFER_TYPE_BULK) continue;
                if ((endpoint.bEndpointAddress & LIBUSB_ENDPOINT_IN) != 0) {
                    if (in == 0) {
                        in = endpoint.bEndpointAddress;
                        inSize = std::max<int>(1, endpoint.wMaxPacketSize);
                    }
                } else if (out == 0) {
                    out = endpoint.bEndpointAddress;
                }
            }
            if (out != 0) {
                chosen = list[i];
                stream->interface_ = alt.bInterfaceNumber;
                stream->out_ = out;
                stream->in_ = in;
                stream->inPacketSize = inSize;
            }
        }
        libusb_free_config_descriptor(config);
    }
    if (chosen == nullptr) {
        libusb_free_device_list(list, 1);
        return fail(Errc::device_not_ready,
                    fmt::format("usb: no printer {:04x}:{:04x} with an interface of class {} and a bulk OUT endpoint",
                                selector.vendor, selector.product, selector.interfaceClass),
                    "print.error.unplugged");
    }
    int rc = libusb_open(chosen, &stream->handle_);
    libusb_free_device_list(list, 1);
    if (rc != 0) {
        stream->handle_ = nullptr;
        return std::unexpected(usbError(rc, "usb: open"));
    }
    // usblp may hold a printer-class interface; auto-detach is unsupported on some platforms (ignored).
    libusb_set_auto_detach_kernel_driver(stream->handle_, 1);
    if (rc = libusb_claim_interface(stream->handle_, stream->interface_); rc != 0)
        return std::unexpected(usbError(rc, "usb: claim interface"));
    return stream;
}

UsbPrinterStream::~UsbPrinterStream() {
    if (handle_ != nullptr) {
        if (interface_ >= 0) libusb_release_interface(handle_, interface_);
        libusb_close(handle_);
    }
    if (context_ != nullptr) libusb_exit(context_);
}

std::string UsbPrinterStream::describe() const {
    return fmt::format("usb {:04x}:{:04x} if {} out 0x{:02x} in 0x{:02x}", selector_.vendor, selector_.product, interface_, out_, in_);
}

Result<void> UsbPrinterStream::write(std::span<const uint8_t> bytes, std::chrono::milliseconds timeout, const CancelToken& cancel) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    size_t sent = 0;
    while (sent < bytes.size()) {
        if (cancel.cancelled()) return fail(Errc::cancelled, describe() + ": cancelled after " + std::to_string(sent) + " bytes");
        if (std::chrono::steady_clock::now() >= deadline)
            return fail(Errc::timeout, describe() + ": write timed out after " + std::to_string(sent) + " bytes", "print.error.no_answer");
        const size_t chunk = std::min(kChunk, bytes.size() - sent);
        int transferred = 0;
        const int rc = libusb_bulk_transfer(handle_, out_, const_cast<uint8_t*>(bytes.data() + sent), static_cast<int>(chunk),
                                            &transferred, static_cast<unsigned>(kSlice.count()));
        sent += static_cast<size_t>(std::max(0, transferred));
        if (rc == LIBUSB_ERROR_TIMEOUT) continue;  // printer buffer full: keep trying until the deadline
        if (rc != 0) return std::unexpected(usbError(rc, describe() + ": bulk OUT after " + std::to_string(sent) + " bytes"));
    }
    return {};
}

Result<size_t> UsbPrinterStream::readSome(std::span<uint8_t> buffer, std::chrono::milliseconds timeout, const CancelToken& cancel) {
    if (in_ == 0) return fail(Errc::unsupported, describe() + ": no bulk IN endpoint (status cannot be read)", "print.error.no_answer");
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::vector<uint8_t> packet(static_cast<size_t>(std::max<int>(inPacketSize, static_cast<int>(buffer.size()))));
    for (;;) {
        if (cancel.cancelled()) return fail(Errc::cancelled, describe() + ": cancelled");
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline) return fail(Errc::timeout, describe() + ": no answer", "print.error.no_answer");
        const auto slice = std::min<std::chrono::milliseconds>(kSlice, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now) + std::chrono::milliseconds(1));
        int transferred = 0;
        const int rc = libusb_bulk_transfer(handle_, in_, packet.data(), static_cast<int>(packet.size()), &transferred,
                                            static_cast<unsigned>(slice.count()));
        if (transferred > 0) {
            const size_t n = std::min(buffer.size(), static_cast<size_t>(transferred));
            std::copy_n(packet.begin(), n, buffer.begin());
            return n;
        }
        if (rc == 0 || rc == LIBUSB_ERROR_TIMEOUT) continue;
        return std::unexpected(usbError(rc, describe() + ": bulk IN"));
    }
}

void UsbPrinterStream::flushInput() {
    if (in_ == 0) return;
    uint8_t scratch[64];
    int transferred = 0;
    for (int i = 0; i < 4; ++i) {
        if (libusb_bulk_transfer(handle_, in_, scratch, sizeof(scratch), &transferred, 1) != 0 || transferred == 0) break;
    }
}

// ---- hot-plug ----

namespace {
int hotplugCallback(libusb_context*, libusb_device*, libusb_hotplug_event event, void* user) {
    static_cast<UsbHotplugMonitor*>(user)->notify(event == LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED);
    return 0;  // stay registered
}
}  // namespace

Result<std::unique_ptr<UsbHotplugMonitor>> UsbHotplugMonitor::start(const UsbSelector& selector, Callback callback) {
    if (libusb_has_capability(LIBUSB_CAP_HAS_HOTPLUG) == 0) return fail(Errc::unsupported, "usb: libusb without hot-plug");
    std::unique_ptr<UsbHotplugMonitor> monitor(new UsbHotplugMonitor());
    monitor->callback_ = std::move(callback);
    if (int rc = libusb_init(&monitor->context_); rc != 0) {
        monitor->context_ = nullptr;
        return std::unexpected(usbError(rc, "usb hotplug: libusb_init"));
    }
    const int rc = libusb_hotplug_register_callback(
        monitor->context_,
        static_cast<libusb_hotplug_event>(LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED | LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT),
        LIBUSB_HOTPLUG_NO_FLAGS, selector.vendor, selector.product, LIBUSB_HOTPLUG_MATCH_ANY, &hotplugCallback,
        monitor.get(), &monitor->handle_);
    if (rc != 0) return std::unexpected(usbError(rc, "usb hotplug: register"));
    monitor->thread_ = std::thread([raw = monitor.get()] {
        while (!raw->stop_.load()) {
            timeval tv{0, 100000};
            libusb_handle_events_timeout_completed(raw->context_, &tv, nullptr);
        }
    });
    return monitor;
}

UsbHotplugMonitor::~UsbHotplugMonitor() {
    stop_.store(true);
    if (context_ != nullptr && handle_ != 0) libusb_hotplug_deregister_callback(context_, handle_);  // wakes the event loop
    if (thread_.joinable()) thread_.join();
    if (context_ != nullptr) libusb_exit(context_);
}

}  // namespace kiosk::drivers::transport
