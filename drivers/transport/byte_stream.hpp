#pragma once
// A bidirectional byte pipe to a device (printer over USB, TCP, serial or a file sink). Every call
// takes a timeout and a CancelToken. A link that is gone (unplugged, peer closed) answers
// Errc::device_not_ready with messageKey "print.error.unplugged"-style keys chosen by the caller.

#include <chrono>
#include <cstdint>
#include <span>
#include <string>

#include "drivers/common/device.hpp"

namespace kiosk::drivers::transport {

class ByteStream {
public:
    virtual ~ByteStream() = default;
    virtual Result<void> write(std::span<const uint8_t> bytes, std::chrono::milliseconds timeout,
                               const CancelToken& cancel) = 0;
    /// Reads what is available (at least one byte) within `timeout`; Errc::timeout when nothing came.
    virtual Result<size_t> readSome(std::span<uint8_t> buffer, std::chrono::milliseconds timeout,
                                    const CancelToken& cancel) = 0;
    /// Drops unread input (stale status bytes) before a new query.
    virtual void flushInput() {}
    /// Whether the far end can answer at all (a file sink cannot).
    virtual bool canRead() const { return true; }
    /// "usb 1209:0001", "tcp 127.0.0.1:9100", … for logs.
    virtual std::string describe() const = 0;
};

}  // namespace kiosk::drivers::transport
