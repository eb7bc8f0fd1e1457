// Issue 19 item 13: `kiosk print test` never reports success for a print that was not journalled
// (the reprint limit would not count it). Two ways a journal fails: it cannot be opened for
// writing (a real read-only mount, tests/support/read_only_mount.hpp — the tests run as root,
// and root writes through any chmod), and it refuses the row after the paper is out.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <nlohmann/json.hpp>

#include "kiosk/cli/commands.hpp"
#include "kiosk/core/journal.hpp"
#include "printing/print_journal.hpp"
#include "tests/support/read_only_mount.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiosk::printing {
namespace {

/// The test config (simulated receipt printer "printer", writing text files into data/printed)
/// with the journal at `journalFile`.
std::string configWithJournal(const std::filesystem::path& journalFile) {
    std::string text = test::demoConfigText();
    const std::string section = "[journal]\n";
    text.insert(text.find(section) + section.size(), "file = \"" + journalFile.string() + "\"\n");
    return text;
}

int runPrintTest(const std::filesystem::path& config) {
    std::vector<std::string> args = {"kiosk", "print", "test", "--config", config.string()};
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    return cli::runCli(static_cast<int>(argv.size()), argv.data());
}

size_t filesIn(const std::filesystem::path& folder) {
    std::error_code ec;
    if (!std::filesystem::exists(folder, ec)) return 0;
    return static_cast<size_t>(std::distance(std::filesystem::directory_iterator(folder), std::filesystem::directory_iterator()));
}

TEST(PrintJournalField, AJournalOnAReadOnlyDiskStopsThePrintAndSaysWhy) {
    test::TempDir dir;
    const auto disk = dir.path() / "disk";
    const auto config = dir.write("kiosk.toml", configWithJournal(disk / "journal.sqlite"));
    auto run = test::runOnReadOnlyMount(
        disk, [&](const std::filesystem::path&) { (void)Journal::open(disk / "journal.sqlite"); },
        [&] { return runPrintTest(config); });
    if (run.unsupported) GTEST_SKIP() << "no mount namespace here: " << run.why;
    EXPECT_EQ(run.exitCode, 1) << run.out << run.err;
    auto json = nlohmann::json::parse(run.out, nullptr, false);
    ASSERT_FALSE(json.is_discarded()) << run.out << run.err;
    EXPECT_EQ(json["outcome"], "not_journalled");
    EXPECT_EQ(json["printed"], false);
    EXPECT_EQ(json["journalled"], false);
    EXPECT_NE(json["detail"].get<std::string>().find("mounted read-only"), std::string::npos) << json.dump(2);
    EXPECT_NE(run.err.find("reprint limit"), std::string::npos) << run.err;
    EXPECT_EQ(run.err.find("another kiosk process"), std::string::npos) << run.err;
    EXPECT_EQ(filesIn(dir.path() / "data" / "printed"), 0U) << "no paper is used for a print that cannot be recorded";
}

TEST(PrintJournalField, ARowRefusedAfterThePrintIsReportedNotHidden) {
    test::TempDir dir;
    const auto journalFile = dir.path() / "journal.sqlite";
    const auto config = dir.write("kiosk.toml", configWithJournal(journalFile));
    {
        auto journal = Journal::open(journalFile);
        ASSERT_TRUE(journal.has_value()) << journal.error().detail;
        ASSERT_TRUE(PrintJournal::open(**journal, PrintPolicy{}).has_value());
        // Stands in for a write that fails once the paper is out (disk full, a disk turning
        // read-only mid-run): SQLite refuses the print row like it would refuse any write.
        ASSERT_TRUE((*journal)->exec("CREATE TRIGGER refuse_print BEFORE INSERT ON print_job "
                                     "BEGIN SELECT RAISE(FAIL, 'database or disk is full'); END;")
                        .has_value());
    }
    testing::internal::CaptureStdout();
    testing::internal::CaptureStderr();
    const int code = runPrintTest(config);
    const std::string out = testing::internal::GetCapturedStdout();
    const std::string err = testing::internal::GetCapturedStderr();
    EXPECT_EQ(code, 1) << out << err;
    auto json = nlohmann::json::parse(out, nullptr, false);
    ASSERT_FALSE(json.is_discarded()) << out;
    EXPECT_EQ(json["printed"], true) << "the paper is out: the JSON says so";
    EXPECT_EQ(json["journalled"], false);
    EXPECT_NE(json["journal_error"].get<std::string>().find("disk is full"), std::string::npos) << json.dump(2);
    EXPECT_NE(err.find("printed, but the print could not be journalled"), std::string::npos) << err;
    EXPECT_EQ(filesIn(dir.path() / "data" / "printed"), 1U);
}

TEST(PrintJournalField, AJournalledPrintExitsZeroAndIsCounted) {
    test::TempDir dir;
    const auto journalFile = dir.path() / "journal.sqlite";
    const auto config = dir.write("kiosk.toml", configWithJournal(journalFile));
    testing::internal::CaptureStdout();
    const int code = runPrintTest(config);
    const std::string out = testing::internal::GetCapturedStdout();
    EXPECT_EQ(code, 0) << out;
    auto json = nlohmann::json::parse(out, nullptr, false);
    ASSERT_FALSE(json.is_discarded()) << out;
    EXPECT_EQ(json["journalled"], true);
    auto journal = Journal::open(journalFile);
    ASSERT_TRUE(journal.has_value());
    auto prints = PrintJournal::open(**journal, PrintPolicy{});
    ASSERT_TRUE(prints.has_value());
    EXPECT_EQ(*prints->successfulPrints(json["document_id"].get<std::string>()), 1);
}

}  // namespace
}  // namespace kiosk::printing
