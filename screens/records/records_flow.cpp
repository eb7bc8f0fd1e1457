#include "screens/records/records_flow.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "kiosk/backend/identity_lookup.hpp"
#include "kiosk/core/log.hpp"

namespace kiosk::screens {

namespace {

auto logger() { return log::module("records"); }

}  // namespace

const backend::PastPayment* RecordsView::findPayment(const std::string& id) const {
    auto it = std::find_if(payments.begin(), payments.end(), [&](const backend::PastPayment& p) { return p.id == id; });
    return it == payments.end() ? nullptr : &*it;
}

RecordsFlow::RecordsFlow(std::shared_ptr<backend::HisDriver> his, std::unique_ptr<Journal> journal, printing::PrintPolicy policy, Post post)
    : his_(std::move(his)), journal_(std::move(journal)), policy_(policy), post_(std::move(post)) {
    if (journal_) {
        if (auto opened = printing::PrintJournal::open(*journal_, policy_)) {
            prints_.emplace(std::move(*opened));
        } else {
            logger()->error("print journal not opened (records are shown, receipts not reprinted): {}", opened.error().describe());
        }
    }
}

RecordsFlow::~RecordsFlow() = default;  // the jthread joins: one read, bounded by the HIS timeouts

void RecordsFlow::reset() {
    std::lock_guard lock(shared_->mutex);
    const uint64_t next = shared_->view.generation + 1;
    shared_->view = RecordsView{};
    shared_->view.generation = next;
    shared_->identity.wipe();
}

void RecordsFlow::select(const std::string& paymentId) {
    std::lock_guard lock(shared_->mutex);
    shared_->view.selectedPayment = paymentId;
}

RecordsView RecordsFlow::view() const {
    std::lock_guard lock(shared_->mutex);
    return shared_->view;
}

void RecordsFlow::update(const std::shared_ptr<Shared>& shared, uint64_t generation, const std::function<void(RecordsView&)>& change) {
    {
        std::lock_guard lock(shared->mutex);
        if (shared->view.generation != generation) return;  // the patient has gone
        change(shared->view);
    }
    post_(RecordsProgress{generation});
}

void RecordsFlow::start(const PatientIdentity& identity) {
    uint64_t generation = 0;
    {
        std::lock_guard lock(shared_->mutex);
        shared_->identity = identity;
        const uint64_t keep = shared_->view.generation;
        shared_->view = RecordsView{};
        shared_->view.generation = keep;
        shared_->view.stage = RecordsStage::loading;
        generation = keep;
    }
    if (!his_) {
        update(shared_, generation, [](RecordsView& v) {
            v.stage = RecordsStage::stopped;
            v.error = Error(Errc::unsupported, "no [backend] on this kiosk", "records.error.unavailable");
        });
        return;
    }
    if (worker_.joinable()) worker_.join();  // the previous read posted its answer already
    worker_ = std::jthread([this, shared = shared_, generation] {
        PatientIdentity copied;
        {
            std::lock_guard lock(shared->mutex);
            copied = shared->identity;
        }
        auto stop = [&](const Error& error) {
            logger()->warn("records stopped: {}", error.describe());
            update(shared, generation, [&](RecordsView& v) {
                v.stage = RecordsStage::stopped;
                v.error = error;
            });
        };
        auto patient = backend::findSessionPatient(*his_, copied);
        copied.wipe();
        if (!patient) return stop(patient.error());
        auto visits = his_->visits(patient->id);
        if (!visits) return stop(visits.error());
        auto payments = his_->pastPayments(patient->id);
        if (!payments) return stop(payments.error());
        // Only the patient's own: anything naming somebody else (or nobody) is left out whole;
        // its id goes to the log, nothing of it to the screen.
        int refused = 0;
        std::erase_if(*visits, [&](const backend::Visit& v) {
            if (v.patientId == patient->id) return false;
            ++refused;
            logger()->error("Encounter/{} names subject '{}', not Patient/{} asked for: refused, not shown", v.id, v.patientId, patient->id);
            return true;
        });
        std::erase_if(*payments, [&](const backend::PastPayment& p) {
            if (p.patientId == patient->id) return false;
            ++refused;
            logger()->error("PaymentReconciliation/{} names patient '{}', not Patient/{} asked for: refused, not shown", p.id, p.patientId,
                            patient->id);
            return true;
        });
        // Newest first; a visit the HIS gave no date stays, last. Every date the HIS gives is
        // in hospital time with the same offset, so the ISO text sorts as the time does.
        std::stable_sort(visits->begin(), visits->end(), [](const backend::Visit& a, const backend::Visit& b) {
            if (a.start.empty() != b.start.empty()) return b.start.empty();
            return a.start > b.start;
        });
        std::stable_sort(payments->begin(), payments->end(),
                         [](const backend::PastPayment& a, const backend::PastPayment& b) { return a.created > b.created; });
        logger()->info("records read: {} visit(s), {} payment(s), {} refused", visits->size(), payments->size(), refused);
        update(shared, generation, [&](RecordsView& v) {
            v.stage = RecordsStage::list;
            v.visits = std::move(*visits);
            v.payments = std::move(*payments);
            v.refused = refused;
            v.name = patient->name;
            v.idNumber = patient->idNumber;
            v.cardNumber = patient->hospitalCard;
        });
    });
}

std::string RecordsFlow::receiptDocumentId(const backend::PastPayment& payment) {
    return "receipt:" + (payment.tradeNo.empty() ? payment.id : payment.tradeNo);
}

Result<int> RecordsFlow::reprints(const backend::PastPayment& payment) {
    std::lock_guard lock(journalMutex_);
    if (!prints_) return fail(Errc::unsupported, "no print journal: receipts are not reprinted", "records.reprint.unavailable");
    return prints_->successfulPrints(receiptDocumentId(payment));
}

Result<void> RecordsFlow::checkReprint(const backend::PastPayment& payment) {
    auto done = reprints(payment);
    if (!done) return std::unexpected(done.error());
    if (*done >= policy_.reprintLimit) {
        return fail(Errc::rejected, fmt::format("{} reprinted {} time(s): the limit ({}) is reached", receiptDocumentId(payment), *done,
                                                policy_.reprintLimit),
                    "records.reprint.limit");
    }
    return {};
}

void RecordsFlow::recordReprint(const backend::PastPayment& payment, std::string_view device, std::string_view outcome, std::string_view detail) {
    std::lock_guard lock(journalMutex_);
    if (!prints_) return;
    if (auto recorded = prints_->record(receiptDocumentId(payment), "receipt-reprint", device, 1, outcome, detail); !recorded) {
        logger()->error("reprint of {} not journalled: {}", receiptDocumentId(payment), recorded.error().describe());
    }
}

}  // namespace kiosk::screens
