#include "drivers/scanner/camera/frame_source.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <thread>

namespace kiosk::drivers::scanner {

RecordedFrameSource::RecordedFrameSource(std::vector<std::filesystem::path> files, double fps, bool loop)
    : files_(std::move(files)), fps_(std::max(0.1, fps)), loop_(loop) {}

std::vector<std::filesystem::path> RecordedFrameSource::filesIn(const std::filesystem::path& folder) {
    std::vector<std::filesystem::path> files;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(folder, error)) {
        const auto extension = entry.path().extension();
        if (extension == ".png" || extension == ".jpg" || extension == ".jpeg") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

Result<void> RecordedFrameSource::open() {
    images_.clear();
    if (files_.empty())
        return fail(Errc::device_not_ready, "recorded frames: no image files", "scan.camera_unavailable");
    for (const auto& file : files_) {
        auto image = loadLumaImage(file);
        if (!image) return fail(Errc::device_not_ready, image.error().detail, "scan.camera_unavailable");
        images_.push_back(std::move(*image));
    }
    index_ = 0;
    nextDue_ = std::chrono::steady_clock::now();
    return {};
}

Result<Frame> RecordedFrameSource::next(std::chrono::milliseconds timeout, const CancelToken& cancel) {
    if (images_.empty()) return fail(Errc::device_not_ready, "recorded frames: not open", "scan.camera_unavailable");
    if (index_ >= images_.size()) {
        if (!loop_) return fail(Errc::device_not_ready, "recorded frames: end of recording", "scan.camera_unavailable");
        index_ = 0;
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < nextDue_) {
        if (cancel.cancelled()) return fail(Errc::cancelled, "recorded frames: cancelled");
        if (std::chrono::steady_clock::now() >= deadline) return fail(Errc::timeout, "recorded frames: not due yet");
        std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
            std::chrono::milliseconds(10), nextDue_ - std::chrono::steady_clock::now()));
    }
    nextDue_ += std::chrono::microseconds(static_cast<int64_t>(1e6 / fps_));
    const LumaImage& image = images_[index_++];
    Frame frame;
    frame.width = image.width;
    frame.height = image.height;
    frame.format = PixelFormat::grey;
    frame.bytes = image.pixels;
    frame.sequence = ++sequence_;
    frame.captured = std::chrono::steady_clock::now();
    return frame;
}

void RecordedFrameSource::close() {
    images_.clear();
}

std::string RecordedFrameSource::describe() const {
    return fmt::format("recorded frames ({} files, {:.0f} fps{})", files_.size(), fps_, loop_ ? ", looping" : "");
}

}  // namespace kiosk::drivers::scanner
