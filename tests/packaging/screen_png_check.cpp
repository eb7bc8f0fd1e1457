// screen_png_check: says whether a screenshot taken from outside the kiosk (grim, under cage)
// shows a given screen, from the colours the screen is drawn with (screens/theme.hpp). It reads
// what a patient would see, so a black, blank or half-drawn frame fails.
//
//   screen_png_check attract|out_of_service FILE.png [--portrait|--landscape]
//
// attract: the top bar and the start button in the theme's primary blue (#0A4F9E), the page in
// the theme's background (#F3F6FA), dark text on it, and many distinct colours (antialiased text
// and the card pictures). The bands are measured, not single pixels: cage scales the kiosk's
// 1080x1920 frame to its output, so positions are fractions of the image.
// out_of_service: the out-of-service screen's page colour (screens/out_of_service.hpp) over most
// of the frame, dark text on it, and no primary blue (no buttons: nothing to press).
//
// Prints the measures on one line; exit 0 when the screen matches, 1 when it does not (the line
// says which measure failed), 2 on a usage or read error.
#include <stb_image.h>

#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

namespace {

struct Rgb {
    int r, g, b;
};

constexpr Rgb kPrimary{0x0A, 0x4F, 0x9E};
constexpr Rgb kBackground{0xF3, 0xF6, 0xFA};
constexpr Rgb kOutOfServicePage{0xFF, 0xF4, 0xE0};  // screens/out_of_service.cpp kPage

bool near(const unsigned char* px, Rgb colour, int tolerance = 12) {
    return std::abs(px[0] - colour.r) <= tolerance && std::abs(px[1] - colour.g) <= tolerance &&
           std::abs(px[2] - colour.b) <= tolerance;
}

bool dark(const unsigned char* px) {
    return px[0] + px[1] + px[2] < 3 * 90;
}

struct Band {
    double primary = 0;     ///< share of the band's pixels in the primary blue
    double background = 0;  ///< in the page background
    double page = 0;        ///< in the out-of-service page colour
    double dark = 0;        ///< dark (text)
};

Band measure(const unsigned char* pixels, int width, int y0, int y1) {
    Band band;
    long total = 0;
    for (int y = y0; y < y1; ++y) {
        for (int x = 0; x < width; ++x) {
            const unsigned char* px = pixels + (static_cast<long>(y) * width + x) * 3;
            band.primary += near(px, kPrimary) ? 1 : 0;
            band.background += near(px, kBackground) ? 1 : 0;
            band.page += near(px, kOutOfServicePage) ? 1 : 0;
            band.dark += dark(px) ? 1 : 0;
            ++total;
        }
    }
    if (total > 0) {
        band.primary /= static_cast<double>(total);
        band.background /= static_cast<double>(total);
        band.page /= static_cast<double>(total);
        band.dark /= static_cast<double>(total);
    }
    return band;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: screen_png_check attract|out_of_service FILE.png [--portrait|--landscape]\n");
        return 2;
    }
    const std::string_view screen = argv[1];
    const std::string_view orientation = argc > 3 ? argv[3] : "";
    int width = 0;
    int height = 0;
    int channels = 0;
    unsigned char* pixels = stbi_load(argv[2], &width, &height, &channels, 3);
    if (pixels == nullptr) {
        std::fprintf(stderr, "screen_png_check: cannot read %s: %s\n", argv[2], stbi_failure_reason());
        return 2;
    }
    std::set<int> colours;
    for (long i = 0; i < static_cast<long>(width) * height; ++i) {
        const unsigned char* px = pixels + i * 3;
        colours.insert((px[0] << 16) | (px[1] << 8) | px[2]);
    }
    // Portrait: the top bar is the top 132 of 1920 px (6.9 %); landscape, 132 of 1080 (12 %).
    // The start button spans 89-97 % of the height in portrait (the full width), 82-96 % in
    // landscape (the right half): the 85-96 % band holds it in both.
    const bool portraitImage = height > width;
    const int topBarEnd = portraitImage ? height * 6 / 100 : height * 11 / 100;
    const Band top = measure(pixels, width, 0, topBarEnd);
    const Band middle = measure(pixels, width, height * 15 / 100, height * 85 / 100);
    const Band bottom = measure(pixels, width, height * 85 / 100, height * 96 / 100);
    const Band whole = measure(pixels, width, 0, height);
    stbi_image_free(pixels);
    std::printf(
        "%dx%d colours=%zu top.primary=%.2f middle.background=%.2f middle.dark=%.3f bottom.primary=%.2f "
        "whole.page=%.2f whole.primary=%.3f\n",
        width, height, colours.size(), top.primary, middle.background, middle.dark, bottom.primary, whole.page,
        whole.primary);
    std::string failed;
    auto require = [&failed](bool ok, const char* what) {
        if (!ok && failed.empty()) failed = what;
    };
    if (orientation == "--portrait") require(portraitImage, "not portrait (height <= width)");
    if (orientation == "--landscape") require(!portraitImage, "not landscape (height > width)");
    require(colours.size() >= 40, "fewer than 40 distinct colours (a blank or black frame)");
    if (screen == "attract") {
        require(top.primary >= 0.30, "the top bar is not the primary blue");
        require(middle.background >= 0.50, "the page is not the theme's background");
        require(middle.dark >= 0.002, "no dark text on the page");
        require(bottom.primary >= 0.15, "no start button near the bottom");
    } else if (screen == "out_of_service") {
        require(whole.page >= 0.60, "the page is not the out-of-service colour");
        require(middle.dark >= 0.005, "no dark text on the page");
        require(whole.primary < 0.01, "primary blue on the screen (a button or the normal top bar)");
    } else {
        std::fprintf(stderr, "screen_png_check: unknown screen %s\n", argv[1]);
        return 2;
    }
    if (!failed.empty()) {
        std::printf("NOT %s: %s\n", argv[1], failed.c_str());
        return 1;
    }
    std::printf("OK %s\n", argv[1]);
    return 0;
}
