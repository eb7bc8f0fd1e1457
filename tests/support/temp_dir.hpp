#pragma once
// A fresh folder under the system temp dir for one test, removed at the end.
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

namespace kiosk::test {

class TempDir {
public:
    TempDir() {
        std::random_device random;
        path_ = std::filesystem::temp_directory_path() / ("kiosk-test-" + std::to_string(random()));
        std::filesystem::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::permissions(path_, std::filesystem::perms::owner_all, ec);
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path write(const std::string& name, const std::string& content) const {
        const auto file = path_ / name;
        std::filesystem::create_directories(file.parent_path());
        std::ofstream(file, std::ios::binary) << content;
        return file;
    }

private:
    std::filesystem::path path_;
};

/// A valid minimal kiosk config on the simulated devices; `extra` is appended.
inline std::string demoConfigText(const std::string& extra = "") {
    return R"(
[kiosk]
id = "TEST-01"
mode = "lobby"
data_dir = "data"
assets_dir = ")" + std::string(KIOSK_TEST_ASSETS_DIR) + R"("

[journal]
audit_salt = "test-salt-0123456789abcdef"

[log]
level = "warn"

[[devices]]
name = "card"
class = "card_reader"
driver = "sim"

[[devices]]
name = "idcard"
class = "id_reader"
driver = "sim"

[[devices]]
name = "scanner"
class = "scanner"
driver = "sim"

[[devices]]
name = "printer"
class = "receipt_printer"
driver = "sim"
)" + extra;
}

}  // namespace kiosk::test
