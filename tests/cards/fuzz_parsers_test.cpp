// A short deterministic run of the fuzz entry point (fuzz_cards_parsers.cpp): valid seeds
// from the virtual devices, mutated with a fixed-seed generator, plus plain random input. It
// must not crash or hang, and must reach every parser's accepting path (else the run proves
// nothing).
#include <gtest/gtest.h>

#include <random>

#include "drivers/card_reader/pcsc/pcsc_protocol.hpp"
#include "drivers/id_reader/ga450/ga450_protocol.hpp"
#include "sim/devices/virtual_ss_card.hpp"
#include "tests/cards/fuzz_cards_parsers.hpp"
#include "tests/cards/pcscd_fixture.hpp"

namespace kiosk::fuzz {
namespace {

std::vector<uint8_t> cardSessionSeed() {
    const auto people = test::samplePeople();
    sim::VirtualSocialSecurityCard card(*people.find("zhao-shenjing"), sim::VirtualCardOptions{});
    std::vector<uint8_t> seed = {1};  // family 1: the profiles with input as the card's answers
    auto add = [&](const std::vector<uint8_t>& command) {
        const auto answer = card.answer(command);
        seed.push_back(static_cast<uint8_t>(answer.size()));
        seed.insert(seed.end(), answer.begin(), answer.end());
    };
    add(drivers::pcsc::selectSsseCommand());
    for (const auto& spec : drivers::pcsc::socialSecurityRecords()) {
        add(drivers::pcsc::readRecordCommand(spec.record, spec.sfi, spec.le));
    }
    return seed;
}

std::vector<uint8_t> idFrameSeed() {
    drivers::ga450::IdCardText text{.name = "李珺", .sex = "2", .ethnicity = "01", .birthDate = "19850612",
                                    .address = "湖南省长沙市", .idNumber = "430102198506120240",
                                    .authority = "长沙市公安局", .validFrom = "20200101", .validTo = "20400101"};
    auto data = drivers::ga450::encodeReadAnswerData(text);
    auto frame = drivers::ga450::encodeReaderFrame(drivers::ga450::kStatusOk, *data);
    frame.insert(frame.begin(), 2);  // family 2: reader frames
    return frame;
}

std::vector<uint8_t> apduSeed() {
    // family 0: one record answer (tag 09, name in GBK) + 90 00
    std::vector<uint8_t> seed = {0, 0x09, 0x06, 0xC0, 0xEE, 0xAC, 0x42, 0x00, 0x00, 0x90, 0x00};
    return seed;
}

TEST(FuzzParsers, SeedsAreAcceptedSoTheRunReachesEveryParser) {
    EXPECT_TRUE(fuzzCardParsers(cardSessionSeed()) & kAcceptedCard);
    EXPECT_TRUE(fuzzCardParsers(idFrameSeed()) & kAcceptedIdentity);
    EXPECT_TRUE(fuzzCardParsers(apduSeed()) & kAcceptedRecord);
}

TEST(FuzzParsers, MutatedAndRandomInputNeverCrashes) {
    std::mt19937 random(20261123);
    const std::vector<std::vector<uint8_t>> seeds = {cardSessionSeed(), idFrameSeed(), apduSeed()};
    unsigned reached = 0;
    size_t runs = 0;
    for (int i = 0; i < 6000; ++i) {
        std::vector<uint8_t> input = seeds[static_cast<size_t>(i) % seeds.size()];
        // 0–4 random byte changes; truncation or extension now and then.
        const int flips = static_cast<int>(random() % 5);
        for (int f = 0; f < flips; ++f) input[random() % input.size()] = static_cast<uint8_t>(random());
        if (random() % 8 == 0) input.resize(random() % (input.size() + 1));
        if (random() % 16 == 0) input.resize(input.size() + random() % 64, static_cast<uint8_t>(random()));
        reached |= fuzzCardParsers(input);
        ++runs;
    }
    for (int i = 0; i < 4000; ++i) {
        std::vector<uint8_t> input(random() % 1400);
        for (auto& byte : input) byte = static_cast<uint8_t>(random());
        reached |= fuzzCardParsers(input);
        ++runs;
    }
    EXPECT_EQ(runs, 10000U);
    EXPECT_EQ(reached, kAcceptedApdu | kAcceptedRecord | kAcceptedCard | kAcceptedFrame | kAcceptedIdText | kAcceptedIdentity);
}

}  // namespace
}  // namespace kiosk::fuzz
