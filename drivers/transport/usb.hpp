#pragma once
// USB transport over libusb-1.0 for receipt printers: finds the device by VID/PID (from the
// printer model table or config), picks the interface of the wanted class — 7 (USB printer
// class) or 0xFF (vendor-specific) — with a bulk OUT and a bulk IN endpoint, detaches a kernel
// driver (usblp) if one holds it, claims the interface and moves bytes with bulk transfers.
// Tested against a umockdev testbed (harness.md §2).
//
// [X] enumerate by VID/PID, choose printer-class or vendor bulk endpoints from descriptors
// [X] bulk OUT in 4 KiB chunks, bulk IN reads, both in 100 ms slices so a cancel is seen quickly
// [X] unplug → LIBUSB_ERROR_NO_DEVICE → Errc::device_not_ready ("unplugged")
// [X] hot-plug arrive/leave callbacks (UsbHotplugMonitor) where libusb has the capability
// [ ] IEEE 1284 GET_DEVICE_ID parsing; several identical printers (pick by bus/port path)

#include <atomic>
#include <functional>
#include <memory>
#include <thread>

#include "drivers/transport/byte_stream.hpp"

struct libusb_context;
struct libusb_device_handle;

namespace kiosk::drivers::transport {

struct UsbSelector {
    uint16_t vendor = 0;
    uint16_t product = 0;
    uint8_t interfaceClass = 7;  ///< 7 printer class, 0xFF vendor-specific
};

class UsbPrinterStream final : public ByteStream {
public:
    static Result<std::unique_ptr<UsbPrinterStream>> open(const UsbSelector& selector);
    ~UsbPrinterStream() override;
    UsbPrinterStream(const UsbPrinterStream&) = delete;
    UsbPrinterStream& operator=(const UsbPrinterStream&) = delete;

    Result<void> write(std::span<const uint8_t> bytes, std::chrono::milliseconds timeout, const CancelToken& cancel) override;
    Result<size_t> readSome(std::span<uint8_t> buffer, std::chrono::milliseconds timeout, const CancelToken& cancel) override;
    void flushInput() override;
    std::string describe() const override;
    uint8_t outEndpoint() const { return out_; }
    uint8_t inEndpoint() const { return in_; }

private:
    UsbPrinterStream() = default;
    libusb_context* context_ = nullptr;
    libusb_device_handle* handle_ = nullptr;
    UsbSelector selector_;
    int interface_ = -1;
    uint8_t out_ = 0;
    uint8_t in_ = 0;
    int inPacketSize = 64;
};

/// Watches a VID/PID for arrival and departure (libusb hot-plug) on its own thread.
class UsbHotplugMonitor {
public:
    using Callback = std::function<void(bool arrived)>;
    /// Fails with Errc::unsupported where libusb has no hot-plug support.
    static Result<std::unique_ptr<UsbHotplugMonitor>> start(const UsbSelector& selector, Callback callback);
    ~UsbHotplugMonitor();
    UsbHotplugMonitor(const UsbHotplugMonitor&) = delete;
    UsbHotplugMonitor& operator=(const UsbHotplugMonitor&) = delete;

    void notify(bool arrived) { callback_(arrived); }

private:
    UsbHotplugMonitor() = default;
    libusb_context* context_ = nullptr;
    int handle_ = 0;
    Callback callback_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

}  // namespace kiosk::drivers::transport
