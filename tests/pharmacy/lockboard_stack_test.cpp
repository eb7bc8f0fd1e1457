// The lockboard driver against the virtual lock board on a REAL pty (openpty; the driver opens
// the slave through termios like /dev/ttyUSB1), for both frame families: every scenario of the
// board (normal, stuck door, silent, inverted polarity, opened by hand) and every bad input
// (bad checksum, wrong board, wrong length, an answer for another lock, a flipping door, a locker
// that does not exist). Each open() must pulse its lock exactly once, and every failure must
// come back within its bounded time.
#include <gtest/gtest.h>

#include <condition_variable>

#include "drivers/common/registry.hpp"
#include "drivers/locker/lockboard/lockboard_driver.hpp"
#include "kiosk/core/config.hpp"
#include "kiosk/core/i18n.hpp"
#include "sim/devices/virtual_lock_board.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiosk::drivers::locker {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using sim::LockBoardFault;
using sim::LockBoardScenario;
using sim::VirtualLockBoard;

constexpr auto kConfirm = 600ms;
constexpr auto kAnswer = 150ms;
// The longest any failing call may take: the confirm window, one answer timeout that may start
// just before it ends, and scheduling slack on a loaded 2-core machine.
constexpr auto kBound = kConfirm + kAnswer + 700ms;

std::chrono::milliseconds since(Clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

class LockBoardStack : public ::testing::TestWithParam<FrameFamily> {
protected:
    void SetUp() override {
        makeBank({{1, 24, FeedbackPolarity::closed_when_set}, {2, 12, FeedbackPolarity::closed_when_set}});
    }

    void makeBank(std::vector<sim::VirtualBoard> boards) {
        driver_.reset();
        bank_.reset();
        auto bank = VirtualLockBoard::create(GetParam(), boards);
        ASSERT_TRUE(bank) << bank.error().detail;
        bank_ = std::move(*bank);
        std::vector<BoardConfig> configs;
        for (const auto& b : boards) configs.push_back({b.address, b.locks, b.polarity});
        driver_ = makeDriver(configs);
    }

    std::unique_ptr<LockBoardDriver> makeDriver(std::vector<BoardConfig> boards) {
        LockBoardSettings settings;
        settings.serial = transport::SerialSettings{.path = bank_->path().string(), .baud = 9600};
        settings.family = GetParam();
        settings.model = GetParam() == FrameFamily::eight_a ? "8a_9600" : "modbus_rtu_9600_8e1";
        settings.boards = std::move(boards);
        settings.answerTimeout = kAnswer;
        settings.confirmTimeout = kConfirm;
        settings.readInterval = 20ms;
        settings.pollInterval = 30ms;
        return std::make_unique<LockBoardDriver>("lockers", settings);
    }

    std::unique_ptr<VirtualLockBoard> bank_;
    std::unique_ptr<LockBoardDriver> driver_;
};

TEST_P(LockBoardStack, NormalOpenIsConfirmedByReadBackAndPulsesOnce) {
    ASSERT_EQ(driver_->lockerCount(), 36);
    const auto started = Clock::now();
    auto opened = driver_->open(5);
    ASSERT_TRUE(opened) << opened.error().detail;
    EXPECT_EQ(opened->where.board, 1);
    EXPECT_EQ(opened->where.lock, 5);
    EXPECT_GE(opened->elapsed, 40ms);  // the virtual door takes 40 ms to open: confirmed by reads, not assumed
    EXPECT_LT(since(started), kBound);
    EXPECT_GE(opened->reads, 2);
    EXPECT_EQ(bank_->openCommands(5), 1);
    EXPECT_TRUE(bank_->isOpen(5));
    // Locker 25 is board 2's lock 1.
    auto second = driver_->open(25);
    ASSERT_TRUE(second) << second.error().detail;
    EXPECT_EQ(second->where.board, 2);
    EXPECT_EQ(second->where.lock, 1);
    EXPECT_EQ(bank_->openCommands(25), 1);
    auto door = driver_->queryDoor(5);
    ASSERT_TRUE(door) << door.error().detail;
    EXPECT_EQ(*door, DoorState::open);
    auto all = driver_->queryAll();
    ASSERT_TRUE(all) << all.error().detail;
    ASSERT_EQ(all->size(), 36u);
    for (const DoorReading& reading : *all) {
        EXPECT_EQ(reading.state, reading.locker == 5 || reading.locker == 25 ? DoorState::open : DoorState::closed)
            << reading.locker;
    }
    bank_->close(5);
    door = driver_->queryDoor(5);
    ASSERT_TRUE(door);
    EXPECT_EQ(*door, DoorState::closed);
}

TEST_P(LockBoardStack, StuckDoorIsAClearErrorAfterOnePulse) {
    bank_->setScenario(LockBoardScenario::stuck_door);
    const auto started = Clock::now();
    auto opened = driver_->open(3);
    ASSERT_FALSE(opened);
    EXPECT_EQ(opened.error().code, Errc::hardware_error);
    EXPECT_EQ(opened.error().messageKey, "locker.door_not_opened");
    EXPECT_NE(opened.error().detail.find("stuck door"), std::string::npos) << opened.error().detail;
    EXPECT_NE(opened.error().detail.find("locker 3 (board 1 lock 3)"), std::string::npos) << opened.error().detail;
    EXPECT_GE(since(started), kConfirm);
    EXPECT_LT(since(started), kBound);
    EXPECT_EQ(bank_->openCommands(3), 1);  // never a second pulse
    // One jammed door among working ones (the F2 panel's "jam a locker door").
    bank_->setScenario(LockBoardScenario::normal);
    bank_->jam(8);
    EXPECT_FALSE(driver_->open(8));
    EXPECT_TRUE(driver_->open(9));
    EXPECT_EQ(bank_->openCommands(8), 1);
    EXPECT_EQ(bank_->openCommands(9), 1);
}

TEST_P(LockBoardStack, SilentBoardIsReportedWithinTheBound) {
    bank_->setScenario(LockBoardScenario::silent);
    const auto started = Clock::now();
    auto opened = driver_->open(1);
    ASSERT_FALSE(opened);
    EXPECT_EQ(opened.error().code, Errc::timeout);
    EXPECT_EQ(opened.error().messageKey, "locker.unavailable");
    EXPECT_NE(opened.error().detail.find("board silent"), std::string::npos) << opened.error().detail;
    EXPECT_LT(since(started), kBound);
    // A dead board pulses nothing, but the driver sent exactly one open command (then reads only).
    const auto requests = bank_->requests();
    EXPECT_EQ(std::count_if(requests.begin(), requests.end(),
                            [](const LockRequest& r) { return r.operation == Operation::open_one; }),
              1);
    EXPECT_GT(requests.size(), 1u);
    auto door = driver_->queryDoor(1);
    ASSERT_FALSE(door);
    EXPECT_EQ(door.error().code, Errc::timeout);
    auto polled = driver_->poll();
    ASSERT_FALSE(polled);
    EXPECT_EQ(polled.error().code, Errc::timeout);
    EXPECT_FALSE(driver_->selfTest(1s, {}));
}

TEST_P(LockBoardStack, InvertedPolarityIsReadRightWhenConfigured) {
    bank_->setScenario(LockBoardScenario::inverted_polarity);
    // With the default polarity every closed door reads open: the symptom a technician sees.
    auto wrong = driver_->queryAll();
    ASSERT_TRUE(wrong) << wrong.error().detail;
    EXPECT_TRUE(
        std::all_of(wrong->begin(), wrong->end(), [](const DoorReading& r) { return r.state == DoorState::open; }));
    // Configured as wired (open_when_set on board 1), doors read right and an open is confirmed.
    driver_ = makeDriver({{1, 24, FeedbackPolarity::open_when_set}, {2, 12, FeedbackPolarity::open_when_set}});
    auto door = driver_->queryDoor(4);
    ASSERT_TRUE(door) << door.error().detail;
    EXPECT_EQ(*door, DoorState::closed);
    auto opened = driver_->open(4);
    ASSERT_TRUE(opened) << opened.error().detail;
    EXPECT_EQ(bank_->openCommands(4), 1);
    // And a door that really stays shut is not taken for open under that polarity.
    bank_->jam(6);
    EXPECT_FALSE(driver_->open(6));
}

TEST_P(LockBoardStack, DoorOpenedByHandIsNoticedByPolling) {
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<DoorEvent> events;
    driver_->setDoorListener([&](const DoorEvent& event) {
        std::lock_guard lock(mutex);
        events.push_back(event);
        changed.notify_all();
    });
    auto baseline = driver_->poll();
    ASSERT_TRUE(baseline) << baseline.error().detail;
    EXPECT_TRUE(baseline->openedByHand.empty());
    // A commanded opening is not "by hand".
    ASSERT_TRUE(driver_->open(2));
    auto afterCommand = driver_->poll();
    ASSERT_TRUE(afterCommand);
    EXPECT_TRUE(afterCommand->openedByHand.empty());
    // Staff open locker 30 with the key.
    bank_->openByHand(30);
    auto polled = driver_->poll();
    ASSERT_TRUE(polled) << polled.error().detail;
    EXPECT_EQ(polled->openedByHand, std::vector<int>{30});
    EXPECT_EQ(bank_->openCommands(30), 0);
    {
        std::lock_guard lock(mutex);
        ASSERT_FALSE(events.empty());
        EXPECT_EQ(events.back().locker, 30);
        EXPECT_EQ(events.back().state, DoorState::open);
        EXPECT_FALSE(events.back().byCommand);
        events.clear();
    }
    // The same through the poller thread after start(): the scenario opens locker 11 by hand.
    std::vector<DeviceEvent> statuses;
    ASSERT_TRUE(driver_->start([&](DeviceEvent event) {
        std::lock_guard lock(mutex);
        statuses.push_back(std::move(event));
        changed.notify_all();
    }));
    bank_->setHandLocker(11);
    bank_->setScenario(LockBoardScenario::opened_by_hand);
    {
        // Both the door event and the poller's "online" status arrive, however the polls fall.
        std::unique_lock lock(mutex);
        ASSERT_TRUE(changed.wait_for(lock, 3s, [&] {
            const bool door = std::any_of(events.begin(), events.end(),
                                          [](const DoorEvent& e) { return e.locker == 11 && !e.byCommand; });
            const bool online = std::any_of(statuses.begin(), statuses.end(), [](const DeviceEvent& e) {
                const auto* status = std::get_if<StatusChanged>(&e);
                return status && status->state.status == DeviceStatus::online;
            });
            return door && online;
        }));
    }
    driver_->stop();
    // The door closed again is reported too, and the commanded door's closing clears it.
    bank_->close(2);
    auto closed = driver_->poll();
    ASSERT_TRUE(closed);
    EXPECT_EQ(closed->closed, std::vector<int>{2});
}

TEST_P(LockBoardStack, OpenAllForStaffPulsesEachBoardOnce) {
    bank_->jam(20);
    auto outcome = driver_->openAll();
    ASSERT_TRUE(outcome) << outcome.error().detail;
    EXPECT_EQ(outcome->opened.size(), 35u);
    EXPECT_EQ(outcome->notOpened, std::vector<int>{20});
    EXPECT_EQ(bank_->openAllCommands(), 2);  // one per board
    for (int locker = 1; locker <= 36; ++locker) EXPECT_EQ(bank_->openCommands(locker), 1) << locker;
    // Staff opening is not "by hand".
    auto polled = driver_->poll();
    ASSERT_TRUE(polled);
    EXPECT_TRUE(polled->openedByHand.empty());
}

TEST_P(LockBoardStack, LockerThatDoesNotExistIsRefusedWithoutTouchingTheBus) {
    for (int locker : {0, -1, 37, 999}) {
        auto opened = driver_->open(locker);
        ASSERT_FALSE(opened);
        EXPECT_EQ(opened.error().code, Errc::invalid_argument);
        EXPECT_EQ(opened.error().messageKey, "locker.no_such_locker");
        EXPECT_NE(opened.error().detail.find("lockers 1–36"), std::string::npos) << opened.error().detail;
        EXPECT_FALSE(driver_->queryDoor(locker));
    }
    EXPECT_TRUE(bank_->requests().empty());
}

TEST_P(LockBoardStack, BadChecksumIsNeverTakenAsAnAnswer) {
    bank_->setFault(LockBoardFault::bad_checksum);
    auto door = driver_->queryDoor(1);
    ASSERT_FALSE(door);
    EXPECT_EQ(door.error().code, Errc::invalid_data);
    EXPECT_NE(door.error().detail.find(GetParam() == FrameFamily::eight_a ? "bad checksum" : "bad CRC"),
              std::string::npos)
        << door.error().detail;
    const auto started = Clock::now();
    auto opened = driver_->open(1);
    ASSERT_FALSE(opened);
    EXPECT_EQ(opened.error().code, Errc::invalid_data);
    EXPECT_NE(opened.error().detail.find("no valid answer"), std::string::npos) << opened.error().detail;
    EXPECT_LT(since(started), kBound);
    EXPECT_EQ(bank_->openCommands(1), 1);
}

TEST_P(LockBoardStack, AnswerFromAnotherBoardIsRefused) {
    bank_->setFault(LockBoardFault::wrong_board);
    auto door = driver_->queryDoor(3);
    ASSERT_FALSE(door);
    EXPECT_NE(door.error().detail.find("answer from board 2 to a query sent to board 1"), std::string::npos)
        << door.error().detail;
    auto opened = driver_->open(3);
    ASSERT_FALSE(opened);
    EXPECT_EQ(bank_->openCommands(3), 1);
}

TEST_P(LockBoardStack, WrongLengthIsRefusedWithoutHanging) {
    bank_->setFault(LockBoardFault::wrong_length);
    const auto started = Clock::now();
    auto door = driver_->queryDoor(3);
    ASSERT_FALSE(door);
    EXPECT_EQ(door.error().code, Errc::invalid_data);
    EXPECT_NE(door.error().detail.find("wrong length"), std::string::npos) << door.error().detail;
    EXPECT_LT(since(started), kAnswer + 300ms);
    auto all = driver_->queryAll();
    ASSERT_FALSE(all);
    auto opened = driver_->open(3);
    ASSERT_FALSE(opened);
    EXPECT_LT(since(started), kAnswer + kBound + 300ms);
    EXPECT_EQ(bank_->openCommands(3), 1);
}

TEST_P(LockBoardStack, AnswerForAnotherLockIsRefused) {
    bank_->setFault(LockBoardFault::other_lock);
    auto serial = transport::SerialPort::open({.path = bank_->path().string(), .baud = 9600});
    ASSERT_TRUE(serial) << serial.error().detail;
    auto answer = exchange(**serial, framerFor(GetParam()), {Operation::open_one, 1, 7, 0}, kAnswer, 3ms, {});
    ASSERT_FALSE(answer);
    EXPECT_NE(answer.error().detail.find("answered for lock 8, asked lock 7"), std::string::npos)
        << answer.error().detail;
    serial->reset();
    bank_->close(7);
    const int before = bank_->openCommands(7);
    auto opened = driver_->open(7);
    EXPECT_EQ(bank_->openCommands(7), before + 1);  // one pulse, however the answers read
    if (GetParam() == FrameFamily::eight_a) {
        // Every 8a answer names its lock: none is for lock 7, so nothing confirms the door.
        ASSERT_FALSE(opened);
        EXPECT_NE(opened.error().detail.find("answered for lock 8"), std::string::npos) << opened.error().detail;
    } else {
        // A Modbus input read carries no lock number: the read-backs (of input 7) confirm it.
        ASSERT_TRUE(opened) << opened.error().detail;
    }
}

TEST_P(LockBoardStack, FlippingDoorSensorDoesNotConfirm) {
    bank_->setFault(LockBoardFault::flipping_door);
    const auto started = Clock::now();
    auto opened = driver_->open(12);
    ASSERT_FALSE(opened);
    EXPECT_EQ(opened.error().code, Errc::hardware_error);
    EXPECT_EQ(opened.error().messageKey, "locker.door_not_opened");
    EXPECT_NE(opened.error().detail.find("flipped"), std::string::npos) << opened.error().detail;
    EXPECT_LT(since(started), kBound);
    EXPECT_EQ(bank_->openCommands(12), 1);
}

TEST_P(LockBoardStack, UnpluggedPortIsDeviceNotReady) {
    LockBoardSettings settings;
    settings.serial = transport::SerialSettings{.path = "/nonexistent/ttyLockers", .baud = 9600};
    settings.family = GetParam();
    settings.boards = {{1, 8, FeedbackPolarity::closed_when_set}};
    LockBoardDriver missing("lockers", settings);
    auto opened = missing.open(1);
    ASSERT_FALSE(opened);
    EXPECT_EQ(opened.error().code, Errc::device_not_ready);
    EXPECT_EQ(opened.error().messageKey, "locker.unavailable");
}

TEST_P(LockBoardStack, PresenterPanelDrivesTheBoardByName) {
    drivers::SimulatedDevice& panel = *bank_;
    EXPECT_EQ(panel.scenarios().size(), 5u);
    ASSERT_TRUE(panel.act("jam", "4"));
    EXPECT_FALSE(driver_->open(4));
    ASSERT_TRUE(panel.act("unjam", "4"));
    ASSERT_TRUE(panel.act("open_by_hand", "6"));
    auto door = driver_->queryDoor(6);
    ASSERT_TRUE(door);
    EXPECT_EQ(*door, DoorState::open);
    ASSERT_TRUE(panel.act("close", "6"));
    EXPECT_FALSE(panel.act("jam", "37"));
    EXPECT_FALSE(panel.act("jam", "4x"));
    EXPECT_FALSE(panel.act("explode", "4"));
    ASSERT_TRUE(panel.setScenario("stuck_door"));
    EXPECT_EQ(panel.scenario(), "stuck_door");
    EXPECT_FALSE(driver_->open(5));
    EXPECT_FALSE(panel.setScenario("on_fire"));
}

TEST_P(LockBoardStack, EveryFailureCarriesAPatientMessageInBothLanguages) {
    auto catalog = Catalog::load(std::filesystem::path(KIOSK_TEST_ASSETS_DIR) / "lang");
    ASSERT_TRUE(catalog) << catalog.error().detail;
    std::vector<Error> errors;
    errors.push_back(driver_->open(99).error());
    bank_->jam(1);
    errors.push_back(driver_->open(1).error());
    bank_->setScenario(LockBoardScenario::silent);
    errors.push_back(driver_->open(2).error());
    bank_->setScenario(LockBoardScenario::normal);
    bank_->setFault(LockBoardFault::bad_checksum);
    errors.push_back(driver_->open(3).error());
    for (const Error& error : errors) {
        SCOPED_TRACE(error.detail);
        EXPECT_TRUE(error.messageKey.starts_with("locker."));
        for (const char* language : {"zh_CN", "en_US"})
            EXPECT_NE(catalog->find(language, error.messageKey), nullptr) << language;
    }
}

INSTANTIATE_TEST_SUITE_P(Families, LockBoardStack, ::testing::Values(FrameFamily::eight_a, FrameFamily::modbus_rtu),
                         [](const auto& param) {
                             return std::string(param.param == FrameFamily::eight_a ? "EightA" : "ModbusRtu");
                         });

// ---- the driver-table row, built from a kiosk config through the registry ----

std::string config(const std::string& devices) {
    return R"([kiosk]
id = "TEST-LOCKERS"
mode = "pharmacy"
data_dir = "data"
assets_dir = ")" +
           std::string(KIOSK_TEST_ASSETS_DIR) + R"("
[journal]
audit_salt = "test-salt-0123456789abcdef"
)" + devices;
}

Result<DeviceRegistry> build(const test::TempDir& dir, const std::string& devices) {
    auto loaded = loadConfig(dir.write("kiosk.toml", config(devices)));
    if (!loaded) return std::unexpected(loaded.error());
    return DeviceRegistry::build(*loaded, DriverContext{loaded->assetsDir, loaded->dataDir});
}

TEST(LockBoardConfig, ModbusBankFromConfigOpensOnThePty) {
    test::TempDir dir;
    auto bank = VirtualLockBoard::create(FrameFamily::modbus_rtu, {{7, 16, FeedbackPolarity::open_when_set}},
                                         dir.path() / "ttyLockers");
    ASSERT_TRUE(bank) << bank.error().detail;
    auto registry = build(dir, R"(
[[devices]]
name = "lockers"
class = "locker"
driver = "lockboard"
port = "ttyLockers"
model = "modbus_rtu_9600_8e1"
confirm_timeout_ms = 1500
[[devices.boards]]
address = 7
locks = 16
polarity = "open_when_set"
)");
    ASSERT_TRUE(registry) << registry.error().detail;
    auto* lockers = registry->first<LockBoardDriver>(DeviceClass::locker);
    ASSERT_NE(lockers, nullptr);
    EXPECT_EQ(lockers->lockerCount(), 16);
    EXPECT_TRUE(lockers->capabilities().has("modbus_rtu"));
    auto opened = lockers->open(16);
    ASSERT_TRUE(opened) << opened.error().detail;
    EXPECT_EQ(opened->where.board, 7);
    auto report = lockers->selfTest(1s, {});
    ASSERT_TRUE(report) << report.error().detail;
    EXPECT_NE(report->find("board 7: 16 locks, 1 open"), std::string::npos) << *report;
}

TEST(LockBoardConfig, BadValuesNameTheirKeys) {
    test::TempDir dir;
    auto registry = build(dir, R"(
[[devices]]
name = "lockers"
class = "locker"
driver = "lockboard"
port = "/dev/ttyUSB1"
model = "8a_9600"
[[devices.boards]]
address = 1
locks = 30
polarity = "upside_down"
[[devices.boards]]
address = 1
locks = 8
colour = "red"

[[devices]]
name = "lockers2"
class = "locker"
driver = "lockboard"
model = "acme_9000"
)");
    ASSERT_FALSE(registry);
    const std::string& detail = registry.error().detail;
    EXPECT_NE(detail.find("locks"), std::string::npos) << detail;  // 30 > 24 on an 8a_9600
    EXPECT_NE(detail.find("polarity"), std::string::npos) << detail;
    EXPECT_NE(detail.find("used twice"), std::string::npos) << detail;
    EXPECT_NE(detail.find("colour"), std::string::npos) << detail;
    EXPECT_NE(detail.find("acme_9000"), std::string::npos) << detail;
    EXPECT_NE(detail.find("port"), std::string::npos) << detail;
    EXPECT_NE(detail.find("boards"), std::string::npos) << detail;
}

}  // namespace
}  // namespace kiosk::drivers::locker
