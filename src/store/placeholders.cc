#include "store/placeholders.h"

#include <cctype>

namespace lw::sql {

namespace {

// Just past the first `close` at or after `i`; the end of the text if none.
size_t SkipPast(std::string_view sql, size_t i, std::string_view close) {
  const size_t end = sql.find(close, i);
  return end == std::string_view::npos ? sql.size() : end + close.size();
}

// Just past the end of an E'…' string, where a backslash escapes the next
// character (E'it\'s').
size_t SkipEscapeString(std::string_view sql, size_t i) {
  while (i < sql.size()) {
    if (sql[i] == '\\') {
      i += 2;
    } else if (sql[i] == '\'') {
      return i + 1;
    } else {
      ++i;
    }
  }
  return sql.size();
}

// A dollar-quote tag at `i` ("$$" or "$tag$"), or empty when there is none.
std::string_view DollarTag(std::string_view sql, size_t i) {
  size_t j = i + 1;
  while (j < sql.size() && (std::isalnum(static_cast<unsigned char>(sql[j])) || sql[j] == '_')) {
    if (j == i + 1 && std::isdigit(static_cast<unsigned char>(sql[j]))) return {};  // $1
    ++j;
  }
  if (j < sql.size() && sql[j] == '$') return sql.substr(i, j - i + 1);
  return {};
}

}  // namespace

std::string NumberPlaceholders(std::string_view sql, int* count) {
  std::string out;
  out.reserve(sql.size() + 16);
  int n = 0;
  size_t i = 0;
  while (i < sql.size()) {
    const char ch = sql[i];
    size_t end = i + 1;
    if (ch == '\'' && i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e')) {
      end = SkipEscapeString(sql, i + 1);
    } else if (ch == '\'' || ch == '"') {
      // '' inside a literal is an escaped quote: the scan ends at the first
      // quote and the next round starts a new literal right after, same result.
      end = SkipPast(sql, i + 1, std::string_view(&sql[i], 1));
    } else if (ch == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      end = SkipPast(sql, i + 2, "\n");
    } else if (ch == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      end = SkipPast(sql, i + 2, "*/");
    } else if (ch == '$') {
      if (const auto tag = DollarTag(sql, i); !tag.empty())
        end = SkipPast(sql, i + tag.size(), tag);
    } else if (ch == '?') {
      out += '$';
      out += std::to_string(++n);
      ++i;
      continue;
    }
    out.append(sql.substr(i, end - i));
    i = end;
  }
  if (count) *count = n;
  return out;
}

}  // namespace lw::sql
