#pragma once
// A file sink for debugging: the job's bytes are appended to a file (or a FIFO, or /dev/usb/lp0
// on a host where the kernel's usblp driver owns the printer). It cannot be read: the driver
// then reports that no status is available instead of pretending the job printed.
//
// [X] append / truncate   [X] write timeout bound by the OS   [ ] reading (not possible)

#include <filesystem>
#include <memory>

#include "drivers/transport/byte_stream.hpp"

namespace kiosk::drivers::transport {

class FileSink final : public ByteStream {
public:
    static Result<std::unique_ptr<FileSink>> open(const std::filesystem::path& file, bool append = true);
    ~FileSink() override;
    FileSink(const FileSink&) = delete;
    FileSink& operator=(const FileSink&) = delete;

    Result<void> write(std::span<const uint8_t> bytes, std::chrono::milliseconds timeout, const CancelToken& cancel) override;
    Result<size_t> readSome(std::span<uint8_t> buffer, std::chrono::milliseconds timeout, const CancelToken& cancel) override;
    bool canRead() const override { return false; }
    std::string describe() const override { return "file " + file_.string(); }

private:
    FileSink(int fd, std::filesystem::path file) : fd_(fd), file_(std::move(file)) {}
    int fd_;
    std::filesystem::path file_;
};

}  // namespace kiosk::drivers::transport
