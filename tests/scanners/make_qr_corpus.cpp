// Generates the camera-frame corpus in tests/samples/qr/ (kept in git; rerun only to extend it):
//   build/tests/scanners/scanners_make_qr_corpus tests/samples/qr
// Each frame is a grey PNG at 640x480 or 1280x720 plus <name>.txt with the expected texts, one per
// line (empty for frames with no code). Scenes are drawn by this program: a phone (bezel, screen,
// app header, text lines) or a paper slip, placed with a perspective transform, then camera-like
// effects (blur, glare, low contrast, noise, vignette). Codes come from ZXing's MultiFormatWriter.
// Deterministic: a fixed seed per frame.
#define ZX_USE_UTF8 1
#include <ZXing/BarcodeFormat.h>
#include <ZXing/BitMatrix.h>
#include <ZXing/MultiFormatWriter.h>

#include <png.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "drivers/scanner/camera/camera_protocol.hpp"

namespace {

using Matrix3 = std::array<double, 9>;

/// The homography that maps the unit square's corners (0,0),(1,0),(1,1),(0,1) to `quad`.
Matrix3 squareToQuad(const std::array<std::array<double, 2>, 4>& q) {
    const double x0 = q[0][0], y0 = q[0][1], x1 = q[1][0], y1 = q[1][1], x2 = q[2][0], y2 = q[2][1], x3 = q[3][0],
                 y3 = q[3][1];
    const double dx3 = x0 - x1 + x2 - x3, dy3 = y0 - y1 + y2 - y3;
    if (std::abs(dx3) < 1e-9 && std::abs(dy3) < 1e-9) {
        return {x1 - x0, x2 - x1, x0, y1 - y0, y2 - y1, y0, 0, 0, 1};
    }
    const double dx1 = x1 - x2, dx2 = x3 - x2, dy1 = y1 - y2, dy2 = y3 - y2;
    const double den = dx1 * dy2 - dx2 * dy1;
    const double a13 = (dx3 * dy2 - dx2 * dy3) / den, a23 = (dx1 * dy3 - dx3 * dy1) / den;
    return {x1 - x0 + a13 * x1, x3 - x0 + a23 * x3, x0, y1 - y0 + a13 * y1, y3 - y0 + a23 * y3, y0, a13, a23, 1};
}

Matrix3 inverse(const Matrix3& m) {
    const double a = m[0], b = m[1], c = m[2], d = m[3], e = m[4], f = m[5], g = m[6], h = m[7], i = m[8];
    const double A = e * i - f * h, B = -(d * i - f * g), C = d * h - e * g;
    const double det = a * A + b * B + c * C;
    return {A / det, -(b * i - c * h) / det, (b * f - c * e) / det,
            B / det, (a * i - c * g) / det,  -(a * f - c * d) / det,
            C / det, -(a * h - b * g) / det, (a * e - b * d) / det};
}

/// An object drawn in its own unit square (u, v in [0,1]); returns intensity or -1 (transparent).
using Painter = std::function<double(double u, double v)>;

struct Placed {
    Matrix3 imageToUnit;
    Painter paint;
};

struct Frame {
    int width;
    int height;
    std::vector<double> pixels;
};

/// A QR or Code128 symbol as a module grid (true = dark).
struct Symbol {
    int columns = 0;
    int rows = 0;
    std::vector<bool> dark;
    bool linear = false;
};

Symbol encode(const std::string& text, ZXing::BarcodeFormat format) {
    ZXing::MultiFormatWriter writer(format);
    writer.setMargin(0);
    if (format == ZXing::BarcodeFormat::QRCode) writer.setEccLevel(2);
    const ZXing::BitMatrix matrix = writer.encode(text, 1, 1);
    Symbol symbol{matrix.width(), matrix.height(), {}, format != ZXing::BarcodeFormat::QRCode};
    if (symbol.linear) symbol.rows = 1;
    for (int y = 0; y < symbol.rows; ++y)
        for (int x = 0; x < symbol.columns; ++x) symbol.dark.push_back(matrix.get(x, y));
    return symbol;
}

enum class Holder { phone, slip, bare };

struct Item {
    Holder holder = Holder::phone;
    std::string text;  ///< empty: the holder shows no code (app screen without QR, text-only slip)
    bool code128 = false;
    double cx = 0.5, cy = 0.5;    ///< centre, as a fraction of the frame
    double modulePx = 5;          ///< pixels per module at the centre
    double rotation = 0;          ///< degrees, in the image plane
    double tiltX = 0, tiltY = 0;  ///< perspective: relative narrowing of one edge (0 = none, 0.4 = strong)
    bool darkMode = false;        ///< inverted code (light modules on a dark screen)
    double screenLevel = 235, inkLevel = 25;
};

struct Effects {
    double blurSigma = 0;
    double glare = 0;     ///< peak added brightness of a glare spot over the first item
    double contrast = 1;  ///< scales around mid-grey
    double noise = 0;     // sensor noise σ; costs PNG size (~2.5 bits per pixel), so only some frames have it
    bool noBackgroundTexture = false;
};

struct Spec {
    std::string folder;
    std::string name;
    int width;
    int height;
    std::vector<Item> items;
    Effects effects;
    std::string clutter;  ///< "" | "checker" | "random_modules" | "stripes": non-code patterns
};

/// Grey "text lines" for app screens and slips: rows of bars with gaps, drawn in unit space.
double textLines(double u, double v, double top, double bottom, double ink, double paper) {
    if (v < top || v > bottom) return paper;
    const double row = (v - top) / 0.045;
    const double inRow = row - std::floor(row);
    if (inRow > 0.45) return paper;
    const int rowIndex = static_cast<int>(row);
    const double length = 0.55 + 0.3 * std::sin(rowIndex * 2.1 + 1.0);
    if (u < 0.1 || u > 0.1 + length * 0.8) return paper;
    const double word = std::sin(u * 60 + rowIndex * 3.0);
    return word > -0.7 ? ink * 0.6 + paper * 0.4 : paper;
}

Placed place(const Item& item, const Symbol* symbol, int frameWidth, int frameHeight) {
    // Object size in "module units": the code plus its holder around it.
    const int modules = symbol ? symbol->columns : 29;
    double objectW = 0, objectH = 0;
    const double codeW = symbol && symbol->linear ? modules : modules;
    switch (item.holder) {
        case Holder::phone:
            objectW = codeW * 1.6 + 8;
            objectH = objectW * 1.9;
            break;
        case Holder::slip:
            objectW = codeW * 1.3 + 8;
            objectH = symbol && symbol->linear ? objectW * 0.8 : objectW * 1.4;
            break;
        case Holder::bare:
            objectW = codeW + 8;
            objectH = symbol && symbol->linear ? codeW * 0.35 + 8 : objectW;
            break;
    }
    const double widthPx = objectW * item.modulePx, heightPx = objectH * item.modulePx;
    const double cx = item.cx * frameWidth, cy = item.cy * frameHeight;
    const double angle = item.rotation * M_PI / 180.0;
    std::array<std::array<double, 2>, 4> corners{};
    const double half[4][2] = {{-0.5, -0.5}, {0.5, -0.5}, {0.5, 0.5}, {-0.5, 0.5}};
    for (int k = 0; k < 4; ++k) {
        double x = half[k][0] * widthPx, y = half[k][1] * heightPx;
        // tiltY narrows the top edge, tiltX the left edge: a phone held at an angle to the camera.
        x *= 1 - item.tiltY * (0.5 - half[k][1]);
        y *= 1 - item.tiltX * (0.5 - half[k][0]);
        corners[k] = {cx + x * std::cos(angle) - y * std::sin(angle), cy + x * std::sin(angle) + y * std::cos(angle)};
    }
    Placed placed{inverse(squareToQuad(corners)), {}};
    const Holder holder = item.holder;
    const double screen = item.darkMode ? 30 : item.screenLevel;
    const double ink = item.darkMode ? 215 : item.inkLevel;
    const Symbol sym = symbol ? *symbol : Symbol{};
    const bool hasCode = symbol != nullptr;
    placed.paint = [=](double u, double v) -> double {
        double x = u * objectW, y = v * objectH;  // module units inside the object
        double background = screen;
        if (holder == Holder::phone) {
            const double bezel = 3;
            if (x < bezel || x > objectW - bezel || y < bezel * 2.5 || y > objectH - bezel * 2.5) return 22;
            if (y < bezel * 2.5 + objectH * 0.08) return item.darkMode ? 60 : 120;  // app header bar
        } else if (holder == Holder::slip) {
            background = 240;
        }
        const double codeLeft = (objectW - codeW) / 2;
        const double codeTop = holder == Holder::phone ? objectH * 0.25 : (holder == Holder::slip ? objectH * 0.2 : 4);
        const double codeH = sym.linear ? codeW * 0.35 : codeW;
        if (hasCode && x >= codeLeft && x < codeLeft + codeW && y >= codeTop && y < codeTop + codeH) {
            const int column = static_cast<int>(x - codeLeft);
            const int row = sym.linear ? 0 : static_cast<int>(y - codeTop);
            return sym.dark[static_cast<size_t>(row) * sym.columns + column] ? ink : background;
        }
        if (holder == Holder::bare) return background;
        const double linesTop = hasCode ? (codeTop + codeH + 4) / objectH : 0.25;
        return textLines(u, v, linesTop, 0.92, holder == Holder::slip ? 40 : ink, background);
    };
    return placed;
}

double backgroundAt(int x, int y, int width, int height, bool plain) {
    // A desk/wall seen by a kiosk camera: a soft gradient and a faint wood-like texture.
    double value = 110 + 50.0 * x / width - 30.0 * y / height;
    if (!plain) value += 8 * std::sin(x * 0.05 + std::sin(y * 0.02) * 3) + 4 * std::sin(y * 0.3);
    return value;
}

void gaussianBlur(Frame& frame, double sigma) {
    const int radius = static_cast<int>(std::ceil(sigma * 3));
    std::vector<double> kernel(2 * radius + 1);
    double sum = 0;
    for (int i = -radius; i <= radius; ++i) sum += kernel[i + radius] = std::exp(-i * i / (2 * sigma * sigma));
    for (double& k : kernel) k /= sum;
    std::vector<double> temp(frame.pixels.size());
    const int w = frame.width, h = frame.height;
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            double acc = 0;
            for (int i = -radius; i <= radius; ++i)
                acc += kernel[i + radius] * frame.pixels[y * w + std::clamp(x + i, 0, w - 1)];
            temp[y * w + x] = acc;
        }
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            double acc = 0;
            for (int i = -radius; i <= radius; ++i)
                acc += kernel[i + radius] * temp[std::clamp(y + i, 0, h - 1) * w + x];
            frame.pixels[y * w + x] = acc;
        }
}

/// Writes a grey PNG with zlib level 9 and libpng's adaptive filters: about half the size of
/// stb_image_write's output, which matters for a corpus kept in git.
bool writeGreyPng(const std::filesystem::path& file, int width, int height, const std::vector<uint8_t>& pixels) {
    FILE* out = std::fopen(file.c_str(), "wb");
    if (!out) return false;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
    png_infop info = png_create_info_struct(png);
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        std::fclose(out);
        return false;
    }
    png_init_io(png, out);
    png_set_compression_level(png, 9);
    png_set_filter(png, 0, PNG_ALL_FILTERS);
    png_set_IHDR(png, info, width, height, 8, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (int y = 0; y < height; ++y) png_write_row(png, pixels.data() + static_cast<size_t>(y) * width);
    png_write_end(png, nullptr);
    png_destroy_write_struct(&png, &info);
    return std::fclose(out) == 0;
}

bool render(const Spec& spec, const std::filesystem::path& root, size_t seed) {
    Frame frame{spec.width, spec.height, std::vector<double>(static_cast<size_t>(spec.width) * spec.height)};
    std::vector<Placed> placed;
    std::vector<Symbol> symbols;
    symbols.reserve(spec.items.size());
    for (const Item& item : spec.items) {
        const Symbol* symbol = nullptr;
        if (!item.text.empty()) {
            symbols.push_back(
                encode(item.text, item.code128 ? ZXing::BarcodeFormat::Code128 : ZXing::BarcodeFormat::QRCode));
            symbol = &symbols.back();
        }
        placed.push_back(place(item, symbol, spec.width, spec.height));
    }
    std::mt19937 random(static_cast<unsigned>(seed));
    std::vector<uint8_t> clutterModules(64 * 64);
    for (auto& m : clutterModules) m = random() % 2;
    for (int y = 0; y < spec.height; ++y) {
        for (int x = 0; x < spec.width; ++x) {
            double value = backgroundAt(x, y, spec.width, spec.height, spec.effects.noBackgroundTexture);
            if (spec.clutter == "checker" && x > spec.width / 4 && x < spec.width * 3 / 4) {
                value = ((x / 12 + y / 12) % 2) ? 200 : 50;
            } else if (spec.clutter == "random_modules" && x > spec.width / 3 && y > spec.height / 4 &&
                       x < spec.width / 3 + 64 * 5 && y < spec.height / 4 + 64 * 5) {
                // QR-like noise without finder patterns: must never read as a code.
                value = clutterModules[((y - spec.height / 4) / 5) * 64 + (x - spec.width / 3) / 5] ? 30 : 225;
            } else if (spec.clutter == "stripes" && y > spec.height / 3 && y < spec.height * 2 / 3) {
                value = (static_cast<int>(x / (2.0 + (x % 97) / 30.0)) % 2) ? 210 : 40;  // barcode-like bars
            }
            // 2x2 supersampling of the placed objects (edges are anti-aliased like a real lens).
            double accumulated = 0;
            for (int sy = 0; sy < 2; ++sy)
                for (int sx = 0; sx < 2; ++sx) {
                    const double px = x + 0.25 + 0.5 * sx, py = y + 0.25 + 0.5 * sy;
                    double sample = value;
                    for (const Placed& object : placed) {
                        const Matrix3& m = object.imageToUnit;
                        const double w = m[6] * px + m[7] * py + m[8];
                        const double u = (m[0] * px + m[1] * py + m[2]) / w, v = (m[3] * px + m[4] * py + m[5]) / w;
                        if (u >= 0 && u < 1 && v >= 0 && v < 1) {
                            const double painted = object.paint(u, v);
                            if (painted >= 0) sample = painted;
                        }
                    }
                    accumulated += sample;
                }
            frame.pixels[static_cast<size_t>(y) * spec.width + x] = accumulated / 4;
        }
    }
    if (spec.effects.blurSigma > 0) gaussianBlur(frame, spec.effects.blurSigma);
    std::normal_distribution<double> noise(0, spec.effects.noise);
    const Item* first = spec.items.empty() ? nullptr : &spec.items.front();
    const double glareX = first ? (first->cx + 0.04) * spec.width : spec.width * 0.5;
    const double glareY = first ? (first->cy - 0.03) * spec.height : spec.height * 0.4;
    const double glareRadius = spec.height * 0.12;
    std::vector<uint8_t> out(frame.pixels.size());
    for (int y = 0; y < spec.height; ++y)
        for (int x = 0; x < spec.width; ++x) {
            double value = frame.pixels[static_cast<size_t>(y) * spec.width + x];
            value = 128 + (value - 128) * spec.effects.contrast;
            if (spec.effects.glare > 0) {
                const double d2 = (x - glareX) * (x - glareX) + (y - glareY) * (y - glareY);
                value += spec.effects.glare * std::exp(-d2 / (glareRadius * glareRadius));
            }
            const double dx = (x - spec.width / 2.0) / spec.width, dy = (y - spec.height / 2.0) / spec.height;
            value *= 1 - 0.35 * (dx * dx + dy * dy);  // lens vignette
            if (spec.effects.noise > 0) value += noise(random);
            out[static_cast<size_t>(y) * spec.width + x] =
                static_cast<uint8_t>(std::clamp(std::lround(value), 0L, 255L));
        }
    const std::filesystem::path folder = root / spec.folder;
    std::filesystem::create_directories(folder);
    if (!writeGreyPng(folder / (spec.name + ".png"), spec.width, spec.height, out)) {
        std::fprintf(stderr, "cannot write %s\n", (folder / (spec.name + ".png")).c_str());
        return false;
    }
    std::ofstream expected(folder / (spec.name + ".txt"), std::ios::binary);
    for (const Item& item : spec.items)
        if (!item.text.empty()) expected << item.text << '\n';
    return true;
}

// Payloads of the kinds the kiosk accepts (sample people in assets/sim/people.json), and a few it
// does not.
const char* const kHealthTokens[] = {
    "0272E5F1A9B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D5E6F708192A3B4C5D:1",
    "0272E5F1A9B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D5E6F708192A3B5D6E:1",
    "0272E5F1A9B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D5E6F708192A3B6E7F:1",
    "0272E5F1A9B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D5E6F708192A3B7F90:1",
};
const char* const kOtherPayloads[] = {
    "43ECQR8H2K4M6P9R1T3V5X7Z0B2D4F6",  // insurance e-voucher shape
    "YY202611230815",                   // appointment code
    "CF20261123004217",                 // prescription / pickup code
    "H20240007",                        // hospital card
    "https://example.org/not-a-hospital-code",
    "SJ2026112300012345",  // receipt number
};

std::string payload(size_t index) {
    const size_t tokens = std::size(kHealthTokens);
    if (index % 2 == 0) return kHealthTokens[(index / 2) % tokens];
    return kOtherPayloads[(index / 2) % std::size(kOtherPayloads)];
}

std::vector<Spec> corpus() {
    std::vector<Spec> specs;
    size_t counter = 0;
    const auto add = [&](std::string folder, int w, int h, std::vector<Item> items, Effects effects = {},
                         std::string clutter = "") {
        const std::string name =
            folder + "_" + std::to_string(w) + "x" + std::to_string(h) + "_" + std::to_string(specs.size());
        specs.push_back(Spec{std::move(folder), name, w, h, std::move(items), effects, std::move(clutter)});
        ++counter;
    };
    const auto qr = [&](double modulePx, double rotation = 0, double tiltX = 0, double tiltY = 0) {
        Item item;
        item.text = payload(counter);
        item.modulePx = modulePx;
        item.rotation = rotation;
        item.tiltX = tiltX;
        item.tiltY = tiltY;
        return item;
    };
    for (int size : {0, 1}) {
        const int w = size ? 1280 : 640, h = size ? 720 : 480;
        const double m = size ? 1.6 : 1.0;  // module scale for the bigger frame
        add("clean", w, h, {qr(4.5 * m)});
        add("clean", w, h, {qr(3.5 * m, 3)});
        add("clean", w, h, {[&] {
                Item i = qr(4 * m);
                i.holder = Holder::slip;
                return i;
            }()});
        add("angle", w, h, {qr(4.5 * m, 5, 0.25, 0)});
        add("angle", w, h, {qr(4.5 * m, -8, 0, 0.3)});
        add("angle", w, h, {qr(4 * m, 12, 0.35, 0.2)});
        add("angle", w, h, {qr(5 * m, -20, -0.3, 0.4)});
        add("blur", w, h, {qr(4.5 * m, 4)}, Effects{.blurSigma = 1.2 * m});
        add("blur", w, h, {qr(5 * m, -6)}, Effects{.blurSigma = 2.0 * m});
        add("blur", w, h, {qr(6 * m, 10, 0.2, 0)}, Effects{.blurSigma = 2.8 * m});
        add("glare", w, h, {qr(4.5 * m, 2)}, Effects{.glare = 90});
        add("glare", w, h, {qr(5 * m, -10, 0.2, 0)}, Effects{.glare = 140});
        add("glare", w, h, {qr(5 * m, 7)}, Effects{.glare = 200});
        add("low_contrast", w, h, {qr(4.5 * m)}, Effects{.contrast = 0.35});
        add("low_contrast", w, h, {[&] {
                Item i = qr(4.5 * m, 5);
                i.screenLevel = 150;
                i.inkLevel = 105;
                return i;
            }()});
        add("low_contrast", w, h, {qr(5 * m, -4)}, Effects{.contrast = 0.2, .noise = 0.8});
        add("inverted", w, h, {[&] {
                Item i = qr(4.5 * m);
                i.darkMode = true;
                return i;
            }()});
        add("inverted", w, h, {[&] {
                Item i = qr(4 * m, 15, 0.2, 0);
                i.darkMode = true;
                return i;
            }()});
        add("rotated", w, h, {qr(4.5 * m, 30)});
        add("rotated", w, h, {qr(4.5 * m, 90)});
        add("rotated", w, h, {qr(4.5 * m, 135)});
        add("rotated", w, h, {qr(4.5 * m, 200)});
        add("small", w, h, {qr(2.4 * m)});
        add("small", w, h, {qr(2.0 * m, 6)});
        add("small", w, h, {qr(1.7 * m, -3)});
        add("multi", w, h,
            {[&] {
                 Item i = qr(3.5 * m);
                 i.cx = 0.27;
                 return i;
             }(),
             [&] {
                 Item i = qr(3.5 * m, 8);
                 i.cx = 0.73;
                 i.text = payload(counter + 1);
                 return i;
             }()});
        add("multi", w, h,
            {[&] {
                 Item i = qr(2.6 * m);
                 i.cx = 0.2;
                 i.cy = 0.5;
                 return i;
             }(),
             [&] {
                 Item i = qr(2.6 * m, -5);
                 i.cx = 0.5;
                 i.text = payload(counter + 1);
                 return i;
             }(),
             [&] {
                 Item i = qr(2.6 * m, 4);
                 i.cx = 0.8;
                 i.text = payload(counter + 2);
                 return i;
             }()});
        const auto bar = [&](const char* text, double modulePx, double rotation) {
            Item i;
            i.holder = Holder::slip;
            i.code128 = true;
            i.text = text;
            i.modulePx = modulePx;
            i.rotation = rotation;
            return i;
        };
        add("barcode", w, h, {bar("SJ2026112300012345", 2.2 * m, 0)});
        add("barcode", w, h, {bar("H20240014", 2.0 * m, 8)});
        add("barcode", w, h, {bar("CF20261123004217", 2.0 * m, 90)}, Effects{.blurSigma = 0.8 * m});
        // Frames with no code: a phone showing an app page, a slip with text, patterns.
        add("empty", w, h, {[&] {
                Item i;
                i.modulePx = 6 * m;
                return i;
            }()});
        add("empty", w, h, {[&] {
                Item i;
                i.holder = Holder::slip;
                i.modulePx = 7 * m;
                i.rotation = 10;
                return i;
            }()});
        add("empty", w, h, {}, Effects{}, "checker");
        add("empty", w, h, {}, Effects{}, "random_modules");
        add("empty", w, h, {}, Effects{.blurSigma = 1.0}, "stripes");
        add("empty", w, h, {}, Effects{.glare = 160});
    }
    // A 3,000-character code (the 'too long' guard): QR version 40 needs a big, sharp frame.
    std::string longText;
    for (int i = 0; longText.size() < 3000; ++i) longText += "LONG" + std::to_string(1000 + i);
    longText.resize(3000);
    add("long", 1280, 720, {[&] {
            Item i;
            i.holder = Holder::bare;
            i.text = longText;
            i.modulePx = 3.0;
            return i;
        }()},
        Effects{});
    return specs;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s OUTPUT_DIR (tests/samples/qr)\n", argv[0]);
        return 2;
    }
    const std::filesystem::path root = argv[1];
    size_t index = 0;
    for (const Spec& spec : corpus()) {
        if (!render(spec, root, 1000 + index++)) return 1;
        std::printf("%s/%s\n", spec.folder.c_str(), spec.name.c_str());
    }
    return 0;
}
