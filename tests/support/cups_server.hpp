#pragma once
// A private cupsd for tests (harness.md §5): its own ServerRoot, spool and domain socket in a
// fresh folder (the host's CUPS is not touched), a cups-pdf queue "KioskPDF" whose output lands in
// <root>/out (per-queue config /etc/cups/cups-pdf-<instance>.conf, removed afterwards) and a raw
// queue "Unreachable" to a loopback port where nothing listens. Stopped (SIGTERM, waited for) by
// stop() or the destructor. Used by tests/printing/cups_report_test.cpp and tests/ui/reports_journey_test.cpp.
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

namespace kiosk::test {

/// Runs a shell command; its exit status (-1 when it could not run), output in `output`.
inline int runShell(const std::string& command, std::string* output = nullptr) {
    FILE* pipe = popen((command + " 2>&1").c_str(), "r");
    if (pipe == nullptr) return -1;
    char buffer[4096];
    size_t n = 0;
    std::string text;
    while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) text.append(buffer, n);
    const int status = pclose(pipe);
    if (output != nullptr) *output = text;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class CupsServer {
public:
    /// Starts cupsd and adds the queues; error() says why not when it could not.
    CupsServer() {
        char pattern[] = "/tmp/kiosk-cups-XXXXXX";
        if (mkdtemp(pattern) == nullptr) {
            error_ = "mkdtemp failed";
            return;
        }
        root_ = pattern;
        chmod(root_.c_str(), 0755);
        for (const char* sub : {"spool", "tmp", "cache", "state", "log", "out"}) std::filesystem::create_directories(root_ / sub);
        chmod((root_ / "tmp").c_str(), 01777);  // filters run as lp
        chmod((root_ / "out").c_str(), 01777);
        socket_ = root_ / "cups.sock";
        std::ofstream(root_ / "cupsd.conf") << "LogLevel warn\nListen " << socket_.string()
                                            << "\nBrowsing No\nWebInterface No\nDefaultAuthType None\n"
                                               "<Location />\n  Order allow,deny\n  Allow all\n</Location>\n"
                                               "<Policy default>\n  <Limit All>\n    Order deny,allow\n  </Limit>\n</Policy>\n";
        std::ofstream(root_ / "cups-files.conf") << "ServerRoot " << root_.string() << "\nRequestRoot " << (root_ / "spool").string()
                                                 << "\nTempDir " << (root_ / "tmp").string() << "\nCacheDir " << (root_ / "cache").string()
                                                 << "\nStateDir " << (root_ / "state").string() << "\nAccessLog "
                                                 << (root_ / "log/access_log").string() << "\nErrorLog "
                                                 << (root_ / "log/error_log").string() << "\nPageLog "
                                                 << (root_ / "log/page_log").string()
                                                 << "\nServerBin /usr/lib/cups\nDataDir /usr/share/cups\n";
        pid_ = fork();
        if (pid_ == 0) {
            execl("/usr/sbin/cupsd", "cupsd", "-f", "-c", (root_ / "cupsd.conf").c_str(), "-s", (root_ / "cups-files.conf").c_str(),
                  static_cast<char*>(nullptr));
            _exit(127);
        }
        // Readiness: the scheduler answers on its socket (never a fixed sleep).
        bool ready = false;
        for (int i = 0; i < 200 && !ready && pid_ > 0; ++i) {
            ready = std::filesystem::exists(socket_) && runShell("lpstat -h " + socket_.string() + " -r") == 0;
            if (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        if (!ready) {
            error_ = "cupsd did not start; see " + (root_ / "log/error_log").string();
            return;
        }
        instance_ = "yizhan" + std::to_string(getpid()) + "r";
        cupsPdfConf_ = "/etc/cups/cups-pdf-" + instance_ + ".conf";
        std::ofstream(cupsPdfConf_) << "Out " << (root_ / "out").string() << "\nLabel 1\n";
        std::string output;
        if (runShell("lpadmin -h " + socket_.string() + " -p KioskPDF -E -v cups-pdf:/" + instance_ +
                         " -P /usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd",
                     &output) != 0) {
            error_ = "lpadmin KioskPDF: " + output;
            return;
        }
        // Port 9 (discard) on loopback: nothing listens, the socket backend keeps retrying.
        if (runShell("lpadmin -h " + socket_.string() + " -p Unreachable -E -v socket://127.0.0.1:9 -m raw", &output) != 0) {
            error_ = "lpadmin Unreachable: " + output;
        }
    }
    ~CupsServer() { stop(); }
    CupsServer(const CupsServer&) = delete;
    CupsServer& operator=(const CupsServer&) = delete;

    void stop() {
        if (pid_ > 0) {
            kill(pid_, SIGTERM);
            int status = 0;
            waitpid(pid_, &status, 0);
            pid_ = -1;
        }
        std::error_code ec;
        if (!cupsPdfConf_.empty()) std::filesystem::remove(cupsPdfConf_, ec);
        if (!root_.empty()) std::filesystem::remove_all(root_, ec);
    }
    bool ready() const { return error_.empty() && pid_ > 0; }
    const std::string& error() const { return error_; }
    const std::filesystem::path& socket() const { return socket_; }
    /// Where cups-pdf writes the printed PDFs.
    std::filesystem::path outDir() const { return root_ / "out"; }
    /// cupsdisable / cupsenable a queue (a printer taken out of service by staff).
    bool setEnabled(const std::string& queue, bool enabled) const {
        return runShell(std::string(enabled ? "cupsenable" : "cupsdisable") + " -h " + socket_.string() + " " + queue) == 0;
    }

private:
    std::filesystem::path root_;
    std::filesystem::path socket_;
    std::string instance_;
    std::filesystem::path cupsPdfConf_;
    std::string error_;
    pid_t pid_ = -1;
};

}  // namespace kiosk::test
