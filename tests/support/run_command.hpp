#pragma once
// Runs a program (the built `kiosk`) and captures its exit code, stdout and stderr.
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/temp_dir.hpp"

namespace kiosk::test {

struct CommandResult {
    int exitCode = -1;
    std::string out;
    std::string err;
};

inline std::string shellQuote(const std::string& arg) {
    std::string quoted = "'";
    for (char c : arg) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return quoted + "'";
}

inline CommandResult runCommand(const std::vector<std::string>& args) {
    TempDir dir;
    std::string command;
    for (const auto& arg : args) command += shellQuote(arg) + " ";
    command += "</dev/null 2>" + shellQuote((dir.path() / "err").string());
    CommandResult result;
    FILE* pipe = popen(command.c_str(), "r");
    if (!pipe) return result;
    std::array<char, 4096> buffer{};
    size_t n = 0;
    while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.out.append(buffer.data(), n);
    const int status = pclose(pipe);
    result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::ifstream err(dir.path() / "err");
    std::stringstream text;
    text << err.rdbuf();
    result.err = text.str();
    return result;
}

}  // namespace kiosk::test
