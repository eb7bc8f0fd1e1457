#include "kiosk/core/id_number.hpp"

#include <array>
#include <cctype>
#include <chrono>

namespace kiosk {

char idNumberCheckCharacter(std::string_view first17) {
    static constexpr std::array<int, 17> kWeights = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    static constexpr std::string_view kCheck = "10X98765432";
    if (first17.size() != 17) return '\0';
    int sum = 0;
    for (size_t i = 0; i < 17; ++i) {
        if (!std::isdigit(static_cast<unsigned char>(first17[i]))) return '\0';
        sum += (first17[i] - '0') * kWeights[i];
    }
    return kCheck[static_cast<size_t>(sum % 11)];
}

Result<void> validateIdNumber(std::string_view idNumber) {
    if (idNumber.size() != 18) {
        return fail(Errc::invalid_data, "ID number has " + std::to_string(idNumber.size()) + " characters, expected 18",
                    "error.id_number_invalid");
    }
    const char expected = idNumberCheckCharacter(idNumber.substr(0, 17));
    if (expected == '\0') return fail(Errc::invalid_data, "ID number has a non-digit in its first 17 characters", "error.id_number_invalid");
    const int year = std::stoi(std::string(idNumber.substr(6, 4)));
    const unsigned month = static_cast<unsigned>(std::stoi(std::string(idNumber.substr(10, 2))));
    const unsigned day = static_cast<unsigned>(std::stoi(std::string(idNumber.substr(12, 2))));
    const std::chrono::year_month_day birth{std::chrono::year(year), std::chrono::month(month), std::chrono::day(day)};
    if (!birth.ok() || year < 1880) return fail(Errc::invalid_data, "ID number carries an impossible birth date", "error.id_number_invalid");
    const char actual = static_cast<char>(std::toupper(static_cast<unsigned char>(idNumber[17])));
    if (actual != expected) return fail(Errc::invalid_data, "ID number check character does not match (GB 11643)", "error.id_number_invalid");
    return {};
}

}  // namespace kiosk
