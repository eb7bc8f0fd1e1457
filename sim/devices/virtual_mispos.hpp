#pragma once
// A virtual MIS-POS terminal on a pty (harness.md §3): the driver opens the slave side (or a
// symlink to it) like /dev/ttyS1; this object speaks the serial framing of
// drivers/pos/mispos/mispos_protocol.hpp on the master side and hands every request to the
// simulated acquirer (virtual_acquirer.hpp), whose scenarios and faults it plays.
//
// Link behaviour: a frame with a bad LRC or no ETX is NAKed; a good one is ACKed at once, then
// processed; the answer frame is sent again on NAK or when no ACK comes within 500 ms, 3 sends in
// all. The same request received again (the host resent a frame whose ACK it missed) is not
// processed twice: the previous answer is sent again. Link faults: nak (every frame of the next
// exchange NAKed, 3 times), bad_lrc (every answer frame of the next exchange with a wrong LRC).

#include <atomic>
#include <filesystem>
#include <memory>
#include <mutex>
#include <span>
#include <thread>

#include "sim/devices/virtual_acquirer.hpp"

namespace kiosk::sim {

class VirtualMisPos {
public:
    /// Opens a pty pair; a symlink to the slave is made at `link` when not empty.
    static Result<std::unique_ptr<VirtualMisPos>> create(std::shared_ptr<VirtualAcquirer> acquirer,
                                                         std::filesystem::path link = {});
    ~VirtualMisPos();
    VirtualMisPos(const VirtualMisPos&) = delete;
    VirtualMisPos& operator=(const VirtualMisPos&) = delete;

    const std::filesystem::path& path() const { return path_; }
    VirtualAcquirer& acquirer() { return *acquirer_; }
    /// Frames received with a good LRC, frames NAKed, answer frames sent (resends included).
    int framesReceived() const { return received_; }
    int framesRefused() const { return refused_; }
    int answersSent() const { return answers_; }

private:
    VirtualMisPos(int master, int slave, std::filesystem::path path, std::filesystem::path link,
                  std::shared_ptr<VirtualAcquirer> acquirer);
    void serve(std::stop_token stop);
    void sendAnswer(std::stop_token& stop, const std::string& answer, bool badLrc, std::vector<uint8_t>& buffer);
    bool readSome(std::stop_token& stop, std::vector<uint8_t>& buffer, int timeoutMs);
    void writeBytes(std::span<const uint8_t> bytes);

    int master_;
    int slave_;
    std::filesystem::path path_;
    std::filesystem::path link_;
    std::shared_ptr<VirtualAcquirer> acquirer_;
    std::atomic<int> received_{0};
    std::atomic<int> refused_{0};
    std::atomic<int> answers_{0};
    std::string lastRequest_;
    std::string lastAnswer_;
    std::jthread server_;
};

}  // namespace kiosk::sim
