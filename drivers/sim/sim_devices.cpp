#include "drivers/sim/sim_devices.hpp"

#include <fmt/format.h>

#include <fstream>

#include "drivers/scanner/payload/payload_classifier.hpp"
#include "kiosk/core/log.hpp"

namespace kiosk::drivers::sim {

// ---------------------------------------------------------------- SimCore

DeviceState SimCore::state() const {
    std::lock_guard lock(mutex_);
    return state_;
}

void SimCore::setState(DeviceState state) {
    DeviceEventSink sink;
    {
        std::lock_guard lock(mutex_);
        if (state_ == state) return;
        state_ = state;
        sink = sink_;
    }
    if (sink) sink(StatusChanged{name_, state});
}

std::string SimCore::scenario() const {
    std::lock_guard lock(mutex_);
    return scenario_;
}

Result<void> SimCore::setScenario(std::string_view name, const std::function<void(std::string_view)>& apply) {
    if (std::find(scenarios_.begin(), scenarios_.end(), name) == scenarios_.end()) {
        std::string known;
        for (const auto& scenario : scenarios_) known += (known.empty() ? "" : ", ") + scenario;
        return fail(Errc::invalid_argument,
                    fmt::format("device {}: unknown scenario \"{}\" (known: {})", name_, name, known));
    }
    {
        std::lock_guard lock(mutex_);
        scenario_ = std::string(name);
    }
    log::module("sim")->info("device {}: scenario {}", name_, name);
    if (apply) apply(name);
    return {};
}

void SimCore::attach(DeviceEventSink sink) {
    std::lock_guard lock(mutex_);
    sink_ = std::move(sink);
}

void SimCore::detach() {
    std::lock_guard lock(mutex_);
    sink_ = nullptr;
}

bool SimCore::attached() const {
    std::lock_guard lock(mutex_);
    return static_cast<bool>(sink_);
}

void SimCore::post(DeviceEvent event) const {
    DeviceEventSink sink;
    {
        std::lock_guard lock(mutex_);
        sink = sink_;
    }
    if (sink) sink(std::move(event));
}

namespace {

DeviceState onlineState(MediaState media = MediaState::unknown, PaperState paper = PaperState::unknown) {
    return DeviceState{.status = DeviceStatus::online, .media = media, .paper = paper, .coverOpen = false, .detail = ""};
}

Result<void> unknownAction(std::string_view device, std::string_view action) {
    return fail(Errc::invalid_argument, fmt::format("device {}: no simulated action \"{}\"", device, action));
}

}  // namespace

// ---------------------------------------------------------------- card readers

SimCardReader::SimCardReader(std::string name, DeviceClass deviceClass, SampleData people, std::string scenario)
    : core_(std::move(name), {"normal", "unsupported_card", "needs_pin", "pulled_mid_read", "unreadable", "offline"},
            std::move(scenario)),
      class_(deviceClass),
      people_(std::move(people)) {
    core_.setState(idleState());
}

Capabilities SimCardReader::capabilities() const {
    if (class_ == DeviceClass::id_reader) return {{"id_card_text"}};
    return {{"contact_card", "social_security_card"}};
}

DeviceState SimCardReader::idleState() const {
    if (core_.scenario() == "offline") {
        return DeviceState{.status = DeviceStatus::offline, .media = MediaState::unknown, .paper = PaperState::unknown,
                           .coverOpen = false, .detail = "reader not answering (simulated)"};
    }
    return onlineState(cardPresent_ ? MediaState::present : MediaState::absent);
}

Result<void> SimCardReader::start(DeviceEventSink sink) {
    core_.attach(std::move(sink));
    core_.setState(idleState());
    if (core_.scenario() == "offline") {
        return fail(Errc::device_not_ready, fmt::format("device {}: offline (simulated)", name()), "error.device_not_ready");
    }
    return {};
}

void SimCardReader::stop() { core_.detach(); }

Result<std::string> SimCardReader::selfTest(std::chrono::milliseconds, const CancelToken&) {
    if (core_.scenario() == "offline") return fail(Errc::device_not_ready, "simulated reader offline");
    return std::string("simulated reader answers; scenario ") + core_.scenario();
}

Result<void> SimCardReader::setScenario(std::string_view scenarioName) {
    return core_.setScenario(scenarioName, [this](std::string_view) { core_.setState(idleState()); });
}

Result<void> SimCardReader::act(std::string_view action, std::string_view argument) {
    if (action == "remove") {
        if (!cardPresent_) return fail(Errc::invalid_argument, fmt::format("device {}: no card to remove", name()));
        cardPresent_ = false;
        core_.setState(idleState());
        core_.post(CardRemoved{name()});
        return {};
    }
    if (action != "insert") return unknownAction(name(), action);
    const SamplePerson* person = people_.find(argument);
    if (!person) return fail(Errc::invalid_argument, fmt::format("device {}: no sample person \"{}\"", name(), argument));
    const std::string scenarioNow = core_.scenario();
    if (scenarioNow == "offline") return fail(Errc::device_not_ready, fmt::format("device {}: offline", name()));
    cardPresent_ = scenarioNow != "pulled_mid_read";
    core_.setState(idleState());
    const bool idReader = class_ == DeviceClass::id_reader;
    if (scenarioNow == "normal") {
        CardInserted event{name(), identityFor(*person, idReader ? IdentitySource::id_card
                                                                 : IdentitySource::social_security_card),
                           {"9000"}};
        log::module("sim")->info("device {}: card inserted ({})", name(), event.identity.masked());
        core_.post(std::move(event));
    } else if (scenarioNow == "unsupported_card") {
        core_.post(CardReadFailed{name(), Error(Errc::unsupported, "simulated: card is not a social-security card",
                                                "card.unsupported")});
    } else if (scenarioNow == "needs_pin") {
        core_.post(CardReadFailed{name(), Error(Errc::user_error, "simulated: EF06 answers 69 82 (security status)",
                                                "card.needs_pin")});
    } else if (scenarioNow == "pulled_mid_read") {
        core_.post(CardReadFailed{name(), Error(Errc::cancelled, "simulated: card removed during the read",
                                                "card.pulled")});
    } else {
        core_.post(CardReadFailed{name(), Error(Errc::invalid_data, "simulated: garbled answer", "card.unreadable")});
    }
    return {};
}

// ---------------------------------------------------------------- scanner

SimScanner::SimScanner(std::string name, std::string scenario)
    : core_(std::move(name), {"normal", "offline"}, std::move(scenario)) {
    core_.setState(onlineState());
}

Result<void> SimScanner::start(DeviceEventSink sink) {
    core_.attach(std::move(sink));
    if (core_.scenario() == "offline") return fail(Errc::device_not_ready, "simulated scanner offline", "error.device_not_ready");
    return {};
}

void SimScanner::stop() { core_.detach(); }

Result<std::string> SimScanner::selfTest(std::chrono::milliseconds, const CancelToken&) {
    if (core_.scenario() == "offline") return fail(Errc::device_not_ready, "simulated scanner offline");
    return std::string("simulated scanner ready");
}

Result<void> SimScanner::setScenario(std::string_view scenarioName) {
    return core_.setScenario(scenarioName, [this](std::string_view value) {
        core_.setState(value == "offline" ? DeviceState{.status = DeviceStatus::offline, .media = MediaState::unknown,
                                                        .paper = PaperState::unknown, .coverOpen = false,
                                                        .detail = "scanner not answering (simulated)"}
                                          : onlineState());
    });
}

Result<void> SimScanner::act(std::string_view action, std::string_view argument) {
    if (action != "scan") return unknownAction(name(), action);
    if (core_.scenario() == "offline") return fail(Errc::device_not_ready, "simulated scanner offline");
    // Classified like a real scanner with the default payload table, so flows see the same events.
    const scanner::PayloadClassifier classifier;
    auto classified = classifier.classify(argument, "QRCode");
    if (classified) {
        core_.post(CodeScanned{.device = name(), .text = classified->text, .symbology = "QRCode",
                               .kind = std::string(scanner::payloadKindName(classified->kind)), .rejected = {},
                               .acceptedKinds = {}});
    } else {
        std::vector<std::string> accepted;
        for (auto kind : classifier.acceptedKinds()) accepted.emplace_back(scanner::payloadKindName(kind));
        core_.post(CodeScanned{.device = name(), .text = {}, .symbology = "QRCode", .kind = {},
                               .rejected = classified.error(), .acceptedKinds = std::move(accepted)});
    }
    return {};
}

// ---------------------------------------------------------------- printers

namespace {

DeviceState printerState(std::string_view scenario) {
    DeviceState state = onlineState(MediaState::unknown, PaperState::ok);
    if (scenario == "paper_near_end") {
        state.paper = PaperState::low;
        state.detail = "paper near end";
    } else if (scenario == "paper_out") {
        state.status = DeviceStatus::user_error;
        state.paper = PaperState::out;
        state.detail = "paper out";
    } else if (scenario == "cover_open") {
        state.status = DeviceStatus::user_error;
        state.coverOpen = true;
        state.detail = "cover open";
    } else if (scenario == "offline") {
        state.status = DeviceStatus::offline;
        state.paper = PaperState::unknown;
        state.detail = "printer not answering";
    }
    return state;
}

PrintOutcome refusedOutcome(const DeviceState& state) {
    PrintOutcome outcome;
    outcome.before = state;
    outcome.after = state;
    outcome.code = state.status == DeviceStatus::offline ? CompletionCode::device_not_ready : CompletionCode::user_error;
    outcome.detail = "not printed: " + state.detail;
    outcome.messageKey = state.paper == PaperState::out ? "print.error.paper_out"
                         : state.coverOpen              ? "print.error.cover_open"
                                                        : "print.error.offline";
    return outcome;
}

}  // namespace

SimReceiptPrinter::SimReceiptPrinter(std::string name, std::filesystem::path outputDir, std::string scenario)
    : core_(std::move(name), {"normal", "paper_near_end", "paper_out", "cover_open", "offline"}, std::move(scenario)),
      outputDir_(std::move(outputDir)) {
    core_.setState(printerState(core_.scenario()));
}

Result<void> SimReceiptPrinter::start(DeviceEventSink sink) {
    core_.attach(std::move(sink));
    return {};
}

void SimReceiptPrinter::stop() { core_.detach(); }

Result<std::string> SimReceiptPrinter::selfTest(std::chrono::milliseconds, const CancelToken&) {
    const DeviceState state = core_.state();
    if (state.status != DeviceStatus::online) return fail(Errc::device_not_ready, "simulated printer: " + state.detail);
    return std::string("simulated printer ready, paper ") + std::string(paperStateName(state.paper));
}

Result<void> SimReceiptPrinter::setScenario(std::string_view scenarioName) {
    return core_.setScenario(scenarioName, [this](std::string_view value) { core_.setState(printerState(value)); });
}

Result<void> SimReceiptPrinter::act(std::string_view action, std::string_view) {
    return unknownAction(name(), action);
}

Result<DeviceState> SimReceiptPrinter::queryStatus(std::chrono::milliseconds) { return core_.state(); }

Result<PrintOutcome> SimReceiptPrinter::print(const printing::Document& document, std::chrono::milliseconds,
                                              const CancelToken& cancel) {
    const DeviceState before = core_.state();
    if (before.status != DeviceStatus::online) return refusedOutcome(before);
    if (cancel.cancelled()) return PrintOutcome{CompletionCode::cancelled, before, before, "cancelled before start", 0, {}};
    std::vector<std::string> lines = printing::plainText(document);
    size_t bytes = 0;
    for (const auto& line : lines) bytes += line.size() + 1;
    std::error_code ec;
    std::filesystem::create_directories(outputDir_, ec);
    size_t jobNumber = 0;
    {
        std::lock_guard lock(jobsMutex_);
        jobs_.push_back(lines);
        jobNumber = jobs_.size();
    }
    const auto file = outputDir_ / fmt::format("{}-{:04}-{}.txt", name(), jobNumber, document.kind);
    std::ofstream out(file);
    for (const auto& line : lines) out << line << '\n';
    log::module("sim")->info("device {}: printed {} ({} lines) to {}", name(), document.kind, lines.size(), file.string());
    return PrintOutcome{CompletionCode::success, before, core_.state(), "printed", bytes, {}};
}

std::vector<std::vector<std::string>> SimReceiptPrinter::printedJobs() const {
    std::lock_guard lock(jobsMutex_);
    return jobs_;
}

SimReportPrinter::SimReportPrinter(std::string name, std::filesystem::path outputDir, std::string scenario)
    : core_(std::move(name), {"normal", "paper_out", "offline"}, std::move(scenario)), outputDir_(std::move(outputDir)) {
    core_.setState(printerState(core_.scenario()));
}

Result<void> SimReportPrinter::start(DeviceEventSink sink) {
    core_.attach(std::move(sink));
    return {};
}

void SimReportPrinter::stop() { core_.detach(); }

Result<std::string> SimReportPrinter::selfTest(std::chrono::milliseconds, const CancelToken&) {
    const DeviceState state = core_.state();
    if (state.status != DeviceStatus::online) return fail(Errc::device_not_ready, "simulated report printer: " + state.detail);
    return std::string("simulated report printer ready");
}

Result<void> SimReportPrinter::setScenario(std::string_view scenarioName) {
    return core_.setScenario(scenarioName, [this](std::string_view value) { core_.setState(printerState(value)); });
}

Result<void> SimReportPrinter::act(std::string_view action, std::string_view) { return unknownAction(name(), action); }

Result<PrintOutcome> SimReportPrinter::printPdf(const std::filesystem::path& pdf, int copies, std::chrono::milliseconds,
                                                const CancelToken&) {
    const DeviceState before = core_.state();
    if (before.status != DeviceStatus::online) return refusedOutcome(before);
    std::ifstream in(pdf, std::ios::binary);
    char magic[5] = {};
    in.read(magic, 5);
    if (!in || std::string_view(magic, 5) != "%PDF-") {
        return PrintOutcome{CompletionCode::invalid_data, before, before, "not a PDF file", 0, "print.error.bad_pdf"};
    }
    std::error_code ec;
    std::filesystem::create_directories(outputDir_, ec);
    std::filesystem::copy_file(pdf, outputDir_ / pdf.filename(), std::filesystem::copy_options::overwrite_existing, ec);
    const auto size = std::filesystem::file_size(pdf, ec);
    return PrintOutcome{CompletionCode::success, before, core_.state(), fmt::format("printed {} copies", copies),
                        static_cast<size_t>(size) * static_cast<size_t>(copies), {}};
}

// ---------------------------------------------------------------- factories

namespace {

Result<SampleData> loadPeople(ConfigSection& settings, const DriverContext& context) {
    const auto file = settings.path("people_file", context.assetsDir / "sim" / "people.json");
    return SampleData::load(file);
}

std::string scenarioSetting(ConfigSection& settings) { return settings.string("scenario", "normal"); }

template <class T>
Result<std::unique_ptr<Device>> withScenario(std::unique_ptr<T> device, const std::string& scenario) {
    if (auto ok = device->setScenario(scenario); !ok) return std::unexpected(ok.error());
    return std::unique_ptr<Device>(std::move(device));
}

}  // namespace

Result<std::unique_ptr<Device>> createSimCardReader(const DeviceConfig& config, ConfigSection& settings,
                                                    const DriverContext& context) {
    // The scenario is read before the people file is loaded, so a file that fails to load does
    // not leave it unread (it would be reported as an unknown key).
    const std::string scenario = scenarioSetting(settings);
    auto people = loadPeople(settings, context);
    if (!people) return std::unexpected(people.error());
    return withScenario(std::make_unique<SimCardReader>(config.name, DeviceClass::card_reader, std::move(*people), "normal"),
                        scenario);
}

Result<std::unique_ptr<Device>> createSimIdReader(const DeviceConfig& config, ConfigSection& settings,
                                                  const DriverContext& context) {
    // The scenario is read before the people file is loaded, so a file that fails to load does
    // not leave it unread (it would be reported as an unknown key).
    const std::string scenario = scenarioSetting(settings);
    auto people = loadPeople(settings, context);
    if (!people) return std::unexpected(people.error());
    return withScenario(std::make_unique<SimCardReader>(config.name, DeviceClass::id_reader, std::move(*people), "normal"),
                        scenario);
}

Result<std::unique_ptr<Device>> createSimScanner(const DeviceConfig& config, ConfigSection& settings,
                                                 const DriverContext&) {
    const std::string scenario = scenarioSetting(settings);
    return withScenario(std::make_unique<SimScanner>(config.name, "normal"), scenario);
}

Result<std::unique_ptr<Device>> createSimReceiptPrinter(const DeviceConfig& config, ConfigSection& settings,
                                                        const DriverContext& context) {
    const std::string scenario = scenarioSetting(settings);
    const auto outputDir = settings.path("output_dir", context.dataDir / "printed");
    return withScenario(std::make_unique<SimReceiptPrinter>(config.name, outputDir, "normal"), scenario);
}

Result<std::unique_ptr<Device>> createSimReportPrinter(const DeviceConfig& config, ConfigSection& settings,
                                                       const DriverContext& context) {
    const std::string scenario = scenarioSetting(settings);
    const auto outputDir = settings.path("output_dir", context.dataDir / "printed-reports");
    return withScenario(std::make_unique<SimReportPrinter>(config.name, outputDir, "normal"), scenario);
}

}  // namespace kiosk::drivers::sim
