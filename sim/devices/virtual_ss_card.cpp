#include "sim/devices/virtual_ss_card.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "drivers/card_reader/pcsc/pcsc_protocol.hpp"
#include "kiosk/core/log.hpp"

namespace kiosk::sim {

namespace {

using Clock = std::chrono::steady_clock;

// T=1 card: TS 3B, T0 80 (TD1 follows, no historical bytes), TD1 80 (TD2 follows, T=0 listed),
// TD2 01 (T=1), TCK 01 (XOR of T0…TD2).
const std::vector<uint8_t> kAtrT1 = {0x3B, 0x80, 0x80, 0x01, 0x01};
// T=0 card: TS 3B, T0 02 (no interface bytes → T=0; 2 historical bytes), 14 50.
const std::vector<uint8_t> kAtrT0 = {0x3B, 0x02, 0x14, 0x50};

std::vector<uint8_t> sw(uint8_t sw1, uint8_t sw2, std::vector<uint8_t> data = {}) {
    data.push_back(sw1);
    data.push_back(sw2);
    return data;
}

std::vector<uint8_t> tlv(uint8_t tag, std::span<const uint8_t> value) {
    std::vector<uint8_t> out = {tag, static_cast<uint8_t>(value.size())};
    out.insert(out.end(), value.begin(), value.end());
    return out;
}

std::vector<uint8_t> asciiField(std::string_view text, size_t width) {
    std::vector<uint8_t> out(text.begin(), text.end());
    out.resize(std::max(width, out.size()), 0x00);
    return out;
}

// Re-sets TCP_QUICKACK (Linux clears it after it acts) before each read.
bool readFully(int fd, uint8_t* buffer, size_t length, std::stop_token& stop) {
    size_t have = 0;
    while (have < length) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
        pollfd pfd{fd, POLLIN, 0};
        const int ready = poll(&pfd, 1, 50);
        if (stop.stop_requested()) return false;
        if (ready <= 0) continue;
        const ssize_t n = recv(fd, buffer + have, length - have, 0);
        if (n <= 0) return false;
        have += static_cast<size_t>(n);
    }
    return true;
}

bool sendMessage(int fd, std::span<const uint8_t> payload) {
    std::vector<uint8_t> message = {static_cast<uint8_t>(payload.size() >> 8), static_cast<uint8_t>(payload.size() & 0xFF)};
    message.insert(message.end(), payload.begin(), payload.end());
    return send(fd, message.data(), message.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(message.size());
}

}  // namespace

std::string_view cardScenarioName(CardScenario scenario) {
    switch (scenario) {
        case CardScenario::normal: return "normal";
        case CardScenario::pin_protected: return "pin_protected";
        case CardScenario::chained: return "chained";
        case CardScenario::pulled_mid_read: return "pulled_mid_read";
        case CardScenario::garbage: return "garbage";
        case CardScenario::slow: return "slow";
        case CardScenario::not_ssc: return "not_ssc";
        case CardScenario::no_name_extension: return "no_name_extension";
        case CardScenario::ef06_by_position: return "ef06_by_position";
        case CardScenario::ef06_by_position_no_identifier: return "ef06_by_position_no_identifier";
        case CardScenario::no_identifier_reads: return "no_identifier_reads";
    }
    return "normal";
}

std::vector<std::string_view> cardScenarioNames() {
    return {"normal",           "pin_protected",     "chained",          "pulled_mid_read",
            "garbage",          "slow",              "not_ssc",          "no_name_extension",
            "ef06_by_position", "ef06_by_position_no_identifier", "no_identifier_reads"};
}

Result<CardScenario> parseCardScenario(std::string_view name) {
    for (int i = 0; i <= static_cast<int>(CardScenario::no_identifier_reads); ++i) {
        if (cardScenarioName(static_cast<CardScenario>(i)) == name) return static_cast<CardScenario>(i);
    }
    return fail(Errc::invalid_argument, fmt::format("unknown card scenario \"{}\"", name));
}

VirtualSocialSecurityCard::VirtualSocialSecurityCard(drivers::sim::SamplePerson person, VirtualCardOptions options)
    : person_(std::move(person)), options_(std::move(options)), atr_(options_.t0 ? kAtrT0 : kAtrT1) {}

VirtualSocialSecurityCard::~VirtualSocialSecurityCard() { remove(); }

Result<void> VirtualSocialSecurityCard::insert(std::chrono::milliseconds timeout) {
    remove();
    {
        std::lock_guard lock(mutex_);
        selected_ = false;
        pending_.clear();
        recordsRead_ = 0;
    }
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) return fail(Errc::io_error, fmt::format("socket: {}", std::strerror(errno)));
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(options_.port);
        inet_pton(AF_INET, options_.host.c_str(), &address.sin_addr);
        if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
            fd_ = fd;
            connected_ = true;
            server_ = std::jthread([this, fd](std::stop_token stop) { serve(stop, fd); });
            return {};
        }
        const int error = errno;
        close(fd);
        // vpcd listens only once pcscd has loaded it: retry until the deadline.
        if (Clock::now() >= deadline) {
            return fail(Errc::device_not_ready, fmt::format("vpcd at {}:{} refused: {}", options_.host, options_.port,
                                                            std::strerror(error)));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

void VirtualSocialSecurityCard::remove() {
    if (server_.joinable()) {
        server_.request_stop();
        server_.join();
    }
    if (fd_ >= 0) {
        close(fd_);
        fd_ = -1;
    }
    connected_ = false;
}

void VirtualSocialSecurityCard::serve(std::stop_token stop, int fd) {
    auto logger = log::module("vcard");
    while (!stop.stop_requested()) {
        uint8_t lengthBytes[2];
        if (!readFully(fd, lengthBytes, 2, stop)) break;
        const size_t length = static_cast<size_t>(lengthBytes[0]) << 8 | lengthBytes[1];
        std::vector<uint8_t> payload(length);
        if (length > 0 && !readFully(fd, payload.data(), length, stop)) break;
        if (length == 1) {
            // Control: only "get ATR" (04) gets an answer; power off/on/reset (00/01/02) do not.
            if (payload[0] == 0x04 && !sendMessage(fd, atr_)) break;
            if (payload[0] == 0x02 || payload[0] == 0x00) {
                std::lock_guard lock(mutex_);
                selected_ = false;
                pending_.clear();
            }
            continue;
        }
        if (options_.scenario == CardScenario::slow) std::this_thread::sleep_for(options_.slowDelay);
        auto response = answer(payload);
        if (response.empty()) {
            // The scenario pulls the card now: close without answering.
            logger->info("virtual card pulled mid-read after {} APDUs", apdus_.load());
            break;
        }
        ++apdus_;
        if (!sendMessage(fd, response)) break;
    }
    shutdown(fd, SHUT_RDWR);
    connected_ = false;
}

std::vector<std::vector<uint8_t>> VirtualSocialSecurityCard::file(uint8_t sfi) const {
    using drivers::pcsc::kSfiEf05;
    using drivers::pcsc::kSfiEf06;
    const std::string region = person_.idNumber.substr(0, 6);
    auto bcd = [](std::string_view digits) {
        std::vector<uint8_t> out;
        for (size_t i = 0; i + 1 < digits.size(); i += 2) {
            out.push_back(static_cast<uint8_t>((digits[i] - '0') << 4 | (digits[i + 1] - '0')));
        }
        return out;
    };
    if (sfi == kSfiEf05) {
        return {tlv(0x01, asciiField(region + "D156000005", 16)), tlv(0x03, asciiField("3.00", 4)),
                tlv(0x07, asciiField(person_.socialSecurityCardNumber, 9))};
    }
    if (sfi != kSfiEf06) return {};
    // Name: the first 30 GBK bytes in 09, the rest in 4E (20 bytes), each padded with 00. The
    // split is by bytes, as on a card: it may fall inside a character.
    auto gbk = drivers::pcsc::utf8ToGbk(person_.name);
    std::vector<uint8_t> name = gbk ? *gbk : std::vector<uint8_t>{};
    std::vector<uint8_t> extension;
    if (name.size() > 30) extension.assign(name.begin() + 30, name.end());
    name.resize(30, 0x00);
    extension.resize(std::max<size_t>(extension.size(), 20), 0x00);
    std::vector<std::vector<uint8_t>> records = {tlv(0x08, asciiField(person_.idNumber, 18)), tlv(0x09, name)};
    if (options_.scenario != CardScenario::no_name_extension) records.push_back(tlv(0x4E, extension));
    records.push_back(tlv(0x0A, asciiField(person_.sex, 1)));
    records.push_back(tlv(0x0B, std::vector<uint8_t>{0x01}));
    records.push_back(tlv(0x0C, bcd(region)));  // birthplace, BCD region code
    records.push_back(tlv(0x0D, bcd(std::string_view(person_.birthDate).substr(0, 8))));
    return records;
}

std::vector<uint8_t> VirtualSocialSecurityCard::answer(std::span<const uint8_t> command) {
    std::lock_guard lock(mutex_);
    const CardScenario scenario = options_.scenario;
    if (command.size() < 4) return sw(0x67, 0x00);  // wrong length
    const uint8_t ins = command[1];
    const uint8_t p1 = command[2];
    const uint8_t p2 = command[3];

    // Data of a successful answer, shaped by the scenario (61 xx chaining, or direct).
    auto reply = [&](std::vector<uint8_t> data) {
        if (scenario == CardScenario::chained && !data.empty()) {
            pending_ = std::move(data);
            return sw(0x61, static_cast<uint8_t>(std::min<size_t>(pending_.size(), 8)));
        }
        return sw(0x90, 0x00, std::move(data));
    };

    if (ins == 0xC0) {
        // GET RESPONSE 00 C0 00 00 Le: hand out up to Le (and at most 8 here) pending bytes.
        if (pending_.empty()) return sw(0x69, 0x85);  // conditions of use not satisfied
        const size_t le = command.size() >= 5 && command[4] != 0 ? command[4] : 256;
        const size_t count = std::min({le, pending_.size(), size_t{8}});
        std::vector<uint8_t> piece(pending_.begin(), pending_.begin() + static_cast<ptrdiff_t>(count));
        pending_.erase(pending_.begin(), pending_.begin() + static_cast<ptrdiff_t>(count));
        if (pending_.empty()) return sw(0x90, 0x00, piece);
        return sw(0x61, static_cast<uint8_t>(std::min<size_t>(pending_.size(), 8)), piece);
    }
    pending_.clear();
    if (ins == 0xA4 && p1 == 0x04) {
        // SELECT by DF name.
        const auto expected = drivers::pcsc::selectSsseCommand();
        if (scenario != CardScenario::not_ssc && command.size() >= expected.size() &&
            std::equal(expected.begin(), expected.end(), command.begin())) {
            selected_ = true;
            return sw(0x90, 0x00);
        }
        selected_ = false;
        return sw(0x6A, 0x82);  // file (application) not found
    }
    if (ins == 0xA4) return selected_ ? sw(0x90, 0x00) : sw(0x6A, 0x82);
    if (ins != 0xB2) return sw(0x6D, 0x00);  // instruction not supported
    if (!selected_) return sw(0x69, 0x86);   // command not allowed: no current application
    // READ RECORD: P1 record number (P2 = SFI << 3 | 100) or record identifier (P2 = SFI << 3 |
    // 000, first occurrence); other P2 modes (last/next/previous occurrence) are not offered.
    const bool byIdentifier = (p2 & 0x07) == 0x00;
    if ((p2 & 0x07) != 0x04 && !byIdentifier) return sw(0x6A, 0x86);
    const uint8_t sfi = p2 >> 3;
    ++recordsRead_;
    if (sfi == drivers::pcsc::kSfiEf06) {
        if (scenario == CardScenario::pin_protected) return sw(0x69, 0x82);
        if (scenario == CardScenario::pulled_mid_read && recordsRead_ > 4) return {};
    }
    const bool identifierRefused = scenario == CardScenario::ef06_by_position_no_identifier ||
                                   scenario == CardScenario::no_identifier_reads;
    if (byIdentifier && identifierRefused) return sw(0x6A, 0x86);  // P1-P2 incorrect
    const bool byPosition = sfi == drivers::pcsc::kSfiEf06 && (scenario == CardScenario::ef06_by_position ||
                                                               scenario == CardScenario::ef06_by_position_no_identifier);
    const auto records = file(sfi);
    if (records.empty()) return sw(0x6A, 0x82);  // no such file
    std::vector<uint8_t> data;
    if (byPosition && !byIdentifier) {
        if (p1 >= 1 && p1 <= records.size()) data = records[p1 - 1];
    } else {
        // By identifier, or by number on a card that numbers its records by tag.
        const auto found = std::find_if(records.begin(), records.end(), [&](const auto& r) { return r[0] == p1; });
        if (found != records.end()) data = *found;
    }
    if (data.empty()) return sw(0x6A, 0x83);  // record not found
    if (scenario == CardScenario::garbage) {
        // Tag of another record and a length running past the data: what a damaged card or a
        // misbehaving reader gives.
        data[0] ^= 0x5A;
        data[1] = 0x7F;
    }
    // Wrong Le (00 = "whatever you have" is wrong too on these cards): tell the right one.
    const size_t le = command.size() >= 5 ? command[command.size() - 1] : 0;
    if (le != data.size()) return sw(0x6C, static_cast<uint8_t>(data.size()));
    return reply(std::move(data));
}

}  // namespace kiosk::sim
