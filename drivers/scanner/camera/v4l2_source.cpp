#include "drivers/scanner/camera/v4l2_source.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <linux/videodev2.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include "kiosk/core/log.hpp"

namespace kiosk::drivers::scanner {

namespace {

/// ioctl that retries on EINTR (signals during a blocking camera call are normal).
int xioctl(int fd, unsigned long request, void* argument) {
    int result = 0;
    do {
        result = ioctl(fd, request, argument);
    } while (result == -1 && errno == EINTR);
    return result;
}

std::string fourccText(uint32_t fourcc) {
    std::string text;
    for (int shift = 0; shift < 32; shift += 8) {
        const char c = static_cast<char>((fourcc >> shift) & 0xFF);
        text += (c >= 0x20 && c < 0x7F) ? c : '?';
    }
    return text;
}

std::optional<PixelFormat> fromFourcc(uint32_t fourcc) {
    switch (fourcc) {
        case V4L2_PIX_FMT_GREY:
            return PixelFormat::grey;
        case V4L2_PIX_FMT_YUYV:
            return PixelFormat::yuyv;
        case V4L2_PIX_FMT_MJPEG:
        case V4L2_PIX_FMT_JPEG:
            return PixelFormat::mjpeg;
        default:
            return std::nullopt;
    }
}

uint32_t toFourcc(PixelFormat format) {
    switch (format) {
        case PixelFormat::grey:
            return V4L2_PIX_FMT_GREY;
        case PixelFormat::yuyv:
            return V4L2_PIX_FMT_YUYV;
        case PixelFormat::mjpeg:
            return V4L2_PIX_FMT_MJPEG;
    }
    return 0;
}

/// Errors that mean "the camera is gone": the driver closes and retries.
bool deviceGone(int error) {
    return error == ENODEV || error == ENXIO || error == EIO || error == ENOENT;
}

}  // namespace

Result<void> V4l2FrameSource::open() {
    close();
    fd_ = ::open(settings_.device.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd_ < 0) {
        const int error = errno;
        return fail(Errc::device_not_ready,
                    fmt::format("camera {}: cannot open: {}", settings_.device, std::strerror(error)),
                    "scan.camera_unavailable");
    }
    auto negotiated = negotiate();
    if (negotiated) negotiated = startStreaming();
    if (!negotiated) {
        close();
        return negotiated;
    }
    log::module("scanner")->info("camera {}: streaming {}", settings_.device, describe());
    return {};
}

Result<void> V4l2FrameSource::negotiate() {
    // VIDIOC_QUERYCAP: capabilities of the whole device; device_caps (when V4L2_CAP_DEVICE_CAPS is
    // set) are those of this node, which is what matters on multi-node cameras.
    v4l2_capability capability{};
    if (xioctl(fd_, VIDIOC_QUERYCAP, &capability) < 0) {
        const int error = errno;
        return fail(deviceGone(error) ? Errc::device_not_ready : Errc::unsupported,
                    fmt::format("camera {}: VIDIOC_QUERYCAP failed: {} (not a V4L2 device?)", settings_.device,
                                std::strerror(error)),
                    "scan.camera_unavailable");
    }
    const uint32_t caps =
        (capability.capabilities & V4L2_CAP_DEVICE_CAPS) ? capability.device_caps : capability.capabilities;
    if (!(caps & V4L2_CAP_VIDEO_CAPTURE)) {
        return fail(Errc::unsupported,
                    fmt::format("camera {} ({}): not a video capture device", settings_.device,
                                reinterpret_cast<const char*>(capability.card)),
                    "scan.camera_unavailable");
    }
    if (!(caps & (V4L2_CAP_STREAMING | V4L2_CAP_READWRITE))) {
        return fail(Errc::unsupported,
                    fmt::format("camera {}: offers neither streaming nor read() I/O", settings_.device),
                    "scan.camera_unavailable");
    }
    streaming_ = (caps & V4L2_CAP_STREAMING) != 0;

    // VIDIOC_ENUM_FMT: the pixel formats this node offers.
    std::vector<uint32_t> offered;
    for (uint32_t index = 0;; ++index) {
        v4l2_fmtdesc description{};
        description.index = index;
        description.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
        if (xioctl(fd_, VIDIOC_ENUM_FMT, &description) < 0) break;  // EINVAL ends the list
        offered.push_back(description.pixelformat);
    }
    std::string offeredText;
    for (uint32_t fourcc : offered) offeredText += (offeredText.empty() ? "" : ", ") + fourccText(fourcc);
    const auto isOffered = [&](PixelFormat format) {
        const uint32_t fourcc = toFourcc(format);
        return std::find(offered.begin(), offered.end(), fourcc) != offered.end() ||
               (format == PixelFormat::mjpeg &&
                std::find(offered.begin(), offered.end(), V4L2_PIX_FMT_JPEG) != offered.end());
    };
    std::optional<PixelFormat> chosen;
    if (settings_.pixelFormat == "auto") {
        for (PixelFormat candidate : {PixelFormat::grey, PixelFormat::yuyv, PixelFormat::mjpeg}) {
            if (isOffered(candidate)) {
                chosen = candidate;
                break;
            }
        }
    } else if (const auto wanted = parsePixelFormat(settings_.pixelFormat); wanted && isOffered(*wanted)) {
        chosen = wanted;
    }
    if (!chosen) {
        return fail(
            Errc::unsupported,
            fmt::format("camera {}: pixel format \"{}\" is not offered (offered: {}; supported: grey, yuyv, mjpeg)",
                        settings_.device, settings_.pixelFormat, offeredText.empty() ? "none" : offeredText),
            "scan.camera_unavailable");
    }

    // VIDIOC_S_FMT: the driver may adjust the size to the nearest it supports.
    v4l2_format format{};
    format.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    format.fmt.pix.width = static_cast<uint32_t>(settings_.width);
    format.fmt.pix.height = static_cast<uint32_t>(settings_.height);
    format.fmt.pix.pixelformat = toFourcc(*chosen);
    if (*chosen == PixelFormat::mjpeg && !isOffered(PixelFormat::mjpeg)) format.fmt.pix.pixelformat = V4L2_PIX_FMT_JPEG;
    format.fmt.pix.field = V4L2_FIELD_ANY;
    if (xioctl(fd_, VIDIOC_S_FMT, &format) < 0) {
        const int error = errno;
        return fail(deviceGone(error) ? Errc::device_not_ready : Errc::unsupported,
                    fmt::format("camera {}: VIDIOC_S_FMT {}x{} {} failed: {}", settings_.device, settings_.width,
                                settings_.height, pixelFormatName(*chosen), std::strerror(error)),
                    "scan.camera_unavailable");
    }
    const auto granted = fromFourcc(format.fmt.pix.pixelformat);
    if (!granted) {
        return fail(Errc::unsupported,
                    fmt::format("camera {}: driver switched to unsupported format {}", settings_.device,
                                fourccText(format.fmt.pix.pixelformat)),
                    "scan.camera_unavailable");
    }
    format_ = *granted;
    width_ = static_cast<int>(format.fmt.pix.width);
    height_ = static_cast<int>(format.fmt.pix.height);
    bytesPerLine_ = static_cast<int>(format.fmt.pix.bytesperline);
    imageSize_ = format.fmt.pix.sizeimage;
    if (width_ != settings_.width || height_ != settings_.height) {
        log::module("scanner")->warn("camera {}: asked for {}x{}, driver gives {}x{}", settings_.device,
                                     settings_.width, settings_.height, width_, height_);
    }
    if (imageSize_ == 0) {
        imageSize_ = format_ == PixelFormat::mjpeg ? static_cast<size_t>(width_) * height_ * 2
                                                   : static_cast<size_t>(std::max(bytesPerLine_, width_)) * height_ *
                                                         (format_ == PixelFormat::yuyv && bytesPerLine_ == 0 ? 2 : 1);
    }

    // VIDIOC_S_PARM: frame interval 1/fps. Best effort: many UVC cameras only offer fixed rates.
    v4l2_streamparm parameters{};
    parameters.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    parameters.parm.capture.timeperframe.numerator = 1;
    parameters.parm.capture.timeperframe.denominator = static_cast<uint32_t>(settings_.fps);
    if (xioctl(fd_, VIDIOC_S_PARM, &parameters) < 0) {
        log::module("scanner")->info("camera {}: VIDIOC_S_PARM {} fps not accepted ({}); using the camera's rate",
                                     settings_.device, settings_.fps, std::strerror(errno));
    }
    return {};
}

Result<void> V4l2FrameSource::startStreaming() {
    if (!streaming_) return {};  // read() I/O needs no buffers
    v4l2_requestbuffers request{};
    request.count = 4;
    request.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    request.memory = V4L2_MEMORY_MMAP;
    if (xioctl(fd_, VIDIOC_REQBUFS, &request) < 0 || request.count < 2) {
        return fail(Errc::device_not_ready,
                    fmt::format("camera {}: VIDIOC_REQBUFS failed: {}", settings_.device, std::strerror(errno)),
                    "scan.camera_unavailable");
    }
    for (uint32_t index = 0; index < request.count; ++index) {
        v4l2_buffer buffer{};
        buffer.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
        buffer.memory = V4L2_MEMORY_MMAP;
        buffer.index = index;
        if (xioctl(fd_, VIDIOC_QUERYBUF, &buffer) < 0) {
            return fail(Errc::device_not_ready,
                        fmt::format("camera {}: VIDIOC_QUERYBUF: {}", settings_.device, std::strerror(errno)));
        }
        void* start = mmap(nullptr, buffer.length, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, buffer.m.offset);
        if (start == MAP_FAILED) {
            return fail(Errc::device_not_ready,
                        fmt::format("camera {}: mmap: {}", settings_.device, std::strerror(errno)));
        }
        buffers_.push_back(Buffer{start, buffer.length});
        if (xioctl(fd_, VIDIOC_QBUF, &buffer) < 0) {
            return fail(Errc::device_not_ready,
                        fmt::format("camera {}: VIDIOC_QBUF: {}", settings_.device, std::strerror(errno)));
        }
    }
    v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    if (xioctl(fd_, VIDIOC_STREAMON, &type) < 0) {
        return fail(Errc::device_not_ready,
                    fmt::format("camera {}: VIDIOC_STREAMON: {}", settings_.device, std::strerror(errno)),
                    "scan.camera_unavailable");
    }
    streamOn_ = true;
    return {};
}

Result<Frame> V4l2FrameSource::next(std::chrono::milliseconds timeout, const CancelToken& cancel) {
    if (fd_ < 0) return fail(Errc::device_not_ready, "camera not open", "scan.camera_unavailable");
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    Frame frame;
    frame.width = width_;
    frame.height = height_;
    frame.bytesPerLine = format_ == PixelFormat::mjpeg ? 0 : bytesPerLine_;
    frame.format = format_;
    if (!streaming_) {
        // read() I/O: try the (non-blocking) read first and wait only on EAGAIN. A device emulated
        // in tests (umockdev) answers read() but never signals poll(), so poll is only a pause.
        frame.bytes.resize(imageSize_);
        for (;;) {
            if (cancel.cancelled()) return fail(Errc::cancelled, "camera read cancelled");
            const ssize_t got = read(fd_, frame.bytes.data(), frame.bytes.size());
            if (got > 0) {
                frame.bytes.resize(static_cast<size_t>(got));
                frame.sequence = ++sequence_;
                frame.captured = std::chrono::steady_clock::now();
                return frame;
            }
            const int error = errno;
            if (got == 0) {
                return fail(Errc::device_not_ready, fmt::format("camera {}: end of stream", settings_.device),
                            "scan.camera_unavailable");
            }
            if (error != EAGAIN && error != EINTR) {
                return fail(deviceGone(error) ? Errc::device_not_ready : Errc::io_error,
                            fmt::format("camera {}: read: {}", settings_.device, std::strerror(error)),
                            "scan.camera_unavailable");
            }
            if (std::chrono::steady_clock::now() >= deadline) {
                return fail(Errc::timeout,
                            fmt::format("camera {}: no frame within {} ms", settings_.device, timeout.count()));
            }
            pollfd descriptor{fd_, POLLIN, 0};
            poll(&descriptor, 1, 20);
        }
    }
    for (;;) {
        if (cancel.cancelled()) return fail(Errc::cancelled, "camera read cancelled");
        pollfd descriptor{fd_, POLLIN, 0};
        const int ready = poll(&descriptor, 1, 20);
        if (ready < 0 && errno != EINTR) {
            return fail(Errc::device_not_ready,
                        fmt::format("camera {}: poll: {}", settings_.device, std::strerror(errno)));
        }
        if (ready > 0 && (descriptor.revents & (POLLERR | POLLHUP | POLLNVAL))) {
            return fail(Errc::device_not_ready,
                        fmt::format("camera {}: device went away (poll 0x{:x})", settings_.device, descriptor.revents),
                        "scan.camera_unavailable");
        }
        if (ready > 0 && (descriptor.revents & POLLIN)) break;
        if (std::chrono::steady_clock::now() >= deadline) {
            return fail(Errc::timeout,
                        fmt::format("camera {}: no frame within {} ms", settings_.device, timeout.count()));
        }
    }
    frame.sequence = ++sequence_;
    frame.captured = std::chrono::steady_clock::now();
    v4l2_buffer buffer{};
    buffer.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    buffer.memory = V4L2_MEMORY_MMAP;
    if (xioctl(fd_, VIDIOC_DQBUF, &buffer) < 0) {
        const int error = errno;
        if (error == EAGAIN) return fail(Errc::timeout, "camera: no buffer ready");
        return fail(deviceGone(error) ? Errc::device_not_ready : Errc::io_error,
                    fmt::format("camera {}: VIDIOC_DQBUF: {}", settings_.device, std::strerror(error)),
                    "scan.camera_unavailable");
    }
    if (buffer.index < buffers_.size()) {
        const Buffer& mapped = buffers_[buffer.index];
        const size_t used = std::min<size_t>(buffer.bytesused, mapped.length);
        const auto* bytes = static_cast<const uint8_t*>(mapped.start);
        frame.bytes.assign(bytes, bytes + used);
        // V4L2_BUF_FLAG_ERROR: the driver says this frame is damaged; drop it rather than decode.
        if (buffer.flags & V4L2_BUF_FLAG_ERROR) frame.bytes.clear();
    }
    if (xioctl(fd_, VIDIOC_QBUF, &buffer) < 0) {
        const int error = errno;
        return fail(deviceGone(error) ? Errc::device_not_ready : Errc::io_error,
                    fmt::format("camera {}: VIDIOC_QBUF: {}", settings_.device, std::strerror(error)),
                    "scan.camera_unavailable");
    }
    return frame;
}

void V4l2FrameSource::close() {
    if (fd_ < 0) return;
    if (streamOn_) {
        v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
        xioctl(fd_, VIDIOC_STREAMOFF, &type);  // may fail on an unplugged camera: nothing to do
        streamOn_ = false;
    }
    for (const Buffer& buffer : buffers_) munmap(buffer.start, buffer.length);
    buffers_.clear();
    ::close(fd_);
    fd_ = -1;
}

std::string V4l2FrameSource::describe() const {
    return fmt::format("v4l2 {} {}x{} {} {} fps ({})", settings_.device, width_ ? width_ : settings_.width,
                       height_ ? height_ : settings_.height,
                       fd_ >= 0 ? std::string(pixelFormatName(format_)) : settings_.pixelFormat, settings_.fps,
                       streaming_ ? "mmap" : "read");
}

}  // namespace kiosk::drivers::scanner
