#pragma once
// Citizen ID numbers (GB 11643-1999): 6-digit region, 8-digit birth date, 3-digit sequence
// (odd = male), and a check character over ISO 7064 MOD 11-2.

#include <string>
#include <string_view>

#include "kiosk/core/error.hpp"

namespace kiosk {

/// The check character ('0'…'9' or 'X') for the first 17 digits; '\0' if they are not digits.
char idNumberCheckCharacter(std::string_view first17);

/// Validates length, digits, birth date and check character. Errors never echo the number.
Result<void> validateIdNumber(std::string_view idNumber);

}  // namespace kiosk
