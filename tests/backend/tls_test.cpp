// HTTPS with mutual TLS against hospital-sim: a test CA, a server certificate for 127.0.0.1 and a
// kiosk client certificate are generated here with the openssl command (EC keys: fast).
#include <gtest/gtest.h>

#include <cstdlib>

#include "kiosk/backend/fhir_his_driver.hpp"
#include "tests/backend/sim_process.hpp"

namespace kiosk::backend {
namespace {

class TlsTest : public ::testing::Test {
protected:
    static bool run(const std::string& command) { return std::system((command + " >/dev/null 2>&1").c_str()) == 0; }

    static bool makeCa(const std::filesystem::path& dir, const std::string& name) {
        const auto base = (dir / name).string();
        return run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=" + name +
                   " -keyout " + base + ".key -out " + base + ".pem");
    }

    static bool makeLeaf(const std::filesystem::path& dir, const std::string& name, const std::string& ca, const std::string& extension) {
        const auto base = (dir / name).string();
        const auto caBase = (dir / ca).string();
        std::ofstream(base + ".ext") << extension << '\n';
        return run("openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=" + name + " -keyout " + base +
                   ".key -out " + base + ".csr") &&
               run("openssl x509 -req -in " + base + ".csr -CA " + caBase + ".pem -CAkey " + caBase + ".key -CAcreateserial -days 2 -out " +
                   base + ".pem -extfile " + base + ".ext");
    }

    void SetUp() override {
        const auto& d = dir.path();
        ASSERT_TRUE(makeCa(d, "test-ca"));
        ASSERT_TRUE(makeCa(d, "other-ca"));
        ASSERT_TRUE(makeLeaf(d, "server", "test-ca", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth"));
        ASSERT_TRUE(makeLeaf(d, "kiosk", "test-ca", "extendedKeyUsage=clientAuth"));
        ASSERT_TRUE(makeLeaf(d, "stranger", "other-ca", "extendedKeyUsage=clientAuth"));
        sim = std::make_unique<test::SimProcess>(
            std::vector<std::string>{"--tls-cert", (d / "server.pem").string(), "--tls-key", (d / "server.key").string(),
                                     "--client-ca", (d / "test-ca.pem").string()},
            "https");
        ASSERT_TRUE(sim->ready()) << sim->log();
    }

    FhirSettings settings(const std::string& ca, const std::string& client) const {
        auto s = sim->settings();
        s.retries = 0;
        s.http.caBundle = dir.path() / (ca + ".pem");
        if (!client.empty()) {
            s.http.clientCert = dir.path() / (client + ".pem");
            s.http.clientKey = dir.path() / (client + ".key");
        }
        return s;
    }

    test::TempDir dir;
    std::unique_ptr<test::SimProcess> sim;
};

TEST_F(TlsTest, MutualTlsWithTheKioskCertificateWorks) {
    FhirHisDriver driver(settings("test-ca", "kiosk"));
    auto info = driver.ping();
    ASSERT_TRUE(info.has_value()) << info.error().describe();
    auto patient = driver.findPatient(PatientKey::id_number, "110101199003070134");
    ASSERT_TRUE(patient.has_value());
    EXPECT_EQ(patient->name, "张三");
}

TEST_F(TlsTest, MissingOrForeignClientCertificateIsRefused) {
    for (const std::string client : {"", "stranger"}) {
        FhirHisDriver driver(settings("test-ca", client));
        auto info = driver.ping();
        ASSERT_FALSE(info.has_value()) << client;
        EXPECT_EQ(info.error().code, Errc::backend_unavailable) << client << ": " << info.error().detail;
    }
}

TEST_F(TlsTest, ServerCertificateFromAnUnknownCaIsRefused) {
    FhirHisDriver driver(settings("other-ca", "kiosk"));
    auto info = driver.ping();
    ASSERT_FALSE(info.has_value());
    EXPECT_EQ(info.error().code, Errc::backend_unavailable);
    EXPECT_NE(info.error().detail.find("TLS"), std::string::npos) << info.error().detail;
}

}  // namespace
}  // namespace kiosk::backend
