#include <gtest/gtest.h>

#include "kiosk/core/session.hpp"

namespace kiosk {
namespace {

using namespace std::chrono_literals;

PatientIdentity samplePatient() {
    PatientIdentity identity;
    identity.name = "王鑫堃";
    identity.idNumber = "430104195611200319";
    identity.cardNumber = "SS1236789";
    return identity;
}

struct SessionTest : ::testing::Test {
    ManualClock clock;
    Session session{SessionConfig{60s, 10s, 60s}};
};

TEST_F(SessionTest, IdleTimeoutWithCountdownInTheLastTenSeconds) {
    session.begin(samplePatient(), clock.now());
    EXPECT_TRUE(session.active());
    clock.advance(49s);
    EXPECT_FALSE(session.warningVisible(clock.now()));
    EXPECT_EQ(session.remaining(clock.now()), 11s);
    clock.advance(1s);
    EXPECT_TRUE(session.warningVisible(clock.now()));
    EXPECT_EQ(session.remaining(clock.now()), 10s);
    clock.advance(9500ms);
    EXPECT_EQ(session.remaining(clock.now()), 1s);
    EXPECT_FALSE(session.expired(clock.now()));
    clock.advance(500ms);
    EXPECT_TRUE(session.expired(clock.now()));
}

TEST_F(SessionTest, ActivityAndExtendMoveTheDeadline) {
    session.begin(samplePatient(), clock.now());
    clock.advance(55s);
    session.noteActivity(clock.now());
    EXPECT_EQ(session.remaining(clock.now()), 60s);
    clock.advance(52s);
    EXPECT_TRUE(session.warningVisible(clock.now()));
    session.extend(clock.now());  // "I need more time"
    EXPECT_FALSE(session.warningVisible(clock.now()));
    EXPECT_EQ(session.remaining(clock.now()), 60s);
}

TEST_F(SessionTest, EndWipesIdentityAndContext) {
    session.begin(samplePatient(), clock.now());
    session.context()["charges.count"] = "3";
    session.auditId = 42;
    EXPECT_TRUE(session.end(SessionEndReason::card_removed));
    EXPECT_FALSE(session.active());
    EXPECT_TRUE(session.identity().name.empty());
    EXPECT_TRUE(session.identity().idNumber.empty());
    EXPECT_TRUE(session.identity().cardNumber.empty());
    EXPECT_TRUE(session.context().empty());
    EXPECT_EQ(session.auditId, 0);
    EXPECT_EQ(session.lastEndReason(), SessionEndReason::card_removed);
    EXPECT_FALSE(session.end(SessionEndReason::completed)) << "ending twice is a no-op";
}

TEST_F(SessionTest, InactiveSessionNeverExpires) {
    EXPECT_FALSE(session.expired(clock.now()));
    EXPECT_EQ(session.remaining(clock.now()), 0s);
    session.noteActivity(clock.now());
    EXPECT_FALSE(session.active());
}

TEST_F(SessionTest, NewPatientReplacesTheOldOneCompletely) {
    session.begin(samplePatient(), clock.now());
    session.context()["x"] = "y";
    PatientIdentity other;
    other.name = "李珺";
    session.begin(other, clock.now());
    EXPECT_EQ(session.identity().name, "李珺");
    EXPECT_TRUE(session.identity().idNumber.empty());
    EXPECT_TRUE(session.context().empty());
}

}  // namespace
}  // namespace kiosk
