#pragma once
// V4L2 capture for the camera scanner (linux/videodev2.h).
//
// [X] VIDIOC_QUERYCAP: must be a capture device; streaming (mmap) preferred, read() otherwise
// [X] VIDIOC_ENUM_FMT: the configured pixel format must be offered; "auto" takes GREY, then YUYV,
//     then MJPEG; a format not offered is Errc::unsupported naming what is offered
// [X] VIDIOC_S_FMT with the configured size (a driver that adjusts it is logged, frames keep the
//     size the driver chose); VIDIOC_S_PARM frame rate (best effort: many cameras ignore it)
// [X] mmap streaming with 4 buffers; poll() in 20 ms slices so stop/cancel is seen quickly
// [X] read() I/O (cameras without streaming): read first, poll only as a pause on EAGAIN
// [X] a camera unplugged mid-stream (ENODEV / POLLERR) is Errc::device_not_ready: the driver reopens
// [X] a buffer shorter than the format's image size is rejected per frame (toLuma), not trusted
// [ ] USERPTR / DMABUF: not needed at these frame sizes
// [ ] controls (exposure, focus): left to the camera's automatic modes

#include <string>
#include <vector>

#include "drivers/scanner/camera/frame_source.hpp"

namespace kiosk::drivers::scanner {

struct V4l2Settings {
    std::string device = "/dev/video0";
    int width = 640;
    int height = 480;
    std::string pixelFormat = "auto";  ///< auto | grey | yuyv | mjpeg
    int fps = 15;
};

class V4l2FrameSource final : public FrameSource {
public:
    explicit V4l2FrameSource(V4l2Settings settings) : settings_(std::move(settings)) {}
    ~V4l2FrameSource() override { close(); }

    Result<void> open() override;
    Result<Frame> next(std::chrono::milliseconds timeout, const CancelToken& cancel) override;
    void close() override;
    std::string describe() const override;

    PixelFormat format() const { return format_; }
    int width() const { return width_; }
    int height() const { return height_; }

private:
    struct Buffer {
        void* start = nullptr;
        size_t length = 0;
    };
    Result<void> negotiate();
    Result<void> startStreaming();

    V4l2Settings settings_;
    int fd_ = -1;
    bool streaming_ = false;  ///< mmap streaming; false = read() I/O
    bool streamOn_ = false;
    std::vector<Buffer> buffers_;
    PixelFormat format_ = PixelFormat::grey;
    int width_ = 0;
    int height_ = 0;
    int bytesPerLine_ = 0;
    size_t imageSize_ = 0;
    uint64_t sequence_ = 0;
};

}  // namespace kiosk::drivers::scanner
