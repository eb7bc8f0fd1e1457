#pragma once
// Starts the real hospital-sim executable on a free loopback port for one test and stops it at
// the end. The port comes from tests/support/free_port.hpp (below the kernel's ephemeral range,
// never --listen 127.0.0.1:0); the simulator prints "listening on ...:PORT" once it accepts
// connections and the fixture waits for that line (no fixed sleep). When another process took the
// port first, the simulator exits with "cannot listen on" and the fixture tries the next free port.
// Its data folder is a fresh temp dir, so every test starts from the seeded hospital.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "kiosk/backend/fhir_his_driver.hpp"
#include "kiosk/backend/http_client.hpp"
#include "tests/support/free_port.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiosk::test {

/// Today's booked appointment of a demo person (hospital-sim books one for each every day).
inline std::string todaysAppointment(backend::HisDriver& driver, const std::string& patientId) {
    auto list = driver.appointments(patientId);
    if (!list) return {};
    for (const auto& a : *list) {
        if (a.status == backend::AppointmentStatus::booked && a.doctorId == "role-003") return a.id;
    }
    return {};
}

class SimProcess {
public:
    explicit SimProcess(std::vector<std::string> extraArgs = {}, std::string scheme = "http", std::filesystem::path dataDir = {})
        : scheme_(std::move(scheme)) {
        if (dataDir.empty()) dataDir = dir_.path() / "data";
        logFile_ = dir_.path() / "hospital-sim.log";
        std::ofstream(logFile_, std::ios::trunc).flush();  // every attempt appends to one log
        auto started = startOnFreePort([&](int port) { return launch(port, dataDir, extraArgs); });
        if (started) {
            port_ = *started;
        } else {
            error_ = started.error();
            std::cerr << "SimProcess: " << error_ << "; hospital-sim said: " << log() << '\n';
        }
    }

    ~SimProcess() { stopChild(); }
    SimProcess(const SimProcess&) = delete;
    SimProcess& operator=(const SimProcess&) = delete;

    bool ready() const { return port_ > 0; }
    int port() const { return port_; }
    std::string rootUrl() const { return scheme_ + "://127.0.0.1:" + std::to_string(port_); }
    std::string fhirUrl() const { return rootUrl() + "/fhir"; }
    std::string log() const {
        std::ifstream in(logFile_);
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    }
    const TempDir& dir() const { return dir_; }

    /// Settings of a driver pointed at this simulator, with short timeouts for tests.
    backend::FhirSettings settings() const {
        backend::FhirSettings s;
        s.http.baseUrl = fhirUrl();
        s.http.kioskId = "TEST-KIOSK";
        s.http.callTimeout = std::chrono::milliseconds(1500);
        s.retryBackoff = std::chrono::milliseconds(20);
        return s;
    }

    /// A plain JSON call to the simulator's non-FHIR endpoints (admin, insurance, gateway).
    nlohmann::json call(const std::string& method, const std::string& path, const nlohmann::json& body = nullptr,
                        long* status = nullptr) const {
        backend::HttpSettings s;
        s.baseUrl = rootUrl();
        s.kioskId = "TEST";
        backend::HttpClient client(s);
        backend::HttpRequest request;
        request.method = method;
        request.target = path.substr(1);
        request.accept = "application/json";
        if (!body.is_null()) request.body = body.dump();
        auto answer = client.perform(request);
        if (!answer) return {{"transport_error", answer.error().detail}};
        if (status) *status = answer->status;
        return nlohmann::json::parse(answer->body, nullptr, false);
    }

    void armFault(const std::string& kind, const std::string& method, const std::string& path, int count = 1, int latencyMs = 0) const {
        call("POST", "/admin/faults", {{"kind", kind}, {"method", method}, {"path", path}, {"count", count}, {"latency_ms", latencyMs}});
    }
    /// Arms an "answer" fault: the next matching request gets exactly this answer.
    void armAnswer(const std::string& method, const std::string& path, const nlohmann::json& body, int status = 200,
                   const std::string& contentType = "application/fhir+json") const {
        call("POST", "/admin/faults", {{"kind", "answer"}, {"method", method}, {"path", path}, {"count", 1}, {"status", status},
                                        {"body", body}, {"content_type", contentType}});
    }
    int commits(const std::string& tradeNo) const {
        const auto stats = call("GET", "/admin/stats");
        return stats.contains("commits") && stats["commits"].contains(tradeNo) ? stats["commits"][tradeNo].get<int>() : 0;
    }

    /// Why the simulator is not ready (empty when it is).
    const std::string& error() const { return error_; }

private:
    /// One try: hospital-sim on 127.0.0.1:`port`, waited for (bounded) until it prints
    /// "hospital-sim listening on http://127.0.0.1:PORT". When it exits first, its log says whether
    /// the port was taken ("cannot listen on", from HospitalSim::bind) or something else failed.
    PortStart launch(int port, const std::filesystem::path& dataDir, const std::vector<std::string>& extraArgs) {
        int out[2];
        if (pipe(out) != 0) return PortStart::failed;
        std::vector<std::string> args = {HOSPITAL_SIM_EXE, "--listen", "127.0.0.1:" + std::to_string(port), "--data", dataDir.string(),
                                         "--people", std::string(KIOSK_TEST_ASSETS_DIR) + "/sim/people.json", "--threads", "16"};
        args.insert(args.end(), extraArgs.begin(), extraArgs.end());
        const std::size_t logBefore = std::filesystem::file_size(logFile_);
        pid_ = fork();
        if (pid_ < 0) {
            close(out[0]);
            close(out[1]);
            return PortStart::failed;
        }
        if (pid_ == 0) {
            dup2(out[1], STDOUT_FILENO);
            const int err = open(logFile_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
            dup2(err, STDERR_FILENO);
            close(out[0]);
            std::vector<char*> argv;
            for (auto& a : args) argv.push_back(a.data());
            argv.push_back(nullptr);
            execv(argv[0], argv.data());
            _exit(127);
        }
        close(out[1]);
        std::string text;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (std::chrono::steady_clock::now() < deadline && text.find('\n') == std::string::npos) {
            pollfd p{out[0], POLLIN, 0};
            if (poll(&p, 1, 200) <= 0) continue;
            char buffer[256];
            const ssize_t n = read(out[0], buffer, sizeof buffer);
            if (n <= 0) break;  // the simulator closed stdout: it exited
            text.append(buffer, static_cast<size_t>(n));
        }
        close(out[0]);
        const auto colon = text.rfind(':');
        if (text.find("listening on") != std::string::npos && colon != std::string::npos && std::atoi(text.c_str() + colon + 1) == port)
            return PortStart::listening;
        stopChild();
        return log().find("cannot listen on", logBefore) != std::string::npos ? PortStart::port_taken : PortStart::failed;
    }

    void stopChild() {
        if (pid_ <= 0) return;
        kill(pid_, SIGTERM);
        int status = 0;
        for (int i = 0; i < 100 && waitpid(pid_, &status, WNOHANG) == 0; ++i) usleep(20000);
        if (waitpid(pid_, &status, WNOHANG) == 0) {
            kill(pid_, SIGKILL);
            waitpid(pid_, &status, 0);
        }
        pid_ = -1;
    }

    TempDir dir_;
    std::string scheme_;
    std::filesystem::path logFile_;
    pid_t pid_ = -1;
    int port_ = 0;
    std::string error_;
};

}  // namespace kiosk::test
