// Issue 17 item 2: the kiosk speaks systemd's notify protocol (kiosk/ops/service_notifier.hpp).
// The test owns the notification socket (a unix datagram socket, as systemd's), starts the real
// `kiosk run --headless` with NOTIFY_SOCKET and WATCHDOG_USEC pointing at it, on the package's
// default config (deploy/config/kiosk.toml with the test's folders), and reads what arrives:
//   - READY=1 first, then WATCHDOG=1 from the UI loop, never further apart than the watchdog
//     interval, and STOPPING=1 when the loop ends;
//   - with KIOSK_FAILPOINT=ui_loop_hang the loop blocks after its first ping, and the pings stop
//     while the process is still there: what makes systemd's watchdog kill and restart it.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/temp_dir.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct Notification {
    Clock::time_point at;
    std::string text;
};

/// The socket systemd would own: the kiosk sends its datagrams here.
class NotifySocket {
public:
    explicit NotifySocket(const std::filesystem::path& path) : path_(path) {
        fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::snprintf(address.sun_path, sizeof address.sun_path, "%s", path.c_str());
        bound_ = fd_ >= 0 && bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    }
    ~NotifySocket() {
        if (fd_ >= 0) close(fd_);
    }
    NotifySocket(const NotifySocket&) = delete;
    NotifySocket& operator=(const NotifySocket&) = delete;
    bool bound() const { return bound_; }
    const std::filesystem::path& path() const { return path_; }

    /// Every datagram that arrives within `timeout`, or until one contains `until`.
    std::vector<Notification> receive(std::chrono::milliseconds timeout, const std::string& until = {}) {
        std::vector<Notification> got;
        const auto deadline = Clock::now() + timeout;
        while (Clock::now() < deadline) {
            pollfd ready{fd_, POLLIN, 0};
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
            if (poll(&ready, 1, static_cast<int>(std::max<int64_t>(1, left.count()))) <= 0) continue;
            char buffer[4096];
            const ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
            if (n <= 0) continue;
            got.push_back({Clock::now(), std::string(buffer, static_cast<size_t>(n))});
            if (!until.empty() && got.back().text.find(until) != std::string::npos) break;
        }
        return got;
    }

private:
    std::filesystem::path path_;
    int fd_ = -1;
    bool bound_ = false;
};

/// The package's default config, with the test's folders and the source tree's assets.
std::filesystem::path packagedConfig(const kiosk::test::TempDir& dir) {
    std::ifstream in(KIOSK_TEST_SOURCE_ROOT "/deploy/config/kiosk.toml");
    std::stringstream text;
    text << in.rdbuf();
    std::string config = text.str();
    const auto data = (dir.path() / "data").string();
    config = std::regex_replace(config, std::regex("/var/lib/yizhan"), data);
    config = std::regex_replace(config, std::regex("/var/log/yizhan"), (dir.path() / "logs").string());
    config = std::regex_replace(config, std::regex("\"/usr/share/yizhan\""), "\"" KIOSK_TEST_SOURCE_ROOT "/assets\"");
    return dir.write("kiosk.toml", config);
}

/// `kiosk run --headless` with systemd's variables (and `extraEnv`); returns its pid.
pid_t startKiosk(const std::filesystem::path& config, const NotifySocket& socket, std::chrono::microseconds watchdog,
                 const std::vector<std::string>& extraArgs, const std::vector<std::string>& extraEnv,
                 const std::filesystem::path& stderrFile) {
    const pid_t pid = fork();
    if (pid != 0) return pid;
    setenv("NOTIFY_SOCKET", socket.path().c_str(), 1);
    setenv("WATCHDOG_USEC", std::to_string(watchdog.count()).c_str(), 1);
    unsetenv("WATCHDOG_PID");
    unsetenv("KIOSK_FAILPOINT");
    for (const auto& pair : extraEnv) putenv(const_cast<char*>(pair.c_str()));
    if (FILE* err = std::fopen(stderrFile.c_str(), "w")) dup2(fileno(err), STDERR_FILENO);
    std::vector<std::string> args = {"kiosk", "run", "--headless", "--config", config.string()};
    args.insert(args.end(), extraArgs.begin(), extraArgs.end());
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    execv(KIOSK_BINARY, argv.data());
    _exit(127);
}

int count(const std::vector<Notification>& got, const std::string& what) {
    int n = 0;
    for (const auto& note : got) n += note.text.find(what) != std::string::npos ? 1 : 0;
    return n;
}

std::string describe(const std::vector<Notification>& got) {
    std::string out;
    const auto start = got.empty() ? Clock::now() : got.front().at;
    for (const auto& note : got) {
        out += std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(note.at - start).count()) + " ms: " +
               note.text + "\n";
    }
    return out;
}

std::string readFile(const std::filesystem::path& file) {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

TEST(SystemdNotify, ReadyThenWatchdogFromTheLoopThenStopping) {
    kiosk::test::TempDir dir;
    NotifySocket socket(dir.path() / "notify.sock");
    ASSERT_TRUE(socket.bound());
    const auto watchdog = std::chrono::microseconds(2s);  // WatchdogSec=2: a ping every second
    // An idle attract screen redraws once a minute: the frames counted here are the loop's
    // watchdog turns, so the kiosk ends after about 6 pings.
    const pid_t pid = startKiosk(packagedConfig(dir), socket, watchdog, {"--exit-after-frames", "9"}, {},
                                 dir.path() / "kiosk.err");
    const auto got = socket.receive(60s, "STOPPING=1");
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status)) << readFile(dir.path() / "kiosk.err");
    EXPECT_EQ(WEXITSTATUS(status), 0) << readFile(dir.path() / "kiosk.err");
    ASSERT_FALSE(got.empty()) << "no notification at all\n" << readFile(dir.path() / "kiosk.err");
    EXPECT_NE(got.front().text.find("READY=1"), std::string::npos) << describe(got);
    EXPECT_EQ(count(got, "READY=1"), 1) << describe(got);
    EXPECT_GE(count(got, "WATCHDOG=1"), 5) << describe(got);
    EXPECT_NE(got.back().text.find("STOPPING=1"), std::string::npos) << describe(got);
    // No gap between two pings reaches the watchdog interval (systemd would kill the kiosk).
    Clock::time_point last{};
    for (const auto& note : got) {
        if (note.text.find("WATCHDOG=1") == std::string::npos) continue;
        if (last != Clock::time_point{}) {
            EXPECT_LT(note.at - last, watchdog) << describe(got);
        }
        last = note.at;
    }
}

TEST(SystemdNotify, AHungLoopStopsTheWatchdogPings) {
    kiosk::test::TempDir dir;
    NotifySocket socket(dir.path() / "notify.sock");
    ASSERT_TRUE(socket.bound());
    const auto watchdog = std::chrono::microseconds(1s);  // a ping every 500 ms while the loop turns
    const pid_t pid = startKiosk(packagedConfig(dir), socket, watchdog, {}, {"KIOSK_FAILPOINT=ui_loop_hang"},
                                 dir.path() / "kiosk.err");
    auto got = socket.receive(60s, "WATCHDOG=1");
    ASSERT_EQ(count(got, "READY=1"), 1) << describe(got) << readFile(dir.path() / "kiosk.err");
    ASSERT_EQ(count(got, "WATCHDOG=1"), 1) << describe(got);
    // Three watchdog intervals: a turning loop would have pinged six times.
    const auto after = socket.receive(3s);
    int status = 0;
    const bool stillRunning = waitpid(pid, &status, WNOHANG) == 0;
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    EXPECT_TRUE(stillRunning) << "the kiosk exited instead of hanging\n" << readFile(dir.path() / "kiosk.err");
    EXPECT_EQ(count(after, "WATCHDOG=1"), 0) << describe(after);
    EXPECT_NE(readFile(dir.path() / "kiosk.err").find("ui_loop_hang"), std::string::npos);
}

}  // namespace
