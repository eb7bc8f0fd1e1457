#include "drivers/pos/mispos/mispos_layout.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace kiosk::drivers::pos {

namespace {

constexpr PosOperation kOperations[] = {PosOperation::consume,    PosOperation::void_sale, PosOperation::refund,
                                        PosOperation::query_last, PosOperation::sign_in,   PosOperation::settlement};

const std::set<std::string, std::less<>>& requestNames() {
    static const std::set<std::string, std::less<>> names = {"pos_id",    "operator",       "type",         "amount",
                                                             "orig_date", "orig_reference", "orig_voucher", "tag"};
    return names;
}

const std::set<std::string, std::less<>>& answerNames() {
    static const std::set<std::string, std::less<>> names = {
        "result_code", "bank_code", "card_no", "voucher",   "amount",    "message",     "merchant_id", "terminal_id",
        "batch",       "date",      "time",    "reference", "auth_code", "settle_date", "tag"};
    return names;
}

bool allDigits(std::string_view text) {
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool allBlank(std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](char c) { return c == ' ' || c == '\0'; });
}

std::string trim(std::string_view text) {
    size_t begin = 0;
    size_t end = text.size();
    while (begin < end && (text[begin] == ' ' || text[begin] == '\0')) ++begin;
    while (end > begin && (text[end - 1] == ' ' || text[end - 1] == '\0')) --end;
    return std::string(text.substr(begin, end - begin));
}

std::string pad(std::string_view value, const FieldSpec& field) {
    std::string out(value.substr(0, std::min(value.size(), field.width)));
    if (field.kind == FieldKind::digits && !out.empty()) {
        out.insert(out.begin(), field.width - out.size(), '0');
    } else {
        out.append(field.width - out.size(), ' ');
    }
    return out;
}

std::optional<ResultClass> parseResultClass(std::string_view text) {
    for (auto value : {ResultClass::approved, ResultClass::declined, ResultClass::cancelled, ResultClass::not_signed_in,
                       ResultClass::unknown}) {
        if (resultClassName(value) == text) return value;
    }
    return std::nullopt;
}

std::vector<FieldSpec> readFields(ConfigSection& section, std::string_view key,
                                  const std::set<std::string, std::less<>>& known) {
    std::vector<FieldSpec> out;
    std::set<std::string> seen;
    auto rows = section.tableArray(key);
    if (rows.empty()) section.problem(key, "required: the fields in order, [{ name = \"…\", width = N }, …]");
    for (ConfigSection& row : rows) {
        FieldSpec field;
        field.name = row.string("name", "");
        field.width = static_cast<size_t>(row.integer("width", 0, 1, 999));
        field.kind = row.choice("kind", "text", {"text", "digits"}) == "digits" ? FieldKind::digits : FieldKind::text;
        row.rejectUnknownKeys();
        if (field.name.empty()) {
            row.problem("name", "required: the field's name");
            continue;
        }
        if (!row.has("width")) row.problem("width", "required: the field's width in bytes (1…999)");
        if (!known.contains(field.name) && !field.name.starts_with("reserved")) {
            std::string list;
            for (const auto& name : known) list += (list.empty() ? "" : ", ") + name;
            row.problem("name", fmt::format("unknown field \"{}\" (known: {}, or reserved…)", field.name, list));
        }
        if (!field.name.starts_with("reserved") && !seen.insert(field.name).second) {
            row.problem("name", fmt::format("field \"{}\" is listed twice", field.name));
        }
        if (field.width > 0) out.push_back(field);
    }
    return out;
}

const FieldSpec* find(const std::vector<FieldSpec>& fields, std::string_view name) {
    for (const auto& field : fields) {
        if (field.name == name) return &field;
    }
    return nullptr;
}

}  // namespace

std::string_view posOperationName(PosOperation operation) {
    switch (operation) {
        case PosOperation::consume:
            return "consume";
        case PosOperation::void_sale:
            return "void_sale";
        case PosOperation::refund:
            return "refund";
        case PosOperation::query_last:
            return "query_last";
        case PosOperation::sign_in:
            return "sign_in";
        case PosOperation::settlement:
            return "settlement";
    }
    return "consume";
}

std::optional<PosOperation> parsePosOperation(std::string_view name) {
    for (auto operation : kOperations) {
        if (posOperationName(operation) == name) return operation;
    }
    return std::nullopt;
}

bool movesMoney(PosOperation operation) {
    return operation == PosOperation::consume || operation == PosOperation::void_sale ||
           operation == PosOperation::refund;
}

std::string_view resultClassName(ResultClass value) {
    switch (value) {
        case ResultClass::approved:
            return "approved";
        case ResultClass::declined:
            return "declined";
        case ResultClass::cancelled:
            return "cancelled";
        case ResultClass::not_signed_in:
            return "not_signed_in";
        case ResultClass::unknown:
            return "unknown";
    }
    return "unknown";
}

std::string maskPan(std::string_view pan) {
    std::string out(pan);
    // Card-number positions are digits and stars (a terminal may have masked some already), so
    // masking twice gives the same text: positions to keep are the first 6 and the last 4 (only
    // the last 4 when short); every digit between them becomes '*'.
    auto position = [](char c) { return (c >= '0' && c <= '9') || c == '*'; };
    size_t positions = 0;
    for (char c : out) positions += position(c) ? 1 : 0;
    const size_t keepHead = positions >= 13 ? 6 : 0;
    const size_t keepTail = std::min<size_t>(4, positions);
    size_t index = 0;
    for (char& c : out) {
        if (!position(c)) continue;
        if (index >= keepHead && index + keepTail < positions) c = '*';
        ++index;
    }
    return out;
}

bool looksUnmasked(std::string_view text) {
    size_t run = 0;
    for (char c : text) {
        run = (c >= '0' && c <= '9') ? run + 1 : 0;
        if (run >= 12) return true;
    }
    return false;
}

std::string printable(std::string_view bytes) {
    std::string out;
    for (unsigned char c : bytes) {
        if (c >= 0x20 && c < 0x7F) {
            out += static_cast<char>(c);
        } else {
            out += fmt::format("\\x{:02X}", c);
        }
    }
    return out;
}

Result<MisPosLayout> MisPosLayout::loadFile(const std::filesystem::path& file) {
    std::shared_ptr<toml::table> document;
    try {
        document = std::make_shared<toml::table>(toml::parse_file(file.string()));
    } catch (const toml::parse_error& error) {
        return fail(Errc::invalid_config, fmt::format("MIS-POS layout {}: {}", file.string(), error.description()));
    }
    auto problems = std::make_shared<ConfigProblems>();
    problems->file = file;
    ConfigSection section(document.get(), "", problems, file.parent_path(), document);
    MisPosLayout layout = fromConfig(section);
    section.rejectUnknownKeys();
    if (!problems->empty()) return fail(Errc::invalid_config, problems->joined());
    return layout;
}

MisPosLayout MisPosLayout::fromConfig(ConfigSection& section) {
    MisPosLayout layout;
    layout.name_ = section.string("name", "unnamed");
    ConfigSection framing = section.section("framing");
    layout.lengthEncoding_ =
        framing.choice("length", "binary", {"binary", "bcd"}) == "bcd" ? LengthEncoding::bcd : LengthEncoding::binary;
    framing.rejectUnknownKeys();
    ConfigSection types = section.section("types");
    std::set<std::string> codes;
    for (auto operation : kOperations) {
        const std::string key(posOperationName(operation));
        const std::string code = types.string(key, "");
        if (code.empty()) {
            types.problem(key, "required: the wire code of this transaction type");
        } else if (!codes.insert(code).second) {
            types.problem(key, fmt::format("code \"{}\" is used by two transaction types", code));
        }
        layout.types_[operation] = code;
    }
    types.rejectUnknownKeys();
    layout.request_ = readFields(section, "request", requestNames());
    layout.answer_ = readFields(section, "answer", answerNames());
    for (std::string_view required : {"type", "amount"}) {
        if (!find(layout.request_, required) && !layout.request_.empty())
            section.problem("request", fmt::format("the request needs a \"{}\" field", required));
    }
    for (std::string_view required : {"result_code", "amount", "card_no", "voucher", "reference"}) {
        if (!find(layout.answer_, required) && !layout.answer_.empty())
            section.problem("answer", fmt::format("the answer needs a \"{}\" field", required));
    }
    if (const FieldSpec* type = find(layout.request_, "type")) {
        for (const auto& [operation, code] : layout.types_) {
            if (code.size() > type->width)
                types.problem(
                    posOperationName(operation),
                    fmt::format("code \"{}\" is wider than the request's type field ({})", code, type->width));
        }
    }
    if (find(layout.request_, "tag") && !find(layout.answer_, "tag"))
        section.problem("answer", "the request has a \"tag\" field: the answer must echo it (a \"tag\" field)");
    std::set<std::string> resultCodes;
    for (ConfigSection& row : section.tableArray("results")) {
        ResultCodeSpec spec;
        spec.code = row.string("code", "");
        const std::string cls = row.string("class", "");
        spec.messageKey = row.string("key", "");
        row.rejectUnknownKeys();
        auto parsed = parseResultClass(cls);
        if (spec.code.empty()) row.problem("code", "required: the result code as the terminal sends it");
        if (!parsed) {
            row.problem("class",
                        fmt::format("\"{}\" is not approved, declined, cancelled, not_signed_in or unknown", cls));
            continue;
        }
        if (spec.messageKey.empty()) row.problem("key", "required: the patient message's i18n key (pos.…)");
        if (!resultCodes.insert(spec.code).second)
            row.problem("code", fmt::format("result code \"{}\" is listed twice", spec.code));
        spec.resultClass = *parsed;
        layout.results_.push_back(spec);
    }
    if (std::none_of(layout.results_.begin(), layout.results_.end(),
                     [](const ResultCodeSpec& r) { return r.resultClass == ResultClass::approved; })) {
        section.problem("results", "the result table needs at least one code of class \"approved\"");
    }
    return layout;
}

size_t MisPosLayout::requestWidth() const {
    size_t total = 0;
    for (const auto& field : request_) total += field.width;
    return total;
}

size_t MisPosLayout::answerWidth() const {
    size_t total = 0;
    for (const auto& field : answer_) total += field.width;
    return total;
}

bool MisPosLayout::hasTag() const {
    return find(request_, "tag") != nullptr;
}

size_t MisPosLayout::tagWidth() const {
    const FieldSpec* tag = find(request_, "tag");
    return tag ? tag->width : 0;
}

const std::string& MisPosLayout::typeCode(PosOperation operation) const {
    static const std::string none;
    auto it = types_.find(operation);
    return it == types_.end() ? none : it->second;
}

std::optional<PosOperation> MisPosLayout::operationOf(std::string_view typeCode) const {
    for (const auto& [operation, code] : types_) {
        if (code == typeCode) return operation;
    }
    return std::nullopt;
}

const ResultCodeSpec* MisPosLayout::result(std::string_view code) const {
    for (const auto& row : results_) {
        if (row.code == code) return &row;
    }
    return nullptr;
}

Result<std::string> MisPosLayout::encodeRequest(const PosRequest& request, const RequestContext& context) const {
    if (request.amountFen < 0) {
        return fail(Errc::invalid_argument, fmt::format("MIS-POS: negative amount {} fen", request.amountFen),
                    "pos.bad_amount");
    }
    std::string out;
    out.reserve(requestWidth());
    for (const FieldSpec& field : request_) {
        std::string value;
        if (field.name == "pos_id") {
            value = context.posId;
        } else if (field.name == "operator") {
            value = context.operatorId;
        } else if (field.name == "type") {
            value = typeCode(request.operation);
        } else if (field.name == "amount") {
            value = std::to_string(request.amountFen);
        } else if (field.name == "orig_date") {
            value = request.originalDate;
        } else if (field.name == "orig_reference") {
            value = request.originalReference;
        } else if (field.name == "orig_voucher") {
            value = request.originalVoucher;
        } else if (field.name == "tag") {
            value = request.tag;
        }
        if (value.size() > field.width) {
            return fail(Errc::invalid_argument,
                        fmt::format("MIS-POS {}: {} \"{}\" does not fit its {} bytes",
                                    posOperationName(request.operation), field.name, printable(value), field.width),
                        field.name == "amount" ? "pos.bad_amount" : "pos.bad_request");
        }
        if (field.kind == FieldKind::digits && !value.empty() && !allDigits(value)) {
            return fail(Errc::invalid_argument,
                        fmt::format("MIS-POS {}: {} \"{}\" must be digits", posOperationName(request.operation),
                                    field.name, printable(value)),
                        "pos.bad_request");
        }
        out += pad(value, field);
    }
    return out;
}

std::string MisPosLayout::maskedForLog(std::string_view bytes) const {
    std::string copy(bytes);
    size_t offset = 0;
    for (const FieldSpec& field : answer_) {
        if (field.name == "card_no" && offset < copy.size()) {
            const size_t n = std::min(field.width, copy.size() - offset);
            copy.replace(offset, n, maskPan(copy.substr(offset, n)));
        }
        offset += field.width;
    }
    // A layout without a card_no field: mask every run that could be a card number (13+ digits;
    // with a card_no field the neighbouring digit fields would be masked too and the line useless).
    std::string out;
    size_t run = 0;
    for (size_t i = 0; !find(answer_, "card_no") && i <= copy.size(); ++i) {
        const bool digit = i < copy.size() && copy[i] >= '0' && copy[i] <= '9';
        if (digit) {
            ++run;
            continue;
        }
        if (run >= 13) copy.replace(i - run, run, maskPan(copy.substr(i - run, run)));
        run = 0;
    }
    out = printable(copy);
    return out;
}

std::map<std::string, std::string> MisPosLayout::splitAnswer(std::string_view bytes) const {
    std::map<std::string, std::string> out;
    size_t offset = 0;
    for (const FieldSpec& field : answer_) {
        if (offset >= bytes.size()) break;
        out[field.name] = trim(bytes.substr(offset, field.width));
        offset += field.width;
    }
    return out;
}

Result<std::map<std::string, std::string>> MisPosLayout::splitRequest(std::string_view bytes) const {
    if (bytes.size() != requestWidth()) {
        return fail(Errc::invalid_data,
                    fmt::format("request of {} bytes, the layout has {}", bytes.size(), requestWidth()));
    }
    std::map<std::string, std::string> out;
    size_t offset = 0;
    for (const FieldSpec& field : request_) {
        out[field.name] = trim(bytes.substr(offset, field.width));
        offset += field.width;
    }
    return out;
}

std::string MisPosLayout::encodeAnswer(const std::map<std::string, std::string>& values) const {
    std::string out;
    for (const FieldSpec& field : answer_) {
        auto it = values.find(field.name);
        out += pad(it == values.end() ? std::string_view{} : std::string_view(it->second), field);
    }
    return out;
}

Result<PosAnswer> MisPosLayout::decodeAnswer(std::string_view bytes, PosOperation operation) const {
    const std::string_view op = posOperationName(operation);
    if (bytes.size() != answerWidth()) {
        return fail(Errc::invalid_answer,
                    fmt::format("MIS-POS {} answer of {} bytes, the layout \"{}\" has {} (wrong length)", op,
                                bytes.size(), name_, answerWidth()),
                    "pos.bad_answer");
    }
    // Digits fields first: a letter in the amount must never be read as a number.
    size_t offset = 0;
    for (const FieldSpec& field : answer_) {
        const std::string_view raw = bytes.substr(offset, field.width);
        offset += field.width;
        if (field.kind == FieldKind::digits && !allBlank(raw) && !allDigits(raw)) {
            return fail(Errc::invalid_answer,
                        fmt::format("MIS-POS {} answer: {} \"{}\" is not numeric", op, field.name, printable(raw)),
                        "pos.bad_answer");
        }
    }
    auto fields = splitAnswer(bytes);
    PosAnswer answer;
    answer.operation = operation;
    answer.resultCode = fields["result_code"];
    const ResultCodeSpec* row = result(answer.resultCode);
    answer.resultClass = row ? row->resultClass : ResultClass::unknown;
    answer.messageKey = row ? row->messageKey : "pos.outcome_unknown";
    const std::string card = fields["card_no"];
    // Card data never goes further than the masked number: masked here whatever the terminal
    // sent (a partly masked or spaced number included; masking is idempotent).
    answer.maskedPan = maskPan(card);
    answer.voucher = fields["voucher"];
    answer.batch = fields["batch"];
    answer.reference = fields["reference"];
    answer.authCode = fields["auth_code"];
    answer.merchantId = fields["merchant_id"];
    answer.terminalId = fields["terminal_id"];
    answer.date = fields["date"];
    answer.time = fields["time"];
    answer.tag = fields["tag"];
    answer.bankCode = fields["bank_code"];
    const std::string amount = fields["amount"];
    if (amount.size() > 15) {  // more than 10^13 yuan: not an amount, and stoll must not overflow
        return fail(Errc::invalid_answer, fmt::format("MIS-POS {} answer: amount \"{}\" is too large", op, amount),
                    "pos.bad_answer");
    }
    answer.amountFen = amount.empty() ? 0 : std::stoll(amount);  // digits only, checked above
    if (answer.resultClass == ResultClass::approved && movesMoney(operation)) {
        for (const auto& [name, value] : {std::pair{"amount", amount}, std::pair{"voucher", answer.voucher},
                                          std::pair{"reference", answer.reference}}) {
            if (value.empty())
                return fail(Errc::invalid_answer,
                            fmt::format("MIS-POS {} approved (\"{}\") without a {}", op, answer.resultCode, name),
                            "pos.bad_answer");
        }
    }
    return answer;
}

}  // namespace kiosk::drivers::pos
