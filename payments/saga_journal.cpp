#include "payments/saga_journal.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <chrono>

namespace kiosk::payments {

namespace {

constexpr std::string_view kStateNames[] = {"CREATED", "ORDERING", "QR_SHOWN", "PAID", "HIS_COMMITTING", "DONE",
                                            "CLOSED", "REFUNDING", "REFUNDED", "MANUAL", "UNKNOWN"};

const std::vector<Migration> kMigrations = {
    {1, R"sql(
CREATE TABLE payment_order (
  seq            INTEGER PRIMARY KEY AUTOINCREMENT,
  order_id       TEXT NOT NULL UNIQUE,
  state          TEXT NOT NULL,
  resume_state   TEXT NOT NULL DEFAULT '',
  patient_id     TEXT NOT NULL,
  charge_ids     TEXT NOT NULL,             -- comma-separated ChargeItem ids
  amount_fen     INTEGER NOT NULL,          -- integer fen, > 0
  channel        TEXT NOT NULL,
  code_url       TEXT NOT NULL DEFAULT '',
  transaction_id TEXT NOT NULL DEFAULT '',
  reason         TEXT NOT NULL DEFAULT '',
  created        TEXT NOT NULL,
  updated        TEXT NOT NULL
);
CREATE INDEX payment_order_state ON payment_order(state);
CREATE TABLE payment_event (              -- every transition, for `kiosk journal show`
  id        INTEGER PRIMARY KEY AUTOINCREMENT,
  order_id  TEXT NOT NULL,
  state     TEXT NOT NULL,
  reason    TEXT NOT NULL DEFAULT '',
  at        TEXT NOT NULL
);
)sql"}};

std::string chinaStamp() {
    const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()) + std::chrono::hours(8);
    return fmt::format("{:%Y%m%d%H%M%S}", now);
}

std::string joinIds(const std::vector<std::string>& ids) {
    std::string out;
    for (const auto& id : ids) out += (out.empty() ? "" : ",") + id;
    return out;
}

std::vector<std::string> splitIds(const std::string& text) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start < text.size()) {
        const size_t comma = text.find(',', start);
        const size_t end = comma == std::string::npos ? text.size() : comma;
        if (end > start) out.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

bool safeKeyText(std::string_view text) {
    for (const char c : text) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
    }
    return !text.empty();
}

}  // namespace

std::string_view stateName(SagaState state) { return kStateNames[static_cast<size_t>(state)]; }

std::optional<SagaState> parseState(std::string_view name) {
    for (size_t i = 0; i < std::size(kStateNames); ++i) {
        if (kStateNames[i] == name) return static_cast<SagaState>(i);
    }
    return std::nullopt;
}

bool isTerminal(SagaState state) {
    return state == SagaState::done || state == SagaState::closed || state == SagaState::refunded || state == SagaState::manual;
}

std::string PaymentOrder::insuranceMsgid(std::string_view fixmedinsCode, int step) const {
    // msgid = 12-char institution code + yyyyMMddHHmmss + 4 digits (notes/protocols.md §4): the
    // 4 digits are the order's sequence (last 3 digits) and the step, so every message of every
    // order has its own msgid and a reversal (2601) can name the original one again.
    const std::string seq = orderId.size() >= 3 ? orderId.substr(orderId.size() - 3) : "000";
    return fmt::format("{:0<12.12}{}{}{}", fixmedinsCode, created, seq, step % 10);
}

Result<SagaJournal> SagaJournal::attach(Journal& journal, std::string kioskId) {
    std::string cleanId;
    for (const char c : kioskId) {
        if (std::isalnum(static_cast<unsigned char>(c)) && cleanId.size() < 8) cleanId += c;
    }
    if (cleanId.empty()) return fail(Errc::invalid_config, "kiosk id has no letters or digits for payment keys");
    if (auto migrated = journal.migrate("payments", kMigrations); !migrated) return std::unexpected(migrated.error());
    return SagaJournal(journal, cleanId);
}

Result<PaymentOrder> SagaJournal::create(const std::string& patientId, const std::vector<std::string>& chargeIds,
                                         int64_t amountFen, const std::string& channel) {
    if (amountFen <= 0) return fail(Errc::invalid_argument, fmt::format("payment amount {} fen is not positive", amountFen), "payments.bad_amount");
    if (patientId.empty() || chargeIds.empty()) return fail(Errc::invalid_argument, "payment needs a patient and charges", "payments.bad_order");
    for (const auto& id : chargeIds) {
        if (!safeKeyText(id)) return fail(Errc::invalid_argument, "charge id with unexpected characters", "payments.bad_order");
    }
    if (channel != "wechat" && channel != "alipay" && channel != "unionpay") {
        return fail(Errc::invalid_argument, "unknown payment channel " + channel, "payments.bad_order");
    }
    if (auto begun = journal_->exec("BEGIN IMMEDIATE"); !begun) return std::unexpected(begun.error());
    auto rollback = [this](Error error) {
        (void)journal_->exec("ROLLBACK");
        return std::unexpected(std::move(error));
    };
    auto next = journal_->prepare("SELECT COALESCE(MAX(seq), 0) + 1 FROM payment_order");
    if (!next) return rollback(next.error());
    auto hasRow = next->step();
    if (!hasRow || !*hasRow) return rollback(hasRow ? Error(Errc::journal_corrupt, "no sequence") : hasRow.error());
    PaymentOrder order;
    order.created = chinaStamp();
    order.updated = order.created;
    order.orderId = fmt::format("{}{}{:04}", kioskId_, order.created, next->integer(0) % 10000);
    order.patientId = patientId;
    order.chargeIds = chargeIds;
    order.amountFen = amountFen;
    order.channel = channel;
    auto insert = journal_->prepare(
        "INSERT INTO payment_order(order_id, state, patient_id, charge_ids, amount_fen, channel, created, updated) "
        "VALUES (?, 'CREATED', ?, ?, ?, ?, ?, ?)");
    if (!insert) return rollback(insert.error());
    insert->bind(1, order.orderId).bind(2, patientId).bind(3, joinIds(chargeIds)).bind(4, amountFen).bind(5, channel)
        .bind(6, order.created).bind(7, order.updated);
    if (auto ran = insert->run(); !ran) return rollback(ran.error());
    auto event = journal_->prepare("INSERT INTO payment_event(order_id, state, at) VALUES (?, 'CREATED', ?)");
    if (!event) return rollback(event.error());
    event->bind(1, order.orderId).bind(2, order.created);
    if (auto ran = event->run(); !ran) return rollback(ran.error());
    if (auto committed = journal_->exec("COMMIT"); !committed) return rollback(committed.error());
    return order;
}

namespace {

Result<void> writeRow(Journal& journal, const PaymentOrder& order) {
    if (auto begun = journal.exec("BEGIN IMMEDIATE"); !begun) return begun;
    auto update = journal.prepare(
        "UPDATE payment_order SET state = ?, resume_state = ?, code_url = ?, transaction_id = ?, reason = ?, updated = ? "
        "WHERE order_id = ?");
    if (!update) {
        (void)journal.exec("ROLLBACK");
        return std::unexpected(update.error());
    }
    update->bind(1, stateName(order.state)).bind(2, order.state == SagaState::unknown ? stateName(order.resumeState) : "")
        .bind(3, order.codeUrl).bind(4, order.transactionId).bind(5, order.reason).bind(6, order.updated).bind(7, order.orderId);
    auto ran = update->run();
    if (ran && sqlite3_changes(journal.handle()) != 1) ran = fail(Errc::not_found, "no payment order " + order.orderId);
    if (ran) {
        auto event = journal.prepare("INSERT INTO payment_event(order_id, state, reason, at) VALUES (?, ?, ?, ?)");
        if (!event) {
            ran = std::unexpected(event.error());
        } else {
            event->bind(1, order.orderId).bind(2, stateName(order.state)).bind(3, order.reason).bind(4, order.updated);
            ran = event->run();
        }
    }
    if (!ran) {
        (void)journal.exec("ROLLBACK");
        return ran;
    }
    return journal.exec("COMMIT");
}

}  // namespace

Result<PaymentOrder> SagaJournal::transition(const PaymentOrder& order, SagaState next, std::string_view reason) {
    PaymentOrder moved = order;
    if (next == SagaState::unknown && order.state != SagaState::unknown) moved.resumeState = order.state;
    moved.state = next;
    if (!reason.empty() || next != SagaState::unknown) moved.reason = std::string(reason);
    moved.updated = chinaStamp();
    if (auto written = writeRow(*journal_, moved); !written) return std::unexpected(written.error());
    return moved;
}

Result<PaymentOrder> SagaJournal::setCodeUrl(const PaymentOrder& order, const std::string& codeUrl) {
    PaymentOrder moved = order;
    moved.codeUrl = codeUrl;
    return transition(moved, SagaState::qr_shown);
}

Result<PaymentOrder> SagaJournal::setPaid(const PaymentOrder& order, const std::string& transactionId) {
    PaymentOrder moved = order;
    moved.transactionId = transactionId;
    return transition(moved, SagaState::paid);
}

Result<std::vector<PaymentOrder>> SagaJournal::select(std::string_view where) {
    auto query = journal_->prepare(
        "SELECT order_id, state, resume_state, patient_id, charge_ids, amount_fen, channel, code_url, transaction_id, "
        "reason, created, updated FROM payment_order " + std::string(where) + " ORDER BY seq");
    if (!query) return std::unexpected(query.error());
    std::vector<PaymentOrder> out;
    while (true) {
        auto row = query->step();
        if (!row) return std::unexpected(row.error());
        if (!*row) break;
        PaymentOrder order;
        order.orderId = query->text(0);
        const std::string stateText = query->text(1);
        order.patientId = query->text(3);
        order.chargeIds = splitIds(query->text(4));
        order.amountFen = query->integer(5);
        order.channel = query->text(6);
        order.codeUrl = query->text(7);
        order.transactionId = query->text(8);
        order.reason = query->text(9);
        order.created = query->text(10);
        order.updated = query->text(11);
        const auto state = parseState(stateText);
        const auto resume = parseState(query->text(2));
        // A row this program cannot trust is never acted on: it comes back MANUAL with the reason.
        std::string corrupt;
        if (!state) corrupt = "unknown state '" + stateText + "'";
        else if (*state == SagaState::unknown && (!resume || isTerminal(*resume) || *resume == SagaState::unknown)) corrupt = "UNKNOWN without a valid resume state";
        else if (order.amountFen <= 0) corrupt = fmt::format("amount {} fen is not positive", order.amountFen);
        else if (!safeKeyText(order.orderId) || order.orderId.size() > 31) corrupt = "bad order id";
        else if (order.patientId.empty() || order.chargeIds.empty()) corrupt = "missing patient or charges";
        else if (order.channel != "wechat" && order.channel != "alipay" && order.channel != "unionpay") corrupt = "unknown channel '" + order.channel + "'";
        if (!corrupt.empty()) {
            order.state = SagaState::manual;
            order.reason = "corrupt journal row: " + corrupt + " (was " + stateText + ")";
        } else {
            order.state = *state;
            if (resume) order.resumeState = *resume;
        }
        out.push_back(std::move(order));
    }
    return out;
}

Result<PaymentOrder> SagaJournal::load(const std::string& orderId) {
    if (!safeKeyText(orderId)) return fail(Errc::invalid_argument, "bad order id");
    auto rows = select("WHERE order_id = '" + orderId + "'");  // orderId is [A-Za-z0-9_-] only
    if (!rows) return std::unexpected(rows.error());
    if (rows->empty()) return fail(Errc::not_found, "no payment order " + orderId, "payments.not_found");
    return rows->front();
}

Result<std::vector<PaymentOrder>> SagaJournal::nonTerminal() {
    return select("WHERE state NOT IN ('DONE', 'CLOSED', 'REFUNDED', 'MANUAL')");
}

Result<std::vector<PaymentOrder>> SagaJournal::all() { return select(""); }

Result<std::vector<SagaJournal::Event>> SagaJournal::events(const std::string& orderId) {
    auto query = journal_->prepare("SELECT state, reason, at FROM payment_event WHERE order_id = ? ORDER BY id");
    if (!query) return std::unexpected(query.error());
    query->bind(1, orderId);
    std::vector<Event> out;
    while (true) {
        auto row = query->step();
        if (!row) return std::unexpected(row.error());
        if (!*row) break;
        out.push_back({query->text(0), query->text(1), query->text(2)});
    }
    return out;
}

}  // namespace kiosk::payments
