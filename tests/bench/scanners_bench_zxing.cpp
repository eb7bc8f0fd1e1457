// ZXing side of the scanner benchmark (see scanners_bench_decoders.hpp).
#include "drivers/scanner/camera/zxing_decoder.hpp"
#include "tests/bench/scanners_bench_decoders.hpp"

namespace kiosk::bench {
namespace {

class ZxingDecoder final : public BenchDecoder {
public:
    ZxingDecoder(drivers::scanner::CodeDecoder decoder, std::string name)
        : decoder_(std::move(decoder)), name_(std::move(name)) {}
    std::string name() const override { return name_; }
    std::vector<std::string> decode(const uint8_t* pixels, int width, int height) override {
        image_.width = width;
        image_.height = height;
        image_.pixels.assign(pixels, pixels + static_cast<size_t>(width) * height);
        std::vector<std::string> texts;
        auto codes = decoder_.decode(image_);
        for (auto& code : codes) texts.push_back(std::move(code.text));
        return texts;
    }

private:
    drivers::scanner::CodeDecoder decoder_;
    std::string name_;
    drivers::scanner::LumaImage image_;
};

}  // namespace

std::unique_ptr<BenchDecoder> makeZxingDecoder(bool allFormats, bool tryInverted) {
    drivers::scanner::DecoderSettings settings;
    settings.tryInverted = tryInverted;
    if (allFormats) {
        settings.formats = {"QRCode", "MicroQRCode", "DataMatrix", "PDF417",          "Aztec",   "Code128",
                            "Code39", "Code93",      "Codabar",    "EAN13",           "EAN8",    "ITF",
                            "UPCA",   "UPCE",        "DataBar",    "DataBarExpanded", "MaxiCode"};
    }
    auto decoder = drivers::scanner::CodeDecoder::create(settings);
    if (!decoder) return nullptr;
    std::string name = allFormats ? "zxing-all-formats" : "zxing-site-formats";
    if (!tryInverted) name += "-no-inverted";
    return std::make_unique<ZxingDecoder>(std::move(*decoder), name);
}

}  // namespace kiosk::bench
