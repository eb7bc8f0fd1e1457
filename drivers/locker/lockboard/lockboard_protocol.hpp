#pragma once
// Pure encode/parse functions for lock-control boards (锁控板) on an RS-485 / serial line. No
// standard exists: each family of boards is one LockFramer behind the same driver
// (lockboard_driver.hpp). Both sides are here: the host side (driver) and the board side (the
// virtual lock board in sim/devices/ and the tests).
//
// Words used below: a board has an address (DIP switches) and 1…N locks; each lock has a
// feedback input (door switch). The input is "set" when its contact is closed. Whether a set
// input means the door is CLOSED (the common wiring: the switch is shorted while locked) or OPEN
// (the other wiring) is the board's feedback polarity, a per-board config value
// ("closed_when_set" / "open_when_set"). Lock numbers on the wire are 1-based in both families.
//
// ── Family "8a": the common 8A/80 open/query boards ──────────────────────────────────────────
// 9600 8N1. Every frame ends with BCC = XOR of all bytes before it.
//   open one    host  8A BB LL 11 BCC         e.g. 8A 01 01 11 9B (board 1, lock 1)
//               board 8A BB LL SS BCC         SS = feedback sensed after the pulse:
//                                             00 = input not set, 11 = input set
//                                             (e.g. 8A 01 01 00 8A: lock 1 opened)
//   open all    host  8A BB 00 11 BCC         e.g. 8A 01 00 11 9A; the board pulses its locks one
//               board 8A BB 00 11 BCC           after another and echoes (no state)
//   query one   host  80 BB LL 33 BCC         e.g. 80 01 01 33 B3
//               board 80 BB LL SS BCC         SS as above
//   query all   host  80 BB 00 33 BCC         e.g. 80 01 00 33 B2
//               board 80 BB Gk … G1 33 BCC    k = ceil(locks / 8) groups, the HIGHEST group first;
//                                             lock n is bit (n-1)%8 of group (n-1)/8 + 1; bit set
//                                             = input set. e.g. 80 01 01 01 01 33 B3 on a 24-lock
//                                             board: inputs of locks 1, 9 and 17 set.
// Sources: the vendor protocol "485锁控板通讯协议2024A1" as summarised in the README of a public
// ROS 2 lock_controller package (commands, BCC, 0x11 = locked / 0x00 = open, "上锁短路 vs 开锁短路"
// feedback wiring); a public Python locker script (`query_all_doors = 80 01 00 33 B2`, the 7-byte
// answer of a 24-lock board, groups 17-24 first, `closed_indicator = 0x11`, the all-open answer
// 8A 01 00 11 9A); a public TypeScript codec test (a 12-lock board answers two groups, highest
// first; feedback polarity "door_closing"/"door_opening"). Found with the project's code search
// for "8A 01 01 11 9B"; no manufacturer's PDF was available to check against.
//
// ── Family "modbus_rtu": boards that speak Modbus RTU ───────────────────────────────────────
// Locks are coils, door switches are discrete inputs; lock n = coil / input address n-1 (PDU
// addresses are 0-based: Modbus Application Protocol V1.1b3 §4.4). Frames: address, function,
// data, CRC-16 (low byte first).
//   open one    host  AA 05 00 n-1 FF 00 CRC  Write Single Coil (§6.5): FF00 = ON = pulse the lock
//               board the same 8 bytes (echo)
//   open all    host  AA 0F 00 00 00 N BC bits… CRC  Write Multiple Coils (§6.11), every coil ON
//               board AA 0F 00 00 00 N CRC
//   query one   host  AA 02 00 n-1 00 01 CRC  Read Discrete Inputs (§6.2)
//               board AA 02 01 b CRC          bit 0 of b = the input
//   query all   host  AA 02 00 00 00 N CRC
//               board AA 02 BC b… CRC         BC = ceil(N/8); input 1 = bit 0 of the first byte
//   exception   board AA (FC|80) EC CRC       §7: 01 illegal function, 02 illegal data address…
// CRC: CRC-16/MODBUS (poly 0x8005 reflected = 0xA001, init FFFF, no final XOR), Modbus over
// Serial Line V1.02 §6.2.2; check value for "123456789" = 0x4B37 (Greg Cook's CRC catalogue).
// The query-one answer carries no lock number: "an answer for another lock" is only detectable
// on the 8A family and on the Modbus write echo.
//
// [X] 8a: open one / open all / query one / query all, BCC both ways
// [X] modbus_rtu: FC05 / FC0F / FC02, exceptions, CRC both ways
// [X] both: board address, length, function, lock echo and state byte checked on every answer
// [ ] 8A batch open (90 …) and long power (9A/9B), active reports (82 …): not used by the kiosk
// [ ] Modbus boards with a vendor register map (holding registers for "open with time"): a
//     new framer if a site has one

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kiosk/core/error.hpp"

namespace kiosk::drivers::locker {

enum class DoorState { closed, open };
std::string_view doorStateName(DoorState state);

/// How a board's feedback input maps to the door: see the file comment.
enum class FeedbackPolarity { closed_when_set, open_when_set };
std::string_view polarityName(FeedbackPolarity polarity);
std::optional<FeedbackPolarity> parsePolarity(std::string_view text);
DoorState doorFromInput(bool inputSet, FeedbackPolarity polarity);
bool inputFromDoor(DoorState door, FeedbackPolarity polarity);

enum class FrameFamily { eight_a, modbus_rtu };
/// "8a", "modbus_rtu" (the names used in config and the model table).
std::string_view frameFamilyName(FrameFamily family);
std::optional<FrameFamily> parseFrameFamily(std::string_view text);

enum class Operation { open_one, open_all, query_one, query_all };
std::string_view operationName(Operation operation);

struct LockRequest {
    Operation operation = Operation::query_all;
    uint8_t board = 1;      ///< board address on the bus
    uint8_t lock = 0;       ///< 1-based lock on the board (open_one, query_one); 0 otherwise
    uint8_t lockCount = 0;  ///< locks on the board (open_all, query_all): sizes the answer
    bool operator==(const LockRequest&) const = default;
};

struct LockAnswer {
    uint8_t board = 0;
    /// query_all: the inputs of locks 1…lockCount (index 0 = lock 1); query_one: one entry; an
    /// 8a open_one: one entry, the input the board sensed after the pulse; open_all and Modbus
    /// open_one: empty (the echo carries no state).
    std::vector<bool> inputs;
};

/// XOR of every byte (the 8a family's BCC).
uint8_t xorChecksum(std::span<const uint8_t> bytes);
/// CRC-16/MODBUS of `bytes`. Written here (12 lines): the Debian candidates are Boost.CRC (in
/// libboost1.81-dev: 151 MiB of headers as a build dependency for one function) and libmodbus (its crc16 is
/// static and it owns the serial port itself, so it cannot sit behind a framer).
uint16_t crc16Modbus(std::span<const uint8_t> bytes);

/// "8A 01 01 11 9B": the form logs and tests print.
std::string hexBytes(std::span<const uint8_t> bytes);

class LockFramer {
public:
    virtual ~LockFramer() = default;
    virtual FrameFamily family() const = 0;
    virtual int maxBoardAddress() const = 0;
    virtual int maxLocksPerBoard() const = 0;

    // ---- host side (the driver) ----
    virtual std::vector<uint8_t> encodeRequest(const LockRequest& request) const = 0;
    /// The whole answer's length, judged from its first bytes: 0 = need more bytes. An error
    /// when the prefix cannot start an answer to `request` (wrong start byte).
    virtual Result<size_t> answerLength(const LockRequest& request, std::span<const uint8_t> prefix) const = 0;
    /// Checks one complete answer against `request`: length, checksum, board address, function,
    /// the lock echoed, the state byte. Errors are Errc::invalid_data naming what was wrong
    /// (a Modbus exception: Errc::hardware_error).
    virtual Result<LockAnswer> parseAnswer(const LockRequest& request, std::span<const uint8_t> frame) const = 0;

    // ---- board side (virtual board, tests) ----
    /// The whole request's length from its first bytes: 0 = need more; error = not a request.
    virtual Result<size_t> requestLength(std::span<const uint8_t> prefix) const = 0;
    /// Parses one request (checksum included). lockCount is 0 for an 8a query_all / open_all
    /// (the board knows its size).
    virtual Result<LockRequest> parseRequest(std::span<const uint8_t> frame) const = 0;
    /// The board's answer; `inputs` as in LockAnswer (ignored where the answer has no state).
    virtual std::vector<uint8_t> encodeAnswer(const LockRequest& request, const std::vector<bool>& inputs) const = 0;
    /// What a board says to a request for a lock it lacks: a Modbus exception 02; nothing (empty)
    /// on the 8a family, whose boards stay silent.
    virtual std::vector<uint8_t> encodeRefusal(const LockRequest& request) const = 0;
};

/// The framer of a family (stateless singletons).
const LockFramer& framerFor(FrameFamily family);

}  // namespace kiosk::drivers::locker
