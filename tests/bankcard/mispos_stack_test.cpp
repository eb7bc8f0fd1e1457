// The mispos driver against the virtual MIS-POS (issue 16, label bankcard), through REAL parts:
// the serial transport on a real pty (openpty; the driver opens the slave like /dev/ttyS1) with
// the terminal answering on the master side, and the library transport through the real
// kiosk-pos-helper process loading the real libkiosk_vpos_vendor.so (dlopen) — its crash is a
// real abort() and its hang a real blocked call. Both share one simulated acquirer through its
// state file. Every scenario, every bad answer, and the resolution of unknown outcomes by query.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include <stdexcept>

#include <algorithm>

#include <thread>

#include "drivers/common/registry.hpp"
#include "drivers/pos/mispos/mispos_driver.hpp"
#include "kiosk/core/config.hpp"
#include "sim/devices/virtual_mispos.hpp"
#include "tests/support/temp_dir.hpp"

extern char** environ;

namespace kiosk::drivers::pos {

/// Test names read "…/pty" and "…/helper" in ctest, not "4-byte object <00-00 00-00>".
void PrintTo(PosTransport transport, std::ostream* out) {
    *out << (transport == PosTransport::serial ? "pty" : "helper");
}

namespace {

using namespace std::chrono_literals;
using sim::VirtualAcquirer;
using sim::VirtualMisPos;
using sim::VposFault;
using sim::VposScenario;

const std::filesystem::path kLayoutFile = std::filesystem::path(KIOSK_TEST_ASSETS_DIR) / "pos" / "ums_bankall.toml";

MisPosLayout layout() {
    auto loaded = MisPosLayout::loadFile(kLayoutFile);
    if (!loaded) throw std::runtime_error(loaded.error().detail);  // gtest reports it; never use a broken layout
    return *loaded;
}

/// The acquirer, optionally its pty terminal, and a driver on either transport.
struct Rig {
    test::TempDir dir;
    std::shared_ptr<VirtualAcquirer> acquirer;
    std::unique_ptr<VirtualMisPos> terminal;
    std::unique_ptr<MisPosDriver> driver;

    explicit Rig(PosTransport transport, std::chrono::milliseconds answerTimeout = 3000ms) {
        acquirer = std::make_shared<VirtualAcquirer>(dir.path() / "vpos.state", layout());
        MisPosSettings settings;
        settings.transport = transport;
        settings.answerTimeout = answerTimeout;
        settings.serviceTimeout = 3000ms;
        settings.ackTimeout = 150ms;
        if (transport == PosTransport::serial) {
            auto created = VirtualMisPos::create(acquirer, dir.path() / "ttyPos");
            EXPECT_TRUE(created) << created.error().detail;
            terminal = std::move(*created);
            settings.serial.path = terminal->path().string();
        } else {
            settings.helper.helper = KIOSK_POS_HELPER_EXE;
            settings.helper.library = KIOSK_VPOS_LIBRARY;
            settings.helper.environment = {"KIOSK_VPOS_STATE=" + (dir.path() / "vpos.state").string(),
                                           "KIOSK_VPOS_LAYOUT=" + kLayoutFile.string()};
        }
        driver = std::make_unique<MisPosDriver>("pos", settings, layout());
    }
    void signIn() {
        auto signedIn = driver->signIn();
        ASSERT_TRUE(signedIn) << signedIn.error().detail;
    }
};

class BothTransports : public ::testing::TestWithParam<PosTransport> {};

std::string transportName(const ::testing::TestParamInfo<PosTransport>& info) {
    return info.param == PosTransport::serial ? "pty" : "helper";
}

TEST_P(BothTransports, SignInThenAConsumeIsApproved) {
    Rig rig(GetParam());
    EXPECT_FALSE(rig.driver->lastSignIn());
    rig.signIn();
    EXPECT_TRUE(rig.driver->lastSignIn());
    auto paid = rig.driver->consume(1500);
    ASSERT_TRUE(paid) << paid.error().detail;
    EXPECT_EQ(paid->resultClass, ResultClass::approved);
    EXPECT_EQ(paid->amountFen, 1500);
    EXPECT_EQ(paid->maskedPan, "622848*********0018");
    EXPECT_EQ(paid->voucher, "000001");
    EXPECT_EQ(paid->reference, "000000000001");
    EXPECT_EQ(paid->merchantId, VirtualAcquirer::kMerchantId);
    EXPECT_EQ(paid->terminalId, VirtualAcquirer::kTerminalId);
    EXPECT_EQ(paid->batch, "000001");
    EXPECT_EQ(paid->date.size(), 4U);
    EXPECT_EQ(paid->time.size(), 6U);
    EXPECT_EQ(rig.acquirer->charges(), 1);
    const auto txns = rig.acquirer->transactions();
    ASSERT_EQ(txns.size(), 1U);
    EXPECT_EQ(txns[0].tag, paid->tag);  // the answer is tied to the request that made it
    EXPECT_EQ(rig.driver->state().status, DeviceStatus::online);
    EXPECT_NE(rig.driver->state().detail.find("last sign-in"), std::string::npos) << rig.driver->state().detail;
}

TEST_P(BothTransports, NotSignedInIsRefusedUntilASignIn) {
    Rig rig(GetParam());
    rig.signIn();
    rig.acquirer->setScenario(VposScenario::not_signed_in);
    auto refused = rig.driver->consume(800);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, Errc::user_error);
    EXPECT_EQ(refused.error().messageKey, "pos.not_signed_in");
    EXPECT_FALSE(rig.driver->lastSignIn());
    EXPECT_EQ(rig.acquirer->charges(), 0);
    rig.signIn();
    EXPECT_TRUE(rig.driver->consume(800));
    EXPECT_EQ(rig.acquirer->charges(), 1);
}

struct Decline {
    VposScenario scenario;
    const char* code;
    const char* key;
};

TEST_P(BothTransports, DeclinesAreNotChargedAndSayWhy) {
    Rig rig(GetParam());
    rig.signIn();
    rig.acquirer->setWalkAwayDelay(150ms);
    for (const Decline& d : {Decline{VposScenario::insufficient_funds, "51", "pos.declined.insufficient_funds"},
                             Decline{VposScenario::wrong_pin, "55", "pos.declined.wrong_pin"},
                             Decline{VposScenario::card_expired, "54", "pos.declined.card_expired"},
                             Decline{VposScenario::walk_away, "TO", "pos.cancelled.timeout"}}) {
        rig.acquirer->setScenario(d.scenario);
        auto declined = rig.driver->consume(2000);
        ASSERT_FALSE(declined) << d.code;
        EXPECT_EQ(declined.error().code, Errc::rejected) << declined.error().detail;
        EXPECT_EQ(declined.error().messageKey, d.key);
        EXPECT_NE(declined.error().detail.find(std::string("result ") + d.code), std::string::npos)
            << declined.error().detail;
    }
    EXPECT_EQ(rig.acquirer->charges(), 0);
    EXPECT_TRUE(rig.driver->consume(2000));  // the next patient pays
}

TEST_P(BothTransports, AnAnswerLostAfterTheChargeIsFoundByQuery) {
    Rig rig(GetParam(), 400ms);
    rig.signIn();
    ASSERT_TRUE(rig.driver->consume(100));  // an earlier transaction: the query must not take it for ours
    rig.acquirer->setScenario(VposScenario::answer_lost);
    PosRequest pending;
    pending.amountFen = 2550;
    auto lost = rig.driver->transact(pending);
    ASSERT_FALSE(lost);
    EXPECT_EQ(lost.error().code, Errc::unknown_outcome) << lost.error().detail;
    EXPECT_EQ(lost.error().messageKey, "pos.outcome_unknown");
    EXPECT_EQ(rig.acquirer->charges(), 2);                  // the money moved
    pending.tag = rig.acquirer->transactions().back().tag;  // the journal keeps the tag it sent
    auto resolved = rig.driver->resolve(pending);
    ASSERT_TRUE(resolved) << resolved.error().detail;
    EXPECT_EQ(resolved->first, Resolution::charged);
    ASSERT_TRUE(resolved->second);
    EXPECT_EQ(resolved->second->amountFen, 2550);
    EXPECT_EQ(resolved->second->voucher, "000002");
    EXPECT_EQ(rig.acquirer->charges(), 2);  // resolved without charging again
}

TEST_P(BothTransports, AHangBeforeTheChargeResolvesAsNotCharged) {
    Rig rig(GetParam(), 400ms);
    rig.signIn();
    ASSERT_TRUE(rig.driver->consume(100));
    rig.acquirer->setScenario(VposScenario::hang);
    PosRequest pending;
    pending.amountFen = 990;
    pending.tag = "555";
    const auto started = std::chrono::steady_clock::now();
    auto hung = rig.driver->transact(pending);
    const auto waited = std::chrono::steady_clock::now() - started;
    ASSERT_FALSE(hung);
    EXPECT_EQ(hung.error().code, Errc::unknown_outcome) << hung.error().detail;
    EXPECT_LT(waited, 2s);  // bounded by the answer time-out, not by the library
    auto resolved = rig.driver->resolve(pending);
    ASSERT_TRUE(resolved) << resolved.error().detail;
    EXPECT_EQ(resolved->first, Resolution::not_charged);
    EXPECT_EQ(rig.acquirer->charges(), 1);
    if (GetParam() == PosTransport::library) {
        EXPECT_EQ(rig.driver->helper()->starts(), 2);  // killed, restarted
    }
}

TEST_P(BothTransports, VoidRefundAndSettlementTotalsAgree) {
    Rig rig(GetParam());
    rig.signIn();
    auto first = rig.driver->consume(1000);
    auto second = rig.driver->consume(2000);
    ASSERT_TRUE(first && second);
    auto voided = rig.driver->voidSale(*first);
    ASSERT_TRUE(voided) << voided.error().detail;
    EXPECT_EQ(voided->amountFen, 1000);
    auto again = rig.driver->voidSale(*first);  // a voided sale cannot be voided twice
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, Errc::rejected);
    auto refunded = rig.driver->refund(*second, 500);
    ASSERT_TRUE(refunded) << refunded.error().detail;
    auto tooMuch = rig.driver->refund(*second, 1600);  // 500 + 1600 > 2000
    ASSERT_FALSE(tooMuch);
    EXPECT_EQ(tooMuch.error().code, Errc::rejected);
    const auto open = rig.acquirer->batchTotals();
    EXPECT_EQ(open.consumes, 2);
    EXPECT_EQ(open.voids, 1);
    EXPECT_EQ(open.refunds, 1);
    auto settled = rig.driver->settle();
    ASSERT_TRUE(settled) << settled.error().detail;
    EXPECT_EQ(settled->amountFen, 3000 - 1000 - 500);
    EXPECT_EQ(settled->batch, "000001");
    EXPECT_EQ(rig.acquirer->lastSettlement().netFen(), settled->amountFen);
    EXPECT_EQ(rig.acquirer->batchTotals().batch, "000002");  // a new batch after settlement
    auto last = rig.driver->queryLast();
    ASSERT_TRUE(last) << last.error().detail;
    EXPECT_EQ(last->voucher, refunded->voucher);  // reprint last: the refund
}

TEST_P(BothTransports, BadAnswersAfterAChargeAreUnknownNeverFailed) {
    Rig rig(GetParam());
    rig.signIn();
    struct Case {
        VposFault fault;
        const char* inDetail;
    };
    for (const Case& c :
         {Case{VposFault::wrong_length, "wrong length"}, Case{VposFault::non_numeric_amount, "is not numeric"},
          Case{VposFault::other_amount, "approved 1600 fen, asked 1500 fen"},
          Case{VposFault::other_tag, "for another transaction"}}) {
        rig.acquirer->setFault(c.fault);
        auto answer = rig.driver->consume(1500);
        ASSERT_FALSE(answer) << sim::vposFaultName(c.fault);
        EXPECT_EQ(answer.error().code, Errc::unknown_outcome) << answer.error().detail;
        EXPECT_EQ(answer.error().messageKey, "pos.outcome_unknown");
        EXPECT_NE(answer.error().detail.find(c.inDetail), std::string::npos) << answer.error().detail;
    }
    EXPECT_EQ(rig.acquirer->charges(), 4);  // each of them moved money: that is why none may say "failed"
    // A terminal that sends the full card number: the driver keeps only the masked one.
    rig.acquirer->setFault(VposFault::unmasked_pan);
    auto unmasked = rig.driver->consume(700);
    ASSERT_TRUE(unmasked) << unmasked.error().detail;
    EXPECT_EQ(unmasked->maskedPan, "622848*********0018");
}

INSTANTIATE_TEST_SUITE_P(Transports, BothTransports, ::testing::Values(PosTransport::serial, PosTransport::library),
                         transportName);

TEST(MisPosSerial, BadLrcOnEveryAnswerIsNakedThreeTimesThenUnknown) {
    Rig rig(PosTransport::serial);
    rig.signIn();
    rig.acquirer->setFault(VposFault::bad_lrc);
    auto answer = rig.driver->consume(1200);
    ASSERT_FALSE(answer);
    EXPECT_EQ(answer.error().code, Errc::unknown_outcome);
    EXPECT_NE(answer.error().detail.find("bad 3 times"), std::string::npos) << answer.error().detail;
    EXPECT_EQ(rig.terminal->answersSent(), 1 + 3);  // sign-in, then the same answer 3 times
    PosRequest pending;
    pending.amountFen = 1200;
    pending.tag = rig.acquirer->transactions().back().tag;
    auto resolved = rig.driver->resolve(pending);
    ASSERT_TRUE(resolved) << resolved.error().detail;
    EXPECT_EQ(resolved->first, Resolution::charged);
}

TEST(MisPosSerial, ARequestSentAgainAfterAMissingAckIsNotChargedTwice) {
    Rig rig(PosTransport::serial);
    rig.signIn();
    rig.acquirer->setFault(VposFault::no_ack);
    rig.acquirer->setAnswerDelay(260ms);  // the answer comes after the host's ACK time-out (150 ms)
    auto paid = rig.driver->consume(3300);
    ASSERT_TRUE(paid) << paid.error().detail;
    EXPECT_EQ(paid->amountFen, 3300);
    rig.acquirer->setAnswerDelay(0ms);
    // The terminal saw the same request twice and acted once.
    for (int i = 0; i < 100 && rig.terminal->framesReceived() < 3; ++i) std::this_thread::sleep_for(10ms);
    EXPECT_EQ(rig.terminal->framesReceived(), 1 + 2);  // sign-in, then the consume and its resend
    EXPECT_EQ(rig.acquirer->charges(), 1);
    auto next = rig.driver->consume(100);  // the stale second answer does not confuse the next one
    ASSERT_TRUE(next) << next.error().detail;
    EXPECT_EQ(rig.acquirer->charges(), 2);
}

TEST(MisPosSerial, CancellingWhileThePatientIsAtTheTerminalIsUnknownNotFailed) {
    Rig rig(PosTransport::serial);
    rig.signIn();
    rig.acquirer->setAnswerDelay(600ms);  // the patient is still typing the PIN
    CancelToken cancel;
    std::jthread canceller([&cancel] {
        std::this_thread::sleep_for(150ms);
        cancel.cancel();
    });
    auto answer = rig.driver->consume(1800, cancel);
    ASSERT_FALSE(answer);
    EXPECT_EQ(answer.error().code, Errc::unknown_outcome) << answer.error().detail;  // the terminal has it
    rig.acquirer->setAnswerDelay(0ms);
    std::this_thread::sleep_for(900ms);  // the terminal finishes on its own
    PosRequest pending;
    pending.amountFen = 1800;
    pending.tag = rig.acquirer->transactions().back().tag;
    auto resolved = rig.driver->resolve(pending);
    ASSERT_TRUE(resolved) << resolved.error().detail;
    EXPECT_EQ(resolved->first, Resolution::charged);
    EXPECT_EQ(rig.acquirer->charges(), 1);
}

TEST(MisPosSerial, NakThreeTimesIsNotCharged) {
    Rig rig(PosTransport::serial);
    rig.signIn();
    rig.acquirer->setFault(VposFault::nak);
    auto answer = rig.driver->consume(1200);
    ASSERT_FALSE(answer);
    EXPECT_EQ(answer.error().code, Errc::hardware_error) << answer.error().detail;
    EXPECT_EQ(answer.error().messageKey, "pos.unavailable");
    EXPECT_NE(answer.error().detail.find("NAK to all 3 sends"), std::string::npos) << answer.error().detail;
    EXPECT_EQ(rig.terminal->framesRefused(), 3);
    EXPECT_EQ(rig.acquirer->charges(), 0);
    EXPECT_TRUE(rig.driver->consume(1200));  // the link recovers
}

TEST(MisPosSerial, AMissingPortIsNotChargedAndASilentOneIsUnknown) {
    test::TempDir dir;
    MisPosSettings settings;
    settings.serial.path = (dir.path() / "no-such-tty").string();
    settings.ackTimeout = 50ms;
    MisPosDriver missing("pos", settings, layout());
    auto answer = missing.consume(100);
    ASSERT_FALSE(answer);
    EXPECT_EQ(answer.error().code, Errc::device_not_ready);
    EXPECT_EQ(answer.error().messageKey, "pos.unavailable");

    // A real pty nobody answers on (a terminal switched off at the far end of a live cable): the
    // consume frame was written 3 times and never refused, so it may have been taken.
    int master = -1;
    int slave = -1;
    char name[256] = {};
    termios raw{};
    cfmakeraw(&raw);
    ASSERT_EQ(openpty(&master, &slave, name, &raw, nullptr), 0);
    settings.serial.path = name;
    MisPosDriver silent("pos", settings, layout());
    auto consume = silent.consume(100);
    ASSERT_FALSE(consume);
    EXPECT_EQ(consume.error().code, Errc::unknown_outcome) << consume.error().detail;
    EXPECT_NE(consume.error().detail.find("did not acknowledge"), std::string::npos) << consume.error().detail;
    auto signIn = silent.signIn();  // no money: plainly unavailable
    ASSERT_FALSE(signIn);
    EXPECT_EQ(signIn.error().messageKey, "pos.unavailable");
    EXPECT_EQ(silent.state().status, DeviceStatus::offline);
    ::close(master);
    ::close(slave);
}

TEST(MisPosHelper, ACrashMidTransactionIsResolvedByQueryAndTheHelperRestarts) {
    Rig rig(PosTransport::library);
    rig.signIn();
    const pid_t first = rig.driver->helper()->pid();
    rig.acquirer->setScenario(VposScenario::crash);
    PosRequest pending;
    pending.amountFen = 4200;
    pending.tag = "321";
    auto crashed = rig.driver->transact(pending);
    ASSERT_FALSE(crashed);
    EXPECT_EQ(crashed.error().code, Errc::unknown_outcome);
    EXPECT_NE(crashed.error().detail.find("signal 6"), std::string::npos) << crashed.error().detail;
    EXPECT_FALSE(rig.driver->helper()->running());
    EXPECT_EQ(rig.acquirer->charges(), 1);  // the library charged before it crashed
    auto resolved = rig.driver->resolve(pending);
    ASSERT_TRUE(resolved) << resolved.error().detail;
    EXPECT_EQ(resolved->first, Resolution::charged);
    EXPECT_EQ(resolved->second->amountFen, 4200);
    EXPECT_EQ(rig.driver->helper()->starts(), 2);
    EXPECT_NE(rig.driver->helper()->pid(), first);
    EXPECT_EQ(rig.acquirer->charges(), 1);  // never charged twice
}

TEST(MisPosHelper, TheVendorLibrarySeesNoneOfTheKiosksFiles) {
    Rig rig(PosTransport::library);
    // A descriptor the kiosk opened without O_CLOEXEC (a journal, a device) must not leak.
    const int leaky = ::open((rig.dir.path() / "journal.db").c_str(), O_RDWR | O_CREAT, 0600);
    ASSERT_GE(leaky, 0);
    rig.signIn();
    std::vector<int> fds;
    for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path("/proc") /
                                                                 std::to_string(rig.driver->helper()->pid()) / "fd")) {
        fds.push_back(std::stoi(entry.path().filename().string()));
    }
    std::sort(fds.begin(), fds.end());
    EXPECT_EQ(fds, (std::vector<int>{0, 1, 2, 3}));
    ::close(leaky);
}

TEST(MisPosHelper, AMissingLibraryIsNotChargedAndSaysWhy) {
    test::TempDir dir;
    MisPosSettings settings;
    settings.transport = PosTransport::library;
    settings.helper.helper = KIOSK_POS_HELPER_EXE;
    settings.helper.library = dir.path() / "libnothere.so";
    MisPosDriver driver("pos", settings, layout());
    auto answer = driver.consume(100);
    ASSERT_FALSE(answer);
    EXPECT_EQ(answer.error().code, Errc::device_not_ready) << answer.error().detail;
    EXPECT_EQ(answer.error().messageKey, "pos.unavailable");
    EXPECT_NE(answer.error().detail.find("dlopen"), std::string::npos) << answer.error().detail;
    EXPECT_EQ(driver.state().status, DeviceStatus::offline);
    // The library is there but does not export the configured call.
    settings.helper.library = KIOSK_VPOS_LIBRARY;
    settings.helper.symbol = "misposTrans";
    MisPosDriver wrongSymbol("pos", settings, layout());
    auto refused = wrongSymbol.signIn();
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, Errc::device_not_ready);
    EXPECT_NE(refused.error().detail.find("dlsym misposTrans"), std::string::npos) << refused.error().detail;
}

/// Starts a program (argv[0] = path) and returns its pid.
pid_t spawn(std::vector<std::string> args) {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = -1;
    if (::posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0) return -1;
    return pid;
}

int waitExit(pid_t pid) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(KioskVpos, TheProgramServesTheDriverAndTakesScenariosFromOutside) {
    test::TempDir dir;
    const auto link = dir.path() / "ttyPos";
    const auto state = (dir.path() / "vpos.state").string();
    const pid_t server = spawn({KIOSK_VPOS_EXE, "--link", link.string(), "--state", state, "--signed-in"});
    ASSERT_GT(server, 0);
    for (int i = 0; i < 300 && !std::filesystem::exists(link); ++i) std::this_thread::sleep_for(10ms);
    ASSERT_TRUE(std::filesystem::exists(link));
    MisPosSettings settings;
    settings.serial.path = link.string();
    MisPosDriver driver("pos", settings, layout());
    auto paid = driver.consume(1234);  // signed in by --signed-in
    EXPECT_TRUE(paid) << (paid ? "" : paid.error().detail);
    // The presenter changes the next transaction from another shell.
    EXPECT_EQ(waitExit(spawn({KIOSK_VPOS_EXE, "--state", state, "--scenario", "wrong_pin", "--set-only"})), 0);
    auto declined = driver.consume(1234);
    ASSERT_FALSE(declined);
    EXPECT_EQ(declined.error().messageKey, "pos.declined.wrong_pin");
    EXPECT_NE(waitExit(spawn({KIOSK_VPOS_EXE, "--state", state, "--scenario", "lucky", "--set-only"})), 0);
    ::kill(server, SIGTERM);
    EXPECT_EQ(waitExit(server), 0);
}

TEST(KioskVpos, ThePresentersPanelDrivesTheAcquirer) {
    test::TempDir dir;
    VirtualAcquirer acquirer(dir.path() / "vpos.state", layout());
    drivers::SimulatedDevice& panel = acquirer;
    EXPECT_EQ(panel.scenarios().size(), 9U);
    ASSERT_TRUE(panel.setScenario("card_expired"));
    EXPECT_EQ(panel.scenario(), "card_expired");
    EXPECT_FALSE(panel.setScenario("lucky"));
    ASSERT_TRUE(panel.act("fault", "other_tag"));
    EXPECT_EQ(acquirer.fault(), VposFault::other_tag);
    EXPECT_FALSE(panel.act("fault", "gremlins"));
    EXPECT_TRUE(panel.act("walk_away_ms", "2500"));
    EXPECT_FALSE(panel.act("walk_away_ms", "soon"));
    EXPECT_FALSE(panel.act("explode", ""));
}

std::string kioskConfig(const std::string& devices) {
    return R"([kiosk]
id = "TEST-POS"
mode = "pharmacy"
data_dir = "data"
assets_dir = ")" +
           std::string(KIOSK_TEST_ASSETS_DIR) + R"("
[journal]
audit_salt = "test-salt-0123456789abcdef"
)" + devices;
}

TEST(MisPosConfig, ATerminalFromConfigSelfTestsBySigningIn) {
    test::TempDir dir;
    auto acquirer = std::make_shared<VirtualAcquirer>(dir.path() / "vpos.state", layout());
    auto terminal = VirtualMisPos::create(acquirer, dir.path() / "ttyPos");
    ASSERT_TRUE(terminal);
    auto loaded = loadConfig(dir.write("kiosk.toml", kioskConfig(R"(
[[devices]]
name = "bankcard"
class = "pos_terminal"
driver = "mispos"
transport = "serial"
port = "ttyPos"
pos_id = "YZ000001"
operator = "KIOSK"
answer_timeout_ms = 60000
)")));
    ASSERT_TRUE(loaded) << loaded.error().detail;
    auto registry = DeviceRegistry::build(*loaded, DriverContext{loaded->assetsDir, loaded->dataDir});
    ASSERT_TRUE(registry) << registry.error().detail;
    auto* pos = registry->first<PosTerminal>(DeviceClass::pos_terminal);
    ASSERT_NE(pos, nullptr);
    EXPECT_EQ(pos->driverName(), "mispos");
    EXPECT_TRUE(pos->capabilities().has("ums_bankall"));
    auto report = pos->selfTest(3s, {});
    ASSERT_TRUE(report) << report.error().detail;
    EXPECT_NE(report->find("signed in"), std::string::npos) << *report;
    EXPECT_NE(report->find(std::string(VirtualAcquirer::kMerchantId)), std::string::npos) << *report;
    EXPECT_NE(pos->state().detail.find("last sign-in"), std::string::npos);
    EXPECT_TRUE(acquirer->signedIn());
}

TEST(MisPosConfig, TheExampleConfigBuildsBothTransports) {
    auto config = loadConfig(std::filesystem::path(KIOSK_TEST_ASSETS_DIR) / "config" / "bankcard.example.toml");
    ASSERT_TRUE(config) << config.error().detail;
    auto registry = DeviceRegistry::build(*config, DriverContext{KIOSK_TEST_ASSETS_DIR, config->dataDir});
    ASSERT_TRUE(registry) << registry.error().detail;
    std::vector<std::string> transports;
    for (Device* device : registry->ofClass(DeviceClass::pos_terminal)) {
        EXPECT_EQ(device->driverName(), "mispos");
        transports.push_back(device->capabilities().has("serial") ? "serial" : "vendor_library");
    }
    EXPECT_EQ(transports, (std::vector<std::string>{"serial", "vendor_library"}));
}

TEST(MisPosConfig, BadValuesNameTheirKeys) {
    test::TempDir dir;
    auto loaded = loadConfig(dir.write("kiosk.toml", kioskConfig(R"(
[[devices]]
name = "bankcard"
class = "pos_terminal"
driver = "mispos"
transport = "library"
library_env = ["NOEQUALS"]
self_test = "print"
colour = "blue"
)")));
    ASSERT_TRUE(loaded) << loaded.error().detail;
    auto registry = DeviceRegistry::build(*loaded, DriverContext{loaded->assetsDir, loaded->dataDir});
    ASSERT_FALSE(registry);
    const std::string& detail = registry.error().detail;
    for (const char* key : {"library", "NOEQUALS", "self_test", "colour"})
        EXPECT_NE(detail.find(key), std::string::npos) << key << "\n" << detail;
}

}  // namespace
}  // namespace kiosk::drivers::pos
