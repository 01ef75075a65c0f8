// Error: what went wrong, as a value that crosses module boundaries.
// Codes are product-level (validation, not_found, …); the HTTP layer maps each
// kind to a status code in one table (http/json_response.cc).
#pragma once

#include <expected>
#include <map>
#include <string>
#include <utility>

namespace lw {

enum class ErrorKind {
  kBadRequest,        // malformed input that is not a validation failure (bad JSON)
  kUnauthorized,      // no or bad credentials
  kForbidden,         // role not allowed
  kNotFound,          // missing, or another organization's
  kConflict,          // state conflict (duplicate name, rule enabled, webhooks disabled)
  kPayloadTooLarge,   // body over the limit
  kHeadersTooLarge,   // request line and headers over the limit
  kUnsupportedMedia,  // body is not JSON
  kValidation,        // fields failed validation
  kTooManyRequests,   // throttled
  kInternal,          // a broken dependency (disk, database)
  kUnavailable,       // the database cannot be reached for now: try again shortly
  kBusy,              // the database is reachable but too busy (a lock or statement timed
                      // out, conflicts kept repeating): try again shortly; not an outage
};

struct Error {
  ErrorKind kind = ErrorKind::kInternal;
  std::string code;                           // machine-readable, e.g. "webhooks_disabled"
  std::string message;                        // one sentence for a person
  std::map<std::string, std::string> fields;  // field path -> what is wrong
  std::string detail = {};                    // for the log only: never shown to a client

  static Error Validation(std::map<std::string, std::string> fields,
                          std::string message = "Some fields are invalid.") {
    return {ErrorKind::kValidation, "validation_failed", std::move(message), std::move(fields)};
  }
  static Error Field(const std::string& field, std::string what) {
    return Validation({{field, std::move(what)}});
  }
  static Error NotFound(std::string what = "Not found.") {
    return {ErrorKind::kNotFound, "not_found", std::move(what), {}};
  }
  static Error Conflict(std::string code, std::string message) {
    return {ErrorKind::kConflict, std::move(code), std::move(message), {}};
  }
  static Error Internal(std::string message) {
    return {ErrorKind::kInternal, "internal", std::move(message), {}};
  }
  static Error Unavailable(std::string message) {
    return {ErrorKind::kUnavailable, "unavailable", std::move(message), {}};
  }
  // To a client it is the same 503 `unavailable`.
  static Error Busy(std::string message) {
    return {ErrorKind::kBusy, "unavailable", std::move(message), {}};
  }
};

template <typename T>
using Result = std::expected<T, Error>;
using Status = std::expected<void, Error>;

inline std::unexpected<Error> Fail(Error e) { return std::unexpected<Error>(std::move(e)); }

}  // namespace lw

// Propagates an error from an expression yielding Result<T>/Status.
#define LW_CHECK(expr)                                         \
  do {                                                         \
    if (auto lw_status_ = (expr); !lw_status_)                 \
      return ::std::unexpected(std::move(lw_status_.error())); \
  } while (0)
