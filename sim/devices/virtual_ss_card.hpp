#pragma once
// A virtual social-security card that plugs into pcscd through vsmartcard's vpcd driver
// (harness.md §1): it connects to vpcd over TCP (= card inserted), answers vpcd's control
// messages and the kiosk's APDUs like a real card, and disconnects (= card removed).
//
// vpcd framing: 2-byte big-endian length + payload. A 1-byte payload is control (00 power off,
// 01 power on, 02 reset, 04 get ATR — only 04 is answered, with the ATR); a longer one is a
// command APDU, answered with response data + SW1 SW2.
//
// Files: EF05 records 01, 03, 07; EF06 records 08, 09, 4E (name extension: the GBK bytes of the
// name past the 30 of record 09, 00-padded to 20 — empty for a short name), 0A, 0B, 0C, 0D, in
// that physical order. READ RECORD by number (P2 low bits 100) and by record identifier (P2 low
// bits 000, first record whose tag is P1) both work unless the scenario says otherwise.
//
// Scenarios (named like the sim drivers'):
//   normal           answers every record of protocols.md §1; record number = tag
//   no_name_extension  an older card without record 4E (its READ RECORD answers 6A 83)
//   ef06_by_position EF06 records numbered by position (1…7): by number, record 8 does not exist
//   ef06_by_position_no_identifier  as ef06_by_position, and READ RECORD by identifier answers
//                    6A 86 (P1-P2 incorrect): only reading every record finds the tags
//   no_identifier_reads  record number = tag, READ RECORD by identifier answers 6A 86
//   pin_protected    EF06 records answer 69 82 (security status not satisfied)
//   chained          answers come as 61 xx and are fetched in 8-byte GET RESPONSE pieces
//   pulled_mid_read  the card disconnects itself in the middle of EF06 (a patient pulling it)
//   garbage          records come back with a wrong tag / impossible TLV length and 90 00
//   slow             every APDU is answered after `slowDelay`
//   not_ssc          the SSSE application does not exist (SELECT → 6A 82): any other card
// Every scenario answers a wrong Le with 6C xx, as real cards do.
//
// Latency: TCP_NODELAY, and TCP_QUICKACK re-set before every recv() (it does not stick), so an
// APDU round trip costs ~0.1 ms instead of Nagle's ~44 ms.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "drivers/sim/sample_data.hpp"

namespace kiosk::sim {

enum class CardScenario {
    normal,
    pin_protected,
    chained,
    pulled_mid_read,
    garbage,
    slow,
    not_ssc,
    no_name_extension,
    ef06_by_position,
    ef06_by_position_no_identifier,
    no_identifier_reads,
};
std::string_view cardScenarioName(CardScenario scenario);
Result<CardScenario> parseCardScenario(std::string_view name);
std::vector<std::string_view> cardScenarioNames();

struct VirtualCardOptions {
    std::string host = "127.0.0.1";
    uint16_t port = 35963;  ///< vpcd's first reader ("Virtual PCD 00 00")
    CardScenario scenario = CardScenario::normal;
    bool t0 = false;        ///< ATR announcing T=0 instead of T=1
    std::chrono::milliseconds slowDelay{150};
};

class VirtualSocialSecurityCard {
public:
    VirtualSocialSecurityCard(drivers::sim::SamplePerson person, VirtualCardOptions options);
    ~VirtualSocialSecurityCard();
    VirtualSocialSecurityCard(const VirtualSocialSecurityCard&) = delete;
    VirtualSocialSecurityCard& operator=(const VirtualSocialSecurityCard&) = delete;

    /// Connects to vpcd (card inserted). Fails if vpcd does not accept within `timeout`.
    Result<void> insert(std::chrono::milliseconds timeout = std::chrono::milliseconds(3000));
    /// Closes the connection (card removed); idempotent.
    void remove();
    /// Still connected (false after remove() or after the scenario pulled the card).
    bool inserted() const { return connected_.load(); }
    size_t apdusAnswered() const { return apdus_.load(); }
    const std::vector<uint8_t>& atr() const { return atr_; }

    /// The answer to one command APDU (no I/O): exposed for the parser tests and recordings.
    std::vector<uint8_t> answer(std::span<const uint8_t> command);

private:
    void serve(std::stop_token stop, int fd);
    /// The records of an EF in physical order (TLV bytes each); empty for an unknown SFI.
    std::vector<std::vector<uint8_t>> file(uint8_t sfi) const;

    drivers::sim::SamplePerson person_;
    VirtualCardOptions options_;
    std::vector<uint8_t> atr_;
    std::atomic<bool> connected_{false};
    std::atomic<size_t> apdus_{0};
    std::mutex mutex_;  // guards the card state below against answer() from tests
    bool selected_ = false;
    std::vector<uint8_t> pending_;  ///< data waiting for GET RESPONSE
    size_t recordsRead_ = 0;
    int fd_ = -1;
    std::jthread server_;
};

}  // namespace kiosk::sim
