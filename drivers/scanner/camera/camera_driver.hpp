#pragma once
// Camera scanner (driver "camera", class scanner): a V4L2 camera (or recorded frames) decoded with
// ZXing-cpp. Two threads: capture (owns the frame source; reopens it when the camera comes back)
// and decode (always the newest frame, via LatestFrameSlot: frames that arrive while it is busy
// are dropped, never queued). The identification screen shows latestPreview().
//
// Config keys ([[devices]] with driver = "camera"):
//   source = "v4l2" | "recorded"          device = "/dev/video0"     recorded_frames = "dir"
//   width = 640  height = 480  pixel_format = "auto"|"grey"|"yuyv"|"mjpeg"  fps = 15
//   formats = ["QRCode", "Code128"]       try_harder = false         try_inverted = true
//   debounce_ms = 2000   reopen_ms = 1000   preview_width = 480   preview_mirror = true
//   aim_fraction = 0.6   payloads = [{kind=…, pattern=…}, …]   max_payload_length = 512
//
// [X] V4L2 capture: device, size, pixel format (GREY/YUYV/MJPEG), frame rate from config
// [X] decoding on a worker thread, site formats only, newest frame only (drop, never queue)
// [X] de-bounce of the same code (debounce_ms)
// [X] preview: mirrored RGBA with an aiming box, thread-safe latestPreview()
// [X] camera unplugged mid-stream → status no_device, reopened every reopen_ms, online again
// [X] a format the camera does not offer → status hardware_error naming the offered formats
// [X] a frame of the wrong size → dropped and counted (stats().badFrames), logged once a second
// [X] payload classification and guards (payload_classifier.hpp) before CodeScanned is posted
// [ ] camera controls (exposure/focus/torch): the camera's automatic modes are used

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "drivers/common/registry.hpp"
#include "drivers/scanner/camera/camera_protocol.hpp"
#include "drivers/scanner/camera/frame_source.hpp"
#include "drivers/scanner/camera/zxing_decoder.hpp"
#include "drivers/scanner/payload/scan_reporter.hpp"

namespace kiosk::drivers::scanner {

struct CameraSettings {
    DecoderSettings decoder;
    std::chrono::milliseconds debounce{2000};
    std::chrono::milliseconds reopenInterval{1000};
    PreviewSettings preview;
};

struct CameraStats {
    uint64_t captured = 0;   ///< frames delivered by the source
    uint64_t decoded = 0;    ///< frames the decoder worked on
    uint64_t dropped = 0;    ///< frames replaced before the decoder took them
    uint64_t badFrames = 0;  ///< frames refused by toLuma (wrong size, broken JPEG)
    uint64_t reopened = 0;   ///< successful opens after the first
};

class CameraScanner final : public Device {
public:
    CameraScanner(std::string name, std::unique_ptr<FrameSource> source, CodeDecoder decoder, CameraSettings settings,
                  PayloadClassifier classifier);
    ~CameraScanner() override;

    const std::string& name() const override { return reporter_.device(); }
    DeviceClass deviceClass() const override { return DeviceClass::scanner; }
    std::string driverName() const override { return "camera"; }
    Capabilities capabilities() const override;
    DeviceState state() const override { return reporter_.state(); }
    Result<void> start(DeviceEventSink sink) override;
    void stop() override;
    Result<std::string> selfTest(std::chrono::milliseconds timeout, const CancelToken& cancel) override;

    /// The newest preview (mirrored RGBA with the aiming box); null before the first frame.
    /// Safe from any thread; the image is immutable once published.
    std::shared_ptr<const PreviewImage> latestPreview() const;
    CameraStats stats() const;

private:
    void captureLoop(std::stop_token stop);
    void decodeLoop(std::stop_token stop);

    std::unique_ptr<FrameSource> source_;
    CodeDecoder decoder_;
    CameraSettings settings_;
    ScanReporter reporter_;
    LatestFrameSlot slot_;
    CancelToken cancel_;
    std::mutex lifecycleMutex_;
    std::jthread captureThread_;
    std::jthread decodeThread_;
    mutable std::mutex previewMutex_;
    std::shared_ptr<const PreviewImage> preview_;
    std::atomic<uint64_t> captured_{0};
    std::atomic<uint64_t> decoded_{0};
    std::atomic<uint64_t> badFrames_{0};
    std::atomic<uint64_t> reopened_{0};
};

/// Driver-table factory.
Result<std::unique_ptr<Device>> createCameraScanner(const DeviceConfig& device, ConfigSection& settings,
                                                    const DriverContext& context);

}  // namespace kiosk::drivers::scanner
