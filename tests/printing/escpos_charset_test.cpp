// Field case escpos-gbk-lookalikes (issue 19, case 5): no '?' stands on paper where the HIS sent a
// character. The case's right values (toPrinterText of µ and ¥; the encoded receipt of
// tests/samples/escpos/escpos-gbk-lookalikes.charge-lines.tsv), the whole kind on the encoder
// (look-alikes from Unicode data, drawn lines, the printer font sets, control characters), and
// end to end: the driver over TCP to the virtual printer, whose ROM font prints '?' for any code
// it lacks, with the rendered PNG checked. No mocks.
#include <gtest/gtest.h>
#include <iconv.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>

#include <algorithm>
#include <fstream>

#include "drivers/printer/escpos/escpos_driver.hpp"
#include "drivers/printer/escpos/escpos_protocol.hpp"
#include "kiosk/core/config.hpp"
#include "kiosk/core/mask.hpp"
#include "printing_support.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiosk::drivers::escpos {
namespace {

using namespace std::chrono_literals;
using Bytes = std::vector<uint8_t>;

Bytes bytesOf(const std::string& text) { return Bytes(text.begin(), text.end()); }

bool contains(const Bytes& haystack, const Bytes& needle) {
    return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) != haystack.end();
}

/// The charges of the field case's TSV (description TAB amount; '#' lines are comments).
std::vector<printing::PaymentLine> fieldCaseCharges() {
    std::ifstream in(std::filesystem::path(KIOSK_TEST_SAMPLES_DIR) / "escpos" / "escpos-gbk-lookalikes.charge-lines.tsv");
    std::vector<printing::PaymentLine> lines;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line.starts_with("#")) continue;
        const auto tab = line.find('\t');
        if (tab == std::string::npos) continue;
        lines.push_back({line.substr(0, tab), line.substr(tab + 1)});
    }
    return lines;
}

printing::Document receiptWith(std::vector<printing::PaymentLine> lines) {
    Translator zh(test::printingCatalog(), "zh_CN");
    auto data = test::sampleReceipt();
    data.lines = std::move(lines);
    return printing::paymentReceipt(zh, data);
}

/// The job's text lines: the bytes between line feeds (commands included, as the case reads them).
std::vector<Bytes> linesOf(const Bytes& bytes) {
    std::vector<Bytes> lines(1);
    for (uint8_t b : bytes) {
        if (b == 0x0A) lines.emplace_back();
        else lines.back().push_back(b);
    }
    return lines;
}

// ---- the case's right values ----

TEST(EscposGbkLookAlikes, MicroAndYenAloneBecomeTheirGbkLookAlikes) {
    const auto micro = toPrinterText("\u00B5");
    EXPECT_EQ(bytesOf(micro.bytes), (Bytes{0xA6, 0xCC}));  // μ U+03BC in GBK
    EXPECT_EQ(micro.replaced, 0);
    const auto yen = toPrinterText("\u00A5");
    EXPECT_EQ(bytesOf(yen.bytes), (Bytes{0xA3, 0xA4}));  // ￥ U+FFE5 in GBK
    EXPECT_EQ(yen.replaced, 0);
}

TEST(EscposGbkLookAlikes, FieldCaseChargeLinesEncodeWithoutQuestionMarks) {
    const auto charges = fieldCaseCharges();
    ASSERT_EQ(charges.size(), 2U);
    ASSERT_EQ(charges[0].item, "维生素B12注射液 500\u00B5g×2支");
    ASSERT_EQ(charges[1].item, "自费差价 \u00A513.00");
    auto job = encodeDocument(receiptWith(charges), *findEscposModel("generic-80"));
    ASSERT_TRUE(job.has_value()) << job.error().detail;
    EXPECT_EQ(job->replacedCharacters, 0);
    EXPECT_EQ(job->rasterLines, 0);  // both have look-alikes: printed as text
    EXPECT_EQ(job->lookAlikes, 2);
    for (const auto& warning : job->warnings) EXPECT_EQ(warning.find("printed as '?'"), std::string::npos) << warning;
    const Bytes micro{0x35, 0x30, 0x30, 0xA6, 0xCC, 0x67};       // 500μg
    const Bytes yen{0xA3, 0xA4, 0x31, 0x33, 0x2E, 0x30, 0x30};  // ￥13.00
    int found = 0;
    for (const auto& line : linesOf(job->bytes)) {
        if (!contains(line, micro) && !contains(line, yen)) continue;
        ++found;
        EXPECT_EQ(std::count(line.begin(), line.end(), 0x3F), 0);
    }
    EXPECT_EQ(found, 2);
}

// ---- the whole kind, on the encoder ----

struct KindCase {
    const char* sent;
    PrintUnit::How how;
    const char* printed;  ///< what stands on paper (the look-alike); for drawn: the sent text
    std::vector<uint8_t> bytes;  ///< GB18030 bytes expected (empty for drawn)
};

class EscposLookAlikeKind : public ::testing::TestWithParam<KindCase> {};

TEST_P(EscposLookAlikeKind, EachCharacterPrintsAsItselfALookAlikeOrDrawn) {
    const KindCase& c = GetParam();
    const auto units = toPrintUnits(c.sent, FontCharset::gbk);
    ASSERT_EQ(units.units.size(), 1U) << c.sent;
    const PrintUnit& unit = units.units[0];
    EXPECT_EQ(static_cast<int>(unit.how), static_cast<int>(c.how)) << c.sent;
    EXPECT_EQ(unit.printed, c.printed);
    EXPECT_EQ(bytesOf(unit.bytes), c.bytes);
    // toPrinterText uses '?' only for what encodeDocument draws.
    EXPECT_EQ(toPrinterText(c.sent).replaced, c.how == PrintUnit::How::drawn ? 1 : 0);
}

using H = PrintUnit::How;
INSTANTIATE_TEST_SUITE_P(
    Kind, EscposLookAlikeKind,
    ::testing::Values(
        // in the GBK font already
        KindCase{"℃", H::as_sent, "℃", {0xA1, 0xE6}}, KindCase{"×", H::as_sent, "×", {0xA1, 0xC1}},
        KindCase{"“", H::as_sent, "“", {0xA1, 0xB0}}, KindCase{"’", H::as_sent, "’", {0xA1, 0xAF}},
        KindCase{"—", H::as_sent, "—", {0xA1, 0xAA}}, KindCase{"–", H::as_sent, "–", {0xA8, 0x43}},
        KindCase{"㎎", H::as_sent, "㎎", {0xA9, 0x4A}}, KindCase{"±", H::as_sent, "±", {0xA1, 0xC0}},
        KindCase{"\u00B7", H::as_sent, "\u00B7", {0xA1, 0xA4}},
        KindCase{"e\u0301", H::as_sent, "é", {0xA8, 0xA6}},  // canonical composition (NFC)
        // compatibility equivalents (NFKC <compat>, <noBreak>, <font>)
        KindCase{"\u00B5", H::look_alike, "\u03BC", {0xA6, 0xCC}},
        KindCase{"\u00A0", H::look_alike, " ", {0x20}}, KindCase{"\u202F", H::look_alike, " ", {0x20}},
        KindCase{"\u2002", H::look_alike, " ", {0x20}}, KindCase{"\uFB01", H::look_alike, "fi", {'f', 'i'}},
        KindCase{"\u2113", H::look_alike, "l", {'l'}}, KindCase{"\U0001D7CE", H::look_alike, "0", {'0'}},
        KindCase{"\u2011", H::look_alike, "\u2010", {0xA9, 0x5C}},
        // full-width twins (<wide> read backwards)
        KindCase{"\u00A5", H::look_alike, "\uFFE5", {0xA3, 0xA4}}, KindCase{"\u00A2", H::look_alike, "\uFFE0", {0xA1, 0xE9}},
        KindCase{"\u00A3", H::look_alike, "\uFFE1", {0xA1, 0xEA}}, KindCase{"\u00AC", H::look_alike, "\uFFE2", {0xA9, 0x56}},
        KindCase{"\u00A6", H::look_alike, "\uFFE4", {0xA9, 0x57}},
        // typographic punctuation via the confusables prototype
        KindCase{"\u2022", H::look_alike, "\u00B7", {0xA1, 0xA4}}, KindCase{"\u2012", H::look_alike, "-", {'-'}},
        KindCase{"\u2212", H::look_alike, "-", {'-'}}, KindCase{"\u201A", H::look_alike, ",", {','}},
        KindCase{"\u2039", H::look_alike, "<", {'<'}},
        // no look-alike in GBK: drawn (superscripts and fractions never fold: 10⁹ is not 109)
        KindCase{"\u00B2", H::drawn, "\u00B2", {}}, KindCase{"\u2079", H::drawn, "\u2079", {}},
        KindCase{"\u00BD", H::drawn, "\u00BD", {}}, KindCase{"ñ", H::drawn, "ñ", {}},
        KindCase{"\u00AB", H::drawn, "\u00AB", {}}, KindCase{"\u20AC", H::drawn, "\u20AC", {}},  // € is A2E3 in GB18030, not in GBK
        KindCase{"\U0001F600", H::drawn, "\U0001F600", {}}, KindCase{"\U0001F468\u200D\U0001F469\u200D\U0001F467", H::drawn,
                                                                     "\U0001F468\u200D\U0001F469\u200D\U0001F467", {}},
        KindCase{"\u4DAE", H::drawn, "\u4DAE", {}},      // 䶮, Extension A: a name character
        KindCase{"\U00020000", H::drawn, "\U00020000", {}},  // Extension B
        KindCase{"\uE000", H::drawn, "\uE000", {}},      // private use (a site's own glyph)
        KindCase{"x\u0302", H::drawn, "x\u0302", {}},    // no precomposed form
        KindCase{"\xFF", H::drawn, "\uFFFD", {}}));     // invalid UTF-8 is drawn as U+FFFD, never '?'

TEST(EscposLookAlikeKindSets, TheFontSetDecidesWhatPrintsAsText) {
    // ⅰ (A2 A1) is a GBK addition, not GB2312: there it folds to its compatibility equivalent i.
    EXPECT_EQ(toPrintUnits("ⅰ", FontCharset::gbk).units.at(0).how, PrintUnit::How::as_sent);
    EXPECT_EQ(toPrintUnits("ⅰ", FontCharset::gb2312).units.at(0).printed, "i");
    // 镕 (a name character) is in GBK (E9 46) but not in GB2312: drawn on a GB2312 printer.
    EXPECT_EQ(bytesOf(toPrintUnits("镕", FontCharset::gbk).units.at(0).bytes), (Bytes{0xE9, 0x46}));
    EXPECT_EQ(toPrintUnits("镕", FontCharset::gb2312).units.at(0).how, PrintUnit::How::drawn);
    EXPECT_EQ(toPrintUnits("\u4DAE", FontCharset::gbk).units.at(0).how, PrintUnit::How::drawn);
    // 䶮 is FE 9F since GB 18030-2005 (a user-defined cell in GBK fonts); 㐀 is 4 bytes.
    const auto yan = toPrintUnits("\u4DAE", FontCharset::gbk_ext_a).units.at(0);
    EXPECT_EQ(yan.how, PrintUnit::How::as_sent);
    EXPECT_EQ(bytesOf(yan.bytes), (Bytes{0xFE, 0x9F}));
    const auto extA = toPrintUnits("\u3400", FontCharset::gbk_ext_a).units.at(0);
    EXPECT_EQ(extA.how, PrintUnit::How::as_sent);
    EXPECT_EQ(bytesOf(extA.bytes), (Bytes{0x81, 0x39, 0xEE, 0x39}));
    EXPECT_EQ(extA.columns, 2);
    EXPECT_EQ(toPrintUnits("\u3400", FontCharset::gbk).units.at(0).how, PrintUnit::How::drawn);
    EXPECT_EQ(parseFontCharset("gbk+ext-a"), FontCharset::gbk_ext_a);
    EXPECT_FALSE(parseFontCharset("gb18030").has_value());
}

TEST(EscposLookAlikeKindSets, ControlAndInvisibleCharactersNeverReachThePrinter) {
    // ESC/GS/DLE in free text would be printer commands (GS V cuts the paper).
    const auto text = toPrinterText("A\x1D" "V\x01" "B\u200B\uFEFF\u00AD" "C\tD");
    EXPECT_EQ(text.bytes, "AVBC D");
    EXPECT_EQ(text.replaced, 0);
    const auto units = toPrintUnits("A\x1D" "V\x01" "B\u200B\uFEFF\u00AD" "C\tD", FontCharset::gbk);
    EXPECT_EQ(units.dropped, 5);
}

TEST(EscposLookAlikeKindSets, TwoByteCodesTakeTwoColumnsAsOnPaper) {
    // Chinese mode prints every 2-byte code 24 dots wide: μ, ×, ℃ are two columns, not one.
    EXPECT_EQ(displayColumns("500μg"), 6);
    EXPECT_EQ(displayColumns("×2支"), 5);
    EXPECT_EQ(displayColumns("37℃"), 4);
    EXPECT_EQ(displayColumns("\U0001F600"), 2);
}

TEST(EscposLookAlikeKindSets, EveryCodePointPrintsWithoutAQuestionMarkAndDigitsStayDigits) {
    // The whole kind: every assigned code point of the BMP and the emoji planes, 64 to a line.
    int drawn = 0;
    int lookAlikes = 0;
    iconv_t cd = iconv_open("UTF-8", "GB18030");
    ASSERT_NE(cd, reinterpret_cast<iconv_t>(-1));
    std::u32string line;
    auto check = [&] {
        const auto units = toPrintUnits(encodeUtf8(line), FontCharset::gbk);
        for (const auto& unit : units.units) {
            if (unit.how == PrintUnit::How::drawn) {
                ++drawn;
                EXPECT_TRUE(unit.bytes.empty());
                continue;
            }
            if (unit.how == PrintUnit::How::look_alike) ++lookAlikes;
            // The bytes say on paper exactly what `printed` says, and '?' only where '?' was sent.
            std::string in = unit.bytes;
            std::string out(in.size() * 4 + 4, '\0');
            char* inPtr = in.data();
            size_t inLeft = in.size();
            char* outPtr = out.data();
            size_t outLeft = out.size();
            iconv(cd, nullptr, nullptr, nullptr, nullptr);
            ASSERT_NE(iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft), static_cast<size_t>(-1)) << unit.sent;
            out.resize(out.size() - outLeft);
            EXPECT_EQ(out, unit.printed) << unit.sent;
            // (⁇ → ?? is Unicode's own compatibility equivalent, a '?' the HIS did send.)
            if (unit.printed.find('?') != std::string::npos) {
                UErrorCode status = U_ZERO_ERROR;
                std::string sentFolded;
                icu::Normalizer2::getNFKCInstance(status)->normalize(icu::UnicodeString::fromUTF8(unit.sent), status).toUTF8String(sentFolded);
                EXPECT_NE(sentFolded.find('?'), std::string::npos) << unit.sent;
            }
            // A decimal digit never becomes another digit or a letter (an amount stays an amount).
            const std::u32string sent = decodeUtf8(unit.sent);
            if (sent.size() == 1 && u_charType(static_cast<UChar32>(sent[0])) == U_DECIMAL_DIGIT_NUMBER && unit.how == PrintUnit::How::look_alike) {
                const std::u32string printed = decodeUtf8(unit.printed);
                ASSERT_EQ(printed.size(), 1U) << unit.sent;
                EXPECT_EQ(u_charDigitValue(static_cast<UChar32>(printed[0])), u_charDigitValue(static_cast<UChar32>(sent[0]))) << unit.sent;
            }
        }
        line.clear();
    };
    auto sweep = [&](char32_t from, char32_t to) {
        for (char32_t c = from; c <= to; ++c) {
            const auto type = u_charType(static_cast<UChar32>(c));
            if (type == U_UNASSIGNED || type == U_SURROGATE || type == U_CONTROL_CHAR) continue;
            line.push_back(c);
            line.push_back(' ');  // keeps combining marks apart from the previous character
            if (line.size() >= 128) check();
        }
        if (!line.empty()) check();
    };
    sweep(0x20, 0xFFFD);
    sweep(0x1D400, 0x1D7FF);  // mathematical letters and digits (<font>)
    sweep(0x1F000, 0x1FAFF);
    iconv_close(cd);
    std::cout << "[ kind ] look-alikes " << lookAlikes << ", drawn " << drawn << '\n';
    EXPECT_GT(lookAlikes, 1000);  // the folding is real, not a handful of table rows
}

TEST(EscposLookAlikeKindSets, ALineTheFontCannotHoldIsSentAsARasterImage) {
    printing::Document document;
    document.text("参考值 3.5-9.5×10\u2079/L", printing::Align::center);
    document.text("普通行");
    auto job = encodeDocument(document, *findEscposModel("generic-80"));
    ASSERT_TRUE(job.has_value());
    EXPECT_EQ(job->rasterLines, 1);
    EXPECT_EQ(job->replacedCharacters, 0);
    EXPECT_TRUE(contains(job->bytes, {0x1D, 0x76, 0x30, 0x00}));  // GS v 0
    EXPECT_FALSE(contains(job->bytes, bytesOf("3.5-9.5")));     // not also sent as text
    EXPECT_TRUE(contains(job->bytes, {0xC6, 0xD5, 0xCD, 0xA8, 0xD0, 0xD0, 0x0A}));  // 普通行 stays text
    EXPECT_TRUE(std::any_of(job->warnings.begin(), job->warnings.end(),
                            [](const std::string& w) { return w.find("printed as images") != std::string::npos; }));
}

TEST(EscposLookAlikeKindSets, ASiteSetsItsPrintersFontInConfig) {
    kiosk::test::TempDir dir;
    auto registryFor = [&](const std::string& font) {
        const auto file = dir.write("font.toml", kiosk::test::demoConfigText(R"(
[[devices]]
name = "receipt2"
class = "receipt_printer"
driver = "escpos"
model = "generic-80"
transport = "tcp"
font_charset = ")" + font + "\"\n"));
        auto config = loadConfig(file);
        EXPECT_TRUE(config.has_value());
        return DeviceRegistry::build(*config, DriverContext{config->assetsDir, config->dataDir});
    };
    auto registry = registryFor("gb2312");
    ASSERT_TRUE(registry.has_value()) << registry.error().detail;
    auto* device = dynamic_cast<EscposPrinter*>(registry->find("receipt2"));
    ASSERT_NE(device, nullptr);
    EXPECT_EQ(device->settings().model.font, FontCharset::gb2312);
    EXPECT_EQ(findEscposModel("generic-80")->font, FontCharset::gbk);  // the row's default
    auto refused = registryFor("gb18030");
    ASSERT_FALSE(refused.has_value());
    EXPECT_NE(refused.error().detail.find("font_charset"), std::string::npos) << refused.error().detail;
}

// ---- end to end: the driver over TCP to the virtual printer (GBK ROM font), PNG checked ----

class EscposGbkOverTcp : public ::testing::Test {
protected:
    void SetUp() override {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        outputDir = test::printingOutputDir(std::string("field-") + info->name());
        printer = std::make_unique<sim::VirtualEscposPrinter>(
            sim::VirtualEscposPrinter::Options{576, outputDir, sim::PrinterScenario::normal, 400, FontCharset::gbk});
        auto started = test::startVirtualPrinterServer(*printer);
        ASSERT_TRUE(started.has_value()) << started.error().detail;
        server = std::move(*started);
        EscposSettings settings;
        settings.model = *findEscposModel("test-80");
        settings.transport = "tcp";
        settings.port = server->port();
        settings.statusTimeout = 300ms;
        driver = std::make_unique<EscposPrinter>("receipt", settings);
        ASSERT_TRUE(driver->start([](DeviceEvent) {}).has_value());
    }
    void TearDown() override {
        driver.reset();
        server.reset();
    }
    sim::RenderedJob print(const printing::Document& document) {
        auto outcome = driver->print(document, 10s, CancelToken{});
        EXPECT_TRUE(outcome.has_value());
        if (outcome) {
            EXPECT_EQ(outcome->code, CompletionCode::success) << outcome->detail;
        }
        EXPECT_TRUE(printer->waitForJobs(1, 10s));
        const auto jobs = printer->jobs();
        if (jobs.empty()) return {};
        std::cout << "[ rendered ] " << jobs.back().png.string() << '\n';
        return jobs.back();
    }

    std::filesystem::path outputDir;
    std::unique_ptr<sim::VirtualEscposPrinter> printer;
    std::unique_ptr<sim::VirtualPrinterServer> server;
    std::unique_ptr<EscposPrinter> driver;
};

TEST_F(EscposGbkOverTcp, TheVirtualPrinterPrintsQuestionMarksForCodesItsFontLacks) {
    // What the field report saw: ¥ as the 4-byte GB18030 sequence 81 30 84 36 on a GBK printer.
    const Bytes job{0x1B, 0x40, 0x1C, 0x26, 0x81, 0x30, 0x84, 0x36, '1', '3', 0x0A, 0xA3, 0xA4, '1', '3', 0x0A, 0x1D, 0x56, 0x01};
    printer->receive(job);
    ASSERT_TRUE(printer->waitForJobs(1, 10s));
    const auto printed = printer->jobs().front().textLines;
    ASSERT_EQ(printed.size(), 2U);
    EXPECT_EQ(printed[0], "?13");
    EXPECT_EQ(printed[1], "\uFFE513");
}

TEST_F(EscposGbkOverTcp, FieldCaseReceiptPrintsMicroAndYenAsLookAlikes) {
    const auto job = print(receiptWith(fieldCaseCharges()));
    EXPECT_EQ(job.rasterImages, 0);
    for (const auto& line : job.textLines) EXPECT_EQ(line.find('?'), std::string::npos) << line;
    bool micro = false;
    bool yen = false;
    for (const auto& line : job.textLines) {
        micro = micro || (line.starts_with("维生素B12注射液 500\u03BCg×2支") && line.ends_with("12.50"));
        yen = yen || (line.starts_with("自费差价 \uFFE513.00") && line.ends_with("13.00"));
    }
    EXPECT_TRUE(micro);
    EXPECT_TRUE(yen);
    EXPECT_TRUE(test::pageContainsText(job.png, "维生素B12注射液 500\u03BCg×2支"));
    EXPECT_TRUE(test::pageContainsText(job.png, "自费差价 \uFFE513.00"));
    EXPECT_FALSE(test::pageContainsText(job.png, "自费差价 ?13.00"));  // the comparison can fail
}

TEST_F(EscposGbkOverTcp, LinesWithoutLookAlikesArePrintedAsImagesNotQuestionMarks) {
    // Superscripts, a rare name character (Extension A), Latin letters GBK lacks, an emoji.
    const std::vector<printing::PaymentLine> lines = {
        {"白细胞计数 10\u2079/L", "8.00"}, {"王\u4DAE 代缴", "3.00"}, {"Muñoz ½ dose", "1.00"}, {"体检套餐 \U0001F600", "2.00"}};
    const auto job = print(receiptWith(lines));
    EXPECT_EQ(job.rasterImages, 4);
    for (const auto& line : job.textLines) EXPECT_EQ(line.find('?'), std::string::npos) << line;
    for (const auto& line : lines) {
        EXPECT_TRUE(std::none_of(job.textLines.begin(), job.textLines.end(),
                                 [&](const std::string& printed) { return printed.starts_with(line.item); }));
        EXPECT_TRUE(test::pageContainsText(job.png, line.item)) << line.item;
    }
    EXPECT_FALSE(test::pageContainsText(job.png, "白细胞计数 109/L"));
    // The rest of the receipt stays text.
    EXPECT_NE(std::find(job.textLines.begin(), job.textLines.end(), "患者：张*丰"), job.textLines.end());
}

}  // namespace
}  // namespace kiosk::drivers::escpos
