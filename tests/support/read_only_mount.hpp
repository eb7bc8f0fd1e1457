#pragma once
// A real read-only disk for one test: a child process gets its own mount namespace
// (unshare(CLONE_NEWNS), what `unshare -m` does), mounts a small tmpfs on a folder, lets the
// test put files there, remounts it read-only and runs the test's body. The kernel then refuses
// every write with EROFS, for root too — chmod cannot make that case, because root passes every
// permission check. Nothing is visible outside the child: the mount dies with it.
//
// Needs CAP_SYS_ADMIN (the test suite runs as root). Where the kernel refuses a mount namespace
// (an unprivileged container), the result says so and the test is skipped with that reason.
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include "tests/support/temp_dir.hpp"

namespace kiosk::test {

struct ReadOnlyRun {
    bool unsupported = false;  ///< no mount namespace here; `why` says why
    std::string why;
    int exitCode = -1;         ///< what the body returned
    std::string out;           ///< the body's stdout and stderr (redirected to files)
    std::string err;
};

namespace detail {
inline std::string slurp(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}
}  // namespace detail

/// Runs `body()` in a child that sees `folder` (created if missing) as a read-only tmpfs whose
/// contents `prepare(folder)` wrote while it was still writable. The body's stdout/stderr are
/// captured; its return value is the exit code.
inline ReadOnlyRun runOnReadOnlyMount(const std::filesystem::path& folder,
                                      const std::function<void(const std::filesystem::path&)>& prepare,
                                      const std::function<int()>& body) {
    TempDir capture;  // outside the mount: the child writes its output here
    const auto outFile = capture.path() / "out";
    const auto errFile = capture.path() / "err";
    const auto whyFile = capture.path() / "why";
    std::filesystem::create_directories(folder);
    std::fflush(nullptr);
    const pid_t child = fork();
    if (child == 0) {
        auto give_up = [&](const std::string& why) {
            std::ofstream(whyFile) << why << ": " << std::strerror(errno);
            _exit(77);
        };
        if (unshare(CLONE_NEWNS) != 0) give_up("unshare(CLONE_NEWNS)");
        // Keep the mounts below private, so the parent's namespace never sees them.
        if (mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) give_up("making / private");
        if (mount("kiosk-test", folder.c_str(), "tmpfs", 0, "size=16m") != 0) give_up("mounting a tmpfs");
        prepare(folder);
        if (mount("kiosk-test", folder.c_str(), "tmpfs", MS_REMOUNT | MS_RDONLY, "size=16m") != 0) {
            give_up("remounting read-only");
        }
        struct statvfs fs {};
        if (statvfs(folder.c_str(), &fs) != 0 || (fs.f_flag & ST_RDONLY) == 0) give_up("the mount is not read-only");
        const int out = open(outFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        const int err = open(errFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(out, STDOUT_FILENO);
        dup2(err, STDERR_FILENO);
        const int code = body();
        std::fflush(nullptr);
        _exit(code);
    }
    int status = 0;
    waitpid(child, &status, 0);
    ReadOnlyRun run;
    run.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (std::filesystem::exists(whyFile)) {
        run.unsupported = true;
        run.why = detail::slurp(whyFile);
    }
    run.out = detail::slurp(outFile);
    run.err = detail::slurp(errFile);
    return run;
}

}  // namespace kiosk::test
