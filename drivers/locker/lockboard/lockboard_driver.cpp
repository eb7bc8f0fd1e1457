#include "drivers/locker/lockboard/lockboard_driver.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "kiosk/core/log.hpp"

namespace kiosk::drivers::locker {

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::shared_ptr<spdlog::logger> logger() {
    return log::module("locker");
}

std::chrono::milliseconds left(Clock::time_point deadline) {
    return std::max(0ms, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
}

std::chrono::milliseconds since(Clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

/// Sleeps up to `duration`, returning false early when cancelled.
bool pause(std::chrono::milliseconds duration, const CancelToken& cancel) {
    const auto until = Clock::now() + duration;
    while (Clock::now() < until) {
        if (cancel.cancelled()) return false;
        std::this_thread::sleep_for(std::min<Clock::duration>(10ms, until - Clock::now()));
    }
    return !cancel.cancelled();
}

DeviceState makeState(DeviceStatus status, std::string detail = {}) {
    return DeviceState{.status = status,
                       .media = MediaState::unknown,
                       .paper = PaperState::unknown,
                       .coverOpen = false,
                       .detail = std::move(detail)};
}

}  // namespace

const std::vector<LockerModel>& lockerModels() {
    static const std::vector<LockerModel> models = {
        {"8a_9600", FrameFamily::eight_a, 9600, 'N', 1, 24,
         "8A/80 open-query boards (2/8/12/16/24 locks), 9600 8N1 — the common Chinese locker board"},
        {"8a_9600_48", FrameFamily::eight_a, 9600, 'N', 1, 48, "8A/80 boards with 48/50 channels, 9600 8N1"},
        {"modbus_rtu_9600_8e1", FrameFamily::modbus_rtu, 9600, 'E', 1, 32,
         "Modbus RTU lock boards: coils = locks, discrete inputs = door switches, 9600 8E1 (the Modbus default)"},
        {"modbus_rtu_9600_8n1", FrameFamily::modbus_rtu, 9600, 'N', 1, 32, "Modbus RTU lock boards set to 9600 8N1"},
        {"modbus_rtu_19200_8e1", FrameFamily::modbus_rtu, 19200, 'E', 1, 32, "Modbus RTU lock boards at 19200 8E1"},
    };
    return models;
}

Result<LockAnswer> exchange(transport::SerialPort& port, const LockFramer& framer, const LockRequest& request,
                            std::chrono::milliseconds timeout, std::chrono::milliseconds trailingGap,
                            const CancelToken& cancel) {
    const auto deadline = Clock::now() + timeout;
    port.flushInput();  // a late answer to an earlier command must not be read as this one's
    const auto frame = framer.encodeRequest(request);
    if (auto written = port.write(frame, timeout, cancel); !written) return std::unexpected(written.error());
    std::vector<uint8_t> answer;
    size_t need = 0;
    uint8_t chunk[64];
    for (;;) {
        auto length = framer.answerLength(request, answer);
        if (!length) return std::unexpected(length.error());
        need = *length;
        if (need != 0 && answer.size() >= need) break;
        auto n = port.readSome(chunk, left(deadline), cancel);
        if (!n) {
            Error error = n.error();
            if (error.code != Errc::timeout) return std::unexpected(error);
            if (answer.empty()) {
                return fail(Errc::timeout,
                            fmt::format("board {} did not answer {} ({}) within {} ms", request.board,
                                        operationName(request.operation), hexBytes(frame), timeout.count()),
                            "locker.unavailable");
            }
            return fail(Errc::invalid_data,
                        fmt::format("board {} answered {} with {} bytes ({}) and then nothing for {} ms; "
                                    "expected {} (wrong length)",
                                    request.board, operationName(request.operation), answer.size(), hexBytes(answer),
                                    timeout.count(), need == 0 ? std::string("more") : std::to_string(need)));
        }
        answer.insert(answer.end(), chunk, chunk + *n);
    }
    // Bytes after the expected end (in the same burst or right after) mean a longer frame than
    // this request allows: refuse it rather than parse its first part.
    if (answer.size() == need && trailingGap.count() > 0) {
        if (auto n = port.readSome(chunk, trailingGap, cancel); n) answer.insert(answer.end(), chunk, chunk + *n);
    }
    if (answer.size() > need) {
        return fail(
            Errc::invalid_data,
            fmt::format("board {} answered {} with {} bytes or more ({}), expected {} (wrong length)", request.board,
                        operationName(request.operation), answer.size(), hexBytes(answer), need));
    }
    return framer.parseAnswer(request, answer);
}

LockBoardDriver::LockBoardDriver(std::string name, LockBoardSettings settings)
    : name_(std::move(name)), settings_(std::move(settings)), framer_(framerFor(settings_.family)) {
    int number = 0;
    for (const BoardConfig& board : settings_.boards) {
        for (int lock = 1; lock <= board.locks; ++lock) {
            ++number;
            lockers_.push_back(Locker{
                .where = LockAddress{.locker = number, .board = board.address, .lock = static_cast<uint8_t>(lock)},
                .polarity = board.polarity});
        }
    }
    state_ = makeState(DeviceStatus::starting);
}

LockBoardDriver::~LockBoardDriver() {
    stop();
}

Capabilities LockBoardDriver::capabilities() const {
    return {{"open_one", "open_all", "door_sensor", std::string(frameFamilyName(settings_.family))}};
}

DeviceState LockBoardDriver::state() const {
    std::lock_guard lock(mutex_);
    return state_;
}

void LockBoardDriver::setState(DeviceState state) {
    DeviceEventSink sink;
    {
        std::lock_guard lock(mutex_);
        if (state_ == state) return;
        state_ = state;
        sink = sink_;
    }
    logger()->info("device {}: {} {}", name_, deviceStatusName(state.status), state.detail);
    if (sink) sink(StatusChanged{name_, std::move(state)});
}

void LockBoardDriver::setDoorListener(DoorListener listener) {
    std::lock_guard lock(mutex_);
    listener_ = std::move(listener);
}

void LockBoardDriver::notify(const DoorEvent& event) {
    DoorListener listener;
    {
        std::lock_guard lock(mutex_);
        listener = listener_;
    }
    if (listener) listener(event);
}

Result<LockAddress> LockBoardDriver::address(int locker) const {
    if (locker < 1 || locker > lockerCount()) {
        return fail(Errc::invalid_argument,
                    fmt::format("device {}: locker {} does not exist (this bank has lockers 1–{})", name_, locker,
                                lockerCount()),
                    "locker.no_such_locker");
    }
    return lockers_[static_cast<size_t>(locker - 1)].where;
}

Result<transport::SerialPort*> LockBoardDriver::port() {
    if (!port_) {
        auto opened = transport::SerialPort::open(settings_.serial);
        if (!opened) {
            Error error = opened.error();
            error.messageKey = "locker.unavailable";
            return std::unexpected(error);
        }
        port_ = std::move(*opened);
    }
    return port_.get();
}

Result<LockAnswer> LockBoardDriver::send(const LockRequest& request, std::chrono::milliseconds timeout,
                                         const CancelToken& cancel) {
    auto serial = port();
    if (!serial) {
        logger()->warn("device {}: {}", name_, serial.error().detail);
        return std::unexpected(serial.error());
    }
    auto answer = exchange(**serial, framer_, request, timeout, settings_.trailingGap, cancel);
    if (!answer) {
        Error error = answer.error();
        if (error.code == Errc::device_not_ready) {
            port_.reset();  // unplugged: reopen on the next command
            error.messageKey = "locker.unavailable";
        }
        if (error.code != Errc::cancelled) {
            logger()->warn("device {}: {} board {} lock {}: {}", name_, operationName(request.operation), request.board,
                           request.lock, error.detail);
        }
        return std::unexpected(error);
    }
    return answer;
}

Result<DoorState> LockBoardDriver::readDoor(const Locker& locker, const CancelToken& cancel) {
    const LockRequest request{
        .operation = Operation::query_one, .board = locker.where.board, .lock = locker.where.lock, .lockCount = 0};
    auto answer = send(request, settings_.answerTimeout, cancel);
    if (!answer) return std::unexpected(answer.error());
    return doorFromInput(answer->inputs.at(0), locker.polarity);
}

Result<std::vector<DoorState>> LockBoardDriver::readBoard(const BoardConfig& board, const CancelToken& cancel) {
    const LockRequest request{.operation = Operation::query_all,
                              .board = board.address,
                              .lock = 0,
                              .lockCount = static_cast<uint8_t>(board.locks)};
    auto answer = send(request, settings_.answerTimeout, cancel);
    if (!answer) return std::unexpected(answer.error());
    std::vector<DoorState> doors;
    for (bool input : answer->inputs) doors.push_back(doorFromInput(input, board.polarity));
    return doors;
}

Result<OpenOutcome> LockBoardDriver::open(int locker, const CancelToken& cancel) {
    auto where = address(locker);
    if (!where) {
        logger()->warn("{}", where.error().detail);
        return std::unexpected(where.error());
    }
    const Locker& target = lockers_[static_cast<size_t>(locker - 1)];
    const std::string label = fmt::format("locker {} (board {} lock {})", locker, where->board, where->lock);
    std::unique_lock bus(bus_);
    // Marked before the pulse: a poll that sees this door open must not call it a manual opening.
    commanded_.insert(locker);
    const auto started = Clock::now();
    const auto deadline = started + settings_.confirmTimeout;
    int reads = 0;
    int consecutiveOpen = 0;
    int flips = 0;
    bool anyAnswer = false;
    std::optional<Error> garbled;  // the last bad answer (checksum, address, length…)
    std::optional<DoorState> last;
    auto count = [&](DoorState state) {
        anyAnswer = true;
        ++reads;
        if (last && *last != state) ++flips;
        last = state;
        consecutiveOpen = state == DoorState::open ? consecutiveOpen + 1 : 0;
    };
    // Exactly one open command per request (see the header's safety rules).
    const LockRequest request{
        .operation = Operation::open_one, .board = where->board, .lock = where->lock, .lockCount = 0};
    auto pulsed = send(request, settings_.answerTimeout, cancel);
    if (pulsed) {
        anyAnswer = true;
        // 8a boards report the input sensed after the pulse: it counts as the first read.
        if (!pulsed->inputs.empty()) count(doorFromInput(pulsed->inputs[0], target.polarity));
    } else if (pulsed.error().code == Errc::cancelled) {
        return std::unexpected(pulsed.error());
    } else if (pulsed.error().code == Errc::device_not_ready) {
        commanded_.erase(locker);
        Error error = pulsed.error();
        error.detail = fmt::format("device {}: {} not opened: {}", name_, label, error.detail);
        logger()->error("{}", error.detail);
        return std::unexpected(error);
    } else {
        if (pulsed.error().code == Errc::invalid_data) garbled = pulsed.error();
        logger()->warn(
            "device {}: {}: the open command's answer was lost or bad; reading the door back, not pulsing again", name_,
            label);
    }
    // The first read-back follows the pulse at once where its answer carried no state (Modbus echo).
    int attempts = pulsed && !pulsed->inputs.empty() ? 1 : 0;
    while (consecutiveOpen < settings_.confirmReads && Clock::now() < deadline) {
        if (attempts++ > 0 && !pause(std::min(settings_.readInterval, left(deadline)), cancel)) {
            return fail(Errc::cancelled, fmt::format("device {}: {}: cancelled while confirming", name_, label));
        }
        if (Clock::now() >= deadline) break;
        auto door = readDoor(target, cancel);
        if (!door) {
            if (door.error().code == Errc::cancelled || door.error().code == Errc::device_not_ready) {
                return std::unexpected(door.error());
            }
            // A silent or garbled read-back: keep trying until the deadline (the board may be busy
            // pulsing); the other reads decide.
            if (door.error().code == Errc::invalid_data) garbled = door.error();
            continue;
        }
        count(*door);
    }
    const auto elapsed = since(started);
    if (consecutiveOpen >= settings_.confirmReads) {
        if (auto it = known_.find(locker); it != known_.end()) it->second = DoorState::open;
        logger()->info("device {}: {} opened and confirmed in {} ms ({} reads)", name_, label, elapsed.count(), reads);
        return OpenOutcome{.where = *where, .elapsed = elapsed, .reads = reads};
    }
    // Not confirmed. The locker stays in commanded_: if it opens late, polling reports it as
    // opened by our command (the pickup flow has already told the patient to go to a window).
    Error error;
    if (!anyAnswer && garbled) {
        error =
            Error(Errc::invalid_data,
                  fmt::format("device {}: {}: no valid answer from board {} within {} ms, door not confirmed; last bad "
                              "answer: {}",
                              name_, label, where->board, settings_.confirmTimeout.count(), garbled->detail),
                  "locker.unavailable");
    } else if (!anyAnswer) {
        error = Error(
            Errc::timeout,
            fmt::format("device {}: {}: board {} answered neither the open command nor any read-back within {} ms "
                        "(board silent: power, wiring, address or port)",
                        name_, label, where->board, settings_.confirmTimeout.count()),
            "locker.unavailable");
    } else if (flips >= 2) {
        error = Error(
            Errc::hardware_error,
            fmt::format("device {}: {}: door sensor flipped {} times between open and closed in {} ms ({} reads): "
                        "not confirmed (bouncing switch or loose wiring)",
                        name_, label, flips, elapsed.count(), reads),
            "locker.door_not_opened");
    } else {
        error = Error(Errc::hardware_error,
                      fmt::format("device {}: {}: door did not read open {} times in a row within {} ms after the open "
                                  "command ({} reads, last: {}): stuck door or lock",
                                  name_, label, settings_.confirmReads, settings_.confirmTimeout.count(), reads,
                                  last ? doorStateName(*last) : "no answer"),
                      "locker.door_not_opened");
    }
    logger()->error("{}", error.detail);
    return std::unexpected(error);
}

Result<OpenAllOutcome> LockBoardDriver::openAll(const CancelToken& cancel) {
    std::unique_lock bus(bus_);
    const auto started = Clock::now();
    std::set<uint8_t> answered;
    for (const BoardConfig& board : settings_.boards) {
        for (const Locker& locker : lockers_) {
            if (locker.where.board == board.address) commanded_.insert(locker.where.locker);
        }
        const LockRequest request{.operation = Operation::open_all,
                                  .board = board.address,
                                  .lock = 0,
                                  .lockCount = static_cast<uint8_t>(board.locks)};
        auto echoed = send(request, settings_.openAllTimeout, cancel);
        if (!echoed && echoed.error().code == Errc::cancelled) return std::unexpected(echoed.error());
        if (echoed) answered.insert(board.address);
    }
    // Read back every board until all doors read open or the confirm time is over.
    OpenAllOutcome outcome;
    std::map<int, DoorState> doors;
    const auto deadline = Clock::now() + settings_.confirmTimeout;
    for (;;) {
        for (const BoardConfig& board : settings_.boards) {
            auto states = readBoard(board, cancel);
            if (!states) {
                if (states.error().code == Errc::cancelled) return std::unexpected(states.error());
                continue;
            }
            answered.insert(board.address);
            for (size_t i = 0; i < states->size(); ++i) {
                for (const Locker& locker : lockers_) {
                    if (locker.where.board == board.address && locker.where.lock == i + 1)
                        doors[locker.where.locker] = (*states)[i];
                }
            }
        }
        const bool allOpen =
            static_cast<int>(doors.size()) == lockerCount() &&
            std::all_of(doors.begin(), doors.end(), [](const auto& d) { return d.second == DoorState::open; });
        if (allOpen || Clock::now() >= deadline) break;
        if (!pause(std::min(settings_.readInterval, left(deadline)), cancel)) {
            return fail(Errc::cancelled, fmt::format("device {}: open all: cancelled while confirming", name_));
        }
    }
    if (answered.empty()) {
        Error error(Errc::timeout, fmt::format("device {}: open all: no board answered", name_), "locker.unavailable");
        logger()->error("{}", error.detail);
        return std::unexpected(error);
    }
    for (const Locker& locker : lockers_) {
        auto it = doors.find(locker.where.locker);
        (it != doors.end() && it->second == DoorState::open ? outcome.opened : outcome.notOpened)
            .push_back(locker.where.locker);
        if (it != doors.end()) known_[locker.where.locker] = it->second;
    }
    outcome.elapsed = since(started);
    if (outcome.notOpened.empty()) {
        logger()->info("device {}: open all: {} doors open in {} ms", name_, outcome.opened.size(),
                       outcome.elapsed.count());
    } else {
        std::string list;
        for (int n : outcome.notOpened) list += (list.empty() ? "" : ", ") + std::to_string(n);
        logger()->error("device {}: open all: {} of {} doors open after {} ms; not open: {}", name_,
                        outcome.opened.size(), lockerCount(), outcome.elapsed.count(), list);
    }
    return outcome;
}

Result<DoorState> LockBoardDriver::queryDoor(int locker, const CancelToken& cancel) {
    auto where = address(locker);
    if (!where) {
        logger()->warn("{}", where.error().detail);
        return std::unexpected(where.error());
    }
    std::unique_lock bus(bus_);
    return readDoor(lockers_[static_cast<size_t>(locker - 1)], cancel);
}

Result<std::vector<DoorReading>> LockBoardDriver::queryAll(const CancelToken& cancel) {
    std::unique_lock bus(bus_);
    std::vector<DoorReading> out;
    int number = 0;
    for (const BoardConfig& board : settings_.boards) {
        auto states = readBoard(board, cancel);
        if (!states) return std::unexpected(states.error());
        for (DoorState state : *states) out.push_back(DoorReading{.locker = ++number, .state = state});
    }
    return out;
}

Result<PollResult> LockBoardDriver::poll(const CancelToken& cancel) {
    std::vector<DoorEvent> events;
    PollResult result;
    {
        std::unique_lock bus(bus_);
        int number = 0;
        for (const BoardConfig& board : settings_.boards) {
            const int first = number + 1;
            number += board.locks;
            auto states = readBoard(board, cancel);
            if (!states) {
                if (states.error().code == Errc::cancelled || states.error().code == Errc::device_not_ready) {
                    return std::unexpected(states.error());
                }
                result.silentBoards.push_back(board.address);
                continue;
            }
            for (size_t i = 0; i < states->size(); ++i) {
                const int locker = first + static_cast<int>(i);
                const DoorState now = (*states)[i];
                result.doors.push_back(DoorReading{.locker = locker, .state = now});
                auto previous = known_.find(locker);
                if (previous != known_.end() && previous->second != now) {
                    const bool byCommand = commanded_.contains(locker);
                    if (now == DoorState::open && !byCommand) {
                        result.openedByHand.push_back(locker);
                        logger()->warn("device {}: locker {} (board {} lock {}) opened without a command (staff key?)",
                                       name_, locker, board.address, i + 1);
                    }
                    if (now == DoorState::closed) {
                        result.closed.push_back(locker);
                        commanded_.erase(locker);
                    }
                    events.push_back(DoorEvent{.locker = locker, .state = now, .byCommand = byCommand});
                }
                known_[locker] = now;
            }
        }
        if (result.silentBoards.size() == settings_.boards.size() && !settings_.boards.empty()) {
            return fail(Errc::timeout, fmt::format("device {}: no board answered the poll", name_),
                        "locker.unavailable");
        }
    }
    for (const DoorEvent& event : events) notify(event);
    return result;
}

Result<void> LockBoardDriver::start(DeviceEventSink sink) {
    std::lock_guard lock(mutex_);
    sink_ = std::move(sink);
    if (poller_.joinable()) return {};
    cancel_ = CancelToken{};
    poller_ = std::jthread([this, cancel = cancel_](std::stop_token stop) { run(stop, cancel); });
    return {};
}

void LockBoardDriver::stop() {
    std::jthread poller;
    {
        std::lock_guard lock(mutex_);
        cancel_.cancel();
        poller = std::move(poller_);
    }
    if (poller.joinable()) poller.join();
    std::lock_guard lock(mutex_);
    sink_ = nullptr;
}

void LockBoardDriver::run(std::stop_token stop, CancelToken cancel) {
    while (!stop.stop_requested() && !cancel.cancelled()) {
        auto polled = poll(cancel);
        if (polled) {
            if (polled->silentBoards.empty()) {
                setState(makeState(DeviceStatus::online));
            } else {
                std::string list;
                for (uint8_t board : polled->silentBoards) list += (list.empty() ? "" : ", ") + std::to_string(board);
                setState(makeState(DeviceStatus::hardware_error, "board(s) not answering: " + list));
            }
        } else if (polled.error().code == Errc::cancelled) {
            break;
        } else if (polled.error().code == Errc::device_not_ready) {
            setState(makeState(DeviceStatus::no_device, "serial port not available"));
        } else {
            setState(makeState(DeviceStatus::offline, "lock boards not answering"));
        }
        if (!pause(settings_.pollInterval, cancel)) break;
    }
}

Result<std::string> LockBoardDriver::selfTest(std::chrono::milliseconds timeout, const CancelToken& cancel) {
    std::unique_lock bus(bus_);
    std::string report;
    for (const BoardConfig& board : settings_.boards) {
        const LockRequest request{.operation = Operation::query_all,
                                  .board = board.address,
                                  .lock = 0,
                                  .lockCount = static_cast<uint8_t>(board.locks)};
        auto answer = send(request, std::min(timeout, settings_.answerTimeout), cancel);
        if (!answer) return std::unexpected(answer.error());
        const auto open = std::count_if(answer->inputs.begin(), answer->inputs.end(), [&](bool input) {
            return doorFromInput(input, board.polarity) == DoorState::open;
        });
        report +=
            fmt::format("{}board {}: {} locks, {} open", report.empty() ? "" : "; ", board.address, board.locks, open);
    }
    return fmt::format("{} on {} ({})", report, settings_.serial.path, settings_.model);
}

Result<std::unique_ptr<Device>> createLockBoardDriver(const DeviceConfig& config, ConfigSection& settings,
                                                      const DriverContext&) {
    LockBoardSettings out;
    const std::filesystem::path portPath = settings.path("port", "");
    if (portPath.empty()) settings.problem("port", "required: the serial device of the lock boards (/dev/ttyUSB0, …)");
    out.model = settings.string("model", lockerModels().front().name);
    const LockerModel* model = nullptr;
    for (const auto& candidate : lockerModels()) {
        if (candidate.name == out.model) model = &candidate;
    }
    if (!model) {
        std::string known;
        for (const auto& candidate : lockerModels()) known += (known.empty() ? "" : ", ") + std::string(candidate.name);
        settings.problem("model", fmt::format("unknown locker board model \"{}\" (known: {})", out.model, known));
        model = &lockerModels().front();
    }
    out.family = model->family;
    out.serial = transport::SerialSettings{.path = portPath.string(),
                                           .baud = model->baud,
                                           .dataBits = 8,
                                           .parity = model->parity,
                                           .stopBits = model->stopBits,
                                           .hardwareFlowControl = false};
    out.answerTimeout = std::chrono::milliseconds(settings.integer("answer_timeout_ms", 300, 20, 5000));
    out.openAllTimeout = std::chrono::milliseconds(settings.integer("open_all_timeout_ms", 10000, 100, 60000));
    out.confirmTimeout = std::chrono::milliseconds(settings.integer("confirm_timeout_ms", 3000, 100, 30000));
    out.confirmReads = static_cast<int>(settings.integer("confirm_reads", 2, 1, 10));
    out.readInterval = std::chrono::milliseconds(settings.integer("read_interval_ms", 50, 0, 2000));
    out.pollInterval = std::chrono::milliseconds(settings.integer("poll_interval_ms", 500, 20, 60000));
    const LockFramer& framer = framerFor(out.family);
    std::set<int> addresses;
    auto boards = settings.tableArray("boards");
    if (boards.empty())
        settings.problem("boards", "at least one [[devices.boards]] table (address, locks) is required");
    for (ConfigSection& board : boards) {
        BoardConfig entry;
        const int address = static_cast<int>(board.integer("address", 0, 1, framer.maxBoardAddress()));
        const int locks = static_cast<int>(board.integer("locks", 0, 1, model->maxLocks));
        if (!board.has("address")) board.problem("address", "required: the board's address (its DIP switches)");
        if (!board.has("locks"))
            board.problem("locks", fmt::format("required: how many locks are wired (1…{})", model->maxLocks));
        const std::string polarity = board.choice("polarity", "closed_when_set", {"closed_when_set", "open_when_set"});
        if (address != 0 && !addresses.insert(address).second) {
            board.problem("address", fmt::format("board address {} is used twice on one line", address));
        }
        board.rejectUnknownKeys();
        entry.address = static_cast<uint8_t>(address);
        entry.locks = locks;
        entry.polarity = parsePolarity(polarity).value_or(FeedbackPolarity::closed_when_set);
        if (address != 0 && locks != 0) out.boards.push_back(entry);
    }
    if (portPath.empty()) return fail(Errc::invalid_config, "lockboard: the key 'port' is required");
    return std::make_unique<LockBoardDriver>(config.name, std::move(out));
}

}  // namespace kiosk::drivers::locker
