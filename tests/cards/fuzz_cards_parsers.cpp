// Fuzz entry point for the card parsers: APDU responses, social-security records (through the
// profiles, with the input as the card's answers) and GA 450 reader frames / ID text.
// Built as a libFuzzer target with clang (KIOSK_BUILD_FUZZERS=ON); cards_parser_tests runs the
// same entry point on seeded random input with any compiler (KIOSK_FUZZ_NO_MAIN).
#include <cstddef>
#include <cstdint>
#include <span>

#include "drivers/card_reader/pcsc/card_profiles.hpp"
#include "drivers/id_reader/ga450/ga450_protocol.hpp"
#include "tests/cards/fuzz_cards_parsers.hpp"

namespace kiosk::fuzz {

namespace {

/// Answers every command with the next slice of the fuzz input (length byte + bytes).
class FuzzChannel final : public drivers::pcsc::ApduChannel {
public:
    explicit FuzzChannel(std::span<const uint8_t> input) : input_(input) {}
    Result<drivers::pcsc::ApduResponse> exchange(std::span<const uint8_t>) override {
        if (input_.empty()) return fail(Errc::device_not_ready, "fuzz input exhausted", "card.pulled");
        const size_t length = std::min<size_t>(input_[0], input_.size() - 1);
        const auto answer = input_.subspan(1, length);
        input_ = input_.subspan(1 + length);
        return drivers::transport::parseApduResponse(answer);
    }

private:
    std::span<const uint8_t> input_;
};

}  // namespace

unsigned fuzzCardParsers(std::span<const uint8_t> input) {
    namespace pcsc = drivers::pcsc;
    namespace ga450 = drivers::ga450;
    if (input.empty()) return 0;
    const auto rest = input.subspan(1);
    unsigned accepted = 0;
    switch (input[0] % 4) {
        case 0: {
            if (auto response = drivers::transport::parseApduResponse(rest)) {
                accepted |= kAcceptedApdu;
                (void)pcsc::classifyStatusWord(response->sw());
                (void)pcsc::statusWordMeaning(response->sw());
                for (const auto& spec : pcsc::socialSecurityRecords()) {
                    auto tlv = pcsc::parseRecordTlv(response->data, spec.record);
                    if (!tlv) continue;
                    accepted |= kAcceptedRecord;
                    pcsc::SocialSecurityCardData data;
                    (void)pcsc::decodeRecord(spec.sfi, spec.record, tlv->value, data);
                    (void)pcsc::validateCardData(data, true);
                }
            }
            break;
        }
        case 1: {
            FuzzChannel channel(rest);
            const auto outcome = pcsc::readCard(channel, rest.first(std::min<size_t>(rest.size(), 4)));
            if (outcome.ok()) accepted |= kAcceptedCard;
            break;
        }
        case 2: {
            if (auto frame = ga450::parseReaderFrame(rest)) {
                accepted |= kAcceptedFrame;
                if (auto text = ga450::parseReadAnswer(frame->data)) {
                    accepted |= kAcceptedIdText;
                    if (ga450::toIdentity(*text)) accepted |= kAcceptedIdentity;
                }
            }
            break;
        }
        default: {
            (void)ga450::frameBodyLength(rest);
            if (auto text = ga450::parseIdCardText(rest.first(std::min<size_t>(rest.size(), ga450::kTextSize)))) {
                accepted |= kAcceptedIdText;
                (void)ga450::toIdentity(*text);
            }
            (void)pcsc::gbkToUtf8(rest);
            (void)pcsc::bcdDate(rest.first(std::min<size_t>(rest.size(), 4)));
            break;
        }
    }
    return accepted;
}

}  // namespace kiosk::fuzz

#ifndef KIOSK_FUZZ_NO_MAIN
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    (void)kiosk::fuzz::fuzzCardParsers(std::span<const uint8_t>(data, size));
    return 0;
}
#endif
