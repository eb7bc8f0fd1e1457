#include "drivers/locker/lockboard/lockboard_protocol.hpp"

#include <fmt/format.h>

namespace kiosk::drivers::locker {

std::string_view doorStateName(DoorState state) {
    return state == DoorState::open ? "open" : "closed";
}

std::string_view polarityName(FeedbackPolarity polarity) {
    return polarity == FeedbackPolarity::closed_when_set ? "closed_when_set" : "open_when_set";
}

std::optional<FeedbackPolarity> parsePolarity(std::string_view text) {
    if (text == "closed_when_set") return FeedbackPolarity::closed_when_set;
    if (text == "open_when_set") return FeedbackPolarity::open_when_set;
    return std::nullopt;
}

DoorState doorFromInput(bool inputSet, FeedbackPolarity polarity) {
    const bool closed = polarity == FeedbackPolarity::closed_when_set ? inputSet : !inputSet;
    return closed ? DoorState::closed : DoorState::open;
}

bool inputFromDoor(DoorState door, FeedbackPolarity polarity) {
    const bool closed = door == DoorState::closed;
    return polarity == FeedbackPolarity::closed_when_set ? closed : !closed;
}

std::string_view frameFamilyName(FrameFamily family) {
    return family == FrameFamily::eight_a ? "8a" : "modbus_rtu";
}

std::optional<FrameFamily> parseFrameFamily(std::string_view text) {
    if (text == "8a") return FrameFamily::eight_a;
    if (text == "modbus_rtu") return FrameFamily::modbus_rtu;
    return std::nullopt;
}

std::string_view operationName(Operation operation) {
    switch (operation) {
        case Operation::open_one:
            return "open";
        case Operation::open_all:
            return "open all";
        case Operation::query_one:
            return "query";
        case Operation::query_all:
            return "query all";
    }
    return "?";
}

uint8_t xorChecksum(std::span<const uint8_t> bytes) {
    uint8_t sum = 0;
    for (uint8_t b : bytes) sum ^= b;
    return sum;
}

uint16_t crc16Modbus(std::span<const uint8_t> bytes) {
    // Modbus over Serial Line V1.02 §6.2.2: shift right, XOR 0xA001 when the bit shifted out is 1.
    uint16_t crc = 0xFFFF;
    for (uint8_t b : bytes) {
        crc ^= b;
        for (int bit = 0; bit < 8; ++bit)
            crc = (crc & 1U) != 0 ? static_cast<uint16_t>((crc >> 1) ^ 0xA001U) : static_cast<uint16_t>(crc >> 1);
    }
    return crc;
}

std::string hexBytes(std::span<const uint8_t> bytes) {
    std::string out;
    for (uint8_t b : bytes) out += fmt::format("{}{:02X}", out.empty() ? "" : " ", b);
    return out;
}

namespace {

size_t groupsFor(int locks) {
    return static_cast<size_t>((locks + 7) / 8);
}

// ───────────────────────────── 8A / 80 family ─────────────────────────────
constexpr uint8_t kOpenHeader = 0x8A;
constexpr uint8_t kQueryHeader = 0x80;
constexpr uint8_t kOpenFunction = 0x11;
constexpr uint8_t kQueryFunction = 0x33;
constexpr uint8_t kStateSet = 0x11;    // feedback input set (locked, with the common wiring)
constexpr uint8_t kStateClear = 0x00;  // feedback input not set

class EightAFramer final : public LockFramer {
public:
    FrameFamily family() const override { return FrameFamily::eight_a; }
    int maxBoardAddress() const override { return 255; }
    int maxLocksPerBoard() const override { return 64; }

    std::vector<uint8_t> encodeRequest(const LockRequest& r) const override {
        const bool open = r.operation == Operation::open_one || r.operation == Operation::open_all;
        const bool one = r.operation == Operation::open_one || r.operation == Operation::query_one;
        std::vector<uint8_t> f = {open ? kOpenHeader : kQueryHeader, r.board, one ? r.lock : uint8_t{0},
                                  open ? kOpenFunction : kQueryFunction};
        f.push_back(xorChecksum(f));
        return f;
    }

    Result<size_t> answerLength(const LockRequest& r, std::span<const uint8_t> prefix) const override {
        if (prefix.empty()) return 0;
        const bool open = r.operation == Operation::open_one || r.operation == Operation::open_all;
        const uint8_t header = open ? kOpenHeader : kQueryHeader;
        if (prefix[0] != header) {
            return fail(Errc::invalid_data, fmt::format("{} answer starts with {:02X}, expected {:02X}",
                                                        operationName(r.operation), prefix[0], header));
        }
        if (r.operation == Operation::query_all) return 4 + groupsFor(r.lockCount);
        return 5;
    }

    Result<LockAnswer> parseAnswer(const LockRequest& r, std::span<const uint8_t> f) const override {
        auto expected = answerLength(r, f);
        if (!expected) return std::unexpected(expected.error());
        if (f.size() != *expected) {
            return fail(Errc::invalid_data, fmt::format("{} answer has {} bytes, expected {} ({})",
                                                        operationName(r.operation), f.size(), *expected, hexBytes(f)));
        }
        if (xorChecksum(f.first(f.size() - 1)) != f.back()) {
            return fail(Errc::invalid_data,
                        fmt::format("bad checksum in {} answer {} (BCC should be {:02X})", operationName(r.operation),
                                    hexBytes(f), xorChecksum(f.first(f.size() - 1))));
        }
        if (f[1] != r.board) {
            return fail(Errc::invalid_data, fmt::format("answer from board {} to a {} sent to board {} ({})", f[1],
                                                        operationName(r.operation), r.board, hexBytes(f)));
        }
        LockAnswer answer{.board = f[1], .inputs = {}};
        switch (r.operation) {
            case Operation::open_all:
                if (f[2] != 0x00 || f[3] != kOpenFunction) {
                    return fail(Errc::invalid_data, fmt::format("open-all answer is not the echo: {}", hexBytes(f)));
                }
                return answer;
            case Operation::query_all: {
                if (f[f.size() - 2] != kQueryFunction) {
                    return fail(Errc::invalid_data,
                                fmt::format("query-all answer lacks its 33 before the BCC: {}", hexBytes(f)));
                }
                const size_t groups = groupsFor(r.lockCount);
                for (int lock = 1; lock <= r.lockCount; ++lock) {
                    const size_t group = static_cast<size_t>(lock - 1) / 8;  // 0 = locks 1-8
                    const uint8_t byte = f[2 + (groups - 1 - group)];        // highest group first
                    answer.inputs.push_back(((byte >> ((lock - 1) % 8)) & 1U) != 0);
                }
                return answer;
            }
            case Operation::open_one:
            case Operation::query_one:
                if (f[2] != r.lock) {
                    return fail(Errc::invalid_data, fmt::format("board {} answered for lock {}, asked lock {} ({})",
                                                                r.board, f[2], r.lock, hexBytes(f)));
                }
                if (f[3] != kStateSet && f[3] != kStateClear) {
                    return fail(Errc::invalid_data,
                                fmt::format("unknown lock state byte {:02X} in {}", f[3], hexBytes(f)));
                }
                answer.inputs.push_back(f[3] == kStateSet);
                return answer;
        }
        return answer;
    }

    Result<size_t> requestLength(std::span<const uint8_t> prefix) const override {
        if (prefix.empty()) return 0;
        if (prefix[0] != kOpenHeader && prefix[0] != kQueryHeader) {
            return fail(Errc::invalid_data, fmt::format("{:02X} does not start a request", prefix[0]));
        }
        return 5;
    }

    Result<LockRequest> parseRequest(std::span<const uint8_t> f) const override {
        if (f.size() != 5) return fail(Errc::invalid_data, fmt::format("request has {} bytes, expected 5", f.size()));
        if (xorChecksum(f.first(4)) != f[4]) return fail(Errc::invalid_data, "bad checksum in " + hexBytes(f));
        const bool open = f[0] == kOpenHeader;
        if ((open && f[3] != kOpenFunction) || (!open && f[3] != kQueryFunction)) {
            return fail(Errc::invalid_data, "unknown function in " + hexBytes(f));
        }
        const bool all = f[2] == 0;
        LockRequest r{.operation = open ? (all ? Operation::open_all : Operation::open_one)
                                        : (all ? Operation::query_all : Operation::query_one),
                      .board = f[1],
                      .lock = f[2],
                      .lockCount = 0};
        return r;
    }

    std::vector<uint8_t> encodeAnswer(const LockRequest& r, const std::vector<bool>& inputs) const override {
        std::vector<uint8_t> f;
        switch (r.operation) {
            case Operation::open_all:
                f = {kOpenHeader, r.board, 0x00, kOpenFunction};
                break;
            case Operation::open_one:
            case Operation::query_one:
                f = {r.operation == Operation::open_one ? kOpenHeader : kQueryHeader, r.board, r.lock,
                     !inputs.empty() && inputs[0] ? kStateSet : kStateClear};
                break;
            case Operation::query_all: {
                const size_t groups = groupsFor(static_cast<int>(inputs.size()));
                std::vector<uint8_t> bytes(groups, 0);
                for (size_t i = 0; i < inputs.size(); ++i) {
                    if (inputs[i]) bytes[groups - 1 - i / 8] |= static_cast<uint8_t>(1U << (i % 8));
                }
                f = {kQueryHeader, r.board};
                f.insert(f.end(), bytes.begin(), bytes.end());
                f.push_back(kQueryFunction);
                break;
            }
        }
        f.push_back(xorChecksum(f));
        return f;
    }

    std::vector<uint8_t> encodeRefusal(const LockRequest&) const override { return {}; }
};

// ───────────────────────────── Modbus RTU family ─────────────────────────────
constexpr uint8_t kReadDiscreteInputs = 0x02;
constexpr uint8_t kWriteSingleCoil = 0x05;
constexpr uint8_t kWriteMultipleCoils = 0x0F;
constexpr uint8_t kExceptionFlag = 0x80;

void appendCrc(std::vector<uint8_t>& f) {
    const uint16_t crc = crc16Modbus(f);
    f.push_back(static_cast<uint8_t>(crc & 0xFF));  // low byte first (Serial Line §2.5.1.2)
    f.push_back(static_cast<uint8_t>(crc >> 8));
}

bool crcOk(std::span<const uint8_t> f) {
    if (f.size() < 4) return false;
    const uint16_t crc = crc16Modbus(f.first(f.size() - 2));
    return f[f.size() - 2] == (crc & 0xFF) && f[f.size() - 1] == (crc >> 8);
}

std::string_view exceptionMeaning(uint8_t code) {
    switch (code) {
        case 0x01:
            return "illegal function";
        case 0x02:
            return "illegal data address (no such lock)";
        case 0x03:
            return "illegal data value";
        case 0x04:
            return "server device failure";
        case 0x06:
            return "server device busy";
        default:
            return "unknown exception";
    }
}

uint8_t functionOf(Operation op) {
    switch (op) {
        case Operation::open_one:
            return kWriteSingleCoil;
        case Operation::open_all:
            return kWriteMultipleCoils;
        case Operation::query_one:
        case Operation::query_all:
            return kReadDiscreteInputs;
    }
    return 0;
}

class ModbusFramer final : public LockFramer {
public:
    FrameFamily family() const override { return FrameFamily::modbus_rtu; }
    int maxBoardAddress() const override { return 247; }  // unicast addresses 1…247 (Serial Line §2.2)
    int maxLocksPerBoard() const override { return 128; }

    std::vector<uint8_t> encodeRequest(const LockRequest& r) const override {
        std::vector<uint8_t> f = {r.board, functionOf(r.operation)};
        const auto address = static_cast<uint8_t>(r.lock == 0 ? 0 : r.lock - 1);
        switch (r.operation) {
            case Operation::open_one:
                f.insert(f.end(), {0x00, address, 0xFF, 0x00});
                break;
            case Operation::query_one:
                f.insert(f.end(), {0x00, address, 0x00, 0x01});
                break;
            case Operation::query_all:
                f.insert(f.end(), {0x00, 0x00, 0x00, r.lockCount});
                break;
            case Operation::open_all: {
                const size_t bytes = groupsFor(r.lockCount);
                f.insert(f.end(), {0x00, 0x00, 0x00, r.lockCount, static_cast<uint8_t>(bytes)});
                for (size_t i = 0; i < bytes; ++i) {
                    const int inByte = std::min(8, r.lockCount - static_cast<int>(i) * 8);
                    f.push_back(static_cast<uint8_t>((1U << inByte) - 1U));  // unused high bits 0 (§6.11)
                }
                break;
            }
        }
        appendCrc(f);
        return f;
    }

    Result<size_t> answerLength(const LockRequest& r, std::span<const uint8_t> prefix) const override {
        if (prefix.size() < 2) return 0;
        if ((prefix[1] & kExceptionFlag) != 0) return 5;
        if (prefix[1] != functionOf(r.operation)) {
            return fail(Errc::invalid_data,
                        fmt::format("{} answer has function {:02X}, expected {:02X} ({})", operationName(r.operation),
                                    prefix[1], functionOf(r.operation), hexBytes(prefix)));
        }
        switch (r.operation) {
            case Operation::open_one:
            case Operation::open_all:
                return 8;
            case Operation::query_one:
                return 6;
            case Operation::query_all:
                return 5 + groupsFor(r.lockCount);
        }
        return 0;
    }

    Result<LockAnswer> parseAnswer(const LockRequest& r, std::span<const uint8_t> f) const override {
        auto expected = answerLength(r, f);
        if (!expected) return std::unexpected(expected.error());
        if (*expected == 0 || f.size() != *expected) {
            return fail(Errc::invalid_data, fmt::format("{} answer has {} bytes, expected {} ({})",
                                                        operationName(r.operation), f.size(), *expected, hexBytes(f)));
        }
        if (!crcOk(f)) {
            const uint16_t crc = crc16Modbus(f.first(f.size() - 2));
            return fail(Errc::invalid_data, fmt::format("bad CRC in {} answer {} (CRC should be {:02X} {:02X})",
                                                        operationName(r.operation), hexBytes(f), crc & 0xFF, crc >> 8));
        }
        if (f[0] != r.board) {
            return fail(Errc::invalid_data, fmt::format("answer from board {} to a {} sent to board {} ({})", f[0],
                                                        operationName(r.operation), r.board, hexBytes(f)));
        }
        if ((f[1] & kExceptionFlag) != 0) {
            return fail(Errc::hardware_error,
                        fmt::format("board {} refused {} (lock {}): Modbus exception {:02X}, {}", r.board,
                                    operationName(r.operation), r.lock, f[2], exceptionMeaning(f[2])));
        }
        LockAnswer answer{.board = f[0], .inputs = {}};
        if (r.operation == Operation::open_one || r.operation == Operation::open_all) {
            // Both writes are answered by an echo of the request's first six bytes.
            const auto request = encodeRequest(r);
            if (!std::equal(f.begin(), f.begin() + 6, request.begin())) {
                if (r.operation == Operation::open_one && f[3] != request[3]) {
                    return fail(Errc::invalid_data, fmt::format("board {} answered for lock {}, asked lock {} ({})",
                                                                r.board, f[3] + 1, r.lock, hexBytes(f)));
                }
                return fail(Errc::invalid_data,
                            fmt::format("{} answer is not the echo: {}", operationName(r.operation), hexBytes(f)));
            }
            return answer;
        }
        const size_t count = r.operation == Operation::query_one ? 1 : r.lockCount;
        if (f[2] != groupsFor(static_cast<int>(count))) {
            return fail(Errc::invalid_data,
                        fmt::format("{} answer counts {} data bytes, expected {} ({})", operationName(r.operation),
                                    f[2], groupsFor(static_cast<int>(count)), hexBytes(f)));
        }
        for (size_t i = 0; i < count; ++i) answer.inputs.push_back(((f[3 + i / 8] >> (i % 8)) & 1U) != 0);
        return answer;
    }

    Result<size_t> requestLength(std::span<const uint8_t> prefix) const override {
        if (prefix.size() < 2) return 0;
        switch (prefix[1]) {
            case kWriteSingleCoil:
            case kReadDiscreteInputs:
                return 8;
            case kWriteMultipleCoils:
                if (prefix.size() < 7) return 0;
                return 9 + static_cast<size_t>(prefix[6]);
            default:
                return fail(Errc::invalid_data, fmt::format("function {:02X} is not a lock-board request", prefix[1]));
        }
    }

    Result<LockRequest> parseRequest(std::span<const uint8_t> f) const override {
        auto length = requestLength(f);
        if (!length) return std::unexpected(length.error());
        if (f.size() != *length)
            return fail(Errc::invalid_data, fmt::format("request has {} bytes, expected {}", f.size(), *length));
        if (!crcOk(f)) return fail(Errc::invalid_data, "bad CRC in " + hexBytes(f));
        const int start = f[2] << 8 | f[3];
        const int quantity = f[4] << 8 | f[5];
        LockRequest r{.operation = Operation::query_all, .board = f[0], .lock = 0, .lockCount = 0};
        switch (f[1]) {
            case kWriteSingleCoil:
                if (quantity != 0xFF00)
                    return fail(Errc::invalid_data, "write single coil with a value other than FF00: " + hexBytes(f));
                r.operation = Operation::open_one;
                r.lock = static_cast<uint8_t>(start + 1);
                break;
            case kWriteMultipleCoils:
                if (start != 0) return fail(Errc::invalid_data, "write multiple coils not from coil 0: " + hexBytes(f));
                r.operation = Operation::open_all;
                r.lockCount = static_cast<uint8_t>(quantity);
                break;
            default:
                if (quantity == 1 && start > 0) {
                    r.operation = Operation::query_one;
                    r.lock = static_cast<uint8_t>(start + 1);
                } else if (start == 0 && quantity == 1) {
                    // Inputs 0…0: ambiguous between "lock 1" and "all of a 1-lock board"; a
                    // one-lock read is what both mean.
                    r.operation = Operation::query_one;
                    r.lock = 1;
                } else if (start == 0) {
                    r.operation = Operation::query_all;
                    r.lockCount = static_cast<uint8_t>(quantity);
                } else {
                    return fail(Errc::invalid_data,
                                "read discrete inputs of a range the boards do not use: " + hexBytes(f));
                }
        }
        return r;
    }

    std::vector<uint8_t> encodeAnswer(const LockRequest& r, const std::vector<bool>& inputs) const override {
        if (r.operation == Operation::open_one || r.operation == Operation::open_all) {
            auto f = encodeRequest(r);
            f.resize(6);
            appendCrc(f);
            return f;
        }
        std::vector<uint8_t> f = {r.board, kReadDiscreteInputs,
                                  static_cast<uint8_t>(groupsFor(static_cast<int>(inputs.size())))};
        std::vector<uint8_t> bytes(f[2], 0);
        for (size_t i = 0; i < inputs.size(); ++i) {
            if (inputs[i]) bytes[i / 8] |= static_cast<uint8_t>(1U << (i % 8));
        }
        f.insert(f.end(), bytes.begin(), bytes.end());
        appendCrc(f);
        return f;
    }

    std::vector<uint8_t> encodeRefusal(const LockRequest& r) const override {
        std::vector<uint8_t> f = {r.board, static_cast<uint8_t>(functionOf(r.operation) | kExceptionFlag), 0x02};
        appendCrc(f);
        return f;
    }
};

}  // namespace

const LockFramer& framerFor(FrameFamily family) {
    static const EightAFramer eightA;
    static const ModbusFramer modbus;
    if (family == FrameFamily::eight_a) return eightA;
    return modbus;
}

}  // namespace kiosk::drivers::locker
