#include "drivers/printer/cups/cups_driver.hpp"

#include <cups/cups.h>

#include <fmt/format.h>

#include <fstream>
#include <optional>
#include <thread>

#include "kiosk/core/log.hpp"

namespace kiosk::drivers::cups {

namespace {

/// One connection per operation, closed on scope exit (http_t is not thread-safe).
struct Connection {
    http_t* http = nullptr;
    explicit Connection(const std::string& server) {
        if (server.empty()) {
            http = httpConnect2(cupsServer(), ippPort(), nullptr, AF_UNSPEC, cupsEncryption(), 1, 5000, nullptr);
        } else if (server.front() == '/') {
            http = httpConnect2(server.c_str(), 0, nullptr, AF_LOCAL, HTTP_ENCRYPTION_NEVER, 1, 5000, nullptr);
        } else {
            const auto colon = server.rfind(':');
            const std::string host = colon == std::string::npos ? server : server.substr(0, colon);
            const int port = colon == std::string::npos ? 631 : std::atoi(server.c_str() + colon + 1);
            http = httpConnect2(host.c_str(), port, nullptr, AF_UNSPEC, HTTP_ENCRYPTION_NEVER, 1, 5000, nullptr);
        }
    }
    ~Connection() {
        if (http != nullptr) httpClose(http);
    }
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;
};

std::string reasonsOf(ipp_t* response, const char* attributeName) {
    std::string reasons;
    if (ipp_attribute_t* attribute = ippFindAttribute(response, attributeName, IPP_TAG_KEYWORD)) {
        for (int i = 0; i < ippGetCount(attribute); ++i) {
            const char* value = ippGetString(attribute, i, nullptr);
            if (value == nullptr || std::string_view(value) == "none") continue;
            reasons += (reasons.empty() ? "" : ",") + std::string(value);
        }
    }
    return reasons;
}

std::string printerUri(const std::string& queue) {
    char uri[HTTP_MAX_URI];
    httpAssembleURIf(HTTP_URI_CODING_ALL, uri, sizeof(uri), "ipp", nullptr, "localhost", 0, "/printers/%s", queue.c_str());
    return uri;
}

std::string messageKeyFor(const DeviceState& state) {
    if (state.status == DeviceStatus::no_device) return "print.error.queue_missing";
    if (state.paper == PaperState::out) return "print.error.paper_out";
    return "print.error.queue_stopped";
}

}  // namespace

Result<void> checkPdfFile(const std::filesystem::path& pdf) {
    std::ifstream in(pdf, std::ios::binary);
    if (!in) return fail(Errc::not_found, "report file " + pdf.string() + " cannot be read", "print.error.bad_pdf");
    std::string head(1024, '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<size_t>(in.gcount()));
    if (head.rfind("%PDF-", 0) != 0)
        return fail(Errc::invalid_data, "report file " + pdf.string() + " does not start with %PDF-", "print.error.bad_pdf");
    in.clear();
    in.seekg(0, std::ios::end);
    const auto size = static_cast<int64_t>(in.tellg());
    const int64_t tail = std::min<int64_t>(size, 1024);
    in.seekg(size - tail);
    std::string end(static_cast<size_t>(tail), '\0');
    in.read(end.data(), tail);
    if (end.find("%%EOF") == std::string::npos)
        return fail(Errc::invalid_data, "report file " + pdf.string() + " has no %%EOF trailer (truncated?)", "print.error.bad_pdf");
    return {};
}

CupsReportPrinter::CupsReportPrinter(std::string name, CupsSettings settings)
    : name_(std::move(name)), settings_(std::move(settings)) {
    state_.status = DeviceStatus::starting;
}

DeviceState CupsReportPrinter::state() const {
    std::lock_guard lock(mutex_);
    return state_;
}

void CupsReportPrinter::setState(DeviceState state) {
    DeviceEventSink sink;
    {
        std::lock_guard lock(mutex_);
        if (state == state_) return;
        state_ = state;
        sink = sink_;
    }
    log::module("printer")->info("{}: queue {} status {} ({})", name_, settings_.queue, deviceStatusName(state.status), state.detail);
    if (sink) sink(StatusChanged{name_, std::move(state)});
}

Result<void> CupsReportPrinter::start(DeviceEventSink sink) {
    {
        std::lock_guard lock(mutex_);
        sink_ = std::move(sink);
    }
    queryQueue();
    return {};
}

void CupsReportPrinter::stop() {
    std::lock_guard lock(mutex_);
    sink_ = nullptr;
}

DeviceState CupsReportPrinter::queryQueue() {
    DeviceState state;
    Connection connection(settings_.server);
    if (connection.http == nullptr) {
        state.status = DeviceStatus::offline;
        state.detail = "CUPS not reachable: " + std::string(cupsLastErrorString());
        setState(state);
        return state;
    }
    ipp_t* request = ippNewRequest(IPP_OP_GET_PRINTER_ATTRIBUTES);
    const std::string uri = printerUri(settings_.queue);
    ippAddString(request, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", nullptr, uri.c_str());
    static const char* const kAttributes[] = {"printer-state", "printer-state-reasons", "printer-is-accepting-jobs",
                                              "printer-state-message"};
    ippAddStrings(request, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes", 4, nullptr, kAttributes);
    ipp_t* response = cupsDoRequest(connection.http, request, "/");
    const ipp_status_t status = cupsLastError();
    if (response == nullptr || status == IPP_STATUS_ERROR_NOT_FOUND || status > IPP_STATUS_OK_EVENTS_COMPLETE) {
        state.status = status == IPP_STATUS_ERROR_NOT_FOUND ? DeviceStatus::no_device : DeviceStatus::offline;
        state.detail = status == IPP_STATUS_ERROR_NOT_FOUND ? "queue " + settings_.queue + " does not exist"
                                                            : "CUPS: " + std::string(cupsLastErrorString());
        ippDelete(response);
        setState(state);
        return state;
    }
    // printer-state: 3 idle, 4 processing, 5 stopped (RFC 8011 §5.4.11).
    const int printerState = ippGetInteger(ippFindAttribute(response, "printer-state", IPP_TAG_ENUM), 0);
    ipp_attribute_t* accepting = ippFindAttribute(response, "printer-is-accepting-jobs", IPP_TAG_BOOLEAN);
    const bool acceptingJobs = accepting == nullptr || ippGetBoolean(accepting, 0) != 0;
    const std::string reasons = reasonsOf(response, "printer-state-reasons");
    const char* message = ippGetString(ippFindAttribute(response, "printer-state-message", IPP_TAG_TEXT), 0, nullptr);
    {
        std::lock_guard lock(mutex_);
        message_ = message != nullptr ? message : "";
    }
    ippDelete(response);
    state.paper = reasons.find("media-empty") != std::string::npos ? PaperState::out
                  : reasons.find("media-low") != std::string::npos ? PaperState::low
                                                                    : PaperState::unknown;
    if (printerState == IPP_PSTATE_STOPPED || !acceptingJobs) {
        state.status = DeviceStatus::offline;
        state.detail = fmt::format("queue {} {}{}", settings_.queue, printerState == IPP_PSTATE_STOPPED ? "stopped" : "not accepting jobs",
                                   reasons.empty() ? "" : " (" + reasons + ")");
    } else {
        state.status = printerState == IPP_PSTATE_PROCESSING ? DeviceStatus::busy : DeviceStatus::online;
        state.detail = reasons.empty() ? "ready" : reasons;
    }
    setState(state);
    return state;
}

std::string CupsReportPrinter::lastMessage() const {
    std::lock_guard lock(mutex_);
    return message_;
}

Result<std::string> CupsReportPrinter::selfTest(std::chrono::milliseconds, const CancelToken&) {
    const DeviceState state = queryQueue();
    if (state.status == DeviceStatus::online || state.status == DeviceStatus::busy)
        return "queue " + settings_.queue + ": " + state.detail;
    return fail(Errc::device_not_ready, state.detail, messageKeyFor(state));
}

Result<PrintOutcome> CupsReportPrinter::printPdf(const std::filesystem::path& pdf, int copies, std::chrono::milliseconds timeout,
                                                 const CancelToken& cancel) {
    PrintOutcome outcome;
    outcome.before = queryQueue();
    outcome.after = outcome.before;
    if (auto valid = checkPdfFile(pdf); !valid) {
        outcome.code = CompletionCode::invalid_data;
        outcome.detail = "not printed: " + valid.error().detail;
        outcome.messageKey = valid.error().messageKey;
        log::module("printer")->warn("{}: {}", name_, outcome.detail);
        return outcome;
    }
    if (outcome.before.status != DeviceStatus::online && outcome.before.status != DeviceStatus::busy) {
        outcome.code = CompletionCode::device_not_ready;  // missing, stopped or not accepting
        outcome.detail = "not printed: " + outcome.before.detail;
        outcome.messageKey = messageKeyFor(outcome.before);
        log::module("printer")->warn("{}: {}", name_, outcome.detail);
        return outcome;
    }
    Connection connection(settings_.server);
    if (connection.http == nullptr) {
        outcome.code = CompletionCode::device_not_ready;
        outcome.detail = "not printed: CUPS not reachable";
        outcome.messageKey = "print.error.queue_stopped";
        return outcome;
    }
    cups_option_t* options = nullptr;
    int optionCount = 0;
    optionCount = cupsAddOption("copies", std::to_string(std::clamp(copies, 1, 99)).c_str(), optionCount, &options);
    optionCount = cupsAddOption("document-format", "application/pdf", optionCount, &options);
    // ASCII job titles (cups-pdf names its output after them; harness.md §5).
    const std::string title = "kiosk-" + pdf.stem().string();
    const int jobId = cupsPrintFile2(connection.http, settings_.queue.c_str(), pdf.c_str(), title.c_str(), optionCount, options);
    cupsFreeOptions(optionCount, options);
    if (jobId == 0) {
        outcome.code = CompletionCode::device_not_ready;
        outcome.detail = "not printed: CUPS refused the job: " + std::string(cupsLastErrorString());
        outcome.messageKey = "print.error.queue_stopped";
        outcome.after = queryQueue();
        log::module("printer")->warn("{}: {}", name_, outcome.detail);
        return outcome;
    }
    outcome.bytesSent = std::filesystem::file_size(pdf);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    // When the printer started reporting trouble while our job waits (max() = no trouble now).
    auto troubleSince = std::chrono::steady_clock::time_point::max();
    char jobUri[HTTP_MAX_URI];
    httpAssembleURIf(HTTP_URI_CODING_ALL, jobUri, sizeof(jobUri), "ipp", nullptr, "localhost", 0, "/jobs/%d", jobId);
    for (;;) {
        ipp_t* request = ippNewRequest(IPP_OP_GET_JOB_ATTRIBUTES);
        ippAddString(request, IPP_TAG_OPERATION, IPP_TAG_URI, "job-uri", nullptr, jobUri);
        static const char* const kAttributes[] = {"job-state", "job-state-reasons"};
        ippAddStrings(request, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes", 2, nullptr, kAttributes);
        ipp_t* response = cupsDoRequest(connection.http, request, "/");
        // job-state: 3 pending, 4 held, 5 processing, 6 stopped, 7 canceled, 8 aborted, 9 completed.
        const int jobState = response ? ippGetInteger(ippFindAttribute(response, "job-state", IPP_TAG_ENUM), 0) : 0;
        const std::string jobReasons = response ? reasonsOf(response, "job-state-reasons") : "";
        ippDelete(response);
        if (jobState == IPP_JSTATE_COMPLETED) {
            outcome.after = queryQueue();
            outcome.code = CompletionCode::success;
            outcome.detail = fmt::format("printed: job {} completed", jobId);
            break;
        }
        if (jobState == IPP_JSTATE_ABORTED || jobState == IPP_JSTATE_CANCELED) {
            outcome.after = queryQueue();
            outcome.code = CompletionCode::hardware_error;
            outcome.detail = fmt::format("not printed: job {} {} ({})", jobId, jobState == IPP_JSTATE_ABORTED ? "aborted" : "cancelled",
                                         jobReasons.empty() ? "no reason given" : jobReasons);
            outcome.messageKey = "print.error.queue_stopped";
            break;
        }
        DeviceState queue = queryQueue();
        // A printer that reports offline or an error (the socket backend retrying an unreachable
        // printer, media-empty-error…) while our job waits: give it `stall` to recover.
        const bool troubled = queue.detail.find("offline") != std::string::npos || queue.detail.find("-error") != std::string::npos;
        if (!troubled) troubleSince = std::chrono::steady_clock::time_point::max();
        else if (troubleSince == std::chrono::steady_clock::time_point::max()) troubleSince = std::chrono::steady_clock::now();
        const bool stalled = troubled && std::chrono::steady_clock::now() - troubleSince >= settings_.stall;
        if (stalled) {
            queue.status = DeviceStatus::offline;
            queue.detail += lastMessage().empty() ? "" : " — " + lastMessage();
            setState(queue);
        }
        const bool printerStopped = stalled || queue.status == DeviceStatus::offline || queue.status == DeviceStatus::no_device;
        const bool timedOut = std::chrono::steady_clock::now() >= deadline;
        if (jobState == IPP_JSTATE_STOPPED || jobState == IPP_JSTATE_HELD || printerStopped || timedOut || cancel.cancelled() ||
            jobState == 0) {
            // Cancel so the paper cannot come out later, after the patient was told to go to the desk.
            cupsCancelJob2(connection.http, settings_.queue.c_str(), jobId, 0);
            outcome.after = queue;
            outcome.code = cancel.cancelled() ? CompletionCode::cancelled
                           : timedOut         ? CompletionCode::timeout
                                              : CompletionCode::device_not_ready;
            outcome.detail = fmt::format("not printed: job {} {} ({}); queue: {}", jobId,
                                         cancel.cancelled() ? "cancelled by the kiosk"
                                         : timedOut         ? "did not finish in time"
                                         : jobState == 0    ? "vanished"
                                                            : "stopped",
                                         jobReasons.empty() ? "no job reason" : jobReasons,
                                         queue.detail + (lastMessage().empty() || stalled ? "" : " — " + lastMessage()));
            outcome.messageKey = messageKeyFor(queue);
            break;
        }
        std::this_thread::sleep_for(settings_.poll);
    }
    log::module("printer")->info("{}: {} → {} ({})", name_, pdf.filename().string(), completionCodeName(outcome.code), outcome.detail);
    return outcome;
}

Result<std::unique_ptr<Device>> createCupsReportPrinter(const DeviceConfig& device, ConfigSection& settings, const DriverContext&) {
    CupsSettings parsed;
    auto queue = settings.requiredString("queue");
    parsed.queue = queue.value_or("");
    parsed.server = settings.string("server", "");
    parsed.poll = std::chrono::milliseconds(settings.integer("poll_ms", 200, 20, 5000));
    parsed.stall = std::chrono::milliseconds(settings.integer("stall_ms", 10000, 500, 600000));
    // Checked after every key is read, so their problems are reported in the same run.
    if (!queue) return fail(Errc::invalid_config, "a cups report printer needs queue = \"…\"");
    return std::make_unique<CupsReportPrinter>(device.name, std::move(parsed));
}

}  // namespace kiosk::drivers::cups
