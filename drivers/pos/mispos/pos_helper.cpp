#include "drivers/pos/mispos/pos_helper.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace kiosk::drivers::pos {

namespace {

using Clock = std::chrono::steady_clock;

bool writeAll(int fd, const void* data, size_t size) {
    const auto* bytes = static_cast<const uint8_t*>(data);
    while (size > 0) {
        const ssize_t n = ::send(fd, bytes, size, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        bytes += n;
        size -= static_cast<size_t>(n);
    }
    return true;
}

/// Reads exactly `size` bytes before `deadline`. 0 ok, 1 EOF / error, 2 time-out, 3 cancelled.
int readAll(int fd, void* data, size_t size, Clock::time_point deadline, const CancelToken* cancel) {
    auto* bytes = static_cast<uint8_t*>(data);
    while (size > 0) {
        if (cancel && cancel->cancelled()) return 3;
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) return 2;
        pollfd p{fd, POLLIN, 0};
        const int ready = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 20)));  // slices: see cancel
        if (ready < 0 && errno == EINTR) continue;
        if (ready < 0) return 1;
        if (ready == 0) continue;
        const ssize_t n = ::recv(fd, bytes, size, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return 1;
        bytes += n;
        size -= static_cast<size_t>(n);
    }
    return 0;
}

bool sendRecord(int fd, int32_t rc, std::string_view bytes) {
    const auto length = static_cast<uint32_t>(bytes.size());
    return writeAll(fd, &rc, sizeof rc) && writeAll(fd, &length, sizeof length) &&
           writeAll(fd, bytes.data(), bytes.size());
}

}  // namespace

HelperProcess::HelperProcess(HelperSettings settings) : settings_(std::move(settings)) {}

HelperProcess::~HelperProcess() {
    stop();
}

void HelperProcess::stop() {
    if (pid_ > 0) reap(true);
}

std::string HelperProcess::reap(bool kill) {
    std::string how = "not running";
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
    if (pid_ > 0) {
        if (kill) ::kill(pid_, SIGKILL);
        int status = 0;
        while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
        if (WIFSIGNALED(status)) {
            how = fmt::format("signal {} ({})", WTERMSIG(status), strsignal(WTERMSIG(status)));
        } else {
            how = fmt::format("exit {}", WEXITSTATUS(status));
        }
        pid_ = -1;
    }
    return how;
}

Result<void> HelperProcess::start() {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
        return fail(Errc::device_not_ready, fmt::format("socketpair: {}", std::strerror(errno)), "pos.unavailable");
    // The child's end becomes fd 3; dup2 onto itself would keep FD_CLOEXEC, so move it first.
    int child = fds[1];
    if (child == 3) {
        child = ::fcntl(fds[1], F_DUPFD_CLOEXEC, 4);
        ::close(fds[1]);
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, child, 3);
    // The vendor library sees fd 0-3 only: not the kiosk's journal, sockets or devices.
    posix_spawn_file_actions_addclosefrom_np(&actions, 4);
    // Default signal handling and an empty mask, whatever the calling thread blocks.
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    sigset_t none;
    sigset_t all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setsigdefault(&attributes, &all);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    std::vector<std::string> args = {settings_.helper.string(),
                                     "--fd",
                                     "3",
                                     "--library",
                                     settings_.library.string(),
                                     "--symbol",
                                     settings_.symbol,
                                     "--answer-capacity",
                                     std::to_string(settings_.answerCapacity)};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env;
    for (char** e = environ; *e; ++e) env.emplace_back(*e);
    for (const auto& extra : settings_.environment) env.push_back(extra);
    std::vector<char*> envp;
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    pid_t pid = -1;
    const int spawned = ::posix_spawn(&pid, settings_.helper.c_str(), &actions, &attributes, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    ::close(child);
    if (spawned != 0) {
        ::close(fds[0]);
        return fail(Errc::device_not_ready,
                    fmt::format("cannot start {}: {}", settings_.helper.string(), std::strerror(spawned)),
                    "pos.unavailable");
    }
    pid_ = pid;
    fd_ = fds[0];
    ++starts_;
    // The hello: the library loaded (or why not).
    int32_t rc = 0;
    uint32_t length = 0;
    const auto deadline = Clock::now() + settings_.startTimeout;
    int got = readAll(fd_, &rc, sizeof rc, deadline, nullptr);
    if (got == 0) got = readAll(fd_, &length, sizeof length, deadline, nullptr);
    std::string text(std::min<uint32_t>(length, 4096), '\0');
    if (got == 0) got = readAll(fd_, text.data(), text.size(), deadline, nullptr);
    if (got != 0 || rc != 0) {
        const std::string how = reap(true);
        return fail(Errc::device_not_ready,
                    fmt::format("helper {} for {} did not start: {} ({})", settings_.helper.string(),
                                settings_.library.string(), got == 0 ? text : std::string("no hello"), how),
                    "pos.unavailable");
    }
    return {};
}

Result<HelperReply> HelperProcess::call(std::string_view request, std::chrono::milliseconds timeout,
                                        const CancelToken& cancel, bool& sent) {
    sent = false;
    if (pid_ <= 0) {
        if (auto started = start(); !started) return std::unexpected(started.error());
    }
    const auto length = static_cast<uint32_t>(request.size());
    if (!writeAll(fd_, &length, sizeof length) || !writeAll(fd_, request.data(), request.size())) {
        const std::string how = reap(true);
        return fail(Errc::device_not_ready, fmt::format("helper gone before the request was sent ({})", how),
                    "pos.unavailable");
    }
    sent = true;
    const auto deadline = Clock::now() + timeout;
    int32_t rc = 0;
    uint32_t size = 0;
    int got = readAll(fd_, &rc, sizeof rc, deadline, &cancel);
    if (got == 0) got = readAll(fd_, &size, sizeof size, deadline, &cancel);
    std::string answer(std::min<size_t>(size, settings_.answerCapacity + 1024), '\0');
    if (got == 0) got = readAll(fd_, answer.data(), answer.size(), deadline, &cancel);
    if (got == 0) return HelperReply{rc, std::move(answer)};
    if (got == 2 || got == 3) {
        const std::string how = reap(true);  // a hung library can only be stopped with its process
        if (got == 3) return fail(Errc::cancelled, fmt::format("cancelled: helper killed ({})", how));
        return fail(Errc::timeout,
                    fmt::format("vendor library did not return within {} ms: helper killed ({})", timeout.count(), how),
                    "pos.outcome_unknown");
    }
    const std::string how = reap(false);
    return fail(Errc::io_error, fmt::format("helper died during the call: {}", how), "pos.outcome_unknown");
}

int runPosHelper(int fd, const std::filesystem::path& library, const std::string& symbol, size_t answerCapacity) {
    using Entry = int (*)(char*, char*);
    void* handle = ::dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        sendRecord(fd, -1, fmt::format("dlopen: {}", ::dlerror()));
        return 3;
    }
    auto entry = reinterpret_cast<Entry>(::dlsym(handle, symbol.c_str()));
    if (!entry) {
        sendRecord(fd, -1, fmt::format("dlsym {}: not exported by {}", symbol, library.string()));
        return 3;
    }
    if (!sendRecord(fd, 0, "ready")) return 1;
    for (;;) {
        uint32_t length = 0;
        if (readAll(fd, &length, sizeof length, Clock::time_point::max(), nullptr) != 0) return 0;  // kiosk closed
        if (length > 1 << 20) return 2;
        std::vector<char> request(length + 1, '\0');
        if (readAll(fd, request.data(), length, Clock::time_point::max(), nullptr) != 0) return 0;
        std::vector<char> response(answerCapacity + 1024, '\0');
        const int rc = entry(request.data(), response.data());
        const size_t size = ::strnlen(response.data(), response.size());
        if (!sendRecord(fd, rc, std::string_view(response.data(), size))) return 0;
    }
}

}  // namespace kiosk::drivers::pos
