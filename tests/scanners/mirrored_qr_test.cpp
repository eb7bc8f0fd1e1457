// Issue 19, field case qr-mirrored-codes (../shared/field-cases/qr-mirrored-codes/README.md): a QR
// symbol shown mirrored — a phone app that flips it, a camera preview set to mirror — decodes like
// its unmirrored twin. ZXing-cpp 1.4 misreads mirrored symbols whose mask number is odd
// (zxing-cpp/zxing-cpp#428); the decoder reads the frame flipped when nothing was found.
//  - the case's own files (tests/samples/qr/mirrored/) through `kiosk scan --image`, the real binary;
//  - the whole kind: symbols of every mask 0–7 at versions 1 to 40, in numeric, alphanumeric, byte
//    and UTF-8 payloads, mirrored left–right and top–bottom, through the camera driver's decoder;
//  - the camera scanner itself, fed the mirrored field frame.
// Also here, found while in the decoder for this issue: a Code128 slip held close to a 1280x720
// camera aborted the process inside Debian's ZXing 1.4 (an assertion in Result::operator==).
#define ZX_USE_UTF8 1
#include <ZXing/BarcodeFormat.h>
#include <ZXing/BitMatrix.h>
#include <ZXing/CharacterSet.h>
#include <ZXing/MultiFormatWriter.h>

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <nlohmann/json.hpp>

#include <array>
#include <cstdio>
#include <random>
#include <set>

#include "drivers/scanner/camera/camera_driver.hpp"
#include "drivers/scanner/camera/zxing_decoder.hpp"
#include "tests/scanners/event_recorder.hpp"

namespace kiosk::drivers::scanner {
namespace {

using namespace std::chrono_literals;

const std::filesystem::path kMirrored = std::filesystem::path(KIOSK_QR_SAMPLES_DIR) / "mirrored";

struct Run {
    int exitCode = -1;
    std::string out;
};

Run runKiosk(const std::string& arguments) {
    Run run;
    const std::string command = std::string(KIOSK_BINARY) + " " + arguments + " 2>/dev/null";
    FILE* pipe = popen(command.c_str(), "r");
    if (!pipe) return run;
    std::array<char, 4096> buffer{};
    size_t got = 0;
    while ((got = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) run.out.append(buffer.data(), got);
    const int status = pclose(pipe);
    run.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return run;
}

TEST(FieldQrMirrored, ScanImageReadsEachMirroredCodeLikeItsTwin) {
    // The case's command, on the case's files (copied into tests/samples/qr/mirrored/).
    const auto run = runKiosk("scan --image " + (kMirrored / "mirrored_1234567890.png").string() + " " +
                              (kMirrored / "plain_1234567890.png").string() + " " +
                              (kMirrored / "m_H20230015.png").string() + " " + (kMirrored / "p_H20230015.png").string());
    ASSERT_EQ(run.exitCode, 0) << run.out;
    const auto json = nlohmann::json::parse(run.out);
    ASSERT_EQ(json.size(), 4U);
    // mirrored_1234567890 and its twin: the text matches no payload rule, which is right.
    for (int file : {0, 1}) {
        SCOPED_TRACE(json[file]["file"].get<std::string>());
        ASSERT_EQ(json[file]["codes"].size(), 1U);
        const auto& code = json[file]["codes"][0];
        EXPECT_EQ(code["symbology"], "QRCode");
        EXPECT_EQ(code["accepted"], false);
        EXPECT_EQ(code["message_key"], "scan.unrecognised_accepting");
        EXPECT_EQ(code["raw_length"], 10);
    }
    EXPECT_EQ(json[0]["codes"], json[1]["codes"]);
    // m_H20230015 and its twin: a hospital card.
    for (int file : {2, 3}) {
        SCOPED_TRACE(json[file]["file"].get<std::string>());
        ASSERT_EQ(json[file]["codes"].size(), 1U);
        const auto& code = json[file]["codes"][0];
        EXPECT_EQ(code["symbology"], "QRCode");
        EXPECT_EQ(code["accepted"], true);
        EXPECT_EQ(code["kind"], "hospital_card");
        EXPECT_EQ(code["text"], "H20230015");
    }
}

// ---- the whole kind: generated symbols ----

/// A QR symbol drawn as a grey frame: black modules of `module` px on white, 4-module quiet zone.
struct Symbol {
    LumaImage image;
    int version = 0;
    int mask = 0;
};

Symbol drawSymbol(const std::string& text, int module, bool utf8) {
    ZXing::MultiFormatWriter writer(ZXing::BarcodeFormat::QRCode);
    writer.setMargin(0);
    if (utf8) writer.setEncoding(ZXing::CharacterSet::UTF8);  // byte mode with an ECI for UTF-8
    const ZXing::BitMatrix bits = writer.encode(text, 0, 0);
    Symbol symbol;
    symbol.version = (bits.width() - 17) / 4;
    // The format information's first copy (ISO/IEC 18004:2015 §7.9.1): row 8 from the left
    // (skipping the timing pattern in column 6), then column 8 upwards (skipping row 6); XOR-ed
    // with 101010000010010; the mask is bits 12–10.
    int format = 0;
    for (int x : {0, 1, 2, 3, 4, 5, 7, 8}) format = (format << 1) | (bits.get(x, 8) ? 1 : 0);
    for (int y : {7, 5, 4, 3, 2, 1, 0}) format = (format << 1) | (bits.get(8, y) ? 1 : 0);
    symbol.mask = ((format ^ 0x5412) >> 10) & 7;
    const int quiet = 4 * module;
    symbol.image.width = bits.width() * module + 2 * quiet;
    symbol.image.height = symbol.image.width;
    symbol.image.pixels.assign(static_cast<size_t>(symbol.image.width) * symbol.image.height, 255);
    for (int y = 0; y < symbol.image.height - 2 * quiet; ++y) {
        for (int x = 0; x < symbol.image.width - 2 * quiet; ++x) {
            if (bits.get(x / module, y / module)) {
                symbol.image.pixels[static_cast<size_t>(y + quiet) * symbol.image.width + x + quiet] = 0;
            }
        }
    }
    return symbol;
}

// The flips are written here, not taken from the decoder, so the test does not check the decoder
// with its own helper.
LumaImage flippedLeftRight(const LumaImage& image) {
    LumaImage out = image;
    for (int y = 0; y < image.height; ++y) {
        for (int x = 0; x < image.width; ++x) {
            out.pixels[static_cast<size_t>(y) * image.width + x] =
                image.pixels[static_cast<size_t>(y) * image.width + (image.width - 1 - x)];
        }
    }
    return out;
}

LumaImage flippedTopBottom(const LumaImage& image) {
    LumaImage out = image;
    for (int y = 0; y < image.height; ++y) {
        std::copy_n(image.pixels.begin() + static_cast<ptrdiff_t>(image.height - 1 - y) * image.width, image.width,
                    out.pixels.begin() + static_cast<ptrdiff_t>(y) * image.width);
    }
    return out;
}

std::vector<std::string> texts(const CodeDecoder& decoder, const LumaImage& image) {
    std::vector<std::string> out;
    for (const auto& code : decoder.decode(image)) out.push_back(code.text);
    return out;
}

/// A payload of `length` characters of one kind, varied by `seed` (which changes the mask the
/// writer picks, not the version).
std::string payload(const std::string& kind, int length, uint32_t seed) {
    static const std::string digits = "0123456789";
    static const std::string alphanumeric = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
    static const std::string bytes = "abcdefghijklmnopqrstuvwxyz0123456789-_?=&";
    static const std::array<std::string, 8> hanzi = {"挂", "号", "缴", "费", "医", "院", "门", "诊"};
    std::mt19937 random(seed);
    std::string out;
    for (int i = 0; i < length; ++i) {
        if (kind == "numeric") out += digits[random() % digits.size()];
        if (kind == "alphanumeric") out += alphanumeric[random() % alphanumeric.size()];
        if (kind == "byte") out += bytes[random() % bytes.size()];
        if (kind == "utf8") out += hanzi[random() % hanzi.size()];
    }
    return out;
}

TEST(FieldQrMirrored, EveryMaskAndVersionReadsMirroredLikeItsTwin) {
    auto decoder = CodeDecoder::create(DecoderSettings{});
    ASSERT_TRUE(decoder.has_value()) << decoder.error().detail;
    struct Case {
        std::string kind;
        int length;  ///< characters: sets the version
        int module;  ///< px per module
    };
    // Versions 1, 3, 4, 8, 34 and 40 (the writer picks the smallest that fits, at level L). Which
    // mask the writer picks depends on the content: each case varies its payload at a fixed length
    // (so a fixed version) and tests each mask once as it comes.
    const std::vector<Case> cases = {{"numeric", 10, 6},   {"alphanumeric", 60, 5}, {"byte", 60, 4},
                                     {"utf8", 60, 4},      {"numeric", 5000, 3},    {"numeric", 7000, 3}};
    std::set<int> versions;
    std::set<int> allMasks;
    for (const Case& c : cases) {
        std::set<int> masks;
        int version = 0;
        for (uint32_t seed = 1; masks.size() < 8 && seed <= 200; ++seed) {
            const std::string text = payload(c.kind, c.length, seed);
            const Symbol twin = drawSymbol(text, c.module, c.kind == "utf8");
            if (version == 0) version = twin.version;
            ASSERT_EQ(twin.version, version) << c.kind << " " << c.length;
            if (!masks.insert(twin.mask).second) continue;
            SCOPED_TRACE(c.kind + " version " + std::to_string(twin.version) + " mask " + std::to_string(twin.mask));
            const std::vector<std::string> expected = {text};
            EXPECT_EQ(texts(*decoder, twin.image), expected) << "twin";
            EXPECT_EQ(texts(*decoder, flippedLeftRight(twin.image)), expected) << "mirrored left-right";
            EXPECT_EQ(texts(*decoder, flippedTopBottom(twin.image)), expected) << "mirrored top-bottom";
        }
        // The odd masks are the ones ZXing 1.4 misreads mirrored: each case must have met some.
        EXPECT_GE(std::count_if(masks.begin(), masks.end(), [](int mask) { return mask % 2 == 1; }), 2)
            << c.kind << " version " << version;
        versions.insert(version);
        allMasks.insert(masks.begin(), masks.end());
    }
    // The test covers what it claims: all eight masks, the smallest and the largest version.
    EXPECT_EQ(allMasks.size(), 8U);
    EXPECT_EQ(versions.size(), cases.size());
    EXPECT_TRUE(versions.contains(1) && versions.contains(40));
}

TEST(FieldQrMirrored, CameraScannerPostsTheMirroredCodeLikeItsTwin) {
    // The camera driver's decode thread on the mirrored field frame, streamed as a camera would.
    CameraSettings settings;
    settings.reopenInterval = 50ms;
    auto decoder = CodeDecoder::create(settings.decoder);
    ASSERT_TRUE(decoder.has_value());
    CameraScanner camera("camera",
                         std::make_unique<RecordedFrameSource>(
                             std::vector<std::filesystem::path>{kMirrored / "m_H20230015.png"}, 30, true),
                         std::move(*decoder), settings, PayloadClassifier{});
    test::EventRecorder events;
    ASSERT_TRUE(camera.start(events.sink()).has_value());
    ASSERT_TRUE(events.waitForScans(1));
    camera.stop();
    const auto scan = events.scans().front();
    EXPECT_FALSE(scan.rejected.has_value());
    EXPECT_EQ(scan.kind, "hospital_card");
    EXPECT_EQ(scan.text, "H20230015");
    EXPECT_EQ(scan.symbology, "QRCode");
}

TEST(QrDecoder, ACode128HeldCloseToA720pCameraIsReadNotAborted) {
    // Bars of 4–10 px on 1280x720: found at full size and again on ZXing's downscaled layer (and by
    // the rotated scan), which made Debian's ZXing 1.4 assert and abort the whole process.
    auto decoder = CodeDecoder::create(DecoderSettings{});
    ASSERT_TRUE(decoder.has_value());
    const ZXing::BitMatrix bars = ZXing::MultiFormatWriter(ZXing::BarcodeFormat::Code128).setMargin(10).encode(
        std::string("H20240014"), 0, 0);
    for (int module : {4, 6, 8, 10}) {
        LumaImage frame{1280, 720, std::vector<uint8_t>(1280 * 720, 200)};
        const int left = (frame.width - bars.width() * module) / 2;
        for (int y = 200; y < 520; ++y) {
            for (int x = std::max(0, -left); x < bars.width() * module && left + x < frame.width; ++x) {
                frame.pixels[static_cast<size_t>(y) * frame.width + left + x] = bars.get(x / module, 0) ? 30 : 220;
            }
        }
        std::vector<DecodedCode> codes = decoder->decode(frame);
        ASSERT_EQ(codes.size(), 1U) << module << " px per module";
        EXPECT_EQ(codes[0].text, "H20240014");
        EXPECT_EQ(codes[0].symbology, "Code128");
    }
}

TEST(QrDecoder, LocalContrastStretchesADimCodeAndLeavesFlatNoiseWhite) {
    // Left half: modules of 140 and 150 grey (below ZXing 1.4's 24-level block contrast); right
    // half: 120 ± 2 noise.
    LumaImage image{96, 48, std::vector<uint8_t>(96 * 48)};
    for (int y = 0; y < 48; ++y) {
        for (int x = 0; x < 96; ++x) {
            image.pixels[static_cast<size_t>(y) * 96 + x] =
                x < 48 ? (((x / 4) + (y / 4)) % 2 ? 140 : 150) : static_cast<uint8_t>(118 + (x * 7 + y * 3) % 5);
        }
    }
    const LumaImage out = localContrast(image);
    EXPECT_EQ(out.pixels[0], 255);           // a 150 module
    EXPECT_EQ(out.pixels[4], 0);             // a 140 module
    EXPECT_EQ(out.pixels[20 * 96 + 90], 255);  // noise 48 px away from the code: flat
}

}  // namespace
}  // namespace kiosk::drivers::scanner
