// The demo's "jam a locker door" (issue 13 item 6) end to end: kiosk-vlockboard runs as its own
// process on a real pty with its control socket (as scripts/run-demo.sh starts it); the kiosk's
// lockboard driver is built from a config like the demo's; the presenter's panel code
// (SimPanelLockers, whose act() is what the F2 buttons run) jams a locker over the socket. A real
// open of that locker through the driver is then not confirmed and the door stays shut; freed, it
// opens. Also: bad requests are refused in words, a board that is gone is a clear error, and
// kiosks outside the demo get no such controls.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "drivers/common/registry.hpp"
#include "drivers/locker/lockboard/lockboard_driver.hpp"
#include "drivers/sim/lock_board_control.hpp"
#include "kiosk/core/config.hpp"
#include "screens/sim_panel_lockers.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiosk::test {
namespace {

using namespace std::chrono_literals;
using drivers::locker::DoorState;
using drivers::locker::LockBoardDriver;
using drivers::sim::LockBoardControl;

/// kiosk-vlockboard in a child process; SIGTERM (then SIGKILL) when it goes out of scope.
class BoardProcess {
public:
    BoardProcess(const TempDir& dir, std::vector<std::string> extra) : link_(dir.path() / "ttyLockers"), socket_(dir.path() / "lockers.ctl"),
                                                                       log_(dir.path() / "vlockboard.log") {
        std::vector<std::string> args = {KIOSK_VLOCKBOARD_EXE, "--link", link_.string(), "--boards", "1:12", "--control", socket_.string()};
        args.insert(args.end(), extra.begin(), extra.end());
        pid_ = fork();
        if (pid_ == 0) {
            const int log = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (log >= 0) {
                dup2(log, STDOUT_FILENO);
                dup2(log, STDERR_FILENO);
            }
            std::vector<char*> argv;
            for (auto& a : args) argv.push_back(a.data());
            argv.push_back(nullptr);
            execv(argv[0], argv.data());
            _exit(127);
        }
        // Up when both the pty link and the socket exist (it makes the socket last), or never.
        for (int i = 0; i < 200 && !ready(); ++i) std::this_thread::sleep_for(10ms);
    }
    ~BoardProcess() { stop(); }
    BoardProcess(const BoardProcess&) = delete;
    BoardProcess& operator=(const BoardProcess&) = delete;

    bool ready() const {
        std::error_code ec;
        return pid_ > 0 && std::filesystem::exists(link_, ec) && std::filesystem::is_socket(socket_, ec);
    }
    void stop() {
        if (pid_ <= 0) return;
        kill(pid_, SIGTERM);
        int status = 0;
        for (int i = 0; i < 300 && waitpid(pid_, &status, WNOHANG) == 0; ++i) std::this_thread::sleep_for(10ms);
        if (waitpid(pid_, &status, WNOHANG) == 0) {
            kill(pid_, SIGKILL);
            waitpid(pid_, &status, 0);
        }
        pid_ = -1;
    }
    std::string log() const {
        std::ifstream in(log_);
        std::stringstream text;
        text << in.rdbuf();
        return text.str();
    }
    const std::filesystem::path& link() const { return link_; }
    const std::filesystem::path& socket() const { return socket_; }

private:
    std::filesystem::path link_;
    std::filesystem::path socket_;
    std::filesystem::path log_;
    pid_t pid_ = -1;
};

/// The kiosk's side as run-demo.sh writes it: the lock board device and [simulator].
std::string pharmacyConfig(const BoardProcess& board, const std::string& mode = "pharmacy") {
    return R"(
[kiosk]
id = "TEST-JAM"
mode = ")" + mode + R"("
data_dir = "data"
assets_dir = ")" + std::string(KIOSK_TEST_ASSETS_DIR) + R"("

[journal]
audit_salt = "test-salt-0123456789abcdef"

[log]
level = "warn"

[[devices]]
name = "lockers"
class = "locker"
driver = "lockboard"
port = ")" + board.link().string() + R"("
model = "8a_9600"
confirm_timeout_ms = 600
[[devices.boards]]
address = 1
locks = 12

[simulator]
lock_board_control = ")" + board.socket().string() + "\"\n";
}

struct Kiosk {
    KioskConfig config;
    drivers::DeviceRegistry devices;
    LockBoardDriver* board = nullptr;
};

Kiosk kioskOn(const TempDir& dir, const std::string& text) {
    Kiosk kiosk;
    auto config = loadConfig(dir.write("kiosk.toml", text));
    EXPECT_TRUE(config) << config.error().describe();
    if (!config) return kiosk;
    kiosk.config = std::move(*config);
    auto devices = drivers::DeviceRegistry::build(kiosk.config, drivers::DriverContext{kiosk.config.assetsDir, kiosk.config.dataDir});
    EXPECT_TRUE(devices) << devices.error().describe();
    if (!devices) return kiosk;
    kiosk.devices = std::move(*devices);
    kiosk.board = kiosk.devices.first<LockBoardDriver>(drivers::DeviceClass::locker);
    return kiosk;
}

TEST(LockBoardControl, TheF2PanelJamsAndFreesALockerDoorOfTheRunningBoard) {
    TempDir dir;
    BoardProcess board(dir, {"--jam", "7"});
    ASSERT_TRUE(board.ready()) << board.log();
    Kiosk kiosk = kioskOn(dir, pharmacyConfig(board));
    ASSERT_NE(kiosk.board, nullptr);
    EXPECT_EQ(kiosk.config.simulator.lockBoardControl, board.socket());

    auto panel = screens::SimPanelLockers::make(kiosk.config, kiosk.devices);
    ASSERT_NE(panel, nullptr);
    EXPECT_EQ(panel->device(), "lockers");
    EXPECT_EQ(panel->jammed(), std::vector<int>{7});  // --jam 7, as the board said when asked at start

    // Before the jam, locker 3 opens and is confirmed by the door's sensor; the patient shuts it.
    auto before = kiosk.board->open(3);
    ASSERT_TRUE(before) << before.error().describe() << board.log();
    ASSERT_TRUE(LockBoardControl(board.socket()).send("close", "3")) << board.log();
    auto shut = kiosk.board->queryDoor(3);
    ASSERT_TRUE(shut) << shut.error().describe();
    EXPECT_EQ(*shut, DoorState::closed);

    // "Jam locker 3": the open command is sent and answered, but the door never reads open.
    ASSERT_TRUE(panel->act("jam", "3")) << board.log();
    EXPECT_EQ(panel->jammed(), (std::vector<int>{3, 7}));
    auto jammed = kiosk.board->open(3);
    ASSERT_FALSE(jammed) << "a jammed door was confirmed open";
    EXPECT_EQ(jammed.error().code, Errc::hardware_error) << jammed.error().describe();
    EXPECT_EQ(jammed.error().messageKey, "locker.door_not_opened");
    auto door = kiosk.board->queryDoor(3);
    ASSERT_TRUE(door) << door.error().describe();
    EXPECT_EQ(*door, DoorState::closed);
    // The other doors are not affected.
    auto other = kiosk.board->open(4);
    EXPECT_TRUE(other) << other.error().describe();

    // "Free locker 3": the same door opens again.
    ASSERT_TRUE(panel->act("unjam", "3")) << board.log();
    EXPECT_EQ(panel->jammed(), std::vector<int>{7});
    auto freed = kiosk.board->open(3);
    ASSERT_TRUE(freed) << freed.error().describe() << board.log();
    door = kiosk.board->queryDoor(3);
    ASSERT_TRUE(door);
    EXPECT_EQ(*door, DoorState::open);
    // The board's log says what the presenter did.
    EXPECT_NE(board.log().find("control: jam 3 -> ok 3 7"), std::string::npos) << board.log();
}

TEST(LockBoardControl, BadRequestsAndAGoneBoardAreClearErrors) {
    TempDir dir;
    BoardProcess board(dir, {});
    ASSERT_TRUE(board.ready()) << board.log();
    Kiosk kiosk = kioskOn(dir, pharmacyConfig(board));
    auto panel = screens::SimPanelLockers::make(kiosk.config, kiosk.devices);
    ASSERT_NE(panel, nullptr);
    EXPECT_TRUE(panel->jammed().empty());

    auto tooFar = panel->act("jam", "13");  // the bank has 12 lockers
    ASSERT_FALSE(tooFar);
    EXPECT_EQ(tooFar.error().code, Errc::invalid_argument);
    EXPECT_NE(tooFar.error().detail.find("\"13\" is not a locker (1–12)"), std::string::npos) << tooFar.error().detail;
    auto word = panel->act("jam", "three");
    ASSERT_FALSE(word);
    EXPECT_NE(word.error().detail.find("\"three\" is not a locker"), std::string::npos) << word.error().detail;
    auto unknown = LockBoardControl(board.socket()).send("explode", "3");
    ASSERT_FALSE(unknown);
    EXPECT_NE(unknown.error().detail.find("no action \"explode\""), std::string::npos) << unknown.error().detail;
    EXPECT_FALSE(panel->act("open_by_hand", "3"));  // the panel's controls are jam and unjam only
    auto state = LockBoardControl(board.socket()).state();
    ASSERT_TRUE(state) << state.error().describe();
    EXPECT_TRUE(state->jammed.empty());  // nothing refused changed anything

    board.stop();
    const auto started = std::chrono::steady_clock::now();
    auto gone = panel->act("jam", "2");
    ASSERT_FALSE(gone);
    EXPECT_EQ(gone.error().code, Errc::device_not_ready) << gone.error().describe();
    EXPECT_NE(gone.error().detail.find("kiosk-vlockboard"), std::string::npos) << gone.error().detail;
    EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
}

TEST(LockBoardControl, OnlyAPharmacyDemoWithALockBoardHasTheControls) {
    TempDir dir;
    BoardProcess board(dir, {});
    ASSERT_TRUE(board.ready()) << board.log();
    Kiosk lobby = kioskOn(dir, pharmacyConfig(board, "lobby"));
    EXPECT_EQ(screens::SimPanelLockers::make(lobby.config, lobby.devices), nullptr);
    // A site's pharmacy kiosk: no [simulator] section.
    std::string site = pharmacyConfig(board);
    site.resize(site.find("[simulator]"));
    Kiosk real = kioskOn(dir, site);
    ASSERT_NE(real.board, nullptr);
    EXPECT_TRUE(real.config.simulator.lockBoardControl.empty());
    EXPECT_EQ(screens::SimPanelLockers::make(real.config, real.devices), nullptr);
    // A mistyped key is refused like any other.
    auto typo = loadConfig(dir.write("typo.toml", pharmacyConfig(board) + "lock_board_controll = \"x\"\n"));
    ASSERT_FALSE(typo);
    EXPECT_NE(typo.error().detail.find("simulator.lock_board_controll"), std::string::npos) << typo.error().detail;
}

TEST(LockBoardControl, AnswerLinesRoundTrip) {
    using drivers::sim::LockBoardControlState;
    using drivers::sim::formatLockBoardControlAnswer;
    using drivers::sim::parseLockBoardControlAnswer;
    EXPECT_EQ(formatLockBoardControlAnswer(LockBoardControlState{{3, 7}}), "ok 3 7\n");
    EXPECT_EQ(formatLockBoardControlAnswer(LockBoardControlState{}), "ok\n");
    auto parsed = parseLockBoardControlAnswer("ok 3 7");
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->jammed, (std::vector<int>{3, 7}));
    auto refused = parseLockBoardControlAnswer("error no such thing");
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, Errc::invalid_argument);
    EXPECT_EQ(refused.error().detail, "no such thing");
    EXPECT_FALSE(parseLockBoardControlAnswer("ok 3 x"));
    EXPECT_FALSE(parseLockBoardControlAnswer("okay"));
    const auto request = drivers::sim::parseLockBoardControlRequest("unjam 12\r");
    EXPECT_EQ(request.action, "unjam");
    EXPECT_EQ(request.argument, "12");
}

}  // namespace
}  // namespace kiosk::test
