#pragma once
// Mono 16-bit PCM in memory and as a RIFF/WAVE file (tests write spoken prompts to
// build/test-output/voice/ for a person to listen to).

#include <cstdint>
#include <filesystem>
#include <vector>

#include "kiosk/core/error.hpp"

namespace kiosk::speech {

struct Pcm {
    int rate = 22050;             ///< samples per second
    std::vector<int16_t> samples; ///< mono, signed 16-bit
    double seconds() const { return rate > 0 ? static_cast<double>(samples.size()) / rate : 0; }
    /// Root mean square of the samples, 0–32767 (0: silence).
    double rms() const;
};

/// Writes `pcm` as a canonical 44-byte-header WAVE file (PCM, 1 channel, 16 bits).
/// Errors: io_error naming the file.
Result<void> writeWav(const std::filesystem::path& file, const Pcm& pcm);

}  // namespace kiosk::speech
