#include "drivers/scanner/camera/camera_driver.hpp"

#include <fmt/format.h>

#include <condition_variable>

#include "drivers/scanner/camera/v4l2_source.hpp"
#include "kiosk/core/log.hpp"

namespace kiosk::drivers::scanner {

using namespace std::chrono_literals;

CameraScanner::CameraScanner(std::string name, std::unique_ptr<FrameSource> source, CodeDecoder decoder,
                             CameraSettings settings, PayloadClassifier classifier)
    : source_(std::move(source)),
      decoder_(std::move(decoder)),
      settings_(std::move(settings)),
      reporter_(std::move(name), std::move(classifier)) {
    reporter_.setState(DeviceStatus::offline, "not started");
}

CameraScanner::~CameraScanner() {
    stop();
}

Capabilities CameraScanner::capabilities() const {
    Capabilities capabilities{{"camera", "preview"}};
    for (const auto& format : settings_.decoder.formats) capabilities.features.push_back(format);
    return capabilities;
}

Result<void> CameraScanner::start(DeviceEventSink sink) {
    std::lock_guard lock(lifecycleMutex_);
    reporter_.attach(std::move(sink));
    if (captureThread_.joinable()) return {};  // idempotent
    cancel_ = CancelToken{};
    reporter_.setState(DeviceStatus::starting, source_->describe());
    captureThread_ = std::jthread([this](std::stop_token stop) { captureLoop(stop); });
    decodeThread_ = std::jthread([this](std::stop_token stop) { decodeLoop(stop); });
    return {};
}

void CameraScanner::stop() {
    std::lock_guard lock(lifecycleMutex_);
    if (!captureThread_.joinable()) {
        reporter_.detach();
        return;
    }
    cancel_.cancel();
    captureThread_.request_stop();
    decodeThread_.request_stop();
    captureThread_.join();
    decodeThread_.join();
    captureThread_ = {};
    decodeThread_ = {};
    source_->close();
    reporter_.setState(DeviceStatus::offline, "stopped");
    reporter_.detach();
}

void CameraScanner::captureLoop(std::stop_token stop) {
    bool open = false;
    bool everOpened = false;
    const auto pause = [&stop](std::chrono::milliseconds duration) { sleepUnlessStopped(stop, duration); };
    int silentReads = 0;
    while (!stop.stop_requested()) {
        if (!open) {
            auto opened = source_->open();
            if (!opened) {
                // unsupported (format/size the camera cannot give) needs a technician; an absent
                // camera may come back: both are retried, the status tells them apart.
                const DeviceStatus status =
                    opened.error().code == Errc::unsupported ? DeviceStatus::hardware_error : DeviceStatus::no_device;
                reporter_.setState(status, opened.error().detail);
                pause(settings_.reopenInterval);
                continue;
            }
            open = true;
            if (everOpened) ++reopened_;
            everOpened = true;
            silentReads = 0;
            reporter_.setState(DeviceStatus::online, source_->describe());
        }
        auto frame = source_->next(200ms, cancel_);
        if (frame) {
            silentReads = 0;
            ++captured_;
            slot_.put(std::move(*frame));
            continue;
        }
        switch (frame.error().code) {
            case Errc::cancelled:
                return;
            case Errc::timeout:
                // A camera that streams nothing for ~5 s is stuck: reopen it.
                if (++silentReads >= 25) {
                    reporter_.setState(DeviceStatus::hardware_error, "camera delivers no frames; reopening");
                    source_->close();
                    open = false;
                }
                break;
            default:
                reporter_.setState(DeviceStatus::no_device, frame.error().detail);
                source_->close();
                open = false;
                pause(settings_.reopenInterval);
                break;
        }
    }
}

void CameraScanner::decodeLoop(std::stop_token stop) {
    Debouncer debouncer(settings_.debounce);
    auto lastBadLog = std::chrono::steady_clock::time_point{};
    while (!stop.stop_requested()) {
        std::optional<Frame> frame = slot_.take(200ms, stop);
        if (!frame) continue;
        auto luma = toLuma(*frame);
        if (!luma) {
            ++badFrames_;
            const auto now = std::chrono::steady_clock::now();
            if (now - lastBadLog > 1s) {  // a broken camera sends 30 of these a second: log one per second
                log::module("scanner")->warn("device {}: frame dropped: {} ({} so far)", name(), luma.error().detail,
                                             badFrames_.load());
                lastBadLog = now;
            }
            continue;
        }
        auto preview = std::make_shared<const PreviewImage>(makePreview(*luma, settings_.preview, frame->sequence));
        {
            std::lock_guard lock(previewMutex_);
            preview_ = std::move(preview);
        }
        const std::vector<DecodedCode> codes = decoder_.decode(*luma);
        ++decoded_;
        const auto now = std::chrono::steady_clock::now();
        for (const DecodedCode& code : codes) {
            if (debouncer.accept(code.text, now)) reporter_.report(code.text, code.symbology);
        }
    }
}

std::shared_ptr<const PreviewImage> CameraScanner::latestPreview() const {
    std::lock_guard lock(previewMutex_);
    return preview_;
}

CameraStats CameraScanner::stats() const {
    return CameraStats{captured_.load(), decoded_.load(), slot_.dropped(), badFrames_.load(), reopened_.load()};
}

Result<std::string> CameraScanner::selfTest(std::chrono::milliseconds timeout, const CancelToken& cancel) {
    {
        std::lock_guard lock(lifecycleMutex_);
        if (captureThread_.joinable()) {
            // The source belongs to the capture thread: describe it through the reported state.
            const CameraStats now = stats();
            return fmt::format("{}: running; {} frames captured, {} decoded, {} dropped, {} bad",
                               reporter_.state().detail, now.captured, now.decoded, now.dropped, now.badFrames);
        }
    }
    auto opened = source_->open();
    if (!opened) return std::unexpected(opened.error());
    auto frame = source_->next(timeout, cancel);
    source_->close();
    if (!frame) return std::unexpected(frame.error());
    auto luma = toLuma(*frame);
    if (!luma) return std::unexpected(luma.error());
    const auto codes = decoder_.decode(*luma);
    return fmt::format("{}: frame {}x{} {} ok; {} code(s) in view", source_->describe(), frame->width, frame->height,
                       pixelFormatName(frame->format), codes.size());
}

Result<std::unique_ptr<Device>> createCameraScanner(const DeviceConfig& device, ConfigSection& settings,
                                                    const DriverContext&) {
    const std::string source = settings.choice("source", "v4l2", {"v4l2", "recorded"});
    V4l2Settings v4l2;
    v4l2.device = settings.string("device", "/dev/video0");
    v4l2.width = static_cast<int>(settings.integer("width", 640, 160, 4096));
    v4l2.height = static_cast<int>(settings.integer("height", 480, 120, 4096));
    v4l2.pixelFormat = settings.choice("pixel_format", "auto", {"auto", "grey", "yuyv", "mjpeg"});
    v4l2.fps = static_cast<int>(settings.integer("fps", 15, 1, 120));
    const std::filesystem::path recorded = settings.path("recorded_frames", {});
    CameraSettings camera;
    camera.decoder.formats = settings.stringList("formats", {"QRCode", "Code128"});
    camera.decoder.tryHarder = settings.boolean("try_harder", false);
    camera.decoder.tryInverted = settings.boolean("try_inverted", true);
    camera.debounce = std::chrono::milliseconds(settings.integer("debounce_ms", 2000, 0, 60000));
    camera.reopenInterval = std::chrono::milliseconds(settings.integer("reopen_ms", 1000, 50, 60000));
    camera.preview.maxWidth = static_cast<int>(settings.integer("preview_width", 480, 64, 4096));
    camera.preview.mirror = settings.boolean("preview_mirror", true);
    camera.preview.aimFraction = settings.number("aim_fraction", 0.6, 0.1, 1.0);
    PayloadClassifier classifier = PayloadClassifier::fromConfig(settings);
    if (source == "recorded" && recorded.empty()) {
        settings.problem("recorded_frames", "source = \"recorded\" needs recorded_frames (a folder of images)");
    }
    auto decoder = CodeDecoder::create(camera.decoder);
    if (!decoder) {
        settings.problem("formats", decoder.error().detail);
        return std::unexpected(decoder.error());
    }
    std::unique_ptr<FrameSource> frames;
    if (source == "recorded") {
        frames = std::make_unique<RecordedFrameSource>(RecordedFrameSource::filesIn(recorded), v4l2.fps, true);
    } else {
        frames = std::make_unique<V4l2FrameSource>(v4l2);
    }
    return std::make_unique<CameraScanner>(device.name, std::move(frames), std::move(*decoder), camera,
                                           std::move(classifier));
}

}  // namespace kiosk::drivers::scanner
