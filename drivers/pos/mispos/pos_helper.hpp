#pragma once
// The helper process that hosts a vendor MIS-POS library (`kiosk-pos-helper`). A vendor library
// is closed code that drives the terminal and the acquirer's network; if it crashes (SIGSEGV,
// abort) or hangs, only the helper goes down: the kiosk notices (EOF on the socket, or the answer
// time-out, after which it kills the helper), reports the transaction's outcome as unknown and
// starts a fresh helper for the next call (the query that resolves it).
//
// The helper loads the library with dlopen and calls one C function per request:
//   int <symbol>(char *request, char *response)     (UMS posinf "bankall" shape)
// `request` is the layout's fixed-width request, NUL-terminated; `response` is a zeroed buffer of
// the answer's width + 1024 bytes; the answer is what the library wrote up to the first NUL.
//
// Wire format on the socketpair (fd 3 in the helper), native byte order (same machine):
//   kiosk → helper:  u32 length, request bytes
//   helper → kiosk:  i32 rc, u32 length, answer bytes
//   at start the helper sends one record: rc 0 + "ready", or rc -1 + why the library did not load.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "drivers/common/device.hpp"

namespace kiosk::drivers::pos {

struct HelperSettings {
    std::filesystem::path helper;   ///< the kiosk-pos-helper executable
    std::filesystem::path library;  ///< the vendor library (.so)
    std::string symbol = "bankall";
    size_t answerCapacity = 4096;          ///< response buffer handed to the library
    std::vector<std::string> environment;  ///< extra NAME=value for the library (vendor config paths)
    std::chrono::milliseconds startTimeout{5000};
};

struct HelperReply {
    int rc = 0;
    std::string answer;
};

/// The kiosk side: starts the helper on first use and after a crash or hang.
class HelperProcess {
public:
    explicit HelperProcess(HelperSettings settings);
    ~HelperProcess();
    HelperProcess(const HelperProcess&) = delete;
    HelperProcess& operator=(const HelperProcess&) = delete;

    /// Sends one request and waits up to `timeout` for the reply. `sent` is set once the request
    /// was handed to a running helper (from then on the library may have acted). Errors:
    ///   device_not_ready  the helper or the library could not be started (sent = false)
    ///   io_error          the helper died during the call (crash: "signal 11")
    ///   timeout           no reply in time: the helper was killed (a hung library)
    ///   cancelled         the helper was killed too (the library cannot be interrupted otherwise)
    Result<HelperReply> call(std::string_view request, std::chrono::milliseconds timeout, const CancelToken& cancel,
                             bool& sent);
    /// Kills and reaps the helper (if running).
    void stop();
    bool running() const { return pid_ > 0; }
    pid_t pid() const { return pid_; }
    /// Helpers started so far (1 after the first call; +1 per restart).
    int starts() const { return starts_; }

private:
    Result<void> start();
    std::string reap(bool kill);  // "exit 0", "signal 6", …

    HelperSettings settings_;
    pid_t pid_ = -1;
    int fd_ = -1;
    int starts_ = 0;
};

/// The helper's main loop (kiosk-pos-helper): `fd` is the socket; returns the exit code.
int runPosHelper(int fd, const std::filesystem::path& library, const std::string& symbol, size_t answerCapacity);

}  // namespace kiosk::drivers::pos
