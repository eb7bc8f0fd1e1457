// The pure parts of the camera scanner: pixel formats, frame-size checks, newest-frame slot,
// de-bouncing and the preview image.
#include <gtest/gtest.h>
#include <jpeglib.h>

#include <thread>

#include "drivers/scanner/camera/camera_protocol.hpp"

namespace kiosk::drivers::scanner {
namespace {

using namespace std::chrono_literals;

LumaImage gradient(int width, int height) {
    LumaImage image{width, height, std::vector<uint8_t>(static_cast<size_t>(width) * height)};
    for (int y = 0; y < height; ++y)
        for (int x = 0; x < width; ++x)
            image.pixels[static_cast<size_t>(y) * width + x] = static_cast<uint8_t>(x * 255 / (width - 1));
    return image;
}

std::vector<uint8_t> encodeJpeg(const LumaImage& image) {
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
    jpeg_set_quality(&info, 90, TRUE);
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

TEST(CameraFrames, GreyWithStrideAndYuyvGiveTheSameLuminance) {
    const LumaImage source = gradient(64, 48);
    Frame grey{.width = 64,
               .height = 48,
               .bytesPerLine = 72,
               .format = PixelFormat::grey,
               .bytes = {},
               .sequence = 1,
               .captured = {}};
    grey.bytes.resize(72 * 48, 0xEE);  // padding bytes must not leak into the image
    for (int y = 0; y < 48; ++y) std::copy_n(&source.pixels[y * 64], 64, &grey.bytes[y * 72]);
    Frame yuyv{.width = 64,
               .height = 48,
               .bytesPerLine = 0,
               .format = PixelFormat::yuyv,
               .bytes = {},
               .sequence = 2,
               .captured = {}};
    for (uint8_t value : source.pixels) {
        yuyv.bytes.push_back(value);
        yuyv.bytes.push_back(0x80);  // U or V: ignored
    }
    auto fromGrey = toLuma(grey);
    auto fromYuyv = toLuma(yuyv);
    ASSERT_TRUE(fromGrey.has_value()) << fromGrey.error().detail;
    ASSERT_TRUE(fromYuyv.has_value()) << fromYuyv.error().detail;
    EXPECT_EQ(fromGrey->pixels, source.pixels);
    EXPECT_EQ(fromYuyv->pixels, source.pixels);
}

TEST(CameraFrames, MjpegDecodesToGrey) {
    const LumaImage source = gradient(160, 120);
    Frame frame{.width = 160,
                .height = 120,
                .bytesPerLine = 0,
                .format = PixelFormat::mjpeg,
                .bytes = encodeJpeg(source),
                .sequence = 3,
                .captured = {}};
    auto luma = toLuma(frame);
    ASSERT_TRUE(luma.has_value()) << luma.error().detail;
    ASSERT_EQ(luma->pixels.size(), source.pixels.size());
    int worst = 0;
    for (size_t i = 0; i < source.pixels.size(); ++i)
        worst = std::max(worst, std::abs(luma->pixels[i] - source.pixels[i]));
    EXPECT_LT(worst, 12);
}

TEST(CameraFrames, WrongSizeTruncatedOrBrokenFramesAreRefusedNotRead) {
    Frame shortGrey{.width = 640,
                    .height = 480,
                    .bytesPerLine = 0,
                    .format = PixelFormat::grey,
                    .bytes = std::vector<uint8_t>(640 * 479),
                    .sequence = 7,
                    .captured = {}};
    auto result = toLuma(shortGrey);
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, Errc::invalid_data);
    EXPECT_NE(result.error().detail.find("frame 7"), std::string::npos) << result.error().detail;

    Frame shortYuyv = shortGrey;
    shortYuyv.format = PixelFormat::yuyv;
    shortYuyv.bytes.resize(640 * 480);  // a grey-sized buffer claimed as YUYV
    EXPECT_FALSE(toLuma(shortYuyv).has_value());

    Frame impossible = shortGrey;
    impossible.width = -5;
    EXPECT_FALSE(toLuma(impossible).has_value());

    const LumaImage source = gradient(160, 120);
    Frame jpeg{.width = 160,
               .height = 120,
               .bytesPerLine = 0,
               .format = PixelFormat::mjpeg,
               .bytes = encodeJpeg(source),
               .sequence = 8,
               .captured = {}};
    Frame truncated = jpeg;
    truncated.bytes.resize(truncated.bytes.size() / 3);
    auto cut = toLuma(truncated);
    // libjpeg fills a truncated image with grey and warns; either outcome is fine, a crash is not.
    if (!cut) {
        EXPECT_EQ(cut.error().code, Errc::invalid_data);
    }
    Frame otherSize = jpeg;
    otherSize.width = 320;
    auto mismatch = toLuma(otherSize);
    ASSERT_FALSE(mismatch.has_value());
    EXPECT_NE(mismatch.error().detail.find("JPEG is 160x120, expected 320x120"), std::string::npos)
        << mismatch.error().detail;
    Frame garbage = jpeg;
    garbage.bytes.assign(5000, 0x55);
    EXPECT_FALSE(toLuma(garbage).has_value());
    garbage.bytes[0] = 0xFF;
    garbage.bytes[1] = 0xD8;  // a JPEG start marker followed by rubbish
    EXPECT_FALSE(toLuma(garbage).has_value());
}

TEST(LatestFrameSlot, KeepsOnlyTheNewestFrameAndCountsTheDropped) {
    LatestFrameSlot slot;
    std::stop_source stop;
    for (uint64_t sequence = 1; sequence <= 5; ++sequence) {
        Frame frame;
        frame.sequence = sequence;
        slot.put(std::move(frame));
    }
    auto taken = slot.take(10ms, stop.get_token());
    ASSERT_TRUE(taken.has_value());
    EXPECT_EQ(taken->sequence, 5U);
    EXPECT_EQ(slot.dropped(), 4U);
    EXPECT_FALSE(slot.take(10ms, stop.get_token()).has_value());  // nothing queued behind it
}

TEST(LatestFrameSlot, AStopRequestWakesAWaitingTaker) {
    LatestFrameSlot slot;
    std::stop_source stop;
    std::jthread stopper([&] {
        std::this_thread::sleep_for(30ms);
        stop.request_stop();
    });
    const auto started = std::chrono::steady_clock::now();
    EXPECT_FALSE(slot.take(10s, stop.get_token()).has_value());
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

TEST(Debouncer, SameCodeOncePerPresentationOtherCodesAtOnce) {
    Debouncer debouncer(2000ms);
    const auto t0 = std::chrono::steady_clock::time_point{} + 100s;
    EXPECT_TRUE(debouncer.accept("A", t0));
    EXPECT_FALSE(debouncer.accept("A", t0 + 500ms));
    EXPECT_FALSE(debouncer.accept("A", t0 + 2400ms));  // still held in view: the window moves along
    EXPECT_TRUE(debouncer.accept("B", t0 + 2500ms));
    EXPECT_FALSE(debouncer.accept("A", t0 + 2600ms));  // A was still in view at 2400: same presentation
    EXPECT_TRUE(debouncer.accept("A", t0 + 4700ms));   // taken away and shown again after the window
}

TEST(Debouncer, TwoCodesInViewTogetherArePostedOnceEach) {
    Debouncer debouncer(1000ms);
    const auto t0 = std::chrono::steady_clock::time_point{} + 100s;
    int posted = 0;
    for (int frame = 0; frame < 30; ++frame) {
        posted += debouncer.accept("A", t0 + frame * 66ms);
        posted += debouncer.accept("B", t0 + frame * 66ms);
    }
    EXPECT_EQ(posted, 2);
}

TEST(Debouncer, ZeroWindowPostsEveryRead) {
    Debouncer debouncer(0ms);
    const auto t0 = std::chrono::steady_clock::time_point{} + 100s;
    EXPECT_TRUE(debouncer.accept("A", t0));
    EXPECT_TRUE(debouncer.accept("A", t0));
}

TEST(Preview, IsMirroredScaledAndShowsTheAimingBox) {
    const LumaImage source = gradient(640, 480);
    const PreviewImage preview =
        makePreview(source, PreviewSettings{.maxWidth = 320, .mirror = true, .aimFraction = 0.5}, 9);
    ASSERT_EQ(preview.width, 320);
    ASSERT_EQ(preview.height, 240);
    ASSERT_EQ(preview.rgba.size(), 320U * 240 * 4);
    EXPECT_EQ(preview.sequence, 9U);
    const auto pixel = [&](int x, int y) { return &preview.rgba[(static_cast<size_t>(y) * 320 + x) * 4]; };
    // Mirrored: the source's bright right edge is on the preview's left (dimmed outside the box).
    EXPECT_GT(pixel(2, 120)[0], pixel(317, 120)[0]);
    EXPECT_EQ(pixel(2, 120)[3], 255);
    // Inside the box (centre) not dimmed: mirrored x 160 ← source x 318, value ≈ 126.
    EXPECT_NEAR(pixel(160, 120)[0], 318 * 255 / 639, 2);
    // An aiming corner: the box is 120x120 at (100,60); the mark sits just outside its top-left corner.
    const uint8_t* corner = pixel(98, 62);
    EXPECT_EQ(corner[1], 220);
    EXPECT_LT(corner[0], 100);
    const PreviewImage unmirrored =
        makePreview(source, PreviewSettings{.maxWidth = 640, .mirror = false, .aimFraction = 0.5}, 1);
    EXPECT_LT(unmirrored.rgba[(240 * 640 + 2) * 4], unmirrored.rgba[(240 * 640 + 637) * 4]);
}

}  // namespace
}  // namespace kiosk::drivers::scanner
