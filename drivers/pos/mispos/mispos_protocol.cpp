#include "drivers/pos/mispos/mispos_protocol.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace kiosk::drivers::pos {

namespace {

using Clock = std::chrono::steady_clock;

std::chrono::milliseconds left(Clock::time_point deadline) {
    return std::max(std::chrono::milliseconds(0),
                    std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
}

std::string hex(std::span<const uint8_t> bytes, size_t limit = 24) {
    std::string out;
    for (size_t i = 0; i < bytes.size() && i < limit; ++i) out += fmt::format("{:02X}", bytes[i]);
    if (bytes.size() > limit) out += "…";
    return out;
}

}  // namespace

uint8_t lrc(std::span<const uint8_t> bytes) {
    uint8_t value = 0;
    for (uint8_t b : bytes) value ^= b;
    return value;
}

std::vector<uint8_t> encodeFrame(std::string_view data, LengthEncoding encoding) {
    std::vector<uint8_t> frame;
    frame.reserve(data.size() + 5);
    frame.push_back(kStx);
    const size_t n = data.size();
    if (encoding == LengthEncoding::bcd) {
        frame.push_back(static_cast<uint8_t>(((n / 1000 % 10) << 4) | (n / 100 % 10)));
        frame.push_back(static_cast<uint8_t>(((n / 10 % 10) << 4) | (n % 10)));
    } else {
        frame.push_back(static_cast<uint8_t>(n >> 8));
        frame.push_back(static_cast<uint8_t>(n & 0xFF));
    }
    frame.insert(frame.end(), data.begin(), data.end());
    frame.push_back(kEtx);
    frame.push_back(lrc(std::span(frame).subspan(1)));
    return frame;
}

FrameScan scanFrame(std::span<const uint8_t> buffer, LengthEncoding encoding, size_t maxData) {
    FrameScan scan;
    size_t start = 0;
    while (start < buffer.size() && buffer[start] != kStx) ++start;  // ACK/NAK/noise before a frame
    scan.consumed = start;
    if (buffer.size() < start + 3) return scan;
    const uint8_t hi = buffer[start + 1];
    const uint8_t lo = buffer[start + 2];
    size_t length = 0;
    if (encoding == LengthEncoding::bcd) {
        for (uint8_t nibble : {hi >> 4, hi & 0x0F, lo >> 4, lo & 0x0F}) {
            if (nibble > 9) {
                scan.status = FrameScan::Status::bad_frame;
                scan.consumed = start + 1;
                scan.detail = fmt::format("length {:02X}{:02X} is not BCD", hi, lo);
                return scan;
            }
            length = length * 10 + nibble;
        }
    } else {
        length = (static_cast<size_t>(hi) << 8) | lo;
    }
    if (length == 0 || length > maxData) {
        scan.status = FrameScan::Status::bad_frame;
        scan.consumed = start + 1;
        scan.detail = fmt::format("length {} outside 1…{}", length, maxData);
        return scan;
    }
    const size_t total = 1 + 2 + length + 2;
    if (buffer.size() < start + total) return scan;
    const auto frame = buffer.subspan(start, total);
    scan.consumed = start + total;
    if (frame[total - 2] != kEtx) {
        scan.status = FrameScan::Status::bad_frame;
        scan.detail = fmt::format("no ETX after {} bytes of data (found {:02X})", length, frame[total - 2]);
        return scan;
    }
    const uint8_t expected = lrc(frame.subspan(1, total - 2));
    if (frame[total - 1] != expected) {
        scan.status = FrameScan::Status::bad_lrc;
        scan.detail = fmt::format("LRC {:02X}, computed {:02X}", frame[total - 1], expected);
        return scan;
    }
    scan.status = FrameScan::Status::frame;
    scan.data.assign(reinterpret_cast<const char*>(frame.data() + 3), length);
    return scan;
}

Result<std::string> exchangeFrame(transport::SerialPort& port, std::string_view request, const LinkSettings& settings,
                                  const CancelToken& cancel, LinkReport& report) {
    port.flushInput();  // a late answer to an earlier exchange must not be read as this one's
    const auto frame = encodeFrame(request, settings.encoding);
    std::vector<uint8_t> buffer;
    uint8_t chunk[512];

    // Phase 1: send until the terminal acknowledges the request.
    while (!report.accepted) {
        if (report.sends >= settings.maxSends) {
            if (report.naks == report.sends) {
                return fail(Errc::hardware_error,
                            fmt::format("terminal refused the request (NAK to all {} sends)", report.sends),
                            "pos.unavailable");
            }
            return fail(Errc::timeout,
                        fmt::format("terminal did not acknowledge the request ({} sends, {} NAK, ACK time-out {} ms)",
                                    report.sends, report.naks, settings.ackTimeout.count()),
                        "pos.unavailable");
        }
        if (auto written = port.write(frame, settings.ackTimeout, cancel); !written)
            return std::unexpected(written.error());
        ++report.sends;
        const auto deadline = Clock::now() + settings.ackTimeout;
        bool resend = false;
        while (!report.accepted && !resend) {
            while (!buffer.empty() && !report.accepted && !resend) {
                const uint8_t b = buffer.front();
                if (b == kAck) {
                    report.accepted = true;
                    buffer.erase(buffer.begin());
                } else if (b == kNak) {
                    ++report.naks;
                    resend = true;
                    buffer.erase(buffer.begin());
                } else if (b == kStx) {
                    report.accepted = true;  // an answer without an ACK before it: it took the request
                } else {
                    buffer.erase(buffer.begin());  // line noise
                }
            }
            if (report.accepted || resend) break;
            auto n = port.readSome(chunk, left(deadline), cancel);
            if (!n) {
                if (n.error().code == Errc::timeout) break;  // no ACK in time: send again
                return std::unexpected(n.error());
            }
            buffer.insert(buffer.end(), chunk, chunk + *n);
        }
    }

    // Phase 2: the answer, within the answer time-out (the patient is at the terminal).
    const auto deadline = Clock::now() + settings.answerTimeout;
    for (;;) {
        const FrameScan scan = scanFrame(buffer, settings.encoding, settings.maxAnswer);
        if (scan.status == FrameScan::Status::frame) {
            buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(scan.consumed));
            const uint8_t ack = kAck;
            (void)port.write(std::span(&ack, 1), settings.ackTimeout, cancel);  // best effort: we have the answer
            return scan.data;
        }
        if (scan.status != FrameScan::Status::need_more) {
            buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(scan.consumed));
            ++report.badAnswers;
            if (report.badAnswers >= settings.maxSends) {
                return fail(Errc::invalid_answer,
                            fmt::format("answer frame bad {} times (last: {})", report.badAnswers, scan.detail),
                            "pos.bad_answer");
            }
            const uint8_t nak = kNak;
            if (auto written = port.write(std::span(&nak, 1), settings.ackTimeout, cancel); !written)
                return std::unexpected(written.error());
            continue;
        }
        auto n = port.readSome(chunk, left(deadline), cancel);
        if (!n) {
            Error error = n.error();
            if (error.code == Errc::timeout) {
                return fail(Errc::timeout,
                            fmt::format("no answer within {} ms after the terminal took the request{}",
                                        settings.answerTimeout.count(),
                                        buffer.empty() ? std::string() : " (partial: " + hex(buffer) + ")"),
                            "pos.outcome_unknown");
            }
            return std::unexpected(error);
        }
        buffer.insert(buffer.end(), chunk, chunk + *n);
    }
}

}  // namespace kiosk::drivers::pos
