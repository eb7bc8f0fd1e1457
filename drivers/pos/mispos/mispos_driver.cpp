#include "drivers/pos/mispos/mispos_driver.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <random>

#include "kiosk/core/log.hpp"

#ifndef KIOSK_POS_HELPER_DEFAULT
#define KIOSK_POS_HELPER_DEFAULT "kiosk-pos-helper"
#endif

namespace kiosk::drivers::pos {

namespace {

using Clock = std::chrono::steady_clock;

std::shared_ptr<spdlog::logger> logger() {
    return log::module("pos");
}

class SerialLink final : public PosLink {
public:
    SerialLink(transport::SerialSettings serial, LinkSettings link) : serial_(std::move(serial)), link_(link) {}

    Result<std::string> exchange(std::string_view request, std::chrono::milliseconds answerTimeout,
                                 const CancelToken& cancel, bool& accepted) override {
        accepted = false;
        if (!port_) {
            auto opened = transport::SerialPort::open(serial_);
            if (!opened) {
                Error error = opened.error();
                error.messageKey = "pos.unavailable";
                return std::unexpected(error);
            }
            port_ = std::move(*opened);
        }
        LinkSettings settings = link_;
        settings.answerTimeout = answerTimeout;
        LinkReport report;
        auto answer = exchangeFrame(*port_, request, settings, cancel, report);
        accepted = report.accepted;
        if (!answer) {
            if (answer.error().code == Errc::device_not_ready) port_.reset();  // unplugged: reopen next time
            Error error = answer.error();
            error.detail = fmt::format("{} [sends {}, NAK {}, bad answers {}]", error.detail, report.sends, report.naks,
                                       report.badAnswers);
            // A frame that was written and not NAKed may have been taken even if no ACK came back
            // (a lost ACK, a terminal unplugged right after): only NAK to every send proves otherwise.
            if (report.sends > 0 && report.naks < report.sends) accepted = true;
            return std::unexpected(error);
        }
        return answer;
    }
    std::string describe() const override { return "serial " + serial_.path; }

private:
    transport::SerialSettings serial_;
    LinkSettings link_;
    std::unique_ptr<transport::SerialPort> port_;
};

class LibraryLink final : public PosLink {
public:
    LibraryLink(HelperSettings settings, size_t answerWidth)
        : describe_(settings.library.string()), answerWidth_(answerWidth), helper_(std::move(settings)) {}

    Result<std::string> exchange(std::string_view request, std::chrono::milliseconds answerTimeout,
                                 const CancelToken& cancel, bool& accepted) override {
        auto reply = helper_.call(request, answerTimeout, cancel, accepted);
        if (!reply) return std::unexpected(reply.error());
        // Public code calling bankall decides on the answer's result code, not on the return value
        // (some libraries return non-zero with a whole "declined" answer): a whole answer is
        // validated like any other; a non-zero return without one is a failed call.
        if (reply->rc != 0 && reply->answer.size() == answerWidth_) {
            logger()->info("vendor library returned {} with a whole answer: reading the answer", reply->rc);
            return std::move(reply->answer);
        }
        if (reply->rc != 0) {
            return fail(
                Errc::invalid_answer,
                fmt::format("vendor library returned {} with {} bytes of answer", reply->rc, reply->answer.size()),
                "pos.bad_answer");
        }
        return std::move(reply->answer);
    }
    std::string describe() const override { return "library " + describe_; }
    const HelperProcess& helper() const { return helper_; }

private:
    std::string describe_;
    size_t answerWidth_;
    HelperProcess helper_;
};

std::string dateTime(std::chrono::system_clock::time_point when) {
    return fmt::format("{:%Y-%m-%d %H:%M:%S} UTC", std::chrono::floor<std::chrono::seconds>(when));
}

}  // namespace

std::unique_ptr<PosLink> makeSerialLink(transport::SerialSettings serial, LinkSettings link) {
    return std::make_unique<SerialLink>(std::move(serial), link);
}

std::unique_ptr<PosLink> makeLibraryLink(HelperSettings helper, size_t answerWidth) {
    return std::make_unique<LibraryLink>(std::move(helper), answerWidth);
}

MisPosDriver::MisPosDriver(std::string name, MisPosSettings settings, MisPosLayout layout)
    : name_(std::move(name)), settings_(std::move(settings)), layout_(std::move(layout)) {
    if (settings_.transport == PosTransport::serial) {
        link_ = makeSerialLink(settings_.serial, LinkSettings{.encoding = layout_.lengthEncoding(),
                                                              .ackTimeout = settings_.ackTimeout,
                                                              .answerTimeout = settings_.answerTimeout,
                                                              .maxSends = settings_.maxSends,
                                                              .maxAnswer = layout_.answerWidth() + 64});
    } else {
        settings_.helper.answerCapacity = layout_.answerWidth();
        link_ = makeLibraryLink(settings_.helper, layout_.answerWidth());
    }
    std::random_device random;
    tagSeed_ = random();
    state_.status = DeviceStatus::starting;
    state_.detail = "not signed in since start";
}

MisPosDriver::~MisPosDriver() = default;

const HelperProcess* MisPosDriver::helper() const {
    if (auto* library = dynamic_cast<const LibraryLink*>(link_.get())) return &library->helper();
    return nullptr;
}

Capabilities MisPosDriver::capabilities() const {
    return {{"bank_card", "void", "refund", "query_last", "settlement",
             settings_.transport == PosTransport::serial ? "serial" : "vendor_library", layout_.name()}};
}

DeviceState MisPosDriver::state() const {
    std::lock_guard lock(mutex_);
    return state_;
}

std::optional<std::chrono::system_clock::time_point> MisPosDriver::lastSignIn() const {
    std::lock_guard lock(mutex_);
    return lastSignIn_;
}

std::string MisPosDriver::signInText() const {
    return lastSignIn_ ? "last sign-in " + dateTime(*lastSignIn_) : std::string("not signed in since start");
}

void MisPosDriver::setState(DeviceStatus status, std::string detail) {
    DeviceEventSink sink;
    DeviceState state;
    {
        std::lock_guard lock(mutex_);
        state.status = status;
        state.detail = detail.empty() ? signInText() : detail + "; " + signInText();
        if (state_ == state) return;
        state_ = state;
        sink = sink_;
    }
    logger()->info("device {}: {} {}", name_, deviceStatusName(state.status), state.detail);
    if (sink) sink(StatusChanged{name_, std::move(state)});
}

Result<void> MisPosDriver::start(DeviceEventSink sink) {
    std::lock_guard lock(mutex_);
    sink_ = std::move(sink);
    return {};
}

void MisPosDriver::stop() {
    std::lock_guard lock(mutex_);
    sink_ = nullptr;
}

std::string MisPosDriver::nextTag() {
    const size_t width = layout_.tagWidth();
    if (width == 0) return {};
    uint64_t modulus = 1;
    for (size_t i = 0; i < width && i < 18; ++i) modulus *= 10;
    std::string tag;
    do {
        tagSeed_ = tagSeed_ * 6364136223846793005ULL + 1442695040888963407ULL;
        tag = fmt::format("{:0{}}", (tagSeed_ >> 17) % modulus, width);
    } while (tag == lastTag_);
    return tag;
}

Result<PosAnswer> MisPosDriver::transact(PosRequest request, const CancelToken& cancel) {
    const auto timeout = movesMoney(request.operation) ? settings_.answerTimeout : settings_.serviceTimeout;
    return run(request, timeout, cancel);
}

Result<PosAnswer> MisPosDriver::queryLast(const CancelToken& cancel) {
    PosRequest request;
    request.operation = PosOperation::query_last;
    return run(request, settings_.serviceTimeout, cancel);
}

Result<PosAnswer> MisPosDriver::run(PosRequest& request, std::chrono::milliseconds timeout, const CancelToken& cancel) {
    std::lock_guard busy(busy_);
    const std::string_view op = posOperationName(request.operation);
    const bool money = movesMoney(request.operation);
    if (request.tag.empty()) request.tag = nextTag();
    auto encoded = layout_.encodeRequest(request, settings_.context);
    if (!encoded) {
        logger()->warn("device {}: {} not sent: {}", name_, op, encoded.error().detail);
        return std::unexpected(encoded.error());
    }
    lastTag_ = request.tag;
    const auto started = Clock::now();
    bool accepted = false;
    auto raw = link_->exchange(*encoded, timeout, cancel, accepted);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
    // Every failure after the terminal may have acted on a consume / void / refund is an unknown
    // outcome: the caller resolves it with a query, never by sending it again.
    auto unknown = [&](const std::string& why) {
        logger()->error("device {}: {} {} fen tag {}: OUTCOME UNKNOWN after {} ms: {}", name_, op, request.amountFen,
                        request.tag, ms, why);
        return fail(Errc::unknown_outcome,
                    fmt::format("{} of {} fen (tag {}) on {}: outcome unknown: {}", op, request.amountFen, request.tag,
                                link_->describe(), why),
                    "pos.outcome_unknown");
    };
    if (!raw) {
        const Error& error = raw.error();
        if (money && accepted) return unknown(error.detail);
        if (error.code == Errc::cancelled) return std::unexpected(error);  // says nothing about the terminal
        setState(error.code == Errc::invalid_answer ? DeviceStatus::hardware_error : DeviceStatus::offline,
                 error.detail);
        logger()->warn("device {}: {} failed after {} ms ({}): {}", name_, op, ms, link_->describe(), error.detail);
        if (error.code == Errc::invalid_answer) return std::unexpected(error);
        if (error.code == Errc::hardware_error) return fail(Errc::hardware_error, error.detail, "pos.unavailable");
        return fail(accepted ? Errc::timeout : Errc::device_not_ready, error.detail, "pos.unavailable");
    }
    auto answer = layout_.decodeAnswer(*raw, request.operation);
    if (!answer) {
        const std::string why = fmt::format("{} [answer: {}]", answer.error().detail, layout_.maskedForLog(*raw));
        setState(DeviceStatus::hardware_error, answer.error().detail);
        if (money) return unknown(why);
        logger()->warn("device {}: {}: {}", name_, op, why);
        return fail(Errc::invalid_answer, why, "pos.bad_answer");
    }
    // Fields that tie the answer to this request.
    std::string mismatch;
    if (request.operation != PosOperation::query_last && layout_.hasTag() && answer->tag != request.tag) {
        mismatch =
            fmt::format("the answer is for another transaction (tag {}, sent {}; voucher {}, reference {})",
                        answer->tag.empty() ? "blank" : answer->tag, request.tag, answer->voucher, answer->reference);
    } else if (money && answer->resultClass == ResultClass::approved && answer->amountFen != request.amountFen) {
        mismatch = fmt::format("approved {} fen, asked {} fen (voucher {}, reference {})", answer->amountFen,
                               request.amountFen, answer->voucher, answer->reference);
    }
    if (!mismatch.empty()) {
        setState(DeviceStatus::hardware_error, mismatch);
        if (money) return unknown(mismatch);
        logger()->warn("device {}: {}: {}", name_, op, mismatch);
        return fail(Errc::invalid_answer, mismatch, "pos.bad_answer");
    }
    const std::string summary = fmt::format(
        "{} result {} ({}) card {} amount {} voucher {} batch {} reference {} merchant {} terminal {} "
        "{} {} tag {} in {} ms",
        op, answer->resultCode, resultClassName(answer->resultClass), answer->maskedPan, answer->amountFen,
        answer->voucher, answer->batch, answer->reference, answer->merchantId, answer->terminalId, answer->date,
        answer->time, answer->tag, ms);
    switch (answer->resultClass) {
        case ResultClass::approved:
            if (request.operation == PosOperation::sign_in) {
                std::lock_guard lock(mutex_);
                lastSignIn_ = std::chrono::system_clock::now();
            }
            logger()->info("device {}: {}", name_, summary);
            setState(DeviceStatus::online, {});
            return answer;
        case ResultClass::declined:
        case ResultClass::cancelled:
            logger()->info("device {}: {}", name_, summary);
            setState(DeviceStatus::online, {});
            if (request.operation == PosOperation::query_last) return answer;  // the last one was declined
            // consume: nothing was charged; void / refund: nothing was given back (the caller
            // words that for the patient, the table's key is the bank's reason).
            return fail(Errc::rejected, "declined by the terminal, no money moved: " + summary, answer->messageKey);
        case ResultClass::not_signed_in:
            logger()->warn("device {}: {}", name_, summary);
            {
                std::lock_guard lock(mutex_);
                lastSignIn_.reset();
            }
            setState(DeviceStatus::user_error, "terminal not signed in");
            return fail(Errc::user_error, "not charged, terminal not signed in: " + summary, answer->messageKey);
        case ResultClass::unknown:
            break;
    }
    if (request.operation == PosOperation::query_last) return answer;
    if (money)
        return unknown(fmt::format("result code \"{}\" is not in the layout's table: {}", answer->resultCode, summary));
    return fail(Errc::invalid_answer, fmt::format("result code \"{}\": {}", answer->resultCode, summary),
                "pos.bad_answer");
}

Result<std::pair<Resolution, std::optional<PosAnswer>>> MisPosDriver::resolve(const PosRequest& pending,
                                                                              const CancelToken& cancel) {
    auto last = queryLast(cancel);
    if (!last) return std::unexpected(last.error());
    const bool sameTag = layout_.hasTag() && !pending.tag.empty() && last->tag == pending.tag;
    // Only a real record of a transaction is evidence. A result the table does not know (96, 98,
    // a code it lacks) may be a busy or failing terminal answering the query, or — with our tag —
    // a transaction whose own outcome is unknown; an approved record without its tag, voucher
    // and reference is not a whole record. Neither proves that the pending one was not made.
    if (last->resultClass == ResultClass::unknown) {
        if (sameTag) {
            return fail(Errc::unknown_outcome,
                        fmt::format("the terminal's last transaction has this tag ({}) and result \"{}\", which does not say "
                                    "whether money moved: staff must check voucher {} reference {}",
                                    last->tag, last->resultCode, last->voucher, last->reference),
                        "pos.outcome_unknown");
        }
        return fail(Errc::invalid_answer,
                    fmt::format("the query answered result \"{}\" (not a transaction record): the pending {} tag {} stays "
                                "unresolved",
                                last->resultCode, posOperationName(pending.operation), pending.tag),
                    "pos.bad_answer");
    }
    if (last->resultClass == ResultClass::approved && layout_.hasTag() &&
        (last->tag.size() != layout_.tagWidth() || last->voucher.empty() || last->reference.empty())) {
        return fail(Errc::invalid_answer,
                    fmt::format("the query's approved record lacks its tag, voucher or reference (tag \"{}\", voucher \"{}\", "
                                "reference \"{}\"): the pending {} tag {} stays unresolved",
                                last->tag, last->voucher, last->reference, posOperationName(pending.operation), pending.tag),
                    "pos.bad_answer");
    }
    if (!layout_.hasTag()) {
        // Without an echoed tag only a different amount proves it is another transaction.
        if (last->amountFen != pending.amountFen) return std::pair{Resolution::not_charged, std::optional<PosAnswer>{}};
        return fail(Errc::unknown_outcome,
                    fmt::format("the layout has no tag: the last transaction ({} fen, voucher {}) cannot be told "
                                "apart from the pending one",
                                last->amountFen, last->voucher),
                    "pos.outcome_unknown");
    }
    if (!sameTag) {
        logger()->info("device {}: pending {} tag {} was not made (the last transaction is tag {}, voucher {})", name_,
                       posOperationName(pending.operation), pending.tag, last->tag, last->voucher);
        return std::pair{Resolution::not_charged, std::optional<PosAnswer>{}};
    }
    if (last->resultClass != ResultClass::approved) {
        // Declined, cancelled or not signed in: this very transaction moved no money.
        return std::pair{Resolution::not_charged, std::optional<PosAnswer>{*last}};
    }
    if (last->amountFen != pending.amountFen) {
        return fail(
            Errc::unknown_outcome,
            fmt::format("the terminal's last transaction has this tag ({}) but {} fen, not {}: staff must check "
                        "voucher {} reference {}",
                        last->tag, last->amountFen, pending.amountFen, last->voucher, last->reference),
            "pos.outcome_unknown");
    }
    PosAnswer found = *last;
    found.operation = pending.operation;
    logger()->info("device {}: pending {} tag {} was made: voucher {} reference {}", name_,
                   posOperationName(pending.operation), pending.tag, found.voucher, found.reference);
    return std::pair{Resolution::charged, std::optional<PosAnswer>{found}};
}

Result<std::string> MisPosDriver::selfTest(std::chrono::milliseconds timeout, const CancelToken& cancel) {
    // The technician's limit, if shorter than the service time-out (diagnostics run every check at once).
    PosRequest request;
    request.operation = settings_.selfTestQuery ? PosOperation::query_last : PosOperation::sign_in;
    auto answer = run(request, std::min(timeout, settings_.serviceTimeout), cancel);
    if (!answer) return std::unexpected(answer.error());
    std::lock_guard lock(mutex_);
    return fmt::format("{} ({}): {} result {}, merchant {}, terminal {}, batch {}; {}", link_->describe(),
                       layout_.name(), settings_.selfTestQuery ? "query last" : "signed in", answer->resultCode,
                       answer->merchantId, answer->terminalId, answer->batch, signInText());
}

Result<std::unique_ptr<Device>> createMisPosDriver(const DeviceConfig& config, ConfigSection& settings,
                                                   const DriverContext& context) {
    MisPosSettings out;
    const std::string transportName = settings.choice("transport", "serial", {"serial", "library"});
    out.transport = transportName == "library" ? PosTransport::library : PosTransport::serial;
    const std::filesystem::path layoutFile = settings.path("layout", context.assetsDir / "pos" / "ums_bankall.toml");
    out.context.posId = settings.string("pos_id", "KIOSK001");
    out.context.operatorId = settings.string("operator", "0001");
    out.answerTimeout = std::chrono::milliseconds(settings.integer("answer_timeout_ms", 90000, 1000, 600000));
    out.serviceTimeout = std::chrono::milliseconds(settings.integer("service_timeout_ms", 30000, 500, 300000));
    out.selfTestQuery = settings.choice("self_test", "sign_in", {"sign_in", "query"}) == "query";
    if (out.transport == PosTransport::serial) {
        const std::filesystem::path port = settings.path("port", "");
        if (port.empty())
            settings.problem("port", "required with transport = \"serial\": the terminal's serial device");
        out.serial.path = port.string();
        out.serial.baud = static_cast<int>(settings.integer("baud", 9600, 1200, 115200));
        const std::string parity = settings.choice("parity", "N", {"N", "E", "O"});
        out.serial.parity = parity[0];
        out.ackTimeout = std::chrono::milliseconds(settings.integer("ack_timeout_ms", 500, 20, 10000));
        out.maxSends = static_cast<int>(settings.integer("max_sends", 3, 1, 5));
    } else {
        out.helper.library = settings.path("library", "");
        if (out.helper.library.empty())
            settings.problem("library", "required with transport = \"library\": the vendor library (.so)");
        out.helper.symbol = settings.string("symbol", "bankall");
        std::error_code ec;
        const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
        std::filesystem::path fallback = KIOSK_POS_HELPER_DEFAULT;
        if (!ec && std::filesystem::exists(self.parent_path() / "kiosk-pos-helper", ec))
            fallback = self.parent_path() / "kiosk-pos-helper";
        out.helper.helper = settings.path("helper", fallback);
        out.helper.environment = settings.stringList("library_env", {});
        for (const auto& entry : out.helper.environment) {
            if (entry.find('=') == std::string::npos || entry.front() == '=')
                settings.problem("library_env", fmt::format("\"{}\" is not NAME=value", entry));
        }
        out.helper.startTimeout =
            std::chrono::milliseconds(settings.integer("helper_start_timeout_ms", 5000, 100, 60000));
    }
    auto layout = MisPosLayout::loadFile(layoutFile);
    if (!layout) {
        settings.problem("layout", layout.error().detail);
        return std::unexpected(layout.error());
    }
    if (out.transport == PosTransport::serial && out.serial.path.empty())
        return fail(Errc::invalid_config, "mispos: the key 'port' is required");
    if (out.transport == PosTransport::library && out.helper.library.empty())
        return fail(Errc::invalid_config, "mispos: the key 'library' is required");
    return std::make_unique<MisPosDriver>(config.name, std::move(out), std::move(*layout));
}

}  // namespace kiosk::drivers::pos
