#include "sim/devices/virtual_lock_board.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <pty.h>
#include <termios.h>
#include <unistd.h>

#include <charconv>
#include <cstring>

namespace kiosk::sim {

namespace locker = drivers::locker;
using Clock = std::chrono::steady_clock;

std::string_view lockBoardScenarioName(LockBoardScenario scenario) {
    switch (scenario) {
        case LockBoardScenario::normal:
            return "normal";
        case LockBoardScenario::stuck_door:
            return "stuck_door";
        case LockBoardScenario::silent:
            return "silent";
        case LockBoardScenario::inverted_polarity:
            return "inverted_polarity";
        case LockBoardScenario::opened_by_hand:
            return "opened_by_hand";
    }
    return "normal";
}

std::vector<std::string_view> lockBoardScenarioNames() {
    return {"normal", "stuck_door", "silent", "inverted_polarity", "opened_by_hand"};
}

Result<LockBoardScenario> parseLockBoardScenario(std::string_view name) {
    for (int i = 0; i <= static_cast<int>(LockBoardScenario::opened_by_hand); ++i) {
        if (lockBoardScenarioName(static_cast<LockBoardScenario>(i)) == name) return static_cast<LockBoardScenario>(i);
    }
    return fail(Errc::invalid_argument, fmt::format("unknown lock board scenario \"{}\"", name));
}

Result<std::unique_ptr<VirtualLockBoard>> VirtualLockBoard::create(locker::FrameFamily family,
                                                                   std::vector<VirtualBoard> boards,
                                                                   std::filesystem::path link) {
    int master = -1;
    int slave = -1;
    char name[256] = {};
    termios raw{};
    cfmakeraw(&raw);
    if (openpty(&master, &slave, name, &raw, nullptr) != 0)
        return fail(Errc::io_error, fmt::format("openpty: {}", std::strerror(errno)));
    fcntl(master, F_SETFD, FD_CLOEXEC);
    fcntl(slave, F_SETFD, FD_CLOEXEC);
    std::filesystem::path path = name;
    if (!link.empty()) {
        std::error_code ec;
        std::filesystem::remove(link, ec);
        std::filesystem::create_symlink(name, link, ec);
        if (ec) {
            ::close(master);
            ::close(slave);
            return fail(Errc::io_error, fmt::format("symlink {}: {}", link.string(), ec.message()));
        }
        path = link;
    }
    return std::unique_ptr<VirtualLockBoard>(
        new VirtualLockBoard(master, slave, path, link, family, std::move(boards)));
}

VirtualLockBoard::VirtualLockBoard(int master, int slave, std::filesystem::path path, std::filesystem::path link,
                                   locker::FrameFamily family, std::vector<VirtualBoard> boards)
    : master_(master),
      slave_(slave),
      path_(std::move(path)),
      link_(std::move(link)),
      framer_(locker::framerFor(family)),
      boards_(std::move(boards)) {
    int count = 0;
    for (const auto& b : boards_) count += b.locks;
    doors_.resize(static_cast<size_t>(count));
    server_ = std::jthread([this](std::stop_token stop) { serve(stop); });
}

VirtualLockBoard::~VirtualLockBoard() {
    server_.request_stop();
    if (server_.joinable()) server_.join();
    if (master_ >= 0) ::close(master_);
    if (slave_ >= 0) ::close(slave_);
    if (!link_.empty()) {
        std::error_code ec;
        std::filesystem::remove(link_, ec);
    }
}

int VirtualLockBoard::lockerCount() const {
    return static_cast<int>(doors_.size());
}

void VirtualLockBoard::setScenario(LockBoardScenario scenario) {
    std::lock_guard lock(mutex_);
    scenario_ = scenario;
    if (scenario == LockBoardScenario::opened_by_hand && handLocker_ >= 1 && handLocker_ <= lockerCount()) {
        doors_[static_cast<size_t>(handLocker_ - 1)].open = true;
    }
}

LockBoardScenario VirtualLockBoard::currentScenario() const {
    std::lock_guard lock(mutex_);
    return scenario_;
}

std::vector<std::string> VirtualLockBoard::scenarios() const {
    std::vector<std::string> out;
    for (auto name : lockBoardScenarioNames()) out.emplace_back(name);
    return out;
}

std::string VirtualLockBoard::scenario() const {
    return std::string(lockBoardScenarioName(currentScenario()));
}

Result<void> VirtualLockBoard::setScenario(std::string_view name) {
    auto parsed = parseLockBoardScenario(name);
    if (!parsed) return std::unexpected(parsed.error());
    setScenario(*parsed);
    return {};
}

Result<void> VirtualLockBoard::act(std::string_view action, std::string_view argument) {
    int locker = 0;
    const auto [end, ec] = std::from_chars(argument.data(), argument.data() + argument.size(), locker);
    if (ec != std::errc{} || end != argument.data() + argument.size() || locker < 1 || locker > lockerCount()) {
        return fail(Errc::invalid_argument,
                    fmt::format("virtual lock board: \"{}\" is not a locker (1–{})", argument, lockerCount()));
    }
    if (action == "jam") {
        jam(locker, true);
    } else if (action == "unjam") {
        jam(locker, false);
    } else if (action == "open_by_hand") {
        openByHand(locker);
    } else if (action == "close") {
        close(locker);
    } else {
        return fail(Errc::unsupported,
                    fmt::format("virtual lock board: no action \"{}\" (jam, unjam, open_by_hand, close)", action));
    }
    return {};
}

void VirtualLockBoard::setFault(LockBoardFault fault) {
    std::lock_guard lock(mutex_);
    fault_ = fault;
}

void VirtualLockBoard::setOpenDelay(std::chrono::milliseconds delay) {
    std::lock_guard lock(mutex_);
    openDelay_ = delay;
}

void VirtualLockBoard::setHandLocker(int locker) {
    std::lock_guard lock(mutex_);
    handLocker_ = locker;
}

void VirtualLockBoard::jam(int locker, bool jammed) {
    std::lock_guard lock(mutex_);
    if (locker >= 1 && locker <= lockerCount()) doors_[static_cast<size_t>(locker - 1)].jammed = jammed;
}

std::vector<int> VirtualLockBoard::jammedLockers() const {
    std::lock_guard lock(mutex_);
    std::vector<int> out;
    for (size_t i = 0; i < doors_.size(); ++i) {
        if (doors_[i].jammed) out.push_back(static_cast<int>(i) + 1);
    }
    return out;
}

void VirtualLockBoard::openByHand(int locker) {
    std::lock_guard lock(mutex_);
    if (locker >= 1 && locker <= lockerCount()) doors_[static_cast<size_t>(locker - 1)].open = true;
}

void VirtualLockBoard::close(int locker) {
    std::lock_guard lock(mutex_);
    if (locker >= 1 && locker <= lockerCount()) {
        auto& d = doors_[static_cast<size_t>(locker - 1)];
        d.open = false;
        d.opensAt.reset();
    }
}

void VirtualLockBoard::closeAll() {
    std::lock_guard lock(mutex_);
    for (auto& d : doors_) {
        d.open = false;
        d.opensAt.reset();
    }
}

bool VirtualLockBoard::isOpen(int locker) const {
    std::lock_guard lock(mutex_);
    if (locker < 1 || locker > lockerCount()) return false;
    const auto& d = doors_[static_cast<size_t>(locker - 1)];
    return d.open || (d.opensAt && Clock::now() >= *d.opensAt);
}

int VirtualLockBoard::openCommands(int locker) const {
    std::lock_guard lock(mutex_);
    if (locker < 1 || locker > lockerCount()) return 0;
    return doors_[static_cast<size_t>(locker - 1)].openCommands;
}

int VirtualLockBoard::openAllCommands() const {
    std::lock_guard lock(mutex_);
    return openAllCommands_;
}

std::vector<locker::LockRequest> VirtualLockBoard::requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
}

int VirtualLockBoard::refusedFrames() const {
    std::lock_guard lock(mutex_);
    return refused_;
}

const VirtualBoard* VirtualLockBoard::board(uint8_t address) const {
    for (const auto& b : boards_) {
        if (b.address == address) return &b;
    }
    return nullptr;
}

int VirtualLockBoard::lockerOf(uint8_t address, int lock) const {
    int first = 0;
    for (const auto& b : boards_) {
        if (b.address == address) return lock >= 1 && lock <= b.locks ? first + lock : 0;
        first += b.locks;
    }
    return 0;
}

VirtualLockBoard::Door* VirtualLockBoard::door(uint8_t address, int lock) {
    const int n = lockerOf(address, lock);
    return n == 0 ? nullptr : &doors_[static_cast<size_t>(n - 1)];
}

bool VirtualLockBoard::sensorOpen(Door& d, bool read) {
    if (d.opensAt && Clock::now() >= *d.opensAt) {
        d.open = true;
        d.opensAt.reset();
    }
    if (fault_ == LockBoardFault::flipping_door && d.openCommands > 0 && read) {
        // A bouncing switch: open, closed, open, … on every read of a pulsed door.
        return (d.reads++ % 2) == 0;
    }
    return d.open;
}

std::vector<uint8_t> VirtualLockBoard::applyFault(const locker::LockRequest& request, std::vector<bool> inputs) {
    locker::LockRequest shown = request;
    if (fault_ == LockBoardFault::wrong_board) shown.board = static_cast<uint8_t>(request.board + 1);
    if (fault_ == LockBoardFault::other_lock && request.lock != 0) shown.lock = static_cast<uint8_t>(request.lock + 1);
    auto frame = framer_.encodeAnswer(shown, inputs);
    // wrong_board / other_lock frames are well formed (checksum right): only what they say is wrong.
    if (fault_ == LockBoardFault::bad_checksum) frame.back() ^= 0x5A;
    if (fault_ == LockBoardFault::wrong_length && frame.size() > 3) {
        // One byte fewer before the checksum, with a checksum that is right for what is sent:
        // only the length is wrong.
        const size_t crcBytes = framer_.family() == locker::FrameFamily::modbus_rtu ? 2 : 1;
        frame.erase(frame.end() - static_cast<std::ptrdiff_t>(crcBytes) - 1);
        frame.resize(frame.size() - crcBytes);
        if (crcBytes == 1) {
            frame.push_back(locker::xorChecksum(frame));
        } else {
            const uint16_t crc = locker::crc16Modbus(frame);
            frame.push_back(static_cast<uint8_t>(crc & 0xFF));
            frame.push_back(static_cast<uint8_t>(crc >> 8));
        }
    }
    return frame;
}

std::vector<uint8_t> VirtualLockBoard::answer(const locker::LockRequest& request) {
    std::lock_guard lock(mutex_);
    requests_.push_back(request);
    const VirtualBoard* target = board(request.board);
    if (!target || scenario_ == LockBoardScenario::silent) return {};  // another board's address: not ours to answer
    // The input a door shows: its board's wiring, turned round in inverted_polarity.
    auto input = [&](bool open) {
        const bool set =
            locker::inputFromDoor(open ? locker::DoorState::open : locker::DoorState::closed, target->polarity);
        return scenario_ == LockBoardScenario::inverted_polarity ? !set : set;
    };
    const bool stuckBank = scenario_ == LockBoardScenario::stuck_door;
    auto pulse = [&](Door& d) {
        ++d.openCommands;
        if (!stuckBank && !d.jammed && !d.open) d.opensAt = Clock::now() + openDelay_;
    };
    switch (request.operation) {
        case locker::Operation::open_one: {
            Door* d = door(request.board, request.lock);
            if (!d) return framer_.encodeRefusal(request);
            pulse(*d);
            return applyFault(request, {input(sensorOpen(*d, false))});
        }
        case locker::Operation::open_all: {
            ++openAllCommands_;
            for (int l = 1; l <= target->locks; ++l) pulse(*door(request.board, l));
            return applyFault(request, {});
        }
        case locker::Operation::query_one: {
            Door* d = door(request.board, request.lock);
            if (!d) return framer_.encodeRefusal(request);
            return applyFault(request, {input(sensorOpen(*d, true))});
        }
        case locker::Operation::query_all: {
            const int count = request.lockCount != 0 ? std::min<int>(request.lockCount, target->locks) : target->locks;
            if (request.lockCount > target->locks) return framer_.encodeRefusal(request);
            std::vector<bool> inputs;
            for (int l = 1; l <= count; ++l) inputs.push_back(input(sensorOpen(*door(request.board, l), true)));
            return applyFault(request, inputs);
        }
    }
    return {};
}

void VirtualLockBoard::serve(std::stop_token stop) {
    std::vector<uint8_t> buffer;
    while (!stop.stop_requested()) {
        pollfd pfd{master_, POLLIN, 0};
        if (poll(&pfd, 1, 20) <= 0) continue;
        if ((pfd.revents & POLLIN) == 0) {
            // Nobody has the slave open (the driver closed it): the master reports HUP until reopened.
            buffer.clear();
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
            continue;
        }
        uint8_t chunk[256];
        const ssize_t n = read(master_, chunk, sizeof chunk);
        if (n <= 0) continue;
        buffer.insert(buffer.end(), chunk, chunk + n);
        for (;;) {
            auto length = framer_.requestLength(buffer);
            if (!length) {  // not the start of a request: drop a byte and hunt on
                buffer.erase(buffer.begin());
                std::lock_guard lock(mutex_);
                ++refused_;
                continue;
            }
            if (*length == 0 || buffer.size() < *length) break;
            std::vector<uint8_t> frame(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(*length));
            buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(*length));
            auto request = framer_.parseRequest(frame);
            if (!request) {  // bad checksum: real boards stay silent
                std::lock_guard lock(mutex_);
                ++refused_;
                continue;
            }
            const auto reply = answer(*request);
            size_t sent = 0;
            while (sent < reply.size()) {
                const ssize_t w = write(master_, reply.data() + sent, reply.size() - sent);
                if (w <= 0) break;
                sent += static_cast<size_t>(w);
            }
        }
    }
}

}  // namespace kiosk::sim
