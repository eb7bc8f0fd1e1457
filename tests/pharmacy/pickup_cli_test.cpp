// `kiosk pickup lockers` and `kiosk pickup clear-locker N`, in-process (runCli) against a kiosk
// journal in which lockers were marked faulty the way a failed pickup marks them
// (PickupJournal::markLockerFaulty on the kiosk's own journal file).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "kiosk/cli/commands.hpp"
#include "kiosk/core/config.hpp"
#include "screens/pickup/pickup_journal.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiosk::test {
namespace {

struct CliResult {
    int code = -1;
    std::string out;
    std::string err;
};

CliResult kiosk(std::vector<std::string> args) {
    args.insert(args.begin(), "kiosk");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    ::testing::internal::CaptureStdout();
    ::testing::internal::CaptureStderr();
    const int code = cli::runCli(static_cast<int>(argv.size()), argv.data());
    std::string out = ::testing::internal::GetCapturedStdout();
    return {code, std::move(out), ::testing::internal::GetCapturedStderr()};
}

class PickupCli : public ::testing::Test {
protected:
    void SetUp() override {
        file_ = dir_.write("kiosk.toml", demoConfigText());
        auto config = loadConfig(file_);
        ASSERT_TRUE(config) << config.error().describe();
        journalFile_ = config->journalFile;
    }

    /// The kiosk's journal with lockers 3 and 7 marked faulty, as two failed pickups leave it.
    void markFaulty() {
        auto opened = Journal::open(journalFile_);
        ASSERT_TRUE(opened) << opened.error().describe();
        auto journal = screens::PickupJournal::open(std::move(*opened));
        ASSERT_TRUE(journal) << journal.error().describe();
        ASSERT_TRUE((*journal)->markLockerFaulty(7, "door_unknown: board silent"));
        ASSERT_TRUE((*journal)->markLockerFaulty(3, "not_opened: stuck door after 2 pulses"));
    }

    std::vector<int> faultyNow() {
        auto opened = Journal::open(journalFile_);
        if (!opened) return {-1};
        auto journal = screens::PickupJournal::open(std::move(*opened));
        if (!journal) return {-1};
        auto faults = (*journal)->faultyLockers();
        if (!faults) return {-1};
        std::vector<int> out;
        for (const auto& f : *faults) out.push_back(f.locker);
        return out;
    }

    TempDir dir_;
    std::filesystem::path file_;
    std::filesystem::path journalFile_;
};

TEST_F(PickupCli, ListsFaultyLockersWithSinceAndReason) {
    markFaulty();
    const CliResult run = kiosk({"pickup", "lockers", "--config", file_.string()});
    ASSERT_EQ(run.code, 0) << run.out << run.err;
    const auto list = nlohmann::json::parse(run.out, nullptr, false);
    ASSERT_TRUE(list.is_array()) << run.out;
    ASSERT_EQ(list.size(), 2U) << run.out;
    EXPECT_EQ(list[0]["locker"], 3);  // in locker order
    EXPECT_EQ(list[0]["reason"], "not_opened: stuck door after 2 pulses");
    EXPECT_EQ(list[1]["locker"], 7);
    EXPECT_EQ(list[1]["reason"], "door_unknown: board silent");
    for (const auto& row : list) {
        const std::string since = row["since"];
        EXPECT_TRUE(since.size() >= 19 && since[4] == '-' && since[10] == 'T') << "since is UTC ISO 8601: " << since;
    }
}

TEST_F(PickupCli, ClearsOneLockerAndSaysWhatIsLeft) {
    markFaulty();
    const CliResult run = kiosk({"pickup", "clear-locker", "3", "--config", file_.string()});
    ASSERT_EQ(run.code, 0) << run.out << run.err;
    const auto answer = nlohmann::json::parse(run.out, nullptr, false);
    ASSERT_TRUE(answer.is_object()) << run.out;
    EXPECT_EQ(answer["cleared"]["locker"], 3);
    EXPECT_EQ(answer["cleared"]["reason"], "not_opened: stuck door after 2 pulses");
    ASSERT_EQ(answer["faulty"].size(), 1U);
    EXPECT_EQ(answer["faulty"][0]["locker"], 7);
    EXPECT_EQ(faultyNow(), std::vector<int>{7});  // in the journal the kiosk reads before opening a locker

    // Again: locker 3 is no longer faulty; nothing changes.
    const CliResult again = kiosk({"pickup", "clear-locker", "3", "--config", file_.string()});
    EXPECT_EQ(again.code, 1);
    const auto refused = nlohmann::json::parse(again.out, nullptr, false);
    ASSERT_TRUE(refused.is_object()) << again.out;
    EXPECT_EQ(refused["error"], "not_found");
    EXPECT_EQ(refused["detail"], "locker 3 is not marked faulty (faulty now: 7): nothing cleared");
    EXPECT_EQ(faultyNow(), std::vector<int>{7});

    const CliResult last = kiosk({"pickup", "clear-locker", "7", "--config", file_.string()});
    ASSERT_EQ(last.code, 0) << last.out << last.err;
    EXPECT_TRUE(nlohmann::json::parse(last.out)["faulty"].empty()) << last.out;
    const CliResult none = kiosk({"pickup", "lockers", "--config", file_.string()});
    EXPECT_EQ(none.code, 0);
    EXPECT_EQ(nlohmann::json::parse(none.out), nlohmann::json::array());
    const CliResult nothing = kiosk({"pickup", "clear-locker", "7", "--config", file_.string()});
    EXPECT_EQ(nothing.code, 1);
    EXPECT_NE(nothing.out.find("locker 7 is not marked faulty (faulty now: none)"), std::string::npos) << nothing.out;
}

TEST_F(PickupCli, ALockerThatIsNotANumberIsAUsageError) {
    markFaulty();
    for (const std::string bad : {"three", "3a", "0", ""}) {
        const CliResult run = kiosk({"pickup", "clear-locker", bad, "--config", file_.string()});
        EXPECT_EQ(run.code, 2) << bad << ": " << run.out << run.err;
        EXPECT_NE(run.err.find("\"" + bad + "\" is not a locker number"), std::string::npos) << run.err;
        EXPECT_TRUE(run.out.empty()) << run.out;
    }
    EXPECT_EQ(faultyNow(), (std::vector<int>{3, 7}));
    const CliResult missing = kiosk({"pickup", "clear-locker", "--config", file_.string()});
    EXPECT_EQ(missing.code, 2) << missing.err;
    const CliResult noConfig = kiosk({"pickup", "lockers"});
    EXPECT_EQ(noConfig.code, 2) << noConfig.err;
}

TEST_F(PickupCli, AConfigWithoutAJournalIsNotReadAsNoFaults) {
    // The kiosk never ran with this config: no journal is made, and "none faulty" is not claimed.
    const CliResult run = kiosk({"pickup", "lockers", "--config", file_.string()});
    EXPECT_EQ(run.code, 1) << run.out;
    const auto answer = nlohmann::json::parse(run.out, nullptr, false);
    ASSERT_TRUE(answer.is_object()) << run.out;
    EXPECT_EQ(answer["error"], "not_found");
    EXPECT_NE(std::string(answer["detail"]).find(journalFile_.string()), std::string::npos) << run.out;
    EXPECT_FALSE(std::filesystem::exists(journalFile_));
}

}  // namespace
}  // namespace kiosk::test
