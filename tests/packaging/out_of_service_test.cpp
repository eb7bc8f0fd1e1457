// Issue 17 item 4: `kiosk run` that cannot start shows the out-of-service screen — never a black
// screen, never an exit that systemd would turn into a restart loop. One test per start-up
// failure, each running the real `kiosk run --headless` (SDL offscreen) and checking:
//   - the exit code (3 after --exit-after-frames; 0 when stopped by SIGTERM),
//   - the log line "out of service (fault code X): <why>",
//   - the screen: the PNG the process wrote equals, pixel for pixel, the out-of-service screen
//     rendered here with the expected kiosk id, phone and fault code, whose texts (both
//     languages) are then read from the screen object, as journeys read screen text.
// The state-folder cases use a real tmpfs in a private mount namespace (root, like CI): one
// remounted read-only, one filled to the last byte.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sqlite3.h>
#include <stb_image.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <thread>

#include "screens/out_of_service.hpp"
#include "tests/support/free_port.hpp"
#include "tests/support/read_only_mount.hpp"
#include "tests/support/run_command.hpp"

namespace kiosk::test {
namespace {

const std::string kKiosk = KIOSK_BINARY;
constexpr const char* kPhone = "0731-8865 2000";

std::string configText(const std::string& dataDir, const std::string& extra = "") {
    return "[kiosk]\nid = \"WARD3-KIOSK-07\"\nservice_desk_phone = \"" + std::string(kPhone) + "\"\ndata_dir = \"" +
           dataDir +
           "\"\nassets_dir = \"" KIOSK_TEST_ASSETS_DIR
           "\"\n[journal]\naudit_salt = \"oos-test-salt-0123456789\"\n"
           "[voice]\nengine = \"none\"\n[[devices]]\nname = \"card\"\nclass = \"card_reader\"\ndriver = \"sim\"\n" +
           extra;
}

struct Pixels {
    int width = 0;
    int height = 0;
    std::vector<unsigned char> rgba;
};

Pixels readPng(const std::filesystem::path& file) {
    Pixels pixels;
    int channels = 0;
    unsigned char* data = stbi_load(file.c_str(), &pixels.width, &pixels.height, &channels, 4);
    if (data == nullptr) return pixels;
    pixels.rgba.assign(data, data + static_cast<size_t>(pixels.width) * pixels.height * 4);
    stbi_image_free(data);
    return pixels;
}

/// Renders the screen the kiosk should have shown and returns its texts; its PNG goes to `png`.
std::vector<std::string> expectedScreen(const std::string& reason, bool portrait, const std::filesystem::path& png) {
    screens::OutOfServiceInfo info;
    info.kioskId = "WARD3-KIOSK-07";
    info.serviceDeskPhone = kPhone;
    info.reason = reason;
    info.assetsDir = KIOSK_TEST_ASSETS_DIR;
    info.width = portrait ? 1080 : 1920;
    info.height = portrait ? 1920 : 1080;
    auto screen = screens::OutOfServiceScreen::open(info, true, false);
    if (!screen) {
        ADD_FAILURE() << screen.error().describe();
        return {};
    }
    auto written = (*screen)->screenshot(png);
    EXPECT_TRUE(written) << written.error().describe();
    return (*screen)->lines();
}

/// The screen's lines joined by spaces: a wrapped sentence reads as one again.
std::string joined(const std::vector<std::string>& lines) {
    std::string text;
    for (const auto& line : lines) text += line + " ";
    return text;
}

/// The whole check of one failure: exit code, log line, and the screen in both orientations.
void expectOutOfService(const std::string& reason, const std::string& why,
                        const std::function<CommandResult(const std::vector<std::string>&)>& runKiosk,
                        const std::filesystem::path& config, const TempDir& dir) {
    for (const bool portrait : {true, false}) {
        const std::string name = std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) +
                                 (portrait ? "-portrait" : "-landscape");
        const auto shown = dir.path() / (name + ".png");
        auto result =
            runKiosk({kKiosk, "run", "--config", config.string(), "--headless", "--exit-after-frames", "2",
                      "--orientation", portrait ? "portrait" : "landscape", "--screenshot-on-exit", shown.string()});
        EXPECT_EQ(result.exitCode, 3) << result.err;
        const std::string line = "out of service (fault code " + reason + "): ";
        const auto at = result.err.find(line);
        ASSERT_NE(at, std::string::npos) << result.err;
        EXPECT_NE(result.err.find(why, at), std::string::npos) << "the log line says why: " << why << "\n"
                                                               << result.err;

        const auto outputDir = std::filesystem::path(KIOSK_TEST_OUTPUT_DIR) / "packaging" / "out_of_service";
        std::filesystem::create_directories(outputDir);
        std::filesystem::copy_file(shown, outputDir / (name + ".png"),
                                   std::filesystem::copy_options::overwrite_existing);
        const auto expectedPng = dir.path() / (name + "-expected.png");
        const auto lines = expectedScreen(reason, portrait, expectedPng);
        const Pixels actual = readPng(shown);
        const Pixels expected = readPng(expectedPng);
        ASSERT_EQ(actual.width, portrait ? 1080 : 1920);
        ASSERT_EQ(actual.height, portrait ? 1920 : 1080);
        EXPECT_TRUE(actual.rgba == expected.rgba)
            << "the kiosk's screen differs from the out-of-service screen for " << reason;
        const std::string text = joined(lines);
        for (const char* expectedText :
             {"暂停服务", "Out of service", "本机暂时无法使用", "Please go to a staffed counter",
              "请致电服务台：0731-8865 2000", "call the service desk: 0731-8865 2000", "终端编号 WARD3-KIOSK-07",
              "Kiosk number WARD3-KIOSK-07"}) {
            EXPECT_NE(text.find(expectedText), std::string::npos) << expectedText << " not on the screen:\n" << text;
        }
        EXPECT_NE(text.find("Fault code: " + reason), std::string::npos) << text;
    }
}

TEST(OutOfService, ABadConfigShowsTheScreenWithTheKeyInTheLog) {
    TempDir dir;
    const auto config =
        dir.write("kiosk.toml", configText((dir.path() / "data").string(), "[session]\nidle_timeout_s = \"later\"\n"));
    expectOutOfService("config", "key 'session.idle_timeout_s'", runCommand, config, dir);
}

TEST(OutOfService, AConfigThatIsNotEvenTomlStillShowsTheScreen) {
    TempDir dir;
    const auto config = dir.write("kiosk.toml", "[kiosk\nid = \"WARD3-KIOSK-07\"\n");
    auto result = runCommand({kKiosk, "run", "--config", config.string(), "--headless", "--exit-after-frames", "2",
                              "--screenshot-on-exit", (dir.path() / "shown.png").string()});
    EXPECT_EQ(result.exitCode, 3) << result.err;
    EXPECT_NE(result.err.find("out of service (fault code config): "), std::string::npos) << result.err;
    const Pixels shown = readPng(dir.path() / "shown.png");
    EXPECT_EQ(shown.width, 1080) << "portrait, the default, when nothing can be read";
}

TEST(OutOfService, AMissingRequiredDeviceShowsTheScreen) {
    TempDir dir;
    // The site made the ID-card reader mandatory; it does not answer (the simulator's "offline").
    const auto config =
        dir.write("kiosk.toml", configText((dir.path() / "data").string(),
                                           "[[devices]]\nname = \"idcard\"\nclass = \"id_reader\"\ndriver = "
                                           "\"sim\"\nscenario = \"offline\"\nrequired = true\n"));
    expectOutOfService("device", "required device idcard", runCommand, config, dir);
}

TEST(OutOfService, AJournalFromANewerVersionIsRefusedAndKept) {
    TempDir dir;
    const auto data = dir.path() / "data";
    std::filesystem::create_directories(data);
    const auto journal = data / "journal.sqlite";
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(journal.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           "CREATE TABLE schema_version(component TEXT PRIMARY KEY, version INTEGER NOT NULL);"
                           "INSERT INTO schema_version VALUES('core', 99);",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
    const auto config = dir.write("kiosk.toml", configText(data.string()));
    expectOutOfService("journal_newer", "newer than this program", runCommand, config, dir);
    // Never downgraded: the newer version's mark is still there.
    ASSERT_EQ(sqlite3_open(journal.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT version FROM schema_version WHERE component = 'core'", -1, &stmt, nullptr),
              SQLITE_OK);
    ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
    EXPECT_EQ(sqlite3_column_int(stmt, 0), 99);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
}

/// Runs the kiosk in a child with its own mount namespace, where `folder` is a small tmpfs that
/// is either remounted read-only or filled to the last byte. The kiosk's exit code and stderr
/// come back through files outside the mount.
CommandResult runOnStateDisk(const std::filesystem::path& folder, bool full, const std::vector<std::string>& args,
                             bool& unsupported) {
    TempDir capture;
    std::filesystem::create_directories(folder);
    std::fflush(nullptr);
    const pid_t child = fork();
    if (child == 0) {
        if (unshare(CLONE_NEWNS) != 0 || mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
            mount("kiosk-test", folder.c_str(), "tmpfs", 0, "size=1m") != 0) {
            _exit(77);
        }
        if (full) {
            std::ofstream filler(folder / "filler", std::ios::binary);
            const std::string block(4096, 'x');
            while (filler.write(block.data(), static_cast<std::streamsize>(block.size()))) {
            }
        } else if (mount("kiosk-test", folder.c_str(), "tmpfs", MS_REMOUNT | MS_RDONLY, "size=1m") != 0) {
            _exit(77);
        }
        const CommandResult result = runCommand(args);
        std::ofstream(capture.path() / "err") << result.err;
        _exit(result.exitCode);
    }
    int status = 0;
    waitpid(child, &status, 0);
    CommandResult result;
    result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    unsupported = result.exitCode == 77;
    result.err = detail::slurp(capture.path() / "err");
    return result;
}

TEST(OutOfService, AReadOnlyStateFolderShowsTheScreen) {
    if (geteuid() != 0) GTEST_SKIP() << "a tmpfs in a mount namespace needs root (CI runs as root)";
    TempDir dir;
    const auto data = dir.path() / "data";
    const auto config = dir.write("kiosk.toml", configText(data.string()));
    bool unsupported = false;
    expectOutOfService(
        "state_read_only", "is mounted read-only",
        [&](const std::vector<std::string>& args) { return runOnStateDisk(data, false, args, unsupported); }, config,
        dir);
    EXPECT_FALSE(unsupported) << "the mount namespace or the tmpfs could not be made";
}

TEST(OutOfService, AFullDiskShowsTheScreen) {
    if (geteuid() != 0) GTEST_SKIP() << "a tmpfs in a mount namespace needs root (CI runs as root)";
    TempDir dir;
    const auto data = dir.path() / "data";
    const auto config = dir.write("kiosk.toml", configText(data.string()));
    bool unsupported = false;
    expectOutOfService(
        "disk_full", "the disk is full",
        [&](const std::vector<std::string>& args) { return runOnStateDisk(data, true, args, unsupported); }, config,
        dir);
    EXPECT_FALSE(unsupported) << "the mount namespace or the tmpfs could not be made";
}

TEST(OutOfService, AMetricsPortTakenShowsTheScreenNamingTheKey) {
    TempDir dir;
    const int port = freeLoopbackPort();
    const int taken = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(taken, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    ASSERT_EQ(listen(taken, 1), 0);
    const auto config = dir.write(
        "kiosk.toml",
        configText((dir.path() / "data").string(), "[metrics]\nlisten = \"127.0.0.1:" + std::to_string(port) + "\"\n"));
    expectOutOfService("metrics_listen", "metrics.listen", runCommand, config, dir);
    close(taken);
}

std::string httpGet(int port, const std::string& path) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    std::string answer;
    if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
        const std::string request = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
        (void)!write(fd, request.data(), request.size());
        char buffer[4096];
        ssize_t n = 0;
        while ((n = read(fd, buffer, sizeof buffer)) > 0) answer.append(buffer, static_cast<size_t>(n));
    }
    close(fd);
    return answer;
}

TEST(OutOfService, StaysUpWithTheMetricUntilSigtermThenExitsZero) {
    TempDir dir;
    const int port = freeLoopbackPort();
    const auto config =
        dir.write("kiosk.toml", configText((dir.path() / "data").string(),
                                           "[[devices]]\nname = \"idcard\"\nclass = \"id_reader\"\ndriver = "
                                           "\"sim\"\nscenario = \"offline\"\nrequired = true\n[metrics]\n"
                                           "listen = \"127.0.0.1:" +
                                               std::to_string(port) + "\"\n"));
    const auto errFile = dir.path() / "err";
    const pid_t child = fork();
    if (child == 0) {
        const int err = ::open(errFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(err, STDERR_FILENO);
        execl(kKiosk.c_str(), kKiosk.c_str(), "run", "--config", config.c_str(), "--headless",
              static_cast<char*>(nullptr));
        _exit(127);
    }
    std::string metrics;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline &&
           metrics.find("yizhan_startup_failure{") == std::string::npos) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        metrics = httpGet(port, "/metrics");
    }
    EXPECT_NE(metrics.find("yizhan_startup_failure{kiosk_id=\"WARD3-KIOSK-07\",mode=\"lobby\",reason=\"device\"} 1"),
              std::string::npos)
        << metrics;
    // Still up a second later: no exit for systemd to restart.
    std::this_thread::sleep_for(std::chrono::seconds(1));
    int status = 0;
    EXPECT_EQ(waitpid(child, &status, WNOHANG), 0) << "the kiosk exited instead of showing the screen";
    const auto stopAsked = std::chrono::steady_clock::now();
    kill(child, SIGTERM);
    ASSERT_EQ(waitpid(child, &status, 0), child);
    EXPECT_LT(std::chrono::steady_clock::now() - stopAsked, std::chrono::seconds(5));
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
    EXPECT_NE(detail::slurp(errFile).find("out of service (fault code device): required device idcard"),
              std::string::npos)
        << detail::slurp(errFile);
}

}  // namespace
}  // namespace kiosk::test
