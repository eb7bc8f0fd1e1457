#pragma once
// The fixed-width request / answer layout of a MIS-POS terminal, as a table loaded from config
// (default: assets/pos/ums_bankall.toml, the 银联商务 bankall layout; sources are cited there and in
// docs/pos-layout.md). An acquirer variant is a different file, not different code.
//
// A layout lists, in order, the fields of the request and of the answer (name, width, kind), the
// wire code of each transaction type and the result-code table (code → class → patient message).
//
// Request fields the driver fills (any other name is a config error):
//   pos_id, operator   from the device config (`pos_id`, `operator`), space-padded on the right
//   type               the transaction type's code from [types]
//   amount             fen, digits, zero-padded on the left
//   orig_date          MMDD of the original (refund)      orig_reference   its reference (refund)
//   orig_voucher       its voucher number (void)          tag              the request's check,
//                                                                          echoed by the answer
// Answer fields the driver reads: result_code (required), card_no, amount, voucher, reference
// (required), batch, auth_code, merchant_id, terminal_id, date, time, tag, bank_code; any name
// starting with "reserved" and `message` / `settle_date` are read for the log only.
// Kinds: "text" (default; space-padded right) and "digits" (0-9, zero-padded left; in an answer a
// digits field may be blank when the transaction did not use it).
//
// [X] load + validate (widths 1…999, duplicate / unknown names, missing required fields, types,
//     result classes) with every problem named by key      [X] encode request  [X] decode answer
// [X] masking: a card number that is not masked is masked at once (first 6 / last 4) and logged
// [ ] field encodings other than ASCII digits / opaque bytes (the message text is never decoded)

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "drivers/pos/pos_terminal.hpp"
#include "kiosk/core/config_reader.hpp"

namespace kiosk::drivers::pos {

enum class FieldKind { text, digits };

struct FieldSpec {
    std::string name;
    size_t width = 0;
    FieldKind kind = FieldKind::text;
};

struct ResultCodeSpec {
    std::string code;
    ResultClass resultClass = ResultClass::unknown;
    std::string messageKey;
};

enum class LengthEncoding { binary, bcd };

/// Values the driver puts in a request besides the PosRequest (from the device config).
struct RequestContext {
    std::string posId;
    std::string operatorId;
};

class MisPosLayout {
public:
    /// Reads a layout from a TOML file; every problem is reported (file, key, what was expected).
    static Result<MisPosLayout> loadFile(const std::filesystem::path& file);
    /// Reads a layout from an already parsed section (problems go to the section's list).
    static MisPosLayout fromConfig(ConfigSection& section);

    const std::string& name() const { return name_; }
    size_t requestWidth() const;
    size_t answerWidth() const;
    LengthEncoding lengthEncoding() const { return lengthEncoding_; }
    const std::vector<FieldSpec>& requestFields() const { return request_; }
    const std::vector<FieldSpec>& answerFields() const { return answer_; }
    bool hasTag() const;
    size_t tagWidth() const;
    /// The wire code of an operation ("00" consume in the UMS layout).
    const std::string& typeCode(PosOperation operation) const;
    /// The row of a result code; nullptr if the table does not know it.
    const ResultCodeSpec* result(std::string_view code) const;

    /// The request, exactly requestWidth() bytes. Errc::invalid_argument if a value does not fit
    /// its field (never truncated) or is not digits where digits are required.
    Result<std::string> encodeRequest(const PosRequest& request, const RequestContext& context) const;
    /// Splits and validates an answer: exact length, digits fields, a known result class, a masked
    /// card number, an approved answer's amount / voucher / reference present.
    /// Errc::invalid_answer with the field and the offending bytes (as hex when not printable).
    Result<PosAnswer> decodeAnswer(std::string_view bytes, PosOperation operation) const;
    /// The raw answer for the log: printable(), with the card_no field masked (whatever the
    /// answer's length) so a terminal that sends the full number never puts it in a log line.
    std::string maskedForLog(std::string_view bytes) const;
    /// Fields of an answer by name (trimmed), for the log and the simulator.
    std::map<std::string, std::string> splitAnswer(std::string_view bytes) const;
    /// Builds an answer from field values (the simulator's side); values are padded per kind and
    /// cut to the field's width.
    std::string encodeAnswer(const std::map<std::string, std::string>& values) const;
    /// Splits a request into fields (the simulator's side); Errc::invalid_data on a wrong length.
    Result<std::map<std::string, std::string>> splitRequest(std::string_view bytes) const;
    /// The operation of a type code, if any.
    std::optional<PosOperation> operationOf(std::string_view typeCode) const;

private:
    std::string name_;
    LengthEncoding lengthEncoding_ = LengthEncoding::binary;
    std::vector<FieldSpec> request_;
    std::vector<FieldSpec> answer_;
    std::map<PosOperation, std::string> types_;
    std::vector<ResultCodeSpec> results_;
};

/// "622848******1234": keeps the first 6 and last 4 of a card number (any other character kept
/// as is); shorter numbers keep only the last 4. Used on anything that looks unmasked.
std::string maskPan(std::string_view pan);
/// True when `text` contains a run of 12 or more digits (an unmasked card number).
bool looksUnmasked(std::string_view text);
/// Printable form of bytes for the log: ASCII as is, other bytes as \xNN.
std::string printable(std::string_view bytes);

}  // namespace kiosk::drivers::pos
