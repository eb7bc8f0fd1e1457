#pragma once
// The one masking function for personal data (DESIGN §3). Everything shown about a person on
// screen, on paper or in a log goes through maskPersonalData() unless the screen's purpose
// requires the full value.
//
//   name      张三 → 张*   张三丰 → 张*丰   欧阳娜娜 → 欧**娜   (UTF-8 aware; Latin names: J*** S****)
//   ID number 110101199003071234 → 110***********1234  (first 3, last 4)
//   phone     13812345678 → 138****5678                 (first 3, last 4)
//   card      any card / account / hospital number: first 4 and last 4 kept when long enough
//   address   北京市海淀区中关村南大街5号院3号楼 → 北京市海淀区****  (the region up to the district
//             or county; street, building and door hidden); Latin: the last part only
//             ("12 High St, Flat 5, Leeds" → "****, Leeds")

#include <string>
#include <string_view>

namespace kiosk {

enum class PersonalField { name, id_number, phone, card_number, address };

std::string maskPersonalData(std::string_view value, PersonalField field);

/// Safety net for log lines: replaces anything that looks like a citizen ID number
/// (17 digits + digit/X) or a long card number (12+ digits) with its masked form.
/// It does not replace masking at the source; names cannot be recognised in free text.
std::string redactDigitsInText(std::string_view text);

/// Splits UTF-8 into code points (as strings); invalid bytes become U+FFFD.
std::u32string decodeUtf8(std::string_view text);
std::string encodeUtf8(std::u32string_view text);

}  // namespace kiosk
