#pragma once
// Framing of serial (RS-232 / USB-CDC) scanners: the scanner sends each code as
//   [prefix] text [suffix] terminator
// where prefix/suffix are optional site-programmed bytes (often STX 0x02 / ETX 0x03, or an AIM
// symbology identifier like "]Q1") and the terminator is CR, LF, CR LF or TAB — or nothing, in
// which case a scan ends when the line stays quiet for `quietTime`.
//
// [X] configurable terminator (cr | lf | crlf | tab | none)
// [X] prefix/suffix stripping (a missing prefix/suffix is tolerated and logged)
// [X] a partial code with no terminator is dropped after `quietTime` (Errc::timeout, scan.incomplete)
// [X] a line longer than maxLine is discarded up to its terminator (scan.too_long), memory bounded
// [X] binary garbage passes through to the payload classifier, which refuses it (scan.invalid_text)

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "kiosk/core/error.hpp"

namespace kiosk::drivers::scanner {

struct SerialFraming {
    std::string terminator = "\r";  ///< empty: no terminator, scans end on quiet time
    std::string prefix;
    std::string suffix;
    size_t maxLine = 4096;
};

/// "cr" → "\r", "lf" → "\n", "crlf" → "\r\n", "tab" → "\t", "none" → ""; nullopt if unknown.
std::optional<std::string> parseTerminator(std::string_view name);

/// Cuts the byte stream into scans. Not thread-safe; one per port.
class LineAssembler {
public:
    explicit LineAssembler(SerialFraming framing) : framing_(std::move(framing)) {}

    /// Feeds received bytes; returns the completed scans (text with prefix/suffix removed) and
    /// framing errors, in arrival order.
    std::vector<Result<std::string>> feed(std::span<const uint8_t> bytes);
    /// Called when the line has been quiet for the quiet time: with no terminator configured the
    /// pending bytes are a scan; otherwise they are an incomplete code and are dropped (error).
    std::optional<Result<std::string>> quiet();
    bool pending() const { return !buffer_.empty() || discarding_; }

private:
    Result<std::string> finish(std::string line) const;

    SerialFraming framing_;
    std::string buffer_;
    bool discarding_ = false;  ///< inside an over-long line: drop until the next terminator
};

}  // namespace kiosk::drivers::scanner
