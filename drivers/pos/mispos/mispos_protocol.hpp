#pragma once
// The serial framing of a MIS-POS terminal driven directly over RS-232 / USB-CDC:
//
//   STX(02) | LEN(2) | DATA (the layout's fixed-width request or answer) | ETX(03) | LRC(1)
//   LEN  = length of DATA, big-endian binary (or 4 BCD digits: layout [framing] length = "bcd")
//   LRC  = XOR of every byte from LEN through ETX (STX excluded)
//   ACK(06) / NAK(15): the receiver of a frame answers ACK when it is whole and its LRC right, NAK
//   otherwise; the sender sends the same frame again on NAK or when no ACK comes within the ACK
//   time-out, at most 3 sends in all.
//
// Sources: the Landi MIS-POS unit of a public cashier system (PosBankUnit.pas "浙江银联":
// STX, a 2-byte length, the content, ETX, LRC = XOR from the length through ETX, answers
// starting 06/15); the common ECR framing "STX, length, data, ETX, LRC" with 06/15 confirmation
// (public terminal integration message definitions). The PATH/TYPE/ID bytes some Landi
// firmware puts before the content are not used by the terminals this driver targets.
//
// Two time-outs: ACK time-out (the terminal must acknowledge a frame at once: default 500 ms) and
// answer time-out (the patient inserts the card and types the PIN: default 90 s).

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "drivers/pos/mispos/mispos_layout.hpp"
#include "drivers/transport/serial.hpp"

namespace kiosk::drivers::pos {

inline constexpr uint8_t kStx = 0x02;
inline constexpr uint8_t kEtx = 0x03;
inline constexpr uint8_t kAck = 0x06;
inline constexpr uint8_t kNak = 0x15;

/// XOR of `bytes`.
uint8_t lrc(std::span<const uint8_t> bytes);
/// STX LEN DATA ETX LRC. `data` longer than 9999 bytes (BCD) / 65535 (binary) is the caller's bug.
std::vector<uint8_t> encodeFrame(std::string_view data, LengthEncoding encoding);

/// The result of looking for one frame at the front of a buffer.
struct FrameScan {
    enum class Status {
        need_more,  ///< no complete frame yet (bytes before an STX are skipped as noise)
        frame,      ///< a whole frame with a right LRC: `data`
        bad_lrc,    ///< a whole frame whose LRC is wrong
        bad_frame,  ///< a length that is not a length, or no ETX where the length says
    };
    Status status = Status::need_more;
    std::string data;
    size_t consumed = 0;  ///< bytes to drop from the buffer (noise + the frame)
    std::string detail;   ///< what was wrong, for the log
};
FrameScan scanFrame(std::span<const uint8_t> buffer, LengthEncoding encoding, size_t maxData);

struct LinkSettings {
    LengthEncoding encoding = LengthEncoding::binary;
    std::chrono::milliseconds ackTimeout{500};
    std::chrono::milliseconds answerTimeout{90000};
    int maxSends = 3;         ///< sends of one frame (the first and the resends)
    size_t maxAnswer = 4096;  ///< longest DATA accepted
};

/// What happened on the link, for the log, the tests and the driver's decision "could money have
/// moved?": the terminal took the request once it acknowledged it.
struct LinkReport {
    int sends = 0;
    int naks = 0;
    int badAnswers = 0;  ///< answer frames we NAKed
    bool accepted = false;
};

/// One request → answer exchange (host side). Errors:
///   hardware_error     NAK to every send (request refused; accepted = false)
///   timeout            no ACK to any send (accepted = false) or no answer in time (accepted = true)
///   invalid_answer     answer frames bad on every try (we NAKed them; accepted = true)
///   device_not_ready   the line hung up; cancelled
Result<std::string> exchangeFrame(transport::SerialPort& port, std::string_view request, const LinkSettings& settings,
                                  const CancelToken& cancel, LinkReport& report);

}  // namespace kiosk::drivers::pos
