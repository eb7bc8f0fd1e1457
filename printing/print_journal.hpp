#pragma once
// The print journal: every print (document id, kind, device, copies, outcome) is a row in the
// kiosk journal (component "printing", its own migrations), so a report or receipt can be
// reprinted and a site's reprint limit enforced: a document may be printed successfully once,
// plus `reprintLimit` reprints.
//
// Config ([printing] table of the kiosk config):
//   reprint_limit = 2    reprints allowed after the first successful print (0…20)

#include <optional>
#include <string>
#include <vector>

#include "kiosk/core/config_reader.hpp"
#include "kiosk/core/journal.hpp"

namespace kiosk::printing {

struct PrintPolicy {
    int reprintLimit = 2;
};

/// Reads [printing]; unknown keys are problems of the config like everywhere else.
PrintPolicy loadPrintPolicy(ConfigSection& section);

struct PrintRecord {
    int64_t id = 0;
    std::string documentId;
    std::string kind;
    std::string device;
    int copies = 1;
    std::string outcome;  ///< completion code name: "success", "user_error", …
    std::string detail;   ///< technician text (no personal data)
    bool reprint = false;
    std::string createdAt;
};

class PrintJournal {
public:
    /// Applies the "printing" migrations to `journal` (which must outlive this object).
    static Result<PrintJournal> open(Journal& journal, PrintPolicy policy);

    /// Ok when the document may be printed now; Errc::rejected with "print.error.reprint_limit"
    /// once it was printed 1 + reprintLimit times.
    Result<void> checkAllowed(std::string_view documentId);
    /// Writes one row; `reprint` is derived (an earlier successful print exists).
    Result<PrintRecord> record(std::string_view documentId, std::string_view kind, std::string_view device, int copies,
                               std::string_view outcome, std::string_view detail);
    Result<int> successfulPrints(std::string_view documentId);
    Result<std::vector<PrintRecord>> history(std::string_view documentId);
    const PrintPolicy& policy() const { return policy_; }

private:
    PrintJournal(Journal& journal, PrintPolicy policy) : journal_(&journal), policy_(policy) {}
    Journal* journal_;
    PrintPolicy policy_;
};

}  // namespace kiosk::printing
