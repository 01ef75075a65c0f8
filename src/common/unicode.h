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

// What bytes from outside (a receiver's answer, a TLS library's message)
// become before they are stored or shown: valid UTF-8 of at most `max_bytes`,
// each invalid byte (an incomplete sequence at the end too) replaced by
// U+FFFD, NUL removed (no database text holds it), cut before a code point
// that would not fit whole. To cut a longer text on a code point, give it
// with the 3 bytes past the limit that complete a sequence cut there.
std::string StorableText(std::string_view bytes, size_t max_bytes);

}  // namespace lw
