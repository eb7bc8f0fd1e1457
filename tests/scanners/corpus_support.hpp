#pragma once
// Reading the QR corpus (tests/samples/qr/<folder>/<name>.png + <name>.txt, one expected text per
// line) for the ratchet test, the CLI test and the benchmark.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace kiosk::test {

struct CorpusSample {
    std::string folder;
    std::filesystem::path image;
    std::vector<std::string> expected;  ///< empty: a frame with no code
};

inline std::vector<CorpusSample> loadCorpus(const std::filesystem::path& root) {
    std::vector<CorpusSample> samples;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
        if (entry.path().extension() != ".png") continue;
        CorpusSample sample{entry.path().parent_path().filename().string(), entry.path(), {}};
        std::ifstream expected(std::filesystem::path(entry.path()).replace_extension(".txt"), std::ios::binary);
        for (std::string line; std::getline(expected, line);) {
            if (!line.empty()) sample.expected.push_back(line);
        }
        samples.push_back(std::move(sample));
    }
    std::sort(samples.begin(), samples.end(), [](const auto& a, const auto& b) { return a.image < b.image; });
    return samples;
}

/// A frame counts as decoded when every expected text was read and nothing else.
inline bool decodedExactly(std::vector<std::string> expected, std::vector<std::string> got) {
    std::sort(expected.begin(), expected.end());
    std::sort(got.begin(), got.end());
    return !expected.empty() && expected == got;
}

/// ratchet.txt: "<folder> <minimum decoded>" per line; '#' comments.
inline std::map<std::string, int> loadRatchet(const std::filesystem::path& file) {
    std::map<std::string, int> minimum;
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);) {
        if (line.empty() || line[0] == '#') continue;
        const auto space = line.find(' ');
        if (space == std::string::npos) continue;
        minimum[line.substr(0, space)] = std::stoi(line.substr(space + 1));
    }
    return minimum;
}

}  // namespace kiosk::test
