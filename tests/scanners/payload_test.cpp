// Payload classification: the default table, a site's own table from config, and the guards
// (3,000-char codes, invalid UTF-8, control characters) that run before any regex.
#include <gtest/gtest.h>

#include "drivers/scanner/payload/payload_classifier.hpp"
#include "drivers/sim/sample_data.hpp"
#include "drivers/sim/sim_devices.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiosk::drivers::scanner {
namespace {

struct Sample {
    std::string text;
    PayloadKind kind;
};

TEST(PayloadClassifier, DefaultsRecogniseEveryKindOfTheSampleData) {
    const PayloadClassifier classifier;
    auto people = sim::SampleData::load(std::filesystem::path(KIOSK_TEST_ASSETS_DIR) / "sim" / "people.json");
    ASSERT_TRUE(people.has_value()) << people.error().detail;
    ASSERT_FALSE(people->people.empty());
    for (const auto& person : people->people) {
        auto token = classifier.classify(person.healthCardToken, "QRCode");
        ASSERT_TRUE(token.has_value()) << token.error().detail;
        EXPECT_EQ(token->kind, PayloadKind::health_card);
        auto card = classifier.classify(person.hospitalCard, "Code128");
        ASSERT_TRUE(card.has_value()) << person.hospitalCard << ": " << card.error().detail;
        EXPECT_EQ(card->kind, PayloadKind::hospital_card);
        EXPECT_EQ(card->symbology, "Code128");
    }
    const Sample samples[] = {
        {"43ECQR8H2K4M6P9R1T3V5X7Z0B2D4F6", PayloadKind::insurance_voucher},
        {"YY202611230815", PayloadKind::appointment},
        {"CF20261123004217", PayloadKind::prescription},
        {"QY20261123004217", PayloadKind::prescription},
        {"SJ2026112300012345", PayloadKind::receipt},
        {"241201000417", PayloadKind::report_code},  // a lab slip: collection date + serial
        {"202400070001", PayloadKind::report_code},  // hospital-sim's slip: card digits + report number
        {"0272e5f1a9b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d:1", PayloadKind::health_card},
    };
    for (const auto& sample : samples) {
        auto result = classifier.classify(sample.text, "QRCode");
        ASSERT_TRUE(result.has_value()) << sample.text << ": " << result.error().detail;
        EXPECT_EQ(result->kind, sample.kind) << sample.text;
    }
}

TEST(PayloadClassifier, TrimsWhatScannersAddAroundACode) {
    const PayloadClassifier classifier;
    auto result = classifier.classify("\xEF\xBB\xBF  H20240007\r\n", "serial");
    ASSERT_TRUE(result.has_value()) << result.error().detail;
    EXPECT_EQ(result->text, "H20240007");
}

TEST(PayloadClassifier, UnrecognisedCodeNamesTheAcceptedKinds) {
    const PayloadClassifier classifier;
    const std::string texts[] = {"https://example.org/x", "H2024000",  // one digit short
                                 "12345678901", "1234567890123",            // a lab slip's 12 digits, one short, one over
                                 "1234567890", "13812345678",               // a 10-digit code, a phone number: not slips
                                 "0272E5F1A9B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D5E6F708192A3B4C5D:2", "张三的挂号单"};
    for (const auto& text : texts) {
        auto result = classifier.classify(text, "QRCode");
        ASSERT_FALSE(result.has_value()) << text;
        EXPECT_EQ(result.error().messageKey, "scan.unrecognised_accepting");
        EXPECT_EQ(result.error().code, Errc::invalid_data);
        EXPECT_NE(result.error().detail.find("health_card, insurance_voucher, appointment, prescription, receipt, "
                                             "hospital_card, report_code"),
                  std::string::npos)
            << result.error().detail;
    }
    EXPECT_EQ(classifier.acceptedKinds().size(), 7U);
    EXPECT_EQ(payloadKindMessageKey(PayloadKind::health_card), "scan.kind.health_card");
}

TEST(PayloadClassifier, AThreeThousandCharacterCodeIsRefusedBeforeAnyRegexRuns) {
    const PayloadClassifier classifier;
    const std::string longCode(3000, 'A');
    auto result = classifier.classify(longCode, "QRCode");
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().messageKey, "scan.too_long");
    EXPECT_NE(result.error().detail.find("3000 bytes"), std::string::npos) << result.error().detail;
    // Just at the limit is fine (and then unrecognised).
    auto atLimit = classifier.classify(std::string(kDefaultMaxPayloadLength, 'A'), "QRCode");
    ASSERT_FALSE(atLimit.has_value());
    EXPECT_EQ(atLimit.error().messageKey, "scan.unrecognised_accepting");
}

TEST(PayloadClassifier, InvalidUtf8IsRefusedWithItsOffset) {
    const PayloadClassifier classifier;
    const std::string bad[] = {
        std::string("H2024\xFF"
                    "0007"),                   // never valid
        std::string("H2024\xC0\xAF"),          // overlong '/'
        std::string("H2024\xED\xA0\x80"),      // UTF-16 surrogate
        std::string("H2024\xE4\xB8"),          // truncated 3-byte sequence
        std::string("H2024\xF5\x80\x80\x80"),  // beyond U+10FFFF
    };
    for (const auto& text : bad) {
        auto result = classifier.classify(text, "QRCode");
        ASSERT_FALSE(result.has_value());
        EXPECT_EQ(result.error().messageKey, "scan.invalid_text") << result.error().detail;
        EXPECT_NE(result.error().detail.find("at byte 5"), std::string::npos) << result.error().detail;
    }
    EXPECT_FALSE(findInvalidUtf8("一站 H20240007").has_value());
}

TEST(PayloadClassifier, ControlCharactersInsideTheCodeAreRefused) {
    const PayloadClassifier classifier;
    const std::string bad[] = {std::string("H2024\x00"
                                           "0007",
                                           10),
                               "H2024\x1B[2J", "H2024\x7F", "H2024\xC2\x85"};
    for (const auto& text : bad) {
        auto result = classifier.classify(text, "QRCode");
        ASSERT_FALSE(result.has_value());
        EXPECT_EQ(result.error().messageKey, "scan.invalid_text") << result.error().detail;
    }
    auto empty = classifier.classify(" \r\n", "QRCode");
    ASSERT_FALSE(empty.has_value());
    EXPECT_EQ(empty.error().messageKey, "scan.empty");
}

TEST(PayloadClassifier, ASitesTableReplacesTheDefaultsInOrder) {
    test::TempDir dir;
    const auto file = dir.write("scan.toml", R"(
max_payload_length = 64
payloads = [
  { kind = "hospital_card", pattern = "^[0-9]{10}$" },
  { kind = "receipt", pattern = "^[0-9]{8,12}$" },
])");
    auto document = std::make_shared<toml::table>(toml::parse_file(file.string()));
    auto problems = std::make_shared<ConfigProblems>();
    ConfigSection section(document.get(), "devices[0]", problems, dir.path(), document);
    const PayloadClassifier classifier = PayloadClassifier::fromConfig(section);
    section.rejectUnknownKeys();
    ASSERT_TRUE(problems->empty()) << problems->joined();
    EXPECT_EQ(classifier.classify("0012345678", "Code128")->kind, PayloadKind::hospital_card);  // first row wins
    EXPECT_EQ(classifier.classify("00123456", "Code128")->kind, PayloadKind::receipt);
    EXPECT_FALSE(classifier.classify("H20240007", "Code128").has_value());  // defaults replaced
    EXPECT_EQ(classifier.acceptedKindsText(), "hospital_card, receipt");
    EXPECT_EQ(classifier.classify(std::string(80, '1'), "QRCode").error().messageKey, "scan.too_long");
}

TEST(PayloadClassifier, BadRowsInConfigAreReportedWithTheirKey) {
    test::TempDir dir;
    const auto file = dir.write("scan.toml", R"(
payloads = [
  { kind = "library_card", pattern = "^L[0-9]+$" },
  { kind = "receipt", pattern = "^([0-9]+$" },
  { kind = "receipt", pattern = "^R[0-9]+$", colour = "red" },
])");
    auto document = std::make_shared<toml::table>(toml::parse_file(file.string()));
    auto problems = std::make_shared<ConfigProblems>();
    ConfigSection section(document.get(), "devices[2]", problems, dir.path(), document);
    PayloadClassifier::fromConfig(section);
    const std::string text = problems->joined();
    EXPECT_NE(text.find("devices[2].payloads[0].kind"), std::string::npos) << text;
    EXPECT_NE(text.find("unknown payload kind \"library_card\""), std::string::npos) << text;
    EXPECT_NE(text.find("devices[2].payloads[1].pattern"), std::string::npos) << text;
    EXPECT_NE(text.find("devices[2].payloads[2].colour"), std::string::npos) << text;
}

}  // namespace
}  // namespace kiosk::drivers::scanner

namespace kiosk::drivers::scanner {
namespace {

TEST(SimScanner, PostsScansClassifiedLikeARealScanner) {
    auto people = sim::SampleData::load(std::filesystem::path(KIOSK_TEST_ASSETS_DIR) / "sim" / "people.json");
    ASSERT_TRUE(people.has_value());
    sim::SimScanner scanner("scanner", "normal");
    std::vector<CodeScanned> scans;
    ASSERT_TRUE(scanner
                    .start([&](DeviceEvent event) {
                        if (auto* scan = std::get_if<CodeScanned>(&event)) scans.push_back(*scan);
                    })
                    .has_value());
    ASSERT_TRUE(scanner.act("scan", people->people.front().healthCardToken).has_value());
    ASSERT_TRUE(scanner.act("scan", "garbled \x01 code").has_value());
    scanner.stop();
    ASSERT_EQ(scans.size(), 2U);
    EXPECT_EQ(scans[0].kind, "health_card");
    EXPECT_EQ(scans[0].text, people->people.front().healthCardToken);
    ASSERT_TRUE(scans[1].rejected.has_value());
    EXPECT_EQ(scans[1].rejected->messageKey, "scan.invalid_text");
}

}  // namespace
}  // namespace kiosk::drivers::scanner
