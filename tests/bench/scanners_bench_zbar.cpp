// zbar side of the scanner benchmark (see scanners_bench_decoders.hpp). No ZXing header here.
#include <zbar.h>

#include "tests/bench/scanners_bench_decoders.hpp"

namespace kiosk::bench {
namespace {

class ZbarDecoder final : public BenchDecoder {
public:
    ZbarDecoder() {
        // Same symbologies as the site: everything off, then QR and Code128 on.
        scanner_.set_config(zbar::ZBAR_NONE, zbar::ZBAR_CFG_ENABLE, 0);
        scanner_.set_config(zbar::ZBAR_QRCODE, zbar::ZBAR_CFG_ENABLE, 1);
        scanner_.set_config(zbar::ZBAR_CODE128, zbar::ZBAR_CFG_ENABLE, 1);
    }
    std::string name() const override { return "zbar"; }
    std::vector<std::string> decode(const uint8_t* pixels, int width, int height) override {
        zbar::Image image(static_cast<unsigned>(width), static_cast<unsigned>(height), "Y800", pixels,
                          static_cast<unsigned long>(width) * static_cast<unsigned long>(height));
        std::vector<std::string> texts;
        if (scanner_.scan(image) > 0) {
            for (auto symbol = image.symbol_begin(); symbol != image.symbol_end(); ++symbol) {
                texts.push_back(symbol->get_data());
            }
        }
        image.set_data(nullptr, 0);  // the pixels are ours
        return texts;
    }

private:
    zbar::ImageScanner scanner_;
};

}  // namespace

std::unique_ptr<BenchDecoder> makeZbarDecoder() {
    return std::make_unique<ZbarDecoder>();
}

}  // namespace kiosk::bench
