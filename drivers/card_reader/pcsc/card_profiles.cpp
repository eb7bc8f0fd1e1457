#include "drivers/card_reader/pcsc/card_profiles.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

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

// How a record is found in an EF. Cards differ (pcsc_protocol.hpp): most number their records
// by tag, some by position; most read by identifier, some may not. Each EF starts with the way
// public readers use for it and falls back to the others; the way that worked is kept for the
// EF's next records, so a card costs one READ RECORD per record once its layout is known.
enum class ReadMode { by_identifier, by_number, scan };

constexpr std::string_view readModeName(ReadMode mode) {
    switch (mode) {
        case ReadMode::by_identifier: return "by identifier";
        case ReadMode::by_number: return "by number";
        case ReadMode::scan: return "scanning";
    }
    return "?";
}

// The most records a scan reads before it gives up (EF06 of a 3.0 card has about a dozen).
constexpr uint8_t kMaxScannedRecords = 32;

struct FileReader {
    uint8_t sfi;
    std::array<ReadMode, 3> order;  ///< ways to try, best first
    size_t mode = 0;                ///< index in `order` of the way to try first
    std::array<bool, 3> proven{};   ///< this way gave a record with the right tag on this card
    bool scanned = false;
    std::vector<Tlv> records{};     ///< what a scan found, in record-number order
};

struct RecordRead {
    std::optional<std::vector<uint8_t>> value{};  ///< nullopt: an optional record that is absent
    std::optional<Error> problem{};
    bool transportFailed = false;
};

Error recordError(Errc code, const RecordSpec& spec, std::string why, std::string key) {
    return Error(code, fmt::format("{} (SFI {:02X} record {:02X}) {}", spec.what, spec.sfi, spec.record, why), std::move(key));
}

/// Reads records 1, 2, … by number until the card says there are no more, indexing them by tag.
std::optional<RecordRead> scanFile(ApduChannel& channel, FileReader& file, const RecordSpec& spec, CardReadOutcome& outcome) {
    file.scanned = true;
    for (uint8_t number = 1; number <= kMaxScannedRecords; ++number) {
        // Le 00: the record's length is not known yet (a card answers 6C xx, handled below us).
        auto response = send(channel, readRecordCommand(number, file.sfi, 0x00), outcome);
        if (!response) {
            return RecordRead{.value = {}, .problem = recordError(response.error().code, spec,
                                                                   "scanning: " + response.error().detail,
                                                                   response.error().messageKey),
                              .transportFailed = true};
        }
        const SwKind kind = classifyStatusWord(response->sw());
        if (kind == SwKind::needs_pin) {
            return RecordRead{.value = {}, .problem = recordError(Errc::user_error, spec,
                                                                   fmt::format("scanning record {} answered {:04X}: {}", number,
                                                                               response->sw(), statusWordMeaning(response->sw())),
                                                                   "card.needs_pin")};
        }
        if (kind != SwKind::ok) break;  // 6A 83 after the last record (or the card stops here)
        auto tlv = parseTlv(response->data);
        if (!tlv) return RecordRead{.value = {}, .problem = tlv.error()};
        file.records.push_back(std::move(*tlv));
    }
    logger()->info("SFI {:02X}: scanned {} records by number", file.sfi, file.records.size());
    return std::nullopt;
}

/// Reads the record whose tag is `spec.record`, whatever its number: by identifier, by number
/// (checking the tag it carries) or, when neither finds it, by reading every record.
RecordRead readTaggedRecord(ApduChannel& channel, FileReader& file, const RecordSpec& spec, CardReadOutcome& outcome) {
    std::string tried;
    for (size_t index = file.mode; index < file.order.size(); ++index) {
        const ReadMode mode = file.order[index];
        if (mode == ReadMode::scan) {
            if (!file.scanned) {
                if (auto failed = scanFile(channel, file, spec, outcome)) return std::move(*failed);
            }
            tried += fmt::format("{}scanning {} records", tried.empty() ? "" : ", ", file.records.size());
            const auto found = std::find_if(file.records.begin(), file.records.end(),
                                            [&](const Tlv& tlv) { return tlv.tag == spec.record; });
            if (found != file.records.end()) {
                file.mode = index;
                return RecordRead{.value = found->value};
            }
            break;
        }
        const auto command = mode == ReadMode::by_identifier ? readRecordByIdCommand(spec.record, spec.sfi, spec.le)
                                                             : readRecordCommand(spec.record, spec.sfi, spec.le);
        auto response = send(channel, command, outcome);
        if (!response) {
            Error error = response.error();
            error.detail = fmt::format("reading {} (SFI {:02X} record {:02X}): {}", spec.what, spec.sfi, spec.record,
                                       error.detail);
            return RecordRead{.value = {}, .problem = std::move(error), .transportFailed = true};
        }
        const uint16_t sw = response->sw();
        const SwKind kind = classifyStatusWord(sw);
        if (kind == SwKind::needs_pin) {
            return RecordRead{.value = {}, .problem = recordError(Errc::user_error, spec,
                                                                   fmt::format("answered {:04X}: {}", sw, statusWordMeaning(sw)),
                                                                   "card.needs_pin")};
        }
        if (kind == SwKind::ok) {
            auto tlv = parseTlv(response->data);
            if (!tlv) {
                // Garbage: no other way of reading helps.
                return RecordRead{.value = {}, .problem = recordError(Errc::invalid_data, spec,
                                                                       fmt::format("answered a malformed record (tag {:02X}): {}",
                                                                                   response->data.empty() ? 0 : response->data[0],
                                                                                   tlv.error().detail),
                                                                       "card.unreadable")};
            }
            if (tlv->tag == spec.record) {
                file.mode = index;
                file.proven[index] = true;
                return RecordRead{.value = std::move(tlv->value)};
            }
            // Record number N holds another tag: this card numbers its records by position.
            tried += fmt::format("{}{}: tag {:02X}", tried.empty() ? "" : ", ", readModeName(mode), tlv->tag);
        } else {
            tried += fmt::format("{}{}: {:04X} {}", tried.empty() ? "" : ", ", readModeName(mode), sw, statusWordMeaning(sw));
            // Once this way has found records on this card, "not found" is the card's answer for
            // a record it may lack (4E): no other way is needed.
            if (spec.optional && sw == 0x6A83 && file.proven[index]) return RecordRead{};
        }
        logger()->info("SFI {:02X} record {:02X} not found {} ({}): trying the next way", spec.sfi, spec.record,
                       readModeName(mode), tried);
    }
    if (spec.optional) {
        logger()->info("{} (SFI {:02X} record {:02X}) absent: {}", spec.what, spec.sfi, spec.record, tried);
        return RecordRead{};
    }
    return RecordRead{.value = {}, .problem = recordError(Errc::invalid_data, spec, "not found: " + tried, "card.unreadable")};
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
    // EF05 by number first (`00 B2 07 2C 0B` in every public reader seen), EF06 by identifier
    // first (the C# reader of pcsc_protocol.hpp): it finds a tag wherever the card put it.
    FileReader ef05{.sfi = kSfiEf05, .order = {ReadMode::by_number, ReadMode::by_identifier, ReadMode::scan}};
    FileReader ef06{.sfi = kSfiEf06, .order = {ReadMode::by_identifier, ReadMode::by_number, ReadMode::scan}};
    bool ef06Complete = true;
    for (const RecordSpec& spec : socialSecurityRecords()) {
        FileReader& file = spec.sfi == kSfiEf05 ? ef05 : ef06;
        RecordRead read = readTaggedRecord(channel, file, spec, outcome);
        if (read.problem) {
            outcome.problem = std::move(read.problem);
            outcome.transportFailed = read.transportFailed;
            if (outcome.problem->messageKey == "card.needs_pin" && spec.sfi == kSfiEf06) ef06Complete = false;
            break;
        }
        if (!read.value) continue;  // an optional record the card does not have
        if (auto decoded = decodeRecord(spec.sfi, spec.record, *read.value, outcome.card); !decoded) {
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
