#include "drivers/card_reader/pcsc/card_profiles.hpp"

#include <fmt/format.h>

#include "kiosk/core/log.hpp"

namespace kiosk::drivers::pcsc {

namespace {

std::shared_ptr<spdlog::logger> logger() { return log::module("card"); }

/// Sends one command, keeps its status word.
Result<ApduResponse> send(ApduChannel& channel, std::span<const uint8_t> command, CardReadOutcome& outcome) {
    auto response = channel.exchange(command);
    if (response) outcome.statusWords.push_back(response->swText());
    return response;
}

std::optional<CardReadOutcome> readSocialSecurityCard(ApduChannel& channel, std::span<const uint8_t>) {
    CardReadOutcome outcome;
    outcome.profile = "social_security";
    const auto select = selectSsseCommand();
    auto selected = send(channel, select, outcome);
    if (!selected) {
        outcome.problem = selected.error();
        outcome.transportFailed = true;
        return outcome;
    }
    switch (classifyStatusWord(selected->sw())) {
        case SwKind::ok: break;
        case SwKind::needs_pin:
            outcome.problem = Error(Errc::user_error, "SELECT SSSE: " + statusWordMeaning(selected->sw()), "card.needs_pin");
            return outcome;
        default:
            // 6A 82 (no such application), 6D 00/6E 00, anything else: not a social-security card.
            logger()->info("SELECT SSSE answered {:04X} ({}): not a social-security card", selected->sw(),
                           statusWordMeaning(selected->sw()));
            return std::nullopt;
    }
    bool ef06Complete = true;
    for (const RecordSpec& spec : socialSecurityRecords()) {
        const auto command = readRecordCommand(spec.record, spec.sfi, spec.le);
        auto response = send(channel, command, outcome);
        if (!response) {
            outcome.problem = response.error();
            outcome.transportFailed = true;
            outcome.problem->detail = fmt::format("reading {} (SFI {:02X} record {:02X}): {}", spec.what, spec.sfi,
                                                  spec.record, response.error().detail);
            break;
        }
        const SwKind kind = classifyStatusWord(response->sw());
        if (kind == SwKind::needs_pin) {
            outcome.problem = Error(Errc::user_error,
                                    fmt::format("{} (SFI {:02X} record {:02X}) answered {:04X}: {}", spec.what, spec.sfi,
                                                spec.record, response->sw(), statusWordMeaning(response->sw())),
                                    "card.needs_pin");
            if (spec.sfi == kSfiEf06) ef06Complete = false;
            break;
        }
        if (kind != SwKind::ok) {
            outcome.problem = Error(Errc::invalid_data,
                                    fmt::format("{} (SFI {:02X} record {:02X}) answered {:04X}: {}", spec.what, spec.sfi,
                                                spec.record, response->sw(), statusWordMeaning(response->sw())),
                                    "card.unreadable");
            break;
        }
        auto tlv = parseRecordTlv(response->data, spec.record);
        if (!tlv) {
            outcome.problem = tlv.error();
            break;
        }
        if (auto decoded = decodeRecord(spec.sfi, spec.record, tlv->value, outcome.card); !decoded) {
            outcome.problem = decoded.error();
            break;
        }
    }
    if (!outcome.problem) {
        if (auto valid = validateCardData(outcome.card, ef06Complete); !valid) outcome.problem = valid.error();
    } else if (outcome.problem->messageKey == "card.needs_pin") {
        // Keep what EF05 gave (card number) if it is consistent; drop the rest.
        if (!validateCardData(outcome.card, false)) outcome.card = SocialSecurityCardData{};
    }
    outcome.identity = toIdentity(outcome.card);
    return outcome;
}

std::optional<CardReadOutcome> catchAll(ApduChannel&, std::span<const uint8_t> atr) {
    CardReadOutcome outcome;
    outcome.profile = "catch_all";
    outcome.problem = Error(Errc::unsupported, fmt::format("no card profile recognises this card (ATR {})", toHex(atr)),
                            "card.unsupported");
    return outcome;
}

}  // namespace

Result<ApduResponse> RecordingChannel::exchange(std::span<const uint8_t> command) {
    lines_.push_back("> " + toHex(command));
    auto response = inner_.exchange(command);
    if (response) {
        std::vector<uint8_t> raw = response->data;
        raw.push_back(response->sw1);
        raw.push_back(response->sw2);
        lines_.push_back("< " + toHex(raw));
    } else {
        lines_.push_back("! " + std::string(errcName(response.error().code)) + " " + response.error().messageKey);
    }
    return response;
}

const std::vector<CardProfile>& cardProfiles() {
    static const std::vector<CardProfile> profiles = {
        {"social_security", "social-security card (社会保障卡), SSSE application", &readSocialSecurityCard},
        {"catch_all", "any other card: not supported here", &catchAll},
    };
    return profiles;
}

const CardProfile* findCardProfile(std::string_view name) {
    for (const auto& profile : cardProfiles()) {
        if (profile.name == name) return &profile;
    }
    return nullptr;
}

CardReadOutcome readCard(ApduChannel& channel, std::span<const uint8_t> atr, std::string_view pinned) {
    for (const auto& profile : cardProfiles()) {
        if (!pinned.empty() && profile.name != pinned && profile.name != "catch_all") continue;
        if (auto outcome = profile.read(channel, atr)) {
            if (outcome->ok()) {
                logger()->info("card read by profile {}: {}", profile.name, outcome->identity.masked());
            } else {
                logger()->warn("card read by profile {} failed: {} [{}]", profile.name, outcome->problem->detail,
                               outcome->problem->messageKey);
            }
            return std::move(*outcome);
        }
    }
    return *catchAll(channel, atr);
}

}  // namespace kiosk::drivers::pcsc
