// The MIS-POS serial framing and the fixed-width layout on their own (issue 16, label bankcard):
// LRC and frames, every way a frame can be bad, the default UMS layout's widths and encoding,
// answers with every kind of bad content, card masking, and layout config errors.
#include <gtest/gtest.h>

#include <stdexcept>

#include "drivers/pos/mispos/mispos_layout.hpp"
#include "drivers/pos/mispos/mispos_protocol.hpp"
#include "kiosk/core/i18n.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiosk::drivers::pos {
namespace {

MisPosLayout defaultLayout() {
    auto layout = MisPosLayout::loadFile(std::filesystem::path(KIOSK_TEST_ASSETS_DIR) / "pos" / "ums_bankall.toml");
    if (!layout) throw std::runtime_error(layout.error().detail);  // gtest reports it; never use a broken layout
    return *layout;
}

std::vector<uint8_t> bytes(std::initializer_list<int> values) {
    std::vector<uint8_t> out;
    for (int v : values) out.push_back(static_cast<uint8_t>(v));
    return out;
}

/// An approved consume answer in the UMS layout, built field by field as the public layout gives
/// the offsets (result 0-1, bank 2-5, card 6-25, voucher 26-31, amount 32-43, message 44-83,
/// merchant 84-98, terminal 99-106, batch 107-112, date 113-116, time 117-122, reference 123-134,
/// auth 135-140, settle date 141-144, tag 145-147). The message is GBK "交易成功" (BD BB D2 D7
/// B3 C9 B9 A6), as real terminals send it.
std::string sampleAnswer(std::string amount = "000000001500", std::string card = "622848*********0018 ",
                         std::string tag = "417") {
    std::string message = "\xBD\xBB\xD2\xD7\xB3\xC9\xB9\xA6";
    message.append(40 - message.size(), ' ');
    return "00" + std::string("0105") + card + "000012" + amount + message + "898310048990001" + "10000001" + "000003" +
           "1130" + "101520" + "000000000345" + "123456" + "1130" + tag;
}

TEST(MisPosFraming, LrcIsTheXorFromLengthThroughEtx) {
    // STX 00 03 'A' 'B' 'C' ETX LRC: LRC = 00 ^ 03 ^ 41 ^ 42 ^ 43 ^ 03 = 0x40.
    const auto frame = encodeFrame("ABC", LengthEncoding::binary);
    EXPECT_EQ(frame, bytes({0x02, 0x00, 0x03, 'A', 'B', 'C', 0x03, 0x40}));
    EXPECT_EQ(lrc(std::span(frame).subspan(1, frame.size() - 2)), 0x40);
    // BCD length: 59 bytes → 00 59.
    const auto bcd = encodeFrame(std::string(59, '0'), LengthEncoding::bcd);
    EXPECT_EQ(bcd[1], 0x00);
    EXPECT_EQ(bcd[2], 0x59);
    // 300 bytes binary → 01 2C.
    const auto big = encodeFrame(std::string(300, ' '), LengthEncoding::binary);
    EXPECT_EQ(big[1], 0x01);
    EXPECT_EQ(big[2], 0x2C);
}

TEST(MisPosFraming, ScanFindsAFrameAfterNoiseAndAcks) {
    auto buffer = bytes({0x06, 0xFF, 0x15});
    const auto frame = encodeFrame("HELLO", LengthEncoding::binary);
    buffer.insert(buffer.end(), frame.begin(), frame.end());
    const auto scan = scanFrame(buffer, LengthEncoding::binary, 100);
    ASSERT_EQ(scan.status, FrameScan::Status::frame) << scan.detail;
    EXPECT_EQ(scan.data, "HELLO");
    EXPECT_EQ(scan.consumed, buffer.size());
}

TEST(MisPosFraming, EveryPartialFrameNeedsMore) {
    const auto frame = encodeFrame("HELLO", LengthEncoding::bcd);
    for (size_t n = 0; n < frame.size(); ++n) {
        const auto scan = scanFrame(std::span(frame).first(n), LengthEncoding::bcd, 100);
        EXPECT_EQ(scan.status, FrameScan::Status::need_more) << n;
    }
}

TEST(MisPosFraming, BadFramesAreRefusedWithTheReason) {
    auto frame = encodeFrame("HELLO", LengthEncoding::binary);
    auto badLrc = frame;
    badLrc.back() ^= 0x01;
    auto scan = scanFrame(badLrc, LengthEncoding::binary, 100);
    EXPECT_EQ(scan.status, FrameScan::Status::bad_lrc);
    EXPECT_NE(scan.detail.find("LRC"), std::string::npos);
    EXPECT_EQ(scan.consumed, badLrc.size());

    auto noEtx = frame;
    noEtx[noEtx.size() - 2] = 0x04;
    scan = scanFrame(noEtx, LengthEncoding::binary, 100);
    EXPECT_EQ(scan.status, FrameScan::Status::bad_frame);
    EXPECT_NE(scan.detail.find("ETX"), std::string::npos);

    scan = scanFrame(bytes({0x02, 0x0A, 0xBC, 0x00}), LengthEncoding::bcd, 100);  // A, B, C are not BCD digits
    EXPECT_EQ(scan.status, FrameScan::Status::bad_frame);
    EXPECT_NE(scan.detail.find("BCD"), std::string::npos);

    scan = scanFrame(bytes({0x02, 0xFF, 0xFF, 0x00}), LengthEncoding::binary, 4096);  // longer than any answer
    EXPECT_EQ(scan.status, FrameScan::Status::bad_frame);
    EXPECT_EQ(scan.consumed, 1U);  // only the false STX is dropped: a real frame may follow

    scan = scanFrame(bytes({0x02, 0x00, 0x00, 0x03, 0x03}), LengthEncoding::binary, 100);
    EXPECT_EQ(scan.status, FrameScan::Status::bad_frame);  // empty data
}

TEST(MisPosLayout, TheDefaultUmsLayoutHasThePublishedWidths) {
    const MisPosLayout layout = defaultLayout();
    EXPECT_EQ(layout.name(), "ums_bankall");
    EXPECT_EQ(layout.requestWidth(), 59U);  // 8 + 8 + 2 + 12 + 8 + 12 + 6 + 3
    EXPECT_EQ(layout.answerWidth(), 148U);  // offsets 0…147
    EXPECT_EQ(layout.typeCode(PosOperation::consume), "00");
    EXPECT_EQ(layout.typeCode(PosOperation::void_sale), "01");
    EXPECT_EQ(layout.typeCode(PosOperation::refund), "02");
    EXPECT_EQ(layout.typeCode(PosOperation::query_last), "04");
    EXPECT_EQ(layout.typeCode(PosOperation::sign_in), "05");
    EXPECT_EQ(layout.typeCode(PosOperation::settlement), "06");
    EXPECT_TRUE(layout.hasTag());
    EXPECT_EQ(layout.lengthEncoding(), LengthEncoding::binary);
}

TEST(MisPosLayout, RequestsArePaddedPerField) {
    const MisPosLayout layout = defaultLayout();
    PosRequest consume;
    consume.amountFen = 1500;
    consume.tag = "417";
    auto encoded = layout.encodeRequest(consume, {"KIOSK001", "0001"});
    ASSERT_TRUE(encoded) << encoded.error().detail;
    EXPECT_EQ(*encoded,
              "KIOSK001"
              "0001    "
              "00"
              "000000001500"
              "        "
              "            "
              "      "
              "417");

    PosRequest refund;
    refund.operation = PosOperation::refund;
    refund.amountFen = 1;
    refund.originalDate = "1130";
    refund.originalReference = "000000000345";
    refund.tag = "7";
    encoded = layout.encodeRequest(refund, {"K1", "9"});
    ASSERT_TRUE(encoded);
    EXPECT_EQ(*encoded,
              "K1      "
              "9       "
              "02"
              "000000000001"
              "1130    "
              "000000000345"
              "      "
              "007");

    PosRequest tooMuch;
    tooMuch.amountFen = 1'000'000'000'000;  // 13 digits: never truncated to 12
    auto refused = layout.encodeRequest(tooMuch, {"K1", "9"});
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, Errc::invalid_argument);
    EXPECT_EQ(refused.error().messageKey, "pos.bad_amount");
    PosRequest negative;
    negative.amountFen = -5;
    EXPECT_EQ(layout.encodeRequest(negative, {"K1", "9"}).error().messageKey, "pos.bad_amount");
    EXPECT_FALSE(layout.encodeRequest(consume, {"KIOSK-0001", "9"}));  // POS id wider than 8
}

TEST(MisPosLayout, AnApprovedAnswerIsReadFieldByField) {
    const MisPosLayout layout = defaultLayout();
    const std::string raw = sampleAnswer();
    ASSERT_EQ(raw.size(), 148U);
    auto answer = layout.decodeAnswer(raw, PosOperation::consume);
    ASSERT_TRUE(answer) << answer.error().detail;
    EXPECT_EQ(answer->resultCode, "00");
    EXPECT_EQ(answer->resultClass, ResultClass::approved);
    EXPECT_EQ(answer->messageKey, "pos.approved");
    EXPECT_EQ(answer->bankCode, "0105");
    EXPECT_EQ(answer->maskedPan, "622848*********0018");
    EXPECT_EQ(answer->voucher, "000012");
    EXPECT_EQ(answer->amountFen, 1500);
    EXPECT_EQ(answer->merchantId, "898310048990001");
    EXPECT_EQ(answer->terminalId, "10000001");
    EXPECT_EQ(answer->batch, "000003");
    EXPECT_EQ(answer->date, "1130");
    EXPECT_EQ(answer->time, "101520");
    EXPECT_EQ(answer->reference, "000000000345");
    EXPECT_EQ(answer->authCode, "123456");
    EXPECT_EQ(answer->tag, "417");
}

TEST(MisPosLayout, EveryBadAnswerIsRefusedWithTheField) {
    const MisPosLayout layout = defaultLayout();
    const std::string good = sampleAnswer();
    auto shortAnswer = layout.decodeAnswer(good.substr(0, 147), PosOperation::consume);
    ASSERT_FALSE(shortAnswer);
    EXPECT_EQ(shortAnswer.error().code, Errc::invalid_answer);
    EXPECT_NE(shortAnswer.error().detail.find("147 bytes"), std::string::npos) << shortAnswer.error().detail;
    EXPECT_NE(shortAnswer.error().detail.find("wrong length"), std::string::npos);
    EXPECT_FALSE(layout.decodeAnswer(good + " ", PosOperation::consume));

    auto letters = layout.decodeAnswer(sampleAnswer("000000001O00"), PosOperation::consume);
    ASSERT_FALSE(letters);
    EXPECT_NE(letters.error().detail.find("amount \"000000001O00\" is not numeric"), std::string::npos)
        << letters.error().detail;
    auto halfBlank = layout.decodeAnswer(sampleAnswer("      001500"), PosOperation::consume);
    EXPECT_FALSE(halfBlank);  // blanks and digits mixed: not a number

    std::string noReference = good;
    noReference.replace(123, 12, std::string(12, ' '));
    auto missing = layout.decodeAnswer(noReference, PosOperation::consume);
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().detail.find("without a reference"), std::string::npos) << missing.error().detail;
    // A sign-in answer carries no reference: fine.
    EXPECT_TRUE(layout.decodeAnswer(noReference, PosOperation::sign_in));

    std::string unknownCode = good;
    unknownCode.replace(0, 2, "Q9");
    auto unknown = layout.decodeAnswer(unknownCode, PosOperation::consume);
    ASSERT_TRUE(unknown);  // decoded; the driver turns an unknown class into an unknown outcome
    EXPECT_EQ(unknown->resultClass, ResultClass::unknown);
}

TEST(MisPosLayout, AFullCardNumberIsMaskedAtOnce) {
    const MisPosLayout layout = defaultLayout();
    auto answer = layout.decodeAnswer(sampleAnswer("000000001500", "6228480402564890018 "), PosOperation::consume);
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->maskedPan, "622848*********0018");
    EXPECT_EQ(maskPan("4000123412341234"), "400012******1234");
    EXPECT_EQ(maskPan("62284804 0256 4890 018"), "622848** **** ***0 018");  // separators kept, digits counted
    EXPECT_EQ(maskPan("1234567"), "***4567");
    EXPECT_TRUE(looksUnmasked("x6228480402564890018"));
    EXPECT_FALSE(looksUnmasked("622848*********0018"));
    // The raw answer as logged: the card field masked, the rest (amount, reference…) as is.
    const std::string logged = defaultLayout().maskedForLog(sampleAnswer("000000001500", "6228480402564890018 "));
    EXPECT_EQ(logged.find("6228480402564890018"), std::string::npos) << logged;
    EXPECT_NE(logged.find("622848*********0018"), std::string::npos) << logged;
    EXPECT_NE(logged.find("000000001500"), std::string::npos) << logged;
    EXPECT_EQ(defaultLayout().maskedForLog("00010562284804025648"), "000105622848****5648");  // cut short: still masked
}

TEST(MisPosLayout, ConfigProblemsAreAllNamed) {
    test::TempDir dir;
    const auto file = dir.write("bad.toml", R"(
name = "broken"
request = [
  { name = "type", width = 2 },
  { name = "amount", width = 12, kind = "digits" },
  { name = "amount", width = 12 },
  { name = "colour", width = 3 },
  { name = "tag", width = 3 },
]
answer = [
  { name = "result_code", width = 2 },
  { name = "amount", width = 0 },
]
results = [
  { code = "00", class = "fine", key = "pos.approved" },
]
[framing]
length = "ebcdic"
[types]
consume = "00"
void_sale = "00"
refund = "020"
query_last = "04"
sign_in = "05"
)");
    auto layout = MisPosLayout::loadFile(file);
    ASSERT_FALSE(layout);
    const std::string& detail = layout.error().detail;
    for (const char* expected : {"framing.length", "types.void_sale", "used by two", "types.settlement", "types.refund",
                                 "listed twice", "unknown field \"colour\"", "card_no", "voucher", "reference",
                                 "answer[1].width", "must echo it", "results[0].class", "approved"}) {
        EXPECT_NE(detail.find(expected), std::string::npos) << expected << "\n" << detail;
    }
}

TEST(MisPosLayout, AVariantLayoutIsOnlyConfiguration) {
    // An acquirer whose request has no operator and a 10-digit amount, BCD lengths, and other codes.
    test::TempDir dir;
    const auto file = dir.write("variant.toml", R"(
name = "variant"
request = [
  { name = "type", width = 1 },
  { name = "amount", width = 10, kind = "digits" },
  { name = "reserved1", width = 4 },
]
answer = [
  { name = "result_code", width = 2 },
  { name = "amount", width = 10, kind = "digits" },
  { name = "card_no", width = 19 },
  { name = "voucher", width = 6, kind = "digits" },
  { name = "reference", width = 12 },
]
results = [ { code = "AA", class = "approved", key = "pos.approved" } ]
[framing]
length = "bcd"
[types]
consume = "C"
void_sale = "V"
refund = "R"
query_last = "Q"
sign_in = "S"
settlement = "T"
)");
    auto layout = MisPosLayout::loadFile(file);
    ASSERT_TRUE(layout) << layout.error().detail;
    PosRequest request;
    request.amountFen = 99;
    EXPECT_EQ(*layout->encodeRequest(request, {}), "C0000000099    ");
    auto answer = layout->decodeAnswer("AA0000000099622848*********0018000001REF000000001", PosOperation::consume);
    ASSERT_TRUE(answer) << answer.error().detail;
    EXPECT_EQ(answer->resultClass, ResultClass::approved);
    EXPECT_EQ(answer->amountFen, 99);
    EXPECT_FALSE(layout->hasTag());
}

TEST(MisPosLayout, EveryPatientMessageExistsInBothLanguages) {
    // The keys of the default result table and the driver's own (pos_terminal.hpp, mispos_layout).
    auto catalog = kiosk::Catalog::load(std::filesystem::path(KIOSK_TEST_ASSETS_DIR) / "lang");
    ASSERT_TRUE(catalog) << catalog.error().detail;
    std::vector<std::string> keys = {"pos.outcome_unknown", "pos.unavailable", "pos.bad_answer",
                                     "pos.bad_amount",      "pos.bad_request", "pos.not_signed_in"};
    const MisPosLayout layout = defaultLayout();
    for (const char* code :
         {"00", "51", "55", "75", "54", "14", "41", "43", "05", "12", "25", "61", "91", "77", "TO", "QX", "96", "98"}) {
        const ResultCodeSpec* row = layout.result(code);
        ASSERT_NE(row, nullptr) << code;
        keys.push_back(row->messageKey);
    }
    for (const auto& key : keys) {
        for (const char* language : {"zh_CN", "en_US"}) {
            EXPECT_NE(catalog->find(language, key), nullptr) << language << " lacks " << key;
        }
    }
}

}  // namespace
}  // namespace kiosk::drivers::pos
