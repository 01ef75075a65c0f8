#include "common/json_fields.h"

#include <boost/json/value.hpp>

#include "common/unicode.h"

namespace lw {

size_t Utf8Length(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string Trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(first, last - first + 1));
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
  return out;
}

bool FieldReader::Has(const char* key) const {
  auto it = obj_.find(key);
  return it != obj_.end() && !it->value().is_null();
}

std::optional<std::string> FieldReader::String(const char* key, size_t max_chars) {
  auto it = obj_.find(key);
  if (it == obj_.end() || it->value().is_null()) return std::nullopt;
  const boost::json::value& v = it->value();
  std::string text;
  if (v.is_string()) {
    text = Trim(v.get_string());
  } else if (v.is_int64() || v.is_uint64()) {
    text = boost::json::serialize(v);  // a number where text is expected: accept its digits
  } else {
    Fail(key, "must be a string");
    return std::nullopt;
  }
  if (Utf8Length(text) > max_chars) {
    Fail(key, "must be at most " + std::to_string(max_chars) + " characters");
    return std::nullopt;
  }
  if (HasForbiddenCharacters(text)) {
    Fail(key, "must not contain control characters");
    return std::nullopt;
  }
  if (text.empty()) return std::nullopt;
  return text;
}

std::string FieldReader::RequiredString(const char* key, size_t max_chars) {
  const bool had_error = Failed(key);
  auto s = String(key, max_chars);
  if (!s && !had_error && !Failed(key)) Fail(key, "is required");
  return s.value_or("");
}

std::optional<bool> FieldReader::Bool(const char* key) {
  auto it = obj_.find(key);
  if (it == obj_.end() || it->value().is_null()) return std::nullopt;
  if (!it->value().is_bool()) {
    Fail(key, "must be true or false");
    return std::nullopt;
  }
  return it->value().get_bool();
}

std::optional<int64_t> FieldReader::Int(const char* key) {
  auto it = obj_.find(key);
  if (it == obj_.end() || it->value().is_null()) return std::nullopt;
  if (it->value().is_int64()) return it->value().get_int64();
  if (it->value().is_uint64() && it->value().get_uint64() <= uint64_t(INT64_MAX))
    return int64_t(it->value().get_uint64());
  Fail(key, "must be a whole number");
  return std::nullopt;
}

std::vector<std::string> FieldReader::StringList(const char* key, size_t max_chars) {
  std::vector<std::string> out;
  auto it = obj_.find(key);
  if (it == obj_.end() || it->value().is_null()) return out;
  if (!it->value().is_array()) {
    Fail(key, "must be a list of strings");
    return out;
  }
  for (const auto& v : it->value().get_array()) {
    if (!v.is_string() || Utf8Length(v.get_string()) > max_chars) {
      Fail(key, "must be a list of strings");
      return {};
    }
    std::string s = Trim(v.get_string());
    if (!s.empty()) out.push_back(std::move(s));
  }
  return out;
}

const boost::json::object* FieldReader::Object(const char* key) {
  auto it = obj_.find(key);
  if (it == obj_.end() || it->value().is_null()) return nullptr;
  if (!it->value().is_object()) {
    Fail(key, "must be an object");
    return nullptr;
  }
  return &it->value().get_object();
}

Status FieldReader::Check() const {
  if (errors_.empty()) return {};
  return lw::Fail(Error::Validation(errors_));
}

}  // namespace lw
