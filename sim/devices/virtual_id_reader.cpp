#include "sim/devices/virtual_id_reader.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <pty.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "drivers/id_reader/ga450/ga450_protocol.hpp"

namespace kiosk::sim {

namespace ga450 = drivers::ga450;

std::string_view idReaderScenarioName(IdReaderScenario scenario) {
    switch (scenario) {
        case IdReaderScenario::no_card: return "no_card";
        case IdReaderScenario::select_failure: return "select_failure";
        case IdReaderScenario::valid_card: return "valid_card";
        case IdReaderScenario::corrupted_checksum: return "corrupted_checksum";
        case IdReaderScenario::silent: return "silent";
    }
    return "no_card";
}

std::vector<std::string_view> idReaderScenarioNames() {
    return {"no_card", "select_failure", "valid_card", "corrupted_checksum", "silent"};
}

Result<IdReaderScenario> parseIdReaderScenario(std::string_view name) {
    for (int i = 0; i <= static_cast<int>(IdReaderScenario::silent); ++i) {
        if (idReaderScenarioName(static_cast<IdReaderScenario>(i)) == name) return static_cast<IdReaderScenario>(i);
    }
    return fail(Errc::invalid_argument, fmt::format("unknown ID reader scenario \"{}\"", name));
}

Result<std::unique_ptr<VirtualIdReader>> VirtualIdReader::create(IdReaderScenario scenario, std::filesystem::path link) {
    int master = -1;
    int slave = -1;
    char name[256] = {};
    termios raw{};
    cfmakeraw(&raw);
    if (openpty(&master, &slave, name, &raw, nullptr) != 0) return fail(Errc::io_error, fmt::format("openpty: {}", std::strerror(errno)));
    fcntl(master, F_SETFD, FD_CLOEXEC);
    fcntl(slave, F_SETFD, FD_CLOEXEC);
    std::filesystem::path path = name;
    if (!link.empty()) {
        std::error_code ec;
        std::filesystem::remove(link, ec);
        std::filesystem::create_symlink(name, link, ec);
        if (ec) {
            close(master);
            close(slave);
            return fail(Errc::io_error, fmt::format("symlink {}: {}", link.string(), ec.message()));
        }
        path = link;
    }
    return std::unique_ptr<VirtualIdReader>(new VirtualIdReader(master, slave, path, link, scenario));
}

VirtualIdReader::VirtualIdReader(int master, int slave, std::filesystem::path path, std::filesystem::path link,
                                 IdReaderScenario scenario)
    : master_(master), slave_(slave), path_(std::move(path)), link_(std::move(link)), scenario_(scenario) {
    server_ = std::jthread([this](std::stop_token stop) { serve(stop); });
}

VirtualIdReader::~VirtualIdReader() {
    server_.request_stop();
    if (server_.joinable()) server_.join();
    unplug();
    if (slave_ >= 0) close(slave_);
    if (!link_.empty()) {
        std::error_code ec;
        std::filesystem::remove(link_, ec);
    }
}

void VirtualIdReader::unplug() {
    server_.request_stop();
    if (server_.joinable() && server_.get_id() != std::this_thread::get_id()) server_.join();
    std::lock_guard lock(mutex_);
    if (master_ >= 0) close(master_);
    master_ = -1;
    // With the master gone, the slave side reads as hung up (POLLHUP) for the driver; close our
    // own slave copy too so nothing keeps the pair alive.
    if (slave_ >= 0) close(slave_);
    slave_ = -1;
}

void VirtualIdReader::setScenario(IdReaderScenario scenario) {
    std::lock_guard lock(mutex_);
    scenario_ = scenario;
}

void VirtualIdReader::place(const drivers::sim::SamplePerson& person) {
    ga450::IdCardText text;
    text.name = person.name;
    text.sex = person.sex;
    text.ethnicity = "01";
    text.birthDate = person.birthDate;
    text.address = "湖南省长沙市芙蓉区示范路1号";
    text.idNumber = person.idNumber;
    text.authority = "长沙市公安局芙蓉分局";
    text.validFrom = "20200101";
    text.validTo = "20400101";
    auto block = ga450::encodeIdCardText(text);
    std::lock_guard lock(mutex_);
    person_ = person;
    // A person whose fields do not fit: the SAM would fail the read (read → 41).
    text_ = block ? std::optional(std::move(*block)) : std::nullopt;
}

Result<void> VirtualIdReader::placeCard(const ga450::IdCardText& text) {
    auto block = ga450::encodeIdCardText(text);
    if (!block) return std::unexpected(block.error());
    placeText(std::move(*block));
    return {};
}

void VirtualIdReader::placeText(std::vector<uint8_t> text) {
    std::lock_guard lock(mutex_);
    person_ = drivers::sim::SamplePerson{};
    text_ = std::move(text);
}

void VirtualIdReader::lift() {
    std::lock_guard lock(mutex_);
    person_.reset();
    text_.reset();
}

std::vector<uint16_t> VirtualIdReader::commands() const {
    std::lock_guard lock(mutex_);
    return commands_;
}

std::vector<uint8_t> VirtualIdReader::answer(uint8_t cmd, uint8_t para) {
    std::lock_guard lock(mutex_);
    commands_.push_back(static_cast<uint16_t>(cmd << 8 | para));
    const IdReaderScenario scenario = scenario_;
    if (scenario == IdReaderScenario::silent) return {};
    if (cmd == ga450::kSamStatus.cmd || cmd == ga450::kResetSam.cmd) return ga450::encodeReaderFrame(ga450::kStatusOk);
    const bool cardThere = scenario == IdReaderScenario::select_failure ||
                           ((scenario == IdReaderScenario::valid_card || scenario == IdReaderScenario::corrupted_checksum) &&
                            person_.has_value());
    if (cmd == ga450::kFindCard.cmd && para == ga450::kFindCard.para) {
        // Find answer carries 4 bytes of 00 after 9F (seen in public traces).
        if (!cardThere) return ga450::encodeReaderFrame(ga450::kStatusNoCard);
        const std::vector<uint8_t> zeros(4, 0x00);
        return ga450::encodeReaderFrame(ga450::kStatusCardFound, zeros);
    }
    if (cmd == ga450::kSelectCard.cmd && para == ga450::kSelectCard.para) {
        if (scenario == IdReaderScenario::select_failure || !cardThere) return ga450::encodeReaderFrame(ga450::kStatusSelectFailed);
        const std::vector<uint8_t> zeros(8, 0x00);
        return ga450::encodeReaderFrame(ga450::kStatusOk, zeros);
    }
    if (cmd == ga450::kReadText.cmd && para == ga450::kReadText.para) {
        if (!cardThere || !person_ || !text_ || text_->size() != ga450::kTextSize) {
            return ga450::encodeReaderFrame(ga450::kStatusReadFailed);
        }
        // Text length 0100, photo length 0400 (big-endian), the text, a zero photo.
        std::vector<uint8_t> data = {0x01, 0x00, 0x04, 0x00};
        data.insert(data.end(), text_->begin(), text_->end());
        data.resize(data.size() + ga450::kPhotoSize, 0x00);
        auto frame = ga450::encodeReaderFrame(ga450::kStatusOk, data);
        if (scenario == IdReaderScenario::corrupted_checksum) frame.back() ^= 0x5A;
        return frame;
    }
    return ga450::encodeReaderFrame(ga450::kStatusCommandError);
}

void VirtualIdReader::serve(std::stop_token stop) {
    std::vector<uint8_t> buffer;
    while (!stop.stop_requested()) {
        int fd;
        {
            std::lock_guard lock(mutex_);
            fd = master_;
        }
        if (fd < 0) return;
        pollfd pfd{fd, POLLIN, 0};
        if (poll(&pfd, 1, 50) <= 0) continue;
        if (pfd.revents & (POLLHUP | POLLERR)) {
            // No one has the slave open (driver closed it): ptys report HUP until reopened.
            buffer.clear();
            if (!(pfd.revents & POLLIN)) {
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
                continue;
            }
        }
        uint8_t chunk[512];
        const ssize_t n = read(fd, chunk, sizeof chunk);
        if (n <= 0) continue;
        buffer.insert(buffer.end(), chunk, chunk + n);
        // Take every complete host frame: preamble, LEN, CMD PARA DATA CHK.
        for (;;) {
            auto start = std::search(buffer.begin(), buffer.end(), ga450::kPreamble.begin(), ga450::kPreamble.end());
            buffer.erase(buffer.begin(), start);
            if (buffer.size() < ga450::kHeaderSize) break;
            const size_t length = static_cast<size_t>(buffer[5]) << 8 | buffer[6];
            if (length < 3 || length > ga450::kMaxFrameLength) {
                buffer.erase(buffer.begin());
                continue;
            }
            if (buffer.size() < ga450::kHeaderSize + length) break;
            std::vector<uint8_t> frame(buffer.begin(), buffer.begin() + static_cast<ptrdiff_t>(ga450::kHeaderSize + length));
            buffer.erase(buffer.begin(), buffer.begin() + static_cast<ptrdiff_t>(frame.size()));
            std::vector<uint8_t> reply;
            const uint8_t sum = ga450::checksum(std::span(frame).subspan(5, frame.size() - 6));
            if (sum != frame.back()) {
                reply = ga450::encodeReaderFrame(ga450::kStatusChecksumError);
            } else {
                reply = answer(frame[7], frame[8]);
            }
            size_t sent = 0;
            while (sent < reply.size()) {
                const ssize_t w = write(fd, reply.data() + sent, reply.size() - sent);
                if (w <= 0) break;
                sent += static_cast<size_t>(w);
            }
        }
    }
}

}  // namespace kiosk::sim
