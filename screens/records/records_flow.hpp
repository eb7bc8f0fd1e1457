#pragma once
// "My records" (就诊记录 / 电子健康档案查询, issue 12 item 4) for one patient, shared by the records
// screens (screens/records/records_screens.hpp). The UI thread starts the read; one worker thread
// (owned here) finds the patient and asks the HisDriver for their visits and payments, then posts
// RecordsProgress; screens draw from view(), a snapshot taken under the lock.
//
// What a patient sees is only theirs: every visit and payment the HIS answers is checked against
// the patient asked for (Encounter.subject, the payment's patient); one naming anybody else (or
// nobody) is left out and logged by id, nothing of it kept.
//
// A payment's receipt can be printed again on the receipt printer (the slip printed after a
// payment, marked as a reprint). Every reprint is a row of the print journal
// (printing/print_journal, kind "receipt-reprint"), written with the printer's outcome: only a
// reprint that came out counts towards [printing] reprint_limit (the first copy was printed when
// the patient paid, so the limit is the number of reprints). Without a journal nothing is
// reprinted: the limit could not be counted.
//
// Nothing here moves money: reset() (session end) only makes the screens ignore a read still
// running.

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "kiosk/backend/his_driver.hpp"
#include "kiosk/core/identity.hpp"
#include "kiosk/core/journal.hpp"
#include "printing/print_journal.hpp"
#include "screens/services.hpp"
#include "screens/ui_event.hpp"

namespace kiosk::screens {

enum class RecordsStage {
    idle,
    loading,  ///< finding the patient and reading their history
    list,     ///< view().visits / payments hold it (either may be empty)
    stopped,  ///< it could not be read (view().error says why)
};

struct RecordsView {
    RecordsStage stage = RecordsStage::idle;
    uint64_t generation = 0;
    std::vector<backend::Visit> visits;          ///< newest first; undated ones last
    std::vector<backend::PastPayment> payments;  ///< newest first
    int refused = 0;  ///< records of somebody else the HIS answered (left out, logged)
    std::optional<Error> error;  ///< for `stopped`
    /// The patient as the HIS knows them, in clear: the screens mask them (maskPersonalData).
    std::string name;
    std::string idNumber;
    std::string cardNumber;  ///< the hospital (visit) card
    std::string selectedPayment;  ///< PastPayment::id the payment screen shows (select())

    bool working() const { return stage == RecordsStage::loading; }
    bool empty() const { return visits.empty() && payments.empty(); }
    const backend::PastPayment* findPayment(const std::string& id) const;
};

class RecordsFlow final : public ServiceFlow {
public:
    using Post = std::function<void(UiEvent)>;
    /// `his` may be null (no [backend]): start() then stops with "not available". `journal` null
    /// (it could not be opened): records are shown, no receipt is reprinted.
    RecordsFlow(std::shared_ptr<backend::HisDriver> his, std::unique_ptr<Journal> journal, printing::PrintPolicy policy, Post post);
    ~RecordsFlow() override;
    RecordsFlow(const RecordsFlow&) = delete;
    RecordsFlow& operator=(const RecordsFlow&) = delete;

    void reset() override;
    bool working() const override { return view().working(); }

    /// Finds the patient and reads their visits and payments.
    void start(const PatientIdentity& identity);
    void select(const std::string& paymentId);
    RecordsView view() const;

    /// The print journal's document id of a payment's receipt.
    static std::string receiptDocumentId(const backend::PastPayment& payment);
    /// Reprints of a receipt so far (completed ones), or an error without a journal.
    Result<int> reprints(const backend::PastPayment& payment);
    /// Ok when the receipt may be reprinted now; Errc::rejected "records.reprint.limit" once it
    /// was reprinted reprintLimit() times; Errc::unsupported "records.reprint.unavailable"
    /// without a journal.
    Result<void> checkReprint(const backend::PastPayment& payment);
    /// Journals one reprint with the printer's outcome ("success" counts).
    void recordReprint(const backend::PastPayment& payment, std::string_view device, std::string_view outcome, std::string_view detail);
    int reprintLimit() const { return policy_.reprintLimit; }

private:
    struct Shared {
        mutable std::mutex mutex;
        RecordsView view;
        PatientIdentity identity;  ///< wiped by reset()
    };
    void update(const std::shared_ptr<Shared>& shared, uint64_t generation, const std::function<void(RecordsView&)>& change);

    std::shared_ptr<backend::HisDriver> his_;
    std::unique_ptr<Journal> journal_;
    std::optional<printing::PrintJournal> prints_;
    std::mutex journalMutex_;
    printing::PrintPolicy policy_;
    Post post_;
    std::shared_ptr<Shared> shared_ = std::make_shared<Shared>();
    std::jthread worker_;
};

}  // namespace kiosk::screens
