#pragma once
// The registration fee through the payment desk (issue 11): a fee slot of hospital-sim, the
// hold-pay-book steps and the HIS's view of the hold, shared by the self-pay and insurance tests.
#include <fmt/chrono.h>
#include <fmt/format.h>

#include "tests/payments/desk_fixture.hpp"

namespace kiosk::payments::test {

class RegistrationFixture : public DeskFixture {
protected:
    /// A free cardiology slot with a fee, tomorrow in hospital time (today's may have begun).
    backend::Slot feeSlot(size_t index = 0) {
        const auto tomorrow = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now() + std::chrono::hours(8 + 24));
        backend::SlotQuery query;
        query.departmentId = "dept-CARD";
        query.fromDate = fmt::format("{:%Y-%m-%d}", tomorrow);
        auto slots = his_->slots(query);
        EXPECT_TRUE(slots) << (slots ? "" : slots.error().describe());
        size_t seen = 0;
        if (slots) {
            for (const auto& slot : *slots) {
                if (slot.status == "free" && slot.feeFen > 0 && seen++ == index) return slot;
            }
        }
        ADD_FAILURE() << "no free cardiology slot with a fee tomorrow";
        return {};
    }
    std::string statusOf(const std::string& holdKey) {
        auto known = his_->lookupTransaction(holdKey);
        return known ? known->status : "not found";
    }
    bool slotFree(const backend::Slot& slot) {
        backend::SlotQuery query;
        query.departmentId = slot.departmentId.empty() ? "dept-CARD" : slot.departmentId;
        query.fromDate = slot.start.substr(0, 10);
        auto slots = his_->slots(query);
        return slots && std::any_of(slots->begin(), slots->end(), [&](const backend::Slot& s) { return s.id == slot.id; });
    }
    /// Hold, pay and book `slot`: the order DONE (or whatever the desk answered).
    PaymentOrder bookHere(const backend::Slot& slot) {
        const PaymentOrder paid = holdAndPay(slot);
        EXPECT_EQ(paid.state, SagaState::paid);
        if (paid.state != SagaState::paid) return paid;
        auto done = desk_->finish(paid.orderId);
        EXPECT_TRUE(done) << (done ? "" : done.error().describe());
        return done ? *done : paid;
    }
    /// The hospital refuses the next `method` on `path` on business grounds (409 with an
    /// OperationOutcome, as for a closed registration or a passed cut-off).
    void refuseNext(const std::string& method, const std::string& path, const std::string& diagnostics) {
        sim_.call("POST", "/admin/faults",
                  {{"kind", "answer"}, {"method", method}, {"path", path}, {"count", 1}, {"status", 409},
                   {"content_type", "application/fhir+json"},
                   {"body", {{"resourceType", "OperationOutcome"},
                             {"issue", nlohmann::json::array({{{"severity", "error"}, {"code", "business-rule"},
                                                                {"diagnostics", diagnostics}}})}}}});
    }
    /// Hold, QR, the phone pays, wait: the order PAID (or whatever the desk answered).
    PaymentOrder holdAndPay(const backend::Slot& slot, RegistrationHold* hold = nullptr) {
        auto held = desk_->holdForRegistration("pat-li-jun", slot.id, slot.feeFen);
        EXPECT_TRUE(held) << (held ? "" : held.error().describe());
        if (!held) return {};
        if (hold) *hold = *held;
        auto shown = desk_->showQr(held->order.orderId, "wechat");
        EXPECT_TRUE(shown && shown->state == SagaState::qr_shown);
        if (!shown) return {};
        phonePays(*shown);
        auto paid = desk_->awaitPayment(held->order.orderId);
        EXPECT_TRUE(paid) << (paid ? "" : paid.error().describe());
        return paid ? *paid : PaymentOrder{};
    }
};

}  // namespace kiosk::payments::test
