// Recorded APDU sessions (tests/samples/apdu/) replayed through the card profiles with no
// reader: each must reach its recorded outcome and consume exactly the recorded exchanges.
// The count of samples may only go up (a ratchet, like zxing-cpp's blackbox tests).
#include <gtest/gtest.h>

#include "tests/cards/apdu_sessions.hpp"

namespace kiosk::drivers::pcsc {
namespace {

constexpr size_t kMinimumSamples = 12;

std::vector<std::filesystem::path> sampleFiles() {
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(KIOSK_APDU_SAMPLES_DIR)) {
        if (entry.path().extension() == ".apdu") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

TEST(ApduReplay, EverySampleReachesItsRecordedOutcome) {
    const auto files = sampleFiles();
    EXPECT_GE(files.size(), kMinimumSamples);
    for (const auto& file : files) {
        SCOPED_TRACE(file.filename().string());
        auto session = test::loadApduSession(file);
        ASSERT_TRUE(session.has_value());
        ASSERT_FALSE(session->expect.empty()) << "no expect: line";
        test::ReplayChannel channel(*session);
        const CardReadOutcome outcome = readCard(channel, session->atr);
        EXPECT_TRUE(channel.mismatch().empty()) << channel.mismatch();
        EXPECT_TRUE(channel.consumedAll()) << "the profiles stopped before the recording ended";
        if (session->expect == "ok") {
            ASSERT_TRUE(outcome.ok()) << outcome.problem->detail;
            EXPECT_EQ(outcome.identity.masked(), session->masked);
        } else {
            ASSERT_FALSE(outcome.ok());
            EXPECT_EQ(outcome.problem->messageKey, session->expect) << outcome.problem->detail;
        }
    }
}

}  // namespace
}  // namespace kiosk::drivers::pcsc
