// The ga450 ID-card reader driver over a real pty pair with the virtual reader of sim/devices
// on the other end (harness.md §3), every scenario.
#include <gtest/gtest.h>

#include "drivers/id_reader/ga450/ga450_driver.hpp"
#include "sim/devices/virtual_id_reader.hpp"
#include "tests/cards/event_recorder.hpp"
#include "tests/cards/pcscd_fixture.hpp"

namespace kiosk::drivers::ga450 {
namespace {

using namespace std::chrono_literals;
using kiosk::sim::IdReaderScenario;
using kiosk::sim::VirtualIdReader;

class IdReaderStack : public ::testing::Test {
protected:
    void SetUp() override {
        people_ = test::samplePeople();
        ASSERT_FALSE(people_.people.empty());
    }
    void startReader(IdReaderScenario scenario) {
        auto created = VirtualIdReader::create(scenario);
        ASSERT_TRUE(created.has_value()) << created.error().detail;
        virtualReader_ = std::move(*created);
        Ga450Settings settings;
        settings.serial = transport::SerialSettings{.path = virtualReader_->path().string(), .baud = 115200};
        settings.model = "usb_serial_115200";
        settings.pollInterval = 30ms;
        settings.answerTimeout = 300ms;
        device_ = std::make_unique<Ga450IdReader>("idcard", settings);
        ASSERT_TRUE(device_->start(recorder_.sink()).has_value());
    }
    void TearDown() override {
        if (device_) device_->stop();
    }
    const sim::SamplePerson& person(std::string_view id) const { return *people_.find(id); }
    bool waitStatus(DeviceStatus status, std::chrono::milliseconds timeout) {
        return recorder_.waitFor<StatusChanged>(cursor_, timeout, [&](const StatusChanged& change) {
            return change.state.status == status;
        }).has_value();
    }

    sim::SampleData people_;
    std::unique_ptr<VirtualIdReader> virtualReader_;
    std::unique_ptr<Ga450IdReader> device_;
    test::EventRecorder recorder_;
    size_t cursor_ = 0;
};

TEST_F(IdReaderStack, ValidCardGivesAValidatedIdentityAndLiftingItRemovesIt) {
    startReader(IdReaderScenario::valid_card);
    ASSERT_TRUE(waitStatus(DeviceStatus::online, 3s));
    virtualReader_->place(person("zhao-shenjing"));
    auto inserted = recorder_.waitFor<CardInserted>(cursor_, 3s);
    ASSERT_TRUE(inserted.has_value());
    EXPECT_EQ(inserted->identity.source, IdentitySource::id_card);
    EXPECT_EQ(inserted->identity.name, person("zhao-shenjing").name);  // UCS-2 赵燊婧 → UTF-8
    EXPECT_EQ(inserted->identity.idNumber, person("zhao-shenjing").idNumber);
    EXPECT_EQ(inserted->identity.birthDate, person("zhao-shenjing").birthDate);
    EXPECT_EQ(inserted->statusWords, (std::vector<std::string>{"00009F", "000090", "000090"}));
    // Read once per placement, not on every poll.
    virtualReader_->lift();
    ASSERT_TRUE(recorder_.waitFor<CardRemoved>(cursor_, 3s).has_value());
    EXPECT_EQ(recorder_.count<CardInserted>(), 1U);
}

TEST_F(IdReaderStack, NoCardKeepsPollingQuietly) {
    startReader(IdReaderScenario::no_card);
    ASSERT_TRUE(waitStatus(DeviceStatus::online, 3s));
    // Wait for several polls to have happened (commands counted on the reader side).
    const auto deadline = std::chrono::steady_clock::now() + 3s;
    while (virtualReader_->commands().size() < 5 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::yield();
    }
    ASSERT_GE(virtualReader_->commands().size(), 5U);
    for (uint16_t command : virtualReader_->commands()) EXPECT_EQ(command, 0x2001);
    EXPECT_EQ(recorder_.count<CardInserted>() + recorder_.count<CardReadFailed>(), 0U);
    EXPECT_EQ(device_->state().media, MediaState::absent);
}

TEST_F(IdReaderStack, SelectFailureGivesUnreadableOncePerPlacement) {
    startReader(IdReaderScenario::select_failure);
    auto failed = recorder_.waitFor<CardReadFailed>(cursor_, 3s);
    ASSERT_TRUE(failed.has_value());
    EXPECT_EQ(failed->error.messageKey, "card.unreadable");
    EXPECT_NE(failed->error.detail.find("select failed"), std::string::npos) << failed->error.detail;
    EXPECT_EQ(failed->statusWords.back(), "000081");
}

TEST_F(IdReaderStack, CorruptedChecksumIsRetriedOnceThenUnreadable) {
    startReader(IdReaderScenario::corrupted_checksum);
    virtualReader_->place(person("zhang-san"));
    auto failed = recorder_.waitFor<CardReadFailed>(cursor_, 3s);
    ASSERT_TRUE(failed.has_value());
    EXPECT_EQ(failed->error.messageKey, "card.unreadable");
    EXPECT_NE(failed->error.detail.find("checksum"), std::string::npos) << failed->error.detail;
    const auto commands = virtualReader_->commands();
    EXPECT_EQ(std::count(commands.begin(), commands.end(), 0x3001), 2);
    EXPECT_EQ(recorder_.count<CardInserted>(), 0U);
}

TEST_F(IdReaderStack, SilentReaderIsReportedOfflineAndRecovers) {
    startReader(IdReaderScenario::silent);
    ASSERT_TRUE(waitStatus(DeviceStatus::offline, 3s));
    EXPECT_EQ(device_->state().detail, "reader not answering");
    virtualReader_->setScenario(IdReaderScenario::no_card);
    EXPECT_TRUE(waitStatus(DeviceStatus::online, 3s));
}

TEST_F(IdReaderStack, UnpluggedReaderIsNoDevice) {
    startReader(IdReaderScenario::no_card);
    ASSERT_TRUE(waitStatus(DeviceStatus::online, 3s));
    virtualReader_->unplug();
    EXPECT_TRUE(waitStatus(DeviceStatus::no_device, 3s));
}

TEST_F(IdReaderStack, SelfTestAsksTheSam) {
    startReader(IdReaderScenario::no_card);
    device_->stop();
    auto result = device_->selfTest(1s, CancelToken{});
    ASSERT_TRUE(result.has_value()) << result.error().detail;
    EXPECT_NE(result->find("000090"), std::string::npos);
    const auto commands = virtualReader_->commands();
    EXPECT_EQ(commands.back(), 0x11FF);
}

}  // namespace
}  // namespace kiosk::drivers::ga450
