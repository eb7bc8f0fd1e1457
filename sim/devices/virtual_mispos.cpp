#include "sim/devices/virtual_mispos.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <pty.h>
#include <termios.h>
#include <unistd.h>

#include <cstring>

#include "drivers/pos/mispos/mispos_protocol.hpp"

namespace kiosk::sim {

namespace pos = drivers::pos;

Result<std::unique_ptr<VirtualMisPos>> VirtualMisPos::create(std::shared_ptr<VirtualAcquirer> acquirer,
                                                             std::filesystem::path link) {
    int master = -1;
    int slave = -1;
    char name[256] = {};
    termios raw{};
    cfmakeraw(&raw);
    if (openpty(&master, &slave, name, &raw, nullptr) != 0)
        return fail(Errc::io_error, fmt::format("openpty: {}", std::strerror(errno)));
    fcntl(master, F_SETFD, FD_CLOEXEC);
    fcntl(slave, F_SETFD, FD_CLOEXEC);
    std::filesystem::path path = name;
    if (!link.empty()) {
        std::error_code ec;
        std::filesystem::remove(link, ec);
        std::filesystem::create_symlink(name, link, ec);
        if (ec) {
            ::close(master);
            ::close(slave);
            return fail(Errc::io_error, fmt::format("symlink {}: {}", link.string(), ec.message()));
        }
        path = link;
    }
    return std::unique_ptr<VirtualMisPos>(new VirtualMisPos(master, slave, path, link, std::move(acquirer)));
}

VirtualMisPos::VirtualMisPos(int master, int slave, std::filesystem::path path, std::filesystem::path link,
                             std::shared_ptr<VirtualAcquirer> acquirer)
    : master_(master), slave_(slave), path_(std::move(path)), link_(std::move(link)), acquirer_(std::move(acquirer)) {
    server_ = std::jthread([this](std::stop_token stop) { serve(stop); });
}

VirtualMisPos::~VirtualMisPos() {
    server_.request_stop();
    if (server_.joinable()) server_.join();
    ::close(master_);
    ::close(slave_);
    if (!link_.empty()) {
        std::error_code ec;
        std::filesystem::remove(link_, ec);
    }
}

bool VirtualMisPos::readSome(std::stop_token& stop, std::vector<uint8_t>& buffer, int timeoutMs) {
    for (int waited = 0; waited < timeoutMs && !stop.stop_requested(); waited += 10) {
        pollfd p{master_, POLLIN, 0};
        if (::poll(&p, 1, 10) > 0 && (p.revents & POLLIN)) {
            uint8_t chunk[512];
            const ssize_t n = ::read(master_, chunk, sizeof chunk);
            if (n > 0) {
                buffer.insert(buffer.end(), chunk, chunk + n);
                return true;
            }
        }
    }
    return false;
}

void VirtualMisPos::writeBytes(std::span<const uint8_t> bytes) {
    size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(master_, bytes.data() + done, bytes.size() - done);
        if (n <= 0) return;
        done += static_cast<size_t>(n);
    }
}

void VirtualMisPos::sendAnswer(std::stop_token& stop, const std::string& answer, bool badLrc,
                               std::vector<uint8_t>& buffer) {
    auto frame = pos::encodeFrame(answer, acquirer_->layout().lengthEncoding());
    if (badLrc) frame.back() ^= 0x5A;
    for (int send = 0; send < 3 && !stop.stop_requested(); ++send) {
        ++answers_;  // counted before the write: the host may act on the frame at once
        writeBytes(frame);
        // Wait for the host's ACK / NAK (500 ms, as the host's ACK time-out).
        bool acked = false;
        bool naked = false;
        for (int waited = 0; waited < 50 && !acked && !naked; ++waited) {
            if (buffer.empty() && !readSome(stop, buffer, 10)) continue;
            while (!buffer.empty() && !acked && !naked) {
                const uint8_t b = buffer.front();
                if (b == pos::kAck) acked = true;
                if (b == pos::kNak) naked = true;
                if (b == pos::kStx) return;  // the host moved on to a new request: keep it in the buffer
                buffer.erase(buffer.begin());
            }
        }
        if (acked) return;
    }
}

void VirtualMisPos::serve(std::stop_token stop) {
    std::vector<uint8_t> buffer;
    int nakLeft = 0;
    while (!stop.stop_requested()) {
        const auto scan = pos::scanFrame(buffer, acquirer_->layout().lengthEncoding(), 8192);
        if (scan.status == pos::FrameScan::Status::need_more) {
            if (scan.consumed > 0)
                buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(scan.consumed));
            readSome(stop, buffer, 50);
            continue;
        }
        buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(scan.consumed));
        const uint8_t nak = pos::kNak;
        const uint8_t ack = pos::kAck;
        if (scan.status != pos::FrameScan::Status::frame) {
            ++refused_;
            writeBytes(std::span(&nak, 1));
            continue;
        }
        // One look at the link fault per new request (the state file is shared with other processes).
        VposFault linkFault = VposFault::none;
        if (nakLeft == 0 && scan.data != lastRequest_) {
            linkFault = acquirer_->takeLinkFault();
            if (linkFault == VposFault::nak) nakLeft = 3;
        }
        if (nakLeft > 0) {
            --nakLeft;
            ++refused_;
            writeBytes(std::span(&nak, 1));
            continue;
        }
        ++received_;
        if (scan.data == lastRequest_) {  // a resend of a request already taken: never act twice
            writeBytes(std::span(&ack, 1));
            if (!lastAnswer_.empty()) sendAnswer(stop, lastAnswer_, false, buffer);
            continue;
        }
        const bool badLrc = linkFault == VposFault::bad_lrc;
        if (linkFault != VposFault::no_ack) writeBytes(std::span(&ack, 1));
        // (no_ack: taken silently; the host's ACK time-out sends it again while this one is processed)
        const VposOutcome outcome = acquirer_->process(scan.data);
        lastRequest_ = scan.data;
        lastAnswer_.clear();
        if (outcome.delay.count() > 0) {
            for (auto waited = std::chrono::milliseconds(0); waited < outcome.delay && !stop.stop_requested();
                 waited += std::chrono::milliseconds(10))
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        if (outcome.kind != VposOutcome::Kind::answer) continue;  // answer lost / crashed / hung: silence
        lastAnswer_ = outcome.answer;
        sendAnswer(stop, outcome.answer, badLrc, buffer);
    }
}

}  // namespace kiosk::sim
