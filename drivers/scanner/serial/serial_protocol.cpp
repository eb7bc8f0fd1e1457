#include "drivers/scanner/serial/serial_protocol.hpp"

#include <fmt/format.h>

#include "kiosk/core/log.hpp"

namespace kiosk::drivers::scanner {

std::optional<std::string> parseTerminator(std::string_view name) {
    if (name == "cr") return std::string("\r");
    if (name == "lf") return std::string("\n");
    if (name == "crlf") return std::string("\r\n");
    if (name == "tab") return std::string("\t");
    if (name == "none") return std::string();
    return std::nullopt;
}

Result<std::string> LineAssembler::finish(std::string line) const {
    std::string_view text = line;
    if (!framing_.prefix.empty()) {
        if (text.starts_with(framing_.prefix)) {
            text.remove_prefix(framing_.prefix.size());
        } else {
            log::module("scanner")->warn("serial scan without the configured prefix ({} bytes)", text.size());
        }
    }
    if (!framing_.suffix.empty()) {
        if (text.ends_with(framing_.suffix)) {
            text.remove_suffix(framing_.suffix.size());
        } else {
            log::module("scanner")->warn("serial scan without the configured suffix ({} bytes)", text.size());
        }
    }
    return std::string(text);
}

std::vector<Result<std::string>> LineAssembler::feed(std::span<const uint8_t> bytes) {
    std::vector<Result<std::string>> out;
    const std::string& terminator = framing_.terminator;
    for (const uint8_t byte : bytes) {
        buffer_.push_back(static_cast<char>(byte));
        if (!terminator.empty() && buffer_.ends_with(terminator)) {
            buffer_.resize(buffer_.size() - terminator.size());
            if (discarding_) {
                discarding_ = false;  // the over-long line ends here; it was reported when it overflowed
            } else if (!buffer_.empty()) {
                out.push_back(finish(std::move(buffer_)));
            }
            buffer_.clear();
            continue;
        }
        if (buffer_.size() > framing_.maxLine) {
            if (!discarding_) {
                out.push_back(fail(
                    Errc::invalid_data,
                    fmt::format("serial scan longer than {} bytes without a terminator; discarded", framing_.maxLine),
                    "scan.too_long"));
            }
            discarding_ = !terminator.empty();
            // Keep the tail that could be the start of a terminator; drop the rest (bounded memory).
            buffer_.erase(0, buffer_.size() - std::min(buffer_.size(), terminator.size()));
        }
    }
    return out;
}

std::optional<Result<std::string>> LineAssembler::quiet() {
    if (discarding_) {
        discarding_ = false;
        buffer_.clear();
        return std::nullopt;  // already reported as too long
    }
    if (buffer_.empty()) return std::nullopt;
    std::string line = std::move(buffer_);
    buffer_.clear();
    if (framing_.terminator.empty()) return finish(std::move(line));
    return fail(Errc::timeout,
                fmt::format("serial scan of {} bytes ended without its terminator; dropped", line.size()),
                "scan.incomplete");
}

}  // namespace kiosk::drivers::scanner
