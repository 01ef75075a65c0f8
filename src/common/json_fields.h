// FieldReader: reads the fields of a JSON request body, collecting every
// validation problem under its field path ("contact.email") so that one 422
// names them all. Strings are trimmed; null and "" count as absent.
#pragma once

#include <boost/json/object.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"

namespace lw {

class FieldReader {
 public:
  explicit FieldReader(const boost::json::object& obj, std::string prefix = "")
      : obj_(obj), prefix_(std::move(prefix)) {}

  bool Has(const char* key) const;  // present and not null
  std::optional<std::string> String(const char* key, size_t max_chars = 1000);
  std::string RequiredString(const char* key, size_t max_chars = 1000);
  std::optional<bool> Bool(const char* key);
  std::optional<int64_t> Int(const char* key);
  std::vector<std::string> StringList(const char* key, size_t max_chars = 1000);
  const boost::json::object* Object(const char* key);

  void Fail(const std::string& key, std::string what) { errors_[Path(key)] = std::move(what); }
  std::string Path(const std::string& key) const {
    return prefix_.empty() ? key : prefix_ + "." + key;
  }
  bool ok() const { return errors_.empty(); }
  // Whether `key` already has a problem (a later, vaguer one must not replace it).
  bool Failed(const std::string& key) const { return errors_.count(Path(key)) > 0; }
  std::map<std::string, std::string>& errors() { return errors_; }
  // Ok, or a validation Error naming every failed field.
  Status Check() const;

 private:
  const boost::json::object& obj_;
  std::string prefix_;
  std::map<std::string, std::string> errors_;
};

// Number of Unicode code points in UTF-8 text (what a person calls characters).
size_t Utf8Length(std::string_view s);
std::string Trim(std::string_view s);
std::string Lower(std::string_view s);

}  // namespace lw
