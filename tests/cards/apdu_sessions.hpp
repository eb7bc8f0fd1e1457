#pragma once
// Recorded APDU sessions (tests/samples/apdu/*.apdu): one file per case, named after it.
//   # comment
//   atr: 3B80800101                     the card's ATR
//   expect: ok | card.needs_pin | …     the outcome the profiles must reach
//   masked: <PatientIdentity::masked()> for "ok" (what a log line would show)
//   > 00A4040000…                       a command, as the profiles sent it
//   < 9000                              the card's answer (data + SW, after 61xx/6Cxx follow-ups)
//   ! device_not_ready card.pulled      the exchange failed (card gone)
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "drivers/card_reader/pcsc/card_profiles.hpp"

namespace kiosk::test {

struct ApduSession {
    std::string name;
    std::vector<uint8_t> atr;
    std::string expect;
    std::string masked;
    std::vector<std::string> exchanges;  ///< "> …", "< …", "! …" lines in order
};

inline std::optional<ApduSession> loadApduSession(const std::filesystem::path& file) {
    std::ifstream in(file);
    if (!in) return std::nullopt;
    ApduSession session;
    session.name = file.stem().string();
    for (std::string line; std::getline(in, line);) {
        if (line.empty() || line[0] == '#') continue;
        if (line.rfind("atr: ", 0) == 0) {
            session.atr = drivers::pcsc::fromHex(line.substr(5)).value_or(std::vector<uint8_t>{});
        } else if (line.rfind("expect: ", 0) == 0) {
            session.expect = line.substr(8);
        } else if (line.rfind("masked: ", 0) == 0) {
            session.masked = line.substr(8);
        } else {
            session.exchanges.push_back(line);
        }
    }
    return session;
}

/// Plays a session back: each command must be the recorded one; answers come from the file.
class ReplayChannel final : public drivers::pcsc::ApduChannel {
public:
    explicit ReplayChannel(const ApduSession& session) : session_(session) {}
    Result<drivers::pcsc::ApduResponse> exchange(std::span<const uint8_t> command) override {
        if (next_ >= session_.exchanges.size()) {
            return fail(Errc::internal, "replay: command beyond the recording: " + drivers::pcsc::toHex(command));
        }
        const std::string& sent = session_.exchanges[next_++];
        if (sent != "> " + drivers::pcsc::toHex(command)) {
            mismatch_ = "expected \"" + sent + "\", got \"> " + drivers::pcsc::toHex(command) + "\"";
            return fail(Errc::internal, "replay: " + mismatch_);
        }
        if (next_ >= session_.exchanges.size()) return fail(Errc::internal, "replay: recording ends after a command");
        const std::string& answer = session_.exchanges[next_++];
        if (answer.rfind("! ", 0) == 0) {
            const auto space = answer.find(' ', 2);
            return fail(Errc::device_not_ready, "replay: recorded failure", answer.substr(space + 1));
        }
        auto bytes = drivers::pcsc::fromHex(answer.substr(2));
        if (!bytes) return fail(Errc::internal, "replay: bad hex in " + answer);
        return drivers::transport::parseApduResponse(*bytes);
    }
    bool consumedAll() const { return next_ == session_.exchanges.size(); }
    const std::string& mismatch() const { return mismatch_; }

private:
    const ApduSession& session_;
    size_t next_ = 0;
    std::string mismatch_;
};

}  // namespace kiosk::test
