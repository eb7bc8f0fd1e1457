#pragma once
// hospital-sim in a child process, for the benchmark programs (plain programs, no gtest): started
// on a free loopback port below the ephemeral range (free_port.hpp) and stopped with SIGTERM, then
// SIGKILL if it has not exited after a grace period, so a benchmark never waits on it forever.
//
// The child's stdout is read until its "hospital-sim listening on http://HOST:PORT" line
// (sim/hospital/main.cpp prints it once it accepts connections); stdout closing before that line
// means it could not listen (another process took the port between the check and its bind), and
// the next free port is tried. Its stderr goes to /dev/null: benchmarks print only numbers.
//
// Header-only; the includer defines HOSPITAL_SIM_EXE (the executable's path).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/free_port.hpp"

namespace kiosk::test {

class HospitalSimChild {
public:
    /// Starts `hospitalSimExe --listen 127.0.0.1:PORT --data DATA_DIR EXTRA...`. port() is 0 when
    /// it did not start; error() says why.
    HospitalSimChild(std::string hospitalSimExe, const std::filesystem::path& dataDir, std::vector<std::string> extraArgs)
        : exe_(std::move(hospitalSimExe)) {
        auto started = startOnFreePort([&](int port) { return launch(port, dataDir, extraArgs); });
        if (started) port_ = *started;
        else error_ = started.error();
    }
    ~HospitalSimChild() { stop(); }
    HospitalSimChild(const HospitalSimChild&) = delete;
    HospitalSimChild& operator=(const HospitalSimChild&) = delete;

    int port() const { return port_; }
    const std::string& error() const { return error_; }

    /// SIGTERM, up to `grace` for the exit, then SIGKILL. Idempotent. Returns false only when the
    /// child had to be killed (it did not end on SIGTERM).
    bool stop(std::chrono::milliseconds grace = std::chrono::seconds(5)) {
        if (pid_ <= 0) return true;
        bool endedOnTerm = true;
        kill(pid_, SIGTERM);
        int status = 0;
        const auto deadline = std::chrono::steady_clock::now() + grace;
        while (waitpid(pid_, &status, WNOHANG) == 0) {
            if (std::chrono::steady_clock::now() >= deadline) {
                std::fprintf(stderr, "hospital-sim (pid %d) did not exit %lld ms after SIGTERM: killed\n", static_cast<int>(pid_),
                             static_cast<long long>(grace.count()));
                kill(pid_, SIGKILL);
                waitpid(pid_, &status, 0);
                endedOnTerm = false;
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        pid_ = -1;
        return endedOnTerm;
    }

private:
    PortStart launch(int port, const std::filesystem::path& dataDir, const std::vector<std::string>& extraArgs) {
        int out[2];
        if (pipe(out) != 0) return PortStart::failed;
        std::vector<std::string> args = {exe_, "--listen", "127.0.0.1:" + std::to_string(port), "--data", dataDir.string()};
        args.insert(args.end(), extraArgs.begin(), extraArgs.end());
        pid_ = fork();
        if (pid_ < 0) {
            close(out[0]);
            close(out[1]);
            return PortStart::failed;
        }
        if (pid_ == 0) {
            dup2(out[1], STDOUT_FILENO);
            const int null = open("/dev/null", O_WRONLY);
            dup2(null, STDERR_FILENO);
            close(out[0]);
            std::vector<char*> argv;
            for (auto& a : args) argv.push_back(a.data());
            argv.push_back(nullptr);
            execv(argv[0], argv.data());
            _exit(127);
        }
        close(out[1]);
        std::string text;  // "hospital-sim listening on http://127.0.0.1:PORT"
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        bool exited = false;
        while (std::chrono::steady_clock::now() < deadline && text.find('\n') == std::string::npos) {
            pollfd p{out[0], POLLIN, 0};
            if (poll(&p, 1, 200) <= 0) continue;
            char buffer[256];
            const ssize_t n = read(out[0], buffer, sizeof buffer);
            if (n <= 0) {
                exited = true;  // stdout closed before the line: it could not listen
                break;
            }
            text.append(buffer, static_cast<size_t>(n));
        }
        close(out[0]);
        const auto colon = text.rfind(':');
        if (text.find("listening on") != std::string::npos && colon != std::string::npos && std::atoi(text.c_str() + colon + 1) == port)
            return PortStart::listening;
        stop();
        return exited ? PortStart::port_taken : PortStart::failed;
    }

    std::string exe_;
    pid_t pid_ = -1;
    int port_ = 0;
    std::string error_;
};

}  // namespace kiosk::test
