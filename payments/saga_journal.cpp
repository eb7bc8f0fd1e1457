#include "payments/saga_journal.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <ctime>

namespace kiosk::payments {

namespace {

constexpr std::string_view kStateNames[] = {"CREATED", "ORDERING", "QR_SHOWN", "PAID", "HIS_COMMITTING", "DONE",
                                            "CLOSED", "REFUNDING", "REFUNDED", "MANUAL", "UNKNOWN",
                                            "INS_PRESETTLING", "INS_PRESETTLED", "INS_SETTLING", "INS_SETTLED", "INS_CANCELLING",
                                            "HIS_CANCELLING"};

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
)sql"},
    // 2: insurance orders. The split in fen, the ids the centre issued (what recovery needs to
    // query and cancel) and the credential TYPE; the credential number and name stay out.
    {2, R"sql(
ALTER TABLE payment_order ADD COLUMN kind TEXT NOT NULL DEFAULT 'self_pay';  -- self_pay | insurance
ALTER TABLE payment_order ADD COLUMN total_fen INTEGER NOT NULL DEFAULT 0;
ALTER TABLE payment_order ADD COLUMN fund_fen INTEGER NOT NULL DEFAULT 0;
ALTER TABLE payment_order ADD COLUMN account_fen INTEGER NOT NULL DEFAULT 0;
ALTER TABLE payment_order ADD COLUMN cash_fen INTEGER NOT NULL DEFAULT 0;  -- == amount_fen
ALTER TABLE payment_order ADD COLUMN cert_type TEXT NOT NULL DEFAULT '';
ALTER TABLE payment_order ADD COLUMN psn_no TEXT NOT NULL DEFAULT '';
ALTER TABLE payment_order ADD COLUMN mdtrt_id TEXT NOT NULL DEFAULT '';
ALTER TABLE payment_order ADD COLUMN setl_id TEXT NOT NULL DEFAULT '';
UPDATE payment_order SET total_fen = amount_fen, cash_fen = amount_fen;
)sql"},
    // 3: registration orders (a booking's fee): the slot, the hold's business key (written at
    // creation, before the hold is sent; replaced, journalled, before a re-hold) and the
    // appointment the hold created.
    {3, R"sql(
ALTER TABLE payment_order ADD COLUMN slot_id TEXT NOT NULL DEFAULT '';
ALTER TABLE payment_order ADD COLUMN hold_key TEXT NOT NULL DEFAULT '';
ALTER TABLE payment_order ADD COLUMN appointment_id TEXT NOT NULL DEFAULT '';
)sql"},
    // 4: bank-card orders (issue 16, payments/bankcard_saga.hpp): the consume's request tag
    // (written before the terminal is asked), what the terminal answered (never more of the card
    // than its masked number), and the reversal (void or refund) with its own tag, written before
    // it is sent.
    {4, R"sql(
ALTER TABLE payment_order ADD COLUMN card_tag TEXT NOT NULL DEFAULT '';
ALTER TABLE payment_order ADD COLUMN card_voucher TEXT NOT NULL DEFAULT '';
ALTER TABLE payment_order ADD COLUMN card_batch TEXT NOT NULL DEFAULT '';
ALTER TABLE payment_order ADD COLUMN card_reference TEXT NOT NULL DEFAULT '';
ALTER TABLE payment_order ADD COLUMN card_date TEXT NOT NULL DEFAULT '';
ALTER TABLE payment_order ADD COLUMN card_time TEXT NOT NULL DEFAULT '';
ALTER TABLE payment_order ADD COLUMN card_pan TEXT NOT NULL DEFAULT '';
ALTER TABLE payment_order ADD COLUMN card_terminal TEXT NOT NULL DEFAULT '';
ALTER TABLE payment_order ADD COLUMN card_result TEXT NOT NULL DEFAULT '';
ALTER TABLE payment_order ADD COLUMN reversal_op TEXT NOT NULL DEFAULT '';
ALTER TABLE payment_order ADD COLUMN reversal_tag TEXT NOT NULL DEFAULT '';
ALTER TABLE payment_order ADD COLUMN reversal_batch TEXT NOT NULL DEFAULT '';
ALTER TABLE payment_order ADD COLUMN reversal_reference TEXT NOT NULL DEFAULT '';
CREATE TABLE card_settlement (             -- every end-of-day settlement of the card terminal
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  batch         TEXT NOT NULL,
  terminal_fen  INTEGER NOT NULL,          -- the net the terminal settled
  journal_fen   INTEGER NOT NULL,          -- the net this journal holds for the batch
  at            TEXT NOT NULL
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

/// Whether the stored split has passed the pre-settlement.
bool hasSplit(SagaState state) {
    return state != SagaState::created && state != SagaState::ins_presettling;
}

/// The amount and key checks of a row (empty = fine). `state` is the effective state (the
/// resume state of an UNKNOWN row). Every amount is integer fen by type; here they must also be
/// consistent, never guessed into shape.
std::string checkAmountsAndKeys(const PaymentOrder& order, SagaState state) {
    if (order.amountFen != order.cashFen) return fmt::format("amount {} fen differs from the cash part {} fen", order.amountFen, order.cashFen);
    if (order.totalFen <= 0) return fmt::format("total {} fen is not positive", order.totalFen);
    if (order.fundFen < 0 || order.accountFen < 0 || order.cashFen < 0) return "negative part in the split";
    if (!order.usesInsurance()) {  // self-pay and a self-paid registration: all cash
        if (order.amountFen <= 0) return fmt::format("amount {} fen is not positive", order.amountFen);
        if (order.totalFen != order.amountFen || order.fundFen != 0 || order.accountFen != 0) return "self-pay order with an insurance split";
    } else {
        if (order.certType != "01" && order.certType != "02" && order.certType != "03") return "insurance order without a known credential type";
        if (hasSplit(state) && state != SagaState::closed && state != SagaState::manual) {
            if (order.fundFen + order.accountFen + order.cashFen != order.totalFen) {
                return fmt::format("split {} + {} + {} != {} fen", order.fundFen, order.accountFen, order.cashFen, order.totalFen);
            }
            if (order.mdtrtId.empty()) return "insurance order past pre-settlement without mdtrt_id";
        }
        if ((state == SagaState::ins_settled || state == SagaState::ins_cancelling) && order.setlId.empty()) return "settled order without setl_id";
    }
    const bool channelNeeded = order.cashFen > 0 &&
        (state == SagaState::ordering || state == SagaState::qr_shown || state == SagaState::paid || state == SagaState::refunding ||
         state == SagaState::done || state == SagaState::refunded || state == SagaState::his_committing ||
         state == SagaState::ins_settling || state == SagaState::ins_settled || state == SagaState::ins_cancelling ||
         state == SagaState::his_cancelling);
    if (!order.channel.empty() && !isPaymentChannel(order.channel)) return "unknown channel '" + order.channel + "'";
    if (order.bankCard()) {
        // The consume's tag is journalled before the terminal is asked; an order past it without
        // one could not be resolved by a query.
        const bool asked = state == SagaState::ordering || state == SagaState::paid || state == SagaState::his_committing ||
                           state == SagaState::refunding || state == SagaState::done || state == SagaState::refunded ||
                           state == SagaState::ins_settling || state == SagaState::ins_settled || state == SagaState::ins_cancelling ||
                           state == SagaState::his_cancelling;
        if (asked && order.card.tag.empty()) return "bank-card order without the consume's tag";
        const bool charged = asked && state != SagaState::ordering;
        if (charged && (order.card.voucher.empty() || order.card.reference.empty())) return "paid bank-card order without voucher and reference";
        if (!order.card.reversal.empty() && order.card.reversal != "void_sale" && order.card.reversal != "refund") {
            return "unknown card reversal '" + order.card.reversal + "'";
        }
    }
    if (channelNeeded && order.channel.empty()) return "cash part without a channel";
    return {};
}

}  // namespace

std::string_view stateName(SagaState state) { return kStateNames[static_cast<size_t>(state)]; }

std::optional<SagaState> parseState(std::string_view name) {
    for (size_t i = 0; i < std::size(kStateNames); ++i) {
        if (kStateNames[i] == name) return static_cast<SagaState>(i);
    }
    return std::nullopt;
}

std::string_view kindName(OrderKind kind) {
    switch (kind) {
        case OrderKind::insurance: return "insurance";
        case OrderKind::registration: return "registration";
        case OrderKind::self_pay: break;
    }
    return "self_pay";
}

bool isPaymentChannel(std::string_view channel) {
    return channel == "wechat" || channel == "alipay" || channel == "unionpay" || channel == "bankcard";
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

std::string freshInsuranceMsgid(std::string_view fixmedinsCode, std::string_view sequence, char kindDigit) {
    return fmt::format("{:0<12.12}{}{:0>3.3}{}", fixmedinsCode, chinaStamp(), sequence, kindDigit);
}

std::string PaymentOrder::queryMsgid(std::string_view fixmedinsCode) const {
    const std::string seq = orderId.size() >= 3 ? orderId.substr(orderId.size() - 3) : "000";
    return freshInsuranceMsgid(fixmedinsCode, seq, '9');
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
    if (channel.empty()) return fail(Errc::invalid_argument, "unknown payment channel", "payments.bad_order");
    return createOrder({OrderKind::self_pay, patientId, chargeIds, amountFen, channel, {}, {}});
}

Result<PaymentOrder> SagaJournal::createOrder(const NewOrder& request) {
    if (request.totalFen <= 0) {
        return fail(Errc::invalid_argument, fmt::format("payment amount {} fen is not positive", request.totalFen), "payments.bad_amount");
    }
    if (request.patientId.empty() || request.chargeIds.empty()) return fail(Errc::invalid_argument, "payment needs a patient and charges", "payments.bad_order");
    for (const auto& id : request.chargeIds) {
        if (!safeKeyText(id)) return fail(Errc::invalid_argument, "charge id with unexpected characters", "payments.bad_order");
    }
    if (!request.channel.empty() && !isPaymentChannel(request.channel)) {
        return fail(Errc::invalid_argument, "unknown payment channel " + request.channel, "payments.bad_order");
    }
    const bool insured = request.kind == OrderKind::insurance;
    const bool registration = request.kind == OrderKind::registration;
    if (registration && (!safeKeyText(request.slotId) || request.chargeIds != std::vector<std::string>{request.slotId})) {
        return fail(Errc::invalid_argument, "registration order needs its slot as its one charge", "payments.bad_order");
    }
    if (insured && request.certType != "01" && request.certType != "02" && request.certType != "03") {
        return fail(Errc::invalid_argument, "insurance credential type must be 01, 02 or 03", "payments.bad_order");
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
    // Dashes keep every digit run under 12 characters: the log's redactor masks longer runs as
    // card or ID numbers, and the help desk must be able to read the order id in the log.
    order.orderId = fmt::format("{}-{}-{}{:04}", kioskId_, order.created.substr(0, 8), order.created.substr(8),
                                next->integer(0) % 10000);
    order.kind = request.kind;
    order.patientId = request.patientId;
    order.chargeIds = request.chargeIds;
    order.totalFen = request.totalFen;
    // Self-pay: everything is cash. Insurance: the cash part is known after the pre-settlement.
    order.amountFen = insured ? 0 : request.totalFen;
    order.cashFen = order.amountFen;
    order.channel = request.channel;
    order.certType = insured ? request.certType : "";
    if (registration) {
        // The hold's key is journalled with the order, before the hold is ever sent.
        order.slotId = request.slotId;
        order.holdKey = order.holdKeyOf(0);
    }
    auto insert = journal_->prepare(
        "INSERT INTO payment_order(order_id, state, patient_id, charge_ids, amount_fen, channel, created, updated, kind, total_fen, "
        "cash_fen, cert_type, slot_id, hold_key) VALUES (?, 'CREATED', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!insert) return rollback(insert.error());
    insert->bind(1, order.orderId).bind(2, order.patientId).bind(3, joinIds(order.chargeIds)).bind(4, order.amountFen).bind(5, order.channel)
        .bind(6, order.created).bind(7, order.updated).bind(8, kindName(order.kind)).bind(9, order.totalFen).bind(10, order.cashFen)
        .bind(11, order.certType).bind(12, order.slotId).bind(13, order.holdKey);
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
        "UPDATE payment_order SET state = ?, resume_state = ?, code_url = ?, transaction_id = ?, reason = ?, updated = ?, "
        "channel = ?, amount_fen = ?, total_fen = ?, fund_fen = ?, account_fen = ?, cash_fen = ?, psn_no = ?, mdtrt_id = ?, setl_id = ?, "
        "hold_key = ?, appointment_id = ?, card_tag = ?, card_voucher = ?, card_batch = ?, card_reference = ?, card_date = ?, "
        "card_time = ?, card_pan = ?, card_terminal = ?, card_result = ?, reversal_op = ?, reversal_tag = ?, reversal_batch = ?, "
        "reversal_reference = ?, cert_type = ? WHERE order_id = ?");
    if (!update) {
        (void)journal.exec("ROLLBACK");
        return std::unexpected(update.error());
    }
    update->bind(1, stateName(order.state)).bind(2, order.state == SagaState::unknown ? stateName(order.resumeState) : "")
        .bind(3, order.codeUrl).bind(4, order.transactionId).bind(5, order.reason).bind(6, order.updated).bind(7, order.channel)
        .bind(8, order.amountFen).bind(9, order.totalFen).bind(10, order.fundFen).bind(11, order.accountFen).bind(12, order.cashFen)
        .bind(13, order.psnNo).bind(14, order.mdtrtId).bind(15, order.setlId).bind(16, order.holdKey).bind(17, order.appointmentId)
        .bind(18, order.card.tag).bind(19, order.card.voucher).bind(20, order.card.batch).bind(21, order.card.reference)
        .bind(22, order.card.date).bind(23, order.card.time).bind(24, order.card.maskedPan).bind(25, order.card.terminalId)
        .bind(26, order.card.resultKey).bind(27, order.card.reversal).bind(28, order.card.reversalTag).bind(29, order.card.reversalBatch)
        .bind(30, order.card.reversalReference).bind(31, order.certType).bind(32, order.orderId);
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
        "reason, created, updated, kind, total_fen, fund_fen, account_fen, cash_fen, cert_type, psn_no, mdtrt_id, setl_id, "
        "slot_id, hold_key, appointment_id, card_tag, card_voucher, card_batch, card_reference, card_date, card_time, card_pan, "
        "card_terminal, card_result, reversal_op, reversal_tag, reversal_batch, reversal_reference FROM payment_order " +
        std::string(where) + " ORDER BY seq");
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
        const std::string kindText = query->text(12);
        order.kind = kindText == "insurance" ? OrderKind::insurance : kindText == "registration" ? OrderKind::registration : OrderKind::self_pay;
        order.totalFen = query->integer(13);
        order.fundFen = query->integer(14);
        order.accountFen = query->integer(15);
        order.cashFen = query->integer(16);
        order.certType = query->text(17);
        order.psnNo = query->text(18);
        order.mdtrtId = query->text(19);
        order.setlId = query->text(20);
        order.slotId = query->text(21);
        order.holdKey = query->text(22);
        order.appointmentId = query->text(23);
        order.card.tag = query->text(24);
        order.card.voucher = query->text(25);
        order.card.batch = query->text(26);
        order.card.reference = query->text(27);
        order.card.date = query->text(28);
        order.card.time = query->text(29);
        order.card.maskedPan = query->text(30);
        order.card.terminalId = query->text(31);
        order.card.resultKey = query->text(32);
        order.card.reversal = query->text(33);
        order.card.reversalTag = query->text(34);
        order.card.reversalBatch = query->text(35);
        order.card.reversalReference = query->text(36);
        const auto state = parseState(stateText);
        const auto resume = parseState(query->text(2));
        // A row this program cannot trust is never acted on: it comes back MANUAL with the reason.
        std::string corrupt;
        if (!state) corrupt = "unknown state '" + stateText + "'";
        else if (*state == SagaState::unknown && (!resume || isTerminal(*resume) || *resume == SagaState::unknown)) corrupt = "UNKNOWN without a valid resume state";
        else if (kindText != "self_pay" && kindText != "insurance" && kindText != "registration") corrupt = "unknown order kind '" + kindText + "'";
        else if (kindText == "registration" && (order.slotId.empty() || (order.holdKey != order.holdKeyOf(0) && order.holdKey != order.holdKeyOf(1))))
            corrupt = "registration order without its slot or with a foreign hold key";
        else if (!safeKeyText(order.orderId) || order.orderId.size() > 31) corrupt = "bad order id";
        else if (order.patientId.empty() || order.chargeIds.empty()) corrupt = "missing patient or charges";
        else corrupt = checkAmountsAndKeys(order, *state == SagaState::unknown && resume ? *resume : *state);
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

Result<std::vector<PaymentOrder>> SagaJournal::unsettled() {
    return select("WHERE state NOT IN ('DONE', 'CLOSED', 'REFUNDED')");
}

Result<std::vector<PaymentOrder>> SagaJournal::all() { return select(""); }

Result<PaymentOrder> SagaJournal::registrationOf(const std::string& appointmentId) {
    // A FHIR id is [A-Za-z0-9.-]{1,64} (R4 datatypes, "id"); nothing else reaches the SQL.
    const bool fhirId = !appointmentId.empty() && std::all_of(appointmentId.begin(), appointmentId.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
    });
    if (!fhirId) return fail(Errc::invalid_argument, "bad appointment id");
    auto rows = select("WHERE kind = 'registration' AND appointment_id = '" + appointmentId + "'");
    if (!rows) return std::unexpected(rows.error());
    if (rows->empty()) return fail(Errc::not_found, "no registration order for Appointment/" + appointmentId, "payments.not_found");
    return rows->back();
}

Result<std::optional<PaymentOrder>> SagaJournal::unsettledCardPaymentBefore(const std::string& day) {
    if (day.size() != 8 || !std::all_of(day.begin(), day.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return fail(Errc::invalid_argument, "day must be yyyyMMdd, not '" + day + "'");
    }
    auto rows = select("WHERE channel = 'bankcard' AND card_voucher != '' AND substr(created, 1, 8) < '" + day +
                       "' AND card_batch NOT IN (SELECT batch FROM card_settlement)");
    if (!rows) return std::unexpected(rows.error());
    if (rows->empty()) return std::optional<PaymentOrder>{};
    return std::optional<PaymentOrder>{rows->front()};
}

Result<SagaJournal::StateCounts> SagaJournal::stateCounts() {
    StateCounts counts;
    auto byState = journal_->prepare("SELECT state, COUNT(*) FROM payment_order GROUP BY state");
    if (!byState) return std::unexpected(byState.error());
    while (true) {
        auto row = byState->step();
        if (!row) return std::unexpected(row.error());
        if (!*row) break;
        counts.byState[byState->text(0)] = byState->integer(1);
    }
    // When an order first reached DONE (a refused cancellation passes DONE again: not a new
    // transaction). `at` is yyyyMMddHHmmss in China time (UTC+8, chinaStamp), so it sorts as text.
    auto lastDone = journal_->prepare(
        "SELECT COALESCE(MAX(first_done), '') FROM (SELECT MIN(at) AS first_done FROM payment_event WHERE state = 'DONE' GROUP BY order_id)");
    if (!lastDone) return std::unexpected(lastDone.error());
    auto row = lastDone->step();
    if (!row) return std::unexpected(row.error());
    const std::string stamp = *row ? lastDone->text(0) : std::string();
    if (stamp.size() == 14 && stamp.find_first_not_of("0123456789") == std::string::npos) {
        std::tm wall{};
        wall.tm_year = std::stoi(stamp.substr(0, 4)) - 1900;
        wall.tm_mon = std::stoi(stamp.substr(4, 2)) - 1;
        wall.tm_mday = std::stoi(stamp.substr(6, 2));
        wall.tm_hour = std::stoi(stamp.substr(8, 2));
        wall.tm_min = std::stoi(stamp.substr(10, 2));
        wall.tm_sec = std::stoi(stamp.substr(12, 2));
        counts.lastDoneUnixSeconds = static_cast<int64_t>(timegm(&wall)) - 8 * 3600;
    }
    return counts;
}

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

namespace kiosk::payments {

Result<std::vector<std::string>> SagaJournal::recentCardTags(int orders) {
    auto query = journal_->prepare(
        "SELECT card_tag, reversal_tag FROM payment_order WHERE channel = 'bankcard' AND card_tag != '' ORDER BY seq DESC LIMIT ?");
    if (!query) return std::unexpected(query.error());
    query->bind(1, static_cast<int64_t>(std::max(1, orders)));
    std::vector<std::string> tags;
    while (true) {
        auto row = query->step();
        if (!row) return std::unexpected(row.error());
        if (!*row) break;
        for (const int column : {0, 1}) {
            if (!query->text(column).empty()) tags.push_back(query->text(column));
        }
    }
    return tags;
}

Result<int64_t> SagaJournal::cardBatchNet(const std::string& batch) {
    // A consume counts in its batch once approved (voucher stored); a void or refund counts, with
    // the whole cash part, in the batch it fell in once approved (its reference stored).
    auto query = journal_->prepare(
        "SELECT COALESCE(SUM(CASE WHEN card_batch = ?1 AND card_voucher != '' THEN amount_fen ELSE 0 END), 0) - "
        "COALESCE(SUM(CASE WHEN reversal_batch = ?1 AND reversal_reference != '' THEN amount_fen ELSE 0 END), 0) "
        "FROM payment_order WHERE channel = 'bankcard'");
    if (!query) return std::unexpected(query.error());
    query->bind(1, batch);
    auto row = query->step();
    if (!row) return std::unexpected(row.error());
    return *row ? query->integer(0) : 0;
}

Result<SagaJournal::CardSettlement> SagaJournal::recordCardSettlement(const std::string& batch, int64_t terminalFen) {
    auto net = cardBatchNet(batch);
    if (!net) return std::unexpected(net.error());
    CardSettlement settlement{batch, terminalFen, *net, chinaStamp()};
    auto insert = journal_->prepare("INSERT INTO card_settlement(batch, terminal_fen, journal_fen, at) VALUES (?, ?, ?, ?)");
    if (!insert) return std::unexpected(insert.error());
    insert->bind(1, batch).bind(2, terminalFen).bind(3, *net).bind(4, settlement.at);
    if (auto ran = insert->run(); !ran) return std::unexpected(ran.error());
    return settlement;
}

Result<std::vector<SagaJournal::CardSettlement>> SagaJournal::cardSettlements() {
    auto query = journal_->prepare("SELECT batch, terminal_fen, journal_fen, at FROM card_settlement ORDER BY id");
    if (!query) return std::unexpected(query.error());
    std::vector<CardSettlement> out;
    while (true) {
        auto row = query->step();
        if (!row) return std::unexpected(row.error());
        if (!*row) break;
        out.push_back({query->text(0), query->integer(1), query->integer(2), query->text(3)});
    }
    return out;
}

}  // namespace kiosk::payments
