// ESC/POS encoding and status parsing on bytes (pure functions), plus the templates' masking
// and the language files' coverage of every key the templates use.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>

#include "drivers/printer/escpos/escpos_protocol.hpp"
#include "printing_support.hpp"

namespace kiosk::drivers::escpos {
namespace {

using printing::Document;

bool contains(const std::vector<uint8_t>& haystack, std::initializer_list<uint8_t> needle) {
    const std::vector<uint8_t> n(needle);
    return std::search(haystack.begin(), haystack.end(), n.begin(), n.end()) != haystack.end();
}

const EscposModel& model80() { return *findEscposModel("generic-80"); }
const EscposModel& model58() { return *findEscposModel("generic-58"); }

TEST(EscposProtocol, ModelTableHasBothPaperWidths) {
    EXPECT_EQ(model80().dotsPerLine, 576);
    EXPECT_EQ(model58().dotsPerLine, 384);
    EXPECT_TRUE(model80().nativeQr);
    EXPECT_FALSE(model58().cutter);
    EXPECT_EQ(findEscposModel("no-such-model"), nullptr);
}

TEST(EscposProtocol, ChineseTextIsGb18030InChineseMode) {
    Document document;
    document.text("缴费", printing::Align::center, 2, true);
    auto job = encodeDocument(document, model80());
    ASSERT_TRUE(job.has_value());
    // ESC @, FS &, ESC a 1, ESC E 1, GS ! 0x11, then 缴 = BD C9, 费 = B7 D1 in GB18030.
    EXPECT_TRUE(contains(job->bytes, {0x1B, 0x40, 0x1C, 0x26}));
    EXPECT_TRUE(contains(job->bytes, {0x1B, 0x61, 0x01, 0x1B, 0x45, 0x01, 0x1D, 0x21, 0x11}));
    EXPECT_TRUE(contains(job->bytes, {0xBD, 0xC9, 0xB7, 0xD1, 0x0A}));
    EXPECT_EQ(job->replacedCharacters, 0);
}

TEST(EscposProtocol, CharactersOutsideThePrinterSetAreDrawnNotQuestionMarks) {
    // An emoji is a 4-byte GB18030 sequence (not in printer fonts) and invalid UTF-8 has no code
    // at all: the line is sent as a raster image (field case escpos-gbk-lookalikes, more in
    // escpos_charset_test.cpp).
    Document document;
    document.text(std::string("A\xF0\x9F\x98\x80") + "B\xFF" + "C");
    auto job = encodeDocument(document, model80());
    ASSERT_TRUE(job.has_value());
    EXPECT_EQ(job->replacedCharacters, 0);
    EXPECT_EQ(job->rasterLines, 1);
    EXPECT_FALSE(contains(job->bytes, {'A', '?', 'B'}));
    EXPECT_TRUE(contains(job->bytes, {0x1D, 0x76, 0x30, 0x00}));
    EXPECT_FALSE(job->warnings.empty());
}

TEST(EscposProtocol, OverLongLinesWrapToThePaperWidth) {
    Document document;
    document.text(std::string(100, 'x'));
    auto job = encodeDocument(document, model58());  // 32 columns
    ASSERT_TRUE(job.has_value());
    EXPECT_EQ(job->wrappedLines, 1);
    EXPECT_EQ(std::count(job->bytes.begin(), job->bytes.end(), 0x0A), 4);  // 32+32+32+4
    Document chinese;
    std::string drugs;
    for (int i = 0; i < 20; ++i) drugs += "药";
    chinese.text(drugs);
    auto wrapped = encodeDocument(chinese, model58());  // 20 wide characters = 40 columns > 32
    ASSERT_TRUE(wrapped.has_value());
    EXPECT_EQ(wrapped->wrappedLines, 1);
}

TEST(EscposProtocol, NativeQrOn80mmAndRasterOn58mm) {
    Document document;
    document.qr("https://his.example/q/1");
    auto native = encodeDocument(document, model80());
    ASSERT_TRUE(native.has_value());
    // GS ( k model 2, module size 6, level M, store (23 + 3 bytes), print.
    EXPECT_TRUE(contains(native->bytes, {0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00}));
    EXPECT_TRUE(contains(native->bytes, {0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x43, 0x06}));
    EXPECT_TRUE(contains(native->bytes, {0x1D, 0x28, 0x6B, 26, 0x00, 0x31, 0x50, 0x30, 'h', 't', 't', 'p'}));
    EXPECT_TRUE(contains(native->bytes, {0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30}));
    auto raster = encodeDocument(document, model58());
    ASSERT_TRUE(raster.has_value());
    EXPECT_FALSE(contains(raster->bytes, {0x1D, 0x28, 0x6B}));
    EXPECT_TRUE(contains(raster->bytes, {0x1D, 0x76, 0x30, 0x00}));
    EXPECT_GT(raster->bytes.size(), native->bytes.size() * 5);
}

TEST(EscposProtocol, Code128UsesCodeSetBWithEscapedBraces) {
    Document document;
    document.blocks.emplace_back(printing::Barcode128{"AB{1"});
    auto job = encodeDocument(document, model80());
    ASSERT_TRUE(job.has_value());
    EXPECT_TRUE(contains(job->bytes, {0x1D, 0x6B, 73, 7, '{', 'B', 'A', 'B', '{', '{', '1'}));
}

TEST(EscposProtocol, RasterImageTooWideIsScaledToThePaper) {
    Document document;
    printing::Image image{1000, 10, std::vector<uint8_t>(10000, 1)};
    document.blocks.emplace_back(image);
    auto job = encodeDocument(document, model58());
    ASSERT_TRUE(job.has_value());
    EXPECT_EQ(job->scaledImages, 1);
    // 384 dots = 48 bytes per row; 1000x10 scaled by 0.384 → 3 rows.
    EXPECT_TRUE(contains(job->bytes, {0x1D, 0x76, 0x30, 0x00, 48, 0x00, 3, 0x00}));
    Document broken;
    broken.blocks.emplace_back(printing::Image{10, 10, std::vector<uint8_t>(5, 1)});
    auto refused = encodeDocument(broken, model58());
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().messageKey, "print.error.bad_document");
}

TEST(EscposProtocol, EmptyQrIsRefusedWithAPatientMessage) {
    Document document;
    document.qr("");
    auto job = encodeDocument(document, model80());
    ASSERT_FALSE(job.has_value());
    EXPECT_EQ(job.error().messageKey, "print.error.bad_document");
}

TEST(EscposProtocol, CutOnlyWhereThereIsACutter) {
    Document document;
    document.cut();
    EXPECT_TRUE(contains(encodeDocument(document, model80())->bytes, {0x1B, 0x64, 0x04, 0x1D, 0x56, 0x01}));
    EXPECT_FALSE(contains(encodeDocument(document, model58())->bytes, {0x1D, 0x56}));
}

TEST(EscposProtocol, StatusBytesDecode) {
    // Ready: every byte only has the fixed bits.
    auto ready = parseStatus(0x12, 0x12, 0x12, 0x12);
    ASSERT_TRUE(ready.has_value());
    EXPECT_EQ(toDeviceState(*ready).status, DeviceStatus::online);
    EXPECT_EQ(toDeviceState(*ready).paper, PaperState::ok);
    // Near end: n=4 bits 2,3.
    auto nearEnd = toDeviceState(*parseStatus(0x12, 0x12, 0x12, 0x1E));
    EXPECT_EQ(nearEnd.paper, PaperState::low);
    EXPECT_TRUE(canPrint(nearEnd));
    // Paper out: offline (n=1 bit3), stopped by paper end (n=2 bit5), roll end (n=4 bits 5,6).
    auto out = toDeviceState(*parseStatus(0x1A, 0x32, 0x12, 0x72));
    EXPECT_EQ(out.paper, PaperState::out);
    EXPECT_EQ(out.status, DeviceStatus::user_error);
    EXPECT_EQ(patientMessageKey(out), "print.error.paper_out");
    // Cover open: n=2 bit2.
    auto cover = toDeviceState(*parseStatus(0x1A, 0x16, 0x12, 0x12));
    EXPECT_TRUE(cover.coverOpen);
    EXPECT_FALSE(canPrint(cover));
    // Cutter error: n=3 bit3.
    auto cutter = toDeviceState(*parseStatus(0x1A, 0x52, 0x1A, 0x12));
    EXPECT_EQ(cutter.status, DeviceStatus::hardware_error);
    EXPECT_EQ(patientMessageKey(cutter), "print.error.cutter");
    // Offline without a cause.
    EXPECT_EQ(toDeviceState(*parseStatus(0x1A, 0x12, 0x12, 0x12)).status, DeviceStatus::offline);
}

TEST(EscposProtocol, GarbageIsNotAStatus) {
    auto garbage = parseStatus(0xFF, 0x12, 0x12, 0x12);
    ASSERT_FALSE(garbage.has_value());
    EXPECT_EQ(garbage.error().code, Errc::invalid_data);
    EXPECT_FALSE(isStatusByte(0x00));
    EXPECT_TRUE(isStatusByte(0x12));
}

// Golden bytes (tests/samples/escpos/): any change to the encoder's output shows up here.
// Regenerate deliberately with KIOSK_UPDATE_GOLDENS=1 and review the diff.
TEST(EscposProtocol, GoldenReceiptAndSlipBytes) {
    Translator zh(test::printingCatalog(), "zh_CN");
    const std::pair<std::string, std::vector<uint8_t>> cases[] = {
        {"payment_receipt_80mm.escpos", encodeDocument(printing::paymentReceipt(zh, test::sampleReceipt()), model80())->bytes},
        {"registration_slip_58mm.escpos", encodeDocument(printing::registrationSlip(zh, test::sampleSlip()), model58())->bytes},
    };
    const std::filesystem::path dir = std::filesystem::path(KIOSK_TEST_SAMPLES_DIR) / "escpos";
    for (const auto& [name, bytes] : cases) {
        if (std::getenv("KIOSK_UPDATE_GOLDENS") != nullptr) {
            std::filesystem::create_directories(dir);
            std::ofstream(dir / name, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
        }
        std::ifstream in(dir / name, std::ios::binary);
        ASSERT_TRUE(in.good()) << dir / name;
        const std::vector<uint8_t> golden((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        EXPECT_EQ(bytes, golden) << name;
    }
}

TEST(PrintingTemplates, PersonalDataIsMaskedAndTextComesFromTheLanguageFiles) {
    Translator zh(test::printingCatalog(), "zh_CN");
    auto document = printing::paymentReceipt(zh, test::sampleReceipt());
    std::string all;
    for (const auto& line : printing::plainText(document)) all += line + "\n";
    EXPECT_EQ(all.find("张三丰"), std::string::npos);
    EXPECT_NE(all.find("张*丰"), std::string::npos);
    EXPECT_EQ(all.find("6222021234567890123"), std::string::npos);
    EXPECT_NE(all.find("门诊缴费凭条"), std::string::npos);
    EXPECT_EQ(all.find("print."), std::string::npos) << "a key was not translated:\n" << all;

    Translator en(test::printingCatalog(), "en_US");
    const printing::SlipHeader header = test::sampleHeader("X-1");
    const std::vector<Document> documents = {
        printing::paymentReceipt(en, test::sampleReceipt()),
        printing::registrationSlip(en, test::sampleSlip()),
        printing::checkInTicket(en, {header, "王五", "内科", "3诊室", "B007", 4}),
        printing::pickupSlip(en, {header, "赵六", "5", "RX778899", {{"阿莫西林胶囊", "2盒"}}, "A023", 0, false}),
        printing::unresolvedPaymentVoucher(en, {header, "钱七", "KT2026112300099", "35.00"}),
        printing::testPage(en, {header, "receipt", "generic-80"}),
        printing::refundNotice(en, {header, "钱七", "KT-20261123-1015000099", "KT-20261123-1015000099R", "35.00",
                                    "Alipay", true}),
    };
    for (const auto& each : documents) {
        for (const auto& line : printing::plainText(each)) EXPECT_EQ(line.find("print."), std::string::npos) << each.kind << ": " << line;
        EXPECT_TRUE(std::holds_alternative<printing::Cut>(each.blocks.back())) << each.kind;
    }
    auto voucher = printing::plainText(documents[4]);
    EXPECT_NE(std::find(voucher.begin(), voucher.end(), "[CODE128 KT2026112300099]"), voucher.end());
    std::string refund;
    for (const auto& line : printing::plainText(documents[6])) refund += line + "\n";
    EXPECT_NE(refund.find("Refunded: 35.00 CNY"), std::string::npos) << refund;
    EXPECT_NE(refund.find("Returned to: Alipay"), std::string::npos) << refund;
    EXPECT_NE(refund.find("KT-20261123-1015000099R"), std::string::npos) << refund;
    EXPECT_NE(refund.find("insurance settlement was cancelled"), std::string::npos) << refund;
    EXPECT_EQ(refund.find("钱七"), std::string::npos) << "the name is printed masked";
}

}  // namespace
}  // namespace kiosk::drivers::escpos
