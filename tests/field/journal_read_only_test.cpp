// Issue 19 item 13: a journal on a read-only disk is reported as such, not as "another kiosk
// process". The disk is a real read-only mount (tests/support/read_only_mount.hpp): the tests run
// as root, and root writes through any chmod.
#include <gtest/gtest.h>

#include <fstream>

#include "kiosk/core/journal.hpp"
#include "tests/support/read_only_mount.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiosk {
namespace {

/// Opens the journal at `file` in the child and writes "code|detail" to stdout.
int openAndReport(const std::filesystem::path& file) {
    auto journal = Journal::open(file, std::chrono::milliseconds(100));
    if (journal) {
        std::printf("opened|\n");
        return 0;
    }
    std::printf("%s|%s\n", std::string(errcName(journal.error().code)).c_str(), journal.error().detail.c_str());
    return 1;
}

void expectReadOnlyMessage(const test::ReadOnlyRun& run, const std::string& folder) {
    EXPECT_EQ(run.exitCode, 1) << run.out << run.err;
    EXPECT_EQ(run.out.rfind("journal_unavailable|", 0), 0U) << run.out;
    EXPECT_NE(run.out.find("mounted read-only"), std::string::npos) << run.out;
    EXPECT_NE(run.out.find(folder), std::string::npos) << run.out;
    EXPECT_EQ(run.out.find("another kiosk process is using"), std::string::npos) << run.out;
    EXPECT_EQ(run.out.find("is another kiosk process"), std::string::npos) << run.out;
}

TEST(JournalReadOnlyDisk, AnExistingJournalOnAReadOnlyMountSaysTheDiskIsReadOnly) {
    test::TempDir dir;
    const auto mountPoint = dir.path() / "disk";
    const auto file = mountPoint / "journal.sqlite";
    auto run = test::runOnReadOnlyMount(
        mountPoint, [&](const std::filesystem::path&) { (void)Journal::open(file); },  // a journal written earlier
        [&] { return openAndReport(file); });
    if (run.unsupported) GTEST_SKIP() << "no mount namespace here: " << run.why;
    expectReadOnlyMessage(run, mountPoint.string());
}

TEST(JournalReadOnlyDisk, ANewJournalOnAReadOnlyMountSaysTheDiskIsReadOnly) {
    test::TempDir dir;
    const auto mountPoint = dir.path() / "disk";
    auto run = test::runOnReadOnlyMount(mountPoint, [](const std::filesystem::path&) {},
                                        [&] { return openAndReport(mountPoint / "journal.sqlite"); });
    if (run.unsupported) GTEST_SKIP() << "no mount namespace here: " << run.why;
    expectReadOnlyMessage(run, mountPoint.string());
    // Its folder missing too: creating the folder fails first, with the same diagnosis.
    auto nested = test::runOnReadOnlyMount(mountPoint, [](const std::filesystem::path&) {},
                                           [&] { return openAndReport(mountPoint / "kiosk" / "journal.sqlite"); });
    expectReadOnlyMessage(nested, mountPoint.string());
}

TEST(JournalReadOnlyDisk, ALockHeldByAnotherProcessIsStillCalledALock) {
    test::TempDir dir;
    const auto file = dir.path() / "journal.sqlite";
    ASSERT_TRUE(Journal::open(file).has_value());
    sqlite3* other = nullptr;
    ASSERT_EQ(sqlite3_open(file.c_str(), &other), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(other, "PRAGMA locking_mode=EXCLUSIVE; BEGIN EXCLUSIVE;", nullptr, nullptr, nullptr), SQLITE_OK);
    auto journal = Journal::open(file, std::chrono::milliseconds(100));
    sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr);
    sqlite3_close(other);
    ASSERT_FALSE(journal.has_value());
    EXPECT_NE(journal.error().detail.find("another kiosk process"), std::string::npos) << journal.error().detail;
    EXPECT_EQ(journal.error().detail.find("read-only"), std::string::npos) << journal.error().detail;
}

}  // namespace
}  // namespace kiosk
