#pragma once
// Raw TCP transport (port 9100 "JetDirect" printers; harness.md §4).
//
// [X] connect with timeout (non-blocking connect + poll)   [X] TCP_NODELAY (status queries are 3 bytes)
// [X] write / read with timeout and cancel (20 ms slices)  [X] peer close → device_not_ready
// [ ] TLS, IPv6 literal parsing beyond getaddrinfo, keep-alive tuning

#include <memory>

#include "drivers/transport/byte_stream.hpp"

namespace kiosk::drivers::transport {

class TcpStream final : public ByteStream {
public:
    static Result<std::unique_ptr<TcpStream>> connect(const std::string& host, int port,
                                                      std::chrono::milliseconds timeout);
    ~TcpStream() override;
    TcpStream(const TcpStream&) = delete;
    TcpStream& operator=(const TcpStream&) = delete;

    Result<void> write(std::span<const uint8_t> bytes, std::chrono::milliseconds timeout, const CancelToken& cancel) override;
    Result<size_t> readSome(std::span<uint8_t> buffer, std::chrono::milliseconds timeout, const CancelToken& cancel) override;
    void flushInput() override;
    std::string describe() const override { return "tcp " + host_ + ":" + std::to_string(port_); }

private:
    TcpStream(int fd, std::string host, int port) : fd_(fd), host_(std::move(host)), port_(port) {}
    Result<void> waitFor(short events, std::chrono::steady_clock::time_point deadline, const CancelToken& cancel);

    int fd_;
    std::string host_;
    int port_;
};

}  // namespace kiosk::drivers::transport
