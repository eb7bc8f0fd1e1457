// The camera scanner above the V4L2 layer, fed with recorded frames from tests/samples/qr (and
// scripted sources for unplugging and broken frames). The V4L2 ioctl path itself is tested in
// v4l2_umockdev_test.cpp.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "drivers/common/registry.hpp"
#include "drivers/scanner/camera/camera_driver.hpp"
#include "tests/scanners/event_recorder.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiosk::drivers::scanner {
namespace {

using namespace std::chrono_literals;

const std::filesystem::path kCorpus = KIOSK_QR_SAMPLES_DIR;
const std::string kToken = "0272E5F1A9B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D5E6F708192A3B4C5D:1";

CameraSettings fastSettings() {
    CameraSettings settings;
    settings.debounce = 2000ms;
    settings.reopenInterval = 50ms;
    settings.preview.maxWidth = 320;
    return settings;
}

std::unique_ptr<CameraScanner> cameraOn(std::unique_ptr<FrameSource> source, CameraSettings settings = fastSettings()) {
    auto decoder = CodeDecoder::create(settings.decoder);
    EXPECT_TRUE(decoder.has_value());
    return std::make_unique<CameraScanner>("camera", std::move(source), std::move(*decoder), settings,
                                           PayloadClassifier{});
}

TEST(CameraScanner, RecordedPhoneFrameGivesOneTypedHealthCardScanAndAPreview) {
    // The same phone frame at 30 fps for as long as it takes: de-bouncing posts it once.
    auto camera = cameraOn(std::make_unique<RecordedFrameSource>(
        std::vector<std::filesystem::path>{kCorpus / "clean" / "clean_640x480_0.png"}, 30, true));
    test::EventRecorder events;
    ASSERT_TRUE(camera->start(events.sink()).has_value());
    ASSERT_TRUE(events.waitForScans(1));
    // Keep streaming until several more frames were decoded: still one scan.
    const uint64_t decodedAtFirstScan = camera->stats().decoded;
    ASSERT_TRUE(events.waitFor([&](const auto&) { return camera->stats().decoded >= decodedAtFirstScan + 5; }));
    const auto preview = camera->latestPreview();
    camera->stop();
    const auto scans = events.scans();
    ASSERT_EQ(scans.size(), 1U);
    EXPECT_EQ(scans[0].kind, "health_card");
    EXPECT_EQ(scans[0].text, kToken);
    EXPECT_EQ(scans[0].symbology, "QRCode");
    EXPECT_FALSE(scans[0].rejected.has_value());
    ASSERT_NE(preview, nullptr);
    EXPECT_EQ(preview->width, 320);
    EXPECT_EQ(preview->height, 240);
    EXPECT_EQ(camera->state().status, DeviceStatus::offline);
}

TEST(CameraScanner, AnUnrecognisedCodeIsPostedAsRejectedWithTheMessageKey) {
    // clean_640x480_1 shows the insurance e-voucher; a site that accepts only hospital cards refuses it.
    test::TempDir dir;
    const auto file = dir.write("c.toml", "payloads = [{ kind = \"hospital_card\", pattern = \"^H[0-9]{8}$\" }]\n");
    auto document = std::make_shared<toml::table>(toml::parse_file(file.string()));
    ConfigSection section(document.get(), "devices[0]", std::make_shared<ConfigProblems>(), dir.path(), document);
    auto decoder = CodeDecoder::create(DecoderSettings{});
    ASSERT_TRUE(decoder.has_value());
    CameraScanner camera("camera",
                         std::make_unique<RecordedFrameSource>(
                             std::vector<std::filesystem::path>{kCorpus / "clean" / "clean_640x480_1.png"}, 30, true),
                         std::move(*decoder), fastSettings(), PayloadClassifier::fromConfig(section));
    test::EventRecorder events;
    ASSERT_TRUE(camera.start(events.sink()).has_value());
    ASSERT_TRUE(events.waitForScans(1));
    camera.stop();
    const auto scan = events.scans().front();
    ASSERT_TRUE(scan.rejected.has_value());
    EXPECT_EQ(scan.rejected->messageKey, "scan.unrecognised_accepting");
    EXPECT_EQ(scan.acceptedKinds, std::vector<std::string>{"hospital_card"});
    EXPECT_TRUE(scan.text.empty());
    EXPECT_TRUE(scan.kind.empty());
}

/// A source that delivers frames from a list as fast as asked, can be unplugged and plugged
/// again, and can be told to deliver frames of the wrong size.
class ScriptedSource final : public FrameSource {
public:
    explicit ScriptedSource(LumaImage image) : image_(std::move(image)) {}
    std::atomic<bool> present{true};
    std::atomic<bool> wrongSize{false};
    std::atomic<bool> unsupported{false};
    std::atomic<int> opens{0};

    Result<void> open() override {
        if (unsupported) return fail(Errc::unsupported, "pixel format \"grey\" is not offered (offered: RGB3)");
        if (!present) return fail(Errc::device_not_ready, "cannot open /dev/video9: No such device");
        ++opens;
        return {};
    }
    Result<Frame> next(std::chrono::milliseconds, const CancelToken& cancel) override {
        if (cancel.cancelled()) return fail(Errc::cancelled, "cancelled");
        if (!present) return fail(Errc::device_not_ready, "VIDIOC_DQBUF: No such device");
        std::this_thread::sleep_for(2ms);  // ~500 fps: faster than the decoder
        Frame frame;
        frame.width = image_.width;
        frame.height = image_.height;
        frame.format = PixelFormat::grey;
        frame.bytes = image_.pixels;
        if (wrongSize) frame.bytes.resize(frame.bytes.size() / 2);
        frame.sequence = ++sequence_;
        return frame;
    }
    void close() override {}
    std::string describe() const override { return "scripted"; }

private:
    LumaImage image_;
    uint64_t sequence_ = 0;
};

LumaImage corpusFrame(const std::string& relative) {
    auto image = loadLumaImage(kCorpus / relative);
    EXPECT_TRUE(image.has_value());
    return image.value_or(LumaImage{});
}

TEST(CameraScanner, DecodesTheNewestFrameAndDropsTheRestInsteadOfQueueing) {
    auto owned = std::make_unique<ScriptedSource>(corpusFrame("small/small_1280x720_59.png"));
    auto camera = cameraOn(std::move(owned));
    test::EventRecorder events;
    ASSERT_TRUE(camera->start(events.sink()).has_value());
    ASSERT_TRUE(events.waitFor([&](const auto&) { return camera->stats().decoded >= 10; }, 20s));
    camera->stop();
    const CameraStats stats = camera->stats();
    // 1280x720 decoding takes several ms, frames come every 2 ms: most must be dropped, and
    // what was captured is either decoded or dropped (at most one frame in flight).
    EXPECT_GT(stats.dropped, 0U);
    EXPECT_LE(stats.decoded + stats.dropped, stats.captured);
    EXPECT_GE(stats.decoded + stats.dropped + 2, stats.captured);
}

TEST(CameraScanner, CameraUnpluggedMidStreamIsReportedAndScanningResumesWhenItComesBack) {
    auto owned = std::make_unique<ScriptedSource>(corpusFrame("clean/clean_640x480_0.png"));
    ScriptedSource* source = owned.get();
    CameraSettings settings = fastSettings();
    settings.debounce = 0ms;  // every frame posts: shows that scanning resumed
    auto camera = cameraOn(std::move(owned), settings);
    test::EventRecorder events;
    ASSERT_TRUE(camera->start(events.sink()).has_value());
    ASSERT_TRUE(events.waitForScans(1));
    ASSERT_TRUE(events.waitForStatus(DeviceStatus::online));
    const size_t beforeUnplug = events.size();
    source->present = false;
    ASSERT_TRUE(events.waitForStatus(DeviceStatus::no_device, beforeUnplug));
    EXPECT_EQ(camera->state().status, DeviceStatus::no_device);
    const size_t beforeReplug = events.size();
    const size_t scansBefore = events.scanCount();
    source->present = true;
    ASSERT_TRUE(events.waitForStatus(DeviceStatus::online, beforeReplug));
    ASSERT_TRUE(events.waitForScans(scansBefore + 1));
    camera->stop();
    EXPECT_GE(camera->stats().reopened, 1U);
    EXPECT_GE(source->opens.load(), 2);
}

TEST(CameraScanner, AFormatTheCameraDoesNotOfferIsAHardwareErrorNamingWhatIsOffered) {
    auto owned = std::make_unique<ScriptedSource>(corpusFrame("clean/clean_640x480_0.png"));
    owned->unsupported = true;
    auto camera = cameraOn(std::move(owned));
    test::EventRecorder events;
    ASSERT_TRUE(camera->start(events.sink()).has_value());
    ASSERT_TRUE(events.waitForStatus(DeviceStatus::hardware_error));
    EXPECT_NE(camera->state().detail.find("offered: RGB3"), std::string::npos) << camera->state().detail;
    camera->stop();
    EXPECT_EQ(events.scanCount(), 0U);
}

TEST(CameraScanner, FramesOfTheWrongSizeAreDroppedAndCountedWithoutACrash) {
    auto owned = std::make_unique<ScriptedSource>(corpusFrame("clean/clean_640x480_0.png"));
    ScriptedSource* source = owned.get();
    source->wrongSize = true;
    auto camera = cameraOn(std::move(owned));
    test::EventRecorder events;
    ASSERT_TRUE(camera->start(events.sink()).has_value());
    ASSERT_TRUE(events.waitFor([&](const auto&) { return camera->stats().badFrames >= 5; }));
    EXPECT_EQ(events.scanCount(), 0U);
    EXPECT_EQ(camera->latestPreview(), nullptr);
    source->wrongSize = false;  // the camera settles: frames decode again
    ASSERT_TRUE(events.waitForScans(1));
    camera->stop();
}

TEST(CameraScanner, ThePreviewCanBeFetchedFromAnotherThreadWhileFramesArrive) {
    auto camera = cameraOn(std::make_unique<ScriptedSource>(corpusFrame("angle/angle_1280x720_41.png")));
    test::EventRecorder events;
    ASSERT_TRUE(camera->start(events.sink()).has_value());
    // The UI thread's part: fetch the newest preview each "frame" and draw it.
    uint64_t lastSequence = 0;
    int distinct = 0;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (distinct < 5 && std::chrono::steady_clock::now() < deadline) {
        const auto preview = camera->latestPreview();
        if (!preview) continue;
        ASSERT_EQ(preview->rgba.size(), static_cast<size_t>(preview->width) * preview->height * 4);
        ASSERT_EQ(preview->width, 320);
        ASSERT_EQ(preview->height, 180);
        EXPECT_GE(preview->sequence, lastSequence);  // never older than what was shown
        if (preview->sequence != lastSequence) ++distinct;
        lastSequence = preview->sequence;
    }
    camera->stop();
    EXPECT_GE(distinct, 5);
}

TEST(CameraScanner, StopIsPromptAndStartIsIdempotent) {
    auto camera = cameraOn(std::make_unique<ScriptedSource>(corpusFrame("empty/empty_640x480_30.png")));
    test::EventRecorder events;
    ASSERT_TRUE(camera->start(events.sink()).has_value());
    ASSERT_TRUE(camera->start(events.sink()).has_value());
    ASSERT_TRUE(events.waitFor([&](const auto&) { return camera->stats().decoded >= 2; }));
    const auto started = std::chrono::steady_clock::now();
    camera->stop();
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
    EXPECT_EQ(events.scanCount(), 0U);  // an empty frame gives nothing
}

TEST(CameraScanner, RegistryBuildsACameraFromConfigAndRejectsBadKeys) {
    test::TempDir dir;
    const auto build = [&](const std::string& device) {
        const std::string text = std::string("[kiosk]\nid = \"T\"\ndata_dir = \"data\"\nassets_dir = \"") +
                                 KIOSK_TEST_ASSETS_DIR +
                                 "\"\n[journal]\naudit_salt = \"test-salt-0123456789abcdef\"\n" +
                                 "[[devices]]\nname = \"camera\"\nclass = \"scanner\"\ndriver = \"camera\"\n" + device;
        auto config = loadConfig(dir.write("kiosk.toml", text));
        if (!config) return Result<DeviceRegistry>(std::unexpected(config.error()));
        return DeviceRegistry::build(*config, DriverContext{KIOSK_TEST_ASSETS_DIR, dir.path() / "data"});
    };
    auto good = build("source = \"recorded\"\nrecorded_frames = \"" + (kCorpus / "clean").string() +
                      "\"\nformats = [\"QRCode\"]\ndebounce_ms = 500\npixel_format = \"yuyv\"\n");
    ASSERT_TRUE(good.has_value()) << good.error().detail;
    EXPECT_EQ(good->find("camera")->driverName(), "camera");
    auto selfTest = good->find("camera")->selfTest(2s, CancelToken{});
    ASSERT_TRUE(selfTest.has_value()) << selfTest.error().detail;
    EXPECT_NE(selfTest->find("1 code(s) in view"), std::string::npos) << *selfTest;
    auto bad = build("formats = [\"QRCode\", \"Hologram\"]\npixel_format = \"rgb\"\nzoom = 2\n");
    ASSERT_FALSE(bad.has_value());
    EXPECT_NE(bad.error().detail.find("Hologram"), std::string::npos) << bad.error().detail;
}

}  // namespace
}  // namespace kiosk::drivers::scanner
