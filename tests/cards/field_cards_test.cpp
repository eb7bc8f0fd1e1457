// Issue 19, field cases 1–3 (label: field + cards), without daemons:
//   ssc-name-extension-4e           a long name continues in EF06 record 4E
//   ssc-ef06-records-by-identifier  EF06 records numbered by position
//   idcard-foreigner-permanent-residence  the GA 450 text block's card-type flag
// Recorded sessions of the field cases' own cards (tests/samples/apdu/ssc_field_*.apdu, taken
// from the cards' APDU logs through pcscd) are replayed; the whole kinds (every split of a name,
// every EF06 layout, every card type) run against the project's virtual card and reader
// in-process, through their answer functions (the stack tests run the same through pcscd / a pty).
#include <gtest/gtest.h>

#include <fstream>

#include "drivers/card_reader/pcsc/card_profiles.hpp"
#include "drivers/id_reader/ga450/ga450_protocol.hpp"
#include "sim/devices/virtual_ss_card.hpp"
#include "tests/cards/apdu_sessions.hpp"

namespace kiosk::drivers {
namespace {

// ------------------------------------------------------------ social-security card

/// Talks to a VirtualSocialSecurityCard's answer() directly, doing what the PC/SC transport
/// does with 6C xx (re-issue with Le = xx) and 61 xx (GET RESPONSE), and keeps the commands.
class VirtualCardChannel final : public pcsc::ApduChannel {
public:
    explicit VirtualCardChannel(kiosk::sim::VirtualSocialSecurityCard& card) : card_(card) {}
    Result<pcsc::ApduResponse> exchange(std::span<const uint8_t> command) override {
        commands.push_back(pcsc::toHex(command));
        std::vector<uint8_t> sent(command.begin(), command.end());
        auto raw = card_.answer(sent);
        if (raw.size() == 2 && raw[0] == 0x6C) {
            sent.back() = raw[1];
            raw = card_.answer(sent);
        }
        std::vector<uint8_t> data;
        while (raw.size() >= 2 && raw[raw.size() - 2] == 0x61) {
            data.insert(data.end(), raw.begin(), raw.end() - 2);
            raw = card_.answer(std::vector<uint8_t>{0x00, 0xC0, 0x00, 0x00, raw.back()});
        }
        data.insert(data.end(), raw.begin(), raw.end());
        return transport::parseApduResponse(data);
    }
    std::vector<std::string> commands;

private:
    kiosk::sim::VirtualSocialSecurityCard& card_;
};

sim::SamplePerson holder(std::string name) {
    // The field cases' invented holder: ID number with a valid GB 11643 check digit.
    return sim::SamplePerson{.id = "field", .name = std::move(name), .idNumber = "430102198506075216", .sex = "1",
                             .birthDate = "19850607", .phone = "", .socialSecurityCardNumber = "H43098765",
                             .hospitalCard = "", .healthCardToken = ""};
}

pcsc::CardReadOutcome readVirtual(const sim::SamplePerson& person, kiosk::sim::CardScenario scenario,
                                  std::vector<std::string>* commands = nullptr) {
    kiosk::sim::VirtualSocialSecurityCard card(person, kiosk::sim::VirtualCardOptions{.scenario = scenario});
    VirtualCardChannel channel(card);
    auto outcome = pcsc::readCard(channel, card.atr());
    if (commands) *commands = channel.commands;
    return outcome;
}

bool readsRecord4E(const std::vector<std::string>& commands) {
    return std::any_of(commands.begin(), commands.end(), [](const std::string& c) { return c.rfind("00B24E", 0) == 0; });
}

test::ApduSession session(const std::string& name) {
    auto loaded = test::loadApduSession(std::filesystem::path(KIOSK_APDU_SAMPLES_DIR) / (name + ".apdu"));
    EXPECT_TRUE(loaded.has_value()) << name;
    return loaded.value_or(test::ApduSession{});
}

// Field case 1, its own card: the name is joined from records 09 and 4E.
TEST(FieldSsc, NameExtensionCardOfTheFieldCaseGivesTheWholeName) {
    const auto recorded = session("ssc_field_name_extension_4e");
    test::ReplayChannel channel(recorded);
    const auto outcome = pcsc::readCard(channel, recorded.atr);
    ASSERT_TRUE(outcome.ok()) << outcome.problem->detail;
    EXPECT_TRUE(channel.consumedAll());
    EXPECT_EQ(outcome.identity.name, "买买提艾力·阿不都热合曼·艾尔肯江");
    EXPECT_EQ(outcome.identity.idNumber, "430102198506075216");
    EXPECT_EQ(outcome.identity.cardNumber, "H43098765");
    EXPECT_EQ(outcome.identity.sex, "1");
    EXPECT_EQ(outcome.identity.birthDate, "19850607");
    EXPECT_EQ(outcome.identity.source, IdentitySource::social_security_card);
    EXPECT_EQ(outcome.identity.region, "430100");  // item 14: EF05 record 01's first 6 characters
    const bool read4E = std::any_of(recorded.exchanges.begin(), recorded.exchanges.end(),
                                    [](const std::string& line) { return line.rfind("> 00B24E", 0) == 0; });
    EXPECT_TRUE(read4E);
}

// Field case 1, control card: no record 4E (6A 83) — the name of record 09, read as before.
TEST(FieldSsc, CardWithoutNameExtensionReadsAsBefore) {
    const auto recorded = session("ssc_field_name_extension_absent");
    test::ReplayChannel channel(recorded);
    const auto outcome = pcsc::readCard(channel, recorded.atr);
    ASSERT_TRUE(outcome.ok()) << outcome.problem->detail;
    EXPECT_TRUE(channel.consumedAll());
    EXPECT_EQ(outcome.identity.name, "欧阳志远");
    EXPECT_EQ(outcome.identity.idNumber, "430102198506075216");
}

// Field case 2, its own cards: EF06 numbered by position, and the control card.
TEST(FieldSsc, Ef06NumberedByPositionIsReadByTag) {
    for (const std::string name : {"ssc_field_ef06_by_identifier", "ssc_field_ef06_normal"}) {
        SCOPED_TRACE(name);
        const auto recorded = session(name);
        test::ReplayChannel channel(recorded);
        const auto outcome = pcsc::readCard(channel, recorded.atr);
        ASSERT_TRUE(outcome.ok()) << outcome.problem->detail;
        EXPECT_TRUE(channel.consumedAll());
        EXPECT_EQ(outcome.identity.name, "欧阳志远");
        EXPECT_EQ(outcome.identity.idNumber, "430102198506075216");
        EXPECT_EQ(outcome.identity.cardNumber, "H43098765");
        EXPECT_EQ(outcome.identity.sex, "1");
        EXPECT_EQ(outcome.identity.birthDate, "19850607");
    }
}

// The whole kind of case 1: every length past record 09 (and splits inside a character, when a
// one-byte character shifts the GBK bytes), up to the 50 bytes 09 + 4E hold.
TEST(FieldSsc, EverySplitOfALongNameIsJoined) {
    const std::vector<std::string> names = {
        "欧阳志远",                                          // 8 bytes: 4E empty
        "买买提艾力·阿不都热合曼·艾尔",                        // 30 bytes: fills 09, 4E empty
        "买买提艾力·阿不都热合曼·艾尔肯",                      // 32 bytes: 2 in 4E
        "买买提艾力·阿不都热合曼·艾尔肯江",                    // 34 bytes: the field case
        "A买买提艾力·阿不都热合曼·艾尔肯江",                   // 35 bytes: 09 ends inside 尔
        "阿卜杜热依木·买买提明·阿卜杜克热木·艾买提·吐逊",  // 50 bytes: 09 and 4E full
        "Ab买买提艾力·阿不都热合曼·艾尔肯江",                  // 36 bytes: split between characters again
    };
    for (const auto& name : names) {
        SCOPED_TRACE(name);
        std::vector<std::string> commands;
        const auto outcome = readVirtual(holder(name), kiosk::sim::CardScenario::normal, &commands);
        ASSERT_TRUE(outcome.ok()) << outcome.problem->detail;
        EXPECT_EQ(outcome.identity.name, name);
        EXPECT_TRUE(readsRecord4E(commands));
    }
    // Without 4E (an older card) a short name is read as before, at one extra command.
    const auto older = readVirtual(holder("欧阳志远"), kiosk::sim::CardScenario::no_name_extension);
    ASSERT_TRUE(older.ok()) << older.problem->detail;
    EXPECT_EQ(older.identity.name, "欧阳志远");
}

// A record 09 that ends inside a character with no extension to complete it is not a name.
TEST(FieldSsc, NameCutInsideACharacterWithoutExtensionIsRefused) {
    const auto outcome = readVirtual(holder("A买买提艾力·阿不都热合曼·艾尔肯江"), kiosk::sim::CardScenario::no_name_extension);
    ASSERT_FALSE(outcome.ok());
    EXPECT_EQ(outcome.problem->messageKey, "card.unreadable");
    EXPECT_NE(outcome.problem->detail.find("ends inside a character"), std::string::npos) << outcome.problem->detail;
}

// The whole kind of case 2: every EF06 layout, whatever its numbering and the ways it can be read.
TEST(FieldSsc, EveryEf06LayoutIsReadByTag) {
    struct Layout {
        kiosk::sim::CardScenario scenario;
        const char* firstEf06Read;  ///< the command that finds record 08
    };
    const Layout layouts[] = {
        {kiosk::sim::CardScenario::normal, "00B2083014"},                          // by identifier
        {kiosk::sim::CardScenario::ef06_by_position, "00B2083014"},                // by identifier
        {kiosk::sim::CardScenario::no_identifier_reads, "00B2083414"},             // by number
        {kiosk::sim::CardScenario::ef06_by_position_no_identifier, "00B2013400"},  // scanning
    };
    const auto person = holder("买买提艾力·阿不都热合曼·艾尔肯江");
    for (const auto& layout : layouts) {
        SCOPED_TRACE(std::string(kiosk::sim::cardScenarioName(layout.scenario)));
        std::vector<std::string> commands;
        const auto outcome = readVirtual(person, layout.scenario, &commands);
        ASSERT_TRUE(outcome.ok()) << outcome.problem->detail;
        EXPECT_EQ(outcome.identity.name, person.name);
        EXPECT_EQ(outcome.identity.idNumber, person.idNumber);
        EXPECT_EQ(outcome.identity.sex, "1");
        EXPECT_EQ(outcome.identity.birthDate, "19850607");
        EXPECT_EQ(outcome.identity.cardNumber, "H43098765");
        EXPECT_EQ(outcome.identity.region, "430102");
        EXPECT_NE(std::find(commands.begin(), commands.end(), layout.firstEf06Read), commands.end());
        // Once the layout is known, one command per record (a scan reads each record once).
        EXPECT_LE(commands.size(), 1U + 3 + 2 + 7 + 1) << commands.size();
    }
}

// A record that truly is not there (by identifier, by number, nor among all records) is named.
TEST(FieldSsc, MissingRequiredRecordIsUnreadableWithEveryWayTried) {
    // The recorded control card with record 0D's answers replaced by 6A 83 everywhere.
    auto recorded = session("ssc_field_ef06_normal");
    std::vector<std::string> exchanges;
    for (size_t i = 0; i + 1 < recorded.exchanges.size(); i += 2) {
        if (recorded.exchanges[i].rfind("> 00B20D", 0) == 0) break;
        exchanges.push_back(recorded.exchanges[i]);
        exchanges.push_back(recorded.exchanges[i + 1]);
    }
    exchanges.insert(exchanges.end(), {"> 00B20D3006", "< 6A83", "> 00B20D3406", "< 6A83"});
    // The scan: record number 1 does not exist on this card (its numbers are its tags).
    exchanges.insert(exchanges.end(), {"> 00B2013400", "< 6A83"});
    recorded.exchanges = exchanges;
    test::ReplayChannel channel(recorded);
    const auto outcome = pcsc::readCard(channel, recorded.atr);
    ASSERT_FALSE(outcome.ok());
    EXPECT_TRUE(channel.mismatch().empty()) << channel.mismatch();
    EXPECT_TRUE(channel.consumedAll());
    EXPECT_EQ(outcome.problem->messageKey, "card.unreadable");
    EXPECT_NE(outcome.problem->detail.find("birth date (SFI 06 record 0D) not found: by identifier: 6A83"),
              std::string::npos)
        << outcome.problem->detail;
}

// ------------------------------------------------------------ ID-card reader (GA 450)

std::vector<uint8_t> fieldCaseText() {
    std::ifstream in(std::filesystem::path(KIOSK_SAMPLES_DIR) / "idcard" / "foreigner_permanent_2017_field_case.txt");
    std::string hex;
    for (std::string line; std::getline(in, line);) {
        if (!line.empty() && line[0] != '#') hex += line;
    }
    return pcsc::fromHex(hex).value_or(std::vector<uint8_t>{});
}

// Field case 3, its own text block: type I decoded with its layout.
TEST(FieldIdCard, ForeignerPermanentResidenceCard2017OfTheFieldCase) {
    const auto block = fieldCaseText();
    ASSERT_EQ(block.size(), ga450::kTextSize);
    auto text = ga450::parseIdCardText(block);
    ASSERT_TRUE(text.has_value()) << text.error().detail;
    EXPECT_EQ(text->type, ga450::IdCardType::foreigner_permanent_2017);
    EXPECT_EQ(text->englishName, "MARTIN, CLAIRE ANNE");
    EXPECT_EQ(text->nationality, "CAN");
    EXPECT_EQ(text->validFrom, "20200601");
    EXPECT_EQ(text->validTo, "20300601");
    EXPECT_EQ(text->cardVersion, "20");
    EXPECT_EQ(text->authority, "3100");
    auto identity = ga450::toIdentity(*text);
    ASSERT_TRUE(identity.has_value()) << identity.error().detail;
    EXPECT_EQ(identity->name, "马克莱");
    EXPECT_EQ(identity->idNumber, "CAN310188031401");
    EXPECT_EQ(identity->sex, "2");
    EXPECT_EQ(identity->birthDate, "19880314");
    EXPECT_EQ(identity->cardNumber, "");
    EXPECT_EQ(identity->source, IdentitySource::foreigner_permanent_residence_card);
    // Encoding the decoded text gives back the field case's bytes: the layout is the same.
    auto encoded = ga450::encodeIdCardText(*text);
    ASSERT_TRUE(encoded.has_value());
    EXPECT_EQ(*encoded, block);
}

ga450::IdCardText card(ga450::IdCardType type) {
    ga450::IdCardText text;
    text.type = type;
    switch (type) {
        case ga450::IdCardType::resident:
            text.name = "王鑫堃";
            text.sex = "1";
            text.ethnicity = "01";
            text.birthDate = "19561120";
            text.address = "湖南省长沙市雨花区示范路2号";
            text.idNumber = "430104195611200313";
            text.authority = "长沙市公安局雨花分局";
            text.validFrom = "20150101";
            text.validTo = "长期";
            break;
        case ga450::IdCardType::hk_macao_taiwan_permit:
            text.name = "陈家明";
            text.sex = "1";
            text.birthDate = "19900101";
            text.address = "广东省深圳市福田区示范路3号";
            text.idNumber = "810000199001010051";  // 810000: Hong Kong; valid GB 11643 check
            text.authority = "深圳市公安局";
            text.validFrom = "20220301";
            text.validTo = "20270301";
            text.passNumber = "H12345678";
            text.issueCount = "01";
            break;
        case ga450::IdCardType::foreigner_permanent_2017:
            text.englishName = "MARTIN, CLAIRE ANNE";
            text.sex = "2";
            text.idNumber = "CAN310188031401";
            text.nationality = "CAN";
            text.validFrom = "20200601";
            text.validTo = "20300601";
            text.birthDate = "19880314";
            text.cardVersion = "20";
            text.authority = "3100";
            break;
        case ga450::IdCardType::foreigner_permanent_2023:
            text.name = "";  // no Chinese name on this card: the English name is used
            text.sex = "1";
            text.renewalCount = "00";
            text.birthDate = "19790922";
            // 46 characters: 35 in the first field, 11 in the second.
            text.englishName = "VAN DER BERG-OKONKWO, MAXIMILIAN ALEXANDER JON";
            text.idNumber = "931124197909220011";
            text.validFrom = "20231201";
            text.validTo = "20331201";
            text.nationality = "NLD";
            break;
    }
    return text;
}

// The whole kind of case 3: every card type the SAM returns, by its flag and its own table.
TEST(FieldIdCard, EveryCardTypeRoundTripsThroughItsOwnLayout) {
    struct Expect {
        ga450::IdCardType type;
        char16_t flag;
        IdentitySource source;
        const char* name;
        const char* number;
    };
    const Expect cases[] = {
        {ga450::IdCardType::resident, u' ', IdentitySource::id_card, "王鑫堃", "430104195611200313"},
        {ga450::IdCardType::hk_macao_taiwan_permit, u'J', IdentitySource::hk_macao_taiwan_residence_permit, "陈家明",
         "810000199001010051"},
        {ga450::IdCardType::foreigner_permanent_2017, u'I', IdentitySource::foreigner_permanent_residence_card,
         "MARTIN, CLAIRE ANNE", "CAN310188031401"},
        {ga450::IdCardType::foreigner_permanent_2023, u'Y', IdentitySource::foreigner_permanent_residence_card,
         "VAN DER BERG-OKONKWO, MAXIMILIAN ALEXANDER JON", "931124197909220011"},
    };
    for (const auto& expected : cases) {
        SCOPED_TRACE(std::string(ga450::idCardTypeName(expected.type)));
        const auto source = card(expected.type);
        auto block = ga450::encodeIdCardText(source);
        ASSERT_TRUE(block.has_value()) << block.error().detail;
        ASSERT_EQ(block->size(), ga450::kTextSize);
        EXPECT_EQ((*block)[ga450::kTypeFlagOffset], static_cast<uint8_t>(expected.flag));
        EXPECT_EQ((*block)[ga450::kTypeFlagOffset + 1], 0x00);
        auto parsed = ga450::parseIdCardText(*block);
        ASSERT_TRUE(parsed.has_value()) << parsed.error().detail;
        EXPECT_EQ(parsed->type, expected.type);
        EXPECT_EQ(parsed->englishName, source.englishName);
        EXPECT_EQ(parsed->passNumber, source.passNumber);
        auto identity = ga450::toIdentity(*parsed);
        ASSERT_TRUE(identity.has_value()) << identity.error().detail;
        EXPECT_EQ(identity->source, expected.source);
        EXPECT_EQ(identity->name, expected.name);
        EXPECT_EQ(identity->idNumber, expected.number);
        EXPECT_EQ(identity->birthDate, source.birthDate);
        EXPECT_EQ(identity->sex, source.sex);
    }
}

// Where the 2023 layout puts what (Johann356/readinfo t_idforeigner2023): byte offsets checked
// on the encoded block, so a table that drifts is caught even if it still round-trips.
TEST(FieldIdCard, Layout2023FieldOffsets) {
    auto block = ga450::encodeIdCardText(card(ga450::IdCardType::foreigner_permanent_2023));
    ASSERT_TRUE(block.has_value());
    auto at = [&](size_t offset) { return static_cast<char>((*block)[offset]); };
    EXPECT_EQ(at(30), '1');           // sex after the 30-byte Chinese name
    EXPECT_EQ(at(36), '1');           // birth date 1979… after renewal count (4 bytes)
    EXPECT_EQ(at(52), 'V');           // English name part 1
    EXPECT_EQ(at(122), '9');          // residence number
    EXPECT_EQ(at(220), 'E');          // English name part 2 starts with character 36 (ALEXANDER's E)
    EXPECT_EQ(at(242), 'N');          // nationality NLD
    EXPECT_EQ(at(248), 'Y');
}

TEST(FieldIdCard, UnknownTypeIsNotSupportedNeverUnreadable) {
    auto block = ga450::encodeIdCardText(card(ga450::IdCardType::resident));
    ASSERT_TRUE(block.has_value());
    for (const char flag : {'Z', 'H', '1'}) {
        (*block)[ga450::kTypeFlagOffset] = static_cast<uint8_t>(flag);
        auto parsed = ga450::parseIdCardText(*block);
        ASSERT_FALSE(parsed.has_value());
        EXPECT_EQ(parsed.error().code, Errc::unsupported);
        EXPECT_EQ(parsed.error().messageKey, "card.type_unsupported");
        EXPECT_NE(parsed.error().detail.find(std::string("'") + flag + "'"), std::string::npos) << parsed.error().detail;
    }
    // Older readers leave the flag's bytes 00 00: a resident card.
    (*block)[ga450::kTypeFlagOffset] = 0x00;
    auto resident = ga450::parseIdCardText(*block);
    ASSERT_TRUE(resident.has_value());
    EXPECT_EQ(resident->type, ga450::IdCardType::resident);
}

TEST(FieldIdCard, NumbersAreCheckedByTheRulesOfTheirCardType) {
    auto permanent2017 = card(ga450::IdCardType::foreigner_permanent_2017);
    permanent2017.idNumber = "CA3310188031401";  // a digit where a letter belongs
    EXPECT_EQ(ga450::toIdentity(permanent2017).error().messageKey, "card.unreadable");
    auto permanent2023 = card(ga450::IdCardType::foreigner_permanent_2023);
    permanent2023.idNumber = "931124197909220016";  // check character wrong
    EXPECT_EQ(ga450::toIdentity(permanent2023).error().messageKey, "card.unreadable");
    auto permit = card(ga450::IdCardType::hk_macao_taiwan_permit);
    permit.birthDate = "19900102";  // differs from the number's
    EXPECT_EQ(ga450::toIdentity(permit).error().messageKey, "card.unreadable");
}

}  // namespace
}  // namespace kiosk::drivers
