#include "kiosk/speech/wav.hpp"

#include <fmt/format.h>

#include <cmath>
#include <fstream>

namespace kiosk::speech {

double Pcm::rms() const {
    if (samples.empty()) return 0;
    double sum = 0;
    for (const int16_t s : samples) sum += static_cast<double>(s) * s;
    return std::sqrt(sum / static_cast<double>(samples.size()));
}

Result<void> writeWav(const std::filesystem::path& file, const Pcm& pcm) {
    std::ofstream out(file, std::ios::binary);
    if (!out) return fail(Errc::io_error, fmt::format("cannot write {}", file.string()));
    auto u32 = [&out](uint32_t v) {
        const char bytes[4] = {static_cast<char>(v), static_cast<char>(v >> 8), static_cast<char>(v >> 16), static_cast<char>(v >> 24)};
        out.write(bytes, 4);
    };
    auto u16 = [&out](uint16_t v) {
        const char bytes[2] = {static_cast<char>(v), static_cast<char>(v >> 8)};
        out.write(bytes, 2);
    };
    const auto dataBytes = static_cast<uint32_t>(pcm.samples.size() * 2);
    // RIFF header, "fmt " chunk (PCM = 1, mono, rate, byte rate, block align 2, 16 bits), "data".
    out.write("RIFF", 4);
    u32(36 + dataBytes);
    out.write("WAVEfmt ", 8);
    u32(16);
    u16(1);
    u16(1);
    u32(static_cast<uint32_t>(pcm.rate));
    u32(static_cast<uint32_t>(pcm.rate) * 2);
    u16(2);
    u16(16);
    out.write("data", 4);
    u32(dataBytes);
    for (const int16_t s : pcm.samples) u16(static_cast<uint16_t>(s));  // little-endian, as RIFF wants
    if (!out) return fail(Errc::io_error, fmt::format("writing {} failed", file.string()));
    return {};
}

}  // namespace kiosk::speech
