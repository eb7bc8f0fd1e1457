// Device counters (issue 14 item 2): counted per device, kept in the real SQLite journal across a
// restart, "since reset" cleared by a technician while "since install" stays.
#include <gtest/gtest.h>

#include "kiosk/core/device_counters.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiosk {
namespace {

std::unique_ptr<Journal> openJournal(const test::TempDir& dir) {
    auto journal = Journal::open(dir.path() / "journal.sqlite");
    EXPECT_TRUE(journal.has_value()) << journal.error().detail;
    return journal ? std::move(*journal) : nullptr;
}

TEST(DeviceCounters, CountPerDeviceAndSurviveARestart) {
    test::TempDir dir;
    {
        auto journal = openJournal(dir);
        auto counters = DeviceCounters::open(*journal);
        ASSERT_TRUE(counters.has_value()) << counters.error().detail;
        for (int i = 0; i < 3; ++i) ASSERT_TRUE(counters->add("card", kCounterCardsRead).has_value());
        ASSERT_TRUE(counters->add("card", kCounterCardsFailed).has_value());
        ASSERT_TRUE(counters->add("receipt", kCounterSlipsPrinted, 2).has_value());
        EXPECT_EQ(counters->value("card", kCounterCardsRead).sinceInstall, 3);
        EXPECT_EQ(counters->value("scanner", kCounterScans).sinceInstall, 0) << "never counted";
        EXPECT_TRUE(counters->of("scanner").empty());
    }
    auto journal = openJournal(dir);  // the kiosk restarts
    auto counters = DeviceCounters::open(*journal);
    ASSERT_TRUE(counters.has_value());
    EXPECT_EQ(counters->value("card", kCounterCardsRead).sinceInstall, 3);
    EXPECT_EQ(counters->value("card", kCounterCardsFailed).sinceReset, 1);
    EXPECT_EQ(counters->value("receipt", kCounterSlipsPrinted).sinceInstall, 2);
    EXPECT_EQ(counters->of("card").size(), 2U);
}

TEST(DeviceCounters, ResetClearsSinceResetOnlyAndIsKept) {
    test::TempDir dir;
    {
        auto journal = openJournal(dir);
        auto counters = DeviceCounters::open(*journal);
        ASSERT_TRUE(counters.has_value());
        ASSERT_TRUE(counters->add("receipt", kCounterCuts, 5).has_value());
        ASSERT_TRUE(counters->add("card", kCounterCardsRead).has_value());
        ASSERT_TRUE(counters->reset("receipt").has_value());
        EXPECT_EQ(counters->value("receipt", kCounterCuts).sinceReset, 0);
        EXPECT_EQ(counters->value("receipt", kCounterCuts).sinceInstall, 5);
        ASSERT_TRUE(counters->add("receipt", kCounterCuts).has_value());
    }
    auto journal = openJournal(dir);
    auto counters = DeviceCounters::open(*journal);
    ASSERT_TRUE(counters.has_value());
    EXPECT_EQ(counters->value("receipt", kCounterCuts).sinceReset, 1);
    EXPECT_EQ(counters->value("receipt", kCounterCuts).sinceInstall, 6);
    EXPECT_EQ(counters->value("card", kCounterCardsRead).sinceReset, 1) << "another device's counters are untouched";
}

}  // namespace
}  // namespace kiosk
