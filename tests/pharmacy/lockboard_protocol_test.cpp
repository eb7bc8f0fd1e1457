// The lock-board framers on their own (no pty): the published example frames of the 8A/80 boards,
// the CRC-16/MODBUS check value and specification frames, both directions of both families, and
// every bad frame the driver must refuse with a clear message.
#include <gtest/gtest.h>

#include "drivers/locker/lockboard/lockboard_protocol.hpp"

namespace kiosk::drivers::locker {
namespace {

using Bytes = std::vector<uint8_t>;

const LockFramer& eightA() {
    return framerFor(FrameFamily::eight_a);
}
const LockFramer& modbus() {
    return framerFor(FrameFamily::modbus_rtu);
}

LockRequest openOne(uint8_t board, uint8_t lock) {
    return {Operation::open_one, board, lock, 0};
}
LockRequest queryOne(uint8_t board, uint8_t lock) {
    return {Operation::query_one, board, lock, 0};
}
LockRequest queryAll(uint8_t board, uint8_t locks) {
    return {Operation::query_all, board, 0, locks};
}
LockRequest openAll(uint8_t board, uint8_t locks) {
    return {Operation::open_all, board, 0, locks};
}

TEST(LockBoardProtocol, EightAEncodesThePublishedFrames) {
    // Frames quoted in the sources named in lockboard_protocol.hpp.
    EXPECT_EQ(eightA().encodeRequest(openOne(1, 1)), (Bytes{0x8A, 0x01, 0x01, 0x11, 0x9B}));
    EXPECT_EQ(eightA().encodeRequest(openAll(1, 24)), (Bytes{0x8A, 0x01, 0x00, 0x11, 0x9A}));
    EXPECT_EQ(eightA().encodeRequest(queryOne(1, 1)), (Bytes{0x80, 0x01, 0x01, 0x33, 0xB3}));
    EXPECT_EQ(eightA().encodeRequest(queryAll(1, 24)), (Bytes{0x80, 0x01, 0x00, 0x33, 0xB2}));
    EXPECT_EQ(eightA().encodeRequest(openOne(3, 12)), (Bytes{0x8A, 0x03, 0x0C, 0x11, 0x94}));
    EXPECT_EQ(eightA().encodeRequest(openOne(2, 1)), (Bytes{0x8A, 0x02, 0x01, 0x11, 0x98}));
}

TEST(LockBoardProtocol, EightAParsesThePublishedAnswers) {
    // "8A 01 01 00 8A": lock 1 opened (input not set = door open with the common wiring).
    auto opened = eightA().parseAnswer(openOne(1, 1), Bytes{0x8A, 0x01, 0x01, 0x00, 0x8A});
    ASSERT_TRUE(opened) << opened.error().detail;
    ASSERT_EQ(opened->inputs.size(), 1u);
    EXPECT_EQ(doorFromInput(opened->inputs[0], FeedbackPolarity::closed_when_set), DoorState::open);
    EXPECT_EQ(doorFromInput(opened->inputs[0], FeedbackPolarity::open_when_set), DoorState::closed);
    // A 24-lock board: "80 01 01 01 01 33 B3" = the inputs of locks 1, 9 and 17 set.
    auto all = eightA().parseAnswer(queryAll(1, 24), Bytes{0x80, 0x01, 0x01, 0x01, 0x01, 0x33, 0xB3});
    ASSERT_TRUE(all) << all.error().detail;
    ASSERT_EQ(all->inputs.size(), 24u);
    for (int lock = 1; lock <= 24; ++lock)
        EXPECT_EQ(all->inputs[lock - 1], lock == 1 || lock == 9 || lock == 17) << lock;
    // A 12-lock board answers two groups, highest first: 80 02 05 03 33 BCC.
    Bytes twelve = {0x80, 0x02, 0x05, 0x03, 0x33};
    twelve.push_back(xorChecksum(twelve));
    auto small = eightA().parseAnswer(queryAll(2, 12), twelve);
    ASSERT_TRUE(small) << small.error().detail;
    EXPECT_EQ(small->inputs,
              (std::vector<bool>{true, true, false, false, false, false, false, false, true, false, true, false}));
}

TEST(LockBoardProtocol, Crc16ModbusMatchesTheCatalogueAndTheSpecification) {
    const std::string check = "123456789";
    EXPECT_EQ(crc16Modbus(std::span(reinterpret_cast<const uint8_t*>(check.data()), check.size())), 0x4B37);
    // Read Holding Registers, slave 1, 10 registers from 0: "01 03 00 00 00 0A C5 CD".
    EXPECT_EQ(crc16Modbus(Bytes{0x01, 0x03, 0x00, 0x00, 0x00, 0x0A}), 0xCDC5);
    // Write Single Coil 0 ON at slave 1: "01 05 00 00 FF 00 8C 3A" — our open of lock 1.
    EXPECT_EQ(modbus().encodeRequest(openOne(1, 1)), (Bytes{0x01, 0x05, 0x00, 0x00, 0xFF, 0x00, 0x8C, 0x3A}));
}

TEST(LockBoardProtocol, BothFamiliesRoundTripEveryOperation) {
    for (FrameFamily family : {FrameFamily::eight_a, FrameFamily::modbus_rtu}) {
        const LockFramer& f = framerFor(family);
        SCOPED_TRACE(std::string(frameFamilyName(family)));
        for (const LockRequest& request : {openOne(4, 7), queryOne(4, 7), queryAll(4, 20), openAll(4, 20)}) {
            const Bytes wire = f.encodeRequest(request);
            auto length = f.requestLength(wire);
            ASSERT_TRUE(length);
            EXPECT_EQ(*length, wire.size());
            auto parsed = f.parseRequest(wire);
            ASSERT_TRUE(parsed) << parsed.error().detail;
            EXPECT_EQ(parsed->operation, request.operation);
            EXPECT_EQ(parsed->board, 4);
            EXPECT_EQ(parsed->lock, request.lock);
            std::vector<bool> inputs;
            if (request.operation == Operation::query_all) {
                for (int i = 0; i < 20; ++i) inputs.push_back(i % 3 == 0);
            } else {
                inputs = {true};
            }
            const Bytes answer = f.encodeAnswer(request, inputs);
            auto need = f.answerLength(request, answer);
            ASSERT_TRUE(need);
            EXPECT_EQ(*need, answer.size());
            auto back = f.parseAnswer(request, answer);
            ASSERT_TRUE(back) << back.error().detail;
            EXPECT_EQ(back->board, 4);
            const bool carriesState = request.operation == Operation::query_all ||
                                      request.operation == Operation::query_one ||
                                      (family == FrameFamily::eight_a && request.operation == Operation::open_one);
            if (carriesState) {
                EXPECT_EQ(back->inputs, inputs);
            } else {
                EXPECT_TRUE(back->inputs.empty());
            }
        }
    }
}

/// Recomputes the check bytes of a frame that was altered on purpose (so only the alteration is wrong).
Bytes resealed(FrameFamily family, Bytes frame) {
    if (family == FrameFamily::eight_a) {
        frame.pop_back();
        frame.push_back(xorChecksum(frame));
    } else {
        frame.resize(frame.size() - 2);
        const uint16_t crc = crc16Modbus(frame);
        frame.push_back(static_cast<uint8_t>(crc & 0xFF));
        frame.push_back(static_cast<uint8_t>(crc >> 8));
    }
    return frame;
}

TEST(LockBoardProtocol, BadFramesAreRefusedSayingWhatIsWrong) {
    for (FrameFamily family : {FrameFamily::eight_a, FrameFamily::modbus_rtu}) {
        const LockFramer& f = framerFor(family);
        SCOPED_TRACE(std::string(frameFamilyName(family)));
        const bool modbusFamily = family == FrameFamily::modbus_rtu;
        const Bytes good = f.encodeAnswer(queryAll(1, 16), std::vector<bool>(16, true));
        // Bad checksum.
        Bytes corrupt = good;
        corrupt.back() ^= 0x01;
        auto checksum = f.parseAnswer(queryAll(1, 16), corrupt);
        ASSERT_FALSE(checksum);
        EXPECT_EQ(checksum.error().code, Errc::invalid_data);
        EXPECT_NE(checksum.error().detail.find(modbusFamily ? "bad CRC" : "bad checksum"), std::string::npos)
            << checksum.error().detail;
        // Wrong board address (checksum right).
        Bytes other = good;
        other[modbusFamily ? 0 : 1] = 2;
        auto board = f.parseAnswer(queryAll(1, 16), resealed(family, other));
        ASSERT_FALSE(board);
        EXPECT_NE(board.error().detail.find("answer from board 2"), std::string::npos) << board.error().detail;
        // Wrong length: a frame one byte short, and one byte long.
        Bytes shortFrame = good;
        shortFrame.erase(shortFrame.begin() + 3);
        auto tooShort = f.parseAnswer(queryAll(1, 16), resealed(family, shortFrame));
        ASSERT_FALSE(tooShort);
        EXPECT_NE(tooShort.error().detail.find("expected"), std::string::npos) << tooShort.error().detail;
        Bytes longFrame = good;
        longFrame.insert(longFrame.begin() + 3, 0x00);
        EXPECT_FALSE(f.parseAnswer(queryAll(1, 16), resealed(family, longFrame)));
        // An answer for another lock (8a query and both families' open).
        const Bytes forLock8 = f.encodeAnswer(openOne(1, 8), {true});
        auto otherLock = f.parseAnswer(openOne(1, 7), forLock8);
        ASSERT_FALSE(otherLock);
        EXPECT_NE(otherLock.error().detail.find("answered for lock 8, asked lock 7"), std::string::npos)
            << otherLock.error().detail;
        // A truncated prefix of another kind of answer is refused at once (no waiting for more).
        EXPECT_FALSE(f.answerLength(queryOne(1, 1), modbusFamily ? Bytes{0x01, 0x05} : Bytes{0x8A}));
    }
    // 8a: an unknown state byte; Modbus: an exception answer names the exception.
    auto state =
        eightA().parseAnswer(queryOne(1, 1), resealed(FrameFamily::eight_a, Bytes{0x80, 0x01, 0x01, 0x42, 0x00}));
    ASSERT_FALSE(state);
    EXPECT_NE(state.error().detail.find("unknown lock state byte 42"), std::string::npos);
    const Bytes exception = modbus().encodeRefusal(openOne(1, 40));
    auto refused = modbus().parseAnswer(openOne(1, 40), exception);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, Errc::hardware_error);
    EXPECT_NE(refused.error().detail.find("illegal data address"), std::string::npos);
    // Requests with a bad checksum are not taken by the board side either.
    Bytes request = eightA().encodeRequest(openOne(1, 1));
    request.back() ^= 0xFF;
    EXPECT_FALSE(eightA().parseRequest(request));
}

}  // namespace
}  // namespace kiosk::drivers::locker
