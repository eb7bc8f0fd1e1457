#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "kiosk/core/journal.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiosk {
namespace {

using test::TempDir;

TEST(Journal, CreatesWalJournalWithFullSyncAndCoreSchema) {
    TempDir dir;
    auto journal = Journal::open(dir.path() / "j" / "journal.sqlite");
    ASSERT_TRUE(journal.has_value()) << journal.error().detail;
    auto mode = (*journal)->prepare("PRAGMA journal_mode");
    ASSERT_TRUE(mode.has_value());
    ASSERT_TRUE(*mode->step());
    EXPECT_EQ(mode->text(0), "wal");
    auto sync = (*journal)->prepare("PRAGMA synchronous");
    ASSERT_TRUE(*sync->step());
    EXPECT_EQ(sync->integer(0), 2) << "2 = FULL";
    EXPECT_EQ((*journal)->schemaVersion("core").value(), 1);
}

TEST(Journal, MigrationsRunOnceInOrderAndSurviveReopen) {
    TempDir dir;
    const auto file = dir.path() / "journal.sqlite";
    const std::vector<Migration> v1 = {{1, "CREATE TABLE t(a INTEGER)"}};
    const std::vector<Migration> v2 = {{1, "CREATE TABLE t(a INTEGER)"}, {2, "ALTER TABLE t ADD COLUMN b TEXT"}};
    {
        auto journal = Journal::open(file);
        ASSERT_TRUE(journal.has_value());
        ASSERT_TRUE((*journal)->migrate("demo", v1).has_value());
        ASSERT_TRUE((*journal)->exec("INSERT INTO t(a) VALUES (7)").has_value());
    }
    auto journal = Journal::open(file);
    ASSERT_TRUE(journal.has_value());
    ASSERT_TRUE((*journal)->migrate("demo", v2).has_value()) << "v1 must not run twice";
    EXPECT_EQ((*journal)->schemaVersion("demo").value(), 2);
    auto row = (*journal)->prepare("SELECT a, b FROM t");
    ASSERT_TRUE(*row->step());
    EXPECT_EQ(row->integer(0), 7);
    EXPECT_TRUE(row->isNull(1));
}

TEST(Journal, FailedMigrationRollsBackAndKeepsVersion) {
    TempDir dir;
    auto journal = Journal::open(dir.path() / "journal.sqlite");
    ASSERT_TRUE(journal.has_value());
    auto result = (*journal)->migrate("demo", {{1, "CREATE TABLE ok(a); CREATE TABLE broken(("}});
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ((*journal)->schemaVersion("demo").value(), 0);
    EXPECT_FALSE((*journal)->prepare("SELECT * FROM ok").has_value()) << "partial migration must be rolled back";
}

TEST(Journal, RefusesANewerSchema) {
    TempDir dir;
    auto journal = Journal::open(dir.path() / "journal.sqlite");
    ASSERT_TRUE((*journal)->migrate("demo", {{1, "CREATE TABLE a(x)"}, {2, "CREATE TABLE b(x)"}}).has_value());
    auto older = (*journal)->migrate("demo", {{1, "CREATE TABLE a(x)"}});
    ASSERT_FALSE(older.has_value());
    EXPECT_NE(older.error().detail.find("newer than this program"), std::string::npos);
}

TEST(Journal, NeverRecreatesOverAFileThatIsNotAJournal) {
    TempDir dir;
    const auto file = dir.write("journal.sqlite", "these are the finance team's notes, not a database\n");
    auto journal = Journal::open(file);
    ASSERT_FALSE(journal.has_value());
    EXPECT_EQ(journal.error().code, Errc::journal_corrupt);
    EXPECT_NE(journal.error().detail.find("left untouched"), std::string::npos);
    std::ifstream in(file);
    std::string content((std::istreambuf_iterator<char>(in)), {});
    EXPECT_EQ(content, "these are the finance team's notes, not a database\n");
}

TEST(Journal, CorruptPagesAreReportedNotRecreated) {
    TempDir dir;
    const auto file = dir.path() / "journal.sqlite";
    {
        auto journal = Journal::open(file);
        ASSERT_TRUE(journal.has_value());
        ASSERT_TRUE((*journal)->migrate("demo", {{1, "CREATE TABLE t(a TEXT)"}}).has_value());
        for (int i = 0; i < 200; ++i) {
            ASSERT_TRUE((*journal)->exec("INSERT INTO t VALUES (hex(randomblob(200)))").has_value());
        }
        ASSERT_TRUE((*journal)->exec("PRAGMA wal_checkpoint(TRUNCATE)").has_value());
    }
    // Overwrite the middle of the file (past the header page) with garbage.
    {
        std::fstream io(file, std::ios::in | std::ios::out | std::ios::binary);
        io.seekp(4096 * 3);
        const std::string garbage(8192, '\x5A');
        io.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
    }
    const auto sizeBefore = std::filesystem::file_size(file);
    auto journal = Journal::open(file);
    ASSERT_FALSE(journal.has_value());
    EXPECT_EQ(journal.error().code, Errc::journal_corrupt) << journal.error().detail;
    EXPECT_EQ(std::filesystem::file_size(file), sizeBefore);
}

TEST(Journal, LockedByAnotherWriterGivesAClearError) {
    TempDir dir;
    const auto file = dir.path() / "journal.sqlite";
    ASSERT_TRUE(Journal::open(file).has_value());
    // Another connection holds an exclusive lock, like a second kiosk process would.
    sqlite3* other = nullptr;
    ASSERT_EQ(sqlite3_open(file.c_str(), &other), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(other, "PRAGMA locking_mode=EXCLUSIVE; BEGIN EXCLUSIVE;", nullptr, nullptr, nullptr), SQLITE_OK);
    auto journal = Journal::open(file, std::chrono::milliseconds(100));
    sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr);
    sqlite3_close(other);
    ASSERT_FALSE(journal.has_value());
    EXPECT_EQ(journal.error().code, Errc::journal_unavailable);
    EXPECT_NE(journal.error().detail.find("another kiosk process"), std::string::npos) << journal.error().detail;
}

TEST(Journal, ReadOnlyFileGivesAClearError) {
    if (geteuid() == 0) GTEST_SKIP() << "root ignores file permissions; the read-only case cannot be made here";
    TempDir dir;
    const auto file = dir.path() / "journal.sqlite";
    ASSERT_TRUE(Journal::open(file).has_value());
    std::filesystem::permissions(file, std::filesystem::perms::owner_read);
    auto journal = Journal::open(file);
    ASSERT_FALSE(journal.has_value());
    EXPECT_EQ(journal.error().code, Errc::journal_unavailable);
}

TEST(Journal, ReadOnlyFolderGivesAClearError) {
    // A read-only mount is simulated with a path under /proc, which nobody (not even root) can
    // create files in.
    auto journal = Journal::open("/proc/kiosk-cannot-write-here/journal.sqlite");
    ASSERT_FALSE(journal.has_value());
    EXPECT_EQ(journal.error().code, Errc::journal_unavailable);
    EXPECT_NE(journal.error().detail.find("/proc/kiosk-cannot-write-here"), std::string::npos);
}

TEST(Journal, AuditTrailIsKeyedBySaltedHashNotIdentity) {
    TempDir dir;
    auto journal = Journal::open(dir.path() / "journal.sqlite");
    ASSERT_TRUE(journal.has_value());
    const std::string idNumber = "430104195611200319";
    const std::string hash = saltedHash("site-salt-0123456789", idNumber);
    EXPECT_EQ(hash.size(), 64U);
    EXPECT_NE(hash, saltedHash("other-salt-0123456789", idNumber));
    auto id = (*journal)->auditSessionStart(hash, "social_security_card", "K1");
    ASSERT_TRUE(id.has_value());
    ASSERT_TRUE((*journal)->auditEvent(*id, "screen:menu").has_value());
    ASSERT_TRUE((*journal)->auditSessionEnd(*id, "idle_timeout").has_value());
    // Nothing in the file contains the identity in clear.
    ASSERT_TRUE((*journal)->exec("PRAGMA wal_checkpoint(TRUNCATE)").has_value());
    std::ifstream in(dir.path() / "journal.sqlite", std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    EXPECT_EQ(bytes.find(idNumber), std::string::npos);
    EXPECT_NE(bytes.find(hash), std::string::npos);
    auto row = (*journal)->prepare("SELECT end_reason FROM audit_session WHERE id = ?1");
    row->bind(1, *id);
    ASSERT_TRUE(*row->step());
    EXPECT_EQ(row->text(0), "idle_timeout");
}

}  // namespace
}  // namespace kiosk
