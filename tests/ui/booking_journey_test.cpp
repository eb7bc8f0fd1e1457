// The booking screens end to end: the real App (headless SDL, software renderer) against the real
// hospital-sim over loopback HTTP (departments, doctors, slots, holds), the simulated receipt
// printer. A second HisDriver plays another kiosk (it takes a slot between the list and the hold)
// and reads the hospital's own state afterwards. PNGs: <build>/test-output/ui/<test>/.
#include "tests/backend/sim_process.hpp"
#include "tests/ui/app_fixture.hpp"

#include <fmt/format.h>

#include "kiosk/backend/his_factory.hpp"
#include "kiosk/cli/wiring.hpp"

namespace kiosk::test {
namespace {

class BookingJourneyTest : public AppTest {
protected:
    SimProcess hospital;
    std::shared_ptr<backend::HisDriver> his;  ///< the test's own view of the hospital
    /// Without [payments] a fee cannot be paid here (the counter path); with it, the fee is paid
    /// by QR (booking_fee_journey_test.cpp).
    bool withPayments = true;

    std::string sections() const {
        return "[backend]\ndriver = \"fhir\"\nbase_url = \"" + hospital.fhirUrl() +
               "\"\nconnect_timeout_ms = 500\ncall_timeout_ms = 3000\nretries = 0\n" +
               (withPayments ? "[payments]\ngateway_url = \"" + hospital.rootUrl() + "/gateway" +
                                   "\"\nconnect_timeout_ms = 500\ncall_timeout_ms = 3000\npoll_interval_ms = 100\nqr_timeout_s = 60\n"
                             : std::string());
    }

    void startBooking(const std::string& extra = "") {
        ASSERT_GT(hospital.port(), 0);
        auto loaded = config(sections() + extra);
        ASSERT_TRUE(loaded.has_value()) << loaded.error().detail;
        auto own = backend::makeHisDriver(loaded->backend, "TEST-OTHER");
        ASSERT_TRUE(own.has_value()) << own.error().detail;
        his = std::move(*own);
        auto wired = cli::withKioskServices(*loaded, headlessOptions());
        ASSERT_TRUE(wired.has_value()) << wired.error().detail;
        open(std::move(*loaded), std::move(*wired));
    }

    /// The hospital's date of the kiosk's "today" (the strip's day 0), YYYY-MM-DD.
    std::string today() const {
        const auto zone = TimeZone::load("Asia/Shanghai");
        const WallTime now = zone->at(clock.wallNow());
        return fmt::format("{:04}-{:02}-{:02}", now.year, now.month, now.day);
    }

    /// A free slot of cardiology from tomorrow on (today's may all have begun), and its strip day:
    /// the general clinic's where it has one this week (it heads the doctors' list, so it is on
    /// the first page in every layout), else the first free one.
    std::pair<backend::Slot, int> freeCardiologySlot() {
        auto doctors = his->doctors("dept-CARD");
        EXPECT_TRUE(doctors.has_value());
        auto isGeneralClinic = [&](const backend::Slot& slot) {
            return doctors && std::any_of(doctors->begin(), doctors->end(),
                                          [&](const backend::Doctor& d) { return d.anyDoctor && d.id == slot.doctorId; });
        };
        backend::SlotQuery query;
        query.departmentId = "dept-CARD";
        std::optional<std::pair<backend::Slot, int>> fallback;
        for (int day = 1; day < 7; ++day) {
            query.fromDate = [&] {
                const auto zone = TimeZone::load("Asia/Shanghai");
                const WallTime w = zone->at(clock.wallNow() + std::chrono::hours(24 * day));
                return fmt::format("{:04}-{:02}-{:02}", w.year, w.month, w.day);
            }();
            auto free = his->slots(query);
            EXPECT_TRUE(free.has_value()) << (free ? "" : free.error().detail);
            if (!free || free->empty()) continue;
            for (const auto& slot : *free) {
                if (isGeneralClinic(slot)) return {slot, day};
            }
            if (!fallback) fallback = std::make_pair(free->front(), day);
        }
        if (fallback) return *fallback;
        ADD_FAILURE() << "no free cardiology slot in the next six days";
        return {};
    }

    bool shown(const std::string& button) const {
        const auto buttons = app->visibleButtons();
        return std::find(buttons.begin(), buttons.end(), button) != buttons.end();
    }
    bool textShown(const std::string& words) const {
        for (const auto& text : app->textRects()) {
            if (text.text.find(words) != std::string::npos) return true;
        }
        return false;
    }

    static constexpr const char* kToDepartments = R"(
        {"tap": "attract.start"},
        {"insert_card": {"device": "card", "person": "wang-xinkun"}},
        {"expect_screen": "menu"},
        {"tap": "menu.booking"},
        {"await_screen": {"screen": "book.departments", "seconds": 20}})";
};

TEST_F(BookingJourneyTest, LetterPadFindsCardiologyByItsInitials) {
    startBooking();
    auto report = journey(std::string(R"({"steps": [)") + kToDepartments + R"(,
        {"tap": "book.search"},
        {"expect_screen": "book.search"},
        {"tap": "book.key.X"},
        {"tap": "book.key.N"},
        {"tap": "book.key.K"}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
    // 心血管内科 (X-X-G-N-K): the letters typed, in order, each the initial of one of its characters.
    EXPECT_TRUE(shown("book.dept.dept-CARD")) << "XNK finds 心血管内科";
    EXPECT_FALSE(shown("book.dept.dept-ORTH")) << "骨科 (GK) does not match XNK";
    ASSERT_TRUE(app->tap("book.key.delete").has_value());
    ASSERT_TRUE(app->tap("book.key.Z").has_value());
    EXPECT_FALSE(shown("book.dept.dept-CARD")) << "XNZ matches nothing";
    EXPECT_TRUE(textShown("没有找到"));
    report = journey(R"({"steps": [
        {"tap": "book.key.delete"},
        {"tap": "book.key.K"},
        {"tap": "book.dept.dept-CARD"},
        {"await_screen": {"screen": "book.doctors", "seconds": 20}}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_TRUE(textShown("心血管内科"));
}

TEST_F(BookingJourneyTest, SlotTakenBetweenListAndHoldGivesAFreshListAndAPlainMessage) {
    startBooking();
    const auto [slot, day] = freeCardiologySlot();
    ASSERT_FALSE(slot.id.empty());
    auto report = journey(std::string(R"({"steps": [)") + kToDepartments + R"(,
        {"tap": "book.dept.dept-CARD"},
        {"await_screen": {"screen": "book.doctors", "seconds": 20}},
        {"tap": "book.day.)" + std::to_string(day) + R"("},
        {"tap": "book.doctor.)" + slot.doctorId + R"("},
        {"expect_screen": "book.slots"}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
    ASSERT_TRUE(shown("book.slot." + slot.id));
    // Another kiosk holds it after the list was shown.
    auto other = his->holdSlot(slot.id, "pat-gen-07", "TEST-OTHER-HOLD-1");
    ASSERT_TRUE(other.has_value()) << other.error().detail;
    report = journey(R"({"steps": [
        {"tap": "book.slot.)" + slot.id + R"("},
        {"await_screen": {"screen": "book.slots", "seconds": 20}}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_FALSE(shown("book.slot." + slot.id)) << "the fresh list no longer offers the taken time";
    EXPECT_TRUE(textShown("刚刚被别人约走了"));
}

TEST_F(BookingJourneyTest, AFeeThatCannotBePaidHereIsNeverBookedAndTheHoldIsReleased) {
    withPayments = false;  // no payment desk on this kiosk
    startBooking();
    const auto [slot, day] = freeCardiologySlot();
    ASSERT_FALSE(slot.id.empty());
    ASSERT_GT(slot.feeFen, 0) << "hospital-sim charges a fee for every doctor";
    auto report = journey(std::string(R"({"steps": [)") + kToDepartments + R"(,
        {"tap": "book.dept.dept-CARD"},
        {"await_screen": {"screen": "book.doctors", "seconds": 20}},
        {"tap": "book.day.)" + std::to_string(day) + R"("},
        {"tap": "book.doctor.)" + slot.doctorId + R"("},
        {"tap": "book.slot.)" + slot.id + R"("},
        {"await_screen": {"screen": "book.confirm", "seconds": 20}}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
    EXPECT_FALSE(shown("book.confirm.ok")) << "no booking without a payment";
    EXPECT_TRUE(textShown("未扣任何费用"));
    backend::SlotQuery query;
    query.departmentId = "dept-CARD";
    query.fromDate = slot.start.substr(0, 10);
    query.doctorId = slot.doctorId;
    auto held = his->slots(query);
    ASSERT_TRUE(held.has_value());
    EXPECT_TRUE(std::none_of(held->begin(), held->end(), [&](const backend::Slot& s) { return s.id == slot.id; }))
        << "held while the patient reads the confirmation";
    report = journey(R"({"steps": [
        {"tap": "book.confirm.menu"},
        {"expect_screen": "menu"}
    ]})");
    ASSERT_TRUE(report.ok) << describe(report);
    app->settle();
    auto freed = his->slots(query);
    ASSERT_TRUE(freed.has_value());
    EXPECT_TRUE(std::any_of(freed->begin(), freed->end(), [&](const backend::Slot& s) { return s.id == slot.id; }))
        << "the hold was released: the slot is free again";
}

/// Every booking screen in both languages, both orientations and both print sizes: the fixture
/// fails the test on any layout problem in any frame (PNGs under test-output/ui). The fee's
/// confirmation and the slip are also checked by booking_fee_journey_test.
TEST_F(BookingJourneyTest, EveryBookingScreenFitsInEachOrientationPrintSizeAndLanguage) {
    for (const char* orientation : {"portrait", "landscape"}) {
        for (const bool largePrint : {false, true}) {
            for (const char* language : {"zh_CN", "en_US"}) {
                SCOPED_TRACE(std::string(orientation) + (largePrint ? " large " : " normal ") + language);
                withPayments = false;  // the counter path's confirmation (the fee's screens: booking_fee_journey_test.cpp)
                startBooking(std::string("[ui]\norientation = \"") + orientation + "\"\n");
                const auto [slot, day] = freeCardiologySlot();
                ASSERT_FALSE(slot.id.empty());
                const auto report = journey(std::string(R"({"language": ")") + language + R"(", "large_print": )" +
                                            (largePrint ? "true" : "false") + R"(, "steps": [)" + kToDepartments + R"(,
                    {"tap": "book.page.next"},
                    {"tap": "book.search"},
                    {"tap": "book.key.X"},
                    {"tap": "book.key.N"},
                    {"tap": "book.key.K"},
                    {"tap": "book.dept.dept-CARD"},
                    {"await_screen": {"screen": "book.doctors", "seconds": 20}},
                    {"tap": "book.day.)" + std::to_string(day) + R"("},
                    {"tap": "book.doctor.)" + slot.doctorId + R"("},
                    {"tap": "book.slot.)" + slot.id + R"("},
                    {"await_screen": {"screen": "book.confirm", "seconds": 20}},
                    {"tap": "book.confirm.menu"},
                    {"expect_screen": "menu"},
                    {"tap": "session.finish"}
                ]})");
                ASSERT_TRUE(report.ok) << describe(report);
            }
        }
    }
}

}  // namespace
}  // namespace kiosk::test
