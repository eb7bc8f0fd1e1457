#include "sim/devices/virtual_acquirer.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <charconv>
#include <ctime>
#include <fstream>
#include <sstream>

namespace kiosk::sim {

namespace pos = drivers::pos;

namespace {

constexpr VposScenario kScenarios[] = {
    VposScenario::approved,     VposScenario::insufficient_funds, VposScenario::wrong_pin, VposScenario::card_expired,
    VposScenario::walk_away,    VposScenario::answer_lost,        VposScenario::crash,     VposScenario::hang,
    VposScenario::not_signed_in};
constexpr VposFault kFaults[] = {VposFault::none,         VposFault::wrong_length, VposFault::non_numeric_amount,
                                 VposFault::other_amount, VposFault::other_tag,    VposFault::unmasked_pan,
                                 VposFault::nak,          VposFault::bad_lrc,      VposFault::no_ack};

std::string orDash(const std::string& text) {
    return text.empty() ? "-" : text;
}
std::string undash(const std::string& text) {
    return text == "-" ? std::string() : text;
}

std::string toHex(std::string_view bytes) {
    std::string out;
    for (unsigned char c : bytes) out += fmt::format("{:02X}", c);
    return out;
}
std::string fromHex(std::string_view hex) {
    std::string out;
    for (size_t i = 0; i + 1 < hex.size(); i += 2)
        out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
    return out;
}

struct Now {
    std::string yyyymmdd, mmdd, hhmmss;
};
Now now() {
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buffer[32];
    Now out;
    std::strftime(buffer, sizeof buffer, "%Y%m%d", &tm);
    out.yyyymmdd = buffer;
    out.mmdd = out.yyyymmdd.substr(4);
    std::strftime(buffer, sizeof buffer, "%H%M%S", &tm);
    out.hhmmss = buffer;
    return out;
}

/// Lock + load on construction, save (if asked) + unlock on destruction.
class StateLock {
public:
    explicit StateLock(const std::filesystem::path& file) {
        fd_ = ::open((file.string() + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd_ >= 0) ::flock(fd_, LOCK_EX);
    }
    ~StateLock() {
        if (fd_ >= 0) {
            ::flock(fd_, LOCK_UN);
            ::close(fd_);
        }
    }
    StateLock(const StateLock&) = delete;
    StateLock& operator=(const StateLock&) = delete;

private:
    int fd_ = -1;
};

}  // namespace

struct VirtualAcquirer::State {
    std::string signedIn;  // YYYYMMDD
    int batch = 1;
    int voucher = 1;
    long long reference = 1;
    VposScenario scenario = VposScenario::approved;
    VposFault fault = VposFault::none;
    int walkAwayMs = 300;
    int delayMs = 0;
    std::string lastAnswer;
    VposBatchTotals settled;
    std::vector<VposTransaction> txns;

    void load(const std::filesystem::path& file) {
        std::ifstream in(file);
        for (std::string line; std::getline(in, line);) {
            std::istringstream words(line);
            std::string key;
            words >> key;
            if (key == "signed_in") {
                words >> signedIn;
                signedIn = undash(signedIn);
            } else if (key == "batch") {
                words >> batch;
            } else if (key == "voucher") {
                words >> voucher;
            } else if (key == "reference") {
                words >> reference;
            } else if (key == "scenario") {
                std::string name;
                words >> name;
                scenario = parseVposScenario(name).value_or(VposScenario::approved);
            } else if (key == "fault") {
                std::string name;
                words >> name;
                fault = parseVposFault(name).value_or(VposFault::none);
            } else if (key == "walk_away_ms") {
                words >> walkAwayMs;
            } else if (key == "delay_ms") {
                words >> delayMs;
            } else if (key == "last_answer") {
                std::string hex;
                words >> hex;
                lastAnswer = fromHex(undash(hex));
            } else if (key == "settled") {
                words >> settled.batch >> settled.consumes >> settled.consumeFen >> settled.voids >> settled.voidFen >>
                    settled.refunds >> settled.refundFen;
            } else if (key == "txn") {
                VposTransaction t;
                int voided = 0;
                words >> t.type >> t.amountFen >> t.voucher >> t.reference >> t.batch >> t.date >> t.time >> t.tag >>
                    t.original >> voided >> t.refundedFen;
                t.tag = undash(t.tag);
                t.original = undash(t.original);
                t.voided = voided != 0;
                txns.push_back(t);
            }
        }
    }

    std::string text() const {
        std::ostringstream out;
        out << "signed_in " << orDash(signedIn) << "\nbatch " << batch << "\nvoucher " << voucher << "\nreference "
            << reference << "\nscenario " << vposScenarioName(scenario) << "\nfault " << vposFaultName(fault)
            << "\nwalk_away_ms " << walkAwayMs << "\ndelay_ms " << delayMs << "\nlast_answer "
            << orDash(toHex(lastAnswer)) << "\n";
        if (!settled.batch.empty()) {
            out << "settled " << settled.batch << ' ' << settled.consumes << ' ' << settled.consumeFen << ' '
                << settled.voids << ' ' << settled.voidFen << ' ' << settled.refunds << ' ' << settled.refundFen
                << "\n";
        }
        for (const auto& t : txns) {
            out << "txn " << t.type << ' ' << t.amountFen << ' ' << t.voucher << ' ' << t.reference << ' ' << t.batch
                << ' ' << t.date << ' ' << t.time << ' ' << orDash(t.tag) << ' ' << orDash(t.original) << ' '
                << (t.voided ? 1 : 0) << ' ' << t.refundedFen << "\n";
        }
        return out.str();
    }

    /// Writes the state if it changed since `before` (a rename: readers never see half a file).
    void save(const std::filesystem::path& file, const std::string& before) const {
        const std::string now = text();
        if (now == before) return;
        const auto temp = file.string() + ".tmp";
        std::ofstream(temp, std::ios::trunc) << now;
        std::filesystem::rename(temp, file);
    }

    VposBatchTotals totals(const std::string& of) const {
        VposBatchTotals out;
        out.batch = of;
        for (const auto& t : txns) {
            if (t.batch != of) continue;
            if (t.type == "consume") {
                ++out.consumes;
                out.consumeFen += t.amountFen;
            } else if (t.type == "void_sale") {
                ++out.voids;
                out.voidFen += t.amountFen;
            } else if (t.type == "refund") {
                ++out.refunds;
                out.refundFen += t.amountFen;
            }
        }
        return out;
    }
    std::string batchText() const { return fmt::format("{:06}", batch); }
};

template <class F>
auto VirtualAcquirer::locked(F&& f) const {
    StateLock lock(file_);
    State state;
    state.load(file_);
    const std::string before = std::filesystem::exists(file_) ? state.text() : std::string();
    if constexpr (std::is_void_v<decltype(f(state))>) {
        f(state);
        state.save(file_, before);
    } else {
        auto result = f(state);
        state.save(file_, before);
        return result;
    }
}

std::string_view vposScenarioName(VposScenario scenario) {
    switch (scenario) {
        case VposScenario::approved:
            return "approved";
        case VposScenario::insufficient_funds:
            return "insufficient_funds";
        case VposScenario::wrong_pin:
            return "wrong_pin";
        case VposScenario::card_expired:
            return "card_expired";
        case VposScenario::walk_away:
            return "walk_away";
        case VposScenario::answer_lost:
            return "answer_lost";
        case VposScenario::crash:
            return "crash";
        case VposScenario::hang:
            return "hang";
        case VposScenario::not_signed_in:
            return "not_signed_in";
    }
    return "approved";
}

std::vector<std::string_view> vposScenarioNames() {
    std::vector<std::string_view> out;
    for (auto s : kScenarios) out.push_back(vposScenarioName(s));
    return out;
}

Result<VposScenario> parseVposScenario(std::string_view name) {
    for (auto s : kScenarios) {
        if (vposScenarioName(s) == name) return s;
    }
    return fail(Errc::invalid_argument, fmt::format("unknown virtual MIS-POS scenario \"{}\"", name));
}

std::string_view vposFaultName(VposFault fault) {
    switch (fault) {
        case VposFault::none:
            return "none";
        case VposFault::wrong_length:
            return "wrong_length";
        case VposFault::non_numeric_amount:
            return "non_numeric_amount";
        case VposFault::other_amount:
            return "other_amount";
        case VposFault::other_tag:
            return "other_tag";
        case VposFault::unmasked_pan:
            return "unmasked_pan";
        case VposFault::nak:
            return "nak";
        case VposFault::bad_lrc:
            return "bad_lrc";
        case VposFault::no_ack:
            return "no_ack";
    }
    return "none";
}

Result<VposFault> parseVposFault(std::string_view name) {
    for (auto f : kFaults) {
        if (vposFaultName(f) == name) return f;
    }
    return fail(Errc::invalid_argument, fmt::format("unknown virtual MIS-POS fault \"{}\"", name));
}

VirtualAcquirer::VirtualAcquirer(std::filesystem::path stateFile, pos::MisPosLayout layout)
    : file_(std::move(stateFile)), layout_(std::move(layout)) {}

void VirtualAcquirer::setScenario(VposScenario scenario) {
    locked([&](State& s) {
        s.scenario = scenario;
        if (scenario == VposScenario::not_signed_in) {
            s.signedIn.clear();
            s.scenario = VposScenario::approved;  // signed out until a sign-in
        }
    });
}

VposScenario VirtualAcquirer::currentScenario() const {
    return locked([](State& s) { return s.scenario; });
}

std::vector<std::string> VirtualAcquirer::scenarios() const {
    std::vector<std::string> out;
    for (auto name : vposScenarioNames()) out.emplace_back(name);
    return out;
}

std::string VirtualAcquirer::scenario() const {
    return std::string(vposScenarioName(currentScenario()));
}

Result<void> VirtualAcquirer::setScenario(std::string_view name) {
    auto parsed = parseVposScenario(name);
    if (!parsed) return std::unexpected(parsed.error());
    setScenario(*parsed);
    return {};
}

Result<void> VirtualAcquirer::act(std::string_view action, std::string_view argument) {
    if (action == "fault") {
        auto fault = parseVposFault(argument);
        if (!fault) return std::unexpected(fault.error());
        setFault(*fault);
        return {};
    }
    if (action == "walk_away_ms" || action == "answer_delay_ms") {
        int ms = -1;
        const auto [end, ec] = std::from_chars(argument.data(), argument.data() + argument.size(), ms);
        if (ec != std::errc{} || end != argument.data() + argument.size() || ms < 0 || ms > 600000)
            return fail(Errc::invalid_argument, fmt::format("virtual MIS-POS: \"{}\" is not 0…600000 ms", argument));
        if (action == "walk_away_ms") {
            setWalkAwayDelay(std::chrono::milliseconds(ms));
        } else {
            setAnswerDelay(std::chrono::milliseconds(ms));
        }
        return {};
    }
    return fail(Errc::unsupported,
                fmt::format("virtual MIS-POS: no action \"{}\" (fault, walk_away_ms, answer_delay_ms)", action));
}

void VirtualAcquirer::setFault(VposFault fault) {
    locked([&](State& s) { s.fault = fault; });
}

VposFault VirtualAcquirer::fault() const {
    return locked([](State& s) { return s.fault; });
}

VposFault VirtualAcquirer::takeLinkFault() {
    return locked([](State& s) {
        const VposFault f = s.fault;
        if (f == VposFault::nak || f == VposFault::bad_lrc || f == VposFault::no_ack) {
            s.fault = VposFault::none;
            return f;
        }
        return VposFault::none;
    });
}

void VirtualAcquirer::setWalkAwayDelay(std::chrono::milliseconds delay) {
    locked([&](State& s) { s.walkAwayMs = static_cast<int>(delay.count()); });
}

void VirtualAcquirer::setAnswerDelay(std::chrono::milliseconds delay) {
    locked([&](State& s) { s.delayMs = static_cast<int>(delay.count()); });
}

bool VirtualAcquirer::signedIn() const {
    return locked([](State& s) { return s.signedIn == now().yyyymmdd; });
}

std::vector<VposTransaction> VirtualAcquirer::transactions() const {
    return locked([](State& s) { return s.txns; });
}

int VirtualAcquirer::charges() const {
    return locked([](State& s) {
        int n = 0;
        for (const auto& t : s.txns) n += t.type == "consume" ? 1 : 0;
        return n;
    });
}

VposBatchTotals VirtualAcquirer::batchTotals() const {
    return locked([](State& s) { return s.totals(s.batchText()); });
}

VposBatchTotals VirtualAcquirer::lastSettlement() const {
    return locked([](State& s) { return s.settled; });
}

VposOutcome VirtualAcquirer::process(std::string_view request) {
    return locked([&](State& s) {
        const Now time = now();
        VposOutcome out;
        out.delay = std::chrono::milliseconds(s.delayMs);
        std::map<std::string, std::string> a = {{"merchant_id", std::string(kMerchantId)},
                                                {"terminal_id", std::string(kTerminalId)},
                                                {"batch", s.batchText()},
                                                {"date", time.mmdd},
                                                {"time", time.hhmmss},
                                                {"settle_date", time.mmdd},
                                                {"bank_code", "0105"}};
        auto fields = layout_.splitRequest(request);
        if (!fields) {
            a["result_code"] = "12";
            a["message"] = "BAD REQUEST LENGTH";
            out.answer = layout_.encodeAnswer(a);
            return out;
        }
        auto& f = *fields;
        a["tag"] = f["tag"];
        const auto op = layout_.operationOf(f["type"]);
        if (!op) {
            a["result_code"] = "12";
            a["message"] = "UNKNOWN TYPE";
            out.answer = layout_.encodeAnswer(a);
            return out;
        }
        const int64_t amount = f["amount"].empty() ? 0 : std::stoll(f["amount"]);
        auto finish = [&](const std::string& code, const std::string& message) {
            a["result_code"] = code;
            a["message"] = message;
            out.answer = layout_.encodeAnswer(a);
        };
        switch (*op) {
            case pos::PosOperation::sign_in:
                s.signedIn = time.yyyymmdd;
                finish("00", "SIGN IN OK");
                return out;
            case pos::PosOperation::settlement: {
                s.settled = s.totals(s.batchText());
                a["amount"] = std::to_string(std::max<int64_t>(0, s.settled.netFen()));
                finish("00", fmt::format("SETTLED {} SALES", s.settled.consumes));
                ++s.batch;
                return out;
            }
            case pos::PosOperation::query_last:
                if (s.lastAnswer.empty()) {
                    finish("25", "NO TRANSACTION");
                } else {
                    out.answer = s.lastAnswer;
                }
                return out;
            default:
                break;
        }
        // Money: consume, void, refund.
        a["amount"] = std::to_string(amount);
        if (s.signedIn != time.yyyymmdd) {
            finish("77", "SIGN IN AGAIN");
            return out;
        }
        const VposScenario scenario = s.scenario;
        s.scenario = VposScenario::approved;  // one-shot
        if (scenario == VposScenario::hang) {
            out.kind = VposOutcome::Kind::hang;  // before anything is charged
            return out;
        }
        if (*op == pos::PosOperation::consume) {
            const char* declined = nullptr;
            const char* message = nullptr;
            switch (scenario) {
                case VposScenario::insufficient_funds:
                    declined = "51", message = "INSUFFICIENT FUNDS";
                    break;
                case VposScenario::wrong_pin:
                    declined = "55", message = "WRONG PIN";
                    break;
                case VposScenario::card_expired:
                    declined = "54", message = "EXPIRED CARD";
                    break;
                case VposScenario::walk_away:
                    declined = "TO", message = "NO CARD";
                    out.delay = std::chrono::milliseconds(s.walkAwayMs);
                    break;
                default:
                    break;
            }
            if (declined) {
                if (scenario != VposScenario::walk_away) a["card_no"] = pos::maskPan(kCard);
                finish(declined, message);
                s.lastAnswer = out.answer;
                return out;
            }
        }
        VposTransaction t{.type = std::string(pos::posOperationName(*op)),
                          .amountFen = amount,
                          .voucher = fmt::format("{:06}", s.voucher),
                          .reference = fmt::format("{:012}", s.reference),
                          .batch = s.batchText(),
                          .date = time.mmdd,
                          .time = time.hhmmss,
                          .tag = f["tag"],
                          .original = {},
                          .voided = false,
                          .refundedFen = 0};
        if (*op == pos::PosOperation::consume) {
            if (s.fault == VposFault::other_amount) t.amountFen += 100;
        } else if (*op == pos::PosOperation::void_sale) {
            VposTransaction* original = nullptr;
            for (auto& o : s.txns) {
                if (o.type == "consume" && o.voucher == f["orig_voucher"] && o.batch == s.batchText()) original = &o;
            }
            if (!original || original->voided || original->date != time.mmdd) {
                finish("25", "ORIGINAL NOT FOUND");
                return out;
            }
            if (original->amountFen != amount || original->refundedFen != 0) {
                finish("12", "VOID AMOUNT DIFFERS");
                return out;
            }
            original->voided = true;
            t.original = original->voucher;
        } else {
            VposTransaction* original = nullptr;
            for (auto& o : s.txns) {
                if (o.type == "consume" && o.reference == f["orig_reference"] &&
                    (f["orig_date"].empty() || o.date == f["orig_date"]))
                    original = &o;
            }
            if (!original || original->voided) {
                finish("25", "ORIGINAL NOT FOUND");
                return out;
            }
            if (amount <= 0 || original->refundedFen + amount > original->amountFen) {
                finish("12", "REFUND EXCEEDS SALE");
                return out;
            }
            original->refundedFen += amount;
            t.original = original->reference;
        }
        ++s.voucher;
        ++s.reference;
        s.txns.push_back(t);
        a["amount"] = std::to_string(t.amountFen);
        a["voucher"] = t.voucher;
        a["reference"] = t.reference;
        a["auth_code"] = fmt::format("{:06}", s.reference % 1000000);
        a["card_no"] = pos::maskPan(kCard);
        finish("00", "APPROVED");
        s.lastAnswer = out.answer;  // what "reprint last" gives back: the true answer
        // Faults distort only what is sent this time.
        const VposFault fault = s.fault;
        if (fault != VposFault::nak && fault != VposFault::bad_lrc && fault != VposFault::no_ack)
            s.fault = VposFault::none;
        if (fault == VposFault::other_tag) {
            a["tag"] = t.tag == "999" ? "998" : fmt::format("{:03}", (t.tag.empty() ? 0 : std::stoi(t.tag)) + 1);
            out.answer = layout_.encodeAnswer(a);
        } else if (fault == VposFault::unmasked_pan) {
            a["card_no"] = std::string(kCard);
            out.answer = layout_.encodeAnswer(a);
        } else if (fault == VposFault::wrong_length) {
            out.answer.pop_back();
        } else if (fault == VposFault::non_numeric_amount) {
            size_t offset = 0;
            for (const auto& field : layout_.answerFields()) {
                if (field.name == "amount") {
                    out.answer[offset + field.width - 3] = 'O';  // a letter O where a zero belongs
                    break;
                }
                offset += field.width;
            }
        }
        if (scenario == VposScenario::answer_lost) out.kind = VposOutcome::Kind::no_answer;
        if (scenario == VposScenario::crash) out.kind = VposOutcome::Kind::crash;
        return out;
    });
}

}  // namespace kiosk::sim
