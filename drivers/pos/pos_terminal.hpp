#pragma once
// The bank-card terminal device class (pos_terminal): a UnionPay MIS-POS terminal mounted in the
// kiosk. The patient inserts, swipes or taps the card and enters the PIN on the terminal; the
// kiosk only asks for an amount and reads the answer. Card data never reaches the kiosk beyond the
// masked card number (first 6 / last 4) in the answer: a driver masks anything longer.
//
// One API for every transport (drivers/pos/mispos/: the serial framing, or a vendor library in a
// helper process). Every call is blocking (call from a task thread, never the UI thread), one at a
// time (the terminal does one transaction at a time), and bounded by the driver's time-outs.
//
// Amounts are in fen (分, int64). Dates on the terminal are MMDD (the acquirer's year is implied).
//
// Errors (Error::code, messageKey for the patient, detail for the log):
//   rejected          the terminal answered: declined / cancelled / walked away — no money moved
//                     (a consume was NOT charged; a void / refund gave nothing back: the caller
//                     words that itself). messageKey from the layout's result table
//                     ("pos.declined.insufficient_funds", "pos.declined.wrong_pin", …)
//   unknown_outcome   money may have moved (time-out after the request was taken, a lost or
//                     invalid answer to consume / void / refund, the vendor library crashed or hung)
//                     "pos.outcome_unknown": resolve with resolve() (query / reprint last), NEVER by
//                     sending the transaction again
//   device_not_ready  the terminal is absent / not answering before anything was taken — nothing
//                     was charged ("pos.unavailable")
//   hardware_error    the link refused our frame (NAK three times) — nothing was charged
//                     ("pos.unavailable")
//   invalid_answer    a bad answer to a transaction that moves no money (sign-in, query,
//                     settlement) ("pos.bad_answer")
//   user_error        the terminal is not signed in ("pos.not_signed_in"); sign in and retry
//   cancelled

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "drivers/common/device.hpp"

namespace kiosk::drivers::pos {

/// The transaction types of a MIS-POS terminal. Their codes on the wire are in the layout table.
enum class PosOperation { consume, void_sale, refund, query_last, sign_in, settlement };
std::string_view posOperationName(PosOperation operation);
std::optional<PosOperation> parsePosOperation(std::string_view name);
/// consume, void_sale and refund move money: any doubt about them is an unknown outcome.
bool movesMoney(PosOperation operation);

/// What the kiosk asks. For void_sale the original voucher number; for refund the original
/// reference number and date (MMDD) — both from the stored answer of the consume.
struct PosRequest {
    PosOperation operation = PosOperation::consume;
    int64_t amountFen = 0;
    std::string originalDate;       ///< MMDD (refund)
    std::string originalReference;  ///< 12 digits (refund)
    std::string originalVoucher;    ///< 6 digits (void)
    /// Matches the answer to this request (the layout's `tag` field, echoed by the terminal).
    /// Set by the driver when empty (never the previous request's); kept in the journal so a
    /// query can find the transaction. A caller that sets it (from its journal) must not reuse
    /// the terminal's previous tag either.
    std::string tag;
};

/// Result classes of the layout's result-code table.
enum class ResultClass { approved, declined, cancelled, not_signed_in, unknown };
std::string_view resultClassName(ResultClass value);

/// What the terminal answered (validated: lengths, digits, amount, tag).
struct PosAnswer {
    PosOperation operation = PosOperation::consume;
    std::string resultCode;  ///< "00" approved; else the acquirer's / terminal's code
    ResultClass resultClass = ResultClass::unknown;
    std::string messageKey;  ///< the patient message of the result code ("pos.approved", …)
    std::string maskedPan;   ///< "622848******1234"; never more than first 6 / last 4
    int64_t amountFen = 0;
    std::string voucher;     ///< 凭证号 (POS trace), 6 digits
    std::string batch;       ///< 批次号, 6 digits
    std::string reference;   ///< 参考号 (retrieval reference), 12 characters
    std::string authCode;    ///< 授权号
    std::string merchantId;  ///< 商户号, 15
    std::string terminalId;  ///< 终端号, 8
    std::string date;        ///< MMDD
    std::string time;        ///< HHMMSS
    std::string tag;         ///< echo of the request's tag
    std::string bankCode;    ///< 发卡行 code, when the layout has it
};

/// How a transaction whose outcome was unknown turned out, after a query of the last one.
enum class Resolution { charged, not_charged };

class PosTerminal : public Device {
public:
    DeviceClass deviceClass() const override { return DeviceClass::pos_terminal; }
    /// One transaction. An answer with a result class other than approved is returned as
    /// Errc::rejected (declined, cancelled) or user_error (not signed in).
    virtual Result<PosAnswer> transact(PosRequest request, const CancelToken& cancel = {}) = 0;
    /// The terminal's last transaction (reprint last / query). For a pending transaction whose
    /// outcome is unknown, compare with resolve().
    virtual Result<PosAnswer> queryLast(const CancelToken& cancel = {}) = 0;
    /// Resolves a transaction whose outcome was unknown by querying the last one: `charged` with
    /// its answer when the last transaction is this request (same tag, operation and amount),
    /// `not_charged` when the terminal's last transaction is another one (the caller decides how
    /// long after sending to believe that: the terminal may still be working on ours) or is this
    /// one declined / cancelled (then with its answer). Only a whole record counts: a query
    /// answer whose result the table does not know, or an approved one without tag, voucher and
    /// reference, is invalid_answer (the order stays unknown); the same tag with another amount
    /// or with such a result is unknown_outcome (a person compares the terminal's slip). Errors
    /// also when the query itself fails.
    virtual Result<std::pair<Resolution, std::optional<PosAnswer>>> resolve(const PosRequest& pending,
                                                                            const CancelToken& cancel = {}) = 0;
    /// When the terminal last signed in successfully (through this driver), if ever.
    virtual std::optional<std::chrono::system_clock::time_point> lastSignIn() const = 0;
    /// The width (digits) of the request tag the terminal echoes; 0 when its layout has none.
    /// A caller that sets PosRequest::tag itself makes it exactly this wide.
    virtual size_t tagWidth() const = 0;

    Result<PosAnswer> consume(int64_t amountFen, const CancelToken& cancel = {}) {
        PosRequest request;
        request.amountFen = amountFen;
        return transact(std::move(request), cancel);
    }
    Result<PosAnswer> signIn(const CancelToken& cancel = {}) {
        PosRequest request;
        request.operation = PosOperation::sign_in;
        return transact(std::move(request), cancel);
    }
    Result<PosAnswer> settle(const CancelToken& cancel = {}) {
        PosRequest request;
        request.operation = PosOperation::settlement;
        return transact(std::move(request), cancel);
    }
    /// Void (same day, same batch): the original's voucher and amount.
    Result<PosAnswer> voidSale(const PosAnswer& original, const CancelToken& cancel = {}) {
        PosRequest request;
        request.operation = PosOperation::void_sale;
        request.amountFen = original.amountFen;
        request.originalVoucher = original.voucher;
        return transact(std::move(request), cancel);
    }
    /// Refund (a later day): the original's reference and date; amount up to the original's.
    Result<PosAnswer> refund(const PosAnswer& original, int64_t amountFen, const CancelToken& cancel = {}) {
        PosRequest request;
        request.operation = PosOperation::refund;
        request.amountFen = amountFen;
        request.originalDate = original.date;
        request.originalReference = original.reference;
        return transact(std::move(request), cancel);
    }
};

}  // namespace kiosk::drivers::pos
