#include "http/json_response.h"

#include <boost/json.hpp>

#include "common/unicode.h"

namespace lw::http {

namespace json = boost::json;

int StatusFor(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kBadRequest:
      return 400;
    case ErrorKind::kUnauthorized:
      return 401;
    case ErrorKind::kForbidden:
      return 403;
    case ErrorKind::kNotFound:
      return 404;
    case ErrorKind::kConflict:
      return 409;
    case ErrorKind::kPayloadTooLarge:
      return 413;
    case ErrorKind::kHeadersTooLarge:
      return 431;
    case ErrorKind::kUnsupportedMedia:
      return 415;
    case ErrorKind::kValidation:
      return 422;
    case ErrorKind::kTooManyRequests:
      return 429;
    case ErrorKind::kInternal:
      return 500;
    case ErrorKind::kUnavailable:
    case ErrorKind::kBusy:
      return 503;
  }
  return 500;
}

Response ErrorResponse(const Error& e) {
  // Messages may quote the request (its path, its method), which may hold
  // bytes that are not UTF-8: the answer must stay valid JSON.
  json::object fields;
  for (const auto& [k, v] : e.fields)
    fields[ReplaceForbiddenCharacters(k)] = ReplaceForbiddenCharacters(v);
  json::object error{{"code", e.code}, {"message", ReplaceForbiddenCharacters(e.message)}};
  if (!fields.empty()) error["fields"] = std::move(fields);
  Response r = JsonResponse(StatusFor(e.kind), json::object{{"error", std::move(error)}});
  // Nothing was stored; a client that retries after a few seconds will likely succeed.
  if (e.kind == ErrorKind::kUnavailable || e.kind == ErrorKind::kBusy)
    r.headers.emplace_back("Retry-After", "5");
  // A rate limit refills within a second; the login throttle counts guesses
  // over 15 minutes.
  if (e.kind == ErrorKind::kTooManyRequests)
    r.headers.emplace_back("Retry-After", e.code == "rate_limited" ? "1" : "900");
  return r;
}

Response JsonResponse(int status, const json::value& body) {
  Response r;
  r.status = status;
  r.body = json::serialize(body);
  return r;
}

Response NoContent() {
  Response r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

}  // namespace lw::http
