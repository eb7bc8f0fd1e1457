// The kiosk's Prometheus metrics (issue 17 item 6): the registry's text exposition, checked by
// the real `promtool check metrics` from Debian's prometheus package, and the HTTP endpoint on
// 127.0.0.1 read with libcurl.
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>

#include "kiosk/core/config.hpp"
#include "kiosk/ops/metrics.hpp"
#include "kiosk/ops/metrics_server.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiosk::ops {
namespace {

/// A free TCP port below the ephemeral range (32768-60999), found by binding.
int freePort(int from) {
    for (int port = from; port < from + 200; ++port) {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(static_cast<uint16_t>(port));
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        const bool free = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
        ::close(fd);
        if (free) return port;
    }
    return 0;
}

size_t collect(char* data, size_t size, size_t count, void* target) {
    static_cast<std::string*>(target)->append(data, size * count);
    return size * count;
}

/// GET over real HTTP; returns the body, or "" with the status in `status`.
std::string httpGet(const std::string& url, long& status, std::string& contentType) {
    std::string body;
    CURL* curl = curl_easy_init();
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 5L);
    status = 0;
    if (curl_easy_perform(curl) == CURLE_OK) {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
        char* type = nullptr;
        curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &type);
        contentType = type ? type : "";
    }
    curl_easy_cleanup(curl);
    return body;
}

void fillSample(MetricsRegistry& registry) {
    registry.declare("yizhan_payments_total", MetricType::counter, "Payments that reached an outcome, by outcome.");
    registry.declare("yizhan_device_up", MetricType::gauge, "1 when the device is online.");
    registry.declare("yizhan_backend_request_duration_seconds", MetricType::histogram, "Calls to the hospital, by operation.");
    registry.add("yizhan_payments_total", {{"outcome", "paid"}});
    registry.add("yizhan_payments_total", {{"outcome", "paid"}});
    registry.add("yizhan_payments_total", {{"outcome", "refunded"}});
    registry.set("yizhan_device_up", {{"device", "printer \"A\"\nB\\"}, {"class", "receipt_printer"}}, 1);
    registry.observe("yizhan_backend_request_duration_seconds", {{"operation", "charges"}}, 0.03);
    registry.observe("yizhan_backend_request_duration_seconds", {{"operation", "charges"}}, 7);
}

TEST(Metrics, CountersGaugesAndHistogramsInTheExpositionFormat) {
    MetricsRegistry registry({{"kiosk_id", "KIOSK-7"}, {"mode", "lobby"}});
    fillSample(registry);
    const std::string text = registry.render();
    EXPECT_NE(text.find("# TYPE yizhan_payments_total counter\n"), std::string::npos) << text;
    EXPECT_NE(text.find(R"(yizhan_payments_total{kiosk_id="KIOSK-7",mode="lobby",outcome="paid"} 2)"), std::string::npos) << text;
    // Label values escape backslash, quote and newline.
    EXPECT_NE(text.find(R"(device="printer \"A\"\nB\\")"), std::string::npos) << text;
    // Cumulative buckets: 0.03 s falls in le=0.05 and above, 7 s only in le=10 and above.
    EXPECT_NE(text.find(R"(yizhan_backend_request_duration_seconds_bucket{kiosk_id="KIOSK-7",le="0.025",mode="lobby",operation="charges"} 0)"),
              std::string::npos) << text;
    EXPECT_NE(text.find(R"(yizhan_backend_request_duration_seconds_bucket{kiosk_id="KIOSK-7",le="0.05",mode="lobby",operation="charges"} 1)"),
              std::string::npos) << text;
    EXPECT_NE(text.find(R"(yizhan_backend_request_duration_seconds_bucket{kiosk_id="KIOSK-7",le="+Inf",mode="lobby",operation="charges"} 2)"),
              std::string::npos) << text;
    EXPECT_NE(text.find(R"(yizhan_backend_request_duration_seconds_count{kiosk_id="KIOSK-7",mode="lobby",operation="charges"} 2)"),
              std::string::npos) << text;
    EXPECT_EQ(registry.value("yizhan_payments_total", {{"outcome", "paid"}}), 2);
    registry.add("yizhan_payments_total", {{"outcome", "paid"}}, -5);  // counters never go down
    EXPECT_EQ(registry.value("yizhan_payments_total", {{"outcome", "paid"}}), 2);
}

TEST(Metrics, PromtoolAcceptsTheOutput) {
    MetricsRegistry registry({{"kiosk_id", "KIOSK-7"}, {"mode", "lobby"}});
    fillSample(registry);
    test::TempDir dir;
    const auto file = dir.path() / "metrics.txt";
    std::ofstream(file) << registry.render();
    // promtool check metrics reads the exposition on stdin and lints names, types and help.
    const auto result = test::runCommand({"sh", "-c", "promtool check metrics < " + test::shellQuote(file.string()) + " 2>&1"});
    EXPECT_EQ(result.exitCode, 0) << result.out << result.err;
}

TEST(Metrics, CollectorsRunAtEveryScrape) {
    MetricsRegistry registry;
    int level = 0;
    registry.addCollector([&level](MetricsRegistry& target) {
        target.clear("yizhan_payment_orders");
        target.set("yizhan_payment_orders", {{"state", "pending"}}, ++level);
    });
    EXPECT_NE(registry.render().find(R"(yizhan_payment_orders{state="pending"} 1)"), std::string::npos);
    EXPECT_NE(registry.render().find(R"(yizhan_payment_orders{state="pending"} 2)"), std::string::npos);
}

TEST(MetricsServer, ServesMetricsOverHttp) {
    MetricsRegistry registry({{"kiosk_id", "KIOSK-7"}, {"mode", "lobby"}});
    fillSample(registry);
    MetricsSettings settings;
    settings.enabled = true;
    settings.port = freePort(19464);
    ASSERT_GT(settings.port, 0);
    auto server = MetricsServer::start(settings, registry);
    ASSERT_TRUE(server.has_value()) << server.error().describe();
    long status = 0;
    std::string type;
    const std::string body = httpGet("http://127.0.0.1:" + std::to_string(settings.port) + "/metrics", status, type);
    EXPECT_EQ(status, 200);
    EXPECT_NE(type.find("text/plain; version=0.0.4"), std::string::npos) << type;
    EXPECT_NE(body.find("yizhan_payments_total"), std::string::npos) << body;
}

TEST(MetricsServer, APortAlreadyTakenIsAStartUpErrorNamingTheKey) {
    MetricsRegistry registry;
    MetricsSettings settings;
    settings.enabled = true;
    settings.port = freePort(19564);
    auto first = MetricsServer::start(settings, registry);
    ASSERT_TRUE(first.has_value()) << first.error().describe();
    auto second = MetricsServer::start(settings, registry);
    ASSERT_FALSE(second.has_value());
    EXPECT_EQ(second.error().code, Errc::invalid_config);
    EXPECT_NE(second.error().detail.find("metrics.listen"), std::string::npos) << second.error().detail;
}

constexpr const char* kSalt = "[journal]\naudit_salt = \"metrics-test-salt-0123456789\"\n";

TEST(MetricsSettings, ReadsListenAndSiteAndNamesBadKeys) {
    test::TempDir dir;
    const auto file = dir.path() / "kiosk.toml";
    std::ofstream(file) << kSalt << "[metrics]\nlisten = \"127.0.0.1:80000\"\nsite = \"north\"\nlisen = 1\n";
    auto config = loadConfig(file);
    ASSERT_TRUE(config.has_value()) << config.error().describe();
    const MetricsSettings settings = readMetricsSettings(config->metrics);
    EXPECT_TRUE(settings.enabled);
    EXPECT_EQ(settings.site, "north");
    const std::string problems = config->metrics.problems()->joined();
    EXPECT_NE(problems.find("metrics.listen"), std::string::npos) << problems;
    EXPECT_NE(problems.find("metrics.lisen"), std::string::npos) << problems;

    std::ofstream(file) << kSalt << "[metrics]\nlisten = \"[::1]:9464\"\n";
    config = loadConfig(file);
    ASSERT_TRUE(config.has_value());
    const MetricsSettings v6 = readMetricsSettings(config->metrics);
    EXPECT_EQ(v6.host, "::1");
    EXPECT_EQ(v6.port, 9464);
    EXPECT_TRUE(config->metrics.problems()->empty()) << config->metrics.problems()->joined();
    EXPECT_EQ(kioskLabels(*config, v6).count("site"), 0U);
}

TEST(MetricsSettings, AbsentSectionMeansNoEndpoint) {
    test::TempDir dir;
    const auto file = dir.path() / "kiosk.toml";
    std::ofstream(file) << kSalt << "[kiosk]\nid = \"K-1\"\n";
    auto config = loadConfig(file);
    ASSERT_TRUE(config.has_value()) << config.error().describe();
    EXPECT_FALSE(readMetricsSettings(config->metrics).enabled);
}

}  // namespace
}  // namespace kiosk::ops
