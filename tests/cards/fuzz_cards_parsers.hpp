#pragma once
#include <cstdint>
#include <span>

namespace kiosk::fuzz {

// Which parsers accepted the input (so the deterministic run can check it reached them all).
constexpr unsigned kAcceptedApdu = 1;
constexpr unsigned kAcceptedRecord = 2;
constexpr unsigned kAcceptedCard = 4;
constexpr unsigned kAcceptedFrame = 8;
constexpr unsigned kAcceptedIdText = 16;
constexpr unsigned kAcceptedIdentity = 32;

/// The fuzz entry point: byte 0 picks the parser family, the rest is its input.
unsigned fuzzCardParsers(std::span<const uint8_t> input);

}  // namespace kiosk::fuzz
