#include "printing/print_journal.hpp"

namespace kiosk::printing {

namespace {

const std::vector<Migration>& printingMigrations() {
    static const std::vector<Migration> migrations = {
        {1, R"(
CREATE TABLE print_job (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  document_id TEXT NOT NULL,
  kind        TEXT NOT NULL,
  device      TEXT NOT NULL,
  copies      INTEGER NOT NULL,
  outcome     TEXT NOT NULL,
  detail      TEXT NOT NULL,
  reprint     INTEGER NOT NULL,
  created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX print_job_document ON print_job(document_id);
)"},
    };
    return migrations;
}

}  // namespace

PrintPolicy loadPrintPolicy(ConfigSection& section) {
    PrintPolicy policy;
    policy.reprintLimit = static_cast<int>(section.integer("reprint_limit", 2, 0, 20));
    section.rejectUnknownKeys();
    return policy;
}

Result<PrintJournal> PrintJournal::open(Journal& journal, PrintPolicy policy) {
    if (auto migrated = journal.migrate("printing", printingMigrations()); !migrated) return std::unexpected(migrated.error());
    return PrintJournal(journal, policy);
}

Result<int> PrintJournal::successfulPrints(std::string_view documentId) {
    auto statement = journal_->prepare("SELECT COUNT(*) FROM print_job WHERE document_id = ?1 AND outcome = 'success'");
    if (!statement) return std::unexpected(statement.error());
    statement->bind(1, documentId);
    auto row = statement->step();
    if (!row) return std::unexpected(row.error());
    return static_cast<int>(statement->integer(0));
}

Result<void> PrintJournal::checkAllowed(std::string_view documentId) {
    auto printed = successfulPrints(documentId);
    if (!printed) return std::unexpected(printed.error());
    if (*printed >= 1 + policy_.reprintLimit)
        return fail(Errc::rejected,
                    "document " + std::string(documentId) + " printed " + std::to_string(*printed) +
                        " times; reprint limit " + std::to_string(policy_.reprintLimit) + " reached",
                    "print.error.reprint_limit");
    return {};
}

Result<PrintRecord> PrintJournal::record(std::string_view documentId, std::string_view kind, std::string_view device, int copies,
                                         std::string_view outcome, std::string_view detail) {
    auto printed = successfulPrints(documentId);
    if (!printed) return std::unexpected(printed.error());
    auto statement = journal_->prepare(
        "INSERT INTO print_job(document_id, kind, device, copies, outcome, detail, reprint) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
        "RETURNING id, created_at");
    if (!statement) return std::unexpected(statement.error());
    statement->bind(1, documentId).bind(2, kind).bind(3, device).bind(4, int64_t{copies}).bind(5, outcome).bind(6, detail);
    statement->bind(7, int64_t{*printed > 0 ? 1 : 0});
    auto row = statement->step();
    if (!row) return std::unexpected(row.error());
    PrintRecord record{statement->integer(0), std::string(documentId), std::string(kind), std::string(device), copies,
                       std::string(outcome), std::string(detail), *printed > 0, statement->text(1)};
    statement->reset();
    return record;
}

Result<std::vector<PrintRecord>> PrintJournal::history(std::string_view documentId) {
    auto statement = journal_->prepare(
        "SELECT id, document_id, kind, device, copies, outcome, detail, reprint, created_at FROM print_job "
        "WHERE document_id = ?1 ORDER BY id");
    if (!statement) return std::unexpected(statement.error());
    statement->bind(1, documentId);
    std::vector<PrintRecord> records;
    for (;;) {
        auto row = statement->step();
        if (!row) return std::unexpected(row.error());
        if (!*row) break;
        records.push_back({statement->integer(0), statement->text(1), statement->text(2), statement->text(3),
                           static_cast<int>(statement->integer(4)), statement->text(5), statement->text(6),
                           statement->integer(7) != 0, statement->text(8)});
    }
    return records;
}

}  // namespace kiosk::printing
