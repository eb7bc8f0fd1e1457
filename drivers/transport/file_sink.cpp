#include "drivers/transport/file_sink.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace kiosk::drivers::transport {

Result<std::unique_ptr<FileSink>> FileSink::open(const std::filesystem::path& file, bool append) {
    const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC);
    int fd = ::open(file.c_str(), flags, 0644);
    if (fd < 0) return fail(Errc::io_error, "file sink " + file.string() + ": " + std::strerror(errno), "print.error.offline");
    return std::unique_ptr<FileSink>(new FileSink(fd, file));
}

FileSink::~FileSink() { ::close(fd_); }

Result<void> FileSink::write(std::span<const uint8_t> bytes, std::chrono::milliseconds, const CancelToken& cancel) {
    size_t done = 0;
    while (done < bytes.size()) {
        if (cancel.cancelled()) return fail(Errc::cancelled, describe() + ": cancelled");
        ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            return fail(Errc::io_error, describe() + ": write: " + std::strerror(errno), "print.error.offline");
        }
        done += static_cast<size_t>(n);
    }
    return {};
}

Result<size_t> FileSink::readSome(std::span<uint8_t>, std::chrono::milliseconds, const CancelToken&) {
    return fail(Errc::unsupported, describe() + ": a file sink cannot answer status queries");
}

}  // namespace kiosk::drivers::transport
