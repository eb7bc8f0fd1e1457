// Issue 19, field cases 1–3 and item 14 (label: field + cards) on the real stacks, through
// `kiosk card read` / `kiosk idcard read` in-process: pcscd + vsmartcard-vpcd + the project's
// virtual social-security card (tests/cards/pcscd_fixture.hpp), and a pty with the project's
// virtual GA 450 reader. The cards carry the field cases' invented holders.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>

#include "drivers/card_reader/pcsc/pcsc_protocol.hpp"
#include "sim/devices/virtual_id_reader.hpp"
#include "sim/devices/virtual_ss_card.hpp"
#include "tests/cards/cli_run.hpp"
#include "tests/cards/pcscd_fixture.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiosk {
namespace {

using nlohmann::json;

constexpr const char* kPcscDevice = R"(
[[devices]]
name = "card"
class = "card_reader"
driver = "pcsc"
reader = "Virtual PCD 00 00"
read_timeout_ms = 3000
)";

constexpr const char* kIdReaderDevice = R"(
[[devices]]
name = "idcard"
class = "id_reader"
driver = "ga450"
port = "ttyIdReader"
poll_interval_ms = 50
)";

drivers::sim::SamplePerson holder(std::string name) {
    return drivers::sim::SamplePerson{.id = "field", .name = std::move(name), .idNumber = "430102198506075216",
                                      .sex = "1", .birthDate = "19850607", .phone = "",
                                      .socialSecurityCardNumber = "H43098765", .hospitalCard = "", .healthCardToken = ""};
}

class FieldSscStack : public ::testing::Test {
protected:
    void SetUp() override {
        const std::string problem = daemon_.start();
        ASSERT_TRUE(problem.empty()) << problem;
        config_ = dir_.write("kiosk.toml", test::cardCliConfigText("diagnostics", kPcscDevice));
    }
    /// Inserts a card, reads it with `kiosk card read --unmasked`, removes it.
    json read(const drivers::sim::SamplePerson& person, sim::CardScenario scenario, int expectedExit = 0) {
        sim::VirtualSocialSecurityCard card(person, sim::VirtualCardOptions{.port = daemon_.vpcdPort(), .scenario = scenario});
        EXPECT_TRUE(card.insert().has_value());
        const auto result = test::runCliCaptured({"kiosk", "card", "read", "--config", config_.string(), "--timeout", "10", "--unmasked"});
        EXPECT_EQ(result.exitCode, expectedExit) << result.out;
        card.remove();
        return json::parse(result.out, nullptr, false);
    }

    test::PcscDaemon daemon_;
    test::TempDir dir_;
    std::filesystem::path config_;
};

// Field case 1's right value on the stack; item 14: the region is part of the identity.
TEST_F(FieldSscStack, LongNameIsReadInFullWithItsRegion) {
    const auto out = read(holder("买买提艾力·阿不都热合曼·艾尔肯江"), sim::CardScenario::normal);
    EXPECT_EQ(out["ok"], true);
    const auto& identity = out["identity"];
    EXPECT_EQ(identity["name"], "买买提艾力·阿不都热合曼·艾尔肯江");
    EXPECT_EQ(identity["id_number"], "430102198506075216");
    EXPECT_EQ(identity["card_number"], "H43098765");
    EXPECT_EQ(identity["sex"], "1");
    EXPECT_EQ(identity["birth_date"], "19850607");
    EXPECT_EQ(identity["source"], "social_security_card");
    EXPECT_EQ(identity["region"], "430102");
    EXPECT_EQ(out["status_words"].size(), 10U);  // SELECT, 3 × EF05, 08 09 4E 0A 0B 0D
}

// Field case 1's control: an older card without record 4E.
TEST_F(FieldSscStack, CardWithoutNameExtensionReadsAsBefore) {
    const auto out = read(holder("欧阳志远"), sim::CardScenario::no_name_extension);
    EXPECT_EQ(out["ok"], true);
    EXPECT_EQ(out["identity"]["name"], "欧阳志远");
    EXPECT_EQ(out["identity"]["id_number"], "430102198506075216");
    // The 4E read answered 6A 83 (by identifier, a way this card has proven): not an error.
    EXPECT_EQ(out["status_words"][6], "6A83");
}

// Field case 2's right value on the stack, and its whole kind: every EF06 numbering.
TEST_F(FieldSscStack, EveryEf06LayoutGivesTheSameIdentity) {
    for (const auto scenario : {sim::CardScenario::ef06_by_position, sim::CardScenario::ef06_by_position_no_identifier,
                                sim::CardScenario::no_identifier_reads, sim::CardScenario::normal}) {
        SCOPED_TRACE(std::string(sim::cardScenarioName(scenario)));
        const auto out = read(holder("欧阳志远"), scenario);
        EXPECT_EQ(out["ok"], true);
        const auto& identity = out["identity"];
        EXPECT_EQ(identity["name"], "欧阳志远");
        EXPECT_EQ(identity["id_number"], "430102198506075216");
        EXPECT_EQ(identity["card_number"], "H43098765");
        EXPECT_EQ(identity["sex"], "1");
        EXPECT_EQ(identity["birth_date"], "19850607");
        EXPECT_EQ(identity["source"], "social_security_card");
    }
}

// ------------------------------------------------------------ ID-card reader over a pty

class FieldIdCardStack : public ::testing::Test {
protected:
    void SetUp() override {
        auto created = sim::VirtualIdReader::create(sim::IdReaderScenario::valid_card, dir_.path() / "ttyIdReader");
        ASSERT_TRUE(created.has_value()) << created.error().detail;
        reader_ = std::move(*created);
        config_ = dir_.write("kiosk.toml", test::cardCliConfigText("diagnostics", kIdReaderDevice));
    }
    json read(int expectedExit) {
        const auto result = test::runCliCaptured({"kiosk", "idcard", "read", "--config", config_.string(), "--timeout", "10", "--unmasked"});
        EXPECT_EQ(result.exitCode, expectedExit) << result.out;
        return json::parse(result.out, nullptr, false);
    }

    test::TempDir dir_;
    std::unique_ptr<sim::VirtualIdReader> reader_;
    std::filesystem::path config_;
};

std::vector<uint8_t> fieldCaseText() {
    std::ifstream in(std::filesystem::path(KIOSK_SAMPLES_DIR) / "idcard" / "foreigner_permanent_2017_field_case.txt");
    std::string hex;
    for (std::string line; std::getline(in, line);) {
        if (!line.empty() && line[0] != '#') hex += line;
    }
    return drivers::pcsc::fromHex(hex).value_or(std::vector<uint8_t>{});
}

// Field case 3's right value on the stack: the field case's own text block.
TEST_F(FieldIdCardStack, ForeignerPermanentResidenceCard2017) {
    reader_->placeText(fieldCaseText());
    const auto out = read(0);
    EXPECT_EQ(out["ok"], true);
    const auto& identity = out["identity"];
    EXPECT_EQ(identity["name"], "马克莱");
    EXPECT_EQ(identity["id_number"], "CAN310188031401");
    EXPECT_EQ(identity["sex"], "2");
    EXPECT_EQ(identity["birth_date"], "19880314");
    EXPECT_EQ(identity["card_number"], "");
    EXPECT_EQ(identity["source"], "foreigner_permanent_residence_card");
}

// The whole kind: the other layouts the SAM returns, each by its flag.
TEST_F(FieldIdCardStack, ResidencePermitAndTheNewPermanentResidenceCard) {
    drivers::ga450::IdCardText permit;
    permit.type = drivers::ga450::IdCardType::hk_macao_taiwan_permit;
    permit.name = "陈家明";
    permit.sex = "1";
    permit.birthDate = "19900101";
    permit.address = "广东省深圳市福田区示范路3号";
    permit.idNumber = "810000199001010051";
    permit.authority = "深圳市公安局";
    permit.validFrom = "20220301";
    permit.validTo = "20270301";
    permit.passNumber = "H12345678";
    permit.issueCount = "01";
    ASSERT_TRUE(reader_->placeCard(permit).has_value());
    auto out = read(0);
    EXPECT_EQ(out["identity"]["source"], "hk_macao_taiwan_residence_permit");
    EXPECT_EQ(out["identity"]["name"], "陈家明");
    EXPECT_EQ(out["identity"]["id_number"], "810000199001010051");
    reader_->lift();

    drivers::ga450::IdCardText permanent;
    permanent.type = drivers::ga450::IdCardType::foreigner_permanent_2023;
    permanent.name = "马丁";
    permanent.sex = "1";
    permanent.renewalCount = "00";
    permanent.birthDate = "19790922";
    permanent.englishName = "VAN DER BERG-OKONKWO, MAXIMILIAN ALEXANDER JON";
    permanent.idNumber = "931124197909220011";
    permanent.validFrom = "20231201";
    permanent.validTo = "20331201";
    permanent.nationality = "NLD";
    ASSERT_TRUE(reader_->placeCard(permanent).has_value());
    out = read(0);
    EXPECT_EQ(out["identity"]["source"], "foreigner_permanent_residence_card");
    EXPECT_EQ(out["identity"]["name"], "马丁");
    EXPECT_EQ(out["identity"]["id_number"], "931124197909220011");
    EXPECT_EQ(out["identity"]["birth_date"], "19790922");
}

// An unknown type: "not supported here", never "unreadable"; the partial identity names the
// ID-card reader's card, not a social-security card.
TEST_F(FieldIdCardStack, UnknownCardTypeIsNotSupportedHere) {
    auto block = fieldCaseText();
    ASSERT_EQ(block.size(), 256U);
    block[248] = 'Q';
    reader_->placeText(block);
    const auto out = read(1);
    EXPECT_EQ(out["ok"], false);
    EXPECT_EQ(out["error"], "unsupported");
    EXPECT_EQ(out["message_key"], "card.type_unsupported");
    EXPECT_EQ(out["partial_identity"]["source"], "id_card");
}

// A failed read of a recognised type names that type as its source.
TEST_F(FieldIdCardStack, FailedReadNamesTheCardTypeItRead) {
    auto block = fieldCaseText();
    // Residence number "CAN3…" → "C4N3…": not 3 letters and 12 digits (number at bytes 122–151).
    block[122 + 2] = '4';
    reader_->placeText(block);
    const auto out = read(1);
    EXPECT_EQ(out["message_key"], "card.unreadable");
    EXPECT_EQ(out["partial_identity"]["source"], "foreigner_permanent_residence_card");
}

}  // namespace
}  // namespace kiosk
