// Text as code points: which characters a text field may hold, and text made
// safe for formats that cannot carry some (XML in the spreadsheet export).
// Input is UTF-8; a byte that does not start a valid sequence reads as U+FFFD.
#pragma once

#include <string>
#include <string_view>

namespace lw {

// Control characters other than tab, line feed and carriage return (C0, DEL,
// C1), and the noncharacters U+FFFE and U+FFFF: nothing a person types, and
// several make an XML document (an .xlsx) unreadable.
bool IsForbiddenInText(char32_t cp);

// Whether `utf8` holds a forbidden character (NUL included).
bool HasForbiddenCharacters(std::string_view utf8);

// `utf8` with each forbidden character, and each invalid byte, replaced by
// U+FFFD.
std::string ReplaceForbiddenCharacters(std::string_view utf8);

}  // namespace lw
