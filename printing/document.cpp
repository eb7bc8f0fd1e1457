#include "printing/document.hpp"

namespace kiosk::printing {

std::vector<std::string> plainText(const Document& document) {
    std::vector<std::string> lines;
    for (const Block& block : document.blocks) {
        if (const auto* line = std::get_if<TextLine>(&block)) {
            lines.push_back(line->text);
        } else if (const auto* table = std::get_if<Table>(&block)) {
            for (const auto& row : table->rows) {
                std::string joined;
                for (const auto& cell : row) joined += (joined.empty() ? "" : "  ") + cell;
                lines.push_back(joined);
            }
        } else if (const auto* qr = std::get_if<QrCode>(&block)) {
            lines.push_back("[QR " + qr->data + "]");
        } else if (const auto* barcode = std::get_if<Barcode128>(&block)) {
            lines.push_back("[CODE128 " + barcode->data + "]");
        } else if (std::holds_alternative<Rule>(block)) {
            lines.emplace_back("--------");
        } else if (std::holds_alternative<Cut>(block)) {
            lines.emplace_back("[cut]");
        }
    }
    return lines;
}

}  // namespace kiosk::printing
