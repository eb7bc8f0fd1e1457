#pragma once
// Card profiles: what the pcsc card reader does with a card once it is connected. Tried in one
// ordered list (OpenSC's internal_card_drivers[]); the first profile that recognises the card
// reads it; the catch-all at the end answers "this card is not supported here". A site can pin
// one profile (`profile = "social_security"` in the device's config).
//
// [X] social_security: SELECT SSSE, EF05 records 01/03/07, EF06 records 08/09/4E/0A/0B/0D
//     (protocols.md §1); a record that needs a PIN or PSAM authentication (69 82, 69 83, 63 Cx)
//     ends the read with what was read so far and card.needs_pin
// [X] records found by their tag whatever their number: EF06 read by identifier first
//     (00 B2 tag 30), then by number (checking the tag), then by reading every record; EF05 by
//     number first. The way that worked is kept for the rest of the EF.
// [X] name extension 4E joined to the name; absent (6A 83) or empty on older cards
// [X] catch_all: any other card → card.unsupported (ATR logged in hex; it is not personal data)
// [ ] PIN entry (needs a PIN pad) and PSAM external authentication

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "drivers/card_reader/pcsc/pcsc_protocol.hpp"

namespace kiosk::drivers::pcsc {

/// Where a profile sends its commands: the real card (through transport::PcscCard::transmit,
/// 61xx/6Cxx already handled) or a recorded session in tests.
class ApduChannel {
public:
    virtual ~ApduChannel() = default;
    virtual Result<ApduResponse> exchange(std::span<const uint8_t> command) = 0;
};

/// A channel over a function (the driver wraps PcscCard::transmit with its deadline and cancel).
class FunctionChannel final : public ApduChannel {
public:
    explicit FunctionChannel(std::function<Result<ApduResponse>(std::span<const uint8_t>)> exchange)
        : exchange_(std::move(exchange)) {}
    Result<ApduResponse> exchange(std::span<const uint8_t> command) override { return exchange_(command); }

private:
    std::function<Result<ApduResponse>(std::span<const uint8_t>)> exchange_;
};

/// Writes every exchange as "> command" / "< response+SW" hex lines (tests/samples/apdu format).
/// Holds personal data in clear: only for diagnostics mode and fictional test cards.
class RecordingChannel final : public ApduChannel {
public:
    explicit RecordingChannel(ApduChannel& inner) : inner_(inner) {}
    Result<ApduResponse> exchange(std::span<const uint8_t> command) override;
    const std::vector<std::string>& lines() const { return lines_; }

private:
    ApduChannel& inner_;
    std::vector<std::string> lines_;
};

/// The result of reading a card: what could be read, the raw status words, and — when the read
/// did not give a usable identity — the reason (messageKey = the patient message).
struct CardReadOutcome {
    std::string profile;
    PatientIdentity identity;
    SocialSecurityCardData card;
    std::vector<std::string> statusWords;  ///< one per command, "9000", "6982"…
    std::optional<Error> problem;
    bool transportFailed = false;  ///< the problem is an exchange that failed, not a card answer
    bool ok() const { return !problem.has_value(); }
};

struct CardProfile {
    std::string_view name;
    std::string_view summary;
    /// nullopt: "not my card", try the next profile.
    std::optional<CardReadOutcome> (*read)(ApduChannel& channel, std::span<const uint8_t> atr);
};

/// The ordered profile list, catch-all last.
const std::vector<CardProfile>& cardProfiles();
const CardProfile* findCardProfile(std::string_view name);

/// Runs the profiles in order (or only `pinned` when not empty, then the catch-all).
CardReadOutcome readCard(ApduChannel& channel, std::span<const uint8_t> atr, std::string_view pinned = {});

}  // namespace kiosk::drivers::pcsc
