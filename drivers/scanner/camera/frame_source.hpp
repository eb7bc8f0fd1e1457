#pragma once
// Where the camera scanner's frames come from: a V4L2 device (v4l2_source.hpp) or recorded
// frames (image files played at a frame rate, for demos, technicians and tests above the V4L2
// layer). The capture thread owns the source; nothing else touches it.

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "drivers/common/device.hpp"
#include "drivers/scanner/camera/camera_protocol.hpp"

namespace kiosk::drivers::scanner {

class FrameSource {
public:
    virtual ~FrameSource() = default;
    /// Opens and starts streaming. Errc::device_not_ready when the device is absent (the driver
    /// retries), Errc::unsupported when it cannot give what config asks (no retry helps).
    virtual Result<void> open() = 0;
    /// The next frame; Errc::timeout if none came in time, Errc::device_not_ready if the device
    /// went away (the driver closes and reopens), Errc::cancelled on cancel.
    virtual Result<Frame> next(std::chrono::milliseconds timeout, const CancelToken& cancel) = 0;
    virtual void close() = 0;
    /// "v4l2 /dev/video0 640x480 yuyv 15 fps" — for logs and self-tests.
    virtual std::string describe() const = 0;
};

/// Plays image files (sorted by name) as GREY frames at `fps`, looping. A file that cannot be
/// read fails open(); a missing folder is device_not_ready (like an unplugged camera).
class RecordedFrameSource final : public FrameSource {
public:
    RecordedFrameSource(std::vector<std::filesystem::path> files, double fps, bool loop);
    /// All *.png/*.jpg in `folder`.
    static std::vector<std::filesystem::path> filesIn(const std::filesystem::path& folder);

    Result<void> open() override;
    Result<Frame> next(std::chrono::milliseconds timeout, const CancelToken& cancel) override;
    void close() override;
    std::string describe() const override;

private:
    std::vector<std::filesystem::path> files_;
    double fps_;
    bool loop_;
    std::vector<LumaImage> images_;
    size_t index_ = 0;
    uint64_t sequence_ = 0;
    std::chrono::steady_clock::time_point nextDue_{};
};

}  // namespace kiosk::drivers::scanner
