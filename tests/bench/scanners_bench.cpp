// Scanner decode benchmark: every frame of tests/samples/qr decoded by ZXing-cpp (the camera
// driver's decoder, site formats) and by zbar, in the same run, on the same pixels.
//   build/tests/scanners/scanners_bench [tests/samples/qr] [repetitions]
//   build/tests/scanners/scanners_bench --smoke   (first frame of each folder, once: the test suite's run)
// Prints per resolution: median decode time per frame, frames decoded exactly (all expected
// texts, nothing else), false reads on empty frames, and ZXing/zbar ratios. Times are the decoding
// thread's CPU time (CLOCK_THREAD_CPUTIME_ID; both decoders run on the calling thread): the build
// machines are shared, and wall time would count other processes' turns on the CPU.
// Target (issue 5): ZXing ≤ 0.5× zbar's time and ≥ zbar's decode rate.
#include <algorithm>
#include <ctime>
#include <cstdio>
#include <map>

#include "drivers/scanner/camera/camera_protocol.hpp"
#include "tests/bench/scanners_bench_decoders.hpp"
#include "tests/scanners/corpus_support.hpp"

namespace {

double threadCpuMillis() {
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) * 1e3 + static_cast<double>(now.tv_nsec) / 1e6;
}

struct Tally {
    std::vector<double> millis;  ///< per frame: median over repetitions
    int withCode = 0;
    int decoded = 0;
    int falseReads = 0;
    int misreads = 0;
    double total() const {
        double sum = 0;
        for (double m : millis) sum += m;
        return sum;
    }
    double median() const {
        if (millis.empty()) return 0;
        std::vector<double> sorted = millis;
        std::sort(sorted.begin(), sorted.end());
        return sorted[sorted.size() / 2];
    }
};

}  // namespace

int main(int argc, char** argv) {
    using namespace kiosk;
    const bool smoke = argc > 1 && std::string(argv[1]) == "--smoke";
    const std::filesystem::path root = argc > 1 && !smoke ? argv[1] : KIOSK_QR_SAMPLES_DIR;
    const int repetitions = smoke ? 1 : argc > 2 ? std::max(1, std::atoi(argv[2])) : 5;
    auto samples = test::loadCorpus(root);
    if (smoke) {
        std::map<std::string, int> seen;
        std::erase_if(samples, [&](const auto& sample) { return seen[sample.folder]++ > 0; });
    }
    if (samples.empty()) {
        std::fprintf(stderr, "no corpus in %s\n", root.c_str());
        return 1;
    }
    std::vector<std::unique_ptr<bench::BenchDecoder>> decoders;
    decoders.push_back(bench::makeZxingDecoder(false, true));  // what the camera driver runs
    decoders.push_back(bench::makeZxingDecoder(false, false));
    decoders.push_back(bench::makeZxingDecoder(true, true));
    decoders.push_back(bench::makeZbarDecoder());
    // tally[decoder][resolution]
    std::map<std::string, std::map<std::string, Tally>> tally;
    std::map<std::string, std::map<std::string, Tally>> perFolder;
    for (const auto& sample : samples) {
        auto image = drivers::scanner::loadLumaImage(sample.image);
        if (!image) {
            std::fprintf(stderr, "%s\n", image.error().detail.c_str());
            return 1;
        }
        const std::string resolution = std::to_string(image->width) + "x" + std::to_string(image->height);
        for (auto& decoder : decoders) {
            std::vector<double> runs;
            std::vector<std::string> texts;
            for (int r = 0; r < repetitions; ++r) {
                const double start = threadCpuMillis();
                texts = decoder->decode(image->pixels.data(), image->width, image->height);
                runs.push_back(threadCpuMillis() - start);
            }
            std::sort(runs.begin(), runs.end());
            for (Tally* t : {&tally[decoder->name()][resolution], &perFolder[decoder->name()][sample.folder]}) {
                t->millis.push_back(runs[runs.size() / 2]);
                if (sample.expected.empty()) {
                    t->falseReads += static_cast<int>(texts.size());
                } else {
                    ++t->withCode;
                    if (test::decodedExactly(sample.expected, texts)) ++t->decoded;
                    for (const auto& text : texts) {
                        if (std::find(sample.expected.begin(), sample.expected.end(), text) == sample.expected.end()) {
                            ++t->misreads;
                        }
                    }
                }
            }
        }
    }
    std::printf("scanner decode benchmark: %zu frames, median of %d runs per frame (thread CPU time)\n\n", samples.size(), repetitions);
    std::printf("%-28s %-9s %6s %10s %10s %9s %7s %6s\n", "decoder", "frames", "n", "mean ms", "median ms", "decoded",
                "false", "wrong");
    for (const auto& decoder : decoders) {
        for (const auto& [resolution, t] : tally[decoder->name()]) {
            std::printf("%-28s %-9s %6zu %10.2f %10.2f %5d/%-3d %7d %6d\n", decoder->name().c_str(), resolution.c_str(),
                        t.millis.size(), t.total() / t.millis.size(), t.median(), t.decoded, t.withCode, t.falseReads,
                        t.misreads);
        }
    }
    std::printf("\nper folder (decoded / with code; mean ms):\n%-14s", "folder");
    for (const auto& decoder : decoders) std::printf(" %26s", decoder->name().c_str());
    std::printf("\n");
    for (const auto& [folder, unused] : perFolder["zbar"]) {
        std::printf("%-14s", folder.c_str());
        for (const auto& decoder : decoders) {
            const Tally& t = perFolder[decoder->name()][folder];
            char cell[64];
            std::snprintf(cell, sizeof cell, "%d/%d %.2f ms", t.decoded, t.withCode, t.total() / t.millis.size());
            std::printf(" %26s", cell);
        }
        std::printf("\n");
    }
    std::printf("\nratios ZXing (site formats) / zbar, same frames, same run:\n");
    bool targetMet = true;
    for (const auto& [resolution, z] : tally["zbar"]) {
        const Tally& x = tally["zxing-site-formats"][resolution];
        const double timeRatio = x.total() / z.total();
        const double rateX = x.withCode ? static_cast<double>(x.decoded) / x.withCode : 0;
        const double rateZ = z.withCode ? static_cast<double>(z.decoded) / z.withCode : 0;
        std::printf("  %-9s time %.2fx (target <= 0.50)   decode rate %.0f%% vs %.0f%% (target >=)\n",
                    resolution.c_str(), timeRatio, 100 * rateX, 100 * rateZ);
        targetMet = targetMet && timeRatio <= 0.5 && rateX >= rateZ;
    }
    std::printf("target %s\n", targetMet ? "met" : "NOT met");
    return 0;
}
