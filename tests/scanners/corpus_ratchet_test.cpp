// The corpus ratchet (zxing-cpp's BlackboxTestRunner idea): every folder of tests/samples/qr must
// decode at least its count in ratchet.txt — the counts may only go up — and the empty frames must
// give no read at all. The decoder is the one the camera driver uses, with the default site
// formats (QRCode, Code128).
#include <gtest/gtest.h>

#include <map>

#include "drivers/scanner/camera/zxing_decoder.hpp"
#include "tests/scanners/corpus_support.hpp"

namespace kiosk::drivers::scanner {
namespace {

const std::filesystem::path kCorpus = KIOSK_QR_SAMPLES_DIR;

TEST(QrCorpus, EachFolderDecodesAtLeastItsRatchetAndEmptyFramesReadNothing) {
    const auto samples = test::loadCorpus(kCorpus);
    ASSERT_GE(samples.size(), 60U) << "corpus missing under " << kCorpus;
    const auto ratchet = test::loadRatchet(kCorpus / "ratchet.txt");
    ASSERT_FALSE(ratchet.empty()) << "no ratchet.txt";
    auto decoder = CodeDecoder::create(DecoderSettings{});
    ASSERT_TRUE(decoder.has_value()) << decoder.error().detail;

    std::map<std::string, int> decoded;
    std::map<std::string, int> total;
    int falseReads = 0;
    for (const auto& sample : samples) {
        auto image = loadLumaImage(sample.image);
        ASSERT_TRUE(image.has_value()) << image.error().detail;
        std::vector<std::string> texts;
        for (const auto& code : decoder->decode(*image)) texts.push_back(code.text);
        ++total[sample.folder];
        if (sample.expected.empty()) {
            falseReads += static_cast<int>(texts.size());
            for (const auto& text : texts) ADD_FAILURE() << "false read in " << sample.image << ": " << text;
        } else if (test::decodedExactly(sample.expected, texts)) {
            ++decoded[sample.folder];
        } else {
            // Wrong text (not just a miss) is always a failure, whatever the counts say.
            for (const auto& text : texts) {
                EXPECT_NE(std::find(sample.expected.begin(), sample.expected.end(), text), sample.expected.end())
                    << "misread in " << sample.image << ": " << text;
            }
        }
    }
    EXPECT_EQ(falseReads, 0);
    for (const auto& [folder, count] : total) {
        if (folder == "empty") continue;
        const auto minimum = ratchet.find(folder);
        ASSERT_NE(minimum, ratchet.end()) << "folder " << folder << " has no line in ratchet.txt";
        EXPECT_GE(decoded[folder], minimum->second) << folder << ": decoded " << decoded[folder] << " of " << count;
        std::printf("ratchet %-14s decoded %2d of %2d (minimum %d)\n", folder.c_str(), decoded[folder], count,
                    minimum->second);
    }
}

}  // namespace
}  // namespace kiosk::drivers::scanner
