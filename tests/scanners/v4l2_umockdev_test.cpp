// The V4L2 ioctl path of the camera scanner against a umockdev testbed (harness.md §2): a
// /dev/video0 whose ioctls (VIDIOC_QUERYCAP, ENUM_FMT, S_FMT, S_PARM) and read()s are answered by
// this test's handler, which plays the part of a kernel camera driver offering read() I/O with
// corpus frames. mmap streaming cannot be emulated by umockdev (no shared memory with the
// process), so the handler offers V4L2_CAP_READWRITE only; the streaming branch is the same code
// after the negotiation tested here.
//
// Runs under umockdev-wrapper (CMake sets it as the test's emulator).
#include <gtest/gtest.h>
#include <jpeglib.h>
#include <linux/videodev2.h>
#include <umockdev.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <mutex>

#include "drivers/scanner/camera/camera_driver.hpp"
#include "drivers/scanner/camera/v4l2_source.hpp"
#include "tests/scanners/event_recorder.hpp"
#include "tests/scanners/umockdev_support.hpp"

namespace kiosk::drivers::scanner {
namespace {

using namespace std::chrono_literals;

const std::filesystem::path kCorpus = KIOSK_QR_SAMPLES_DIR;

/// The fake camera's state, shared between the test and umockdev's handler thread.
struct FakeCamera {
    std::mutex mutex;
    std::vector<uint32_t> formats = {V4L2_PIX_FMT_YUYV};
    uint32_t width = 640;
    uint32_t height = 480;
    uint32_t pixelFormat = V4L2_PIX_FMT_YUYV;
    std::vector<uint8_t> frame;  ///< what every read() returns (already in pixelFormat)
    bool unplugged = false;
    bool shortFrames = false;  ///< return half a frame: a camera that changed resolution
    int reads = 0;
    std::vector<unsigned long> ioctls;
};

template <class T>
T* resolveArgument(UMockdevIoctlClient* client) {
    return static_cast<T*>(test::resolveIoctlArgument(client, sizeof(T)));
}

gboolean handleIoctl(UMockdevIoctlBase*, UMockdevIoctlClient* client, gpointer user) {
    auto* camera = static_cast<FakeCamera*>(user);
    std::lock_guard lock(camera->mutex);
    const unsigned long request = umockdev_ioctl_client_get_request(client);
    camera->ioctls.push_back(request);
    if (camera->unplugged) {
        umockdev_ioctl_client_complete(client, -1, ENODEV);
        return TRUE;
    }
    switch (request) {
        case VIDIOC_QUERYCAP: {
            auto* capability = resolveArgument<v4l2_capability>(client);
            std::memset(capability, 0, sizeof *capability);
            std::strcpy(reinterpret_cast<char*>(capability->driver), "yizhan-fake");
            std::strcpy(reinterpret_cast<char*>(capability->card), "Yizhan test camera");
            capability->device_caps = V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_READWRITE;
            capability->capabilities = capability->device_caps | V4L2_CAP_DEVICE_CAPS;
            umockdev_ioctl_client_complete(client, 0, 0);
            return TRUE;
        }
        case VIDIOC_ENUM_FMT: {
            auto* description = resolveArgument<v4l2_fmtdesc>(client);
            if (description->index >= camera->formats.size()) {
                umockdev_ioctl_client_complete(client, -1, EINVAL);
                return TRUE;
            }
            description->pixelformat = camera->formats[description->index];
            umockdev_ioctl_client_complete(client, 0, 0);
            return TRUE;
        }
        case VIDIOC_S_FMT: {
            auto* format = resolveArgument<v4l2_format>(client);
            // Like a real driver: the size is fixed, the format must be one of ours.
            format->fmt.pix.width = camera->width;
            format->fmt.pix.height = camera->height;
            if (std::find(camera->formats.begin(), camera->formats.end(), format->fmt.pix.pixelformat) ==
                camera->formats.end()) {
                format->fmt.pix.pixelformat = camera->formats.front();
            }
            camera->pixelFormat = format->fmt.pix.pixelformat;
            const uint32_t bytesPerPixel = camera->pixelFormat == V4L2_PIX_FMT_YUYV ? 2 : 1;
            // MJPEG: sizeimage is the largest a compressed frame may be.
            format->fmt.pix.bytesperline = camera->width * bytesPerPixel;
            format->fmt.pix.sizeimage = camera->width * camera->height * bytesPerPixel;
            umockdev_ioctl_client_complete(client, 0, 0);
            return TRUE;
        }
        case VIDIOC_S_PARM:
            umockdev_ioctl_client_complete(client, -1, ENOTTY);  // fixed frame rate: the driver must cope
            return TRUE;
        default:
            umockdev_ioctl_client_complete(client, -1, ENOTTY);
            return TRUE;
    }
}

gboolean handleRead(UMockdevIoctlBase*, UMockdevIoctlClient* client, gpointer user) {
    auto* camera = static_cast<FakeCamera*>(user);
    std::lock_guard lock(camera->mutex);
    if (camera->unplugged) {
        umockdev_ioctl_client_complete(client, -1, ENODEV);
        return TRUE;
    }
    UMockdevIoctlData* buffer = umockdev_ioctl_client_get_arg(client);
    size_t length = std::min<size_t>(static_cast<size_t>(buffer->data_len), camera->frame.size());
    if (camera->shortFrames) length /= 2;
    umockdev_ioctl_data_update(buffer, 0, camera->frame.data(), static_cast<int>(length));
    ++camera->reads;
    umockdev_ioctl_client_complete(client, static_cast<long>(length), 0);
    return TRUE;
}

std::vector<uint8_t> asYuyv(const LumaImage& image) {
    std::vector<uint8_t> out;
    out.reserve(image.pixels.size() * 2);
    for (uint8_t luma : image.pixels) {
        out.push_back(luma);
        out.push_back(0x80);
    }
    return out;
}

std::vector<uint8_t> asJpeg(const LumaImage& image) {
    jpeg_compress_struct info{};
    jpeg_error_mgr errors{};
    info.err = jpeg_std_error(&errors);
    jpeg_create_compress(&info);
    unsigned char* buffer = nullptr;
    unsigned long size = 0;
    jpeg_mem_dest(&info, &buffer, &size);
    info.image_width = static_cast<JDIMENSION>(image.width);
    info.image_height = static_cast<JDIMENSION>(image.height);
    info.input_components = 1;
    info.in_color_space = JCS_GRAYSCALE;
    jpeg_set_defaults(&info);
    jpeg_set_quality(&info, 80, TRUE);
    jpeg_start_compress(&info, TRUE);
    while (info.next_scanline < info.image_height) {
        JSAMPROW row =
            const_cast<uint8_t*>(image.pixels.data()) + static_cast<size_t>(info.next_scanline) * image.width;
        jpeg_write_scanlines(&info, &row, 1);
    }
    jpeg_finish_compress(&info);
    jpeg_destroy_compress(&info);
    std::vector<uint8_t> out(buffer, buffer + size);
    free(buffer);
    return out;
}

class V4l2Umockdev : public ::testing::Test {
protected:
    void SetUp() override {
        if (!test::underUmockdev())
            FAIL() << "run under umockdev-wrapper (ctest does: it is this test's CROSSCOMPILING_EMULATOR)";
        testbed_ = umockdev_testbed_new();
        handler_ = umockdev_ioctl_base_new();
        g_signal_connect(handler_, "handle-ioctl", G_CALLBACK(handleIoctl), &camera_);
        g_signal_connect(handler_, "handle-read", G_CALLBACK(handleRead), &camera_);
        GError* error = nullptr;
        ASSERT_TRUE(umockdev_testbed_attach_ioctl(testbed_, "/dev/video0", handler_, &error))
            << (error ? error->message : "");
        ASSERT_TRUE(umockdev_testbed_add_from_string(testbed_,
                                                     "P: /devices/virtual/video4linux/video0\n"
                                                     "N: video0\n"
                                                     "E: DEVNAME=/dev/video0\n"
                                                     "E: SUBSYSTEM=video4linux\n"
                                                     "A: name=Yizhan test camera\\n\n",
                                                     &error))
            << (error ? error->message : "");
        auto image = loadLumaImage(kCorpus / "clean" / "clean_640x480_0.png");
        ASSERT_TRUE(image.has_value());
        image_ = *image;
        camera_.frame = asYuyv(image_);
    }
    void TearDown() override {
        if (handler_) g_object_unref(handler_);
        if (testbed_) g_object_unref(testbed_);
    }

    FakeCamera camera_;
    LumaImage image_;
    UMockdevTestbed* testbed_ = nullptr;
    UMockdevIoctlBase* handler_ = nullptr;
};

TEST_F(V4l2Umockdev, NegotiatesTheOfferedFormatAndReadsFrames) {
    V4l2FrameSource source(
        V4l2Settings{.device = "/dev/video0", .width = 640, .height = 480, .pixelFormat = "auto", .fps = 15});
    auto opened = source.open();
    ASSERT_TRUE(opened.has_value()) << opened.error().detail;
    EXPECT_EQ(source.format(), PixelFormat::yuyv);
    auto frame = source.next(2s, CancelToken{});
    ASSERT_TRUE(frame.has_value()) << frame.error().detail;
    EXPECT_EQ(frame->width, 640);
    EXPECT_EQ(frame->format, PixelFormat::yuyv);
    EXPECT_EQ(frame->bytes.size(), 640U * 480 * 2);
    auto luma = toLuma(*frame);
    ASSERT_TRUE(luma.has_value());
    auto decoder = CodeDecoder::create(DecoderSettings{});
    ASSERT_TRUE(decoder.has_value());
    const auto codes = decoder->decode(*luma);
    ASSERT_EQ(codes.size(), 1U);
    EXPECT_EQ(codes[0].text.substr(0, 8), "0272E5F1");
    source.close();
}

TEST_F(V4l2Umockdev, AutoPrefersGreyAndAnMjpegOnlyCameraIsDecodedThroughLibjpeg) {
    camera_.formats = {V4L2_PIX_FMT_MJPEG, V4L2_PIX_FMT_YUYV, V4L2_PIX_FMT_GREY};
    camera_.frame = image_.pixels;
    V4l2FrameSource grey(
        V4l2Settings{.device = "/dev/video0", .width = 640, .height = 480, .pixelFormat = "auto", .fps = 30});
    ASSERT_TRUE(grey.open().has_value());
    EXPECT_EQ(grey.format(), PixelFormat::grey);
    grey.close();

    camera_.formats = {V4L2_PIX_FMT_MJPEG};
    camera_.frame = asJpeg(image_);
    V4l2FrameSource mjpeg(
        V4l2Settings{.device = "/dev/video0", .width = 640, .height = 480, .pixelFormat = "auto", .fps = 30});
    ASSERT_TRUE(mjpeg.open().has_value());
    EXPECT_EQ(mjpeg.format(), PixelFormat::mjpeg);
    auto frame = mjpeg.next(2s, CancelToken{});
    ASSERT_TRUE(frame.has_value()) << frame.error().detail;
    EXPECT_EQ(frame->bytes.size(), camera_.frame.size());  // a JPEG is as long as it is, not sizeimage
    auto luma = toLuma(*frame);
    ASSERT_TRUE(luma.has_value()) << luma.error().detail;
    auto decoder = CodeDecoder::create(DecoderSettings{});
    ASSERT_TRUE(decoder.has_value());
    ASSERT_EQ(decoder->decode(*luma).size(), 1U);
}

TEST_F(V4l2Umockdev, AFormatTheCameraDoesNotOfferIsRefusedNamingTheOfferedOnes) {
    camera_.formats = {V4L2_PIX_FMT_RGB24};
    V4l2FrameSource source(
        V4l2Settings{.device = "/dev/video0", .width = 640, .height = 480, .pixelFormat = "mjpeg", .fps = 15});
    auto opened = source.open();
    ASSERT_FALSE(opened.has_value());
    EXPECT_EQ(opened.error().code, Errc::unsupported);
    EXPECT_NE(opened.error().detail.find("offered: RGB3"), std::string::npos) << opened.error().detail;
    V4l2FrameSource automatic(
        V4l2Settings{.device = "/dev/video0", .width = 640, .height = 480, .pixelFormat = "auto", .fps = 15});
    EXPECT_EQ(automatic.open().error().code, Errc::unsupported);
}

TEST_F(V4l2Umockdev, CameraDriverScansThenSurvivesUnplugAndShortFrames) {
    auto decoder = CodeDecoder::create(DecoderSettings{});
    ASSERT_TRUE(decoder.has_value());
    CameraSettings settings;
    settings.reopenInterval = 50ms;
    settings.debounce = 0ms;
    CameraScanner camera("camera",
                         std::make_unique<V4l2FrameSource>(V4l2Settings{
                             .device = "/dev/video0", .width = 640, .height = 480, .pixelFormat = "yuyv", .fps = 15}),
                         std::move(*decoder), settings, PayloadClassifier{});
    test::EventRecorder events;
    ASSERT_TRUE(camera.start(events.sink()).has_value());
    ASSERT_TRUE(events.waitForScans(1));
    EXPECT_EQ(events.scans().front().kind, "health_card");
    // Unplugged mid-stream: reads and ioctls fail with ENODEV.
    size_t mark = events.size();
    {
        std::lock_guard lock(camera_.mutex);
        camera_.unplugged = true;
    }
    ASSERT_TRUE(events.waitForStatus(DeviceStatus::no_device, mark));
    // Back, but sending frames of the wrong size for a while: dropped and counted.
    mark = events.size();
    {
        std::lock_guard lock(camera_.mutex);
        camera_.unplugged = false;
        camera_.shortFrames = true;
    }
    ASSERT_TRUE(events.waitForStatus(DeviceStatus::online, mark));
    ASSERT_TRUE(events.waitFor([&](const auto&) { return camera.stats().badFrames >= 3; }));
    const size_t scansBefore = events.scanCount();
    {
        std::lock_guard lock(camera_.mutex);
        camera_.shortFrames = false;
    }
    ASSERT_TRUE(events.waitForScans(scansBefore + 1));
    camera.stop();
    EXPECT_GE(camera.stats().reopened, 1U);
}

}  // namespace
}  // namespace kiosk::drivers::scanner
