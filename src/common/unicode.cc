#include "common/unicode.h"

#include <algorithm>

namespace lw {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// The code point at `i` and its length in bytes; U+FFFD (length 1) for a byte
// that does not start a valid, shortest-form sequence.
std::pair<char32_t, size_t> Decode(std::string_view s, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b = byte(i);
  if (b < 0x80) return {b, 1};
  size_t len = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 0;
  if (len == 0 || b > 0xF4 || i + len > s.size()) return {0xFFFD, 1};
  char32_t cp = b & (0x7F >> len);
  for (size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return {0xFFFD, 1};
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  static constexpr char32_t kShortest[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kShortest[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return {0xFFFD, 1};
  return {cp, len};
}

}  // namespace

bool IsForbiddenInText(char32_t cp) {
  if (cp == '\t' || cp == '\n' || cp == '\r') return false;
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0xFFFE || cp == 0xFFFF;
}

bool HasForbiddenCharacters(std::string_view utf8) {
  for (size_t i = 0; i < utf8.size();) {
    const auto [cp, len] = Decode(utf8, i);
    if (IsForbiddenInText(cp)) return true;
    i += len;
  }
  return false;
}

std::string ReplaceForbiddenCharacters(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  for (size_t i = 0; i < utf8.size();) {
    const auto [cp, len] = Decode(utf8, i);
    const bool invalid = cp == 0xFFFD && utf8.substr(i, len) != kReplacement;
    if (invalid || IsForbiddenInText(cp))
      out += kReplacement;
    else
      out += utf8.substr(i, len);
    i += len;
  }
  return out;
}

std::string StorableText(std::string_view bytes, size_t max_bytes) {
  std::string out;
  out.reserve(std::min(bytes.size(), max_bytes));
  for (size_t i = 0; i < bytes.size();) {
    const auto [cp, len] = Decode(bytes, i);
    std::string_view piece = bytes.substr(i, len);
    if (cp == 0xFFFD && piece != kReplacement) piece = kReplacement;
    i += len;
    if (cp == 0) continue;
    if (out.size() + piece.size() > max_bytes) break;
    out += piece;
  }
  return out;
}

}  // namespace lw
