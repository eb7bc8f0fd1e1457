#pragma once
// Starts and stops the real pcscd (with vsmartcard-vpcd's readers from /etc/reader.conf.d/vpcd)
// for the card tests, as harness.md §1 says: stale /run/pcscd cleaned first, `pcscd
// --foreground` spawned, readiness waited for (the socket, then a context that lists the vpcd
// reader) — never a fixed sleep. Runs as root without systemd.
#include <PCSC/winscard.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
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

    PcscDaemon() = default;
    ~PcscDaemon() { stop(); }
    PcscDaemon(const PcscDaemon&) = delete;
    PcscDaemon& operator=(const PcscDaemon&) = delete;

    /// Empty on success, else why pcscd could not be started.
    std::string start() {
        if (std::string foreign = foreignDaemon(); !foreign.empty()) return foreign;
        std::error_code ec;
        // A pcscd killed with -9 leaves pcscd.comm and pcscd.pid behind; a new one then refuses.
        std::filesystem::remove_all(kRunDir, ec);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
        char arg0[] = "pcscd";
        char arg1[] = "--foreground";
        char* argv[] = {arg0, arg1, nullptr};
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
        return "pcscd did not become ready within 10 s";
    }

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
};

inline drivers::sim::SampleData samplePeople() {
    auto people = drivers::sim::SampleData::load(std::filesystem::path(KIOSK_TEST_ASSETS_DIR) / "sim" / "people.json");
    return people ? *people : drivers::sim::SampleData{};
}

}  // namespace kiosk::test
