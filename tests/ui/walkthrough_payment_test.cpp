// Issue 20 item 5: the payment QR is never smaller than a phone reads at arm's length. The real
// App (headless SDL) with the real PaymentDesk against the real hospital-sim; the QR is read back
// from the screenshot with ZXing (as a phone's decoder would) and its module size measured.
#define ZX_USE_UTF8
#include <ZXing/ReadBarcode.h>
#include <stb_image.h>

#include <cmath>

#include "kiosk/cli/wiring.hpp"
#include "printing/bitmap.hpp"
#include "screens/payment/payment_screens.hpp"
#include "tests/backend/sim_process.hpp"
#include "tests/ui/app_fixture.hpp"

namespace kiosk::test {
namespace {

class QrSizeTest : public AppTest {
protected:
    SimProcess hospital;

    void startWith(const std::string& ui) {
        const std::string sections = "[backend]\ndriver = \"fhir\"\nbase_url = \"" + hospital.fhirUrl() +
                                     "\"\nconnect_timeout_ms = 500\ncall_timeout_ms = 3000\nretries = 0\n"
                                     "[payments]\ngateway_url = \"" + hospital.rootUrl() + "/gateway" +
                                     "\"\nconnect_timeout_ms = 500\ncall_timeout_ms = 3000\npoll_interval_ms = 100\n"
                                     "qr_timeout_s = 60\n[ui]\n" + ui;
        auto loaded = config(sections);
        ASSERT_TRUE(loaded.has_value()) << loaded.error().detail;
        auto wired = cli::withKioskServices(*loaded, headlessOptions());
        ASSERT_TRUE(wired.has_value()) << wired.error().detail;
        open(std::move(*loaded), std::move(*wired));
    }

    struct Read {
        bool ok = false;
        std::string text;
        double sidePx = 0;
    };
    /// Decodes the QR in a screenshot as a phone's decoder would (grey levels, QR only).
    static Read readQr(const std::filesystem::path& png) {
        int width = 0;
        int height = 0;
        int channels = 0;
        unsigned char* pixels = stbi_load(png.c_str(), &width, &height, &channels, 1);
        if (!pixels) return {};
        ZXing::DecodeHints hints;
        hints.setFormats(ZXing::BarcodeFormat::QRCode);
        const auto result = ZXing::ReadBarcode(ZXing::ImageView(pixels, width, height, ZXing::ImageFormat::Lum), hints);
        stbi_image_free(pixels);
        if (!result.isValid()) return {};
        const auto& p = result.position();
        const double side = std::hypot(p.topRight().x - p.topLeft().x, p.topRight().y - p.topLeft().y);
        return Read{true, result.text(), side};
    }
};

TEST_F(QrSizeTest, ThePaymentQrKeepsItsMinimumModuleSizeInEveryLayout) {
    ASSERT_GT(hospital.port(), 0);
    // The default panel (21.5", 0.248 mm per pixel): 2 mm modules need 9 px.
    const int minimumModule = screens::minimumQrModulePixels(0.248F);
    EXPECT_EQ(minimumModule, 9);
    int walked = 0;
    for (const char* orientation : {"portrait", "landscape"}) {
        for (const bool largePrint : {false, true}) {
            for (const char* language : {"zh_CN", "en_US"}) {
                const std::string where = std::string(orientation) + (largePrint ? "-large-" : "-normal-") + language;
                SCOPED_TRACE(where);
                startWith(std::string("orientation = \"") + orientation + "\"\n");
                const auto report = journey(std::string(R"({"language": ")") + language + R"(", "large_print": )" +
                                            (largePrint ? "true" : "false") + R"(, "steps": [
                    {"tap": "attract.start"},
                    {"insert_card": {"device": "card", "person": "wang-xinkun"}},
                    {"tap": "menu.payment"},
                    {"await_screen": {"screen": "pay.charges", "seconds": 10}},
                    {"tap": "pay.self"},
                    {"await_screen": {"screen": "pay.channel", "seconds": 10}},
                    {"tap": "pay.channel.unionpay"},
                    {"await_screen": {"screen": "pay.qr", "seconds": 10}}
                ]})");
                ASSERT_TRUE(report.ok) << describe(report);
                const auto png = outputDir().string() + "-" + where + ".png";
                ASSERT_TRUE(app->screenshot(png).has_value());
                const Read read = readQr(png);
                ASSERT_TRUE(read.ok) << "the QR on " << png << " decodes";
                auto modules = printing::qrModules(read.text);
                ASSERT_TRUE(modules.has_value());
                const double modulePx = read.sidePx / modules->width;
                RecordProperty(where, std::to_string(modulePx));
                EXPECT_GE(modulePx, minimumModule - 0.5) << where << ": " << modules->width << " modules over " << read.sidePx << " px";
                // Let the order go (nothing charged) so the next layout starts clean.
                auto cancelled = journey(R"({"steps": [{"tap": "pay.qr.cancel"}, {"await_screen": {"screen": "pay.result", "seconds": 20}}]})");
                ASSERT_TRUE(cancelled.ok) << describe(cancelled);
                ++walked;
            }
        }
    }
    EXPECT_EQ(walked, 8);
}

TEST(QrSize, TheMinimumFollowsThePanelsPixelPitch) {
    EXPECT_EQ(screens::minimumQrModulePixels(0.248F), 9);   // 21.5" 1920x1080
    EXPECT_EQ(screens::minimumQrModulePixels(0.2745F), 8);  // 23.8" 1920x1080
    EXPECT_EQ(screens::minimumQrModulePixels(0.1245F), 17); // 21.5" 3840x2160
}

}  // namespace
}  // namespace kiosk::test
