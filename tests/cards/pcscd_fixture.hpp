#pragma once
// Starts and stops the real pcscd with vsmartcard-vpcd's reader for the card tests, as
// harness.md §1 says: stale /run/pcscd cleaned first, `pcscd --foreground` spawned, readiness
// waited for (the socket, then a context that lists the vpcd reader) — never a fixed sleep.
// Runs as root without systemd.
//
// Why not /etc/reader.conf.d/vpcd: it puts vpcd on TCP port 35963, inside Linux's ephemeral
// range (32768–60999). Any test running beside us whose HTTP client happens to get 35963 as its
// local port makes vpcd's bind fail ("Could not initialize connection to virtual ICC"), the
// reader never appears and every card test fails for as long as that connection lives (a CI run
// failed that way). So the fixture writes its own reader.conf.d with the same reader
// name on a port below the ephemeral range, checked free before pcscd starts.
#include <PCSC/winscard.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "drivers/sim/sample_data.hpp"
#include "drivers/transport/pcsc.hpp"

extern char** environ;

namespace kiosk::test {

class PcscDaemon {
public:
    static constexpr const char* kRunDir = "/run/pcscd";
    static constexpr const char* kSocket = "/run/pcscd/pcscd.comm";
    /// First port tried for vpcd; below ip_local_port_range, so no client socket lands on it.
    static constexpr uint16_t kFirstVpcdPort = 23963;
    static constexpr const char* kVpcdLibrary = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so";

    PcscDaemon() = default;
    ~PcscDaemon() {
        stop();
        std::error_code ec;
        if (!readerConfDir_.empty()) std::filesystem::remove_all(readerConfDir_.parent_path(), ec);
    }
    PcscDaemon(const PcscDaemon&) = delete;
    PcscDaemon& operator=(const PcscDaemon&) = delete;

    /// Empty on success, else why pcscd could not be started.
    std::string start() {
        if (std::string foreign = foreignDaemon(); !foreign.empty()) return foreign;
        if (std::string problem = writeReaderConf(); !problem.empty()) return problem;
        std::error_code ec;
        // A pcscd killed with -9 leaves pcscd.comm and pcscd.pid behind; a new one then refuses.
        std::filesystem::remove_all(kRunDir, ec);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
        char arg0[] = "pcscd";
        char arg1[] = "--foreground";
        char arg2[] = "--config";
        std::string confDir = readerConfDir_.string();
        char* argv[] = {arg0, arg1, arg2, confDir.data(), nullptr};
        const int rc = posix_spawnp(&pid_, "pcscd", &actions, nullptr, argv, environ);
        posix_spawn_file_actions_destroy(&actions);
        if (rc != 0) {
            pid_ = -1;
            return "cannot spawn pcscd (is the pcscd package installed? scripts/install-deps.sh)";
        }
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (std::chrono::steady_clock::now() < deadline) {
            int status = 0;
            if (waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                return "pcscd exited during start-up";
            }
            if (std::filesystem::exists(kSocket) && vpcdReaderListed()) return {};
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        if (!std::filesystem::exists(kSocket)) return "pcscd did not open " + std::string(kSocket) + " within 10 s";
        return "pcscd is up but the vpcd reader did not appear within 10 s (is TCP port " +
               std::to_string(vpcdPort_) + " taken? ss -tanp | grep " + std::to_string(vpcdPort_) + ")";
    }

    /// The TCP port the virtual card must connect to (valid after start()).
    uint16_t vpcdPort() const { return vpcdPort_; }

    void stop() {
        if (pid_ <= 0) return;
        kill(pid_, SIGTERM);
        int status = 0;
        waitpid(pid_, &status, 0);
        pid_ = -1;
        std::error_code ec;
        std::filesystem::remove_all(kRunDir, ec);
    }

    /// Kills pcscd hard (as a crash would), leaving its stale files behind.
    void crash() {
        if (pid_ <= 0) return;
        kill(pid_, SIGKILL);
        int status = 0;
        waitpid(pid_, &status, 0);
        pid_ = -1;
    }

    bool running() const { return pid_ > 0; }

private:
    /// Picks a free port and writes a reader.conf.d naming vpcd's reader "Virtual PCD" on it, once
    /// per daemon: a restarted pcscd must keep the port the card reconnects to.
    std::string writeReaderConf() {
        if (!readerConfDir_.empty()) return {};
        for (uint16_t candidate = kFirstVpcdPort; candidate < kFirstVpcdPort + 32 && vpcdPort_ == 0; ++candidate) {
            if (portFree(candidate)) vpcdPort_ = candidate;
        }
        if (vpcdPort_ == 0) return "no free TCP port for vpcd in " + std::to_string(kFirstVpcdPort) + "+32";
        if (!std::filesystem::exists(kVpcdLibrary)) {
            return std::string("vpcd is not installed (") + kVpcdLibrary + "; scripts/install-deps.sh)";
        }
        const auto dir = std::filesystem::temp_directory_path() / ("kiosk-pcscd-" + std::to_string(getpid())) / "reader.conf.d";
        std::error_code ec;
        std::filesystem::create_directories(dir, ec);
        std::ofstream conf(dir / "vpcd", std::ios::trunc);
        char hexPort[8];
        std::snprintf(hexPort, sizeof hexPort, "%04X", vpcdPort_);
        conf << "FRIENDLYNAME \"Virtual PCD\"\n"
             << "DEVICENAME   /dev/null:0x" << hexPort << "\n"
             << "LIBPATH      " << kVpcdLibrary << "\n"
             << "CHANNELID    0x" << hexPort << "\n";
        conf.close();
        if (!conf) return "cannot write " + (dir / "vpcd").string();
        readerConfDir_ = dir;
        return {};
    }

    /// True when a listening socket could bind `port` on all addresses (as vpcd does).
    static bool portFree(uint16_t port) {
        const int probe = socket(AF_INET, SOCK_STREAM, 0);
        if (probe < 0) return false;
        const int yes = 1;
        setsockopt(probe, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_ANY);
        const bool free = bind(probe, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
        close(probe);
        return free;
    }

    static bool vpcdReaderListed() {
        SCARDCONTEXT context = 0;
        if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &context) != SCARD_S_SUCCESS) return false;
        DWORD length = 0;
        const LONG rv = SCardListReaders(context, nullptr, nullptr, &length);
        SCardReleaseContext(context);
        return rv == SCARD_S_SUCCESS && length > 1;
    }

    /// A pcscd we did not start (systemd socket activation, a previous run) would fight ours.
    static std::string foreignDaemon() {
        std::ifstream pidFile(std::string(kRunDir) + "/pcscd.pid");
        pid_t pid = 0;
        if (pidFile >> pid && pid > 0 && kill(pid, 0) == 0) {
            std::ifstream comm("/proc/" + std::to_string(pid) + "/comm");
            std::string name;
            comm >> name;
            if (name == "pcscd") {
                return "another pcscd (pid " + std::to_string(pid) +
                       ") is running; stop it first (systemctl stop pcscd.socket pcscd.service)";
            }
        }
        return {};
    }

    pid_t pid_ = -1;
    uint16_t vpcdPort_ = 0;
    std::filesystem::path readerConfDir_;
};

inline drivers::sim::SampleData samplePeople() {
    auto people = drivers::sim::SampleData::load(std::filesystem::path(KIOSK_TEST_ASSETS_DIR) / "sim" / "people.json");
    return people ? *people : drivers::sim::SampleData{};
}

}  // namespace kiosk::test
