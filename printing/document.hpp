#pragma once
// A printed document as a device-neutral model (DESIGN §7): built once from a template, then
// encoded as ESC/POS by the thermal driver or rendered to PDF for CUPS. Personal data in a
// Document is already masked by the template that built it.

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace kiosk::printing {

enum class Align { left, center, right };

struct TextLine {
    std::string text;  ///< UTF-8
    Align align = Align::left;
    int widthScale = 1;   ///< 1…8 (ESC/POS GS ! n)
    int heightScale = 1;  ///< 1…8
    bool bold = false;
};
struct Rule {};  ///< a horizontal line across the paper
struct Table {
    std::vector<int> columnWeights;  ///< relative widths
    std::vector<std::vector<std::string>> rows;
    bool headerRow = true;
};
struct QrCode {
    std::string data;
    int moduleDots = 6;
};
struct Barcode128 {
    std::string data;
};
struct Image {
    int width = 0;
    int height = 0;
    std::vector<uint8_t> pixels;  ///< one byte per pixel, 0 = white, non-zero = black
};
struct Feed {
    int lines = 1;
};
struct Cut {};

using Block = std::variant<TextLine, Rule, Table, QrCode, Barcode128, Image, Feed, Cut>;

struct Document {
    std::string id;    ///< journalled document id (reprints)
    std::string kind;  ///< "receipt", "registration_slip", "test_page", …
    std::vector<Block> blocks;

    Document& text(std::string value, Align align = Align::left, int scale = 1, bool bold = false) {
        blocks.emplace_back(TextLine{std::move(value), align, scale, scale, bold});
        return *this;
    }
    Document& rule() {
        blocks.emplace_back(Rule{});
        return *this;
    }
    Document& qr(std::string data) {
        blocks.emplace_back(QrCode{std::move(data)});
        return *this;
    }
    Document& cut() {
        blocks.emplace_back(Cut{});
        return *this;
    }
};

/// The text of a document, one line per text line / table row (for sim printers and tests).
std::vector<std::string> plainText(const Document& document);

}  // namespace kiosk::printing
